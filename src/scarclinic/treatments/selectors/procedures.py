"""Reads of procedure records and the pre-procedure checklist.

The checklist is worked out from the records, never ticked from memory: a consent in force
for each procedure type the treatment involves, candidacy screened again today with the
clinic's rules, photographs taken today, and for cell products the bedside check of the
product (the biologics app)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.models import User
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.models import REQUIRED_VIEWS, PhotoSet, PhotoView
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record
from scarclinic.clinical.candidacy import Screening
from scarclinic.clinical.evidence import CATALOGUE, Modality
from scarclinic.patients.models import Patient, ProcedureType, SignedConsent
from scarclinic.treatments.clinical_text import clinical_text
from scarclinic.treatments.models import (
    Appointment,
    AppointmentStatus,
    ProcedureRecord,
    TreatmentSession,
)
from scarclinic.treatments.selectors.consultation import STATUS_LABELS, consultation_build
from scarclinic.treatments.selectors.plans import PlanNotFound

P = ProcedureType
# The consents a treatment needs: one in force for each procedure type it involves.
CONSENT_FOR: dict[Modality, tuple[str, ...]] = {
    Modality.STEM_CELL_SVF_INJECTION: (P.CELL_THERAPY,),
    Modality.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING: (P.CELL_THERAPY, P.MICRONEEDLING),
    Modality.MICRONEEDLING_PRP: (P.MICRONEEDLING, P.PRP),
    Modality.MICRONEEDLING: (P.MICRONEEDLING,),
    Modality.FRACTIONAL_ABLATIVE_LASER: (P.LASER,),
    Modality.NON_ABLATIVE_FRACTIONAL_LASER: (P.LASER,),
    Modality.CHEMICAL_PEEL: (P.CHEMICAL_PEEL,),
    Modality.TCA_CROSS: (P.CHEMICAL_PEEL,),
    Modality.SUBCISION: (P.SUBCISION,),
    Modality.DERMAL_FILLER: (P.FILLER,),
    # The consent templates have no procedure type for punch techniques yet: refused below.
    Modality.PUNCH_EXCISION_ELEVATION: (),
}
CELL_PRODUCT_MODALITIES = frozenset(m for m, info in CATALOGUE.items() if info.is_cell_therapy)


@dataclass(frozen=True)
class CheckItem:
    """One item of the checklist. ``label`` is the English msgid (stored, translated where it
    is shown); ``detail`` is written in the language of the page that worked it out and is
    stored as it was shown, like a shared decision's snapshot."""

    key: str
    label: str
    passed: bool
    detail: str
    refs: dict[str, Any] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "passed": self.passed,
            "detail": self.detail,
            "refs": self.refs,
        }


@dataclass(frozen=True)
class Checklist:
    on_date: date
    items: list[CheckItem]
    screening: Screening | None
    appointment: Appointment | None

    @property
    def complete(self) -> bool:
        return all(item.passed for item in self.items)

    @property
    def failing(self) -> dict[str, str]:
        return {
            i.key: gettext("%(label)s: %(detail)s")
            % {"label": gettext(i.label), "detail": i.detail}
            for i in self.items
            if not i.passed
        }


def _day(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")


def _consent_item(patient: Patient, modality: Modality) -> CheckItem:
    needed = CONSENT_FOR[modality]
    label = gettext_noop("Consent in force for this procedure")
    if not needed:
        return CheckItem(
            "consent",
            label,
            False,
            gettext(
                "No consent type for %(treatment)s in the consent templates yet: ask the "
                "administrator to add one before this treatment is done."
            )
            % {"treatment": gettext(modality.label)},
        )
    consents = list(
        SignedConsent.objects.filter(
            patient=patient, procedure_type__in=needed, withdrawn_at__isnull=True
        ).order_by("-signed_at")
    )
    by_type = {c.procedure_type: c for c in reversed(consents)}
    parts, missing = [], []
    for kind in needed:
        consent = by_type.get(kind)
        if consent is None:
            missing.append(str(ProcedureType(kind).label))
        else:
            parts.append(
                gettext("%(title)s v%(version)s signed %(date)s")
                % {
                    "title": consent.title,
                    "version": consent.version_number,
                    "date": _day(consent.signed_at),
                }
            )
    if missing:
        detail = gettext("No consent in force for: %(types)s.") % {
            "types": gettext(", ").join(missing)
        }
        if parts:
            detail += " " + gettext("In force: %(consents)s.") % {
                "consents": gettext("; ").join(parts)
            }
        return CheckItem("consent", label, False, detail)
    return CheckItem(
        "consent",
        label,
        True,
        gettext("%(consents)s.") % {"consents": gettext("; ").join(parts)},
        {"consents": [by_type[k].pk for k in needed]},
    )


def _candidacy_item(
    patient: Patient, modality: Modality, on_date: date
) -> tuple[CheckItem, Screening | None]:
    label = gettext_noop("Candidacy re-checked today")
    consultation = consultation_build(patient=patient, on_date=on_date)
    if not consultation.is_ready:
        return CheckItem("candidacy", label, False, " ".join(consultation.missing.values())), None
    screening = next(s for s in consultation.screenings if s.modality == modality)
    status = gettext(STATUS_LABELS[screening.status.value])
    if not screening.is_suitable:
        reasons = gettext("; ").join(clinical_text(f.text) for f in screening.blocking)
        return (
            CheckItem(
                "candidacy",
                label,
                False,
                gettext("%(status)s today (%(reasons)s). Do not go ahead; tell the physician.")
                % {"status": status, "reasons": reasons},
                {"status": screening.status.value},
            ),
            screening,
        )
    actions = " ".join(clinical_text(a) for a in screening.actions)
    detail = gettext("%(status)s with the medical history v%(history)s and rules %(rules)s.") % {
        "status": status,
        "history": consultation.history.version if consultation.history else "?",
        "rules": screening.rule_set_version,
    }
    if actions:
        detail += " " + gettext("Precautions: %(actions)s") % {"actions": actions}
    return (
        CheckItem(
            "candidacy",
            label,
            True,
            detail,
            {"status": screening.status.value, "rule_set_version": screening.rule_set_version},
        ),
        screening,
    )


def _photos_item(patient: Patient, on_date: date) -> CheckItem:
    label = gettext_noop("Photographs taken today")
    sets = list(
        PhotoSet.objects.filter(patient=patient, visit_date=on_date).prefetch_related("photos")
    )
    views = {p.view for s in sets for p in s.photos.all()}
    if not views:
        return CheckItem(
            "photos",
            label,
            False,
            gettext("No photograph dated today: take the standard set first."),
        )
    missing = [str(PhotoView(v).label) for v in REQUIRED_VIEWS if v not in views]
    count = sum(len(s.photos.all()) for s in sets)
    taken = ngettext("%(count)s photograph today", "%(count)s photographs today", count) % {
        "count": count
    }
    detail = (
        gettext("%(taken)s; standard views missing: %(views)s.")
        % {"taken": taken, "views": gettext(", ").join(missing)}
        if missing
        else gettext("%(taken)s; standard set complete.") % {"taken": taken}
    )
    return CheckItem("photos", label, True, detail, {"photo_sets": [s.pk for s in sets]})


def _bedside_item(session: TreatmentSession, patient: Patient, on_date: date) -> CheckItem:
    """The product's bedside check: an administration recorded today for this patient and
    treatment by the biologics app (which refuses one for a product not released, expired,
    another patient's or without consent), not yet used by another procedure record."""
    from scarclinic.biologics.models import ProductAdministration

    label = gettext_noop("Product released and bedside check passed")
    tz = timezone.get_current_timezone()
    start = datetime.combine(on_date, time.min, tzinfo=tz)
    administration = (
        ProductAdministration.objects.filter(
            patient=patient,
            modality=session.plan_modality.modality,
            administered_at__gte=start,
            administered_at__lt=start + timedelta(days=1),
            procedure_record__isnull=True,
        )
        .select_related("product")
        .order_by("-administered_at")
        .first()
    )
    if administration is None:
        return CheckItem(
            "bedside",
            label,
            False,
            gettext(
                "No bedside check of a cell product for this patient and treatment today: scan "
                "the product and the patient in the cell-product app first (it checks release, "
                "expiry, identity and consent)."
            ),
        )
    return CheckItem(
        "bedside",
        label,
        True,
        gettext("Bedside check passed %(time)s: %(volume)s mL, %(route)s.")
        % {
            "time": f"{timezone.localtime(administration.administered_at):%H:%M}",
            "volume": administration.volume_ml,
            "route": administration.route,
        },
        {"product_administration": administration.pk, "product": administration.product_id},
    )


def checklist_evaluate(*, session: TreatmentSession, on_date: date | None = None) -> Checklist:
    """The checklist for a session today, worked out from the records (not audited)."""
    day = on_date or timezone.localdate()
    patient = Patient.objects.select_related("clinic", "current_history").get(
        pk=session.plan.patient_id
    )
    modality = Modality(session.plan_modality.modality)
    appointment = (
        Appointment.objects.filter(session=session)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("clinician", "room")
        .first()
    )
    items = [
        CheckItem(
            "appointment",
            gettext_noop("Booked appointment"),
            appointment is not None,
            (
                gettext("%(when)s with %(clinician)s, %(room)s.")
                % {
                    "when": formats.date_format(
                        timezone.localtime(appointment.starts_at), "SHORT_DATETIME_FORMAT"
                    ),
                    "clinician": appointment.clinician.get_full_name()
                    or appointment.clinician.username,
                    "room": appointment.room.name,
                }
                if appointment
                else gettext("The session is not booked: the front desk books it first.")
            ),
            {"appointment": appointment.pk} if appointment else {},
        ),
        _consent_item(patient, modality),
    ]
    candidacy, screening = _candidacy_item(patient, modality, day)
    items += [candidacy, _photos_item(patient, day)]
    if modality in CELL_PRODUCT_MODALITIES:
        items.append(_bedside_item(session, patient, day))
    return Checklist(on_date=day, items=items, screening=screening, appointment=appointment)


def record_for_user(
    *,
    user: User | AnonymousUser,
    record_id: int,
    perm: Perm = Perm.PLAN_VIEW,
    audit: bool = True,
) -> ProcedureRecord:
    record = (
        ProcedureRecord.objects.select_related(
            "patient", "patient__clinic", "session", "session__plan", "session__plan_modality"
        )
        .filter(pk=record_id, patient__clinic_id__in=clinic_ids_with(user, perm))
        .first()
    )
    if record is None:
        raise PlanNotFound("No such procedure record.")
    if audit:
        audit_record(
            action=AuditAction.READ,
            object_type="treatments.procedurerecord",
            object_id=record.pk,
            patient_id=record.patient_id,
            clinic_id=record.patient.clinic_id,
            detail={"perm": str(perm)},
        )
    return record
