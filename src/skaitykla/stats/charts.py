"""Server-side charts (matplotlib, Agg): SVG for pages, PNG for the PDF report.

The SVG is made safe for a strict Content-Security-Policy (``style-src 'self'``): matplotlib's
``style`` attributes and ``<style>`` element are turned into SVG presentation attributes, which
CSP does not govern. Every SVG gets a ``<title>`` and ``<desc>``; pages put the data table beside.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from html import escape

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

COLOURS = ("#1f5f99", "#b45309", "#166534", "#7e22ce")
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_FONT = re.compile(r"^\s*(?:(bold|normal|italic)\s+)?([\d.]+px)\s+(.+)$")


def _figure(width: float = 7.2, height: float = 3.4) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100)
    figure.set_layout_engine("tight")
    return figure


def _axes_style(axes: object) -> None:
    ax = axes  # matplotlib Axes
    ax.spines[["top", "right"]].set_visible(False)  # type: ignore[attr-defined]
    ax.grid(axis="y", color="#d4d4d4", linewidth=0.6)  # type: ignore[attr-defined]
    ax.set_axisbelow(True)  # type: ignore[attr-defined]


def line_figure(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], y_label: str
) -> Figure:
    figure = _figure()
    ax = figure.add_subplot()
    _axes_style(ax)
    markers = ("o", "s", "^", "D")
    for index, (name, values) in enumerate(series):
        ax.plot(
            list(range(len(labels))),
            list(values),
            label=name,
            color=COLOURS[index % len(COLOURS)],
            marker=markers[index % len(markers)],
            linestyle="-" if index == 0 else "--",
            linewidth=1.8,
        )
    ax.set_xticks(list(range(len(labels))), list(labels), rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(y_label)
    ax.set_ylim(bottom=0)
    if len(series) > 1:
        ax.legend(frameon=False, fontsize=8)
    return figure


def bar_figure(labels: Sequence[str], values: Sequence[float], y_label: str) -> Figure:
    figure = _figure()
    ax = figure.add_subplot()
    _axes_style(ax)
    ax.bar(list(range(len(labels))), list(values), color=COLOURS[0])
    ax.set_xticks(list(range(len(labels))), list(labels), rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(y_label)
    return figure


def to_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150)
    return buffer.getvalue()


def to_svg(figure: Figure, *, title: str, desc: str, element_id: str) -> str:
    """The figure as inline-safe SVG markup with a title and description, without styles."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": element_id}):
        figure.savefig(buffer, format="svg")
    return clean_svg(buffer.getvalue(), title=title, desc=desc, element_id=element_id)


def _presentation(match: re.Match[str]) -> str:
    attributes: list[str] = []
    for declaration in match.group(1).split(";"):
        if ":" not in declaration:
            continue
        name, value = (part.strip() for part in declaration.split(":", 1))
        if name == "font":
            font = _FONT.match(value)
            if font:
                weight, size, family = font.groups()
                if weight:
                    attributes.append(f'font-weight="{weight}"')
                attributes.append(f'font-size="{size}"')
                attributes.append(f'font-family="{family.replace(chr(39), "")}"')
            continue
        if re.fullmatch(r"[a-z-]+", name):
            attributes.append(f'{name}="{value.replace(chr(34), chr(39))}"')
    return (" " + " ".join(attributes)) if attributes else ""


def clean_svg(svg: str, *, title: str, desc: str, element_id: str) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.DOTALL)
    svg = _STYLE_ATTRIBUTE.sub(_presentation, svg)
    svg = re.sub(r'<svg([^>]*?)\swidth="[^"]*"', r"<svg\1", svg, count=1)
    svg = re.sub(r'<svg([^>]*?)\sheight="[^"]*"', r"<svg\1", svg, count=1)
    head = (
        f'<svg role="img" aria-labelledby="{element_id}-title {element_id}-desc" '
        f'id="{element_id}" class="stats-chart" width="100%" '
    )
    svg = svg.replace("<svg ", head, 1)
    close = svg.index(">") + 1
    svg = (
        svg[:close]
        + f'<title id="{element_id}-title">{escape(title)}</title>'
        + f'<desc id="{element_id}-desc">{escape(desc)}</desc>'
        + svg[close:]
    )
    return svg
