from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from scarclinic.assessments.models.assessment import GRADE_CHOICES
from scarclinic.clinical.morphology import FacialRegion, Morphology
from scarclinic.patients.models import FITZPATRICK_CHOICES

CELL_PREFIX = "f"


def cell_name(region: str, morphology: str) -> str:
    return f"{CELL_PREFIX}__{region}__{morphology}"


@dataclass(frozen=True)
class GridCell:
    """One count input of the findings grid, as _grid.html writes it."""

    name: str
    id: str
    value: str | None
    label: str
    minimum: int
    maximum: int
    errors: list[str]
    described_by: str


class FindingsGridMixin(forms.Form):
    """One small number input per facial region and scar type: the grid behind the face map."""

    def add_grid(self, initial: dict[str, dict[str, int]] | None = None) -> None:
        initial = initial or {}
        for region in FacialRegion:
            for morphology in Morphology:
                # Translated when rendered: the form is built before the language is known.
                label = format_lazy(
                    "{}: {}", gettext_lazy(region.label), gettext_lazy(morphology.label)
                )
                field = forms.IntegerField(
                    min_value=0,
                    max_value=500,
                    required=False,
                    label=label,
                    # The grid shows region and type as row and column headers; a screen
                    # reader gets both from the input's own name.
                    widget=forms.NumberInput(
                        attrs={
                            "inputmode": "numeric",
                            "class": "cell",
                            "min": 0,
                            "max": 500,
                            "aria-label": label,
                        }
                    ),
                )
                name = cell_name(region.value, morphology.value)
                self.fields[name] = field
                value = initial.get(region.value, {}).get(morphology.value)
                if value:
                    self.initial[name] = value

    def grid_rows(self) -> list[tuple[FacialRegion, list[GridCell]]]:
        """The grid's cells with what _grid.html writes for each input: the same markup as
        the widget's, without rendering ~76 widget templates per page (issue 12)."""
        return [
            (region, [self._grid_cell(cell_name(region.value, m.value)) for m in Morphology])
            for region in FacialRegion
        ]

    def _grid_cell(self, name: str) -> GridCell:
        bound = self[name]
        field = bound.field
        errors = [str(e) for e in bound.errors]  # ErrorList yields the messages
        return GridCell(
            name=bound.html_name,
            id=bound.auto_id,
            value=field.widget.format_value(bound.value()),
            label=str(field.widget.attrs["aria-label"]),
            minimum=field.widget.attrs["min"],
            maximum=field.widget.attrs["max"],
            errors=errors,
            described_by=bound.aria_describedby or "",
        )

    def findings(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for region in FacialRegion:
            for morphology in Morphology:
                value = self.cleaned_data.get(cell_name(region.value, morphology.value))
                if value:
                    result.setdefault(region.value, {})[morphology.value] = value
        return result


class AssessmentForm(FindingsGridMixin):
    visit_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    qualitative_grade = forms.TypedChoiceField(
        choices=[("", gettext_lazy("Not graded yet")), *GRADE_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("Goodman & Baron qualitative grade"),
        widget=forms.RadioSelect,
    )
    fitzpatrick = forms.TypedChoiceField(
        choices=[("", gettext_lazy("Not recorded")), *FITZPATRICK_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("Fitzpatrick skin type"),
    )
    active_acne = forms.BooleanField(required=False, label=gettext_lazy("Active acne present"))
    keloid_area_cm2 = forms.DecimalField(
        min_value=0,
        max_value=9999,
        decimal_places=2,
        required=False,
        initial=0,
        label=gettext_lazy("Keloid / hypertrophic area (cm², total)"),
    )
    hypertrophic_over_two_years = forms.BooleanField(
        required=False,
        label=gettext_lazy("Hypertrophic scars older than 2 years (ECCA weights them lower)"),
    )
    texture_notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Skin texture notes"),
    )

    def __init__(
        self, *args: Any, findings: dict[str, dict[str, int]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_grid(findings)
        self.fields["visit_date"].widget.attrs["max"] = timezone.localdate().isoformat()


class AddendumForm(FindingsGridMixin):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("What this addendum corrects or adds"),
    )
    correct_counts = forms.BooleanField(
        required=False, label=gettext_lazy("Correct the scar counts")
    )
    corrected_keloid_area_cm2 = forms.DecimalField(
        min_value=0,
        max_value=9999,
        decimal_places=2,
        required=False,
        label=gettext_lazy("Corrected keloid area (cm²)"),
    )
    corrected_grade = forms.TypedChoiceField(
        choices=[("", gettext_lazy("No change")), *GRADE_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        label=gettext_lazy("Corrected qualitative grade"),
    )

    def __init__(
        self, *args: Any, findings: dict[str, dict[str, int]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_grid(findings)


class ProForm(forms.Form):
    """The items of one instrument as radio groups."""

    visit_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, items: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_ids = [str(item["id"]) for item in items]
        for item in items:
            self.fields[f"item__{item['id']}"] = forms.TypedChoiceField(
                label=item["text"],
                choices=[(o["value"], o.get("label", o["value"])) for o in item["options"]],
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "scale-options"}),
            )

    def answers(self) -> dict[str, int]:
        return {item_id: self.cleaned_data[f"item__{item_id}"] for item_id in self.item_ids}
