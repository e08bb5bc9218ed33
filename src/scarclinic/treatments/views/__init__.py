"""Pages of the treatments app, one module per domain; the consultation's views are
re-exported here for urls.py."""

from scarclinic.treatments.views.consultation import (
    chart_section,
    consultation,
    consultation_pdf,
    decision_detail,
    decision_new,
    labs_new,
    prices,
    rules,
)

__all__ = [
    "chart_section",
    "consultation",
    "consultation_pdf",
    "decision_detail",
    "decision_new",
    "labs_new",
    "prices",
    "rules",
]
