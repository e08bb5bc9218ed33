"""The chart header's history alerts (``clinical/history.py``) in the active language.

The core writes each alert in English; here the fixed ones are looked up in this app's
catalogue and the three with a value (acne severity, the last isotretinoin dose, the skin
type) are rebuilt with the value written the reader's way."""

from __future__ import annotations

import re
from datetime import date

from django.utils import formats
from django.utils.translation import gettext, gettext_noop

from scarclinic.clinical.history import Alert
from scarclinic.patients.models import AcneSeverity

ALERT_TEXTS = (
    gettext_noop("Skin infection in the treatment area"),
    gettext_noop("Systemic infection"),
    gettext_noop("Pregnant or breastfeeding"),
    gettext_noop("Active cancer"),
    gettext_noop("Taking isotretinoin"),
    gettext_noop("Bleeding or platelet disorder"),
    gettext_noop("Anticoagulant or antiplatelet drug"),
    gettext_noop("Keloid or hypertrophic scarring tendency"),
    gettext_noop("Herpes simplex history"),
    gettext_noop("Photosensitising drugs"),
    gettext_noop("Autoimmune disease"),
    gettext_noop("Allergy to local anaesthetics"),
)
_ACNE = re.compile(r"Active acne \((\w+)\): treat first")
_ISOTRETINOIN = re.compile(r"Isotretinoin, last dose (\d{4}-\d{2}-\d{2})")
_FITZPATRICK = re.compile(r"Fitzpatrick (\w+): risk of hyperpigmentation")


def alert_text(text: str) -> str:
    """One alert of :func:`scarclinic.clinical.history.history_alerts`, translated."""
    if m := _ACNE.fullmatch(text):
        severity = AcneSeverity(m[1]).label if m[1] in AcneSeverity.values else m[1]
        return gettext("Active acne (%(severity)s): treat first") % {
            "severity": str(severity).lower()
        }
    if m := _ISOTRETINOIN.fullmatch(text):
        day = formats.date_format(date.fromisoformat(m[1]), "SHORT_DATE_FORMAT")
        return gettext("Isotretinoin, last dose %(date)s") % {"date": day}
    if m := _FITZPATRICK.fullmatch(text):
        return gettext("Fitzpatrick %(type)s: risk of hyperpigmentation") % {"type": m[1]}
    return gettext(text)


def alerts_in_language(alerts: list[Alert]) -> list[Alert]:
    return [Alert(a.level, alert_text(a.text)) for a in alerts]
