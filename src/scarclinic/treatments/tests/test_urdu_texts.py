"""The plan and session pages' texts in the reader's language: intervals, the usual protocol,
the cost estimate, the plan's changes and the procedure record. What the clinic typed (a
device, an agent) is shown as it was written; the stored English stays English."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.clinical.evidence import CATALOGUE, Modality
from scarclinic.treatments.details import summary_lines
from scarclinic.treatments.models import PlanChange, PlanChangeKind, PlanModality, TreatmentPlan
from scarclinic.treatments.selectors.plans import (
    EstimateLine,
    accepted_estimate_lines,
    plan_change_text,
)
from scarclinic.treatments.selectors.procedures import checklist_evaluate
from scarclinic.treatments.tests.test_procedures import PRP_DETAILS, _booked_session
from tests.cast import Cast

URDU = re.compile(r"[\u0600-\u06ff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _modality(sessions: int, value: int | None, unit: str) -> PlanModality:
    return PlanModality(
        modality=Modality.MICRONEEDLING_PRP.value,
        sessions=sessions,
        interval_value=value,
        interval_unit=unit,
        protocol_wording=CATALOGUE[Modality.MICRONEEDLING_PRP].sessions.describe,
        protocol_source="clinical reference §9",
    )


@settings(max_examples=60)
@given(st.integers(1, 20), st.none() | st.integers(1, 52), st.sampled_from(["weeks", "months"]))
def test_the_interval_reads_as_the_stored_english_in_english_and_in_urdu_in_urdu(
    sessions: int, value: int | None, unit: str
) -> None:
    pm = _modality(sessions, value, unit)
    with translation.override("en"):
        assert pm.interval_display == pm.interval_text
    with translation.override("ur"):
        shown = pm.interval_display
    assert URDU.search(shown) and not LATIN_WORD.search(shown)


def test_the_usual_protocol_is_translated_while_it_is_the_catalogues_wording() -> None:
    pm = _modality(3, 2, "weeks")
    with translation.override("ur"):
        assert URDU.search(pm.protocol_display) and URDU.search(pm.protocol_source_display)
        pm.protocol_wording = "3 sessions, every 3 weeks (our own protocol)"
        assert pm.protocol_display == "3 sessions, every 3 weeks (our own protocol)"


def test_the_procedure_record_reads_in_urdu_and_keeps_what_was_typed() -> None:
    with translation.override("ur"):
        lines = summary_lines(Modality.MICRONEEDLING_PRP, PRP_DETAILS)
    typed = {line.typed for line in lines if line.typed}
    assert typed == {"Pen", "Lidocaine cream"}
    for line in lines:
        assert URDU.search(line.label), line
        # Units, PRP and the medical term in brackets stay as they are, as in the catalogue.
        value = re.sub(r"PRP|\(erythema\)", "", line.value)
        assert not LATIN_WORD.search(value), line


def test_the_estimate_reads_in_urdu_and_keeps_the_english_names_it_stores() -> None:
    line = EstimateLine(
        "microneedling_prp", "Microneedling with PRP", 3, Decimal(18000), "PKR", False
    )
    missing = EstimateLine("subcision", "Subcision", 1, None, "PKR", False)
    plan = TreatmentPlan(
        accepted_estimate={
            "on_date": "2026-03-01",
            "currency": "PKR",
            "total": None,
            "has_demo": False,
            "lines": [
                {"label": "Microneedling with PRP", "sessions": 3, "price_per_session": "18000"},
                {"label": "Subcision", "sessions": 1, "price_per_session": None},
            ],
        }
    )
    with translation.override("ur"):
        texts = [line.text, missing.text, *accepted_estimate_lines(plan)]
    assert line.label == "Microneedling with PRP"
    assert all(URDU.search(t) for t in texts[1:])
    assert texts[0] == "3 x PKR 18,000 = PKR 54,000"
    assert all(not LATIN_WORD.search(t.replace("PKR", "").replace("PRP", "")) for t in texts)


def test_each_kind_of_plan_change_reads_in_urdu() -> None:
    changes = [
        PlanChange(kind=PlanChangeKind.CREATED, after={"start_date": "2026-03-01"}),
        PlanChange(
            kind=PlanChangeKind.STATUS, before={"status": "proposed"}, after={"status": "active"}
        ),
        PlanChange(
            kind=PlanChangeKind.CHANGED,
            before={"sessions": 3, "interval_value": 2, "interval_unit": "weeks", "from": "x"},
            after={"sessions": 4, "interval_value": 1, "interval_unit": "months"},
        ),
        PlanChange(
            kind=PlanChangeKind.MOVED,
            before={"starts_at": "2026-03-01T09:00:00+05:00"},
            after={"starts_at": "2026-03-02T10:00:00+05:00", "shifted": [1, 2]},
        ),
    ]
    with translation.override("ur"):
        texts = [plan_change_text(c) for c in changes]
    for text in texts:
        assert URDU.search(text) and not LATIN_WORD.search(text), text
    with translation.override("en"):
        assert plan_change_text(changes[2]) == (
            "3 sessions every 2 weeks (the catalogue's default) -> 4 sessions every 1 month"
        )


@pytest.mark.django_db
def test_the_checklist_is_worked_out_in_urdu_and_keeps_its_english_labels(cast: Cast) -> None:
    session = _booked_session(cast)
    with translation.override("ur"):
        checklist = checklist_evaluate(session=session)
    assert [i.label for i in checklist.items] == [
        "Booked appointment",
        "Consent in force for this procedure",
        "Candidacy re-checked today",
        "Photographs taken today",
    ]
    for item in checklist.items:
        assert item.passed and URDU.search(item.detail), item
