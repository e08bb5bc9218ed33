"""The consultation's rows for the global permissions matrix (tests/test_permissions_matrix.py).

Same shape as its MATRIX: "METHOD path" -> statuses for the columns
physician, nurse, lab, frontdesk, director, admin, patient, outsider, anonymous.
Written out by hand from accounts/roles.py and the views, never computed.

To merge: add the rows to MATRIX, CONSULTATION_CHANGES_DATABASE to CHANGES_DATABASE,
CONSULTATION_BODIES to BODIES, and the ids of ``consultation_world(cast)`` to the world's
ids (new placeholders: {amina_decision} {zara_decision}). The GET rows of the consultation
page, its PDF and the screening/options API keep Screening rows by design (issue 5: "the
screening records which rule set version it used"): leave treatments.Screening out of the
matrix's "a GET changed the database" snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from scarclinic.patients.services import history_record
from scarclinic.treatments import services
from scarclinic.treatments.tests.stories import signed_assessment
from tests.cast import Cast

# fmt: off
CONSULTATION_ROUTES: dict[str, tuple[int, int, int, int, int, int, int, int, int]] = {
    #                                                              phys nurse lab desk  dir  adm  pat  out anon
    # Web: the consultation of one patient
    "GET /consultation/patient/{amina}/section/":                 (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /consultation/patient/{zara}/section/":                  (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /consultation/patient/{amina}/":                         (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /consultation/patient/{zara}/":                          (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /consultation/patient/{amina}/pdf/":                     (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /consultation/patient/{zara}/pdf/":                      (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "POST /consultation/patient/{amina}/decision/":               (302, 403, 403, 403, 403, 403, 403, 404, 302),
    "POST /consultation/patient/{zara}/decision/":                (404, 403, 403, 403, 403, 403, 403, 302, 302),
    "GET /consultation/patient/{amina}/labs/":                    (200, 200, 403, 403, 403, 403, 403, 404, 302),
    "POST /consultation/patient/{amina}/labs/":                   (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "GET /consultation/patient/{zara}/labs/":                     (404, 404, 403, 403, 403, 403, 403, 200, 302),
    "GET /consultation/decisions/{amina_decision}/":              (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /consultation/decisions/{zara_decision}/":               (404, 404, 403, 403, 404, 403, 403, 200, 302),
    # Web: the clinic's rules (director) and prices (director, administrator)
    "GET /consultation/rules/":                                   (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "POST /consultation/rules/":                                  (403, 403, 403, 403, 302, 403, 403, 403, 302),
    "GET /consultation/prices/":                                  (403, 403, 403, 403, 200, 200, 403, 403, 302),
    "POST /consultation/prices/":                                 (403, 403, 403, 403, 302, 302, 403, 403, 302),
    # API
    "GET /api/v1/consultation/patients/{amina}/screening?modality=microneedling": (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/consultation/patients/{zara}/screening?modality=microneedling":  (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "GET /api/v1/consultation/patients/{amina}/options":          (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/consultation/patients/{zara}/options":           (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "GET /api/v1/consultation/patients/{amina}/decisions":        (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/consultation/patients/{zara}/decisions":         (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/consultation/patients/{amina}/decisions":       (201, 403, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/consultation/patients/{zara}/decisions":        (404, 403, 403, 403, 403, 403, 403, 201, 401),
    "POST /api/v1/consultation/patients/{amina}/labs":            (201, 201, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/consultation/patients/{zara}/labs":             (404, 404, 403, 403, 403, 403, 403, 201, 401),
    "GET /api/v1/consultation/rules":                             (200, 200, 403, 403, 200, 403, 403, 200, 401),
    "GET /api/v1/consultation/rules?clinic_id={clinic_b}":        (403, 403, 403, 403, 403, 403, 403, 200, 401),
    "POST /api/v1/consultation/rules":                            (403, 403, 403, 403, 201, 403, 403, 403, 401),
    "GET /api/v1/consultation/prices":                            (200, 200, 403, 403, 200, 200, 403, 200, 401),
    "GET /api/v1/consultation/prices?clinic_id={clinic_b}":       (403, 403, 403, 403, 403, 403, 403, 200, 401),
    "POST /api/v1/consultation/prices":                           (403, 403, 403, 403, 201, 201, 403, 403, 401),
}

CONSULTATION_CHANGES_DATABASE: dict[str, set[str]] = {
    "POST /consultation/patient/{amina}/decision/":               {"physician"},
    "POST /consultation/patient/{zara}/decision/":                {"outsider"},
    "POST /consultation/patient/{amina}/labs/":                   {"physician", "nurse"},
    "POST /consultation/rules/":                                  {"director"},
    "POST /consultation/prices/":                                 {"director", "admin"},
    "POST /api/v1/consultation/patients/{amina}/decisions":       {"physician"},
    "POST /api/v1/consultation/patients/{zara}/decisions":        {"outsider"},
    "POST /api/v1/consultation/patients/{amina}/labs":            {"physician", "nurse"},
    "POST /api/v1/consultation/patients/{zara}/labs":             {"outsider"},
    "POST /api/v1/consultation/rules":                            {"director"},
    "POST /api/v1/consultation/prices":                           {"director", "admin"},
}
# fmt: on

_LABS_FORM = {
    "platelet_count_10e9_per_l": "210",
    "haemoglobin_g_dl": "12.8",
    "measured_on": "2025-01-02",
    "expects_gradual_results": "yes",
}
_PRICE = {"modality": "tca_cross", "price_per_session": "7500", "currency": "PKR"}

# A valid body for every route that writes, as an allowed role would send it. Each takes the
# matrix's world and reads only ``world.ids``.
CONSULTATION_BODIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "POST /consultation/patient/{amina}/decision/": lambda w: {
        "chosen": "microneedling",
        "questions": "How many sessions?",
    },
    "POST /consultation/patient/{zara}/decision/": lambda w: {"chosen": "none_yet"},
    "POST /consultation/patient/{amina}/labs/": lambda w: _LABS_FORM,
    "POST /consultation/rules/": lambda w: {
        "action": "thresholds",
        "isotretinoin_months": "7",
        "reason": "Local guideline",
    },
    "POST /consultation/prices/": lambda w: _PRICE | {"effective_from": "2031-01-01"},
    "POST /api/v1/consultation/patients/{amina}/decisions": lambda w: {
        "chosen": "microneedling",
        "questions": "Does it hurt?",
    },
    "POST /api/v1/consultation/patients/{zara}/decisions": lambda w: {"chosen": "none_yet"},
    "POST /api/v1/consultation/patients/{amina}/labs": lambda w: {"smoker": True},
    "POST /api/v1/consultation/patients/{zara}/labs": lambda w: {"smoker": True},
    "POST /api/v1/consultation/rules": lambda w: {
        "disable": ["prp_smoking"],
        "reason": "Not on our protocol",
    },
    "POST /api/v1/consultation/prices": lambda w: _PRICE | {"effective_from": "2031-01-01"},
}


def consultation_world(cast: Cast) -> dict[str, int]:
    """Signed assessments for Amina (clinic A) and Zara (clinic B), a history for Zara if she
    has none, and one decision each; returns the new placeholders' ids."""
    if cast.zara.current_history_id is None:
        history_record(patient=cast.zara, by=cast.outsider, fitzpatrick=3)
        cast.zara.refresh_from_db()
    cast.amina.refresh_from_db()
    today = timezone.localdate()
    signed_assessment(cast.amina, cast.physician, visit_date=today)
    signed_assessment(cast.zara, cast.outsider, visit_date=today)
    amina_decision = services.decision_record(
        patient=cast.amina, by=cast.physician, chosen="none_yet"
    )
    zara_decision = services.decision_record(patient=cast.zara, by=cast.outsider, chosen="none_yet")
    return {"amina_decision": amina_decision.pk, "zara_decision": zara_decision.pk}
