"""Photo sets, photos and photo consent over HTTP (owned by the photo module)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["photos"])
