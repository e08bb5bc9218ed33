from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from scarclinic.accounts.access import membership_in
from scarclinic.accounts.middleware import SESSION_KEY
from scarclinic.accounts.models import User
from scarclinic.audit.middleware import client_ip
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
@login_required
def switch_clinic(request: HttpRequest) -> HttpResponse:
    try:
        clinic_id = int(request.POST.get("clinic_id", ""))
    except ValueError:
        return HttpResponseBadRequest(gettext("Choose a clinic."))
    if membership_in(request.user, clinic_id) is None:
        return HttpResponseBadRequest(gettext("You are not a member of that clinic."))
    request.session[SESSION_KEY] = clinic_id
    return redirect("home")


@require_POST
@login_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of this user, on every device, this one included."""
    user = request.user
    assert isinstance(user, User)
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    audit_record(
        action=AuditAction.LOGOUT,
        object_type="accounts.user",
        object_id=user.pk,
        actor=user,
        detail={"everywhere": True},
    )
    logout(request)
    return redirect("login")


@receiver(user_locked_out)
def _audit_lockout(sender: Any, request: HttpRequest, username: str, **kwargs: Any) -> None:
    audit_record(
        action=AuditAction.LOCKED_OUT,
        object_type="accounts.user",
        detail={"username": str(username)[:150]},
        ip_address=client_ip(request) if request is not None else None,
    )


# Sign-in events are audited: they are how an access pattern is traced to a person.
@receiver(user_logged_in)
def _audit_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # Named explicitly: the request's audit context was made before the user signed in.
    audit_record(
        action=AuditAction.LOGIN,
        object_type="accounts.user",
        object_id=user.pk,
        actor=user,
        ip_address=client_ip(request) if request is not None else None,
    )


@receiver(user_logged_out)
def _audit_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, object_type="accounts.user", object_id=user.pk)


@receiver(user_login_failed)
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        object_type="accounts.user",
        # The username tried is what an investigator needs; the password is never logged.
        detail={"username": str(credentials.get("username", ""))[:150]},
        ip_address=client_ip(request) if request is not None else None,
    )
