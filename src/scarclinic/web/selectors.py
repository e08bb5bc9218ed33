"""What each role's home page shows. Panels for capabilities not built yet say so."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from scarclinic.accounts.models import Membership, User
from scarclinic.accounts.roles import Perm, Role, role_has
from scarclinic.audit.models import AuditAction, AuditEntry
from scarclinic.audit.services import audit_record
from scarclinic.biologics.selectors import lab_queue
from scarclinic.patients.models import (
    ConsentTemplateVersion,
    Patient,
    SignedConsent,
    TemplateStatus,
)
from scarclinic.treatments.selectors.scheduling import appointments_today


@dataclass
class PanelRow:
    text: str
    url: str = ""
    note: str = ""


@dataclass
class Panel:
    title: str
    rows: list[PanelRow] = field(default_factory=list)
    empty: str = "Nothing here."
    link: tuple[str, str] | None = None  # (label, url)
    pending: str = ""  # set when the capability is not built yet: says so plainly
    figure: str = ""


def _not_built(title: str, what: str) -> Panel:
    return Panel(title=title, pending=f"{what} is not built yet; this panel will show it.")


def _patient_rows(patients: list[Patient], clinic_id: int, note: str = "") -> list[PanelRow]:
    if patients:
        audit_record(
            action=AuditAction.LIST,
            object_type="patients.patient",
            clinic_id=clinic_id,
            detail={"shown": [p.pk for p in patients], "kind": "home"},
        )
    return [
        PanelRow(
            text=f"{p.full_name} · {p.mrn}",
            url=reverse("patients:chart", args=[p.pk]),
            note=note,
        )
        for p in patients
    ]


def _appointments_today(*, user: User, role: str, clinic_id: int) -> Panel:
    """The physician sees their own day; nurse and front desk see the clinic's."""
    appointments = appointments_today(
        clinic_id=clinic_id, clinician_id=user.pk if role == Role.PHYSICIAN else None
    )
    if appointments:
        audit_record(
            action=AuditAction.LIST,
            object_type="patients.patient",
            clinic_id=clinic_id,
            detail={"shown": sorted({a.patient_id for a in appointments}), "kind": "today"},
        )
    rows = [
        PanelRow(
            text=f"{timezone.localtime(a.starts_at):%H:%M} {a.patient.full_name}",
            url=reverse("patients:chart", args=[a.patient_id]),
            note=f"{a.get_modality_display()}, {a.room.name}",
        )
        for a in appointments
    ]
    return Panel(
        title="Today's appointments",
        rows=rows,
        empty="No appointments today.",
        link=("Calendar", reverse("plans:calendar")),
    )


def home_panels(*, user: User, membership: Membership) -> list[Panel]:
    role, clinic_id = membership.role, membership.clinic_id
    panels: list[Panel] = []
    patients = Patient.objects.filter(clinic_id=clinic_id)
    if role in (Role.PHYSICIAN, Role.FRONTDESK, Role.NURSE):
        panels.append(_appointments_today(user=user, role=role, clinic_id=clinic_id))
    if role == Role.PHYSICIAN:
        recent = list(
            patients.filter(registered_at__gte=timezone.now() - timedelta(days=30)).order_by(
                "-registered_at"
            )[:8]
        )
        panels.append(
            Panel(
                title="Patients to assess",
                rows=_patient_rows(recent, clinic_id, "registered in the last 30 days"),
                empty="No patients registered in the last 30 days.",
                link=("All patients", reverse("patients:list")),
            )
        )
        panels.append(_not_built("Assessments to sign", "Scar assessment (issue 4)"))
    if role == Role.NURSE:
        no_history = list(
            patients.filter(current_history__isnull=True).order_by("-registered_at")[:8]
        )
        panels.append(
            Panel(
                title="Intake: medical history missing",
                rows=_patient_rows(no_history, clinic_id, "no medical history recorded"),
                empty="Every patient has a medical history.",
            )
        )
        panels.append(_not_built("Post-care calls due", "Post-care follow-up (issue 7)"))
    if role == Role.FRONTDESK:
        recent = list(patients.order_by("-registered_at")[:8])
        panels.append(
            Panel(
                title="Recently registered",
                rows=_patient_rows(recent, clinic_id),
                link=("Register a patient", reverse("patients:register")),
            )
        )
    if role == Role.LAB:
        queue = lab_queue(clinic_id=clinic_id)
        panels.append(
            Panel(
                title="Products awaiting QC or release",
                rows=[
                    PanelRow(
                        text=f"{item.din} · {item.product_type_label}",
                        url=item.url,
                        note=item.stage_label
                        + (f": {', '.join(item.waiting_for)}" if item.waiting_for else ""),
                    )
                    for item in queue[:10]
                ],
                empty="Nothing is waiting: every unit is released, issued or closed.",
                link=("Lab inventory", reverse("biologics:inventory")),
            )
        )
    if role == Role.DIRECTOR:
        since = timezone.now() - timedelta(days=30)
        panels.append(
            Panel(
                title="Patients",
                figure=str(patients.count()),
                link=("Search", reverse("patients:list")),
            )
        )
        signed = SignedConsent.objects.filter(patient__clinic_id=clinic_id, signed_at__gte=since)
        panels.append(
            Panel(
                title="Consents, last 30 days",
                figure=f"{signed.count()} signed · {signed.exclude(withdrawn_at=None).count()} withdrawn",
            )
        )
        panels.append(_not_built("Serious adverse events to review", "Adverse events (issue 8)"))
        panels.append(_not_built("Outcomes by modality", "Outcome analytics (issue 8)"))
    if role_has(role, Perm.AUDIT_VIEW):
        today = timezone.localdate()
        panels.append(
            Panel(
                title="Audit log",
                figure=f"{AuditEntry.objects.filter(clinic_id=clinic_id, at__date=today).count()} entries today",
                link=("Browse the audit log", reverse("audit:log")),
            )
        )
    if role_has(role, Perm.CONSENT_TEMPLATE_MANAGE):
        versions = list(
            ConsentTemplateVersion.objects.filter(
                template__clinic_id=clinic_id, status=TemplateStatus.ACTIVE
            ).select_related("template")
        )
        panels.append(
            Panel(
                title="Consent templates in use",
                rows=[
                    PanelRow(text=f"{v.template.title} v{v.version} ({v.get_language_display()})")
                    for v in versions
                ],
                empty="No consent template is in use: patients cannot sign any consent.",
                link=(
                    "Manage in admin",
                    reverse("admin:patients_consenttemplateversion_changelist"),
                ),
            )
        )
    if role == Role.ADMIN:
        panels.append(
            Panel(
                title="Staff of this clinic",
                figure=str(Membership.objects.filter(clinic_id=clinic_id, is_active=True).count()),
                link=("Users and roles", reverse("admin:accounts_membership_changelist")),
            )
        )
    return panels
