"""A patient signing a consent at home: only their own, only one the clinic sent, only once,
audited as theirs; the clinic's rules for staff unchanged; and no staff note on the
patient's own records reaches any portal page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from scarclinic.accounts.models import User
from scarclinic.assessments.models import AssessmentAddendum, ScarAssessment
from scarclinic.audit.models import AuditAction, AuditEntry
from scarclinic.patients.models import SignedConsent
from scarclinic.patients.services import consent_sign, consent_withdraw
from scarclinic.portal import services
from scarclinic.portal.models import ConsentRequest
from scarclinic.portal.tests.stories import DRAWN, PortalStory
from scarclinic.portal.tests.test_views import PAGES
from scarclinic.treatments.models import Appointment, PlanChange, TreatmentPlan
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def _sign(story: PortalStory, cast: Cast, request: ConsentRequest | None = None) -> SignedConsent:
    return services.portal_consent_sign(
        request=request or story.request,
        version=cast.prp_consent,
        by=cast.patient,
        signer_name="Amina Qureshi",
        signature_png=DRAWN,
        confirm_read=True,
    )


def test_another_patients_consent_is_404_to_open_and_to_sign_and_nothing_changes(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    client = login(cast.patient)
    path = f"/portal/consents/to-sign/{story.zara_request.pk}/"
    before = SignedConsent.objects.count()
    assert client.get(path).status_code == 404
    response = client.post(
        path,
        {
            "template_version": story.zara_consent.template_version_id,
            "signer_name": "Amina Qureshi",
            "confirm_read": "on",
            "signature_png": DRAWN,
        },
    )
    assert response.status_code == 404
    assert client.get(f"/portal/consents/{story.zara_consent.pk}/").status_code == 404
    assert SignedConsent.objects.count() == before
    assert ConsentRequest.objects.get(pk=story.zara_request.pk).signed_consent is None


def test_the_portal_signature_is_audited_with_the_patient_as_the_actor(
    cast: Cast, story: PortalStory
) -> None:
    consent = _sign(story, cast)
    entry = AuditEntry.objects.filter(action=AuditAction.SIGN).latest("seq")
    assert (entry.actor_id, entry.patient_id, entry.object_id) == (
        cast.patient.pk,
        cast.amina.pk,
        str(consent.pk),
    )
    assert consent.recorded_by == cast.patient and consent.signer_relation == "self"


def test_a_signed_then_withdrawn_consent_cannot_be_signed_again_through_its_request(
    cast: Cast, login: Login, story: PortalStory
) -> None:
    consent = _sign(story, cast)
    consent_withdraw(consent=consent, by=cast.nurse, reason="Changed her mind")
    with pytest.raises(ValidationError):
        _sign(story, cast)
    assert login(cast.patient).get(f"/portal/consents/to-sign/{story.request.pk}/").status_code == (
        404
    )
    assert SignedConsent.objects.filter(patient=cast.amina).count() == 1


def test_only_the_wording_of_the_consent_sent_can_be_signed(cast: Cast, story: PortalStory) -> None:
    with pytest.raises(ValidationError):
        services.portal_consent_sign(
            request=story.request,
            version=story.zara_consent.template_version,  # another template (another clinic)
            by=cast.patient,
            signer_name="Amina Qureshi",
            signature_png=DRAWN,
            confirm_read=True,
        )
    assert ConsentRequest.objects.get(pk=story.request.pk).signed_consent is None


def test_a_patient_cannot_sign_for_another_patient_through_the_consent_service(
    cast: Cast,
) -> None:
    with pytest.raises(ValidationError):
        consent_sign(
            patient=cast.bilal,  # same clinic, not her record
            template_version=cast.prp_consent,
            by=cast.patient,
            signer_name="Amina",
            method="drawn",
            signature_png=DRAWN,
        )
    assert not SignedConsent.objects.filter(recorded_by=cast.patient).exists()


def test_staff_signing_rules_are_unchanged(cast: Cast) -> None:
    for outsider in (cast.frontdesk, cast.outsider):  # no right to record, another clinic
        with pytest.raises(ValidationError):
            consent_sign(
                patient=cast.amina,
                template_version=cast.prp_consent,
                by=outsider,
                signer_name="Amina Qureshi",
                method="drawn",
                signature_png=DRAWN,
            )
    with pytest.raises(ValidationError):  # a typed name still needs a witness
        consent_sign(
            patient=cast.amina,
            template_version=cast.prp_consent,
            by=cast.nurse,
            signer_name="Amina Qureshi",
            method="typed",
            typed_name="Amina Qureshi",
        )
    consent = consent_sign(
        patient=cast.amina,
        template_version=cast.prp_consent,
        by=cast.nurse,
        signer_name="Amina Qureshi",
        signer_relation="guardian",
        method="typed",
        typed_name="Amina Qureshi",
        witness=cast.physician,
    )
    assert consent.recorded_by == cast.nurse and consent.witness == cast.physician
    assert SignedConsent.objects.filter(patient=cast.amina).count() == 1


@pytest.mark.parametrize("path", PAGES)
def test_no_staff_note_on_the_patients_own_records_reaches_the_portal(
    path: str, cast: Cast, login: Login, story: PortalStory
) -> None:
    notes = {
        "plan stop": "Internal: stopped, she cannot afford the next sessions",
        "plan change": "Internal: moved because the physician is away",
        "cancel": "Internal: no-show twice before",
        "addendum": "Internal: recount, the first count was too high",
        "texture": "Internal: texture worse than she thinks",
    }
    TreatmentPlan.objects.filter(pk=story.plan.pk).update(stop_reason=notes["plan stop"])
    PlanChange.objects.create(
        plan=story.plan,
        kind="moved",
        reason=notes["plan change"],
        changed_by=cast.physician,
        changed_at=timezone.now(),
    )
    Appointment.objects.filter(pk=story.booked.pk).update(cancel_reason=notes["cancel"])
    assessments = ScarAssessment.objects.filter(patient=cast.amina)
    assert assessments.exists()
    assessments.update(texture_notes=notes["texture"])
    AssessmentAddendum.objects.create(
        assessment=assessments.first(),
        written_by=cast.physician,
        written_at=timezone.now(),
        note=notes["addendum"],
    )
    body = login(cast.patient).get(path).content.decode()
    assert [kind for kind, note in notes.items() if note in body] == []
    assert "Internal:" not in body


def test_a_patient_cannot_sign_a_consent_the_clinic_did_not_send_even_through_the_service(
    cast: Cast,
) -> None:
    # No open request for Amina: the patients app's own service refuses, whoever calls it.
    ConsentRequest.objects.filter(patient=cast.amina).delete()
    with pytest.raises(ValidationError, match="has not sent you this consent"):
        consent_sign(
            patient=cast.amina,
            template_version=cast.prp_consent,
            by=cast.patient,
            signer_name="Amina Qureshi",
            method="drawn",
            signature_png=DRAWN,
        )
    assert not SignedConsent.objects.filter(patient=cast.amina).exists()
