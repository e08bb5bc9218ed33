"""Adverse events: what went wrong after a procedure or a cell product, how bad it was, what
was done and how it ended.

The vocabularies are the standard ones, so the record reads the same to a regulator, a
registry and a FHIR AdverseEvent (issue 9):

- Severity grade: NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 2017,
  general grade definitions: 1 mild, 2 moderate, 3 severe or medically significant,
  4 life-threatening, 5 death related to the event.
- Serious: ICH E2A (1994) 2.B: results in death, is life-threatening, requires or prolongs
  hospitalisation, results in persistent or significant disability, is a congenital anomaly,
  or is an important medical event. Seriousness is not severity: a grade 3 event need not be
  serious, so both are recorded.
- Relatedness: WHO-UMC causality categories (Uppsala Monitoring Centre, 2018): certain,
  probable, possible, unlikely, conditional/unclassified, unassessable.
- Outcome: the HL7 FHIR R4 AdverseEvent outcome codes (resolved, recovering, ongoing,
  resolvedWithSequelae, fatal, unknown), http://terminology.hl7.org/CodeSystem/adverse-event-outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from scarclinic.accounts.models import Clinic
from scarclinic.patients.models import Patient
from scarclinic.treatments.models.consultation import MODALITY_CHOICES


class AdverseEventCategory(models.TextChoices):
    # The categories named for acne-scar treatment in issue 8; "other" needs a description.
    PROLONGED_ERYTHEMA = "prolonged_erythema", _("Prolonged erythema")
    POST_INFLAMMATORY_HYPERPIGMENTATION = (
        "post_inflammatory_hyperpigmentation",
        _("Post-inflammatory hyperpigmentation"),
    )
    INFECTION = "infection", _("Infection")
    NODULE = "nodule", _("Nodule or granuloma")
    HERPES_REACTIVATION = "herpes_reactivation", _("Herpes simplex reactivation")
    SCARRING = "scarring", _("New or worse scarring")
    VASCULAR_OCCLUSION = "vascular_occlusion", _("Vascular occlusion (filler)")
    HYPERSENSITIVITY = "hypersensitivity", _("Allergic or hypersensitivity reaction")
    OTHER = "other", _("Other")


class SeverityGrade(models.IntegerChoices):
    # NCI CTCAE v5.0 (2017), general definitions of grades 1-5.
    MILD = 1, _("Grade 1: mild")
    MODERATE = 2, _("Grade 2: moderate")
    SEVERE = 3, _("Grade 3: severe or medically significant")
    LIFE_THREATENING = 4, _("Grade 4: life-threatening")
    DEATH = 5, _("Grade 5: death related to the event")


class Relatedness(models.TextChoices):
    # WHO-UMC system for standardised case causality assessment (2018).
    CERTAIN = "certain", _("Certain")
    PROBABLE = "probable", _("Probable / likely")
    POSSIBLE = "possible", _("Possible")
    UNLIKELY = "unlikely", _("Unlikely")
    CONDITIONAL = "conditional", _("Conditional / unclassified")
    UNASSESSABLE = "unassessable", _("Unassessable / unclassifiable")


class AdverseEventOutcome(models.TextChoices):
    # HL7 FHIR R4 AdverseEvent.outcome (terminology.hl7.org/CodeSystem/adverse-event-outcome).
    RESOLVED = "resolved", _("Resolved")
    RECOVERING = "recovering", _("Recovering")
    ONGOING = "ongoing", _("Ongoing")
    RESOLVED_WITH_SEQUELAE = "resolvedWithSequelae", _("Resolved with sequelae")
    FATAL = "fatal", _("Fatal")
    UNKNOWN = "unknown", _("Unknown")


class AdverseEventStatus(models.TextChoices):
    # A patient's report from the portal arrives as a draft; a clinician confirms it (grades,
    # categorises, assesses relatedness) or rules it out ("entered in error", kept, not counted).
    DRAFT = "draft", _("Reported by the patient, to be assessed")
    RECORDED = "recorded", _("Recorded")
    ENTERED_IN_ERROR = "entered_in_error", _("Entered in error")


class AdverseEventSource(models.TextChoices):
    STAFF = "staff", _("Clinic staff")
    PATIENT = "patient", _("Patient (portal)")


RESOLVED_OUTCOMES = (
    AdverseEventOutcome.RESOLVED,
    AdverseEventOutcome.RESOLVED_WITH_SEQUELAE,
    AdverseEventOutcome.FATAL,
)


class AdverseEvent(models.Model):
    """One adverse event of one patient. Changes go through the outcomes services, which
    audit every write; a recorded event is never deleted (an error is marked, not erased)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="adverse_events")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adverse_events")
    status = models.CharField(
        max_length=20, choices=AdverseEventStatus.choices, default=AdverseEventStatus.RECORDED
    )
    source = models.CharField(
        max_length=10, choices=AdverseEventSource.choices, default=AdverseEventSource.STAFF
    )
    onset_on = models.DateField()
    category = models.CharField(max_length=40, choices=AdverseEventCategory.choices, blank=True)
    description = models.TextField()
    severity = models.PositiveSmallIntegerField(choices=SeverityGrade.choices, null=True)
    serious = models.BooleanField(default=False)
    # What it is attributed to: a procedure record and, for cell products, the unit (its
    # collection is the lot: lookback from it finds every other recipient).
    procedure = models.ForeignKey(
        "treatments.ProcedureRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adverse_events",
    )
    product_unit = models.ForeignKey(
        "biologics.ProductUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adverse_events",
    )
    # Copied from the procedure (or given when there is none) so rates by modality are one
    # GROUP BY, not a join through procedures.
    modality = models.CharField(max_length=60, choices=MODALITY_CHOICES, blank=True)
    relatedness = models.CharField(max_length=20, choices=Relatedness.choices, blank=True)
    action_taken = models.TextField(blank=True)
    outcome = models.CharField(
        max_length=30, choices=AdverseEventOutcome.choices, default=AdverseEventOutcome.ONGOING
    )
    resolved_on = models.DateField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # A serious event waits on the medical director's home page until reviewed.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    # Who ruled the event out, when and why (status "entered in error": kept, not counted).
    error_reason = models.TextField(blank=True)
    error_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error_marked_at = models.DateTimeField(null=True, blank=True)
    # When the medical directors were emailed about this serious event (None: not serious yet).
    directors_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-onset_on", "-id"]
        indexes = [
            models.Index(fields=["clinic", "status", "modality"], name="ae_clinic_modality_idx"),
            models.Index(fields=["clinic", "serious", "reviewed_at"], name="ae_serious_review_idx"),
            models.Index(fields=["patient", "-onset_on"], name="ae_patient_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__isnull=True)
                | models.Q(severity__gte=1, severity__lte=5),
                name="ae_severity_ctcae_1_5",
            ),
            # A recorded event is graded and categorised; only a patient's draft may lack them.
            models.CheckConstraint(
                condition=~models.Q(status="recorded")
                | (models.Q(severity__isnull=False) & ~models.Q(category="")),
                name="ae_recorded_is_graded",
            ),
            # CTCAE grade 5 is death: its outcome is fatal, and a death is serious (ICH E2A).
            models.CheckConstraint(
                condition=~models.Q(severity=5) | models.Q(outcome="fatal", serious=True),
                name="ae_grade5_fatal_serious",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_on__isnull=True)
                | models.Q(resolved_on__gte=models.F("onset_on")),
                name="ae_resolved_after_onset",
            ),
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True) | models.Q(reviewed_by__isnull=False),
                name="ae_review_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"Adverse event {self.pk} of patient {self.patient_id}"

    @property
    def awaits_review(self) -> bool:
        return self.serious and self.reviewed_at is None and self.status != "entered_in_error"
