"""Code systems and identifier systems of the FHIR exchange.

Standard codes come from ../shared/CLINICAL.md section 10 (SNOMED CT, ICD-10). Everything that
has no verified standard code (the scar scales, facial regions, scar morphologies, treatment
modalities, questionnaires) is coded in a CodeSystem of our own, under one canonical base.
"""

from __future__ import annotations

from typing import Final

# The canonical namespace of scarclinic's own code systems, identifier systems and extensions.
CANONICAL_BASE: Final = "https://scarclinic.org/fhir"

SNOMED: Final = "http://snomed.info/sct"
ICD10: Final = "http://hl7.org/fhir/sid/icd-10"
# ISBT 128 Donation Identification Number: the system FHIR names for an ICCBBA-encoded DIN
# (FHIR STU3 extension device-din, http://hl7.org/fhir/StructureDefinition/device-din).
ISBT128_DIN: Final = "http://hl7.org/fhir/NamingSystem/iccbba-din"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONSENT_SCOPE: Final = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/consentcategorycodes"
ADVERSE_EVENT_OUTCOME: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
ADVERSE_EVENT_SERIOUSNESS: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
ADVERSE_EVENT_SEVERITY: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
ADVERSE_EVENT_CAUSALITY: Final = (
    "http://terminology.hl7.org/CodeSystem/adverse-event-causality-assess"
)
MEDIA_TYPE: Final = "http://terminology.hl7.org/CodeSystem/media-type"
BDP_CATEGORY_R5: Final = "http://hl7.org/fhir/product-category"
BDP_STATUS_R5: Final = "http://hl7.org/fhir/biologicallyderived-product-status"
CONSENT_POLICY: Final = "http://terminology.hl7.org/CodeSystem/consentpolicycodes"

# Our own code systems (CodeSystem resources under CANONICAL_BASE/CodeSystem/<name>).
SCALES: Final = f"{CANONICAL_BASE}/CodeSystem/scar-scales"
REGION: Final = f"{CANONICAL_BASE}/CodeSystem/facial-region"
MORPHOLOGY: Final = f"{CANONICAL_BASE}/CodeSystem/scar-morphology"
MODALITY: Final = f"{CANONICAL_BASE}/CodeSystem/treatment-modality"
CONDITION: Final = f"{CANONICAL_BASE}/CodeSystem/condition"
PRODUCT_TYPE: Final = f"{CANONICAL_BASE}/CodeSystem/cell-product-type"
PRODUCT_CODE: Final = f"{CANONICAL_BASE}/CodeSystem/clinic-product-code"
INSTRUMENT: Final = f"{CANONICAL_BASE}/CodeSystem/questionnaire"
CONSENT_PROCEDURE: Final = f"{CANONICAL_BASE}/CodeSystem/consent-procedure"
AE_CATEGORY: Final = f"{CANONICAL_BASE}/CodeSystem/adverse-event-category"
CTCAE_GRADE: Final = f"{CANONICAL_BASE}/CodeSystem/ctcae-grade"
PRODUCT_STATUS: Final = f"{CANONICAL_BASE}/CodeSystem/cell-product-status"
# Extensions.
EXT_DEPENDS_ON_CONSENT: Final = f"{CANONICAL_BASE}/StructureDefinition/depends-on-consent"
EXT_REGULATORY_CLASS: Final = f"{CANONICAL_BASE}/StructureDefinition/regulatory-class"


def mrn_system(clinic_code: str) -> str:
    """The identifier system of one clinic's medical record numbers: import matches on it."""
    return f"{CANONICAL_BASE}/sid/mrn/{clinic_code}"


# The scales (CLINICAL.md sections 2-4): none has a LOINC code, so they are ours.
SCALE_CODES: Final = {
    "goodman-baron-qualitative": "Goodman & Baron qualitative global acne scar grade (1-4)",
    "goodman-baron-quantitative": "Goodman & Baron quantitative global acne scar score (0-84)",
    "ecca": "ECCA acne scar score (0-540)",
    "scar-count": "Acne scar count in one facial region, by morphology",
    "pro-score": "Patient-reported questionnaire score",
}

# CLINICAL.md section 10: SNOMED CT 275322007 scar; ICD-10 L90.5 scar conditions and fibrosis
# of skin. No verified acne-scar code: our own code carries the precise meaning.
CONDITION_SCAR_SNOMED: Final = ("275322007", "Scar")
CONDITION_SCAR_ICD10: Final = ("L90.5", "Scar conditions and fibrosis of skin")
CONDITION_ACNE_SCARRING: Final = ("acne-scarring", "Acne scarring")

# ProductUnit.status -> R4 BiologicallyDerivedProduct.status (available | unavailable) and
# R5 productStatus (available | unavailable | ...).
AVAILABLE_STATUSES: Final = frozenset({"released", "issued"})
