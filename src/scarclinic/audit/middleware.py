from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from scarclinic.audit.context import AuditContext, current


def client_ip(request: HttpRequest) -> str | None:
    # Behind a proxy the real address is the first X-Forwarded-For hop; trust it only
    # when told to, or any client could write an address of its choosing into the log.
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        token = current.set(AuditContext(user=user, ip_address=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            current.reset(token)
