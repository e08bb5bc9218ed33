"""The clinic's analytics pages: thin views over the precomputed snapshot of the active
clinic (one query), charts drawn on the server and cached per snapshot and language."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scarclinic.accounts.access import ClinicRequest, requires
from scarclinic.accounts.roles import Perm
from scarclinic.analytics import cohort, selectors, services
from scarclinic.analytics.forms import SCALE_CHOICES, ForecastForm
from scarclinic.analytics.models import AnalyticsSnapshot
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.outcomes import DEFAULT_RESPONDER_THRESHOLD
from scarclinic.patients.selectors import PatientNotFound
from scarclinic.web.charts import Bar, bar_chart_svg, hbar_chart_svg


def _common(request: ClinicRequest) -> tuple[AnalyticsSnapshot | None, str, dict[str, Any] | None]:
    scale = selectors.scale_of(request.GET.get("scale"))
    snapshot = selectors.snapshot_for_clinic(clinic_id=request.clinic.pk)
    return snapshot, scale, selectors.figures_of(snapshot, scale)


def _scale_label(scale: str) -> str:
    return str(dict(SCALE_CHOICES)[scale])


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _bars(rows: list[dict[str, Any]], *, full: bool = False) -> list[Bar]:
    return [
        Bar(
            label=r["label"] if full or len(r["label"]) <= 22 else r["label"][:20] + "…",
            value=r["mean"],
            low=r["ci_low"],
            high=r["ci_high"],
            note=f"n = {r['n']}",
        )
        for r in rows
        if r["mean"] is not None
    ]


def _charts(snapshot: AnalyticsSnapshot, scale: str, figures: dict[str, Any]) -> dict[str, str]:
    """The page's charts; drawn once per snapshot, scale and language, then cached."""
    stamp = snapshot.computed_at.isoformat() if snapshot.computed_at else ""
    key = f"analytics-charts:{snapshot.clinic_id}:{stamp}:{scale}:{get_language()}"
    charts: dict[str, str] | None = cache.get(key)
    if charts is not None:
        return charts
    scale_label = _scale_label(scale)
    modality = figures["tables"]["modality"]
    sessions = figures["tables"]["sessions"]
    effects = cohort.effects_from_json(figures["model"]).effects
    charts = {
        "modality": hbar_chart_svg(
            title=_("Mean improvement by modality"),
            desc=_(
                "Mean %% improvement in %(scale)s from baseline to the latest assessment, "
                "with 95%% confidence intervals: %(values)s."
            )
            % {
                "scale": scale_label,
                "values": "; ".join(
                    f"{r['label']} {_pct(r['mean'])} (n = {r['n']})" for r in modality
                ),
            },
            bars=_bars(modality, full=True),
            x_label=_("% improvement (95% CI)"),
            empty_text=_("No patients with a follow-up assessment yet."),
            chart_id="chart-modality",
        ),
        "sessions": bar_chart_svg(
            title=_("Mean improvement by number of sessions"),
            desc=_(
                "Mean %% improvement in %(scale)s by the number of sessions between the "
                "baseline and the latest assessment: %(values)s."
            )
            % {
                "scale": scale_label,
                "values": "; ".join(
                    f"{r['label']}: {_pct(r['mean'])} (n = {r['n']})" for r in sessions
                ),
            },
            bars=_bars(sessions),
            x_label=_("Sessions"),
            # xgettext:no-python-format
            y_label=_("% improvement"),
            empty_text=_("No patients with a follow-up assessment yet."),
            chart_id="chart-sessions",
        ),
        "model": hbar_chart_svg(
            title=_("Improvement per session (mixed-effects model)"),
            desc=_(
                "Each modality's %% improvement per session in %(scale)s with its 95%% "
                "confidence interval: %(values)s."
            )
            % {
                "scale": scale_label,
                "values": "; ".join(
                    f"{_(e.label)} {_pct(e.estimate)} (n = {e.n_patients})"  # noqa: INT001
                    for e in effects
                ),
            },
            bars=[
                Bar(
                    label=_(e.label),  # noqa: INT001 - the modality names are in the catalogue
                    value=e.estimate,
                    low=e.ci_low,
                    high=e.ci_high,
                    note=f"n = {e.n_patients}",
                )
                for e in effects
                if e.estimate is not None
            ],
            x_label=_("% improvement per session (95% CI)"),
            empty_text=_("No patients with a follow-up assessment yet."),
            chart_id="chart-model",
        ),
    }
    cache.set(key, charts, 60 * 60)
    return charts


@requires(Perm.ANALYTICS_VIEW)
def overview(request: ClinicRequest) -> HttpResponse:
    snapshot, scale, figures = _common(request)
    charts = _charts(snapshot, scale, figures) if snapshot and figures else {}
    effects = cohort.effects_from_json(figures["model"]) if figures else None
    return render(
        request,
        "analytics/overview.html",
        {
            "snapshot": snapshot,
            "scale": scale,
            "scale_label": _scale_label(scale),
            "scales": SCALE_CHOICES,
            "figures": figures,
            "tables": figures["tables"] if figures else None,
            "effects": effects,
            "charts": {k: mark_safe(v) for k, v in charts.items()},  # noqa: S308 - escaped in charts.py
            "threshold": DEFAULT_RESPONDER_THRESHOLD,
            "min_patients": selectors.min_patients(),
            "table_titles": selectors.TABLES,
        },
    )


@requires(Perm.ANALYTICS_VIEW)
def comparison(request: ClinicRequest) -> HttpResponse:
    snapshot, scale, figures = _common(request)
    return render(
        request,
        "analytics/comparison.html",
        {
            "snapshot": snapshot,
            "scale": scale,
            "scale_label": _scale_label(scale),
            "scales": SCALE_CHOICES,
            "figures": figures,
            "rows": selectors.comparison_rows(figures),
            "not_measured": selectors.NOT_MEASURED,
            "threshold": DEFAULT_RESPONDER_THRESHOLD,
        },
    )


@requires(Perm.ANALYTICS_VIEW)
def forecast_view(request: ClinicRequest) -> HttpResponse:
    snapshot = selectors.snapshot_for_clinic(clinic_id=request.clinic.pk)
    form = ForecastForm(request.GET or None)
    results = []
    baseline = None
    scale = cohort.DEFAULT_SCALE
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        scale = selectors.scale_of(data.get("scale"))
        if data.get("patient"):
            try:
                baseline = selectors.patient_baseline(
                    user=request.user, patient_id=data["patient"], scale=scale
                )
            except PatientNotFound as error:
                raise Http404 from error
            if baseline.patient.clinic_id != request.clinic.pk:
                raise Http404
        figures = selectors.figures_of(snapshot, scale)
        for f in selectors.forecasts(
            figures, scale=scale, sessions=data["sessions"], modality=data.get("modality") or None
        ):
            expected_score = None
            if baseline and baseline.score is not None and f.expected_percent is not None:
                expected_score = baseline.score * (1 - f.expected_percent / 100)
            results.append({"forecast": f, "expected_score": expected_score})
    return render(
        request,
        "analytics/forecast.html",
        {
            "snapshot": snapshot,
            "form": form,
            "results": results,
            "baseline": baseline,
            "scale": scale,
            "scale_label": _scale_label(scale),
        },
    )


@requires(Perm.ANALYTICS_VIEW)
def status(request: ClinicRequest) -> HttpResponse:
    """The refresh status, polled by htmx while a refresh runs; once a newer snapshot is
    ready it asks htmx to reload the page (HX-Refresh), so no script is needed."""
    snapshot = selectors.snapshot_for_clinic(clinic_id=request.clinic.pk)
    response = render(request, "analytics/_status.html", {"snapshot": snapshot})
    shown = request.GET.get("shown", "")
    if (
        snapshot is not None
        and not snapshot.refreshing
        and snapshot.computed_at is not None
        and snapshot.computed_at.isoformat() != shown
        and request.htmx
    ):
        response["HX-Refresh"] = "true"
    return response


@require_POST
@requires(Perm.ANALYTICS_VIEW)
def refresh(request: ClinicRequest) -> HttpResponse:
    snapshot = services.snapshot_request_refresh(clinic=request.clinic, by=request.user)
    snapshot.refresh_from_db()  # the immediate backend (development) has already computed it
    if request.htmx:
        return render(request, "analytics/_status.html", {"snapshot": snapshot})
    return redirect("analytics:overview")


@requires(Perm.ANALYTICS_VIEW)
def export_csv(request: ClinicRequest, table: str) -> HttpResponse:
    if table not in selectors.TABLES:
        raise Http404
    try:
        sessions = int(request.GET.get("sessions", "3"))
    except ValueError:
        sessions = 0
    if not 1 <= sessions <= selectors.MAX_FORECAST_SESSIONS:
        return HttpResponse(
            _("The number of sessions must be 1 to %(n)d.")
            % {"n": selectors.MAX_FORECAST_SESSIONS},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    snapshot, scale, figures = _common(request)
    audit_record(
        action=AuditAction.EXPORT,
        object_type="analytics.table",
        object_id=table,
        clinic_id=request.clinic.pk,
        detail={
            "format": "csv",
            "scale": scale,
            "sessions": sessions if table == "forecast" else None,
            "computed_at": snapshot.computed_at.isoformat()
            if snapshot and snapshot.computed_at
            else None,
        },
    )
    response = HttpResponse(
        selectors.table_csv(table, figures, scale=scale, sessions=sessions),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{table}-{scale}-{timezone.localdate().isoformat()}.csv"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
