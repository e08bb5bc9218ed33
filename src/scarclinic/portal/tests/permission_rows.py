"""The patient portal's rows of the global permissions matrix (tests/test_permissions_matrix.py).

Same shape as its MATRIX: "METHOD path" -> statuses for the columns
physician, nurse, lab, frontdesk, director, admin, patient, outsider, anonymous.
Written out by hand from accounts/roles.py and the views, never computed:

- the patient's pages need portal.own, which only the patient role holds (staff: 403); every
  id is looked up with the patient's own record, so Zara's objects are 404 for Amina's
  sign-in, exactly like missing ones;
- the invitation link is open to anyone holding its token (it is the credential); a signed-in
  visitor is asked to sign out first and nothing changes;
- the clinic's side: the portal access page and invitations need patient.edit (physician,
  nurse, front desk; the outsider at clinic B for Zara), sending a consent needs
  consent.record (physician, nurse), marking a health update read needs history.edit.

To merge: add PORTAL_ROUTES to MATRIX, PORTAL_CHANGES_DATABASE to CHANGES_DATABASE,
PORTAL_BODIES to BODIES, ``portal_world(cast, ids)`` (after plan_world: it gives post-care
for the session done there) to the world's ids and ``portal_snapshot()`` to the snapshot.
New placeholders: {amina_given} {zara_given} post-care given after a session;
{amina_consent_request} {zara_consent_request} a consent sent to sign in the portal;
{amina_update} {zara_update} a health update from the patient; {invitation_token} an open
invitation of Amina; {photo_template} {zara_laser_template} a consent template at A and at B with nothing sent yet.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tests.cast import Cast

# fmt: off
PORTAL_ROUTES: dict[str, tuple[int, int, int, int, int, int, int, int, int]] = {
    #                                                              phys nurse lab desk  dir  adm  pat  out anon
    # The patient's own pages (portal.own)
    "GET /portal/appointments/":                                  (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "GET /portal/appointments.ics":                               (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "GET /portal/appointments/{amina_appointment}.ics":           (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "GET /portal/appointments/{zara_appointment}.ics":            (403, 403, 403, 403, 403, 403, 404, 403, 302),
    "GET /portal/plan/":                                          (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "GET /portal/aftercare/":                                     (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "POST /portal/aftercare/{amina_given}/day/0/":                (403, 403, 403, 403, 403, 403, 302, 403, 302),
    "POST /portal/aftercare/{zara_given}/day/0/":                 (403, 403, 403, 403, 403, 403, 404, 403, 302),
    "GET /portal/consents/":                                      (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "GET /portal/consents/{amina_consent}/":                      (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "GET /portal/consents/{zara_consent}/":                       (403, 403, 403, 403, 403, 403, 404, 403, 302),
    "GET /portal/consents/to-sign/{amina_consent_request}/":      (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "POST /portal/consents/to-sign/{amina_consent_request}/":     (403, 403, 403, 403, 403, 403, 302, 403, 302),
    "GET /portal/consents/to-sign/{zara_consent_request}/":       (403, 403, 403, 403, 403, 403, 404, 403, 302),
    "POST /portal/consents/to-sign/{zara_consent_request}/":      (403, 403, 403, 403, 403, 403, 404, 403, 302),
    "GET /portal/questionnaires/":                                (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "GET /portal/questionnaire/{clinic_b_instrument}/":           (403, 403, 403, 403, 403, 403, 404, 403, 302),
    "GET /portal/health-update/":                                 (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "POST /portal/health-update/":                                (403, 403, 403, 403, 403, 403, 302, 403, 302),
    "GET /portal/progress/":                                      (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "GET /portal/side-effect/":                                   (403, 403, 403, 403, 403, 403, 200, 403, 302),
    "POST /portal/side-effect/":                                  (403, 403, 403, 403, 403, 403, 302, 403, 302),
    # The API: the patient's own appointments and side-effect reports
    "GET /api/v1/portal/appointments":                            (403, 403, 403, 403, 403, 403, 200, 403, 401),
    "POST /api/v1/portal/side-effects":                           (403, 403, 403, 403, 403, 403, 201, 403, 401),
    # The invitation link: its token is the credential
    "GET /portal/welcome/{invitation_token}/":                    (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "POST /portal/welcome/{invitation_token}/":                   (200, 200, 200, 200, 200, 200, 200, 200, 302),
    "GET /portal/welcome/not-a-token/":                           (404, 404, 404, 404, 404, 404, 404, 404, 404),
    # The clinic's side
    "GET /portal/staff/patients/{amina}/":                        (200, 200, 403, 200, 403, 403, 403, 404, 302),
    "GET /portal/staff/patients/{zara}/":                         (404, 404, 403, 404, 403, 403, 403, 200, 302),
    "POST /portal/staff/patients/{amina}/invite/":                (200, 200, 403, 200, 403, 403, 403, 404, 302),
    "POST /portal/staff/patients/{zara}/invite/":                 (404, 404, 403, 404, 403, 403, 403, 200, 302),
    "POST /portal/staff/patients/{amina}/consents/":              (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "POST /portal/staff/patients/{zara}/consents/":               (404, 404, 403, 403, 403, 403, 403, 302, 302),
    "POST /portal/staff/health-updates/{amina_update}/read/":     (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "POST /portal/staff/health-updates/{zara_update}/read/":      (404, 404, 403, 403, 403, 403, 403, 302, 302),
}

PORTAL_CHANGES_DATABASE: dict[str, set[str]] = {
    "POST /portal/aftercare/{amina_given}/day/0/":                {"patient"},
    "POST /portal/consents/to-sign/{amina_consent_request}/":     {"patient"},
    "POST /portal/health-update/":                                {"patient"},
    "POST /portal/side-effect/":                                  {"patient"},
    "POST /api/v1/portal/side-effects":                           {"patient"},
    "POST /portal/welcome/{invitation_token}/":                   {"anonymous"},
    "POST /portal/staff/patients/{amina}/invite/":                {"physician", "nurse", "frontdesk"},
    "POST /portal/staff/patients/{zara}/invite/":                 {"outsider"},
    "POST /portal/staff/patients/{amina}/consents/":              {"physician", "nurse"},
    "POST /portal/staff/patients/{zara}/consents/":               {"outsider"},
    "POST /portal/staff/health-updates/{amina_update}/read/":     {"physician", "nurse"},
    "POST /portal/staff/health-updates/{zara_update}/read/":      {"outsider"},
}
# fmt: on


def _drawn() -> str:
    from scarclinic.web.demo import signature_png

    return signature_png(random.Random(3))


PORTAL_BODIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "POST /portal/aftercare/{amina_given}/day/0/": lambda w: {"items": ["0", "1"]},
    "POST /portal/aftercare/{zara_given}/day/0/": lambda w: {"items": ["0"]},
    "POST /portal/consents/to-sign/{amina_consent_request}/": lambda w: {
        "template_version": w.ids["prp_consent"],
        "confirm_read": "on",
        "signer_name": "Amina Qureshi",
        "signature_png": _drawn(),
    },
    "POST /portal/consents/to-sign/{zara_consent_request}/": lambda w: {
        "template_version": w.ids["zara_prp"],
        "confirm_read": "on",
        "signer_name": "Amina Qureshi",
        "signature_png": _drawn(),
    },
    "POST /portal/health-update/": lambda w: {"new_medicines": "on", "notes": "Doxycycline"},
    "POST /portal/side-effect/": lambda w: {
        "onset_on": timezone.localdate().isoformat(),
        "description": "Redness and swelling on the left cheek since the session",
    },
    "POST /api/v1/portal/side-effects": lambda w: {
        "onset_on": timezone.localdate().isoformat(),
        "description": "Redness on the left cheek",
    },
    "POST /portal/welcome/{invitation_token}/": lambda w: {
        "username": "amina.portal",
        "password": "a long passphrase for the portal",
        "password_again": "a long passphrase for the portal",
    },
    "POST /portal/staff/patients/{amina}/invite/": lambda w: {"channel": "link"},
    "POST /portal/staff/patients/{zara}/invite/": lambda w: {"channel": "link"},
    "POST /portal/staff/patients/{amina}/consents/": lambda w: {
        "template": w.ids["photo_template"]
    },
    "POST /portal/staff/patients/{zara}/consents/": lambda w: {
        "template": w.ids["zara_laser_template"]
    },
    "POST /portal/staff/health-updates/{amina_update}/read/": lambda w: {},
    "POST /portal/staff/health-updates/{zara_update}/read/": lambda w: {},
}


def portal_world(cast: Cast, ids: dict[str, Any]) -> dict[str, Any]:
    """Post-care after Amina's done session of plan_world and after Zara's; a consent sent to
    each; a health update from each; an open invitation of Amina."""
    from scarclinic.patients.models import ConsentTemplateVersion
    from scarclinic.portal import services
    from scarclinic.portal.models import HistoryUpdate
    from scarclinic.treatments.models import PostCareGiven, PostCareTemplate, TreatmentSession
    from scarclinic.treatments.services.postcare import postcare_give
    from tests.factories import ConsentTemplateFactory, ConsentTemplateVersionFactory

    amina_given = postcare_give(
        session=TreatmentSession.objects.get(pk=ids["amina_done_session"]), by=cast.nurse
    )
    zara_session = TreatmentSession.objects.get(pk=ids["zara_session"])
    zara_template = PostCareTemplate.objects.create(
        clinic=cast.clinic_b,
        modality="microneedling_prp",
        language="en",
        version=1,
        title="After your treatment",
        items=[{"text": "Use sunscreen", "remind_days": [1]}],
        created_at=timezone.now(),
    )
    zara_given = PostCareGiven.objects.create(
        session=zara_session,
        patient=cast.zara,
        template=zara_template,
        language="en",
        given_by=cast.outsider,
        given_at=timezone.now(),
    )
    zara_prp = ConsentTemplateVersion.objects.get(pk=ids["zara_prp"])
    amina_request = services.consent_request_send(
        patient=cast.amina, template=cast.prp_consent.template, by=cast.nurse
    )
    # Zara's request, made directly (it must stay open, and the template sent in the
    # matrix's own row at B is another one).
    from scarclinic.portal.models import ConsentRequest

    zara_request = ConsentRequest.objects.create(
        patient=cast.zara, template=zara_prp.template, sent_by=cast.outsider, sent_at=timezone.now()
    )
    photo_template = ConsentTemplateVersionFactory(
        template=ConsentTemplateFactory(
            clinic=cast.clinic_a, procedure_type="photography", title="Consent to photography"
        )
    ).template
    zara_template_b = ConsentTemplateVersionFactory(
        template=ConsentTemplateFactory(
            clinic=cast.clinic_b, procedure_type="subcision", title="Subcision at B"
        )
    ).template
    amina_update = HistoryUpdate.objects.create(
        patient=cast.amina,
        answers={"new_medicines": True, "notes": ""},
        submitted_by=cast.patient,
        submitted_at=timezone.now(),
    )
    zara_update = HistoryUpdate.objects.create(
        patient=cast.zara,
        answers={"new_medicines": True, "notes": ""},
        submitted_by=cast.outsider,
        submitted_at=timezone.now(),
    )
    _, link = services.invitation_create(
        patient=cast.amina, by=cast.frontdesk, channel="link", base_url="http://testserver"
    )
    return {
        "amina_given": amina_given.pk,
        "zara_given": zara_given.pk,
        "amina_consent_request": amina_request.pk,
        "zara_consent_request": zara_request.pk,
        "photo_template": photo_template.pk,
        "zara_laser_template": zara_template_b.pk,
        "amina_update": amina_update.pk,
        "zara_update": zara_update.pk,
        "invitation_token": link.rstrip("/").rsplit("/", 1)[-1],
    }


def portal_snapshot() -> dict[str, list[Any]]:
    """The portal's tables, and the adverse events a side-effect report makes."""
    from scarclinic.outcomes.models import AdverseEvent
    from scarclinic.portal.models import (
        ConsentRequest,
        HistoryUpdate,
        PortalInvitation,
        PostCareTick,
    )

    return {
        f"portal_{model._meta.model_name}": list(model.objects.order_by("pk").values())
        for model in (
            PortalInvitation,
            ConsentRequest,
            PostCareTick,
            HistoryUpdate,
            AdverseEvent,
        )
    }
