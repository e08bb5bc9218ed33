from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from scarclinic.clinical.history import (
    AcneSeverity,
    AlertLevel,
    FitzpatrickType,
    IsotretinoinStatus,
    MedicalHistory,
    age_on,
    history_alerts,
    history_problems,
)

TODAY = date(2026, 11, 28)
FLAGS = [
    f.name
    for f in dataclasses.fields(MedicalHistory)
    if f.type in ("bool", bool) and f.name != "active_acne"
]

histories = st.builds(
    MedicalHistory,
    active_acne=st.booleans(),
    acne_severity=st.sampled_from(AcneSeverity),
    isotretinoin=st.sampled_from(IsotretinoinStatus),
    isotretinoin_last_dose=st.none() | st.dates(date(2000, 1, 1), date(2030, 1, 1)),
    fitzpatrick=st.none() | st.sampled_from(FitzpatrickType),
    **{name: st.booleans() for name in FLAGS},
)


def test_age_counts_whole_years_and_turns_on_the_birthday() -> None:
    assert age_on(date(2000, 11, 28), TODAY) == 26
    assert age_on(date(2000, 11, 29), TODAY) == 25


def test_a_leap_day_birthday_counts_from_the_first_of_march_in_other_years() -> None:
    assert age_on(date(2004, 2, 29), date(2025, 2, 28)) == 20
    assert age_on(date(2004, 2, 29), date(2025, 3, 1)) == 21


@given(st.dates(date(1900, 1, 1), date(2026, 1, 1)), st.integers(0, 20000))
def test_age_never_decreases_with_time(born: date, days: int) -> None:
    on = born + timedelta(days=days)
    assert age_on(born, on) <= age_on(born, on + timedelta(days=1)) <= age_on(born, on) + 1


def test_active_acne_needs_a_severity_and_inactive_acne_has_none() -> None:
    assert "acne_severity" in history_problems(MedicalHistory(active_acne=True), today=TODAY)
    assert "acne_severity" in history_problems(
        MedicalHistory(acne_severity=AcneSeverity.MILD), today=TODAY
    )
    ok = MedicalHistory(active_acne=True, acne_severity=AcneSeverity.MILD)
    assert history_problems(ok, today=TODAY) == {}


def test_past_isotretinoin_needs_a_last_dose_that_is_not_in_the_future() -> None:
    past = MedicalHistory(isotretinoin=IsotretinoinStatus.PAST)
    assert "isotretinoin_last_dose" in history_problems(past, today=TODAY)
    future = dataclasses.replace(past, isotretinoin_last_dose=TODAY + timedelta(days=1))
    assert "future" in history_problems(future, today=TODAY)["isotretinoin_last_dose"]
    today = dataclasses.replace(past, isotretinoin_last_dose=TODAY)
    assert history_problems(today, today=TODAY) == {}


def test_a_last_dose_without_isotretinoin_use_is_refused() -> None:
    history = MedicalHistory(isotretinoin_last_dose=date(2026, 1, 1))
    assert "isotretinoin_last_dose" in history_problems(history, today=TODAY)


def test_alerts_put_stops_before_cautions() -> None:
    history = MedicalHistory(
        pregnant_or_breastfeeding=True,
        keloid_tendency=True,
        fitzpatrick=FitzpatrickType.V,
    )
    levels = [a.level for a in history_alerts(history)]
    assert levels == [AlertLevel.STOP, AlertLevel.CAUTION, AlertLevel.CAUTION]
    assert any("Fitzpatrick V" in a.text for a in history_alerts(history))


def test_fitzpatrick_three_raises_no_pigmentation_alert_but_four_does() -> None:
    assert history_alerts(MedicalHistory(fitzpatrick=FitzpatrickType.III)) == []
    assert len(history_alerts(MedicalHistory(fitzpatrick=FitzpatrickType.IV))) == 1


@given(histories, st.sampled_from(FLAGS))
def test_setting_a_risk_flag_never_removes_an_alert(history: MedicalHistory, flag: str) -> None:
    before = {a.text for a in history_alerts(history)}
    after = {a.text for a in history_alerts(dataclasses.replace(history, **{flag: True}))}
    assert before <= after


def test_an_empty_history_raises_no_alert() -> None:
    assert history_alerts(MedicalHistory()) == []
