"""Forms of the consultation pages. They parse; the services validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from scarclinic.clinical.candidacy import DEFAULT_RULES, RuleSet, Threshold
from scarclinic.treatments.clinical_text import clinical_text
from scarclinic.treatments.models import ConsultationLabs
from scarclinic.treatments.models.consultation import MODALITY_CHOICES

# Plain-words labels for the thresholds of the default rules.
THRESHOLD_LABELS: dict[str, str | Promise] = {
    "isotretinoin_months": gettext_lazy(
        "Months to wait after the last isotretinoin dose (ablative laser)"
    ),
    "platelet_min_10e9_per_l": gettext_lazy("Lowest platelet count for PRP"),
    "haemoglobin_min_g_dl": gettext_lazy("Lowest haemoglobin for PRP"),
    "fitzpatrick_caution_from": gettext_lazy("Pigmentation caution from Fitzpatrick type"),
    "pmma_collagen_age_over": gettext_lazy("PMMA-collagen filler: patient older than"),
    "cell_therapy_min_grade": gettext_lazy(
        "Cell therapy: lowest Goodman & Baron grade of a candidate"
    ),
}


class DateInput(forms.DateInput):
    input_type = "date"


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's field errors on the form's fields, the rest at the top."""
    for field, messages in error.message_dict.items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, message)


def threshold_label(threshold: Threshold) -> str:
    label = THRESHOLD_LABELS.get(threshold.name)
    return str(label) if label is not None else threshold.name.replace("_", " ").capitalize()


class ThresholdsForm(forms.Form):
    """One field per threshold, filled with the value in force; blank resets to the default."""

    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        max_length=500,
        required=False,
        widget=forms.TextInput(),
    )

    def __init__(self, *args: Any, rule_set: RuleSet = DEFAULT_RULES, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for t in rule_set.thresholds:
            help_text = gettext(
                "%(unit)s; default %(default)s, allowed %(minimum)s to %(maximum)s. "
                "Source: %(source)s"
            ) % {
                "unit": clinical_text(t.unit),
                "default": f"{t.default:g}",
                "minimum": f"{t.minimum:g}",
                "maximum": f"{t.maximum:g}",
                "source": clinical_text(t.source),
            }
            field: forms.Field
            if t.whole:
                field = forms.IntegerField(label=threshold_label(t), required=False)
            else:
                field = forms.FloatField(label=threshold_label(t), required=False)
            field.help_text = help_text
            field.initial = rule_set.threshold(t.name)
            field.widget.attrs.update({"step": "1" if t.whole else "any", "inputmode": "decimal"})
            self.fields[t.name] = field
        self.order_fields([t.name for t in rule_set.thresholds] + ["reason"])
        self.threshold_names = [t.name for t in rule_set.thresholds]

    def changes(self, rule_set: RuleSet) -> dict[str, float | None]:
        """The thresholds whose value differs from the one in force (None: back to default)."""
        changed: dict[str, float | None] = {}
        for name in self.threshold_names:
            value = self.cleaned_data.get(name)
            if value is None:
                if name in rule_set.overrides:
                    changed[name] = None
            elif value != rule_set.threshold(name):
                changed[name] = value
        return changed


class RuleSwitchForm(forms.Form):
    rule_id = forms.CharField(max_length=100)
    switch = forms.ChoiceField(
        choices=[("off", gettext_lazy("Switch off")), ("on", gettext_lazy("Switch on"))]
    )
    reason = forms.CharField(max_length=500, required=False)


class PriceForm(forms.Form):
    modality = forms.ChoiceField(
        label=gettext_lazy("Treatment"),
        choices=[("", gettext_lazy("Choose a treatment")), *MODALITY_CHOICES],
    )
    price_per_session = forms.CharField(
        label=gettext_lazy("Price per session"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=gettext_lazy("For example 15000"),
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency"),
        max_length=3,
        initial="PKR",
        help_text=gettext_lazy("Three-letter code, for example PKR"),
    )
    effective_from = forms.DateField(label=gettext_lazy("Applies from"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].initial = timezone.localdate()


class LabsForm(forms.ModelForm):  # type: ignore[type-arg]
    expects_gradual_results = forms.TypedChoiceField(
        label=gettext_lazy("Understands that results come gradually over several sessions"),
        choices=[
            ("", gettext_lazy("Not asked yet")),
            ("yes", gettext_lazy("Yes")),
            ("no", gettext_lazy("No")),
        ],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
    )

    class Meta:
        model = ConsultationLabs
        fields = [
            "platelet_count_10e9_per_l",
            "haemoglobin_g_dl",
            "measured_on",
            "smoker",
            "expects_gradual_results",
        ]
        widgets = {"measured_on": DateInput()}
        # The model's verbose names are English; the form's labels are the reader's language.
        labels = {
            "platelet_count_10e9_per_l": gettext_lazy("Platelet count (x10^9/L)"),
            "haemoglobin_g_dl": gettext_lazy("Haemoglobin (g/dL)"),
            "measured_on": gettext_lazy("Blood taken on"),
            "smoker": gettext_lazy("Smokes"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measured_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if self.instance.pk and self.instance.expects_gradual_results is not None:
            self.initial["expects_gradual_results"] = (
                "yes" if self.instance.expects_gradual_results else "no"
            )


class DecisionForm(forms.Form):
    # A CharField shown as radio buttons: an option that is no longer offered gets the
    # service's message saying why (deferred until ...), not a bare "invalid choice".
    chosen = forms.CharField(
        label=gettext_lazy("Option chosen"), max_length=200, widget=forms.RadioSelect
    )
    questions = forms.CharField(
        label=gettext_lazy("Questions the patient asked"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("In the patient's words where possible, with the answers given."),
    )
    # What the page showed (Consultation.fingerprint), rendered by the template.
    fingerprint = forms.CharField(max_length=64, required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["chosen"].widget
        assert isinstance(widget, forms.RadioSelect)
        widget.choices = choices
