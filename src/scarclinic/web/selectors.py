"""What each role's home page shows. Panels for capabilities not built yet say so."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.models import Membership, User
from scarclinic.accounts.roles import Perm, Role, role_has
from scarclinic.audit.models import AuditAction, AuditEntry
from scarclinic.audit.services import audit_record
from scarclinic.biologics.selectors import lab_queue
from scarclinic.outcomes.home import serious_events_panel
from scarclinic.patients.models import (
    ConsentTemplateVersion,
    Language,
    Patient,
    SignedConsent,
    TemplateStatus,
)
from scarclinic.treatments.models.consultation import MODALITY_CHOICES
from scarclinic.treatments.models.postcare import PostCareTemplate
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
    empty: str = field(default_factory=lambda: gettext("Nothing here."))
    link: tuple[str, str] | None = None  # (label, url)
    pending: str = ""  # set when the capability is not built yet: says so plainly
    figure: str = ""


def _not_built(title: str, what: str) -> Panel:
    return Panel(
        title=title,
        pending=gettext("%(what)s is not built yet; this panel will show it.") % {"what": what},
    )


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
        title=gettext("Today's appointments"),
        rows=rows,
        empty=gettext("No appointments today."),
        link=(gettext("Calendar"), reverse("plans:calendar")),
    )


def missing_translations(
    *, clinic_id: int, consent: bool = True, postcare: bool = True
) -> list[PanelRow]:
    """Clinic-editable texts in use in one language but not in another: each is a patient
    who would be given a text they may not read. Never filled in silently from English."""
    languages = dict(Language.choices)
    rows: list[PanelRow] = []
    if consent:
        in_use: dict[tuple[int, str], set[str]] = {}
        for version in ConsentTemplateVersion.objects.filter(
            template__clinic_id=clinic_id, status=TemplateStatus.ACTIVE
        ).select_related("template"):
            key = (version.template_id, version.template.title)
            in_use.setdefault(key, set()).add(version.language)
        url = reverse("admin:patients_consenttemplateversion_changelist")
        for (_pk, title), have in sorted(in_use.items(), key=lambda kv: kv[0][1]):
            for code in sorted(set(languages) - have):
                rows.append(
                    PanelRow(
                        text=gettext("Consent “%(title)s”: no %(language)s wording in use")
                        % {"title": title, "language": languages[code]},
                        url=url,
                    )
                )
    if postcare:
        current: dict[str, set[str]] = {}
        for modality, language in PostCareTemplate.objects.filter(
            clinic_id=clinic_id, is_current=True
        ).values_list("modality", "language"):
            current.setdefault(modality, set()).add(language)
        labels = dict(MODALITY_CHOICES)
        for modality, have in sorted(current.items()):
            for code in sorted(set(languages) - have):
                rows.append(
                    PanelRow(
                        text=gettext("Post-care for %(modality)s: no %(language)s version")
                        % {"modality": labels.get(modality, modality), "language": languages[code]},
                        url=reverse("plans:postcare"),
                    )
                )
    return rows


def missing_translations_panel(*, role: str, clinic_id: int) -> Panel:
    return Panel(
        title=gettext("Missing translations"),
        rows=missing_translations(
            clinic_id=clinic_id,
            consent=role_has(role, Perm.CONSENT_TEMPLATE_MANAGE),
            postcare=role_has(role, Perm.POSTCARE_TEMPLATE_MANAGE),
        ),
        empty=gettext(
            "Every consent and post-care text in use has an English and an Urdu version."
        ),
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
                title=gettext("Patients to assess"),
                rows=_patient_rows(recent, clinic_id, gettext("registered in the last 30 days")),
                empty=gettext("No patients registered in the last 30 days."),
                link=(gettext("All patients"), reverse("patients:list")),
            )
        )
        panels.append(
            _not_built(gettext("Assessments to sign"), gettext("Scar assessment (issue 4)"))
        )
    if role == Role.NURSE:
        no_history = list(
            patients.filter(current_history__isnull=True).order_by("-registered_at")[:8]
        )
        panels.append(
            Panel(
                title=gettext("Intake: medical history missing"),
                rows=_patient_rows(no_history, clinic_id, gettext("no medical history recorded")),
                empty=gettext("Every patient has a medical history."),
            )
        )
        panels.append(
            _not_built(gettext("Post-care calls due"), gettext("Post-care follow-up (issue 7)"))
        )
    if role == Role.FRONTDESK:
        recent = list(patients.order_by("-registered_at")[:8])
        panels.append(
            Panel(
                title=gettext("Recently registered"),
                rows=_patient_rows(recent, clinic_id),
                link=(gettext("Register a patient"), reverse("patients:register")),
            )
        )
    if role == Role.LAB:
        queue = lab_queue(clinic_id=clinic_id)
        panels.append(
            Panel(
                title=gettext("Products awaiting QC or release"),
                rows=[
                    PanelRow(
                        text=f"{item.din} · {item.product_type_label}",
                        url=item.url,
                        note=item.stage_label
                        + (f": {', '.join(item.waiting_for)}" if item.waiting_for else ""),
                    )
                    for item in queue[:10]
                ],
                empty=gettext("Nothing is waiting: every unit is released, issued or closed."),
                link=(gettext("Lab inventory"), reverse("biologics:inventory")),
            )
        )
    if role == Role.DIRECTOR:
        since = timezone.now() - timedelta(days=30)
        panels.append(
            Panel(
                title=gettext("Patients"),
                figure=str(patients.count()),
                link=(gettext("Search"), reverse("patients:list")),
            )
        )
        signed = SignedConsent.objects.filter(patient__clinic_id=clinic_id, signed_at__gte=since)
        panels.append(
            Panel(
                title=gettext("Consents, last 30 days"),
                figure=gettext("%(signed)s signed · %(withdrawn)s withdrawn")
                % {
                    "signed": signed.count(),
                    "withdrawn": signed.exclude(withdrawn_at=None).count(),
                },
            )
        )
        panels.append(serious_events_panel(clinic_id=clinic_id))
        panels.append(
            _not_built(gettext("Outcomes by modality"), gettext("Outcome analytics (issue 8)"))
        )
    if role_has(role, Perm.AUDIT_VIEW):
        today = timezone.localdate()
        panels.append(
            Panel(
                title=gettext("Audit log"),
                figure=gettext("%(count)s entries today")
                % {"count": AuditEntry.objects.filter(clinic_id=clinic_id, at__date=today).count()},
                link=(gettext("Browse the audit log"), reverse("audit:log")),
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
                title=gettext("Consent templates in use"),
                rows=[
                    PanelRow(text=f"{v.template.title} v{v.version} ({v.get_language_display()})")
                    for v in versions
                ],
                empty=gettext("No consent template is in use: patients cannot sign any consent."),
                link=(
                    gettext("Manage in admin"),
                    reverse("admin:patients_consenttemplateversion_changelist"),
                ),
            )
        )
    if role_has(role, Perm.CONSENT_TEMPLATE_MANAGE) or role_has(
        role, Perm.POSTCARE_TEMPLATE_MANAGE
    ):
        panels.append(missing_translations_panel(role=role, clinic_id=clinic_id))
    if role == Role.ADMIN:
        panels.append(
            Panel(
                title=gettext("Staff of this clinic"),
                figure=str(Membership.objects.filter(clinic_id=clinic_id, is_active=True).count()),
                link=(gettext("Users and roles"), reverse("admin:accounts_membership_changelist")),
            )
        )
    return panels
