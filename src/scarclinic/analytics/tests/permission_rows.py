"""The analytics rows of the global permissions matrix (tests/test_permissions_matrix.py).

Same shape as its MATRIX: "METHOD path" -> statuses for the columns
physician, nurse, lab, frontdesk, director, admin, patient, outsider, anonymous.
Written out by hand from accounts/roles.py (analytics.view: physician and director) and the
views, never computed. Every page is about the active clinic, so the outsider (a physician
of clinic B) gets clinic B's figures: 200, never clinic A's. The refresh writes only the
derived snapshot row (not in the matrix's snapshot), hence no CHANGES_DATABASE rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# fmt: off
ANALYTICS_ROUTES: dict[str, tuple[int, int, int, int, int, int, int, int, int]] = {
    #                                                              phys nurse lab desk  dir  adm  pat  out anon
    "GET /analytics/":                                            (200, 403, 403, 403, 200, 403, 403, 200, 302),
    "GET /analytics/comparison/":                                 (200, 403, 403, 403, 200, 403, 403, 200, 302),
    "GET /analytics/forecast/":                                   (200, 403, 403, 403, 200, 403, 403, 200, 302),
    "GET /analytics/status/":                                     (200, 403, 403, 403, 200, 403, 403, 200, 302),
    "POST /analytics/refresh/":                                   (302, 403, 403, 403, 302, 403, 403, 302, 302),
    "GET /analytics/export/comparison.csv":                       (200, 403, 403, 403, 200, 403, 403, 200, 302),
    "GET /api/v1/analytics/snapshot":                             (200, 403, 403, 403, 200, 403, 403, 200, 401),
    "POST /api/v1/analytics/refresh":                             (202, 403, 403, 403, 202, 403, 403, 202, 401),
    "GET /api/v1/analytics/forecast":                             (200, 403, 403, 403, 200, 403, 403, 200, 401),
}
# fmt: on
ANALYTICS_CHANGES_DATABASE: dict[str, set[str]] = {}
# A valid body for each write (the refresh takes none), keyed like the matrix's BODIES.
ANALYTICS_BODIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "POST /analytics/refresh/": lambda w: {},
    "POST /api/v1/analytics/refresh": lambda w: {},
}
