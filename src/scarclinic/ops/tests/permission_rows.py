"""The operations rows of the global permissions matrix (tests/test_permissions_matrix.py).

Same shape as its MATRIX: "METHOD path" -> statuses for the columns
physician, nurse, lab, frontdesk, director, admin, patient, outsider, anonymous.
Written by hand: /healthz and /readyz answer everyone (a load balancer signs in as nobody)
and carry no patient data; /metrics answers only the bearer token or an allowed address,
neither of which the matrix's test client has (METRICS_TOKEN and METRICS_ALLOWED_IPS are
empty by default), so every role, signed in or not, gets 403."""

from __future__ import annotations

# fmt: off
OPS_ROUTES: dict[str, tuple[int, int, int, int, int, int, int, int, int]] = {
    #                                                              phys nurse lab desk  dir  adm  pat  out anon
    "GET /healthz":                                               (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /readyz":                                                (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /metrics":                                               (403, 403, 403, 403, 403, 403, 403, 403, 403),
}
# fmt: on
OPS_CHANGES_DATABASE: dict[str, set[str]] = {}
