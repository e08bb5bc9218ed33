"""Patients, their structured medical history (kept as versions) and their consents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from scarclinic.accounts.models import Clinic
from scarclinic.clinical import history as core


class Sex(models.TextChoices):
    FEMALE = "female", gettext_lazy("Female")
    MALE = "male", gettext_lazy("Male")
    OTHER = "other", gettext_lazy("Other")
    UNKNOWN = "unknown", gettext_lazy("Unknown")


class Language(models.TextChoices):
    ENGLISH = "en", gettext_lazy("English")
    URDU = "ur", gettext_lazy("Urdu")


class Patient(models.Model):
    """A person treated at one clinic. The ``*_search`` columns are normalised copies kept by
    the services for indexed prefix search (and trigram search on PostgreSQL)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=32, help_text=gettext_lazy("Medical record number"))
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    preferred_language = models.CharField(
        max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    given_search = models.CharField(max_length=100, editable=False, default="")
    family_search = models.CharField(max_length=100, editable=False, default="")
    name_search = models.CharField(max_length=201, editable=False, default="")
    phone_digits = models.CharField(max_length=32, editable=False, default="", blank=True)
    current_history = models.OneToOneField(
        "MedicalHistoryVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient_record",
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("patient")
        verbose_name_plural = gettext_lazy("patients")
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="unique_mrn_per_clinic"),
        ]
        indexes = [
            models.Index(fields=["clinic", "family_search"], name="patient_family_idx"),
            models.Index(fields=["clinic", "given_search"], name="patient_given_idx"),
            models.Index(fields=["clinic", "phone_digits"], name="patient_phone_idx"),
            models.Index(fields=["clinic", "date_of_birth"], name="patient_dob_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class AcneSeverity(models.TextChoices):
    NONE = core.AcneSeverity.NONE.value, gettext_lazy("None")
    MILD = core.AcneSeverity.MILD.value, gettext_lazy("Mild")
    MODERATE = core.AcneSeverity.MODERATE.value, gettext_lazy("Moderate")
    SEVERE = core.AcneSeverity.SEVERE.value, gettext_lazy("Severe")


class IsotretinoinStatus(models.TextChoices):
    NEVER = core.IsotretinoinStatus.NEVER.value, gettext_lazy("Never taken")
    CURRENT = core.IsotretinoinStatus.CURRENT.value, gettext_lazy("Taking now")
    PAST = core.IsotretinoinStatus.PAST.value, gettext_lazy("Taken in the past")


FITZPATRICK_CHOICES = [
    (t.value, format_lazy(gettext_lazy("Type {roman}"), roman=t.roman))
    for t in core.FitzpatrickType
]


class MedicalHistoryVersion(models.Model):
    """One version of a patient's structured medical history. A change adds a version;
    nothing is overwritten, so the chart can show who changed what and when."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="history_versions")
    version = models.PositiveIntegerField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    change_note = models.CharField(gettext_lazy("Change note"), max_length=300, blank=True)

    active_acne = models.BooleanField(gettext_lazy("Active acne"), default=False)
    acne_severity = models.CharField(
        gettext_lazy("Acne severity"),
        max_length=10,
        choices=AcneSeverity.choices,
        default=AcneSeverity.NONE,
    )
    skin_infection_in_treatment_area = models.BooleanField(
        gettext_lazy("Skin infection in the treatment area"), default=False
    )
    isotretinoin = models.CharField(
        gettext_lazy("Isotretinoin"),
        max_length=10,
        choices=IsotretinoinStatus.choices,
        default="never",
    )
    isotretinoin_last_dose = models.DateField(
        gettext_lazy("Isotretinoin: last dose"), null=True, blank=True
    )
    pregnant_or_breastfeeding = models.BooleanField(
        gettext_lazy("Pregnant or breastfeeding"), default=False
    )
    anticoagulant_or_antiplatelet = models.BooleanField(
        gettext_lazy("Anticoagulant or antiplatelet drugs"), default=False
    )
    bleeding_or_platelet_disorder = models.BooleanField(
        gettext_lazy("Bleeding or platelet disorder"), default=False
    )
    keloid_tendency = models.BooleanField(
        gettext_lazy("Keloid or hypertrophic scarring tendency"), default=False
    )
    herpes_simplex_history = models.BooleanField(
        gettext_lazy("Herpes simplex history"), default=False
    )
    photosensitising_drugs = models.BooleanField(
        gettext_lazy("Photosensitising drugs"), default=False
    )
    autoimmune_disease = models.BooleanField(gettext_lazy("Autoimmune disease"), default=False)
    active_cancer = models.BooleanField(gettext_lazy("Active cancer"), default=False)
    systemic_infection = models.BooleanField(gettext_lazy("Systemic infection"), default=False)
    local_anaesthetic_allergy = models.BooleanField(
        gettext_lazy("Local anaesthetic allergy"), default=False
    )
    allergies = models.JSONField(
        gettext_lazy("Allergies"),
        default=list,
        blank=True,
        help_text=gettext_lazy("Other allergies, one each"),
    )
    fitzpatrick = models.PositiveSmallIntegerField(
        gettext_lazy("Fitzpatrick skin type"), choices=FITZPATRICK_CHOICES, null=True, blank=True
    )

    class Meta:
        verbose_name = gettext_lazy("medical history version")
        verbose_name_plural = gettext_lazy("medical history versions")
        ordering = ["patient", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="one_history_version"),
            models.CheckConstraint(
                condition=models.Q(fitzpatrick__isnull=True)
                | models.Q(fitzpatrick__gte=1, fitzpatrick__lte=6),
                name="fitzpatrick_1_to_6",
            ),
        ]

    def __str__(self) -> str:
        return f"History v{self.version} of patient {self.patient_id}"

    CLINICAL_FIELDS = (
        "active_acne",
        "acne_severity",
        "skin_infection_in_treatment_area",
        "isotretinoin",
        "isotretinoin_last_dose",
        "pregnant_or_breastfeeding",
        "anticoagulant_or_antiplatelet",
        "bleeding_or_platelet_disorder",
        "keloid_tendency",
        "herpes_simplex_history",
        "photosensitising_drugs",
        "autoimmune_disease",
        "active_cancer",
        "systemic_infection",
        "local_anaesthetic_allergy",
        "allergies",
        "fitzpatrick",
    )

    def to_core(self) -> core.MedicalHistory:
        return core.MedicalHistory(
            active_acne=self.active_acne,
            acne_severity=core.AcneSeverity(self.acne_severity),
            skin_infection_in_treatment_area=self.skin_infection_in_treatment_area,
            isotretinoin=core.IsotretinoinStatus(self.isotretinoin),
            isotretinoin_last_dose=self.isotretinoin_last_dose,
            pregnant_or_breastfeeding=self.pregnant_or_breastfeeding,
            anticoagulant_or_antiplatelet=self.anticoagulant_or_antiplatelet,
            bleeding_or_platelet_disorder=self.bleeding_or_platelet_disorder,
            keloid_tendency=self.keloid_tendency,
            herpes_simplex_history=self.herpes_simplex_history,
            photosensitising_drugs=self.photosensitising_drugs,
            autoimmune_disease=self.autoimmune_disease,
            active_cancer=self.active_cancer,
            systemic_infection=self.systemic_infection,
            local_anaesthetic_allergy=self.local_anaesthetic_allergy,
            allergies=tuple(self.allergies),
            fitzpatrick=core.FitzpatrickType(self.fitzpatrick) if self.fitzpatrick else None,
        )


class ProcedureType(models.TextChoices):
    FAT_HARVEST = "fat_harvest", gettext_lazy("Fat harvest (liposuction)")
    CELL_THERAPY = "cell_therapy", gettext_lazy("Cell therapy")
    PRP = "prp", gettext_lazy("Platelet-rich plasma")
    MICRONEEDLING = "microneedling", gettext_lazy("Microneedling")
    LASER = "laser", gettext_lazy("Laser")
    CHEMICAL_PEEL = "chemical_peel", gettext_lazy("Chemical peel")
    FILLER = "filler", gettext_lazy("Dermal filler")
    SUBCISION = "subcision", gettext_lazy("Subcision")
    PHOTOGRAPHY = "photography", gettext_lazy("Clinical photography")


class ConsentTemplate(models.Model):
    """A clinic's consent document for one procedure type; its text lives in versions."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="consent_templates")
    procedure_type = models.CharField(max_length=20, choices=ProcedureType.choices)
    title = models.CharField(max_length=200)

    class Meta:
        verbose_name = gettext_lazy("consent template")
        verbose_name_plural = gettext_lazy("consent templates")
        ordering = ["clinic", "procedure_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "procedure_type"], name="one_template_per_procedure"
            )
        ]

    def __str__(self) -> str:
        return self.title


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    ACTIVE = "active", gettext_lazy("In use")
    WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")


class ConsentTemplateVersion(models.Model):
    """One wording of a consent template. Once in use its text never changes: a new wording
    is a new version, and the old one is withdrawn."""

    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("consent template version")
        verbose_name_plural = gettext_lazy("consent template versions")
        ordering = ["template", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "version", "language"], name="one_text_per_version_language"
            ),
            models.UniqueConstraint(
                fields=["template", "language"],
                condition=models.Q(status="active"),
                name="one_active_version_per_language",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.title} v{self.version} ({self.language})"


class SignatureMethod(models.TextChoices):
    DRAWN = "drawn", gettext_lazy("Drawn signature")
    TYPED = "typed", gettext_lazy("Typed name with witness")


class SignerRelation(models.TextChoices):
    SELF = "self", gettext_lazy("The patient")
    PARENT = "parent", gettext_lazy("Parent")
    GUARDIAN = "guardian", gettext_lazy("Legal guardian")
    REPRESENTATIVE = "representative", gettext_lazy("Authorised representative")


class SignedConsent(models.Model):
    """A consent as signed: the exact text shown, its version, who signed, when and how.
    Never deleted; a withdrawal is recorded on it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    template_version = models.ForeignKey(
        ConsentTemplateVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    procedure_type = models.CharField(max_length=20, choices=ProcedureType.choices)
    title = models.CharField(max_length=200)
    version_number = models.PositiveIntegerField()
    language = models.CharField(max_length=5, choices=Language.choices)
    text_shown = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    signer_name = models.CharField(max_length=200)
    signer_relation = models.CharField(
        max_length=20, choices=SignerRelation.choices, default=SignerRelation.SELF
    )
    method = models.CharField(max_length=10, choices=SignatureMethod.choices)
    signature_png = models.TextField(
        blank=True, help_text=gettext_lazy("Drawn signature, PNG data URL")
    )
    typed_name = models.CharField(max_length=200, blank=True)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = gettext_lazy("signed consent")
        verbose_name_plural = gettext_lazy("signed consents")
        ordering = ["patient", "-signed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method="drawn", signature_png__startswith="data:image/png")
                | models.Q(method="typed", witness__isnull=False),
                name="signature_drawn_or_typed_with_witness",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version_number} signed {self.signed_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
