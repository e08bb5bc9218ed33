"""Every write of the consultation: rule settings, prices, blood results, screenings and the
shared decision. Each runs in one transaction and writes its audit entry in the same place.
Bad input raises ``ValidationError({field: message})`` and changes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from scarclinic.accounts.access import has_perm_in
from scarclinic.accounts.models import Clinic, User
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_object, audit_record
from scarclinic.clinical.candidacy import DEFAULT_RULES, RuleSet
from scarclinic.clinical.evidence import Modality
from scarclinic.patients.models import Patient
from scarclinic.treatments.clinical_text import message_json
from scarclinic.treatments.models import (
    NONE_YET,
    CandidacyRuleSettings,
    ConsultationLabs,
    PriceListEntry,
    Screening,
    SharedDecision,
)
from scarclinic.treatments.selectors import consultation as selectors

MAX_QUESTIONS = 5000
MAX_PRICE = Decimal("9999999999.99")
LABS_FIELDS = (
    "platelet_count_10e9_per_l",
    "haemoglobin_g_dl",
    "measured_on",
    "smoker",
    "expects_gradual_results",
)


def _require(user: User, clinic_id: int, perm: Perm) -> None:
    if not has_perm_in(user, clinic_id, perm):
        raise ValidationError(
            {"clinic": gettext("You do not work in this clinic with that permission.")}
        )


# ------------------------------------------------------------------------------------------
# Candidacy rule settings


def _describe_change(
    before: RuleSet, after: RuleSet, disabled: Iterable[str], enabled: Iterable[str]
) -> str:
    parts = [f"switched off {r}" for r in sorted(set(disabled) - before.disabled)]
    parts += [f"switched on {r}" for r in sorted(set(enabled) & before.disabled)]
    for t in after.thresholds:
        old, new = before.threshold(t.name), after.threshold(t.name)
        if old != new:
            parts.append(f"{t.name} {old:g} -> {new:g}")
    return "; ".join(parts)


@transaction.atomic
def rule_settings_change(
    *,
    clinic: Clinic,
    by: User,
    disable: Iterable[str] = (),
    enable: Iterable[str] = (),
    thresholds: Mapping[str, float | None] | None = None,
    reason: str = "",
) -> CandidacyRuleSettings:
    """Switch candidacy rules off or on and set thresholds (None resets one to its default).

    Adds a settings row with the whole resulting configuration; the previous ones stay."""
    _require(by, clinic.pk, Perm.RULES_MANAGE)
    disable, enable = list(disable), list(enable)
    thresholds = dict(thresholds or {})
    # Lock the clinic row so two directors' changes get consecutive numbers.
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    latest = selectors.rule_settings_latest(clinic_id=clinic.pk)
    before = selectors.rule_set_from(latest).rule_set
    errors: dict[str, str] = {}
    known_rules = {r.id for r in DEFAULT_RULES.rules}
    for name, ids in (("disable", disable), ("enable", enable)):
        unknown = [r for r in ids if r not in known_rules]
        if unknown:
            errors[name] = gettext("Unknown rule: %(join)s.") % {"join": ", ".join(sorted(unknown))}
    if set(disable) & set(enable):
        errors["enable"] = gettext("A rule cannot be switched off and on in the same change.")
    by_name = {t.name: t for t in DEFAULT_RULES.thresholds}
    for name, value in thresholds.items():
        if name not in by_name:
            errors[name] = gettext("Unknown threshold: %(name)s.") % {"name": name}
            continue
        if value is None:
            continue
        try:
            by_name[name].check(value)
        except ValueError as exc:
            errors[name] = f"{exc}."
    if set(disable) - before.disabled and not reason.strip():
        errors["reason"] = gettext(
            "Say why the rule is switched off; the reason is kept with the change."
        )
    if errors:
        raise ValidationError(errors)
    try:
        after = before.with_changes(disabled=disable, enabled=enable, thresholds=thresholds)
    except ValueError as exc:  # the checks above should have caught it; never save half
        raise ValidationError({"thresholds": str(exc)}) from exc
    if after.version == before.version:
        raise ValidationError(
            {"changes": gettext("Nothing changed: the rules are already set this way.")}
        )
    row = CandidacyRuleSettings.objects.create(
        clinic=clinic,
        number=(latest.number + 1) if latest else 1,
        base_version=after.base_version,
        disabled_rules=sorted(after.disabled),
        threshold_overrides=dict(after.overrides),
        version=after.version,
        changed_by=by,
        changed_at=timezone.now(),
        change=_describe_change(before, after, disable, enable)[:300],
        reason=reason.strip()[:500],
    )
    audit_object(
        actor=by,
        action=AuditAction.UPDATE,
        obj=row,
        patient_id=None,
        clinic_id=clinic.pk,
        detail={
            "version": after.version,
            "previous_version": before.version,
            "disabled": sorted(after.disabled - before.disabled),
            "enabled": sorted(before.disabled - after.disabled),
            "thresholds": {
                t.name: after.threshold(t.name)
                for t in after.thresholds
                if after.threshold(t.name) != before.threshold(t.name)
            },
        },
    )
    return row


# ------------------------------------------------------------------------------------------
# Prices


def _decimal(value: Any, *, money: bool = False) -> Decimal | None:
    if isinstance(value, bool) or (money and isinstance(value, float)):
        # Floats carry binary noise; money comes as a Decimal, an int or a string.
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@transaction.atomic
def price_set(
    *,
    clinic: Clinic,
    by: User,
    modality: str,
    price_per_session: Decimal | str,
    effective_from: date,
    currency: str = "PKR",
    is_demo: bool = False,
) -> PriceListEntry:
    """Add a price for one session of a treatment from a date on; earlier prices stay."""
    _require(by, clinic.pk, Perm.PRICES_MANAGE)
    errors: dict[str, str] = {}
    if modality not in {m.value for m in Modality}:
        errors["modality"] = gettext("Choose a treatment from the catalogue.")
    price = _decimal(price_per_session, money=True)
    if price is None:
        errors["price_per_session"] = gettext("Give the price as a number, e.g. 15000 or 15000.50.")
    elif price < 0:
        errors["price_per_session"] = gettext("A price cannot be negative.")
    elif price > MAX_PRICE or price != price.quantize(Decimal("0.01")):
        errors["price_per_session"] = gettext("At most 10 digits before the point and 2 after.")
    currency = (currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
        errors["currency"] = gettext("Give a three-letter currency code, e.g. PKR.")
    else:
        others = (
            PriceListEntry.objects.filter(clinic=clinic)
            .exclude(currency=currency)
            .values_list("currency", flat=True)
            .first()
        )
        if others:
            errors["currency"] = gettext(
                "This clinic's prices are in %(others)s: costs of different currencies cannot be added up."
            ) % {"others": others}
    if not isinstance(effective_from, date):
        errors["effective_from"] = gettext("Give the date the price applies from.")
    if (
        not errors
        and PriceListEntry.objects.filter(
            clinic=clinic, modality=modality, effective_from=effective_from
        ).exists()
    ):
        errors["effective_from"] = gettext(
            "A price for this treatment from this date exists already; prices are kept as "
            "history, so give the date the new price starts."
        )
    if errors:
        raise ValidationError(errors)
    assert price is not None
    try:
        with transaction.atomic():
            entry = PriceListEntry.objects.create(
                clinic=clinic,
                modality=modality,
                price_per_session=price,
                currency=currency,
                effective_from=effective_from,
                is_demo=is_demo,
                recorded_by=by,
                recorded_at=timezone.now(),
            )
    except IntegrityError as exc:  # a concurrent entry for the same day
        raise ValidationError(
            {"effective_from": gettext("A price from this date exists already.")}
        ) from exc
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=entry,
        patient_id=None,
        clinic_id=clinic.pk,
        detail={"modality": modality, "effective_from": effective_from.isoformat()},
    )
    return entry


# ------------------------------------------------------------------------------------------
# Blood results and facts for screening


@transaction.atomic
def labs_record(*, patient: Patient, by: User, **fields: Any) -> ConsultationLabs:
    """Record blood results and the facts screening uses; earlier records stay."""
    _require(by, patient.clinic_id, Perm.HISTORY_EDIT)
    unknown = set(fields) - set(LABS_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), gettext("Unknown field.")))
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, digits in (("platelet_count_10e9_per_l", 5), ("haemoglobin_g_dl", 3)):
        raw = fields.get(name)
        if raw is None or raw == "":
            values[name] = None
            continue
        number = _decimal(raw)
        if number is None or number < 0:
            errors[name] = gettext("Give a number of 0 or more.")
        elif number >= Decimal(10) ** digits:
            errors[name] = gettext("This value is out of range.")
        else:
            values[name] = number.quantize(Decimal("0.1"))
    measured_on = fields.get("measured_on")
    has_blood = values.get("platelet_count_10e9_per_l") is not None or (
        values.get("haemoglobin_g_dl") is not None
    )
    if measured_on is not None and not isinstance(measured_on, date):
        errors["measured_on"] = gettext("Give the date the blood was taken.")
    elif measured_on is not None and measured_on > timezone.localdate():
        errors["measured_on"] = gettext("The blood cannot have been taken in the future.")
    elif has_blood and measured_on is None:
        errors["measured_on"] = gettext("Give the date the blood was taken.")
    expects = fields.get("expects_gradual_results")
    if expects is not None and not isinstance(expects, bool):
        errors["expects_gradual_results"] = gettext("Yes, no, or not asked.")
    if errors:
        raise ValidationError(errors)
    labs = ConsultationLabs.objects.create(
        patient=patient,
        measured_on=measured_on,
        smoker=bool(fields.get("smoker", False)),
        expects_gradual_results=expects,
        recorded_by=by,
        recorded_at=timezone.now(),
        **values,
    )
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=labs,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={"fields": sorted(k for k, v in fields.items() if v not in (None, "", False))},
    )
    return labs


# ------------------------------------------------------------------------------------------
# Screenings


def _fired_data(screening: Any) -> list[dict[str, Any]]:
    return [
        {
            "rule_id": f.rule_id,
            "outcome": f.outcome.value,
            "reason": f.reason,
            "until": f.until.isoformat() if f.until else None,
            # The English reason is the record; the message and its typed parameters let a
            # reader see it in their own language.
            **message_json(f.text),
        }
        for f in screening.fired
    ]


def _same(row: Screening, new: Screening) -> bool:
    return (
        row.status == new.status
        and row.fired == new.fired
        and row.rule_set_version == new.rule_set_version
        and row.assessment_id == new.assessment_id
        and row.history_version_id == new.history_version_id
        and row.labs_id == new.labs_id
    )


@transaction.atomic
def screenings_record(
    *,
    consultation: selectors.Consultation,
    by: User,
    modalities: Iterable[Modality] | None = None,
) -> list[Screening]:
    """Keep the screenings a consultation showed, with the rule set version they used.

    A screening identical to the latest one kept for the same treatment today (same result,
    rules, assessment, history and blood results) is not kept twice; the audit log still has
    every view. Returns the rows kept now."""
    if not consultation.is_ready:
        return []
    assert consultation.assessment is not None and consultation.history is not None
    wanted = set(modalities) if modalities is not None else set(Modality)
    patient = consultation.patient
    now = timezone.now()
    fresh = [
        Screening(
            patient=patient,
            modality=s.modality.value,
            on_date=consultation.on_date,
            status=s.status.value,
            fired=_fired_data(s),
            reassess_on=s.reassess_on,
            rule_set_version=s.rule_set_version,
            rule_settings=consultation.rules.settings,
            assessment=consultation.assessment,
            history_version=consultation.history,
            labs=consultation.labs,
            screened_by=by,
            screened_at=now,
        )
        for s in consultation.screenings
        if s.modality in wanted
    ]
    latest: dict[str, Screening] = {}
    for row in Screening.objects.filter(patient=patient, on_date=consultation.on_date).order_by(
        "-screened_at", "-id"
    ):
        latest.setdefault(row.modality, row)
    new = [s for s in fresh if s.modality not in latest or not _same(latest[s.modality], s)]
    if not new:
        return []
    Screening.objects.bulk_create(new)
    audit_record(
        actor=by,
        action=AuditAction.CREATE,
        object_type=Screening._meta.label_lower,
        patient_id=patient.pk,
        clinic_id=patient.clinic_id,
        detail={
            "ids": [s.pk for s in new],
            "rule_set_version": consultation.rule_set_version,
        },
    )
    return new


# ------------------------------------------------------------------------------------------
# The shared decision


@transaction.atomic
def decision_record(
    *,
    patient: Patient,
    by: User,
    chosen: str,
    questions: str = "",
    fingerprint: str | None = None,
    on_date: date | None = None,
) -> SharedDecision:
    """Record what the patient decided, with a snapshot of the options they were shown.

    The options are computed again here, never taken from the client; ``fingerprint`` (from
    the page) makes sure the patient decided on what is current. Only an option that can go
    ahead now, or "none yet", can be chosen: a deferred or contraindicated option cannot be
    the start of a treatment plan."""
    _require(by, patient.clinic_id, Perm.DECISION_RECORD)
    # Read again: the history may have changed since the caller fetched the patient.
    current = Patient.objects.select_related("clinic", "current_history").get(pk=patient.pk)
    consultation = selectors.consultation_build(patient=current, on_date=on_date)
    if not consultation.is_ready:
        raise ValidationError(consultation.missing)
    assert consultation.assessment is not None and consultation.history is not None
    errors: dict[str, str] = {}
    chosen = (chosen or "").strip()
    options = {selectors.option_key(o): o for o in consultation.options}
    if not chosen:
        errors["chosen"] = gettext("Choose an option, or record that no treatment is chosen yet.")
    elif chosen != NONE_YET and chosen not in options:
        errors["chosen"] = gettext("No such option for this patient.")
    elif chosen != NONE_YET and not options[chosen].suitable:
        option = options[chosen]
        when = (
            f" Reassess on or after {option.reassess_on.isoformat()}." if option.reassess_on else ""
        )
        errors["chosen"] = gettext(
            "%(label)s is %(value)s for this patient and cannot be the start of a treatment plan now.%(when)s"
        ) % {"label": option.label, "value": option.status.value, "when": when}
    if len(questions or "") > MAX_QUESTIONS:
        errors["questions"] = gettext("At most %(MAX_QUESTIONS)s characters.") % {
            "MAX_QUESTIONS": MAX_QUESTIONS
        }
    snapshot = consultation.snapshot()
    if fingerprint and fingerprint != selectors.snapshot_fingerprint(snapshot):
        errors["options"] = gettext(
            "The options changed since the page was opened (rules, prices, history, blood "
            "results or assessment): review them with the patient again."
        )
    if errors:
        raise ValidationError(errors)
    decision = SharedDecision.objects.create(
        patient=current,
        options_shown=snapshot,
        chosen_option=chosen,
        chosen_label=selectors.NONE_YET_LABEL if chosen == NONE_YET else options[chosen].label,
        questions=(questions or "").strip(),
        decided_at=timezone.now(),
        decided_by=by,
        assessment=consultation.assessment,
        history_version=consultation.history,
        rule_set_version=consultation.rule_set_version,
    )
    screenings_record(consultation=consultation, by=by)
    audit_object(
        actor=by,
        action=AuditAction.CREATE,
        obj=decision,
        patient_id=current.pk,
        clinic_id=current.clinic_id,
        detail={"status": decision.status, "rule_set_version": decision.rule_set_version},
    )
    return decision
