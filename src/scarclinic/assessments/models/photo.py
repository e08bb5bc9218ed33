from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from scarclinic.assessments.models.assessment import REGION_CHOICES, ScarAssessment
from scarclinic.patients.models import Patient, SignedConsent


class PhotoView(models.TextChoices):
    FRONTAL = "frontal", gettext_lazy("Frontal")
    LEFT_45 = "left_45", gettext_lazy("Left 45°")
    RIGHT_45 = "right_45", gettext_lazy("Right 45°")
    LEFT_90 = "left_90", gettext_lazy("Left 90° (profile)")
    RIGHT_90 = "right_90", gettext_lazy("Right 90° (profile)")
    CLOSE_UP = "close_up", gettext_lazy("Close-up")


# The standard set (DESIGN.md "Assessment"): complete only when every one is present.
REQUIRED_VIEWS: tuple[str, ...] = (
    PhotoView.FRONTAL,
    PhotoView.LEFT_45,
    PhotoView.RIGHT_45,
    PhotoView.LEFT_90,
    PhotoView.RIGHT_90,
)


class PhotoUse(models.TextChoices):
    """What a photo may be used for; each is consented separately."""

    CLINICAL = "clinical", gettext_lazy("Clinical record")
    TEACHING = "teaching", gettext_lazy("Teaching")
    MARKETING = "marketing", gettext_lazy("Marketing")


def _photo_path(instance: object, filename: str) -> str:
    # Random names: a file name or URL must never carry who the patient is.
    return f"photos/{uuid.uuid4().hex}.jpg"


def _thumb_path(instance: object, filename: str) -> str:
    return f"photos/thumbs/{uuid.uuid4().hex}.jpg"


class PhotoSet(models.Model):
    """The standard photographs of one visit, with how they were taken."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="photo_sets")
    assessment = models.ForeignKey(
        ScarAssessment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photo_sets",
    )
    visit_date = models.DateField()
    lighting = models.CharField(max_length=100, blank=True)
    distance_cm = models.PositiveSmallIntegerField(null=True, blank=True)
    camera = models.CharField(max_length=100, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "-visit_date", "-id"]

    def __str__(self) -> str:
        return f"Photo set {self.visit_date} of patient {self.patient_id}"


class Photo(models.Model):
    """One stored photograph: re-encoded with EXIF removed and orientation applied; the
    SHA-256 of the file as uploaded is kept to prove what was received."""

    photo_set = models.ForeignKey(PhotoSet, on_delete=models.PROTECT, related_name="photos")
    view = models.CharField(max_length=10, choices=PhotoView.choices)
    region = models.CharField(max_length=20, choices=REGION_CHOICES, blank=True)
    image = models.FileField(upload_to=_photo_path)
    thumbnail = models.FileField(upload_to=_thumb_path)
    original_sha256 = models.CharField(max_length=64)
    original_format = models.CharField(max_length=10)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["photo_set", "view", "id"]

    def __str__(self) -> str:
        return f"{self.get_view_display()} photo {self.pk}"


class PhotoConsentGrant(models.Model):
    """A patient's permission for one use of their photos; withdrawal hides the photos
    from that use at once. Clinical-record use is part of care and stays."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="photo_consents")
    use = models.CharField(max_length=10, choices=PhotoUse.choices)
    granted_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_consent = models.ForeignKey(
        SignedConsent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["patient", "use", "-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "use"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_grant_per_use",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_use_display()} photo consent of patient {self.patient_id}"
