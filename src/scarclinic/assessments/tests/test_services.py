from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scarclinic.assessments import services
from scarclinic.assessments.models import (
    AssessmentStatus,
    Instrument,
    PatientReportedOutcome,
    RegionFinding,
    ScarAssessment,
)
from scarclinic.assessments.selectors import effective_scores, latest_profile
from scarclinic.audit.models import AuditAction, AuditEntry
from scarclinic.clinical.morphology import FacialRegion, Morphology
from tests.cast import Cast

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 1)
# CLINICAL.md section 3 example, recorded by morphology: 12 rolling (mild dish-like in G&B
# terms via the clinic's mapping: moderate dish) and 5 shallow boxcar scars.
FINDINGS = {"cheek_left": {"boxcar_shallow": 5, "ice_pick": 3}, "cheek_right": {"rolling": 12}}


def _save(cast: Cast, **overrides: object) -> ScarAssessment:
    values: dict[str, object] = {
        "patient": cast.amina,
        "by": cast.physician,
        "visit_date": TODAY,
        "findings": FINDINGS,
        "qualitative_grade": 3,
    }
    return services.assessment_save(**(values | overrides))  # type: ignore[arg-type]


def test_saving_computes_both_scores_and_stores_the_scale_versions(cast: Cast) -> None:
    assessment = _save(cast)
    # G&B: shallow punched-out 2x1, deep abnormal (ice-pick) 3x1, moderate dish (rolling) 2x2 = 9
    assert assessment.goodman_baron_score == 9
    # ECCA: u-shaped 20x2 (5), v-shaped 15x1 (3), m-shaped 25x2 (12) = 105
    assert assessment.ecca_score == 105
    assert assessment.scale_versions["ecca"] == "ECCA 2007"
    assert RegionFinding.objects.filter(assessment=assessment).count() == 3
    assert assessment.status == AssessmentStatus.DRAFT


def test_a_negative_or_unknown_count_is_refused_and_nothing_is_saved(cast: Cast) -> None:
    for bad in (
        {"cheek_left": {"ice_pick": -1}},
        {"cheek_left": {"wart": 2}},
        {"ear": {"ice_pick": 2}},
        {"cheek_left": {"ice_pick": 2.5}},
    ):
        with pytest.raises(ValidationError):
            _save(cast, findings=bad)
    assert not ScarAssessment.objects.exists()


def test_a_visit_in_the_future_is_refused(cast: Cast) -> None:
    with pytest.raises(ValidationError) as error:
        _save(cast, visit_date=timezone.localdate() + dt.timedelta(days=1))
    assert "visit_date" in error.value.message_dict


def test_only_a_physician_records_an_assessment(cast: Cast) -> None:
    for user in (cast.nurse, cast.frontdesk, cast.outsider):
        with pytest.raises(ValidationError):
            _save(cast, by=user)


def test_signing_needs_the_qualitative_grade(cast: Cast) -> None:
    draft = _save(cast, qualitative_grade=None)
    with pytest.raises(ValidationError) as error:
        services.assessment_sign(assessment=draft, by=cast.physician)
    assert "qualitative_grade" in error.value.message_dict
    signed = services.assessment_sign(assessment=_save(cast), by=cast.physician)
    assert signed.status == AssessmentStatus.SIGNED and signed.signed_by == cast.physician


def test_a_signed_assessment_cannot_be_edited(cast: Cast) -> None:
    signed = _save(cast, sign=True)
    with pytest.raises(ValidationError) as error:
        _save(cast, assessment=signed, findings={})
    assert "addendum" in error.value.messages[0]
    signed.refresh_from_db()
    assert signed.goodman_baron_score == 9


def test_a_correction_is_an_addendum_that_keeps_the_original(cast: Cast) -> None:
    signed = _save(cast, sign=True)
    addendum = services.assessment_add_addendum(
        assessment=signed,
        by=cast.physician,
        note="Rolling scars on the right cheek were 6, not 12",
        corrected_findings={**FINDINGS, "cheek_right": {"rolling": 6}},
    )
    signed.refresh_from_db()
    assert signed.goodman_baron_score == 9 and signed.findings.count() == 3
    assert addendum.goodman_baron_score == 7  # moderate dish now band 1
    scores = effective_scores(signed)
    assert scores.goodman_baron == 7 and scores.corrected
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="assessments.assessmentaddendum"
    ).exists()


def test_a_draft_takes_no_addendum_and_an_empty_note_is_refused(cast: Cast) -> None:
    draft = _save(cast)
    with pytest.raises(ValidationError):
        services.assessment_add_addendum(assessment=draft, by=cast.physician, note="x")
    signed = _save(cast, sign=True)
    with pytest.raises(ValidationError):
        services.assessment_add_addendum(assessment=signed, by=cast.physician, note="  ")


def test_the_latest_signed_assessment_gives_the_scar_profile(cast: Cast) -> None:
    assert latest_profile(patient=cast.amina) is None
    _save(cast, sign=True, visit_date=TODAY - dt.timedelta(days=90))
    _save(cast, sign=True, findings={"chin": {"keloid": 2}}, keloid_area_cm2=Decimal("3"))
    _save(cast, visit_date=TODAY + dt.timedelta(days=1) if timezone.localdate() > TODAY else TODAY)
    profile = latest_profile(patient=cast.amina)
    assert profile is not None
    assert profile.counts == {Morphology.KELOID: 2}
    assert profile.goodman_baron_total == 6  # keloid area < 5 cm2 scores 6


counts = st.integers(min_value=0, max_value=40)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from([r.value for r in FacialRegion]),
        st.dictionaries(st.sampled_from([m.value for m in Morphology]), counts, max_size=3),
        max_size=4,
    )
)
def test_stored_scores_always_equal_the_core_scales_for_the_same_counts(
    cast: Cast, findings: dict[str, dict[str, int]]
) -> None:
    from scarclinic.clinical.scales import scores_from_findings

    assessment = _save(cast, findings=findings)
    expected = scores_from_findings(findings)
    assert (assessment.goodman_baron_score, assessment.ecca_score) == (
        expected.goodman_baron,
        expected.ecca,
    )


def test_a_questionnaire_is_scored_and_a_wrong_answer_is_refused(cast: Cast) -> None:
    pga = Instrument.objects.get(code="pga", clinic=None)
    response = services.pro_record(
        patient=cast.amina, instrument=pga, by=cast.nurse, visit_date=TODAY, answers={"bother": 7}
    )
    assert response.score == 7
    with pytest.raises(ValidationError) as error:
        services.pro_record(
            patient=cast.amina,
            instrument=pga,
            by=cast.nurse,
            visit_date=TODAY,
            answers={"bother": 11},
        )
    assert "answers" in error.value.message_dict
    assert PatientReportedOutcome.objects.count() == 1


def test_a_portal_patient_answers_only_for_their_own_record(cast: Cast) -> None:
    pga = Instrument.objects.get(code="pga", clinic=None)
    services.pro_record(
        patient=cast.amina,
        instrument=pga,
        by=cast.patient,
        visit_date=TODAY,
        answers={"bother": 3},
        source="portal",
    )
    with pytest.raises(ValidationError):
        services.pro_record(
            patient=cast.bilal,
            instrument=pga,
            by=cast.patient,
            visit_date=TODAY,
            answers={"bother": 3},
            source="portal",
        )


def test_a_correction_to_no_scars_at_all_is_what_the_profile_sees(cast: Cast) -> None:
    signed = _save(cast, sign=True)
    services.assessment_add_addendum(
        assessment=signed, by=cast.physician, note="Marks were not scars", corrected_findings={}
    )
    profile = latest_profile(patient=cast.amina)
    assert profile is not None
    assert dict(profile.counts) == {}
    assert profile.goodman_baron_total == 0 and profile.ecca_total == 0
