"""Reads of patients, histories and consents, scoped to the clinics the user works in.

Fetching and checking happen in one step: a patient the user may not see is reported
exactly like one that does not exist, so ids leak nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.history import Alert, age_on, history_alerts
from scarclinic.patients.alerts import alerts_in_language
from scarclinic.patients.models import (
    ConsentTemplateVersion,
    MedicalHistoryVersion,
    Patient,
    SignedConsent,
    TemplateStatus,
)
from scarclinic.patients.search import PatientQuery, parse_query


class PatientNotFound(Http404):
    """No such patient, or not one this user may see: the same answer for both."""


def patient_for_user(
    *,
    user: User | AnonymousUser,
    patient_id: int,
    perm: Perm = Perm.PATIENT_VIEW,
    audit: bool = True,
) -> Patient:
    """The patient, if the user's role in the patient's clinic grants ``perm``; audited."""
    clinic_ids = clinic_ids_with(user, perm)
    patient = (
        Patient.objects.select_related("clinic", "current_history")
        .filter(pk=patient_id, clinic_id__in=clinic_ids)
        .first()
    )
    if patient is None:
        raise PatientNotFound("No such patient.")
    if audit:
        audit_record(
            action=AuditAction.READ,
            object_type="patients.patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            clinic_id=patient.clinic_id,
            detail={"perm": str(perm)},
        )
    return patient


def _apply_query(qs: QuerySet[Patient], query: PatientQuery) -> QuerySet[Patient]:
    if query.birth_date:
        return qs.filter(date_of_birth=query.birth_date)
    if query.digits or query.mrn:
        condition = Q()
        if query.mrn:
            condition |= Q(mrn__istartswith=query.mrn)
        if len(query.digits) >= 4:
            # Stored and typed numbers are both national significant numbers (search.py).
            condition |= Q(phone_digits__startswith=query.digits)
        return qs.filter(condition)
    for term in query.name_terms:
        qs = qs.filter(Q(family_search__startswith=term) | Q(given_search__startswith=term))
    return qs


def patient_search(
    *, user: User | AnonymousUser, clinic_id: int, text: str, limit: int = 50
) -> list[Patient]:
    """Patients of one clinic matching a name, MRN, phone or birth date; audited as one list.

    Prefix matches use the btree indexes; on PostgreSQL a name that matches no prefix falls
    back to trigram similarity (pg_trgm index), which forgives a typo."""
    if clinic_id not in clinic_ids_with(user, Perm.PATIENT_VIEW):
        return []
    base = Patient.objects.filter(clinic_id=clinic_id).select_related("current_history")
    query = parse_query(text)
    if query.is_empty:
        patients = list(base.order_by("-registered_at", "-id")[:limit])
    else:
        patients = list(_apply_query(base, query)[:limit])
        if not patients and query.name_terms and connection.vendor == "postgresql":
            patients = _trigram_search(base, " ".join(query.name_terms), limit)
    audit_record(
        action=AuditAction.LIST,
        object_type="patients.patient",
        clinic_id=clinic_id,
        # Which patients were shown, not what was typed: the query may itself be a name.
        detail={"shown": [p.pk for p in patients], "kind": _query_kind(query)},
    )
    return patients


def _trigram_search(base: QuerySet[Patient], text: str, limit: int) -> list[Patient]:
    from django.contrib.postgres.search import TrigramSimilarity

    return list(
        base.annotate(similarity=TrigramSimilarity("name_search", text))
        .filter(name_search__trigram_similar=text)
        .order_by("-similarity", "id")[:limit]
    )


def _query_kind(query: PatientQuery) -> str:
    if query.birth_date:
        return "birth_date"
    if query.digits or query.mrn:
        return "number"
    return "name" if query.name_terms else "recent"


@dataclass(frozen=True)
class PatientChart:
    patient: Patient
    age: int
    history: MedicalHistoryVersion | None
    alerts: list[Alert]
    history_versions: list[MedicalHistoryVersion] | None  # None: the role may not see history
    consents: list[SignedConsent] | None


def patient_chart(*, user: User | AnonymousUser, patient_id: int) -> PatientChart:
    """Everything the chart page shows, in a fixed number of queries, with one audit entry."""
    patient = patient_for_user(user=user, patient_id=patient_id)
    can_history = patient.clinic_id in clinic_ids_with(user, Perm.HISTORY_VIEW)
    can_consent = patient.clinic_id in clinic_ids_with(user, Perm.CONSENT_VIEW)
    history = patient.current_history if can_history else None
    versions = (
        list(
            MedicalHistoryVersion.objects.filter(patient=patient)
            .select_related("recorded_by")
            .order_by("-version")
        )
        if can_history
        else None
    )
    consents = (
        list(
            SignedConsent.objects.filter(patient=patient)
            .select_related("witness", "recorded_by", "withdrawn_by")
            .order_by("-signed_at")
        )
        if can_consent
        else None
    )
    return PatientChart(
        patient=patient,
        age=age_on(patient.date_of_birth, timezone.localdate()),
        history=history,
        alerts=alerts_in_language(history_alerts(history.to_core())) if history else [],
        history_versions=versions,
        consents=consents,
    )


def consent_for_user(*, user: User | AnonymousUser, consent_id: int, perm: Perm) -> SignedConsent:
    consent = (
        SignedConsent.objects.select_related("patient", "witness", "recorded_by", "withdrawn_by")
        .filter(pk=consent_id, patient__clinic_id__in=clinic_ids_with(user, perm))
        .first()
    )
    if consent is None:
        raise PatientNotFound("No such consent.")
    audit_record(
        action=AuditAction.READ,
        object_type="patients.signedconsent",
        object_id=consent.pk,
        patient_id=consent.patient_id,
        clinic_id=consent.patient.clinic_id,
    )
    return consent


def active_template_versions(
    *, clinic_id: int, language: str | None = None
) -> list[ConsentTemplateVersion]:
    qs = ConsentTemplateVersion.objects.filter(
        template__clinic_id=clinic_id, status=TemplateStatus.ACTIVE
    ).select_related("template")
    if language:
        qs = qs.filter(language=language)
    return list(qs.order_by("template__procedure_type", "language"))


def age_today(birth_date: date) -> int:
    return age_on(birth_date, timezone.localdate())
