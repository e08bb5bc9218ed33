"""Post-care: the clinic's instructions per modality and language as versioned templates, and
the record that a patient was given them after a session (which schedules their reminders)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.accounts.models import Clinic
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Language, Patient
from scarclinic.treatments.models.consultation import MODALITY_CHOICES
from scarclinic.treatments.models.plans import TreatmentSession


class PostCareTemplate(models.Model):
    """One version of a clinic's post-care instructions for a modality in one language.

    ``items`` is a list of {"text": str, "remind_days": [int, ...]}: each instruction, and the
    days after the session on which the patient is reminded of it. A change is a new version;
    the one in force is the latest ``is_current`` row, the earlier versions stay as they were
    given to patients."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="postcare_templates")
    modality = models.CharField(max_length=60, choices=MODALITY_CHOICES)
    language = models.CharField(max_length=5, choices=Language.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    items = models.JSONField()
    is_current = models.BooleanField(default=True)
    is_demo = models.BooleanField(
        default=False,
        help_text=gettext_lazy("Demo wording loaded with the demo data, not the clinic's own"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "modality", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "modality", "language", "version"],
                name="one_postcare_version_number",
            ),
            models.UniqueConstraint(
                fields=["clinic", "modality", "language"],
                condition=models.Q(is_current=True),
                name="one_current_postcare_template",
            ),
        ]

    def __str__(self) -> str:
        return f"Post-care {self.modality} ({self.language}) v{self.version}"

    @property
    def modality_label(self) -> str:
        return Modality(self.modality).label

    @property
    def remind_days(self) -> list[int]:
        return sorted({d for item in self.items for d in item.get("remind_days", [])})


class PostCareGiven(models.Model):
    """Post-care instructions given to a patient after a session: which template versions (one
    per language shown), by whom, when. Its reminders are scheduled from it."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="postcare_given"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(PostCareTemplate, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=5, choices=Language.choices)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "-given_at"]

    def __str__(self) -> str:
        return f"Post-care given for session {self.session_id}"
