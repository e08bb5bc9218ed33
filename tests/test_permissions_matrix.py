"""Every route against every role: the permissions matrix, written out by hand.

Each row is one request (method, path with named objects of the cast) and the status each
role must get. The values were derived by reading accounts/roles.py and the views, and are
typed here literally, never computed from ROLE_PERMISSIONS: a change there that grants too
much (or too little) fails a row. A route that is not in the matrix fails
``test_every_url_pattern_and_api_operation_is_in_the_matrix``, so a new route must be added.
The photo and consultation modules write their rows beside their views
(``*/tests/*permission_rows.py``); they are merged in below.

Columns: the six staff roles and the portal patient at clinic A, the outsider (a physician of
clinic B) and an anonymous visitor. One test per role walks its column: the GETs must change
nothing; each write runs in a savepoint that is rolled back, so every row meets the same
database, and exactly the roles named in ``CHANGES_DATABASE`` may change it. No refusal
(3xx, 4xx) may show a patient's name or MRN.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from scarclinic.accounts.models import Clinic, Membership, User
from scarclinic.analytics.tests.permission_rows import (
    ANALYTICS_BODIES,
    ANALYTICS_CHANGES_DATABASE,
    ANALYTICS_ROUTES,
)
from scarclinic.assessments import services as assessment_services
from scarclinic.assessments.models import (
    AssessmentAddendum,
    Instrument,
    PatientReportedOutcome,
    Photo,
    PhotoConsentGrant,
    PhotoSet,
    RegionFinding,
    ScarAssessment,
)
from scarclinic.assessments.tests.photo_permission_rows import (
    MULTIPART_API_ROUTES,
    PHOTO_BODIES,
    PHOTO_CHANGES_DATABASE,
    PHOTO_ROUTES,
    photo_world,
)
from scarclinic.biologics.tests.permission_rows import (
    BIOLOGICS_BODIES,
    BIOLOGICS_CHANGES_DATABASE,
    BIOLOGICS_ROUTES,
    biologics_snapshot,
    biologics_world,
)
from scarclinic.config.api import api
from scarclinic.interop.tests.permission_rows import (
    INTEROP_BODIES,
    INTEROP_CHANGES_DATABASE,
    INTEROP_ROUTES,
    interop_snapshot,
    interop_world,
)
from scarclinic.ops.tests.permission_rows import OPS_CHANGES_DATABASE, OPS_ROUTES
from scarclinic.outcomes.tests.permission_rows import (
    OUTCOMES_BODIES,
    OUTCOMES_CHANGES_DATABASE,
    OUTCOMES_ROUTES,
    outcomes_snapshot,
    outcomes_world,
)
from scarclinic.patients import services
from scarclinic.patients.models import (
    ConsentTemplate,
    ConsentTemplateVersion,
    MedicalHistoryVersion,
    Patient,
    SignedConsent,
)
from scarclinic.portal.tests.permission_rows import (
    PORTAL_BODIES,
    PORTAL_CHANGES_DATABASE,
    PORTAL_ROUTES,
    portal_snapshot,
    portal_world,
)
from scarclinic.treatments.models import (
    CandidacyRuleSettings,
    ConsultationLabs,
    PriceListEntry,
    SharedDecision,
)
from scarclinic.treatments.tests.permission_rows import (
    CONSULTATION_BODIES,
    CONSULTATION_CHANGES_DATABASE,
    CONSULTATION_ROUTES,
    PLAN_BODIES,
    PLAN_CHANGES_DATABASE,
    PLAN_ROUTES,
    consultation_world,
    plan_snapshot,
    plan_world,
)
from scarclinic.web.demo import signature_png
from tests.cast import Cast
from tests.factories import ConsentTemplateVersionFactory
from tests.permissions import ROLES, CompiledRows, World, row_route, send

DRAWN = signature_png(random.Random(1))

# Placeholders: {amina} {bilal} {zara} patients; {amina_history} {zara_history} version 1 of
# their history; {amina_assessment} {zara_assessment} a graded draft scar assessment each,
# {amina_signed} {zara_signed} a signed one; {pga} a built-in questionnaire,
# {clinic_a_instrument} {clinic_b_instrument} a clinic's own;
# {amina_consent} {zara_consent} a signed consent each; {prp_consent} the PRP
# wording in use at A, {prp_template} its template, {zara_prp} the wording in use at B,
# {draft} a draft wording at A; {clinic_a} {clinic_b}; {nurse_user} {outsider_user};
# {nurse_membership} {outsider_membership}; {ct_patient} the patient content type. The photo
# and consultation rows' placeholders come from photo_world() and consultation_world().
#
# 302 for staff on /admin/ is Django's admin sending a signed-in user without the admin
# permission to its login page; for anonymous visitors elsewhere it is the login redirect.
# fmt: off
MATRIX: dict[str, tuple[int, int, int, int, int, int, int, int, int]] = {
    #                                                              phys nurse lab desk  dir  adm  pat  out anon
    # The shell
    "GET /":                                                      (200, 200, 200, 200, 200, 200, 302, 200, 302),
    "GET /healthz":                                               (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /portal/":                                               (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "GET /login/":                                                (302, 302, 302, 302, 302, 302, 302, 302, 200),
    "POST /logout/":                                              (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "POST /clinic/switch/":                                       (302, 302, 302, 302, 302, 302, 302, 400, 302),
    "POST /language/":                                            (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "POST /logout/everywhere/":                                   (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /2fa/":                                                  (200, 200, 200, 200, 200, 200, 200, 200, 302),
    "GET /2fa/setup/":                                            (200, 200, 200, 200, 200, 200, 200, 200, 302),
    "GET /2fa/verify/":                                           (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "POST /2fa/verify/":                                          (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "POST /2fa/setup/":                                           (200, 200, 200, 200, 200, 200, 200, 200, 302),
    "POST /2fa/recovery-codes/":                                  (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /audit/":                                                (403, 403, 403, 403, 200, 200, 403, 403, 302),
    # Patients, history and consents in the web UI
    "GET /patients/":                                             (200, 200, 200, 200, 200, 403, 403, 200, 302),
    "GET /patients/register/":                                    (200, 200, 403, 200, 403, 403, 403, 200, 302),
    "POST /patients/register/":                                   (302, 302, 403, 302, 403, 403, 403, 302, 302),
    "GET /patients/{amina}/":                                     (200, 200, 200, 200, 200, 403, 403, 404, 302),
    "GET /patients/{zara}/":                                      (404, 404, 404, 404, 404, 403, 403, 200, 302),
    "GET /patients/{amina}/edit/":                                (200, 200, 403, 200, 403, 403, 403, 404, 302),
    "POST /patients/{amina}/edit/":                               (302, 302, 403, 302, 403, 403, 403, 404, 302),
    "GET /patients/{zara}/edit/":                                 (404, 404, 403, 404, 403, 403, 403, 200, 302),
    "POST /patients/{zara}/edit/":                                (404, 404, 403, 404, 403, 403, 403, 302, 302),
    "GET /patients/{amina}/history/":                             (200, 200, 403, 403, 403, 403, 403, 404, 302),
    "POST /patients/{amina}/history/":                            (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "GET /patients/{zara}/history/":                              (404, 404, 403, 403, 403, 403, 403, 200, 302),
    "POST /patients/{zara}/history/":                             (404, 404, 403, 403, 403, 403, 403, 302, 302),
    "GET /patients/{amina}/history/1/":                           (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /patients/{zara}/history/1/":                            (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /patients/{amina}/consents/new/":                        (200, 200, 403, 403, 403, 403, 403, 404, 302),
    "POST /patients/{amina}/consents/new/":                       (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "GET /patients/{zara}/consents/new/":                         (404, 404, 403, 403, 403, 403, 403, 200, 302),
    "POST /patients/{zara}/consents/new/":                        (404, 404, 403, 403, 403, 403, 403, 302, 302),
    "GET /patients/consents/{amina_consent}/":                    (200, 200, 403, 200, 200, 403, 403, 404, 302),
    "GET /patients/consents/{zara_consent}/":                     (404, 404, 403, 404, 404, 403, 403, 200, 302),
    "POST /patients/consents/{amina_consent}/withdraw/":          (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "POST /patients/consents/{zara_consent}/withdraw/":           (404, 404, 403, 403, 403, 403, 403, 302, 302),
    # Scar assessments (assessment.view: physician, nurse, director; assessment.record:
    # physician) and questionnaires entered in the clinic (pro.record: physician, nurse)
    "GET /assessments/patient/{amina}/section/":                  (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /assessments/patient/{zara}/section/":                   (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /assessments/patient/{amina}/new/":                      (200, 403, 403, 403, 403, 403, 403, 404, 302),
    "POST /assessments/patient/{amina}/new/":                     (302, 403, 403, 403, 403, 403, 403, 404, 302),
    "GET /assessments/patient/{zara}/new/":                       (404, 403, 403, 403, 403, 403, 403, 200, 302),
    "POST /assessments/patient/{zara}/new/":                      (404, 403, 403, 403, 403, 403, 403, 302, 302),
    "POST /assessments/preview/":                                 (200, 403, 403, 403, 403, 403, 403, 200, 302),
    "GET /assessments/{amina_assessment}/":                       (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /assessments/{zara_assessment}/":                        (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /assessments/{amina_assessment}/edit/":                  (200, 403, 403, 403, 403, 403, 403, 404, 302),
    "POST /assessments/{amina_assessment}/edit/":                 (302, 403, 403, 403, 403, 403, 403, 404, 302),
    "GET /assessments/{zara_assessment}/edit/":                   (404, 403, 403, 403, 403, 403, 403, 200, 302),
    "POST /assessments/{amina_assessment}/sign/":                 (302, 403, 403, 403, 403, 403, 403, 404, 302),
    "POST /assessments/{zara_assessment}/sign/":                  (404, 403, 403, 403, 403, 403, 403, 302, 302),
    "GET /assessments/{amina_signed}/addendum/":                  (200, 403, 403, 403, 403, 403, 403, 404, 302),
    "POST /assessments/{amina_signed}/addendum/":                 (302, 403, 403, 403, 403, 403, 403, 404, 302),
    "GET /assessments/{zara_signed}/addendum/":                   (404, 403, 403, 403, 403, 403, 403, 200, 302),
    "GET /assessments/patient/{amina}/questionnaire/":            (200, 200, 403, 403, 403, 403, 403, 404, 302),
    "POST /assessments/patient/{amina}/questionnaire/":           (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "GET /assessments/patient/{zara}/questionnaire/":             (404, 404, 403, 403, 403, 403, 403, 200, 302),
    "GET /portal/questionnaire/{pga}/":                           (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "POST /portal/questionnaire/{pga}/":                          (403, 403, 403, 403, 403, 403, 302, 403, 302),
    # The Django admin: director and admin hold admin.site; each model adds its own permission
    "GET /admin/":                                                (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/login/":                                          (200, 200, 200, 200, 302, 302, 200, 200, 200),
    "GET /admin/logout/":                                         (302, 302, 302, 302, 405, 405, 302, 302, 302),
    "GET /admin/password_change/":                                (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/password_change/done/":                           (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/autocomplete/":                                   (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/jsi18n/":                                         (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/r/{ct_patient}/{amina}/":                         (302, 302, 302, 302, 404, 404, 302, 302, 302),
    "GET /admin/accounts/":                                       (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/patients/":                                       (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/assessments/":                                    (302, 302, 302, 302, 200, 404, 302, 302, 302),
    "GET /admin/no-such-page/":                                   (302, 302, 302, 302, 404, 404, 302, 302, 302),
    "GET /admin/accounts/clinic/":                                (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/clinic/add/":                            (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/clinic/{clinic_a}/history/":             (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/clinic/{clinic_a}/delete/":              (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/accounts/clinic/{clinic_a}/change/":              (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/clinic/{clinic_a}/":                     (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/accounts/clinic/{clinic_b}/change/":              (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/accounts/membership/":                            (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/membership/add/":                        (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "POST /admin/accounts/membership/add/":                       (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/accounts/membership/{nurse_membership}/history/": (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/membership/{nurse_membership}/delete/":  (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/accounts/membership/{nurse_membership}/change/":  (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/membership/{nurse_membership}/":         (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/accounts/membership/{outsider_membership}/change/": (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/accounts/user/":                                  (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/user/add/":                              (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/user/{nurse_user}/history/":             (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/user/{nurse_user}/delete/":              (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/accounts/user/{nurse_user}/change/":              (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/user/{nurse_user}/":                     (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/accounts/user/{nurse_user}/password/":            (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/accounts/user/{outsider_user}/change/":           (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/accounts/user/{outsider_user}/password/":         (302, 302, 302, 302, 404, 404, 302, 302, 302),
    "GET /admin/patients/patient/":                               (302, 302, 302, 302, 200, 403, 302, 302, 302),
    "GET /admin/patients/patient/add/":                           (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/patients/patient/{amina}/history/":               (302, 302, 302, 302, 200, 302, 302, 302, 302),
    "GET /admin/patients/patient/{amina}/delete/":                (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/patients/patient/{amina}/change/":                (302, 302, 302, 302, 200, 403, 302, 302, 302),
    "GET /admin/patients/patient/{amina}/":                       (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/patients/patient/{zara}/change/":                 (302, 302, 302, 302, 302, 403, 302, 302, 302),
    "GET /admin/patients/medicalhistoryversion/":                 (302, 302, 302, 302, 200, 403, 302, 302, 302),
    "GET /admin/patients/medicalhistoryversion/add/":             (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/patients/medicalhistoryversion/{amina_history}/history/": (302, 302, 302, 302, 200, 302, 302, 302, 302),
    "GET /admin/patients/medicalhistoryversion/{amina_history}/delete/":  (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/patients/medicalhistoryversion/{amina_history}/change/":  (302, 302, 302, 302, 200, 403, 302, 302, 302),
    "GET /admin/patients/medicalhistoryversion/{amina_history}/":         (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/patients/medicalhistoryversion/{zara_history}/change/":   (302, 302, 302, 302, 302, 403, 302, 302, 302),
    "GET /admin/patients/signedconsent/":                         (302, 302, 302, 302, 200, 403, 302, 302, 302),
    "GET /admin/patients/signedconsent/add/":                     (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/patients/signedconsent/{amina_consent}/history/": (302, 302, 302, 302, 200, 302, 302, 302, 302),
    "GET /admin/patients/signedconsent/{amina_consent}/delete/":  (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/patients/signedconsent/{amina_consent}/change/":  (302, 302, 302, 302, 200, 403, 302, 302, 302),
    "GET /admin/patients/signedconsent/{amina_consent}/":         (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/patients/signedconsent/{zara_consent}/change/":   (302, 302, 302, 302, 302, 403, 302, 302, 302),
    "GET /admin/patients/consenttemplate/":                       (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/patients/consenttemplate/add/":                   (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/patients/consenttemplate/{prp_template}/history/": (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/patients/consenttemplate/{prp_template}/delete/": (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/patients/consenttemplate/{prp_template}/change/": (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/patients/consenttemplate/{prp_template}/":        (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/patients/consenttemplateversion/":                (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "POST /admin/patients/consenttemplateversion/":               (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/patients/consenttemplateversion/add/":            (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/patients/consenttemplateversion/{prp_consent}/history/": (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/patients/consenttemplateversion/{prp_consent}/delete/":  (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/patients/consenttemplateversion/{prp_consent}/change/":  (302, 302, 302, 302, 200, 200, 302, 302, 302),
    "GET /admin/patients/consenttemplateversion/{prp_consent}/":         (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/patients/consenttemplateversion/{zara_prp}/change/":     (302, 302, 302, 302, 302, 302, 302, 302, 302),
    # Questionnaire definitions: instrument.manage is the director's; built-ins are read-only
    "GET /admin/assessments/instrument/":                         (302, 302, 302, 302, 200, 403, 302, 302, 302),
    "GET /admin/assessments/instrument/add/":                     (302, 302, 302, 302, 200, 403, 302, 302, 302),
    "GET /admin/assessments/instrument/{clinic_a_instrument}/history/": (302, 302, 302, 302, 200, 302, 302, 302, 302),
    "GET /admin/assessments/instrument/{clinic_a_instrument}/delete/":  (302, 302, 302, 302, 403, 403, 302, 302, 302),
    "GET /admin/assessments/instrument/{clinic_a_instrument}/change/":  (302, 302, 302, 302, 200, 403, 302, 302, 302),
    "GET /admin/assessments/instrument/{clinic_a_instrument}/":         (302, 302, 302, 302, 302, 302, 302, 302, 302),
    "GET /admin/assessments/instrument/{pga}/change/":            (302, 302, 302, 302, 200, 403, 302, 302, 302),
    "GET /admin/assessments/instrument/{clinic_b_instrument}/change/":  (302, 302, 302, 302, 302, 403, 302, 302, 302),
    # The API: session sign-in, 401 for anonymous callers
    "GET /api/v1/":                                               (404, 404, 404, 404, 404, 404, 404, 404, 404),
    "GET /api/v1/docs":                                           (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/openapi.json":                                   (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/v1/patients":                                       (200, 200, 200, 200, 200, 403, 403, 200, 401),
    "GET /api/v1/patients?clinic_id={clinic_b}":                  (403, 403, 403, 403, 403, 403, 403, 200, 401),
    "POST /api/v1/patients":                                      (201, 201, 403, 201, 403, 403, 403, 201, 401),
    "GET /api/v1/patients/{amina}":                               (200, 200, 200, 200, 200, 403, 403, 404, 401),
    "GET /api/v1/patients/{zara}":                                (404, 404, 404, 404, 404, 403, 403, 200, 401),
    "PATCH /api/v1/patients/{amina}":                             (200, 200, 403, 200, 403, 403, 403, 404, 401),
    "PATCH /api/v1/patients/{zara}":                              (404, 404, 403, 404, 403, 403, 403, 200, 401),
    "GET /api/v1/patients/{amina}/history":                       (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/patients/{zara}/history":                        (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/patients/{amina}/history":                      (201, 201, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/patients/{zara}/history":                       (404, 404, 403, 403, 403, 403, 403, 201, 401),
    "GET /api/v1/patients/consent-templates":                     (200, 200, 403, 200, 200, 403, 403, 200, 401),
    "GET /api/v1/patients/{amina}/consents":                      (200, 200, 403, 200, 200, 403, 403, 404, 401),
    "GET /api/v1/patients/{zara}/consents":                       (404, 404, 403, 404, 404, 403, 403, 200, 401),
    "POST /api/v1/patients/{amina}/consents":                     (201, 201, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/patients/{zara}/consents":                      (404, 404, 403, 403, 403, 403, 403, 201, 401),
    "POST /api/v1/patients/consents/{amina_consent}/withdraw":    (200, 200, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/patients/consents/{zara_consent}/withdraw":     (404, 404, 403, 403, 403, 403, 403, 200, 401),
    "POST /api/v1/assessments/score":                             (200, 200, 403, 403, 200, 403, 403, 200, 401),
    "GET /api/v1/assessments/instruments":                        (200, 200, 403, 403, 200, 403, 403, 200, 401),
    "GET /api/v1/assessments/patient/{amina}":                    (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/assessments/patient/{zara}":                     (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/assessments/patient/{amina}":                   (201, 403, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/assessments/patient/{zara}":                    (404, 403, 403, 403, 403, 403, 403, 201, 401),
    "GET /api/v1/assessments/{amina_assessment}":                 (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/assessments/{zara_assessment}":                  (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/assessments/{amina_assessment}/sign":           (200, 403, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/assessments/{zara_assessment}/sign":            (404, 403, 403, 403, 403, 403, 403, 200, 401),
    "POST /api/v1/assessments/{amina_signed}/addenda":            (201, 403, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/assessments/{zara_signed}/addenda":             (404, 403, 403, 403, 403, 403, 403, 201, 401),
    "GET /api/v1/assessments/patient/{amina}/questionnaires":     (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/assessments/patient/{zara}/questionnaires":      (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/assessments/patient/{amina}/questionnaires":    (201, 201, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/assessments/patient/{zara}/questionnaires":     (404, 404, 403, 403, 403, 403, 403, 201, 401),
    "GET /api/v1/portal/me":                                      (403, 403, 403, 403, 403, 403, 200, 403, 401),
}

# The roles whose request must change the database; for every other cell nothing may change.
CHANGES_DATABASE: dict[str, set[str]] = {
    "POST /logout/everywhere/": {"physician", "nurse", "lab", "frontdesk", "director", "admin", "patient", "outsider"},
    # The portal patient's language choice is their record's preferred language too.
    "POST /language/": {"patient"},
    "POST /patients/register/":                               {"physician", "nurse", "frontdesk", "outsider"},
    "POST /patients/{amina}/edit/":                           {"physician", "nurse", "frontdesk"},
    "POST /patients/{zara}/edit/":                            {"outsider"},
    "POST /patients/{amina}/history/":                        {"physician", "nurse"},
    "POST /patients/{zara}/history/":                         {"outsider"},
    "POST /patients/{amina}/consents/new/":                   {"physician", "nurse"},
    "POST /patients/{zara}/consents/new/":                    {"outsider"},
    "POST /patients/consents/{amina_consent}/withdraw/":      {"physician", "nurse"},
    "POST /patients/consents/{zara_consent}/withdraw/":       {"outsider"},
    "POST /assessments/patient/{amina}/new/":                 {"physician"},
    "POST /assessments/patient/{zara}/new/":                  {"outsider"},
    "POST /assessments/{amina_assessment}/edit/":             {"physician"},
    "POST /assessments/{amina_assessment}/sign/":             {"physician"},
    "POST /assessments/{zara_assessment}/sign/":              {"outsider"},
    "POST /assessments/{amina_signed}/addendum/":             {"physician"},
    "POST /assessments/patient/{amina}/questionnaire/":       {"physician", "nurse"},
    "POST /portal/questionnaire/{pga}/":                      {"patient"},
    "POST /admin/accounts/membership/add/":                   {"director", "admin"},
    "POST /admin/patients/consenttemplateversion/":           {"director", "admin"},
    "POST /api/v1/patients":                                  {"physician", "nurse", "frontdesk", "outsider"},
    "PATCH /api/v1/patients/{amina}":                         {"physician", "nurse", "frontdesk"},
    "PATCH /api/v1/patients/{zara}":                          {"outsider"},
    "POST /api/v1/patients/{amina}/history":                  {"physician", "nurse"},
    "POST /api/v1/patients/{zara}/history":                   {"outsider"},
    "POST /api/v1/patients/{amina}/consents":                 {"physician", "nurse"},
    "POST /api/v1/patients/{zara}/consents":                  {"outsider"},
    "POST /api/v1/assessments/patient/{amina}":               {"physician"},
    "POST /api/v1/assessments/patient/{zara}":                {"outsider"},
    "POST /api/v1/assessments/{amina_assessment}/sign":       {"physician"},
    "POST /api/v1/assessments/{zara_assessment}/sign":        {"outsider"},
    "POST /api/v1/assessments/{amina_signed}/addenda":        {"physician"},
    "POST /api/v1/assessments/{zara_signed}/addenda":         {"outsider"},
    "POST /api/v1/assessments/patient/{amina}/questionnaires": {"physician", "nurse"},
    "POST /api/v1/assessments/patient/{zara}/questionnaires": {"outsider"},
    "POST /api/v1/patients/consents/{amina_consent}/withdraw": {"physician", "nurse"},
    "POST /api/v1/patients/consents/{zara_consent}/withdraw":  {"outsider"},
}
# fmt: on

# The photo and consultation modules keep their rows beside their views, written by hand the
# same way; the matrix takes them in whole, and the completeness test covers them too.
MATRIX |= PHOTO_ROUTES | CONSULTATION_ROUTES | PLAN_ROUTES
CHANGES_DATABASE |= PHOTO_CHANGES_DATABASE | CONSULTATION_CHANGES_DATABASE | PLAN_CHANGES_DATABASE

MATRIX |= BIOLOGICS_ROUTES
CHANGES_DATABASE |= BIOLOGICS_CHANGES_DATABASE

MATRIX |= OUTCOMES_ROUTES
CHANGES_DATABASE |= OUTCOMES_CHANGES_DATABASE

MATRIX |= INTEROP_ROUTES
CHANGES_DATABASE |= INTEROP_CHANGES_DATABASE

MATRIX |= ANALYTICS_ROUTES
CHANGES_DATABASE |= ANALYTICS_CHANGES_DATABASE

MATRIX |= PORTAL_ROUTES
CHANGES_DATABASE |= PORTAL_CHANGES_DATABASE

MATRIX |= OPS_ROUTES
CHANGES_DATABASE |= OPS_CHANGES_DATABASE

EXPECTED: dict[str, dict[str, int]] = {
    route: dict(zip(ROLES, row, strict=True)) for route, row in MATRIX.items()
}


def _assessments(patient: Patient, physician: User) -> tuple[ScarAssessment, ScarAssessment]:
    """A graded draft (ready to sign) and a signed assessment of the patient."""
    draft, signed = (
        assessment_services.assessment_save(
            patient=patient,
            by=physician,
            visit_date=timezone.localdate(),
            findings={"cheek_left": {"ice_pick": 4}},
            qualitative_grade=2,
            sign=sign,
        )
        for sign in (False, True)
    )
    return draft, signed


@pytest.fixture
def world(cast: Cast, settings: Any, tmp_path: Any) -> World:
    """The cast, plus the objects the matrix names: a signed consent and history on each
    side of the clinic boundary, a draft wording at A."""
    settings.MEDIA_ROOT = tmp_path / "media"
    zara_prp = ConsentTemplateVersion.objects.get(template__clinic=cast.clinic_b)
    amina_consent = services.consent_sign(
        patient=cast.amina,
        template_version=cast.prp_consent,
        by=cast.nurse,
        signer_name="Amina Qureshi",
        method="drawn",
        signature_png=DRAWN,
    )
    zara_consent = services.consent_sign(
        patient=cast.zara,
        template_version=zara_prp,
        by=cast.outsider,
        signer_name="Zara Malik",
        method="drawn",
        signature_png=DRAWN,
    )
    zara_history = services.history_record(patient=cast.zara, by=cast.outsider, fitzpatrick=3)
    amina_assessment, amina_signed = _assessments(cast.amina, cast.physician)
    zara_assessment, zara_signed = _assessments(cast.zara, cast.outsider)
    instrument_items = Instrument.objects.get(code="pga", clinic=None).items
    clinic_a_instrument, clinic_b_instrument = (
        Instrument.objects.create(
            clinic=clinic, code="bother", name="Bother", items=instrument_items
        )
        for clinic in (cast.clinic_a, cast.clinic_b)
    )
    draft = ConsentTemplateVersionFactory(
        template=cast.prp_consent.template, version=2, status="draft", body="New PRP wording."
    )
    ids = {
        "amina": cast.amina.pk,
        "bilal": cast.bilal.pk,
        "zara": cast.zara.pk,
        "amina_history": MedicalHistoryVersion.objects.get(patient=cast.amina, version=1).pk,
        "zara_history": zara_history.pk,
        "amina_assessment": amina_assessment.pk,
        "amina_signed": amina_signed.pk,
        "zara_assessment": zara_assessment.pk,
        "zara_signed": zara_signed.pk,
        "pga": Instrument.objects.get(code="pga", clinic=None).pk,
        "clinic_a_instrument": clinic_a_instrument.pk,
        "clinic_b_instrument": clinic_b_instrument.pk,
        "amina_consent": amina_consent.pk,
        "zara_consent": zara_consent.pk,
        "prp_consent": cast.prp_consent.pk,
        "prp_template": cast.prp_consent.template_id,
        "zara_prp": zara_prp.pk,
        "draft": draft.pk,
        "clinic_a": cast.clinic_a.pk,
        "clinic_b": cast.clinic_b.pk,
        "nurse_user": cast.nurse.pk,
        "outsider_user": cast.outsider.pk,
        # A new account not yet in any clinic: what an administrator adds to their clinic.
        "newcomer_user": User.objects.create_user(username="newcomer", password="x" * 12).pk,
        "nurse_membership": Membership.objects.get(user=cast.nurse).pk,
        "outsider_membership": Membership.objects.get(user=cast.outsider).pk,
        "ct_patient": ContentType.objects.get_for_model(Patient).pk,
    }
    ids |= photo_world(cast) | consultation_world(cast)
    ids |= plan_world(cast)
    ids |= biologics_world(cast)
    ids |= outcomes_world(cast)
    ids |= interop_world(cast)
    ids |= portal_world(cast, ids)
    return World(cast=cast, ids=ids)


def _demographics(patient: Patient, **changes: str) -> dict[str, str]:
    return {
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "phone": patient.phone,
        "email": patient.email,
        "address": patient.address,
        "preferred_language": patient.preferred_language,
        **changes,
    }


_NEW_PATIENT = {
    "mrn": "N-0100",
    "given_name": "Noor",
    "family_name": "Fatima",
    "date_of_birth": "1999-05-01",
    "sex": "female",
    "phone": "+92 300 7654321",
    "email": "",
    "address": "",
    "preferred_language": "en",
}
_HISTORY_FORM = {
    "acne_severity": "none",
    "isotretinoin": "never",
    "isotretinoin_last_dose": "",
    "allergies": "penicillin",
    "fitzpatrick": "4",
    "change_note": "Review",
}


_ASSESSMENT_FORM = {
    "visit_date": timezone.localdate().isoformat(),
    "qualitative_grade": "3",
    "fitzpatrick": "4",
    "keloid_area_cm2": "0",
    "texture_notes": "Rolling scars, both cheeks",
    "f__cheek_right__rolling": "6",
}
_ASSESSMENT_JSON = {
    "visit_date": timezone.localdate().isoformat(),
    "findings": {"cheek_right": {"rolling": 6}},
    "qualitative_grade": 3,
}


def _pro_json(world: World) -> dict[str, Any]:
    return {
        "instrument_id": world.ids["pga"],
        "visit_date": timezone.localdate().isoformat(),
        "answers": {"bother": 6},
    }


def _consent_form(version_id: int, signer: str) -> dict[str, Any]:
    return {
        "template_version": version_id,
        "confirm_read": "on",
        "signer_name": signer,
        "signer_relation": "self",
        "method": "drawn",
        "signature_png": DRAWN,
        "typed_name": "",
        "witness": "",
    }


def _consent_json(version_id: int, signer: str) -> dict[str, Any]:
    return {
        "template_version_id": version_id,
        "signer_name": signer,
        "method": "drawn",
        "signature_png": DRAWN,
    }


# A valid body for every route that writes: what an allowed role would send.
BODIES: dict[str, Callable[[World], dict[str, Any]]] = {
    "POST /logout/": lambda w: {},
    "POST /logout/everywhere/": lambda w: {},
    "POST /2fa/setup/": lambda w: {"code": "000000"},
    "POST /2fa/verify/": lambda w: {"code": "000000"},
    "POST /2fa/recovery-codes/": lambda w: {},
    "POST /clinic/switch/": lambda w: {"clinic_id": w.ids["clinic_a"]},
    "POST /language/": lambda w: {"language": "ur", "next": "/"},
    "POST /patients/register/": lambda w: _NEW_PATIENT,
    "POST /patients/{amina}/edit/": lambda w: _demographics(w.cast.amina, phone="+92 321 0000001"),
    "POST /patients/{zara}/edit/": lambda w: _demographics(w.cast.zara, phone="+92 321 0000002"),
    "POST /patients/{amina}/history/": lambda w: _HISTORY_FORM,
    "POST /patients/{zara}/history/": lambda w: _HISTORY_FORM,
    "POST /patients/{amina}/consents/new/": lambda w: _consent_form(
        w.ids["prp_consent"], "Amina Qureshi"
    ),
    "POST /patients/{zara}/consents/new/": lambda w: _consent_form(w.ids["zara_prp"], "Zara Malik"),
    "POST /patients/consents/{amina_consent}/withdraw/": lambda w: {"reason": "Patient's wish"},
    "POST /patients/consents/{zara_consent}/withdraw/": lambda w: {"reason": "Patient's wish"},
    "POST /assessments/patient/{amina}/new/": lambda w: _ASSESSMENT_FORM,
    "POST /assessments/patient/{zara}/new/": lambda w: _ASSESSMENT_FORM,
    "POST /assessments/preview/": lambda w: _ASSESSMENT_FORM,
    "POST /assessments/{amina_assessment}/edit/": lambda w: _ASSESSMENT_FORM,
    "POST /assessments/{amina_assessment}/sign/": lambda w: {},
    "POST /assessments/{zara_assessment}/sign/": lambda w: {},
    "POST /assessments/{amina_signed}/addendum/": lambda w: {"note": "Recounted the left cheek"},
    "POST /assessments/patient/{amina}/questionnaire/": lambda w: {
        "instrument": w.ids["pga"],
        "visit_date": timezone.localdate().isoformat(),
        "item__bother": "6",
    },
    "POST /portal/questionnaire/{pga}/": lambda w: {
        "visit_date": timezone.localdate().isoformat(),
        "item__bother": "6",
    },
    "POST /admin/accounts/membership/add/": lambda w: {
        "user": w.ids["newcomer_user"],
        "clinic": w.ids["clinic_a"],
        "role": "nurse",
        "is_active": "on",
    },
    "POST /admin/patients/consenttemplateversion/": lambda w: {
        "action": "publish",
        "_selected_action": [w.ids["draft"]],
        "index": "0",
    },
    "POST /api/v1/patients": lambda w: {
        "mrn": "N-0100",
        "given_name": "Noor",
        "family_name": "Fatima",
        "date_of_birth": "1999-05-01",
    },
    "PATCH /api/v1/patients/{amina}": lambda w: {"phone": "+92 321 0000001"},
    "POST /api/v1/assessments/score": lambda w: {"findings": {"cheek_left": {"ice_pick": 4}}},
    "POST /api/v1/assessments/patient/{amina}": lambda w: _ASSESSMENT_JSON,
    "POST /api/v1/assessments/patient/{zara}": lambda w: _ASSESSMENT_JSON,
    "POST /api/v1/assessments/{amina_assessment}/sign": lambda w: {},
    "POST /api/v1/assessments/{zara_assessment}/sign": lambda w: {},
    "POST /api/v1/assessments/{amina_signed}/addenda": lambda w: {"note": "Recounted"},
    "POST /api/v1/assessments/{zara_signed}/addenda": lambda w: {"note": "Recounted"},
    "POST /api/v1/assessments/patient/{amina}/questionnaires": lambda w: _pro_json(w),
    "POST /api/v1/assessments/patient/{zara}/questionnaires": lambda w: _pro_json(w),
    "PATCH /api/v1/patients/{zara}": lambda w: {"phone": "+92 321 0000002"},
    "POST /api/v1/patients/{amina}/history": lambda w: {"change_note": "Review", "fitzpatrick": 3},
    "POST /api/v1/patients/{zara}/history": lambda w: {"change_note": "Review", "fitzpatrick": 3},
    "POST /api/v1/patients/{amina}/consents": lambda w: _consent_json(
        w.ids["prp_consent"], "Amina Qureshi"
    ),
    "POST /api/v1/patients/{zara}/consents": lambda w: _consent_json(
        w.ids["zara_prp"], "Zara Malik"
    ),
    "POST /api/v1/patients/consents/{amina_consent}/withdraw": lambda w: {"reason": "Wish"},
    "POST /api/v1/patients/consents/{zara_consent}/withdraw": lambda w: {"reason": "Wish"},
}

BODIES |= CONSULTATION_BODIES | PLAN_BODIES
BODIES |= {route: (lambda w, body=body: body(w.ids)) for route, body in PHOTO_BODIES.items()}

BODIES |= BIOLOGICS_BODIES
BODIES |= ANALYTICS_BODIES
BODIES |= OUTCOMES_BODIES
BODIES |= INTEROP_BODIES
BODIES |= PORTAL_BODIES

# What a refusal must never show: the cast's patients' names and MRNs.
PATIENT_SECRETS = ("Amina", "Qureshi", "A-0001", "Bilal", "A-0002", "Zara", "Malik", "B-0001")


def _core_tables() -> dict[str, QuerySet[Any, Any]]:
    return {
        "clinics": Clinic.objects.order_by("pk").values(),
        "users": User.objects.order_by("pk").values(
            "pk",
            "username",
            "password",
            "is_active",
            "is_staff",
            "is_superuser",
            "session_epoch",
        ),
        "memberships": Membership.objects.order_by("pk").values(),
        "patients": Patient.objects.order_by("pk").values(),
        "history": MedicalHistoryVersion.objects.order_by("pk").values(),
        "templates": ConsentTemplate.objects.order_by("pk").values(),
        "wordings": ConsentTemplateVersion.objects.order_by("pk").values(),
        "consents": SignedConsent.objects.order_by("pk").values(),
        "assessments": ScarAssessment.objects.order_by("pk").values(),
        "findings": RegionFinding.objects.order_by("pk").values(),
        "addenda": AssessmentAddendum.objects.order_by("pk").values(),
        "instruments": Instrument.objects.order_by("pk").values(),
        "questionnaires": PatientReportedOutcome.objects.order_by("pk").values(),
        "photo_sets": PhotoSet.objects.order_by("pk").values(),
        "photos": Photo.objects.order_by("pk").values(),
        "photo_grants": PhotoConsentGrant.objects.order_by("pk").values(),
        # Not treatments.Screening: opening a consultation records the screening it showed.
        "labs": ConsultationLabs.objects.order_by("pk").values(),
        "decisions": SharedDecision.objects.order_by("pk").values(),
        "rules": CandidacyRuleSettings.objects.order_by("pk").values(),
        "prices": PriceListEntry.objects.order_by("pk").values(),
    }


@functools.cache
def _core_rows() -> CompiledRows:
    return CompiledRows(_core_tables())  # SQL compiled once a process


def _snapshot() -> dict[str, list[Any]]:
    """The rows a request could change (the audit log and sessions aside)."""
    return (
        _core_rows()()
        | plan_snapshot()
        | biologics_snapshot()
        | outcomes_snapshot()
        | interop_snapshot()
        | portal_snapshot()
    )


def _send(client: Client, route: str, world: World) -> Any:
    body = BODIES[route](world) if route in BODIES else None
    return send(client, route, world.ids, body, multipart=route in MULTIPART_API_ROUTES)


def _refusal_leaks(response: Any) -> list[str]:
    if response.status_code < 300:
        return []
    shown = response.content.decode(errors="replace") + response.get("Location", "")
    return [secret for secret in PATIENT_SECRETS if secret in shown]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_the_column_of_the_matrix(role: str, world: World) -> None:
    client = Client()
    if role != "anonymous":
        client.force_login(world.cast.users[role])
    statuses: dict[str, int] = {}
    writes: set[str] = set()
    leaks: dict[str, list[str]] = {}
    reads = [route for route in MATRIX if route.startswith("GET ")]
    baseline = _snapshot()
    for route in reads:
        response = _send(client, route, world)
        statuses[route] = response.status_code
        leaks[route] = _refusal_leaks(response)
    assert _snapshot() == baseline, "a GET changed the database"
    for route in (r for r in MATRIX if not r.startswith("GET ")):
        # Each write runs in a savepoint that is rolled back, and on a copy of the session
        # cookie (logout flushes it), so every route meets the baseline and the sign-in.
        cookies = client.cookies
        client.cookies = type(cookies)(cookies.output(header="", sep=";"))
        with transaction.atomic():
            response = _send(client, route, world)
            if _snapshot() != baseline:
                writes.add(route)
            transaction.set_rollback(True)
        client.cookies = cookies
        statuses[route] = response.status_code
        leaks[route] = _refusal_leaks(response)
    assert statuses == {route: expected[role] for route, expected in EXPECTED.items()}
    assert writes == {route for route, roles in CHANGES_DATABASE.items() if role in roles}
    assert {route: found for route, found in leaks.items() if found} == {}


# ---------------------------------------------------------------------------------------
# Completeness: every route of the project is in the matrix


def _join(prefix: str, pattern: str) -> str:
    # Django's ResolverMatch.route drops the leading ^ of a nested regex pattern.
    return prefix + pattern.removeprefix("^") if prefix else pattern


def _url_routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> set[str]:
    routes: set[str] = set()
    for pattern in patterns:
        route = _join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            routes |= _url_routes(pattern.url_patterns, route)
        else:
            routes.add(route)
    return routes


def test_every_url_pattern_and_api_operation_is_in_the_matrix() -> None:
    covered = {row_route(key) for key in MATRIX}
    url_routes = _url_routes(get_resolver().url_patterns)
    assert url_routes - {route for _, route in covered} == set()

    def openapi_path(route: str) -> str:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)

    operations = {
        (method.upper(), path)
        for path, item in api.get_openapi_schema()["paths"].items()
        for method in item
    }
    covered_operations = {(method, openapi_path(route)) for method, route in covered}
    assert operations - covered_operations == set()


def test_every_matrix_row_has_a_body_when_it_writes_and_names_only_known_objects(
    world: World,
) -> None:
    for key in MATRIX:
        method, template = key.split(" ", 1)
        template.format(**world.ids)  # a KeyError names an unknown placeholder
        if method in {"POST", "PATCH"}:
            assert key in BODIES, key
    assert set(CHANGES_DATABASE) <= set(MATRIX)
    assert set(BODIES) <= set(MATRIX)


# ---------------------------------------------------------------------------------------
# Stories the matrix cannot tell on its own


OBJECTS_AT_B = [
    key
    for key in MATRIX
    if key.startswith("GET ") and re.search(r"\{\w*(zara|clinic_b|outsider)\w*\}", key)
]


def _seen(response: Any, object_id: str) -> tuple[int, str, bytes]:
    # The id itself differs between the two answers; nothing else may.
    alone = rf"(?<!\d){object_id}(?!\d)"
    location = re.sub(alone, "ID", response.get("Location", ""))
    # A CSRF token (64 letters and digits, masked afresh for every response) is no leak.
    body = re.sub(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])", b"CSRF", response.content)
    return response.status_code, location, re.sub(alone.encode(), b"ID", body)


@pytest.mark.parametrize("role", ["physician", "frontdesk", "director", "admin"])
def test_another_clinics_record_is_answered_exactly_like_one_that_does_not_exist(
    role: str, world: World
) -> None:
    client = Client()
    client.force_login(world.cast.users[role])
    differences: dict[str, tuple[int, int]] = {}
    for route in OBJECTS_AT_B:
        template = route.split(" ", 1)[1]
        name = re.findall(r"\{(\w+)\}", template)[-1]
        other = client.get(template.format(**world.ids))
        missing = client.get(template.format(**(world.ids | {name: 987_654})))
        if _seen(other, str(world.ids[name])) != _seen(missing, "987654"):
            differences[route] = (other.status_code, missing.status_code)
    assert differences == {}


def test_the_portal_patient_sees_their_own_record_and_no_one_elses(
    world: World, client: Client
) -> None:
    client.force_login(world.cast.patient)
    page = client.get("/portal/").content.decode()
    assert "Amina" in page and "A-0001" in page
    assert "Bilal" not in page and "Zara" not in page
    me = client.get("/api/v1/portal/me").json()
    assert (me["id"], me["mrn"]) == (world.cast.amina.pk, "A-0001")


def test_a_portal_sign_in_without_a_linked_record_gets_404(world: World, client: Client) -> None:
    Patient.objects.filter(pk=world.cast.amina.pk).update(portal_user=None)
    client.force_login(world.cast.patient)
    assert client.get("/portal/").status_code == 404
    assert client.get("/api/v1/portal/me").status_code == 404


def test_an_administrator_of_clinic_a_cannot_grant_a_membership_at_clinic_b(
    world: World, client: Client
) -> None:
    client.force_login(world.cast.admin)
    response = client.post(
        "/admin/accounts/membership/add/",
        {
            "user": world.cast.admin.pk,
            "clinic": world.cast.clinic_b.pk,
            "role": "physician",
            "is_active": "on",
        },
    )
    assert response.status_code in {200, 403, 404}
    assert not Membership.objects.filter(user=world.cast.admin, clinic=world.cast.clinic_b).exists()


def test_an_administrator_of_clinic_a_cannot_create_a_consent_template_at_clinic_b(
    world: World, client: Client
) -> None:
    client.force_login(world.cast.admin)
    response = client.post(
        "/admin/patients/consenttemplate/add/",
        {"clinic": world.cast.clinic_b.pk, "procedure_type": "laser", "title": "Laser at B"},
    )
    assert response.status_code in {200, 403, 404}
    assert not ConsentTemplate.objects.filter(clinic=world.cast.clinic_b, procedure_type="laser")


def test_an_administrator_cannot_pick_staff_of_another_clinic_for_a_membership(
    world: World, client: Client
) -> None:
    # Another clinic's staff list (and its portal patients' logins) is not theirs to see.
    client.force_login(world.cast.admin)
    response = client.post(
        "/admin/accounts/membership/add/",
        {
            "user": world.cast.outsider.pk,
            "clinic": world.cast.clinic_a.pk,
            "role": "nurse",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Membership.objects.filter(
        user=world.cast.outsider, clinic=world.cast.clinic_a
    ).exists()
