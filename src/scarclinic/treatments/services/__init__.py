"""Every write of the treatments app, one module per domain: the consultation, plans,
scheduling, procedures, post-care and reminders. The consultation's services are re-exported
here, where their callers have always found them."""

from scarclinic.treatments.services.consultation import (
    LABS_FIELDS,
    MAX_PRICE,
    MAX_QUESTIONS,
    decision_record,
    labs_record,
    price_set,
    rule_settings_change,
    screenings_record,
)

__all__ = [
    "LABS_FIELDS",
    "MAX_PRICE",
    "MAX_QUESTIONS",
    "decision_record",
    "labs_record",
    "price_set",
    "rule_settings_change",
    "screenings_record",
]
