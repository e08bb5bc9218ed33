"""Every write of photo sets, photos and photo consent. Each runs in one transaction and
writes its audit entry in the same place.

A photo is stored whole or not at all: the upload is checked and cleaned before anything is
written (photo_processing), and if the database refuses the row the files just written are
deleted again."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.access import has_perm_in
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.models import (
    REQUIRED_VIEWS,
    Photo,
    PhotoConsentGrant,
    PhotoSet,
    PhotoUse,
    PhotoView,
    ScarAssessment,
)
from scarclinic.assessments.models.assessment import REGION_CHOICES
from scarclinic.assessments.photo_processing import PhotoRejected, ProcessedPhoto, process_upload
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object
from scarclinic.patients.models import Patient, SignedConsent

logger = logging.getLogger(__name__)

# Limits of one upload; a clinic may change them in settings. Phones store 12-50 megapixel
# pictures of 3-15 MB; a 50 MP RGB picture takes 150 MB of memory while it is cleaned.
DEFAULT_MAX_BYTES = 25_000_000
DEFAULT_MAX_PIXELS = 50_000_000
MAX_DISTANCE_CM = 500
REGIONS = {value for value, _ in REGION_CHOICES}


def max_upload_bytes() -> int:
    return int(getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_upload_pixels() -> int:
    return int(getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _require(user: User, clinic_id: int, perm: Perm) -> None:
    if not has_perm_in(user, clinic_id, perm):
        raise ValidationError(
            {"clinic": gettext("You do not work in this clinic with that permission.")}
        )


@transaction.atomic
def photo_set_create(
    *,
    patient: Patient,
    by: User,
    visit_date: date,
    lighting: str = "",
    distance_cm: int | None = None,
    camera: str = "",
    assessment: ScarAssessment | None = None,
) -> PhotoSet:
    """Open the photo set of one visit, with the conditions the photos are taken in."""
    _require(by, patient.clinic_id, Perm.PHOTO_UPLOAD)
    errors: dict[str, str] = {}
    if visit_date > timezone.localdate():
        errors["visit_date"] = gettext("A photo set cannot be dated in the future.")
    if distance_cm is not None and not 1 <= distance_cm <= MAX_DISTANCE_CM:
        errors["distance_cm"] = gettext(
            "Give the camera distance in centimetres (1-%(MAX_DISTANCE_CM)s)."
        ) % {"MAX_DISTANCE_CM": MAX_DISTANCE_CM}
    if assessment is not None and assessment.patient_id != patient.pk:
        errors["assessment"] = gettext("This assessment belongs to another patient.")
    if len(lighting) > 100:
        errors["lighting"] = gettext("At most 100 characters.")
    if len(camera) > 100:
        errors["camera"] = gettext("At most 100 characters.")
    if errors:
        raise ValidationError(errors)
    photo_set = PhotoSet.objects.create(
        patient=patient,
        assessment=assessment,
        visit_date=visit_date,
        lighting=lighting.strip(),
        distance_cm=distance_cm,
        camera=camera.strip(),
        taken_by=by,
    )
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=photo_set,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"visit_date": visit_date.isoformat()},
    )
    return photo_set


def photo_add(
    *, photo_set: PhotoSet, by: User, view: str, region: str = "", upload: bytes
) -> Photo:
    """Check, clean and store one photograph of a set.

    Bad input raises ValidationError naming the field ("image" for the file itself) and
    leaves nothing behind: no row, no file."""
    patient = photo_set.patient
    _require(by, patient.clinic_id, Perm.PHOTO_UPLOAD)
    errors: dict[str, str] = {}
    if view not in PhotoView.values:
        errors["view"] = gettext("Choose one of the standard views or a close-up.")
    elif _view_taken(photo_set.pk, view):
        errors["view"] = _view_taken_message(view)
    if view == PhotoView.CLOSE_UP and region not in REGIONS:
        errors["region"] = gettext("Say which facial region the close-up shows.")
    if view != PhotoView.CLOSE_UP and region:
        errors["region"] = gettext(
            "Only a close-up has a region; the standard views show the face."
        )
    if errors:
        raise ValidationError(errors)
    try:
        processed = process_upload(
            upload, max_bytes=max_upload_bytes(), max_pixels=max_upload_pixels()
        )
    except PhotoRejected as exc:
        raise ValidationError({"image": str(exc)}) from exc
    return _store(
        photo_set=photo_set, patient=patient, by=by, view=view, region=region, processed=processed
    )


def _store(
    *,
    photo_set: PhotoSet,
    patient: Patient,
    by: User,
    view: str,
    region: str,
    processed: ProcessedPhoto,
) -> Photo:
    photo = Photo(
        photo_set=photo_set,
        view=view,
        region=region,
        original_sha256=processed.original_sha256,
        original_format=processed.original_format,
        width=processed.width,
        height=processed.height,
        uploaded_by=by,
    )
    # The file names come from the model (random, nothing about the patient in them).
    photo.image.save("photo.jpg", ContentFile(processed.image), save=False)
    try:
        photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
        _save_row(photo=photo, patient=patient, by=by)
    except BaseException:
        _delete_files(photo)
        raise
    return photo


@transaction.atomic
def _save_row(*, photo: Photo, patient: Patient, by: User) -> None:
    # The set row is locked so two uploads of the same view cannot both pass the check.
    locked = PhotoSet.objects.select_for_update().get(pk=photo.photo_set_id)
    if _view_taken(locked.pk, photo.view):
        raise ValidationError({"view": _view_taken_message(photo.view)})
    photo.save()
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=photo,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={
            "photo_set": locked.pk,
            "view": photo.view,
            "original_sha256": photo.original_sha256,
            "original_format": photo.original_format,
        },
    )


def _view_taken(photo_set_id: int, view: str) -> bool:
    # One photo per standard view, so a comparison is never ambiguous; close-ups are many.
    return (
        view in REQUIRED_VIEWS
        and Photo.objects.filter(photo_set_id=photo_set_id, view=view).exists()
    )


def _view_taken_message(view: str) -> str:
    return f"This set already has a {PhotoView(view).label} photo."


def _delete_files(photo: Photo) -> None:
    for field in (photo.image, photo.thumbnail):
        if field.name:
            try:
                default_storage.delete(field.name)
            except OSError:  # never hide the error that brought us here
                logger.exception("Could not delete photo file %s", field.name)


@transaction.atomic
def photo_consent_grant(
    *, patient: Patient, use: str, by: User, signed_consent: SignedConsent | None = None
) -> PhotoConsentGrant:
    """Record the patient's permission for one use of their photos."""
    _require(by, patient.clinic_id, Perm.PHOTO_CONSENT_RECORD)
    if use not in PhotoUse.values:
        raise ValidationError({"use": gettext("Choose clinical record, teaching or marketing.")})
    if signed_consent is not None:
        if signed_consent.patient_id != patient.pk:
            raise ValidationError(
                {"signed_consent": gettext("This consent belongs to another patient.")}
            )
        if signed_consent.withdrawn_at is not None:
            raise ValidationError({"signed_consent": gettext("This consent has been withdrawn.")})
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if PhotoConsentGrant.objects.filter(
        patient=locked, use=use, withdrawn_at__isnull=True
    ).exists():
        raise ValidationError(
            {"use": gettext("%(label)s use is already granted.") % {"label": PhotoUse(use).label}}
        )
    try:
        with transaction.atomic():
            grant = PhotoConsentGrant.objects.create(
                patient=locked,
                use=use,
                granted_at=timezone.now(),
                recorded_by=by,
                signed_consent=signed_consent,
            )
    except IntegrityError as exc:  # one live grant per use (database constraint)
        raise ValidationError(
            {"use": gettext("%(label)s use is already granted.") % {"label": PhotoUse(use).label}}
        ) from exc
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=grant,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"use": use, "signed_consent": signed_consent.pk if signed_consent else None},
    )
    return grant


@transaction.atomic
def photo_consent_withdraw(*, grant: PhotoConsentGrant, by: User) -> PhotoConsentGrant:
    """Record that the patient withdrew one use; from now on no photo of theirs is shown for
    it. The grant itself is kept, to show what was allowed when."""
    locked = (
        PhotoConsentGrant.objects.select_for_update().select_related("patient").get(pk=grant.pk)
    )
    _require(by, locked.patient.clinic_id, Perm.PHOTO_CONSENT_RECORD)
    if locked.use == PhotoUse.CLINICAL:
        raise ValidationError(
            {
                "use": gettext(
                    "Photos in the clinical record are part of care and stay in it; only "
                    "teaching and marketing use can be withdrawn. To object to the record itself, "
                    "the patient asks the medical director."
                )
            }
        )
    if locked.withdrawn_at is not None:
        raise ValidationError({"use": gettext("This permission was already withdrawn.")})
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = by
    locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit_object(
        actor=by,
        action=AuditAction.WITHDRAW,
        obj=locked,
        patient_id=locked.patient_id,
        clinic_id=locked.patient.clinic_id,
        detail={"use": locked.use},
    )
    return locked
