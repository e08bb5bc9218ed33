"""Demo photo sets: synthetic faces drawn with Pillow, never photographs of real people.

Each demo patient gets a head drawn as a simple ellipsoid (oval face, eyes, brows, nose,
mouth, ears, hair) in the five standard views, with acne-scar marks placed on the same
spots of the face in every view: ice-pick scars as dark dots, boxcar scars as small
squares, rolling scars as soft shadows. Some patients get a follow-up set three months
later with fewer, shallower marks, so the comparison page has something to show.

The pictures go through the real upload pipeline (photo_processing), so what is stored is
exactly what an upload would store. Deterministic for a given ``rng``; about 20 ms a photo.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, replace
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageChops, ImageDraw

from scarclinic.accounts.models import User
from scarclinic.assessments.models import (
    REQUIRED_VIEWS,
    Photo,
    PhotoConsentGrant,
    PhotoSet,
    PhotoUse,
    PhotoView,
)
from scarclinic.assessments.photo_processing import process_upload
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.patients.models import MedicalHistoryVersion, Patient

WIDTH, HEIGHT = 480, 600
CENTRE_X, CENTRE_Y = 240, 285
FACE_RX, FACE_RY = 92, 148
BACKDROP = (208, 214, 222)  # the clinic's grey photo backdrop
# Skin colours by Fitzpatrick type (I-VI), light to dark; drawn, not sampled from people.
SKIN = {
    1: (244, 214, 196),
    2: (234, 196, 170),
    3: (216, 172, 138),
    4: (190, 140, 104),
    5: (146, 100, 70),
    6: (98, 66, 48),
}
HAIR = [(28, 22, 20), (44, 32, 26), (62, 44, 32), (20, 18, 18)]
CLOTHES = [(46, 80, 120), (120, 50, 60), (60, 100, 80), (90, 90, 96), (140, 110, 60)]
# Yaw of the head per view, in radians: positive turns the patient's left cheek to the camera.
YAW = {
    PhotoView.FRONTAL: 0.0,
    PhotoView.LEFT_45: math.radians(45),
    PhotoView.RIGHT_45: math.radians(-45),
    PhotoView.LEFT_90: math.radians(90),
    PhotoView.RIGHT_90: math.radians(-90),
}
LIGHTING = "Standardised ring light"
CAMERA = "Clinic DSLR, 60 mm macro"
DEMO_MAX_BYTES = 5_000_000
DEMO_MAX_PIXELS = 1_000_000


@dataclass(frozen=True)
class ScarMark:
    """One scar on the head: ``theta`` around it (0 the nose, + the patient's left), ``v``
    down the face (-1 top of the forehead, +1 the chin), its kind and size in pixels."""

    theta: float
    v: float
    kind: str  # "icepick", "boxcar", "rolling"
    size: float


@dataclass(frozen=True)
class Face:
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    clothes: tuple[int, int, int]
    long_hair: bool
    marks: tuple[ScarMark, ...]


def random_face(rng: random.Random, *, fitzpatrick: int = 4, long_hair: bool = False) -> Face:
    """A face with 10-40 scars on the cheeks, temples and forehead."""
    marks = []
    for _ in range(rng.randint(10, 40)):
        side = rng.choice((-1, 1))
        area = rng.choices(["cheek", "temple", "forehead", "chin"], [70, 12, 10, 8])[0]
        if area == "cheek":
            theta, v = side * rng.uniform(0.35, 1.15), rng.uniform(0.0, 0.55)
        elif area == "temple":
            theta, v = side * rng.uniform(0.9, 1.25), rng.uniform(-0.45, -0.15)
        elif area == "forehead":
            theta, v = rng.uniform(-0.6, 0.6), rng.uniform(-0.75, -0.45)
        else:
            theta, v = rng.uniform(-0.3, 0.3), rng.uniform(0.72, 0.85)
        kind = rng.choices(["icepick", "boxcar", "rolling"], [40, 35, 25])[0]
        size = {"icepick": 2.2, "boxcar": 3.8, "rolling": 8.0}[kind] * rng.uniform(0.8, 1.3)
        marks.append(ScarMark(theta, v, kind, size))
    base = SKIN.get(fitzpatrick, SKIN[4])
    tint = rng.randint(-8, 8)
    return Face(
        skin=(base[0] + tint, base[1] + tint, base[2] + tint),
        hair=rng.choice(HAIR),
        clothes=rng.choice(CLOTHES),
        long_hair=long_hair,
        marks=tuple(marks),
    )


def after_treatment(face: Face, rng: random.Random) -> Face:
    """The same face some months on: about a third of the scars gone, the rest shallower."""
    kept = tuple(replace(m, size=m.size * 0.8) for m in face.marks if rng.random() > 0.35)
    return replace(face, marks=kept)


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return (
        max(0, min(255, round(colour[0] * factor))),
        max(0, min(255, round(colour[1] * factor))),
        max(0, min(255, round(colour[2] * factor))),
    )


@dataclass(frozen=True)
class _Pose:
    """Where a point of the head lands in the picture for one yaw (an ellipsoid model)."""

    yaw: float

    @property
    def turn(self) -> float:  # -1..1: how far the nose has moved towards the image edge
        return math.sin(self.yaw)

    @property
    def rx(self) -> float:  # a head is deeper than it is wide: wider in profile
        return FACE_RX * (1 + 0.18 * abs(self.turn))

    def x(self, theta: float) -> float:
        return CENTRE_X + self.rx * math.sin(theta - self.yaw)

    def y(self, v: float) -> float:
        return CENTRE_Y + FACE_RY * v

    def facing(self, theta: float) -> float:
        return math.cos(theta - self.yaw)  # > 0: the point faces the camera


def draw_face(face: Face, view: str) -> Image.Image:
    """The face in one standard view, 480 x 600 pixels."""
    pose = _Pose(YAW[PhotoView(view)])
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKDROP)
    draw = ImageDraw.Draw(image)
    turn = pose.turn
    # Shoulders and neck
    draw.ellipse((40, 500, 440, 760), fill=face.clothes)
    neck_x = CENTRE_X + 20 * turn
    draw.rectangle((neck_x - 45, 380, neck_x + 45, 540), fill=_shade(face.skin, 0.88))
    # Hair behind the head, towards the back of the head in the turned views
    back = -turn * 28
    if face.long_hair:
        draw.rounded_rectangle(
            (CENTRE_X - 118 + back, CENTRE_Y - 165, CENTRE_X + 118 + back, CENTRE_Y + 215),
            radius=90,
            fill=face.hair,
        )
    draw.ellipse(
        (CENTRE_X - 108 + back, CENTRE_Y - 172, CENTRE_X + 108 + back, CENTRE_Y + 60),
        fill=face.hair,
    )
    head = (CENTRE_X - pose.rx, CENTRE_Y - FACE_RY, CENTRE_X + pose.rx, CENTRE_Y + FACE_RY)
    if abs(turn) < 0.1:  # frontal: both ears stick out behind the face
        for side_x in (CENTRE_X - FACE_RX - 6, CENTRE_X + FACE_RX + 6):
            draw.ellipse(
                (side_x - 13, pose.y(-0.08), side_x + 13, pose.y(0.28)),
                fill=_shade(face.skin, 0.93),
            )
        draw.ellipse(head, fill=face.skin)
        draw.chord(  # the fringe over the forehead
            (head[0] - 4, head[1] - 12, head[2] + 4, CENTRE_Y - FACE_RY / 4),
            start=180,
            end=360,
            fill=face.hair,
        )
    else:
        # Turned: hair over the back of the head; skin in front of the ear that shows and
        # below the ear line (jaw and nape).
        ear_x = pose.x(math.copysign(math.pi / 2, turn))
        draw.ellipse((head[0] - 5, head[1] - 10, head[2] + 5, head[3]), fill=face.hair)
        head_mask = Image.new("L", image.size, 0)
        ImageDraw.Draw(head_mask).ellipse(head, fill=255)
        skin_mask = Image.new("L", image.size, 0)
        skin_draw = ImageDraw.Draw(skin_mask)
        front = (head[0] - 30, ear_x + 16) if turn > 0 else (ear_x - 16, head[2] + 30)
        skin_draw.ellipse((front[0], pose.y(-0.62), front[1], head[3] + 40), fill=255)
        skin_draw.ellipse((head[0] - 40, pose.y(0.2), head[2] + 40, head[3] + 220), fill=255)
        image.paste(face.skin, (0, 0), ImageChops.multiply(head_mask, skin_mask))
        draw.ellipse(
            (ear_x - 13, pose.y(-0.08), ear_x + 13, pose.y(0.28)), fill=_shade(face.skin, 0.9)
        )
        draw.arc(
            (ear_x - 7, pose.y(-0.02), ear_x + 7, pose.y(0.2)),
            start=90 if turn > 0 else 270,
            end=270 if turn > 0 else 90,
            fill=_shade(face.skin, 0.75),
            width=2,
        )
    _draw_marks(draw, face, pose)
    _draw_features(draw, face, pose)
    return image


def _draw_marks(draw: ImageDraw.ImageDraw, face: Face, pose: _Pose) -> None:
    for mark in face.marks:
        seen = pose.facing(mark.theta)
        if seen < 0.2:
            continue
        x, y = pose.x(mark.theta), pose.y(mark.v)
        w, h = mark.size * seen, mark.size  # foreshortened across, not down
        if mark.kind == "icepick":
            draw.ellipse((x - w, y - h, x + w, y + h), fill=_shade(face.skin, 0.55))
        elif mark.kind == "boxcar":
            draw.rectangle((x - w, y - h, x + w, y + h), fill=_shade(face.skin, 0.72))
            draw.line((x - w, y - h, x + w, y - h), fill=_shade(face.skin, 0.6))
        else:
            draw.ellipse((x - w, y - h * 0.8, x + w, y + h * 0.8), fill=_shade(face.skin, 0.86))


def _draw_features(draw: ImageDraw.ImageDraw, face: Face, pose: _Pose) -> None:
    turn = pose.turn
    for theta in (0.42, -0.42):  # eyes and brows
        seen = pose.facing(theta)
        if seen < 0.15:
            continue
        x, y, half = pose.x(theta), pose.y(-0.1), 17 * seen
        draw.ellipse((x - half, y - 7, x + half, y + 7), fill=(246, 244, 240))
        draw.ellipse((x - 6 * seen, y - 6, x + 6 * seen, y + 6), fill=(62, 42, 30))
        draw.line(
            (x - half - 2, pose.y(-0.21), x + half + 2, pose.y(-0.23)), fill=face.hair, width=4
        )
    nose_x = pose.x(0.0)
    tip = nose_x - turn * 26  # the nose stands out of the oval in the turned views
    if abs(turn) > 0.9:  # profile: the nose breaks the outline
        draw.polygon(
            [(nose_x, pose.y(-0.08)), (tip, pose.y(0.21)), (nose_x, pose.y(0.26))], fill=face.skin
        )
    line = _shade(face.skin, 0.7)
    draw.line((nose_x, pose.y(-0.05), tip, pose.y(0.2)), fill=line, width=3)
    draw.line((tip, pose.y(0.2), nose_x + 8 * (1 - abs(turn)), pose.y(0.23)), fill=line, width=3)
    mouth_half = 26 * max(pose.facing(0.0), 0.3)
    mouth_x = nose_x + turn * (mouth_half + 4)  # kept inside the outline when turned
    draw.arc(
        (mouth_x - mouth_half, pose.y(0.42), mouth_x + mouth_half, pose.y(0.56)),
        start=20,
        end=160,
        fill=(140, 70, 70),
        width=4,
    )


def face_jpeg(face: Face, view: str, *, quality: int = 85) -> bytes:
    """The face in one view as JPEG bytes, as a camera would hand them over."""
    buffer = io.BytesIO()
    draw_face(face, view).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def seed_demo_photos(
    *, patients: list[Patient], taken_by: User, rng: random.Random, count: int
) -> int:
    """A complete standard set for each of the first ``count`` patients (and a follow-up set
    three months later for every second one), with clinical-record permission for all and
    teaching permission for about half.

    Patients who already have a photo set are left as they are, so running it twice adds
    nothing. Returns the number of photo sets created. Writes in bulk, with one audit entry;
    if the database write fails, the files already written are deleted again."""
    chosen = list(patients[:count])
    existing = set(PhotoSet.objects.filter(patient__in=chosen).values_list("patient_id", flat=True))
    live = set(
        PhotoConsentGrant.objects.filter(patient__in=chosen, withdrawn_at__isnull=True).values_list(
            "patient_id", "use"
        )
    )
    skin_types = dict(
        MedicalHistoryVersion.objects.filter(
            pk__in=[p.current_history_id for p in chosen if p.current_history_id]
        ).values_list("patient_id", "fitzpatrick")
    )
    today, now = timezone.localdate(), timezone.now()
    sets: list[PhotoSet] = []
    faces: list[Face] = []
    grants: list[PhotoConsentGrant] = []
    for index, patient in enumerate(chosen):
        # One generator per patient, drawn for every patient: a patient's pictures do not
        # depend on who else was skipped.
        own = random.Random(rng.getrandbits(64))
        if patient.pk in existing:
            continue
        face = random_face(
            own, fitzpatrick=skin_types.get(patient.pk) or 4, long_hair=patient.sex == "female"
        )
        baseline = today - timedelta(days=own.randint(100, 300))
        visits = [(baseline, face)]
        if index % 2 == 0:
            visits.append((baseline + timedelta(days=91), after_treatment(face, own)))
        for visit_date, visit_face in visits:
            sets.append(
                PhotoSet(
                    patient=patient,
                    visit_date=visit_date,
                    lighting=LIGHTING,
                    distance_cm=50,
                    camera=CAMERA,
                    taken_by=taken_by,
                )
            )
            faces.append(visit_face)
        uses = [PhotoUse.CLINICAL] + ([PhotoUse.TEACHING] if own.random() < 0.5 else [])
        grants.extend(
            PhotoConsentGrant(patient=patient, use=use, granted_at=now, recorded_by=taken_by)
            for use in uses
            if (patient.pk, use.value) not in live
        )
    if not sets:
        return 0
    stored: list[str] = []
    try:
        with transaction.atomic():
            PhotoSet.objects.bulk_create(sets)
            photos = [
                _photo(photo_set, face, view, taken_by, stored)
                for photo_set, face in zip(sets, faces, strict=True)
                for view in REQUIRED_VIEWS
            ]
            Photo.objects.bulk_create(photos)
            PhotoConsentGrant.objects.bulk_create(grants)
            audit_record(
                action=AuditAction.SEED,
                object_type="assessments.photoset",
                actor=taken_by,
                detail={"photo_sets": len(sets), "photos": len(photos), "grants": len(grants)},
            )
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return len(sets)


def _photo(photo_set: PhotoSet, face: Face, view: str, taken_by: User, stored: list[str]) -> Photo:
    processed = process_upload(
        face_jpeg(face, view), max_bytes=DEMO_MAX_BYTES, max_pixels=DEMO_MAX_PIXELS
    )
    photo = Photo(
        photo_set=photo_set,
        view=view,
        original_sha256=processed.original_sha256,
        original_format=processed.original_format,
        width=processed.width,
        height=processed.height,
        uploaded_by=taken_by,
    )
    photo.image.save("photo.jpg", ContentFile(processed.image), save=False)
    stored.append(photo.image.name)
    photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
    stored.append(photo.thumbnail.name)
    return photo
