"""The demo's trajectory model: deterministic, assessments follow the sessions done before
them, counts only fall with treatment (bar a recount), untreated faces barely change, and
better-suited treatments clear more scars."""

from __future__ import annotations

import random
import statistics
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.analytics.demo_trajectories import (
    demo_trajectory,
    session_clearance,
)
from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.morphology import Morphology

TODAY = date(2026, 12, 6)


def _total(findings: dict[str, dict[str, int]]) -> int:
    return sum(sum(c.values()) for c in findings.values())


def test_the_same_seed_gives_the_same_trajectory() -> None:
    first = demo_trajectory(random.Random(3), today=TODAY, fitzpatrick=4)
    assert first == demo_trajectory(random.Random(3), today=TODAY, fitzpatrick=4)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10**9), fitzpatrick=st.sampled_from([None, 2, 3, 4, 5, 6]))
def test_every_trajectory_is_coherent(seed: int, fitzpatrick: int | None) -> None:
    t = demo_trajectory(random.Random(seed), today=TODAY, fitzpatrick=fitzpatrick)
    if t is None:
        return
    dates = [v.visit_date for v in t.visits]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert all(d < TODAY for d in dates)
    assert all(1 <= v.grade <= 4 and 0 <= v.bother <= 10 for v in t.visits)
    if t.course is None:
        return
    course = t.course
    assert course.start > t.visits[0].visit_date  # the baseline comes before treatment
    assert course.end < TODAY
    done = {m: sum(1 for s in course.sessions if s.modality == m) for m in course.modalities}
    for m, n in done.items():
        assert 1 <= n <= course.planned[m]
    if not course.dropped_out:
        assert done == dict(course.planned)
    if fitzpatrick is not None and fitzpatrick >= 5:
        assert Modality.FRACTIONAL_ABLATIVE_LASER not in course.modalities
        assert Modality.CHEMICAL_PEEL not in course.modalities
    # Counts fall visit by visit, except for a recount's extra scar per region and type.
    for before, after in zip(t.visits, t.visits[1:], strict=False):
        cells = sum(len(c) for c in before.findings.values())
        assert _total(after.findings) <= _total(before.findings) + cells


def test_untreatable_patients_get_no_treatment() -> None:
    for seed in range(40):
        t = demo_trajectory(random.Random(seed), today=TODAY, treatable=False)
        assert t is None or t.course is None


def test_more_sessions_clear_more_scars_on_average() -> None:
    shares: dict[int, list[float]] = {}
    for seed in range(600):
        t = demo_trajectory(random.Random(seed), today=TODAY, fitzpatrick=3)
        if t is None or t.course is None or len(t.visits) < 2:
            continue
        last = t.visits[-1]
        sessions = len({s.on for s in t.course.sessions if s.on < last.visit_date})
        base = _total(t.visits[0].findings)
        shares.setdefault(min(sessions, 3), []).append(_total(last.findings) / base)
    assert statistics.mean(shares[3]) < statistics.mean(shares[1])


def test_a_treatment_suited_to_the_scar_clears_more_of_it() -> None:
    ice_pick = Morphology.ICE_PICK
    assert session_clearance(Modality.TCA_CROSS, ice_pick, 1.0, 3) > session_clearance(
        Modality.SUBCISION, ice_pick, 1.0, 3
    )
    rolling = Morphology.ROLLING
    assert session_clearance(Modality.SUBCISION, rolling, 1.0, 3) > session_clearance(
        Modality.TCA_CROSS, rolling, 1.0, 3
    )
    assert session_clearance(Modality.FRACTIONAL_ABLATIVE_LASER, rolling, 1.0, 6) < (
        session_clearance(Modality.FRACTIONAL_ABLATIVE_LASER, rolling, 1.0, 3)
    )
