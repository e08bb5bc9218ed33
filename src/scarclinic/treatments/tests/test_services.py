"""The consultation's writes: each audited, each refusing bad input with the field named and
nothing saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.audit.models import AuditEntry
from scarclinic.clinical.candidacy import DEFAULT_RULES
from scarclinic.clinical.evidence import Modality
from scarclinic.treatments import selectors, services
from scarclinic.treatments.demo import DEMO_PRICES, seed_demo_consultation
from scarclinic.treatments.models import (
    CandidacyRuleSettings,
    ConsultationLabs,
    PriceListEntry,
    Screening,
    SharedDecision,
)
from scarclinic.treatments.tests.stories import months_ago, patient_with
from tests.cast import Cast

RULE_IDS = [r.id for r in DEFAULT_RULES.rules]


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# ------------------------------------------------------------------------------------------
# Rule settings


@pytest.mark.django_db
def test_a_threshold_change_is_kept_as_a_new_version_and_audited(cast: Cast) -> None:
    first = services.rule_settings_change(
        clinic=cast.clinic_a,
        by=cast.director,
        thresholds={"isotretinoin_months": 5},
        reason="Local dermatology guideline",
    )
    second = services.rule_settings_change(
        clinic=cast.clinic_a, by=cast.director, thresholds={"isotretinoin_months": 12}
    )
    assert (first.number, second.number) == (1, 2)
    assert first.threshold_overrides == {"isotretinoin_months": 5}
    assert second.threshold_overrides == {"isotretinoin_months": 12}
    assert first.version != second.version
    assert (
        first.version == DEFAULT_RULES.with_changes(thresholds={"isotretinoin_months": 5}).version
    )
    assert second.change == "isotretinoin_months 5 -> 12"
    # History, not overwrite: the first version is still there as it was.
    first.refresh_from_db()
    assert first.threshold_overrides == {"isotretinoin_months": 5}
    assert selectors.clinic_rules(clinic_id=cast.clinic_a.pk).settings == second

    entry = AuditEntry.objects.filter(
        object_type="treatments.candidacyrulesettings", object_id=str(second.pk)
    ).get()
    assert (entry.action, entry.actor, entry.clinic_id) == (
        "update",
        cast.director,
        cast.clinic_a.pk,
    )
    assert entry.detail == {
        "version": second.version,
        "previous_version": first.version,
        "disabled": [],
        "enabled": [],
        "thresholds": {"isotretinoin_months": 12},
    }


@pytest.mark.django_db
def test_resetting_every_change_returns_to_the_default_version(cast: Cast) -> None:
    services.rule_settings_change(
        clinic=cast.clinic_a,
        by=cast.director,
        disable=["prp_smoking"],
        thresholds={"haemoglobin_min_g_dl": 11.5},
        reason="Trial protocol",
    )
    back = services.rule_settings_change(
        clinic=cast.clinic_a,
        by=cast.director,
        enable=["prp_smoking"],
        thresholds={"haemoglobin_min_g_dl": None},
    )
    assert back.version == DEFAULT_RULES.version == "clinical-2025.1"
    assert (back.disabled_rules, back.threshold_overrides) == ([], {})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"thresholds": {"isotretinoin_months": 61}}, "isotretinoin_months", "from 0 to 60"),
        ({"thresholds": {"isotretinoin_months": 4.5}}, "isotretinoin_months", "whole number"),
        ({"thresholds": {"platelet_min_10e9_per_l": -1}}, "platelet_min_10e9_per_l", "from 0"),
        ({"thresholds": {"no_such": 1}}, "no_such", "Unknown threshold"),
        ({"disable": ["no_such_rule"], "reason": "x"}, "disable", "Unknown rule"),
        ({"enable": ["no_such_rule"]}, "enable", "Unknown rule"),
        ({"disable": ["prp_smoking"]}, "reason", "Say why"),
        ({"thresholds": {"isotretinoin_months": 6}}, "changes", "Nothing changed"),
        ({"enable": ["prp_smoking"]}, "changes", "Nothing changed"),
    ],
)
def test_a_bad_rule_change_names_the_field_and_saves_nothing(
    cast: Cast, change: dict[str, object], field: str, message: str
) -> None:
    audited = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.rule_settings_change(clinic=cast.clinic_a, by=cast.director, **change)  # type: ignore[arg-type]
    assert message in " ".join(_errors(exc)[field])
    assert not CandidacyRuleSettings.objects.exists()
    assert AuditEntry.objects.count() == audited


@pytest.mark.django_db
def test_only_the_director_of_the_clinic_changes_its_rules(cast: Cast) -> None:
    for user in (cast.physician, cast.admin, cast.outsider):
        with pytest.raises(ValidationError) as exc:
            services.rule_settings_change(
                clinic=cast.clinic_a, by=user, thresholds={"isotretinoin_months": 5}
            )
        assert "clinic" in _errors(exc)
    assert not CandidacyRuleSettings.objects.exists()


@settings(max_examples=40, deadline=None)
@given(
    disabled=st.sets(st.sampled_from(RULE_IDS), max_size=5),
    months=st.integers(0, 60),
    platelets=st.floats(0, 1000, allow_nan=False),
    as_float=st.booleans(),
)
def test_a_stored_configuration_gives_back_the_rule_set_and_version_it_was_saved_with(
    disabled: set[str], months: int, platelets: float, as_float: bool
) -> None:
    rule_set = DEFAULT_RULES.with_changes(
        disabled=disabled,
        thresholds={
            "isotretinoin_months": float(months) if as_float else months,
            "platelet_min_10e9_per_l": platelets,
        },
    )
    row = CandidacyRuleSettings(
        disabled_rules=sorted(rule_set.disabled),
        threshold_overrides=dict(rule_set.overrides),
        version=rule_set.version,
    )
    again = selectors.rule_set_from(row)
    assert again.rule_set.version == rule_set.version
    assert again.rule_set.disabled == rule_set.disabled
    assert again.ignored == ()
    # The same setting spelled 5 or 5.0 is the same version (a core fix, see candidacy.py).
    respelled = DEFAULT_RULES.with_changes(
        disabled=disabled,
        thresholds={"isotretinoin_months": months, "platelet_min_10e9_per_l": platelets},
    )
    assert respelled.version == rule_set.version


def test_settings_the_rules_no_longer_know_are_ignored_and_reported() -> None:
    row = CandidacyRuleSettings(
        disabled_rules=["prp_smoking", "retired_rule"],
        threshold_overrides={"retired_threshold": 3, "isotretinoin_months": 5},
    )
    current = selectors.rule_set_from(row)
    assert current.ignored == ("retired_rule", "retired_threshold")
    assert current.rule_set.disabled == {"prp_smoking"}
    assert current.rule_set.threshold("isotretinoin_months") == 5


# ------------------------------------------------------------------------------------------
# Prices


@pytest.mark.django_db
def test_a_new_price_starts_on_its_date_and_the_old_one_is_kept(cast: Cast) -> None:
    today = timezone.localdate()
    old = services.price_set(
        clinic=cast.clinic_a,
        by=cast.director,
        modality="microneedling",
        price_per_session="10000",
        effective_from=today - dt.timedelta(days=30),
    )
    new = services.price_set(
        clinic=cast.clinic_a,
        by=cast.admin,
        modality="microneedling",
        price_per_session=Decimal("12500.50"),
        effective_from=today + dt.timedelta(days=7),
    )
    prices = selectors.current_prices(clinic_id=cast.clinic_a.pk, on_date=today)
    assert prices == {Modality.MICRONEEDLING: old}
    later = selectors.current_prices(clinic_id=cast.clinic_a.pk, on_date=new.effective_from)
    assert list(later.values()) == [new]
    assert new.price_per_session == Decimal("12500.50")
    entry = AuditEntry.objects.filter(object_type="treatments.pricelistentry").order_by("seq")
    assert [(e.action, e.actor) for e in entry] == [
        ("create", cast.director),
        ("create", cast.admin),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"modality": "botox"}, "modality"),
        ({"price_per_session": "-5"}, "price_per_session"),
        ({"price_per_session": "abc"}, "price_per_session"),
        ({"price_per_session": 100.5}, "price_per_session"),  # a float: binary noise
        ({"price_per_session": "1.234"}, "price_per_session"),
        ({"price_per_session": "NaN"}, "price_per_session"),
        ({"currency": "rupees"}, "currency"),
        ({"currency": "USD"}, "currency"),  # the clinic's prices are in PKR
        ({"effective_from": dt.date(2025, 1, 1)}, "effective_from"),  # exists already
    ],
)
def test_a_bad_price_names_the_field_and_saves_nothing(
    cast: Cast, values: dict[str, object], field: str
) -> None:
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    before = PriceListEntry.objects.count()
    data: dict[str, object] = {
        "modality": "microneedling",
        "price_per_session": "11000",
        "effective_from": timezone.localdate(),
        "currency": "PKR",
    } | values
    with pytest.raises(ValidationError) as exc:
        services.price_set(clinic=cast.clinic_a, by=cast.director, **data)  # type: ignore[arg-type]
    assert list(_errors(exc)) == [field]
    assert PriceListEntry.objects.count() == before


@pytest.mark.django_db
def test_the_demo_price_list_loads_once_and_never_beside_a_clinics_own_price(cast: Cast) -> None:
    services.price_set(
        clinic=cast.clinic_a,
        by=cast.director,
        modality="subcision",
        price_per_session="9000",
        effective_from=timezone.localdate(),
    )
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    entries = PriceListEntry.objects.filter(clinic=cast.clinic_a)
    assert entries.count() == len(DEMO_PRICES)
    assert entries.filter(is_demo=True).count() == len(DEMO_PRICES) - 1
    assert entries.get(modality="subcision").price_per_session == 9000
    assert AuditEntry.objects.filter(action="seed").count() == 1


# ------------------------------------------------------------------------------------------
# Blood results


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field"),
    [
        (
            {"platelet_count_10e9_per_l": -3, "measured_on": dt.date(2025, 1, 1)},
            "platelet_count_10e9_per_l",
        ),
        ({"haemoglobin_g_dl": "lots", "measured_on": dt.date(2025, 1, 1)}, "haemoglobin_g_dl"),
        ({"platelet_count_10e9_per_l": 180}, "measured_on"),  # blood results need their date
        ({"measured_on": dt.date(2999, 1, 1)}, "measured_on"),
        ({"expects_gradual_results": "maybe"}, "expects_gradual_results"),
        ({"shoe_size": 42}, "shoe_size"),
    ],
)
def test_bad_blood_results_name_the_field_and_save_nothing(
    cast: Cast, values: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.labs_record(patient=cast.amina, by=cast.nurse, **values)
    assert list(_errors(exc)) == [field]
    assert not ConsultationLabs.objects.exists()


@pytest.mark.django_db
def test_blood_results_are_kept_as_records_and_audited_without_their_values(cast: Cast) -> None:
    labs = services.labs_record(
        patient=cast.amina,
        by=cast.nurse,
        platelet_count_10e9_per_l=Decimal("212"),
        haemoglobin_g_dl=12.4,
        measured_on=timezone.localdate(),
        smoker=True,
    )
    assert labs.haemoglobin_g_dl == Decimal("12.4")
    entry = AuditEntry.objects.get(object_type="treatments.consultationlabs")
    assert entry.patient_id == cast.amina.pk
    assert "212" not in str(entry.detail) and "12.4" not in str(entry.detail)
    with pytest.raises(ValidationError):
        services.labs_record(patient=cast.amina, by=cast.frontdesk, smoker=False)


# ------------------------------------------------------------------------------------------
# Screenings and decisions


@pytest.mark.django_db
def test_the_same_screening_is_kept_once_a_day_and_a_new_fact_keeps_a_new_one(
    cast: Cast,
) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    kept = services.screenings_record(
        consultation=selectors.consultation_build(patient=patient), by=cast.physician
    )
    assert len(kept) == 11
    assert {s.rule_set_version for s in kept} == {"clinical-2025.1"}
    again = services.screenings_record(
        consultation=selectors.consultation_build(patient=patient), by=cast.nurse
    )
    assert again == []
    services.labs_record(
        patient=patient,
        by=cast.nurse,
        platelet_count_10e9_per_l=Decimal("60"),
        haemoglobin_g_dl=Decimal("12"),
        measured_on=timezone.localdate(),
    )
    changed = services.screenings_record(
        consultation=selectors.consultation_build(patient=patient), by=cast.nurse
    )
    # The blood results change the PRP screening only; the rest are the same as before but
    # used other facts, so each is kept with the facts it used.
    prp = next(s for s in changed if s.modality == "microneedling_prp")
    assert prp.status == "contraindicated" and prp.screened_by == cast.nurse
    assert Screening.objects.filter(patient=patient).count() == 11 + len(changed)
    assert AuditEntry.objects.filter(object_type="treatments.screening").count() == 2


@pytest.mark.django_db
def test_a_decision_keeps_a_snapshot_of_the_options_shown_and_starts_a_proposed_plan(
    cast: Cast,
) -> None:
    seed_demo_consultation(clinic=cast.clinic_a, director=cast.director)
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    shown = selectors.consultation_build(patient=patient)
    decision = services.decision_record(
        patient=patient,
        by=cast.physician,
        chosen="microneedling_prp",
        questions="  How many sessions? Does it hurt?  ",
        fingerprint=shown.fingerprint,
    )
    assert decision.status == "proposed"
    assert decision.chosen_label == "Microneedling with PRP"
    assert decision.questions == "How many sessions? Does it hurt?"
    assert decision.assessment == shown.assessment
    assert decision.history_version == patient.current_history
    assert decision.rule_set_version == "clinical-2025.1"
    snapshot = decision.options_shown
    assert snapshot == shown.snapshot()
    chosen = decision.chosen
    assert chosen is not None and chosen["cost_text"].startswith("PKR 54,000 to PKR 72,000")
    assert [e["citation"] for e in chosen["evidence"]] == ["Kang & Lu, Front Med 2022"]
    entry = AuditEntry.objects.get(object_type="treatments.shareddecision")
    assert (entry.action, entry.actor, entry.patient_id) == ("create", cast.physician, patient.pk)
    assert "microneedling" not in str(entry.detail)  # the choice is patient data


@pytest.mark.django_db
def test_none_yet_is_a_decision_too(cast: Cast) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    decision = services.decision_record(
        patient=patient, by=cast.physician, chosen="none_yet", questions="Wants to think."
    )
    assert decision.is_none_yet and decision.chosen is None
    assert decision.chosen_label == "No treatment chosen yet"


@pytest.mark.django_db
def test_a_deferred_option_cannot_be_chosen_and_the_refusal_says_until_when(cast: Cast) -> None:
    last_dose = months_ago(timezone.localdate(), 4)
    patient = patient_with(
        cast.clinic_a,
        cast.nurse,
        cast.physician,
        isotretinoin="past",
        isotretinoin_last_dose=last_dose,
    )
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            patient=patient, by=cast.physician, chosen="fractional_ablative_laser"
        )
    (message,) = _errors(exc)["chosen"]
    assert "defer" in message and "Reassess on or after" in message
    assert not SharedDecision.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("chosen", "field"),
    [("", "chosen"), ("laser_hair_removal", "chosen"), ("microneedling", "questions")],
)
def test_a_bad_decision_names_the_field_and_saves_nothing(
    cast: Cast, chosen: str, field: str
) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            patient=patient, by=cast.physician, chosen=chosen, questions="?" * 5001
        )
    assert field in _errors(exc)
    assert not SharedDecision.objects.exists()


@pytest.mark.django_db
def test_a_decision_on_options_that_changed_since_the_page_was_opened_is_refused(
    cast: Cast,
) -> None:
    patient = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    shown = selectors.consultation_build(patient=patient).fingerprint
    services.price_set(
        clinic=cast.clinic_a,
        by=cast.director,
        modality="microneedling",
        price_per_session="10000",
        effective_from=timezone.localdate(),
    )
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            patient=patient, by=cast.physician, chosen="microneedling", fingerprint=shown
        )
    assert list(_errors(exc)) == ["options"]
    assert not SharedDecision.objects.exists()


@pytest.mark.django_db
def test_no_decision_without_a_signed_assessment_or_by_a_nurse(cast: Cast) -> None:
    unassessed = patient_with(cast.clinic_a, cast.nurse, cast.physician, assessment=False)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(patient=unassessed, by=cast.physician, chosen="none_yet")
    assert list(_errors(exc)) == ["assessment"]
    with pytest.raises(ValidationError) as exc:
        services.decision_record(patient=cast.bilal, by=cast.physician, chosen="none_yet")
    assert set(_errors(exc)) == {"history", "assessment"}
    assessed = patient_with(cast.clinic_a, cast.nurse, cast.physician)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(patient=assessed, by=cast.nurse, chosen="none_yet")
    assert list(_errors(exc)) == ["clinic"]
    assert not SharedDecision.objects.exists()
