"""Photo sets, photos and photo consent over HTTP, with the web UI's permissions.

Uploads are multipart (``view``, ``region``, ``image``); everything else is JSON. A refused
upload answers 422 with the field named (``image`` for the file itself) and stores nothing.
Image bytes come only from ``GET /{photo_id}/image``, checked and audited like the web page.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from scarclinic.accounts.access import api_user
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.assessments import photo_selectors as selectors
from scarclinic.assessments import photo_services as services
from scarclinic.assessments.models import (
    Photo,
    PhotoConsentGrant,
    PhotoSet,
    PhotoUse,
    PhotoView,
    ScarAssessment,
)
from scarclinic.assessments.photo_views import photo_file_response
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.patients.models import SignedConsent
from scarclinic.patients.selectors import patient_for_user

router = Router(tags=["photos"])


# ---------------------------------------------------------------------------------------
# Schemas


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class PhotoOut(Schema):
    id: int
    photo_set_id: int
    patient_id: int
    visit_date: date
    view: str
    region: str
    width: int
    height: int
    original_sha256: str = Field(..., description="SHA-256 of the file as uploaded")
    original_format: str = Field(..., description="JPEG, PNG or HEIC: what the bytes were")
    uploaded_by: str
    uploaded_at: datetime
    allowed_uses: list[str] = Field(
        ..., description="What the photo may be used for now (clinical always)"
    )
    image_url: str
    thumbnail_url: str


class PhotoSetOut(Schema):
    id: int
    patient_id: int
    visit_date: date
    lighting: str
    distance_cm: int | None
    camera: str
    assessment_id: int | None
    taken_by: str
    created_at: datetime
    complete: bool
    missing_views: list[str]
    photos: list[PhotoOut]


class PhotoSetIn(StrictSchema):
    visit_date: date
    lighting: str = Field("", max_length=100)
    distance_cm: int | None = Field(None, ge=1, le=services.MAX_DISTANCE_CM)
    camera: str = Field("", max_length=100)
    assessment_id: int | None = None


class PhotoConsentOut(Schema):
    id: int
    patient_id: int
    use: str
    granted_at: datetime
    recorded_by: str
    signed_consent_id: int | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    in_force: bool


class PhotoConsentIn(StrictSchema):
    use: PhotoUse
    signed_consent_id: int | None = None


class ComparisonParams(Schema):
    view: PhotoView = PhotoView.FRONTAL
    before: int | None = Field(None, description="Photo set id; the first visit if omitted")
    after: int | None = Field(None, description="Photo set id; the latest visit if omitted")


class ComparisonOut(Schema):
    view: str
    before: PhotoOut | None
    after: PhotoOut | None
    capture_differences: list[str]
    choices: list[PhotoOut]


# ---------------------------------------------------------------------------------------
# Helpers


def _name(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


def _photo_out(photo: Photo, photo_set: PhotoSet, uses: list[str]) -> dict[str, object]:
    image_url = reverse("api-v1:photo_download", kwargs={"photo_id": photo.pk})
    return {
        "id": photo.pk,
        "photo_set_id": photo_set.pk,
        "patient_id": photo_set.patient_id,
        "visit_date": photo_set.visit_date,
        "view": photo.view,
        "region": photo.region,
        "width": photo.width,
        "height": photo.height,
        "original_sha256": photo.original_sha256,
        "original_format": photo.original_format,
        "uploaded_by": _name(photo.uploaded_by),
        "uploaded_at": photo.uploaded_at,
        "allowed_uses": uses,
        "image_url": image_url,
        "thumbnail_url": f"{image_url}?variant=thumbnail",
    }


def _set_out(summary: selectors.PhotoSetSummary, uses: list[str]) -> dict[str, object]:
    photo_set = summary.photo_set
    photos = [slot.photo for slot in (*summary.slots, *summary.close_ups) if slot.photo]
    return {
        "id": photo_set.pk,
        "patient_id": photo_set.patient_id,
        "visit_date": photo_set.visit_date,
        "lighting": photo_set.lighting,
        "distance_cm": photo_set.distance_cm,
        "camera": photo_set.camera,
        "assessment_id": photo_set.assessment_id,
        "taken_by": _name(photo_set.taken_by),
        "created_at": photo_set.created_at,
        "complete": summary.complete,
        "missing_views": [slot.view for slot in summary.missing],
        "photos": [_photo_out(p, photo_set, uses) for p in photos],
    }


def _grant_out(grant: PhotoConsentGrant) -> dict[str, object]:
    return {
        "id": grant.pk,
        "patient_id": grant.patient_id,
        "use": grant.use,
        "granted_at": grant.granted_at,
        "recorded_by": _name(grant.recorded_by),
        "signed_consent_id": grant.signed_consent_id,
        "withdrawn_at": grant.withdrawn_at,
        "withdrawn_by": _name(grant.withdrawn_by),
        "in_force": grant.withdrawn_at is None,
    }


# ---------------------------------------------------------------------------------------
# Photo sets and photos


@router.get(
    "/patients/{int:patient_id}/sets", response=list[PhotoSetOut], summary="A patient's photo sets"
)
def list_sets(request: HttpRequest, patient_id: int) -> list[dict[str, object]]:
    """Newest visit first, each with its photos and the standard views it still lacks."""
    api_user(request, Perm.PHOTO_VIEW)
    chart = selectors.photo_chart(user=request.user, patient_id=patient_id)
    uses = [u.use for u in chart.uses if u.allowed]
    return [_set_out(summary, uses) for summary in chart.sets]


@router.post(
    "/patients/{int:patient_id}/sets", response={201: PhotoSetOut}, summary="Open a photo set"
)
def create_set(
    request: HttpRequest, patient_id: int, body: PhotoSetIn
) -> Status[dict[str, object]]:
    api_user(request, Perm.PHOTO_UPLOAD)
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.PHOTO_UPLOAD, audit=False
    )
    assessment = None
    if body.assessment_id is not None:
        assessment = ScarAssessment.objects.filter(pk=body.assessment_id, patient=patient).first()
        if assessment is None:
            raise ValidationError({"assessment_id": gettext("No such assessment of this patient.")})
    photo_set = services.photo_set_create(
        patient=patient,
        by=api_user(request),
        visit_date=body.visit_date,
        lighting=body.lighting,
        distance_cm=body.distance_cm,
        camera=body.camera,
        assessment=assessment,
    )
    summary = selectors.photo_set_summary(photo_set=photo_set)
    return Status(201, _set_out(summary, selectors.allowed_uses(patient=patient)))


@router.get("/sets/{int:set_id}", response=PhotoSetOut, summary="A photo set")
def get_set(request: HttpRequest, set_id: int) -> dict[str, object]:
    api_user(request, Perm.PHOTO_VIEW)
    photo_set = selectors.photo_set_for_user(user=request.user, set_id=set_id)
    summary = selectors.photo_set_summary(photo_set=photo_set)
    return _set_out(summary, selectors.allowed_uses(patient=photo_set.patient))


@router.post(
    "/sets/{int:set_id}/photos", response={201: PhotoOut}, summary="Upload a photo (multipart)"
)
def upload_photo(
    request: HttpRequest,
    set_id: int,
    image: File[UploadedFile],
    view: Form[str],
    region: Form[str] = "",
) -> Status[dict[str, object]]:
    """``view`` is one of frontal, left_45, right_45, left_90, right_90, close_up (with a
    ``region``). The file's name and content type are ignored: its bytes decide."""
    api_user(request, Perm.PHOTO_UPLOAD)
    photo_set = selectors.photo_set_for_user(
        user=request.user, set_id=set_id, perm=Perm.PHOTO_UPLOAD, audit=False
    )
    photo = services.photo_add(
        photo_set=photo_set,
        by=api_user(request),
        view=view,
        region=region,
        upload=image.read(services.max_upload_bytes() + 1),
    )
    uses = selectors.allowed_uses(patient=photo_set.patient)
    return Status(201, _photo_out(photo, photo_set, uses))


@router.get("/{int:photo_id}", response=PhotoOut, summary="A photo's metadata")
def get_photo(request: HttpRequest, photo_id: int) -> dict[str, object]:
    api_user(request, Perm.PHOTO_VIEW, Perm.PORTAL_OWN)
    photo = selectors.photo_for_user(user=request.user, photo_id=photo_id, variant="metadata")
    uses = selectors.allowed_uses(patient=photo.photo_set.patient)
    return _photo_out(photo, photo.photo_set, uses)


@router.get(
    "/{int:photo_id}/image",
    url_name="photo_download",
    summary="Download a photo (JPEG)",
    openapi_extra={"responses": {200: {"description": "JPEG", "content": {"image/jpeg": {}}}}},
)
def download_photo(
    request: HttpRequest, photo_id: int, variant: Literal["image", "thumbnail"] = "image"
) -> HttpResponseBase:
    """The stored JPEG (upright, no EXIF); ``variant=thumbnail`` for the small one. With
    object storage: a redirect (302) to a signed URL that expires within a minute."""
    api_user(request, Perm.PHOTO_VIEW, Perm.PORTAL_OWN)
    photo = selectors.photo_for_user(user=request.user, photo_id=photo_id, variant=variant)
    return photo_file_response(photo, variant)


@router.get(
    "/patients/{int:patient_id}/compare",
    response=ComparisonOut,
    summary="The same view at two visits",
)
def compare(
    request: HttpRequest, patient_id: int, params: Query[ComparisonParams]
) -> dict[str, object]:
    api_user(request, Perm.PHOTO_VIEW)
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.PHOTO_VIEW)
    comparison = selectors.photo_comparison(
        patient=patient,
        view=params.view,
        before_set_id=params.before,
        after_set_id=params.after,
    )
    uses = selectors.allowed_uses(patient=patient)

    def out(photo: Photo | None) -> dict[str, object] | None:
        return _photo_out(photo, photo.photo_set, uses) if photo is not None else None

    return {
        "view": comparison.view,
        "before": out(comparison.before),
        "after": out(comparison.after),
        "capture_differences": comparison.differences,
        "choices": [out(p) for p in comparison.choices],
    }


class LibraryParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


@router.get("/library/{use}", response=list[PhotoOut], summary="Photos usable for one purpose")
def library(
    request: HttpRequest, use: PhotoUse, params: Query[LibraryParams]
) -> list[dict[str, object]]:
    """Photos of your clinics that may be used for ``use``, newest visit first: for teaching
    and marketing only those of patients whose permission is in force, so a withdrawal
    removes them at once. Page with ``limit`` and ``offset``."""
    api_user(request, Perm.PHOTO_VIEW)
    photos = list(
        selectors.photos_for_use(user=request.user, use=use).select_related("uploaded_by")[
            params.offset : params.offset + params.limit
        ]
    )
    uses = selectors.allowed_uses_by_patient(patient_ids={p.photo_set.patient_id for p in photos})
    audit_record(
        action=AuditAction.LIST,
        object_type="assessments.photo",
        detail={"use": use.value, "shown": [p.pk for p in photos]},
    )
    return [_photo_out(p, p.photo_set, uses[p.photo_set.patient_id]) for p in photos]


# ---------------------------------------------------------------------------------------
# Photo consent


@router.get(
    "/patients/{int:patient_id}/consents",
    response=list[PhotoConsentOut],
    summary="A patient's photo permissions, withdrawn ones included",
)
def list_consents(request: HttpRequest, patient_id: int) -> list[dict[str, object]]:
    api_user(request, Perm.PHOTO_VIEW)
    patient = patient_for_user(user=request.user, patient_id=patient_id, perm=Perm.PHOTO_VIEW)
    panel = selectors.photo_consent_panel(patient=patient)
    return [_grant_out(g) for g in panel.history]


@router.post(
    "/patients/{int:patient_id}/consents",
    response={201: PhotoConsentOut},
    summary="Grant one use of the patient's photos",
)
def grant_consent(
    request: HttpRequest, patient_id: int, body: PhotoConsentIn
) -> Status[dict[str, object]]:
    api_user(request, Perm.PHOTO_CONSENT_RECORD)
    patient = patient_for_user(
        user=request.user, patient_id=patient_id, perm=Perm.PHOTO_CONSENT_RECORD, audit=False
    )
    signed = None
    if body.signed_consent_id is not None:
        signed = SignedConsent.objects.filter(pk=body.signed_consent_id, patient=patient).first()
        if signed is None:
            raise ValidationError(
                {"signed_consent_id": gettext("No such signed consent of this patient.")}
            )
    grant = services.photo_consent_grant(
        patient=patient, use=body.use, by=api_user(request), signed_consent=signed
    )
    return Status(201, _grant_out(grant))


@router.post(
    "/consents/{int:grant_id}/withdraw",
    response=PhotoConsentOut,
    summary="Withdraw teaching or marketing use",
)
def withdraw_consent(request: HttpRequest, grant_id: int) -> dict[str, object]:
    """The clinical-record use is part of care and cannot be withdrawn (422)."""
    api_user(request, Perm.PHOTO_CONSENT_RECORD)
    grant = selectors.grant_for_user(
        user=request.user, grant_id=grant_id, perm=Perm.PHOTO_CONSENT_RECORD
    )
    return _grant_out(services.photo_consent_withdraw(grant=grant, by=api_user(request)))
