"""Staff must pass the second factor before anything else, when it is required."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from scarclinic.accounts.models import User
from scarclinic.accounts.two_factor import has_confirmed_device, requires_two_factor

# Reachable before the second factor: the 2FA pages themselves, signing out, static files,
# the health check.
OPEN_PREFIXES = ("/2fa/", "/logout/", "/static/", "/healthz", "/login/")


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            getattr(settings, "REQUIRE_STAFF_2FA", False)
            and isinstance(user, User)
            and not user.is_verified()  # set by django-otp's middleware
            and not request.path.startswith(OPEN_PREFIXES)
            and requires_two_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Two-factor verification is required for staff."}, status=403
                )
            target = "two_factor_verify" if has_confirmed_device(user) else "two_factor_setup"
            return redirect(target)
        return self.get_response(request)
