"""Reads for the consultation: the rules and prices in force at a clinic, and everything the
comparison page shows for one patient, in a fixed number of queries.

Access is checked once, with the patient (``patient_for_user``); the rest reads through the
patient, so nothing here can reach another clinic's records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.models import AssessmentStatus, ScarAssessment
from scarclinic.assessments.selectors import assessment_profile, latest_signed_assessment
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.candidacy import DEFAULT_RULES, RuleSet, Screening
from scarclinic.clinical.evidence import Modality
from scarclinic.clinical.history import age_on
from scarclinic.clinical.profile import Labs, ScarProfile
from scarclinic.clinical.recommend import (
    COLOUR_NOTE,
    RAISED_NOTE,
    ClinicOutcome,
    Fit,
    Option,
    recommend,
)
from scarclinic.clinical.text import Joined, Term
from scarclinic.patients.models import MedicalHistoryVersion, Patient
from scarclinic.patients.selectors import patient_for_user
from scarclinic.treatments.clinical_text import clinical_text
from scarclinic.treatments.models import (
    NONE_YET,
    CandidacyRuleSettings,
    ConsultationLabs,
    PriceListEntry,
    SharedDecision,
)

NONE_YET_LABEL = gettext_noop("No treatment chosen yet")  # stored in English, shown translated
DEFAULT_CURRENCY = "PKR"
RECENT_DECISIONS = 5


# ------------------------------------------------------------------------------------------
# Rules and prices of a clinic


@dataclass(frozen=True)
class ClinicRules:
    """The rule set in force at a clinic and the settings row it came from (None: defaults)."""

    rule_set: RuleSet
    settings: CandidacyRuleSettings | None
    # Stored switches or thresholds the current default rules no longer know (after an
    # upgrade of the rules); ignored, and shown on the rules page.
    ignored: tuple[str, ...] = ()


def rule_set_from(settings: CandidacyRuleSettings | None) -> ClinicRules:
    """The RuleSet a settings row describes, on top of today's default rules."""
    if settings is None:
        return ClinicRules(DEFAULT_RULES, None)
    known_rules = {r.id for r in DEFAULT_RULES.rules}
    known_thresholds = {t.name for t in DEFAULT_RULES.thresholds}
    disabled = [r for r in settings.disabled_rules if r in known_rules]
    overrides = {k: v for k, v in settings.threshold_overrides.items() if k in known_thresholds}
    ignored = tuple(
        sorted(
            {r for r in settings.disabled_rules if r not in known_rules}
            | {k for k in settings.threshold_overrides if k not in known_thresholds}
        )
    )
    try:
        rule_set = DEFAULT_RULES.with_changes(disabled=disabled, thresholds=overrides)
    except ValueError:
        # A stored threshold outside the current limits: fall back to the defaults for all,
        # never to a half-applied configuration.
        return ClinicRules(
            DEFAULT_RULES, settings, tuple(sorted(set(ignored) | set(overrides) | set(disabled)))
        )
    return ClinicRules(rule_set, settings, ignored)


def rule_settings_latest(*, clinic_id: int) -> CandidacyRuleSettings | None:
    return (
        CandidacyRuleSettings.objects.filter(clinic_id=clinic_id)
        .select_related("changed_by")
        .order_by("-number")
        .first()
    )


def clinic_rules(*, clinic_id: int) -> ClinicRules:
    """The candidacy rules in force at a clinic now."""
    return rule_set_from(rule_settings_latest(clinic_id=clinic_id))


def rule_settings_history(*, clinic_id: int, limit: int = 50) -> list[CandidacyRuleSettings]:
    return list(
        CandidacyRuleSettings.objects.filter(clinic_id=clinic_id)
        .select_related("changed_by")
        .order_by("-number")[:limit]
    )


def current_prices(*, clinic_id: int, on_date: date) -> dict[Modality, PriceListEntry]:
    """The price in force for each treatment on a date (the latest entry not after it)."""
    prices: dict[Modality, PriceListEntry] = {}
    entries = PriceListEntry.objects.filter(clinic_id=clinic_id, effective_from__lte=on_date)
    for entry in entries.order_by("modality", "-effective_from", "-id"):
        prices.setdefault(Modality(entry.modality), entry)
    return prices


def price_list(*, clinic_id: int) -> list[PriceListEntry]:
    """Every price entry of a clinic, past, current and future, per treatment newest first."""
    return list(
        PriceListEntry.objects.filter(clinic_id=clinic_id)
        .select_related("recorded_by")
        .order_by("modality", "-effective_from", "-id")
    )


def clinic_outcomes(*, clinic_id: int) -> Mapping[Modality, ClinicOutcome]:
    """The clinic's own measured results per treatment.

    The seam for the outcomes capability (issue 8): until it measures anything, no clinic
    data, and the page says so."""
    return {}


# ------------------------------------------------------------------------------------------
# One patient's consultation


@dataclass(frozen=True)
class Consultation:
    """Everything the comparison page, the PDF and a decision need for one patient today."""

    patient: Patient
    on_date: date
    age: int
    history: MedicalHistoryVersion | None
    assessment: ScarAssessment | None
    profile: ScarProfile | None
    labs: ConsultationLabs | None
    rules: ClinicRules
    prices: dict[Modality, PriceListEntry]
    outcomes: Mapping[Modality, ClinicOutcome]
    options: list[Option]  # empty until history and a signed assessment exist
    decisions: list[SharedDecision] = field(default_factory=list)

    @property
    def is_ready(self) -> bool:
        return self.history is not None and self.assessment is not None

    @property
    def missing(self) -> dict[str, str]:
        """What must be recorded before screening can run, as {field: message}."""
        problems = {}
        if self.history is None:
            problems["history"] = gettext(
                "No medical history is recorded: screening needs it (isotretinoin, pregnancy, "
                "bleeding disorders, ...). Record the history first."
            )
        if self.assessment is None:
            problems["assessment"] = gettext(
                "No signed scar assessment: the comparison is built from the latest signed "
                "assessment. Record and sign one first."
            )
        return problems

    @property
    def rule_set_version(self) -> str:
        return self.rules.rule_set.version

    @property
    def currency(self) -> str:
        currencies = {p.currency for p in self.prices.values()}
        return currencies.pop() if len(currencies) == 1 else DEFAULT_CURRENCY

    @property
    def has_demo_prices(self) -> bool:
        return any(p.is_demo for p in self.prices.values())

    @property
    def for_the_scars(self) -> list[Option]:
        """Options that can go ahead now and treat the scars recorded, best first."""
        return [o for o in self.options if o.suitable and o.fit is not Fit.NONE]

    @property
    def not_now(self) -> list[Option]:
        """Options screening rules out today (deferred or contraindicated)."""
        return [o for o in self.options if not o.suitable]

    @property
    def other_suitable(self) -> list[Option]:
        """Options that could go ahead but do not treat the scars recorded."""
        return [o for o in self.options if o.suitable and o.fit is Fit.NONE]

    @property
    def screenings(self) -> list[Screening]:
        """One screening per treatment, in the catalogue's order."""
        single = {o.modalities[0]: o.screenings[0] for o in self.options if not o.is_combination}
        return [single[m] for m in Modality if m in single]

    @property
    def choices(self) -> list[tuple[str, str]]:
        """What the patient can choose: an option that can go ahead now, or none yet."""
        return [(option_key(o), _label(o)) for o in self.options if o.suitable] + [
            (NONE_YET, gettext(NONE_YET_LABEL))
        ]

    @property
    def latest_decision(self) -> SharedDecision | None:
        return self.decisions[0] if self.decisions else None

    @cached_property
    def option_cards(self) -> list[dict[str, Any]]:
        """Every option as plain data (see :func:`option_data`), in rank order."""
        return [option_data(o, prices=self.prices) for o in self.options]

    @property
    def cards_for_the_scars(self) -> list[dict[str, Any]]:
        return [c for c in self.option_cards if c["suitable"] and c["fit"] != Fit.NONE.value]

    @property
    def cards_first_line(self) -> list[dict[str, Any]]:
        return [c for c in self.cards_for_the_scars if c["fit"] == Fit.FIRST_LINE.value]

    @property
    def cards_also_used(self) -> list[dict[str, Any]]:
        return [c for c in self.cards_for_the_scars if c["fit"] == Fit.ALSO_USED.value]

    @property
    def cards_not_now(self) -> list[dict[str, Any]]:
        return [c for c in self.option_cards if not c["suitable"]]

    @property
    def cards_other(self) -> list[dict[str, Any]]:
        return [c for c in self.option_cards if c["suitable"] and c["fit"] == Fit.NONE.value]

    @property
    def screening_rows(self) -> list[dict[str, Any]]:
        return [_screening_data(s) for s in self.screenings]

    @property
    def scar_summary(self) -> list[tuple[str, int]]:
        """(morphology label, count) of the assessment the comparison is built from."""
        if self.profile is None:
            return []
        return [(gettext(m.label), n) for m, n in self.profile.counts.items()]

    @property
    def notes(self) -> list[str]:
        """Notes about the patient's scars as a whole (colour, raised scars)."""
        if self.profile is None:
            return []
        notes = []
        if self.profile.has_macular_marks:
            notes.append(clinical_text(COLOUR_NOTE))
        if self.profile.has_raised_scars:
            notes.append(clinical_text(RAISED_NOTE))
        return notes

    def snapshot(self) -> dict[str, Any]:
        return consultation_snapshot(self)

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever what the patient is shown changes (rules, prices, facts, date)."""
        return snapshot_fingerprint(self.snapshot())


def option_key(option: Option) -> str:
    return "+".join(m.value for m in option.modalities)


def labs_to_core(labs: ConsultationLabs | None, *, age: int) -> Labs:
    if labs is None:
        return Labs(age_years=age)
    return Labs(
        platelet_count_10e9_per_l=(
            float(labs.platelet_count_10e9_per_l)
            if labs.platelet_count_10e9_per_l is not None
            else None
        ),
        haemoglobin_g_dl=float(labs.haemoglobin_g_dl)
        if labs.haemoglobin_g_dl is not None
        else None,
        measured_on=labs.measured_on,
        smoker=labs.smoker,
        expects_gradual_results_over_sessions=labs.expects_gradual_results,
        age_years=age,
    )


def latest_labs(*, patient: Patient) -> ConsultationLabs | None:
    return (
        ConsultationLabs.objects.filter(patient=patient)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")
        .first()
    )


def consultation_build(
    *, patient: Patient, on_date: date | None = None, with_decisions: bool = False
) -> Consultation:
    """The consultation for a patient whose access the caller has checked; not audited."""
    today = on_date or timezone.localdate()
    age = age_on(patient.date_of_birth, today)
    history = patient.current_history
    assessment = latest_signed_assessment(patient=patient)
    profile = assessment_profile(assessment) if assessment is not None else None
    labs = latest_labs(patient=patient)
    rules = clinic_rules(clinic_id=patient.clinic_id)
    prices = current_prices(clinic_id=patient.clinic_id, on_date=today)
    outcomes = clinic_outcomes(clinic_id=patient.clinic_id)
    options: list[Option] = []
    if history is not None and profile is not None:
        options = recommend(
            profile,
            history.to_core(),
            today,
            labs=labs_to_core(labs, age=age),
            prices={m: p.price_per_session for m, p in prices.items()},
            rules=rules.rule_set,
            clinic_outcomes=outcomes,
        )
    decisions = (
        list(
            SharedDecision.objects.filter(patient=patient)
            .select_related("decided_by")
            .defer("options_shown")  # a snapshot is large; the page lists the choice only
            .order_by("-decided_at", "-id")[:RECENT_DECISIONS]
        )
        if with_decisions
        else []
    )
    return Consultation(
        patient=patient,
        on_date=today,
        age=age,
        history=history,
        assessment=assessment,
        profile=profile,
        labs=labs,
        rules=rules,
        prices=prices,
        outcomes=outcomes,
        options=options,
        decisions=decisions,
    )


def consultation_for_user(
    *, user: User | AnonymousUser, patient_id: int, on_date: date | None = None
) -> Consultation:
    """The consultation of a patient the user may see it for; the read is audited."""
    patient = patient_for_user(user=user, patient_id=patient_id, perm=Perm.CONSULTATION_VIEW)
    return consultation_build(patient=patient, on_date=on_date, with_decisions=True)


# ------------------------------------------------------------------------------------------
# What the patient was shown, as data


STATUS_LABELS = {
    "eligible": gettext_noop("Can go ahead"),
    "caution": gettext_noop("Can go ahead, with precautions"),
    "defer": gettext_noop("Not now"),
    "contraindicated": gettext_noop("Not suitable for you"),
}
# A fired rule's outcome, as the screening table names it.
OUTCOME_LABELS = {
    "caution": gettext_noop("caution"),
    "defer": gettext_noop("defer"),
    "contraindicated": gettext_noop("contraindicated"),
}


def money(value: Decimal, currency: str) -> str:
    """'PKR 15,000' or 'PKR 15,000.50'."""
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"
    return f"{currency} {text}"


def _cost_text(option: Option, prices: Mapping[Modality, PriceListEntry]) -> str:
    if option.cost is None or option.cost_from is None:
        missing = [gettext(m.label) for m in option.modalities if m not in prices]
        return gettext("No price in the clinic's list for %(treatments)s.") % {
            "treatments": ", ".join(missing)
        }
    currency = prices[option.modalities[0]].currency
    total = (
        money(option.cost, currency)
        if option.cost == option.cost_from
        else gettext("%(low)s to %(high)s")
        % {"low": money(option.cost_from, currency), "high": money(option.cost, currency)}
    )
    each = gettext("; ").join(
        gettext("%(treatment)s %(price)s a session")
        % {
            "treatment": gettext(prices[m].modality_label),
            "price": money(prices[m].price_per_session, currency),
        }
        for m in option.modalities
    )
    text = gettext("%(total)s for the default number of sessions (%(each)s).") % {
        "total": total,
        "each": each,
    }
    if any(prices[m].is_demo for m in option.modalities):
        text += " " + gettext("Demo prices, not a quote.")
    return text


def _label(option: Option) -> str:
    return clinical_text(Joined(tuple(Term(m.label) for m in option.modalities), " + "))


def _date(day: date | None) -> str | None:
    """A date as the active language writes it (ISO in English)."""
    return None if day is None else clinical_text(day)


def _screening_data(s: Screening) -> dict[str, Any]:
    return {
        "modality": s.modality.value,
        "label": gettext(s.modality.label),
        "status": s.status.value,
        "status_label": gettext(STATUS_LABELS[s.status.value]),
        "reassess_on": _date(s.reassess_on),
        "fired": [
            {
                "rule_id": f.rule_id,
                "title": clinical_text(f.title),
                "outcome": f.outcome.value,
                "outcome_label": gettext(OUTCOME_LABELS[f.outcome.value]),
                "reason": clinical_text(f.text),
                "explanation": clinical_text(f.explanation),
                "action": clinical_text(f.action),
                "until": _date(f.until),
                "source": clinical_text(f.source),
                "verified": f.verified,
            }
            for f in s.fired
        ],
    }


def option_data(option: Option, *, prices: Mapping[Modality, PriceListEntry]) -> dict[str, Any]:
    """One option as plain data: what the page, the PDF and the decision's snapshot show."""
    currency = next(
        (prices[m].currency for m in option.modalities if m in prices), DEFAULT_CURRENCY
    )
    return {
        "key": option_key(option),
        "label": _label(option),
        "rank": option.rank,
        "modalities": [m.value for m in option.modalities],
        "suitable": option.suitable,
        "status": option.status.value,
        "status_label": gettext(STATUS_LABELS[option.status.value]),
        "fit": option.fit.value,
        "why": clinical_text(option.why_text),
        "not_suitable_reason": (
            None if option.not_suitable_text is None else clinical_text(option.not_suitable_text)
        ),
        "reassess_on": _date(option.reassess_on),
        "evidence": [
            {
                "id": e.id,
                "intervention": clinical_text(e.intervention),
                "effect": clinical_text(e.effect),
                "measure": clinical_text(e.measure),
                "design": clinical_text(e.design),
                "level": e.level.value,
                "level_label": clinical_text(e.level.label),
                "n": e.n,
                "n_unit": clinical_text(e.n_unit),
                "citation": e.citation,
                "note": clinical_text(e.note) if e.note else "",
                "indirect": e.indirect,
            }
            for e in option.evidence
        ],
        "evidence_is_weak": option.evidence_is_weak,
        "evidence_wording": clinical_text(option.evidence_wording_text),
        "investigational": any(d.is_investigational for d in option.details),
        "regulatory": [
            f"{clinical_text(d.label)}: {clinical_text(d.regulatory_status)}"
            for d in option.details
            if d.is_investigational
        ],
        "mechanisms": [
            {"label": clinical_text(d.label), "text": clinical_text(d.mechanism)}
            for d in option.details
        ],
        "sessions": [
            {
                "label": clinical_text(d.label),
                "text": clinical_text(d.sessions.text),
                "verified": d.sessions.verified,
            }
            for d in option.details
        ],
        "downtime": [
            {"label": clinical_text(d.label), "text": clinical_text(d.downtime.text)}
            for d in option.details
        ],
        "cost_from": None if option.cost_from is None else str(option.cost_from),
        "cost_to": None if option.cost is None else str(option.cost),
        "currency": currency,
        "cost_text": _cost_text(option, prices),
        "risks": {
            "common": list(
                dict.fromkeys(clinical_text(r.text) for d in option.details for r in d.common_risks)
            ),
            "serious": list(
                dict.fromkeys(
                    clinical_text(r.text) for d in option.details for r in d.serious_risks
                )
            ),
        },
        "skin_type": list(dict.fromkeys(clinical_text(d.skin_type) for d in option.details)),
        "clinic_outcomes": [clinical_text(o.text) for o in option.clinic_outcomes.values()],
        "screenings": [_screening_data(s) for s in option.screenings],
        # The notes about the scars as a whole are the consultation's, shown once.
        "notes": [
            clinical_text(n) for n in option.notes_text if n.text not in (COLOUR_NOTE, RAISED_NOTE)
        ],
    }


def consultation_snapshot(consultation: Consultation) -> dict[str, Any]:
    """The options shown, with their evidence, costs and screening, as the decision keeps them."""
    return {
        "on_date": consultation.on_date.isoformat(),
        "rule_set_version": consultation.rule_set_version,
        "assessment_id": consultation.assessment.pk if consultation.assessment else None,
        "history_version_id": consultation.history.pk if consultation.history else None,
        "labs_id": consultation.labs.pk if consultation.labs else None,
        "prices": {
            m.value: {
                "entry_id": p.pk,
                "price_per_session": str(p.price_per_session),
                "currency": p.currency,
                "is_demo": p.is_demo,
            }
            for m, p in sorted(consultation.prices.items())
        },
        "profile": (
            {
                "assessed_on": consultation.profile.assessed_on.isoformat(),
                "grade": int(consultation.profile.grade) if consultation.profile.grade else None,
                "counts": {m.value: n for m, n in consultation.profile.counts.items()},
            }
            if consultation.profile
            else None
        ),
        "notes": consultation.notes,
        "options": consultation.option_cards,
    }


def snapshot_fingerprint(snapshot: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------
# Decisions


def decisions_for_patient(*, patient: Patient) -> list[SharedDecision]:
    return list(
        SharedDecision.objects.filter(patient=patient)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
    )


def decision_for_user(*, user: User | AnonymousUser, decision_id: int) -> SharedDecision:
    """A decision of a patient the user may see consultations of; the same 404 otherwise."""
    decision = (
        SharedDecision.objects.select_related("patient", "decided_by", "assessment")
        .filter(
            pk=decision_id,
            patient__clinic_id__in=clinic_ids_with(user, Perm.CONSULTATION_VIEW),
        )
        .first()
    )
    if decision is None:
        raise Http404("No such decision.")
    audit_record(
        action=AuditAction.READ,
        object_type=decision._meta.label_lower,
        object_id=decision.pk,
        patient_id=decision.patient_id,
        clinic_id=decision.patient.clinic_id,
    )
    return decision


@dataclass(frozen=True)
class ChartSection:
    patient: Patient
    decisions: list[SharedDecision]  # the most recent first, at most RECENT_DECISIONS
    has_signed_assessment: bool

    @property
    def latest_decision(self) -> SharedDecision | None:
        return self.decisions[0] if self.decisions else None


def chart_section(*, user: User | AnonymousUser, patient_id: int) -> ChartSection:
    """What the chart's treatment-options section shows, in a fixed number of queries."""
    patient = patient_for_user(user=user, patient_id=patient_id, perm=Perm.CONSULTATION_VIEW)
    decisions = list(
        SharedDecision.objects.filter(patient=patient)
        .select_related("decided_by")
        .defer("options_shown")
        .order_by("-decided_at", "-id")[:RECENT_DECISIONS]
    )
    # The latest with its snapshot: the plan's sessions are in what the patient was shown.
    latest = (
        SharedDecision.objects.select_related("decided_by").get(pk=decisions[0].pk)
        if decisions
        else None
    )
    return ChartSection(
        patient=patient,
        decisions=[latest, *decisions[1:]] if latest else [],
        has_signed_assessment=ScarAssessment.objects.filter(
            patient=patient, status=AssessmentStatus.SIGNED
        ).exists(),
    )
