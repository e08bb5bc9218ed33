"""Adverse event pages: recording with inline errors, the detail with its lookback link, the
chart section, the director's home panel, the review, rates and their CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditEntry
from scarclinic.clinical.evidence import Modality
from scarclinic.outcomes import selectors, services
from scarclinic.outcomes.models import AdverseEvent
from scarclinic.outcomes.tests.stories import (
    days_ago,
    mild,
    serious_event,
    sessions,
    svf_given_to_amina,
)
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def _form(**changes: Any) -> dict[str, Any]:
    return {
        "onset_on": days_ago(2).isoformat(),
        "category": "prolonged_erythema",
        "description": "Red cheeks for ten days",
        "severity": "1",
        "modality": "microneedling",
        "relatedness": "probable",
        "action_taken": "",
        "outcome": "ongoing",
        "resolved_on": "",
        **changes,
    }


def test_a_nurse_records_an_event_from_the_chart(cast: Cast, login: Login) -> None:
    client = login(cast.nurse)
    url = f"/outcomes/patient/{cast.amina.pk}/adverse-events/new/"
    page = client.get(url)
    assert page.status_code == 200 and "CTCAE" in page.content.decode()
    response = client.post(url, _form())
    event = AdverseEvent.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/outcomes/adverse-events/{event.pk}/"
    )
    assert event.reported_by == cast.nurse and event.severity == 1


def test_bad_input_shows_inline_errors_and_saves_nothing(cast: Cast, login: Login) -> None:
    client = login(cast.physician)
    response = client.post(
        f"/outcomes/patient/{cast.amina.pk}/adverse-events/new/",
        _form(severity="5", outcome="ongoing", resolved_on=days_ago(9).isoformat()),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A grade 5 event (death) has the outcome fatal." in html
    assert "A resolution date goes with a resolved or fatal outcome." in html
    assert html.count('class="errorlist"') >= 2
    assert not AdverseEvent.objects.exists()


def test_the_detail_of_a_cell_product_event_links_to_the_lookback_of_its_lot(
    cast: Cast, login: Login
) -> None:
    unit, _ = svf_given_to_amina(cast)
    event = services.adverse_event_record(
        patient=cast.amina,
        by=cast.physician,
        assessment=mild(product_unit=unit, modality="", category="nodule"),
    )
    lookback = f"/biologics/lookback/?collection={unit.collection_id}"
    director_page = login(cast.director).get(f"/outcomes/adverse-events/{event.pk}/")
    assert lookback in director_page.content.decode()
    # The lookback itself finds the recipient.
    found = login(cast.director).get(lookback)
    assert found.status_code == 200 and "A-0001" in found.content.decode()
    # The physician (no lookback permission) sees the unit, not the link.
    physician_page = login(cast.physician).get(f"/outcomes/adverse-events/{event.pk}/")
    assert unit.din in physician_page.content.decode()
    assert lookback not in physician_page.content.decode()


def test_the_outsider_gets_404_for_another_clinics_event(cast: Cast, login: Login) -> None:
    event = serious_event(cast)
    assert login(cast.outsider).get(f"/outcomes/adverse-events/{event.pk}/").status_code == 404


def test_the_chart_section_lists_the_patients_events_in_fixed_queries(
    cast: Cast, login: Login, django_assert_max_num_queries: Any
) -> None:
    client = login(cast.physician)
    url = f"/outcomes/patient/{cast.amina.pk}/section/"
    services.adverse_event_record(patient=cast.amina, by=cast.nurse, assessment=mild())
    client.get(url)
    with django_assert_max_num_queries(16) as few:
        client.get(url)
    for _ in range(8):
        services.adverse_event_record(patient=cast.amina, by=cast.nurse, assessment=mild())
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    html = page.content.decode()
    assert html.count("/outcomes/adverse-events/") == 9
    assert f"/outcomes/patient/{cast.amina.pk}/progress/" in html
    entry = AuditEntry.objects.filter(object_type="outcomes.adverseevent", action="list").latest(
        "seq"
    )
    assert entry.patient_id == cast.amina.pk and len(entry.detail["shown"]) == 9


def test_the_chart_page_loads_the_section_with_htmx(cast: Cast, login: Login) -> None:
    html = login(cast.nurse).get(f"/patients/{cast.amina.pk}/").content.decode()
    assert f'hx-get="/outcomes/patient/{cast.amina.pk}/section/"' in html


def test_a_serious_event_waits_on_the_directors_home_page_until_reviewed(
    cast: Cast, login: Login
) -> None:
    event = serious_event(cast)
    client = login(cast.director)
    home = client.get("/").content.decode()
    assert "Serious adverse events to review" in home
    assert f"/outcomes/adverse-events/{event.pk}/" in home and "Amina" in home
    # The physician's home page does not show the director's panel.
    assert (
        f"/outcomes/adverse-events/{event.pk}/"
        not in login(cast.physician).get("/").content.decode()
    )
    client = login(cast.director)
    refused = client.post(f"/outcomes/adverse-events/{event.pk}/review/", {"note": ""})
    assert refused.status_code == 422 and "Write what you concluded" in refused.content.decode()
    done = client.post(
        f"/outcomes/adverse-events/{event.pk}/review/", {"note": "Reported; protocol amended."}
    )
    assert done.status_code == 302
    home = client.get("/").content.decode()
    assert f"/outcomes/adverse-events/{event.pk}/" not in home
    assert "No serious adverse event is waiting for review." in home


def test_a_nurse_cannot_review(cast: Cast, login: Login) -> None:
    event = serious_event(cast)
    response = login(cast.nurse).post(f"/outcomes/adverse-events/{event.pk}/review/", {"note": "x"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.reviewed_at is None


def test_the_physician_assesses_a_patients_draft(cast: Cast, login: Login) -> None:
    draft = services.adverse_event_report_by_patient(
        patient=cast.amina, by=cast.patient, onset_on=days_ago(3), description="Red and sore"
    )
    client = login(cast.physician)
    page = client.get(f"/outcomes/adverse-events/{draft.pk}/edit/").content.decode()
    assert "Assess the patient" in page and "Red and sore" in page
    response = client.post(
        f"/outcomes/adverse-events/{draft.pk}/edit/",
        _form(onset_on=days_ago(3).isoformat(), description="Red and sore"),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "recorded" and draft.source == "patient"


def test_marking_in_error_from_the_detail_page(cast: Cast, login: Login) -> None:
    event = services.adverse_event_record(patient=cast.amina, by=cast.nurse, assessment=mild())
    client = login(cast.nurse)
    bad = client.post(f"/outcomes/adverse-events/{event.pk}/entered-in-error/", {"reason": ""})
    assert bad.status_code == 422
    good = client.post(
        f"/outcomes/adverse-events/{event.pk}/entered-in-error/", {"reason": "Wrong patient"}
    )
    assert good.status_code == 302
    event.refresh_from_db()
    assert event.status == "entered_in_error"
    page = client.get(f"/outcomes/adverse-events/{event.pk}/").content.decode()
    assert "Wrong patient" in page and "Mark as entered in error" not in page


def test_the_list_filters_and_audits(cast: Cast, login: Login) -> None:
    serious = serious_event(cast)
    services.adverse_event_record(patient=cast.amina, by=cast.nurse, assessment=mild())
    client = login(cast.physician)
    html = client.get("/outcomes/adverse-events/?serious=1").content.decode()
    assert len(re.findall(r"/outcomes/adverse-events/\d+/", html)) == 1
    assert f"/outcomes/adverse-events/{serious.pk}/" in html


def _rates_world(cast: Cast) -> None:
    peels = sessions(
        cast.amina,
        cast.physician,
        Modality.CHEMICAL_PEEL,
        [days_ago(30), days_ago(20), days_ago(10), days_ago(5)],
    )
    sessions(cast.amina, cast.physician, Modality.MICRONEEDLING, [days_ago(8)], signed=False)
    for record in peels[:2]:
        services.adverse_event_record(
            patient=cast.amina, by=cast.physician, assessment=mild(procedure=record, modality="")
        )
    wrong = services.adverse_event_record(
        patient=cast.amina, by=cast.physician, assessment=mild(procedure=peels[2], modality="")
    )
    services.adverse_event_mark_entered_in_error(event=wrong, by=cast.physician, reason="Duplicate")
    services.adverse_event_report_by_patient(
        patient=cast.amina, by=cast.patient, onset_on=days_ago(1), description="Draft"
    )


def test_rates_count_recorded_events_per_signed_procedure_of_each_modality(cast: Cast) -> None:
    _rates_world(cast)
    unit, _ = svf_given_to_amina(cast)
    services.adverse_event_record(
        patient=cast.amina,
        by=cast.physician,
        assessment=mild(product_unit=unit, modality="", category="nodule"),
    )
    rates = selectors.adverse_event_rates(clinic_id=cast.clinic_a.pk)
    by_modality = {r.key: r for r in rates.by_modality}
    peel = by_modality["chemical_peel"]
    assert (peel.exposures, peel.events, str(peel.per_100)) == (4, 2, "50.0")
    # The unsigned microneedling session is no exposure.
    assert "microneedling" not in by_modality
    (lot,) = rates.by_lot
    assert (lot.lot_id, lot.exposures, lot.events) == (unit.collection_id, 1, 1)
    assert str(lot.per_100) == "100.0"


def test_the_rates_page_and_csv_are_the_directors_in_fixed_queries(
    cast: Cast, login: Login, django_assert_max_num_queries: Any
) -> None:
    _rates_world(cast)
    client = login(cast.director)
    with django_assert_max_num_queries(14):
        page = client.get("/outcomes/adverse-events/rates/")
    assert page.status_code == 200 and "Chemical peel" in page.content.decode()
    response = client.get("/outcomes/adverse-events/rates.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    peel = next(r for r in rows if r["key"] == "chemical_peel")
    assert (peel["exposures"], peel["events"], peel["events_per_100_exposures"]) == (
        "4",
        "2",
        "50.0",
    )
    assert login(cast.physician).get("/outcomes/adverse-events/rates/").status_code == 403


def test_rates_csv_neutralises_formulas() -> None:
    rates = selectors.Rates(
        by_modality=[selectors.Rate("x", "=cmd()", 1, 0, 0, 0)], by_lot=[], unattributed=0
    )
    assert "'=cmd()" in selectors.rates_csv(rates)


def test_the_panel_of_patients_reports_lists_drafts_until_assessed(cast: Cast) -> None:
    from scarclinic.outcomes.home import reports_to_assess_panel

    draft = services.adverse_event_report_by_patient(
        patient=cast.amina, by=cast.patient, onset_on=days_ago(1), description="Swollen"
    )
    panel = reports_to_assess_panel(clinic_id=cast.clinic_a.pk)
    assert [row.url for row in panel.rows] == [f"/outcomes/adverse-events/{draft.pk}/edit/"]
    services.adverse_event_update(event=draft, by=cast.nurse, assessment=mild(on=draft.onset_on))
    assert reports_to_assess_panel(clinic_id=cast.clinic_a.pk).rows == []
