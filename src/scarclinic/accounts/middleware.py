"""The active clinic: the one the signed-in user is working in now (chosen in the header),
and its time zone, which every page of the request shows times in."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from scarclinic.accounts.access import membership_in, memberships_of

SESSION_KEY = "active_clinic_id"


class ActiveClinicMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.clinic = None  # type: ignore[attr-defined]
        zone_name = ""
        if request.user.is_authenticated:
            membership = membership_in(request.user, request.session.get(SESSION_KEY))
            if membership is None:
                all_memberships = memberships_of(request.user)
                membership = all_memberships[0] if all_memberships else None
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.clinic = membership.clinic  # type: ignore[attr-defined]
                zone_name = membership.clinic.time_zone
            else:
                zone_name = _portal_clinic_zone(request.user.pk)
        # Always set, so a thread serving the next request never keeps this one's zone.
        timezone.activate(ZoneInfo(zone_name or settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _portal_clinic_zone(user_id: int) -> str:
    """A portal patient has no membership: their clinic is their record's."""
    from scarclinic.patients.models import Patient

    found = (
        Patient.objects.filter(portal_user_id=user_id)
        .values_list("clinic__time_zone", flat=True)
        .first()
    )
    return found or ""
