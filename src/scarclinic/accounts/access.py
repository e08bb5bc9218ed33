"""Who may do what where: membership lookups used by every selector and view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from scarclinic.accounts.models import Clinic, Membership, User
from scarclinic.accounts.roles import Perm, role_has

_CACHE_ATTR = "_scarclinic_memberships"


class ClinicRequest(HttpRequest):
    """A request after the middleware: a signed-in user working in an active clinic.

    Views behind :func:`requires` can rely on these attributes."""

    user: User
    clinic: Clinic
    membership: Membership
    htmx: HtmxDetails


def memberships_of(user: User | AnonymousUser) -> list[Membership]:
    """The user's active memberships, cached on the user object for the request."""
    if not user.is_authenticated:
        return []
    cached: list[Membership] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("clinic")
            .order_by("clinic__name")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def clinic_ids_with(user: User | AnonymousUser, perm: Perm) -> list[int]:
    """Ids of the clinics where the user's role grants ``perm``."""
    return [m.clinic_id for m in memberships_of(user) if role_has(m.role, perm)]


def membership_in(user: User | AnonymousUser, clinic_id: int | None) -> Membership | None:
    for membership in memberships_of(user):
        if membership.clinic_id == clinic_id:
            return membership
    return None


def has_perm_in(user: User | AnonymousUser, clinic_id: int | None, perm: Perm) -> bool:
    membership = membership_in(user, clinic_id)
    return membership is not None and role_has(membership.role, perm)


def has_perm_anywhere(user: User | AnonymousUser, perm: Perm) -> bool:
    return bool(clinic_ids_with(user, perm))


F = TypeVar("F", bound=Callable[..., HttpResponse])


def requires(perm: Perm) -> Callable[[F], F]:
    """View decorator: signed in, and the role in the active clinic grants ``perm``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None or not role_has(membership.role, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorator


def api_user(request: HttpRequest, *perms: Perm) -> User:
    """The signed-in user of an API call, if their role grants any of ``perms`` in at least
    one clinic (object access is then checked by the selector). No perms: just the user."""
    user = request.user
    if not isinstance(user, User) or (perms and not any(has_perm_anywhere(user, p) for p in perms)):
        raise PermissionDenied
    return user
