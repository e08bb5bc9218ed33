from typing import Any

from django.conf import settings
from django.http import HttpRequest

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
        "TIME_ZONE": settings.TIME_ZONE,
    }
