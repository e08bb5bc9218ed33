"""Product units and everything that happens to them: processing, QC results, electronic
signatures (release, rejection), custody events, bedside checks, the administration, recalls.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.accounts.models import Clinic
from scarclinic.biologics.models.settings import (
    PRODUCT_TYPE_CHOICES,
    ProductCode,
    StorageCondition,
    StorageLocation,
)
from scarclinic.biologics.models.sources import Collection, Donor
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient


class ProductStatus(models.TextChoices):
    QUARANTINE = "quarantine", gettext_lazy("Quarantine")
    RELEASED = "released", gettext_lazy("Released")
    REJECTED = "rejected", gettext_lazy("Rejected")
    ISSUED = "issued", gettext_lazy("Issued")
    ADMINISTERED = "administered", gettext_lazy("Administered")
    DISCARDED = "discarded", gettext_lazy("Discarded")
    RECALLED = "recalled", gettext_lazy("Recalled")


# The status machine. Released and issued units can go back to quarantine (an excursion, a
# late failing QC result); a return from the procedure room puts an issued unit back in stock.
# A released unit may be administered without a formal issue (e.g. PRP made at the bedside).
TRANSITIONS: dict[str, frozenset[str]] = {
    ProductStatus.QUARANTINE: frozenset({"released", "rejected", "recalled", "discarded"}),
    ProductStatus.RELEASED: frozenset(
        {"issued", "administered", "quarantine", "recalled", "discarded"}
    ),
    ProductStatus.ISSUED: frozenset(
        {"administered", "released", "quarantine", "recalled", "discarded"}
    ),
    ProductStatus.REJECTED: frozenset({"discarded"}),
    ProductStatus.RECALLED: frozenset({"discarded"}),
    ProductStatus.ADMINISTERED: frozenset(),
    ProductStatus.DISCARDED: frozenset(),
}
# Only these can be administered (service, and the database trigger of migration 0002).
ADMINISTRABLE_STATUSES = (ProductStatus.RELEASED.value, ProductStatus.ISSUED.value)


FROZEN_CONDITIONS = (StorageCondition.FROZEN.value, StorageCondition.LN2_VAPOUR.value)


class RegulatoryClass(models.TextChoices):
    """Clinical reference §11 (US, 21 CFR 1271; other countries differ)."""

    SECTION_361 = "361", gettext_lazy("HCT/P regulated under PHS Act section 361 (1271.10(a))")
    SECTION_351_IND = (
        "351_ind",
        gettext_lazy("Biologic under section 351, investigational under an IND"),
    )
    SAME_SURGICAL_PROCEDURE = (
        "same_surgical_procedure",
        gettext_lazy("Same surgical procedure exception (1271.15(b))"),
    )
    NOT_HCTP = "not_hctp", gettext_lazy("Not an HCT/P")


class Manipulation(models.TextChoices):
    """Clinical reference §11: enzymatically isolated SVF and culture-expanded cells are more
    than minimally manipulated (US v. US Stem Cell Clinic, 11th Cir. 2021)."""

    MINIMAL = "minimal", gettext_lazy("Minimal (mechanical: centrifugation, washing, filtration)")
    ENZYMATIC = "enzymatic", gettext_lazy("Enzymatic isolation")
    CULTURE_EXPANDED = "culture_expanded", gettext_lazy("Culture expansion")


MORE_THAN_MINIMAL = (Manipulation.ENZYMATIC.value, Manipulation.CULTURE_EXPANDED.value)


class ProductUnit(models.Model):
    """One labelled unit (a vial, a syringe, a bag) with its own DIN. Its status moves only
    along :data:`TRANSITIONS`, through the services; the database refuses anything else."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="product_units")
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="products")
    din = models.CharField("DIN", max_length=13, unique=True)
    flags = models.CharField(max_length=2, default="00")
    check_character = models.CharField(max_length=1)
    product_code = models.ForeignKey(
        ProductCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product_type = models.CharField(max_length=20, choices=PRODUCT_TYPE_CHOICES)
    is_autologous = models.BooleanField()
    # Autologous: the patient the cells came from, set when the unit is made. Allogeneic: the
    # patient it was issued for. An administration to anyone else is refused.
    intended_recipient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    volume_ml = models.DecimalField(max_digits=7, decimal_places=2)
    cell_count_million = models.DecimalField(
        "Viable cells (x10^6)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    platelet_count_10e9_per_l = models.DecimalField(
        "Platelet count (x10^9/L)", max_digits=7, decimal_places=1, null=True, blank=True
    )
    dose_body_weight_kg = models.DecimalField(
        "Body weight for the dose (kg)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=gettext_lazy("The recipient's weight: endotoxin EU/kg is computed with it"),
    )
    storage_condition = models.CharField(max_length=20, choices=StorageCondition.choices)
    expires_at = models.DateTimeField()
    stability_after_thaw_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    thawed_at = models.DateTimeField(null=True, blank=True)
    regulatory_class = models.CharField(max_length=30, choices=RegulatoryClass.choices)
    ind_number = models.CharField("IND number", max_length=40, blank=True)
    irb_approval = models.CharField("IRB approval", max_length=200, blank=True)
    protocol_name = models.CharField(max_length=200, blank=True)
    manipulation = models.CharField(max_length=20, choices=Manipulation.choices)
    culture_passage = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ProductStatus.choices, default=ProductStatus.QUARANTINE
    )
    exceptional_release = models.BooleanField(default=False)
    location = models.ForeignKey(
        StorageLocation, null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    rack = models.CharField(max_length=40, blank=True)
    position = models.CharField(max_length=40, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "status"], name="product_clinic_status_idx"),
            # The inventory's latest units that left stock, newest first (bench/: without
            # it the page sorts every unit the clinic ever made).
            models.Index(
                fields=["clinic", "-created_at", "-id"], name="product_clinic_created_idx"
            ),
            models.Index(fields=["clinic", "expires_at"], name="product_clinic_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(din__regex=r"^[0-9A-Z]{5}[0-9]{8}$"), name="din_format"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in ProductStatus]),
                name="product_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(volume_ml__gt=0), name="unit_volume_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(is_autologous=False)
                | models.Q(intended_recipient__isnull=False),
                name="autologous_unit_names_its_patient",
            ),
            # Clinical reference §11: a 351 product is investigational under an IND and an IRB.
            models.CheckConstraint(
                condition=~models.Q(regulatory_class="351_ind")
                | (~models.Q(ind_number="") & ~models.Q(irb_approval="")),
                name="section_351_names_ind_and_irb",
            ),
            # Clinical reference §11: enzymatic isolation and culture expansion are more than
            # minimal manipulation, so never a 361 HCT/P.
            models.CheckConstraint(
                condition=~models.Q(regulatory_class="361", manipulation__in=MORE_THAN_MINIMAL),
                name="more_than_minimal_is_not_361",
            ),
            models.CheckConstraint(
                condition=~models.Q(regulatory_class="same_surgical_procedure")
                | models.Q(is_autologous=True, manipulation="minimal"),
                name="same_surgery_exception_is_autologous_minimal",
            ),
            models.CheckConstraint(
                condition=models.Q(storage_condition__in=["room", "refrigerated"])
                | models.Q(stability_after_thaw_hours__isnull=False),
                name="frozen_unit_has_thaw_stability",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.din_eye_readable} ({self.get_product_type_display()})"

    @property
    def din_eye_readable(self) -> str:
        return f"{self.din[:5]} {self.din[5:7]} {self.din[7:]} {self.flags} {self.check_character}"

    @property
    def is_frozen_storage(self) -> bool:
        return self.storage_condition in FROZEN_CONDITIONS


class ProcessingStepKind(models.TextChoices):
    WASHING = "washing", gettext_lazy("Washing")
    ENZYMATIC_DIGESTION = "enzymatic_digestion", gettext_lazy("Enzymatic digestion")
    CENTRIFUGATION = "centrifugation", gettext_lazy("Centrifugation")
    FILTRATION = "filtration", gettext_lazy("Filtration")
    CULTURE = "culture", gettext_lazy("Culture expansion")
    PASSAGE = "passage", gettext_lazy("Passage")
    CRYOPRESERVATION = "cryopreservation", gettext_lazy("Cryopreservation")
    FORMULATION = "formulation", gettext_lazy("Formulation / fill")
    OTHER = "other", gettext_lazy("Other")


class ProcessingStep(models.Model):
    """One step of processing: who, when, on what equipment, with which reagent lots."""

    product = models.ForeignKey(
        ProductUnit, on_delete=models.PROTECT, related_name="processing_steps"
    )
    step = models.CharField(max_length=30, choices=ProcessingStepKind.choices)
    description = models.CharField(max_length=500, blank=True)
    equipment = models.CharField(max_length=200, blank=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    performed_at = models.DateTimeField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["product", "performed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} of unit {self.product_id}"


class ReagentUse(models.Model):
    """A reagent lot used in a processing step; indexed by lot for lookback."""

    step = models.ForeignKey(ProcessingStep, on_delete=models.PROTECT, related_name="reagents")
    product = models.ForeignKey(ProductUnit, on_delete=models.PROTECT, related_name="+")
    reagent = models.CharField(max_length=200)
    lot = models.CharField(max_length=64)

    class Meta:
        ordering = ["step", "id"]
        indexes = [models.Index(fields=["lot"], name="reagent_lot_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(lot=""), name="reagent_lot_given"),
        ]

    def __str__(self) -> str:
        return f"{self.reagent} lot {self.lot}"


class QcTestResult(models.Model):
    """One QC result as entered, with its unit and method. Results are never changed: a retest
    is a new row, and the latest per test is the one evaluated."""

    product = models.ForeignKey(ProductUnit, on_delete=models.PROTECT, related_name="qc_results")
    test_code = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    method = models.CharField(max_length=200, blank=True)
    tested_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["product", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__isnull=False) | ~models.Q(text=""),
                name="qc_result_has_a_value_or_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.test_code} of unit {self.product_id}"


class SignatureAction(models.TextChoices):
    RELEASE = "release", gettext_lazy("Release")
    EXCEPTIONAL_RELEASE = "exceptional_release", gettext_lazy("Exceptional release")
    DIRECTOR_COSIGNATURE = "director_cosignature", gettext_lazy("Medical director's co-signature")
    REJECT = "reject", gettext_lazy("Rejection")


class SignatureMeaning(models.TextChoices):
    """What the signer means by signing (21 CFR 11.50(a)(3): review, approval, responsibility,
    authorship)."""

    APPROVAL = "approval", gettext_lazy("Approval: I release this unit for clinical use")
    REVIEW = (
        "review",
        gettext_lazy("Review: I have reviewed the QC results against the specification"),
    )
    RESPONSIBILITY = (
        "responsibility",
        gettext_lazy("Responsibility: I take responsibility for this exceptional release"),
    )
    REJECTION = "rejection", gettext_lazy("Rejection: this unit must not be used")


class ElectronicSignature(models.Model):
    """An electronic signature in the manner of 21 CFR Part 11: the signer re-entered their
    password; the record shows the printed name, date and time, and the meaning (11.50), and
    is linked to what was signed by a SHA-256 of it (11.70)."""

    product = models.ForeignKey(ProductUnit, on_delete=models.PROTECT, related_name="signatures")
    action = models.CharField(max_length=30, choices=SignatureAction.choices)
    meaning = models.CharField(max_length=20, choices=SignatureMeaning.choices)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=200)
    signer_role = models.CharField(max_length=40)
    signed_at = models.DateTimeField()
    statement = models.TextField(help_text=gettext_lazy("The meaning as shown to the signer"))
    justification = models.TextField(blank=True)
    # The QC evaluation as it stood: spec version, every test with verdict and value.
    evaluation = models.JSONField(default=dict, blank=True)
    record_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["product", "signed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(action="exceptional_release") | ~models.Q(justification=""),
                name="exceptional_release_is_justified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} of unit {self.product_id} by {self.signer_name}"


class CustodyKind(models.TextChoices):
    RECEIVED = "received", gettext_lazy("Made / received in the lab")
    PROCESSED = "processed", gettext_lazy("Processing step")
    QC_RESULT = "qc_result", gettext_lazy("QC result entered")
    STORED = "stored", gettext_lazy("Stored / moved")
    HANDED_OVER = "handed_over", gettext_lazy("Handed over")
    THAWED = "thawed", gettext_lazy("Thawed")
    TEMPERATURE_EXCURSION = "temperature_excursion", gettext_lazy("Temperature excursion")
    QUARANTINED = "quarantined", gettext_lazy("Put in quarantine")
    RELEASED = "released", gettext_lazy("Released")
    REJECTED = "rejected", gettext_lazy("Rejected")
    ISSUED = "issued", gettext_lazy("Issued to the procedure room")
    RETURNED = "returned", gettext_lazy("Returned to the lab")
    ADMINISTERED = "administered", gettext_lazy("Administered")
    DISCARDED = "discarded", gettext_lazy("Discarded")
    RECALLED = "recalled", gettext_lazy("Recalled")


class CustodyEvent(models.Model):
    """Something that happened to a unit, by a named person at a time and place: a hand-over,
    a move (location, rack, position), a thaw, a temperature excursion, a status change. The
    events of a unit in time order are its chain of custody."""

    product = models.ForeignKey(ProductUnit, on_delete=models.PROTECT, related_name="custody")
    kind = models.CharField(max_length=30, choices=CustodyKind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_location = models.ForeignKey(
        StorageLocation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_place = models.CharField(max_length=100, blank=True)
    to_location = models.ForeignKey(
        StorageLocation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_place = models.CharField(max_length=100, blank=True)
    handed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    temperature_c = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    status_after = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["product", "at", "id"]
        indexes = [models.Index(fields=["product", "at"], name="custody_product_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of unit {self.product_id} at {self.at:%Y-%m-%d %H:%M}"


class BedsideOutcome(models.TextChoices):
    PASSED = "passed", gettext_lazy("Passed")
    REFUSED = "refused", gettext_lazy("Refused")


class BedsideCheck(models.Model):
    """One bedside check: the DIN and patient identifier as scanned or typed, what the check
    found, by whom and when. Refused checks are kept, whatever the reason."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        ProductUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="bedside_checks"
    )
    din_entered = models.CharField(max_length=40)
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    patient_identifier_entered = models.CharField(max_length=64)
    modality = models.CharField(max_length=60, blank=True)
    for_administration = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=BedsideOutcome.choices)
    # [{"code": "expired", "message": "..."}] for a refusal; cautions that still allow it.
    reasons = models.JSONField(default=list, blank=True)
    cautions = models.JSONField(default=list, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome="passed", reasons=[])
                | (models.Q(outcome="refused") & ~models.Q(reasons=[])),
                name="refusal_has_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"Bedside check {self.outcome} at {self.checked_at:%Y-%m-%d %H:%M}"


MODALITY_CHOICES = [(m.value, gettext_lazy(m.label)) for m in Modality]  # noqa: INT001


class ProductAdministration(models.Model):
    """The administration of one unit to one patient. Made only by
    :func:`scarclinic.biologics.services.administration_record`, after a passing bedside
    check; the database refuses a second administration of a unit (one-to-one), and one of a
    unit that is not released or issued, expired, thawed beyond its stability, meant for
    another patient, or without the patient's consent in force (triggers, migration 0002)."""

    product = models.OneToOneField(
        ProductUnit, on_delete=models.PROTECT, related_name="administration"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    bedside_check = models.OneToOneField(BedsideCheck, on_delete=models.PROTECT, related_name="+")
    modality = models.CharField(max_length=60, choices=MODALITY_CHOICES)
    route = models.CharField(max_length=100)
    sites = models.CharField(max_length=300, blank=True)
    volume_ml = models.DecimalField(max_digits=7, decimal_places=2)
    consent_procedure = models.CharField(max_length=20)
    exceptional_release = models.BooleanField(default=False)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    administered_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-administered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volume_ml__gt=0), name="administered_volume_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Administration of unit {self.product_id} to patient {self.patient_id}"


class Recall(models.Model):
    """A recall from a donor, a collection, a lot or one unit: every unit made from it that
    was not yet used is recalled; the units already administered are listed for follow-up."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    donor = models.ForeignKey(Donor, null=True, blank=True, on_delete=models.PROTECT)
    collection = models.ForeignKey(Collection, null=True, blank=True, on_delete=models.PROTECT)
    lot = models.CharField(max_length=64, blank=True)
    product = models.ForeignKey(
        ProductUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    initiated_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "-initiated_at"]

    def __str__(self) -> str:
        return f"Recall #{self.pk}"


class RecallUnit(models.Model):
    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="units")
    product = models.ForeignKey(ProductUnit, on_delete=models.PROTECT, related_name="recalls")
    status_before = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recall", "product"], name="one_recall_entry_per_unit"),
        ]

    def __str__(self) -> str:
        return f"Unit {self.product_id} in recall {self.recall_id}"
