"""The findings grid writes its count inputs itself (issue 12: ~76 widget templates made the
entry page slow). Its markup must stay exactly what Django's widget renders: same name, id,
value, label and ARIA attributes, and the first error beside the input."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.template.loader import render_to_string

from scarclinic.assessments.forms import AddendumForm, AssessmentForm, cell_name
from scarclinic.clinical.morphology import FacialRegion, Morphology

REGIONS = list(FacialRegion)
TYPES = list(Morphology)
FINDINGS = {REGIONS[0].value: {TYPES[0].value: 3, TYPES[1].value: 12}}
BAD = {
    "visit_date": "2026-01-01",
    cell_name(REGIONS[0].value, TYPES[0].value): "-1",
    cell_name(REGIONS[1].value, TYPES[1].value): "abc",
    cell_name(REGIONS[1].value, TYPES[2].value): "501",
    cell_name(REGIONS[2].value, TYPES[0].value): "4",
    cell_name(REGIONS[3].value, TYPES[0].value): '"<b>',
}


def widget_markup(form: Any) -> str:
    """Every cell as Django's own widget renders it, with the grid's error display."""
    cells = []
    for region in REGIONS:
        for morphology in TYPES:
            bound = form[cell_name(region.value, morphology.value)]
            error = f'<span class="errorlist">{bound.errors[0]}</span>' if bound.errors else ""
            cells.append(f"<td>{bound}{error}</td>")
    return "".join(cells)


@pytest.mark.parametrize(
    "make",
    [
        lambda: AssessmentForm(findings=FINDINGS),
        lambda: AssessmentForm(BAD, findings=FINDINGS),
        lambda: AddendumForm(findings=FINDINGS),
        lambda: AssessmentForm(findings=FINDINGS, auto_id="x_%s"),
    ],
    ids=["findings", "errors", "addendum", "auto_id"],
)
def test_the_grid_writes_each_input_as_the_widget_would(make: Callable[[], Any]) -> None:
    form = make()
    html = render_to_string("assessments/_grid.html", {"form": form, "morphologies": TYPES})
    cells = "".join(re.findall(r"<td>.*?</td>", html, re.S))
    assert cells.count("<input") == len(REGIONS) * len(TYPES)
    assert cells == widget_markup(form)
    if form.is_bound:
        assert cells.count('aria-invalid="true"') == 4 and "&quot;&lt;b&gt;" in cells
