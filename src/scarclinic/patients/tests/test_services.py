from __future__ import annotations

import datetime as dt
import hashlib
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from scarclinic.audit.models import AuditAction, AuditEntry
from scarclinic.patients import services
from scarclinic.patients.models import (
    ConsentTemplateVersion,
    MedicalHistoryVersion,
    Patient,
    SignedConsent,
    TemplateStatus,
)
from scarclinic.web.demo import signature_png
from tests.cast import Cast
from tests.factories import ConsentTemplateVersionFactory

pytestmark = pytest.mark.django_db

DRAWN = signature_png(random.Random(7))


def _register(cast: Cast, **overrides: object) -> Patient:
    data: dict[str, object] = {
        "mrn": "A-0100",
        "given_name": "Farah",
        "family_name": "Naz",
        "date_of_birth": dt.date(1999, 5, 2),
        "phone": "0300-555 1234",
    }
    return services.patient_register(clinic=cast.clinic_a, by=cast.frontdesk, **(data | overrides))


def test_registering_a_patient_fills_the_search_columns_and_audits_the_creation(cast: Cast) -> None:
    patient = _register(cast, given_name="Zoë", family_name="Ahmed Khan")
    assert patient.name_search == "zoe ahmed khan"
    assert patient.phone_digits == "3005551234"
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, patient_id=patient.pk)
    assert entry.actor == cast.frontdesk


def test_a_duplicate_mrn_in_the_same_clinic_is_refused_and_nothing_is_saved(cast: Cast) -> None:
    before = Patient.objects.count()
    with pytest.raises(ValidationError) as error:
        _register(cast, mrn=cast.amina.mrn)
    assert "mrn" in error.value.message_dict
    assert Patient.objects.count() == before


def test_the_same_mrn_may_exist_in_another_clinic(cast: Cast) -> None:
    patient = _register(cast, mrn=cast.zara.mrn)
    assert patient.clinic == cast.clinic_a


def test_a_birth_date_in_the_future_is_refused(cast: Cast) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        _register(cast, date_of_birth=tomorrow)
    assert "date_of_birth" in error.value.message_dict
    assert not Patient.objects.filter(mrn="A-0100").exists()


def test_a_lab_technician_cannot_register_a_patient(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.patient_register(
            clinic=cast.clinic_a,
            by=cast.lab,
            mrn="X1",
            given_name="A",
            family_name="B",
            date_of_birth=dt.date(2000, 1, 1),
        )


def test_nobody_registers_a_patient_in_a_clinic_they_do_not_work_in(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.patient_register(
            clinic=cast.clinic_b,
            by=cast.physician,
            mrn="X1",
            given_name="A",
            family_name="B",
            date_of_birth=dt.date(2000, 1, 1),
        )


def test_editing_demographics_keeps_the_mrn_unique_and_records_changed_fields(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.patient_update_demographics(patient=cast.bilal, by=cast.nurse, mrn=cast.amina.mrn)
    services.patient_update_demographics(patient=cast.bilal, by=cast.nurse, phone="0311 0000000")
    cast.bilal.refresh_from_db()
    assert cast.bilal.phone_digits == "3110000000"
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, patient_id=cast.bilal.pk).get()
    assert entry.detail == {"fields": ["phone"]}


def test_a_history_change_adds_a_version_and_keeps_the_earlier_one(cast: Cast) -> None:
    first = cast.amina.current_history
    assert first is not None and first.version == 1
    second = services.history_record(
        patient=cast.amina,
        by=cast.physician,
        change_note="Started anticoagulant",
        anticoagulant_or_antiplatelet=True,
    )
    assert second.version == 2
    first.refresh_from_db()
    assert first.anticoagulant_or_antiplatelet is False  # not overwritten
    assert second.fitzpatrick == 4 and second.allergies == ["penicillin"]  # carried over
    cast.amina.refresh_from_db()
    assert cast.amina.current_history_id == second.pk
    assert second.recorded_by == cast.physician


def test_an_incoherent_history_is_refused_and_no_version_is_added(cast: Cast) -> None:
    before = MedicalHistoryVersion.objects.count()
    with pytest.raises(ValidationError) as error:
        services.history_record(patient=cast.amina, by=cast.nurse, isotretinoin="past")
    assert "isotretinoin_last_dose" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.history_record(patient=cast.amina, by=cast.nurse, fitzpatrick=7)
    assert "fitzpatrick" in error.value.message_dict
    assert MedicalHistoryVersion.objects.count() == before


def test_front_desk_cannot_change_medical_history(cast: Cast) -> None:
    with pytest.raises(ValidationError):
        services.history_record(patient=cast.amina, by=cast.frontdesk, active_cancer=True)


def test_a_signed_consent_keeps_the_exact_text_and_version_shown(cast: Cast) -> None:
    consent = services.consent_sign(
        patient=cast.amina,
        template_version=cast.prp_consent,
        by=cast.nurse,
        signer_name="Amina Qureshi",
        method="drawn",
        signature_png=DRAWN,
    )
    assert consent.text_shown == cast.prp_consent.body
    assert consent.text_sha256 == hashlib.sha256(cast.prp_consent.body.encode()).hexdigest()
    assert consent.version_number == 1
    assert AuditEntry.objects.filter(action=AuditAction.SIGN, patient_id=cast.amina.pk).exists()


def test_a_typed_signature_needs_a_staff_witness_of_the_clinic(cast: Cast) -> None:
    common = {
        "patient": cast.amina,
        "template_version": cast.prp_consent,
        "by": cast.nurse,
        "signer_name": "Amina Qureshi",
        "method": "typed",
        "typed_name": "Amina Qureshi",
    }
    with pytest.raises(ValidationError) as error:
        services.consent_sign(**common)  # type: ignore[arg-type]
    assert "witness" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.consent_sign(**common, witness=cast.outsider)  # type: ignore[arg-type]
    consent = services.consent_sign(**common, witness=cast.physician)  # type: ignore[arg-type]
    assert consent.witness == cast.physician


def test_a_drawn_signature_must_be_a_png_image(cast: Cast) -> None:
    for bad in [
        "",
        "data:image/png;base64,not-base64!",
        "data:image/png;base64,aGVsbG8=",
        "data:text/html,<b>",
    ]:
        with pytest.raises(ValidationError) as error:
            services.consent_sign(
                patient=cast.amina,
                template_version=cast.prp_consent,
                by=cast.nurse,
                signer_name="Amina",
                method="drawn",
                signature_png=bad,
            )
        assert "signature_png" in error.value.message_dict
    assert not SignedConsent.objects.exists()


def test_a_consent_on_a_withdrawn_template_version_is_refused(cast: Cast) -> None:
    services.template_version_withdraw(version=cast.prp_consent, by=cast.director)
    with pytest.raises(ValidationError) as error:
        services.consent_sign(
            patient=cast.amina,
            template_version=cast.prp_consent,
            by=cast.nurse,
            signer_name="Amina",
            method="drawn",
            signature_png=DRAWN,
        )
    assert "withdrawn" in error.value.message_dict["template_version"][0]
    assert not SignedConsent.objects.exists()


def test_a_consent_template_of_another_clinic_cannot_be_signed(cast: Cast) -> None:
    other = ConsentTemplateVersion.objects.get(template__clinic=cast.clinic_b)
    with pytest.raises(ValidationError) as error:
        services.consent_sign(
            patient=cast.amina,
            template_version=other,
            by=cast.nurse,
            signer_name="Amina",
            method="drawn",
            signature_png=DRAWN,
        )
    assert "template_version" in error.value.message_dict


def test_withdrawing_a_consent_records_who_when_and_why_and_keeps_it(cast: Cast) -> None:
    consent = services.consent_sign(
        patient=cast.amina,
        template_version=cast.prp_consent,
        by=cast.nurse,
        signer_name="Amina",
        method="drawn",
        signature_png=DRAWN,
    )
    services.consent_withdraw(consent=consent, by=cast.physician, reason="Patient changed her mind")
    consent.refresh_from_db()
    assert consent.withdrawn_by == cast.physician and consent.withdrawn_at is not None
    assert consent.text_shown == cast.prp_consent.body
    with pytest.raises(ValidationError):
        services.consent_withdraw(consent=consent, by=cast.physician, reason="again")


def test_publishing_a_new_wording_withdraws_the_one_in_use(cast: Cast) -> None:
    draft = ConsentTemplateVersionFactory(
        template=cast.prp_consent.template,
        version=2,
        status=TemplateStatus.DRAFT,
        body="New wording",
    )
    services.template_version_publish(version=draft, by=cast.director)
    cast.prp_consent.refresh_from_db()
    draft.refresh_from_db()
    assert cast.prp_consent.status == TemplateStatus.WITHDRAWN
    assert draft.status == TemplateStatus.ACTIVE
    with pytest.raises(ValidationError):
        services.template_version_publish(version=draft, by=cast.director)


def test_a_nurse_cannot_publish_consent_wording(cast: Cast) -> None:
    draft = ConsentTemplateVersionFactory(
        template=cast.prp_consent.template, version=2, status=TemplateStatus.DRAFT
    )
    with pytest.raises(ValidationError):
        services.template_version_publish(version=draft, by=cast.nurse)
    draft.refresh_from_db()
    assert draft.status == TemplateStatus.DRAFT
