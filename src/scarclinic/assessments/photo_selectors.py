"""Reads of photo sets, photos and photo consent, scoped to the clinics the user works in.

Fetching and checking happen in one step, as for patients: a photo the user may not see is
reported exactly like one that does not exist. Every page reads a fixed number of rows
whatever the number of sets or photos."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from scarclinic.accounts.access import clinic_ids_with, has_perm_anywhere
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.models import (
    REQUIRED_VIEWS,
    Photo,
    PhotoConsentGrant,
    PhotoSet,
    PhotoUse,
    PhotoView,
)
from scarclinic.assessments.photo_processing import THUMBNAIL_SIDE
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.patients.models import Patient, SignedConsent
from scarclinic.patients.selectors import patient_for_user

CONSENTED_USES = (PhotoUse.TEACHING, PhotoUse.MARKETING)  # clinical use needs no grant
CHART_THUMB_HEIGHT = 60  # CSS pixels, in the chart's photo section


class PhotoNotFound(Http404):
    """No such photo or set, or not one this user may see: the same answer for both."""


# ---------------------------------------------------------------------------------------
# What the pages show


@dataclass(frozen=True)
class ViewSlot:
    """One standard view of a set: the photo, or the gap where it belongs."""

    view: str
    label: str
    photo: Photo | None

    @property
    def small_size(self) -> tuple[int, int]:
        """Width and height of the photo shown CHART_THUMB_HEIGHT pixels tall."""
        if self.photo is None:
            return (0, 0)
        width = round(self.photo.width * CHART_THUMB_HEIGHT / max(self.photo.height, 1))
        return (max(1, width), CHART_THUMB_HEIGHT)

    @property
    def thumb_size(self) -> tuple[int, int]:
        return thumbnail_size(self.photo) if self.photo is not None else (0, 0)


@dataclass(frozen=True)
class PhotoSetSummary:
    photo_set: PhotoSet
    slots: list[ViewSlot]  # the standard views, in REQUIRED_VIEWS order
    close_ups: list[ViewSlot]  # each with its region in the label

    @property
    def missing(self) -> list[ViewSlot]:
        return [slot for slot in self.slots if slot.photo is None]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def photo_count(self) -> int:
        return sum(slot.photo is not None for slot in self.slots) + len(self.close_ups)


@dataclass(frozen=True)
class UseState:
    """Whether the patient's photos may be used for one purpose, and on what grant."""

    use: str
    label: str
    grant: PhotoConsentGrant | None  # the live grant, if any

    @property
    def always(self) -> bool:
        return self.use == PhotoUse.CLINICAL

    @property
    def allowed(self) -> bool:
        return self.always or self.grant is not None


@dataclass(frozen=True)
class PhotoChart:
    patient: Patient
    sets: list[PhotoSetSummary]
    uses: list[UseState]
    comparable_views: list[str] = field(default_factory=list)  # views present on 2+ dates


@dataclass(frozen=True)
class PhotoConsentPanel:
    patient: Patient
    uses: list[UseState]
    history: list[PhotoConsentGrant]  # every grant, newest first, withdrawn ones included
    signed_consents: list[SignedConsent]  # in force, to name as the written permission


@dataclass(frozen=True)
class Comparison:
    patient: Patient
    view: str
    choices: list[Photo]  # photos of that view, oldest first, each with its set
    before: Photo | None
    after: Photo | None

    @property
    def differences(self) -> list[str]:
        """Capture conditions that differ: a change may be the light, not the skin."""
        if self.before is None or self.after is None:
            return []
        a, b = self.before.photo_set, self.after.photo_set
        return [
            name
            for name, differs in (
                ("lighting", a.lighting != b.lighting),
                ("distance", a.distance_cm != b.distance_cm),
                ("camera", a.camera != b.camera),
            )
            if differs
        ]


def thumbnail_size(photo: Photo) -> tuple[int, int]:
    """The stored thumbnail's pixel size, for the img attributes (no layout shift)."""
    scale = min(1.0, THUMBNAIL_SIDE / max(photo.width, photo.height, 1))
    return max(1, round(photo.width * scale)), max(1, round(photo.height * scale))


# ---------------------------------------------------------------------------------------
# Building blocks: the caller has checked access to the patient


def _summary(photo_set: PhotoSet, photos: list[Photo]) -> PhotoSetSummary:
    by_view = {p.view: p for p in photos if p.view in REQUIRED_VIEWS}
    return PhotoSetSummary(
        photo_set=photo_set,
        slots=[
            ViewSlot(view, str(PhotoView(view).label), by_view.get(view)) for view in REQUIRED_VIEWS
        ],
        close_ups=[
            ViewSlot(
                p.view,
                gettext("Close-up, %(region)s") % {"region": p.get_region_display().lower()},
                p,
            )
            for p in photos
            if p.view == PhotoView.CLOSE_UP
        ],
    )


def photo_sets_of(*, patient: Patient) -> list[PhotoSetSummary]:
    """The patient's photo sets, newest visit first, with what each is missing. Two queries."""
    photo_sets = (
        PhotoSet.objects.filter(patient=patient)
        .select_related("taken_by", "assessment")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.select_related("uploaded_by")))
        .order_by("-visit_date", "-id")
    )
    return [_summary(s, list(s.photos.all())) for s in photo_sets]


def live_grants(*, patient: Patient) -> dict[str, PhotoConsentGrant]:
    grants = PhotoConsentGrant.objects.filter(patient=patient, withdrawn_at__isnull=True)
    return {g.use: g for g in grants.select_related("recorded_by", "signed_consent")}


def use_states(*, patient: Patient) -> list[UseState]:
    """Every use with its live grant; the clinical record needs none. One query."""
    grants = live_grants(patient=patient)
    return [UseState(u.value, str(u.label), grants.get(u.value)) for u in PhotoUse]


def allowed_uses(*, patient: Patient) -> list[str]:
    """What the patient's photos may be used for now: the clinical record always, the rest
    while the patient's grant is in force."""
    return [s.use for s in use_states(patient=patient) if s.allowed]


def allowed_uses_by_patient(*, patient_ids: set[int]) -> dict[int, list[str]]:
    """allowed_uses for many patients in one query (lists of photos across patients)."""
    uses: dict[int, list[str]] = {pid: [PhotoUse.CLINICAL.value] for pid in patient_ids}
    live = PhotoConsentGrant.objects.filter(
        patient_id__in=patient_ids, withdrawn_at__isnull=True
    ).exclude(use=PhotoUse.CLINICAL)
    for patient_id, use in live.order_by("use").values_list("patient_id", "use"):
        uses[patient_id].append(use)
    return uses


def photos_for_use(
    *, user: User | AnonymousUser, use: str, perm: Perm = Perm.PHOTO_VIEW
) -> QuerySet[Photo]:
    """Photos the user may see that may be used for ``use``: for teaching and marketing,
    only those of patients whose grant for it is in force, so a withdrawal hides them at
    once. Clinical use is every photo of the user's clinics."""
    if use not in PhotoUse.values:
        raise ValueError(f"unknown photo use {use!r}")
    photos = Photo.objects.filter(
        photo_set__patient__clinic_id__in=clinic_ids_with(user, perm)
    ).select_related("photo_set")
    if use != PhotoUse.CLINICAL:
        live = PhotoConsentGrant.objects.filter(
            patient_id=OuterRef("photo_set__patient_id"), use=use, withdrawn_at__isnull=True
        )
        photos = photos.filter(Exists(live))
    return photos.order_by("-photo_set__visit_date", "photo_set_id", "view", "id")


# ---------------------------------------------------------------------------------------
# Fetch-and-check, audited


def photo_chart(*, user: User | AnonymousUser, patient_id: int) -> PhotoChart:
    """The chart's photo section: sets with completeness and the consent state. Audited as
    one list of the patient's sets shown; four reads whatever the number of sets."""
    patient = patient_for_user(user=user, patient_id=patient_id, perm=Perm.PHOTO_VIEW, audit=False)
    sets = photo_sets_of(patient=patient)
    audit_record(
        action=AuditAction.LIST,
        object_type="assessments.photoset",
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"shown": [s.photo_set.pk for s in sets]},
    )
    dates: dict[str, set[object]] = {}
    for summary in sets:
        for slot in summary.slots:
            if slot.photo is not None:
                dates.setdefault(slot.view, set()).add(summary.photo_set.visit_date)
    return PhotoChart(
        patient=patient,
        sets=sets,
        uses=use_states(patient=patient),
        comparable_views=[v for v in REQUIRED_VIEWS if len(dates.get(v, ())) >= 2],
    )


def photo_set_for_user(
    *, user: User | AnonymousUser, set_id: int, perm: Perm = Perm.PHOTO_VIEW, audit: bool = True
) -> PhotoSet:
    """The photo set, if the user's role in the patient's clinic grants ``perm``."""
    photo_set = (
        PhotoSet.objects.select_related("patient", "patient__clinic", "taken_by", "assessment")
        .filter(pk=set_id, patient__clinic_id__in=clinic_ids_with(user, perm))
        .first()
    )
    if photo_set is None:
        raise PhotoNotFound("No such photo set.")
    if audit:
        audit_record(
            action=AuditAction.READ,
            object_type="assessments.photoset",
            object_id=photo_set.pk,
            patient_id=photo_set.patient_id,
            clinic_id=photo_set.patient.clinic_id,
        )
    return photo_set


def photo_set_summary(*, photo_set: PhotoSet) -> PhotoSetSummary:
    """One set with its photos (one query; the caller has checked access)."""
    return _summary(
        photo_set,
        list(
            Photo.objects.filter(photo_set=photo_set)
            .select_related("uploaded_by")
            .order_by("view", "id")
        ),
    )


def photo_for_user(
    *, user: User | AnonymousUser, photo_id: int, variant: str = "image", audit: bool = True
) -> Photo:
    """A photo the user may see: staff with photo.view in the patient's clinic, or the
    patient themself in the portal. Each look is audited with the photo's id."""
    access = Q(photo_set__patient__clinic_id__in=clinic_ids_with(user, Perm.PHOTO_VIEW))
    portal = isinstance(user, User) and has_perm_anywhere(user, Perm.PORTAL_OWN)
    if portal:
        access |= Q(photo_set__patient__portal_user=user)
    photo = (
        Photo.objects.select_related("photo_set", "photo_set__patient", "uploaded_by")
        .filter(access, pk=photo_id)
        .first()
    )
    if photo is None:
        raise PhotoNotFound("No such photo.")
    if audit:
        patient = photo.photo_set.patient
        staff = patient.clinic_id in clinic_ids_with(user, Perm.PHOTO_VIEW)
        audit_record(
            action=AuditAction.READ,
            object_type="assessments.photo",
            object_id=photo.pk,
            patient_id=patient.pk,
            clinic_id=patient.clinic_id,
            detail={"variant": variant, "via": "staff" if staff else "portal"},
        )
    return photo


def grant_for_user(*, user: User | AnonymousUser, grant_id: int, perm: Perm) -> PhotoConsentGrant:
    grant = (
        PhotoConsentGrant.objects.select_related("patient")
        .filter(pk=grant_id, patient__clinic_id__in=clinic_ids_with(user, perm))
        .first()
    )
    if grant is None:
        raise PhotoNotFound("No such photo consent.")
    return grant


def photo_consent_panel(*, patient: Patient) -> PhotoConsentPanel:
    """The patient's photo permissions now and before. Three queries."""
    history = list(
        PhotoConsentGrant.objects.filter(patient=patient)
        .select_related("recorded_by", "withdrawn_by", "signed_consent")
        .order_by("-granted_at", "-id")
    )
    live = {g.use: g for g in history if g.withdrawn_at is None}
    return PhotoConsentPanel(
        patient=patient,
        uses=[UseState(u.value, str(u.label), live.get(u.value)) for u in PhotoUse],
        history=history,
        signed_consents=list(
            SignedConsent.objects.filter(patient=patient, withdrawn_at__isnull=True).order_by(
                "-signed_at"
            )
        ),
    )


def photo_comparison(
    *, patient: Patient, view: str, before_set_id: int | None, after_set_id: int | None
) -> Comparison:
    """The same view at two visits. Without a (valid) choice, the first and the latest
    visit that have the view. One query; the caller has checked access to the patient."""
    if view not in PhotoView.values:
        view = PhotoView.FRONTAL
    choices = list(
        Photo.objects.filter(photo_set__patient=patient, view=view)
        .select_related("photo_set", "uploaded_by")
        .order_by("photo_set__visit_date", "photo_set_id", "id")
    )
    by_set = {p.photo_set_id: p for p in choices}
    # A set without this view (the view was just changed) falls back to the default too.
    before = by_set.get(before_set_id or 0) or (choices[0] if choices else None)
    after = by_set.get(after_set_id or 0) or (choices[-1] if len(choices) > 1 else None)
    return Comparison(patient=patient, view=view, choices=choices, before=before, after=after)
