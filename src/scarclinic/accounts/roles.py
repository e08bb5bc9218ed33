"""Roles and what each may do: the one place where permissions are defined.

Every view and API operation names the permission it needs; nothing checks a role by
name elsewhere. The matrix test in tests/test_permissions_matrix.py holds the expected
outcome of every route for every role, written out by hand, so that a change here that
grants too much fails a test.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    NURSE = "nurse", "Nurse"
    LAB = "lab", "Cell-lab technician"
    FRONTDESK = "frontdesk", "Front desk"
    DIRECTOR = "director", "Medical director"
    ADMIN = "admin", "Administrator"
    PATIENT = "patient", "Patient (portal)"


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


_CLINICAL_READ = {
    Perm.PATIENT_VIEW,
    Perm.HISTORY_VIEW,
    Perm.CONSENT_VIEW,
    Perm.ASSESSMENT_VIEW,
    Perm.PHOTO_VIEW,
    Perm.CONSULTATION_VIEW,
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
        _CLINICAL_READ | _CARE_TEAM | {Perm.ASSESSMENT_RECORD, Perm.DECISION_RECORD}
    ),
    Role.NURSE: frozenset(_CLINICAL_READ | _CARE_TEAM),
    # The lab needs to know whose cells it holds (chain of identity), not their history.
    Role.LAB: frozenset({Perm.PATIENT_VIEW}),
    # Registration, demographics and consent paperwork; no medical history.
    Role.FRONTDESK: frozenset(
        {Perm.PATIENT_VIEW, Perm.PATIENT_REGISTER, Perm.PATIENT_EDIT, Perm.CONSENT_VIEW}
    ),
    Role.DIRECTOR: frozenset(
        _CLINICAL_READ
        | {
            Perm.AUDIT_VIEW,
            Perm.CONSENT_TEMPLATE_MANAGE,
            Perm.ADMIN_SITE,
            Perm.INSTRUMENT_MANAGE,
            Perm.RULES_MANAGE,
            Perm.PRICES_MANAGE,
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
