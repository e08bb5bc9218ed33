"""The take-home PDF of a consultation: the options with their evidence and citations, costs,
the screening, the date and who prepared it, in English or Urdu (web/pdf.py sets the page,
the fonts and the direction)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scarclinic.treatments.selectors.consultation import Consultation
from scarclinic.web.pdf import CAUTION, INK, MUTED, OK, STOP, PatientPDF, find_unicode_font

__all__ = ["consultation_pdf", "find_unicode_font"]

_STATUS_COLOURS = {"eligible": OK, "caution": CAUTION, "defer": STOP, "contraindicated": STOP}


def _on(pdf: PatientPDF, iso: str) -> str:
    """A date the selector gives as ISO text, written as the document's dates are."""
    return pdf.day(date.fromisoformat(iso))


def _reassess(pdf: PatientPDF, iso: str | None) -> str:
    if not iso:
        return ""
    return " " + _("Reassess on or after %(date)s.") % {"date": _on(pdf, iso)}


def _option(pdf: PatientPDF, o: dict[str, Any], number: int) -> None:
    pdf.ln(1)
    pdf.para(f"{number}. {o['label']}", size=12, style="B", height=6)
    status = o["status_label"]
    if o["reassess_on"]:
        status += " - " + _("reassess on or after %(date)s") % {"date": _on(pdf, o["reassess_on"])}
    tags = [status]
    if o["investigational"]:
        tags.append(_("INVESTIGATIONAL"))
    tags.append(_("Weak evidence") if o["evidence_is_weak"] else _("Stronger evidence"))
    pdf.para(" | ".join(tags), size=9.5, style="B", color=_STATUS_COLOURS[o["status"]])
    pdf.para(o["why"], size=9, color=MUTED)
    expected = _("Expected result (published)")
    if o["evidence"]:
        lines = []
        for e in o["evidence"]:
            size = f", n = {e['n']} {e['n_unit']}" if e["n"] else ""
            line = (
                f"- {e['effect']} ({e['measure']}). {e['intervention']}; {e['design']}{size}. "
                + _("Source: %(citation)s.") % {"citation": e["citation"]}
            )
            if e["note"]:
                line += f" {e['note']}"
            lines.append(line)
        pdf.labelled(expected, "\n".join(lines))
    else:
        pdf.labelled(expected, _("No published result to quote."))
    pdf.labelled(
        _("Strength of evidence"),
        o["evidence_wording"],
        color=CAUTION if o["evidence_is_weak"] else INK,
    )
    pdf.labelled(
        _("This clinic's results"), "; ".join(o["clinic_outcomes"]) or _("No clinic data yet.")
    )
    pdf.labelled(_("How it works"), "\n".join(_per_part(o, "mechanisms")))
    pdf.labelled(_("Sessions"), "\n".join(_per_part(o, "sessions")))
    pdf.labelled(_("Downtime"), "\n".join(_per_part(o, "downtime")))
    pdf.labelled(_("Cost"), o["cost_text"])
    risks = o["risks"]
    pdf.labelled(
        _("Risks"),
        _("Common: %(common)s.") % {"common": "; ".join(risks["common"])}
        + "\n"
        + _("Serious: %(serious)s.") % {"serious": "; ".join(risks["serious"])},
    )
    fired = [
        f"- {f['title']}: {f['explanation']}" + _reassess(pdf, f["until"])
        for s in o["screenings"]
        for f in s["fired"]
    ]
    pdf.labelled(_("Screening"), "\n".join(fired) or _("No screening rule applies."))
    for note in o["regulatory"]:
        pdf.para(note, size=8.5, color=MUTED, indent=4)


def _per_part(o: dict[str, Any], key: str) -> list[str]:
    parts = o[key]
    if len(parts) == 1:
        return [parts[0]["text"]]
    return [f"{p['label']}: {p['text']}" for p in parts]


def _not_now_title(pdf: PatientPDF, o: dict[str, Any]) -> str:
    if o["status"] == "defer" and o["reassess_on"]:
        return _("%(treatment)s: deferred until %(date)s") % {
            "treatment": o["label"],
            "date": _on(pdf, o["reassess_on"]),
        }
    if o["status"] == "defer":
        return _("%(treatment)s: deferred") % {"treatment": o["label"]}
    return _("%(treatment)s: not suitable for you") % {"treatment": o["label"]}


def consultation_pdf(
    consultation: Consultation,
    *,
    prepared_by: str,
    language: str = "en",
    compress: bool = True,
    unicode_font: bool = True,
    font_dir: Path | None = None,
) -> bytes:
    """The PDF for the patient to take home, in ``language`` (English without DejaVu Sans:
    see web/pdf.py). Build ``consultation`` under the same ``translation.override`` for its
    clinical texts in that language. ``compress=False`` leaves the content streams readable
    (tests)."""
    c = consultation
    patient = c.patient
    pdf = PatientPDF(
        language=language,
        font_dir=font_dir,
        unicode_font=unicode_font,
        zone=patient.clinic.zone,
    )
    with translation.override(pdf.language):
        _consultation(pdf, c, prepared_by=prepared_by)
        pdf.set_compression(compress)
        return bytes(pdf.output())


def _consultation(pdf: PatientPDF, c: Consultation, *, prepared_by: str) -> None:
    patient = c.patient
    on = pdf.day(c.on_date)
    pdf.footer_text = _("%(clinic)s - treatment options for %(name)s (%(mrn)s), %(date)s") % {
        "clinic": patient.clinic.name,
        "name": patient.full_name,
        "mrn": patient.mrn,
        "date": on,
    }
    pdf.set_title(_("Treatment options %(date)s") % {"date": on})
    pdf.set_author(patient.clinic.name)
    pdf.add_page()

    pdf.para(patient.clinic.name, size=10, color=MUTED)
    pdf.para(_("Your treatment options for acne scars"), size=18, style="B", height=9)
    pdf.para(
        _("%(name)s · MRN %(mrn)s · date %(date)s")
        % {
            "name": patient.full_name,
            "mrn": patient.mrn,
            "date": on,
        },
        size=10,
    )
    pdf.para(_("Physician: %(name)s") % {"name": prepared_by}, size=10)
    if not c.is_ready:
        pdf.heading(_("Before we can compare treatments"))
        for message in c.missing.values():
            pdf.para(str(message))
        return
    assert c.assessment is not None and c.history is not None
    scars = ", ".join(f"{label.lower()} {n}" for label, n in c.scar_summary) or _("none counted")
    grade = (
        ", " + _("Goodman & Baron grade %(grade)s") % {"grade": int(c.profile.grade)}
        if c.profile and c.profile.grade
        else ""
    )
    pdf.para(
        _(
            "Based on your scar assessment of %(date)s (%(scars)s%(grade)s) and your medical "
            "history (version %(version)s). Screening rules %(rules)s."
        )
        % {
            "date": pdf.day(c.assessment.visit_date),
            "scars": scars,
            "grade": grade,
            "version": c.history.version,
            "rules": c.rule_set_version,
        },
        size=9,
        color=MUTED,
    )
    pdf.para(
        _(
            "The figures are published results as reported, with the study behind each; they "
            "are what happened on average in those studies, not a promise for you. 'Weak "
            "evidence' means no randomised trial, systematic review or meta-analysis directly "
            "supports the treatment. Cell therapy for acne scars is investigational."
        ),
        size=9,
    )
    for note in c.notes:
        pdf.para(str(note), size=9, color=CAUTION)

    pdf.heading(_("Options for your scars"))
    cards = c.cards_for_the_scars
    if not cards:
        pdf.para(_("No treatment for your scars can go ahead today; the reasons follow."))
    for number, o in enumerate(cards, start=1):
        _option(pdf, o, number)

    if c.cards_not_now:
        pdf.heading(_("Not now"))
        for o in c.cards_not_now:
            pdf.para(_not_now_title(pdf, o), size=10.5, style="B", color=STOP)
            for s in o["screenings"]:
                for f in s["fired"]:
                    if f["outcome"] != "caution":
                        pdf.para(
                            f"{f['title']}: {f['explanation']}" + _reassess(pdf, f["until"]),
                            size=9.5,
                            indent=4,
                        )

    if c.cards_other:
        pdf.heading(_("Other treatments, not aimed at your scars"), size=12)
        pdf.para(", ".join(o["label"] for o in c.cards_other) + ".", size=9.5)

    pdf.heading(_("Screening, treatment by treatment"), size=12)
    for row in c.screening_rows:
        line = f"{row['label']}: {row['status_label']}"
        if row["reassess_on"]:
            line += (
                " ("
                + _("reassess on or after %(date)s") % {"date": _on(pdf, row["reassess_on"])}
                + ")"
            )
        pdf.para(line, size=9.5, color=_STATUS_COLOURS[row["status"]])

    decision = c.latest_decision
    if (
        decision is not None
        and timezone.localtime(decision.decided_at, pdf.zone).date() == c.on_date
    ):
        pdf.heading(_("What we decided together"), size=12)
        pdf.para(
            _("%(treatment)s (proposed start of a treatment plan).")
            % {"treatment": decision.chosen_label},
            style="B",
        )
        if decision.questions:
            pdf.para(
                _("Your questions: %(questions)s") % {"questions": decision.questions}, size=9.5
            )

    pdf.ln(3)
    costs = _(
        "Costs are the clinic's price per session times the usual number of sessions; your "
        "plan may need more or fewer."
    )
    if c.has_demo_prices:
        costs += " " + _("Prices marked as demo values are examples, not a quote.")
    pdf.para(costs, size=8.5, color=MUTED)
