"""Forms of the adverse event pages. They parse; the rules live in outcomes/services.py, whose
field errors are shown inline beside the fields (apply_service_errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from scarclinic.biologics.models import ProductUnit
from scarclinic.outcomes.models import (
    AdverseEventCategory,
    AdverseEventOutcome,
    Relatedness,
    SeverityGrade,
)
from scarclinic.outcomes.services import Assessment
from scarclinic.treatments.models import ProcedureRecord
from scarclinic.treatments.models.consultation import MODALITY_CHOICES

BLANK: list[tuple[str, str]] = [("", "—")]


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's field errors on the form's fields, the rest at the top."""
    for name, messages in error.message_dict.items():
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
            else:
                form.add_error(None, message)


class _ProcedureChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        # The reader's date format and treatment name (the label is drawn when the form is).
        on = date_format(obj.performed_on, "SHORT_DATE_FORMAT")
        return f"{on} · {gettext(obj.modality_label)}"


class _UnitChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.din} · {obj.get_product_type_display()}"


class AdverseEventForm(forms.Form):
    onset_on = forms.DateField(
        label=_("Onset"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day it started."),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=BLANK + list(AdverseEventCategory.choices)
    )
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    severity = forms.TypedChoiceField(
        label=_("Severity grade (CTCAE v5.0)"),
        choices=BLANK + [(str(v), label) for v, label in SeverityGrade.choices],
        coerce=int,
        empty_value=None,
        help_text=_(
            "1 mild; 2 moderate; 3 severe or medically significant; 4 life-threatening; "
            "5 death related to the event (NCI CTCAE v5.0)."
        ),
    )
    serious = forms.BooleanField(
        label=_("Serious (ICH E2A)"),
        required=False,
        help_text=_(
            "Results in death, is life-threatening, needs or prolongs a hospital stay, causes "
            "lasting disability, is a congenital anomaly, or is an important medical event. "
            "Seriousness is not severity: both are recorded."
        ),
    )
    procedure = _ProcedureChoice(
        label=_("Related to the procedure"), queryset=ProcedureRecord.objects.none(), required=False
    )
    product_unit = _UnitChoice(
        label=_("Related to the cell product unit"),
        queryset=ProductUnit.objects.none(),
        required=False,
        help_text=_("Filled from the procedure when it gave a cell product."),
    )
    modality = forms.ChoiceField(
        label=_("Treatment (when no procedure is recorded)"),
        choices=BLANK + list(MODALITY_CHOICES),
        required=False,
    )
    relatedness = forms.ChoiceField(
        label=_("Relatedness (WHO-UMC)"),
        choices=BLANK + list(Relatedness.choices),
        required=False,
    )
    action_taken = forms.CharField(
        label=_("Action taken"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=AdverseEventOutcome.choices, initial=AdverseEventOutcome.ONGOING
    )
    resolved_on = forms.DateField(
        label=_("Resolved on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        help_text=_("For a resolved or fatal outcome."),
    )

    def __init__(
        self,
        *args: Any,
        procedures: list[ProcedureRecord],
        units: list[ProductUnit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        proc_field = self.fields["procedure"]
        unit_field = self.fields["product_unit"]
        assert isinstance(proc_field, forms.ModelChoiceField)
        assert isinstance(unit_field, forms.ModelChoiceField)
        proc_field.queryset = ProcedureRecord.objects.filter(pk__in=[p.pk for p in procedures])
        unit_field.queryset = ProductUnit.objects.filter(pk__in=[u.pk for u in units])
        # The choices from the lists already read: no query per rendering.
        proc_field.choices = [("", "—")] + [
            (p.pk, proc_field.label_from_instance(p)) for p in procedures
        ]
        unit_field.choices = [("", "—")] + [
            (u.pk, unit_field.label_from_instance(u)) for u in units
        ]

    def assessment(self) -> Assessment:
        d = self.cleaned_data
        return Assessment(
            onset_on=d["onset_on"],
            description=d["description"],
            category=d["category"],
            severity=d["severity"],
            serious=d["serious"],
            procedure=d["procedure"],
            product_unit=d["product_unit"],
            modality=d["modality"],
            relatedness=d["relatedness"],
            action_taken=d["action_taken"],
            outcome=d["outcome"],
            resolved_on=d["resolved_on"],
        )


def initial_from(event: Any) -> dict[str, Any]:
    return {
        "onset_on": event.onset_on,
        "category": event.category,
        "description": event.description,
        "severity": event.severity,
        "serious": event.serious,
        "procedure": event.procedure_id,
        "product_unit": event.product_unit_id,
        "modality": "" if event.procedure_id else event.modality,
        "relatedness": event.relatedness,
        "action_taken": event.action_taken,
        "outcome": event.outcome,
        "resolved_on": event.resolved_on,
    }


class ErrorForm(forms.Form):
    reason = forms.CharField(
        label=_("Why was it entered in error?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Review"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("What you concluded and what follows (required for a serious event)."),
    )
