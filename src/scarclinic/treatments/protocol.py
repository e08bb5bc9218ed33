"""Session arithmetic for treatment plans: default protocols from the catalogue, the dates a
plan's sessions fall on, and whether a gap between two sessions is below the protocol minimum.

Plain Python, no Django: the defaults are the catalogue's (clinical/evidence.py), which copies
the default protocols of the clinical reference §9 ("microneedling +/- PRP 3-4 sessions every
2-4 weeks; fractional CO2 about 3 sessions every 1-3 months; TCA CROSS 4-6 sessions every 2-4
weeks; SVF / fat often one session; filler one session plus touch-up"). Where the reference
gives no protocol the catalogue says so, and so does every plan built from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from scarclinic.clinical.candidacy import add_months
from scarclinic.clinical.evidence import CATALOGUE, Modality

Unit = Literal["weeks", "months"]
UNITS: tuple[Unit, ...] = ("weeks", "months")
MAX_SESSIONS = 20  # a typo guard, not a clinical limit
MAX_INTERVAL = {"weeks": 52, "months": 24}


@dataclass(frozen=True)
class Interval:
    """A gap between sessions, in whole weeks or calendar months."""

    value: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"Unknown interval unit {self.unit!r}")
        if not 1 <= self.value <= MAX_INTERVAL[self.unit]:
            raise ValueError(f"An interval is 1 to {MAX_INTERVAL[self.unit]} {self.unit}")

    def after(self, day: date, times: int = 1) -> date:
        """The day ``times`` intervals after ``day`` (months keep the day of the month, or the
        month's last day when it has none)."""
        if self.unit == "weeks":
            return day + timedelta(weeks=self.value * times)
        return add_months(day, self.value * times)

    @property
    def describe(self) -> str:
        unit = self.unit if self.value != 1 else self.unit.removesuffix("s")
        return f"{self.value} {unit}"


@dataclass(frozen=True)
class ProtocolDefault:
    """A modality's default protocol as the catalogue gives it, with its source."""

    modality: Modality
    sessions: int  # the low end of the catalogue's range: more can be added, none taken back
    interval: Interval | None  # None: one session, or no interval in the clinical reference
    minimum: Interval | None  # the protocol's shortest interval: moving below it warns
    maximum: Interval | None
    wording: str
    source: str | None
    verified: bool


def protocol_default(modality: Modality) -> ProtocolDefault:
    """The default sessions and interval of a modality (clinical reference §9 via the catalogue)."""
    plan = CATALOGUE[modality].sessions
    minimum = (
        Interval(plan.interval_min, plan.interval_unit) if plan.interval_min is not None else None
    )
    maximum = (
        Interval(plan.interval_max, plan.interval_unit) if plan.interval_max is not None else None
    )
    return ProtocolDefault(
        modality=modality,
        sessions=plan.sessions_min,
        interval=minimum if plan.sessions_min > 1 else None,
        minimum=minimum,
        maximum=maximum,
        wording=plan.describe,
        source=plan.source,
        verified=plan.verified,
    )


def session_dates(start: date, sessions: int, interval: Interval | None) -> list[date]:
    """The target date of each session: the first on ``start``, the others whole intervals
    after it (counted from the start, so month ends do not drift)."""
    if not 1 <= sessions <= MAX_SESSIONS:
        raise ValueError(f"A plan has 1 to {MAX_SESSIONS} sessions of a treatment")
    if sessions > 1 and interval is None:
        raise ValueError("More than one session needs an interval")
    if interval is None:
        return [start]
    return [interval.after(start, n) for n in range(sessions)]


def below_minimum(earlier: date, later: date, minimum: Interval | None) -> bool:
    """True when ``later`` comes sooner after ``earlier`` than the protocol minimum allows."""
    return minimum is not None and later < minimum.after(earlier)


def shift_later(dates: list[date], index: int, new_date: date) -> list[date]:
    """Move session ``index`` to ``new_date`` and every later session by the same number of
    days; earlier sessions stay where they are."""
    delta = new_date - dates[index]
    return dates[:index] + [d + delta for d in dates[index:]]
