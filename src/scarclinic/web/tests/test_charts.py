"""The server-side SVG charts: accessible, deterministic, escaped, inline-safe."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scarclinic.web.charts import Bar, Series, bar_chart_svg, line_chart_svg

SVG = "{http://www.w3.org/2000/svg}"


def _line(**kw: object) -> str:
    args: dict[str, object] = {
        "title": "ECCA over time",
        "desc": "ECCA fell from 50 to 30 after two sessions.",
        "series": [
            Series("ECCA", [(date(2026, 1, 5), 50.0), (date(2026, 3, 2), 30.0)]),
            Series("Goodman & Baron", [(date(2026, 1, 5), 20.0), (date(2026, 3, 2), 12.0)]),
        ],
        "markers": [date(2026, 1, 20), date(2026, 2, 15)],
        "marker_label": "Treatment session",
        "x_label": "Date",
        "y_label": "Score",
    }
    args.update(kw)
    return line_chart_svg(**args)  # type: ignore[arg-type]


def test_a_line_chart_is_an_image_named_by_its_title_and_text_alternative() -> None:
    svg = _line()
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert (title.get("id"), title.text) == (title_id, "ECCA over time")
    assert (desc.get("id"), desc.text) == (desc_id, "ECCA fell from 50 to 30 after two sessions.")
    # The axis labels, series names and the marker's legend entry are text, not paths.
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"Date", "Score", "ECCA", "Goodman & Baron", "Treatment session"} <= texts


def test_the_same_input_gives_the_same_bytes_without_dates_or_tool_versions() -> None:
    assert _line() == _line()
    svg = _line()
    assert "<metadata" not in svg and "<?xml" not in svg and "DOCTYPE" not in svg
    assert "Matplotlib v" not in svg and "dc:date" not in svg


def test_charts_carry_no_script_and_no_external_reference() -> None:
    svg = _line() + bar_chart_svg(title="t", desc="d", bars=[Bar("a", 1.0)])
    assert "<script" not in svg.lower()
    assert not re.search(r"(href|src)=\"(?!#)", svg)


def test_every_text_is_escaped() -> None:
    svg = _line(title="<b>x</b>", desc='a "quoted" & <desc>', series=[Series("<s>", [])])
    ET.fromstring(svg)  # well-formed
    assert "<b>" not in svg and "<s>" not in svg and "<desc>a" not in svg


def test_two_charts_on_one_page_share_no_element_id() -> None:
    a = _line(chart_id="first")
    b = _line(chart_id="second")
    ids_a = set(re.findall(r'\bid="([^"]+)"', a))
    ids_b = set(re.findall(r'\bid="([^"]+)"', b))
    assert ids_a and ids_b and not ids_a & ids_b
    # internal references follow the renamed ids
    for ref in re.findall(r'href="#([^"]+)"', a):
        assert ref in ids_a


def test_a_chart_needs_a_title_and_a_text_alternative() -> None:
    with pytest.raises(ValueError):
        _line(desc="")
    with pytest.raises(ValueError):
        bar_chart_svg(title="", desc="d", bars=[])
    with pytest.raises(ValueError):
        _line(chart_id="bad id")


def test_an_empty_chart_says_there_are_no_data() -> None:
    svg = _line(series=[], markers=[], empty_text="No scores yet")
    assert "No scores yet" in svg
    svg = bar_chart_svg(title="t", desc="d", bars=[], empty_text="Nothing to compare")
    assert "Nothing to compare" in svg


def test_a_bar_chart_draws_the_interval_and_the_note() -> None:
    with_ci = bar_chart_svg(
        title="Improvement by modality",
        desc="Microneedling 30% (95% CI 20 to 40, n = 12).",
        bars=[Bar("Microneedling", 30.0, 20.0, 40.0, "n = 12"), Bar("Laser", 10.0)],
        y_label="% improvement",
    )
    without = bar_chart_svg(
        title="Improvement by modality",
        desc="Microneedling 30% (95% CI 20 to 40, n = 12).",
        bars=[Bar("Microneedling", 30.0, note="n = 12"), Bar("Laser", 10.0)],
        y_label="% improvement",
    )
    root = ET.fromstring(with_ci)
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"Microneedling", "n = 12", "Laser", "% improvement"} <= texts
    # the error bar is drawn as extra line collections
    assert with_ci.count("LineCollection") > without.count("LineCollection")


def test_a_bar_interval_must_be_whole_and_ordered() -> None:
    with pytest.raises(ValueError):
        Bar("a", 1.0, low=0.0)
    with pytest.raises(ValueError):
        Bar("a", 1.0, low=2.0, high=0.0)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=2000),
            st.floats(min_value=-1000, max_value=1000, allow_nan=False),
        ),
        max_size=12,
    )
)
def test_any_series_renders_well_formed_svg(points: list[tuple[int, float]]) -> None:
    start = date(2025, 1, 1)
    svg = _line(series=[Series("s", [(start + timedelta(days=d), v) for d, v in points])])
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
