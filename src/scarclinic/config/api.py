"""The API at /api/v1/: one NinjaAPI, one router per app, session authentication with CSRF.

Errors are JSON with the field they concern, so a client can show them where they belong."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import django_auth

from scarclinic.analytics.api import router as analytics_router
from scarclinic.assessments.api import router as assessments_router
from scarclinic.assessments.photo_api import router as photos_router
from scarclinic.biologics.api import router as biologics_router
from scarclinic.patients.api import router as patients_router
from scarclinic.portal.api import portal_router
from scarclinic.treatments.api import router as consultation_router
from scarclinic.treatments.plan_api import router as treatments_router

api = NinjaAPI(
    title="scarclinic API",
    version="1",
    description=(
        "Patients, medical history and consent for acne-scar clinics. Every call is scoped "
        "to the clinics the signed-in user works in, with the same permissions as the web UI, "
        "and audited."
    ),
    auth=django_auth,
    urls_namespace="api-v1",
)
api.add_router("/patients", patients_router)
api.add_router("/portal", portal_router)
api.add_router("/assessments", assessments_router)
api.add_router("/photos", photos_router)
api.add_router("/biologics", biologics_router)
api.add_router("/adverse-events", "scarclinic.outcomes.api.router")
api.add_router("/consultation", consultation_router)
api.add_router("/treatments", treatments_router)
api.add_router("/analytics", analytics_router)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        detail = [
            {"field": field, "msg": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        detail = [{"field": "", "msg": message} for message in exc.messages]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "You do not have permission."}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "Sign in first."}, status=401)
