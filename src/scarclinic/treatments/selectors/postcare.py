"""Reads of post-care: the clinic's templates, and everything a session's handout shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.patients.models import Language, Patient
from scarclinic.treatments.models import (
    PlanModality,
    PostCareGiven,
    PostCareTemplate,
    ProcedureRecord,
    TreatmentSession,
)
from scarclinic.treatments.selectors.plans import SessionRow, session_for_user, session_rows


def templates_of(*, clinic_id: int) -> list[PostCareTemplate]:
    """Every template version of a clinic, current first within each modality and language."""
    return list(
        PostCareTemplate.objects.filter(clinic_id=clinic_id)
        .select_related("created_by")
        .order_by("modality", "language", "-version")
    )


def current_templates(*, clinic_id: int) -> dict[tuple[str, str], PostCareTemplate]:
    return {
        (t.modality, t.language): t
        for t in PostCareTemplate.objects.filter(clinic_id=clinic_id, is_current=True)
    }


@dataclass(frozen=True)
class Handout:
    """What the patient takes home after a session."""

    patient: Patient
    session: TreatmentSession
    modalities: list[PlanModality]
    rows: list[SessionRow]
    template: PostCareTemplate | None
    language: str
    record: ProcedureRecord | None
    given: PostCareGiven | None
    on_date: date

    @property
    def this_row(self) -> SessionRow | None:
        return next((r for r in self.rows if r.session.pk == self.session.pk), None)

    @property
    def next_row(self) -> SessionRow | None:
        """The next booked appointment of the plan after this session."""
        this = self.this_row
        after = this.day if this else self.on_date
        later = [
            r
            for r in self.rows
            if r.appointment is not None and r.session.pk != self.session.pk and r.day >= after
        ]
        return later[0] if later else None

    @property
    def session_count(self) -> int:
        return sum(
            1
            for r in self.rows
            if r.session.plan_modality_id == self.session.plan_modality_id
            and r.session.status != "cancelled"
        )


def handout_for_user(
    *, user: User | AnonymousUser, session_id: int, language: str | None = None
) -> Handout:
    """The handout of a session the user may see plans of; audited as a read of the session.

    The template is the version given to the patient when it was given, else the current one."""
    session = session_for_user(user=user, session_id=session_id, perm=Perm.PLAN_VIEW)
    patient = session.plan.patient
    language = language if language in Language.values else patient.preferred_language
    given = (
        PostCareGiven.objects.filter(session=session, language=language)
        .select_related("template")
        .order_by("-given_at")
        .first()
    )
    template = (
        given.template
        if given
        else PostCareTemplate.objects.filter(
            clinic_id=patient.clinic_id,
            modality=session.plan_modality.modality,
            language=language,
            is_current=True,
        ).first()
    )
    record = ProcedureRecord.objects.filter(session=session).first()
    return Handout(
        patient=patient,
        session=session,
        modalities=list(session.plan.modalities.order_by("position", "id")),
        rows=session_rows(session.plan),
        template=template,
        language=language,
        record=record,
        given=given,
        on_date=record.performed_on if record else timezone.localdate(),
    )
