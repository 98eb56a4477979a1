"""District statistics as an RDF Data Cube (`plangraph import-stats`): matching the districts of a table (read by
`stats_table`) to the places of the published data, building the cube, checking it (the Data Cube's integrity
constraints, then the SHACL shapes), storing it in its own named graph, and reading back what is stored.

The cube has one qb:Observation per row of the table carrying every indicator of that row as its own measure
(multi-measure observations): `?obs sdmx-dimension:refArea ?place` joins the plan's `dcterms:spatial`, and each
indicator is one more triple pattern on the same observation. The unit of an indicator is the attribute
sdmx-attribute:unitMeasure attached to its measure property (qb:componentAttachment qb:MeasureProperty), since one
observation carries indicators of different units. The spec requires a complete cube (IC-14), so an empty cell,
which is no value and never zero, keeps the table out until it is filled.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from plangraph.catalog import StatisticsDataset
from plangraph.datacube import CubeViolation, check_cube
from plangraph.errors import InputError, Location
from plangraph.iris import Minter, slug
from plangraph.namespaces import (
    GEO,
    QB,
    QUDT_UNIT,
    SDMX_ATTRIBUTE,
    SDMX_CONCEPT,
    SDMX_DIMENSION,
    bind_prefixes,
)
from plangraph.stats_table import Indicator, Invalid, Table, TableProblem, TableRow, name_key, parse_number, parse_year
from plangraph.store.base import Store
from plangraph.validate import validate_graph

# Units with a QUDT unit of the same meaning, by the unit's key.
QUDT_UNITS = {"prozent": QUDT_UNIT.PERCENT, "anzahl": QUDT_UNIT.NUM}
_UNIT_WORDS = {"%": " prozent ", "‰": " promille ", "€": " euro "}


# --- places ------------------------------------------------------------------------------------------------------

NAME_PROPERTIES = (SKOS.prefLabel, RDFS.label, SKOS.altLabel, SKOS.notation, DCTERMS.identifier)
SHOWN = (SKOS.prefLabel, RDFS.label, SKOS.altLabel)  # what a suggestion may offer (not keys or notations)


@dataclass(frozen=True)
class Place:
    """A place a district may name: its IRI, its German name and every name, notation and key it answers to."""

    iri: URIRef
    label: str
    names: tuple[str, ...]
    shown: tuple[str, ...] = ()


class Places:
    """Matching district names to places: on labels, alternative labels, notations and keys alike, compared in
    Unicode NFC without regard to case or runs of white space. A name that two places share matches both."""

    def __init__(self, places: Sequence[Place]) -> None:
        self.places = {p.iri: p for p in places}
        self._by_key: dict[str, set[URIRef]] = {}
        for place in places:
            for name in place.names:
                self._by_key.setdefault(name_key(name), set()).add(place.iri)
        self._shown = {name_key(name): name for p in places for name in p.shown}

    @classmethod
    def from_store(cls, store: Store) -> Places:
        """Every geo:Feature of the store with its names (one query)."""
        values = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
        rows = store.select(f"SELECT ?s ?p ?name WHERE {{ ?s a <{GEO.Feature}> ; ?p ?name . VALUES ?p {{ {values} }} "
                            "FILTER(isLiteral(?name)) }")
        found: dict[URIRef, list[tuple[URIRef, Literal]]] = {}
        for row in rows:
            subject, name = row.get("s"), row.get("name")
            if isinstance(subject, URIRef) and isinstance(name, Literal):
                found.setdefault(subject, []).append((URIRef(str(row["p"])), name))
        return cls([_place(iri, names) for iri, names in sorted(found.items())])

    def match(self, text: str) -> list[URIRef]:
        return sorted(self._by_key.get(name_key(text), set()))

    def suggestions(self, text: str) -> list[str]:
        """Up to three names like the text (difflib), best first: only those nearly as close as the best, so that
        'Stadtbezirk Wane' suggests 'Stadtbezirk Wanne' and not every name that starts with 'Stadtbezirk'."""
        key = name_key(text)
        scored = sorted(((difflib.SequenceMatcher(None, key, known).ratio(), known) for known in self._shown),
                        key=lambda item: (-item[0], item[1]))
        if not scored:
            return []
        floor = max(0.6, scored[0][0] - 0.1)
        return [self._shown[known] for ratio, known in scored[:3] if ratio >= floor]


def _place(iri: URIRef, names: list[tuple[URIRef, Literal]]) -> Place:
    def rank(item: tuple[URIRef, Literal]) -> tuple[int, int, str]:
        prop, name = item
        return (SHOWN.index(prop) if prop in SHOWN else len(SHOWN), 0 if name.language == "de" else 1, str(name))

    ordered = sorted(names, key=rank)
    return Place(iri, str(ordered[0][1]), tuple(str(n) for _, n in ordered),
                 tuple(str(n) for p, n in ordered if p in SHOWN))


# --- rows to observations ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ObservationRow:
    """A row as the cube records it: the place, the year and the values of the indicators that have one."""

    row: int
    place: Place
    year: int
    values: dict[str, Decimal]


def resolve_rows(table: Table, places: Places) -> tuple[list[ObservationRow], list[TableProblem]]:
    """Each row's place, year and numbers; every problem by row and column. An empty cell is no value (never
    zero); a district that matches no place or several, a year or number that is none, and a district named
    twice for one year are problems."""
    observations: list[ObservationRow] = []
    problems: list[TableProblem] = []
    seen: dict[tuple[URIRef, int], int] = {}
    for row in table.rows:
        found: list[TableProblem] = []
        place = _resolve_place(row, table, places, found)
        year = parse_year(row.year)
        if isinstance(year, Invalid):
            found.append(TableProblem(row.number, table.year_column, year.messages))
        values: dict[str, Decimal] = {}
        for indicator in table.indicators:
            cell = row.cells[indicator.key]
            value = parse_number(cell) if cell else None
            if isinstance(value, Invalid):
                found.append(TableProblem(row.number, indicator.column, value.messages))
            elif value is not None:
                values[indicator.key] = value
        if place is not None and isinstance(year, int):
            first = seen.setdefault((place.iri, year), row.number)
            if first != row.number:
                found.append(TableProblem(row.number, table.area_column, {
                    "de": f"{place.label} {year} steht schon in Zeile {first}: eine Zeile je Gebiet und Jahr.",
                    "en": f"{place.label} {year} is in row {first} already: one row per area and year."}))
        problems += found
        if not found and place is not None and isinstance(year, int):
            observations.append(ObservationRow(row.number, place, year, values))
    return observations, problems


def _resolve_place(row: TableRow, table: Table, places: Places, problems: list[TableProblem]) -> Place | None:
    def problem(de: str, en: str) -> None:
        problems.append(TableProblem(row.number, table.area_column, {"de": de, "en": en}))

    if not row.area:
        problem("Das Gebiet fehlt.", "The area is missing.")
        return None
    found = places.match(row.area)
    if len(found) == 1:
        return places.places[found[0]]
    if found:
        listed = ", ".join(f"<{iri}> ({places.places[iri].label})" for iri in found)
        problem(f"„{row.area}“ passt auf mehrere Orte: {listed}. Bitte einen eindeutigen Namen oder den Schlüssel "
                "(skos:notation) angeben.",
                f'"{row.area}" matches several places: {listed}. Please give a name that is unique or the key '
                "(skos:notation).")
        return None
    suggestions = places.suggestions(row.area)
    de = " Meinten Sie " + " oder ".join(f"„{s}“" for s in suggestions) + "?" if suggestions else ""
    en = " Did you mean " + " or ".join(f'"{s}"' for s in suggestions) + "?" if suggestions else ""
    problem(f"Gebiet „{row.area}“ nicht gefunden.{de}", f'Area "{row.area}" not found.{en}')
    return None


# --- the cube ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CubeSpec:
    """Everything the cube says: the dataset's key (its IRI's last segment), title, comments, source file name and
    time of import, the indicators and the observations."""

    dataset: str
    title: str
    source: str
    generated: datetime
    indicators: tuple[Indicator, ...]
    observations: tuple[ObservationRow, ...]
    comments: tuple[str, ...] = ()


def unit_key(unit: str) -> str:
    """The path segment of a unit: '%' -> 'prozent', 'Anzahl' -> 'anzahl' (a digest for a unit of symbols only)."""
    text = "".join(_UNIT_WORDS.get(c, c) for c in unit)
    return slug(text) or "einheit-" + hashlib.sha256(unit.encode("utf-8")).hexdigest()[:12]


def build_cube(spec: CubeSpec, minter: Minter) -> Graph:
    """The cube as RDF: data set, structure (two dimensions, one measure per indicator, the unit attribute), the
    declarations of the components the integrity constraints need, and one observation per row."""
    g = bind_prefixes(Graph(), {"sdmx-concept": str(SDMX_CONCEPT)})
    dataset, structure = minter.statistics(spec.dataset), minter.statistics_structure(spec.dataset)
    g.add((dataset, RDF.type, QB.DataSet))
    g.add((dataset, DCTERMS.title, Literal(spec.title, lang="de")))
    g.add((dataset, RDFS.label, Literal(spec.title, lang="de")))
    for comment in spec.comments:
        g.add((dataset, RDFS.comment, Literal(comment)))
    g.add((dataset, DCTERMS.source, Literal(spec.source)))
    g.add((dataset, PROV.generatedAtTime, Literal(spec.generated.replace(microsecond=0), datatype=XSD.dateTime)))
    g.add((dataset, QB.structure, structure))

    g.add((structure, RDF.type, QB.DataStructureDefinition))
    g.add((structure, RDFS.label, Literal(f"Struktur: {spec.title}", lang="de")))
    _component(g, structure, "gebiet", QB.dimension, SDMX_DIMENSION.refArea, 1)
    _component(g, structure, "jahr", QB.dimension, SDMX_DIMENSION.refPeriod, 2)
    _declare(g, SDMX_DIMENSION.refArea, QB.DimensionProperty, SDMX_CONCEPT.refArea, GEO.Feature,
             {"de": "Bezugsgebiet", "en": "Reference area"})
    _declare(g, SDMX_DIMENSION.refPeriod, QB.DimensionProperty, SDMX_CONCEPT.refPeriod, XSD.gYear,
             {"de": "Bezugsjahr", "en": "Reference period"})
    measures, integral = {}, {}
    for order, indicator in enumerate(spec.indicators, start=3):
        measure = measures[indicator.key] = minter.statistics_measure(spec.dataset, indicator.label)
        _component(g, structure, f"merkmal-{indicator.key}", QB.measure, measure, order)
        # whole numbers as written ('1234', not '1234,0') make an xsd:integer measure, anything else xsd:decimal
        integral[indicator.key] = all(o.values[indicator.key].as_tuple().exponent == 0
                                      for o in spec.observations if indicator.key in o.values)
        g.add((measure, RDF.type, RDF.Property))
        g.add((measure, RDF.type, QB.MeasureProperty))
        g.add((measure, RDFS.label, Literal(indicator.label, lang="de")))
        g.add((measure, SKOS.notation, Literal(indicator.column)))
        g.add((measure, RDFS.range, XSD.integer if integral[indicator.key] else XSD.decimal))
        if indicator.unit:
            g.add((measure, SDMX_ATTRIBUTE.unitMeasure, _unit(g, indicator.unit, minter)))
    if any(i.unit for i in spec.indicators):
        spec_iri = _component(g, structure, "einheit", QB.attribute, SDMX_ATTRIBUTE.unitMeasure, None)
        g.add((spec_iri, QB.componentRequired, Literal(False)))
        g.add((spec_iri, QB.componentAttachment, QB.MeasureProperty))
        _declare(g, SDMX_ATTRIBUTE.unitMeasure, QB.AttributeProperty, SDMX_CONCEPT.unitMeasure, None,
                 {"de": "Maßeinheit", "en": "Unit of measure"})

    for row in spec.observations:
        obs = minter.observation(spec.dataset, row.place.iri, row.year)
        g.add((obs, RDF.type, QB.Observation))
        g.add((obs, QB.dataSet, dataset))
        g.add((obs, SDMX_DIMENSION.refArea, row.place.iri))
        g.add((obs, SDMX_DIMENSION.refPeriod, Literal(str(row.year), datatype=XSD.gYear)))
        g.add((obs, RDFS.label, Literal(f"{row.place.label}, {row.year}", lang="de")))
        for key, value in sorted(row.values.items()):
            g.add((obs, measures[key], Literal(int(value)) if integral[key] else Literal(value)))
    return g


def _component(g: Graph, structure: URIRef, name: str, kind: URIRef, prop: URIRef, order: int | None) -> URIRef:
    spec = URIRef(f"{structure}#{name}")
    g.add((structure, QB.component, spec))
    g.add((spec, RDF.type, QB.ComponentSpecification))
    g.add((spec, kind, prop))
    if order is not None:
        g.add((spec, QB.order, Literal(order)))
    return spec


def _declare(g: Graph, prop: URIRef, kind: URIRef, concept: URIRef, range_: URIRef | None,
             labels: dict[str, str]) -> None:
    """A component property as the Data Cube expects it (IC-4: a dimension has a range)."""
    g.add((prop, RDF.type, RDF.Property))
    g.add((prop, RDF.type, kind))
    g.add((prop, QB.concept, concept))
    if range_ is not None:
        g.add((prop, RDFS.range, range_))
    for lang, text in labels.items():
        g.add((prop, RDFS.label, Literal(text, lang=lang)))


def _unit(g: Graph, unit: str, minter: Minter) -> URIRef:
    key = unit_key(unit)
    iri = minter.unit(key)
    g.add((iri, RDF.type, SKOS.Concept))
    g.add((iri, SKOS.prefLabel, Literal(unit, lang="de")))
    if key in QUDT_UNITS:
        g.add((iri, SKOS.exactMatch, QUDT_UNITS[key]))
    return iri


# --- checking and storing ----------------------------------------------------------------------------------------

@dataclass
class StatsImport:
    """The cube built from a table and everything that stops it from being stored."""

    graph: Graph
    problems: list[TableProblem] = field(default_factory=list)
    observations: int = 0

    @property
    def conforms(self) -> bool:
        return not self.problems


def dataset_key(text: str) -> str:
    """The --dataset value: a slug, as it becomes part of IRIs ('bezirksstatistik-2020')."""
    if not text or slug(text) != text:
        example = slug(text) or "bezirksstatistik"
        raise InputError(f"the dataset key must be lower-case letters, digits and '-' (e.g. {example!r})",
                         Location(field="--dataset"))
    return text


def import_table(table: Table, places: Places, minter: Minter, dataset: str, title: str | None,
                 generated: datetime, shapes: Graph) -> StatsImport:
    """The table as a cube, with every problem by row and column: the rows first; a cube built from clean rows is
    then checked against the Data Cube's integrity constraints and the SHACL shapes."""
    dataset = dataset_key(dataset)
    observations, problems = resolve_rows(table, places)
    if problems:
        return StatsImport(Graph(), problems)
    if not observations:
        return StatsImport(Graph(), [TableProblem(None, None, {"de": "Die Tabelle hat keine Zeilen mit Daten.",
                                                               "en": "The table has no rows with data."})])
    spec = CubeSpec(dataset, title or (table.comments[0] if table.comments else dataset),
                    table.name.replace("\\", "/").rsplit("/", 1)[-1], generated, table.indicators,
                    tuple(observations), table.comments)
    graph = build_cube(spec, minter)
    violations = check_cube(graph)
    problems = _gaps(spec, violations) + [_violation(v) for v in violations]
    problems += _shape_problems(graph, spec, minter, table, shapes)
    return StatsImport(graph, problems, len(observations))


def _violation(violation: CubeViolation) -> TableProblem:
    return TableProblem(None, None, {lang: violation.message(lang) for lang in ("de", "en")})


def _gaps(spec: CubeSpec, violations: list[CubeViolation]) -> list[TableProblem]:
    """Where IC-14 is broken: the empty cells (a multi-measure observation must carry every measure)."""
    if not any(v.number == 14 for v in violations):
        return []
    return [TableProblem(row.row, indicator.column, {
        "de": "Die Zelle ist leer. Ein Data Cube verlangt für jede Zeile einen Wert je Merkmal (IC-14): bitte den Wert "
              "eintragen oder das Merkmal als eigene Tabelle importieren.",
        "en": "The cell is empty. A Data Cube needs a value of every indicator in each row (IC-14): please fill in "
              "the value or import the indicator as a table of its own."})
        for row in spec.observations for indicator in spec.indicators if indicator.key not in row.values]


def _shape_problems(graph: Graph, spec: CubeSpec, minter: Minter, table: Table, shapes: Graph) -> list[TableProblem]:
    """The SHACL shapes on the observations (their places as geo:Feature, which they are in the store)."""
    rows = {minter.observation(spec.dataset, o.place.iri, o.year): o.row for o in spec.observations}
    data = Graph()
    data += graph
    for row in spec.observations:
        data.add((row.place.iri, RDF.type, GEO.Feature))
    report = validate_graph(data, shapes, focus=sorted(rows))
    columns = {str(minter.statistics_measure(spec.dataset, i.label)): i.column for i in spec.indicators}
    columns.update({str(SDMX_DIMENSION.refArea): table.area_column, str(SDMX_DIMENSION.refPeriod): table.year_column})
    found = [TableProblem(rows.get(URIRef(str(p.focus))), columns.get(str(p.path), table.area_column),
                          {lang: p.message(lang) for lang in ("de", "en")})
             for p in report.violations]
    return sorted(found, key=lambda problem: (problem.row or 0, problem.column or ""))


def store_cube(store: Store, minter: Minter, dataset: str, graph: Graph) -> URIRef:
    """The cube into its named graph, replacing what an earlier import of the same key put there, in one
    transaction (other graphs stay as they are). Returns the graph's name."""
    name = minter.statistics_graph(dataset_key(dataset))
    with store.transaction() as writer:
        writer.replace_graph(name, list(graph))
    return name


# --- what is stored, for the catalog -----------------------------------------------------------------------------

def statistics_datasets(store: Store, minter: Minter) -> list[StatisticsDataset]:
    """The imported statistics tables in the store, as the catalog describes them (a few queries over the
    statistics graphs only)."""
    prefix = str(minter.statistics_graph("x")).removesuffix("x")  # how every statistics graph's name begins
    scope = f'FILTER(STRSTARTS(STR(?g), "{prefix}"))'
    heads = store.select(
        f"SELECT ?g ?d ?title ?generated ?source WHERE {{ GRAPH ?g {{ ?d a <{QB.DataSet}> ; <{DCTERMS.title}> ?title "
        f". OPTIONAL {{ ?d <{PROV.generatedAtTime}> ?generated }} OPTIONAL {{ ?d <{DCTERMS.source}> ?source }} }} "
        f"{scope} }}")
    parts = {
        "comment": f"?d <{RDFS.comment}> ?v",
        "place": f"?o <{QB.dataSet}> ?d ; <{SDMX_DIMENSION.refArea}> ?v",
        "year": f"?o <{QB.dataSet}> ?d ; <{SDMX_DIMENSION.refPeriod}> ?v",
        "measure": f"?d <{QB.structure}>/<{QB.component}>/<{QB.measure}> ?m . ?m <{RDFS.label}> ?v",
        "observation": f"?v <{QB.dataSet}> ?d",
    }
    found: dict[str, dict[URIRef, set[object]]] = {}
    for name, pattern in parts.items():
        for row in store.select(f"SELECT DISTINCT ?d ?v WHERE {{ GRAPH ?g {{ {pattern} }} {scope} }}"):
            if "d" in row and "v" in row:
                found.setdefault(name, {}).setdefault(URIRef(str(row["d"])), set()).add(row["v"])
    out = []
    for head in sorted(heads, key=lambda r: str(r.get("d"))):
        d = URIRef(str(head["d"]))
        years = sorted(int(str(y)[:4]) for y in found.get("year", {}).get(d, set()))
        generated = head.get("generated")
        out.append(StatisticsDataset(
            dataset=d, graph=URIRef(str(head["g"])), title=str(head["title"]),
            comments=tuple(sorted(str(c) for c in found.get("comment", {}).get(d, set()))),
            indicators=tuple(sorted(str(m) for m in found.get("measure", {}).get(d, set()))),
            places=tuple(sorted(URIRef(str(p)) for p in found.get("place", {}).get(d, set()))),
            years=(years[0], years[-1]) if years else None,
            observations=len(found.get("observation", {}).get(d, set())),
            generated=generated.toPython() if isinstance(generated, Literal) else None,
            source=str(head.get("source", ""))))
    return out
