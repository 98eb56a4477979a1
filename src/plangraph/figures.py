"""The district statistics of one place as a page shows them: its RDF Data Cube observations
(`sdmx-dimension:refArea` the place), grouped by data set and measure property, each group a series of values
over the reference periods. Pure functions over the graph `lookups.resource_context` returns."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from plangraph.namespaces import QB, SDMX_ATTRIBUTE, SDMX_CODE, SDMX_DIMENSION

ESTIMATED = SDMX_CODE["obsStatus-E"]


@dataclass(frozen=True)
class Figure:
    """One observed value: the reference period as written (a year: "2017"), the number (None when the value is
    no number: it is still shown, as `text`, but not drawn), and whether the source marks it as an estimate."""

    period: str
    value: float | None
    text: str
    estimate: bool


@dataclass
class Series:
    """The values of one measure property of one data set at one place, oldest period first."""

    dataset: URIRef
    measure: URIRef
    units: list[Node]  # sdmx-attribute:unitMeasure (a unit IRI, or its name in one or more languages): of the
    # observations, else of the measure property, else of the data set
    figures: list[Figure]


def _period(node: Node | None) -> str:
    """A period as text: a literal as written, an IRI by its last segment (…/year/2017 -> "2017")."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        return re.split(r"[/#]", str(node).rstrip("/"))[-1]
    return str(node)


def _number(node: Node) -> float | None:
    """A typed literal's number (xsd:integer, xsd:decimal, xsd:double, ...); None for anything else."""
    if not isinstance(node, Literal) or node.datatype is None or isinstance(node.toPython(), bool):
        return None
    try:
        number = float(node.toPython())
    except (TypeError, ValueError):  # a date, or a value that does not fit its datatype
        return None
    return number if math.isfinite(number) else None


def _period_key(period: str) -> tuple[tuple[int | str, ...], str]:
    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"\d+|\D+", period)), period


def place_series(graph: Graph, place: URIRef) -> tuple[list[Series], set[Node]]:
    """Every series of observations at `place` (not at places within it: their figures are theirs), ordered by
    data set and measure property, and the observations they account for. A measure property is a predicate
    typed qb:MeasureProperty in the graph."""
    series: dict[tuple[URIRef, URIRef], Series] = {}
    observations: set[Node] = set()
    measures = {m for m in graph.subjects(RDF.type, QB.MeasureProperty) if isinstance(m, URIRef)}
    for observation in sorted(graph.subjects(SDMX_DIMENSION.refArea, place), key=str):
        dataset = graph.value(observation, QB.dataSet)
        if not isinstance(dataset, URIRef):
            continue
        observations.add(observation)
        period = _period(graph.value(observation, SDMX_DIMENSION.refPeriod))
        estimate = (observation, SDMX_ATTRIBUTE.obsStatus, ESTIMATED) in graph
        units = set(graph.objects(observation, SDMX_ATTRIBUTE.unitMeasure))
        for measure in sorted(set(graph.predicates(observation)) & measures, key=str):
            assert isinstance(measure, URIRef)
            entry = series.setdefault((dataset, measure), Series(dataset, measure, [], []))
            entry.units = entry.units or sorted(units, key=str)
            for value in sorted(graph.objects(observation, measure), key=str):
                entry.figures.append(Figure(period, _number(value), str(value), estimate))
    for entry in series.values():
        entry.figures.sort(key=lambda f: _period_key(f.period))
        for owner in (entry.measure, entry.dataset):
            entry.units = entry.units or sorted(graph.objects(owner, SDMX_ATTRIBUTE.unitMeasure), key=str)
    return [series[key] for key in sorted(series, key=str)], observations
