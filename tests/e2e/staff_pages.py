"""Every staff page, by the role that uses it, on the demo data (``seed_demo``).

Used by the accessibility test (axe-core on each page in English and Urdu) and by the
screenshot script for the README. Paths are built from the first matching demo record, so
the list follows the demo data as it grows."""

from __future__ import annotations

from dataclasses import dataclass

from scarclinic.accounts.models import Clinic
from scarclinic.assessments.models import PhotoSet, ScarAssessment
from scarclinic.biologics.models import Collection, ProductUnit
from scarclinic.interop.models import BulkExportJob
from scarclinic.outcomes.models import AdverseEvent, AdverseEventStatus
from scarclinic.patients.models import MedicalHistoryVersion, SignedConsent
from scarclinic.treatments.models import ReminderRun, SharedDecision
from scarclinic.treatments.models.plans import TreatmentPlan, TreatmentSession


@dataclass(frozen=True)
class StaffPage:
    role: str  # a demo login (web/demo.py DEMO_USERS)
    name: str  # file name of its screenshot
    path: str


def staff_pages() -> list[StaffPage]:
    """The staff pages of the demo clinic in Islamabad, each with the role that uses it."""
    isb = Clinic.objects.get(code="ISB")
    signed = (
        ScarAssessment.objects.filter(patient__clinic=isb, signed_at__isnull=False)
        .order_by("pk")
        .first()
    )
    assert signed is not None, "the demo data has a signed assessment"
    patient = signed.patient
    plan = TreatmentPlan.objects.filter(patient__clinic=isb).order_by("pk").first()
    assert plan is not None, "the demo data has a treatment plan"
    session = TreatmentSession.objects.filter(plan=plan).order_by("pk").first()
    consent = SignedConsent.objects.filter(patient=patient).order_by("pk").first()
    history = MedicalHistoryVersion.objects.filter(patient=patient).order_by("pk").first()
    photo_set = PhotoSet.objects.filter(patient=patient).order_by("pk").first()
    decision = SharedDecision.objects.filter(patient__clinic=isb).order_by("pk").first()
    unit = ProductUnit.objects.filter(clinic=isb).order_by("pk").first()
    collection = Collection.objects.filter(clinic=isb).order_by("pk").first()
    event = AdverseEvent.objects.filter(clinic=isb).order_by("pk").first()
    export = BulkExportJob.objects.filter(clinic=isb).order_by("pk").first()
    reminder_run = ReminderRun.objects.filter(clinic=isb).order_by("pk").first()
    # A serious event waiting for the medical director: the detail page with the review form.
    to_review = (
        AdverseEvent.objects.filter(
            clinic=isb, serious=True, reviewed_at__isnull=True, status=AdverseEventStatus.RECORDED
        )
        .order_by("pk")
        .first()
    )
    p = patient.pk
    pages = [
        StaffPage("physician", "home-physician", "/"),
        StaffPage("physician", "patients", "/patients/"),
        StaffPage("physician", "chart", f"/patients/{p}/"),
        StaffPage("physician", "patient-edit", f"/patients/{p}/edit/"),
        StaffPage("physician", "consent-new", f"/patients/{p}/consents/new/"),
        StaffPage("physician", "assessment-new", f"/assessments/patient/{p}/new/"),
        StaffPage("physician", "assessment", f"/assessments/{signed.pk}/"),
        StaffPage("physician", "assessment-addendum", f"/assessments/{signed.pk}/addendum/"),
        StaffPage("physician", "questionnaire", f"/assessments/patient/{p}/questionnaire/"),
        StaffPage("physician", "photo-set-new", f"/assessments/photos/patient/{p}/new/"),
        StaffPage("physician", "photo-compare", f"/assessments/photos/patient/{p}/compare/"),
        StaffPage("physician", "photo-consent", f"/assessments/photos/patient/{p}/consent/"),
        StaffPage("physician", "consultation", f"/consultation/patient/{p}/"),
        StaffPage("physician", "labs", f"/consultation/patient/{p}/labs/"),
        StaffPage("physician", "plan-new", f"/treatments/patient/{p}/new/"),
        StaffPage("physician", "plan", f"/treatments/plans/{plan.pk}/"),
        StaffPage("physician", "calendar-week", "/treatments/calendar/?view=week"),
        StaffPage("physician", "calendar-feed", "/treatments/calendar/feed/"),
        StaffPage("physician", "bedside", "/biologics/bedside/"),
        StaffPage("physician", "two-factor", "/2fa/"),
        StaffPage("physician", "adverse-events", "/outcomes/adverse-events/"),
        StaffPage("physician", "adverse-event-new", f"/outcomes/patient/{p}/adverse-events/new/"),
        StaffPage("physician", "progress", f"/outcomes/patient/{p}/progress/"),
        StaffPage("physician", "analytics", "/analytics/"),
        StaffPage("physician", "analytics-comparison", "/analytics/comparison/"),
        StaffPage("physician", "forecast", f"/analytics/forecast/?patient={p}&sessions=3"),
        StaffPage("nurse", "home-nurse", "/"),
        StaffPage("nurse", "history-form", f"/patients/{p}/history/"),
        StaffPage("frontdesk", "home-frontdesk", "/"),
        StaffPage("frontdesk", "register", "/patients/register/"),
        StaffPage("frontdesk", "plan-book", f"/treatments/plans/{plan.pk}/book/"),
        StaffPage("frontdesk", "calendar-day", "/treatments/calendar/"),
        StaffPage("frontdesk", "import-patients", "/interop/import/"),
        StaffPage("frontdesk", "reminders", "/treatments/reminders/"),
        StaffPage("lab", "home-lab", "/"),
        StaffPage("lab", "inventory", "/biologics/"),
        StaffPage("lab", "lab-queue", "/biologics/queue/"),
        StaffPage("lab", "storage", "/biologics/storage/"),
        StaffPage("lab", "receive-harvest", "/biologics/receive/harvest/"),
        StaffPage("lab", "receive-blood", "/biologics/receive/blood-draw/"),
        StaffPage("lab", "receive-donor", "/biologics/receive/donor/"),
        StaffPage("director", "lookback", "/biologics/lookback/"),
        StaffPage("director", "home-director", "/"),
        StaffPage("director", "audit-log", "/audit/"),
        StaffPage("director", "rules", "/consultation/rules/"),
        StaffPage("director", "prices", "/consultation/prices/"),
        StaffPage("director", "postcare-texts", "/treatments/postcare/"),
        StaffPage("director", "resources", "/treatments/resources/"),
        StaffPage("director", "lab-settings", "/biologics/settings/"),
        StaffPage("director", "adverse-event-rates", "/outcomes/adverse-events/rates/"),
        StaffPage("director", "fhir-exports", "/interop/exports/"),
        StaffPage("admin", "home-admin", "/"),
        StaffPage("admin", "admin-index", "/admin/"),
    ]
    if session is not None:
        pages.append(StaffPage("physician", "session", f"/treatments/sessions/{session.pk}/"))
    if consent is not None:
        pages.append(StaffPage("physician", "consent", f"/patients/consents/{consent.pk}/"))
    if history is not None:
        pages.append(StaffPage("physician", "history", f"/patients/{p}/history/{history.version}/"))
    if photo_set is not None:
        pages.append(
            StaffPage("physician", "photo-set", f"/assessments/photos/set/{photo_set.pk}/")
        )
    if decision is not None:
        pages.append(StaffPage("physician", "decision", f"/consultation/decisions/{decision.pk}/"))
    if unit is not None:
        pages.append(StaffPage("lab", "unit", f"/biologics/units/{unit.pk}/"))
    if collection is not None:
        pages.append(StaffPage("lab", "collection", f"/biologics/collections/{collection.pk}/"))
    if event is not None:
        pages.append(
            StaffPage("physician", "adverse-event", f"/outcomes/adverse-events/{event.pk}/")
        )
    if export is not None:
        pages.append(StaffPage("director", "fhir-export", f"/interop/exports/{export.pk}/"))
    if reminder_run is not None:
        pages.append(
            StaffPage("frontdesk", "reminder-run", f"/treatments/reminders/runs/{reminder_run.pk}/")
        )
    if to_review is not None:
        pages.append(
            StaffPage(
                "director", "adverse-event-review", f"/outcomes/adverse-events/{to_review.pk}/"
            )
        )
    return pages
