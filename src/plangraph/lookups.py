"""The reads the pages, search and catalog make through the store: small SPARQL queries that fetch just the
part of the data a page shows (a resource's context), and the per-version digests that whole-dataset views
need (the overview index, the search index, the list of documents, the counts), each made once per data
version and kept until the next write. No Flask here; `describe`, `search` and `catalog` work on the graphs
these return."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, ORG, PROV, RDF, SKOS
from rdflib.term import Node

from plangraph.catalog import DatasetStatistics, Statistics
from plangraph.describe import CHILDREN, INCOMING, PARENTS, TEXTS, TITLE_PROPS
from plangraph.namespaces import ADMS, GEO, PG, QB, SDMX_ATTRIBUTE, SDMX_DIMENSION, bind_prefixes
from plangraph.search import WEIGHTED_TEXTS
from plangraph.store.base import Store
from plangraph.store.terms import query_iri as _iri
from plangraph.store.terms import query_literal as _literal

T = TypeVar("T")

# What a page says about a resource it only links to: its kind, names, lead text and where it belongs.
SUMMARY = tuple(dict.fromkeys((RDF.type, *TITLE_PROPS, SKOS.notation, *TEXTS, ADMS.status, PROV.agent,
                               DCAT.hadRole, PROV.hadRole, *PARENTS)))
# What the whole-dataset views read: the summary, the links between plan, goals, measures, departments,
# groups and places, and the texts search looks at.
INDEXED = tuple(dict.fromkeys((*SUMMARY, *CHILDREN, *INCOMING, PROV.qualifiedAttribution, ORG.subOrganizationOf,
                               SKOS.inScheme, SKOS.topConceptOf, *(p for p, _ in WEIGHTED_TEXTS))))
NARROWER = (SKOS.broader, GEO.sfWithin)
# What a place's page reads of an observation at the place besides its measures' values.
OBSERVATION = (QB.dataSet, SDMX_DIMENSION.refPeriod, SDMX_ATTRIBUTE.obsStatus, SDMX_ATTRIBUTE.unitMeasure)




def _among(name: str, nodes: Iterable[Node]) -> str:
    """`FILTER (?name IN (...))`: where the variable is bound by a pattern before it. Oxigraph 0.5 joins a
    trailing VALUES block by hashing the whole pattern it follows (140 ms on a measure page); a filter is
    applied to the rows as they come (0.4 ms)."""
    return f"FILTER (?{name} IN ({', '.join(_iri(n) for n in nodes)}))"


def _values(name: str, nodes: Iterable[Node]) -> str:
    return f"VALUES ?{name} {{ {' '.join(_iri(n) for n in nodes)} }}"




def is_known(store: Store, iri: str) -> bool:
    """The IRI is a subject or an object in the data."""
    node = _iri(iri)
    return store.ask(f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}")


def resource_context(store: Store, iri: str) -> Graph:
    """What the page and the RDF description of one resource need: its triples and those of its hash-IRI
    dependents, its incoming links, the ancestors its breadcrumbs follow, the measures linked to it (through
    narrower groups, places within it and qualified attributions), and the summary of every node shown."""
    node, prefix = _iri(iri), _literal(iri + "#")
    graph = bind_prefixes(Graph())
    graph += store.construct(f"CONSTRUCT {{ {node} ?p ?o }} WHERE {{ {node} ?p ?o }}")
    graph += store.construct(f"CONSTRUCT {{ ?s ?p {node} }} WHERE {{ ?s ?p {node} }}")
    dependents: list[URIRef] = []
    while True:  # hash IRIs of this document, also those reached through other ones (a structure's components)
        found = sorted({n for t in graph for n in (t[0], t[2]) if isinstance(n, URIRef)
                        and str(n).startswith(iri + "#")} - set(dependents))
        if not found:
            break
        dependents += found
        graph += store.construct(f"CONSTRUCT {{ ?d ?p ?o }} WHERE {{ {_values('d', found)} ?d ?p ?o }}")
    parents = "|".join(_iri(p) for p in PARENTS)
    graph += store.construct(f"CONSTRUCT {{ ?a ?p ?o }} WHERE {{ {node} ({parents})+ ?a . ?a ?p ?o . "
                             f"{_among('p', SUMMARY)} }}")
    narrower = "|".join(_iri(p) for p in NARROWER)
    graph += store.construct(f"CONSTRUCT {{ ?x ?p ?y . ?m ?q ?x }} WHERE {{ ?x ({narrower})* {node} . "
                             f"{{ ?x ?p ?y . {_among('p', NARROWER)} }} UNION "
                             f"{{ ?m ?q ?x . {_among('q', (DCTERMS.audience, DCTERMS.spatial))} }} }}")
    graph += store.construct(f"CONSTRUCT {{ ?m {_iri(PROV.qualifiedAttribution)} ?a . ?a ?p ?o }} WHERE {{ "
                             f"?a {_iri(PROV.agent)} {node} . ?m {_iri(PROV.qualifiedAttribution)} ?a . ?a ?p ?o }}")
    if (URIRef(iri), RDF.type, GEO.Feature) in graph:
        graph += place_observations(store, iri)
    if str(iri).startswith("http") and store.ask(f"ASK {{ ?s {_iri(DCTERMS.source)} ?o . "
                                                 f"FILTER(STRSTARTS(STR(?o), {prefix})) }}"):
        graph += store.construct(f"CONSTRUCT {{ ?s {_iri(DCTERMS.source)} ?o }} WHERE {{ ?s {_iri(DCTERMS.source)} "
                                 f"?o . FILTER(STRSTARTS(STR(?o), {prefix})) }}")
    nodes = {n for t in graph for n in (t[0], t[2]) if isinstance(n, URIRef)}
    nodes |= {URIRef(str(n).partition("#")[0]) for n in nodes if "#" in str(n)}
    shown = sorted(nodes - {URIRef(iri), *dependents})
    for start in range(0, len(shown), 500):
        graph += store.construct(f"CONSTRUCT {{ ?n ?p ?o }} WHERE {{ {_values('n', shown[start:start + 500])} "
                                 f"?n ?p ?o . {_among('p', SUMMARY)} }}")
    return graph


def place_observations(store: Store, iri: str) -> Graph:
    """The Data Cube observations whose reference area is this place (not places within it), for its page: their
    data set, period, status, unit and measure values, the measure properties (typed qb:MeasureProperty, also
    where only a data structure names them: qb:measure implies it) and the units of the data sets and measure
    properties. Two queries, whatever the size of the data sets; labels come with the page's summary fetch."""
    area, dataset, measure = _iri(SDMX_DIMENSION.refArea), _iri(QB.dataSet), _iri(QB.MeasureProperty)
    graph = store.construct(
        f"CONSTRUCT {{ ?o ?p ?v . ?m a {measure} . ?o ?m ?x }} WHERE {{ ?o {area} {_iri(iri)} ; {dataset} ?ds . "
        f"{{ ?o ?p ?v . {_among('p', OBSERVATION)} }} UNION {{ ?o ?m ?x . ?m a {measure} }} UNION "
        f"{{ ?ds {_iri(QB.structure)}/{_iri(QB.component)}/{_iri(QB.measure)} ?m . ?o ?m ?x }} }}")
    owners = sorted({*graph.objects(None, QB.dataSet), *graph.subjects(RDF.type, QB.MeasureProperty)}, key=str)
    if owners:
        unit = _iri(SDMX_ATTRIBUTE.unitMeasure)
        graph += store.construct(f"CONSTRUCT {{ ?n {unit} ?u }} WHERE {{ {_values('n', owners)} ?n {unit} ?u }}")
    return graph


class Digests:
    """Whole-dataset digests of one store, each made on first use and kept while the data version stays."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.RLock()  # a digest may be made from another (the search index from the index graph)
        self._version: str | None = None
        self._made: dict[str, Any] = {}

    def get(self, name: str, make: Callable[[Store], T]) -> T:
        version = self.store.version
        with self._lock:
            if version != self._version:
                self._version, self._made = version, {}
            if name not in self._made:
                self._made[name] = make(self.store)
            value: T = self._made[name]
            return value

    def index_graph(self) -> Graph:
        return self.get("index", index_graph)

    def documents(self) -> list[str]:
        return self.get("documents", documents)

    def statistics(self) -> DatasetStatistics:
        return self.get("statistics", dataset_statistics)

    def triples(self) -> int:
        return self.get("triples", lambda store: store.triple_count())


def index_graph(store: Store) -> Graph:
    """The triples the overview and the search index read (see INDEXED), for the whole dataset."""
    graph = bind_prefixes(Graph())
    graph += store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {_values('p', INDEXED)} ?s ?p ?o }}")
    return graph


def documents(store: Store) -> list[str]:
    """Every IRI that is a subject, without its fragment (for the not-found page's suggestions)."""
    rows = store.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o . FILTER(isIRI(?s)) }")
    return sorted({str(row["s"]).partition("#")[0] for row in rows if "s" in row})


def _statistics(store: Store, graph: URIRef | None) -> Statistics:
    where = "{ ?s ?p ?o }" if graph is None else f"{{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}"
    distinct = "{ SELECT DISTINCT ?s ?p ?o WHERE " + where + " }" if graph is None else where
    counts = store.select("SELECT (COUNT(*) AS ?t) (COUNT(DISTINCT ?s) AS ?ns) (COUNT(DISTINCT ?o) AS ?no) "
                          f"(COUNT(DISTINCT ?p) AS ?np) WHERE {distinct}")[0]
    typed = "{ ?s a ?c }" if graph is None else f"{{ GRAPH {_iri(graph)} {{ ?s a ?c }} }}"
    classes = {URIRef(str(row["c"])): int(str(row["n"])) for row in
               store.select(f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {typed} GROUP BY ?c")
               if isinstance(row.get("c"), URIRef)}
    predicates = [row["p"] for row in store.select(f"SELECT DISTINCT ?p WHERE {where}")]
    terms = frozenset(t for t in (*predicates, *classes) if isinstance(t, URIRef))
    return Statistics(int(str(counts["t"])), int(str(counts["ns"])), int(str(counts["no"])), int(str(counts["np"])),
                      {c: classes[c] for c in sorted(classes)}, terms)


def dataset_statistics(store: Store) -> DatasetStatistics:
    graphs = {info.name: _statistics(store, info.name) for info in store.graphs()}
    return DatasetStatistics(_statistics(store, None), graphs)


def entry_context(store: Store, entry: Graph) -> Graph:
    """What a new entry is validated against: the summary of every IRI it mentions, their ancestors, and the
    goals and measures of the fields of action they belong to (the plan rules compare notations within a
    field). Only the entry's neighbourhood, never the whole dataset."""
    mentioned = sorted({n for t in entry for n in t if isinstance(n, URIRef) and str(n).startswith("http")}
                       - {RDF.type})
    graph = bind_prefixes(Graph())
    if not mentioned:
        return graph
    hierarchy = "|".join(_iri(p) for p in (PG.servesGoal, PG.subGoalOf, PG.inField))
    for start in range(0, len(mentioned), 500):
        nodes = _values("n", mentioned[start:start + 500])
        graph += store.construct(f"CONSTRUCT {{ ?n ?p ?o }} WHERE {{ {nodes} ?n ?p ?o . {_among('p', SUMMARY)} }}")
        graph += store.construct(f"CONSTRUCT {{ ?a ?p ?o }} WHERE {{ {nodes} ?n ({hierarchy})+ ?a . ?a ?p ?o . "
                                 f"{_among('p', SUMMARY)} }}")
        graph += store.construct(
            f"CONSTRUCT {{ ?x ?p ?o }} WHERE {{ {nodes} ?n ({hierarchy})* ?field . ?field a {_iri(PG.FieldOfAction)} . "
            f"?x ({hierarchy})+ ?field . ?x ?p ?o . {_among('p', SUMMARY)} }}")
    return graph
