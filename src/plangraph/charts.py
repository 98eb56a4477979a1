"""Small line charts as server-rendered SVG markup, for the statistics on place pages: no JavaScript and no
style attributes (the pages' Content-Security-Policy allows neither), only SVG presentation attributes and
classes that web/static/plangraph.css styles. Every text from the data is escaped here."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 360, 180
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 24, 32  # room for the value labels, the unit and the year labels
INSET = 12  # the points keep this distance from the axes, so that no dot sits on an axis
LABEL_GAP = 34  # the least distance between two year labels on the x axis, so that they do not overlap
WORDS = {
    "de": {"one": "Ein Wert: {v} ({x}).", "range": "Werte von {first} bis {last}; niedrigster Wert {low} ({low_x}), "
           "höchster Wert {high} ({high_x}).", "same": "Werte von {first} bis {last}, alle gleich: {v}."},
    "en": {"one": "One value: {v} ({x}).", "range": "Values from {first} to {last}; lowest {low} ({low_x}), "
           "highest {high} ({high_x}).", "same": "Values from {first} to {last}, all the same: {v}."},
}


def format_number(value: float, lang: str) -> str:
    """A number as a reader of the page's language writes it: 12.345,5 in German, 12,345.5 in English; whole
    numbers without decimals, others with up to three."""
    if value == int(value) and abs(value) < 1e15:
        text = f"{int(value):,}"
    else:
        text = f"{value:,.3f}".rstrip("0").rstrip(".")
    if lang == "de":
        text = text.translate(str.maketrans(",.", ".,"))
    return text.replace("-", "\u2212")  # a real minus sign


def _with_unit(text: str, unit: str | None) -> str:
    return f"{text} {unit}" if unit else text


def _x_positions(labels: Sequence[str]) -> dict[str, float]:
    """Where each distinct label sits on the x axis: by its value when all labels are years (numbers), so that
    gaps between years show; else evenly, in the order given."""
    distinct = list(dict.fromkeys(labels))
    start, width = LEFT + INSET, WIDTH - LEFT - RIGHT - INSET
    if len(distinct) == 1:
        return {distinct[0]: start + width / 2}
    if all(re.fullmatch(r"-?\d+", label) for label in distinct):
        years = [int(label) for label in distinct]
        low, span = min(years), max(years) - min(years)
        return {label: start + width * (year - low) / span for label, year in zip(distinct, years, strict=True)}
    return {label: start + width * i / (len(distinct) - 1) for i, label in enumerate(distinct)}


def _spaced(xs: dict[str, float]) -> list[str]:
    """The x labels to write: the first, the last, and those between that keep LABEL_GAP from their neighbours."""
    shown: list[str] = []
    for label, x in sorted(xs.items(), key=lambda item: item[1]):
        if not shown or x - xs[shown[-1]] >= LABEL_GAP:
            shown.append(label)
    last = max(xs, key=lambda label: xs[label])
    if shown[-1] != last:  # the last year is always labelled; it displaces its too-close neighbour
        if len(shown) > 1 and xs[last] - xs[shown[-1]] < LABEL_GAP:
            shown.pop()
        shown.append(last)
    return shown


def line_chart(points: Sequence[tuple[str, float]], title: str, unit: str | None, lang: str) -> Markup:
    """An SVG line chart of (x label, value) points, in the order given (years, oldest first): years on the x
    axis, values on the y axis with the lowest and highest value labelled, one dot per point (a single point is
    just a dot). `title` and a generated description are the chart's accessible name and description; the page
    shows the same numbers in a table next to it. Raises ValueError for no points or a value that is not a
    finite number."""
    if not points:
        raise ValueError("a chart needs at least one point")
    if any(not math.isfinite(value) for _, value in points):
        raise ValueError("every value of a chart must be a finite number")
    words = WORDS.get(lang, WORDS["de"])
    values = [value for _, value in points]
    low, high = min(values), max(values)
    xs = _x_positions([label for label, _ in points])
    bottom, top = HEIGHT - BOTTOM, TOP
    lowest = bottom - INSET  # where the lowest value sits

    def y(value: float) -> float:
        return (lowest + top) / 2 if high == low else lowest - (lowest - top) * (value - low) / (high - low)

    def number(value: float) -> str:
        return _with_unit(format_number(value, lang), unit)

    first, last = points[0][0], points[-1][0]
    if len(points) == 1:
        description = words["one"].format(v=number(values[0]), x=first)
    elif high == low:
        description = words["same"].format(first=first, last=last, v=number(low))
    else:
        description = words["range"].format(
            first=first, last=last, low=number(low), low_x=points[values.index(low)][0],
            high=number(high), high_x=points[values.index(high)][0])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img">',
             f"<title>{escape(title)}</title>", f"<desc>{escape(description)}</desc>",
             f'<g class="chart-axes" stroke="currentColor" stroke-width="1">'
             f'<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{bottom}"></line>'
             f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}"></line></g>']
    if low < 0 < high:  # where zero is, when the values cross it
        parts.append(f'<line class="chart-zero" x1="{LEFT}" y1="{y(0):.1f}" x2="{WIDTH - RIGHT}" y2="{y(0):.1f}" '
                     f'stroke="currentColor" stroke-width="0.5" stroke-dasharray="4 3"></line>')
    parts.append('<g class="chart-labels" fill="currentColor" font-size="11">')
    if unit:
        parts.append(f'<text class="chart-unit" x="4" y="{top - 10}" text-anchor="start">{escape(unit)}</text>')
    value_labels = [(high, y(high))] if high == low else [(high, y(high)), (low, y(low))]
    for value, at in value_labels:
        parts.append(f'<text class="chart-value" x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end">'
                     f"{escape(format_number(value, lang))}</text>")
    for label in _spaced(xs):
        parts.append(f'<text class="chart-year" x="{xs[label]:.1f}" y="{bottom + 18}" text-anchor="middle">'
                     f"{escape(label)}</text>")
    parts.append("</g>")
    coordinates = [(xs[label], y(value)) for label, value in points]
    if len(coordinates) > 1:
        line = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coordinates)
        parts.append(f'<polyline class="chart-line" points="{line}" fill="none" stroke="currentColor" '
                     f'stroke-width="2"></polyline>')
    for (label, value), (cx, cy) in zip(points, coordinates, strict=True):
        parts.append(f'<circle class="chart-point" cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="currentColor">'
                     f"<title>{escape(label)}: {escape(number(value))}</title></circle>")
    parts.append("</svg>")
    return Markup("".join(parts))
