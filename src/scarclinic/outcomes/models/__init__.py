"""Outcomes: adverse events (and, in their own modules, what the outcomes views need)."""

from scarclinic.outcomes.models.adverse_events import (
    RESOLVED_OUTCOMES,
    AdverseEvent,
    AdverseEventCategory,
    AdverseEventOutcome,
    AdverseEventSource,
    AdverseEventStatus,
    Relatedness,
    SeverityGrade,
)

__all__ = [
    "RESOLVED_OUTCOMES",
    "AdverseEvent",
    "AdverseEventCategory",
    "AdverseEventOutcome",
    "AdverseEventSource",
    "AdverseEventStatus",
    "Relatedness",
    "SeverityGrade",
]
