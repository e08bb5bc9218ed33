"""Acne-scar severity scales: Goodman & Baron quantitative score and ECCA.

Sources (../shared/CLINICAL.md):
- section 2: Goodman & Baron qualitative grade, Dermatol Surg 2006;32:1458-66
  (re-exported here as :class:`QualitativeGrade`; entered by the clinician, never computed);
- section 3: Goodman & Baron quantitative global score, J Cosmet Dermatol 2006;5:48-52, 0-84;
- section 4: ECCA (echelle d'evaluation clinique des cicatrices d'acne), Dreno et al.,
  Dermatology 2007;214:46-51, 0-540;
- section 1: morphology (Jacob, Dover & Kaminer, J Am Acad Dermatol 2001;45:109-17), which
  the clinic records per facial region and :data:`MORPHOLOGY_MAPPING` translates into each
  scale's types.

Both scores take raw scar counts per type and apply their bands themselves. Counts are for
the whole face: per-region findings are summed before any band is applied.

Pure Python; the Django app stores the scores with :data:`SCALE_VERSIONS` beside them.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final, TypeVar

from scarclinic.clinical.morphology import (
    QUALITATIVE_GRADE_DESCRIPTIONS,
    FacialRegion,
    Morphology,
    QualitativeGrade,
)
from scarclinic.clinical.text import Message, gettext_noop

__all__ = [
    "ECCA_DESCRIPTIONS",
    "ECCA_MAX",
    "ECCA_WEIGHTS",
    "GOODMAN_BARON_DESCRIPTIONS",
    "GOODMAN_BARON_MAX",
    "GOODMAN_BARON_POINTS",
    "MORPHOLOGY_MAPPING",
    "QUALITATIVE_GRADE_DESCRIPTIONS",
    "SCALE_VERSIONS",
    "EccaType",
    "GoodmanBaronType",
    "MappingRow",
    "QualitativeGrade",
    "ScaleScores",
    "ecca_code",
    "ecca_score",
    "goodman_baron_count_band",
    "goodman_baron_keloid_score",
    "goodman_baron_quantitative",
    "scores_from_findings",
]

# Keys may be the enum member or its string value (a StrEnum is a str).
_K = TypeVar("_K", bound=str)
_R = TypeVar("_R", bound=str)
_M = TypeVar("_M", bound=str)

# Stored beside every saved score, so a later change of a scale or of our morphology
# mapping never silently changes the meaning of an old number.
SCALE_VERSIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "goodman_baron_quantitative": "GB-Q 2006",  # J Cosmet Dermatol 2006;5:48-52
        "ecca": "ECCA 2007",  # Dermatology 2007;214:46-51
        "morphology_mapping": "scarclinic-1",  # MORPHOLOGY_MAPPING below, ours
    }
)


# --- Goodman & Baron quantitative global score (CLINICAL.md section 3) --------------------


class GoodmanBaronType(StrEnum):
    """A row of the Goodman & Baron quantitative score (J Cosmet Dermatol 2006;5:48-52).

    Keloidal and hypertrophic scars are not a row: they are scored by area
    (:func:`goodman_baron_keloid_score`).
    """

    MACULAR = "macular"
    MILD_ATROPHIC_DISH = "mild_atrophic_dish"
    MODERATE_ATROPHIC_DISH = "moderate_atrophic_dish"
    PUNCHED_OUT_SHALLOW_SMALL = "punched_out_shallow_small"
    SHALLOW_BROAD_ATROPHIC = "shallow_broad_atrophic"
    PUNCHED_OUT_DEEP_NORMAL_SMALL = "punched_out_deep_normal_small"
    PUNCHED_OUT_DEEP_ABNORMAL_SMALL = "punched_out_deep_abnormal_small"
    LINEAR_TROUGHED = "linear_troughed"
    DEEP_BROAD_ATROPHIC = "deep_broad_atrophic"
    PAPULAR = "papular"

    @property
    def points(self) -> int:
        """Points of the type, multiplied by the count band."""
        return GOODMAN_BARON_POINTS[self]

    @property
    def description(self) -> str:
        """The type as the clinic reads it."""
        return GOODMAN_BARON_DESCRIPTIONS[self]


# Points per type: Goodman & Baron, J Cosmet Dermatol 2006;5:48-52 (CLINICAL.md section 3).
GOODMAN_BARON_POINTS: Final[Mapping[GoodmanBaronType, int]] = MappingProxyType(
    {
        GoodmanBaronType.MACULAR: 1,  # GB-Q 2006, CLINICAL.md s.3
        GoodmanBaronType.MILD_ATROPHIC_DISH: 1,  # GB-Q 2006, CLINICAL.md s.3
        GoodmanBaronType.MODERATE_ATROPHIC_DISH: 2,  # GB-Q 2006, CLINICAL.md s.3
        GoodmanBaronType.PUNCHED_OUT_SHALLOW_SMALL: 2,  # GB-Q 2006, CLINICAL.md s.3
        GoodmanBaronType.SHALLOW_BROAD_ATROPHIC: 2,  # GB-Q 2006, CLINICAL.md s.3
        GoodmanBaronType.PUNCHED_OUT_DEEP_NORMAL_SMALL: 3,  # GB-Q 2006, CLINICAL.md s.3
        GoodmanBaronType.PUNCHED_OUT_DEEP_ABNORMAL_SMALL: 3,  # GB-Q 2006, CLINICAL.md s.3
        GoodmanBaronType.LINEAR_TROUGHED: 3,  # GB-Q 2006, CLINICAL.md s.3
        GoodmanBaronType.DEEP_BROAD_ATROPHIC: 3,  # GB-Q 2006, CLINICAL.md s.3
        GoodmanBaronType.PAPULAR: 2,  # GB-Q 2006, CLINICAL.md s.3
    }
)

GOODMAN_BARON_DESCRIPTIONS: Final[Mapping[GoodmanBaronType, str]] = MappingProxyType(
    {
        GoodmanBaronType.MACULAR: "Macular marks, erythematous or pigmented",
        GoodmanBaronType.MILD_ATROPHIC_DISH: "Dish-like scars, mildly atrophic",
        GoodmanBaronType.MODERATE_ATROPHIC_DISH: "Dish-like scars, moderately atrophic",
        GoodmanBaronType.PUNCHED_OUT_SHALLOW_SMALL: (
            "Punched-out scars with a shallow base, small (under 5 mm)"
        ),
        GoodmanBaronType.SHALLOW_BROAD_ATROPHIC: "Broad atrophic areas, shallow",
        GoodmanBaronType.PUNCHED_OUT_DEEP_NORMAL_SMALL: (
            "Punched-out scars, deep, with a normal-looking base, small (under 5 mm)"
        ),
        GoodmanBaronType.PUNCHED_OUT_DEEP_ABNORMAL_SMALL: (
            "Punched-out scars, deep, with an abnormal base, small (under 5 mm)"
        ),
        GoodmanBaronType.LINEAR_TROUGHED: "Linear or troughed scarring of the dermis",
        GoodmanBaronType.DEEP_BROAD_ATROPHIC: "Broad atrophic areas, deep",
        GoodmanBaronType.PAPULAR: "Hyperplastic papular scars",
    }
)

# Highest count band (> 20 scars) is 3 and the highest keloid-area score is 18 (> 20 cm2):
# 3 x (1+1+2+2+2+3+3+3+3+2) + 18 = 84 (GB-Q 2006, CLINICAL.md section 3).
GOODMAN_BARON_MAX: Final = 84


def goodman_baron_count_band(n: int) -> int:
    """Count band of one Goodman & Baron row: 0 none, 1 for 1-10, 2 for 11-20, 3 for > 20.

    Source: J Cosmet Dermatol 2006;5:48-52 (CLINICAL.md section 3).
    Raises ValueError if ``n`` is not a whole number of scars (0 or more).
    """
    n = _checked_count(n, "scar count")
    if n == 0:
        return 0  # no scars of the type: GB-Q 2006
    if n <= 10:
        return 1  # 1-10 scars: GB-Q 2006
    if n <= 20:
        return 2  # 11-20 scars: GB-Q 2006
    return 3  # more than 20 scars: GB-Q 2006


def goodman_baron_keloid_score(area_cm2: float) -> int:
    """Goodman & Baron score for keloidal/hypertrophic scars, from their total area in cm2.

    None 0; under 5 cm2 6; 5-20 cm2 (both inclusive) 12; over 20 cm2 18.
    Source: J Cosmet Dermatol 2006;5:48-52 (CLINICAL.md section 3).
    Raises ValueError for a negative, NaN, infinite or non-numeric area.
    """
    area = _checked_area(area_cm2, "keloid_area_cm2")
    if area == 0:
        return 0  # none: GB-Q 2006
    if area < 5:
        return 6  # < 5 cm2: GB-Q 2006
    if area <= 20:
        return 12  # 5-20 cm2: GB-Q 2006
    return 18  # > 20 cm2: GB-Q 2006


def goodman_baron_quantitative(counts: Mapping[_K, int], keloid_area_cm2: float = 0.0) -> int:
    """Goodman & Baron quantitative global score, 0-84 (J Cosmet Dermatol 2006;5:48-52).

    ``counts`` holds raw scar counts for the whole face per :class:`GoodmanBaronType` (member
    or string value); missing types count as zero. Each row scores points x count band, and
    the keloid/hypertrophic area adds its own score. No severity bands exist for the total:
    show it beside the qualitative grade (CLINICAL.md section 3).

    Raises ValueError naming the key and value for an unknown type or a count that is not a
    whole number 0 or more (bools are refused), and for a negative or NaN area.
    """
    keloid = goodman_baron_keloid_score(keloid_area_cm2)
    rows = _parsed_counts(counts, GoodmanBaronType, "Goodman & Baron")
    return sum(t.points * goodman_baron_count_band(n) for t, n in rows.items()) + keloid


# --- ECCA (CLINICAL.md section 4) ----------------------------------------------------------


class EccaType(StrEnum):
    """A scar type of the ECCA score (Dreno et al., Dermatology 2007;214:46-51)."""

    V_SHAPED = "v_shaped"
    U_SHAPED = "u_shaped"
    M_SHAPED = "m_shaped"
    SUPERFICIAL_ELASTOLYSIS = "superficial_elastolysis"
    HYPERTROPHIC_INFLAMMATORY = "hypertrophic_inflammatory"
    KELOID_OR_OLD_HYPERTROPHIC = "keloid_or_old_hypertrophic"

    @property
    def weight(self) -> int:
        """Weight of the type, multiplied by the count code."""
        return ECCA_WEIGHTS[self]

    @property
    def description(self) -> str:
        """The type as the clinic reads it."""
        return ECCA_DESCRIPTIONS[self]


# Weights per type: Dreno et al., Dermatology 2007;214:46-51 (CLINICAL.md section 4).
ECCA_WEIGHTS: Final[Mapping[EccaType, int]] = MappingProxyType(
    {
        EccaType.V_SHAPED: 15,  # ECCA 2007, CLINICAL.md s.4
        EccaType.U_SHAPED: 20,  # ECCA 2007, CLINICAL.md s.4
        EccaType.M_SHAPED: 25,  # ECCA 2007, CLINICAL.md s.4
        EccaType.SUPERFICIAL_ELASTOLYSIS: 50,  # ECCA 2007, CLINICAL.md s.4
        EccaType.HYPERTROPHIC_INFLAMMATORY: 40,  # ECCA 2007, CLINICAL.md s.4
        EccaType.KELOID_OR_OLD_HYPERTROPHIC: 30,  # ECCA 2007, CLINICAL.md s.4
    }
)

ECCA_DESCRIPTIONS: Final[Mapping[EccaType, str]] = MappingProxyType(
    {
        EccaType.V_SHAPED: "Atrophic, V-shaped, under 2 mm across",
        EccaType.U_SHAPED: "Atrophic, U-shaped, 2-4 mm across",
        EccaType.M_SHAPED: "Atrophic, M-shaped, over 4 mm across",
        EccaType.SUPERFICIAL_ELASTOLYSIS: "Superficial elastolysis",
        EccaType.HYPERTROPHIC_INFLAMMATORY: "Hypertrophic and inflammatory, under 2 years old",
        EccaType.KELOID_OR_OLD_HYPERTROPHIC: "Keloid, or hypertrophic over 2 years old",
    }
)

# Highest code is 3 (> 20 scars): 3 x (15+20+25+50+40+30) = 540 (ECCA 2007, CLINICAL.md s.4).
ECCA_MAX: Final = 540


def ecca_code(n: int) -> int:
    """ECCA count code: 0 no scars, 1 fewer than 5, 2 for 5-20, 3 more than 20.

    Source: Dreno et al., Dermatology 2007;214:46-51 (CLINICAL.md section 4).
    Raises ValueError if ``n`` is not a whole number of scars (0 or more).
    """
    n = _checked_count(n, "scar count")
    if n == 0:
        return 0  # no scars: ECCA 2007
    if n < 5:
        return 1  # fewer than 5: ECCA 2007
    if n <= 20:
        return 2  # 5-20: ECCA 2007
    return 3  # more than 20: ECCA 2007


def ecca_score(counts: Mapping[_K, int]) -> int:
    """ECCA total, 0-540 (Dreno et al., Dermatology 2007;214:46-51).

    ``counts`` holds raw scar counts for the whole face per :class:`EccaType` (member or
    string value); missing types count as zero. Score = sum of weight x count code.

    Raises ValueError naming the key and value for an unknown type or a count that is not a
    whole number 0 or more (bools are refused).
    """
    rows = _parsed_counts(counts, EccaType, "ECCA")
    return sum(t.weight * ecca_code(n) for t, n in rows.items())


# --- From recorded morphology to each scale (CLINICAL.md sections 1, 3, 4) ---------------


@dataclass(frozen=True)
class MappingRow:
    """How scars recorded as one morphology are counted by each scale.

    ``goodman_baron`` is the Goodman & Baron row the scars are counted in, or None when they
    are not counted there; ``goodman_baron_by_area`` says the scale scores them through the
    keloid/hypertrophic area instead. ``ecca`` and ``ecca_over_two_years`` are the ECCA
    types for scars under and over 2 years old (the same type except for hypertrophic
    scars), or None when ECCA has no such type.
    """

    goodman_baron: GoodmanBaronType | None
    goodman_baron_by_area: bool
    ecca: EccaType | None
    ecca_over_two_years: EccaType | None
    rationale: str


# Our mapping, not a published one: the two scales slice morphology differently, so the
# clinic sees it (with each rationale) next to the scores, and its version is stored
# (SCALE_VERSIONS["morphology_mapping"]). Types that no recorded morphology reaches (GB mild
# dish-like, shallow and deep broad areas, linear/troughed, papular; ECCA superficial
# elastolysis) are scored by entering per-type counts into the scale functions directly.
MORPHOLOGY_MAPPING: Final[Mapping[Morphology, MappingRow]] = MappingProxyType(
    {
        Morphology.ICE_PICK: MappingRow(
            goodman_baron=GoodmanBaronType.PUNCHED_OUT_DEEP_ABNORMAL_SMALL,
            goodman_baron_by_area=False,
            ecca=EccaType.V_SHAPED,
            ecca_over_two_years=EccaType.V_SHAPED,
            # Jacob 2001 (s.1): < 2 mm, deep, V-shaped = ECCA V-shaped, < 2 mm (s.4).
            # GB (s.3) has two small deep punched-out rows at 3 points each; an ice-pick
            # scar narrows to a point with no visible floor, so its base is not normal
            # skin: "abnormal base". Deep boxcars, whose flat floor looks normal, take the
            # "normal-appearing base" row, so the two are banded apart.
            rationale=(
                "Ice-pick scars are narrow (under 2 mm), deep and V-shaped: ECCA's V-shaped "
                "type. For Goodman & Baron they are small, deep punched-out scars whose "
                "base narrows to a point rather than a floor of normal-looking skin, so the "
                "'deep, abnormal base' row (3 points)."
            ),
        ),
        Morphology.BOXCAR_SHALLOW: MappingRow(
            goodman_baron=GoodmanBaronType.PUNCHED_OUT_SHALLOW_SMALL,
            goodman_baron_by_area=False,
            ecca=EccaType.U_SHAPED,
            ecca_over_two_years=EccaType.U_SHAPED,
            # Jacob 2001 (s.1): sharp edges, U-shaped, about 1.5-4 mm = ECCA U, 2-4 mm (s.4);
            # GB (s.3) punched-out, shallow base, < 5 mm.
            rationale=(
                "Shallow boxcar scars have sharp vertical edges, a U-shaped profile and are "
                "about 1.5-4 mm across: ECCA's U-shaped type; Goodman & Baron's small "
                "punched-out scars with a shallow base (2 points)."
            ),
        ),
        Morphology.BOXCAR_DEEP: MappingRow(
            goodman_baron=GoodmanBaronType.PUNCHED_OUT_DEEP_NORMAL_SMALL,
            goodman_baron_by_area=False,
            ecca=EccaType.U_SHAPED,
            ecca_over_two_years=EccaType.U_SHAPED,
            # ECCA (s.4) has no depth: shallow and deep boxcars share U-shaped and are added
            # before coding. GB (s.3): deep, < 5 mm, and the flat floor of a boxcar is skin
            # of normal appearance, hence "normal-appearing base" (3 points).
            rationale=(
                "Deep boxcar scars are U-shaped like shallow ones, and ECCA does not grade "
                "depth, so both add up in its U-shaped type. For Goodman & Baron they are "
                "small, deep punched-out scars whose flat floor looks like normal skin: "
                "the 'deep, normal-appearing base' row (3 points)."
            ),
        ),
        Morphology.ROLLING: MappingRow(
            goodman_baron=GoodmanBaronType.MODERATE_ATROPHIC_DISH,
            goodman_baron_by_area=False,
            ecca=EccaType.M_SHAPED,
            ecca_over_two_years=EccaType.M_SHAPED,
            # Jacob 2001 (s.1): > 4-5 mm, tethered, M-shaped = ECCA M, > 4 mm (s.4).
            # GB (s.3): counted one by one they are dish-like atrophic scars; depth is not
            # recorded, so "moderately atrophic" (2 points) by default; "shallow but broad
            # atrophic areas" (also 2 points) are confluent areas rather than countable scars.
            rationale=(
                "Rolling scars are wider than 4-5 mm with an undulating, M-shaped surface: "
                "ECCA's M-shaped type. Counted one by one they are Goodman & Baron's "
                "dish-like atrophic scars; their depth is not recorded, so they count as "
                "moderately atrophic (2 points). Score mildly atrophic ones (1 point) by "
                "entering Goodman & Baron counts directly."
            ),
        ),
        Morphology.HYPERTROPHIC: MappingRow(
            goodman_baron=None,
            goodman_baron_by_area=True,
            ecca=EccaType.HYPERTROPHIC_INFLAMMATORY,
            ecca_over_two_years=EccaType.KELOID_OR_OLD_HYPERTROPHIC,
            # GB (s.3) scores keloidal/hypertrophic scars by total area, not by count; its
            # "hyperplastic papular" row is a different lesion and counting them there too
            # would score them twice. ECCA (s.4) splits hypertrophic scars by age: < 2 years
            # weight 40, > 2 years with keloids weight 30.
            rationale=(
                "Goodman & Baron scores hypertrophic scars by their total area (with "
                "keloids), not by count, so they enter it only through the keloid area; "
                "they are not its 'hyperplastic papular' scars. ECCA counts them: under 2 "
                "years old as hypertrophic inflammatory scars, over 2 years old with keloids; "
                "the assessment says which (under 2 years unless stated)."
            ),
        ),
        Morphology.KELOID: MappingRow(
            goodman_baron=None,
            goodman_baron_by_area=True,
            ecca=EccaType.KELOID_OR_OLD_HYPERTROPHIC,
            ecca_over_two_years=EccaType.KELOID_OR_OLD_HYPERTROPHIC,
            # GB (s.3): by area only. ECCA (s.4): keloids, whatever their age.
            rationale=(
                "Goodman & Baron scores keloids by their total area, so they enter it only "
                "through the keloid area. ECCA counts them in its keloid type."
            ),
        ),
        Morphology.MACULAR: MappingRow(
            goodman_baron=GoodmanBaronType.MACULAR,
            goodman_baron_by_area=False,
            ecca=None,
            ecca_over_two_years=None,
            # GB (s.3) macular row, 1 point; ECCA (s.4) has no type for flat marks.
            rationale=(
                "Flat red or brown marks are Goodman & Baron's macular row (1 point). ECCA "
                "has no type for flat marks, so they do not count towards it."
            ),
        ),
    }
)


@dataclass(frozen=True)
class ScaleScores:
    """Both quantitative scores derived from region findings, with what they were made of.

    The count mappings hold whole-face totals for every type (zeros included).
    ``warnings`` are messages for the clinician when findings and area disagree.
    """

    goodman_baron: int
    ecca: int
    goodman_baron_counts: Mapping[GoodmanBaronType, int]
    goodman_baron_keloid: int
    ecca_counts: Mapping[EccaType, int]
    morphology_counts: Mapping[Morphology, int]
    keloid_area_cm2: float
    versions: Mapping[str, str]
    warnings: tuple[str, ...] = ()  # in English (the API's and the record's wording)
    warning_messages: tuple[Message, ...] = ()  # the same, for the reader's language


def scores_from_findings(
    findings: Mapping[_R, Mapping[_M, int]],
    keloid_area_cm2: float = 0.0,
    *,
    hypertrophic_over_two_years: bool = False,
) -> ScaleScores:
    """Goodman & Baron and ECCA scores from scar counts by facial region and morphology.

    ``findings`` maps a :class:`FacialRegion` to counts per :class:`Morphology` (members or
    string values; missing ones count as zero). Counts are summed over the face before any
    band is applied, then translated with :data:`MORPHOLOGY_MAPPING`. ``keloid_area_cm2``
    is the total area of keloid and hypertrophic scars, which Goodman & Baron scores
    instead of their count. ECCA types hypertrophic scars by age; the findings do not say
    it, so ``hypertrophic_over_two_years`` does (default: under 2 years).

    Raises ValueError naming the region, morphology and value for an unknown region or
    morphology, a count that is not a whole number 0 or more, and a negative or NaN area.
    """
    area = _checked_area(keloid_area_cm2, "keloid_area_cm2")

    by_morphology = dict.fromkeys(Morphology, 0)
    for region_key, counts in findings.items():
        region = _member(FacialRegion, region_key, "facial region")
        if not isinstance(counts, Mapping):
            raise ValueError(  # noqa: TRY004 - see Validation below
                f"findings for region {region.value!r} must map morphology to a count, "
                f"got {counts!r}"
            )
        for morphology_key, n in counts.items():
            morphology = _member(
                Morphology, morphology_key, f"morphology in region {region.value!r}:"
            )
            by_morphology[morphology] += _checked_count(
                n, f"count of {morphology.value!r} scars in region {region.value!r}"
            )

    gb_counts = dict.fromkeys(GoodmanBaronType, 0)
    ecca_counts = dict.fromkeys(EccaType, 0)
    for morphology, n in by_morphology.items():
        row = MORPHOLOGY_MAPPING[morphology]
        if row.goodman_baron is not None:
            gb_counts[row.goodman_baron] += n
        ecca_type = row.ecca_over_two_years if hypertrophic_over_two_years else row.ecca
        if ecca_type is not None:
            ecca_counts[ecca_type] += n

    by_area = sum(
        n for m, n in by_morphology.items() if MORPHOLOGY_MAPPING[m].goodman_baron_by_area
    )
    warnings: list[Message] = []
    if by_area and area == 0:
        warnings.append(
            Message(
                gettext_noop(
                    "%(count)s keloid or hypertrophic scar(s) recorded but no keloid area: "
                    "Goodman & Baron scores these by area, so enter their total area in cm2."
                ),
                {"count": by_area},
            )
        )
    if area > 0 and not by_area:
        warnings.append(
            Message(
                gettext_noop(
                    "A keloid area is entered but no keloid or hypertrophic scars are counted: "
                    "ECCA scores these by count, so record them in their regions."
                )
            )
        )

    return ScaleScores(
        goodman_baron=goodman_baron_quantitative(gb_counts, area),
        ecca=ecca_score(ecca_counts),
        goodman_baron_counts=MappingProxyType(gb_counts),
        goodman_baron_keloid=goodman_baron_keloid_score(area),
        ecca_counts=MappingProxyType(ecca_counts),
        morphology_counts=MappingProxyType(by_morphology),
        keloid_area_cm2=area,
        versions=SCALE_VERSIONS,
        warnings=tuple(m.english for m in warnings),
        warning_messages=tuple(warnings),
    )


# --- Validation ----------------------------------------------------------------------------
# Every bad input raises ValueError (TRY004 would want TypeError for wrong types): callers,
# forms and the API above all, catch one exception and show its message to the clinician.


def _checked_count(value: object, what: str) -> int:
    # bool is an int subclass, but True scars is a form bug, not a count.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(  # noqa: TRY004
            f"{what} must be a whole number of scars, got {value!r} ({type(value).__name__})"
        )
    if value < 0:
        raise ValueError(f"{what} must be 0 or more, got {value}")
    return value


def _checked_area(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(  # noqa: TRY004
            f"{what} must be a number of cm2, got {value!r} ({type(value).__name__})"
        )
    area = float(value)
    if math.isnan(area) or math.isinf(area):
        raise ValueError(f"{what} must be a finite number of cm2, got {value!r}")
    if area < 0:
        raise ValueError(f"{what} must be 0 or more, got {value!r}")
    return area


_E = TypeVar("_E", GoodmanBaronType, EccaType, FacialRegion, Morphology)


def _member(enum: type[_E], key: object, what: str) -> _E:
    if isinstance(key, str):
        with contextlib.suppress(ValueError):
            return enum(key)
    expected = ", ".join(m.value for m in enum)
    raise ValueError(f"unknown {what} {key!r}; expected one of: {expected}")


def _parsed_counts(counts: Mapping[_K, int], enum: type[_E], scale: str) -> dict[_E, int]:
    if not isinstance(counts, Mapping):
        raise ValueError(  # noqa: TRY004
            f"{scale} counts must map scar type to a count, got {counts!r}"
        )
    parsed = dict.fromkeys(enum, 0)
    for key, n in counts.items():
        scar_type = _member(enum, key, f"{scale} scar type")
        parsed[scar_type] += _checked_count(n, f"{scale} count for {scar_type.value!r}")
    return parsed
