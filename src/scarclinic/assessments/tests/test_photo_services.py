"""Photo sets, photos and photo consent through the services: a photo is stored whole or
not at all, completeness is what the standard requires, and a withdrawal hides photos from
teaching at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from PIL import ExifTags, Image

from scarclinic.accounts.models import User
from scarclinic.assessments import photo_selectors as selectors
from scarclinic.assessments import photo_services as services
from scarclinic.assessments.demo_photos import face_jpeg, random_face, seed_demo_photos
from scarclinic.assessments.models import (
    REQUIRED_VIEWS,
    Photo,
    PhotoConsentGrant,
    PhotoSet,
)
from scarclinic.assessments.tests.test_photo_processing import (
    TEXT_AS_JPG,
    assert_bare,
    bomb_png,
    heic_bytes,
    jpeg_with_gps,
    png_bytes,
    truncated_jpeg,
)
from scarclinic.audit.models import AuditAction, AuditEntry
from scarclinic.patients import services as patient_services
from scarclinic.patients.models import Patient
from scarclinic.web.demo import signature_png
from tests.cast import Cast
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media: Path) -> set[Path]:
    return {p for p in media.rglob("*") if p.is_file()}


def new_set(patient: Patient, by: User, days_ago: int = 0, **conditions: object) -> PhotoSet:
    return services.photo_set_create(
        patient=patient,
        by=by,
        visit_date=timezone.localdate() - dt.timedelta(days=days_ago),
        **conditions,  # type: ignore[arg-type]
    )


def small_jpeg(seed: int = 1) -> bytes:
    return face_jpeg(random_face(random.Random(seed)), "frontal", quality=70)


def add_views(photo_set: PhotoSet, by: User, views: tuple[str, ...] = REQUIRED_VIEWS) -> None:
    for view in views:
        services.photo_add(photo_set=photo_set, by=by, view=view, upload=small_jpeg())


# ---------------------------------------------------------------------------------------
# Storing a photo


def test_a_phone_photo_is_stored_upright_with_no_exif_at_all(cast: Cast, media: Path) -> None:
    photo_set = new_set(cast.amina, cast.nurse, lighting="Ring light", distance_cm=50)
    original = jpeg_with_gps(orientation=6)
    photo = services.photo_add(photo_set=photo_set, by=cast.nurse, view="frontal", upload=original)

    photo.refresh_from_db()
    with photo.image.open("rb") as handle:
        stored_bytes = handle.read()
    assert_bare(stored_bytes)
    stored = Image.open(io.BytesIO(stored_bytes))
    assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert stored.size == (100, 200) == (photo.width, photo.height)
    with photo.thumbnail.open("rb") as handle:
        assert_bare(handle.read())
    assert photo.original_sha256 == hashlib.sha256(original).hexdigest()
    assert photo.original_format == "JPEG"
    # Two files, with random names that say nothing of the patient
    assert len(stored_files(media)) == 2
    assert re.fullmatch(r"photos/[0-9a-f]{32}\.jpg", photo.image.name)
    assert re.fullmatch(r"photos/thumbs/[0-9a-f]{32}\.jpg", photo.thumbnail.name)


def test_png_and_heic_are_stored_as_jpeg(cast: Cast) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    png = services.photo_add(photo_set=photo_set, by=cast.nurse, view="frontal", upload=png_bytes())
    heic = services.photo_add(
        photo_set=photo_set, by=cast.nurse, view="left_45", upload=heic_bytes()
    )
    assert (png.original_format, heic.original_format) == ("PNG", "HEIC")
    for photo in (png, heic):
        with photo.image.open("rb") as handle:
            assert_bare(handle.read())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TEXT_AS_JPG, "not a photograph"),
        (truncated_jpeg, "damaged or incomplete"),
        (bomb_png, "megapixels"),
        (lambda: jpeg_with_gps() + b"\0" * 200_000, "may be at most 200 KB"),
    ],
    ids=["text-renamed-jpg", "truncated-jpeg", "decompression-bomb", "oversize"],
)
def test_a_bad_upload_is_refused_with_a_message_and_nothing_is_stored(
    cast: Cast,
    media: Path,
    settings,
    make: Callable[[], bytes],
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    settings.PHOTO_MAX_BYTES = 200_000
    photo_set = new_set(cast.amina, cast.nurse)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.photo_add(photo_set=photo_set, by=cast.nurse, view="frontal", upload=make())
    assert message in refused.value.message_dict["image"][0]
    assert Photo.objects.count() == 0
    assert stored_files(media) == set()
    assert AuditEntry.objects.count() == audit_before


def test_when_the_database_refuses_the_row_the_files_already_written_are_deleted(
    cast: Cast, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo_set = new_set(cast.amina, cast.nurse)

    def refuse(*args: object, **kwargs: object) -> None:
        raise IntegrityError("disk full, or a constraint")

    monkeypatch.setattr(Photo, "save", refuse)
    with pytest.raises(IntegrityError):
        services.photo_add(photo_set=photo_set, by=cast.nurse, view="frontal", upload=small_jpeg())
    assert stored_files(media) == set()
    assert Photo.objects.count() == 0


def test_a_second_photo_of_the_same_standard_view_is_refused(cast: Cast, media: Path) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    add_views(photo_set, cast.nurse, ("frontal",))
    with pytest.raises(ValidationError) as refused:
        add_views(photo_set, cast.nurse, ("frontal",))
    assert refused.value.message_dict == {"view": ["This set already has a Frontal photo."]}
    assert len(stored_files(media)) == 2


def test_a_close_up_needs_its_region_and_may_be_taken_several_times(cast: Cast) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    with pytest.raises(ValidationError) as refused:
        services.photo_add(photo_set=photo_set, by=cast.nurse, view="close_up", upload=small_jpeg())
    assert "region" in refused.value.message_dict
    for region in ("cheek_left", "cheek_left"):
        services.photo_add(
            photo_set=photo_set, by=cast.nurse, view="close_up", region=region, upload=small_jpeg()
        )
    assert Photo.objects.filter(view="close_up").count() == 2


def test_only_the_care_team_of_the_patients_clinic_takes_photos(cast: Cast) -> None:
    with pytest.raises(ValidationError, match="clinic"):
        new_set(cast.amina, cast.outsider)
    with pytest.raises(ValidationError, match="clinic"):
        new_set(cast.amina, cast.director)
    photo_set = new_set(cast.amina, cast.nurse)
    with pytest.raises(ValidationError, match="clinic"):
        services.photo_add(photo_set=photo_set, by=cast.lab, view="frontal", upload=small_jpeg())


def test_a_photo_set_is_not_dated_in_the_future_and_its_distance_is_plausible(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        services.photo_set_create(
            patient=cast.amina,
            by=cast.nurse,
            visit_date=timezone.localdate() + dt.timedelta(days=1),
            distance_cm=0,
        )
    assert set(refused.value.message_dict) == {"visit_date", "distance_cm"}
    assert PhotoSet.objects.count() == 0


def test_every_write_is_audited_with_the_person_who_acted(cast: Cast) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    add_views(photo_set, cast.physician, ("frontal",))
    grant = services.photo_consent_grant(patient=cast.amina, use="teaching", by=cast.nurse)
    services.photo_consent_withdraw(grant=grant, by=cast.physician)
    entries = list(
        AuditEntry.objects.filter(object_type__startswith="assessments.photo").order_by("seq")
    )
    assert [(e.action, e.object_type, e.actor_username) for e in entries] == [
        (AuditAction.CREATE, "assessments.photoset", "nurse"),
        (AuditAction.CREATE, "assessments.photo", "physician"),
        (AuditAction.CREATE, "assessments.photoconsentgrant", "nurse"),
        (AuditAction.WITHDRAW, "assessments.photoconsentgrant", "physician"),
    ]
    assert all(e.patient_id == cast.amina.pk for e in entries)


# ---------------------------------------------------------------------------------------
# Completeness


def test_a_set_is_complete_only_when_all_five_standard_views_are_there(cast: Cast) -> None:
    photo_set = new_set(cast.amina, cast.nurse)
    add_views(photo_set, cast.nurse, ("frontal", "left_45", "right_90"))
    services.photo_add(
        photo_set=photo_set, by=cast.nurse, view="close_up", region="chin", upload=small_jpeg()
    )
    (summary,) = selectors.photo_sets_of(patient=cast.amina)
    assert not summary.complete
    assert [slot.view for slot in summary.missing] == ["right_45", "left_90"]
    assert summary.photo_count == 4

    add_views(photo_set, cast.nurse, ("right_45", "left_90"))
    (summary,) = selectors.photo_sets_of(patient=cast.amina)
    assert summary.complete and summary.missing == []


# ---------------------------------------------------------------------------------------
# Photo consent


def test_withdrawing_teaching_hides_the_photos_from_teaching_at_once(cast: Cast) -> None:
    add_views(new_set(cast.amina, cast.nurse), cast.nurse, ("frontal", "left_45"))
    add_views(new_set(cast.bilal, cast.nurse), cast.nurse, ("frontal",))
    assert list(selectors.photos_for_use(user=cast.physician, use="teaching")) == []

    grant = services.photo_consent_grant(patient=cast.amina, use="teaching", by=cast.nurse)
    services.photo_consent_grant(patient=cast.bilal, use="teaching", by=cast.nurse)
    teaching = selectors.photos_for_use(user=cast.physician, use="teaching")
    assert {p.photo_set.patient_id for p in teaching} == {cast.amina.pk, cast.bilal.pk}
    assert selectors.allowed_uses(patient=cast.amina) == ["clinical", "teaching"]

    services.photo_consent_withdraw(grant=grant, by=cast.nurse)
    teaching = selectors.photos_for_use(user=cast.physician, use="teaching")
    assert {p.photo_set.patient_id for p in teaching} == {cast.bilal.pk}
    assert selectors.allowed_uses(patient=cast.amina) == ["clinical"]
    assert list(selectors.photos_for_use(user=cast.physician, use="marketing")) == []
    # The clinical record keeps every photo
    clinical = selectors.photos_for_use(user=cast.physician, use="clinical")
    assert clinical.count() == 3
    # ... and the withdrawn grant is kept, to show what was allowed when
    assert PhotoConsentGrant.objects.get(pk=grant.pk).withdrawn_by == cast.nurse


def test_photos_for_use_never_crosses_the_clinic_boundary(cast: Cast) -> None:
    add_views(new_set(cast.zara, cast.outsider), cast.outsider, ("frontal",))
    services.photo_consent_grant(patient=cast.zara, use="teaching", by=cast.outsider)
    assert list(selectors.photos_for_use(user=cast.physician, use="teaching")) == []
    assert selectors.photos_for_use(user=cast.outsider, use="teaching").count() == 1


def test_the_clinical_record_use_cannot_be_withdrawn_here(cast: Cast) -> None:
    grant = services.photo_consent_grant(patient=cast.amina, use="clinical", by=cast.nurse)
    with pytest.raises(ValidationError, match="part of care"):
        services.photo_consent_withdraw(grant=grant, by=cast.physician)
    assert PhotoConsentGrant.objects.get(pk=grant.pk).withdrawn_at is None


def test_a_use_is_granted_once_at_a_time_and_withdrawn_once(cast: Cast) -> None:
    grant = services.photo_consent_grant(patient=cast.amina, use="marketing", by=cast.nurse)
    with pytest.raises(ValidationError, match="already granted"):
        services.photo_consent_grant(patient=cast.amina, use="marketing", by=cast.nurse)
    services.photo_consent_withdraw(grant=grant, by=cast.nurse)
    with pytest.raises(ValidationError, match="already withdrawn"):
        services.photo_consent_withdraw(grant=grant, by=cast.nurse)
    again = services.photo_consent_grant(patient=cast.amina, use="marketing", by=cast.nurse)
    assert again.pk != grant.pk


def test_a_grant_names_only_a_signed_consent_of_the_same_patient(cast: Cast) -> None:
    consent = patient_services.consent_sign(
        patient=cast.amina,
        template_version=cast.prp_consent,
        by=cast.nurse,
        signer_name="Amina Qureshi",
        method="drawn",
        signature_png=signature_png(random.Random(1)),
    )
    with pytest.raises(ValidationError, match="another patient"):
        services.photo_consent_grant(
            patient=cast.bilal, use="teaching", by=cast.nurse, signed_consent=consent
        )
    grant = services.photo_consent_grant(
        patient=cast.amina, use="teaching", by=cast.nurse, signed_consent=consent
    )
    assert grant.signed_consent == consent
    with pytest.raises(ValidationError, match="clinic"):
        services.photo_consent_grant(patient=cast.amina, use="marketing", by=cast.frontdesk)
    with pytest.raises(ValidationError, match="Choose"):
        services.photo_consent_grant(patient=cast.amina, use="press", by=cast.nurse)


# ---------------------------------------------------------------------------------------
# Comparison


def test_the_comparison_takes_the_first_and_latest_visit_and_flags_changed_conditions(
    cast: Cast,
) -> None:
    first = new_set(cast.amina, cast.nurse, days_ago=120, lighting="Ring light", distance_cm=50)
    middle = new_set(cast.amina, cast.nurse, days_ago=60, lighting="Ring light", distance_cm=50)
    latest = new_set(cast.amina, cast.nurse, days_ago=1, lighting="Window", distance_cm=50)
    for photo_set in (first, middle, latest):
        add_views(photo_set, cast.nurse, ("frontal",))
    add_views(middle, cast.nurse, ("left_90",))

    comparison = selectors.photo_comparison(
        patient=cast.amina, view="frontal", before_set_id=None, after_set_id=None
    )
    assert comparison.before and comparison.before.photo_set == first
    assert comparison.after and comparison.after.photo_set == latest
    assert comparison.differences == ["lighting"]

    chosen = selectors.photo_comparison(
        patient=cast.amina, view="frontal", before_set_id=first.pk, after_set_id=middle.pk
    )
    assert chosen.after and chosen.after.photo_set == middle and chosen.differences == []
    single = selectors.photo_comparison(
        patient=cast.amina, view="left_90", before_set_id=None, after_set_id=None
    )
    assert single.after is None and len(single.choices) == 1


# ---------------------------------------------------------------------------------------
# Demo photos


def test_demo_photos_are_complete_sets_with_clinical_consent_and_are_not_made_twice(
    cast: Cast,
) -> None:
    patients = [cast.amina, cast.bilal, cast.zara]
    created = seed_demo_photos(
        patients=patients, taken_by=cast.physician, rng=random.Random(7), count=2
    )
    assert created == 3  # Amina with a follow-up set, Bilal without
    assert not PhotoSet.objects.filter(patient=cast.zara).exists()
    for patient in (cast.amina, cast.bilal):
        assert all(s.complete for s in selectors.photo_sets_of(patient=patient))
        assert "clinical" in selectors.allowed_uses(patient=patient)
    assert (
        seed_demo_photos(patients=patients, taken_by=cast.physician, rng=random.Random(7), count=2)
        == 0
    )
    assert PhotoSet.objects.count() == 3


def test_demo_faces_are_the_same_for_the_same_seed() -> None:
    assert face_jpeg(random_face(random.Random(3)), "left_45") == face_jpeg(
        random_face(random.Random(3)), "left_45"
    )
    assert face_jpeg(random_face(random.Random(3)), "left_45") != face_jpeg(
        random_face(random.Random(4)), "left_45"
    )


def test_demo_photos_for_30_patients_make_45_complete_sets(cast: Cast) -> None:
    # Speed is measured by `seed_demo` itself, not asserted here.
    patients = PatientFactory.create_batch(30, clinic=cast.clinic_a)
    created = seed_demo_photos(
        patients=patients, taken_by=cast.physician, rng=random.Random(1), count=30
    )
    assert created == 45 and Photo.objects.count() == 225
