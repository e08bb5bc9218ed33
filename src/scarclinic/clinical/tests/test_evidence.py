"""The treatment catalogue and its evidence, checked against ../shared/CLINICAL.md 8, 9 and 11."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scarclinic.clinical.evidence import (
    CATALOGUE,
    EVIDENCE,
    NO_EVIDENCE_ENTRY,
    EvidenceEntry,
    EvidenceLevel,
    Modality,
    SessionPlan,
    evidence_for,
    evidence_is_weak,
    modalities_where,
)

M = Modality


def test_the_catalogue_describes_every_modality() -> None:
    assert set(CATALOGUE) == set(Modality)
    for modality, info in CATALOGUE.items():
        assert info.modality is modality
        assert info.label and info.mechanism and info.skin_type and info.regulatory_status
        assert info.common_risks and info.serious_risks


@given(st.sampled_from(EVIDENCE))
def test_every_evidence_entry_cites_a_source_with_its_year(entry: EvidenceEntry) -> None:
    assert entry.citation.strip()
    assert re.search(r"(19|20)\d\d", entry.citation)
    assert entry.design and entry.effect and entry.measure
    assert entry.modalities
    assert entry.citation in entry.summary


def test_evidence_entries_have_unique_ids() -> None:
    assert len({e.id for e in EVIDENCE}) == len(EVIDENCE)


# CLINICAL.md section 9, the figures as reported.
SECTION_9 = [
    ("kang_lu_2022", M.MICRONEEDLING_PRP, "OR 2.97 (1.96-4.51)", 472, "Kang & Lu, Front Med 2022"),
    ("alam_2014", M.MICRONEEDLING, "-3.4 at 6 months", 15, "Alam et al. JAMA Dermatol 2014"),
    (
        "xu_deng_2018",
        M.FRACTIONAL_ABLATIVE_LASER,
        "effective; tailor sessions",
        None,
        "Xu & Deng 2018",
    ),
    (
        "lasers_surg_med_2014_interval",
        M.FRACTIONAL_ABLATIVE_LASER,
        "1- vs 3-month interval: no difference",
        None,
        "Lasers Surg Med 2014;46:89-93",
    ),
    (
        "kwon_2020",
        M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING,
        "ECCA -32.5% vs -19.9%",
        25,
        "Kwon et al. Acta Derm Venereol 2020",
    ),
    (
        "svf_gel_2025",
        M.STEM_CELL_SVF_INJECTION,
        "ECCA -60.3 vs -43.3 at 24 weeks",
        10,
        "J Cosmet Dermatol 2025;24:e70131",
    ),
    (
        "stachura_2021",
        M.STEM_CELL_SVF_INJECTION,
        "possibly non-inferior to PRP or laser",
        665,
        "Stachura et al. J Clin Med 2021",
    ),
    (
        "lee_2002",
        M.TCA_CROSS,
        "82% (65% TCA), 94% (100% TCA)",
        65,
        "Lee et al. Dermatol Surg 2002;28:1017-21",
    ),
    (
        "karnik_2014",
        M.DERMAL_FILLER,
        "64% vs 33% with saline at 6 months",
        147,
        "Karnik et al. J Am Acad Dermatol 2014;71:77-83",
    ),
]


@pytest.mark.parametrize(("entry_id", "modality", "effect", "n", "citation"), SECTION_9)
def test_each_row_of_section_9_is_in_the_catalogue_as_reported(
    entry_id: str, modality: Modality, effect: str, n: int | None, citation: str
) -> None:
    entry = next(e for e in EVIDENCE if e.id == entry_id)
    assert effect in entry.effect
    assert entry.n == n
    assert entry.citation == citation
    assert entry in CATALOGUE[modality].evidence


def test_the_catalogue_holds_section_9_and_nothing_else() -> None:
    assert {e.id for e in EVIDENCE} == {row[0] for row in SECTION_9}


@pytest.mark.parametrize(
    ("entry_id", "level"),
    [
        ("kang_lu_2022", EvidenceLevel.META_ANALYSIS),
        ("alam_2014", EvidenceLevel.RANDOMISED_CONTROLLED_TRIAL),
        ("xu_deng_2018", EvidenceLevel.SYSTEMATIC_REVIEW),
        ("kwon_2020", EvidenceLevel.RANDOMISED_CONTROLLED_TRIAL),
        ("svf_gel_2025", EvidenceLevel.COMPARATIVE_STUDY),
        ("stachura_2021", EvidenceLevel.SYSTEMATIC_REVIEW_LOW_QUALITY),
        ("karnik_2014", EvidenceLevel.RANDOMISED_CONTROLLED_TRIAL),
        # CLINICAL.md gives no design for these two: none is invented.
        ("lee_2002", EvidenceLevel.NOT_STATED),
        ("lasers_surg_med_2014_interval", EvidenceLevel.NOT_STATED),
    ],
)
def test_each_entry_has_the_study_type_clinical_md_gives(
    entry_id: str, level: EvidenceLevel
) -> None:
    assert next(e for e in EVIDENCE if e.id == entry_id).level is level


@pytest.mark.parametrize(
    "modality",
    [M.NON_ABLATIVE_FRACTIONAL_LASER, M.CHEMICAL_PEEL, M.SUBCISION, M.PUNCH_EXCISION_ELEVATION],
)
def test_a_modality_without_a_row_in_section_9_says_there_is_no_evidence_entry(
    modality: Modality,
) -> None:
    info = CATALOGUE[modality]
    assert info.evidence == ()
    assert info.evidence_summary == NO_EVIDENCE_ENTRY
    assert evidence_is_weak(info.evidence)


def test_a_modality_with_entries_summarises_them_with_their_citations() -> None:
    summary = CATALOGUE[M.STEM_CELL_SVF_INJECTION].evidence_summary
    assert "J Cosmet Dermatol 2025;24:e70131" in summary and "Stachura" in summary
    assert evidence_for(M.STEM_CELL_SVF_INJECTION) == CATALOGUE[M.STEM_CELL_SVF_INJECTION].evidence


@pytest.mark.parametrize(
    ("modality", "weak"),
    [
        (M.MICRONEEDLING_PRP, False),  # meta-analysis
        (M.MICRONEEDLING, False),  # RCT
        (M.DERMAL_FILLER, False),  # RCT (PMMA-collagen)
        (M.FRACTIONAL_ABLATIVE_LASER, False),  # systematic review
        (M.STEM_CELL_SVF_INJECTION, True),  # small split-face study, low-quality review
        (M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING, True),  # RCT, but after laser: indirect
        (M.TCA_CROSS, True),  # design not stated
        (M.SUBCISION, True),  # no entry
    ],
)
def test_the_evidence_is_called_weak_where_it_is(modality: Modality, weak: bool) -> None:
    assert evidence_is_weak(CATALOGUE[modality].evidence) is weak


def test_no_evidence_at_all_is_weak_evidence() -> None:
    assert evidence_is_weak([])


# --- default protocols (CLINICAL.md 9) ------------------------------------------------------


@pytest.mark.parametrize(
    ("modality", "sessions", "interval", "unit"),
    [
        (M.MICRONEEDLING, (3, 4), (2, 4), "weeks"),
        (M.MICRONEEDLING_PRP, (3, 4), (2, 4), "weeks"),
        (M.FRACTIONAL_ABLATIVE_LASER, (3, 3), (1, 3), "months"),
        (M.TCA_CROSS, (4, 6), (2, 4), "weeks"),
        (M.STEM_CELL_SVF_INJECTION, (1, 1), (None, None), "weeks"),
        (M.DERMAL_FILLER, (1, 2), (None, None), "weeks"),  # one session plus touch-up
    ],
)
def test_default_protocols_are_those_of_section_9(
    modality: Modality,
    sessions: tuple[int, int],
    interval: tuple[int | None, int | None],
    unit: str,
) -> None:
    plan = CATALOGUE[modality].sessions
    assert (plan.sessions_min, plan.sessions_max) == sessions
    assert (plan.interval_min, plan.interval_max) == interval
    assert plan.interval_unit == unit
    assert plan.verified and plan.source == "clinical reference §9"


@pytest.mark.parametrize(
    "modality",
    [
        M.NON_ABLATIVE_FRACTIONAL_LASER,
        M.CHEMICAL_PEEL,
        M.SUBCISION,
        M.PUNCH_EXCISION_ELEVATION,
        M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING,
    ],
)
def test_a_protocol_clinical_md_does_not_give_is_marked_configurable_and_unverified(
    modality: Modality,
) -> None:
    plan = CATALOGUE[modality].sessions
    assert not plan.verified and plan.source is None
    assert "clinic-configurable, unverified" in plan.wording
    assert "placeholder" in plan.describe


def test_a_protocol_reads_as_sessions_and_interval() -> None:
    assert CATALOGUE[M.TCA_CROSS].sessions.describe == "4-6 sessions, every 2-4 weeks"
    assert (
        CATALOGUE[M.FRACTIONAL_ABLATIVE_LASER].sessions.describe == "3 sessions, every 1-3 months"
    )
    assert CATALOGUE[M.STEM_CELL_SVF_INJECTION].sessions.describe == "1 session"


def test_downtime_is_left_to_the_clinic_because_clinical_md_gives_no_figures() -> None:
    for info in CATALOGUE.values():
        assert info.downtime.min_days is None and not info.downtime.verified
        assert "set by the clinic" in info.downtime.describe


def test_a_clinic_can_set_its_own_protocol_for_a_modality() -> None:
    own = SessionPlan(2, 3, 4, 6, "weeks", "our subcision protocol", "clinic", False)
    info = CATALOGUE[M.SUBCISION].with_clinic_settings(sessions=own)
    assert info.sessions == own
    assert CATALOGUE[M.SUBCISION].sessions != own


@pytest.mark.parametrize(
    "args",
    [(0, 1, None, None), (3, 2, None, None), (1, 1, 2, None), (1, 1, 4, 2), (1, 1, 0, 2)],
)
def test_an_impossible_protocol_is_refused(args: tuple[int, int, int | None, int | None]) -> None:
    with pytest.raises(ValueError):
        SessionPlan(*args, "weeks", "x", None, False)


# --- flags, skin type, regulation ------------------------------------------------------


def test_the_flags_sort_the_treatments_as_the_rules_need() -> None:
    assert modalities_where(is_ablative=True) == {M.FRACTIONAL_ABLATIVE_LASER}
    assert modalities_where(uses_blood_product=True) == {M.MICRONEEDLING_PRP}
    assert modalities_where(is_cell_therapy=True) == {
        M.STEM_CELL_SVF_INJECTION,
        M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING,
    }
    assert modalities_where(uses_needling=True) == {
        M.MICRONEEDLING,
        M.MICRONEEDLING_PRP,
        M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING,
    }
    assert modalities_where(is_resurfacing=True) == {
        M.FRACTIONAL_ABLATIVE_LASER,
        M.NON_ABLATIVE_FRACTIONAL_LASER,
        M.CHEMICAL_PEEL,
    }


def test_an_unknown_flag_is_refused() -> None:
    with pytest.raises(ValueError):
        modalities_where(is_magic=True)


@pytest.mark.parametrize(
    "modality", [M.STEM_CELL_SVF_INJECTION, M.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING]
)
def test_cell_therapy_is_labelled_investigational_with_its_source(modality: Modality) -> None:
    info = CATALOGUE[modality]
    assert info.is_investigational
    assert "Investigational in most jurisdictions" in info.regulatory_status
    assert "clinical reference §11" in info.regulatory_status


def test_only_cell_therapy_is_investigational() -> None:
    assert modalities_where(is_investigational=True) == modalities_where(is_cell_therapy=True)


def test_the_filler_entry_gives_the_pmma_collagen_approval_and_age() -> None:
    status = CATALOGUE[M.DERMAL_FILLER].regulatory_status
    assert "age > 21" in status and "2014/2015" in status


@pytest.mark.parametrize("modality", [M.CHEMICAL_PEEL, M.FRACTIONAL_ABLATIVE_LASER])
def test_peels_and_ablative_laser_warn_of_pigmentation_in_fitzpatrick_iv_to_vi(
    modality: Modality,
) -> None:
    assert "Fitzpatrick IV-VI" in CATALOGUE[modality].skin_type


def test_a_risk_that_claims_a_source_cites_clinical_md() -> None:
    for info in CATALOGUE.values():
        for risk in info.common_risks + info.serious_risks:
            assert risk.source is None or risk.source.startswith("clinical reference §")
