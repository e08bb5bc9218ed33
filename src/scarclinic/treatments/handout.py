"""PDFs the patient takes home from the plan, in English or Urdu (web/pdf.py sets the page,
the fonts and the direction): the handout of a session (clinic, plan, next appointment,
post-care instructions) and the plan's cost estimate.

The fixed words come from the treatments catalogue (plain wording for patients in Urdu); the
clinic's instructions themselves come from its templates, one per language. Dates inside
Urdu text are written dd/mm/yyyy: the slash keeps the digits in order within right-to-left
text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from scarclinic.treatments.models import PlanModality
from scarclinic.treatments.selectors.plans import EstimateLine, PlanPage, SessionRow
from scarclinic.treatments.selectors.postcare import Handout
from scarclinic.web.pdf import ACCENT, CAUTION, MUTED, PatientPDF


def _status_word(pdf: PatientPDF, row: SessionRow) -> str:
    if row.session.status == "done":
        return _("done")
    if row.appointment is not None:
        return _("booked %(when)s") % {"when": pdf.when(row.appointment.starts_at)}
    return _("to be booked (%(date)s)") % {"date": pdf.day(row.session.target_date)}


def handout_pdf(handout: Handout, *, compress: bool = True) -> bytes:
    """The handout of one session in ``handout.language``."""
    h = handout
    pdf = PatientPDF(language=h.language, margin=18, zone=h.patient.clinic.zone)
    # Larger type than the clinic's documents: the patient reads it at home.
    pdf.body_size, pdf.leading = 11, 6.5
    with translation.override(pdf.language):
        _handout(pdf, h)
        pdf.set_compression(compress)
        return bytes(pdf.output())


def _handout(pdf: PatientPDF, h: Handout) -> None:
    patient, clinic = h.patient, h.patient.clinic
    pdf.footer_text = f"{clinic.name} - {patient.mrn} - {pdf.day(h.on_date)}"
    pdf.set_title(_("Aftercare %(date)s") % {"date": pdf.day(h.on_date)})
    pdf.set_author(clinic.name)
    pdf.add_page()

    pdf.para(", ".join(p for p in (clinic.name, clinic.city) if p), size=10, color=MUTED)
    pdf.para(_("Your treatment and aftercare"), size=19, style="B", height=9)
    pdf.para(_("Patient: %(name)s (%(mrn)s)") % {"name": patient.full_name, "mrn": patient.mrn})

    pm = h.session.plan_modality
    pdf.heading(_("This session"), color=ACCENT)
    this = h.this_row
    day = this.day if this else h.session.target_date
    count = _("session %(n)s of %(total)s") % {"n": h.session.number, "total": h.session_count}
    pdf.para(f"{pm.label} · {count} · {pdf.day(day)}", size=11)

    pdf.heading(_("Your treatment plan"), color=ACCENT)
    for row in h.rows:
        if row.session.status == "cancelled":
            continue
        label = row.session.plan_modality.label
        marker = "▶ " if row.session.pk == h.session.pk and not pdf.rtl else ""
        pdf.para(
            f"{marker}{label} {row.session.number}: {_status_word(pdf, row)}", indent=4, size=10
        )

    pdf.heading(_("Your next appointment"), color=ACCENT)
    nxt = h.next_row
    if nxt is not None and nxt.appointment is not None:
        pdf.para(
            f"{pdf.when(nxt.appointment.starts_at)} · {nxt.session.plan_modality.label}",
            size=12,
            style="B",
        )
    else:
        pdf.para(_("Not booked yet: the clinic will contact you to book it."), size=11)

    pdf.heading(_("Aftercare instructions"), color=ACCENT)
    template = h.template
    if template is None:
        pdf.para(
            _(
                "The clinic has not written aftercare instructions for this treatment yet: "
                "ask the nurse before you leave."
            ),
            size=11,
        )
    else:
        pdf.para(template.title, size=11, style="B")
        for item in template.items:
            # fpdf2's bidi places a leading bullet at the wrong end of a right-to-left line:
            # Urdu instructions are set as separate paragraphs instead.
            if pdf.rtl:
                pdf.para(item["text"], size=11)
                pdf.ln(1)
            else:
                pdf.para(f"• {item['text']}", size=11, indent=4)
        days = template.remind_days
        if days:
            joined = ("، " if pdf.rtl else ", ").join(str(d) for d in days)
            pdf.ln(1)
            pdf.para(
                _("We will send you a reminder by email on day(s) %(days)s after this session.")
                % {"days": joined},
                size=10,
                color=MUTED,
            )
        pdf.para(_("Instructions version %(version)s") % {"version": template.version}, size=8.5)
        if template.is_demo:
            pdf.para(
                _("Demo wording, loaded with the demo data: the clinic replaces it with its own."),
                size=9,
                color=CAUTION,
            )
    pdf.ln(2)
    pdf.para(
        _("If you are worried about anything after your treatment, call the clinic."),
        size=11,
        style="B",
    )


def _money(pdf: PatientPDF, value: Decimal, currency: str) -> str:
    """'PKR 15,000' (English) or 'PKR 1,50,000' (Urdu, lakh grouping)."""
    decimals = 0 if value == value.to_integral_value() else 2
    return f"{currency} {pdf.number(value, decimals)}"


def _interval(pm: PlanModality) -> str:
    if pm.sessions == 1 or pm.interval_value is None:
        return _("one session")
    n = pm.interval_value
    if pm.interval_unit == "months":
        return ngettext("every month", "every %(n)s months", n) % {"n": n}
    return ngettext("every week", "every %(n)s weeks", n) % {"n": n}


def _estimate_line(pdf: PatientPDF, line: EstimateLine) -> str:
    if line.price_per_session is None or line.subtotal is None:
        return _("%(treatment)s: no price in the clinic's list") % {"treatment": line.label}
    price = _money(pdf, line.price_per_session, line.currency)
    subtotal = _money(pdf, line.subtotal, line.currency)
    return f"{line.label}: {line.sessions} x {price} = {subtotal}"


def _accepted_lines(pdf: PatientPDF, data: dict[str, Any]) -> list[str]:
    """The estimate the patient accepted (stored as data on the plan), as lines of text."""
    currency = data["currency"]
    lines = []
    for line in data["lines"]:
        if line["price_per_session"] is None:
            lines.append(
                _("%(treatment)s: %(sessions)s session(s), no price")
                % {"treatment": line["label"], "sessions": line["sessions"]}
            )
        else:
            price = _money(pdf, Decimal(line["price_per_session"]), currency)
            lines.append(f"{line['label']}: {line['sessions']} x {price}")
    total = _money(pdf, Decimal(data["total"]), currency) if data["total"] else _("no total")
    on = pdf.day(date.fromisoformat(data["on_date"]))
    lines.append(_("Total %(total)s (prices of %(date)s)") % {"total": total, "date": on})
    return lines


def estimate_pdf(page: PlanPage, *, language: str = "en", compress: bool = True) -> bytes:
    """The plan's cost estimate for the patient, with the sessions and dates, in ``language``."""
    patient = page.plan.patient
    pdf = PatientPDF(language=language, margin=18, zone=patient.clinic.zone)
    pdf.body_size, pdf.leading = 11, 6.5
    with translation.override(pdf.language):
        _estimate(pdf, page)
        pdf.set_compression(compress)
        return bytes(pdf.output())


def _estimate(pdf: PatientPDF, page: PlanPage) -> None:
    plan = page.plan
    patient, clinic = plan.patient, plan.patient.clinic
    pdf.footer_text = _("%(clinic)s - %(mrn)s - plan %(plan)s") % {
        "clinic": clinic.name,
        "mrn": patient.mrn,
        "plan": plan.pk,
    }
    pdf.set_title(_("Treatment plan %(plan)s: cost estimate") % {"plan": plan.pk})
    pdf.set_author(clinic.name)
    pdf.add_page()
    pdf.para(", ".join(p for p in (clinic.name, clinic.city) if p), size=10, color=MUTED)
    pdf.para(_("Your treatment plan and its cost"), size=19, style="B", height=9)
    pdf.para(_("Patient: %(name)s (%(mrn)s)") % {"name": patient.full_name, "mrn": patient.mrn})
    pdf.para(
        _("Plan status: %(status)s · prescribed by %(prescriber)s · first session %(date)s")
        % {
            "status": plan.get_status_display(),
            "prescriber": plan.prescriber.get_full_name() or plan.prescriber.username,
            "date": pdf.day(plan.start_date),
        },
        size=10,
        color=MUTED,
    )
    pdf.heading(_("Goal"), color=ACCENT)
    pdf.para(plan.goal, size=11)
    pdf.heading(_("Treatments"), color=ACCENT)
    for pm in page.modalities:
        pdf.para(
            ngettext(
                "%(treatment)s: %(n)s session, %(interval)s",
                "%(treatment)s: %(n)s sessions, %(interval)s",
                pm.sessions,
            )
            % {"treatment": pm.label, "n": pm.sessions, "interval": _interval(pm)},
            size=11,
        )
        # The protocol's wording is stored with the plan as it was prescribed, in English.
        pdf.para(
            _("Usual protocol: %(protocol)s") % {"protocol": pm.protocol_wording},
            size=9,
            color=MUTED,
            indent=4,
        )
    pdf.heading(_("Sessions"), color=ACCENT)
    for row in page.rows:
        if row.session.status == "cancelled":
            continue
        pdf.para(
            f"{pdf.day(row.day)} · {row.session.plan_modality.label} "
            f"{row.session.number}: {row.session.get_status_display().lower()}",
            size=10,
            indent=4,
        )
    pdf.heading(_("Cost estimate"), color=ACCENT)
    estimate = page.estimate
    if page.plan.accepted_estimate:
        pdf.para(_("As accepted:"), size=10, color=MUTED)
        for text in _accepted_lines(pdf, page.plan.accepted_estimate):
            pdf.para(text, size=11, indent=4)
    else:
        for line in estimate.lines:
            pdf.para(_estimate_line(pdf, line), size=11, indent=4)
        total = estimate.total
        if total is None:
            missing = ", ".join(x.label for x in estimate.lines if x.price_per_session is None)
            total_text = _("No total: no price for %(treatments)s.") % {"treatments": missing}
        else:
            total_text = _money(pdf, total, estimate.currency)
        pdf.para(_("Total: %(total)s") % {"total": total_text}, size=12, style="B")
        pdf.para(
            _("Prices of the clinic's list in force on %(date)s.")
            % {"date": pdf.day(estimate.on_date)},
            size=9,
            color=MUTED,
        )
    if estimate.has_demo:
        pdf.para(_("Demo prices, not a quote."), size=10, color=CAUTION)
    pdf.para(
        _("An estimate for the number of sessions planned: the plan may need more or fewer."),
        size=9,
        color=MUTED,
    )
