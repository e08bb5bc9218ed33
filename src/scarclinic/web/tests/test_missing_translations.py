"""A clinic-editable text in use in one language and not the other is shown to the director:
never filled in silently from English."""

from __future__ import annotations

import pytest
from django.test import Client

from scarclinic.treatments.services.postcare import postcare_template_save
from scarclinic.web.selectors import missing_translations
from tests.cast import Cast
from tests.factories import ConsentTemplateVersionFactory

pytestmark = pytest.mark.django_db

ITEMS = [{"text": "Use sunscreen every day", "remind_days": [1]}]


def test_a_consent_in_use_only_in_english_is_listed_for_the_director(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.director)
    page = client.get("/").content.decode()
    assert "Missing translations" in page
    assert "Consent “Consent to PRP”: no Urdu wording in use" in page


def test_the_row_goes_once_the_urdu_wording_is_in_use(cast: Cast, client: Client) -> None:
    ConsentTemplateVersionFactory(
        template=cast.prp_consent.template, language="ur", body="خون لیا جائے گا۔"
    )
    client.force_login(cast.director)
    page = client.get("/").content.decode()
    assert "no Urdu wording" not in page
    assert "Every consent and post-care text in use has an English and an Urdu version." in page


def test_post_care_in_one_language_is_listed_until_the_other_is_written(cast: Cast) -> None:
    postcare_template_save(
        clinic=cast.clinic_a,
        by=cast.director,
        modality="microneedling",
        language="en",
        title="After microneedling",
        items=ITEMS,
    )
    rows = missing_translations(clinic_id=cast.clinic_a.pk, consent=False)
    assert [r.text for r in rows] == ["Post-care for Microneedling: no Urdu version"]
    postcare_template_save(
        clinic=cast.clinic_a,
        by=cast.director,
        modality="microneedling",
        language="ur",
        title="مائیکرونیڈلنگ کے بعد",
        items=[{"text": "ہر روز سن اسکرین لگائیں", "remind_days": [1]}],
    )
    assert missing_translations(clinic_id=cast.clinic_a.pk, consent=False) == []


def test_the_panel_is_the_directors_not_the_nurses(cast: Cast, client: Client) -> None:
    client.force_login(cast.nurse)
    assert "Missing translations" not in client.get("/").content.decode()


def test_the_panel_costs_two_queries_however_many_texts(
    cast: Cast, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for modality in ("microneedling", "subcision", "chemical_peel"):
        postcare_template_save(
            clinic=cast.clinic_a,
            by=cast.director,
            modality=modality,
            language="en",
            title="After",
            items=ITEMS,
        )
    with django_assert_max_num_queries(2):
        rows = missing_translations(clinic_id=cast.clinic_a.pk)
    assert len(rows) == 4
