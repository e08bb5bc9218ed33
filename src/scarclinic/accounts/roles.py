"""Roles and what each may do: the one place where permissions are defined.

Every view and API operation names the permission it needs; nothing checks a role by
name elsewhere. The matrix test in tests/test_permissions_matrix.py holds the expected
outcome of every route for every role, written out by hand, so that a change here that
grants too much fails a test.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PHYSICIAN = "physician", _("Physician")
    NURSE = "nurse", _("Nurse")
    LAB = "lab", _("Cell-lab technician")
    FRONTDESK = "frontdesk", _("Front desk")
    DIRECTOR = "director", _("Medical director")
    ADMIN = "admin", _("Administrator")
    PATIENT = "patient", _("Patient (portal)")


class Perm(StrEnum):
    PATIENT_VIEW = "patient.view"  # find patients, see demographics and the chart header
    PATIENT_REGISTER = "patient.register"
    PATIENT_EDIT = "patient.edit"  # demographics
    HISTORY_VIEW = "history.view"
    HISTORY_EDIT = "history.edit"
    CONSENT_VIEW = "consent.view"
    CONSENT_RECORD = "consent.record"  # record a signature with the patient, or a withdrawal
    CONSENT_TEMPLATE_MANAGE = "consent_template.manage"
    AUDIT_VIEW = "audit.view"
    ADMIN_SITE = "admin.site"
    PORTAL_OWN = "portal.own"  # a portal patient's own record, nothing else
    ASSESSMENT_VIEW = "assessment.view"
    ASSESSMENT_RECORD = "assessment.record"  # record, sign and correct scar assessments
    PHOTO_VIEW = "photo.view"  # clinical-record use of photos
    PHOTO_UPLOAD = "photo.upload"
    PHOTO_CONSENT_RECORD = "photo_consent.record"  # grant or withdraw teaching/marketing use
    PRO_RECORD = "pro.record"  # enter a patient-reported questionnaire in the clinic
    INSTRUMENT_MANAGE = "instrument.manage"  # define licensed questionnaires
    CONSULTATION_VIEW = "consultation.view"  # screening results and the treatment comparison
    DECISION_RECORD = "decision.record"  # record the patient's shared decision
    RULES_MANAGE = "rules.manage"  # switch candidacy rules off, change thresholds
    PRICES_MANAGE = "prices.manage"  # the clinic's price list
    PLAN_VIEW = "plan.view"  # treatment plans, procedure records, handouts
    PLAN_PRESCRIBE = "plan.prescribe"  # make and change plans, move them through their states
    SCHEDULE_VIEW = "schedule.view"  # calendar, appointments, free slots, plan .ics, own feed
    APPOINTMENT_BOOK = "appointment.book"  # book, move and cancel appointments
    CHECKLIST_RECORD = "checklist.record"  # the pre-procedure checklist
    PROCEDURE_RECORD = "procedure.record"  # what was done at a session, and addenda
    PROCEDURE_SIGN = "procedure.sign"  # sign a procedure record as the performing clinician
    POSTCARE_GIVE = "postcare.give"  # give post-care instructions, which schedules reminders
    POSTCARE_TEMPLATE_MANAGE = "postcare_template.manage"  # the clinic's post-care wording
    RESOURCES_MANAGE = "resources.manage"  # rooms, devices, appointment durations
    REMINDERS_VIEW = "reminders.view"  # the clinic's reminders outbox and its sending runs
    REMINDERS_SEND = "reminders.send"  # send the due reminders now, retry one that gave up
    # Cell products (biologics): the lab's work, the release, the bedside, the lookback.
    PRODUCT_VIEW = "product.view"  # inventory, a unit's timeline, storage map, labels' data
    PRODUCT_RECEIVE = "product.receive"  # record a harvest, a blood draw, a donor unit received
    PRODUCT_PROCESS = "product.process"  # make product units, record processing steps
    PRODUCT_QC = "product.qc"  # enter QC results
    PRODUCT_LABEL = "product.label"  # print ISBT 128 labels
    PRODUCT_STORE = "product.store"  # store, move, thaw, hand over, excursions, discard
    PRODUCT_ISSUE = "product.issue"  # issue to the procedure room, take back a return
    PRODUCT_RELEASE = "product.release"  # release or reject after QC: a second person, e-signed
    PRODUCT_EXCEPTIONAL_RELEASE = "product.exceptional_release"  # co-sign a release despite QC
    PRODUCT_ADMINISTER = "product.administer"  # the bedside check and the administration
    PRODUCT_LOOKBACK = "product.lookback"  # lookback and recall from a donor, lot or patient
    PRODUCT_SETTINGS = "product.settings"  # facility number, product code table, QC specs
    OUTCOMES_VIEW = "outcomes.view"  # one patient's progress, timeline and progress report
    ADVERSE_EVENT_VIEW = "adverse_event.view"
    ADVERSE_EVENT_RECORD = "adverse_event.record"  # record and update, assess a portal report
    ADVERSE_EVENT_REVIEW = "adverse_event.review"  # the medical director's review of serious ones
    ANALYTICS_VIEW = "analytics.view"  # the clinic's cohort analytics and its comparison table
    FHIR_EXPORT = "fhir.export"  # one patient's record as a FHIR bundle
    FHIR_BULK_EXPORT = "fhir.bulk_export"  # the whole clinic as NDJSON
    PATIENT_IMPORT = "patient.import"  # register patients from FHIR or CSV files


_CLINICAL_READ = {
    Perm.PATIENT_VIEW,
    Perm.HISTORY_VIEW,
    Perm.CONSENT_VIEW,
    Perm.ASSESSMENT_VIEW,
    Perm.PHOTO_VIEW,
    Perm.CONSULTATION_VIEW,
    Perm.PLAN_VIEW,
    Perm.SCHEDULE_VIEW,
    Perm.OUTCOMES_VIEW,
    Perm.ADVERSE_EVENT_VIEW,
}
# Cell products: the lab receives, processes, tests, labels, stores, issues and releases
# (a second lab person or the director, checked per unit); the care team checks at the bedside
# and administers; the director co-signs exceptional releases and runs lookback and recall.
_PRODUCT_LAB = {
    Perm.PRODUCT_VIEW,
    Perm.PRODUCT_RECEIVE,
    Perm.PRODUCT_PROCESS,
    Perm.PRODUCT_QC,
    Perm.PRODUCT_LABEL,
    Perm.PRODUCT_STORE,
    Perm.PRODUCT_ISSUE,
    Perm.PRODUCT_RELEASE,
}
_PRODUCT_BEDSIDE = {Perm.PRODUCT_VIEW, Perm.PRODUCT_ADMINISTER}
_PRODUCT_DIRECTOR = {
    Perm.PRODUCT_VIEW,
    Perm.PRODUCT_RELEASE,
    Perm.PRODUCT_EXCEPTIONAL_RELEASE,
    Perm.PRODUCT_LOOKBACK,
    Perm.PRODUCT_SETTINGS,
}
_CARE_TEAM = {
    Perm.PATIENT_REGISTER,
    Perm.PATIENT_EDIT,
    Perm.HISTORY_EDIT,
    Perm.CONSENT_RECORD,
    Perm.PHOTO_UPLOAD,
    Perm.PHOTO_CONSENT_RECORD,
    Perm.PRO_RECORD,
}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    # Grading scars is a physician's judgement; the nurse takes photos and questionnaires.
    Role.PHYSICIAN: frozenset(
        _CLINICAL_READ
        | _CARE_TEAM
        | _PRODUCT_BEDSIDE
        | {
            Perm.ASSESSMENT_RECORD,
            Perm.DECISION_RECORD,
            Perm.PLAN_PRESCRIBE,
            Perm.PROCEDURE_RECORD,
            Perm.PROCEDURE_SIGN,
            Perm.ADVERSE_EVENT_RECORD,
            Perm.ANALYTICS_VIEW,
            Perm.FHIR_EXPORT,
        }
    ),
    # The nurse runs the checklist, records with the physician and gives the post-care.
    Role.NURSE: frozenset(
        _CLINICAL_READ
        | _CARE_TEAM
        | _PRODUCT_BEDSIDE
        | {
            Perm.CHECKLIST_RECORD,
            Perm.PROCEDURE_RECORD,
            Perm.POSTCARE_GIVE,
            Perm.ADVERSE_EVENT_RECORD,
        }
    ),
    # The lab needs to know whose cells it holds (chain of identity), not their history.
    Role.LAB: frozenset({Perm.PATIENT_VIEW} | _PRODUCT_LAB),
    # Registration, demographics, consent paperwork and the calendar; no medical history.
    Role.FRONTDESK: frozenset(
        {
            Perm.PATIENT_VIEW,
            Perm.PATIENT_REGISTER,
            Perm.PATIENT_EDIT,
            Perm.CONSENT_VIEW,
            Perm.SCHEDULE_VIEW,
            Perm.APPOINTMENT_BOOK,
            Perm.PATIENT_IMPORT,
            Perm.REMINDERS_VIEW,
            Perm.REMINDERS_SEND,
        }
    ),
    Role.DIRECTOR: frozenset(
        _CLINICAL_READ
        | _PRODUCT_DIRECTOR
        | {
            Perm.AUDIT_VIEW,
            Perm.CONSENT_TEMPLATE_MANAGE,
            Perm.ADMIN_SITE,
            Perm.INSTRUMENT_MANAGE,
            Perm.RULES_MANAGE,
            Perm.PRICES_MANAGE,
            Perm.POSTCARE_TEMPLATE_MANAGE,
            Perm.RESOURCES_MANAGE,
            Perm.ADVERSE_EVENT_RECORD,
            Perm.ADVERSE_EVENT_REVIEW,
            Perm.ANALYTICS_VIEW,
            Perm.FHIR_EXPORT,
            Perm.FHIR_BULK_EXPORT,
            Perm.REMINDERS_VIEW,
            Perm.REMINDERS_SEND,
        }
    ),
    # IT administration: users, clinics, templates; no patient data.
    Role.ADMIN: frozenset(
        {Perm.ADMIN_SITE, Perm.CONSENT_TEMPLATE_MANAGE, Perm.AUDIT_VIEW, Perm.PRICES_MANAGE}
    ),
    Role.PATIENT: frozenset({Perm.PORTAL_OWN}),
}


def role_has(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
