"""The clinic's cohort figures, aggregated in the database.

One *course* per patient and scale: the earliest signed assessment with a score above 0 is
the baseline, the latest signed assessment after it the end point, and the patient's signed
procedure records between the two (``baseline <= performed_on < latest``: an assessment on
the day of a session is taken before it, as in scarclinic.clinical.outcomes) are the
treatment. Improvement is the core's: 100 x (baseline - latest) / baseline
(:func:`scarclinic.clinical.outcomes.percent_improvement`).

The per-patient course is one ORM query (correlated subqueries, evaluated by the database
with the indexes on assessments and procedures); the database then groups it, so what comes
back to Python is a few hundred rows of sums (count, sum, sum of squares, responders) per
combination of treatments x scar type x skin type x number of sessions, never one row per
patient. Sums add up, so every table (by modality, combination, scar type, skin type,
sessions) is a merge of those rows: exact, and independent of the clinic's size.

The mixed-effects model needs the assessments themselves: it is fitted by the core
(:func:`scarclinic.clinical.outcomes.fit_modality_effects`) on the clinic's patients with a
follow-up, or, above ``MODEL_MAX_PATIENTS``, on a deterministic random sample of them (every
k-th patient by a hash of the id), which keeps the fit to seconds; its n says so.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Final

from django.db import connections, router
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Mod
from django.utils.translation import gettext_noop

from scarclinic.assessments.models import AssessmentStatus, RegionFinding, ScarAssessment
from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.morphology import Morphology
from scarclinic.clinical.outcomes import (
    DEFAULT_MIN_FOLLOW_UPS,
    DEFAULT_MIN_PATIENTS,
    DEFAULT_RESPONDER_THRESHOLD,
    ModalityEffect,
    ModalityEffects,
    ScoreObservation,
    TreatmentSession,
    _kaplan_meier_median,
    fit_modality_effects,
    proportion,
)
from scarclinic.clinical.text import Joined, Message, from_json, to_json
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import ProcedureRecord, ProcedureStatus

# Scales the cohort is measured on: name in the core -> ScarAssessment column.
SCALES: Final[Mapping[str, str]] = {
    "goodman_baron_quantitative": "goodman_baron_score",  # clinical reference §3
    "ecca": "ecca_score",  # clinical reference §4
}
DEFAULT_SCALE: Final = "goodman_baron_quantitative"
# Above this many patients with a follow-up, the model is fitted on a sample (see above).
MODEL_MAX_PATIENTS: Final = 4000
SESSIONS_CAP: Final = 8  # "8 or more" in the table by number of sessions

# One bit per modality, so a patient's combination is SUM(DISTINCT bit) in SQL.
MODALITY_ORDER: Final = tuple(Modality)
BIT: Final[Mapping[Modality, int]] = {m: 1 << i for i, m in enumerate(MODALITY_ORDER)}

# Scar type of a patient: the morphology with most scars at baseline, grouped as the
# clinical reference §1 names them (boxcar shallow and deep together; raised scars together).
SCAR_TYPE_OF: Final[Mapping[str, str]] = {
    Morphology.ICE_PICK.value: "ice_pick",
    Morphology.BOXCAR_SHALLOW.value: "boxcar",
    Morphology.BOXCAR_DEEP.value: "boxcar",
    Morphology.ROLLING.value: "rolling",
    Morphology.HYPERTROPHIC.value: "raised",
    Morphology.KELOID.value: "raised",
    Morphology.MACULAR.value: "macular",
}
# The groups' names, marked for the catalogue (gettext_noop) and translated when a page is
# drawn: the snapshot stores the English, a page shows the reader's language (group_label).
SCAR_TYPE_LABELS: Final[Mapping[str, str]] = {
    "ice_pick": gettext_noop("Ice-pick"),
    "boxcar": gettext_noop("Boxcar"),
    "rolling": gettext_noop("Rolling"),
    "raised": gettext_noop("Hypertrophic or keloid"),
    "macular": gettext_noop("Macular (erythema / PIH)"),
    "unknown": gettext_noop("Not recorded"),
}
ROMAN: Final = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}
NO_TREATMENT: Final = gettext_noop("No treatment between assessments")
ALL_FOLLOWED: Final = gettext_noop("All patients with a follow-up")
SESSIONS_CAP_LABEL: Final = gettext_noop("8 or more")
SKIN_TYPE_LABEL: Final = gettext_noop("Fitzpatrick %(type)s")


def modalities_of(mask: int) -> tuple[Modality, ...]:
    return tuple(m for m in MODALITY_ORDER if mask & BIT[m])


def combination_label(mask: int, translate: Callable[[str], str] = str) -> str:
    """The treatments of a combination, "A + B", each name through ``translate``."""
    mods = modalities_of(mask)
    return " + ".join(translate(m.label) for m in mods) if mods else translate(NO_TREATMENT)


def group_label(table: str, key: str, translate: Callable[[str], str] = str) -> str:
    """The name of a row of ``table`` from its key, through ``translate`` (gettext for the
    reader's language; by default the English kept in the snapshot)."""
    if table in ("modality", "modality_alone", "time_to_response", "model"):
        return translate(Modality(key).label)
    if table == "combination":
        return combination_label(int(key), translate)
    if table == "scar_type":
        return translate(SCAR_TYPE_LABELS.get(key, key))
    if table == "skin_type":
        skin = int(key)
        if skin in ROMAN:
            return translate(SKIN_TYPE_LABEL) % {"type": ROMAN[skin]}
        return translate(SCAR_TYPE_LABELS["unknown"])
    if table == "sessions":
        return translate(SESSIONS_CAP_LABEL) if int(key) == SESSIONS_CAP else key
    if table == "overall":
        return translate(ALL_FOLLOWED)
    raise ValueError(f"Unknown table: {table}")


# --- Statistics of one group -----------------------------------------------------------------


@dataclass
class Sums:
    """Additive sufficient statistics of a group's % improvements."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0
    responders: int = 0

    def add(self, other: Sums) -> None:
        self.n += other.n
        self.total += other.total
        self.squares += other.squares
        self.responders += other.responders


def group_row(key: str, label: str, sums: Sums, *, min_patients: int) -> dict[str, Any]:
    """A table row: mean % improvement with its 95% CI (t distribution), responders with a
    Wilson 95% CI, n, and whether the group is too small to conclude anything."""
    from scipy.stats import t as student_t  # type: ignore[import-untyped]

    n = sums.n
    mean = sums.total / n if n else None
    sd = ci_low = ci_high = None
    if n >= 2 and mean is not None:
        variance = max((sums.squares - n * mean * mean) / (n - 1), 0.0)
        sd = math.sqrt(variance)
        half = float(student_t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
        ci_low, ci_high = mean - half, min(mean + half, 100.0)
    share = proportion(sums.responders, n)
    return {
        "key": key,
        "label": label,
        "n": n,
        "mean": mean,
        "sd": sd,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "responders": sums.responders,
        "responder_share": share.estimate,
        "responder_low": share.low,
        "responder_high": share.high,
        "too_few": n < min_patients,
    }


# --- The per-patient course, in the database -------------------------------------------------


def courses(
    clinic_id: int, scale: str, *, threshold: float = DEFAULT_RESPONDER_THRESHOLD
) -> QuerySet[Patient]:
    """One row per patient of the clinic with a baseline above 0 and a later assessment on
    ``scale``: scores, dates, combination of treatments, sessions, scar and skin type, and the
    date the improvement first reached ``threshold`` percent (None if it never did)."""
    field = SCALES[scale]
    signed = ScarAssessment.objects.filter(
        patient=OuterRef("pk"), status=AssessmentStatus.SIGNED, **{f"{field}__isnull": False}
    )
    first = signed.order_by("visit_date", "id")
    latest = signed.order_by("-visit_date", "-id")
    done = ProcedureRecord.objects.filter(patient=OuterRef("pk"), status=ProcedureStatus.SIGNED)
    between = done.filter(
        performed_on__gte=OuterRef("base_date"), performed_on__lt=OuterRef("last_date")
    )
    bit = Case(
        *(When(modality=m.value, then=Value(b)) for m, b in BIT.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    combination = (
        between.order_by()
        .annotate(bit=bit)
        .values("patient")
        .annotate(mask=Sum("bit", distinct=True))
        .values("mask")
    )
    sessions = between.order_by().values("patient").annotate(c=Count("id")).values("c")
    dominant = (
        RegionFinding.objects.filter(assessment_id=OuterRef("base_id"))
        .order_by()
        .values("morphology")
        .annotate(total=Sum("count"))
        .order_by("-total", "morphology")
        .values("morphology")[:1]
    )
    reached = (
        ScarAssessment.objects.filter(
            patient=OuterRef("pk"),
            status=AssessmentStatus.SIGNED,
            visit_date__gt=OuterRef("base_date"),
            **{f"{field}__lte": OuterRef("base_score") * (1 - threshold / 100.0)},
        )
        .order_by("visit_date", "id")
        .values("visit_date")[:1]
    )
    to_response = done.filter(
        performed_on__gte=OuterRef("base_date"), performed_on__lt=OuterRef("event_date")
    )
    return (
        Patient.objects.filter(clinic_id=clinic_id)
        .annotate(
            base_id=Subquery(first.values("id")[:1]),
            base_date=Subquery(first.values("visit_date")[:1]),
            base_score=Subquery(first.values(field)[:1]),
            last_date=Subquery(latest.values("visit_date")[:1]),
            last_score=Subquery(latest.values(field)[:1]),
        )
        .filter(base_score__gt=0, last_date__gt=F("base_date"))
        .annotate(
            improvement=Value(100.0)
            * (Cast("base_score", FloatField()) - Cast("last_score", FloatField()))
            / Cast("base_score", FloatField()),
            mask=Coalesce(Subquery(combination), Value(0)),
            sessions=Coalesce(Subquery(sessions), Value(0)),
            morphology=Subquery(dominant),
            skin=Coalesce(
                F("current_history__fitzpatrick"), Subquery(first.values("fitzpatrick")[:1])
            ),
            reached_on=Subquery(reached),
            event_date=Coalesce(F("reached_on"), F("last_date")),
        )
        .annotate(
            sessions_to_event=Coalesce(
                Subquery(
                    to_response.order_by().values("patient").annotate(c=Count("id")).values("c")
                ),
                Value(0),
            )
        )
    )


def _grouped_twice(
    qs: QuerySet[Any], *, threshold: float
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The two groupings of the per-patient courses, in one statement: the ORM builds the
    per-patient query, computed once as a materialised CTE (PostgreSQL 12+, SQLite 3.35+),
    and the database groups it twice: sums per combination x scar type x skin type x
    sessions ("g" rows), and counts per combination x days x reached x sessions to the event
    ("e" rows, for Kaplan-Meier)."""
    sql, params = qs.query.sql_with_params()
    days = _days(qs.db, "event_date", "base_date")
    reached = "CASE WHEN c.reached_on IS NULL THEN 0 ELSE 1 END"
    statement = (  # noqa: S608 - fixed SQL around the ORM's own, parameters bound
        f"WITH c AS MATERIALIZED ({sql}) "
        "SELECT 'g', c.mask, c.morphology, c.skin, c.sessions, NULL, NULL, NULL, COUNT(*), "
        "SUM(c.improvement), SUM(c.improvement * c.improvement), "
        "SUM(CASE WHEN c.improvement >= %s THEN 1 ELSE 0 END) "
        "FROM c GROUP BY c.mask, c.morphology, c.skin, c.sessions "
        f"UNION ALL SELECT 'e', c.mask, NULL, NULL, NULL, {days}, {reached}, "
        "c.sessions_to_event, COUNT(*), NULL, NULL, NULL "
        f"FROM c GROUP BY c.mask, {days}, {reached}, c.sessions_to_event"
    )
    with connections[qs.db].cursor() as cursor:
        cursor.execute(statement, (*params, threshold - 1e-9))
        result = list(cursor.fetchall())
    rows = [tuple(r[1:5]) + tuple(r[8:12]) for r in result if r[0] == "g"]
    events = [(r[1], r[5], r[6], r[7], r[8]) for r in result if r[0] == "e"]
    return rows, events


def _days(alias: str, later: str, earlier: str) -> str:
    if connections[alias].vendor == "postgresql":
        return f"(c.{later} - c.{earlier})"
    return f"CAST(julianday(c.{later}) - julianday(c.{earlier}) AS INTEGER)"


# --- The figures of one scale ----------------------------------------------------------------


def scale_figures(
    clinic_id: int,
    scale: str,
    *,
    threshold: float = DEFAULT_RESPONDER_THRESHOLD,
    min_patients: int = DEFAULT_MIN_PATIENTS,
    min_follow_ups: int = DEFAULT_MIN_FOLLOW_UPS,
    model_max_patients: int = MODEL_MAX_PATIENTS,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Every table, the time to response and the model for one scale, JSON-ready."""
    clock = time.perf_counter()
    qs = courses(clinic_id, scale, threshold=threshold).values(  # type: ignore[misc]
        "id",
        "improvement",
        "mask",
        "sessions",
        "morphology",
        "skin",
        "reached_on",
        "last_date",
        "base_date",
        "event_date",
        "sessions_to_event",
    )
    qs = qs.using(router.db_for_read(Patient))
    rows, events = _grouped_twice(qs, threshold=threshold)
    if timings is not None:
        timings["aggregates"] = timings.get("aggregates", 0.0) + time.perf_counter() - clock

    by: dict[str, dict[Any, Sums]] = {
        d: defaultdict(Sums) for d in ("combination", "scar_type", "skin_type", "sessions")
    }
    overall = Sums()
    for mask, morphology, skin, sessions, n, total, squares, responders in rows:
        s = Sums(int(n), float(total or 0), float(squares or 0), int(responders or 0))
        overall.add(s)
        by["combination"][int(mask or 0)].add(s)
        by["scar_type"][SCAR_TYPE_OF.get(morphology or "", "unknown")].add(s)
        by["skin_type"][int(skin) if skin else 0].add(s)
        by["sessions"][min(int(sessions or 0), SESSIONS_CAP)].add(s)

    def rows_of(
        dim: str, label: Callable[[Any], str], order: Callable[[Any], Any]
    ) -> list[dict[str, Any]]:
        return [
            group_row(str(k), label(k), v, min_patients=min_patients)
            for k, v in sorted(by[dim].items(), key=lambda kv: order(kv[0]))
        ]

    modality_sums: dict[Modality, Sums] = defaultdict(Sums)
    alone_sums: dict[Modality, Sums] = defaultdict(Sums)
    for mask, s in by["combination"].items():
        for m in modalities_of(mask):
            modality_sums[m].add(s)
        mods = modalities_of(mask)
        if len(mods) == 1:
            alone_sums[mods[0]].add(s)
    tables = {
        "modality": [
            group_row(m.value, m.label, modality_sums[m], min_patients=min_patients)
            for m in MODALITY_ORDER
            if m in modality_sums
        ],
        "modality_alone": [
            group_row(m.value, m.label, alone_sums[m], min_patients=min_patients)
            for m in MODALITY_ORDER
            if m in alone_sums
        ],
        "combination": rows_of(
            "combination", combination_label, lambda k: (-by["combination"][k].n, k)
        ),
        "scar_type": rows_of(
            "scar_type",
            lambda k: group_label("scar_type", k),
            lambda k: list(SCAR_TYPE_LABELS).index(k),
        ),
        "skin_type": rows_of(
            "skin_type", lambda k: group_label("skin_type", str(k)), lambda k: k or 99
        ),
        "sessions": rows_of("sessions", lambda k: group_label("sessions", str(k)), lambda k: k),
        "overall": group_row(
            "all", group_label("overall", "all"), overall, min_patients=min_patients
        ),
    }
    response = _time_to_response(events, threshold=threshold, min_patients=min_patients)

    clock = time.perf_counter()
    model, model_inputs = _model(
        clinic_id,
        scale,
        min_patients=min_patients,
        min_follow_ups=min_follow_ups,
        max_patients=model_max_patients,
        followed=overall.n,
    )
    if timings is not None:
        timings["model"] = timings.get("model", 0.0) + time.perf_counter() - clock
    return {
        "scale": scale,
        "threshold": threshold,
        "tables": tables,
        "time_to_response": response,
        "model": effects_to_json(model),
        "model_inputs": model_inputs,
    }


def _time_to_response(
    events: list[tuple[Any, ...]], *, threshold: float, min_patients: int
) -> list[dict[str, Any]]:
    """Kaplan-Meier medians (days, sessions) per modality, from (time, event, count) rows."""
    per: dict[Modality, list[tuple[int, bool, int, int]]] = defaultdict(list)
    for mask, days, event, sessions, n in events:
        for m in modalities_of(int(mask or 0)):
            per[m].append((int(days or 0), bool(event), int(sessions or 0), int(n)))
    out = []
    for m in MODALITY_ORDER:
        if m not in per:
            continue
        items = per[m]
        times = [d for d, _, _, n in items for _ in range(n)]
        flags = [e for _, e, _, n in items for _ in range(n)]
        sessions = [s for _, _, s, n in items for _ in range(n)]
        reached = sum(flags)
        share = proportion(reached, len(flags))
        out.append(
            {
                "key": m.value,
                "label": m.label,
                "n": len(flags),
                "reached": reached,
                "share": share.estimate,
                "share_low": share.low,
                "share_high": share.high,
                "median_days": _kaplan_meier_median(times, flags),
                "median_sessions": _kaplan_meier_median(sessions, flags),
                "too_few": len(flags) < min_patients,
            }
        )
    return out


# --- The model -------------------------------------------------------------------------------


def _model(
    clinic_id: int,
    scale: str,
    *,
    min_patients: int,
    min_follow_ups: int,
    max_patients: int,
    followed: int,
) -> tuple[ModalityEffects, dict[str, Any]]:
    field = SCALES[scale]
    step = max(1, math.ceil(followed / max_patients)) if followed else 1
    patients = courses(clinic_id, scale).using(router.db_for_read(Patient))
    if step > 1:
        # Every step-th patient by a multiplicative hash of the id: a fixed, spread sample.
        patients = (
            patients.annotate(bucket=Mod(F("id") * Value(2654435761), Value(4294967291)))
            .annotate(slot=Mod(F("bucket"), Value(step)))
            .filter(slot=0)
        )
    ids = patients.values("id")
    observations = [
        ScoreObservation(patient_id=p, on=d, scale=scale, score=float(s))
        for p, d, s in ScarAssessment.objects.using(router.db_for_read(ScarAssessment))
        .filter(patient_id__in=ids, status=AssessmentStatus.SIGNED, **{f"{field}__isnull": False})
        .order_by()
        .values_list("patient_id", "visit_date", field)
    ]
    sessions = [
        TreatmentSession(patient_id=p, on=d, modality=m)
        for p, d, m in ProcedureRecord.objects.using(router.db_for_read(ProcedureRecord))
        .filter(patient_id__in=ids, status=ProcedureStatus.SIGNED)
        .order_by()
        .values_list("patient_id", "performed_on", "modality")
    ]
    effects = fit_modality_effects(
        observations,
        scale=scale,
        sessions=sessions,
        min_patients=min_patients,
        min_follow_ups=min_follow_ups,
    )
    return effects, {
        "patients": effects.n_patients,
        "assessments": len(observations),
        "sessions": len(sessions),
        "sampled": step > 1,
        "sample_every": step,
        "followed": followed,
    }


def effects_to_json(effects: ModalityEffects) -> dict[str, Any]:
    """The model as JSON: the English texts, and beside them their messages (``caveat_text``,
    ``note_texts``) with typed parameters, so that a page shows them in its reader's language."""
    plain = replace(
        effects,
        excluded={},
        note_texts=(),
        effects=tuple(replace(e, caveat_text=None) for e in effects.effects),
    )
    data = asdict(plain)
    data["excluded"] = dict(effects.excluded)
    data["note_texts"] = [to_json(n) for n in effects.note_texts]
    for row, e in zip(data["effects"], effects.effects, strict=True):
        row["caveat_text"] = None if e.caveat_text is None else to_json(e.caveat_text)
    return data


def effects_from_json(data: Mapping[str, Any]) -> ModalityEffects:
    """The inverse of :func:`effects_to_json`. A snapshot stored before the messages were has
    only the English: ``caveat_text`` is then None and ``note_texts`` empty."""
    values = dict(data)
    values["effects"] = tuple(_effect_from_json(e) for e in values["effects"])
    values["notes"] = tuple(values["notes"])
    values["excluded"] = dict(values.get("excluded", {}))
    values["note_texts"] = tuple(
        n for n in map(from_json, values.get("note_texts") or ()) if isinstance(n, Message)
    )
    return ModalityEffects(**values)


def _effect_from_json(data: Mapping[str, Any]) -> ModalityEffect:
    values = dict(data)
    caveat = from_json(values["caveat_text"]) if values.get("caveat_text") else None
    values["caveat_text"] = caveat if isinstance(caveat, Joined) else None
    return ModalityEffect(**values)
