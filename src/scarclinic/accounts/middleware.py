"""The active clinic: the one the signed-in user is working in now (chosen in the header)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from scarclinic.accounts.access import membership_in, memberships_of

SESSION_KEY = "active_clinic_id"


class ActiveClinicMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.clinic = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            membership = membership_in(request.user, request.session.get(SESSION_KEY))
            if membership is None:
                all_memberships = memberships_of(request.user)
                membership = all_memberships[0] if all_memberships else None
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.clinic = membership.clinic  # type: ignore[attr-defined]
        return self.get_response(request)
