"""Done when: for demo-like patients the screening and the ranking are right, through the
Django layer (models, selectors, services), in stories written from CLINICAL.md 6, 8 and 9."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from scarclinic.clinical.candidacy import Status, add_months
from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.recommend import Fit
from scarclinic.treatments import selectors, services
from scarclinic.treatments.demo import seed_demo_consultation
from scarclinic.treatments.models import Screening
from scarclinic.treatments.tests.stories import months_ago, patient_with
from tests.cast import Cast

pytestmark = pytest.mark.django_db

LASER = Modality.FRACTIONAL_ABLATIVE_LASER
PRP = Modality.MICRONEEDLING_PRP


def _screening(c: selectors.Consultation, modality: Modality):  # type: ignore[no-untyped-def]
    return next(s for s in c.screenings if s.modality is modality)


def _keys(cards: list[dict[str, object]]) -> set[str]:
    return {str(card["key"]) for card in cards}


def test_isotretinoin_stopped_4_months_ago_defers_ablative_laser_until_6_months_after_the_dose(
    cast: Cast,
) -> None:
    today = timezone.localdate()
    last_dose = months_ago(today, 4)
    patient = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=last_dose,
        fitzpatrick=3,
    )
    c = selectors.consultation_build(patient=patient)

    laser = _screening(c, LASER)
    assert laser.status is Status.DEFER
    assert laser.reassess_on == add_months(last_dose, 6)
    assert [f.rule_id for f in laser.blocking] == ["isotretinoin_recent_ablative"]
    assert f"until {add_months(last_dose, 6).isoformat()}" in laser.blocking[0].reason
    # CLINICAL.md 8: no need to delay superficial peels, non-ablative and fractional lasers.
    for modality in (Modality.NON_ABLATIVE_FRACTIONAL_LASER, Modality.CHEMICAL_PEEL):
        assert _screening(c, modality).is_suitable
    # Every option with the laser in it waits, combinations included, and is never offered.
    with_laser = {selectors.option_key(o) for o in c.options if LASER in o.modalities}
    assert with_laser == {"fractional_ablative_laser", "tca_cross+fractional_ablative_laser"}
    assert with_laser <= _keys(c.cards_not_now)
    assert not with_laser & _keys(c.cards_for_the_scars)
    assert not with_laser & {key for key, _ in c.choices}


def test_the_deferral_ends_on_the_date_it_gave(cast: Cast) -> None:
    today = timezone.localdate()
    last_dose = add_months(today, -6)
    patient = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=last_dose,
    )
    assert _screening(selectors.consultation_build(patient=patient), LASER).is_suitable
    the_day_before = today - dt.timedelta(days=1)
    before = selectors.consultation_build(patient=patient, on_date=the_day_before)
    assert _screening(before, LASER).reassess_on == today


def test_a_bleeding_disorder_contraindicates_prp_and_every_combination_with_it(
    cast: Cast,
) -> None:
    patient = patient_with(
        cast.clinic_a, cast.nurse, cast.physician, bleeding_or_platelet_disorder=True
    )
    c = selectors.consultation_build(patient=patient)

    prp = _screening(c, PRP)
    assert prp.status is Status.CONTRAINDICATED
    assert [f.rule_id for f in prp.blocking] == ["prp_platelet_dysfunction"]
    with_prp = {selectors.option_key(o) for o in c.options if PRP in o.modalities}
    assert with_prp == {"microneedling_prp", "subcision+microneedling_prp"}
    assert with_prp <= _keys(c.cards_not_now)
    assert not with_prp & {key for key, _ in c.choices}
    # Microneedling without PRP is what the rule's action suggests, and it stays open.
    assert "microneedling" in _keys(c.cards_for_the_scars)


@pytest.mark.parametrize(
    ("platelets", "status"),
    [
        (Decimal("99.9"), Status.CONTRAINDICATED),
        (Decimal("80"), Status.CONTRAINDICATED),
        (Decimal("100"), Status.ELIGIBLE),  # "< 100" excludes; 100 itself is allowed
        (Decimal("250"), Status.ELIGIBLE),
    ],
)
def test_a_platelet_count_below_100_contraindicates_prp(
    cast: Cast, platelets: Decimal, status: Status
) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    services.labs_record(
        patient=patient,
        by=cast.nurse,
        platelet_count_10e9_per_l=platelets,
        haemoglobin_g_dl=Decimal("13.1"),
        measured_on=timezone.localdate(),
    )
    prp = _screening(selectors.consultation_build(patient=patient), PRP)
    assert prp.status is status
    if status is Status.CONTRAINDICATED:
        assert [f.rule_id for f in prp.blocking] == ["prp_platelets_below_minimum"]


def test_without_blood_results_prp_is_offered_only_with_the_check_to_do_first(
    cast: Cast,
) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    prp = _screening(selectors.consultation_build(patient=patient), PRP)
    assert prp.status is Status.CAUTION
    assert prp.actions == ("Check platelet count and haemoglobin before PRP.",)


def test_pregnancy_defers_cell_therapy_but_not_microneedling(cast: Cast) -> None:
    patient = patient_with(
        cast.clinic_a, cast.nurse, cast.physician, pregnant_or_breastfeeding=True
    )
    c = selectors.consultation_build(patient=patient)
    for cell in (
        Modality.STEM_CELL_SVF_INJECTION,
        Modality.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING,
    ):
        assert _screening(c, cell).status is Status.DEFER
        assert cell.value in _keys(c.cards_not_now)
    assert _screening(c, Modality.MICRONEEDLING).status is Status.ELIGIBLE


def test_active_acne_at_examination_defers_every_treatment(cast: Cast) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician, assessment=False)
    from scarclinic.treatments.tests.stories import signed_assessment

    signed_assessment(patient, cast.physician, active_acne=True)
    c = selectors.consultation_build(patient=patient)
    assert {s.status for s in c.screenings} == {Status.DEFER}
    assert c.cards_for_the_scars == [] and c.cards_other == []
    assert c.choices == [("none_yet", "No treatment chosen yet")]


def test_ice_pick_scars_put_tca_cross_first_and_rolling_scars_put_subcision_among_first_line(
    cast: Cast,
) -> None:
    ice_pick = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        findings={("cheek_left", "ice_pick"): 14, ("cheek_right", "ice_pick"): 9},
    )
    c = selectors.consultation_build(patient=ice_pick)
    assert c.cards_for_the_scars[0]["key"] == "tca_cross"
    assert {c.cards_first_line[i]["key"] for i in range(2)} == {
        "tca_cross",
        "punch_excision_elevation",
    }

    rolling = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        findings={("cheek_left", "rolling"): 6, ("cheek_right", "rolling"): 5},
    )
    c = selectors.consultation_build(patient=rolling)
    assert _keys(c.cards_first_line) == {
        "subcision",
        "dermal_filler",
        "microneedling",
        "microneedling_prp",
        "subcision+microneedling",
        "subcision+microneedling_prp",
    }
    assert all(card["fit"] == Fit.FIRST_LINE.value for card in c.cards_first_line)
    # Among equally fitting options the one with the strongest evidence comes first.
    assert c.cards_first_line[0]["key"] == "microneedling_prp"
    assert not c.cards_first_line[0]["evidence_is_weak"]


def test_the_demo_price_list_gives_every_option_a_cost_from_the_sessions(cast: Cast) -> None:
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    c = selectors.consultation_build(patient=patient)
    prp = next(card for card in c.option_cards if card["key"] == "microneedling_prp")
    # 3-4 sessions (CLINICAL.md 9) x PKR 18,000 (demo).
    assert (Decimal(prp["cost_from"]), Decimal(prp["cost_to"])) == (54000, 72000)
    assert prp["cost_text"].startswith("PKR 54,000 to PKR 72,000")
    assert "Demo prices, not a quote." in prp["cost_text"]
    assert all(card["cost_to"] is not None for card in c.option_cards)


def test_switching_the_isotretinoin_rule_off_lifts_the_deferral_and_screenings_record_the_version(
    cast: Cast,
) -> None:
    patient = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=months_ago(timezone.localdate(), 4),
    )
    before = selectors.consultation_build(patient=patient)
    services.screenings_record(consultation=before, by=cast.physician)
    kept = Screening.objects.get(patient=patient, modality=LASER.value)
    assert (kept.status, kept.rule_set_version, kept.rule_settings) == (
        "defer",
        "clinical-2025.1",
        None,
    )
    assert kept.reassess_on == _screening(before, LASER).reassess_on
    assert [f["rule_id"] for f in kept.fired] == ["isotretinoin_recent_ablative"]

    settings = services.rule_settings_change(
        clinic=cast.clinic_a,
        by=cast.director,
        disable=["isotretinoin_recent_ablative"],
        reason="We use the CO2 laser in fractional mode only (ASDS: no delay needed)",
    )
    after = selectors.consultation_build(patient=patient)
    assert _screening(after, LASER).status is Status.ELIGIBLE
    assert after.rule_set_version == settings.version != "clinical-2025.1"
    services.screenings_record(consultation=after, by=cast.physician)
    latest = Screening.objects.filter(patient=patient, modality=LASER.value).order_by("-id")[0]
    assert (latest.status, latest.rule_set_version, latest.rule_settings) == (
        "eligible",
        settings.version,
        settings,
    )
    assert latest.fired == []


def test_the_clinics_platelet_threshold_is_used_and_other_clinics_keep_the_default(
    cast: Cast,
) -> None:
    services.rule_settings_change(
        clinic=cast.clinic_a,
        by=cast.director,
        thresholds={"platelet_min_10e9_per_l": 80},
        reason="Haematology advice",
    )
    at_a = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    at_b = patient_with(cast.clinic_b, cast.outsider, cast.outsider)
    for patient, by in ((at_a, cast.nurse), (at_b, cast.outsider)):
        services.labs_record(
            patient=patient,
            by=by,
            platelet_count_10e9_per_l=Decimal("90"),
            haemoglobin_g_dl=Decimal("12"),
            measured_on=timezone.localdate(),
        )
    assert _screening(selectors.consultation_build(patient=at_a), PRP).status is Status.ELIGIBLE
    assert (
        _screening(selectors.consultation_build(patient=at_b), PRP).status is Status.CONTRAINDICATED
    )
