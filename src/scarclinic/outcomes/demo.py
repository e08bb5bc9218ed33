"""Demo adverse events: a few realistic ones on demo patients who had procedures, mostly
grade 1-2 and resolved, one serious event waiting for the medical director's review, one
linked to a cell product unit (so lookback from its lot can be shown), and one patient's
portal report waiting to be assessed. Idempotent: a clinic that has adverse events gets none.

The kinds follow the common and serious risks of these treatments as the treatment catalogue
lists them (clinical/evidence.py: erythema, PIH, herpes reactivation, infection, nodules);
grades by NCI CTCAE v5.0, seriousness by ICH E2A.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from scarclinic.accounts.models import Clinic, User
from scarclinic.biologics.models import ProductAdministration
from scarclinic.outcomes.models import (
    AdverseEvent,
    AdverseEventCategory,
    AdverseEventOutcome,
    Relatedness,
)
from scarclinic.outcomes.services import (
    Assessment,
    adverse_event_record,
    adverse_event_report_by_patient,
)
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import ProcedureRecord
from scarclinic.treatments.models.procedures import ProcedureStatus

# (category, grade, days after the procedure, days to resolve or None, relatedness, text,
#  action)
_MILD = [
    (
        AdverseEventCategory.PROLONGED_ERYTHEMA,
        1,
        1,
        9,
        Relatedness.PROBABLE,
        "Redness of both cheeks lasting beyond the expected 3-5 days.",
        "Gentle skincare, strict sun protection; reviewed at one week.",
    ),
    (
        AdverseEventCategory.POST_INFLAMMATORY_HYPERPIGMENTATION,
        2,
        14,
        None,
        Relatedness.PROBABLE,
        "Brown patches over the treated cheeks, noticed two weeks after the session.",
        "Hydroquinone 4% at night, sunscreen; next session postponed.",
    ),
    (
        AdverseEventCategory.HERPES_REACTIVATION,
        2,
        3,
        10,
        Relatedness.POSSIBLE,
        "Grouped vesicles at the upper lip three days after the session.",
        "Oral valacyclovir for 7 days; antiviral prophylaxis before the next session.",
    ),
    (
        AdverseEventCategory.PROLONGED_ERYTHEMA,
        1,
        2,
        6,
        Relatedness.PROBABLE,
        "Mild persistent redness and dryness of the forehead.",
        "Moisturiser; no treatment needed.",
    ),
]


def seed_demo_adverse_events(*, clinic: Clinic, users: dict[str, User], rng: random.Random) -> int:
    """A handful of adverse events at ``clinic``; how many were made."""
    if AdverseEvent.objects.filter(clinic=clinic).exists():
        return 0
    recorder = users.get("physician") or users.get("director")
    if recorder is None:
        return 0
    today = timezone.localdate()
    procedures = list(
        ProcedureRecord.objects.filter(patient__clinic=clinic, status=ProcedureStatus.SIGNED)
        .select_related("patient", "product_administration__product")
        .order_by("performed_on", "id")
    )
    made = 0
    with_cells = [p for p in procedures if p.product_administration_id is not None]
    others = [p for p in procedures if p.product_administration_id is None]
    rng.shuffle(others)
    for spec, procedure in zip(_MILD, others, strict=False):
        category, grade, after, resolve, related, text, action = spec
        onset = min(procedure.performed_on + timedelta(days=after), today)
        resolved = onset + timedelta(days=resolve) if resolve is not None else None
        if resolved is not None and resolved > today:
            resolved = None
        adverse_event_record(
            patient=procedure.patient,
            by=recorder,
            assessment=Assessment(
                onset_on=onset,
                description=text,
                category=category,
                severity=grade,
                procedure=procedure,
                relatedness=related,
                action_taken=action,
                outcome=AdverseEventOutcome.RESOLVED
                if resolved
                else AdverseEventOutcome.RECOVERING,
                resolved_on=resolved,
            ),
        )
        made += 1
    # One serious event awaiting the director's review: an infection needing admission
    # (ICH E2A: requires hospitalisation), CTCAE grade 3.
    serious_on = others[len(_MILD)] if len(others) > len(_MILD) else (others[0] if others else None)
    if serious_on is not None:
        adverse_event_record(
            patient=serious_on.patient,
            by=recorder,
            assessment=Assessment(
                onset_on=min(serious_on.performed_on + timedelta(days=4), today),
                description=(
                    "Spreading painful swelling of the left cheek with fever four days after "
                    "the session; admitted for intravenous antibiotics."
                ),
                category=AdverseEventCategory.INFECTION,
                severity=3,
                serious=True,
                procedure=serious_on,
                relatedness=Relatedness.PROBABLE,
                action_taken="Admitted; IV antibiotics; swab sent for culture.",
                outcome=AdverseEventOutcome.RECOVERING,
            ),
        )
        made += 1
    # One linked to a cell product unit: a small injection-site nodule, so that lookback from
    # the unit's lot (collection) finds every other recipient.
    administration = None
    if with_cells:
        administration = with_cells[0].product_administration
    else:
        administration = (
            ProductAdministration.objects.filter(product__clinic=clinic)
            .select_related("product", "patient")
            .order_by("administered_at")
            .first()
        )
    if administration is not None:
        cell_procedure = with_cells[0] if with_cells else None
        onset = min(
            timezone.localtime(administration.administered_at).date() + timedelta(days=10), today
        )
        adverse_event_record(
            patient=administration.patient if cell_procedure is None else cell_procedure.patient,
            by=recorder,
            assessment=Assessment(
                onset_on=onset,
                description="A firm pea-sized nodule at one injection site on the right cheek.",
                category=AdverseEventCategory.NODULE,
                severity=1,
                procedure=cell_procedure,
                product_unit=administration.product,
                relatedness=Relatedness.POSSIBLE,
                action_taken="Observation; photographed; review in four weeks.",
                outcome=AdverseEventOutcome.ONGOING,
            ),
        )
        made += 1
    # A patient's own report from the portal, waiting to be assessed: the demo portal login's
    # record (after a session when they had one).
    portal_patient = (
        Patient.objects.filter(clinic=clinic, portal_user__isnull=False)
        .select_related("portal_user")
        .order_by("mrn")
        .first()
    )
    if portal_patient is not None and portal_patient.portal_user is not None:
        last = next(
            (p.performed_on for p in reversed(procedures) if p.patient_id == portal_patient.pk),
            today - timedelta(days=4),
        )
        adverse_event_report_by_patient(
            patient=portal_patient,
            by=portal_patient.portal_user,
            onset_on=min(last + timedelta(days=2), today),
            description="My skin has been itchy and red since the last session.",
        )
        made += 1
    return made
