"""The statistics core's notes, caveats and forecast basis on the analytics pages are in the
reader's language: the snapshot stores each message beside its English, and a snapshot stored
before that still shows its English, marked as English."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.utils import translation

from scarclinic.analytics import cohort
from scarclinic.analytics.models import AnalyticsSnapshot
from scarclinic.analytics.services import snapshot_compute
from scarclinic.analytics.tests.cohort_builder import build_cohort
from scarclinic.clinical.evidence import CATALOGUE, EVIDENCE, Modality
from scarclinic.clinical.outcomes import forecast
from scarclinic.clinical.text import Param
from scarclinic.treatments.clinical_text import clinical_text
from tests.cast import Cast

pytestmark = pytest.mark.django_db

TOO_FEW = "Too few patients to conclude"
TOO_FEW_UR = "نتیجہ اخذ کرنے کے لیے مریض بہت کم ہیں"


def _in_urdu(value: Param) -> str:
    with translation.override("ur"):
        return html.escape(clinical_text(value), quote=True)


def _reader(cast: Cast, language: str) -> Client:
    cast.director.preferred_language = language
    cast.director.save(update_fields=["preferred_language"])
    client = Client()
    client.force_login(cast.director)
    return client


@pytest.fixture
def snapshot(cast: Cast) -> AnalyticsSnapshot:
    """TCA CROSS with 11 followed patients (a clinic forecast), SVF with 3 (too few)."""
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.TCA_CROSS: 8.0},
        patients_per_modality=11,
    )
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.STEM_CELL_SVF_INJECTION: 6.0},
        patients_per_modality=3,
        seed=9,
    )
    return snapshot_compute(clinic_id=cast.clinic_a.pk)


def _effects(snapshot: AnalyticsSnapshot) -> cohort.ModalityEffects:
    return cohort.effects_from_json(snapshot.results[cohort.DEFAULT_SCALE]["model"])


def test_the_overview_shows_the_models_caveats_in_urdu(
    cast: Cast, snapshot: AnalyticsSnapshot
) -> None:
    svf = _effects(snapshot).effect(Modality.STEM_CELL_SVF_INJECTION)
    assert svf is not None and svf.caveat_text is not None and TOO_FEW in svf.caveat
    page = _reader(cast, "ur").get("/analytics/").content.decode()
    assert _in_urdu(svf.caveat_text) in page and TOO_FEW_UR in page
    assert TOO_FEW not in page and "are needed" not in page
    english = _reader(cast, "en").get("/analytics/").content.decode()
    assert html.escape(svf.caveat, quote=True) in english


def test_the_forecast_shows_its_basis_in_urdu_with_localised_numbers(
    cast: Cast, snapshot: AnalyticsSnapshot
) -> None:
    expected = forecast(_effects(snapshot), EVIDENCE, Modality.TCA_CROSS, 3)
    assert expected.source == "clinic"
    page = _reader(cast, "ur").get("/analytics/forecast/?sessions=3").content.decode()
    assert _in_urdu(expected.basis_text) in page
    assert "کلینک کا ڈیٹا، n = 11 مریض" in page
    # Microneedling with PRP has no clinic data: Kang & Lu quoted, the citation as published.
    kang_lu = next(e for e in EVIDENCE if e.id == "kang_lu_2022")
    assert (
        _in_urdu(kang_lu.effect) in page
        and f'<cite lang="en">{html.escape(kang_lu.citation)}' in page
    )
    assert "clinic data, n =" not in page and "published evidence only:" not in page
    assert "linear mixed model" not in page and "quoted as reported" not in page


def test_the_comparison_shows_the_evidence_and_downtime_in_urdu(
    cast: Cast, snapshot: AnalyticsSnapshot
) -> None:
    entry = next(e for e in EVIDENCE if e.id == "kang_lu_2022")
    downtime = CATALOGUE[Modality.TCA_CROSS].downtime.text
    page = _reader(cast, "ur").get("/analytics/comparison/").content.decode()
    assert _in_urdu(entry.effect) in page and _in_urdu(entry.measure) in page
    assert _in_urdu(downtime) in page
    assert entry.measure not in page and downtime.english not in page


def test_a_snapshot_stored_before_the_messages_still_shows_its_english(
    cast: Cast, snapshot: AnalyticsSnapshot
) -> None:
    results = snapshot.results
    for figures in results.values():
        figures["model"].pop("note_texts", None)
        for effect in figures["model"]["effects"]:
            effect.pop("caveat_text", None)
    AnalyticsSnapshot.objects.filter(pk=snapshot.pk).update(results=results)
    client = _reader(cast, "ur")
    page = client.get("/analytics/").content.decode()
    assert f'<span class="small muted" lang="en">{TOO_FEW}' in page
    tca = client.get(f"/analytics/forecast/?sessions=3&modality={Modality.STEM_CELL_SVF_INJECTION}")
    assert tca.status_code == 200 and TOO_FEW in tca.content.decode()
