"""The consultation API: the same answers as the pages, bad input refused with the field named
and nothing saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditEntry
from scarclinic.clinical.candidacy import add_months
from scarclinic.treatments.demo import seed_demo_consultation
from scarclinic.treatments.models import (
    CandidacyRuleSettings,
    ConsultationLabs,
    PriceListEntry,
    Screening,
    SharedDecision,
)
from scarclinic.treatments.tests.stories import months_ago, patient_with
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
BASE = "/api/v1/consultation"


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def _fields(response: Any) -> set[str]:
    """The fields a 422 names: ours ({"field"}) or ninja's schema errors ({"loc": [...]})."""
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    return {d["field"] if "field" in d else str(d["loc"][-1]) for d in detail}


def test_screening_for_one_treatment_gives_the_deferral_date_and_keeps_the_row(
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
    response = login(cast.physician).get(
        f"{BASE}/patients/{patient.pk}/screening", {"modality": "fractional_ablative_laser"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "defer"
    assert body["reassess_on"] == add_months(last_dose, 6).isoformat()
    assert body["rule_set_version"] == "clinical-2025.1"
    assert [f["rule_id"] for f in body["fired"]] == ["isotretinoin_recent_ablative"]
    assert body["fired"][0]["explanation"].startswith("You stopped isotretinoin recently.")
    rows = Screening.objects.filter(patient=patient)
    assert [(r.modality, r.status) for r in rows] == [("fractional_ablative_laser", "defer")]


def test_screening_with_an_unknown_treatment_is_a_422_naming_modality(
    cast: Cast, login: Login
) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    client = login(cast.physician)
    response = client.get(f"{BASE}/patients/{patient.pk}/screening", {"modality": "botox"})
    assert _fields(response) == {"modality"}
    assert _fields(client.get(f"{BASE}/patients/{patient.pk}/screening")) == {"modality"}
    assert not Screening.objects.exists()


def test_screening_before_an_assessment_says_what_is_missing(cast: Cast, login: Login) -> None:
    response = login(cast.physician).get(
        f"{BASE}/patients/{cast.bilal.pk}/screening", {"modality": "microneedling"}
    )
    assert _fields(response) == {"history", "assessment"}


def test_the_options_come_ranked_with_evidence_cost_and_screening(cast: Cast, login: Login) -> None:
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    patient = patient_with(
        cast.clinic_a, cast.nurse, cast.physician, bleeding_or_platelet_disorder=True
    )
    body = login(cast.nurse).get(f"{BASE}/patients/{patient.pk}/options").json()
    assert body["ready"] and body["missing"] == {}
    options = body["options"]
    assert [o["rank"] for o in options] == list(range(1, len(options) + 1))
    first_unsuitable = next(i for i, o in enumerate(options) if not o["suitable"])
    assert all(not o["suitable"] for o in options[first_unsuitable:])
    prp = next(o for o in options if o["key"] == "microneedling_prp")
    assert (prp["status"], prp["suitable"]) == ("contraindicated", False)
    assert prp["evidence"][0]["citation"] == "Kang & Lu, Front Med 2022"
    assert (prp["cost_from"], prp["cost_to"], prp["currency"]) == ("54000.00", "72000.00", "PKR")
    assert prp["clinic_outcomes"] == []
    svf = next(o for o in options if o["key"] == "stem_cell_svf_injection")
    assert svf["investigational"] and svf["evidence_is_weak"]


def test_a_decision_is_recorded_with_the_snapshot_and_listed(cast: Cast, login: Login) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    client = login(cast.physician)
    shown = client.get(f"{BASE}/patients/{patient.pk}/options").json()
    response = _post(
        client,
        f"{BASE}/patients/{patient.pk}/decisions",
        {
            "chosen": "subcision",
            "questions": "Any scars from it?",
            "fingerprint": shown["fingerprint"],
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["chosen_label"], created["status"]) == ("Subcision", "proposed")
    assert [o["key"] for o in created["options_shown"]["options"]] == [
        o["key"] for o in shown["options"]
    ]
    listed = client.get(f"{BASE}/patients/{patient.pk}/decisions").json()
    assert [d["id"] for d in listed] == [created["id"]]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"chosen"}),
        ({"chosen": ""}, {"chosen"}),
        ({"chosen": "no_such_treatment"}, {"chosen"}),
        ({"chosen": "fractional_ablative_laser"}, {"chosen"}),  # deferred
        ({"chosen": "none_yet", "questions": "x" * 5001}, {"questions"}),
        ({"chosen": "none_yet", "fingerprint": "0000000000000000"}, {"options"}),
        ({"chosen": "none_yet", "shown": []}, {"shown"}),  # unknown field
        ({"chosen": 12}, {"chosen"}),
    ],
)
def test_a_bad_decision_is_a_422_naming_the_field_and_saves_nothing(
    cast: Cast, login: Login, body: dict[str, Any], fields: set[str]
) -> None:
    patient = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=months_ago(timezone.localdate(), 4),
    )
    response = _post(login(cast.physician), f"{BASE}/patients/{patient.pk}/decisions", body)
    assert _fields(response) == fields
    assert not SharedDecision.objects.exists()


def test_the_rules_are_read_by_the_care_team_and_changed_by_the_director(
    cast: Cast, login: Login
) -> None:
    rules = login(cast.physician).get(f"{BASE}/rules").json()
    assert rules["version"] == "clinical-2025.1" and rules["settings"] is None
    assert {r["id"] for r in rules["rules"]} >= {"prp_platelets_below_minimum"}
    assert {t["name"]: t["value"] for t in rules["thresholds"]}["platelet_min_10e9_per_l"] == 100
    director = login(cast.director)
    changed = _post(
        director,
        f"{BASE}/rules",
        {"thresholds": {"platelet_min_10e9_per_l": 80}, "reason": "Haematology advice"},
    )
    assert changed.status_code == 201
    body = changed.json()
    assert body["version"] != "clinical-2025.1"
    assert body["settings"]["number"] == 1 and body["settings"]["changed_by_id"] == cast.director.pk
    assert {t["name"]: t["value"] for t in body["thresholds"]}["platelet_min_10e9_per_l"] == 80
    assert AuditEntry.objects.filter(object_type="treatments.candidacyrulesettings").count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"thresholds": {"isotretinoin_months": 99}}, {"isotretinoin_months"}),
        ({"thresholds": {"isotretinoin_months": "soon"}}, {"isotretinoin_months"}),
        ({"thresholds": {"made_up": 1}}, {"made_up"}),
        ({"disable": ["made_up"], "reason": "x"}, {"disable"}),
        ({"disable": ["prp_smoking"]}, {"reason"}),
        ({}, {"changes"}),
        ({"clinic_id": "A"}, {"clinic_id"}),
        ({"colour": "blue"}, {"colour"}),
    ],
)
def test_a_bad_rule_change_is_a_422_naming_the_field_and_saves_nothing(
    cast: Cast, login: Login, body: dict[str, Any], fields: set[str]
) -> None:
    response = _post(login(cast.director), f"{BASE}/rules", body)
    assert _fields(response) == fields
    assert not CandidacyRuleSettings.objects.exists()


def test_another_clinics_rules_or_prices_are_refused(cast: Cast, login: Login) -> None:
    client = login(cast.director)
    assert client.get(f"{BASE}/rules", {"clinic_id": cast.clinic_b.pk}).status_code == 403
    response = _post(
        client,
        f"{BASE}/prices",
        {
            "clinic_id": cast.clinic_b.pk,
            "modality": "subcision",
            "price_per_session": "9000",
            "effective_from": "2030-01-01",
        },
    )
    assert response.status_code == 403
    assert not PriceListEntry.objects.exists()


def test_prices_are_added_and_listed_with_the_one_in_force(cast: Cast, login: Login) -> None:
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    client = login(cast.admin)
    response = _post(
        client,
        f"{BASE}/prices",
        {"modality": "subcision", "price_per_session": 16000, "effective_from": "2030-01-01"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["in_force"] is False  # from 2030 on
    listed = client.get(f"{BASE}/prices").json()
    subcision = [p for p in listed if p["modality"] == "subcision"]
    assert [(p["price_per_session"], p["in_force"], p["is_demo"]) for p in subcision] == [
        ("16000.00", False, False),
        ("15000.00", True, True),
    ]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"modality": "botox"}, {"modality"}),
        ({"price_per_session": "lots"}, {"price_per_session"}),
        ({"price_per_session": "-100"}, {"price_per_session"}),
        ({"currency": "US"}, {"currency"}),
        ({"effective_from": "next week"}, {"effective_from"}),
        ({"effective_from": "2025-01-01"}, {"effective_from"}),  # the demo price's date
    ],
)
def test_a_bad_price_is_a_422_naming_the_field_and_saves_nothing(
    cast: Cast, login: Login, body: dict[str, Any], fields: set[str]
) -> None:
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    before = PriceListEntry.objects.count()
    valid = {"modality": "subcision", "price_per_session": "16000", "effective_from": "2030-01-01"}
    response = _post(login(cast.director), f"{BASE}/prices", valid | body)
    assert _fields(response) == fields
    assert PriceListEntry.objects.count() == before


def test_blood_results_through_the_api_change_the_prp_screening(cast: Cast, login: Login) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    client = login(cast.nurse)
    bad = _post(client, f"{BASE}/patients/{patient.pk}/labs", {"platelet_count_10e9_per_l": "85"})
    assert _fields(bad) == {"measured_on"}
    assert not ConsultationLabs.objects.exists()
    good = _post(
        client,
        f"{BASE}/patients/{patient.pk}/labs",
        {
            "platelet_count_10e9_per_l": "85",
            "haemoglobin_g_dl": 12.5,
            "measured_on": timezone.localdate().isoformat(),
        },
    )
    assert good.status_code == 201
    screening = client.get(
        f"{BASE}/patients/{patient.pk}/screening", {"modality": "microneedling_prp"}
    ).json()
    assert screening["status"] == "contraindicated"
    assert "Platelet count 85 x10^9/L" in screening["fired"][0]["reason"]
