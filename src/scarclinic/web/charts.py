"""Charts drawn on the server as accessible SVG, for templates to include inline.

Each function returns one ``<svg>`` element as a string (mark it safe in the view or
template: every text in it is escaped here). The element carries ``role="img"`` and
``aria-labelledby`` pointing at its own ``<title>`` and ``<desc>``, so a screen reader
announces the chart's title and its text alternative; the caller writes ``desc`` as a
sentence or two that says what the chart shows (the figures a sighted reader takes from
it), and should put the same numbers in a table beside it. This module writes no words of its
own: titles, labels, the text for an empty chart and the dates under the axis all come from
the caller, in the reader's language.

Output is deterministic: the same input gives byte-identical SVG (element ids come from
``svg.hashsalt``, no creation date or tool version in metadata), so pages can be cached
and tests can compare. No script, no external references; text stays text
(``svg.fonttype = "none"``), so it is selectable, searchable, translatable and drawn in
the page's font, which also renders Urdu.

Matplotlib is used through its object API (``Figure``), not pyplot, so nothing global is
kept between requests; the rcParams that matter are set in a ``rc_context`` under a lock.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import matplotlib
import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

__all__ = [
    "PALETTE",
    "Bar",
    "Series",
    "bar_chart_svg",
    "line_chart_svg",
]

# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour
# vision deficiencies. Series also differ by marker shape, so colour is never the only cue.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_MARKER_COLOUR = "#6b6b6b"

_LOCK = threading.Lock()
_RC: dict[Any, Any] = {
    "svg.hashsalt": "scarclinic",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11.0,
    "axes.titleweight": "bold",
}


@dataclass(frozen=True)
class Series:
    """One line of a line chart: (date, value) points, drawn in date order."""

    label: str
    points: Sequence[tuple[date, float]]


@dataclass(frozen=True)
class Bar:
    """One bar: its value and, optionally, a confidence interval ``low``-``high`` drawn as an
    error bar, and a short ``note`` under its label (e.g. "n = 12")."""

    label: str
    value: float
    low: float | None = None
    high: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if (self.low is None) != (self.high is None):
            raise ValueError("A bar's interval needs both low and high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("A bar's interval low must not exceed its high")


@dataclass(frozen=True)
class _Text:
    title: str
    desc: str
    chart_id: str


def _chart_id(prefix: str, title: str, explicit: str | None) -> str:
    if explicit:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", explicit):
            raise ValueError("chart_id must be a valid HTML id (letters, digits, - and _)")
        return explicit
    return f"{prefix}-{hashlib.sha256(title.encode()).hexdigest()[:10]}"


def _figure(width: float, height: float, *, bottom: float = 0.7) -> Figure:
    # Fixed margins in inches, not a layout engine: constrained layout measures every text
    # twice and doubled the time of a chart (about 0.3 s of 0.6 s on a shared core).
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(
        left=0.75 / width,
        right=1 - 0.15 / width,
        bottom=bottom / height,
        top=1 - 0.4 / height,
    )
    return fig


def _finish(fig: Figure, text: _Text) -> str:
    buffer = io.StringIO()
    with _LOCK, matplotlib.rc_context(_RC), warnings.catch_warnings():
        # Urdu text is measured with DejaVu, which has no Arabic glyphs: the text stays text
        # (svg.fonttype none) and the browser draws it in the page's Naskh font.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    raw = buffer.getvalue()
    # Inline SVG in HTML: no XML prolog, no DOCTYPE, no RDF metadata, no <style> element.
    raw = re.sub(r"<\?xml[^>]*\?>\s*", "", raw)
    raw = re.sub(r"<!DOCTYPE[^>]*>\s*", "", raw)
    raw = re.sub(r"\s*<metadata>.*?</metadata>", "", raw, flags=re.S)
    raw = re.sub(r"\s*<defs>\s*<style[^>]*>.*?</style>\s*</defs>", "", raw, flags=re.S)
    # Prefix matplotlib's ids ("figure_1", "axes_1", hashed clip paths) with the chart's id,
    # so that several charts on one page never share an id.
    prefix = text.chart_id
    raw = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', raw)
    raw = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}-{m.group(1)}"', raw)
    raw = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", raw)
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    open_tag = re.search(r"<svg\b[^>]*>", raw)
    if open_tag is None:  # pragma: no cover - matplotlib always writes one
        raise RuntimeError("matplotlib wrote no <svg> element")
    tag = open_tag.group(0)
    view_box = re.search(r'viewBox="([^"]*)"', tag)
    new_tag = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="100%" viewBox="{view_box.group(1) if view_box else ""}" '
        f'class="chart" id="{text.chart_id}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}">'
        f'<title id="{title_id}">{html.escape(text.title)}</title>'
        f'<desc id="{desc_id}">{html.escape(text.desc)}</desc>'
    )
    return raw[: open_tag.start()] + new_tag + raw[open_tag.end() :]


def line_chart_svg(
    *,
    title: str,
    desc: str,
    series: Sequence[Series],
    markers: Sequence[date] = (),
    marker_label: str = "",
    x_label: str = "",
    y_label: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    empty_text: str = "",
    date_label: Callable[[date], str] | None = None,
    chart_id: str | None = None,
    width: float = 7.0,
    height: float = 3.6,
) -> str:
    """Series of values over dates, with optional vertical markers (e.g. treatment
    sessions, drawn as dashed lines labelled ``marker_label`` in the legend).

    ``desc`` is the text alternative: say what the chart shows in words and numbers. Every
    text (title, desc, labels, ``empty_text``) comes in already in the reader's language, and
    ``date_label`` writes the dates under the axis in it (Matplotlib's own are English).
    """
    if not title or not desc:
        raise ValueError("A chart needs a title and a text alternative (desc)")
    text = _Text(title, desc, _chart_id("line", title, chart_id))
    with _LOCK, matplotlib.rc_context(_RC):
        fig = _figure(width, height)
        ax = fig.add_subplot()
        ax.set_title(title, loc="left")
        drawn = False
        for i, s in enumerate(series):
            points = sorted(s.points, key=lambda p: p[0])
            if not points:
                continue
            xs = [p[0] for p in points]
            ys = [float(p[1]) for p in points]
            ax.plot(
                xs,  # type: ignore[arg-type]
                ys,
                label=s.label,
                color=PALETTE[i % len(PALETTE)],
                marker=_MARKERS[i % len(_MARKERS)],
                linewidth=1.8,
                markersize=5,
            )
            drawn = True
        for j, on in enumerate(sorted(set(markers))):
            ax.axvline(
                on,  # type: ignore[arg-type]
                color=_MARKER_COLOUR,
                linestyle="--",
                linewidth=1,
                label=(marker_label or None) if j == 0 else None,
            )
            drawn = True
        if not drawn:
            ax.text(0.5, 0.5, empty_text, ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
            ax.xaxis.set_major_locator(locator)
            if date_label is not None:
                label_of = date_label
                ax.xaxis.set_major_formatter(
                    FuncFormatter(
                        lambda x, _pos: label_of(mdates.num2date(x).date())  # type: ignore[no-untyped-call]
                    )
                )
            else:
                ax.xaxis.set_major_formatter(
                    mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
                )
            if y_min is not None or y_max is not None:
                ax.set_ylim(bottom=y_min, top=y_max)
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
            handles, _labels = ax.get_legend_handles_labels()
            if handles:
                ax.legend(loc="best", frameon=False)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
    return _finish(fig, text)


def bar_chart_svg(
    *,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    x_label: str = "",
    y_label: str = "",
    zero_line: bool = True,
    empty_text: str = "",
    chart_id: str | None = None,
    width: float = 7.0,
    height: float = 3.6,
) -> str:
    """Categories with a value each and, where given, a confidence interval as an error bar.
    A bar's ``note`` (e.g. "n = 12") is written under its label.

    ``desc`` is the text alternative: say what the chart shows in words and numbers.
    """
    if not title or not desc:
        raise ValueError("A chart needs a title and a text alternative (desc)")
    text = _Text(title, desc, _chart_id("bar", title, chart_id))
    with _LOCK, matplotlib.rc_context(_RC):
        fig = _figure(width, height, bottom=1.0 if any(b.note for b in bars) else 0.7)
        ax = fig.add_subplot()
        ax.set_title(title, loc="left")
        if not bars:
            ax.text(0.5, 0.5, empty_text, ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            positions = list(range(len(bars)))
            values = [float(b.value) for b in bars]
            ax.bar(positions, values, color=PALETTE[0], width=0.6, zorder=2)
            with_ci = [i for i, b in enumerate(bars) if b.low is not None]
            if with_ci:
                lower = [values[i] - float(bars[i].low or 0) for i in with_ci]
                upper = [float(bars[i].high or 0) - values[i] for i in with_ci]
                ax.errorbar(
                    with_ci,
                    [values[i] for i in with_ci],
                    yerr=[[max(v, 0.0) for v in lower], [max(v, 0.0) for v in upper]],
                    fmt="none",
                    ecolor="#222222",
                    elinewidth=1.2,
                    capsize=4,
                    zorder=3,
                )
            ax.set_xticks(positions, [f"{b.label}\n{b.note}" if b.note else b.label for b in bars])
            if zero_line:
                ax.axhline(0, color="#444444", linewidth=0.8, zorder=1)
            ax.grid(axis="y", color="#dddddd", linewidth=0.6, zorder=0)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
    return _finish(fig, text)


# --- Appended by the analytics app (issue 8): horizontal bars for long category labels ----


def hbar_chart_svg(
    *,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    x_label: str = "",
    zero_line: bool = True,
    empty_text: str = "",
    chart_id: str | None = None,
    width: float = 7.0,
) -> str:
    """Like :func:`bar_chart_svg`, with the bars lying down: each category's label (and its
    ``note``, e.g. "n = 12") is written on its own line at the start of the bar, so long
    treatment names never overlap. The height grows with the number of bars; the first bar
    is at the top. ``desc`` is the text alternative."""
    if not title or not desc:
        raise ValueError("A chart needs a title and a text alternative (desc)")
    text = _Text(title, desc, _chart_id("hbar", title, chart_id))
    height = 1.2 + 0.42 * max(len(bars), 2)
    with _LOCK, matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(title, loc="left")
        if not bars:
            ax.text(0.5, 0.5, empty_text, ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            positions = list(range(len(bars)))
            values = [float(b.value) for b in bars]
            ax.barh(positions, values, color=PALETTE[0], height=0.6, zorder=2)
            with_ci = [i for i, b in enumerate(bars) if b.low is not None]
            if with_ci:
                lower = [values[i] - float(bars[i].low or 0) for i in with_ci]
                upper = [float(bars[i].high or 0) - values[i] for i in with_ci]
                ax.errorbar(
                    [values[i] for i in with_ci],
                    with_ci,
                    xerr=[[max(v, 0.0) for v in lower], [max(v, 0.0) for v in upper]],
                    fmt="none",
                    ecolor="#222222",
                    elinewidth=1.2,
                    capsize=3,
                    zorder=3,
                )
            ax.set_yticks(positions, [f"{b.label} ({b.note})" if b.note else b.label for b in bars])
            ax.invert_yaxis()
            if zero_line:
                ax.axvline(0, color="#444444", linewidth=0.8, zorder=1)
            ax.grid(axis="x", color="#dddddd", linewidth=0.6, zorder=0)
        ax.set_xlabel(x_label)
    return _finish(fig, text)
