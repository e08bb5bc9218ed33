"""Photos in S3-compatible object storage, against moto's S3 server started here on a free
local port: private objects, and a signed, expiring URL handed out only after the
permission check (the filesystem keeps streaming, tested with the photo module).

moto does not enforce the expiry of a signed URL (AWS S3 and MinIO do), so the expiry is
checked on the signed parameters the URL carries."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.test import Client

from scarclinic.assessments import photo_services
from scarclinic.assessments.models import Photo
from scarclinic.assessments.tests.test_photo_processing import jpeg_with_gps
from scarclinic.assessments.tests.test_photo_services import new_set
from scarclinic.audit.models import AuditAction, AuditEntry
from scarclinic.ops.health import readiness
from tests.cast import Cast
from tests.ops import postgres

BUCKET = "scarclinic-photos"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str, settings, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The default storage is the bucket, configured as STORAGE_BACKEND=s3 configures it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGE_URL_SECONDS = 60
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
                "object_parameters": {"CacheControl": "private, no-store"},
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _photo(cast: Cast) -> Photo:
    return photo_services.photo_add(
        photo_set=new_set(cast.amina, cast.nurse),
        by=cast.nurse,
        view="frontal",
        upload=jpeg_with_gps(),
    )


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local moto
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_an_uploaded_photo_is_a_private_object_in_the_bucket(s3, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    photo = _photo(cast)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {photo.image.name, photo.thumbnail.name}
    grants = s3.get_object_acl(Bucket=BUCKET, Key=photo.image.name)["Grants"]
    assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}))]
    # Without a signature the object is refused.
    endpoint = s3.meta.endpoint_url
    assert _fetch(f"{endpoint}/{BUCKET}/{photo.image.name}")[0] == 403


def test_the_care_team_is_sent_to_a_signed_expiring_url_after_the_check(
    s3,  # type: ignore[no-untyped-def]
    cast: Cast,
    login,  # type: ignore[no-untyped-def]
) -> None:
    photo = _photo(cast)
    stored = s3.get_object(Bucket=BUCKET, Key=photo.image.name)["Body"].read()

    response = login(cast.physician).get(f"/assessments/photos/{photo.pk}/image/")

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    url = response["Location"]
    assert url.startswith(f"{s3.meta.endpoint_url}/{BUCKET}/{photo.image.name}?")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["60"] and query["X-Amz-Signature"]
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(tz=UTC) - signed_at).total_seconds()) < 120
    assert query["response-content-type"] == ["image/jpeg"]
    assert _fetch(url) == (200, stored)
    reads = AuditEntry.objects.filter(object_type="assessments.photo", action=AuditAction.READ)
    assert reads.count() == 1  # the look is audited before the URL is handed out


def test_the_api_download_redirects_the_same_way(s3, cast: Cast, login) -> None:  # type: ignore[no-untyped-def]
    photo = _photo(cast)
    response = login(cast.director).get(
        f"/api/v1/photos/{photo.pk}/image", {"variant": "thumbnail"}
    )
    assert response.status_code == 302
    assert photo.thumbnail.name in response["Location"]
    assert _fetch(response["Location"])[0] == 200


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("lab", 403)])
def test_someone_without_the_permission_gets_no_url(
    s3,  # type: ignore[no-untyped-def]
    cast: Cast,
    login,  # type: ignore[no-untyped-def]
    who: str,
    status: int,
) -> None:
    photo = _photo(cast)
    for path in (f"/assessments/photos/{photo.pk}/image/", f"/api/v1/photos/{photo.pk}/image"):
        response = login(cast.users[who]).get(path)
        assert response.status_code in {status, 403 if who == "lab" else 404}
        assert "Location" not in response
        assert b"X-Amz" not in response.content
    assert Client().get(f"/assessments/photos/{photo.pk}/image/")["Location"].startswith("/login/")


def test_the_url_lives_as_long_as_configured(s3, cast: Cast, login, settings) -> None:  # type: ignore[no-untyped-def]
    settings.STORAGE_URL_SECONDS = 5
    photo = _photo(cast)
    url = login(cast.physician).get(f"/assessments/photos/{photo.pk}/image/")["Location"]
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["5"]


def test_readyz_checks_the_bucket(s3, cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    assert readiness()[1]["storage"] == "ok"
    s3.delete_bucket(Bucket=BUCKET)
    try:
        ready, checks = readiness()
        assert not ready and checks["storage"].startswith("error")
    finally:
        s3.create_bucket(Bucket=BUCKET)


def test_the_s3_profile_is_built_from_the_environment() -> None:
    output = postgres.manage(
        "shell",
        "-c",
        "from django.conf import settings as s; o = s.STORAGES['default']['OPTIONS'];"
        "print(s.STORAGES['default']['BACKEND'], o['bucket_name'], o['default_acl'],"
        " o['querystring_expire'], s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1])",
        env={
            "STORAGE_BACKEND": "s3",
            "AWS_STORAGE_BUCKET_NAME": "photos",
            "AWS_S3_ENDPOINT_URL": "https://minio.internal:9000",
            "AWS_S3_ADDRESSING_STYLE": "path",
            "STORAGE_URL_SECONDS": "30",
        },
    )
    assert output.strip().splitlines()[-1].split() == [
        "storages.backends.s3.S3Storage",
        "photos",
        "private",
        "30",
        "https://minio.internal:9000",
    ]
