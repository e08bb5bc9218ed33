"""The bedside check: the unit scanned (or typed) against the patient identified, just before
an administration. Every reason to refuse is found and said plainly; the check is recorded
whatever its outcome. Called by the services inside their transaction, with the unit's row
locked, so nothing changes between the check and the administration record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from scarclinic.accounts.models import Clinic, User
from scarclinic.assessments.selectors import latest_profile
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object
from scarclinic.biologics.models import BedsideCheck, BedsideOutcome, ProductStatus, ProductUnit
from scarclinic.biologics.models.products import FROZEN_CONDITIONS
from scarclinic.clinical.candidacy import CELL_THERAPY, Status, screen
from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.history import age_on
from scarclinic.clinical.isbt128 import parse_din
from scarclinic.clinical.qc import ProductType
from scarclinic.patients.models import Patient, ProcedureType, SignedConsent
from scarclinic.treatments.selectors import clinic_rules, labs_to_core, latest_labs

STATUS_REFUSALS: dict[str, str] = {
    ProductStatus.QUARANTINE: "In quarantine: not released after QC. Do not use it; ask the lab.",
    ProductStatus.REJECTED: "Rejected by the lab: it must not be used.",
    ProductStatus.DISCARDED: "Discarded: it must not be used.",
    ProductStatus.RECALLED: "RECALLED: it must not be used. Return it to the lab.",
}


@dataclass(frozen=True)
class Refusal:
    code: str
    field: str  # the input it concerns, as the API names it
    message: str


@dataclass(frozen=True)
class BedsideResult:
    check: BedsideCheck
    product: ProductUnit | None
    patient: Patient | None
    modality: Modality | None
    consent_procedure: str
    refusals: list[Refusal]
    cautions: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.refusals


class BedsideRefused(ValidationError):
    """An administration refused by the bedside check. The refused check is recorded
    (``result.check``); the message names each reason under the input it concerns."""

    def __init__(self, result: BedsideResult) -> None:
        errors: dict[str, list[str]] = {}
        for refusal in result.refusals:
            errors.setdefault(refusal.field, []).append(refusal.message)
        super().__init__(errors)
        self.result = result


def consent_procedure_for(product_type: str) -> str:
    """PRP needs the PRP consent; every cell product the cell-therapy consent."""
    return ProcedureType.PRP if product_type == ProductType.PRP else ProcedureType.CELL_THERAPY


def _local(when: object) -> str:
    return f"{timezone.localtime(when):%Y-%m-%d %H:%M}"  # type: ignore[arg-type]


def _product_refusals(product: ProductUnit, now: object) -> list[Refusal]:
    refusals = []
    if product.status in STATUS_REFUSALS:
        refusals.append(Refusal(product.status, "din", STATUS_REFUSALS[product.status]))
    elif product.status == ProductStatus.ADMINISTERED:
        refusals.append(
            Refusal("administered", "din", "Already administered: a unit is given once.")
        )
    if product.expires_at <= now:  # type: ignore[operator]
        refusals.append(Refusal("expired", "din", f"Expired at {_local(product.expires_at)}."))
    if product.storage_condition in FROZEN_CONDITIONS and product.thawed_at is None:
        refusals.append(
            Refusal(
                "not_thawed",
                "din",
                "Stored frozen and not thawed in the lab: the thaw must be recorded first "
                "(its stability runs from it).",
            )
        )
    if product.thawed_at is not None and product.stability_after_thaw_hours is not None:
        limit = product.thawed_at + timedelta(hours=product.stability_after_thaw_hours)
        if limit < now:  # type: ignore[operator]
            refusals.append(
                Refusal(
                    "thaw_stability",
                    "din",
                    f"Thawed at {_local(product.thawed_at)}, stable "
                    f"{product.stability_after_thaw_hours} h: it had to be used by "
                    f"{_local(limit)}.",
                )
            )
    return refusals


def _modality(
    product: ProductUnit | None, asked: str | None
) -> tuple[Modality | None, Refusal | None]:
    if asked:
        try:
            chosen = Modality(asked)
        except ValueError:
            return None, Refusal("modality", "modality", "Unknown treatment.")
    else:
        chosen = None
    if product is None:
        return chosen, None
    if product.product_type == ProductType.PRP:
        if chosen not in (None, Modality.MICRONEEDLING_PRP):
            return None, Refusal("modality", "modality", "PRP is given with microneedling.")
        return Modality.MICRONEEDLING_PRP, None
    chosen = chosen or Modality.STEM_CELL_SVF_INJECTION
    if chosen not in CELL_THERAPY:
        return None, Refusal(
            "modality", "modality", "A cell product is given as a cell therapy treatment."
        )
    return chosen, None


def _patient_refusals(
    patient: Patient, product: ProductUnit | None, modality: Modality | None, procedure: str
) -> tuple[list[Refusal], list[str]]:
    refusals: list[Refusal] = []
    cautions: list[str] = []
    if product is not None and product.intended_recipient_id not in (None, patient.pk):
        text = (
            "This is another patient's own (autologous) unit: wrong patient."
            if product.is_autologous
            else "This unit was issued for another patient: wrong patient."
        )
        refusals.append(Refusal("other_patient", "patient_identifier", text))
    consents = list(
        SignedConsent.objects.filter(patient=patient, procedure_type=procedure).order_by(
            "-signed_at"
        )
    )
    label = ProcedureType(procedure).label.lower()
    if not any(c.withdrawn_at is None for c in consents):
        withdrawn = next((c for c in consents if c.withdrawn_at is not None), None)
        suffix = f" (withdrawn on {_local(withdrawn.withdrawn_at)})" if withdrawn else ""
        refusals.append(
            Refusal(
                "no_consent",
                "consent",
                f"No signed consent to {label} in force for this patient{suffix}.",
            )
        )
    if modality is None:
        return refusals, cautions
    history = patient.current_history
    profile = latest_profile(patient=patient)
    if history is None:
        refusals.append(
            Refusal(
                "no_history",
                "history",
                "No medical history recorded: the candidacy rules cannot be checked.",
            )
        )
    if profile is None:
        refusals.append(
            Refusal(
                "no_assessment",
                "assessment",
                "No signed scar assessment: the candidacy rules cannot be checked.",
            )
        )
    if history is None or profile is None:
        return refusals, cautions
    today = timezone.localdate()
    screening = screen(
        history.to_core(),
        profile,
        modality,
        today,
        labs_to_core(latest_labs(patient=patient), age=age_on(patient.date_of_birth, today)),
        clinic_rules(clinic_id=patient.clinic_id).rule_set,
    )
    if screening.status in (Status.DEFER, Status.CONTRAINDICATED):
        word = "contraindicated" if screening.status is Status.CONTRAINDICATED else "deferred"
        reasons = " ".join(f"{f.title}: {f.reason}" for f in screening.blocking)
        refusals.append(
            Refusal(
                screening.status.value,
                "candidacy",
                f"{modality.label} is {word} for this patient by the candidacy rules "
                f"({screening.rule_set_version}). {reasons}",
            )
        )
    cautions += [f"{f.title}: {f.action}" for f in screening.fired if f.outcome.value == "caution"]
    return refusals, cautions


def run_bedside_check(
    *,
    clinic: Clinic,
    by: User,
    din_text: str,
    patient_identifier: str,
    modality: str | None,
    for_administration: bool,
    volume_ml: Decimal | None = None,
) -> BedsideResult:
    """Check and record; call inside a transaction (the unit's row is locked)."""
    now = timezone.now()
    refusals: list[Refusal] = []
    cautions: list[str] = []
    product: ProductUnit | None = None
    din_text = (din_text or "").strip()[:40]
    identifier = (patient_identifier or "").strip()[:64]
    try:
        din = parse_din(din_text)
    except ValueError as exc:
        refusals.append(Refusal("invalid_din", "din", f"{exc}."))
    else:
        product = (
            ProductUnit.objects.select_for_update(of=("self",))
            .select_related("collection", "intended_recipient")
            .filter(clinic=clinic, din=din.din)
            .first()
        )
        if product is None:
            refusals.append(
                Refusal(
                    "not_found", "din", f"No unit with DIN {din.eye_readable()} in this clinic."
                )
            )
    patient = None
    if not identifier:
        refusals.append(
            Refusal("no_patient", "patient_identifier", "Scan or type the patient's MRN.")
        )
    else:
        patient = (
            Patient.objects.select_related("current_history")
            .filter(clinic=clinic, mrn=identifier)
            .first()
        )
        if patient is None:
            refusals.append(
                Refusal(
                    "patient_not_found",
                    "patient_identifier",
                    "No patient with this MRN in this clinic: check the wristband.",
                )
            )
    chosen, problem = _modality(product, modality)
    if problem is not None:
        refusals.append(problem)
    procedure = consent_procedure_for(product.product_type) if product else ""
    if product is not None:
        refusals += _product_refusals(product, now)
        if product.exceptional_release:
            cautions.append(
                "EXCEPTIONAL RELEASE: released despite its QC specification, with the medical "
                "director's signature. Check the justification on the unit's page."
            )
        if volume_ml is not None and volume_ml > product.volume_ml:
            refusals.append(
                Refusal("volume", "volume_ml", f"The unit holds {product.volume_ml} mL.")
            )
    if patient is not None and product is not None:
        more, said = _patient_refusals(patient, product, chosen, procedure)
        refusals += more
        cautions += said
    check = BedsideCheck.objects.create(
        clinic=clinic,
        product=product,
        din_entered=din_text,
        patient=patient,
        patient_identifier_entered=identifier,
        modality=chosen.value if chosen else "",
        for_administration=for_administration,
        outcome=BedsideOutcome.REFUSED if refusals else BedsideOutcome.PASSED,
        reasons=[{"code": r.code, "field": r.field, "message": r.message} for r in refusals],
        cautions=cautions,
        checked_by=by,
        checked_at=now,
    )
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=check,
        patient_id=patient.pk if patient else None,
        clinic_id=clinic.pk,
        detail={
            "outcome": check.outcome,
            "product": product.pk if product else None,
            "codes": [r.code for r in refusals],
        },
    )
    return BedsideResult(
        check=check,
        product=product,
        patient=patient,
        modality=chosen,
        consent_procedure=procedure,
        refusals=refusals,
        cautions=cautions,
    )
