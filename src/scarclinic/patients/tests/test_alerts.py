"""The chart header's history alerts in the reader's language (patients/alerts.py)."""

from __future__ import annotations

from datetime import date

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.clinical.history import (
    AcneSeverity,
    FitzpatrickType,
    IsotretinoinStatus,
    MedicalHistory,
    history_alerts,
)
from scarclinic.patients.alerts import alert_text, alerts_in_language

FLAGS = [
    "skin_infection_in_treatment_area",
    "pregnant_or_breastfeeding",
    "anticoagulant_or_antiplatelet",
    "bleeding_or_platelet_disorder",
    "keloid_tendency",
    "herpes_simplex_history",
    "photosensitising_drugs",
    "autoimmune_disease",
    "active_cancer",
    "systemic_infection",
    "local_anaesthetic_allergy",
]
histories = st.builds(
    MedicalHistory,
    active_acne=st.booleans(),
    acne_severity=st.sampled_from(AcneSeverity),
    isotretinoin=st.sampled_from(IsotretinoinStatus),
    isotretinoin_last_dose=st.none() | st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    fitzpatrick=st.none() | st.sampled_from(FitzpatrickType),
    **{flag: st.booleans() for flag in FLAGS},
)


@settings(max_examples=80)
@given(history=histories)
def test_in_english_every_alert_reads_as_the_core_wrote_it(history: MedicalHistory) -> None:
    alerts = history_alerts(history)
    with translation.override("en"):
        assert alerts_in_language(alerts) == alerts


@settings(max_examples=80)
@given(history=histories)
def test_in_urdu_no_alert_is_left_in_english(history: MedicalHistory) -> None:
    with translation.override("ur"):
        for alert in history_alerts(history):
            assert alert_text(alert.text) != alert.text, alert.text


def test_the_last_isotretinoin_dose_is_written_the_urdu_way() -> None:
    with translation.override("ur"):
        text = alert_text("Isotretinoin, last dose 2025-07-15")
    assert text == "آئسوٹریٹینوئن، آخری خوراک 15/07/2025"
