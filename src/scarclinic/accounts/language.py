"""The interface language: each user's own choice, kept on the user and applied on every
request once they are signed in (so it follows them from device to device).

Before sign-in (the sign-in page itself) the language cookie set by the switcher, else the
browser's Accept-Language, decides, through Django's LocaleMiddleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from scarclinic.accounts.models import User
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record

LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)


class UserLanguageMiddleware:
    """After authentication: a signed-in user's stored language wins over the cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        language = getattr(user, "preferred_language", "") if user.is_authenticated else ""
        if language in LANGUAGE_CODES:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's switcher: Django's set_language (cookie, safe redirect to ``next``), and
    for a signed-in user the choice is stored on the user as well."""
    language = request.POST.get("language", "")
    user = request.user
    if language in LANGUAGE_CODES and user.is_authenticated and isinstance(user, User):
        with transaction.atomic():
            if user.preferred_language != language:
                User.objects.filter(pk=user.pk).update(preferred_language=language)
                user.preferred_language = language
            _follow_on_the_patients_record(user=user, language=language)
        translation.activate(language)
    return django_set_language(request)


def _follow_on_the_patients_record(*, user: User, language: str) -> None:
    """A patient's own choice in the portal is their record's preferred language too: the
    handouts and reminders the clinic sends follow it. A change of patient data, audited."""
    from scarclinic.patients.models import Patient

    patient = Patient.objects.filter(portal_user=user).only("pk", "clinic_id").first()
    if patient is None:
        return
    if (
        Patient.objects.filter(pk=patient.pk)
        .exclude(preferred_language=language)
        .update(preferred_language=language)
    ):
        audit_record(
            action=AuditAction.UPDATE,
            object_type="patients.patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            clinic_id=patient.clinic_id,
            actor=user,
            detail={"fields": ["preferred_language"], "via": "portal language switch"},
        )
