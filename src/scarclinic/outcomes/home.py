"""The medical director's home panel: serious adverse events waiting for review. It stays
until a director reviews each one (outcomes.services.adverse_event_review)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.outcomes.selectors import drafts_to_assess, events_awaiting_review

if TYPE_CHECKING:
    from scarclinic.web.selectors import Panel


def serious_events_panel(*, clinic_id: int) -> Panel:
    """Serious events of the clinic not yet reviewed, oldest first (two queries, audited as a
    list of the patients shown)."""
    from scarclinic.web.selectors import Panel, PanelRow  # the web app imports this module

    waiting = events_awaiting_review(clinic_id=clinic_id)
    if waiting:
        audit_record(
            action=AuditAction.LIST,
            object_type="outcomes.adverseevent",
            clinic_id=clinic_id,
            detail={"shown": [e.pk for e in waiting], "kind": "home"},
        )
    return Panel(
        title=_("Serious adverse events to review"),
        rows=[
            PanelRow(
                text=f"{e.patient.full_name} · {e.patient.mrn}",
                url=reverse("outcomes:event", args=[e.pk]),
                note=_("%(category)s, grade %(grade)s, onset %(on)s")
                % {
                    "category": e.get_category_display() or _("not categorised"),
                    "grade": e.severity or "?",
                    "on": e.onset_on.isoformat(),
                },
            )
            for e in waiting
        ],
        empty=_("No serious adverse event is waiting for review."),
        link=(_("Adverse events"), reverse("outcomes:events")),
    )


def reports_to_assess_panel(*, clinic_id: int) -> Panel:
    """Patients' side-effect reports from the portal waiting for a clinician to grade them
    (for the physician's and the nurse's home page)."""
    from scarclinic.web.selectors import Panel, PanelRow

    drafts = drafts_to_assess(clinic_id=clinic_id)
    if drafts:
        audit_record(
            action=AuditAction.LIST,
            object_type="outcomes.adverseevent",
            clinic_id=clinic_id,
            detail={"shown": [e.pk for e in drafts], "kind": "home_drafts"},
        )
    return Panel(
        title=_("Side effects reported by patients"),
        rows=[
            PanelRow(
                text=f"{e.patient.full_name} · {e.patient.mrn}",
                url=reverse("outcomes:event_edit", args=[e.pk]),
                note=_("onset %(on)s, to assess") % {"on": e.onset_on.isoformat()},
            )
            for e in drafts
        ],
        empty=_("No patient's report is waiting."),
        link=(_("Adverse events"), reverse("outcomes:events") + "?status=draft"),
    )
