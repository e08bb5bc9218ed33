"""Adverse event services: the rules, the draft → recorded path, errors, the review, and the
director's notification."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scarclinic.audit.models import AuditEntry
from scarclinic.clinical.evidence import Modality
from scarclinic.outcomes import services
from scarclinic.outcomes.models import (
    AdverseEvent,
    AdverseEventCategory,
    AdverseEventOutcome,
    AdverseEventStatus,
    Relatedness,
)
from scarclinic.outcomes.services import Assessment, _check
from scarclinic.outcomes.tests.stories import (
    days_ago,
    mild,
    serious_event,
    sessions,
    svf_given_to_amina,
)
from scarclinic.patients.models import Patient
from tests.cast import Cast

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def _errors(call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


# --- The rules, for any input (hypothesis) -----------------------------------------------

_assessments = st.builds(
    Assessment,
    onset_on=st.dates(dt.date(2025, 1, 1), dt.date(2026, 7, 1)),
    description=st.sampled_from(["", "Red cheeks", "  "]),
    category=st.sampled_from(["", *AdverseEventCategory.values]),
    severity=st.one_of(st.none(), st.integers(0, 6)),
    serious=st.booleans(),
    relatedness=st.sampled_from(["", *Relatedness.values]),
    outcome=st.sampled_from(AdverseEventOutcome.values),
    resolved_on=st.one_of(st.none(), st.dates(dt.date(2024, 12, 1), dt.date(2026, 7, 1))),
)


@settings(max_examples=300, deadline=None)
@given(a=_assessments, graded=st.booleans())
def test_whatever_is_accepted_obeys_the_rules(a: Assessment, graded: bool) -> None:
    patient = Patient(pk=1, clinic_id=1)  # no procedure or product: nothing is read
    try:
        checked = _check(a, patient=patient, graded=graded, today=TODAY)
    except ValidationError as error:
        assert error.message_dict  # every refusal names a field
        return
    # CTCAE v5.0 grade 5 is death: fatal and (ICH E2A) serious; fatal is grade 5.
    if checked.severity == 5:
        assert checked.outcome == "fatal" and checked.serious
    if checked.outcome == "fatal":
        assert checked.severity == 5
    # Resolved after onset, never in the future, exactly for a resolved outcome.
    if checked.resolved_on is not None:
        assert checked.onset_on <= checked.resolved_on <= TODAY
    assert (checked.resolved_on is not None) == (checked.outcome in services.RESOLVED_OUTCOMES)
    assert checked.onset_on <= TODAY
    assert checked.description.strip()
    # A recorded event is graded and categorised.
    if graded:
        assert checked.severity in range(1, 6) and checked.category


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(severity=st.integers(1, 5), serious=st.booleans())
def test_grade_5_is_always_recorded_fatal_and_serious(
    cast: Cast, severity: int, serious: bool
) -> None:
    a = mild(
        severity=severity,
        serious=serious,
        outcome="fatal" if severity == 5 else "ongoing",
        resolved_on=days_ago(1) if severity == 5 else None,
    )
    with transaction.atomic():
        event = services.adverse_event_record(patient=cast.amina, by=cast.physician, assessment=a)
        assert event.serious == (serious or severity == 5)
        transaction.set_rollback(True)


def test_a_grade_5_event_with_another_outcome_is_refused_and_nothing_saved(cast: Cast) -> None:
    errors = _errors(
        lambda: services.adverse_event_record(
            patient=cast.amina, by=cast.physician, assessment=mild(severity=5)
        )
    )
    assert "outcome" in errors
    assert AdverseEvent.objects.count() == 0


def test_the_database_refuses_grade_5_without_fatal_and_resolution_before_onset(
    cast: Cast,
) -> None:
    event = services.adverse_event_record(patient=cast.amina, by=cast.physician, assessment=mild())
    with pytest.raises(IntegrityError), transaction.atomic():
        AdverseEvent.objects.filter(pk=event.pk).update(severity=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdverseEvent.objects.filter(pk=event.pk).update(
            resolved_on=event.onset_on - dt.timedelta(1)
        )


def test_a_resolution_before_the_onset_is_refused(cast: Cast) -> None:
    errors = _errors(
        lambda: services.adverse_event_record(
            patient=cast.amina,
            by=cast.physician,
            assessment=mild(on=days_ago(3), outcome="resolved", resolved_on=days_ago(5)),
        )
    )
    assert errors["resolved_on"] == ["The resolution cannot be before the onset."]


# --- Recording, the patient's draft, assessing it ----------------------------------------


def test_staff_record_a_graded_event_audited(cast: Cast) -> None:
    event = services.adverse_event_record(patient=cast.amina, by=cast.nurse, assessment=mild())
    assert event.status == AdverseEventStatus.RECORDED and event.source == "staff"
    assert event.clinic_id == cast.clinic_a.pk and event.reported_by == cast.nurse
    entry = AuditEntry.objects.filter(object_type="outcomes.adverseevent").latest("seq")
    assert (entry.action, entry.patient_id, entry.actor_id) == (
        "create",
        cast.amina.pk,
        cast.nurse.pk,
    )
    assert "Redness" not in str(entry.detail)  # no patient text in the log


def test_recording_needs_a_grade_and_a_category(cast: Cast) -> None:
    errors = _errors(
        lambda: services.adverse_event_record(
            patient=cast.amina, by=cast.nurse, assessment=mild(severity=None, category="")
        )
    )
    assert set(errors) == {"severity", "category"}


def test_the_patient_reports_a_draft_which_becomes_recorded_once_graded(cast: Cast) -> None:
    draft = services.adverse_event_report_by_patient(
        patient=cast.amina, by=cast.patient, onset_on=days_ago(2), description="Itchy and red"
    )
    assert (draft.status, draft.source, draft.severity, draft.category) == (
        "draft",
        "patient",
        None,
        "",
    )
    # Assessing without a grade is refused, and the draft stays a draft.
    errors = _errors(
        lambda: services.adverse_event_update(
            event=draft,
            by=cast.physician,
            assessment=Assessment(onset_on=draft.onset_on, description=draft.description),
        )
    )
    assert set(errors) == {"severity", "category"}
    draft.refresh_from_db()
    assert draft.status == "draft"
    recorded = services.adverse_event_update(
        event=draft,
        by=cast.physician,
        assessment=mild(on=draft.onset_on, description="Itchy and red"),
    )
    assert recorded.status == "recorded" and recorded.severity == 1
    assert recorded.source == "patient" and recorded.reported_by == cast.patient


def test_a_patient_cannot_report_for_someone_else(cast: Cast) -> None:
    cast.bilal.portal_user = cast.nurse
    errors = _errors(
        lambda: services.adverse_event_report_by_patient(
            patient=cast.bilal, by=cast.patient, onset_on=days_ago(1), description="x"
        )
    )
    assert "patient" in errors
    assert not AdverseEvent.objects.exists()


def test_a_future_onset_or_an_empty_description_is_refused(cast: Cast) -> None:
    errors = _errors(
        lambda: services.adverse_event_report_by_patient(
            patient=cast.amina,
            by=cast.patient,
            onset_on=timezone.localdate() + dt.timedelta(days=1),
            description="   ",
        )
    )
    assert set(errors) == {"onset_on", "description"}


# --- Relatedness to a procedure and a cell product -------------------------------------


def test_the_procedure_gives_its_modality_and_must_be_the_patients(cast: Cast) -> None:
    (record,) = sessions(cast.amina, cast.physician, Modality.CHEMICAL_PEEL, [days_ago(10)])
    event = services.adverse_event_record(
        patient=cast.amina,
        by=cast.physician,
        assessment=mild(
            procedure=record, modality="", category="post_inflammatory_hyperpigmentation"
        ),
    )
    assert event.modality == "chemical_peel" and event.procedure == record
    errors = _errors(
        lambda: services.adverse_event_record(
            patient=cast.bilal, by=cast.physician, assessment=mild(procedure=record, modality="")
        )
    )
    assert "procedure" in errors


def test_an_event_linked_to_a_cell_product_unit_knows_its_lot(cast: Cast) -> None:
    unit, administration = svf_given_to_amina(cast)
    event = services.adverse_event_record(
        patient=cast.amina,
        by=cast.physician,
        assessment=mild(product_unit=unit, modality="", category="nodule"),
    )
    assert event.product_unit == unit
    assert event.product_unit.collection_id == unit.collection_id
    assert event.modality == administration.modality
    # A unit not given to this patient is refused.
    errors = _errors(
        lambda: services.adverse_event_record(
            patient=cast.bilal, by=cast.physician, assessment=mild(product_unit=unit, modality="")
        )
    )
    assert "product_unit" in errors


# --- Entered in error, review ------------------------------------------------------------


def test_marking_in_error_keeps_the_event_with_the_reason_and_freezes_it(cast: Cast) -> None:
    event = services.adverse_event_record(patient=cast.amina, by=cast.nurse, assessment=mild())
    assert "reason" in _errors(
        lambda: services.adverse_event_mark_entered_in_error(event=event, by=cast.nurse, reason=" ")
    )
    marked = services.adverse_event_mark_entered_in_error(
        event=event, by=cast.nurse, reason="Duplicate of the previous entry"
    )
    assert marked.status == "entered_in_error" and marked.error_marked_by == cast.nurse
    assert "status" in _errors(
        lambda: services.adverse_event_update(event=marked, by=cast.nurse, assessment=mild())
    )


def test_a_serious_event_emails_the_directors_on_commit_and_waits_for_review(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    cast.director.email = "director@clinic-a.example"
    cast.director.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = serious_event(cast)
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["director@clinic-a.example"]
    assert f"/outcomes/adverse-events/{event.pk}/" in message.body
    assert "Amina" not in message.body + message.subject  # no patient name in an email
    assert event.awaits_review and event.directors_notified_at is not None
    # A non-serious event sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.adverse_event_record(patient=cast.amina, by=cast.nurse, assessment=mild())
    assert len(mail.outbox) == 1


def test_nothing_is_emailed_when_the_transaction_rolls_back(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    cast.director.email = "director@clinic-a.example"
    cast.director.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        serious_event(cast)
    assert len(callbacks) == 1 and mail.outbox == []  # queued for commit, not sent before


def test_an_update_that_makes_an_event_serious_notifies_and_reopens_the_review(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    cast.director.email = "d@example.org"
    cast.director.save()
    event = services.adverse_event_record(patient=cast.amina, by=cast.nurse, assessment=mild())
    services.adverse_event_review(event=event, by=cast.director, note="")
    with django_capture_on_commit_callbacks(execute=True):
        event = services.adverse_event_update(
            event=event, by=cast.physician, assessment=mild(severity=3, serious=True)
        )
    assert event.awaits_review and len(mail.outbox) == 1


def test_the_review_of_a_serious_event_needs_a_note_and_happens_once(cast: Cast) -> None:
    event = serious_event(cast)
    assert "note" in _errors(
        lambda: services.adverse_event_review(event=event, by=cast.director, note="")
    )
    reviewed = services.adverse_event_review(
        event=event, by=cast.director, note="Reported to the ethics committee."
    )
    assert not reviewed.awaits_review and reviewed.reviewed_by == cast.director
    assert "status" in _errors(
        lambda: services.adverse_event_review(event=reviewed, by=cast.director, note="again")
    )


def test_a_draft_cannot_be_reviewed_before_it_is_assessed(cast: Cast) -> None:
    draft = services.adverse_event_report_by_patient(
        patient=cast.amina, by=cast.patient, onset_on=days_ago(1), description="Swelling"
    )
    assert "status" in _errors(
        lambda: services.adverse_event_review(event=draft, by=cast.director, note="x")
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    severity=st.one_of(st.none(), st.integers(1, 4)),
    category=st.sampled_from(["", "infection", "nodule"]),
)
def test_a_draft_is_recorded_exactly_when_graded_and_categorised(
    cast: Cast, severity: int | None, category: str
) -> None:
    with transaction.atomic():
        draft = services.adverse_event_report_by_patient(
            patient=cast.amina, by=cast.patient, onset_on=days_ago(2), description="Sore"
        )
        with contextlib.suppress(ValidationError):
            services.adverse_event_update(
                event=draft,
                by=cast.nurse,
                assessment=mild(on=days_ago(2), severity=severity, category=category),
            )
        draft.refresh_from_db()
        graded = severity is not None and category != ""
        assert (draft.status == "recorded") == graded
        assert draft.status in ("draft", "recorded")
        if not graded:
            assert draft.severity is None and draft.category == ""
        transaction.set_rollback(True)
