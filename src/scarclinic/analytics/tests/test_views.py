"""The analytics pages: they read the snapshot (a fixed number of queries whatever the
clinic's size), the refresh runs the task that computes it, CSV exports are audited and hold
the table's figures, and the forecast stays inside the user's clinic."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from scarclinic.analytics.models import AnalyticsSnapshot
from scarclinic.analytics.services import snapshot_compute
from scarclinic.analytics.tests.cohort_builder import build_cohort
from scarclinic.audit.models import AuditEntry
from scarclinic.clinical.evidence import Modality
from tests.cast import Cast

pytestmark = pytest.mark.django_db

PAGES = (
    "/analytics/",
    "/analytics/?scale=ecca",
    "/analytics/comparison/",
    "/analytics/forecast/?sessions=3",
    "/analytics/status/",
)


def _director(cast: Cast) -> Client:
    client = Client()
    client.force_login(cast.director)
    return client


def _queries(client: Client, url: str, django_assert_max_num_queries: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_pages_cost_the_same_queries_at_any_size(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    client = _director(cast)
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.TCA_CROSS: 8.0},
        patients_per_modality=5,
    )
    snapshot_compute(clinic_id=cast.clinic_a.pk)
    small = {url: _queries(client, url, django_assert_max_num_queries) for url in PAGES}
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.MICRONEEDLING_PRP: 4.0, Modality.SUBCISION: 5.0},
        patients_per_modality=20,
        seed=8,
    )
    snapshot_compute(clinic_id=cast.clinic_a.pk)
    large = {url: _queries(client, url, django_assert_max_num_queries) for url in PAGES}
    assert small == large
    for url in PAGES:
        with django_assert_max_num_queries(12):
            client.get(url)


def test_refresh_runs_the_task_and_the_page_then_shows_the_figures(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    client = _director(cast)
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.TCA_CROSS: 8.0},
        patients_per_modality=12,
    )
    assert "No figures yet" in client.get("/analytics/").content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/analytics/refresh/")
    assert response.status_code == 302 and len(callbacks) == 1
    snapshot = AnalyticsSnapshot.objects.get(clinic=cast.clinic_a)
    assert snapshot.status == "ready" and snapshot.computed_at is not None
    assert snapshot.inputs["patients"] == 12 + 2  # the cast's Amina and Bilal too
    assert snapshot.inputs["procedures"] == 48 and snapshot.inputs["patients_with_follow_up"] == 12
    page = client.get("/analytics/").content.decode()
    assert "TCA CROSS" in page and "Computed at" in page and 'role="img"' in page
    # Clinic B has nothing: the snapshot is per clinic.
    assert not AnalyticsSnapshot.objects.filter(clinic=cast.clinic_b).exists()


def test_a_second_refresh_while_one_is_queued_queues_nothing(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    client = _director(cast)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/analytics/refresh/")
        client.post("/analytics/refresh/", HTTP_HX_REQUEST="true")
    assert len(callbacks) == 1
    status = client.get("/analytics/status/", HTTP_HX_REQUEST="true")
    assert "refreshing" in status.content.decode() and "HX-Refresh" not in status
    snapshot_compute(clinic_id=cast.clinic_a.pk)
    done = client.get("/analytics/status/?shown=", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_csv_export_holds_the_table_and_is_audited(cast: Cast) -> None:
    client = _director(cast)
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.TCA_CROSS: 8.0},
        patients_per_modality=12,
    )
    results = snapshot_compute(clinic_id=cast.clinic_a.pk).results
    response = client.get("/analytics/export/modality.csv?scale=ecca")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    expected = results["ecca"]["tables"]["modality"][0]
    assert len(rows) == 1 and rows[0]["group"] == "TCA CROSS"
    assert rows[0]["n_patients"] == "12"
    assert float(rows[0]["mean_improvement_percent"]) == pytest.approx(expected["mean"], abs=0.01)
    entry = AuditEntry.objects.filter(action="export", object_type="analytics.table").latest("seq")
    assert entry.object_id == "modality" and entry.clinic_id == cast.clinic_a.pk
    comparison = client.get("/analytics/export/comparison.csv").content.decode()
    table = {r["treatment"]: r for r in csv.DictReader(io.StringIO(comparison))}
    assert table["TCA CROSS"]["clinic_n_patients"] == "12"
    assert table["TCA CROSS"]["clinic_downtime"] == "not measured here"
    assert "Lee et al." in table["TCA CROSS"]["published_effectiveness"]
    assert table["Stem cell / SVF injection"]["clinic_n_patients"] == "0"
    assert table["Stem cell / SVF injection"]["seed_article_claim"].startswith("High")
    for name in ("combination", "scar_type", "skin_type", "sessions", "time_to_response", "model"):
        assert client.get(f"/analytics/export/{name}.csv").status_code == 200
    assert client.get("/analytics/export/nonsense.csv").status_code == 404


def test_the_comparison_says_not_measured_here_and_too_few(cast: Cast) -> None:
    client = _director(cast)
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.STEM_CELL_SVF_INJECTION: 10.0},
        patients_per_modality=3,
    )
    snapshot_compute(clinic_id=cast.clinic_a.pk)
    page = client.get("/analytics/comparison/").content.decode()
    assert "Not measured here" in page and "too few to conclude" in page
    assert "Article&#x27;s claim" in page or "Article's claim" in page


def test_the_forecast_uses_the_clinic_model_or_the_published_evidence(cast: Cast) -> None:
    client = _director(cast)
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.TCA_CROSS: 8.0},
        patients_per_modality=15,
    )
    snapshot_compute(clinic_id=cast.clinic_a.pk)
    page = client.get("/analytics/forecast/?sessions=3").content.decode()
    assert "clinic data, n = 15 patients" in page
    assert "published evidence only" in page  # e.g. microneedling with PRP: Kang & Lu
    bad = client.get("/analytics/forecast/?sessions=40")
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    mine = client.get(f"/analytics/forecast/?sessions=3&patient={cast.amina.pk}")
    assert mine.status_code == 200 and cast.amina.mrn in mine.content.decode()
    assert client.get(f"/analytics/forecast/?sessions=3&patient={cast.zara.pk}").status_code == 404


def test_the_api_gives_the_snapshot_and_refuses_another_clinic(cast: Cast) -> None:
    client = _director(cast)
    snapshot_compute(clinic_id=cast.clinic_a.pk)
    data = client.get("/api/v1/analytics/snapshot").json()
    assert data["status"] == "ready" and data["clinic_id"] == cast.clinic_a.pk
    assert client.get(f"/api/v1/analytics/snapshot?clinic_id={cast.clinic_b.pk}").status_code == 403
    bad = client.get("/api/v1/analytics/snapshot?scale=nonsense")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "scale"
    forecast = client.get("/api/v1/analytics/forecast?sessions=2&modality=tca_cross").json()
    assert len(forecast) == 1 and forecast[0]["source"] in ("published", "none")


def test_the_cron_command_refreshes_every_clinic(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command("analytics_refresh", stdout=io.StringIO())
    assert set(AnalyticsSnapshot.objects.values_list("clinic__code", "status")) == {
        ("A", "ready"),
        ("B", "ready"),
    }


def test_the_forecast_exports_as_csv_and_refuses_a_bad_number_of_sessions(cast: Cast) -> None:
    client = _director(cast)
    build_cohort(
        clinic=cast.clinic_a,
        physician=cast.physician,
        effects={Modality.TCA_CROSS: 8.0},
        patients_per_modality=15,
    )
    snapshot_compute(clinic_id=cast.clinic_a.pk)
    page = client.get("/analytics/forecast/?sessions=2").content.decode()
    assert "/analytics/export/forecast.csv?scale=goodman_baron_quantitative&amp;sessions=2" in page
    rows = {
        r["treatment"]: r
        for r in csv.DictReader(
            io.StringIO(client.get("/analytics/export/forecast.csv?sessions=2").content.decode())
        )
    }
    tca = rows["TCA CROSS"]
    assert tca["source"] == "clinic" and tca["sessions"] == "2" and tca["n_patients"] == "15"
    # 2 sessions of about 8% each.
    assert 12 < float(tca["expected_improvement_percent"]) < 20
    assert rows["Microneedling with PRP"]["source"] == "published"
    before = AuditEntry.objects.count()
    assert client.get("/analytics/export/forecast.csv?sessions=99").status_code == 400
    assert AuditEntry.objects.count() == before  # refused, nothing exported, nothing audited
