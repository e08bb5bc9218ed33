"""Session arithmetic: defaults from the catalogue (clinical reference §9), generated dates,
shifting later sessions."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from scarclinic.clinical.evidence import Modality
from scarclinic.treatments.protocol import (
    Interval,
    below_minimum,
    protocol_default,
    session_dates,
    shift_later,
)

days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))
intervals = st.one_of(
    st.builds(Interval, st.integers(1, 52), st.just("weeks")),
    st.builds(Interval, st.integers(1, 24), st.just("months")),
)


def test_microneedling_with_prp_defaults_to_three_sessions_two_weeks_apart_as_section_9_says() -> (
    None
):
    default = protocol_default(Modality.MICRONEEDLING_PRP)
    assert (default.sessions, default.interval) == (3, Interval(2, "weeks"))
    assert (default.minimum, default.maximum) == (Interval(2, "weeks"), Interval(4, "weeks"))
    assert default.source == "clinical reference §9"


def test_fractional_co2_defaults_to_three_sessions_a_month_apart() -> None:
    default = protocol_default(Modality.FRACTIONAL_ABLATIVE_LASER)
    assert (default.sessions, default.interval) == (3, Interval(1, "months"))


def test_tca_cross_defaults_to_four_sessions_and_svf_to_one() -> None:
    assert protocol_default(Modality.TCA_CROSS).sessions == 4
    svf = protocol_default(Modality.STEM_CELL_SVF_INJECTION)
    assert (svf.sessions, svf.interval, svf.minimum) == (1, None, None)


def test_a_treatment_without_a_protocol_in_the_reference_says_so() -> None:
    default = protocol_default(Modality.SUBCISION)
    assert default.verified is False and default.source is None
    assert "not in the clinical reference" in default.wording


def test_monthly_sessions_keep_the_day_of_the_month_or_its_last_day() -> None:
    assert session_dates(dt.date(2025, 1, 31), 3, Interval(1, "months")) == [
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 31),
    ]


@given(start=days, sessions=st.integers(1, 20), interval=intervals)
def test_generated_sessions_are_never_closer_than_their_interval(
    start: dt.date, sessions: int, interval: Interval
) -> None:
    dates = session_dates(start, sessions, interval)
    assert len(dates) == sessions and dates[0] == start
    for earlier, later in zip(dates, dates[1:], strict=False):
        assert not below_minimum(earlier, later, interval)
        assert later > earlier


@given(
    start=days,
    sessions=st.integers(2, 12),
    interval=intervals,
    index=st.integers(0, 11),
    shift=st.integers(-20, 60),
)
def test_shifting_later_sessions_keeps_their_gaps_and_leaves_earlier_ones(
    start: dt.date, sessions: int, interval: Interval, index: int, shift: int
) -> None:
    dates = session_dates(start, sessions, interval)
    index = index % sessions
    moved = shift_later(dates, index, dates[index] + dt.timedelta(days=shift))
    assert moved[:index] == dates[:index]
    gaps = [b - a for a, b in zip(dates[index:], dates[index + 1 :], strict=False)]
    assert [b - a for a, b in zip(moved[index:], moved[index + 1 :], strict=False)] == gaps
