"""The portal's pages: what the patient sees (their own record, never another's, never a
staff note), that every look is audited, the invitation flow, and the clinic's side."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditEntry
from scarclinic.outcomes.models import AdverseEvent
from scarclinic.patients.models import Patient
from scarclinic.portal import services
from scarclinic.portal.models import ConsentRequest, PortalInvitation, PostCareTick
from scarclinic.portal.tests.stories import DRAWN, STAFF_NOTE, PortalStory
from scarclinic.treatments.models import PlanStatus, TreatmentPlan
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
PAGES = (
    "/portal/",
    "/portal/appointments/",
    "/portal/plan/",
    "/portal/aftercare/",
    "/portal/consents/",
    "/portal/questionnaires/",
    "/portal/health-update/",
    "/portal/progress/",
    "/portal/side-effect/",
)


@pytest.mark.parametrize("path", PAGES)
def test_every_portal_page_shows_nothing_of_another_patient_or_a_staff_note(
    path: str, cast: Cast, login: Login, story: PortalStory
) -> None:
    TreatmentPlan.objects.filter(patient=cast.zara).update(stop_reason="Zara-only reason")
    body = login(cast.patient).get(path).content.decode()
    for secret in ("Zara", "Malik", "B-0001", "Bilal", STAFF_NOTE, "Zara-only reason"):
        assert secret not in body, (path, secret)


@pytest.mark.parametrize("path", PAGES)
def test_every_portal_read_is_audited_as_the_patients(
    path: str, cast: Cast, login: Login, story: PortalStory
) -> None:
    client = login(cast.patient)
    before = AuditEntry.objects.count()
    assert client.get(path).status_code == 200
    new = list(AuditEntry.objects.order_by("seq")[before:])
    assert new and all(e.actor_id == cast.patient.pk for e in new)
    assert {e.patient_id for e in new} == {cast.amina.pk}


def test_the_appointments_page_lists_the_booked_one_in_the_clinics_time(
    cast: Cast, login: Login, story: PortalStory, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = login(cast.patient)
    with django_assert_max_num_queries(16):
        body = client.get("/portal/appointments/").content.decode()
    local = timezone.localtime(story.booked.starts_at)
    assert f"{local:%H:%M}" == "10:00" and "10:00" in body
    assert f"/portal/appointments/{story.booked.pk}.ics" in body


def test_the_ics_is_in_the_clinics_time_zone_and_names_no_one(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    response = login(cast.patient).get(f"/portal/appointments/{story.booked.pk}.ics")
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Karachi" in text
    assert re.search(r"DTSTART;TZID=Asia/Karachi:\d{8}T100000", text)
    assert "Amina" not in text and "A-0001" not in text


def test_another_patients_ids_are_404_in_the_portal(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    client = login(cast.patient)
    assert client.get(f"/portal/appointments/{story.zara_appointment.pk}.ics").status_code == 404
    assert client.get(f"/portal/consents/{story.zara_consent.pk}/").status_code == 404
    assert client.get(f"/portal/consents/to-sign/{story.zara_request.pk}/").status_code == 404
    response = client.post(f"/portal/aftercare/{story.zara_given.pk}/day/0/", {"items": ["0"]})
    assert response.status_code == 404
    assert not PostCareTick.objects.exists()


def test_the_plan_page_shows_where_the_patient_is(
    cast: Cast, login: Login, story: PortalStory, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = login(cast.patient)
    with django_assert_max_num_queries(16):
        body = client.get("/portal/plan/").content.decode()
    assert "1 of 3 sessions done" in body
    assert 'value="1"' in body and 'max="3"' in body


def test_a_proposed_plan_is_not_shown_to_the_patient(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    TreatmentPlan.objects.filter(pk=story.plan.pk).update(status=PlanStatus.PROPOSED)
    body = login(cast.patient).get("/portal/plan/").content.decode()
    assert "sessions done" not in body


def test_the_patient_ticks_todays_aftercare_from_the_page(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    client = login(cast.patient)
    body = client.get("/portal/aftercare/").content.decode()
    assert "Use sunscreen every day" in body and 'id="day-0"' in body
    response = client.post(f"/portal/aftercare/{story.given.pk}/day/0/", {"items": ["0", "1"]})
    assert response.status_code == 302 and response.url.endswith("/portal/aftercare/#day-0")
    assert set(PostCareTick.objects.values_list("item", flat=True)) == {0, 1}
    body = client.get("/portal/aftercare/").content.decode()
    assert "2 of 5 done" in body
    # Tomorrow cannot be ticked yet: refused with a message, nothing stored.
    client.post(f"/portal/aftercare/{story.given.pk}/day/1/", {"items": ["0"]})
    assert PostCareTick.objects.count() == 2


def test_the_patient_signs_a_sent_consent_from_the_page(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    client = login(cast.patient)
    page = client.get(f"/portal/consents/to-sign/{story.request.pk}/").content.decode()
    assert cast.prp_consent.body[:20] in page
    response = client.post(
        f"/portal/consents/to-sign/{story.request.pk}/",
        {"template_version": cast.prp_consent.pk, "signer_name": "Amina Qureshi"},
    )
    assert response.status_code == 200  # not confirmed, not drawn: inline errors
    assert ConsentRequest.objects.get(pk=story.request.pk).signed_consent is None
    response = client.post(
        f"/portal/consents/to-sign/{story.request.pk}/",
        {
            "template_version": cast.prp_consent.pk,
            "signer_name": "Amina Qureshi",
            "confirm_read": "on",
            "signature_png": DRAWN,
        },
    )
    assert response.status_code == 302
    signed = ConsentRequest.objects.get(pk=story.request.pk).signed_consent
    assert signed is not None and signed.recorded_by == cast.patient
    assert client.get(f"/portal/consents/{signed.pk}/").status_code == 200


def test_photos_show_only_while_the_photography_consent_is_in_force(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    from scarclinic.patients.models import SignedConsent
    from scarclinic.treatments.tests.plan_stories import consent, photos_today

    photo_set = photos_today(cast.amina, cast.nurse)
    photo = photo_set.photos.get()
    client = login(cast.patient)
    body = client.get("/portal/progress/").content.decode()
    assert f"/assessments/photos/{photo.pk}/thumbnail/" not in body
    assert "consent to clinical photography" in body
    consent(cast.amina, cast.nurse, "photography")
    body = client.get("/portal/progress/").content.decode()
    assert f"/assessments/photos/{photo.pk}/thumbnail/" in body
    SignedConsent.objects.filter(procedure_type="photography").update(withdrawn_at=timezone.now())
    body = client.get("/portal/progress/").content.decode()
    assert f"/assessments/photos/{photo.pk}/thumbnail/" not in body


def test_the_progress_page_shows_scores_over_time_in_fixed_queries(
    cast: Cast, login: Login, story: PortalStory, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    from scarclinic.treatments.tests.stories import signed_assessment

    signed_assessment(cast.amina, cast.physician)
    client = login(cast.patient)
    with django_assert_max_num_queries(16):
        body = client.get("/portal/progress/").content.decode()
    assert "Goodman &amp; Baron" in body and "ECCA" in body


def test_a_side_effect_report_from_the_page_is_a_draft_for_the_clinic(
    cast: Cast, login: Login
) -> None:
    client = login(cast.patient)
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    response = client.post("/portal/side-effect/", {"onset_on": tomorrow, "description": "Red"})
    assert response.status_code == 200 and not AdverseEvent.objects.exists()
    response = client.post(
        "/portal/side-effect/",
        {"onset_on": timezone.localdate().isoformat(), "description": "Redness, left cheek"},
    )
    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    assert (event.patient, event.status) == (cast.amina, "draft")


def test_a_health_update_from_the_page_reaches_the_staff_page(
    cast: Cast, login: Login, client: Client
) -> None:
    login(cast.patient).post("/portal/health-update/", {"cold_sores": "on", "notes": "Last week"})
    client.logout()
    body = login(cast.nurse).get(f"/portal/staff/patients/{cast.amina.pk}/").content.decode()
    assert "cold sores" in body and "Last week" in body and "Mark as read" in body


# --- invitations through the pages ---------------------------------------------------------


def test_staff_invite_by_link_and_the_patient_sets_a_password_and_is_signed_in(
    cast: Cast, login: Login, client: Client
) -> None:
    staff = login(cast.frontdesk)
    chart = staff.get(f"/patients/{cast.bilal.pk}/").content.decode()
    assert f"/portal/staff/patients/{cast.bilal.pk}/" in chart
    response = staff.post(f"/portal/staff/patients/{cast.bilal.pk}/invite/", {"channel": "link"})
    assert response.status_code == 200
    link = re.search(r'id="invite-link" type="url" value="([^"]+)"', response.content.decode())
    assert link is not None
    path = link.group(1).split("testserver", 1)[1]
    client.logout()
    page = client.get(path)
    assert page.status_code == 200 and "Bilal" in page.content.decode()
    response = client.post(
        path,
        {"username": "bilal.a", "password": "short", "password_again": "short"},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(
        path,
        {
            "username": "bilal.a",
            "password": "a long passphrase for the portal",
            "password_again": "a long passphrase for the portal",
        },
    )
    assert response.status_code == 302 and response.url == "/portal/"
    home = client.get("/portal/").content.decode()
    assert "Bilal" in home and "Amina" not in home
    assert client.get(path).status_code == 404  # used


def test_a_signed_in_visitor_cannot_use_an_invitation(cast: Cast, login: Login) -> None:
    _, link = services.invitation_create(
        patient=cast.bilal, by=cast.nurse, channel="link", base_url="http://testserver"
    )
    client = login(cast.nurse)
    response = client.post(
        link.replace("http://testserver", ""),
        {"username": "x", "password": "a long passphrase", "password_again": "a long passphrase"},
    )
    assert response.status_code == 200 and "Sign out first" in response.content.decode()
    assert Patient.objects.get(pk=cast.bilal.pk).portal_user is None
    assert PortalInvitation.objects.get().used_at is None


def test_an_invitation_page_is_in_the_patients_language(cast: Cast, client: Client) -> None:
    # Before sign-in the browser's language decides (the i18n middleware); the page itself
    # marks its direction from the active language.
    _, link = services.invitation_create(
        patient=cast.bilal, by=cast.nurse, channel="link", base_url="http://testserver"
    )
    body = client.get(link.replace("http://testserver", ""), HTTP_ACCEPT_LANGUAGE="ur").content
    assert b'dir="rtl"' in body and b'lang="ur"' in body


def test_the_portal_is_right_to_left_in_urdu(cast: Cast, login: Login) -> None:
    User.objects.filter(pk=cast.patient.pk).update(preferred_language="ur")
    body = login(cast.patient).get("/portal/").content.decode()
    assert 'dir="rtl"' in body and 'lang="ur"' in body


def test_the_portal_speaks_urdu_from_its_own_catalogue(cast: Cast, login: Login) -> None:
    # Compiled by `make` (compilemessages) from portal/locale/ur/LC_MESSAGES/django.po.
    User.objects.filter(pk=cast.patient.pk).update(preferred_language="ur")
    body = login(cast.patient).get("/portal/").content.decode()
    assert "خوش آمدید، Amina" in body and "مضر اثر کی اطلاع دیں" in body
    assert "Report a side effect" not in body


def test_the_patient_sees_their_reports_but_never_the_clinics_notes_on_them(
    cast: Cast, login: Login
) -> None:
    event = services.side_effect_report(
        patient=cast.amina, by=cast.patient, onset_on=timezone.localdate(), description="Red"
    )
    AdverseEvent.objects.filter(pk=event.pk).update(
        review_note="Director: likely PIH", action_taken="Staff-only action"
    )
    body = login(cast.patient).get("/portal/side-effect/").content.decode()
    assert "received, a clinician will read it" in body
    assert "likely PIH" not in body and "Staff-only action" not in body


def test_a_consent_without_a_wording_in_the_patients_language_says_so(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    client = login(cast.patient)
    path = f"/portal/consents/to-sign/{story.request.pk}/"
    assert "not written this consent in your language" not in client.get(path).content.decode()
    User.objects.filter(pk=cast.patient.pk).update(preferred_language="ur")
    body = client.get(path).content.decode()
    assert "کلینک نے یہ رضامندی ابھی آپ کی زبان میں نہیں لکھی" in body
    assert 'lang="en"' in body  # the English wording is marked as English inside the page
