"""Candidacy screening, treatment comparison and shared decisions over HTTP, with the web UI's
permissions. Mounted at /api/v1/consultation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Query, Router, Schema, Status

from scarclinic.accounts.access import api_user, clinic_ids_with
from scarclinic.accounts.models import Clinic
from scarclinic.accounts.roles import Perm
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.selectors import patient_for_user
from scarclinic.treatments.models import ConsultationLabs, PriceListEntry, SharedDecision
from scarclinic.treatments.schemas import (
    DecisionIn,
    DecisionOut,
    LabsIn,
    LabsOut,
    PatientScreeningOut,
    PriceIn,
    PriceOut,
    RecommendationsOut,
    RulesChangeIn,
    RulesOut,
)
from scarclinic.treatments.selectors import consultation as selectors
from scarclinic.treatments.services import consultation as services

router = Router(tags=["consultation"])


def _clinic(request: HttpRequest, clinic_id: int | None, *perms: Perm) -> Clinic:
    """The clinic a call is about: the one named, else the active one, else the only one."""
    allowed = sorted({c for p in perms for c in clinic_ids_with(request.user, p)})
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


class ScreeningParams(Schema):
    modality: Modality


@router.get(
    "/patients/{int:patient_id}/screening",
    response=PatientScreeningOut,
    summary="Screen a patient for one treatment",
)
def screening(
    request: HttpRequest, patient_id: int, params: Query[ScreeningParams]
) -> dict[str, Any]:
    """Screening with the clinic's rules today; kept with the rule set version it used."""
    api_user(request, Perm.CONSULTATION_VIEW)
    c = selectors.consultation_for_user(user=request.user, patient_id=patient_id)
    if not c.is_ready:
        raise ValidationError(c.missing)
    assert c.assessment is not None and c.history is not None
    services.screenings_record(consultation=c, by=api_user(request), modalities=[params.modality])
    row = next(r for r in c.screening_rows if r["modality"] == params.modality.value)
    return {
        **row,
        "patient_id": c.patient.pk,
        "on_date": c.on_date,
        "rule_set_version": c.rule_set_version,
        "assessment_id": c.assessment.pk,
        "history_version": c.history.version,
    }


@router.get(
    "/patients/{int:patient_id}/options",
    response=RecommendationsOut,
    summary="Treatment options for a patient, ranked",
)
def options(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """Every treatment and combination, ranked for the latest signed assessment, with its
    evidence, cost and screening. ``ready`` is false (and ``missing`` says why) until the
    patient has a medical history and a signed assessment."""
    api_user(request, Perm.CONSULTATION_VIEW)
    c = selectors.consultation_for_user(user=request.user, patient_id=patient_id)
    services.screenings_record(consultation=c, by=api_user(request))
    return {
        "patient_id": c.patient.pk,
        "on_date": c.on_date,
        "ready": c.is_ready,
        "missing": c.missing,
        "rule_set_version": c.rule_set_version,
        "assessment_id": c.assessment.pk if c.assessment else None,
        "history_version": c.history.version if c.history else None,
        "fingerprint": c.fingerprint,
        "notes": c.notes,
        "options": c.option_cards,
    }


@router.get(
    "/patients/{int:patient_id}/decisions",
    response=list[DecisionOut],
    summary="Shared decisions of a patient",
)
def list_decisions(request: HttpRequest, patient_id: int) -> list[SharedDecision]:
    api_user(request, Perm.CONSULTATION_VIEW)
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.CONSULTATION_VIEW
    )
    return selectors.decisions_for_patient(patient=patient)


@router.post(
    "/patients/{int:patient_id}/decisions",
    response={201: DecisionOut},
    summary="Record the patient's decision",
)
def record_decision(
    request: HttpRequest, patient_id: int, body: DecisionIn
) -> Status[SharedDecision]:
    """The options shown are snapshotted by the server; ``chosen`` must be an option that can
    go ahead now, or ``none_yet``. Send the ``fingerprint`` of the options the patient saw:
    if they changed meanwhile, nothing is saved."""
    api_user(request, Perm.DECISION_RECORD)
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.DECISION_RECORD, audit=False
    )
    decision = services.decision_record(
        patient=patient,
        by=api_user(request),
        chosen=body.chosen,
        questions=body.questions,
        fingerprint=body.fingerprint,
    )
    return Status(201, decision)


@router.post(
    "/patients/{int:patient_id}/labs",
    response={201: LabsOut},
    summary="Record blood results and facts for screening",
)
def record_labs(request: HttpRequest, patient_id: int, body: LabsIn) -> Status[ConsultationLabs]:
    api_user(request, Perm.HISTORY_EDIT)
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.HISTORY_EDIT, audit=False
    )
    return Status(
        201, services.labs_record(patient=patient, by=api_user(request), **body.model_dump())
    )


# ------------------------------------------------------------------------------------------
# The clinic's rules and prices


def _rules_out(clinic: Clinic) -> dict[str, Any]:
    current = selectors.clinic_rules(clinic_id=clinic.pk)
    rule_set = current.rule_set
    return {
        "clinic_id": clinic.pk,
        "version": rule_set.version,
        "base_version": rule_set.base_version,
        "settings": current.settings,
        "rules": [
            {
                "id": r.id,
                "title": r.title,
                "modalities": (
                    [m.value for m in Modality]
                    if r.applies_to == "all"
                    else sorted(m.value for m in r.applies_to)
                ),
                "outcome": r.outcome.value,
                "action": r.action,
                "explanation": r.explanation,
                "source": r.source,
                "verified": r.verified,
                "enabled": r.id not in rule_set.disabled,
                "thresholds": list(r.thresholds),
            }
            for r in rule_set.rules
        ],
        "thresholds": [
            {
                "name": t.name,
                "value": rule_set.threshold(t.name),
                "default": t.default,
                "unit": t.unit,
                "minimum": t.minimum,
                "maximum": t.maximum,
                "whole": t.whole,
                "source": t.source,
            }
            for t in rule_set.thresholds
        ],
    }


class ClinicParams(Schema):
    clinic_id: int | None = None


@router.get("/rules", response=RulesOut, summary="Candidacy rules in force at a clinic")
def get_rules(request: HttpRequest, params: Query[ClinicParams]) -> dict[str, Any]:
    api_user(request, Perm.CONSULTATION_VIEW, Perm.RULES_MANAGE)
    clinic = _clinic(request, params.clinic_id, Perm.CONSULTATION_VIEW, Perm.RULES_MANAGE)
    return _rules_out(clinic)


@router.post("/rules", response={201: RulesOut}, summary="Change the candidacy rules")
def change_rules(request: HttpRequest, body: RulesChangeIn) -> Status[dict[str, Any]]:
    """Switch rules off or on, set thresholds (null resets one); kept as a new version and
    audited. Switching a rule off needs a ``reason``."""
    api_user(request, Perm.RULES_MANAGE)
    clinic = _clinic(request, body.clinic_id, Perm.RULES_MANAGE)
    services.rule_settings_change(
        clinic=clinic,
        by=api_user(request),
        disable=body.disable,
        enable=body.enable,
        thresholds=body.thresholds,
        reason=body.reason,
    )
    return Status(201, _rules_out(clinic))


def _price_out(entry: PriceListEntry, in_force: set[int]) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "clinic_id": entry.clinic_id,
        "modality": entry.modality,
        "modality_label": entry.modality_label,
        "price_per_session": entry.price_per_session,
        "currency": entry.currency,
        "effective_from": entry.effective_from,
        "is_demo": entry.is_demo,
        "in_force": entry.pk in in_force,
    }


@router.get("/prices", response=list[PriceOut], summary="A clinic's price list")
def get_prices(request: HttpRequest, params: Query[ClinicParams]) -> list[dict[str, Any]]:
    """Every entry, per treatment newest first; ``in_force`` marks today's prices."""
    api_user(request, Perm.CONSULTATION_VIEW, Perm.PRICES_MANAGE)
    clinic = _clinic(request, params.clinic_id, Perm.CONSULTATION_VIEW, Perm.PRICES_MANAGE)
    current = selectors.current_prices(clinic_id=clinic.pk, on_date=timezone.localdate())
    in_force = {p.pk for p in current.values()}
    return [_price_out(e, in_force) for e in selectors.price_list(clinic_id=clinic.pk)]


@router.post("/prices", response={201: PriceOut}, summary="Add a price")
def add_price(request: HttpRequest, body: PriceIn) -> Status[dict[str, Any]]:
    api_user(request, Perm.PRICES_MANAGE)
    clinic = _clinic(request, body.clinic_id, Perm.PRICES_MANAGE)
    entry = services.price_set(
        clinic=clinic,
        by=api_user(request),
        modality=body.modality.value,
        price_per_session=body.price_per_session,
        currency=body.currency,
        effective_from=body.effective_from,
    )
    current = selectors.current_prices(clinic_id=clinic.pk, on_date=timezone.localdate())
    return Status(201, _price_out(entry, {p.pk for p in current.values()}))
