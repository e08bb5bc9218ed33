"""Forms of the photo pages: they parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from scarclinic.assessments.models import PhotoUse, PhotoView, ScarAssessment
from scarclinic.assessments.models.assessment import REGION_CHOICES
from scarclinic.assessments.photo_services import MAX_DISTANCE_CM
from scarclinic.patients.models import SignedConsent

# Stored as written here, whatever the language of the page, so that two visits with the
# same light compare equal; each is shown in the reader's language (lighting_text).
LIGHTING_SUGGESTIONS = (
    gettext_noop("Standardised ring light"),
    gettext_noop("Cross-polarised"),
    gettext_noop("Side lighting (raking light)"),
    gettext_noop("Daylight, window"),
    gettext_noop("Overhead clinic light"),
)


def lighting_text(value: str) -> str:
    """A stored lighting in the active language: a suggestion translated, free text as typed."""
    return gettext(value) if value in LIGHTING_SUGGESTIONS else value


class DateInput(forms.DateInput):
    input_type = "date"


class AssessmentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.visit_date:%Y-%m-%d}"


class PhotoSetForm(forms.Form):
    visit_date = forms.DateField(widget=DateInput, label=gettext_lazy("Visit date"))
    lighting = forms.CharField(
        max_length=100,
        required=False,
        label=gettext_lazy("Lighting"),
        help_text=gettext_lazy(
            "Use the same lighting at every visit, or comparisons show the light."
        ),
        widget=forms.TextInput(attrs={"list": "lighting-suggestions", "autocomplete": "off"}),
    )
    distance_cm = forms.IntegerField(
        label=gettext_lazy("Camera distance (cm)"),
        required=False,
        min_value=1,
        max_value=MAX_DISTANCE_CM,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    camera = forms.CharField(
        max_length=100,
        required=False,
        label=gettext_lazy("Camera"),
        help_text=gettext_lazy("Camera or phone model."),
    )
    assessment = AssessmentChoiceField(
        queryset=ScarAssessment.objects.none(),
        required=False,
        label=gettext_lazy("Assessment of this visit"),
        empty_label=gettext_lazy("None"),
    )

    def __init__(self, *args: Any, patient_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"visit_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field = self.fields["assessment"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ScarAssessment.objects.filter(patient_id=patient_id).order_by(
            "-visit_date", "-id"
        )
        self.fields["visit_date"].widget.attrs["max"] = timezone.localdate().isoformat()


class PhotoUploadForm(forms.Form):
    view = forms.ChoiceField(choices=PhotoView.choices, widget=forms.HiddenInput)
    region = forms.ChoiceField(
        choices=[("", "—"), *REGION_CHOICES],
        required=False,
        label=gettext_lazy("Region (close-ups)"),
    )
    # A plain file field: the service checks what the bytes are; the name and the type the
    # browser claims are never trusted.
    image = forms.FileField(
        label=gettext_lazy("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class PhotoConsentGrantForm(forms.Form):
    use = forms.ChoiceField(choices=PhotoUse.choices, widget=forms.HiddenInput)
    signed_consent = forms.ModelChoiceField(
        queryset=SignedConsent.objects.none(),
        required=False,
        label=gettext_lazy("Signed consent form (optional)"),
        empty_label=gettext_lazy("Recorded verbally / on paper"),
    )

    def __init__(self, *args: Any, patient_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["signed_consent"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = SignedConsent.objects.filter(
            patient_id=patient_id, withdrawn_at__isnull=True
        )


class ComparisonForm(forms.Form):
    view = forms.ChoiceField(
        choices=[(v, label) for v, label in PhotoView.choices if v != PhotoView.CLOSE_UP],
        required=False,
    )
    before = forms.IntegerField(required=False, min_value=1)
    after = forms.IntegerField(required=False, min_value=1)
