"""The consultation: the clinic's candidacy rule settings and price list, the screenings a
consultation ran, the blood results it used, and the patient's shared decision.

Nothing here is overwritten: a change of rules or prices, new blood results and every
decision are new rows, so any screening can be traced to the rules, prices and facts it used.
Treatment plans (models/plans.py) grow from :class:`SharedDecision`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy, gettext_noop

from scarclinic.accounts.models import Clinic
from scarclinic.assessments.models import ScarAssessment
from scarclinic.clinical.candidacy import Status
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import MedicalHistoryVersion, Patient

# The clinical core's names of the treatments (clinical/ has no Django), for the catalogue:
# the choices below look each one up in the active language.
MODALITY_NAMES = (
    gettext_noop("Stem cell / SVF injection"),
    gettext_noop("Cell-derived product after microneedling"),
    gettext_noop("Microneedling with PRP"),
    gettext_noop("Microneedling"),
    gettext_noop("Fractional ablative laser (CO2 / erbium)"),
    gettext_noop("Non-ablative fractional laser"),
    gettext_noop("Chemical peel"),
    gettext_noop("TCA CROSS"),
    gettext_noop("Subcision"),
    gettext_noop("Dermal filler"),
    gettext_noop("Punch excision / elevation"),
)
MODALITY_CHOICES = [(m.value, gettext_lazy(m.label)) for m in Modality]  # noqa: INT001
SCREENING_STATUS_CHOICES = [(s.value, s.value.capitalize()) for s in Status]
NONE_YET = "none_yet"  # the patient has not chosen a treatment yet


class CandidacyRuleSettings(models.Model):
    """One version of a clinic's adjustments to the default candidacy rules: which rules are
    switched off and which thresholds differ from their defaults.

    Each change adds a row holding the whole configuration; the latest row of a clinic is in
    force. ``version`` is the :class:`~scarclinic.clinical.candidacy.RuleSet` version it yields,
    which every screening records."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="rule_settings")
    number = models.PositiveIntegerField(help_text=gettext_lazy("1, 2, 3 ... per clinic"))
    base_version = models.CharField(max_length=40)
    disabled_rules = models.JSONField(default=list, blank=True)
    threshold_overrides = models.JSONField(default=dict, blank=True)
    version = models.CharField(max_length=60)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    change = models.CharField(max_length=300, help_text=gettext_lazy("What changed, in words"))
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["clinic", "-number"]
        verbose_name_plural = "candidacy rule settings"
        constraints = [
            models.UniqueConstraint(fields=["clinic", "number"], name="one_rule_settings_number"),
        ]

    def __str__(self) -> str:
        return f"Rules {self.version} at clinic {self.clinic_id} (#{self.number})"


class PriceListEntry(models.Model):
    """The price of one session of a treatment at a clinic from a date on. A new price is a new
    entry; the entry with the latest ``effective_from`` not after today is in force."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="prices")
    modality = models.CharField(max_length=60, choices=MODALITY_CHOICES)
    price_per_session = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(
        max_length=3,
        default="PKR",
        validators=[RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code, e.g. PKR.")],
    )
    effective_from = models.DateField()
    is_demo = models.BooleanField(
        default=False,
        help_text=gettext_lazy("An example value loaded with the demo data, not a real price"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["clinic", "modality", "-effective_from"]
        verbose_name_plural = "price list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "modality", "effective_from"], name="one_price_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(price_per_session__gte=0), name="price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.modality}: {self.currency} {self.price_per_session} from {self.effective_from}"
        )

    @property
    def modality_label(self) -> str:
        return Modality(self.modality).label


class ConsultationLabs(models.Model):
    """Blood results and facts screening uses beyond the medical history (core ``Labs``):
    platelet count and haemoglobin for PRP, smoking, and whether the patient expects results
    to come gradually over several sessions. A new record is a new row."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consult_labs")
    platelet_count_10e9_per_l = models.DecimalField(
        "Platelet count (x10^9/L)",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    haemoglobin_g_dl = models.DecimalField(
        "Haemoglobin (g/dL)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    measured_on = models.DateField("Blood taken on", null=True, blank=True)
    smoker = models.BooleanField("Smokes", default=False)
    expects_gradual_results = models.BooleanField(
        "Understands that results come gradually over several sessions", null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "-recorded_at", "-id"]
        verbose_name_plural = "consultation labs"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(platelet_count_10e9_per_l__isnull=True)
                | models.Q(platelet_count_10e9_per_l__gte=0),
                name="platelets_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(haemoglobin_g_dl__isnull=True)
                | models.Q(haemoglobin_g_dl__gte=0),
                name="haemoglobin_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Labs of patient {self.patient_id} recorded {self.recorded_at:%Y-%m-%d}"


class Screening(models.Model):
    """The result of screening a patient for one treatment on one date, as a consultation
    showed it, with the rules that fired and the rule set version and facts it used."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    modality = models.CharField(max_length=60, choices=MODALITY_CHOICES)
    on_date = models.DateField()
    status = models.CharField(max_length=20, choices=SCREENING_STATUS_CHOICES)
    # [{"rule_id", "outcome", "reason", "until"}], worst outcome first.
    fired = models.JSONField(default=list, blank=True)
    reassess_on = models.DateField(null=True, blank=True)
    rule_set_version = models.CharField(max_length=60)
    rule_settings = models.ForeignKey(
        CandidacyRuleSettings, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(ScarAssessment, on_delete=models.PROTECT, related_name="+")
    history_version = models.ForeignKey(
        MedicalHistoryVersion, on_delete=models.PROTECT, related_name="+"
    )
    labs = models.ForeignKey(
        ConsultationLabs, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    screened_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "-screened_at", "-id"]
        indexes = [models.Index(fields=["patient", "on_date"], name="screening_patient_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="screening_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.modality} {self.status} for patient {self.patient_id} on {self.on_date}"


class DecisionStatus(models.TextChoices):
    # The start of a treatment plan; issue 7 adds the plan's own states.
    PROPOSED = "proposed", gettext_lazy("Proposed")


class SharedDecision(models.Model):
    """What the patient decided with the physician: the options they were shown (a snapshot
    with evidence, costs and screening), the option chosen or "none yet", and the questions
    the patient asked. It is the start of a treatment plan, in the "proposed" state."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="decisions")
    options_shown = models.JSONField()
    chosen_option = models.CharField(
        max_length=200,
        help_text=gettext_lazy('A modality, modalities joined by "+", or "none_yet"'),
    )
    chosen_label = models.CharField(max_length=300)
    questions = models.TextField("Questions the patient asked", blank=True)
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(ScarAssessment, on_delete=models.PROTECT, related_name="+")
    history_version = models.ForeignKey(
        MedicalHistoryVersion, on_delete=models.PROTECT, related_name="+"
    )
    rule_set_version = models.CharField(max_length=60)
    status = models.CharField(
        max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED
    )

    class Meta:
        ordering = ["patient", "-decided_at", "-id"]
        indexes = [models.Index(fields=["patient", "-decided_at"], name="decision_patient_date")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(chosen_option=""), name="decision_names_an_option"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DecisionStatus.values), name="decision_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Decision of patient {self.patient_id} on {self.decided_at:%Y-%m-%d}"

    @property
    def is_none_yet(self) -> bool:
        return self.chosen_option == NONE_YET

    @property
    def chosen(self) -> dict[str, object] | None:
        """The chosen option as the patient was shown it (None for "none yet")."""
        options = self.options_shown.get("options", []) if self.options_shown else []
        return next((o for o in options if o.get("key") == self.chosen_option), None)
