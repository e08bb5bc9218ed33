"""The portal invitation email is written in the patient's stored language, whatever language
the member of staff who sent it was using."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from scarclinic.patients.models import Patient
from scarclinic.portal import services
from tests.cast import Cast

pytestmark = pytest.mark.django_db

ENGLISH = (
    "Dear ",
    "invites you to its patient portal",
    "Open this link",
    "The link works once",
    "If you did not expect this message",
)


def _invite_by_email(cast: Cast, *, reads: str, staff_uses: str, capture: Any) -> Any:
    Patient.objects.filter(pk=cast.bilal.pk).update(preferred_language=reads, email="b@example.org")
    cast.bilal.refresh_from_db()
    with translation.override(staff_uses), capture(execute=True):
        services.invitation_create(
            patient=cast.bilal,
            by=cast.frontdesk,
            channel="email",
            base_url="https://clinic.example.org",
        )
    (message,) = mail.outbox
    return message


def test_an_english_patient_gets_an_english_invitation_from_urdu_staff(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    message = _invite_by_email(
        cast, reads="en", staff_uses="ur", capture=django_capture_on_commit_callbacks
    )
    assert message.subject == f"Your patient portal at {cast.clinic_a.name}"
    assert all(sentence in message.body for sentence in ENGLISH)


def test_an_urdu_patient_gets_an_invitation_in_urdu_throughout(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    message = _invite_by_email(
        cast, reads="ur", staff_uses="en", capture=django_capture_on_commit_callbacks
    )
    assert message.subject == f"{cast.clinic_a.name} میں آپ کا مریض پورٹل"
    assert "محترم/محترمہ Bilal،" in message.body
    assert "اپنا پاس ورڈ منتخب کرنے کے لیے یہ لنک کھولیں:" in message.body
    assert "دن کے لیے کام کرتا ہے" in message.body
    assert not [sentence for sentence in ENGLISH if sentence in message.body]
