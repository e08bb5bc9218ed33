"""The analytics API: the clinic's precomputed figures, a refresh, and the forecast. Scoped
to a clinic where the caller's role grants ANALYTICS_VIEW; aggregate data only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from scarclinic.accounts.access import api_user, clinic_ids_with
from scarclinic.accounts.models import Clinic
from scarclinic.accounts.roles import Perm
from scarclinic.analytics import cohort, selectors, services
from scarclinic.analytics.models import AnalyticsSnapshot
from scarclinic.clinical.evidence import Modality

router = Router(tags=["analytics"])


class ClinicParams(Schema):
    clinic_id: int | None = None
    scale: str = cohort.DEFAULT_SCALE


class ForecastParams(ClinicParams):
    sessions: int = Field(3, ge=1, le=selectors.MAX_FORECAST_SESSIONS)
    modality: str | None = None


class SnapshotOut(Schema):
    clinic_id: int
    status: str
    progress: str
    computed_at: datetime | None
    duration_ms: int | None
    inputs: dict[str, Any]
    scale: str
    figures: dict[str, Any] | None


class ForecastOut(Schema):
    modality: str
    label: str
    sessions: int
    scale: str
    source: str
    basis: str
    expected_percent: float | None
    low: float | None
    high: float | None
    mean_low: float | None
    mean_high: float | None
    n_patients: int
    caveats: list[str]


def _clinic(request: HttpRequest, clinic_id: int | None) -> Clinic:
    """The clinic a call is about: the one named, else the active one, else the only one."""
    allowed = clinic_ids_with(request.user, Perm.ANALYTICS_VIEW)
    if clinic_id is not None:
        if clinic_id not in allowed:
            raise PermissionDenied
        chosen = clinic_id
    else:
        active = getattr(request, "clinic", None)
        if active is not None and active.pk in allowed:
            chosen = active.pk
        elif len(allowed) == 1:
            chosen = allowed[0]
        else:
            raise ValidationError({"clinic_id": gettext("You work in several clinics: say which.")})
    return Clinic.objects.get(pk=chosen)


def _scale(value: str) -> str:
    if value not in cohort.SCALES:
        raise ValidationError(
            {
                "scale": gettext("Unknown scale: use %(scales)s.")
                % {"scales": ", ".join(cohort.SCALES)}
            }
        )
    return value


def _out(snapshot: AnalyticsSnapshot | None, clinic: Clinic, scale: str) -> dict[str, Any]:
    return {
        "clinic_id": clinic.pk,
        "status": snapshot.status if snapshot else "empty",
        "progress": snapshot.progress if snapshot else "",
        "computed_at": snapshot.computed_at if snapshot else None,
        "duration_ms": snapshot.duration_ms if snapshot else None,
        "inputs": snapshot.inputs if snapshot else {},
        "scale": scale,
        "figures": selectors.figures_of(snapshot, scale),
    }


@router.get("/snapshot", response=SnapshotOut, summary="The clinic's precomputed cohort figures")
def snapshot(request: HttpRequest, params: Query[ClinicParams]) -> dict[str, Any]:
    api_user(request, Perm.ANALYTICS_VIEW)
    clinic = _clinic(request, params.clinic_id)
    scale = _scale(params.scale)
    return _out(selectors.snapshot_for_clinic(clinic_id=clinic.pk), clinic, scale)


@router.post(
    "/refresh",
    response={202: SnapshotOut},
    summary="Recompute the clinic's figures in the background",
)
def refresh(request: HttpRequest, params: Query[ClinicParams]) -> Status[dict[str, Any]]:
    user = api_user(request, Perm.ANALYTICS_VIEW)
    clinic = _clinic(request, params.clinic_id)
    scale = _scale(params.scale)
    snapshot = services.snapshot_request_refresh(clinic=clinic, by=user)
    snapshot.refresh_from_db()  # the immediate backend (development) has already computed it
    return Status(202, _out(snapshot, clinic, scale))


@router.get("/forecast", response=list[ForecastOut], summary="Forecast for a new patient")
def forecast(request: HttpRequest, params: Query[ForecastParams]) -> list[dict[str, Any]]:
    api_user(request, Perm.ANALYTICS_VIEW)
    clinic = _clinic(request, params.clinic_id)
    scale = _scale(params.scale)
    if params.modality is not None and params.modality not in Modality._value2member_map_:
        raise ValidationError({"modality": gettext("Unknown treatment.")})
    figures = selectors.figures_of(selectors.snapshot_for_clinic(clinic_id=clinic.pk), scale)
    return [
        {
            "modality": f.modality,
            "label": f.label,
            "sessions": f.sessions,
            "scale": f.scale,
            "source": f.source,
            "basis": f.basis,
            "expected_percent": f.expected_percent,
            "low": f.low,
            "high": f.high,
            "mean_low": f.mean_low,
            "mean_high": f.mean_high,
            "n_patients": f.n_patients,
            "caveats": list(f.caveats),
        }
        for f in selectors.forecasts(
            figures, scale=scale, sessions=params.sessions, modality=params.modality
        )
    ]
