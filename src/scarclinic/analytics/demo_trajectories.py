"""Demo patients' courses: a baseline scar assessment, the treatment they had (one modality
or a combination, a number of sessions, sometimes stopped early), and follow-up assessments
whose scar counts fall with the sessions done before them.

Everything here is **invented for the demo**, so that the clinic's analytics have something
real-looking to show; none of it is clinical evidence, and none of the numbers comes from
../shared/CLINICAL.md except the default session counts of §9 (cited where used). The model:

- a face has a scar profile (ice-pick, boxcar, rolling, mixed or hypertrophic dominant) and a
  severity (number of scars), spread over the facial regions;
- each session of a modality clears a share of the scars of each morphology: a per-session
  effect of the modality (``DEMO_EFFECT``) times how well it suits that morphology
  (``DEMO_AFFINITY``), times the patient's own response (log-normal, so some patients
  respond much better than others);
- each scar is kept or cleared at random with that probability (so counts are whole, noisy
  numbers), and a recount now and then finds one more scar than the last visit (measurement
  noise);
- the physician's choice of treatment follows the profile, and avoids resurfacing for
  Fitzpatrick V-VI (clinical reference §8: higher risk of post-inflammatory
  hyperpigmentation with peels and ablative laser); patients with active acne, a skin
  infection or a pregnancy are not treated yet (clinical reference §8);
- some patients are not treated (waiting, or declined), some stop early (drop-outs, often
  lost to follow-up), and follow-up visits are on the day of a session (assessed, then
  treated) or some weeks after the last one.

Pure Python: the caller supplies the ``random.Random`` and today's date, so the same seed
gives the same courses.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.morphology import FacialRegion, Morphology

M = Modality

# Where acne scars sit (cheeks most): plausible demo proportions, not epidemiology.
REGION_WEIGHTS: Final[Mapping[FacialRegion, int]] = MappingProxyType(
    {
        FacialRegion.CHEEK_LEFT: 10,
        FacialRegion.CHEEK_RIGHT: 10,
        FacialRegion.TEMPLE_LEFT: 4,
        FacialRegion.TEMPLE_RIGHT: 4,
        FacialRegion.FOREHEAD: 3,
        FacialRegion.JAWLINE_LEFT: 3,
        FacialRegion.JAWLINE_RIGHT: 3,
        FacialRegion.CHIN: 2,
        FacialRegion.PERIORAL: 1,
        FacialRegion.NOSE: 1,
    }
)
# Which morphologies dominate a face of each profile (demo proportions).
PROFILES: Final[Mapping[str, Mapping[Morphology, int]]] = MappingProxyType(
    {
        "ice_pick": {Morphology.ICE_PICK: 6, Morphology.BOXCAR_SHALLOW: 2, Morphology.MACULAR: 2},
        "boxcar": {
            Morphology.BOXCAR_SHALLOW: 4,
            Morphology.BOXCAR_DEEP: 3,
            Morphology.ICE_PICK: 1,
            Morphology.MACULAR: 2,
        },
        "rolling": {Morphology.ROLLING: 6, Morphology.BOXCAR_SHALLOW: 2, Morphology.MACULAR: 1},
        "mixed": {
            Morphology.ICE_PICK: 3,
            Morphology.BOXCAR_SHALLOW: 3,
            Morphology.ROLLING: 3,
            Morphology.MACULAR: 2,
        },
        "hypertrophic": {
            Morphology.HYPERTROPHIC: 4,
            Morphology.KELOID: 1,
            Morphology.BOXCAR_SHALLOW: 2,
        },
    }
)
PROFILE_WEIGHTS: Final = (3, 4, 3, 4, 1)

# Share of scars one session clears, before affinity and the patient's response. Demo
# assumptions chosen to give a plausible spread between treatments: NOT published effects.
DEMO_EFFECT: Final[Mapping[Modality, float]] = MappingProxyType(
    {
        M.STEM_CELL_SVF_INJECTION: 0.30,
        M.MICRONEEDLING_PRP: 0.18,
        M.MICRONEEDLING: 0.12,
        M.FRACTIONAL_ABLATIVE_LASER: 0.22,
        M.NON_ABLATIVE_FRACTIONAL_LASER: 0.10,
        M.CHEMICAL_PEEL: 0.06,
        M.TCA_CROSS: 0.16,
        M.SUBCISION: 0.22,
        M.DERMAL_FILLER: 0.30,
    }
)
# How well a modality suits a morphology (1 = as its effect says). Demo assumptions.
DEMO_AFFINITY: Final[Mapping[Modality, Mapping[Morphology, float]]] = MappingProxyType(
    {
        M.TCA_CROSS: {Morphology.ICE_PICK: 1.8, Morphology.ROLLING: 0.3, Morphology.MACULAR: 0.5},
        M.SUBCISION: {Morphology.ROLLING: 1.8, Morphology.ICE_PICK: 0.3, Morphology.MACULAR: 0.2},
        M.DERMAL_FILLER: {
            Morphology.ROLLING: 1.5,
            Morphology.ICE_PICK: 0.3,
            Morphology.MACULAR: 0.1,
        },
        M.FRACTIONAL_ABLATIVE_LASER: {Morphology.BOXCAR_SHALLOW: 1.2, Morphology.ICE_PICK: 0.8},
        M.CHEMICAL_PEEL: {Morphology.MACULAR: 2.5, Morphology.BOXCAR_DEEP: 0.4},
    }
)
# Raised scars barely respond to any of these (demo assumption).
_RAISED = frozenset({Morphology.HYPERTROPHIC, Morphology.KELOID})
_RAISED_AFFINITY = 0.2

# Sessions planned and weeks between them. Where clinical reference §9 gives a default
# protocol it is used (microneedling +/- PRP 3-4 every 2-4 weeks; fractional CO2 about 3
# every 1-3 months; TCA CROSS 4-6 every 2-4 weeks; SVF often one; filler one plus touch-up);
# the others are demo values.
PROTOCOLS: Final[Mapping[Modality, tuple[tuple[int, int], int]]] = MappingProxyType(
    {
        M.STEM_CELL_SVF_INJECTION: ((1, 1), 0),
        M.MICRONEEDLING_PRP: ((3, 4), 4),
        M.MICRONEEDLING: ((3, 4), 3),
        M.FRACTIONAL_ABLATIVE_LASER: ((3, 3), 8),
        M.NON_ABLATIVE_FRACTIONAL_LASER: ((3, 4), 4),  # demo
        M.CHEMICAL_PEEL: ((3, 5), 3),  # demo
        M.TCA_CROSS: ((4, 6), 3),
        M.SUBCISION: ((1, 2), 4),  # demo
        M.DERMAL_FILLER: ((1, 2), 4),
    }
)
_RESURFACING = frozenset({M.FRACTIONAL_ABLATIVE_LASER, M.CHEMICAL_PEEL})

# What the demo physician chooses per profile: (modalities, weight). Combinations are given
# together, session for session where both have sessions.
_CHOICES: Final[Mapping[str, tuple[tuple[tuple[Modality, ...], int], ...]]] = MappingProxyType(
    {
        "ice_pick": (
            ((M.TCA_CROSS,), 5),
            ((M.FRACTIONAL_ABLATIVE_LASER,), 3),
            ((M.TCA_CROSS, M.FRACTIONAL_ABLATIVE_LASER), 2),
            ((M.MICRONEEDLING_PRP,), 2),
            ((M.STEM_CELL_SVF_INJECTION,), 1),
        ),
        "boxcar": (
            ((M.FRACTIONAL_ABLATIVE_LASER,), 4),
            ((M.MICRONEEDLING_PRP,), 4),
            ((M.MICRONEEDLING,), 2),
            ((M.STEM_CELL_SVF_INJECTION,), 2),
            ((M.CHEMICAL_PEEL,), 1),
        ),
        "rolling": (
            ((M.SUBCISION, M.MICRONEEDLING_PRP), 4),
            ((M.SUBCISION,), 2),
            ((M.DERMAL_FILLER,), 3),
            ((M.MICRONEEDLING_PRP,), 2),
            ((M.STEM_CELL_SVF_INJECTION, M.MICRONEEDLING_PRP), 2),
        ),
        "mixed": (
            ((M.MICRONEEDLING_PRP,), 4),
            ((M.FRACTIONAL_ABLATIVE_LASER,), 3),
            ((M.SUBCISION, M.MICRONEEDLING_PRP), 2),
            ((M.MICRONEEDLING,), 2),
            ((M.STEM_CELL_SVF_INJECTION,), 2),
            ((M.CHEMICAL_PEEL,), 1),
        ),
        "hypertrophic": (
            ((M.FRACTIONAL_ABLATIVE_LASER,), 2),
            ((M.MICRONEEDLING,), 1),
        ),
    }
)
# Fitzpatrick V-VI: no resurfacing in the demo (clinical reference §8, PIH risk).
_SAFER_FOR_DARK_SKIN: Final = (M.MICRONEEDLING_PRP, M.MICRONEEDLING, M.SUBCISION)

UNTREATED_SHARE: Final = 0.3  # baseline only, or a second look without treatment
DROP_OUT_SHARE: Final = 0.15  # stop before the planned sessions are done
RESPONSE_SD: Final = 0.35  # log-normal spread of a patient's response


@dataclass(frozen=True)
class DemoVisit:
    """One assessment: scar counts per region and morphology, keloid area, the clinician's
    qualitative grade and the patient's global assessment (how much the scars bother, 0-10)."""

    visit_date: date
    findings: dict[str, dict[str, int]]
    keloid_area_cm2: Decimal
    grade: int
    bother: int


@dataclass(frozen=True)
class DemoSession:
    on: date
    modality: Modality
    number: int  # 1, 2, ... within the modality


@dataclass(frozen=True)
class DemoCourse:
    """The treatment a demo patient had: planned sessions per modality, those done."""

    planned: Mapping[Modality, int]
    interval_weeks: Mapping[Modality, int]
    sessions: tuple[DemoSession, ...]  # in date order
    dropped_out: bool

    @property
    def modalities(self) -> tuple[Modality, ...]:
        return tuple(self.planned)

    @property
    def start(self) -> date:
        return self.sessions[0].on

    @property
    def end(self) -> date:
        return self.sessions[-1].on


@dataclass(frozen=True)
class DemoTrajectory:
    profile: str
    visits: tuple[DemoVisit, ...]  # baseline first
    course: DemoCourse | None  # None: not treated


def response_factor(rng: random.Random) -> float:
    """A patient's response relative to the average: log-normal with median 1."""
    return math.exp(rng.gauss(0.0, RESPONSE_SD))


def session_clearance(
    modality: Modality, morphology: Morphology, factor: float, fitzpatrick: int | None
) -> float:
    """Share of scars of ``morphology`` one session of ``modality`` clears (0-0.9)."""
    if morphology in _RAISED:
        affinity = _RAISED_AFFINITY
    else:
        affinity = DEMO_AFFINITY.get(modality, {}).get(morphology, 1.0)
    effect = DEMO_EFFECT.get(modality, 0.05) * affinity * factor
    if fitzpatrick is not None and fitzpatrick >= 5 and modality in _RESURFACING:
        effect *= 0.8  # post-inflammatory hyperpigmentation dims the result (demo assumption)
    return min(max(effect, 0.0), 0.9)


def _baseline_findings(
    rng: random.Random, profile: str, severity: int
) -> dict[str, dict[str, int]]:
    regions = list(REGION_WEIGHTS)
    kinds = PROFILES[profile]
    findings: dict[str, dict[str, int]] = {}
    for _ in range(severity):
        region = rng.choices(regions, list(REGION_WEIGHTS.values()))[0].value
        morphology = rng.choices(list(kinds), list(kinds.values()))[0].value
        findings.setdefault(region, {})
        findings[region][morphology] = findings[region].get(morphology, 0) + 1
    return findings


def _choose(rng: random.Random, profile: str, fitzpatrick: int | None) -> tuple[Modality, ...]:
    options = list(_CHOICES[profile])
    if fitzpatrick is not None and fitzpatrick >= 5:
        options = [(ms, w) for ms, w in options if not set(ms) & _RESURFACING] or [
            ((rng.choice(_SAFER_FOR_DARK_SKIN),), 1)
        ]
    return rng.choices([ms for ms, _ in options], [w for _, w in options])[0]


def _course(rng: random.Random, modalities: tuple[Modality, ...], first: date) -> DemoCourse:
    planned: dict[Modality, int] = {}
    interval: dict[Modality, int] = {}
    for m in modalities:
        (low, high), weeks = PROTOCOLS[m]
        planned[m] = rng.randint(low, high)
        interval[m] = weeks
    # The lead modality sets the rhythm; the others join its first sessions.
    lead = max(modalities, key=lambda m: planned[m])
    visits = planned[lead]
    dropped = visits > 1 and rng.random() < DROP_OUT_SHARE
    done_visits = rng.randint(1, visits - 1) if dropped else visits
    step = max(interval[lead], 2)
    sessions: list[DemoSession] = []
    for k in range(done_visits):
        on = first + timedelta(weeks=step * k, days=rng.randint(-2, 4) if k else 0)
        for m in modalities:
            if k < planned[m]:
                sessions.append(DemoSession(on, m, k + 1))
    return DemoCourse(planned, interval, tuple(sessions), dropped)


def _thin(
    rng: random.Random,
    findings: Mapping[str, Mapping[str, int]],
    keep: Mapping[str, float],
) -> dict[str, dict[str, int]]:
    """Each scar survives with the probability of its morphology; now and then a recount
    finds one more (measurement noise)."""
    out: dict[str, dict[str, int]] = {}
    for region, counts in findings.items():
        row: dict[str, int] = {}
        for morphology, count in counts.items():
            p = keep.get(morphology, 1.0)
            survived = sum(1 for _ in range(count) if rng.random() < p)
            if count and rng.random() < 0.06:
                survived += 1
            row[morphology] = survived
        out[region] = row
    return out


def _visit(
    rng: random.Random,
    on: date,
    baseline: DemoVisit,
    previous: DemoVisit,
    findings: dict[str, dict[str, int]],
    raised_keep: float,
) -> DemoVisit:
    before = sum(sum(c.values()) for c in baseline.findings.values()) or 1
    now = sum(sum(c.values()) for c in findings.values())
    share = now / before
    area = (baseline.keloid_area_cm2 * Decimal(str(round(raised_keep, 2)))).quantize(Decimal("0.1"))
    grade = baseline.grade - (1 if share < 0.6 else 0) - (1 if share < 0.3 else 0)
    bother = round(baseline.bother * (0.4 + 0.6 * share)) + rng.randint(-1, 1)
    return DemoVisit(
        visit_date=on,
        findings=findings,
        keloid_area_cm2=area,
        grade=max(1, min(grade, previous.grade)),
        bother=max(0, min(10, bother)),
    )


def demo_trajectory(
    rng: random.Random,
    *,
    today: date,
    fitzpatrick: int | None = None,
    treatable: bool = True,
    assessed_share: float = 0.65,
) -> DemoTrajectory | None:
    """One demo patient's scar course, or None for a patient never assessed.

    ``treatable`` False (active acne, a skin infection, a pregnancy: clinical reference §8)
    gives an assessed but untreated patient. All dates are before ``today``.
    """
    if rng.random() >= assessed_share:
        return None
    profile = rng.choices(list(PROFILES), PROFILE_WEIGHTS)[0]
    severity = rng.choice([8, 15, 25, 40, 60])
    findings = _baseline_findings(rng, profile, severity)
    raised = profile == "hypertrophic"
    area = Decimal(str(round(rng.uniform(0.5, 8), 1))) if raised else Decimal(0)
    grade = 2 if severity <= 8 else 3 if severity <= 25 else 4
    bother = min(10, 3 + severity // 8 + rng.randint(0, 2))
    factor = response_factor(rng)

    treated = treatable and rng.random() >= UNTREATED_SHARE
    if not treated:
        start = today - timedelta(days=rng.randint(30, 420))
        baseline = DemoVisit(start, findings, area, grade, bother)
        visits = [baseline]
        if rng.random() < 0.2:  # a second look months later, no treatment: little changes
            later = start + timedelta(days=rng.randint(60, 120))
            if later < today:
                barely = {m.value: 0.97 for m in PROFILES[profile]}
                visits.append(
                    _visit(rng, later, baseline, baseline, _thin(rng, findings, barely), 1.0)
                )
        return DemoTrajectory(profile, tuple(visits), None)

    modalities = _choose(rng, profile, fitzpatrick)
    lead_in = timedelta(days=rng.randint(7, 35))
    # Plan on a nominal start, then shift the whole course so that it ends before today.
    nominal = date(2000, 1, 3)
    course = _course(rng, modalities, nominal + lead_in)
    lost = course.dropped_out and rng.random() < 0.6
    after_last = timedelta(weeks=rng.randint(4, 10))
    late = rng.random() < 0.45 and not lost
    span = (course.end - nominal) + after_last + (timedelta(weeks=12) if late else timedelta(0))
    start = today - span - timedelta(days=rng.randint(5, 200))
    shift = start - nominal
    course = DemoCourse(
        course.planned,
        course.interval_weeks,
        tuple(DemoSession(s.on + shift, s.modality, s.number) for s in course.sessions),
        course.dropped_out,
    )

    baseline = DemoVisit(start, findings, area, grade, bother)
    session_days = sorted({s.on for s in course.sessions})
    follow_days: list[date] = []
    if len(session_days) >= 3 and rng.random() < 0.6:
        follow_days.append(session_days[len(session_days) // 2])  # assessed, then treated
    if not lost:
        follow_days.append(course.end + after_last)
        if late:
            follow_days.append(course.end + after_last + timedelta(weeks=12))

    visits = [baseline]
    morphologies = [Morphology(m) for m in PROFILES[profile]]
    current = findings
    survived_before: dict[str, float] = dict.fromkeys((m.value for m in morphologies), 1.0)
    raised_keep = 1.0
    for on in follow_days:
        # Sessions on the visit's day come after it: assess, then treat.
        done = [s for s in course.sessions if s.on < on]
        target: dict[str, float] = {}
        for morphology in morphologies:
            keep = 1.0
            for s in done:
                keep *= 1 - session_clearance(s.modality, morphology, factor, fitzpatrick)
            target[morphology.value] = keep
        # Survival since the last visit, so the counts only fall (apart from recounts).
        step = {m: min(1.0, target[m] / survived_before[m]) for m in target}
        current = _thin(rng, current, step)
        survived_before = target
        raised_keep = min(target.get(Morphology.HYPERTROPHIC.value, 1.0), raised_keep)
        visits.append(_visit(rng, on, baseline, visits[-1], current, raised_keep))
    return DemoTrajectory(profile, tuple(visits), course)
