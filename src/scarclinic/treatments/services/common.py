"""Helpers every treatments service uses."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from scarclinic.accounts.access import has_perm_in
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm


def require(user: User, clinic_id: int, perm: Perm) -> None:
    """Refuse unless the user's role in the clinic grants ``perm``."""
    if not has_perm_in(user, clinic_id, perm):
        raise ValidationError(
            {"clinic": gettext("You do not work in this clinic with that permission.")}
        )
