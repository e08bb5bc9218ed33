"""The photo API: what a client can do, and how bad input is refused — a 4xx whose JSON
names the field, and nothing saved (no row, no file)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from scarclinic.accounts.models import User
from scarclinic.assessments import photo_services as services
from scarclinic.assessments.models import Photo, PhotoConsentGrant, PhotoSet
from scarclinic.assessments.tests.test_photo_processing import (
    TEXT_AS_JPG,
    assert_bare,
    bomb_png,
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
API = "/api/v1/photos"
Login = Callable[[User], Client]


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def post_json(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def upload(client: Client, set_id: int, content: bytes, **fields: str) -> Any:
    data: dict[str, Any] = {"view": "frontal", **fields}
    data["image"] = SimpleUploadedFile("photo.jpg", content, "image/jpeg")
    return client.post(f"{API}/sets/{set_id}/photos", data)


def fields_of(response: Any) -> set[str]:
    detail = response.json()["detail"]
    # Our own errors are {"field", "msg"}; ninja's schema errors carry a "loc" path.
    return {d["field"] if "field" in d else d["loc"][-1] for d in detail}


def test_a_client_opens_a_set_uploads_the_views_and_sees_it_complete(
    cast: Cast, login: Login
) -> None:
    client = login(cast.nurse)
    created = post_json(
        client,
        f"/patients/{cast.amina.pk}/sets",
        {"visit_date": "2025-03-01", "lighting": "Ring light", "distance_cm": 50},
    )
    assert created.status_code == 201, created.content
    photo_set = created.json()
    assert photo_set["complete"] is False and len(photo_set["missing_views"]) == 5

    for view in ("frontal", "left_45", "right_45", "left_90", "right_90"):
        response = upload(client, photo_set["id"], jpeg_with_gps(), view=view)
        assert response.status_code == 201, response.content
    photo = response.json()
    assert photo["view"] == "right_90" and (photo["width"], photo["height"]) == (100, 200)
    assert photo["original_format"] == "JPEG" and photo["allowed_uses"] == ["clinical"]
    assert photo["image_url"] == f"{API}/{photo['id']}/image"

    (listed,) = client.get(f"{API}/patients/{cast.amina.pk}/sets").json()
    assert listed["complete"] is True and listed["missing_views"] == []
    assert len(listed["photos"]) == 5
    assert client.get(f"{API}/sets/{photo_set['id']}").json()["complete"] is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (TEXT_AS_JPG, "not a photograph"),
        (jpeg_with_gps()[:300], "damaged or incomplete"),
        (bomb_png(), "megapixels"),
    ],
    ids=["text-renamed-jpg", "truncated", "bomb"],
)
def test_a_bad_upload_is_422_naming_the_image_and_stores_nothing(
    cast: Cast, login: Login, media: Path, content: bytes, message: str
) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    response = upload(login(cast.nurse), photo_set.pk, content)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "image"
    assert message in response.json()["detail"][0]["msg"]
    assert Photo.objects.count() == 0 and stored_files(media) == set()


def test_an_upload_without_a_file_or_with_a_bad_view_names_the_field(
    cast: Cast, login: Login, media: Path
) -> None:
    client = login(cast.nurse)
    photo_set = new_set(cast.amina, cast.nurse)
    no_file = client.post(f"{API}/sets/{photo_set.pk}/photos", {"view": "frontal"})
    assert no_file.status_code == 422 and fields_of(no_file) == {"image"}
    bad_view = upload(client, photo_set.pk, jpeg_with_gps(), view="top_down")
    assert bad_view.status_code == 422 and fields_of(bad_view) == {"view"}
    close_up = upload(client, photo_set.pk, jpeg_with_gps(), view="close_up")
    assert close_up.status_code == 422 and fields_of(close_up) == {"region"}
    assert Photo.objects.count() == 0 and stored_files(media) == set()


def test_a_bad_set_is_refused_naming_the_field(cast: Cast, login: Login) -> None:
    client = login(cast.nurse)
    future = post_json(client, f"/patients/{cast.amina.pk}/sets", {"visit_date": "2999-01-01"})
    assert future.status_code == 422 and fields_of(future) == {"visit_date"}
    far = post_json(
        client, f"/patients/{cast.amina.pk}/sets", {"visit_date": "2025-01-01", "distance_cm": 900}
    )
    assert far.status_code == 422 and fields_of(far) == {"distance_cm"}
    unknown = post_json(
        client, f"/patients/{cast.amina.pk}/sets", {"visit_date": "2025-01-01", "flash": True}
    )
    assert unknown.status_code == 422 and fields_of(unknown) == {"flash"}
    other = post_json(
        client, f"/patients/{cast.amina.pk}/sets", {"visit_date": "2025-01-01", "assessment_id": 9}
    )
    assert other.status_code == 422 and fields_of(other) == {"assessment_id"}
    assert PhotoSet.objects.count() == 0


def test_a_download_is_the_bare_jpeg_private_and_audited(cast: Cast, login: Login) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    photo = services.photo_add(
        photo_set=photo_set, by=cast.nurse, view="frontal", upload=jpeg_with_gps()
    )
    client = login(cast.director)
    response = client.get(f"{API}/{photo.pk}/image")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_bare(b"".join(response.streaming_content))
    thumb = client.get(f"{API}/{photo.pk}/image", {"variant": "thumbnail"})
    assert thumb.status_code == 200
    assert client.get(f"{API}/{photo.pk}/image", {"variant": "raw"}).status_code == 422
    reads = AuditEntry.objects.filter(object_type="assessments.photo", action=AuditAction.READ)
    assert [e.detail["variant"] for e in reads.order_by("seq")] == ["image", "thumbnail"]
    assert {e.object_id for e in reads} == {str(photo.pk)}


def test_the_outsider_gets_404_the_lab_403_and_a_stranger_401(cast: Cast, login: Login) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    add_views(photo_set, cast.nurse, ("frontal",))
    photo = Photo.objects.get()
    assert login(cast.outsider).get(f"{API}/{photo.pk}").status_code == 404
    assert login(cast.outsider).get(f"{API}/patients/{cast.amina.pk}/sets").status_code == 404
    assert login(cast.lab).get(f"{API}/{photo.pk}/image").status_code == 403
    assert Client().get(f"{API}/{photo.pk}/image").status_code == 401


def test_photo_consent_is_granted_listed_and_withdrawn_and_hides_photos_from_teaching(
    cast: Cast, login: Login
) -> None:
    add_views(new_set(cast.amina, cast.nurse), cast.nurse, ("frontal", "left_45"))
    client = login(cast.nurse)
    granted = post_json(client, f"/patients/{cast.amina.pk}/consents", {"use": "teaching"})
    assert granted.status_code == 201 and granted.json()["in_force"] is True
    library = client.get(f"{API}/library/teaching").json()
    assert len(library) == 2 and all(p["allowed_uses"] == ["clinical", "teaching"] for p in library)

    again = post_json(client, f"/patients/{cast.amina.pk}/consents", {"use": "teaching"})
    assert again.status_code == 422 and fields_of(again) == {"use"}
    unknown = post_json(client, f"/patients/{cast.amina.pk}/consents", {"use": "press"})
    assert unknown.status_code == 422 and fields_of(unknown) == {"use"}

    withdrawn = client.post(f"{API}/consents/{granted.json()['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_by"] == "nurse"
    assert client.get(f"{API}/library/teaching").json() == []
    assert len(client.get(f"{API}/library/clinical").json()) == 2
    photo_id = Photo.objects.first().pk  # type: ignore[union-attr]
    assert client.get(f"{API}/{photo_id}").json()["allowed_uses"] == ["clinical"]
    history = client.get(f"{API}/patients/{cast.amina.pk}/consents").json()
    assert [(g["use"], g["in_force"]) for g in history] == [("teaching", False)]


def test_the_clinical_record_use_cannot_be_withdrawn_through_the_api(
    cast: Cast, login: Login
) -> None:
    client = login(cast.physician)
    grant = post_json(client, f"/patients/{cast.amina.pk}/consents", {"use": "clinical"}).json()
    refused = client.post(f"{API}/consents/{grant['id']}/withdraw")
    assert refused.status_code == 422 and "part of care" in refused.json()["detail"][0]["msg"]
    assert PhotoConsentGrant.objects.get(pk=grant["id"]).withdrawn_at is None


def test_the_comparison_returns_the_first_and_latest_visit(cast: Cast, login: Login) -> None:
    first = new_set(cast.amina, cast.nurse, days_ago=90, lighting="Ring light")
    latest = new_set(cast.amina, cast.nurse, days_ago=5, lighting="Ring light")
    for photo_set in (first, latest):
        add_views(photo_set, cast.nurse, ("frontal",))
    body = login(cast.physician).get(f"{API}/patients/{cast.amina.pk}/compare").json()
    assert body["before"]["photo_set_id"] == first.pk
    assert body["after"]["photo_set_id"] == latest.pk
    assert body["capture_differences"] == [] and len(body["choices"]) == 2
