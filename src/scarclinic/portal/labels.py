"""Words from the clinical core (plain Python, no Django) that portal pages translate with
``{% translate value %}``: listed here so that the portal's Urdu catalogue carries them."""

from __future__ import annotations

from django.utils.translation import gettext_noop

MODALITY_LABELS = (
    gettext_noop("Stem cell / SVF injection"),
    gettext_noop("Cell-derived product after microneedling"),
    gettext_noop("Microneedling with PRP"),
    gettext_noop("Microneedling"),
    gettext_noop("Fractional ablative laser (CO2 / erbium)"),
    gettext_noop("Non-ablative fractional laser"),
    gettext_noop("Chemical peel"),
    gettext_noop("TCA CROSS"),
    gettext_noop("Subcision"),
    gettext_noop("Dermal filler"),
    gettext_noop("Punch excision / elevation"),
)
PLAN_STATUS_LABELS = (
    gettext_noop("Proposed"),
    gettext_noop("Accepted by the patient"),
    gettext_noop("Active"),
    gettext_noop("Completed"),
    gettext_noop("Stopped"),
)
