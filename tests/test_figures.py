"""The statistics of a place as its page reads them (plangraph.figures) and shows them (describe.resource_view):
series per data set and measure property, periods in order, units by precedence, values that are no numbers kept
as text, estimates marked; and a measure both at a place and at a place within it."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef

from plangraph.describe import Linker, resource_view
from plangraph.figures import Figure, place_series

BASE = "https://w3id.org/plangraph/herne/"
PREFIXES = """@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix sdmx-code: <http://purl.org/linked-data/sdmx/2009/code#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix pg: <https://w3id.org/plangraph/def#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@base <https://w3id.org/plangraph/herne/> .
"""
CUBE = PREFIXES + """
<ort/a> a geo:Feature ; skos:prefLabel "Ort A"@de .
<ort/b> a geo:Feature ; skos:prefLabel "Ort B"@de ; geo:sfWithin <ort/a> .
<ds> a qb:DataSet ; rdfs:label "Datensatz"@de ; sdmx-attribute:unitMeasure <einheit/anzahl> .
<einheit/anzahl> skos:prefLabel "Anzahl"@de .
<ds#m> a qb:MeasureProperty ; rdfs:label "Merkmal"@de .
<ds#p> a qb:MeasureProperty ; rdfs:label "Anteil"@de ; sdmx-attribute:unitMeasure "%"@de .
<o3> qb:dataSet <ds> ; sdmx-dimension:refArea <ort/a> ; sdmx-dimension:refPeriod "2019"^^xsd:gYear ;
    <ds#m> "k. A." .
<o1> qb:dataSet <ds> ; sdmx-dimension:refArea <ort/a> ;
    sdmx-dimension:refPeriod <http://reference.data.gov.uk/id/year/2017> ;
    <ds#m> 10 ; <ds#p> 2.5 ; sdmx-attribute:obsStatus sdmx-code:obsStatus-E .
<o2> qb:dataSet <ds> ; sdmx-dimension:refArea <ort/a> ; sdmx-dimension:refPeriod "2018"^^xsd:gYear ;
    <ds#m> 12.0 ; <ds#p> "3.5"^^xsd:decimal .
<o9> qb:dataSet <ds> ; sdmx-dimension:refArea <ort/b> ; sdmx-dimension:refPeriod "2018"^^xsd:gYear ; <ds#m> 99 .
<massnahme/x> a pg:Measure ; skos:notation "X.1" ; dcterms:spatial <ort/a> , <ort/b> .
"""


def _graph() -> Graph:
    return Graph().parse(data=CUBE, format="turtle")


def test_series_per_data_set_and_measure_property_in_period_order() -> None:
    series, observations = place_series(_graph(), URIRef(BASE + "ort/a"))
    assert [str(s.measure) for s in series] == [BASE + "ds#m", BASE + "ds#p"]
    assert {str(s.dataset) for s in series} == {BASE + "ds"}
    assert series[0].figures == [Figure("2017", 10.0, "10", True), Figure("2018", 12.0, "12.0", False),
                                 Figure("2019", None, "k. A.", False)]  # no number: kept, as text
    assert [f.value for f in series[1].figures] == [2.5, 3.5]
    assert {str(o) for o in observations} == {BASE + "o1", BASE + "o2", BASE + "o3"}  # not <o9>: at the place within


def test_the_unit_of_the_measure_property_comes_before_that_of_the_data_set() -> None:
    series, _ = place_series(_graph(), URIRef(BASE + "ort/a"))
    assert series[0].units == [URIRef(BASE + "einheit/anzahl")]  # from the data set
    assert series[1].units == [Literal("%", lang="de")]  # its own


def test_the_page_shows_each_indicator_with_unit_table_and_chart() -> None:
    view = resource_view(_graph(), BASE + "ort/a", "de", Linker(BASE))
    (statistics,) = view.statistics
    assert statistics.dataset.text == "Datensatz"
    share, feature = statistics.indicators  # by name: Anteil, Merkmal
    assert (share.name.text, share.unit and share.unit.text) == ("Anteil", "%")
    assert [(r.period, r.value, r.estimate) for r in share.rows] == [("2017", "2,5", True), ("2018", "3,5", False)]
    assert [r.value for r in feature.rows] == ["10", "12", "k. A."]
    assert feature.chart is not None and feature.chart.count("<circle") == 2  # the text value is not drawn
    assert all(row.label.text != "Bezugsgebiet" for row in view.incoming)  # the observations are shown as figures


def test_a_measure_at_the_place_and_at_a_place_within_says_both() -> None:
    view = resource_view(_graph(), BASE + "ort/a", "de", Linker(BASE))
    (item,) = view.measures
    assert item.direct and [v.text for v in item.via] == ["Ort B"]
    assert [c.link.text for c in view.children] == ["Ort B"] and view.children_kind == "Feature"
