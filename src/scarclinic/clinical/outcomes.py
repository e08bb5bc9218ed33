"""Outcomes: how much each patient improves, who responds, and what works in this clinic.

Inputs are plain frozen dataclasses so that the Django side can feed rows straight from
aggregated queries: :class:`ScoreObservation` (one scale score at one assessment) and,
for patients who had more than one kind of treatment, :class:`TreatmentSession` (one
session of one modality). Nothing here reads the database or loops over a whole network:
a clinic's cohort of a few thousand assessments is the intended size.

What is computed, and the conventions behind it:

- **% improvement from baseline** (:func:`percent_improvement`): the Goodman & Baron
  quantitative score (clinical reference §3, 0-84) and ECCA (§4, 0-540) count scars, so a
  *higher score is worse* and improvement is the fall of the score as a share of the
  baseline: 100 x (baseline - current) / baseline. It is at most 100 (every scar gone) and
  negative when the scars worsened; it is undefined (None) for a baseline of 0. A scale on
  which higher is better is read the other way round when the caller says so.
- **Responders** (:func:`responders`, :func:`time_to_response`): a patient whose
  improvement reaches a threshold, 50% by default. The 50% mark is the convention of the
  acne-scar trials in clinical reference §9 (Kang & Lu, Front Med 2022, pool the odds of
  "> 50% improvement"); the clinic can change it. Proportions carry a Wilson 95% interval.
- **Modality effects** (:func:`fit_modality_effects`): a linear mixed-effects model,
  described on that function, giving each modality's % improvement per session with a 95%
  confidence interval, the number of patients and assessments behind it, and a plain
  statement when the data are too few to conclude.
- **Forecast** (:func:`forecast`): expected improvement after N sessions for a new
  patient, with an interval and its basis: the clinic's data when it has enough, otherwise
  the published evidence quoted as reported, never a figure without a basis.

statsmodels and pandas are imported inside the functions that need them: importing
statsmodels takes about a second, which pages that only show one patient's progress
should not pay.
"""

from __future__ import annotations

import math
import statistics
import warnings
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

import numpy as np

from scarclinic.clinical.evidence import EvidenceEntry, Modality
from scarclinic.clinical.morphology import FacialRegion
from scarclinic.clinical.recommend import ClinicOutcome
from scarclinic.clinical.text import ENGLISH, Joined, Message, Param, Term, gettext_noop, render

__all__ = [
    "DEFAULT_MIN_FOLLOW_UPS",
    "DEFAULT_MIN_PATIENTS",
    "DEFAULT_RESPONDER_THRESHOLD",
    "SCALE_LABELS",
    "Forecast",
    "ModalityEffect",
    "ModalityEffects",
    "PatientResponse",
    "ProgressPoint",
    "Proportion",
    "RegionChange",
    "RegionCounts",
    "RegionImprovement",
    "ResponderSummary",
    "ScaleProgress",
    "ScoreObservation",
    "TimeToResponse",
    "TreatmentSession",
    "clinic_outcomes",
    "fit_modality_effects",
    "forecast",
    "patient_progress",
    "percent_improvement",
    "proportion",
    "region_improvement",
    "responders",
    "responders_by",
    "time_to_response",
]

# The 50% responder mark of the acne-scar trials: Kang & Lu, Front Med 2022 (meta-analysis
# of "> 50% improvement", clinical reference §9). Clinic-configurable.
DEFAULT_RESPONDER_THRESHOLD: Final = 50.0
# Below these a modality's effect is shown but never called conclusive. Our convention, not
# a published rule; clinic-configurable through fit_modality_effects' arguments.
DEFAULT_MIN_PATIENTS: Final = 10
DEFAULT_MIN_FOLLOW_UPS: Final = 3

SCALE_LABELS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "goodman_baron_quantitative": gettext_noop("Goodman & Baron quantitative score"),  # §3
        "ecca": "ECCA",  # §4
    }
)

_Z95: Final = statistics.NormalDist().inv_cdf(0.975)  # two-sided 95%, normal
_CEILING: Final = 100.0  # % improvement of a higher-is-worse scale: every scar gone


def _num(value: float | None, digits: int) -> str:
    """A rounded figure for text; never "-0", which reads as a worsening."""
    return "-" if value is None else f"{round(value, digits) + 0.0:.{digits}f}"


def _fig(value: float | None, digits: int) -> Decimal | str:
    """:func:`_num` as a figure of a message: its decimal places kept, localised when shown."""
    return "-" if value is None else Decimal(_num(value, digits))


def _scale_label(scale: str) -> str:
    return SCALE_LABELS.get(scale, scale)


def _scale_term(scale: str) -> Term | str:
    """A scale's name as a message parameter; a scale the core does not know stays as given."""
    return Term(SCALE_LABELS[scale]) if scale in SCALE_LABELS else scale


def _modality_label(modality: str) -> str:
    try:
        return Modality(modality).label
    except ValueError:
        return modality


def _modality_term(modality: str) -> Term | str:
    try:
        return Term(Modality(modality).label)
    except ValueError:
        return modality


# --- Inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreObservation:
    """One score on one scale at one assessment of a patient.

    ``sessions_before`` counts the treatment sessions the patient had before this
    assessment, of ``modality`` when one is named (None before any treatment). A patient who
    had more than one modality is described by :class:`TreatmentSession` rows instead,
    which the model then uses for that patient.
    """

    patient_id: int
    on: date
    scale: str
    score: float
    sessions_before: int = 0
    modality: str | None = None

    def __post_init__(self) -> None:
        _checked_score(self.score, f"score of patient {self.patient_id} on {self.on}")
        if (
            isinstance(self.sessions_before, bool)
            or not isinstance(self.sessions_before, int)
            or self.sessions_before < 0
        ):
            raise ValueError(
                f"sessions_before of patient {self.patient_id} on {self.on} must be a whole "
                f"number 0 or more, got {self.sessions_before!r}"
            )


@dataclass(frozen=True)
class TreatmentSession:
    """One treatment session: which patient, when, and which modality.

    An assessment on the day of a session counts as taken before it (the clinic assesses,
    then treats).
    """

    patient_id: int
    on: date
    modality: str


# --- % improvement ---------------------------------------------------------------------------


def percent_improvement(
    baseline: float, current: float, *, higher_is_worse: bool = True
) -> float | None:
    """Improvement from ``baseline`` to ``current`` in % of the baseline.

    For scar counts such as Goodman & Baron (clinical reference §3) and ECCA (§4) a higher
    score is worse, so improvement is positive when the score falls: 100 x (baseline -
    current) / baseline, at most 100, 0 when unchanged, negative when worse. With
    ``higher_is_worse=False`` a rise is the improvement. None when the baseline is 0: no
    share of nothing can be computed. Raises ValueError for a negative or non-finite score.
    """
    b = _checked_score(baseline, "baseline score")
    c = _checked_score(current, "current score")
    if b == 0:
        return None
    change = (b - c) if higher_is_worse else (c - b)
    # Divide before scaling: (b - c) / b <= 1 exactly when c >= 0, so the result never
    # exceeds 100 through rounding.
    return change / b * 100.0


@dataclass(frozen=True)
class RegionChange:
    """Scar count of one facial region (or the whole face) at baseline and now."""

    region: str
    baseline_count: int
    current_count: int
    percent_improvement: float | None  # None when the region had no scars at baseline

    @property
    def new_scars(self) -> bool:
        """Scars where there were none at baseline: no % to show, but worth saying."""
        return self.baseline_count == 0 and self.current_count > 0


@dataclass(frozen=True)
class RegionImprovement:
    """% improvement of the scar count per facial region, and for the face as a whole."""

    regions: tuple[RegionChange, ...]
    face: RegionChange


RegionCounts: TypeAlias = Mapping[str, int | Mapping[str, int]]


def region_improvement(baseline: RegionCounts, current: RegionCounts) -> RegionImprovement:
    """% improvement of scar counts per facial region, from baseline to current findings.

    Each argument maps a region (a :class:`FacialRegion` value, or another region the
    clinic records, e.g. chest) to its scar count, or to counts per morphology, which are
    added up. The scales themselves are whole-face scores whose bands apply to the whole
    face's counts (clinical reference §3, §4), so per region the raw count is compared, not
    a per-region score. Regions missing from one side count as 0. Regions follow the order
    of :class:`FacialRegion`, then others alphabetically.
    """
    before = _region_totals(baseline, "baseline")
    after = _region_totals(current, "current")
    known = [r.value for r in FacialRegion]
    names = set(before) | set(after)
    ordered = [r for r in known if r in names] + sorted(names - set(known))
    rows = tuple(_region_change(r, before.get(r, 0), after.get(r, 0)) for r in ordered)
    face = _region_change("face", sum(before.values()), sum(after.values()))
    return RegionImprovement(rows, face)


def _region_change(region: str, before: int, after: int) -> RegionChange:
    return RegionChange(region, before, after, percent_improvement(before, after))


def _region_totals(counts: RegionCounts, which: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for region, value in counts.items():
        if isinstance(value, Mapping):
            total = sum(_checked_count(n, f"{which} count in {region!r}") for n in value.values())
        else:
            total = _checked_count(value, f"{which} count in {region!r}")
        totals[str(region)] = total
    return totals


# --- One patient's progress ------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressPoint:
    """One assessment on a patient's trajectory, with its % improvement from baseline."""

    on: date
    score: float
    sessions_before: int
    days_from_baseline: int
    percent_improvement: float | None


@dataclass(frozen=True)
class ScaleProgress:
    """A patient's course on one scale: baseline, latest, % change and every point."""

    scale: str
    baseline: ProgressPoint
    latest: ProgressPoint
    trajectory: tuple[ProgressPoint, ...]  # in date order, baseline first
    higher_is_worse: bool

    @property
    def percent_improvement(self) -> float | None:
        """% improvement at the latest assessment (None with a baseline of 0)."""
        return self.latest.percent_improvement

    @property
    def has_follow_up(self) -> bool:
        return len(self.trajectory) > 1


def patient_progress(
    observations: Iterable[ScoreObservation], *, higher_is_better: Collection[str] = ()
) -> dict[str, ScaleProgress]:
    """One patient's progress per scale: baseline, latest, % change and the trajectory.

    The baseline is the earliest assessment on each scale (on a tie, the one with fewer
    sessions before it, then the lower score). Scales named in ``higher_is_better`` (e.g. a
    satisfaction score) count a rise as improvement; all others are read as Goodman & Baron
    and ECCA are, higher = worse. Raises ValueError if the observations are of several
    patients.
    """
    by_scale = _by_patient_and_scale(observations)
    patients = {p for p, _ in by_scale}
    if len(patients) > 1:
        raise ValueError(
            f"patient_progress takes one patient's observations, got patients {sorted(patients)}"
        )
    progress: dict[str, ScaleProgress] = {}
    for (_, scale), rows in sorted(by_scale.items(), key=lambda kv: _scale_order(kv[0][1])):
        worse_up = scale not in higher_is_better
        base = rows[0]
        points = tuple(
            ProgressPoint(
                on=o.on,
                score=o.score,
                sessions_before=o.sessions_before,
                days_from_baseline=(o.on - base.on).days,
                percent_improvement=percent_improvement(
                    base.score, o.score, higher_is_worse=worse_up
                ),
            )
            for o in rows
        )
        progress[scale] = ScaleProgress(scale, points[0], points[-1], points, worse_up)
    return progress


def _scale_order(scale: str) -> tuple[int, str]:
    known = list(SCALE_LABELS)
    return (known.index(scale) if scale in known else len(known), scale)


def _by_patient_and_scale(
    observations: Iterable[ScoreObservation], scale: str | None = None
) -> dict[tuple[int, str], list[ScoreObservation]]:
    grouped: dict[tuple[int, str], list[ScoreObservation]] = defaultdict(list)
    for o in observations:
        if scale is None or o.scale == scale:
            grouped[(o.patient_id, o.scale)].append(o)
    for rows in grouped.values():
        # A total order, so that the result never depends on the order of the input rows.
        rows.sort(key=lambda o: (o.on, o.sessions_before, o.score, o.modality or ""))
    return dict(sorted(grouped.items()))


# --- Responders and time to response ---------------------------------------------------------


@dataclass(frozen=True)
class Proportion:
    """``count`` out of ``n``, with its Wilson 95% confidence interval (None when n = 0)."""

    count: int
    n: int
    estimate: float | None
    low: float | None
    high: float | None

    @property
    def describe(self) -> str:
        return self.text.english

    @property
    def text(self) -> Message:
        if self.estimate is None or self.low is None or self.high is None:
            return Message(
                gettext_noop("%(count)s of %(n)s: no patients, no proportion"),
                {"count": self.count, "n": self.n},
            )
        return Message(
            gettext_noop("%(count)s of %(n)s (%(share)s%%; 95%% CI %(low)s%% to %(high)s%%)"),
            {
                "count": self.count,
                "n": self.n,
                "share": _percent(self.estimate),
                "low": _percent(self.low),
                "high": _percent(self.high),
            },
        )


def _percent(share: float) -> Decimal:
    """A share as a whole percentage, rounded as the ``.0%`` format rounds it."""
    return Decimal(f"{share:.0%}"[:-1])


def proportion(count: int, n: int) -> Proportion:
    """``count`` / ``n`` with a Wilson score 95% interval, which stays inside 0-1 and
    behaves with small n and proportions near 0 or 1 (statsmodels ``proportion_confint``)."""
    from statsmodels.stats.proportion import proportion_confint

    if not 0 <= count <= n:
        raise ValueError(f"a proportion needs 0 <= count <= n, got {count} of {n}")
    if n == 0:
        return Proportion(0, 0, None, None, None)
    low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
    return Proportion(count, n, count / n, float(low), float(high))


@dataclass(frozen=True)
class ResponderSummary:
    """Who reached the responder threshold at their latest assessment on one scale."""

    scale: str
    threshold_percent: float
    responders: tuple[int, ...]  # patient ids
    non_responders: tuple[int, ...]
    not_assessable: tuple[int, ...]  # no follow-up yet, or a baseline of 0
    proportion: Proportion

    @property
    def count(self) -> int:
        return self.proportion.count

    @property
    def n(self) -> int:
        """Patients with a baseline and at least one follow-up: the denominator."""
        return self.proportion.n

    @property
    def describe(self) -> str:
        return self.text.english

    @property
    def text(self) -> Message:
        return Message(
            gettext_noop(
                "Responders (at least %(threshold)s%% improvement in %(scale)s): %(share)s"
            ),
            {
                "threshold": self.threshold_percent,
                "scale": _scale_term(self.scale),
                "share": self.proportion.text,
            },
        )


@dataclass(frozen=True)
class _Course:
    """A patient's baseline and follow-ups on one scale, as % improvement."""

    patient_id: int
    baseline: ScoreObservation
    follow_ups: tuple[tuple[ScoreObservation, float], ...]


def _courses(
    observations: Iterable[ScoreObservation], scale: str, higher_is_worse: bool
) -> tuple[list[_Course], list[int]]:
    """Patients with a measurable course on the scale, and those without one."""
    courses: list[_Course] = []
    not_assessable: list[int] = []
    for (patient_id, _), rows in _by_patient_and_scale(observations, scale).items():
        base = rows[0]
        later = [o for o in rows[1:] if o.on > base.on]
        if not later or base.score == 0:
            not_assessable.append(patient_id)
            continue
        follow_ups = tuple(
            (o, _improvement(base, o, higher_is_worse=higher_is_worse)) for o in later
        )
        courses.append(_Course(patient_id, base, follow_ups))
    return courses, not_assessable


def _improvement(
    base: ScoreObservation, later: ScoreObservation, *, higher_is_worse: bool
) -> float:
    value = percent_improvement(base.score, later.score, higher_is_worse=higher_is_worse)
    if value is None:  # callers leave out baselines of 0 first
        raise ValueError(f"patient {base.patient_id} has a baseline of 0 on {base.scale}")
    return value


def _reached(improvement: float, threshold: float) -> bool:
    # A score exactly at the mark counts, whatever floating-point rounding does to it.
    return improvement >= threshold - 1e-9


def _checked_threshold(threshold_percent: float) -> float:
    t = float(threshold_percent)
    if not 0 < t <= 100:
        raise ValueError(f"the responder threshold must be in (0, 100] %, got {threshold_percent}")
    return t


def responders(
    observations: Iterable[ScoreObservation],
    *,
    scale: str,
    threshold_percent: float = DEFAULT_RESPONDER_THRESHOLD,
    higher_is_worse: bool = True,
) -> ResponderSummary:
    """Patients whose improvement at their latest assessment is at least the threshold.

    Default 50%, the convention of the acne-scar trials (Kang & Lu, Front Med 2022,
    "> 50% improvement", clinical reference §9); a patient exactly at the mark counts as a
    responder here, as in the issue's "at least 50%". The latest assessment is used, as
    trials read a fixed end point; a patient who passed the mark and fell back is not a
    responder (:func:`time_to_response` counts the first time it was reached). The
    denominator n is the patients with a baseline above 0 and at least one follow-up.
    """
    threshold = _checked_threshold(threshold_percent)
    courses, not_assessable = _courses(observations, scale, higher_is_worse)
    reached = {c.patient_id: _reached(c.follow_ups[-1][1], threshold) for c in courses}
    yes = tuple(p for p, r in reached.items() if r)
    no = tuple(p for p, r in reached.items() if not r)
    return ResponderSummary(
        scale, threshold, yes, no, tuple(not_assessable), proportion(len(yes), len(courses))
    )


def responders_by(
    observations: Iterable[ScoreObservation],
    groups: Mapping[int, str],
    *,
    scale: str,
    threshold_percent: float = DEFAULT_RESPONDER_THRESHOLD,
    higher_is_worse: bool = True,
) -> dict[str, ResponderSummary]:
    """:func:`responders` per group, e.g. by modality, scar type or skin type.

    ``groups`` maps a patient id to their group; patients not in it are left out.
    """
    members: dict[str, list[ScoreObservation]] = defaultdict(list)
    for o in observations:
        if o.patient_id in groups:
            members[groups[o.patient_id]].append(o)
    return {
        g: responders(
            rows, scale=scale, threshold_percent=threshold_percent, higher_is_worse=higher_is_worse
        )
        for g, rows in sorted(members.items())
    }


@dataclass(frozen=True)
class PatientResponse:
    """When a patient first reached the threshold, or how long they were followed without."""

    patient_id: int
    responded: bool
    days: int  # from baseline to the first response, or to the last follow-up if none
    sessions: int  # sessions between baseline and that assessment


@dataclass(frozen=True)
class TimeToResponse:
    """Time to response on one scale, with patients not (yet) responding as censored."""

    scale: str
    threshold_percent: float
    patients: tuple[PatientResponse, ...]
    proportion: Proportion  # ever responded, out of patients with a follow-up
    median_days: float | None  # Kaplan-Meier; None while fewer than half have responded
    median_sessions: float | None  # Kaplan-Meier on sessions; same rule
    not_assessable: tuple[int, ...]

    @property
    def n(self) -> int:
        return self.proportion.n

    @property
    def describe(self) -> str:
        return self.text.english

    @property
    def text(self) -> Message:
        not_reached = Term(gettext_noop("not reached"))
        return Message(
            gettext_noop(
                "Reached %(threshold)s%% improvement in %(scale)s: %(share)s; median time "
                "%(days)s, median sessions %(sessions)s (Kaplan-Meier, patients still below the "
                "mark counted until their last assessment)"
            ),
            {
                "threshold": self.threshold_percent,
                "scale": _scale_term(self.scale),
                "share": self.proportion.text,
                "days": not_reached
                if self.median_days is None
                else Message(gettext_noop("%(count)s days"), {"count": self.median_days}),
                "sessions": not_reached if self.median_sessions is None else self.median_sessions,
            },
        )


def time_to_response(
    observations: Iterable[ScoreObservation],
    *,
    scale: str,
    threshold_percent: float = DEFAULT_RESPONDER_THRESHOLD,
    higher_is_worse: bool = True,
) -> TimeToResponse:
    """Days and sessions from baseline until the improvement first reached the threshold.

    Default threshold 50% (Kang & Lu, Front Med 2022, clinical reference §9). Response is
    seen at an assessment, so the time is that of the first assessment at or above the mark.
    Patients who have not reached it are censored at their last follow-up, and the medians
    are Kaplan-Meier medians: the first time at which the estimated share still below the
    mark is 50% or less; None while it is above 50%. A raw median over responders only
    would flatter the treatment by ignoring patients still on their way.
    """
    threshold = _checked_threshold(threshold_percent)
    courses, not_assessable = _courses(observations, scale, higher_is_worse)
    patients: list[PatientResponse] = []
    for c in courses:
        first = next(((o, p) for o, p in c.follow_ups if _reached(p, threshold)), None)
        seen = first[0] if first is not None else c.follow_ups[-1][0]
        patients.append(
            PatientResponse(
                c.patient_id,
                first is not None,
                (seen.on - c.baseline.on).days,
                max(seen.sessions_before - c.baseline.sessions_before, 0),
            )
        )
    events = [p.responded for p in patients]
    return TimeToResponse(
        scale=scale,
        threshold_percent=threshold,
        patients=tuple(patients),
        proportion=proportion(sum(events), len(patients)),
        median_days=_kaplan_meier_median([p.days for p in patients], events),
        median_sessions=_kaplan_meier_median([p.sessions for p in patients], events),
        not_assessable=tuple(not_assessable),
    )


def _kaplan_meier_median(times: Sequence[float], events: Sequence[bool]) -> float | None:
    """Smallest time at which the Kaplan-Meier survival is 0.5 or less; None if never."""
    at_risk = len(times)
    survival = 1.0
    by_time: dict[float, list[bool]] = defaultdict(list)
    for t, e in zip(times, events, strict=True):
        by_time[t].append(e)
    for t in sorted(by_time):
        happened = sum(by_time[t])
        if happened:
            survival *= 1 - happened / at_risk
            if survival <= 0.5 + 1e-12:
                return float(t)
        at_risk -= len(by_time[t])
    return None


# --- The clinic's model of modality effects --------------------------------------------------


@dataclass(frozen=True)
class ModalityEffect:
    """A modality's % improvement per session in this clinic, and how far to trust it."""

    modality: str
    estimate: float | None  # % improvement from baseline per session; None if not estimable
    ci_low: float | None  # 95% confidence interval
    ci_high: float | None
    std_error: float | None
    n_patients: int  # patients with a session of it and a follow-up assessment
    n_observations: int  # follow-up assessments after at least one session of it
    max_sessions: int  # the most sessions of it any assessed patient had
    enough_data: bool  # enough patients and follow-ups, and the model fitted cleanly
    conclusive: bool  # enough_data, and the 95% CI excludes no effect
    caveat: str  # plain words, in English; empty when conclusive
    # The caveat as a translatable message; None in snapshots stored before messages were.
    caveat_text: Joined | None = None

    @property
    def label(self) -> str:
        return _modality_label(self.modality)

    @property
    def describe(self) -> str:
        counts = f"{self.n_patients} patients, {self.n_observations} follow-up assessments"
        if self.estimate is None or self.ci_low is None or self.ci_high is None:
            text = f"{self.label}: no estimate ({counts})."
        else:
            text = (
                f"{self.label}: {_num(self.estimate, 1)}% improvement per session "
                f"(95% CI {_num(self.ci_low, 1)}% to {_num(self.ci_high, 1)}%), {counts}."
            )
        return f"{text} {self.caveat}" if self.caveat else text


@dataclass(frozen=True)
class ModalityEffects:
    """The fitted model for one scale: each modality's effect, and the model's own notes."""

    scale: str
    higher_is_worse: bool
    method: Literal["mixed_model", "ordinary_regression", "not_fitted"]
    formula: str
    effects: tuple[ModalityEffect, ...]  # sorted by modality
    n_patients: int  # patients in the model
    n_observations: int  # follow-up assessments in the model
    patient_sd: float | None  # SD of the patient random intercept, % points
    residual_sd: float | None  # SD of one assessment around the patient's line, % points
    converged: bool
    notes: tuple[str, ...]  # about the model as a whole: exclusions, fallbacks, failures
    excluded: Mapping[str, int] = field(hash=False)  # reason -> number of patients
    # ``notes`` as translatable messages; empty in snapshots stored before messages were.
    note_texts: tuple[Message, ...] = ()

    def effect(self, modality: str) -> ModalityEffect | None:
        return next((e for e in self.effects if e.modality == modality), None)


def _exposures(
    rows: Sequence[ScoreObservation], sessions: Sequence[TreatmentSession] | None
) -> list[dict[str, int]] | None:
    """Sessions per modality before each assessment; None if they cannot be attributed."""
    if sessions:
        dates: dict[str, list[date]] = defaultdict(list)
        for s in sessions:
            dates[s.modality].append(s.on)
        for d in dates.values():
            d.sort()
        return [{m: bisect_left(d, o.on) for m, d in dates.items()} for o in rows]
    counts: list[dict[str, int]] = []
    for o in rows:
        if o.sessions_before and o.modality is None:
            return None
        counts.append({o.modality: o.sessions_before} if o.modality and o.sessions_before else {})
    return counts


_EXCLUDED_ZERO = gettext_noop("baseline score of 0: no % change can be computed")
_EXCLUDED_NO_FOLLOW_UP = gettext_noop("no assessment after the baseline")
_EXCLUDED_UNATTRIBUTED = gettext_noop(
    "sessions before an assessment with no modality and no session rows"
)
_EXCLUDED_INCONSISTENT = gettext_noop(
    "fewer sessions of a modality at a follow-up than at baseline"
)
# Between the names of modalities given together ("A, B").
_NAME_SEPARATOR = gettext_noop(", ")


def fit_modality_effects(
    observations: Iterable[ScoreObservation],
    *,
    scale: str,
    sessions: Iterable[TreatmentSession] = (),
    higher_is_worse: bool = True,
    min_patients: int = DEFAULT_MIN_PATIENTS,
    min_follow_ups: int = DEFAULT_MIN_FOLLOW_UPS,
) -> ModalityEffects:
    """Each modality's effect on ``scale`` in this clinic's data: a linear mixed model.

    Model (statsmodels MixedLM, formula API, REML)::

        improvement_ij = sum over modalities m of beta_m x sessions_m,ij + u_i + e_ij
        u_i ~ N(0, patient_sd^2), e_ij ~ N(0, residual_sd^2)

    for follow-up assessment j of patient i, where improvement is the % improvement from
    the patient's baseline on the scale and sessions_m,ij the sessions of modality m between
    baseline and that assessment. beta_m is the modality's % improvement per session.

    Why % change rather than the raw score: the clinic's questions are in % (responders at
    50%, published results such as "ECCA -32.5%", :class:`ClinicOutcome`), and a session
    removes a share of the scars, not a fixed number of points, so a points-per-session
    effect would differ between mild and severe patients while a % effect compares them.
    It also lets a forecast for a new patient be made without knowing their baseline.
    Why sessions rather than time: the number of sessions is what the clinic decides and
    what a forecast is asked for; time since baseline moves with it within a course.
    The random intercept per patient carries what all of a patient's follow-ups share: the
    error of their single baseline measurement and how their skin responds. There is no
    fixed intercept: with no session since baseline the expected change is 0 by definition.
    Effects add up for patients who had several modalities; an interaction (a combination
    doing better than its parts) is not modelled, and the effect of a session is assumed
    the same for the first and the fifth.

    When every patient has a single follow-up the patient and the assessment variation
    cannot be told apart; the model is then an ordinary least-squares regression, which is
    the same model with the two folded into one, and the notes say so.

    A modality's effect is ``conclusive`` only with at least ``min_patients`` patients and
    ``min_follow_ups`` follow-up assessments, a clean fit and a 95% CI that excludes 0;
    otherwise ``caveat`` says why in plain words. Model failures (no convergence, a
    singular fit) become caveats, never exceptions. The result does not depend on the order
    of the input rows. Raises ValueError only for invalid arguments.
    """
    if min_patients < 1 or min_follow_ups < 1:
        raise ValueError("min_patients and min_follow_ups must be at least 1")
    by_patient_sessions: dict[int, list[TreatmentSession]] = defaultdict(list)
    for s in sessions:
        by_patient_sessions[s.patient_id].append(s)

    excluded: dict[str, int] = defaultdict(int)
    records: list[tuple[int, float, dict[str, int]]] = []
    for (patient_id, _), rows in _by_patient_and_scale(observations, scale).items():
        base = rows[0]
        later = [o for o in rows[1:] if o.on > base.on]
        if base.score == 0:
            excluded[_EXCLUDED_ZERO] += 1
            continue
        if not later:
            excluded[_EXCLUDED_NO_FOLLOW_UP] += 1
            continue
        exposure = _exposures([base, *later], by_patient_sessions.get(patient_id))
        if exposure is None:
            excluded[_EXCLUDED_UNATTRIBUTED] += 1
            continue
        at_base = exposure[0]
        deltas = [
            {m: n - at_base.get(m, 0) for m, n in e.items() if n - at_base.get(m, 0)}
            for e in exposure[1:]
        ]
        if any(v < 0 for d in deltas for v in d.values()):
            excluded[_EXCLUDED_INCONSISTENT] += 1
            continue
        for o, d in zip(later, deltas, strict=True):
            records.append((patient_id, _improvement(base, o, higher_is_worse=higher_is_worse), d))

    notes = [
        Message(
            gettext_noop("%(count)s patient left out: %(reason)s.")
            if n == 1
            else gettext_noop("%(count)s patients left out: %(reason)s."),
            {"count": n, "reason": Term(reason)},
        )
        for reason, n in sorted(excluded.items())
    ]
    return _fit(
        records,
        scale=scale,
        higher_is_worse=higher_is_worse,
        min_patients=min_patients,
        min_follow_ups=min_follow_ups,
        notes=notes,
        excluded=MappingProxyType(dict(sorted(excluded.items()))),
    )


@dataclass(frozen=True)
class _Fitted:
    method: Literal["mixed_model", "ordinary_regression", "not_fitted"]
    params: dict[str, float]
    std_errors: dict[str, float]
    ci: dict[str, tuple[float, float]]
    patient_var: float | None
    residual_var: float | None
    converged: bool
    problem: Message | None  # plain words; None when the fit is clean


def _fit(
    records: list[tuple[int, float, dict[str, int]]],
    *,
    scale: str,
    higher_is_worse: bool,
    min_patients: int,
    min_follow_ups: int,
    notes: list[Message],
    excluded: Mapping[str, int],
) -> ModalityEffects:
    modalities = sorted({m for _, _, d in records for m in d})
    column = {m: f"m{i}" for i, m in enumerate(modalities)}
    patients = sorted({p for p, _, _ in records})
    n_rows = len(records)

    x = np.zeros((n_rows, len(modalities)))
    for row, (_, _, d) in enumerate(records):
        for m, n in d.items():
            x[row, modalities.index(m)] = n
    dropped, confounded = _confounded(x, modalities)
    estimable = [m for m in modalities if m not in dropped]

    formula = "improvement ~ 0 + " + " + ".join(column[m] for m in estimable)
    fitted = _fit_model(records, x, modalities, estimable, column, formula)
    if fitted.method == "ordinary_regression":
        notes.append(
            Message(
                gettext_noop(
                    "Every patient had a single follow-up assessment, so differences between "
                    "patients cannot be told apart from measurement noise: ordinary regression "
                    "was used instead of the mixed model."
                )
            )
        )
    if fitted.problem:
        notes.append(fitted.problem)

    effects: list[ModalityEffect] = []
    for j, m in enumerate(modalities):
        exposed = x[:, j] > 0
        n_pat = len({records[r][0] for r in np.flatnonzero(exposed)})
        n_obs = int(exposed.sum())
        problems: list[Message] = []
        label = _modality_term(m)
        if n_pat < min_patients:
            problems.append(
                Message(
                    gettext_noop(
                        "Too few patients to conclude: %(count)s had %(modality)s and a "
                        "follow-up assessment; at least %(minimum)s are needed."
                    ),
                    {"count": n_pat, "modality": label, "minimum": min_patients},
                )
            )
        if n_obs < min_follow_ups:
            problems.append(
                Message(
                    gettext_noop(
                        "Too few follow-up assessments to conclude: %(count)s after "
                        "%(modality)s; at least %(minimum)s are needed."
                    ),
                    {"count": n_obs, "modality": label, "minimum": min_follow_ups},
                )
            )
        if m in confounded:
            problems.append(confounded[m])
        elif fitted.problem:
            problems.append(fitted.problem)
        est = fitted.params.get(m)
        se = fitted.std_errors.get(m)
        low, high = fitted.ci.get(m, (None, None))
        enough = not problems
        if low is not None and high is not None and low <= 0 <= high and est is not None:
            problems.append(
                Message(
                    gettext_noop(
                        "The 95%% confidence interval (%(low)s%% to %(high)s%% per session) "
                        "includes no effect at all: these data cannot tell whether %(modality)s "
                        "changes the %(scale)s."
                    ),
                    {
                        "low": _fig(low, 1),
                        "high": _fig(high, 1),
                        "modality": label,
                        "scale": _scale_term(scale),
                    },
                )
            )
        caveat = Joined(tuple(problems), " ")
        effects.append(
            ModalityEffect(
                modality=m,
                estimate=est,
                ci_low=low,
                ci_high=high,
                std_error=se,
                n_patients=n_pat,
                n_observations=n_obs,
                max_sessions=int(x[:, j].max()) if n_rows else 0,
                enough_data=enough and est is not None,
                conclusive=not problems and est is not None,
                caveat=caveat.english,
                caveat_text=caveat if problems else None,
            )
        )
    return ModalityEffects(
        scale=scale,
        higher_is_worse=higher_is_worse,
        method=fitted.method,
        # As a reader would write it; the fit names the columns m0, m1, ... internally.
        formula=(
            "% improvement ~ 0 + "
            + " + ".join(f"sessions of {m}" for m in estimable)
            + " + (1 | patient)"
            if estimable
            else ""
        ),
        effects=tuple(effects),
        n_patients=len(patients),
        n_observations=n_rows,
        patient_sd=None if fitted.patient_var is None else math.sqrt(fitted.patient_var),
        residual_sd=None if fitted.residual_var is None else math.sqrt(fitted.residual_var),
        converged=fitted.converged,
        notes=tuple(n.english for n in notes),
        excluded=excluded,
        note_texts=tuple(notes),
    )


def _confounded(x: np.ndarray, modalities: Sequence[str]) -> tuple[set[str], dict[str, Message]]:
    """Modalities whose sessions always went with others' in matching numbers.

    Their effects cannot be separated: each such modality is left out of the model (the
    first returned set), and it and the ones it moves with get the caveat (the mapping),
    since the estimate kept for the partners then carries both.
    """
    dropped: set[str] = set()
    caveats: dict[str, Message] = {}
    kept: list[int] = []
    for j in range(x.shape[1]):
        if np.linalg.matrix_rank(x[:, [*kept, j]]) == len(kept) + 1:
            kept.append(j)
            continue
        coef, *_ = np.linalg.lstsq(x[:, kept], x[:, j], rcond=None)
        partners = [modalities[kept[i]] for i, c in enumerate(coef) if abs(c) > 1e-8]
        text = Message(
            gettext_noop(
                "%(modality)s was always given together with %(partners)s in matching numbers "
                "of sessions, so their effects cannot be told apart."
            ),
            {
                "modality": _modality_term(modalities[j]),
                "partners": Joined(tuple(_modality_term(p) for p in partners), _NAME_SEPARATOR),
            },
        )
        dropped.add(modalities[j])
        for m in (modalities[j], *partners):
            caveats.setdefault(m, text)
    return dropped, caveats


def _fit_model(
    records: list[tuple[int, float, dict[str, int]]],
    x: np.ndarray,
    modalities: Sequence[str],
    estimable: Sequence[str],
    column: Mapping[str, str],
    formula: str,
) -> _Fitted:
    n_patients = len({p for p, _, _ in records})
    k = len(estimable)
    if not estimable or n_patients < 2 or len(records) <= k + 1:
        return _Fitted(
            "not_fitted",
            {},
            {},
            {},
            None,
            None,
            False,
            Message(
                gettext_noop(
                    "Too few data to fit the model: it needs at least 2 patients with follow-up "
                    "assessments after treatment, and more assessments than treatments compared."
                )
            ),
        )

    # Imported here: see the module docstring.
    import pandas as pd
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    frame = pd.DataFrame(
        {
            "patient": [p for p, _, _ in records],
            "improvement": [y for _, y, _ in records],
            **{column[m]: x[:, modalities.index(m)] for m in estimable},
        }
    )
    follow_ups = frame.groupby("patient").size()
    mixed = bool((follow_ups > 1).any())
    method: Literal["mixed_model", "ordinary_regression"] = (
        "mixed_model" if mixed else "ordinary_regression"
    )
    names = [column[m] for m in estimable]
    # catch_warnings changes process-wide state: fit in one thread at a time (a background
    # task, as the issue plans), not concurrently in threaded web workers.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if mixed:
                start = _start(
                    np.asarray(frame["improvement"], dtype=float),
                    x[:, [modalities.index(m) for m in estimable]],
                    np.asarray(frame["patient"]),
                )
                model = smf.mixedlm(formula, frame, groups="patient")
                result = model.fit(reml=True, start_params=start)
            else:
                result = smf.ols(formula, frame).fit()
        except (np.linalg.LinAlgError, ValueError, ArithmeticError) as error:
            return _Fitted(
                method,
                {},
                {},
                {},
                None,
                None,
                False,
                Message(
                    gettext_noop(
                        "The statistical model could not be fitted (%(error)s), so no effect "
                        "can be estimated from these data."
                    ),
                    # The library's own words, a technical detail: kept as they are.
                    {"error": f"{type(error).__name__}: {error}"},
                ),
            )
    converged = bool(getattr(result, "converged", True))
    params = [float(result.params[c]) for c in names]
    errors = [float(result.bse[c]) for c in names]
    bounds = result.conf_int(alpha=0.05)
    ci = [(float(bounds.loc[c, 0]), float(bounds.loc[c, 1])) for c in names]
    if mixed:
        patient_var: float = float(np.asarray(result.cov_re)[0, 0])
        residual_var = float(result.scale)
    else:
        patient_var, residual_var = 0.0, float(result.scale)

    warned = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    finite = all(math.isfinite(v) for v in [*params, *errors, patient_var, residual_var]) and all(
        e > 0 for e in errors
    )
    if not converged or warned or not finite:
        # The library's warnings are technical details, kept in its own words.
        detail: Param = "; ".join(dict.fromkeys(warned)) or Term(
            gettext_noop("no usable standard errors")
        )
        problem = Message(
            gettext_noop(
                "The statistical model did not settle on a reliable answer (it did not "
                "converge: %(detail)s), so its figures cannot be relied on."
            ),
            {"detail": detail},
        )
        return _Fitted(method, {}, {}, {}, None, None, False, problem)
    return _Fitted(
        method,
        dict(zip(estimable, params, strict=True)),
        dict(zip(estimable, errors, strict=True)),
        dict(zip(estimable, ci, strict=True)),
        patient_var,
        residual_var,
        converged,
        None,
    )


def _start(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> object:
    """Starting values for the mixed model: least-squares effects and a moment estimate of
    the patient-to-assessment variance ratio. The optimum is the same; it takes the
    optimiser fewer steps (about 0.9 s instead of 1.6 s for 5,000 assessments)."""
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = y - x @ beta
    _, index, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    means = np.bincount(index, weights=residual) / sizes
    within_ss = float(((residual - means[index]) ** 2).sum())
    within_df = int((sizes - 1).sum())
    within = within_ss / within_df if within_df else 0.0
    between = float(np.var(means, ddof=1)) - within * float(np.mean(1 / sizes))
    ratio = between / within if within > 0 and between > 0 else 1.0
    return MixedLMParams.from_components(fe_params=beta, cov_re=np.array([[ratio]]))


# --- Forecast for a new patient --------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """Expected improvement after N sessions of a modality, with an interval and its basis.

    ``low``-``high`` is a 95% prediction interval: where one new patient's improvement is
    expected to fall (the clinic's uncertainty about the average, plus how patients and
    assessments vary). ``mean_low``-``mean_high`` is the 95% confidence interval of the
    average patient's improvement. Figures exist only with ``source == "clinic"``.
    """

    modality: str
    sessions: int
    scale: str
    source: Literal["clinic", "published", "none"]
    basis_text: Param  # a Message; a plain string is taken as written
    expected_percent: float | None = None
    low: float | None = None
    high: float | None = None
    mean_low: float | None = None
    mean_high: float | None = None
    n_patients: int = 0
    evidence: tuple[EvidenceEntry, ...] = ()
    caveat_texts: tuple[Param, ...] = ()

    def __post_init__(self) -> None:
        if not self.basis:
            raise ValueError("A forecast needs a basis")
        figures = (self.expected_percent, self.low, self.high, self.mean_low, self.mean_high)
        if self.source != "clinic" and any(v is not None for v in figures):
            raise ValueError("Only a forecast from clinic data carries figures")
        if self.source == "clinic" and any(v is None for v in figures):
            raise ValueError("A forecast from clinic data needs its figure and intervals")

    @property
    def basis(self) -> str:
        """The basis in the core's English."""
        return render(self.basis_text, ENGLISH)

    @property
    def caveats(self) -> tuple[str, ...]:
        return tuple(render(c, ENGLISH) for c in self.caveat_texts)

    @property
    def label(self) -> str:
        return _modality_label(self.modality)

    @property
    def describe(self) -> str:
        plural = "s" if self.sessions != 1 else ""
        head = f"{self.label}, {self.sessions} session{plural}"
        if self.expected_percent is None or self.low is None or self.high is None:
            text = f"{head}: no figure from this clinic's data. Basis: {self.basis}."
        else:
            text = (
                f"{head}: expected {_num(self.expected_percent, 0)}% improvement in "
                f"{_scale_label(self.scale)} (95% of patients between {_num(self.low, 0)}% and "
                f"{_num(self.high, 0)}%). Basis: {self.basis}."
            )
        return " ".join([text, *self.caveats])

    def as_clinic_outcome(self) -> ClinicOutcome | None:
        """The forecast as the recommendation page's clinic figure; None without clinic data."""
        if self.source != "clinic" or self.expected_percent is None:
            return None
        plural = "s" if self.sessions != 1 else ""
        return ClinicOutcome(
            n_patients=self.n_patients,
            mean_improvement_percent=round(self.expected_percent, 1),
            measure=_scale_label(self.scale),
            period=(
                f"after {self.sessions} session{plural} (95% CI {_num(self.mean_low, 1)}% to "
                f"{_num(self.mean_high, 1)}%; model of the clinic's assessments)"
            ),
        )


def _published_for(
    modality: str, published: Sequence[EvidenceEntry] | None
) -> tuple[EvidenceEntry, ...]:
    if not published:
        return ()
    try:
        m = Modality(modality)
    except ValueError:
        return ()
    return tuple(e for e in published if m in e.modalities)


def forecast(
    effects: ModalityEffects,
    published: Sequence[EvidenceEntry] | None,
    modality: str,
    sessions: int,
) -> Forecast:
    """Expected % improvement after ``sessions`` sessions of ``modality`` for a new patient.

    From the clinic's data when its model has enough for the modality (``enough_data``:
    enough patients and follow-ups, a clean fit; a CI that includes 0 is shown, with its
    caveat): expected = sessions x effect, with a 95% confidence interval for the average
    patient and a 95% prediction interval for one patient, which adds the spread between
    patients and between assessments. Figures of a higher-is-worse scale are capped at
    100% (every scar gone).

    Otherwise the published evidence for the modality (entries of ``published`` that name
    it, e.g. :data:`~scarclinic.clinical.evidence.EVIDENCE`) is quoted as reported. It
    gives no figure: the published results are on other measures and schedules (odds of
    response, points of a score, a % change after an unstated number of sessions, without
    a spread), and turning them into "% after N sessions" would need numbers the clinical
    reference does not give. Without either, the forecast says there is no basis.
    """
    if isinstance(sessions, bool) or not isinstance(sessions, int) or sessions < 1:
        raise ValueError(f"sessions must be a whole number 1 or more, got {sessions!r}")
    entries = _published_for(modality, published)
    effect = effects.effect(modality)
    label = _modality_term(modality)

    if (
        effect is not None
        and effect.enough_data
        and effect.estimate is not None
        and effect.std_error is not None
        and effects.patient_sd is not None
        and effects.residual_sd is not None
    ):
        return _clinic_forecast(effects, effect, entries, sessions)

    n_patients = effect.n_patients if effect is not None else 0
    clinic: Message
    caveats: list[Param]
    if effect is None:
        clinic = Message(gettext_noop("no clinic data for %(modality)s"), {"modality": label})
        caveats = [
            Message(
                gettext_noop("This clinic has no assessed patients treated with %(modality)s yet."),
                {"modality": label},
            )
        ]
    else:
        clinic = Message(
            gettext_noop("too few clinic data for %(modality)s (n = %(n)s patients)"),
            {"modality": label, "n": n_patients},
        )
        caveats = [
            Message(
                gettext_noop(
                    "This clinic's own data are not enough for a forecast yet. %(caveat)s"
                ),
                # A snapshot stored before messages were keeps only the English caveat.
                {"caveat": effect.caveat_text or effect.caveat},
            )
        ]
    if entries:
        caveats.append(
            Message(
                gettext_noop(
                    "The published results are quoted as reported; they are not converted into "
                    "a figure for this number of sessions."
                )
            )
        )
        quoted = Joined(tuple(e.summary_text for e in entries), " | ")
        return Forecast(
            modality,
            sessions,
            effects.scale,
            "published",
            Message(gettext_noop("published evidence only: %(quoted)s"), {"quoted": quoted}),
            n_patients=n_patients,
            caveat_texts=tuple(caveats),
            evidence=entries,
        )
    published_part = Message(
        gettext_noop("no published evidence was given")
        if published is None
        else gettext_noop("no published evidence entry names it")
    )
    return Forecast(
        modality,
        sessions,
        effects.scale,
        "none",
        Message(
            gettext_noop("none: %(clinic)s, and %(published)s"),
            {"clinic": clinic, "published": published_part},
        ),
        n_patients=n_patients,
        caveat_texts=tuple(caveats),
    )


def _clinic_forecast(
    effects: ModalityEffects,
    effect: ModalityEffect,
    entries: tuple[EvidenceEntry, ...],
    sessions: int,
) -> Forecast:
    assert effect.estimate is not None and effect.std_error is not None
    assert effects.patient_sd is not None and effects.residual_sd is not None
    expected = sessions * effect.estimate
    mean_se = sessions * effect.std_error
    # A new patient: the uncertainty of the clinic's estimate, plus their own intercept and
    # one assessment's noise (the model's two variance components).
    one_se = math.sqrt(mean_se**2 + effects.patient_sd**2 + effects.residual_sd**2)
    values = [
        expected,
        expected - _Z95 * one_se,
        expected + _Z95 * one_se,
        expected - _Z95 * mean_se,
        expected + _Z95 * mean_se,
    ]
    caveats: list[Param] = []
    if effect.caveat:
        # A snapshot stored before messages were keeps only the English caveat.
        caveats.append(effect.caveat_text or effect.caveat)
    if sessions > effect.max_sessions:
        caveats.append(
            Message(
                gettext_noop(
                    "No patient here has had more than %(max)s session(s) of %(modality)s: the "
                    "figure for %(sessions)s extrapolates, assuming each session adds as much "
                    "as the earlier ones did."
                ),
                {
                    "max": effect.max_sessions,
                    "modality": _modality_term(effect.modality),
                    "sessions": sessions,
                },
            )
        )
    if effects.higher_is_worse and any(v > _CEILING for v in values):
        values = [min(v, _CEILING) for v in values]
        caveats.append(Message(gettext_noop("Capped at 100%, when every scar would be gone.")))
    basis = Message(
        gettext_noop(
            "clinic data, n = %(n)s patient (%(observations)s follow-up assessments of "
            "%(scale)s); %(estimate)s%% improvement per session (95%% CI %(low)s%% to "
            "%(high)s%%), linear mixed model"
        )
        if effect.n_patients == 1
        else gettext_noop(
            "clinic data, n = %(n)s patients (%(observations)s follow-up assessments of "
            "%(scale)s); %(estimate)s%% improvement per session (95%% CI %(low)s%% to "
            "%(high)s%%), linear mixed model"
        ),
        {
            "n": effect.n_patients,
            "observations": effect.n_observations,
            "scale": _scale_term(effects.scale),
            "estimate": _fig(effect.estimate, 1),
            "low": _fig(effect.ci_low, 1),
            "high": _fig(effect.ci_high, 1),
        },
    )
    return Forecast(
        modality=effect.modality,
        sessions=sessions,
        scale=effects.scale,
        source="clinic",
        basis_text=basis,
        expected_percent=values[0],
        low=values[1],
        high=values[2],
        mean_low=values[3],
        mean_high=values[4],
        n_patients=effect.n_patients,
        evidence=entries,
        caveat_texts=tuple(caveats),
    )


def clinic_outcomes(
    effects: ModalityEffects, sessions: int | Mapping[str, int]
) -> dict[Modality, ClinicOutcome]:
    """The clinic's figures for the treatment comparison (:func:`recommend`'s
    ``clinic_outcomes``): expected improvement after ``sessions`` (one number for all, or
    per modality) for every catalogue modality with enough clinic data; the others are left
    out, so the page shows only the published evidence for them."""
    out: dict[Modality, ClinicOutcome] = {}
    for e in effects.effects:
        try:
            m = Modality(e.modality)
        except ValueError:
            continue
        n = sessions if isinstance(sessions, int) else sessions.get(e.modality)
        if n is None:
            continue
        outcome = forecast(effects, None, e.modality, n).as_clinic_outcome()
        if outcome is not None:
            out[m] = outcome
    return out


# --- Validation ------------------------------------------------------------------------------
# Bad input raises ValueError, as in scales.py: forms and the API catch one exception.


def _checked_score(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, got {value!r} ({type(value).__name__})")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"{what} must be a finite number 0 or more, got {value!r}")
    return v


def _checked_count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a whole number 0 or more, got {value!r}")
    return value
