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

from scarclinic.clinical.evidence import Modality
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


# ------------------------------------------------------------------------------------------
# Plans, scheduling, procedures and post-care (issue 7): mounted at /treatments/ and
# /api/v1/treatments. Merge PLAN_ROUTES, PLAN_CHANGES_DATABASE and PLAN_BODIES like the rows
# above, the ids of ``plan_world(cast)`` (after consultation_world) and ``plan_snapshot()``
# into the matrix's snapshot. Placeholders: {amina_plan} {zara_plan}; Amina's sessions
# {amina_done_session} (signed record {amina_signed_record}), {amina_record} (a started
# record with its data, performed by the physician), {amina_session} (booked, checklist not
# done; its appointment {amina_appointment}), {amina_planned_session} (to book); Zara's
# {zara_session} {zara_planned_session} {zara_record} {zara_appointment}; {feed_token} the
# physician's private calendar feed (no sign-in needed: every column gets 200);
# {amina_reminder_run} {zara_reminder_run} a finished reminder run at each clinic,
# {amina_gave_up_reminder} {zara_gave_up_reminder} a reminder at each that gave up.
# fmt: off
PLAN_ROUTES: dict[str, tuple[int, int, int, int, int, int, int, int, int]] = {
    #                                                              phys nurse lab desk  dir  adm  pat  out anon
    "GET /treatments/patient/{amina}/section/":                   (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /treatments/patient/{zara}/section/":                    (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /treatments/patient/{amina}/new/":                       (200, 403, 403, 403, 403, 403, 403, 404, 302),
    "POST /treatments/patient/{amina}/new/":                      (302, 403, 403, 403, 403, 403, 403, 404, 302),
    "GET /treatments/patient/{zara}/new/":                        (404, 403, 403, 403, 403, 403, 403, 200, 302),
    "GET /treatments/plans/{amina_plan}/":                        (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /treatments/plans/{zara_plan}/":                         (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "POST /treatments/plans/{amina_plan}/change/":                (302, 403, 403, 403, 403, 403, 403, 404, 302),
    "POST /treatments/plans/{amina_plan}/status/":                (302, 403, 403, 403, 403, 403, 403, 404, 302),
    "POST /treatments/plans/{zara_plan}/status/":                 (404, 403, 403, 403, 403, 403, 403, 302, 302),
    "GET /treatments/plans/{amina_plan}/estimate.pdf":            (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /treatments/plans/{zara_plan}/estimate.pdf":             (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /treatments/plans/{amina_plan}/plan.ics":                (200, 200, 403, 200, 200, 403, 403, 404, 302),
    "GET /treatments/plans/{zara_plan}/plan.ics":                 (404, 404, 403, 404, 404, 403, 403, 200, 302),
    "GET /treatments/plans/{amina_plan}/book/":                   (200, 200, 403, 200, 200, 403, 403, 404, 302),
    "GET /treatments/plans/{zara_plan}/book/":                    (404, 404, 403, 404, 404, 403, 403, 200, 302),
    "GET /treatments/sessions/{amina_session}/":                  (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /treatments/sessions/{zara_session}/":                   (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "GET /treatments/sessions/{amina_planned_session}/slots/":    (200, 200, 403, 200, 200, 403, 403, 404, 302),
    "GET /treatments/sessions/{zara_planned_session}/slots/":     (404, 404, 403, 404, 404, 403, 403, 200, 302),
    "POST /treatments/sessions/{amina_planned_session}/book/":    (403, 403, 403, 302, 403, 403, 403, 403, 302),
    "POST /treatments/sessions/{zara_planned_session}/book/":     (403, 403, 403, 404, 403, 403, 403, 403, 302),
    "POST /treatments/sessions/{amina_session}/checklist/":       (403, 302, 403, 403, 403, 403, 403, 403, 302),
    "GET /treatments/sessions/{amina_done_session}/handout.pdf":  (200, 200, 403, 403, 200, 403, 403, 404, 302),
    "GET /treatments/sessions/{zara_session}/handout.pdf":        (404, 404, 403, 403, 404, 403, 403, 200, 302),
    "POST /treatments/sessions/{amina_done_session}/postcare/":   (403, 302, 403, 403, 403, 403, 403, 403, 302),
    "POST /treatments/procedures/{amina_record}/details/":        (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "POST /treatments/procedures/{zara_record}/details/":         (404, 404, 403, 403, 403, 403, 403, 302, 302),
    "POST /treatments/procedures/{amina_record}/sign/":           (302, 403, 403, 403, 403, 403, 403, 404, 302),
    "POST /treatments/procedures/{amina_signed_record}/addendum/": (302, 302, 403, 403, 403, 403, 403, 404, 302),
    "POST /treatments/appointments/{amina_appointment}/move/":    (403, 403, 403, 302, 403, 403, 403, 403, 302),
    "POST /treatments/appointments/{amina_appointment}/cancel/":  (403, 403, 403, 302, 403, 403, 403, 403, 302),
    "POST /treatments/appointments/{zara_appointment}/cancel/":   (403, 403, 403, 404, 403, 403, 403, 403, 302),
    "GET /treatments/calendar/":                                  (200, 200, 403, 200, 200, 403, 403, 200, 302),
    "GET /treatments/calendar/feed/":                             (200, 200, 403, 200, 200, 403, 403, 200, 302),
    "POST /treatments/calendar/feed/":                            (200, 200, 403, 200, 200, 403, 403, 200, 302),
    "GET /treatments/feed/{feed_token}.ics":                      (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /treatments/postcare/":                                  (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "POST /treatments/postcare/":                                 (403, 403, 403, 403, 302, 403, 403, 403, 302),
    "GET /treatments/resources/":                                 (403, 403, 403, 403, 200, 403, 403, 403, 302),
    "POST /treatments/resources/":                                (403, 403, 403, 403, 302, 403, 403, 403, 302),
    # Reminders outbox (reminders.view / reminders.send: front desk and director)
    "GET /treatments/reminders/":                                 (403, 403, 403, 200, 200, 403, 403, 403, 302),
    "GET /treatments/reminders/?status=gave_up&page=2":           (403, 403, 403, 200, 200, 403, 403, 403, 302),
    "POST /treatments/reminders/run/":                            (403, 403, 403, 302, 302, 403, 403, 403, 302),
    "GET /treatments/reminders/runs/{amina_reminder_run}/":       (403, 403, 403, 200, 200, 403, 403, 403, 302),
    "GET /treatments/reminders/runs/{zara_reminder_run}/":        (403, 403, 403, 404, 404, 403, 403, 403, 302),
    "GET /treatments/reminders/runs/{amina_reminder_run}/progress/": (403, 403, 403, 200, 200, 403, 403, 403, 302),
    "POST /treatments/reminders/{amina_gave_up_reminder}/retry/": (403, 403, 403, 302, 302, 403, 403, 403, 302),
    "POST /treatments/reminders/{zara_gave_up_reminder}/retry/":  (403, 403, 403, 404, 404, 403, 403, 403, 302),
    # API
    "GET /api/v1/treatments/patients/{amina}/plans":              (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/treatments/patients/{zara}/plans":               (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/treatments/patients/{amina}/plans":             (201, 403, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/treatments/patients/{zara}/plans":              (404, 403, 403, 403, 403, 403, 403, 201, 401),
    "GET /api/v1/treatments/plans/{amina_plan}":                  (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/treatments/plans/{zara_plan}":                   (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/treatments/plans/{amina_plan}/status":          (200, 403, 403, 403, 403, 403, 403, 404, 401),
    "GET /api/v1/treatments/appointments":                        (200, 200, 403, 200, 200, 403, 403, 200, 401),
    "GET /api/v1/treatments/appointments?clinic_id={clinic_b}":   (404, 404, 403, 404, 404, 403, 403, 200, 401),
    "GET /api/v1/treatments/sessions/{amina_planned_session}/slots": (200, 200, 403, 200, 200, 403, 403, 404, 401),
    "POST /api/v1/treatments/sessions/{amina_planned_session}/appointment": (403, 403, 403, 201, 403, 403, 403, 403, 401),
    "POST /api/v1/treatments/appointments/{amina_appointment}/move": (403, 403, 403, 200, 403, 403, 403, 403, 401),
    "POST /api/v1/treatments/appointments/{amina_appointment}/cancel": (403, 403, 403, 200, 403, 403, 403, 403, 401),
    "GET /api/v1/treatments/procedures/{amina_record}":           (200, 200, 403, 403, 200, 403, 403, 404, 401),
    "GET /api/v1/treatments/procedures/{zara_record}":            (404, 404, 403, 403, 404, 403, 403, 200, 401),
    "POST /api/v1/treatments/procedures/{amina_record}/details":  (200, 200, 403, 403, 403, 403, 403, 404, 401),
    "POST /api/v1/treatments/procedures/{amina_record}/sign":     (200, 403, 403, 403, 403, 403, 403, 404, 401),
}

PLAN_CHANGES_DATABASE: dict[str, set[str]] = {
    "POST /treatments/patient/{amina}/new/":                      {"physician"},
    "POST /treatments/plans/{amina_plan}/change/":                {"physician"},
    "POST /treatments/plans/{amina_plan}/status/":                {"physician"},
    "POST /treatments/plans/{zara_plan}/status/":                 {"outsider"},
    "POST /treatments/sessions/{amina_planned_session}/book/":    {"frontdesk"},
    "POST /treatments/sessions/{amina_session}/checklist/":       {"nurse"},
    "POST /treatments/sessions/{amina_done_session}/postcare/":   {"nurse"},
    "POST /treatments/procedures/{amina_record}/details/":        {"physician", "nurse"},
    "POST /treatments/procedures/{zara_record}/details/":         {"outsider"},
    "POST /treatments/procedures/{amina_record}/sign/":           {"physician"},
    "POST /treatments/procedures/{amina_signed_record}/addendum/": {"physician", "nurse"},
    "POST /treatments/appointments/{amina_appointment}/move/":    {"frontdesk"},
    "POST /treatments/appointments/{amina_appointment}/cancel/":  {"frontdesk"},
    "POST /treatments/calendar/feed/":                            {"physician", "nurse", "outsider"},
    "POST /treatments/postcare/":                                 {"director"},
    "POST /treatments/resources/":                                {"director"},
    "POST /treatments/reminders/run/":                            {"frontdesk", "director"},
    "POST /treatments/reminders/{amina_gave_up_reminder}/retry/": {"frontdesk", "director"},
    "POST /api/v1/treatments/patients/{amina}/plans":             {"physician"},
    "POST /api/v1/treatments/patients/{zara}/plans":              {"outsider"},
    "POST /api/v1/treatments/plans/{amina_plan}/status":          {"physician"},
    "POST /api/v1/treatments/sessions/{amina_planned_session}/appointment": {"frontdesk"},
    "POST /api/v1/treatments/appointments/{amina_appointment}/move": {"frontdesk"},
    "POST /api/v1/treatments/appointments/{amina_appointment}/cancel": {"frontdesk"},
    "POST /api/v1/treatments/procedures/{amina_record}/details":  {"physician", "nurse"},
    "POST /api/v1/treatments/procedures/{amina_record}/sign":     {"physician"},
}
# fmt: on


def _future(days: int, hour: int) -> str:
    """A local time on a working day ``days`` or more ahead, as datetime-local text."""
    from scarclinic.treatments.tests.plan_stories import next_weekday

    return f"{next_weekday(days).isoformat()}T{hour:02d}:00"


def _aware(days: int, hour: int) -> str:
    from scarclinic.treatments.tests.plan_stories import at, next_weekday

    return at(next_weekday(days), hour).isoformat()


_PRP_FORM = {
    "device": "Pen",
    "depth_mm": "1.5",
    "passes": "3",
    "prp_volume_ml": "4",
    "prp_application": "topical",
    "anaesthesia_kind": "topical",
    "anaesthesia_agent": "Lidocaine cream",
    "immediate_reactions": "erythema",
}
_PRP_JSON = {
    "device": "Pen",
    "depth_mm": "1.5",
    "passes": 3,
    "prp_volume_ml": "4",
    "prp_application": "topical",
    "anaesthesia": {"kind": "topical", "agent": "Lidocaine cream"},
    "immediate_reactions": ["erythema"],
}


def _plan_form(w: Any) -> dict[str, Any]:
    return {
        "modalities": ["microneedling"],
        "goal": "Shallower scars",
        "start_date": timezone.localdate().isoformat(),
        "microneedling__sessions": "3",
        "microneedling__interval_value": "2",
        "microneedling__interval_unit": "weeks",
        "microneedling__first_offset_days": "0",
    }


PLAN_BODIES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "POST /treatments/patient/{amina}/new/": _plan_form,
    "POST /treatments/plans/{amina_plan}/change/": lambda w: {
        "modality": "microneedling_prp",
        "sessions": "5",
        "interval_value": "2",
        "interval_unit": "weeks",
        "reason": "Slower healing",
    },
    "POST /treatments/plans/{amina_plan}/status/": lambda w: {
        "status": "stopped",
        "reason": "Moved",
    },
    "POST /treatments/plans/{zara_plan}/status/": lambda w: {
        "status": "stopped",
        "reason": "Moved",
    },
    "POST /treatments/sessions/{amina_planned_session}/book/": lambda w: {
        f"s{w.ids['amina_planned_session']}-starts_at": _future(20, 15),
        f"s{w.ids['amina_planned_session']}-clinician": w.ids["physician_user"],
        f"s{w.ids['amina_planned_session']}-room": w.ids["room_a"],
        f"s{w.ids['amina_planned_session']}-device": "",
    },
    "POST /treatments/sessions/{zara_planned_session}/book/": lambda w: {},
    "POST /treatments/sessions/{amina_session}/checklist/": lambda w: {"confirmed": "on"},
    "POST /treatments/sessions/{amina_done_session}/postcare/": lambda w: {"language": "en"},
    "POST /treatments/procedures/{amina_record}/details/": lambda w: _PRP_FORM,
    "POST /treatments/procedures/{zara_record}/details/": lambda w: _PRP_FORM,
    "POST /treatments/procedures/{amina_record}/sign/": lambda w: {},
    "POST /treatments/procedures/{amina_signed_record}/addendum/": lambda w: {
        "note": "Depth was 1.0 mm on the forehead"
    },
    "POST /treatments/appointments/{amina_appointment}/move/": lambda w: {
        f"m{w.ids['amina_appointment']}-starts_at": _future(21, 16),
        f"m{w.ids['amina_appointment']}-reason": "Patient travelling",
    },
    "POST /treatments/appointments/{amina_appointment}/cancel/": lambda w: {
        f"c{w.ids['amina_appointment']}-reason": "Unwell"
    },
    "POST /treatments/appointments/{zara_appointment}/cancel/": lambda w: {
        f"c{w.ids['zara_appointment']}-reason": "Unwell"
    },
    "POST /treatments/calendar/feed/": lambda w: {"action": "create"},
    "POST /treatments/postcare/": lambda w: {
        "modality": "microneedling",
        "language": "en",
        "title": "After microneedling",
        "items": "Use sunscreen every day | 1, 7",
    },
    "POST /treatments/resources/": lambda w: {
        "action": "room",
        "room-name": "Room 9",
        "room-is_active": "on",
    },
    "POST /treatments/reminders/run/": lambda w: {},
    "POST /treatments/reminders/{amina_gave_up_reminder}/retry/": lambda w: {},
    "POST /treatments/reminders/{zara_gave_up_reminder}/retry/": lambda w: {},
    "POST /api/v1/treatments/patients/{amina}/plans": lambda w: {
        "goal": "Shallower scars",
        "start_date": timezone.localdate().isoformat(),
        "modalities": [{"modality": "microneedling"}],
    },
    "POST /api/v1/treatments/patients/{zara}/plans": lambda w: {
        "goal": "Shallower scars",
        "start_date": timezone.localdate().isoformat(),
        "modalities": [{"modality": "microneedling"}],
    },
    "POST /api/v1/treatments/plans/{amina_plan}/status": lambda w: {
        "status": "stopped",
        "reason": "Moved",
    },
    "POST /api/v1/treatments/sessions/{amina_planned_session}/appointment": lambda w: {
        "starts_at": _aware(20, 15),
        "clinician_id": w.ids["physician_user"],
        "room_id": w.ids["room_a"],
    },
    "POST /api/v1/treatments/appointments/{amina_appointment}/move": lambda w: {
        "starts_at": _aware(21, 16),
        "reason": "Patient travelling",
    },
    "POST /api/v1/treatments/appointments/{amina_appointment}/cancel": lambda w: {
        "reason": "Unwell"
    },
    "POST /api/v1/treatments/procedures/{amina_record}/details": lambda w: {"details": _PRP_JSON},
    "POST /api/v1/treatments/procedures/{amina_record}/sign": lambda w: {},
}


def plan_world(cast: Cast) -> dict[str, Any]:
    """Amina's accepted plan of microneedling with PRP (four sessions: one done and signed, one
    in progress, one booked, one to book) and Zara's at clinic B; the physician's feed."""
    from datetime import timedelta

    from scarclinic.treatments.models import (
        Appointment,
        PlanStatus,
        ProcedureRecord,
        Reminder,
        ReminderRun,
        Room,
        TreatmentPlan,
        TreatmentSession,
    )
    from scarclinic.treatments.services import plans, procedures, scheduling
    from scarclinic.treatments.tests.plan_stories import (
        at,
        clinic_a,
        consent,
        next_weekday,
        photos_today,
    )

    world = clinic_a(cast)
    consent(cast.amina, cast.nurse, "microneedling")
    photos_today(cast.amina, cast.nurse)
    cast.amina.refresh_from_db()
    plan = plans.plan_create(
        patient=cast.amina,
        by=cast.physician,
        goal="Shallower scars",
        start_date=timezone.localdate(),
        modalities=[plans.ModalityChoice(Modality.MICRONEEDLING_PRP, sessions=4)],
    )
    plans.plan_set_status(plan=plan, by=cast.physician, status=PlanStatus.ACCEPTED)
    s1, s2, s3, s4 = TreatmentSession.objects.filter(plan=plan).order_by("number")
    for n, session in enumerate((s1, s2, s3)):
        scheduling.appointment_book(
            session=session,
            by=cast.frontdesk,
            starts_at=at(next_weekday(1 + 14 * n), 9),
            clinician=cast.physician,
            room=world.room1,
        )
    done = procedures.procedure_start(session=s1, by=cast.nurse, confirmed=True)
    procedures.procedure_record_details(record=done, by=cast.nurse, details=_PRP_JSON)
    procedures.procedure_sign(record=done, by=cast.physician)
    started = procedures.procedure_start(session=s2, by=cast.nurse, confirmed=True)
    procedures.procedure_record_details(record=started, by=cast.nurse, details=_PRP_JSON)
    # Zara's plan at clinic B, its rows made directly (nobody at B books appointments).
    zara_plan = plans.plan_create(
        patient=cast.zara,
        by=cast.outsider,
        goal="Shallower scars",
        start_date=timezone.localdate(),
        modalities=[plans.ModalityChoice(Modality.MICRONEEDLING_PRP, sessions=2)],
    )
    TreatmentPlan.objects.filter(pk=zara_plan.pk).update(status=PlanStatus.ACCEPTED)
    z1, z2 = TreatmentSession.objects.filter(plan=zara_plan).order_by("number")
    room_b = Room.objects.create(clinic=cast.clinic_b, name="Room B")
    start = at(next_weekday(2), 10)
    zara_appointment = Appointment.objects.create(
        clinic=cast.clinic_b,
        patient=cast.zara,
        session=z1,
        modality="microneedling_prp",
        clinician=cast.outsider,
        room=room_b,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        booked_by=cast.outsider,
        booked_at=timezone.now(),
    )
    TreatmentSession.objects.filter(pk=z1.pk).update(status="booked")
    zara_record = ProcedureRecord.objects.create(
        session=z1,
        appointment=zara_appointment,
        patient=cast.zara,
        modality="microneedling_prp",
        performed_on=timezone.localdate(),
        performed_by=cast.outsider,
        checklist=[],
        checklist_by=cast.outsider,
        checklist_at=timezone.now(),
    )
    _, token = scheduling.feed_create(user=cast.physician, clinic=cast.clinic_a)
    # The Reminders page: a finished run at each clinic, a reminder at each that gave up.
    amina_gave_up = Reminder.objects.filter(patient=cast.amina).order_by("pk").last()
    assert amina_gave_up is not None
    Reminder.objects.filter(pk=amina_gave_up.pk).update(status="gave_up", attempts=5)
    zara_gave_up = Reminder.objects.create(
        clinic=cast.clinic_b,
        patient=cast.zara,
        kind="appointment",
        appointment=zara_appointment,
        due_at=start - timedelta(hours=48),
        idempotency_key=f"appointment:{zara_appointment.pk}:matrix",
        status="gave_up",
        attempts=5,
        created_at=timezone.now(),
    )
    runs = [
        ReminderRun.objects.create(
            clinic=clinic, requested_by=by, requested_at=timezone.now(), status="completed"
        )
        for clinic, by in ((cast.clinic_a, cast.frontdesk), (cast.clinic_b, cast.outsider))
    ]
    return {
        "amina_reminder_run": runs[0].pk,
        "zara_reminder_run": runs[1].pk,
        "amina_gave_up_reminder": amina_gave_up.pk,
        "zara_gave_up_reminder": zara_gave_up.pk,
        "amina_plan": plan.pk,
        "zara_plan": zara_plan.pk,
        "amina_done_session": s1.pk,
        "amina_signed_record": done.pk,
        "amina_record": started.pk,
        "amina_session": s3.pk,
        "amina_appointment": Appointment.objects.get(session=s3).pk,
        "amina_planned_session": s4.pk,
        "zara_session": z1.pk,
        "zara_planned_session": z2.pk,
        "zara_record": zara_record.pk,
        "zara_appointment": zara_appointment.pk,
        "feed_token": token,
        "physician_user": cast.physician.pk,
        "room_a": world.room1.pk,
    }


def plan_snapshot() -> dict[str, list[Any]]:
    """The plan tables for the matrix's "did the request change the database" snapshot. A
    feed's ``last_used_at`` is left out: reading the feed records when it was read."""
    from scarclinic.treatments.models import (
        Appointment,
        CalendarFeed,
        Device,
        PlanChange,
        PlanModality,
        PostCareGiven,
        PostCareTemplate,
        ProcedureAddendum,
        ProcedureDuration,
        ProcedureRecord,
        Reminder,
        ReminderRun,
        Room,
        TreatmentPlan,
        TreatmentSession,
    )

    models = (
        TreatmentPlan,
        PlanModality,
        PlanChange,
        TreatmentSession,
        Appointment,
        Room,
        Device,
        ProcedureDuration,
        ProcedureRecord,
        ProcedureAddendum,
        PostCareTemplate,
        PostCareGiven,
        Reminder,
        ReminderRun,
    )
    snapshot = {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}
    snapshot["feeds"] = list(CalendarFeed.objects.order_by("pk").values("pk", "revoked_at"))
    return snapshot
