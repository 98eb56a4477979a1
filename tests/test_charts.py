"""The SVG line charts of place pages (plangraph.charts): well-formed XML, labelled axes, escaped texts, and the
edge cases (one point, negative values, equal values, crowded years)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from plangraph.charts import format_number, line_chart

SVG = "{http://www.w3.org/2000/svg}"
POINTS = [("2015", 120.0), ("2016", 80.0), ("2017", 250.0)]


def _parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == f"{SVG}svg"
    return root


def _child(root: ET.Element, tag: str) -> str:
    element = root.find(f"{SVG}{tag}")
    assert element is not None, tag
    return element.text or ""


def _texts(root: ET.Element, css_class: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == css_class]


def _points(root: ET.Element) -> list[tuple[float, float]]:
    return [(float(c.get("cx", "")), float(c.get("cy", ""))) for c in root.iter(f"{SVG}circle")]


def test_a_chart_is_well_formed_svg_with_title_and_description() -> None:
    markup = line_chart(POINTS, "Einwohner", "Personen", "de")
    assert isinstance(markup, Markup)  # safe to put into a template as it is
    root = _parse(markup)
    assert root.get("role") == "img" and root.get("viewBox")
    assert _child(root, "title") == "Einwohner"
    assert _child(root, "desc") == ("Werte von 2015 bis 2017; niedrigster Wert 80 Personen (2016), "
                                    "höchster Wert 250 Personen (2017).")
    assert "style" not in markup and "<script" not in markup  # the pages' CSP forbids both
    assert "/>" not in markup  # every element closed explicitly: the same markup parses as HTML and as XML


def test_years_on_the_x_axis_and_min_and_max_on_the_y_axis() -> None:
    root = _parse(line_chart(POINTS, "Einwohner", "Personen", "de"))
    assert _texts(root, "chart-year") == ["2015", "2016", "2017"]
    assert _texts(root, "chart-value") == ["250", "80"]
    assert _texts(root, "chart-unit") == ["Personen"]
    (x15, y15), (x16, y16), (x17, y17) = _points(root)
    assert x15 < x16 < x17  # time runs left to right
    assert y17 < y15 < y16  # higher values higher up (SVG's y grows downwards)
    polyline = root.find(f"{SVG}polyline")
    assert polyline is not None and len((polyline.get("points") or "").split()) == 3


def test_gaps_between_years_show() -> None:
    (a, _), (b, _), (c, _) = _points(_parse(line_chart([("2010", 1), ("2011", 2), ("2020", 3)], "x", None, "de")))
    assert (b - a) * 8 < c - b


def test_crowded_year_labels_are_thinned_but_first_and_last_stay() -> None:
    years = [(str(year), float(year % 7)) for year in range(1990, 2021)]
    labels = _texts(_parse(line_chart(years, "x", None, "en")), "chart-year")
    assert labels[0] == "1990" and labels[-1] == "2020" and 3 < len(labels) < 12


def test_labels_and_unit_are_escaped() -> None:
    evil = "<script>alert('x')</script>"
    markup = line_chart([("<b>2017</b>", 1.0), ("2018", 2.0)], evil, evil, "de")
    root = _parse(markup)  # still well-formed: nothing from the data became markup
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert _child(root, "title") == evil
    assert _texts(root, "chart-unit") == [evil]
    assert "<b>2017</b>" in _texts(root, "chart-year")
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}b"))


def test_a_single_point_is_a_dot() -> None:
    root = _parse(line_chart([("2017", 250.0)], "Umzüge", "Personen", "de"))
    assert len(_points(root)) == 1
    assert root.find(f"{SVG}polyline") is None
    assert _texts(root, "chart-year") == ["2017"] and _texts(root, "chart-value") == ["250"]
    assert _child(root, "desc") == "Ein Wert: 250 Personen (2017)."


def test_negative_values_draw_a_zero_line_and_a_minus_sign() -> None:
    root = _parse(line_chart([("2015", -12.5), ("2016", 3.0)], "Saldo", None, "en"))
    assert _texts(root, "chart-value") == ["3", "\u221212.5"]
    zero = [line for line in root.iter(f"{SVG}line") if line.get("class") == "chart-zero"]
    assert len(zero) == 1
    (_, low), (_, high) = _points(root)
    assert high < float(zero[0].get("y1", "")) < low


def test_equal_values_are_a_flat_line_with_one_value_label() -> None:
    root = _parse(line_chart([("2015", 7.0), ("2016", 7.0), ("2017", 7.0)], "Gleich", "%", "en"))
    assert len({y for _, y in _points(root)}) == 1
    assert _texts(root, "chart-value") == ["7"]
    assert _child(root, "desc") == "Values from 2015 to 2017, all the same: 7 %."


@pytest.mark.parametrize(("points", "message"), [([], "at least one point"),
                                                 ([("2017", float("nan"))], "finite"),
                                                 ([("2017", 1.0), ("2018", float("inf"))], "finite")])
def test_no_points_or_values_that_are_no_numbers_are_refused(points: list[tuple[str, float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        line_chart(points, "x", None, "de")


@pytest.mark.parametrize(("value", "lang", "text"), [
    (1234567.0, "de", "1.234.567"), (1234567.0, "en", "1,234,567"), (0.125, "de", "0,125"),
    (2.5, "en", "2.5"), (-3.0, "de", "\u22123"), (1 / 3, "en", "0.333"),
])
def test_numbers_are_written_for_the_page_language(value: float, lang: str, text: str) -> None:
    assert format_number(value, lang) == text
