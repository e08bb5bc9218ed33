"""Setting up and passing the second factor."""

from __future__ import annotations

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from scarclinic.accounts import two_factor
from scarclinic.accounts.models import User


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=16,
        label=gettext_lazy("Code"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def two_factor_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "accounts/two_factor_home.html",
        {
            "enrolled": two_factor.has_confirmed_device(user),
            "required": two_factor.requires_two_factor(user),
            "remaining": two_factor.remaining_recovery_codes(user),
        },
    )


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    device = two_factor.pending_device(request, user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolment = two_factor.confirm_device(
            request=request, user=user, token=form.cleaned_data["code"]
        )
        if enrolment is not None:
            return render(
                request, "accounts/two_factor_codes.html", {"codes": enrolment.recovery_codes}
            )
        form.add_error(
            "code",
            gettext(
                "That code does not match. Check the time on your phone and try the newest code."
            ),
        )
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=5),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not two_factor.has_confirmed_device(user):
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(request=request, user=user, token=form.cleaned_data["code"]):
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/"
            return redirect(target or "/")
        form.add_error(
            "code",
            gettext(
                "That code is not valid. Use the newest code from your app, or a recovery code."
            ),
        )
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@require_POST
@login_required
def two_factor_new_codes(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not two_factor.has_confirmed_device(user) or not user.is_verified():
        messages.error(request, gettext("Pass the second factor first."))
        return redirect("two_factor_home")
    codes = two_factor.regenerate_recovery_codes(user=user)
    return render(request, "accounts/two_factor_codes.html", {"codes": codes})
