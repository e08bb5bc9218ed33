"""Every write of the cell lab and the bedside. Each runs in one transaction and writes its
custody event and audit entry in the same place; bad input raises
``ValidationError({field: message})`` and changes nothing.

The interlocks live here and, where SQL can say them, in the database too (migration 0002):
release only by a second qualified person who re-enters their password, only when every
required QC result passes (or, exceptionally, with a written justification and the medical
director's signature); a status machine; and :func:`administration_record`, the only way to
record an administration, which runs the bedside check first and records a refusal.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.access import has_perm_in, membership_in
from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object, audit_record
from scarclinic.biologics import selectors
from scarclinic.biologics.bedside import BedsideRefused, BedsideResult, run_bedside_check
from scarclinic.biologics.models import (
    TRANSITIONS,
    BiologicsSettings,
    Collection,
    CollectionKind,
    CustodyEvent,
    CustodyKind,
    DinCounter,
    Donor,
    DonorEligibility,
    DonorMaterial,
    ElectronicSignature,
    Manipulation,
    ProcessingStep,
    ProcessingStepKind,
    ProductAdministration,
    ProductCode,
    ProductStatus,
    ProductUnit,
    QcSpecification,
    QcTestResult,
    ReagentUse,
    Recall,
    RecallUnit,
    RegulatoryClass,
    SignatureAction,
    SignatureMeaning,
    StorageCondition,
    StorageLocation,
)
from scarclinic.biologics.models.products import FROZEN_CONDITIONS, MORE_THAN_MINIMAL
from scarclinic.clinical.isbt128 import Din, check_character, make_din
from scarclinic.clinical.qc import ProductType
from scarclinic.patients.models import Patient
from scarclinic.validation import refuse_control_characters

__all__ = ["BedsideRefused", "BedsideResult"]

PRODUCT_TYPES = frozenset(t.value for t in ProductType)

MAX_VOLUME_ML = Decimal(1000)
MAX_TEXT = 500
FLAGS_RE = re.compile(r"^[0-9A-Z]{2}$")
# Collection kinds and the products each can make.
MAKES: dict[str, frozenset[str]] = {
    CollectionKind.HARVEST: frozenset({ProductType.SVF, ProductType.ADSC_CULTURED}),
    CollectionKind.BLOOD_DRAW: frozenset({ProductType.PRP}),
    DonorMaterial.CORD_TISSUE: frozenset({ProductType.CORD_MSC}),
    DonorMaterial.CORD_BLOOD: frozenset({ProductType.CORD_BLOOD}),
}


def _require(user: User, clinic_id: int, perm: Perm) -> None:
    if not has_perm_in(user, clinic_id, perm):
        raise ValidationError(
            {"clinic": gettext("You do not work in this clinic with that permission.")}
        )


def _now() -> datetime:
    return timezone.now()


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _number(
    errors: dict[str, str],
    name: str,
    raw: Any,
    *,
    required: bool = False,
    minimum: Decimal | None = Decimal(0),
    maximum: Decimal | None = None,
    above_zero: bool = False,
) -> Decimal | None:
    if raw is None or raw == "":
        if required:
            errors[name] = gettext("This field is required.")
        return None
    number = _decimal(raw)
    if number is None:
        errors[name] = gettext("Give a number.")
        return None
    if above_zero and number <= 0:
        errors[name] = gettext("Must be more than 0.")
    elif minimum is not None and number < minimum:
        errors[name] = gettext("Must be %(minimum)s or more.") % {"minimum": minimum}
    elif maximum is not None and number > maximum:
        errors[name] = gettext("Must be %(maximum)s or less.") % {"maximum": maximum}
    return number


def _when(errors: dict[str, str], name: str, value: Any, *, default_now: bool = True) -> datetime:
    now = _now()
    if value is None or value == "":
        if not default_now:
            errors[name] = gettext("Give the date and time.")
        return now
    if not isinstance(value, datetime) or timezone.is_naive(value):
        errors[name] = gettext("Give a date and time with its time zone.")
        return now
    if value > now + timedelta(minutes=5):
        errors[name] = gettext("Cannot be in the future.")
    return value


def _text(errors: dict[str, str], name: str, value: Any, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors[name] = gettext("This field is required.")
    elif len(text) > MAX_TEXT:
        errors[name] = gettext("At most %(MAX_TEXT)s characters.") % {"MAX_TEXT": MAX_TEXT}
    return text


def _staff(errors: dict[str, str], name: str, user: User | None, clinic_id: int) -> None:
    if user is not None and not has_perm_in(user, clinic_id, Perm.PATIENT_VIEW):
        errors[name] = gettext("Must be a staff member of this clinic.")


def _lock(product: ProductUnit) -> ProductUnit:
    return (
        ProductUnit.objects.select_for_update(of=("self",))
        .select_related("collection", "collection__donor", "location", "intended_recipient")
        .get(pk=product.pk)
    )


def _event(
    product: ProductUnit,
    kind: str,
    *,
    by: User,
    at: datetime | None = None,
    note: str = "",
    **fields: Any,
) -> CustodyEvent:
    now = _now()
    return CustodyEvent.objects.create(
        product=product,
        kind=kind,
        at=at or now,
        by=by,
        note=note[:MAX_TEXT],
        status_after=product.status,
        recorded_at=now,
        **fields,
    )


def _audit(product: ProductUnit, by: User, action: str, **detail: Any) -> None:
    audit_object(
        actor=by,
        action=action,
        obj=product,
        patient_id=product.intended_recipient_id,
        clinic_id=product.clinic_id,
        detail=detail or None,
    )


def _move(
    product: ProductUnit,
    status: str,
    kind: str,
    *,
    by: User,
    at: datetime | None = None,
    note: str = "",
    **fields: Any,
) -> CustodyEvent:
    """Change the status along the status machine, with its custody event."""
    if status not in TRANSITIONS[product.status]:
        raise ValidationError(
            {
                "status": gettext("A unit that is %(lower)s cannot be %(lower2)s.")
                % {
                    "lower": product.get_status_display().lower(),
                    "lower2": ProductStatus(status).label.lower(),
                }
            }
        )
    product.status = status
    product.save(update_fields=["status"])
    return _event(product, kind, by=by, at=at, note=note, **fields)


# ------------------------------------------------------------------------------------------
# Settings: facility number, product code table, storage locations, QC specifications


@transaction.atomic
def settings_update(
    *,
    clinic: Clinic,
    by: User,
    facility_identification_number: str,
    fin_is_demo: bool = False,
    expiring_soon_days: int = 7,
    prp_use_within_hours: int | None = None,
) -> BiologicsSettings:
    """Set the clinic's FIN and lab settings. The FIN is fixed once a DIN was made with it."""
    _require(by, clinic.pk, Perm.PRODUCT_SETTINGS)
    refuse_control_characters({"facility_identification_number": facility_identification_number})
    errors: dict[str, str] = {}
    fin = (facility_identification_number or "").strip().upper()
    if not re.match(r"^[0-9A-Z]{5}$", fin):
        errors["facility_identification_number"] = gettext(
            "5 characters: digits and capital letters."
        )
    current = BiologicsSettings.objects.select_for_update().filter(clinic=clinic).first()
    if (
        current is not None
        and current.facility_identification_number != fin
        and ProductUnit.objects.filter(clinic=clinic).exists()
    ):
        errors["facility_identification_number"] = gettext(
            "DINs were already made with this FIN; it cannot change."
        )
    if not isinstance(expiring_soon_days, int) or not 1 <= expiring_soon_days <= 365:
        errors["expiring_soon_days"] = gettext("From 1 to 365 days.")
    if prp_use_within_hours is not None and (
        not isinstance(prp_use_within_hours, int) or not 1 <= prp_use_within_hours <= 24
    ):
        errors["prp_use_within_hours"] = gettext("From 1 to 24 hours, or blank for the same day.")
    if errors:
        raise ValidationError(errors)
    row = current or BiologicsSettings(clinic=clinic)
    row.facility_identification_number = fin
    row.fin_is_demo = bool(fin_is_demo)
    row.expiring_soon_days = expiring_soon_days
    row.prp_use_within_hours = prp_use_within_hours
    row.updated_by = by
    row.updated_at = _now()
    row.save()
    audit_object(
        actor=by,
        action=AuditAction.UPDATE,
        obj=row,
        patient_id=None,
        clinic_id=clinic.pk,
        detail={"fin": fin, "demo": row.fin_is_demo},
    )
    return row


PRODUCT_CODE_COLUMNS = ("code", "description", "product_type")


@transaction.atomic
def product_codes_load(
    *,
    clinic: Clinic,
    by: User,
    csv_text: str,
    licence_note: str,
    local_test_codes: bool = False,
) -> list[ProductCode]:
    """Load product description codes from CSV (columns code, description, product_type;
    a header row). ICCBBA's table is licensed: the clinic loads its own (clinical reference
    §7). A code already loaded with the same description is skipped; with another description
    the whole file is refused, because a code in use never changes meaning."""
    _require(by, clinic.pk, Perm.PRODUCT_SETTINGS)
    refuse_control_characters({"csv": csv_text, "licence_note": licence_note})
    if not licence_note.strip() and not local_test_codes:
        raise ValidationError(
            {
                "licence_note": gettext(
                    "Say which licensed table (ICCBBA version) the codes come from."
                )
            }
        )
    if len(csv_text) > 2_000_000:
        raise ValidationError({"csv": gettext("The file is too large (2 MB at most).")})
    rows = list(csv.DictReader(io.StringIO(csv_text.strip())))
    if not rows:
        raise ValidationError(
            {"csv": gettext("No rows: give a header line and one code per line.")}
        )
    existing = {c.code: c for c in ProductCode.objects.filter(clinic=clinic)}
    problems: list[str] = []
    seen: set[str] = set()
    new: list[ProductCode] = []
    now = _now()
    for n, row in enumerate(rows, start=2):
        missing = [c for c in PRODUCT_CODE_COLUMNS[:2] if not (row.get(c) or "").strip()]
        if missing:
            problems.append(
                gettext("line %(n)s: %(join)s missing") % {"n": n, "join": ", ".join(missing)}
            )
            continue
        code = (row.get("code") or "").strip().upper()
        description = (row.get("description") or "").strip()
        product_type = (row.get("product_type") or "").strip()
        if not re.match(r"^[A-Z][0-9]{4}$", code):
            problems.append(f"line {n}: {code!r} is not a letter and 4 digits")
        elif product_type and product_type not in PRODUCT_TYPES:
            problems.append(f"line {n}: unknown product type {product_type!r}")
        elif len(description) > 300:
            problems.append(
                gettext("line %(n)s: description longer than 300 characters") % {"n": n}
            )
        elif code in seen:
            problems.append(gettext("line %(n)s: %(code)s appears twice") % {"n": n, "code": code})
        elif code in existing and existing[code].description != description:
            problems.append(
                gettext("line %(n)s: %(code)s is already loaded with another description")
                % {"n": n, "code": code}
            )
        elif code not in existing:
            new.append(
                ProductCode(
                    clinic=clinic,
                    code=code,
                    description=description,
                    product_type=product_type,
                    is_local_test_code=local_test_codes,
                    licence_note=licence_note.strip()[:200],
                    loaded_by=by,
                    loaded_at=now,
                )
            )
        seen.add(code)
    if problems:
        raise ValidationError({"csv": "; ".join(problems[:20])})
    ProductCode.objects.bulk_create(new)
    audit_record(
        actor=by,
        action=AuditAction.CREATE,
        object_type="biologics.productcode",
        clinic_id=clinic.pk,
        detail={"codes": [c.code for c in new], "local_test_codes": local_test_codes},
    )
    return new


@transaction.atomic
def storage_location_create(
    *, clinic: Clinic, by: User, name: str, storage_condition: str
) -> StorageLocation:
    _require(by, clinic.pk, Perm.PRODUCT_STORE)
    refuse_control_characters({"name": name})
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, required=True)
    if storage_condition not in StorageCondition.values:
        errors["storage_condition"] = gettext("Choose the temperature the location keeps.")
    if name and StorageLocation.objects.filter(clinic=clinic, name=name).exists():
        errors["name"] = gettext("A location of this name exists already.")
    if errors:
        raise ValidationError(errors)
    location = StorageLocation.objects.create(
        clinic=clinic,
        name=name,
        storage_condition=storage_condition,
        created_by=by,
        created_at=_now(),
    )
    audit_object(
        actor=by, action=AuditAction.CREATE, obj=location, patient_id=None, clinic_id=clinic.pk
    )
    return location


@transaction.atomic
def qc_spec_change(
    *,
    clinic: Clinic,
    by: User,
    product_type: str,
    changes: Mapping[str, Mapping[str, Any]],
    reason: str,
) -> QcSpecification:
    """Change tests of a product type's specification: required or not, limits, expected
    result, method. Adds a version holding the whole specification."""
    _require(by, clinic.pk, Perm.PRODUCT_SETTINGS)
    refuse_control_characters({"reason": reason})
    if product_type not in PRODUCT_TYPES:
        raise ValidationError({"product_type": gettext("Unknown product type.")})
    if not reason.strip():
        raise ValidationError({"reason": gettext("Say why the specification changes.")})
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    current = selectors.qc_spec_in_force(clinic_id=clinic.pk, product_type=product_type)
    cleaned: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for code, change in changes.items():
        entry: dict[str, Any] = {}
        for key, raw in change.items():
            if key in ("minimum", "maximum"):
                entry[key] = None if raw in (None, "") else _decimal(raw)
                if raw not in (None, "") and entry[key] is None:
                    errors[f"{code}.{key}"] = gettext("Give a number.")
            elif key == "required":
                entry[key] = bool(raw)
            else:
                entry[key] = str(raw or "").strip()[:200]
        cleaned[code] = entry
    if errors:
        raise ValidationError(errors)
    latest = QcSpecification.objects.filter(clinic=clinic, product_type=product_type).order_by(
        "-number"
    )
    number = (latest.values_list("number", flat=True).first() or 0) + 1
    try:
        spec = current.spec.with_changes(cleaned, version=f"v{number}")
    except ValueError as exc:
        raise ValidationError({"changes": str(exc)}) from exc
    if spec.tests == current.spec.tests:
        raise ValidationError({"changes": gettext("Nothing changed.")})
    described = []
    for before, after in zip(current.spec.tests, spec.tests, strict=True):
        if before != after:
            described.append(
                f"{after.name}: {before.rule_text} -> {after.rule_text}"
                f"{'' if before.required == after.required else (' (required)' if after.required else ' (not required)')}"
            )
    row = QcSpecification.objects.create(
        clinic=clinic,
        product_type=product_type,
        number=number,
        tests=spec.to_data(),
        changed_by=by,
        changed_at=_now(),
        change="; ".join(described)[:500],
        reason=reason.strip()[:500],
    )
    audit_object(
        actor=by,
        action=AuditAction.UPDATE,
        obj=row,
        patient_id=None,
        clinic_id=clinic.pk,
        detail={"product_type": product_type, "number": number},
    )
    return row


# ------------------------------------------------------------------------------------------
# Sources: harvest, blood draw, donor material received


def _patient_of(errors: dict[str, str], clinic: Clinic, patient: Patient | None) -> None:
    if patient is None:
        errors["patient"] = gettext("Choose the patient.")
    elif patient.clinic_id != clinic.pk:
        errors["patient"] = gettext("No such patient in this clinic.")


def _collection_audit(collection: Collection, by: User) -> None:
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=collection,
        patient_id=collection.patient_id,
        clinic_id=collection.clinic_id,
        detail={"kind": collection.kind},
    )


@transaction.atomic
def harvest_record(
    *,
    clinic: Clinic,
    by: User,
    patient: Patient | None,
    collected_at: datetime,
    harvest_site: str,
    volume_ml: Any,
    performed_by: User | None = None,
    procedure_reference: str = "",
    note: str = "",
) -> Collection:
    """Record a lipoaspirate harvest received in the lab (autologous)."""
    _require(by, clinic.pk, Perm.PRODUCT_RECEIVE)
    refuse_control_characters(
        {"harvest_site": harvest_site, "procedure_reference": procedure_reference, "note": note}
    )
    errors: dict[str, str] = {}
    _patient_of(errors, clinic, patient)
    at = _when(errors, "collected_at", collected_at, default_now=False)
    volume = _number(
        errors, "volume_ml", volume_ml, required=True, above_zero=True, maximum=Decimal(5000)
    )
    site = _text(errors, "harvest_site", harvest_site, required=True)
    _staff(errors, "performed_by", performed_by, clinic.pk)
    reference = _text(errors, "procedure_reference", procedure_reference)[:100]
    if errors:
        raise ValidationError(errors)
    collection = Collection.objects.create(
        clinic=clinic,
        kind=CollectionKind.HARVEST,
        patient=patient,
        collected_at=at,
        volume_ml=volume,
        performed_by=performed_by,
        harvest_site=site[:100],
        procedure_reference=reference,
        note=_text(errors, "note", note),
        recorded_by=by,
        recorded_at=_now(),
    )
    _collection_audit(collection, by)
    return collection


@transaction.atomic
def blood_draw_record(
    *,
    clinic: Clinic,
    by: User,
    patient: Patient | None,
    collected_at: datetime,
    volume_ml: Any,
    preparation_method: str,
    performed_by: User | None = None,
    note: str = "",
) -> Collection:
    """Record the patient's blood drawn for PRP (autologous, same day)."""
    _require(by, clinic.pk, Perm.PRODUCT_RECEIVE)
    refuse_control_characters({"preparation_method": preparation_method, "note": note})
    errors: dict[str, str] = {}
    _patient_of(errors, clinic, patient)
    at = _when(errors, "collected_at", collected_at, default_now=False)
    volume = _number(
        errors, "volume_ml", volume_ml, required=True, above_zero=True, maximum=Decimal(500)
    )
    method = _text(errors, "preparation_method", preparation_method, required=True)[:200]
    _staff(errors, "performed_by", performed_by, clinic.pk)
    if errors:
        raise ValidationError(errors)
    collection = Collection.objects.create(
        clinic=clinic,
        kind=CollectionKind.BLOOD_DRAW,
        patient=patient,
        collected_at=at,
        volume_ml=volume,
        performed_by=performed_by,
        preparation_method=method,
        note=_text(errors, "note", note),
        recorded_by=by,
        recorded_at=_now(),
    )
    _collection_audit(collection, by)
    return collection


def _screening_results(errors: dict[str, str], raw: Any) -> list[dict[str, str]]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        # "HIV-1/2: non-reactive; HBsAg: non-reactive"
        items = []
        for part in raw.replace("\n", ";").split(";"):
            if not part.strip():
                continue
            test, _, result = part.partition(":")
            items.append({"test": test.strip(), "result": result.strip()})
        raw = items
    if not isinstance(raw, list) or len(raw) > 40:
        errors["screening_results"] = gettext("A list of tests and results (40 at most).")
        return []
    cleaned = []
    for item in raw:
        if (
            not isinstance(item, Mapping)
            or not str(item.get("test", "")).strip()
            or not str(item.get("result", "")).strip()
        ):
            errors["screening_results"] = gettext(
                "Each line is 'test: result', e.g. 'HBsAg: non-reactive'."
            )
            return []
        cleaned.append(
            {"test": str(item["test"]).strip()[:100], "result": str(item["result"]).strip()[:100]}
        )
    return cleaned


@transaction.atomic
def donor_receipt_record(
    *,
    clinic: Clinic,
    by: User,
    donor_identifier: str,
    supplier: str,
    eligibility: str,
    screening_results: Any,
    screening_date: date | None,
    material: str,
    supplier_lot: str,
    received_at: datetime,
    shipping_temperature_c: Any,
    time_out_of_storage_minutes: Any,
    condition_acceptable: bool = True,
    note: str = "",
) -> Collection:
    """Record donor material received from a supplier (allogeneic): the donor with their
    eligibility and screening, the lot, and the shipping conditions on receipt. A donor already
    recorded for this supplier is reused, and must have the same eligibility."""
    _require(by, clinic.pk, Perm.PRODUCT_RECEIVE)
    refuse_control_characters(
        {
            "donor_identifier": donor_identifier,
            "supplier": supplier,
            "supplier_lot": supplier_lot,
            "note": note,
            "screening_results": str(screening_results),
        }
    )
    errors: dict[str, str] = {}
    donor_id = _text(errors, "donor_identifier", donor_identifier, required=True)[:64]
    supplier_name = _text(errors, "supplier", supplier, required=True)[:200]
    lot = _text(errors, "supplier_lot", supplier_lot, required=True)[:64]
    if eligibility not in DonorEligibility.values:
        errors["eligibility"] = gettext("Choose the donor eligibility determination.")
    if material not in DonorMaterial.values:
        errors["material"] = gettext("Choose cord tissue or cord blood.")
    results = _screening_results(errors, screening_results)
    if screening_date is not None and (
        not isinstance(screening_date, date) or screening_date > timezone.localdate()
    ):
        errors["screening_date"] = gettext("The screening date cannot be in the future.")
    at = _when(errors, "received_at", received_at, default_now=False)
    temperature = _number(
        errors,
        "shipping_temperature_c",
        shipping_temperature_c,
        required=True,
        minimum=Decimal(-273),
        maximum=Decimal(60),
    )
    minutes = _number(
        errors,
        "time_out_of_storage_minutes",
        time_out_of_storage_minutes,
        required=True,
        maximum=Decimal(100_000),
    )
    if minutes is not None and minutes != minutes.to_integral_value():
        errors["time_out_of_storage_minutes"] = gettext("Whole minutes.")
    if eligibility == DonorEligibility.ELIGIBLE and not results:
        errors["screening_results"] = gettext("An eligible donor needs the screening results.")
    if eligibility == DonorEligibility.ELIGIBLE and screening_date is None:
        errors["screening_date"] = gettext("An eligible donor needs the screening date.")
    if errors:
        raise ValidationError(errors)
    donor = Donor.objects.filter(
        clinic=clinic, supplier=supplier_name, donor_identifier=donor_id
    ).first()
    if donor is None:
        donor = Donor.objects.create(
            clinic=clinic,
            donor_identifier=donor_id,
            supplier=supplier_name,
            eligibility=eligibility,
            screening_results=results,
            screening_date=screening_date,
            recorded_by=by,
            recorded_at=_now(),
        )
        audit_object(
            actor=by, action=AuditAction.CREATE, obj=donor, patient_id=None, clinic_id=clinic.pk
        )
    elif donor.eligibility != eligibility:
        raise ValidationError(
            {
                "eligibility": gettext(
                    "Donor %(donor_id)s of %(supplier_name)s is recorded as %(lower)s; a different determination needs the supplier's correction."
                )
                % {
                    "donor_id": donor_id,
                    "supplier_name": supplier_name,
                    "lower": donor.get_eligibility_display().lower(),
                }
            }
        )
    collection = Collection.objects.create(
        clinic=clinic,
        kind=CollectionKind.DONOR_RECEIPT,
        donor=donor,
        collected_at=at,
        material=material,
        supplier_lot=lot,
        shipping_temperature_c=temperature,
        time_out_of_storage_minutes=int(minutes) if minutes is not None else None,
        condition_acceptable=bool(condition_acceptable),
        note=_text(errors, "note", note),
        recorded_by=by,
        recorded_at=_now(),
    )
    _collection_audit(collection, by)
    return collection


# ------------------------------------------------------------------------------------------
# Product units


def _next_din(clinic: Clinic, *, year: int) -> Din:
    settings = BiologicsSettings.objects.filter(clinic=clinic).first()
    if settings is None:
        raise ValidationError(
            {
                "facility_identification_number": gettext(
                    "Set the clinic's facility identification "
                    "number (FIN) in the lab settings before making units."
                )
            }
        )
    counter, _ = DinCounter.objects.get_or_create(clinic=clinic, year=year)
    counter = DinCounter.objects.select_for_update().get(pk=counter.pk)
    if counter.last_sequence >= 999_999:
        raise ValidationError(
            {"din": gettext("The DIN sequence of %(year)s is exhausted.") % {"year": year}}
        )
    counter.last_sequence += 1
    counter.save(update_fields=["last_sequence"])
    din = make_din(settings.facility_identification_number, year, counter.last_sequence)
    return Din(din[:5], year % 100, counter.last_sequence)


def prp_expiry_limit(collected_at: datetime, settings: BiologicsSettings | None) -> datetime:
    """PRP is same-day only: the end of the day of the draw (clinic time), or sooner when the
    clinic sets a number of hours."""
    local = timezone.localtime(collected_at)
    end_of_day = timezone.make_aware(datetime.combine(local.date(), time(23, 59, 59)))
    if settings is not None and settings.prp_use_within_hours:
        return min(end_of_day, collected_at + timedelta(hours=settings.prp_use_within_hours))
    return end_of_day


@transaction.atomic
def product_create(
    *,
    collection: Collection,
    by: User,
    product_type: str,
    volume_ml: Any,
    storage_condition: str,
    expires_at: datetime,
    regulatory_class: str,
    manipulation: str,
    product_code: ProductCode | None = None,
    cell_count_million: Any = None,
    platelet_count_10e9_per_l: Any = None,
    dose_body_weight_kg: Any = None,
    stability_after_thaw_hours: Any = None,
    ind_number: str = "",
    irb_approval: str = "",
    protocol_name: str = "",
    culture_passage: Any = None,
    flags: str = "00",
    note: str = "",
) -> ProductUnit:
    """Make a product unit from a collection: it gets the next DIN of the clinic's FIN and
    starts in quarantine, waiting for QC and release."""
    clinic = collection.clinic
    _require(by, clinic.pk, Perm.PRODUCT_PROCESS)
    refuse_control_characters(
        {
            "ind_number": ind_number,
            "irb_approval": irb_approval,
            "protocol_name": protocol_name,
            "note": note,
            "flags": flags,
        }
    )
    errors: dict[str, str] = {}
    source = (
        collection.material if collection.kind == CollectionKind.DONOR_RECEIPT else collection.kind
    )
    if product_type not in PRODUCT_TYPES:
        errors["product_type"] = gettext("Choose the product type.")
    elif product_type not in MAKES.get(source, frozenset()):
        allowed = ", ".join(str(ProductType(t).label) for t in sorted(MAKES.get(source, ())))
        errors["product_type"] = gettext("A %(lower)s makes: %(allowed)s.") % {
            "lower": collection.get_kind_display().lower(),
            "allowed": allowed,
        }
    volume = _number(
        errors, "volume_ml", volume_ml, required=True, above_zero=True, maximum=MAX_VOLUME_ML
    )
    cells = _number(errors, "cell_count_million", cell_count_million, maximum=Decimal(10**7))
    platelets = _number(
        errors, "platelet_count_10e9_per_l", platelet_count_10e9_per_l, maximum=Decimal(100_000)
    )
    weight = _number(
        errors, "dose_body_weight_kg", dose_body_weight_kg, minimum=Decimal(1), maximum=Decimal(400)
    )
    if storage_condition not in StorageCondition.values:
        errors["storage_condition"] = gettext("Choose the storage requirement.")
    stability = _number(
        errors,
        "stability_after_thaw_hours",
        stability_after_thaw_hours,
        minimum=Decimal(1),
        maximum=Decimal(720),
    )
    if storage_condition in FROZEN_CONDITIONS and stability is None:
        errors["stability_after_thaw_hours"] = gettext(
            "A frozen unit needs its stability after thaw (hours), from the lab's validation."
        )
    if stability is not None and stability != stability.to_integral_value():
        errors["stability_after_thaw_hours"] = gettext("Whole hours.")
    now = _now()
    if not isinstance(expires_at, datetime) or timezone.is_naive(expires_at):
        errors["expires_at"] = gettext("Give the expiry date and time.")
    elif expires_at <= now:
        errors["expires_at"] = gettext("The expiry must be in the future.")
    elif expires_at <= collection.collected_at:
        errors["expires_at"] = gettext("The expiry must be after the collection.")
    elif product_type == ProductType.PRP and "product_type" not in errors:
        limit = prp_expiry_limit(
            collection.collected_at, selectors.settings_for(clinic_id=clinic.pk)
        )
        if expires_at > limit:
            errors["expires_at"] = (
                "PRP is same-day only: it expires at the latest "
                f"{timezone.localtime(limit):%Y-%m-%d %H:%M}."
            )
    if regulatory_class not in RegulatoryClass.values:
        errors["regulatory_class"] = gettext(
            "Choose the regulatory class (clinical reference §11)."
        )
    if manipulation not in Manipulation.values:
        errors["manipulation"] = gettext("Choose how the cells were manipulated.")
    if regulatory_class == RegulatoryClass.SECTION_351_IND:
        if not ind_number.strip():
            errors["ind_number"] = gettext("An investigational product names its IND.")
        if not irb_approval.strip():
            errors["irb_approval"] = gettext("An investigational product names its IRB approval.")
    # Clinical reference §11: enzymatic isolation and culture expansion are more than
    # minimal manipulation (US v. US Stem Cell Clinic, 11th Cir. 2021): they need an IND.
    if regulatory_class == RegulatoryClass.SECTION_361 and manipulation in MORE_THAN_MINIMAL:
        errors["regulatory_class"] = gettext(
            "Enzymatically isolated or culture-expanded cells are more than minimally "
            "manipulated: not a section 361 HCT/P; they need an IND (clinical reference §11)."
        )
    if regulatory_class == RegulatoryClass.SAME_SURGICAL_PROCEDURE and (
        not collection.is_autologous or manipulation != Manipulation.MINIMAL
    ):
        errors["regulatory_class"] = gettext(
            "The same surgical procedure exception (1271.15(b)) covers only the patient's own "
            "cells, minimally manipulated, in the same procedure."
        )
    passage = _number(errors, "culture_passage", culture_passage, maximum=Decimal(50))
    if manipulation == Manipulation.CULTURE_EXPANDED and passage is None:
        errors["culture_passage"] = gettext("Give the culture passage of culture-expanded cells.")
    if product_code is not None:
        if product_code.clinic_id != clinic.pk or not product_code.is_active:
            errors["product_code"] = gettext("Not a code of this clinic's table.")
        elif product_code.product_type and product_code.product_type != product_type:
            errors["product_code"] = gettext("This code is for another product type.")
    flags = (flags or "00").strip().upper()
    if not FLAGS_RE.match(flags):
        errors["flags"] = gettext("Two characters: digits or capital letters.")
    if errors:
        raise ValidationError(errors)
    assert volume is not None
    din = _next_din(clinic, year=timezone.localdate().year)
    product = ProductUnit.objects.create(
        clinic=clinic,
        collection=collection,
        din=din.din,
        flags=flags,
        check_character=check_character(din.din),
        product_code=product_code,
        product_type=product_type,
        is_autologous=collection.is_autologous,
        intended_recipient=collection.patient if collection.is_autologous else None,
        volume_ml=volume,
        cell_count_million=cells,
        platelet_count_10e9_per_l=platelets,
        dose_body_weight_kg=weight,
        storage_condition=storage_condition,
        expires_at=expires_at,
        stability_after_thaw_hours=int(stability) if stability is not None else None,
        regulatory_class=regulatory_class,
        ind_number=ind_number.strip()[:40],
        irb_approval=irb_approval.strip()[:200],
        protocol_name=protocol_name.strip()[:200],
        manipulation=manipulation,
        culture_passage=int(passage) if passage is not None else None,
        note=note.strip()[:MAX_TEXT],
        created_by=by,
        created_at=now,
    )
    _event(product, CustodyKind.RECEIVED, by=by, note=f"Made from {collection}; DIN assigned")
    _audit(product, by, AuditAction.CREATE, din=product.din, product_type=product_type)
    return product


@transaction.atomic
def processing_step_record(
    *,
    product: ProductUnit,
    by: User,
    step: str,
    performed_at: datetime | None = None,
    equipment: str = "",
    reagents: Iterable[tuple[str, str]] = (),
    description: str = "",
) -> ProcessingStep:
    """Record a processing step with its equipment and reagent lots (only in quarantine)."""
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_PROCESS)
    reagents = [(str(r).strip(), str(lot).strip()) for r, lot in reagents]
    refuse_control_characters(
        {
            "equipment": equipment,
            "description": description,
            "reagents": [f"{r} {lot}" for r, lot in reagents],
        }
    )
    errors: dict[str, str] = {}
    if step not in ProcessingStepKind.values:
        errors["step"] = gettext("Choose the step.")
    at = _when(errors, "performed_at", performed_at)
    if at < locked.collection.collected_at:
        errors["performed_at"] = gettext("A step cannot come before the collection.")
    equipment_text = _text(errors, "equipment", equipment)[:200]
    description_text = _text(errors, "description", description)
    if any(not r or not lot for r, lot in reagents):
        errors["reagents"] = gettext("Each reagent needs its name and its lot.")
    if len(reagents) > 20:
        errors["reagents"] = gettext("At most 20 reagents per step.")
    if locked.status != ProductStatus.QUARANTINE:
        errors["status"] = gettext("Processing is recorded while the unit is in quarantine.")
    if errors:
        raise ValidationError(errors)
    row = ProcessingStep.objects.create(
        product=locked,
        step=step,
        description=description_text,
        equipment=equipment_text,
        performed_by=by,
        performed_at=at,
        recorded_at=_now(),
    )
    ReagentUse.objects.bulk_create(
        ReagentUse(step=row, product=locked, reagent=r[:200], lot=lot[:64]) for r, lot in reagents
    )
    lots = ", ".join(f"{r} lot {lot}" for r, lot in reagents)
    _event(
        locked,
        CustodyKind.PROCESSED,
        by=by,
        at=at,
        note="; ".join(
            p for p in (row.get_step_display(), equipment_text, lots, description_text) if p
        ),
    )
    _audit(locked, by, AuditAction.UPDATE, step=step)
    return row


@transaction.atomic
def qc_result_record(
    *,
    product: ProductUnit,
    by: User,
    test_code: str,
    value: Any = None,
    text: str = "",
    unit: str = "",
    method: str = "",
    tested_at: datetime | None = None,
    note: str = "",
) -> QcTestResult:
    """Enter a QC result with its unit and method. A required result that fails after the unit
    was released puts it back in quarantine."""
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_QC)
    refuse_control_characters({"text": text, "unit": unit, "method": method, "note": note})
    spec = selectors.qc_spec_in_force(clinic_id=locked.clinic_id, product_type=locked.product_type)
    errors: dict[str, str] = {}
    if test_code not in spec.spec.codes:
        errors["test_code"] = gettext("Not a test of the %(label)s specification.") % {
            "label": ProductType(locked.product_type).label
        }
        raise ValidationError(errors)
    test = spec.spec.test(test_code)
    number: Decimal | None = None
    unit = (unit or "").strip()
    if test.is_qualitative:
        text = _text(errors, "text", text, required=True)[:200]
        if value not in (None, ""):
            errors["value"] = gettext("%(name)s is a qualitative result: give it as text.") % {
                "name": test.name
            }
        unit = ""
    else:
        number = _number(errors, "value", value, required=True, maximum=Decimal(10**9))
        if unit not in test.units_accepted:
            errors["unit"] = gettext("Give the unit: %(join)s.") % {
                "join": " or ".join(test.units_accepted)
            }
        text = ""
    method_text = _text(errors, "method", method or test.method, required=True)[:200]
    at = _when(errors, "tested_at", tested_at)
    if locked.status == ProductStatus.DISCARDED:
        errors["status"] = gettext("The unit was discarded.")
    if errors:
        raise ValidationError(errors)
    row = QcTestResult.objects.create(
        product=locked,
        test_code=test_code,
        value=number,
        text=text,
        unit=unit,
        method=method_text,
        tested_at=at,
        note=_text(errors, "note", note),
        recorded_by=by,
        recorded_at=_now(),
    )
    evaluation, _ = selectors.product_evaluation(locked)
    verdict = next(t for t in evaluation.tests if t.test.code == test_code)
    _event(
        locked,
        CustodyKind.QC_RESULT,
        by=by,
        at=at,
        note=f"{test.name}: {verdict.shown or text} -> {verdict.verdict.value}",
    )
    if (
        locked.status in (ProductStatus.RELEASED, ProductStatus.ISSUED)
        and test.required
        and verdict.verdict.value == "fail"
    ):
        _move(
            locked,
            ProductStatus.QUARANTINE,
            CustodyKind.QUARANTINED,
            by=by,
            note=f"Required QC result failed after release: {test.name}",
        )
    _audit(locked, by, AuditAction.CREATE, qc=test_code, verdict=verdict.verdict.value)
    return row


# ------------------------------------------------------------------------------------------
# Release and rejection: electronic signatures


def _password_ok(user: User, password: str) -> bool:
    return bool(password) and user.is_active and user.check_password(password)


def _signature(
    product: ProductUnit,
    *,
    signer: User,
    action: str,
    meaning: str,
    justification: str = "",
    evaluation: dict[str, Any] | None = None,
    at: datetime,
) -> ElectronicSignature:
    membership = membership_in(signer, product.clinic_id)
    record = {
        "product": product.pk,
        "din": product.din,
        "action": action,
        "meaning": meaning,
        "signer": signer.pk,
        "signed_at": at.isoformat(),
        "justification": justification,
        "evaluation": evaluation or {},
    }
    return ElectronicSignature.objects.create(
        product=product,
        action=action,
        meaning=meaning,
        signer=signer,
        signer_name=signer.get_full_name() or signer.get_username(),
        signer_role=membership.get_role_display() if membership else "",
        signed_at=at,
        statement=str(SignatureMeaning(meaning).label),  # as shown to the signer
        justification=justification,
        evaluation=evaluation or {},
        record_sha256=hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest(),
    )


def _check_own_password(errors: dict[str, str], by: User, password: str) -> None:
    if not _password_ok(by, password):
        errors["password"] = gettext(
            "The password is not correct: re-enter your own password to sign."
        )


def _signed_move(
    locked: ProductUnit,
    *,
    by: User,
    action: str,
    meaning: str,
    evaluation: dict[str, Any],
    at: datetime,
    to: tuple[str, str],
    note: str,
    audit: dict[str, Any],
    justification: str = "",
    cosigner: User | None = None,
) -> ProductUnit:
    """The signed step of a release or a rejection: the signer's electronic signature (and the
    medical director's co-signature, which makes the release exceptional), the move to the
    ``to`` status with its custody event, and the audit entry."""
    _signature(
        locked,
        signer=by,
        action=action,
        meaning=meaning,
        justification=justification,
        evaluation=evaluation,
        at=at,
    )
    if cosigner is not None:
        _signature(
            locked,
            signer=cosigner,
            action=SignatureAction.DIRECTOR_COSIGNATURE,
            meaning=SignatureMeaning.RESPONSIBILITY,
            justification=justification,
            evaluation=evaluation,
            at=at,
        )
        locked.exceptional_release = True
        locked.save(update_fields=["exceptional_release"])
    status, kind = to
    _move(locked, status, kind, by=by, at=at, note=note)
    _audit(locked, by, AuditAction.SIGN, **audit)
    return locked


def _processors(product: ProductUnit) -> set[int]:
    """Who made or processed the unit: they cannot be the second person who releases it."""
    people = set(product.processing_steps.values_list("performed_by_id", flat=True))
    people.add(product.created_by_id)
    return people


RELEASE_MEANINGS = (SignatureMeaning.APPROVAL, SignatureMeaning.RESPONSIBILITY)


@transaction.atomic
def product_release(
    *,
    product: ProductUnit,
    by: User,
    password: str,
    meaning: str,
    justification: str = "",
    director: User | None = None,
    director_password: str = "",
) -> ProductUnit:
    """Release a unit from quarantine, signed electronically by a second qualified person
    (not one who made or processed it) who re-enters their password and states the meaning
    of the signature (21 CFR Part 11 style).

    Impossible while any required QC result is missing or failing, or the donor is not
    eligible, unless it is an exceptional release: a written justification and the medical
    director's signature (their password; the director may be the releaser). Exceptional
    releases are flagged on the unit, its label, its timeline and at the bedside."""
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_RELEASE)
    refuse_control_characters({"justification": justification})
    errors: dict[str, str] = {}
    if locked.status != ProductStatus.QUARANTINE:
        raise ValidationError(
            {
                "status": gettext(
                    "Only a unit in quarantine can be released; this one is %(lower)s."
                )
                % {"lower": locked.get_status_display().lower()}
            }
        )
    if by.pk in _processors(locked):
        errors["signer"] = gettext(
            "You made or processed this unit: release needs a second qualified person."
        )
    _check_own_password(errors, by, password)
    if meaning not in RELEASE_MEANINGS:
        errors["meaning"] = gettext("State the meaning of your signature.")
    if errors:
        raise ValidationError(errors)
    evaluation, _ = selectors.product_evaluation(locked)
    snapshot = selectors.evaluation_data(evaluation)
    justification = justification.strip()
    now = _now()
    if evaluation.releasable:
        if justification:
            raise ValidationError(
                {
                    "justification": gettext(
                        "Every required result passes: release normally, without a "
                        "justification for an exceptional release."
                    )
                }
            )
        return _signed_move(
            locked,
            by=by,
            action=SignatureAction.RELEASE,
            meaning=meaning,
            evaluation=snapshot,
            at=now,
            to=(ProductStatus.RELEASED, CustodyKind.RELEASED),
            note=f"Released: {evaluation.summary}",
            audit={"signature": "release", "spec": evaluation.spec_version},
        )
    if not justification:
        raise ValidationError({"qc": evaluation.summary})
    if len(justification) < 20:
        raise ValidationError(
            {"justification": gettext("Write the justification in full (20 characters at least).")}
        )
    cosigner = (
        by if has_perm_in(by, locked.clinic_id, Perm.PRODUCT_EXCEPTIONAL_RELEASE) else director
    )
    if cosigner is None:
        raise ValidationError(
            {"director": gettext("An exceptional release needs the medical director's signature.")}
        )
    if not has_perm_in(cosigner, locked.clinic_id, Perm.PRODUCT_EXCEPTIONAL_RELEASE):
        raise ValidationError(
            {"director": gettext("This person is not the clinic's medical director.")}
        )
    if cosigner.pk != by.pk and not _password_ok(cosigner, director_password):
        raise ValidationError(
            {"director_password": gettext("The medical director's password is not correct.")}
        )
    return _signed_move(
        locked,
        by=by,
        action=SignatureAction.EXCEPTIONAL_RELEASE,
        meaning=meaning,
        justification=justification,
        evaluation=snapshot,
        at=now,
        cosigner=cosigner,
        to=(ProductStatus.RELEASED, CustodyKind.RELEASED),
        note=f"EXCEPTIONAL RELEASE ({evaluation.summary}) Justification: {justification}",
        audit={"signature": "exceptional_release", "director": cosigner.pk},
    )


@transaction.atomic
def product_reject(*, product: ProductUnit, by: User, password: str, reason: str) -> ProductUnit:
    """Reject a unit in quarantine: it must not be used. Signed like a release."""
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_RELEASE)
    refuse_control_characters({"reason": reason})
    errors: dict[str, str] = {}
    if locked.status != ProductStatus.QUARANTINE:
        errors["status"] = gettext("Only a unit in quarantine can be rejected.")
    _check_own_password(errors, by, password)
    if not reason.strip():
        errors["reason"] = gettext("Say why the unit is rejected.")
    if errors:
        raise ValidationError(errors)
    evaluation, _ = selectors.product_evaluation(locked)
    return _signed_move(
        locked,
        by=by,
        action=SignatureAction.REJECT,
        meaning=SignatureMeaning.REJECTION,
        justification=reason.strip(),
        evaluation=selectors.evaluation_data(evaluation),
        at=_now(),
        to=(ProductStatus.REJECTED, CustodyKind.REJECTED),
        note=reason.strip(),
        audit={"signature": "reject"},
    )


# ------------------------------------------------------------------------------------------
# Custody: storage, hand-over, excursions, thaw, issue, return, discard


def _usable_place(errors: dict[str, str], product: ProductUnit, location: StorageLocation) -> None:
    if location.clinic_id != product.clinic_id or not location.is_active:
        errors["to_location"] = gettext("Not a storage location of this clinic.")
    elif product.thawed_at is not None:
        if location.storage_condition in FROZEN_CONDITIONS:
            errors["to_location"] = gettext("A thawed unit is never frozen again.")
    elif location.storage_condition != product.storage_condition:
        errors["to_location"] = gettext("This unit needs %(lower)s; %(name)s keeps %(lower2)s.") % {
            "lower": StorageCondition(product.storage_condition).label.lower(),
            "name": location.name,
            "lower2": StorageCondition(location.storage_condition).label.lower(),
        }


@transaction.atomic
def product_store(
    *,
    product: ProductUnit,
    by: User,
    to_location: StorageLocation | None,
    rack: str = "",
    position: str = "",
    at: datetime | None = None,
    note: str = "",
) -> ProductUnit:
    """Store a unit, or move it: location (freezer, tank, refrigerator), rack, position."""
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_STORE)
    refuse_control_characters({"rack": rack, "position": position, "note": note})
    errors: dict[str, str] = {}
    if to_location is None:
        errors["to_location"] = gettext("Choose where the unit goes.")
    else:
        _usable_place(errors, locked, to_location)
    rack, position = rack.strip()[:40], position.strip()[:40]
    when = _when(errors, "at", at)
    if locked.status not in (ProductStatus.QUARANTINE, ProductStatus.RELEASED):
        errors["status"] = gettext("A unit that is %(lower)s is not stored in the lab.") % {
            "lower": locked.get_status_display().lower()
        }
    if to_location is not None and position:
        taken = (
            ProductUnit.objects.filter(
                location=to_location,
                rack=rack,
                position=position,
                status__in=(ProductStatus.QUARANTINE, ProductStatus.RELEASED),
            )
            .exclude(pk=locked.pk)
            .first()
        )
        if taken is not None:
            errors["position"] = gettext("Position taken by %(din_eye_readable)s.") % {
                "din_eye_readable": taken.din_eye_readable
            }
    if errors:
        raise ValidationError(errors)
    assert to_location is not None
    origin, origin_place = locked.location, " ".join(p for p in (locked.rack, locked.position) if p)
    locked.location, locked.rack, locked.position = to_location, rack, position
    locked.save(update_fields=["location", "rack", "position"])
    _event(
        locked,
        CustodyKind.STORED,
        by=by,
        at=when,
        note=note,
        from_location=origin,
        from_place=origin_place,
        to_location=to_location,
        to_place=" ".join(
            p
            for p in (f"rack {rack}" if rack else "", f"position {position}" if position else "")
            if p
        ),
    )
    _audit(locked, by, AuditAction.UPDATE, location=to_location.pk)
    return locked


@transaction.atomic
def product_hand_over(
    *, product: ProductUnit, by: User, to: User | None, at: datetime | None = None, note: str = ""
) -> CustodyEvent:
    """Record that the unit passed from one person to another."""
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_STORE)
    refuse_control_characters({"note": note})
    errors: dict[str, str] = {}
    if to is None:
        errors["handed_to"] = gettext("Say to whom.")
    else:
        _staff(errors, "handed_to", to, locked.clinic_id)
    when = _when(errors, "at", at)
    if locked.status in (ProductStatus.ADMINISTERED, ProductStatus.DISCARDED):
        errors["status"] = gettext("This unit is no longer in anyone's hands.")
    if errors:
        raise ValidationError(errors)
    event = _event(locked, CustodyKind.HANDED_OVER, by=by, at=when, note=note, handed_to=to)
    _audit(locked, by, AuditAction.UPDATE, handed_to=to.pk if to else None)
    return event


@transaction.atomic
def temperature_excursion_record(
    *,
    product: ProductUnit,
    by: User,
    temperature_c: Any,
    duration_minutes: Any,
    at: datetime | None = None,
    quarantine: bool = True,
    note: str = "",
) -> CustodyEvent:
    """Record a temperature excursion. A released or issued unit goes back to quarantine
    unless the lab records that it stays (and says why in the note)."""
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_STORE)
    refuse_control_characters({"note": note})
    errors: dict[str, str] = {}
    temperature = _number(
        errors,
        "temperature_c",
        temperature_c,
        required=True,
        minimum=Decimal(-273),
        maximum=Decimal(100),
    )
    minutes = _number(
        errors, "duration_minutes", duration_minutes, required=True, maximum=Decimal(100_000)
    )
    when = _when(errors, "at", at)
    if not quarantine and not note.strip():
        errors["note"] = gettext("Say why the unit stays usable after the excursion.")
    if locked.status in (ProductStatus.ADMINISTERED, ProductStatus.DISCARDED):
        errors["status"] = gettext("This unit is no longer stored.")
    if errors:
        raise ValidationError(errors)
    event = _event(
        locked,
        CustodyKind.TEMPERATURE_EXCURSION,
        by=by,
        at=when,
        note=note,
        temperature_c=temperature,
        duration_minutes=int(minutes) if minutes is not None else None,
        from_location=locked.location,
    )
    if quarantine and locked.status in (ProductStatus.RELEASED, ProductStatus.ISSUED):
        _move(
            locked,
            ProductStatus.QUARANTINE,
            CustodyKind.QUARANTINED,
            by=by,
            note="Temperature excursion: quarantined until assessed and released again",
        )
    _audit(locked, by, AuditAction.UPDATE, excursion=str(temperature))
    return event


@transaction.atomic
def product_thaw(*, product: ProductUnit, by: User, at: datetime | None = None) -> ProductUnit:
    """Record the thaw of a frozen unit: its stability after thaw runs from now."""
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_STORE)
    errors: dict[str, str] = {}
    when = _when(errors, "at", at)
    if locked.storage_condition not in FROZEN_CONDITIONS:
        errors["status"] = gettext("This unit is not stored frozen.")
    elif locked.thawed_at is not None:
        errors["status"] = (
            f"Already thawed at {timezone.localtime(locked.thawed_at):%Y-%m-%d %H:%M}."
        )
    if locked.status in (ProductStatus.ADMINISTERED, ProductStatus.DISCARDED):
        errors["status"] = gettext("This unit is no longer stored.")
    if errors:
        raise ValidationError(errors)
    locked.thawed_at = when
    locked.save(update_fields=["thawed_at"])
    hours = locked.stability_after_thaw_hours
    _event(
        locked,
        CustodyKind.THAWED,
        by=by,
        at=when,
        note=f"Stable {hours} h after thaw: use by "
        f"{timezone.localtime(when + timedelta(hours=hours or 0)):%Y-%m-%d %H:%M}",
    )
    _audit(locked, by, AuditAction.UPDATE, thawed=True)
    return locked


def thaw_limit(product: ProductUnit) -> datetime | None:
    if product.thawed_at is None or product.stability_after_thaw_hours is None:
        return None
    return product.thawed_at + timedelta(hours=product.stability_after_thaw_hours)


@transaction.atomic
def product_issue(
    *,
    product: ProductUnit,
    by: User,
    patient: Patient | None = None,
    handed_to: User | None = None,
    at: datetime | None = None,
    note: str = "",
) -> ProductUnit:
    """Issue a released unit to the procedure room, for a patient: an autologous unit only for
    its own patient; an allogeneic unit is then meant for the patient named."""
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_ISSUE)
    refuse_control_characters({"note": note})
    errors: dict[str, str] = {}
    when = _when(errors, "at", at)
    if locked.status != ProductStatus.RELEASED:
        errors["status"] = gettext("Only a released unit can be issued; this one is %(lower)s.") % {
            "lower": locked.get_status_display().lower()
        }
    if locked.expires_at <= _now():
        errors["status"] = gettext("The unit has expired.")
    limit = thaw_limit(locked)
    if limit is not None and limit <= _now():
        errors["status"] = gettext("The unit was thawed longer ago than its stability allows.")
    if patient is not None and patient.clinic_id != locked.clinic_id:
        errors["patient"] = gettext("No such patient in this clinic.")
    elif (
        locked.is_autologous and patient is not None and patient.pk != locked.intended_recipient_id
    ):
        errors["patient"] = gettext("This is another patient's own (autologous) unit.")
    elif not locked.is_autologous and patient is None:
        errors["patient"] = gettext("Say for which patient the donor unit is issued.")
    _staff(errors, "handed_to", handed_to, locked.clinic_id)
    if errors:
        raise ValidationError(errors)
    origin = locked.location
    origin_place = " ".join(p for p in (locked.rack, locked.position) if p)
    if not locked.is_autologous:
        locked.intended_recipient = patient
    locked.location, locked.rack, locked.position = None, "", ""
    locked.save(update_fields=["intended_recipient", "location", "rack", "position"])
    _move(
        locked,
        ProductStatus.ISSUED,
        CustodyKind.ISSUED,
        by=by,
        at=when,
        note=note,
        from_location=origin,
        from_place=origin_place,
        to_place="Procedure room",
        handed_to=handed_to,
    )
    _audit(locked, by, AuditAction.UPDATE, issued_for=locked.intended_recipient_id)
    return locked


@transaction.atomic
def product_return(
    *,
    product: ProductUnit,
    by: User,
    to_location: StorageLocation | None = None,
    rack: str = "",
    position: str = "",
    note: str = "",
) -> ProductUnit:
    """Take an issued, unused unit back into stock (an allogeneic one is free again)."""
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_ISSUE)
    refuse_control_characters({"note": note, "rack": rack, "position": position})
    errors: dict[str, str] = {}
    if locked.status != ProductStatus.ISSUED:
        errors["status"] = gettext("Only an issued unit can be returned.")
    if to_location is not None:
        _usable_place(errors, locked, to_location)
    if errors:
        raise ValidationError(errors)
    if not locked.is_autologous:
        locked.intended_recipient = None
    locked.location, locked.rack, locked.position = (
        to_location,
        rack.strip()[:40],
        position.strip()[:40],
    )
    locked.save(update_fields=["intended_recipient", "location", "rack", "position"])
    _move(
        locked,
        ProductStatus.RELEASED,
        CustodyKind.RETURNED,
        by=by,
        note=note,
        from_place="Procedure room",
        to_location=to_location,
        to_place=" ".join(p for p in (rack.strip(), position.strip()) if p),
    )
    _audit(locked, by, AuditAction.UPDATE, returned=True)
    return locked


@transaction.atomic
def product_discard(*, product: ProductUnit, by: User, reason: str) -> ProductUnit:
    locked = _lock(product)
    _require(by, locked.clinic_id, Perm.PRODUCT_STORE)
    refuse_control_characters({"reason": reason})
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = gettext("Say why the unit is discarded.")
    if ProductStatus.DISCARDED not in TRANSITIONS[locked.status]:
        errors["status"] = gettext("A unit that is %(lower)s cannot be discarded.") % {
            "lower": locked.get_status_display().lower()
        }
    if errors:
        raise ValidationError(errors)
    origin = locked.location
    locked.location, locked.rack, locked.position = None, "", ""
    locked.save(update_fields=["location", "rack", "position"])
    _move(
        locked,
        ProductStatus.DISCARDED,
        CustodyKind.DISCARDED,
        by=by,
        note=reason.strip(),
        from_location=origin,
    )
    _audit(locked, by, AuditAction.UPDATE, discarded=True)
    return locked


# ------------------------------------------------------------------------------------------
# The bedside


def bedside_check(
    *,
    clinic: Clinic,
    by: User,
    din_text: str,
    patient_identifier: str,
    modality: str | None = None,
) -> BedsideResult:
    """Check a scanned or typed DIN against the patient's identifier (MRN) before an
    administration; the check is recorded whatever its outcome. Never raises for a refusal:
    the result says why."""
    _require(by, clinic.pk, Perm.PRODUCT_ADMINISTER)
    with transaction.atomic():
        return run_bedside_check(
            clinic=clinic,
            by=by,
            din_text=din_text,
            patient_identifier=patient_identifier,
            modality=modality,
            for_administration=False,
        )


ROUTES = ("Intradermal injection", "Subcision-plane injection", "Topical after microneedling")


def administration_record(
    *,
    clinic: Clinic,
    by: User,
    din_text: str,
    patient_identifier: str,
    modality: str | None,
    route: str,
    volume_ml: Any,
    sites: str = "",
    note: str = "",
) -> ProductAdministration:
    """The only way to record a :class:`ProductAdministration`.

    Runs the bedside check on the unit scanned and the patient identified, in the same
    transaction as the record: released or issued, not expired, not recalled, thawed within
    its stability, the patient's own cells (autologous) or issued for them, a signed consent
    in force for the procedure, and no contraindication or deferral by the clinic's candidacy
    rules. A refusal is recorded (the bedside check row is committed) and then raised as
    :class:`BedsideRefused`, a ValidationError naming each reason. The database refuses the
    same administrations again (migration 0002), whatever writes the row.

    Not wrapped in one atomic block on purpose: the refused check must be kept."""
    _require(by, clinic.pk, Perm.PRODUCT_ADMINISTER)
    refuse_control_characters(
        {
            "route": route,
            "sites": sites,
            "note": note,
            "din": din_text,
            "patient_identifier": patient_identifier,
        }
    )
    errors: dict[str, str] = {}
    route_text = _text(errors, "route", route, required=True)[:100]
    volume = _number(
        errors, "volume_ml", volume_ml, required=True, above_zero=True, maximum=MAX_VOLUME_ML
    )
    sites_text = _text(errors, "sites", sites)[:300]
    note_text = _text(errors, "note", note)
    if errors:
        raise ValidationError(errors)  # bad input: nothing is recorded
    assert volume is not None
    with transaction.atomic():
        result = run_bedside_check(
            clinic=clinic,
            by=by,
            din_text=din_text,
            patient_identifier=patient_identifier,
            modality=modality,
            for_administration=True,
            volume_ml=volume,
        )
        if result.passed:
            product, patient = result.product, result.patient
            assert product is not None and patient is not None and result.modality is not None
            administration = ProductAdministration.objects.create(
                product=product,
                patient=patient,
                bedside_check=result.check,
                modality=result.modality.value,
                route=route_text,
                sites=sites_text,
                volume_ml=volume,
                consent_procedure=result.consent_procedure,
                exceptional_release=product.exceptional_release,
                administered_by=by,
                administered_at=result.check.checked_at,
                note=note_text,
            )
            _move(
                product,
                ProductStatus.ADMINISTERED,
                CustodyKind.ADMINISTERED,
                by=by,
                at=result.check.checked_at,
                note=f"{route_text}, {volume} mL{', ' + sites_text if sites_text else ''}"
                + (" — EXCEPTIONALLY RELEASED unit" if product.exceptional_release else ""),
            )
            audit_object(
                actor=by,
                action=AuditAction.CREATE,
                obj=administration,
                patient_id=patient.pk,
                clinic_id=clinic.pk,
                detail={"product": product.pk, "check": result.check.pk},
            )
            return administration
    raise BedsideRefused(result)


# ------------------------------------------------------------------------------------------
# Recall


@transaction.atomic
def recall_initiate(
    *,
    clinic: Clinic,
    by: User,
    reason: str,
    donor: Donor | None = None,
    collection: Collection | None = None,
    lot: str = "",
    product: ProductUnit | None = None,
) -> Recall:
    """Recall every unit made from a donor, a collection, a lot (supplier's or reagent) or one
    unit: units not used yet are recalled (they can no longer be issued or administered);
    units already administered are listed with their recipients for follow-up."""
    _require(by, clinic.pk, Perm.PRODUCT_LOOKBACK)
    refuse_control_characters({"reason": reason, "lot": lot})
    lot = lot.strip()
    scopes = [s for s in (donor, collection, lot or None, product) if s is not None]
    errors: dict[str, str] = {}
    if len(scopes) != 1:
        errors["scope"] = gettext("Give exactly one of donor, collection, lot or unit.")
    if not reason.strip():
        errors["reason"] = gettext("Say why.")
    for name, obj in (("donor", donor), ("collection", collection), ("product", product)):
        if obj is not None and obj.clinic_id != clinic.pk:
            errors[name] = gettext("Not of this clinic.")
    if errors:
        raise ValidationError(errors)
    found = selectors.lookback(
        user=by,
        clinic_id=clinic.pk,
        donor_id=donor.pk if donor else None,
        collection_id=collection.pk if collection else None,
        lot=lot or None,
        din=product.din if product else None,
    )
    if not found.rows:
        raise ValidationError({"scope": gettext("No unit was made from it: nothing to recall.")})
    recall = Recall.objects.create(
        clinic=clinic,
        reason=reason.strip(),
        donor=donor,
        collection=collection,
        lot=lot,
        product=product,
        initiated_by=by,
        initiated_at=_now(),
    )
    entries = []
    for row in found.rows:
        unit = _lock(row.unit)
        entries.append(RecallUnit(recall=recall, product=unit, status_before=unit.status))
        if ProductStatus.RECALLED in TRANSITIONS[unit.status]:
            _move(
                unit,
                ProductStatus.RECALLED,
                CustodyKind.RECALLED,
                by=by,
                note=f"Recall #{recall.pk}: {reason.strip()}",
            )
    try:
        RecallUnit.objects.bulk_create(entries)
    except IntegrityError as exc:  # the same unit twice: a bug, never half a recall
        raise ValidationError({"scope": gettext("A unit appears twice in the recall.")}) from exc
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=recall,
        patient_id=None,
        clinic_id=clinic.pk,
        detail={
            "units": [e.product_id for e in entries],
            "recipients": [p.pk for p in found.recipients],
        },
    )
    return recall
