"""Procedure records: the pre-procedure checklist, what was done (structured per modality,
validated by the schemas in treatments/details.py), the performing clinician's signature, and
addenda. A signed record never changes; corrections are addenda."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient
from scarclinic.treatments.models.consultation import MODALITY_CHOICES, Screening
from scarclinic.treatments.models.plans import TreatmentSession
from scarclinic.treatments.models.scheduling import Appointment


class ProcedureStatus(models.TextChoices):
    STARTED = "started", gettext_lazy("Checklist complete, in progress")
    SIGNED = "signed", gettext_lazy("Signed")


class ProcedureRecord(models.Model):
    """What was done at one session. It exists only once the pre-procedure checklist passed:
    ``checklist`` keeps each item as it was checked (consent, candidacy today, photos today,
    the bedside check for cell products), with the records it relied on."""

    session = models.OneToOneField(
        TreatmentSession, on_delete=models.PROTECT, related_name="procedure"
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="procedures")
    modality = models.CharField(max_length=60, choices=MODALITY_CHOICES)
    performed_on = models.DateField()
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checklist = models.JSONField()  # [{key, label, passed, detail, refs}]
    checklist_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checklist_at = models.DateTimeField()
    screening = models.ForeignKey(
        Screening, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Cell products: the administration recorded at the bedside check (biologics app), made
    # only by scarclinic.biologics.services.administration_record.
    product_administration = models.OneToOneField(
        "biologics.ProductAdministration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedure_record",
    )
    details = models.JSONField(default=dict, blank=True)
    details_schema = models.CharField(max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ProcedureStatus.choices, default=ProcedureStatus.STARTED
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["patient", "-performed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="started")
                | models.Q(
                    signed_at__isnull=False, signed_by__isnull=False, recorded_at__isnull=False
                ),
                name="signed_procedure_has_signer_and_data",
            ),
        ]

    def __str__(self) -> str:
        return f"Procedure {self.modality} of patient {self.patient_id} on {self.performed_on}"

    @property
    def modality_label(self) -> str:
        return Modality(self.modality).label

    @property
    def is_signed(self) -> bool:
        return self.status == ProcedureStatus.SIGNED


class ProcedureAddendum(models.Model):
    """A correction or note added to a signed record; the signed original is kept as it was.
    A corrected data set is validated against the same schema as the original."""

    record = models.ForeignKey(ProcedureRecord, on_delete=models.PROTECT, related_name="addenda")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()
    note = models.TextField()
    corrected_details = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["record", "written_at", "id"]

    def __str__(self) -> str:
        return f"Addendum to procedure {self.record_id}"
