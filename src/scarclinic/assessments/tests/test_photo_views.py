"""The photo pages: who sees what, what every look leaves in the audit log, how an upload is
refused on the page, and that the pages read a fixed number of rows."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from PIL import Image

from scarclinic.accounts.models import User
from scarclinic.assessments import photo_services as services
from scarclinic.assessments.models import Photo, PhotoConsentGrant, PhotoSet
from scarclinic.assessments.tests.photo_permission_rows import (
    MULTIPART_API_ROUTES,
    PHOTO_BODIES,
    PHOTO_CHANGES_DATABASE,
    PHOTO_ROUTES,
    photo_world,
)
from scarclinic.assessments.tests.test_photo_processing import (
    TEXT_AS_JPG,
    assert_bare,
    jpeg_with_gps,
)
from scarclinic.assessments.tests.test_photo_services import (
    add_views,
    new_set,
    stored_files,
)
from scarclinic.audit.models import AuditAction, AuditEntry
from tests.cast import Cast

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]
BASE = "/assessments/photos"
ROLES = ("physician", "nurse", "lab", "frontdesk", "director", "admin", "patient", "outsider")


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def complete_set(cast: Cast, days_ago: int = 0, **conditions: object) -> PhotoSet:
    photo_set = new_set(cast.amina, cast.nurse, days_ago=days_ago, **conditions)
    add_views(photo_set, cast.nurse)
    return photo_set


# ---------------------------------------------------------------------------------------
# The chart section and the set page


def test_the_chart_section_shows_each_set_its_completeness_and_the_consent_state(
    cast: Cast, login: Login
) -> None:
    complete_set(cast, days_ago=90)
    partial = new_set(cast.amina, cast.nurse, days_ago=1)
    add_views(partial, cast.nurse, ("frontal", "left_45"))
    services.photo_consent_grant(patient=cast.amina, use="teaching", by=cast.nurse)

    page = login(cast.physician).get(
        f"{BASE}/patient/{cast.amina.pk}/section/", HTTP_HX_REQUEST="true"
    )
    html = page.content.decode()
    assert page.status_code == 200 and "<html" not in html  # a fragment for htmx
    assert html.count('class="badge ok">complete') == 1
    assert (
        "3 missing" in html
        and "Missing: Right 45°, Left 90° (profile), Right 90° (profile)" in html
    )
    assert len(re.findall(r'<img src="/assessments/photos/\d+/thumbnail/"', html)) == 7
    assert "Teaching ✓" in html and "Marketing: not granted" in html
    assert "New photo set" in html and "Compare visits" in html

    whole = login(cast.director).get(f"{BASE}/patient/{cast.amina.pk}/section/")
    assert "<html" in whole.content.decode() and "New photo set" not in whole.content.decode()


def test_the_set_page_offers_an_upload_for_each_missing_view_with_the_camera_on_phones(
    cast: Cast, login: Login
) -> None:
    photo_set = new_set(cast.amina, cast.nurse, lighting="Cross-polarised", distance_cm=45)
    add_views(photo_set, cast.nurse, ("frontal",))
    html = login(cast.nurse).get(f"{BASE}/set/{photo_set.pk}/").content.decode()
    assert "Cross-polarised" in html and "45 cm" in html
    missing = re.search(r'<ul id="missing-views">(.*?)</ul>', html, re.S)
    assert missing and re.findall(r"<li>(.*?)</li>", missing.group(1)) == [
        "Left 45°",
        "Right 45°",
        "Left 90° (profile)",
        "Right 90° (profile)",
    ]
    inputs = re.findall(r"<input[^>]*type=\"file\"[^>]*>", html)
    assert len(inputs) == 5  # four missing views and a close-up
    assert all('accept="image/*"' in i and 'capture="environment"' in i for i in inputs)
    assert 'enctype="multipart/form-data"' in html
    # The director sees the set but may not upload
    html = login(cast.director).get(f"{BASE}/set/{photo_set.pk}/").content.decode()
    assert 'type="file"' not in html


def test_an_upload_from_the_page_is_stored_and_the_set_page_shows_it(
    cast: Cast, login: Login, media: Path
) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    client = login(cast.nurse)
    response = client.post(
        f"{BASE}/set/{photo_set.pk}/upload/",
        {
            "view": "left_90",
            "region": "",
            "image": SimpleUploadedFile("IMG_0042.HEIC", jpeg_with_gps()),
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{BASE}/set/{photo_set.pk}/"
    photo = Photo.objects.get()
    assert photo.view == "left_90" and photo.uploaded_by == cast.nurse
    page = client.get(response["Location"]).content.decode()
    assert "Left 90° (profile) photo stored." in page
    assert f"/assessments/photos/{photo.pk}/thumbnail/" in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (TEXT_AS_JPG, "The file is not a photograph"),
        (jpeg_with_gps()[:400], "damaged or incomplete"),
    ],
    ids=["text-renamed-jpg", "truncated"],
)
def test_a_refused_upload_is_explained_on_the_page_and_nothing_is_stored(
    cast: Cast, login: Login, media: Path, content: bytes, message: str
) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    response = login(cast.nurse).post(
        f"{BASE}/set/{photo_set.pk}/upload/",
        {"view": "frontal", "image": SimpleUploadedFile("photo.jpg", content, "image/jpeg")},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The photo was not stored" in html and message in html
    assert Photo.objects.count() == 0 and stored_files(media) == set()


def test_a_new_set_is_opened_with_its_capture_conditions(cast: Cast, login: Login) -> None:
    client = login(cast.physician)
    assert client.get(f"{BASE}/patient/{cast.amina.pk}/new/").status_code == 200
    response = client.post(
        f"{BASE}/patient/{cast.amina.pk}/new/",
        {"visit_date": "2025-01-10", "lighting": "Ring light", "distance_cm": "50", "camera": "X"},
    )
    photo_set = PhotoSet.objects.get()
    assert response["Location"] == f"{BASE}/set/{photo_set.pk}/"
    assert (photo_set.lighting, photo_set.distance_cm, photo_set.taken_by) == (
        "Ring light",
        50,
        cast.physician,
    )
    refused = client.post(f"{BASE}/patient/{cast.amina.pk}/new/", {"visit_date": "2999-01-01"})
    assert "cannot be dated in the future" in refused.content.decode()
    assert PhotoSet.objects.count() == 1


# ---------------------------------------------------------------------------------------
# Serving photos


def test_a_photo_is_served_bare_private_and_audited_with_its_id(cast: Cast, login: Login) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    photo = services.photo_add(
        photo_set=photo_set, by=cast.nurse, view="frontal", upload=jpeg_with_gps()
    )
    response = login(cast.physician).get(f"{BASE}/{photo.pk}/image/")
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_bare(body)
    assert Image.open(io.BytesIO(body)).size == (100, 200)
    entry = AuditEntry.objects.filter(object_type="assessments.photo").latest("seq")
    assert (entry.action, entry.object_id, entry.actor_username, entry.patient_id) == (
        AuditAction.READ,
        str(photo.pk),
        "physician",
        cast.amina.pk,
    )
    assert entry.detail == {"variant": "image", "via": "staff"}

    login(cast.physician).get(f"{BASE}/{photo.pk}/thumbnail/")
    assert (
        AuditEntry.objects.filter(
            object_type="assessments.photo", object_id=str(photo.pk), action=AuditAction.READ
        ).count()
        == 2
    )


def test_the_outsider_gets_404_and_the_lab_403_for_a_photo(cast: Cast, login: Login) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    add_views(photo_set, cast.nurse, ("frontal",))
    photo = Photo.objects.get()
    assert login(cast.outsider).get(f"{BASE}/{photo.pk}/image/").status_code == 404
    assert login(cast.lab).get(f"{BASE}/{photo.pk}/image/").status_code == 403
    assert login(cast.frontdesk).get(f"{BASE}/{photo.pk}/thumbnail/").status_code == 403
    assert Client().get(f"{BASE}/{photo.pk}/image/").status_code == 302
    assert not AuditEntry.objects.filter(object_type="assessments.photo", action="read").exists()


def test_the_portal_patient_sees_their_own_photos_and_no_one_elses(
    cast: Cast, login: Login
) -> None:
    own = new_set(cast.amina, cast.nurse)
    other = new_set(cast.bilal, cast.nurse)
    add_views(own, cast.nurse, ("frontal",))
    add_views(other, cast.nurse, ("frontal",))
    client = login(cast.patient)
    amina_photo = Photo.objects.get(photo_set=own)
    assert client.get(f"{BASE}/{amina_photo.pk}/image/").status_code == 200
    assert AuditEntry.objects.latest("seq").detail == {"variant": "image", "via": "portal"}
    bilal_photo = Photo.objects.get(photo_set=other)
    assert client.get(f"{BASE}/{bilal_photo.pk}/image/").status_code == 404
    assert client.get(f"{BASE}/set/{own.pk}/").status_code == 403


def test_no_url_serves_the_media_directory(cast: Cast, login: Login) -> None:
    add_views(new_set(cast.amina, cast.nurse), cast.nurse, ("frontal",))
    photo = Photo.objects.get()
    client = login(cast.physician)
    for path in (f"/media/{photo.image.name}", f"/{photo.image.name}"):
        with pytest.raises(Resolver404):
            resolve(path)
        assert client.get(path).status_code == 404


# ---------------------------------------------------------------------------------------
# Consent panel and comparison


def test_the_consent_panel_grants_and_withdraws_teaching_and_keeps_the_history(
    cast: Cast, login: Login
) -> None:
    client = login(cast.nurse)
    url = f"{BASE}/patient/{cast.amina.pk}/consent/"
    html = client.get(url).content.decode()
    assert "cannot be withdrawn here" in html and "Grant teaching use" in html

    client.post(f"{BASE}/patient/{cast.amina.pk}/consent/grant/", {"use": "teaching"})
    grant = PhotoConsentGrant.objects.get(use="teaching")
    html = client.get(url).content.decode()
    assert "Teaching use granted." in html and "Withdraw teaching use" in html

    client.post(f"{BASE}/consent/{grant.pk}/withdraw/")
    html = client.get(url).content.decode()
    assert "no longer shown for it" in html and "Grant teaching use" in html
    assert PhotoConsentGrant.objects.get(pk=grant.pk).withdrawn_by == cast.nurse
    # The director reads the state but has no buttons
    html = login(cast.director).get(url).content.decode()
    assert "Grant teaching use" not in html and "History" in html


def test_the_comparison_page_shows_the_same_view_at_two_dates_side_by_side(
    cast: Cast, login: Login
) -> None:
    first = complete_set(cast, days_ago=100, lighting="Ring light")
    latest = complete_set(cast, days_ago=10, lighting="Window")
    html = (
        login(cast.physician)
        .get(f"{BASE}/patient/{cast.amina.pk}/compare/", {"view": "left_45"})
        .content.decode()
    )
    before = Photo.objects.get(photo_set=first, view="left_45")
    after = Photo.objects.get(photo_set=latest, view="left_45")
    side_by_side = html.split('id="side-by-side"')[1]
    assert side_by_side.index(f"/{before.pk}/image/") < side_by_side.index(f"/{after.pk}/image/")
    assert "Capture conditions differ: lighting" in html
    assert "data-photo-overlay" in html and "web/photos.js" in html
    assert "<script>" not in html  # no inline script: the CSP forbids it


# ---------------------------------------------------------------------------------------
# Fixed query counts


def _queries(client: Client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **headers).status_code == 200  # type: ignore[arg-type]
    return len(ctx.captured_queries)


def test_the_chart_section_reads_the_same_number_of_rows_for_1_or_5_sets(
    cast: Cast, login: Login
) -> None:
    client = login(cast.physician)
    url = f"{BASE}/patient/{cast.amina.pk}/section/"
    complete_set(cast, days_ago=50)
    one = _queries(client, url, HTTP_HX_REQUEST="true")
    for days in (40, 30, 20, 10):
        complete_set(cast, days_ago=days)
    five = _queries(client, url, HTTP_HX_REQUEST="true")
    # Session, membership, 2FA device and audit queries included.
    assert one == five <= 15, (one, five)


def test_the_set_page_and_the_comparison_read_a_fixed_number_of_rows(
    cast: Cast, login: Login
) -> None:
    client = login(cast.nurse)
    photo_set = new_set(cast.amina, cast.nurse)
    add_views(photo_set, cast.nurse, ("frontal",))
    one = _queries(client, f"{BASE}/set/{photo_set.pk}/")
    add_views(photo_set, cast.nurse, ("left_45", "right_45", "left_90", "right_90"))
    five = _queries(client, f"{BASE}/set/{photo_set.pk}/")
    assert one == five <= 16, (one, five)

    compare = f"{BASE}/patient/{cast.amina.pk}/compare/"
    two = _queries(client, compare)
    for days in (30, 60, 90):
        complete_set(cast, days_ago=days)
    many = _queries(client, compare)
    assert two == many <= 16, (two, many)


# ---------------------------------------------------------------------------------------
# The permission rows for the global matrix hold


def _send(client: Client, route: str, ids: dict[str, int]) -> Any:
    method, template = route.split(" ", 1)
    path = template.format(**ids)
    body = PHOTO_BODIES[route](ids) if route in PHOTO_BODIES else None
    if method == "GET":
        return client.get(path)
    if path.startswith("/api/") and route not in MULTIPART_API_ROUTES:
        return client.post(path, json.dumps(body or {}), content_type="application/json")
    return client.post(path, body or {})


def _snapshot() -> list[list[dict[str, Any]]]:
    return [
        list(model.objects.order_by("pk").values())  # type: ignore[attr-defined]
        for model in (PhotoSet, Photo, PhotoConsentGrant)
    ]


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_each_role_gets_exactly_its_column_of_the_photo_rows(cast: Cast, role: str) -> None:
    ids = {"amina": cast.amina.pk, "bilal": cast.bilal.pk, "zara": cast.zara.pk}
    ids |= photo_world(cast)
    client = Client()
    if role != "anonymous":
        client.force_login(cast.users[role])
    column = [*ROLES, "anonymous"].index(role)
    statuses, writes = {}, set()
    for route in PHOTO_ROUTES:
        with transaction.atomic():
            before = _snapshot()
            statuses[route] = _send(client, route, ids).status_code
            if _snapshot() != before:
                writes.add(route)
            transaction.set_rollback(True)
    assert statuses == {route: row[column] for route, row in PHOTO_ROUTES.items()}
    assert writes == {r for r, roles in PHOTO_CHANGES_DATABASE.items() if role in roles}


def test_every_photo_url_is_in_the_rows() -> None:
    from scarclinic.assessments import photo_urls
    from scarclinic.config.api import api

    covered = {re.sub(r"\{\w+\}", "1", key.split(" ", 1)[1]) for key in PHOTO_ROUTES}
    for pattern in photo_urls.urlpatterns:
        path = BASE + "/" + re.sub(r"<int:\w+>", "1", str(pattern.pattern))
        assert path in covered, path
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/photos"):
            concrete = re.sub(r"\{\w+\}", "1", path.replace("{use}", "teaching"))
            for method in operations:
                assert any(
                    key.startswith(method.upper() + " ")
                    and re.sub(r"\{\w+\}", "1", key.split(" ", 1)[1]) == concrete
                    for key in PHOTO_ROUTES
                ), f"{method.upper()} {path}"
