"""The face map: one SVG shape per facial region, shaded by its scar count.

Drawn as the clinician faces the patient (the patient's right on the viewer's left), the
usual convention for frontal clinical photographs."""

from __future__ import annotations

from dataclasses import dataclass

from scarclinic.clinical.morphology import FacialRegion

REGION_SHAPES: dict[FacialRegion, str] = {
    FacialRegion.FOREHEAD: "62,48 178,48 192,96 48,96",
    FacialRegion.TEMPLE_RIGHT: "30,98 58,98 60,142 34,142",
    FacialRegion.TEMPLE_LEFT: "182,98 210,98 206,142 180,142",
    FacialRegion.CHEEK_RIGHT: "38,146 96,146 92,214 56,214",
    FacialRegion.CHEEK_LEFT: "144,146 202,146 184,214 148,214",
    FacialRegion.NOSE: "104,104 136,104 142,184 98,184",
    FacialRegion.PERIORAL: "92,190 148,190 148,234 92,234",
    FacialRegion.CHIN: "96,240 144,240 134,276 106,276",
    FacialRegion.JAWLINE_RIGHT: "58,220 88,238 100,276 72,258",
    FacialRegion.JAWLINE_LEFT: "182,220 152,238 140,276 168,258",
}
LABEL_AT: dict[FacialRegion, tuple[int, int]] = {
    FacialRegion.FOREHEAD: (120, 76),
    FacialRegion.TEMPLE_RIGHT: (45, 124),
    FacialRegion.TEMPLE_LEFT: (195, 124),
    FacialRegion.CHEEK_RIGHT: (70, 184),
    FacialRegion.CHEEK_LEFT: (170, 184),
    FacialRegion.NOSE: (120, 150),
    FacialRegion.PERIORAL: (120, 216),
    FacialRegion.CHIN: (120, 262),
    FacialRegion.JAWLINE_RIGHT: (78, 246),
    FacialRegion.JAWLINE_LEFT: (162, 246),
}


@dataclass(frozen=True)
class RegionShape:
    region: FacialRegion
    points: str
    label_x: int
    label_y: int
    count: int
    fill: str


def shade(count: int) -> str:
    """A fill from pale (none) to deep teal (20 or more scars)."""
    if count <= 0:
        return "#eef2f5"
    level = min(count, 20) / 20
    light = round(88 - 58 * level)
    return f"hsl(180 45% {light}%)"


def region_shapes(totals: dict[str, int]) -> list[RegionShape]:
    return [
        RegionShape(
            region=region,
            points=REGION_SHAPES[region],
            label_x=LABEL_AT[region][0],
            label_y=LABEL_AT[region][1],
            count=totals.get(region.value, 0),
            fill=shade(totals.get(region.value, 0)),
        )
        for region in FacialRegion
    ]


def trend_points(values: list[int | None], maximum: int, width: int = 300, height: int = 90) -> str:
    """SVG polyline points for a score series, oldest first, scaled to the scale's maximum."""
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(present) < 2:
        return ""  # one point is not a trend
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(height - (v / maximum) * height, 1)}" for i, v in present
    )
