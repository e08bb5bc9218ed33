"""Reads of cell products, scoped to the clinics the user works in.

Fetching and checking happen in one step: a unit, collection or patient the user may not see
answers exactly like one that does not exist. Lists and the lookback run in a fixed number of
queries whatever their size; reads that show patients are audited.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.biologics.models import (
    BedsideCheck,
    BiologicsSettings,
    Collection,
    CollectionKind,
    CustodyEvent,
    Donor,
    DonorEligibility,
    ElectronicSignature,
    ProductAdministration,
    ProductCode,
    ProductStatus,
    ProductUnit,
    QcSpecification,
    QcTestResult,
    ReagentUse,
    Recall,
    StorageLocation,
)
from scarclinic.biologics.qc_text import block_text, qc_text
from scarclinic.clinical.qc import (
    EU_PER_KG,
    EU_PER_ML,
    NEGATIVE_WORDS,
    NO_GROWTH_WORDS,
    Acceptance,
    DoseContext,
    ProductType,
    QcEvaluation,
    QcResult,
    QcSpec,
    QcTest,
    Verdict,
    default_spec,
    evaluate,
)
from scarclinic.patients.models import Patient

IN_STOCK = (ProductStatus.QUARANTINE, ProductStatus.RELEASED)
ACTIVE = (ProductStatus.QUARANTINE, ProductStatus.RELEASED, ProductStatus.ISSUED)


class ProductNotFound(Http404):
    """No such unit, or not one this user may see: the same answer for both."""


# ------------------------------------------------------------------------------------------
# Settings and specifications


def settings_for(*, clinic_id: int) -> BiologicsSettings | None:
    return BiologicsSettings.objects.filter(clinic_id=clinic_id).first()


@dataclass(frozen=True)
class SpecInForce:
    spec: QcSpec
    row: QcSpecification | None  # None: the defaults of clinical reference §6


def _spec_from(row: QcSpecification | None, product_type: ProductType) -> SpecInForce:
    if row is None:
        return SpecInForce(default_spec(product_type), None)
    return SpecInForce(QcSpec.from_data(product_type, row.tests, version=row.version), row)


def qc_spec_in_force(*, clinic_id: int, product_type: str) -> SpecInForce:
    """The clinic's latest specification for a product type, or the default one."""
    row = (
        QcSpecification.objects.filter(clinic_id=clinic_id, product_type=product_type)
        .order_by("-number")
        .first()
    )
    return _spec_from(row, ProductType(product_type))


def qc_specs_in_force(*, clinic_id: int) -> dict[ProductType, SpecInForce]:
    """Every product type's specification in force at a clinic, in one query."""
    latest: dict[str, QcSpecification] = {}
    for row in QcSpecification.objects.filter(clinic_id=clinic_id).order_by(
        "product_type", "-number"
    ):
        latest.setdefault(row.product_type, row)
    return {t: _spec_from(latest.get(t.value), t) for t in ProductType}


def qc_spec_history(*, clinic_id: int, product_type: str) -> list[QcSpecification]:
    return list(
        QcSpecification.objects.filter(clinic_id=clinic_id, product_type=product_type)
        .select_related("changed_by")
        .order_by("-number")
    )


# ------------------------------------------------------------------------------------------
# Evaluation of a unit's QC


def _core_result(row: QcTestResult) -> QcResult:
    return QcResult(
        code=row.test_code, unit=row.unit, value=row.value, text=row.text, method=row.method
    )


def release_blocks(product: ProductUnit, *, now: datetime | None = None) -> list[str]:
    """Reasons outside the QC results that prevent a normal release (the collection and donor
    must be loaded)."""
    blocks = []
    collection = product.collection
    donor = collection.donor
    if donor is not None and donor.eligibility != DonorEligibility.ELIGIBLE:
        # English, whatever the reader's language: the reasons are compared and stored as
        # the core writes them; qc_text.block_text translates them where shown.
        with translation.override("en"):
            status = donor.get_eligibility_display().lower()
        blocks.append(f"Donor eligibility: {status}")
    if collection.kind == CollectionKind.DONOR_RECEIPT and not collection.condition_acceptable:
        blocks.append("Received in unacceptable condition")
    if product.expires_at <= (now or timezone.now()):
        blocks.append("Expired")
    return blocks


def evaluate_unit(
    product: ProductUnit, spec: QcSpec, results: Sequence[QcTestResult]
) -> QcEvaluation:
    """The unit's QC results (in the order entered) against a specification."""
    return evaluate(
        spec,
        [_core_result(r) for r in results],
        dose=DoseContext(volume_ml=product.volume_ml, body_weight_kg=product.dose_body_weight_kg),
        extra_blocks=release_blocks(product),
    )


def product_evaluation(product: ProductUnit) -> tuple[QcEvaluation, SpecInForce]:
    spec = qc_spec_in_force(clinic_id=product.clinic_id, product_type=product.product_type)
    results = list(QcTestResult.objects.filter(product=product).order_by("recorded_at", "id"))
    return evaluate_unit(product, spec.spec, results), spec


def evaluation_data(evaluation: QcEvaluation) -> dict[str, Any]:
    """The evaluation as plain data: what a signature keeps and the API returns."""
    return {
        "spec_version": evaluation.spec_version,
        "releasable": evaluation.releasable,
        "summary": evaluation.summary,
        "other_blocks": list(evaluation.extra_blocks),
        "tests": [
            {
                "code": t.test.code,
                "name": t.test.name,
                "required": t.test.required,
                "rule": t.test.rule_text,
                "unit": t.test.unit,
                "verdict": t.verdict.value,
                "shown": t.shown,
                "reason": t.reason,
                "verified": t.test.verified,
                "source": t.test.source,
            }
            for t in evaluation.tests
        ],
    }


# ------------------------------------------------------------------------------------------
# One unit, one collection


def _units() -> QuerySet[ProductUnit]:
    return ProductUnit.objects.select_related(
        "clinic",
        "collection",
        "collection__donor",
        "collection__patient",
        "intended_recipient",
        "product_code",
        "location",
        "created_by",
    )


def _audit_unit_read(product: ProductUnit, action: str = AuditAction.READ) -> None:
    audit_record(
        action=action,
        object_type=product._meta.label_lower,
        object_id=product.pk,
        patient_id=product.intended_recipient_id,
        clinic_id=product.clinic_id,
    )


def product_for_user(
    *,
    user: User | AnonymousUser,
    product_id: int,
    perm: Perm = Perm.PRODUCT_VIEW,
    audit: bool = True,
) -> ProductUnit:
    """The unit, if the user's role in its clinic grants ``perm``; the read is audited."""
    product = _units().filter(pk=product_id, clinic_id__in=clinic_ids_with(user, perm)).first()
    if product is None:
        raise ProductNotFound("No such product unit.")
    if audit:
        _audit_unit_read(product)
    return product


def collection_for_user(
    *, user: User | AnonymousUser, collection_id: int, perm: Perm = Perm.PRODUCT_VIEW
) -> Collection:
    collection = (
        Collection.objects.select_related("clinic", "patient", "donor", "performed_by")
        .filter(pk=collection_id, clinic_id__in=clinic_ids_with(user, perm))
        .first()
    )
    if collection is None:
        raise ProductNotFound("No such collection.")
    audit_record(
        action=AuditAction.READ,
        object_type=collection._meta.label_lower,
        object_id=collection.pk,
        patient_id=collection.patient_id,
        clinic_id=collection.clinic_id,
    )
    return collection


def collection_units(collection: Collection) -> list[ProductUnit]:
    return list(_units().filter(collection=collection).order_by("created_at", "id"))


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    detail: str
    by: str
    flag: str = ""  # "stop" or "caution": shown in red or amber


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _place(location: StorageLocation | None, place: str) -> str:
    return " / ".join(p for p in (location.name if location else "", place) if p)


def timeline(product: ProductUnit) -> list[TimelineEntry]:
    """The unit's whole history in time order: custody events (which include processing, QC
    results and every status change) and bedside checks, refused ones too. Two queries."""
    entries: list[TimelineEntry] = []
    for event in (
        CustodyEvent.objects.filter(product=product)
        .select_related("by", "handed_to", "from_location", "to_location")
        .order_by("at", "id")
    ):
        parts = []
        origin = _place(event.from_location, event.from_place)
        destination = _place(event.to_location, event.to_place)
        if origin or destination:
            parts.append(f"{origin or '—'} → {destination or '—'}")
        if event.handed_to_id:
            parts.append(f"handed to {_name(event.handed_to)}")
        if event.temperature_c is not None:
            parts.append(f"{event.temperature_c} °C")
        if event.duration_minutes is not None:
            parts.append(f"{event.duration_minutes} min")
        if event.note:
            parts.append(event.note)
        flag = ""
        if event.kind in ("temperature_excursion", "rejected", "recalled", "discarded"):
            flag = "stop"
        elif event.kind == "quarantined" or "EXCEPTIONAL" in event.note:
            flag = "caution"
        entries.append(
            TimelineEntry(
                at=event.at,
                kind=event.kind,
                title=event.get_kind_display(),
                detail="; ".join(parts),
                by=_name(event.by),
                flag=flag,
            )
        )
    for check in (
        BedsideCheck.objects.filter(product=product)
        .select_related("checked_by", "patient")
        .order_by("checked_at", "id")
    ):
        refused = check.outcome == "refused"
        detail = "; ".join(r["message"] for r in check.reasons) if refused else ""
        detail = detail or gettext("all checks passed")
        who = check.patient.mrn if check.patient else check.patient_identifier_entered
        entries.append(
            TimelineEntry(
                at=check.checked_at,
                kind="bedside_check",
                title=(
                    gettext("Bedside check REFUSED (patient %(mrn)s)")
                    if refused
                    else gettext("Bedside check passed (patient %(mrn)s)")
                )
                % {"mrn": who},
                detail=detail,
                by=_name(check.checked_by),
                flag="stop" if refused else "",
            )
        )
    # At the same instant, the bedside check comes before the administration it allowed.
    entries.sort(key=lambda e: (e.at, e.kind != "bedside_check"))
    return entries


@dataclass(frozen=True)
class ProductDetail:
    product: ProductUnit
    evaluation: QcEvaluation
    spec: SpecInForce
    results: list[QcTestResult]
    signatures: list[ElectronicSignature]
    steps: list[Any]
    timeline: list[TimelineEntry]
    administration: Any
    recalls: list[Recall]

    @property
    def superseded_failures(self) -> list[QcTestResult]:
        """Results that failed and were later replaced by a retest: shown to the releaser."""
        latest: dict[str, QcTestResult] = {}
        for r in self.results:
            latest[r.test_code] = r
        codes = set(self.spec.spec.codes)
        failing = []
        for r in self.results:
            if r.test_code not in codes or latest[r.test_code].pk == r.pk:
                continue
            one = evaluate(
                self.spec.spec,
                {r.test_code: _core_result(r)},
                dose=DoseContext(self.product.volume_ml, self.product.dose_body_weight_kg),
            )
            if any(t.verdict is Verdict.FAIL for t in one.tests if t.test.code == r.test_code):
                failing.append(r)
        return failing


def product_detail(product: ProductUnit) -> ProductDetail:
    """Everything a unit's page shows, in a fixed number of queries."""
    spec = qc_spec_in_force(clinic_id=product.clinic_id, product_type=product.product_type)
    results = list(
        QcTestResult.objects.filter(product=product)
        .select_related("recorded_by")
        .order_by("recorded_at", "id")
    )
    from scarclinic.biologics.models import ProductAdministration

    return ProductDetail(
        product=product,
        evaluation=evaluate_unit(product, spec.spec, results),
        spec=spec,
        results=results,
        signatures=list(
            ElectronicSignature.objects.filter(product=product)
            .select_related("signer")
            .order_by("signed_at", "id")
        ),
        steps=list(
            product.processing_steps.select_related("performed_by")
            .prefetch_related("reagents")
            .order_by("performed_at", "id")
        ),
        timeline=timeline(product),
        administration=ProductAdministration.objects.filter(product=product)
        .select_related("patient", "administered_by")
        .first(),
        recalls=list(Recall.objects.filter(units__product=product).select_related("initiated_by")),
    )


# ------------------------------------------------------------------------------------------
# Lists: inventory, storage map, the lab's queue


def product_list(
    *,
    user: User | AnonymousUser,
    clinic_id: int,
    status: str | None = None,
    product_type: str | None = None,
    limit: int = 200,
) -> list[ProductUnit]:
    """Units of one clinic, newest first; audited as one list."""
    if clinic_id not in clinic_ids_with(user, Perm.PRODUCT_VIEW):
        return []
    qs = _units().filter(clinic_id=clinic_id)
    if status:
        qs = qs.filter(status=status)
    if product_type:
        qs = qs.filter(product_type=product_type)
    units = list(qs.order_by("-created_at", "-id")[:limit])
    audit_record(
        action=AuditAction.LIST,
        object_type="biologics.productunit",
        clinic_id=clinic_id,
        detail={"shown": [u.pk for u in units]},
    )
    return units


@dataclass(frozen=True)
class Inventory:
    quarantined: list[ProductUnit]
    released: list[ProductUnit]
    issued: list[ProductUnit]
    expiring_soon: list[ProductUnit]
    expired_in_stock: list[ProductUnit]
    recent: list[ProductUnit]  # administered, rejected, discarded, recalled: the latest
    expiring_days: int
    settings: BiologicsSettings | None


def inventory(*, user: User | AnonymousUser, clinic_id: int) -> Inventory:
    """The lab's inventory: what is in quarantine, released, issued, expiring soon or expired
    while still in stock, and the latest units that left. Two queries and one audit entry."""
    if clinic_id not in clinic_ids_with(user, Perm.PRODUCT_VIEW):
        raise ProductNotFound("No inventory here.")
    settings = settings_for(clinic_id=clinic_id)
    days = settings.expiring_soon_days if settings else 7
    now = timezone.now()
    active = list(
        _units().filter(clinic_id=clinic_id, status__in=ACTIVE).order_by("expires_at", "id")
    )
    recent = list(
        _units()
        .filter(clinic_id=clinic_id)
        .exclude(status__in=ACTIVE)
        .order_by("-created_at", "-id")[:20]
    )
    in_stock = [u for u in active if u.status in IN_STOCK]
    audit_record(
        action=AuditAction.LIST,
        object_type="biologics.productunit",
        clinic_id=clinic_id,
        detail={"shown": [u.pk for u in active + recent], "kind": "inventory"},
    )
    return Inventory(
        quarantined=[u for u in active if u.status == ProductStatus.QUARANTINE],
        released=[u for u in active if u.status == ProductStatus.RELEASED],
        issued=[u for u in active if u.status == ProductStatus.ISSUED],
        expiring_soon=[u for u in in_stock if now < u.expires_at <= now + timedelta(days=days)],
        expired_in_stock=[u for u in active if u.expires_at <= now],
        recent=recent,
        expiring_days=days,
        settings=settings,
    )


@dataclass(frozen=True)
class StorageSlot:
    rack: str
    position: str
    unit: ProductUnit


@dataclass(frozen=True)
class StorageBox:
    location: StorageLocation
    slots: list[StorageSlot]


def storage_map(*, clinic_id: int) -> list[StorageBox]:
    """What is where: every active location with the units stored in it, by rack and position
    (two queries). No patient data: units show their DIN and type."""
    locations = list(
        StorageLocation.objects.filter(clinic_id=clinic_id, is_active=True).order_by("name")
    )
    by_location: dict[int, list[StorageSlot]] = defaultdict(list)
    for unit in (
        ProductUnit.objects.filter(clinic_id=clinic_id, location__isnull=False, status__in=IN_STOCK)
        .select_related("product_code")
        .order_by("rack", "position", "din")
    ):
        assert unit.location_id is not None
        by_location[unit.location_id].append(StorageSlot(unit.rack, unit.position, unit))
    return [StorageBox(location, by_location.get(location.pk, [])) for location in locations]


@dataclass(frozen=True)
class QueueItem:
    """A unit waiting for the lab, without patient data (the home page shows it)."""

    product_id: int
    din: str
    product_type: str
    product_type_label: str
    status: str
    stage: str  # "awaiting_qc", "awaiting_release", "qc_failed", "failed_after_release"
    stage_label: str
    waiting_for: list[str]
    expires_at: datetime
    exceptional_release: bool
    url: str

    def __str__(self) -> str:
        return f"{self.din} · {self.product_type_label} · {self.stage_label}"


STAGE_LABELS = {
    "awaiting_qc": gettext_lazy("awaiting QC results"),
    "awaiting_release": gettext_lazy("QC complete: awaiting release by a second person"),
    "qc_failed": gettext_lazy("QC failed: reject, or exceptional release"),
    "failed_after_release": gettext_lazy(
        "a required QC result failed after release: review, recall"
    ),
}


def _word_variants(words: Sequence[str]) -> list[str]:
    """Spellings of the words that :func:`scarclinic.clinical.qc.evaluate` surely reads as
    them (exact case variants only; anything else is left to the evaluation)."""
    variants = set()
    for word in words:
        for v in (word, word.lower(), word.upper(), word.capitalize(), word.title()):
            if " ".join(v.strip().lower().replace("-", " ").split()) == word:
                variants.add(v)
    return sorted(variants)


def _surely_passing(test: QcTest) -> Q:
    """Results of ``test`` that pass whatever the dose: a condition that implies the Python
    evaluation's pass (it may miss some passing results, never admit a failing one)."""
    if test.acceptance is Acceptance.NEGATIVE:
        return Q(text__in=_word_variants(sorted(NEGATIVE_WORDS)))
    if test.acceptance is Acceptance.NO_GROWTH:
        return Q(text__in=_word_variants(sorted(NO_GROWTH_WORDS)))
    if test.acceptance is Acceptance.EQUALS:
        expected = " ".join(test.expected.strip().lower().replace("-", " ").split())
        return Q(text__in=_word_variants([expected]))
    condition = Q(value__isnull=False, unit=test.unit)
    if test.minimum is not None and test.acceptance is not Acceptance.MAX:
        condition &= Q(value__gte=test.minimum)
    if test.maximum is not None and test.acceptance is not Acceptance.MIN:
        condition &= Q(value__lte=test.maximum)
    if test.unit == EU_PER_KG and test.acceptance is Acceptance.MAX:
        # EU/mL x volume / weight <= maximum, multiplied out (exact in SQL numerics).
        condition |= Q(
            value__isnull=False,
            value__gte=0,
            unit=EU_PER_ML,
            product__volume_ml__isnull=False,
            product__volume_ml__gte=0,
            product__dose_body_weight_kg__isnull=False,
            product__dose_body_weight_kg__gt=0,
            dose_eu__lte=F(f"limit_eu_{test.code}"),
        )
    return condition


def lab_queue(*, clinic_id: int) -> list[QueueItem]:
    """Units awaiting QC or release at a clinic, and units whose QC failed after release, most
    urgent (earliest expiry) first. Three queries whatever the number of units; no patient
    data, so the lab's home page can show it without an audit entry."""
    specs = qc_specs_in_force(clinic_id=clinic_id)
    # Units past quarantine are only listed when a required test fails; the database keeps
    # those that have a required result it cannot see passing (a superset, checked exactly
    # below), so the rows read do not grow with the lab's history of released units.
    suspect = Q(status=ProductStatus.QUARANTINE)
    for product_type, in_force in specs.items():
        required = [t for t in in_force.spec.tests if t.required]
        if not required:
            continue
        passing = Q(test_code=required[0].code) & _surely_passing(required[0])
        for test in required[1:]:
            passing |= Q(test_code=test.code) & _surely_passing(test)
        candidates = QcTestResult.objects.filter(
            product=OuterRef("pk"), test_code__in=[t.code for t in required]
        )
        for test in required:
            if test.unit == EU_PER_KG and test.acceptance is Acceptance.MAX:
                candidates = candidates.annotate(
                    dose_eu=ExpressionWrapper(
                        F("value") * F("product__volume_ml"), output_field=DecimalField()
                    ),
                    **{
                        f"limit_eu_{test.code}": ExpressionWrapper(
                            Value(test.maximum) * F("product__dose_body_weight_kg"),
                            output_field=DecimalField(),
                        )
                    },
                )
        not_passing = candidates.exclude(passing)
        # The cheap conditions first: PostgreSQL tests them in this order, so the subquery
        # runs only for this type's units past quarantine.
        suspect |= Q(
            product_type=product_type.value,
            status__in=[ProductStatus.RELEASED, ProductStatus.ISSUED, "administered"],
        ) & Q(Exists(not_passing))
    units = list(
        ProductUnit.objects.filter(clinic_id=clinic_id)
        .filter(suspect)
        .select_related("collection", "collection__donor")
        .order_by("expires_at", "id")
    )
    results: dict[int, list[QcTestResult]] = defaultdict(list)
    # Asked even when no unit is listed ([0] matches none): the page's query count stays
    # the same whatever the queue holds.
    for row in QcTestResult.objects.filter(product__in=[u.pk for u in units] or [0]).order_by(
        "recorded_at", "id"
    ):
        results[row.product_id].append(row)
    items = []
    for unit in units:
        spec = specs[ProductType(unit.product_type)].spec
        evaluation = evaluate_unit(unit, spec, results.get(unit.pk, []))
        if unit.status == ProductStatus.QUARANTINE:
            if evaluation.releasable:
                stage, waiting = "awaiting_release", []
            elif evaluation.has_failure:
                stage = "qc_failed"
                waiting = [qc_text(t.test.name) for t in evaluation.failed if t.test.required]
            else:
                stage = "awaiting_qc"
                waiting = [qc_text(t.test.name) for t in evaluation.blocking]
            waiting += [block_text(b) for b in evaluation.extra_blocks]
        elif evaluation.has_failure:
            stage = "failed_after_release"
            waiting = [qc_text(t.test.name) for t in evaluation.failed if t.test.required]
        else:
            continue
        items.append(
            QueueItem(
                product_id=unit.pk,
                din=unit.din_eye_readable,
                product_type=unit.product_type,
                product_type_label=gettext(ProductType(unit.product_type).label),
                status=unit.status,
                stage=stage,
                stage_label=str(STAGE_LABELS[stage]),
                waiting_for=waiting,
                expires_at=unit.expires_at,
                exceptional_release=unit.exceptional_release,
                url=reverse("biologics:product", args=[unit.pk]),
            )
        )
    order = {"failed_after_release": 0, "qc_failed": 1, "awaiting_release": 2, "awaiting_qc": 3}
    return sorted(items, key=lambda i: (order[i.stage], i.expires_at))


def product_codes(*, clinic_id: int) -> list[ProductCode]:
    return list(ProductCode.objects.filter(clinic_id=clinic_id).order_by("code"))


def storage_locations(*, clinic_id: int) -> list[StorageLocation]:
    return list(StorageLocation.objects.filter(clinic_id=clinic_id).order_by("name"))


# ------------------------------------------------------------------------------------------
# Lookback and recall


@dataclass(frozen=True)
class LookbackRow:
    unit: ProductUnit
    administration: Any  # ProductAdministration | None
    reagent_lots: list[str] = field(default_factory=list)

    @property
    def recipient(self) -> Patient | None:
        return self.administration.patient if self.administration is not None else None


@dataclass(frozen=True)
class Lookback:
    """Every unit made from a donor, a collection or a lot, or every unit a patient received
    or gave, with who received each."""

    scope: str
    description: str
    rows: list[LookbackRow]

    @property
    def recipients(self) -> list[Patient]:
        seen: dict[int, Patient] = {}
        for row in self.rows:
            if row.recipient is not None:
                seen.setdefault(row.recipient.pk, row.recipient)
        return list(seen.values())

    @property
    def donors(self) -> list[Donor]:
        seen: dict[int, Donor] = {}
        for row in self.rows:
            donor = row.unit.collection.donor
            if donor is not None:
                seen.setdefault(donor.pk, donor)
        return list(seen.values())


def lookback(
    *,
    user: User | AnonymousUser,
    clinic_id: int,
    donor_id: int | None = None,
    collection_id: int | None = None,
    lot: str | None = None,
    patient_id: int | None = None,
    din: str | None = None,
) -> Lookback:
    """Lookback in a fixed number of queries (3, 4 from a patient, plus the audit entry),
    however many units and recipients: from a donor, a collection, a lot (the supplier's lot of the donor material or
    a reagent lot used in processing), a unit, or a patient (every unit they received, and
    every unit made from their own cells)."""
    if clinic_id not in clinic_ids_with(user, Perm.PRODUCT_LOOKBACK):
        raise ProductNotFound("No lookback here.")
    given = [
        (name, value)
        for name, value in (
            ("donor", donor_id),
            ("collection", collection_id),
            ("lot", (lot or "").strip() or None),
            ("patient", patient_id),
            ("din", (din or "").strip() or None),
        )
        if value is not None
    ]
    if len(given) != 1:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {"scope": gettext("Give exactly one of donor, collection, lot, din, patient.")}
        )
    scope, value = given[0]
    units = ProductUnit.objects.filter(clinic_id=clinic_id)
    if scope == "donor":
        units = units.filter(collection__donor_id=value)
        description = f"donor #{value}"
    elif scope == "collection":
        units = units.filter(collection_id=value)
        description = f"collection #{value}"
    elif scope == "lot":
        lot_text = str(value)
        units = units.filter(
            Q(collection__supplier_lot=lot_text)
            | Q(pk__in=ReagentUse.objects.filter(lot=lot_text).values("product_id"))
        )
        description = f"lot {lot_text}"
    elif scope == "din":
        units = units.filter(din=str(value).replace(" ", "")[:13].upper())
        description = f"DIN {value}"
    else:
        # The units' ids first (one more query, a few ms at any size): an OR across the
        # joined tables is estimated at thousands of rows, and the planner then joined every
        # patient and collection of the network to find one unit (bench/, 100k patients).
        ids = units.filter(
            Q(pk__in=ProductAdministration.objects.filter(patient_id=value).values("product_id"))
            | Q(collection_id__in=Collection.objects.filter(patient_id=value).values("pk"))
            | Q(intended_recipient_id=value)
        ).values_list("pk", flat=True)
        units = ProductUnit.objects.filter(pk__in=list(ids))
        description = f"patient #{value}"
    units = units.select_related(
        "collection",
        "collection__donor",
        "collection__patient",
        "product_code",
        "intended_recipient",
        "administration",
        "administration__patient",
        "administration__administered_by",
    ).prefetch_related(
        Prefetch("processing_steps__reagents", queryset=ReagentUse.objects.order_by("id"))
    )
    rows = []
    for unit in units.order_by("created_at", "id"):
        administration = getattr(unit, "administration", None)
        lots = [
            f"{reagent.reagent} {reagent.lot}"
            for step in unit.processing_steps.all()
            for reagent in step.reagents.all()
        ]
        rows.append(LookbackRow(unit, administration, lots))
    result = Lookback(scope, description, rows)
    audit_record(
        action=AuditAction.LIST,
        object_type="biologics.lookback",
        clinic_id=clinic_id,
        detail={
            "scope": scope,
            "units": [r.unit.pk for r in rows],
            "recipients": [p.pk for p in result.recipients],
        },
    )
    return result


LOOKBACK_COLUMNS = (
    "din",
    "product_type",
    "product_code",
    "status",
    "exceptional_release",
    "source",
    "donor_id",
    "supplier",
    "supplier_lot",
    "reagent_lots",
    "source_patient_mrn",
    "recipient_mrn",
    "recipient_name",
    "administered_at",
    "administered_by",
)


def _csv_safe(value: object) -> str:
    # A cell starting with = + - @ is a formula in a spreadsheet: quote it as text.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def lookback_csv(result: Lookback) -> str:
    """The lookback as CSV, one row per unit."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LOOKBACK_COLUMNS)
    for row in result.rows:
        unit, admin = row.unit, row.administration
        collection, donor = unit.collection, unit.collection.donor
        writer.writerow(
            _csv_safe(v)
            for v in (
                unit.din_eye_readable,
                unit.get_product_type_display(),
                unit.product_code.code if unit.product_code else "",
                unit.status,
                "yes" if unit.exceptional_release else "no",
                collection.get_kind_display(),
                donor.donor_identifier if donor else "",
                donor.supplier if donor else "",
                collection.supplier_lot,
                "; ".join(row.reagent_lots),
                collection.patient.mrn if collection.patient else "",
                admin.patient.mrn if admin else "",
                admin.patient.full_name if admin else "",
                timezone.localtime(admin.administered_at).isoformat() if admin else "",
                _name(admin.administered_by) if admin else "",
            )
        )
    return out.getvalue()


def donors(*, clinic_id: int) -> list[Donor]:
    return list(Donor.objects.filter(clinic_id=clinic_id).order_by("supplier", "donor_identifier"))


def recalls(*, clinic_id: int) -> list[Recall]:
    return list(
        Recall.objects.filter(clinic_id=clinic_id)
        .select_related("initiated_by", "donor", "collection", "product")
        .prefetch_related("units")
        .order_by("-initiated_at")[:50]
    )
