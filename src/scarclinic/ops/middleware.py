"""Request id, one structured log line per request, the request metrics, and the health
and metrics endpoints.

Outermost middleware: it times the whole request. The id comes from the ``X-Request-ID``
header set by the proxy (kept when it is a sane token) or is made here, and goes back in the
response's ``X-Request-ID`` so a user's report can be matched with the log line."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from scarclinic.ops import metrics
from scarclinic.ops.logging import request_id_var

logger = logging.getLogger("scarclinic.request")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED = "<unmatched>"


def _user_id(request: HttpRequest) -> int | None:
    # Never forces the lazy user: a request that did not look at it costs no session query.
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)


def route_of(request: HttpRequest) -> tuple[str, str]:
    """The URL pattern and its name; ids stay out of the pattern, tokens out of both."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED, ""
    return "/" + match.route, match.view_name or ""


def _safe_path(request: HttpRequest) -> str:
    """The path with every non-numeric URL argument (calendar feed tokens) replaced."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    for value in match.kwargs.values():
        text = str(value)
        if not isinstance(value, int) and text:
            path = path.replace(text, "<redacted>")
    return path


def _static_prefix() -> str:
    return "/" + settings.STATIC_URL.lstrip("/")


def _probes() -> dict[str, Callable[[HttpRequest], HttpResponse]]:
    """/healthz, /readyz and /metrics are answered here, before the rest of the stack: a load
    balancer or Prometheus asks by the server's own address over plain HTTP, which
    ALLOWED_HOSTS and the HTTPS redirect would refuse, and the probes need no session, user
    or CSRF. They build no URL from the Host header, so skipping its check is safe."""
    from scarclinic.ops import views

    return {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics_view}


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        probe = _probes().get(request.path)
        try:
            response = probe(request) if probe else self.get_response(request)
        finally:
            request_id_var.reset(token)
        duration = time.perf_counter() - started
        response["X-Request-ID"] = request_id
        static = request.path.startswith(_static_prefix())
        if probe:
            route, view = request.path, f"ops:{request.path[1:]}"
        elif static:
            route, view = _static_prefix(), "static"
        else:
            route, view = route_of(request)
        metrics.observe_request(request.method or "", route, response.status_code, duration)
        clinic = getattr(request, "clinic", None)
        logger.log(
            # Load balancers ask every few seconds, and a page pulls several static files:
            # those lines stay out of the INFO log (they are counted in the metrics).
            logging.DEBUG if probe or static else logging.INFO,
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "route": route,
                "view": view,
                "path": _safe_path(request),
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 1),
                "user_id": _user_id(request),
                "clinic_id": getattr(clinic, "pk", None),
            },
        )
        return response
