"""Reads for the portal. Every one starts from the signed-in user's own patient record
(:func:`own_patient`): a patient reaches nothing of anyone else, and anything fetched by id is
fetched together with that patient, so another patient's id is answered 404 like a missing
one. Each page is audited as a read through the portal.

What the portal never shows: staff notes (procedure addenda, plan changes and stop reasons,
appointment cancel reasons, the clinic's assessment of a reported side effect)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from scarclinic.accounts.models import User
from scarclinic.assessments.models import (
    AssessmentStatus,
    Instrument,
    PatientReportedOutcome,
    Photo,
    PhotoSet,
    ScarAssessment,
)
from scarclinic.assessments.photo_selectors import thumbnail_size
from scarclinic.assessments.selectors import effective_scores, instruments_for
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.history import age_on
from scarclinic.patients.models import (
    ConsentTemplateVersion,
    Patient,
    ProcedureType,
    SignedConsent,
    TemplateStatus,
)
from scarclinic.portal.models import ConsentRequest, HistoryUpdate, PostCareTick
from scarclinic.treatments.models import (
    Appointment,
    AppointmentStatus,
    PlanStatus,
    PostCareGiven,
    ProcedureRecord,
    SessionStatus,
    TreatmentPlan,
)
from scarclinic.treatments.selectors.plans import SessionRow, session_rows

# The checklist covers at least the first week after a session, longer when the clinic's
# instructions name a later reminder day.
CHECKLIST_MIN_DAYS = 7


class NotYours(Http404):
    """Missing, or another patient's: the same answer for both."""


def own_patient(*, user: User) -> Patient:
    """The patient record linked to this sign-in, or 404."""
    patient = Patient.objects.select_related("clinic").filter(portal_user=user).first()
    if patient is None:
        raise Http404("No patient record is linked to this sign-in.")
    return patient


def own_patient_for_page(*, user: User, page: str) -> Patient:
    """The patient record, for a portal page that shows a form: the visit is audited too."""
    patient = own_patient(user=user)
    _audit(patient, object_type="patients.patient", object_id=patient.pk, page=page)
    return patient


def _audit(
    patient: Patient,
    *,
    object_type: str,
    object_id: object = "",
    action: str = AuditAction.READ,
    page: str,
) -> None:
    audit_record(
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"via": "portal", "page": page},
    )


# ------------------------------------------------------------------------------------------
# Home


@dataclass(frozen=True)
class OwnRecord:
    patient: Patient
    age: int
    consents: list[SignedConsent]


def own_record(*, user: User) -> OwnRecord:
    """The signed-in patient's own record; audited as a portal read."""
    patient = own_patient(user=user)
    audit_record(
        action=AuditAction.READ,
        object_type="patients.patient",
        object_id=patient.pk,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"via": "portal"},
    )
    consents = list(SignedConsent.objects.filter(patient=patient).order_by("-signed_at"))
    return OwnRecord(
        patient=patient, age=age_on(patient.date_of_birth, timezone.localdate()), consents=consents
    )


@dataclass(frozen=True)
class Home:
    record: OwnRecord
    next_appointment: Appointment | None
    consents_to_sign: int
    instruments: list[Instrument]
    latest_postcare: PostCareGiven | None


def portal_home(*, user: User) -> Home:
    record = own_record(user=user)
    patient = record.patient
    return Home(
        record=record,
        next_appointment=_upcoming(patient).first(),
        consents_to_sign=ConsentRequest.objects.filter(
            patient=patient, signed_consent__isnull=True
        ).count(),
        instruments=instruments_for(clinic_id=patient.clinic_id),
        latest_postcare=_latest_postcare(patient),
    )


# ------------------------------------------------------------------------------------------
# Appointments


def _upcoming(patient: Patient) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.BOOKED, ends_at__gte=timezone.now()
        )
        .select_related("clinic", "room")
        .order_by("starts_at", "id")
    )


def upcoming_appointments(*, user: User) -> tuple[Patient, list[Appointment]]:
    """The patient's booked appointments still to come, soonest first (one query)."""
    patient = own_patient(user=user)
    appointments = list(_upcoming(patient))
    audit_record(
        action=AuditAction.LIST,
        object_type="treatments.appointment",
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"via": "portal", "shown": [a.pk for a in appointments]},
    )
    return patient, appointments


def own_appointment(*, user: User, appointment_id: int) -> Appointment:
    patient = own_patient(user=user)
    appointment = (
        Appointment.objects.select_related("clinic", "room")
        .filter(pk=appointment_id, patient=patient)
        .exclude(status=AppointmentStatus.CANCELLED)
        .first()
    )
    if appointment is None:
        raise NotYours("No such appointment.")
    _audit(
        patient,
        object_type="treatments.appointment",
        object_id=appointment.pk,
        action=AuditAction.EXPORT,
        page="ics",
    )
    return appointment


# ------------------------------------------------------------------------------------------
# Treatment plan


@dataclass(frozen=True)
class PlanProgress:
    plan: TreatmentPlan
    rows: list[SessionRow]

    @property
    def live_rows(self) -> list[SessionRow]:
        return [r for r in self.rows if r.session.status != SessionStatus.CANCELLED]

    @property
    def done(self) -> int:
        return sum(1 for r in self.live_rows if r.session.status == SessionStatus.DONE)

    @property
    def total(self) -> int:
        return len(self.live_rows)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def next_row(self) -> SessionRow | None:
        return next((r for r in self.live_rows if r.session.status != SessionStatus.DONE), None)


def plan_progress(*, user: User) -> tuple[Patient, list[PlanProgress]]:
    """The patient's plans (open ones first), each with its sessions and where they are."""
    patient = own_patient(user=user)
    plans = list(
        TreatmentPlan.objects.filter(patient=patient)
        .exclude(status=PlanStatus.PROPOSED)
        .order_by("-start_date", "-id")
    )
    open_first = sorted(
        plans, key=lambda p: p.status not in (PlanStatus.ACCEPTED, PlanStatus.ACTIVE)
    )
    result = [PlanProgress(plan=p, rows=session_rows(p)) for p in open_first]
    audit_record(
        action=AuditAction.LIST,
        object_type="treatments.treatmentplan",
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"via": "portal", "shown": [p.pk for p in plans]},
    )
    return patient, result


# ------------------------------------------------------------------------------------------
# Post-care


@dataclass(frozen=True)
class ChecklistItem:
    index: int
    text: str
    reminder: bool
    ticked: bool


@dataclass(frozen=True)
class ChecklistDay:
    day: int
    on: date
    items: list[ChecklistItem]
    is_today: bool
    is_future: bool

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.ticked)


@dataclass(frozen=True)
class Aftercare:
    patient: Patient
    given: PostCareGiven | None
    performed_on: date | None
    days: list[ChecklistDay] = field(default_factory=list)

    @property
    def items(self) -> list[dict[str, Any]]:
        return list(self.given.template.items) if self.given else []


def _latest_postcare(patient: Patient) -> PostCareGiven | None:
    """The instructions given after the patient's last session (the language given in)."""
    return (
        PostCareGiven.objects.filter(patient=patient)
        .select_related("template", "session", "session__plan_modality")
        .order_by("-given_at", "-id")
        .first()
    )


def checklist_days(
    *, given: PostCareGiven, performed_on: date, today: date, ticks: set[tuple[int, int]]
) -> list[ChecklistDay]:
    """Day 0 is the day of the session, day 1 the day after. Every instruction is listed on
    every day; those the clinic set a reminder for that day are marked."""
    items = list(given.template.items)
    last = max([CHECKLIST_MIN_DAYS, *given.template.remind_days])
    days = []
    for day in range(0, last + 1):
        on = performed_on + timedelta(days=day)
        days.append(
            ChecklistDay(
                day=day,
                on=on,
                items=[
                    ChecklistItem(
                        index=n,
                        text=str(item.get("text", "")),
                        reminder=day in item.get("remind_days", []),
                        ticked=(day, n) in ticks,
                    )
                    for n, item in enumerate(items)
                ],
                is_today=on == today,
                is_future=on > today,
            )
        )
    return days


def performed_on_of(given: PostCareGiven) -> date:
    record = (
        ProcedureRecord.objects.filter(session_id=given.session_id).only("performed_on").first()
    )
    return record.performed_on if record else timezone.localtime(given.given_at).date()


def aftercare(*, user: User) -> Aftercare:
    """The post-care of the last session with its day-by-day checklist (four queries)."""
    patient = own_patient(user=user)
    given = _latest_postcare(patient)
    if given is None:
        _audit(patient, object_type="treatments.postcaregiven", page="aftercare")
        return Aftercare(patient=patient, given=None, performed_on=None)
    performed_on = performed_on_of(given)
    ticks = set(PostCareTick.objects.filter(given=given).values_list("day", "item"))
    _audit(patient, object_type="treatments.postcaregiven", object_id=given.pk, page="aftercare")
    return Aftercare(
        patient=patient,
        given=given,
        performed_on=performed_on,
        days=checklist_days(
            given=given, performed_on=performed_on, today=timezone.localdate(), ticks=ticks
        ),
    )


def own_postcare(*, patient: Patient, given_id: int) -> PostCareGiven:
    given = (
        PostCareGiven.objects.select_related("template", "session")
        .filter(pk=given_id, patient=patient)
        .first()
    )
    if given is None:
        raise NotYours("No such post-care.")
    return given


# ------------------------------------------------------------------------------------------
# Consents


@dataclass(frozen=True)
class ConsentPage:
    patient: Patient
    signed: list[SignedConsent]
    to_sign: list[ConsentRequest]


def consent_page(*, user: User) -> ConsentPage:
    patient = own_patient(user=user)
    signed = list(SignedConsent.objects.filter(patient=patient).order_by("-signed_at", "-id"))
    to_sign = list(
        ConsentRequest.objects.filter(patient=patient, signed_consent__isnull=True)
        .select_related("template")
        .order_by("sent_at", "id")
    )
    audit_record(
        action=AuditAction.LIST,
        object_type="patients.signedconsent",
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"via": "portal", "shown": [c.pk for c in signed]},
    )
    return ConsentPage(patient=patient, signed=signed, to_sign=to_sign)


def own_signed_consent(*, user: User, consent_id: int) -> SignedConsent:
    patient = own_patient(user=user)
    consent = SignedConsent.objects.filter(pk=consent_id, patient=patient).first()
    if consent is None:
        raise NotYours("No such consent.")
    _audit(patient, object_type="patients.signedconsent", object_id=consent.pk, page="consent")
    return consent


@dataclass(frozen=True)
class ConsentToSign:
    patient: Patient
    request: ConsentRequest
    versions: list[ConsentTemplateVersion]  # the wordings in use, one per language
    chosen: ConsentTemplateVersion | None


def consent_to_sign(*, user: User, request_id: int, language: str | None) -> ConsentToSign:
    """A consent the clinic sent, in the patient's language if the clinic has that wording."""
    patient = own_patient(user=user)
    request = (
        ConsentRequest.objects.select_related("template")
        .filter(pk=request_id, patient=patient, signed_consent__isnull=True)
        .first()
    )
    if request is None:
        raise NotYours("No such consent to sign.")
    versions = list(
        ConsentTemplateVersion.objects.filter(
            template=request.template, status=TemplateStatus.ACTIVE
        ).order_by("language")
    )
    wanted = language or patient.preferred_language
    chosen = next((v for v in versions if v.language == wanted), None) or (
        versions[0] if versions else None
    )
    _audit(patient, object_type="portal.consentrequest", object_id=request.pk, page="consent_sign")
    return ConsentToSign(patient=patient, request=request, versions=versions, chosen=chosen)


# ------------------------------------------------------------------------------------------
# Questionnaires


def own_instrument(*, patient: Patient, instrument_id: int) -> Instrument:
    instrument = next(
        (i for i in instruments_for(clinic_id=patient.clinic_id) if i.pk == instrument_id), None
    )
    if instrument is None:
        raise NotYours("No such questionnaire.")
    return instrument


def history_updates(*, patient: Patient) -> list[HistoryUpdate]:
    return list(HistoryUpdate.objects.filter(patient=patient).order_by("-submitted_at", "-id"))


# ------------------------------------------------------------------------------------------
# Progress


@dataclass(frozen=True)
class ScorePoint:
    on: date
    score: Decimal | int | None


@dataclass(frozen=True)
class ScoreSeries:
    name: str
    maximum: int | None
    higher_is_worse: bool
    points: list[ScorePoint]  # oldest first

    @property
    def change(self) -> Decimal | int | None:
        values = [p.score for p in self.points if p.score is not None]
        if len(values) < 2:
            return None
        return values[-1] - values[0]


@dataclass(frozen=True)
class Progress:
    patient: Patient
    scar_scores: list[ScoreSeries]
    questionnaires: list[ScoreSeries]
    photos_allowed: bool
    photo_sets: list[tuple[PhotoSet, list[tuple[Photo, int, int]]]]  # photo, thumb w, h


def photos_consented(patient: Patient) -> bool:
    """The portal shows photos only while the patient's consent to clinical photography is
    in force: photos they agreed to have taken, and no others."""
    return SignedConsent.objects.filter(
        patient=patient, procedure_type=ProcedureType.PHOTOGRAPHY, withdrawn_at__isnull=True
    ).exists()


def progress(*, user: User) -> Progress:
    """Scores over time (signed assessments, questionnaires) and consented photos; a fixed
    number of queries whatever the number of visits."""
    # Goodman & Baron quantitative 0-84 and ECCA 0-540 (scales in clinical/scales.py).
    patient = own_patient(user=user)
    assessments = list(
        ScarAssessment.objects.filter(patient=patient, status=AssessmentStatus.SIGNED)
        .prefetch_related("addenda")
        .order_by("visit_date", "id")
    )
    scores = [(a.visit_date, effective_scores(a)) for a in assessments]
    scar_scores = [
        ScoreSeries(
            "Goodman & Baron", 84, True, [ScorePoint(d, s.goodman_baron) for d, s in scores]
        ),
        ScoreSeries("ECCA", 540, True, [ScorePoint(d, s.ecca) for d, s in scores]),
    ]
    by_instrument: dict[int, ScoreSeries] = {}
    for response in (
        PatientReportedOutcome.objects.filter(patient=patient)
        .select_related("instrument")
        .order_by("visit_date", "id")
    ):
        series = by_instrument.setdefault(
            response.instrument_id,
            ScoreSeries(response.instrument.name, None, response.instrument.higher_is_worse, []),
        )
        series.points.append(ScorePoint(response.visit_date, response.score))
    allowed = photos_consented(patient)
    photo_sets: list[tuple[PhotoSet, list[tuple[Photo, int, int]]]] = []
    if allowed:
        for photo_set in (
            PhotoSet.objects.filter(patient=patient)
            .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("view", "id")))
            .order_by("-visit_date", "-id")
        ):
            photo_sets.append(
                (photo_set, [(p, *thumbnail_size(p)) for p in photo_set.photos.all()])
            )
    audit_record(
        action=AuditAction.READ,
        object_type="portal.progress",
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={
            "via": "portal",
            "assessments": [a.pk for a in assessments],
            "photo_sets": [s.pk for s, _ in photo_sets],
        },
    )
    return Progress(
        patient=patient,
        scar_scores=scar_scores if assessments else [],
        questionnaires=list(by_instrument.values()),
        photos_allowed=allowed,
        photo_sets=photo_sets,
    )


# ------------------------------------------------------------------------------------------
# Side effects


def own_side_effect_reports(*, patient: Patient) -> list[Any]:
    """The side effects the patient reported, newest first: when, what they wrote and whether
    the clinic has assessed it. Never the clinic's grading, actions or review notes."""
    from scarclinic.outcomes.models import AdverseEvent, AdverseEventSource

    return list(
        AdverseEvent.objects.filter(patient=patient, source=AdverseEventSource.PATIENT)
        .only("pk", "onset_on", "description", "status", "reported_at")
        .order_by("-reported_at", "-pk")[:20]
    )
