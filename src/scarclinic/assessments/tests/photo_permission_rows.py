"""The photo routes' rows of the permissions matrix, for tests/test_permissions_matrix.py.

Written out by hand from accounts/roles.py and the photo views, like the matrix itself;
test_photo_views.py runs every row against every role so they are known to hold.

Columns: physician, nurse, lab, frontdesk, director, admin, patient (Amina's portal
sign-in), outsider (a physician of clinic B), anonymous.

Placeholders besides the matrix's {amina} {bilal} {zara}: {photoset_amina} {photoset_zara}
a photo set each; {photo_amina} {photo_bilal} {photo_zara} a frontal photo each;
{grant_amina} {grant_zara} a teaching grant in force each. :func:`photo_world` makes them.

Who may see a photo: staff whose role includes photo.view in the patient's clinic (the
outsider gets 404, the lab and front desk 403), and the portal patient for their own
photos only (Amina's portal sign-in gets Bilal's photo as 404). Only the image and metadata
routes admit the portal patient; every other photo page is staff-only (403).

The upload route of the API is multipart: send PHOTO_BODIES' "image" as a file, e.g.
``client.post(path, {"view": "close_up", "region": "chin", "image": SimpleUploadedFile(
"x.jpg", photo_upload_bytes())})``, not JSON.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

# fmt: off
PHOTO_ROUTES: dict[str, tuple[int, int, int, int, int, int, int, int, int]] = {
    #                                                              phys nurse lab desk  dir  adm  pat  out anon
    # Photos in the web UI
    "GET /assessments/photos/patient/{amina}/section/":           (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /assessments/photos/patient/{zara}/section/":            (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /assessments/photos/patient/{amina}/new/":               (200, 200, 403, 403, 403, 403, 403, 404, 302),
    "POST /assessments/photos/patient/{amina}/new/":              (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "GET /assessments/photos/patient/{zara}/new/":                (404, 404, 403, 403, 403, 403, 403, 200, 302),
    "POST /assessments/photos/patient/{zara}/new/":               (404, 404, 403, 403, 403, 403, 403, 302, 302),
    "GET /assessments/photos/patient/{amina}/compare/":           (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /assessments/photos/patient/{zara}/compare/":            (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /assessments/photos/patient/{amina}/consent/":           (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /assessments/photos/patient/{zara}/consent/":            (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "POST /assessments/photos/patient/{amina}/consent/grant/":    (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "POST /assessments/photos/patient/{zara}/consent/grant/":     (404, 404, 403, 403, 403, 403, 403, 302, 302),
    "POST /assessments/photos/consent/{grant_amina}/withdraw/":   (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "POST /assessments/photos/consent/{grant_zara}/withdraw/":    (404, 404, 403, 403, 403, 403, 403, 302, 302),
    "GET /assessments/photos/set/{photoset_amina}/":              (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /assessments/photos/set/{photoset_zara}/":               (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "POST /assessments/photos/set/{photoset_amina}/upload/":      (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "POST /assessments/photos/set/{photoset_zara}/upload/":       (404, 404, 403, 403, 403, 403, 403, 302, 302),
    "GET /assessments/photos/{photo_amina}/image/":               (200, 200, 403, 403, 200, 403, 200, 404, 302),
    "GET /assessments/photos/{photo_bilal}/image/":               (200, 200, 403, 403, 200, 403, 404, 404, 302),
    "GET /assessments/photos/{photo_zara}/image/":                (404, 404, 403, 403, 404, 403, 404, 200, 302),
    "GET /assessments/photos/{photo_amina}/thumbnail/":           (200, 200, 403, 403, 200, 403, 200, 404, 302),
    "GET /assessments/photos/{photo_zara}/thumbnail/":            (404, 404, 403, 403, 404, 403, 404, 200, 302),
    # Photos in the API
    "GET /api/v1/photos/patients/{amina}/sets":                   (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/photos/patients/{zara}/sets":                    (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/photos/patients/{amina}/sets":                  (201, 201, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/photos/patients/{zara}/sets":                   (404, 404, 403, 403, 403, 403, 403, 201, 401),
    "GET /api/v1/photos/sets/{photoset_amina}":                   (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/photos/sets/{photoset_zara}":                    (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/photos/sets/{photoset_amina}/photos":           (201, 201, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/photos/sets/{photoset_zara}/photos":            (404, 404, 403, 403, 403, 403, 403, 201, 401),
    "GET /api/v1/photos/{photo_amina}":                           (200, 200, 403, 403, 200, 403, 200, 404, 401),
    "GET /api/v1/photos/{photo_bilal}":                           (200, 200, 403, 403, 200, 403, 404, 404, 401),
    "GET /api/v1/photos/{photo_zara}":                            (404, 404, 403, 403, 404, 403, 404, 200, 401),
    "GET /api/v1/photos/{photo_amina}/image":                     (200, 200, 403, 403, 200, 403, 200, 404, 401),
    "GET /api/v1/photos/{photo_zara}/image":                      (404, 404, 403, 403, 404, 403, 404, 200, 401),
    "GET /api/v1/photos/patients/{amina}/compare":                (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/photos/patients/{zara}/compare":                 (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "GET /api/v1/photos/library/teaching":                        (200, 200, 403, 403, 200, 403, 403, 200, 401),
    "GET /api/v1/photos/patients/{amina}/consents":               (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/photos/patients/{zara}/consents":                (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/photos/patients/{amina}/consents":              (201, 201, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/photos/patients/{zara}/consents":               (404, 404, 403, 403, 403, 403, 403, 201, 401),
    "POST /api/v1/photos/consents/{grant_amina}/withdraw":        (200, 200, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/photos/consents/{grant_zara}/withdraw":         (404, 404, 403, 403, 403, 403, 403, 200, 401),
}

# The roles whose request must change the database (photo sets, photos, grants).
PHOTO_CHANGES_DATABASE: dict[str, set[str]] = {
    "POST /assessments/photos/patient/{amina}/new/":              {"physician", "nurse"},
    "POST /assessments/photos/patient/{zara}/new/":               {"outsider"},
    "POST /assessments/photos/patient/{amina}/consent/grant/":    {"physician", "nurse"},
    "POST /assessments/photos/patient/{zara}/consent/grant/":     {"outsider"},
    "POST /assessments/photos/consent/{grant_amina}/withdraw/":   {"physician", "nurse"},
    "POST /assessments/photos/consent/{grant_zara}/withdraw/":    {"outsider"},
    "POST /assessments/photos/set/{photoset_amina}/upload/":      {"physician", "nurse"},
    "POST /assessments/photos/set/{photoset_zara}/upload/":       {"outsider"},
    "POST /api/v1/photos/patients/{amina}/sets":                  {"physician", "nurse"},
    "POST /api/v1/photos/patients/{zara}/sets":                   {"outsider"},
    "POST /api/v1/photos/sets/{photoset_amina}/photos":           {"physician", "nurse"},
    "POST /api/v1/photos/sets/{photoset_zara}/photos":            {"outsider"},
    "POST /api/v1/photos/patients/{amina}/consents":              {"physician", "nurse"},
    "POST /api/v1/photos/patients/{zara}/consents":               {"outsider"},
    "POST /api/v1/photos/consents/{grant_amina}/withdraw":        {"physician", "nurse"},
    "POST /api/v1/photos/consents/{grant_zara}/withdraw":         {"outsider"},
}
# fmt: on


def photo_upload_bytes() -> bytes:
    """A small synthetic face, JPEG: a valid upload."""
    from scarclinic.assessments.demo_photos import face_jpeg, random_face

    return face_jpeg(random_face(random.Random(11)), "frontal", quality=70)


def _close_up() -> dict[str, Any]:
    # A close-up, so that the upload never clashes with the set's frontal photo.
    return {
        "view": "close_up",
        "region": "cheek_left",
        "image": SimpleUploadedFile("any-name.txt", photo_upload_bytes(), "text/plain"),
    }


def _new_set() -> dict[str, Any]:
    return {
        "visit_date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "lighting": "Ring light",
        "distance_cm": "50",
        "camera": "",
        "assessment": "",
    }


# A valid body for every photo route that writes. Web forms are form-encoded; the API takes
# JSON, except its upload, which is multipart like the web form.
PHOTO_BODIES: dict[str, Callable[[dict[str, int]], dict[str, Any]]] = {
    "POST /assessments/photos/patient/{amina}/new/": lambda ids: _new_set(),
    "POST /assessments/photos/patient/{zara}/new/": lambda ids: _new_set(),
    "POST /assessments/photos/patient/{amina}/consent/grant/": lambda ids: {"use": "marketing"},
    "POST /assessments/photos/patient/{zara}/consent/grant/": lambda ids: {"use": "marketing"},
    "POST /assessments/photos/consent/{grant_amina}/withdraw/": lambda ids: {},
    "POST /assessments/photos/consent/{grant_zara}/withdraw/": lambda ids: {},
    "POST /assessments/photos/set/{photoset_amina}/upload/": lambda ids: _close_up(),
    "POST /assessments/photos/set/{photoset_zara}/upload/": lambda ids: _close_up(),
    "POST /api/v1/photos/patients/{amina}/sets": lambda ids: {
        "visit_date": _new_set()["visit_date"],
        "lighting": "Ring light",
    },
    "POST /api/v1/photos/patients/{zara}/sets": lambda ids: {
        "visit_date": _new_set()["visit_date"],
    },
    "POST /api/v1/photos/sets/{photoset_amina}/photos": lambda ids: _close_up(),
    "POST /api/v1/photos/sets/{photoset_zara}/photos": lambda ids: _close_up(),
    "POST /api/v1/photos/patients/{amina}/consents": lambda ids: {"use": "marketing"},
    "POST /api/v1/photos/patients/{zara}/consents": lambda ids: {"use": "marketing"},
    "POST /api/v1/photos/consents/{grant_amina}/withdraw": lambda ids: {},
    "POST /api/v1/photos/consents/{grant_zara}/withdraw": lambda ids: {},
}
MULTIPART_API_ROUTES = {
    "POST /api/v1/photos/sets/{photoset_amina}/photos",
    "POST /api/v1/photos/sets/{photoset_zara}/photos",
}


def photo_world(cast: Any) -> dict[str, int]:
    """Make the objects the rows name (files go to MEDIA_ROOT: point it at a temporary
    directory) and return their ids under the placeholders' names."""
    from scarclinic.assessments import photo_services as services

    ids: dict[str, int] = {}
    for name, patient, by in (
        ("amina", cast.amina, cast.nurse),
        ("bilal", cast.bilal, cast.nurse),
        ("zara", cast.zara, cast.outsider),
    ):
        photo_set = services.photo_set_create(
            patient=patient, by=by, visit_date=timezone.localdate() - dt.timedelta(days=30)
        )
        photo = services.photo_add(
            photo_set=photo_set, by=by, view="frontal", upload=photo_upload_bytes()
        )
        ids[f"photoset_{name}"] = photo_set.pk
        ids[f"photo_{name}"] = photo.pk
        if name != "bilal":
            grant = services.photo_consent_grant(patient=patient, use="teaching", by=by)
            ids[f"grant_{name}"] = grant.pk
    return ids
