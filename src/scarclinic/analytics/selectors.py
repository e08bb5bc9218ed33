"""Reads of the analytics app. Pages read the clinic's precomputed snapshot (one query) and
shape it: the tables, the comparison beside the published evidence, the forecast, CSV. No
aggregation happens on a request, so a page costs the same at 100 or 100,000 patients."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.analytics import cohort
from scarclinic.analytics.models import AnalyticsSnapshot
from scarclinic.assessments.models import AssessmentStatus, ScarAssessment
from scarclinic.clinical.evidence import CATALOGUE, EVIDENCE, EvidenceEntry, Modality
from scarclinic.clinical.outcomes import (
    DEFAULT_MIN_PATIENTS,
    Forecast,
    ModalityEffect,
    forecast,
)
from scarclinic.clinical.text import Message
from scarclinic.patients.models import Patient
from scarclinic.patients.selectors import patient_for_user

NOT_MEASURED: Final = _("not measured here")
MAX_FORECAST_SESSIONS: Final = 10

# The seed article's comparison table (../shared/seed/000_703ab0bc430d4bad.txt), quoted so
# the clinic's own numbers can stand beside it: marketing ratings, no numbers, no source.
# Its words are in the catalogue: the page quotes them in the reader's language.
_HIGH, _MODERATE, _LOW = gettext_noop("High"), gettext_noop("Moderate"), gettext_noop("Low")
_MINIMAL, _TEMPORARY = gettext_noop("Minimal"), gettext_noop("Temporary")
SEED_CLAIMS: Final[Mapping[Modality, tuple[str, str, str, str]]] = {
    Modality.STEM_CELL_SVF_INJECTION: (_HIGH, _MINIMAL, "✔✔✔", "✔✔✔"),
    Modality.FRACTIONAL_ABLATIVE_LASER: (_HIGH, _MODERATE, "✔✔", "✔✔✔"),
    Modality.MICRONEEDLING_PRP: (_MODERATE, _LOW, "✔✔", "✔✔"),
    Modality.CHEMICAL_PEEL: (_MODERATE, _LOW, "✔", "✔"),
    Modality.DERMAL_FILLER: (_TEMPORARY, _MINIMAL, "✖", "✔"),
}
TABLES: Final[Mapping[str, Any]] = {
    "modality": _("Improvement by modality (alone or combined)"),
    "modality_alone": _("Improvement by modality given alone"),
    "combination": _("Improvement by combination of modalities"),
    "scar_type": _("Improvement by scar type"),
    "skin_type": _("Improvement by skin type"),
    "sessions": _("Improvement by number of sessions"),
    "time_to_response": _("Responders and time to response"),
    "model": _("Effect per session: mixed-effects model"),
    "comparison": _("The clinic's comparison beside the published evidence"),
    "forecast": _("Forecast for a new patient"),
}


def snapshot_for_clinic(*, clinic_id: int) -> AnalyticsSnapshot | None:
    """The clinic's snapshot, if any (the caller checked ANALYTICS_VIEW in that clinic)."""
    return AnalyticsSnapshot.objects.filter(clinic_id=clinic_id).first()


def scale_of(value: str | None) -> str:
    if value is not None and value in cohort.SCALES:
        return value
    return cohort.DEFAULT_SCALE


def figures_of(snapshot: AnalyticsSnapshot | None, scale: str) -> dict[str, Any] | None:
    if snapshot is None or not snapshot.has_results:
        return None
    figures: dict[str, Any] | None = snapshot.results.get(scale)
    return None if figures is None else _in_reader_language(figures)


def _in_reader_language(figures: dict[str, Any]) -> dict[str, Any]:
    """The groups' names in the active language: the snapshot keeps each row's key and its
    English name, computed once for every reader (the figures are a fresh copy per query)."""
    rows = [(t, r) for t, v in figures.get("tables", {}).items() for r in _as_list(v)]
    rows += [("time_to_response", r) for r in figures.get("time_to_response", [])]
    for table, row in rows:
        # A group this version no longer names keeps its stored name.
        with contextlib.suppress(KeyError, ValueError):
            row["label"] = cohort.group_label(table, str(row["key"]), gettext)
    return figures


def _as_list(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else [value]


# --- The comparison table --------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonRow:
    """One treatment: the clinic's measured effectiveness (mean improvement, responders and
    the model's effect per session, each with its 95% CI and n) beside the published evidence,
    and for downtime, natural healing and collagen stimulation what the clinic measures
    (nothing yet: said plainly) and what the clinical reference gives."""

    modality: Modality
    measured: dict[str, Any] | None  # the "by modality" row, None when no patient
    effect: ModalityEffect | None
    evidence: tuple[EvidenceEntry, ...]
    downtime_text: Message  # the clinical reference's downtime, translatable
    seed_claim: tuple[str, str, str, str] | None

    @property
    def label(self) -> str:
        return self.modality.label

    @property
    def downtime_published(self) -> str:
        return self.downtime_text.english

    @property
    def too_few(self) -> bool:
        return self.measured is None or bool(self.measured["too_few"])


def comparison_rows(figures: dict[str, Any] | None) -> list[ComparisonRow]:
    measured = {r["key"]: r for r in (figures or {}).get("tables", {}).get("modality", [])}
    effects = cohort.effects_from_json(figures["model"]) if figures else None
    rows = []
    for m in Modality:
        info = CATALOGUE[m]
        if m.value not in measured and not info.evidence and m not in SEED_CLAIMS:
            continue
        rows.append(
            ComparisonRow(
                modality=m,
                measured=measured.get(m.value),
                effect=effects.effect(m.value) if effects else None,
                evidence=info.evidence,
                downtime_text=info.downtime.text,
                seed_claim=SEED_CLAIMS.get(m),
            )
        )
    return rows


# --- The forecast ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientBaseline:
    patient: Patient
    score: int | None
    on: Any


def forecasts(
    figures: dict[str, Any] | None, *, scale: str, sessions: int, modality: str | None = None
) -> list[Forecast]:
    """Expected improvement after ``sessions`` sessions of each modality (or one), from the
    clinic's model when it has enough data, else from the published evidence (core forecast)."""
    if not 1 <= sessions <= MAX_FORECAST_SESSIONS:
        raise ValueError(f"sessions must be 1 to {MAX_FORECAST_SESSIONS}")
    if figures is not None:
        effects = cohort.effects_from_json(figures["model"])
    else:
        from scarclinic.clinical.outcomes import ModalityEffects

        effects = ModalityEffects(
            scale, True, "not_fitted", "", (), 0, 0, None, None, False, (), {}
        )
    chosen = [Modality(modality)] if modality else list(Modality)
    return [forecast(effects, EVIDENCE, m.value, sessions) for m in chosen]


def patient_baseline(*, user: User, patient_id: int, scale: str) -> PatientBaseline:
    """The patient (404 when missing or elsewhere; audited) and their latest signed score."""
    patient = patient_for_user(user=user, patient_id=patient_id, perm=Perm.ASSESSMENT_VIEW)
    field = cohort.SCALES[scale]
    latest = (
        ScarAssessment.objects.filter(
            patient=patient, status=AssessmentStatus.SIGNED, **{f"{field}__isnull": False}
        )
        .order_by("-visit_date", "-id")
        .values_list(field, "visit_date")
        .first()
    )
    return PatientBaseline(patient, latest[0] if latest else None, latest[1] if latest else None)


# --- CSV -------------------------------------------------------------------------------------

_GROUP_HEADER = (
    "group",
    "n_patients",
    "mean_improvement_percent",
    "ci95_low",
    "ci95_high",
    "sd",
    "responders",
    "responder_share",
    "responder_ci95_low",
    "responder_ci95_high",
    "too_few_to_conclude",
)


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        # A cell starting with = + - @ could run as a formula in a spreadsheet: quote it.
        writer.writerow([f"'{c}" if c and c[0] in "=+@" else c for c in map(_fmt, row)])
    return buffer.getvalue()


def table_csv(name: str, figures: dict[str, Any] | None, *, scale: str, sessions: int = 3) -> str:
    """One table of the page as CSV; ValueError for an unknown table."""
    if name not in TABLES:
        raise ValueError(f"Unknown table: {name}")
    if name == "forecast":
        return _csv(
            (
                "treatment",
                "sessions",
                "scale",
                "source",
                "expected_improvement_percent",
                "one_patient_95_low",
                "one_patient_95_high",
                "average_ci95_low",
                "average_ci95_high",
                "n_patients",
                "basis",
                "caveats",
            ),
            (
                (
                    f.label,
                    f.sessions,
                    f.scale,
                    f.source,
                    f.expected_percent,
                    f.low,
                    f.high,
                    f.mean_low,
                    f.mean_high,
                    f.n_patients,
                    f.basis,
                    " ".join(f.caveats),
                )
                for f in forecasts(figures, scale=scale, sessions=sessions)
            ),
        )
    tables = (figures or {}).get("tables", {})
    if name in ("modality", "modality_alone", "combination", "scar_type", "skin_type", "sessions"):
        return _csv(
            _GROUP_HEADER,
            (
                (
                    r["label"],
                    r["n"],
                    r["mean"],
                    r["ci_low"],
                    r["ci_high"],
                    r["sd"],
                    r["responders"],
                    r["responder_share"],
                    r["responder_low"],
                    r["responder_high"],
                    r["too_few"],
                )
                for r in tables.get(name, [])
            ),
        )
    if name == "time_to_response":
        return _csv(
            (
                "modality",
                "n_patients",
                "reached_threshold",
                "share",
                "ci95_low",
                "ci95_high",
                "median_days_kaplan_meier",
                "median_sessions_kaplan_meier",
                "too_few_to_conclude",
            ),
            (
                (
                    r["label"],
                    r["n"],
                    r["reached"],
                    r["share"],
                    r["share_low"],
                    r["share_high"],
                    r["median_days"],
                    r["median_sessions"],
                    r["too_few"],
                )
                for r in (figures or {}).get("time_to_response", [])
            ),
        )
    if name == "model":
        effects = cohort.effects_from_json(figures["model"]) if figures else None
        return _csv(
            (
                "modality",
                "percent_improvement_per_session",
                "ci95_low",
                "ci95_high",
                "std_error",
                "n_patients",
                "n_follow_up_assessments",
                "enough_data",
                "conclusive",
                "caveat",
            ),
            (
                (
                    e.label,
                    e.estimate,
                    e.ci_low,
                    e.ci_high,
                    e.std_error,
                    e.n_patients,
                    e.n_observations,
                    e.enough_data,
                    e.conclusive,
                    e.caveat,
                )
                for e in (effects.effects if effects else ())
            ),
        )
    return _csv(
        (
            "treatment",
            "clinic_n_patients",
            "clinic_mean_improvement_percent",
            "clinic_ci95_low",
            "clinic_ci95_high",
            "clinic_responders_share",
            "clinic_per_session_percent",
            "clinic_per_session_ci95_low",
            "clinic_per_session_ci95_high",
            "clinic_too_few_to_conclude",
            "published_effectiveness",
            "clinic_downtime",
            "published_downtime",
            "clinic_natural_healing",
            "clinic_collagen_stimulation",
            "seed_article_claim",
        ),
        (
            (
                r.label,
                r.measured["n"] if r.measured else 0,
                r.measured["mean"] if r.measured else None,
                r.measured["ci_low"] if r.measured else None,
                r.measured["ci_high"] if r.measured else None,
                r.measured["responder_share"] if r.measured else None,
                r.effect.estimate if r.effect else None,
                r.effect.ci_low if r.effect else None,
                r.effect.ci_high if r.effect else None,
                r.too_few,
                " | ".join(e.summary for e in r.evidence) or "no evidence entry",
                str(NOT_MEASURED),
                r.downtime_published,
                str(NOT_MEASURED),
                str(NOT_MEASURED),
                " / ".join(r.seed_claim) if r.seed_claim else "",
            )
            for r in comparison_rows(figures)
        ),
    )


def min_patients() -> int:
    return DEFAULT_MIN_PATIENTS
