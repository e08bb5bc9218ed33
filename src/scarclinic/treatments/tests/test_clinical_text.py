"""The clinical core's reasons on the consultation page, in the reader's language; stored
screenings keep the English reason they showed."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation

from scarclinic.accounts.models import User
from scarclinic.clinical.candidacy import add_months
from scarclinic.treatments import services
from scarclinic.treatments.clinical_text import stored_reason
from scarclinic.treatments.models import Screening
from scarclinic.treatments.tests.stories import months_ago, patient_with
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def _urdu_page(cast: Cast, login: Login, patient_id: int) -> str:
    User.objects.filter(pk=cast.physician.pk).update(preferred_language="ur")
    page = login(cast.physician).get(f"/consultation/patient/{patient_id}/")
    assert page.status_code == 200
    text = html_lib.unescape(page.content.decode())
    assert '<html lang="ur" dir="rtl">' in text
    return text


def test_a_deferral_for_isotretinoin_reads_in_urdu_with_urdu_dates(
    cast: Cast, login: Login
) -> None:
    last_dose = months_ago(timezone.localdate(), 4)
    patient = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=last_dose,
    )
    until = add_months(last_dose, 6)
    page = _urdu_page(cast, login, patient.pk)
    assert f"آئسوٹریٹینوئن کی آخری خوراک {last_dose:%d/%m/%Y} کو" in page
    assert f"{until:%d/%m/%Y} تک انتظار کرے گا" in page
    assert "آئسوٹریٹینوئن، انتظار کے وقت کے اندر" in page  # the rule's title
    for english in (
        "Last isotretinoin dose",
        "ablative laser treatment waits",
        "Isotretinoin within the waiting time",
        "Wait until the date given",
        until.isoformat(),
    ):
        assert english not in page, english


def test_a_low_platelet_count_rules_out_prp_in_urdu(cast: Cast, login: Login) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    measured = timezone.localdate() - dt.timedelta(days=3)
    services.labs_record(
        patient=patient,
        by=cast.nurse,
        platelet_count_10e9_per_l=Decimal("80"),
        haemoglobin_g_dl=Decimal("12.5"),
        measured_on=measured,
    )
    page = _urdu_page(cast, login, patient.pk)
    assert (
        f"پلیٹ لیٹ کاؤنٹ 80 x10^9/L ({measured:%d/%m/%Y} کو ناپا گیا) 100 x10^9/L سے کم ہے۔" in page
    )
    assert "PRP نہیں؛ PRP کے بغیر مائیکرونیڈلنگ پر غور کریں۔" in page
    for english in ("Platelet count 80", "is below", "Low platelet count", "No PRP;"):
        assert english not in page, english
    # The option cards' own texts are Urdu too: evidence, sessions, risks.
    assert "6 ماہ پر مقداری سکور -3.4" in page and "چند دن سرخی اور سوجن" in page
    assert not re.search(r"\d+ sessions?, every", page)


def test_the_english_page_keeps_the_english_reason_and_iso_dates(cast: Cast, login: Login) -> None:
    last_dose = months_ago(timezone.localdate(), 4)
    patient = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=last_dose,
    )
    page = html_lib.unescape(
        login(cast.physician).get(f"/consultation/patient/{patient.pk}/").content.decode()
    )
    assert f"Last isotretinoin dose on {last_dose.isoformat()} (4 months ago)" in page


def test_a_stored_screening_keeps_its_english_reason_and_reads_in_the_readers_language(
    cast: Cast, login: Login
) -> None:
    last_dose = months_ago(timezone.localdate(), 4)
    patient = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=last_dose,
    )
    login(cast.physician).get(f"/consultation/patient/{patient.pk}/")  # records screenings
    row = Screening.objects.get(patient=patient, modality="fractional_ablative_laser")
    fired = next(f for f in row.fired if f["rule_id"] == "isotretinoin_recent_ablative")
    assert fired["reason"].startswith(f"Last isotretinoin dose on {last_dose.isoformat()}")
    assert fired["params"]["last"] == {"type": "date", "value": last_dose.isoformat()}
    with translation.override("ur"):
        assert stored_reason(fired).startswith(
            f"آئسوٹریٹینوئن کی آخری خوراک {last_dose:%d/%m/%Y} کو"
        )
    with translation.override("en"):
        assert stored_reason(fired) == fired["reason"]


def test_an_old_stored_screening_without_a_message_shows_its_english_reason() -> None:
    old = {
        "rule_id": "prp_platelets_below_minimum",
        "outcome": "contraindicated",
        "reason": "Platelet count 80 x10^9/L is below 100 x10^9/L.",
        "until": None,
    }
    with translation.override("ur"):
        assert stored_reason(old) == "Platelet count 80 x10^9/L is below 100 x10^9/L."
