from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from scarclinic.analytics import cohort
from scarclinic.analytics.selectors import MAX_FORECAST_SESSIONS
from scarclinic.clinical.evidence import Modality

SCALE_CHOICES = [
    ("goodman_baron_quantitative", _("Goodman & Baron quantitative score")),
    ("ecca", _("ECCA")),
]
assert {c for c, _label in SCALE_CHOICES} == set(cohort.SCALES)


class ForecastForm(forms.Form):
    """A new patient's forecast: how many sessions, which treatment (or all), which scale,
    and optionally the patient (from their chart) to turn % into their expected score."""

    sessions = forms.IntegerField(
        label=_("Number of sessions"), min_value=1, max_value=MAX_FORECAST_SESSIONS, initial=3
    )
    modality = forms.ChoiceField(
        label=_("Treatment"),
        required=False,
        choices=[("", _("Every treatment"))] + [(m.value, _(m.label)) for m in Modality],  # noqa: INT001 - labels in the catalogue
    )
    scale = forms.ChoiceField(label=_("Scale"), choices=SCALE_CHOICES, required=False)
    patient = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
