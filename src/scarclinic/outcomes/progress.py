"""One patient's progress: the timeline of their care, their scores over time with the
sessions marked, % improvement from baseline per scale and per facial region, and a photo
comparison of one standard view at two visits.

The figures come from the clinical core (:mod:`scarclinic.clinical.outcomes`); this module
only reads the rows and hands them over. It reads in a fixed number of queries whatever the
length of the patient's history (the progress page test counts them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm, role_has
from scarclinic.assessments.models import (
    AssessmentStatus,
    PatientReportedOutcome,
    Photo,
    PhotoSet,
    PhotoUse,
    ScarAssessment,
)
from scarclinic.assessments.models.photo import PhotoView
from scarclinic.assessments.photo_selectors import Comparison, allowed_uses, photo_comparison
from scarclinic.assessments.selectors import effective_scores
from scarclinic.biologics.models import ProductAdministration
from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.morphology import FacialRegion
from scarclinic.clinical.outcomes import (
    SCALE_LABELS,
    RegionImprovement,
    ScaleProgress,
    ScoreObservation,
    patient_progress,
    region_improvement,
)
from scarclinic.outcomes.models import AdverseEvent, AdverseEventStatus
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import ProcedureRecord
from scarclinic.treatments.models.procedures import ProcedureStatus
from scarclinic.web.charts import Series, line_chart_svg

GOODMAN_BARON = "goodman_baron_quantitative"
ECCA = "ecca"
_PRO_PREFIX = "pro:"


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str  # assessment, procedure, product, photos, questionnaire, adverse_event
    kind_label: str
    title: str
    detail: str = ""
    url: str = ""
    flag: str = ""  # a badge: "draft", "serious", "entered in error" ...


@dataclass(frozen=True)
class ScaleSummary:
    key: str
    label: str
    progress: ScaleProgress
    chart_svg: str

    @property
    def percent(self) -> float | None:
        return self.progress.percent_improvement


@dataclass
class Progress:
    patient: Patient
    timeline: list[TimelineEntry]
    scales: list[ScaleSummary]
    regions: RegionImprovement | None
    region_dates: tuple[date, date] | None
    session_dates: list[date]
    adverse_events: list[AdverseEvent]
    comparison: Comparison | None
    comparable_views: list[tuple[str, str]] = field(default_factory=list)
    can_see_photos: bool = False

    @property
    def region_rows(self) -> list[tuple[str, Any]]:
        if self.regions is None:
            return []
        return [(_region_label(r.region), r) for r in self.regions.regions]


def _region_label(region: str) -> str:
    try:
        return _(FacialRegion(region).label)  # noqa: INT001 - the names are in the catalogue
    except ValueError:
        return region


def _modality_label(value: str) -> str:
    try:
        return _(Modality(value).label)  # noqa: INT001 - the names are in the catalogue
    except ValueError:
        return value


def _scale_label(key: str, instruments: Mapping[str, str]) -> str:
    if key.startswith(_PRO_PREFIX):
        return instruments.get(key, key[len(_PRO_PREFIX) :])
    return _(SCALE_LABELS[key]) if key in SCALE_LABELS else key  # noqa: INT001 - in the catalogue


def _effective_findings(assessment: ScarAssessment) -> dict[str, dict[str, int]]:
    """Counts per region and morphology as they stand: the latest count correction if any
    (addenda prefetched, oldest first), else the signed findings."""
    correction = next(
        (a for a in reversed(list(assessment.addenda.all())) if a.corrected_findings is not None),
        None,
    )
    if correction is not None:
        return {
            region: {m: int(n) for m, n in counts.items()}
            for region, counts in (correction.corrected_findings or {}).items()
        }
    grid: dict[str, dict[str, int]] = {}
    for finding in assessment.findings.all():
        grid.setdefault(finding.region, {})[finding.morphology] = finding.count
    return grid


def _sessions_before(on: date, session_dates: list[date]) -> int:
    # An assessment on the day of a session is taken before it (the clinic assesses, then
    # treats), as the clinical core's TreatmentSession says.
    return sum(1 for d in session_dates if d < on)


def progress_for(
    *,
    patient: Patient,
    user: User,
    role: str,
    view: str = "",
    before_set_id: int | None = None,
    after_set_id: int | None = None,
    charts: bool = True,
) -> Progress:
    """The patient's progress page. The caller fetched the patient with OUTCOMES_VIEW (which
    audits the read). Photos only for a role that may see them, and only those the patient
    allows for the clinical record."""
    assessments = list(
        ScarAssessment.objects.filter(patient=patient, status=AssessmentStatus.SIGNED)
        .select_related("assessed_by")
        .prefetch_related("addenda", "findings")
        .order_by("visit_date", "id")
    )
    responses = list(
        PatientReportedOutcome.objects.filter(patient=patient)
        .select_related("instrument")
        .order_by("visit_date", "id")
    )
    procedures = list(
        ProcedureRecord.objects.filter(patient=patient)
        .select_related("session__plan")
        .order_by("performed_on", "id")
    )
    administrations = list(
        ProductAdministration.objects.filter(patient=patient)
        .select_related("product", "product__collection")
        .order_by("administered_at", "id")
    )
    events = list(
        AdverseEvent.objects.filter(patient=patient)
        .select_related("procedure", "product_unit")
        .order_by("onset_on", "id")
    )
    can_see_photos = role_has(role, Perm.PHOTO_VIEW) and PhotoUse.CLINICAL in allowed_uses(
        patient=patient
    )
    photo_sets: list[PhotoSet] = []
    if can_see_photos:
        photo_sets = list(
            PhotoSet.objects.filter(patient=patient)
            .prefetch_related("photos")
            .order_by("visit_date", "id")
        )

    session_dates = [p.performed_on for p in procedures if p.status == ProcedureStatus.SIGNED]

    # Scores on each scale, as they stand after corrections.
    observations: list[ScoreObservation] = []
    for a in assessments:
        scores = effective_scores(a)
        n = _sessions_before(a.visit_date, session_dates)
        if scores.goodman_baron is not None:
            observations.append(
                ScoreObservation(patient.pk, a.visit_date, GOODMAN_BARON, scores.goodman_baron, n)
            )
        if scores.ecca is not None:
            observations.append(ScoreObservation(patient.pk, a.visit_date, ECCA, scores.ecca, n))
    instruments: dict[str, str] = {}
    higher_is_better: set[str] = set()
    for r in responses:
        key = f"{_PRO_PREFIX}{r.instrument.code}"
        instruments[key] = r.instrument.name
        if not r.instrument.higher_is_worse:
            higher_is_better.add(key)
        observations.append(
            ScoreObservation(
                patient.pk,
                r.visit_date,
                key,
                float(r.score),
                _sessions_before(r.visit_date, session_dates),
            )
        )
    by_scale = patient_progress(observations, higher_is_better=higher_is_better)
    scales = [
        ScaleSummary(
            key=key,
            label=_scale_label(key, instruments),
            progress=p,
            chart_svg=_scale_chart(key, _scale_label(key, instruments), p, session_dates)
            if charts
            else "",
        )
        for key, p in by_scale.items()
    ]

    regions = None
    region_dates = None
    if len(assessments) >= 2:
        first, last = assessments[0], assessments[-1]
        regions = region_improvement(_effective_findings(first), _effective_findings(last))
        region_dates = (first.visit_date, last.visit_date)

    timeline = _timeline(
        assessments=assessments,
        responses=responses,
        procedures=procedures,
        administrations=administrations,
        events=events,
        photo_sets=photo_sets,
        user=user,
        role=role,
    )

    comparison = None
    comparable: list[tuple[str, str]] = []
    if can_see_photos:
        dates_by_view: dict[str, set[date]] = {}
        for s in photo_sets:
            for photo in s.photos.all():
                dates_by_view.setdefault(photo.view, set()).add(s.visit_date)
        comparable = [
            (v.value, str(v.label))
            for v in PhotoView
            if v != PhotoView.CLOSE_UP and len(dates_by_view.get(v.value, ())) >= 2
        ]
        if comparable:
            chosen = view if view in {v for v, _label in comparable} else comparable[0][0]
            comparison = photo_comparison(
                patient=patient,
                view=chosen,
                before_set_id=before_set_id,
                after_set_id=after_set_id,
            )

    return Progress(
        patient=patient,
        timeline=timeline,
        scales=scales,
        regions=regions,
        region_dates=region_dates,
        session_dates=session_dates,
        adverse_events=events,
        comparison=comparison,
        comparable_views=comparable,
        can_see_photos=can_see_photos,
    )


def _percent_text(value: float | None) -> str:
    if value is None:
        return _("not computable (baseline 0)")
    return f"{round(value) + 0:d}%"


def _scale_chart(key: str, label: str, p: ScaleProgress, sessions: list[date]) -> str:
    points = [(pt.on, pt.score) for pt in p.trajectory]
    direction = _("lower is better") if p.higher_is_worse else _("higher is better")
    desc = _(
        "%(label)s from %(base)s on %(base_on)s to %(last)s on %(last_on)s (%(direction)s): "
        "%(change)s improvement from baseline over %(n)s assessments; %(sessions)s treatment "
        "sessions marked."
    ) % {
        "label": label,
        "base": f"{p.baseline.score:g}",
        "base_on": date_format(p.baseline.on, "SHORT_DATE_FORMAT"),
        "last": f"{p.latest.score:g}",
        "last_on": date_format(p.latest.on, "SHORT_DATE_FORMAT"),
        "direction": direction,
        "change": _percent_text(p.percent_improvement),
        "n": len(p.trajectory),
        "sessions": len(sessions),
    }
    y_max = {GOODMAN_BARON: 84.0, ECCA: 540.0}.get(key)  # scale maxima, clinical reference §3, §4
    safe_id = "scale-" + "".join(c if c.isalnum() else "-" for c in key)
    return line_chart_svg(
        title=label,
        desc=desc,
        series=[Series(label, points)],
        markers=sessions,
        marker_label=_("Treatment session"),
        x_label=_("Visit date"),
        y_label=_("Score (%(direction)s)") % {"direction": direction},
        y_min=0.0,
        y_max=None if y_max is None else min(y_max, max(s for _d, s in points) * 1.25 + 1),
        empty_text=_("No scores yet"),
        date_label=lambda on: date_format(on, "SHORT_DATE_FORMAT"),
        chart_id=safe_id,
        width=8.0,
        height=2.8,
    )


def _timeline(
    *,
    assessments: list[ScarAssessment],
    responses: list[PatientReportedOutcome],
    procedures: list[ProcedureRecord],
    administrations: list[ProductAdministration],
    events: list[AdverseEvent],
    photo_sets: list[PhotoSet],
    user: User,
    role: str,
) -> list[TimelineEntry]:
    can = {p: role_has(role, p) for p in Perm}
    entries: list[TimelineEntry] = []
    for a in assessments:
        s = effective_scores(a)
        parts = []
        if s.goodman_baron is not None:
            parts.append(_("Goodman & Baron %(n)s") % {"n": s.goodman_baron})
        if s.ecca is not None:
            parts.append(_("ECCA %(n)s") % {"n": s.ecca})
        if s.grade:
            parts.append(_("grade %(n)s") % {"n": s.grade})
        entries.append(
            TimelineEntry(
                on=a.visit_date,
                kind="assessment",
                kind_label=_("Assessment"),
                title=_("Scar assessment"),
                detail=", ".join(parts) + (" " + _("(corrected)") if s.corrected else ""),
                url=reverse("assessments:detail", args=[a.pk]) if can[Perm.ASSESSMENT_VIEW] else "",
            )
        )
    for r in responses:
        entries.append(
            TimelineEntry(
                on=r.visit_date,
                kind="questionnaire",
                kind_label=_("Questionnaire"),
                title=r.instrument.name,
                detail=_("score %(n)s") % {"n": f"{r.score.normalize():f}"},
            )
        )
    for p in procedures:
        entries.append(
            TimelineEntry(
                on=p.performed_on,
                kind="procedure",
                kind_label=_("Session"),
                title=_modality_label(p.modality),
                detail=_("signed") if p.status == ProcedureStatus.SIGNED else _("not signed yet"),
                url=reverse("plans:session", args=[p.session_id]) if can[Perm.PLAN_VIEW] else "",
                flag="" if p.status == ProcedureStatus.SIGNED else "draft",
            )
        )
    for adm in administrations:
        entries.append(
            TimelineEntry(
                on=adm.administered_at.date(),
                kind="product",
                kind_label=_("Cell product"),
                title=adm.product.get_product_type_display(),
                detail=_("unit %(din)s, %(volume)s mL, %(route)s")
                % {
                    "din": adm.product.din,
                    "volume": f"{adm.volume_ml.normalize():f}",
                    "route": adm.route,
                },
                url=reverse("biologics:product", args=[adm.product_id])
                if can[Perm.PRODUCT_VIEW]
                else "",
            )
        )
    for photo_set in photo_sets:
        count = len(photo_set.photos.all())
        entries.append(
            TimelineEntry(
                on=photo_set.visit_date,
                kind="photos",
                kind_label=_("Photos"),
                title=_("Photo set"),
                detail=_("%(n)s photo(s)") % {"n": count},
                url=reverse("assessments:photo_set", args=[photo_set.pk]),
            )
        )
    for e in events:
        flag = ""
        if e.status == AdverseEventStatus.ENTERED_IN_ERROR:
            flag = "entered in error"
        elif e.status == AdverseEventStatus.DRAFT:
            flag = "draft"
        elif e.serious:
            flag = "serious"
        entries.append(
            TimelineEntry(
                on=e.onset_on,
                kind="adverse_event",
                kind_label=_("Adverse event"),
                title=e.get_category_display() or _("Reported by the patient"),
                detail=(e.get_severity_display() or _("not graded yet")),
                url=reverse("outcomes:event", args=[e.pk]) if can[Perm.ADVERSE_EVENT_VIEW] else "",
                flag=flag,
            )
        )
    order = Counter(
        {
            "assessment": 0,
            "questionnaire": 1,
            "photos": 2,
            "procedure": 3,
            "product": 4,
            "adverse_event": 5,
        }
    )
    entries.sort(key=lambda t: (t.on, order[t.kind]))
    return entries


def photo_sizes(photo: Photo | None, width: int = 320, height: int = 400) -> tuple[int, int]:
    """Width and height of a photo fitted in a box, for the img attributes."""
    if photo is None:
        return (0, 0)
    scale = min(width / max(photo.width, 1), height / max(photo.height, 1), 1.0)
    return max(1, round(photo.width * scale)), max(1, round(photo.height * scale))
