"""Scar assessments, standard photos with granular photo consent, patient-reported outcomes."""

from scarclinic.assessments.models.assessment import (
    AssessmentAddendum,
    AssessmentStatus,
    RegionFinding,
    ScarAssessment,
)
from scarclinic.assessments.models.photo import (
    REQUIRED_VIEWS,
    Photo,
    PhotoConsentGrant,
    PhotoSet,
    PhotoUse,
    PhotoView,
)
from scarclinic.assessments.models.pro import Instrument, PatientReportedOutcome, ReportSource

__all__ = [
    "REQUIRED_VIEWS",
    "AssessmentAddendum",
    "AssessmentStatus",
    "Instrument",
    "PatientReportedOutcome",
    "Photo",
    "PhotoConsentGrant",
    "PhotoSet",
    "PhotoUse",
    "PhotoView",
    "RegionFinding",
    "ReportSource",
    "ScarAssessment",
]
