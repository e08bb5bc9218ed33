"""The outcomes rows of the global permissions matrix (tests/test_permissions_matrix.py).

Same shape as its MATRIX: "METHOD path" -> statuses for the columns
physician, nurse, lab, frontdesk, director, admin, patient, outsider, anonymous.
Written out by hand from accounts/roles.py (outcomes.view, adverse_event.*) and the views,
never computed: the care team (physician, nurse) and the director see outcomes and adverse
events and record them; only the director reviews and sees the rates. The lab, front desk,
administrator and portal patient see none of it. The outsider is a physician of clinic B:
they see clinic B's events, and Amina's answer 404 like a missing one.

To merge: add OUTCOMES_ROUTES to MATRIX, OUTCOMES_CHANGES_DATABASE to CHANGES_DATABASE,
OUTCOMES_BODIES to BODIES, the ids of ``outcomes_world(cast)`` to the world's ids, and
``outcomes_snapshot()`` to the rows the matrix compares. New placeholders: {amina_event} a
recorded grade 1 event of Amina; {amina_serious} a serious one awaiting review; {zara_event}
an event of Zara at clinic B.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests.cast import Cast

# fmt: off
OUTCOMES_ROUTES: dict[str, tuple[int, int, int, int, int, int, int, int, int]] = {
    #                                                              phys nurse lab desk  dir  adm  pat  out anon
    # Web: adverse events (adverse_event.view / .record / .review)
    "GET /outcomes/adverse-events/":                              (200, 200, 403, 403, 200, 403, 403, 200, 302),
    "GET /outcomes/adverse-events/rates/":                        (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "GET /outcomes/adverse-events/rates.csv":                     (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "GET /outcomes/adverse-events/{amina_event}/":                (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /outcomes/adverse-events/{zara_event}/":                 (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /outcomes/adverse-events/{amina_event}/edit/":           (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "POST /outcomes/adverse-events/{amina_event}/edit/":          (302, 302, 403, 403, 302, 403, 403, 404, 302),
    "POST /outcomes/adverse-events/{zara_event}/edit/":           (404, 404, 403, 403, 404, 403, 403, 302, 302),
    "POST /outcomes/adverse-events/{amina_event}/entered-in-error/": (302, 302, 403, 403, 302, 403, 403, 404, 302),
    "POST /outcomes/adverse-events/{amina_serious}/review/":      (403, 403, 403, 403, 302, 403, 403, 403, 302),
    "GET /outcomes/patient/{amina}/adverse-events/new/":          (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "POST /outcomes/patient/{amina}/adverse-events/new/":         (302, 302, 403, 403, 302, 403, 403, 404, 302),
    "GET /outcomes/patient/{zara}/adverse-events/new/":           (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /outcomes/patient/{amina}/section/":                     (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /outcomes/patient/{zara}/section/":                      (404, 404, 403, 403, 404, 403, 403, 200, 302),
    # Web: one patient's progress (outcomes.view)
    "GET /outcomes/patient/{amina}/progress/":                    (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /outcomes/patient/{zara}/progress/":                     (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /outcomes/patient/{amina}/progress.pdf":                 (200, 200, 403, 403, 200, 403, 403, 404, 302),
    # API
    "GET /api/v1/adverse-events?patient_id={amina}":              (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/adverse-events/{amina_event}":                   (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/adverse-events/{zara_event}":                    (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/adverse-events":                                (201, 201, 403, 403, 201, 403, 403, 404, 401),
    "PATCH /api/v1/adverse-events/{amina_event}":                 (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "PATCH /api/v1/adverse-events/{zara_event}":                  (404, 404, 403, 403, 404, 403, 403, 200, 401),
}

# The roles whose request must change the database; for every other cell nothing may change.
OUTCOMES_CHANGES_DATABASE: dict[str, set[str]] = {
    "POST /outcomes/adverse-events/{amina_event}/edit/":          {"physician", "nurse", "director"},
    "POST /outcomes/adverse-events/{zara_event}/edit/":           {"outsider"},
    "POST /outcomes/adverse-events/{amina_event}/entered-in-error/": {"physician", "nurse", "director"},
    "POST /outcomes/adverse-events/{amina_serious}/review/":      {"director"},
    "POST /outcomes/patient/{amina}/adverse-events/new/":         {"physician", "nurse", "director"},
    "POST /api/v1/adverse-events":                                {"physician", "nurse", "director"},
    "PATCH /api/v1/adverse-events/{amina_event}":                 {"physician", "nurse", "director"},
    "PATCH /api/v1/adverse-events/{zara_event}":                  {"outsider"},
}
# fmt: on


def _day(days_ago: int) -> str:
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


_EVENT_FORM = {
    "onset_on": _day(3),
    "category": "prolonged_erythema",
    "description": "Redness beyond a week, now fading",
    "severity": "2",
    "modality": "microneedling",
    "relatedness": "probable",
    "action_taken": "Emollient",
    "outcome": "recovering",
    "resolved_on": "",
}

# A valid body for every route that writes, as an allowed role would send it. Each takes the
# matrix's world and reads only ``world.ids``.
OUTCOMES_BODIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "POST /outcomes/adverse-events/{amina_event}/edit/": lambda w: _EVENT_FORM,
    "POST /outcomes/adverse-events/{zara_event}/edit/": lambda w: _EVENT_FORM,
    "POST /outcomes/adverse-events/{amina_event}/entered-in-error/": lambda w: {
        "reason": "Duplicate entry"
    },
    "POST /outcomes/adverse-events/{amina_serious}/review/": lambda w: {
        "note": "Reviewed; reported to the ethics committee."
    },
    "POST /outcomes/patient/{amina}/adverse-events/new/": lambda w: _EVENT_FORM,
    "POST /api/v1/adverse-events": lambda w: {
        "patient_id": w.ids["amina"],
        "onset_on": _day(2),
        "description": "Itching",
        "category": "hypersensitivity",
        "severity": 1,
        "modality": "chemical_peel",
    },
    "PATCH /api/v1/adverse-events/{amina_event}": lambda w: {"severity": 2},
    "PATCH /api/v1/adverse-events/{zara_event}": lambda w: {"severity": 2},
}


def outcomes_world(cast: Cast) -> dict[str, int]:
    """The events the rows name (recorded through the services, as staff would)."""
    from scarclinic.outcomes import services

    def record(patient: Any, by: Any, **changes: Any) -> int:
        data: dict[str, Any] = {
            "onset_on": timezone.localdate() - timedelta(days=4),
            "description": "Red cheeks",
            "category": "prolonged_erythema",
            "severity": 1,
            "modality": "microneedling",
        }
        return services.adverse_event_record(
            patient=patient, by=by, assessment=services.Assessment(**(data | changes))
        ).pk

    return {
        "amina_event": record(cast.amina, cast.nurse),
        "amina_serious": record(
            cast.amina,
            cast.physician,
            category="infection",
            severity=3,
            serious=True,
            description="Cellulitis; admitted",
        ),
        "zara_event": record(cast.zara, cast.outsider),
    }


def outcomes_snapshot() -> dict[str, list[Any]]:
    """The outcome tables for the matrix's "did the request change the database" snapshot."""
    from scarclinic.outcomes.models import AdverseEvent

    return {"adverse_events": list(AdverseEvent.objects.order_by("pk").values())}
