from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from scarclinic.accounts.access import memberships_of
from scarclinic.accounts.roles import ROLE_PERMISSIONS


def clinic(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    perms = ROLE_PERMISSIONS.get(membership.role, frozenset()) if membership else frozenset()
    return {
        "active_membership": membership,
        "active_clinic": getattr(request, "clinic", None),
        "my_memberships": memberships_of(request.user) if hasattr(request, "user") else [],
        "perms_here": {p.value for p in perms},
        # The active clinic's zone (accounts.middleware activates it for the request).
        "TIME_ZONE": timezone.get_current_timezone_name(),
    }
