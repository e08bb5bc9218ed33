"""Files (photos) through Django's storage API: the filesystem under ``MEDIA_ROOT`` by
default, an S3-compatible bucket in production (``STORAGE_BACKEND=s3``, django-storages).

Objects in the bucket are private. A photo view checks the user's permission first and only
then answers with a redirect to a signed URL that expires after ``STORAGE_URL_SECONDS``; the
filesystem backend has no such URLs and the view streams the file as before."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db.models.fields.files import FieldFile


def signs_urls(storage: Storage) -> bool:
    """True for object storage that hands out time-limited signed URLs (S3 and friends)."""
    try:
        from storages.backends.s3 import S3Storage  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - django-storages is a dependency
        return False
    return isinstance(storage, S3Storage)


def signed_url(field: FieldFile, *, filename: str, content_type: str) -> str | None:
    """A signed, expiring GET URL for the file, or None when the storage streams instead.
    Call it only after the permission check: whoever has the URL can fetch the file until
    it expires."""
    storage = field.storage
    if not signs_urls(storage):
        return None
    return str(
        storage.url(  # type: ignore[call-arg]
            field.name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": f'inline; filename="{filename}"',
                "ResponseCacheControl": "private, no-store",
            },
            expire=settings.STORAGE_URL_SECONDS,
        )
    )


def storage_ready() -> str:
    """'ok', or what is wrong with the default storage (for /readyz)."""
    storage = default_storage
    if signs_urls(storage):
        # One HEAD request: network, credentials and the bucket itself.
        try:
            bucket = storage.bucket  # type: ignore[attr-defined]
            bucket.meta.client.head_bucket(Bucket=bucket.name)
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            return f"error: {type(exc).__name__}"
        return "ok"
    root = Path(settings.MEDIA_ROOT)
    probe = root if root.exists() else root.parent
    if not (probe.is_dir() and os.access(probe, os.W_OK)):
        return "error: media folder not writable"
    return "ok"
