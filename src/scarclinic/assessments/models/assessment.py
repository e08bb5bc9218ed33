from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.clinical.morphology import FacialRegion, Morphology, QualitativeGrade
from scarclinic.clinical.scales import ECCA_MAX, GOODMAN_BARON_MAX
from scarclinic.patients.models import FITZPATRICK_CHOICES, Patient

# Labels of the clinical core, looked up in the active language (assessments/vocabulary.py).
REGION_CHOICES = [(r.value, gettext_lazy(r.label)) for r in FacialRegion]  # noqa: INT001
MORPHOLOGY_CHOICES = [(m.value, gettext_lazy(m.label)) for m in Morphology]  # noqa: INT001
GRADE_CHOICES = [
    (g.value, gettext_lazy(g.description.split(":")[0]))  # noqa: INT001
    for g in QualitativeGrade
]


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    SIGNED = "signed", gettext_lazy("Signed")


class ScarAssessment(models.Model):
    """One visit's scar assessment: counts per region and morphology, the clinician's
    qualitative grade, and both quantitative scores with the scale versions used.

    Once signed it never changes; corrections are :class:`AssessmentAddendum` rows."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    visit_date = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    # Goodman & Baron qualitative grade (Dermatol Surg 2006;32:1458-66): entered, not computed.
    qualitative_grade = models.PositiveSmallIntegerField(
        choices=GRADE_CHOICES, null=True, blank=True
    )
    fitzpatrick = models.PositiveSmallIntegerField(
        "Fitzpatrick skin type", choices=FITZPATRICK_CHOICES, null=True, blank=True
    )
    active_acne = models.BooleanField("Active acne present", default=False)
    texture_notes = models.TextField(blank=True)
    keloid_area_cm2 = models.DecimalField(
        "Keloid / hypertrophic area (cm²)", max_digits=6, decimal_places=2, default=0
    )
    hypertrophic_over_two_years = models.BooleanField(
        "Hypertrophic scars older than 2 years", default=False
    )
    goodman_baron_score = models.PositiveSmallIntegerField(null=True, blank=True)
    ecca_score = models.PositiveSmallIntegerField(null=True, blank=True)
    scale_versions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["patient", "-visit_date", "-id"]
        indexes = [models.Index(fields=["patient", "-visit_date"], name="assessment_patient_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(goodman_baron_score__isnull=True)
                | models.Q(goodman_baron_score__lte=GOODMAN_BARON_MAX),
                name="gb_score_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(ecca_score__isnull=True) | models.Q(ecca_score__lte=ECCA_MAX),
                name="ecca_score_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(keloid_area_cm2__gte=0), name="keloid_area_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(signed_at__isnull=False, signed_by__isnull=False),
                name="signed_assessment_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.visit_date} of patient {self.patient_id}"


class RegionFinding(models.Model):
    """How many scars of one morphology one facial region has."""

    assessment = models.ForeignKey(
        ScarAssessment, on_delete=models.CASCADE, related_name="findings"
    )
    region = models.CharField(max_length=20, choices=REGION_CHOICES)
    morphology = models.CharField(max_length=20, choices=MORPHOLOGY_CHOICES)
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["assessment", "region", "morphology"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "region", "morphology"], name="one_count_per_region_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.morphology}: {self.count}"


class AssessmentAddendum(models.Model):
    """A correction or note added to a signed assessment. The original stays as signed;
    a corrected count set carries its own recomputed scores."""

    assessment = models.ForeignKey(ScarAssessment, on_delete=models.PROTECT, related_name="addenda")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField()
    note = models.TextField()
    corrected_findings = models.JSONField(null=True, blank=True)  # {region: {morphology: n}}
    corrected_keloid_area_cm2 = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    corrected_grade = models.PositiveSmallIntegerField(choices=GRADE_CHOICES, null=True, blank=True)
    goodman_baron_score = models.PositiveSmallIntegerField(null=True, blank=True)
    ecca_score = models.PositiveSmallIntegerField(null=True, blank=True)
    scale_versions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["assessment", "written_at"]

    def __str__(self) -> str:
        return f"Addendum to assessment {self.assessment_id}"
