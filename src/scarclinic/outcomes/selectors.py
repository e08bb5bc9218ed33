"""Reads of adverse events, scoped to the clinics the user works in.

Fetch and check happen in one step: another clinic's event answers exactly like a missing
one. Lists run in a fixed number of queries; reads that show patients are audited. Rates
count in the database (one GROUP BY for the events, one for the denominators).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.biologics.models import ProductAdministration, ProductUnit
from scarclinic.clinical.evidence import Modality
from scarclinic.outcomes.models import AdverseEvent, AdverseEventStatus
from scarclinic.patients.models import Patient
from scarclinic.treatments.models import ProcedureRecord
from scarclinic.treatments.models.procedures import ProcedureStatus

# Events that count: recorded ones. A patient's unassessed draft is not yet an event, and one
# entered in error never was.
COUNTED = (AdverseEventStatus.RECORDED,)


class AdverseEventNotFound(Http404):
    """No such event, or not one this user may see: the same answer for both."""


def _events() -> QuerySet[AdverseEvent]:
    return AdverseEvent.objects.select_related(
        "patient",
        "clinic",
        "procedure",
        "product_unit",
        "product_unit__collection",
        "reported_by",
        "reviewed_by",
        "error_marked_by",
    )


def adverse_event_for_user(
    *, user: User | AnonymousUser, event_id: int, perm: Perm = Perm.ADVERSE_EVENT_VIEW
) -> AdverseEvent:
    """One event, if the user's role in its clinic grants ``perm``; audited as a read."""
    event = _events().filter(pk=event_id, clinic_id__in=clinic_ids_with(user, perm)).first()
    if event is None:
        raise AdverseEventNotFound("No such adverse event.")
    audit_record(
        action=AuditAction.READ,
        object_type="outcomes.adverseevent",
        object_id=event.pk,
        patient_id=event.patient_id,
        clinic_id=event.clinic_id,
    )
    return event


def _audit_list(events: list[AdverseEvent], *, clinic_id: int | None, kind: str) -> None:
    if events:
        audit_record(
            action=AuditAction.LIST,
            object_type="outcomes.adverseevent",
            clinic_id=clinic_id,
            detail={"shown": [e.pk for e in events], "kind": kind},
        )


def adverse_events_of_patient(*, patient: Patient) -> list[AdverseEvent]:
    """Every event of one patient, newest onset first, in one query (the caller checked
    access to the patient and audits the page)."""
    return list(_events().filter(patient=patient))


@dataclass(frozen=True)
class EventFilter:
    status: str = ""  # "" every status but entered in error; or one AdverseEventStatus
    serious: bool | None = None
    awaiting_review: bool = False
    modality: str = ""


def adverse_event_list(
    *, clinic_id: int, filters: EventFilter | None = None, limit: int = 200
) -> list[AdverseEvent]:
    """A clinic's events for the list page, newest onset first; one query, audited."""
    f = filters or EventFilter()
    events = _events().filter(clinic_id=clinic_id)
    if f.status:
        events = events.filter(status=f.status)
    else:
        events = events.exclude(status=AdverseEventStatus.ENTERED_IN_ERROR)
    if f.serious is not None:
        events = events.filter(serious=f.serious)
    if f.awaiting_review:
        events = events.filter(serious=True, reviewed_at__isnull=True).exclude(
            status=AdverseEventStatus.ENTERED_IN_ERROR
        )
    if f.modality:
        events = events.filter(modality=f.modality)
    shown = list(events[:limit])
    _audit_list(shown, clinic_id=clinic_id, kind="list")
    return shown


def events_awaiting_review(*, clinic_id: int, limit: int = 10) -> list[AdverseEvent]:
    """Serious events of a clinic not yet reviewed by a medical director (not audited here:
    the caller shows them and audits what it shows)."""
    return list(
        AdverseEvent.objects.filter(clinic_id=clinic_id, serious=True, reviewed_at__isnull=True)
        .exclude(status=AdverseEventStatus.ENTERED_IN_ERROR)
        .select_related("patient")
        .order_by("reported_at", "id")[:limit]
    )


def drafts_to_assess(*, clinic_id: int, limit: int = 10) -> list[AdverseEvent]:
    """Patients' portal reports waiting for a clinician to assess them."""
    return list(
        AdverseEvent.objects.filter(clinic_id=clinic_id, status=AdverseEventStatus.DRAFT)
        .select_related("patient")
        .order_by("reported_at", "id")[:limit]
    )


def procedures_of(*, patient: Patient) -> list[ProcedureRecord]:
    """The patient's procedure records, newest first, for the "related to" choice."""
    return list(
        ProcedureRecord.objects.filter(patient=patient)
        .select_related("product_administration", "product_administration__product")
        .order_by("-performed_on", "-id")
    )


def units_given_to(*, patient: Patient) -> list[ProductUnit]:
    """Cell product units administered to the patient, newest first."""
    return list(
        ProductUnit.objects.filter(administration__patient=patient)
        .select_related("administration", "collection")
        .order_by("-administration__administered_at", "-id")
    )


# ------------------------------------------------------------------------------------------
# Rates


@dataclass(frozen=True)
class Rate:
    """Events per exposure: per signed procedure of a modality, or per administered unit of a
    lot (collection). ``events`` counts recorded events; ``serious`` those of them serious."""

    key: str
    label: str
    exposures: int
    events: int
    serious: int
    patients_with_events: int
    lot_id: int | None = None

    @property
    def per_100(self) -> Decimal | None:
        if not self.exposures:
            return None
        return (Decimal(self.events) * 100 / Decimal(self.exposures)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Rates:
    by_modality: list[Rate]
    by_lot: list[Rate]
    unattributed: int  # recorded events linked to neither a modality nor a unit


def _modality_label(value: str) -> str:
    try:
        return Modality(value).label
    except ValueError:
        return value


def adverse_event_rates(*, clinic_id: int) -> Rates:
    """Adverse event rates of a clinic in four queries whatever its size: recorded events per
    signed procedure of each modality, and per administered unit of each cell-product lot
    (collection). Not audited: aggregate figures name no patient."""
    counted = AdverseEvent.objects.filter(clinic_id=clinic_id, status__in=COUNTED)
    event_rows = {
        row["modality"]: row
        for row in counted.exclude(modality="")
        .values("modality")
        .annotate(
            n=Count("id"),
            serious_n=Count("id", filter=Q(serious=True)),
            patients=Count("patient_id", distinct=True),
        )
    }
    exposure_rows = {
        row["modality"]: row["n"]
        for row in ProcedureRecord.objects.filter(
            patient__clinic_id=clinic_id, status=ProcedureStatus.SIGNED
        )
        .values("modality")
        .annotate(n=Count("id"))
    }
    by_modality = [
        Rate(
            key=m,
            label=_modality_label(m),
            exposures=exposure_rows.get(m, 0),
            events=event_rows[m]["n"] if m in event_rows else 0,
            serious=event_rows[m]["serious_n"] if m in event_rows else 0,
            patients_with_events=event_rows[m]["patients"] if m in event_rows else 0,
        )
        for m in sorted(set(event_rows) | set(exposure_rows), key=_modality_label)
    ]
    lot_events = {
        row["product_unit__collection_id"]: row
        for row in counted.filter(product_unit__isnull=False)
        .values("product_unit__collection_id")
        .annotate(
            n=Count("id"),
            serious_n=Count("id", filter=Q(serious=True)),
            patients=Count("patient_id", distinct=True),
        )
    }
    lot_exposures = {
        row["product__collection_id"]: row
        for row in ProductAdministration.objects.filter(product__clinic_id=clinic_id)
        .values(
            "product__collection_id",
            "product__collection__kind",
            "product__collection__supplier_lot",
        )
        .annotate(n=Count("id"))
    }
    by_lot = []
    for lot_id in sorted(set(lot_events) | set(lot_exposures)):
        exposure = lot_exposures.get(lot_id)
        supplier_lot = exposure["product__collection__supplier_lot"] if exposure else ""
        label = (
            gettext("#%(id)s (lot %(lot)s)") % {"id": lot_id, "lot": supplier_lot}
            if supplier_lot
            else f"#{lot_id}"
        )
        events = lot_events.get(lot_id)
        by_lot.append(
            Rate(
                key=str(lot_id),
                label=label,
                exposures=exposure["n"] if exposure else 0,
                events=events["n"] if events else 0,
                serious=events["serious_n"] if events else 0,
                patients_with_events=events["patients"] if events else 0,
                lot_id=lot_id,
            )
        )
    unattributed = counted.filter(modality="", product_unit__isnull=True).count()
    return Rates(by_modality=by_modality, by_lot=by_lot, unattributed=unattributed)


RATE_COLUMNS = (
    "grouping",
    "key",
    "label",
    "exposures",
    "events",
    "serious_events",
    "patients_with_events",
    "events_per_100_exposures",
)


def _csv_safe(value: object) -> str:
    # Spreadsheets run a cell that starts with = + - @ as a formula (CSV injection).
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rates_csv(rates: Rates) -> str:
    """Both rate tables as one CSV: a row per modality, then a row per lot."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RATE_COLUMNS)

    def rows(grouping: str, items: Iterable[Rate]) -> None:
        for r in items:
            writer.writerow(
                _csv_safe(v)
                for v in (
                    grouping,
                    r.key,
                    r.label,
                    r.exposures,
                    r.events,
                    r.serious,
                    r.patients_with_events,
                    "" if r.per_100 is None else r.per_100,
                )
            )

    rows("modality", rates.by_modality)
    rows("lot", rates.by_lot)
    return out.getvalue()
