"""The clinic's figures against synthetic data with a known effect: the mixed model recovers
each modality's effect per session within its 95% interval, the tables' means and counts are
those of the data, and small groups say "too few to conclude"."""

from __future__ import annotations

import pytest

from scarclinic.analytics import cohort
from scarclinic.analytics.services import snapshot_compute
from scarclinic.analytics.tests.cohort_builder import build_cohort
from scarclinic.clinical.evidence import Modality
from tests.cast import Cast

pytestmark = pytest.mark.django_db

TRUTH = {Modality.TCA_CROSS: 8.0, Modality.MICRONEEDLING_PRP: 4.0}


@pytest.fixture
def figures(cast: Cast) -> dict:
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects=TRUTH,
        patients_per_modality=25,
        untreated=6,
    )
    snapshot = snapshot_compute(clinic_id=cast.clinic_a.pk)
    assert snapshot.status == "ready", snapshot.error
    return snapshot.results


@pytest.mark.parametrize("scale", list(cohort.SCALES))
def test_the_mixed_model_recovers_the_known_effect_within_its_interval(
    figures: dict, scale: str
) -> None:
    effects = cohort.effects_from_json(figures[scale]["model"])
    assert effects.method == "mixed_model"
    for modality, truth in TRUTH.items():
        effect = effects.effect(modality.value)
        assert effect is not None and effect.estimate is not None
        assert effect.ci_low is not None and effect.ci_high is not None
        assert effect.ci_low <= truth <= effect.ci_high, (modality, effect)
        assert abs(effect.estimate - truth) < 1.5
        assert effect.n_patients == 25 and effect.conclusive


def test_the_tables_count_every_patient_once_and_the_means_are_the_data_s(figures: dict) -> None:
    tables = figures["goodman_baron_quantitative"]["tables"]
    assert tables["overall"]["n"] == 56
    by_modality = {r["key"]: r for r in tables["modality"]}
    assert by_modality["tca_cross"]["n"] == 25 and by_modality["microneedling_prp"]["n"] == 25
    # Latest assessment after 4 sessions: the mean improvement is about 4 x the effect.
    assert by_modality["tca_cross"]["ci_low"] < 32 < by_modality["tca_cross"]["ci_high"]
    assert (
        by_modality["microneedling_prp"]["ci_low"]
        < 16
        < by_modality["microneedling_prp"]["ci_high"]
    )
    untreated = {r["key"]: r for r in tables["combination"]}["0"]
    assert untreated["n"] == 6 and untreated["label"].startswith("No treatment")
    assert untreated["too_few"] is True  # 6 < 10 patients
    sessions = {r["key"]: r["n"] for r in tables["sessions"]}
    assert sessions == {"0": 6, "4": 50}
    assert {r["key"]: r["n"] for r in tables["skin_type"]} == {"4": 56}


def test_responders_and_time_to_response_are_counted_from_the_assessments(figures: dict) -> None:
    rows = {r["key"]: r for r in figures["goodman_baron_quantitative"]["time_to_response"]}
    tca = rows["tca_cross"]
    # Improvements of ~32% at the end: hardly anyone reaches 50%, so the median is not reached.
    assert tca["n"] == 25 and tca["reached"] <= 2 and tca["median_days"] is None
    assert 0 <= tca["share_low"] <= tca["share"] <= tca["share_high"] <= 1


def test_a_clinic_with_few_patients_is_told_too_few_to_conclude(cast: Cast) -> None:
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.SUBCISION: 6.0},
        patients_per_modality=4,
    )
    results = snapshot_compute(clinic_id=cast.clinic_a.pk).results
    effect = cohort.effects_from_json(results["ecca"]["model"]).effect("subcision")
    assert effect is not None and not effect.enough_data and not effect.conclusive
    assert "Too few patients to conclude" in effect.caveat
    assert results["ecca"]["tables"]["modality"][0]["too_few"] is True


def test_the_model_is_fitted_on_a_fixed_sample_above_the_cap(cast: Cast) -> None:
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.TCA_CROSS: 8.0},
        patients_per_modality=30,
    )
    first = snapshot_compute(clinic_id=cast.clinic_a.pk, model_max_patients=10).results
    again = snapshot_compute(clinic_id=cast.clinic_a.pk, model_max_patients=10).results
    inputs = first["goodman_baron_quantitative"]["model_inputs"]
    assert inputs["sampled"] is True and inputs["sample_every"] == 3
    assert 0 < inputs["patients"] < 30
    assert first["goodman_baron_quantitative"]["tables"]["overall"]["n"] == 30  # tables: all
    assert first == again  # deterministic sample
