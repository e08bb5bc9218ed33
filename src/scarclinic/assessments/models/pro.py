from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.accounts.models import Clinic
from scarclinic.patients.models import Patient


class ReportSource(models.TextChoices):
    CLINIC = "clinic", gettext_lazy("In the clinic")
    PORTAL = "portal", gettext_lazy("Patient portal")


class Instrument(models.Model):
    """A patient-reported questionnaire: items, answer options and a scoring rule.

    Built-in instruments (clinic = None) are scarclinic's own free questions. A clinic that
    licenses a published instrument (FACE-Q Acne, FASQoL, DLQI) enters its items itself;
    scarclinic ships no licensed item text (CLINICAL.md section 5)."""

    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="instruments"
    )
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # [{"id": "q1", "text": "...", "options": [{"value": 0, "label": "..."}, ...]}]
    items = models.JSONField()
    scoring = models.CharField(
        max_length=10,
        choices=[
            ("sum", gettext_lazy("Sum of item values")),
            ("mean", gettext_lazy("Mean of item values")),
        ],
    )
    higher_is_worse = models.BooleanField(default=True)
    licence_note = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = gettext_lazy("questionnaire")
        verbose_name_plural = gettext_lazy("questionnaires")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "code"], name="one_instrument_code_per_clinic"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(clinic__isnull=True), name="one_builtin_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PatientReportedOutcome(models.Model):
    """One completed questionnaire for one visit, with its score."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reported_outcomes")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    visit_date = models.DateField()
    answers = models.JSONField()
    score = models.DecimalField(max_digits=7, decimal_places=2)
    source = models.CharField(max_length=10, choices=ReportSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "-visit_date", "-id"]
        indexes = [models.Index(fields=["patient", "-visit_date"], name="pro_patient_date")]

    def __str__(self) -> str:
        return f"{self.instrument_id} for patient {self.patient_id} on {self.visit_date}"
