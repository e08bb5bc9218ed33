"""Assessments over HTTP, with the web UI's permissions."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["assessments"])
