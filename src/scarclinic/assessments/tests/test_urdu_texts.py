"""The clinical core's words on the assessment and photo pages, in the reader's language.

The core (``clinical/``) knows only English; the pages look its texts up in the catalogues
when they render. These tests catch a core text that changes without its translation."""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.assessments.forms import AssessmentForm
from scarclinic.assessments.models import ScarAssessment
from scarclinic.assessments.photo_forms import LIGHTING_SUGGESTIONS, lighting_text
from scarclinic.assessments.selectors import scale_versions
from scarclinic.assessments.vocabulary import SCALE_NAMES
from scarclinic.clinical.morphology import FacialRegion, Morphology
from scarclinic.clinical.scales import (
    ECCA_DESCRIPTIONS,
    GOODMAN_BARON_DESCRIPTIONS,
    MORPHOLOGY_MAPPING,
    SCALE_VERSIONS,
)

URDU = re.compile(r"[\u0600-\u06ff]")

CORE_TEXTS = [
    *(row.rationale for row in MORPHOLOGY_MAPPING.values()),
    *GOODMAN_BARON_DESCRIPTIONS.values(),
    *ECCA_DESCRIPTIONS.values(),
    *(m.label for m in Morphology),
    *(r.label for r in FacialRegion),
]


def test_every_core_text_the_assessment_pages_show_has_an_urdu_translation() -> None:
    with translation.override("ur"):
        untranslated = [t for t in CORE_TEXTS if not URDU.search(gettext(t))]
    assert not untranslated


def test_the_lighting_suggestions_are_stored_in_english_and_read_in_urdu() -> None:
    with translation.override("ur"):
        assert all(URDU.search(lighting_text(s)) for s in LIGHTING_SUGGESTIONS)
    with translation.override("en"):
        assert [lighting_text(s) for s in LIGHTING_SUGGESTIONS] == list(LIGHTING_SUGGESTIONS)


@settings(max_examples=50)
@given(st.text(max_size=100).filter(lambda t: t not in LIGHTING_SUGGESTIONS))
def test_a_lighting_the_clinic_typed_is_shown_as_typed(typed: str) -> None:
    with translation.override("ur"):
        assert lighting_text(typed) == typed


def test_each_grid_input_is_named_in_the_language_of_the_page_not_of_the_form() -> None:
    with translation.override("en"):
        form = AssessmentForm()  # built before the language is known, as in a view
    with translation.override("ur"):
        region, cells = form.grid_rows()[0]
        label = cells[0].label
    assert label == f"{gettext_ur(region.label)}: {gettext_ur(Morphology.ICE_PICK.label)}"
    assert URDU.search(label) and "Forehead" not in label


def gettext_ur(text: str) -> str:
    with translation.override("ur"):
        return gettext(text)


def test_the_scale_versions_are_named_in_the_readers_language_and_unknown_keys_kept() -> None:
    assessment = ScarAssessment(scale_versions={**SCALE_VERSIONS, "new_scale": "X-1"})
    with translation.override("ur"):
        rows = scale_versions(assessment)
    by_version = {row.version: row for row in rows}
    assert set(SCALE_NAMES) <= set(SCALE_VERSIONS)
    assert URDU.search(by_version["GB-Q 2006"].name) and by_version["GB-Q 2006"].known
    assert by_version["X-1"].name == "new_scale" and not by_version["X-1"].known


@settings(max_examples=30)
@given(keloids=st.integers(min_value=0, max_value=40), area=st.sampled_from([0.0, 1.5]))
def test_the_scales_warnings_read_in_urdu_and_stay_english_for_the_record(
    keloids: int, area: float
) -> None:
    from scarclinic.clinical.scales import scores_from_findings
    from scarclinic.treatments.clinical_text import clinical_text

    scores = scores_from_findings(
        {FacialRegion.CHEEK_LEFT: {Morphology.KELOID: keloids}}, keloid_area_cm2=area
    )
    expected = int(bool(keloids) != bool(area))  # counted without area, or area without count
    assert len(scores.warnings) == len(scores.warning_messages) == expected
    for english, message in zip(scores.warnings, scores.warning_messages, strict=True):
        assert english == message.english and english.isascii()
        with translation.override("ur"):
            shown = clinical_text(message)
        assert URDU.search(shown) and "scores these" not in shown
        if keloids:
            assert str(keloids) in shown
