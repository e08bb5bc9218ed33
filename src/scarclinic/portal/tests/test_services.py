"""The portal's services: invitations, consents signed at home, the post-care checklist,
health updates and side-effect reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from scarclinic.accounts.models import Membership, User
from scarclinic.audit.models import AuditEntry
from scarclinic.outcomes.models import AdverseEvent
from scarclinic.patients.models import Patient, SignedConsent
from scarclinic.portal import services
from scarclinic.portal.models import HistoryUpdate, PortalInvitation, PostCareTick
from scarclinic.portal.selectors import CHECKLIST_MIN_DAYS, checklist_days
from scarclinic.portal.tests.stories import DRAWN, PortalStory
from scarclinic.treatments.models import PostCareGiven, PostCareTemplate
from tests.cast import Cast

pytestmark = pytest.mark.django_db
PASSPHRASE = "a long passphrase for the portal"


def _invite(
    cast: Cast, patient: Patient | None = None, **kwargs: str
) -> tuple[PortalInvitation, str]:
    invitation, link = services.invitation_create(
        patient=patient or cast.bilal,
        by=cast.frontdesk,
        channel=kwargs.pop("channel", "link"),
        base_url="https://clinic.example.org",
        **kwargs,
    )
    return invitation, link.rstrip("/").rsplit("/", 1)[-1]


# --- invitations --------------------------------------------------------------------------


def test_an_invitation_makes_a_sign_in_linked_to_the_patient_in_their_language(cast: Cast) -> None:
    Patient.objects.filter(pk=cast.bilal.pk).update(preferred_language="ur")
    invitation, token = _invite(cast)
    found = services.invitation_for_token(token)
    assert found == invitation
    user = services.invitation_accept(
        invitation=found, username="bilal.a", password=PASSPHRASE, password_again=PASSPHRASE
    )
    bilal = Patient.objects.get(pk=cast.bilal.pk)
    assert bilal.portal_user == user and user.preferred_language == "ur"
    assert user.check_password(PASSPHRASE)
    assert Membership.objects.get(user=user).role == "patient"
    assert Membership.objects.get(user=user).clinic == cast.clinic_a
    entry = AuditEntry.objects.filter(object_type="portal.portalinvitation").latest("seq")
    assert entry.actor_id == user.pk and entry.detail["accepted"] is True


def test_an_invitation_works_once(cast: Cast) -> None:
    invitation, token = _invite(cast)
    services.invitation_accept(
        invitation=invitation, username="bilal.a", password=PASSPHRASE, password_again=PASSPHRASE
    )
    assert services.invitation_for_token(token) is None
    with pytest.raises(ValidationError):
        services.invitation_accept(
            invitation=invitation, username="b2", password=PASSPHRASE, password_again=PASSPHRASE
        )


def test_an_expired_a_replaced_and_a_forged_invitation_do_not_work(cast: Cast) -> None:
    old, old_token = _invite(cast)
    new, new_token = _invite(cast)
    assert services.invitation_for_token(old_token) is None  # replaced by the newer one
    assert services.invitation_for_token(new_token) == new
    PortalInvitation.objects.filter(pk=new.pk).update(
        created_at=timezone.now() - dt.timedelta(days=9),
        expires_at=timezone.now() - dt.timedelta(days=2),
    )
    assert services.invitation_for_token(new_token) is None
    forged = signing.dumps({"i": new.pk, "n": "guess"}, salt=services.TOKEN_SALT)
    assert services.invitation_for_token(forged) is None
    assert services.invitation_for_token("not-a-token") is None


def test_a_weak_password_is_refused_and_changes_nothing(cast: Cast) -> None:
    invitation, _ = _invite(cast)
    users = User.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(
            invitation=invitation,
            username="bilal.a",
            password="12345678",
            password_again="12345678",
        )
    assert "password" in caught.value.message_dict
    assert User.objects.count() == users
    assert PortalInvitation.objects.get(pk=invitation.pk).used_at is None


def test_a_taken_sign_in_name_is_refused(cast: Cast) -> None:
    invitation, _ = _invite(cast)
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(
            invitation=invitation, username="NURSE", password=PASSPHRASE, password_again=PASSPHRASE
        )
    assert "username" in caught.value.message_dict


def test_a_new_invitation_replaces_the_password_of_an_existing_sign_in(cast: Cast) -> None:
    invitation, _ = _invite(cast, patient=cast.amina)
    user = services.invitation_accept(
        invitation=invitation, username="ignored", password=PASSPHRASE, password_again=PASSPHRASE
    )
    assert user == cast.patient and user.username == "patient"
    assert User.objects.get(pk=user.pk).check_password(PASSPHRASE)


def test_only_staff_who_edit_patients_invite(cast: Cast) -> None:
    for who in (cast.lab, cast.director, cast.outsider, cast.patient):
        with pytest.raises(ValidationError):
            services.invitation_create(
                patient=cast.bilal, by=who, channel="link", base_url="http://x"
            )
    assert not PortalInvitation.objects.exists()


def test_an_email_invitation_is_sent_in_the_patients_language(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    Patient.objects.filter(pk=cast.bilal.pk).update(preferred_language="ur", email="b@example.org")
    cast.bilal.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = _invite(cast, channel="email")
    assert invitation.sent_to == "b@example.org"
    (message,) = mail.outbox
    assert message.to == ["b@example.org"] and token in message.body
    assert "Bilal" in message.body


def test_an_email_invitation_needs_an_address(cast: Cast) -> None:
    with pytest.raises(ValidationError) as caught:
        _invite(cast, channel="email")
    assert "email" in caught.value.message_dict


def test_the_token_carries_no_patient_data(cast: Cast) -> None:
    _, token = _invite(cast)
    decoded = signing.loads(token, salt=services.TOKEN_SALT)
    assert set(decoded) == {"i", "n"}
    assert "Bilal" not in token and cast.bilal.mrn not in token


# --- consents -----------------------------------------------------------------------------


def test_the_patient_signs_a_consent_the_clinic_sent(cast: Cast, story: PortalStory) -> None:
    consent = services.portal_consent_sign(
        request=story.request,
        version=cast.prp_consent,
        by=cast.patient,
        signer_name="Amina Qureshi",
        signature_png=DRAWN,
        confirm_read=True,
    )
    assert consent.patient == cast.amina and consent.recorded_by == cast.patient
    assert consent.method == "drawn" and consent.text_shown == cast.prp_consent.body
    story.request.refresh_from_db()
    assert story.request.signed_consent == consent
    with pytest.raises(ValidationError):
        services.portal_consent_sign(
            request=story.request,
            version=cast.prp_consent,
            by=cast.patient,
            signer_name="Amina Qureshi",
            signature_png=DRAWN,
            confirm_read=True,
        )


def test_a_patient_cannot_sign_another_patients_consent(cast: Cast, story: PortalStory) -> None:
    with pytest.raises(ValidationError):
        services.portal_consent_sign(
            request=story.zara_request,
            version=story.zara_consent.template_version,
            by=cast.patient,
            signer_name="Amina Qureshi",
            signature_png=DRAWN,
            confirm_read=True,
        )
    assert not SignedConsent.objects.filter(recorded_by=cast.patient).exists()


def test_signing_needs_the_text_read_and_a_drawn_signature(cast: Cast, story: PortalStory) -> None:
    for confirm, png in ((False, DRAWN), (True, "")):
        with pytest.raises(ValidationError):
            services.portal_consent_sign(
                request=story.request,
                version=cast.prp_consent,
                by=cast.patient,
                signer_name="Amina Qureshi",
                signature_png=png,
                confirm_read=confirm,
            )
    assert not SignedConsent.objects.filter(recorded_by=cast.patient).exists()


def test_a_patient_cannot_sign_by_typed_name_through_the_consent_service(cast: Cast) -> None:
    from scarclinic.patients.services import consent_sign

    with pytest.raises(ValidationError):
        consent_sign(
            patient=cast.amina,
            template_version=cast.prp_consent,
            by=cast.patient,
            signer_name="Amina",
            method="typed",
            typed_name="Amina",
            witness=cast.nurse,
        )


def test_the_front_desk_cannot_send_a_consent_and_a_second_open_one_is_refused(
    cast: Cast, story: PortalStory
) -> None:
    with pytest.raises(ValidationError):
        services.consent_request_send(
            patient=cast.bilal, template=cast.prp_consent.template, by=cast.frontdesk
        )
    with pytest.raises(ValidationError):
        services.consent_request_send(
            patient=cast.amina, template=cast.prp_consent.template, by=cast.nurse
        )


# --- the post-care checklist ---------------------------------------------------------------


def test_the_patient_ticks_the_day_of_the_session_and_can_untick(
    cast: Cast, story: PortalStory
) -> None:
    services.postcare_day_save(given=story.given, day=0, ticked={0, 2}, by=cast.patient)
    assert set(PostCareTick.objects.values_list("day", "item")) == {(0, 0), (0, 2)}
    services.postcare_day_save(given=story.given, day=0, ticked={2}, by=cast.patient)
    assert set(PostCareTick.objects.values_list("day", "item")) == {(0, 2)}
    entry = AuditEntry.objects.latest("seq")
    assert entry.detail == {"via": "portal", "checklist_day": 0, "ticked": [2]}


def test_a_day_still_to_come_and_unknown_items_cannot_be_ticked(
    cast: Cast, story: PortalStory
) -> None:
    for day, items in ((1, {0}), (0, {99}), (99, {0})):
        with pytest.raises(ValidationError):
            services.postcare_day_save(given=story.given, day=day, ticked=items, by=cast.patient)
    assert not PostCareTick.objects.exists()
    later = timezone.localdate() + dt.timedelta(days=3)
    services.postcare_day_save(given=story.given, day=3, ticked={1}, by=cast.patient, today=later)
    assert PostCareTick.objects.get().day == 3


def test_nobody_else_ticks_a_patients_checklist(cast: Cast, story: PortalStory) -> None:
    for who in (cast.nurse, cast.outsider):
        with pytest.raises(ValidationError):
            services.postcare_day_save(given=story.given, day=0, ticked={0}, by=who)
    with pytest.raises(ValidationError):
        services.postcare_day_save(given=story.zara_given, day=0, ticked={0}, by=cast.patient)
    assert not PostCareTick.objects.exists()


@given(
    reminders=st.lists(st.lists(st.integers(0, 30), max_size=4), min_size=1, max_size=6),
    ticks=st.sets(st.tuples(st.integers(0, 40), st.integers(0, 8)), max_size=20),
    offset=st.integers(-5, 40),
)
def test_the_checklist_covers_every_day_to_the_last_reminder_and_marks_them(
    reminders: list[list[int]], ticks: set[tuple[int, int]], offset: int
) -> None:
    template = PostCareTemplate(
        items=[{"text": f"item {n}", "remind_days": days} for n, days in enumerate(reminders)]
    )
    performed = dt.date(2026, 1, 10)
    days = checklist_days(
        given=PostCareGiven(template=template),
        performed_on=performed,
        today=performed + dt.timedelta(days=offset),
        ticks=ticks,
    )
    last = max([CHECKLIST_MIN_DAYS, *(d for r in reminders for d in r)])
    assert [d.day for d in days] == list(range(0, last + 1))
    for d in days:
        assert d.on == performed + dt.timedelta(days=d.day)
        assert d.is_today == (d.day == offset) and d.is_future == (d.day > offset)
        assert len(d.items) == len(reminders)
        for item in d.items:
            assert item.reminder == (d.day in reminders[item.index])
            assert item.ticked == ((d.day, item.index) in ticks)


# --- health updates and side effects -------------------------------------------------------


def test_a_health_update_reaches_the_clinic_and_a_nurse_marks_it_read(cast: Cast) -> None:
    update = services.history_update_submit(
        patient=cast.amina, by=cast.patient, answers={"new_medicines": True}, notes="Doxycycline"
    )
    assert update.answers["new_medicines"] is True and update.answers["cold_sores"] is False
    assert update.answers["notes"] == "Doxycycline"
    with pytest.raises(ValidationError):
        services.history_update_review(update=update, by=cast.frontdesk)
    services.history_update_review(update=update, by=cast.nurse)
    assert HistoryUpdate.objects.get().reviewed_by == cast.nurse


def test_a_health_update_is_only_for_ones_own_record(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.history_update_submit(patient=cast.bilal, by=cast.patient, answers={}, notes="")
    with pytest.raises(ValidationError):
        services.history_update_submit(
            patient=cast.amina, by=cast.patient, answers={"made_up": True}, notes=""
        )
    assert not HistoryUpdate.objects.exists()


def test_a_side_effect_reaches_the_clinic_as_a_draft_adverse_event(cast: Cast) -> None:
    event = services.side_effect_report(
        patient=cast.amina,
        by=cast.patient,
        onset_on=timezone.localdate(),
        description="Redness on the left cheek",
    )
    event = AdverseEvent.objects.get(pk=event.pk)
    assert (event.status, event.source, event.patient) == ("draft", "patient", cast.amina)
    assert event.reported_by == cast.patient and event.severity is None
    with pytest.raises(ValidationError):
        services.side_effect_report(
            patient=cast.bilal, by=cast.patient, onset_on=timezone.localdate(), description="x"
        )
    assert AdverseEvent.objects.count() == 1
