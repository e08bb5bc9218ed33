"""Candidacy screening, treatment comparison and shared decisions over HTTP."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["consultation"])
