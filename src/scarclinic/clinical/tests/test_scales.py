"""The acne-scar scales against ../shared/CLINICAL.md sections 3-4, and the morphology mapping."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scarclinic.clinical.morphology import FacialRegion, Morphology
from scarclinic.clinical.scales import (
    ECCA_MAX,
    GOODMAN_BARON_MAX,
    MORPHOLOGY_MAPPING,
    SCALE_VERSIONS,
    EccaType,
    GoodmanBaronType,
    QualitativeGrade,
    ecca_code,
    ecca_score,
    goodman_baron_count_band,
    goodman_baron_keloid_score,
    goodman_baron_quantitative,
    scores_from_findings,
)

GB = GoodmanBaronType

# Scar counts at and around every band edge of both scales (sections 3 and 4).
GB_BAND_EDGES = [(0, 0), (1, 1), (4, 1), (5, 1), (10, 1), (11, 2), (20, 2), (21, 3)]
ECCA_CODE_EDGES = [(0, 0), (1, 1), (4, 1), (5, 2), (10, 2), (11, 2), (20, 2), (21, 3)]
KELOID_AREA_EDGES = [(0, 0), (0.0, 0), (0.1, 6), (4.9, 6), (5, 12), (5.0, 12), (20, 12)]
KELOID_AREA_EDGES += [(20.0, 12), (20.1, 18), (300.0, 18)]


# --- The worked examples of CLINICAL.md -------------------------------------------------------


def test_twelve_mild_dish_like_and_five_shallow_punched_out_scars_score_four() -> None:
    counts = {GB.MILD_ATROPHIC_DISH: 12, GB.PUNCHED_OUT_SHALLOW_SMALL: 5}
    # 1x2 + 2x1 (section 3)
    assert goodman_baron_quantitative(counts) == 4


def test_twelve_v_shaped_and_four_u_shaped_scars_score_fifty() -> None:
    # 15x2 + 20x1 (section 4)
    assert ecca_score({EccaType.V_SHAPED: 12, EccaType.U_SHAPED: 4}) == 50


def test_string_keys_score_the_same_as_enum_keys() -> None:
    assert (
        goodman_baron_quantitative({"mild_atrophic_dish": 12, "punched_out_shallow_small": 5}) == 4
    )
    assert ecca_score({"v_shaped": 12, "u_shaped": 4}) == 50


def test_no_scars_score_zero_on_both_scales() -> None:
    assert goodman_baron_quantitative({}) == 0
    assert ecca_score({}) == 0
    assert goodman_baron_quantitative(dict.fromkeys(GB, 0), 0.0) == 0


# --- Bands and codes, at every edge --------------------------------------------------------


@pytest.mark.parametrize(("scars", "band"), GB_BAND_EDGES)
def test_goodman_baron_count_band_changes_after_10_and_after_20_scars(
    scars: int, band: int
) -> None:
    assert goodman_baron_count_band(scars) == band


@pytest.mark.parametrize(("scars", "band"), GB_BAND_EDGES)
@pytest.mark.parametrize("scar_type", list(GB))
def test_each_goodman_baron_row_scores_its_points_times_the_band(
    scar_type: GoodmanBaronType, scars: int, band: int
) -> None:
    assert goodman_baron_quantitative({scar_type: scars}) == scar_type.points * band


@pytest.mark.parametrize(("scars", "code"), ECCA_CODE_EDGES)
def test_ecca_code_changes_at_5_and_after_20_scars(scars: int, code: int) -> None:
    assert ecca_code(scars) == code


@pytest.mark.parametrize(("scars", "code"), ECCA_CODE_EDGES)
@pytest.mark.parametrize("scar_type", list(EccaType))
def test_each_ecca_type_scores_its_weight_times_the_code(
    scar_type: EccaType, scars: int, code: int
) -> None:
    assert ecca_score({scar_type: scars}) == scar_type.weight * code


@pytest.mark.parametrize(("area", "score"), KELOID_AREA_EDGES)
def test_keloid_area_scores_6_under_5_cm2_12_from_5_to_20_and_18_above(
    area: float, score: int
) -> None:
    assert goodman_baron_keloid_score(area) == score
    assert goodman_baron_quantitative({}, keloid_area_cm2=area) == score


def test_every_type_over_20_scars_with_over_20_cm2_of_keloid_reaches_84() -> None:
    assert goodman_baron_quantitative(dict.fromkeys(GB, 21), keloid_area_cm2=20.1) == 84
    assert GOODMAN_BARON_MAX == 84 == 3 * sum(t.points for t in GB) + 18


def test_every_ecca_type_over_20_scars_reaches_540() -> None:
    assert ecca_score(dict.fromkeys(EccaType, 21)) == 540
    assert ECCA_MAX == 540 == 3 * sum(t.weight for t in EccaType)


def test_points_and_weights_are_those_of_the_published_tables() -> None:
    assert {t.value: t.points for t in GB} == {
        "macular": 1,
        "mild_atrophic_dish": 1,
        "moderate_atrophic_dish": 2,
        "punched_out_shallow_small": 2,
        "shallow_broad_atrophic": 2,
        "punched_out_deep_normal_small": 3,
        "punched_out_deep_abnormal_small": 3,
        "linear_troughed": 3,
        "deep_broad_atrophic": 3,
        "papular": 2,
    }
    assert {t.value: t.weight for t in EccaType} == {
        "v_shaped": 15,
        "u_shaped": 20,
        "m_shaped": 25,
        "superficial_elastolysis": 50,
        "hypertrophic_inflammatory": 40,
        "keloid_or_old_hypertrophic": 30,
    }
    assert all(t.description for t in GB) and all(t.description for t in EccaType)


def test_the_qualitative_grade_runs_from_macular_to_severe_with_descriptions() -> None:
    assert [g.value for g in QualitativeGrade] == [1, 2, 3, 4]
    assert QualitativeGrade.SEVERE.description.startswith("Severe")


def test_scale_versions_name_both_scales() -> None:
    assert SCALE_VERSIONS["goodman_baron_quantitative"] == "GB-Q 2006"
    assert SCALE_VERSIONS["ecca"] == "ECCA 2007"


# --- Refused input -------------------------------------------------------------------------


def test_an_unknown_goodman_baron_type_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"unknown Goodman & Baron scar type 'ice_pick'"):
        goodman_baron_quantitative({"ice_pick": 3})


def test_ecca_refuses_macular_marks_because_it_has_no_macular_type() -> None:
    with pytest.raises(ValueError, match=r"unknown ECCA scar type 'macular'"):
        ecca_score({"macular": 3})


@pytest.mark.parametrize("bad", [-1, 1.5, 2.0, True, False, "3", None])
def test_a_count_that_is_not_a_whole_number_of_scars_is_refused_naming_key_and_value(
    bad: object,
) -> None:
    with pytest.raises(ValueError, match=rf"Goodman & Baron count for 'papular'.*{bad!r}"):
        goodman_baron_quantitative({"papular": bad})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match=rf"ECCA count for 'u_shaped'.*{bad!r}"):
        ecca_score({EccaType.U_SHAPED: bad})  # type: ignore[dict-item]


@pytest.mark.parametrize("bad", [-1, -0.1, math.nan, math.inf, True, "5"])
def test_a_keloid_area_that_is_negative_or_not_a_number_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="keloid_area_cm2"):
        goodman_baron_quantitative({}, keloid_area_cm2=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="keloid_area_cm2"):
        goodman_baron_keloid_score(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="keloid_area_cm2"):
        scores_from_findings({}, keloid_area_cm2=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 2.5, True])
def test_the_band_helpers_refuse_what_is_not_a_scar_count(bad: object) -> None:
    with pytest.raises(ValueError, match="scar count"):
        goodman_baron_count_band(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scar count"):
        ecca_code(bad)  # type: ignore[arg-type]


def test_findings_in_an_unknown_region_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown facial region 'scalp'"):
        scores_from_findings({"scalp": {"ice_pick": 1}})


def test_an_unknown_morphology_is_refused_with_its_region() -> None:
    with pytest.raises(ValueError, match="region 'cheek_left'.*'v_shaped'"):
        scores_from_findings({FacialRegion.CHEEK_LEFT: {"v_shaped": 1}})


@pytest.mark.parametrize("bad", [-2, 1.5, True])
def test_a_bad_count_in_findings_names_the_morphology_region_and_value(bad: object) -> None:
    findings = {FacialRegion.NOSE: {Morphology.ROLLING: bad}}
    with pytest.raises(ValueError, match=rf"'rolling' scars in region 'nose'.*{bad!r}"):
        scores_from_findings(findings)  # type: ignore[arg-type]


def test_findings_for_a_region_must_be_counts_by_morphology() -> None:
    with pytest.raises(ValueError, match="region 'chin'"):
        scores_from_findings({FacialRegion.CHIN: 3})  # type: ignore[arg-type]


# --- The morphology mapping ----------------------------------------------------------------


def test_every_recorded_morphology_has_a_mapping_row_with_its_reason() -> None:
    assert set(MORPHOLOGY_MAPPING) == set(Morphology)
    assert all(len(row.rationale) > 40 for row in MORPHOLOGY_MAPPING.values())


def test_macular_marks_count_for_goodman_baron_but_not_for_ecca() -> None:
    scores = scores_from_findings({FacialRegion.FOREHEAD: {Morphology.MACULAR: 30}})
    assert (scores.goodman_baron, scores.ecca) == (3, 0)


def test_keloids_and_hypertrophic_scars_count_by_area_for_gb_and_by_number_for_ecca() -> None:
    findings = {FacialRegion.JAWLINE_LEFT: {Morphology.KELOID: 2, Morphology.HYPERTROPHIC: 3}}
    scores = scores_from_findings(findings, keloid_area_cm2=6.0)
    assert scores.goodman_baron == scores.goodman_baron_keloid == 12
    assert sum(scores.goodman_baron_counts.values()) == 0
    # Under 2 years (default): 3 hypertrophic inflammatory (40 x 1) + 2 keloid (30 x 1).
    assert scores.ecca == 70
    assert scores.warnings == ()


def test_hypertrophic_scars_over_two_years_old_join_the_keloids_in_ecca() -> None:
    findings = {FacialRegion.CHIN: {Morphology.KELOID: 2, Morphology.HYPERTROPHIC: 3}}
    scores = scores_from_findings(findings, 1.0, hypertrophic_over_two_years=True)
    assert scores.ecca_counts[EccaType.KELOID_OR_OLD_HYPERTROPHIC] == 5
    assert scores.ecca == 30 * 2  # 5 scars: code 2


def test_shallow_and_deep_boxcars_are_banded_apart_in_gb_but_added_up_in_ecca() -> None:
    findings = {FacialRegion.CHEEK_RIGHT: {Morphology.BOXCAR_DEEP: 4, Morphology.BOXCAR_SHALLOW: 4}}
    scores = scores_from_findings(findings)
    assert scores.ecca_counts[EccaType.U_SHAPED] == 8
    assert scores.ecca == 20 * 2
    assert scores.goodman_baron == 3 * 1 + 2 * 1


def test_counts_are_summed_over_the_face_before_any_band_is_applied() -> None:
    findings = {
        region: {Morphology.ICE_PICK: 4}
        for region in (FacialRegion.CHEEK_LEFT, FacialRegion.CHEEK_RIGHT, FacialRegion.TEMPLE_LEFT)
    }
    scores = scores_from_findings(findings)
    assert scores.morphology_counts[Morphology.ICE_PICK] == 12
    # 12 V-shaped scars: code 2, not three regions of code 1 (45)
    assert scores.ecca == 15 * 2
    # 12 ice-pick scars: band 2, not three regions of band 1 (9)
    assert scores.goodman_baron == 3 * 2


def test_a_typical_assessment_gives_both_scores_and_the_versions() -> None:
    findings = {
        "cheek_left": {"boxcar_shallow": 8, "rolling": 6, "ice_pick": 3},
        "cheek_right": {"boxcar_shallow": 5, "rolling": 4, "macular": 12},
        "forehead": {"ice_pick": 2},
    }
    scores = scores_from_findings(findings)
    # GB: shallow punched-out 13 (2x2) + moderate dish 10 (2x1) + deep abnormal 5 (3x1)
    #     + macular 12 (1x2) = 4 + 2 + 3 + 2
    assert scores.goodman_baron == 11
    # ECCA: U 13 (20x2) + M 10 (25x2) + V 5 (15x2)
    assert scores.ecca == 120
    assert scores.versions == SCALE_VERSIONS


def test_scars_by_area_without_an_area_are_flagged_for_the_clinician() -> None:
    scores = scores_from_findings({FacialRegion.CHIN: {Morphology.KELOID: 1}})
    assert scores.goodman_baron == 0
    assert "keloid area" in scores.warnings[0]


def test_an_area_without_keloids_or_hypertrophic_scars_is_flagged_for_the_clinician() -> None:
    scores = scores_from_findings({}, keloid_area_cm2=2.0)
    assert scores.goodman_baron == 6
    assert "ECCA" in scores.warnings[0]


# --- Properties ----------------------------------------------------------------------------

scar_counts = st.integers(min_value=0, max_value=60)
gb_counts = st.dictionaries(st.sampled_from(list(GB)), scar_counts)
ecca_counts = st.dictionaries(st.sampled_from(list(EccaType)), scar_counts)
areas = st.one_of(st.just(0.0), st.floats(min_value=0, max_value=60, allow_nan=False))
region_findings = st.dictionaries(
    st.sampled_from(list(FacialRegion)),
    st.dictionaries(st.sampled_from(list(Morphology)), st.integers(min_value=0, max_value=25)),
)


@given(counts=gb_counts, area=areas, scar_type=st.sampled_from(list(GB)), more=scar_counts)
def test_more_scars_of_any_type_never_lower_the_goodman_baron_score(
    counts: dict[GoodmanBaronType, int], area: float, scar_type: GoodmanBaronType, more: int
) -> None:
    increased = {**counts, scar_type: counts.get(scar_type, 0) + more}
    assert goodman_baron_quantitative(increased, area) >= goodman_baron_quantitative(counts, area)


@given(counts=gb_counts, area=areas, more_area=areas)
def test_a_larger_keloid_area_never_lowers_the_goodman_baron_score(
    counts: dict[GoodmanBaronType, int], area: float, more_area: float
) -> None:
    larger = goodman_baron_quantitative(counts, area + more_area)
    assert larger >= goodman_baron_quantitative(counts, area)


@given(counts=ecca_counts, scar_type=st.sampled_from(list(EccaType)), more=scar_counts)
def test_more_scars_of_any_type_never_lower_the_ecca_score(
    counts: dict[EccaType, int], scar_type: EccaType, more: int
) -> None:
    increased = {**counts, scar_type: counts.get(scar_type, 0) + more}
    assert ecca_score(increased) >= ecca_score(counts)


@given(counts=gb_counts, area=areas)
def test_the_goodman_baron_score_stays_within_0_and_84(
    counts: dict[GoodmanBaronType, int], area: float
) -> None:
    assert 0 <= goodman_baron_quantitative(counts, area) <= GOODMAN_BARON_MAX


@given(counts=ecca_counts)
def test_the_ecca_score_stays_within_0_and_540(counts: dict[EccaType, int]) -> None:
    assert 0 <= ecca_score(counts) <= ECCA_MAX


@given(counts=gb_counts, area=areas)
def test_the_goodman_baron_score_is_the_sum_of_its_rows_and_the_keloid_part(
    counts: dict[GoodmanBaronType, int], area: float
) -> None:
    rows = sum(goodman_baron_quantitative({t: n}) for t, n in counts.items())
    assert goodman_baron_quantitative(counts, area) == rows + goodman_baron_keloid_score(area)


@given(counts=ecca_counts)
def test_the_ecca_score_is_the_sum_of_its_types(counts: dict[EccaType, int]) -> None:
    assert ecca_score(counts) == sum(ecca_score({t: n}) for t, n in counts.items())


def _mapped_totals(
    findings: Mapping[FacialRegion, Mapping[Morphology, int]], over_two_years: bool
) -> tuple[dict[GoodmanBaronType, int], dict[EccaType, int]]:
    """The counts the mapping implies, summed the plain way: region by region, scar by scar."""
    gb: dict[GoodmanBaronType, int] = {}
    ecca: dict[EccaType, int] = {}
    for counts in findings.values():
        for morphology, n in counts.items():
            row = MORPHOLOGY_MAPPING[morphology]
            if row.goodman_baron is not None:
                gb[row.goodman_baron] = gb.get(row.goodman_baron, 0) + n
            ecca_type = row.ecca_over_two_years if over_two_years else row.ecca
            if ecca_type is not None:
                ecca[ecca_type] = ecca.get(ecca_type, 0) + n
    return gb, ecca


@given(findings=region_findings, area=areas, over_two_years=st.booleans())
def test_scores_from_findings_equal_the_scales_applied_to_the_mapped_face_totals(
    findings: dict[FacialRegion, dict[Morphology, int]], area: float, over_two_years: bool
) -> None:
    scores = scores_from_findings(findings, area, hypertrophic_over_two_years=over_two_years)
    gb, ecca = _mapped_totals(findings, over_two_years)
    assert scores.goodman_baron == goodman_baron_quantitative(gb, area)
    assert scores.ecca == ecca_score(ecca)
    assert {t: n for t, n in scores.goodman_baron_counts.items() if n} == {
        t: n for t, n in gb.items() if n
    }
    assert {t: n for t, n in scores.ecca_counts.items() if n} == {
        t: n for t, n in ecca.items() if n
    }


@given(
    totals=st.dictionaries(st.sampled_from(list(Morphology)), st.integers(0, 60)),
    area=areas,
    data=st.data(),
)
def test_splitting_the_same_scars_differently_across_regions_gives_the_same_scores(
    totals: dict[Morphology, int], area: float, data: st.DataObject
) -> None:
    split: dict[FacialRegion, dict[Morphology, int]] = {}
    for morphology, total in totals.items():
        left = total
        for region in list(FacialRegion)[:-1]:
            here = data.draw(st.integers(0, left))
            split.setdefault(region, {})[morphology] = here
            left -= here
        split.setdefault(list(FacialRegion)[-1], {})[morphology] = left

    together = scores_from_findings({FacialRegion.FOREHEAD: totals}, area)
    apart = scores_from_findings(split, area)
    assert (apart.goodman_baron, apart.ecca) == (together.goodman_baron, together.ecca)
    assert apart.goodman_baron_counts == together.goodman_baron_counts
    assert apart.ecca_counts == together.ecca_counts
