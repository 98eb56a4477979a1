"""Linking district statistics from another SPARQL endpoint (`plangraph link-stats`): run a CONSTRUCT query there,
check that the answer is an RDF Data Cube keyed by place and year, and store it as one statistics graph that
replaces the previous one in a single transaction, so that measures and observations join on the same place IRIs.

The check is what the joins need, not the 21 integrity constraints of the Data Cube Recommendation: every subject a
part of a cube (typed with a `qb:` class, in a `qb:` role such as the object of `qb:component`, or the value of an
attribute such as the unit of `sdmx-attribute:unitMeasure`), at least one observation, and each observation with
exactly one `sdmx-dimension:refArea` (an IRI) and one `sdmx-dimension:refPeriod`. Descriptions of anything else, the
places above all, stay out: the statistics graph must not change what the plan's graphs say.
"""

from __future__ import annotations

import ast
import socket
import urllib.error
from collections.abc import Iterable
from dataclasses import dataclass
from http.client import HTTPResponse

import pyoxigraph as ox
from pyparsing import ParseException
from rdflib import RDF, Graph, URIRef
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.term import Node
from SPARQLWrapper import GET, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from plangraph.errors import InputError, Location, PlangraphError
from plangraph.iris import Minter
from plangraph.namespaces import QB, SDMX_ATTRIBUTE, SDMX_DIMENSION
from plangraph.publish import published_graphs
from plangraph.sparql import FORMS
from plangraph.store.base import Store
from plangraph.store.terms import to_rdflib

GRAPH_PART = "statistik-verknuepft"  # the default statistics graph: <base>graph/statistik-verknuepft
ACCEPT = "text/turtle, application/n-triples;q=0.9"
RDF_MEDIA_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/x-turtle": ox.RdfFormat.TURTLE,
                   "application/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
                   "text/plain": ox.RdfFormat.N_TRIPLES}  # N-Triples as older endpoints label it
LONG_QUERY = 1800  # characters past which the query goes as a form POST rather than in the URL
MAX_BYTES = 256 << 20  # an answer larger than this is refused rather than read into memory
SHOWN = 5  # offending subjects or observations named in a refusal
# Properties whose objects play a part in a cube (the ranges of the Data Cube vocabulary): an untyped node in
# such a role, e.g. a blank node after qb:component, is part of the cube as much as a typed one.
ROLES = (QB.component, QB.structure, QB.dataSet, QB.observation, QB.measure, QB.dimension, QB.attribute,
         QB.componentProperty, QB.slice, QB.sliceStructure, QB.sliceKey, QB.measureType, QB.codeList)
_STATUS = {QueryBadFormed: 400, Unauthorized: 401, EndPointNotFound: 404, URITooLong: 414, EndPointInternalError: 500}


class EndpointFailed(PlangraphError):
    """The other endpoint could not be reached, answered an error status, or answered something other than RDF."""

    exit_code = 2
    http_status = 502


class NotACube(PlangraphError):
    """The endpoint's answer is RDF but not Data Cube observations keyed by place and year."""

    exit_code = 1
    http_status = 422


@dataclass(frozen=True)
class Cube:
    """A checked answer: its triples and the observations' areas (the place IRIs they join on)."""

    graph: Graph
    observations: int
    areas: frozenset[URIRef]


@dataclass(frozen=True)
class Linked:
    graph: URIRef
    observations: int
    triples: int
    unknown_areas: tuple[URIRef, ...]  # areas no statement of the store describes: they join with nothing


def construct_query(text: str, source: str) -> str:
    """The query text if it is a CONSTRUCT query; InputError (with line and column) otherwise, before anything is
    sent: only a CONSTRUCT answers with triples to store."""
    if not text.strip():
        raise InputError("the query is empty", Location(file=source))
    try:
        parsed = parseQuery(text)
    except ParseException as error:
        raise InputError(f"SPARQL syntax error: {error.msg} (link-stats takes a CONSTRUCT query)",
                         Location(file=source, line=error.lineno, column=error.col)) from error
    except RecursionError as error:
        raise InputError("the query is nested too deeply", Location(file=source)) from error
    form = FORMS.get(parsed[1].name, parsed[1].name)
    if form != "CONSTRUCT":
        raise InputError(f"link-stats needs a CONSTRUCT query (it stores the triples the query builds), not a {form} "
                         "query", Location(file=source))
    return text


def fetch(endpoint: str, query: str, timeout: float) -> Graph:
    """Run a CONSTRUCT query at another SPARQL endpoint (GET, or a form POST when long) asking for Turtle or
    N-Triples; the triples, or EndpointFailed saying why not."""
    if not endpoint.startswith(("http://", "https://")):
        raise InputError(f"the endpoint is an http(s) URL, not {endpoint!r}", Location(field="--endpoint"))
    client = SPARQLWrapper(endpoint)
    client.setOnlyConneg(True)  # content negotiation only: no `format=` parameter some endpoints refuse
    client.setTimeout(int(max(1, round(timeout))))
    client.setQuery(query)
    client.setMethod(POST if len(query) > LONG_QUERY else GET)
    client.setRequestMethod(URLENCODED)
    client.setReturnFormat(TURTLE)
    client.clearCustomHttpHeader("Accept")
    client.addCustomHttpHeader("Accept", ACCEPT)
    where = f"the endpoint {endpoint}"
    try:
        response: HTTPResponse = client.query().response
        media_type = response.headers.get_content_type()
        body = response.read(MAX_BYTES + 1)
    except SPARQLWrapperException as error:
        status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), None)
        raise EndpointFailed(f"{where} answered {status}: {_excerpt(_response_body(error))}") from error
    except urllib.error.HTTPError as error:
        raise EndpointFailed(f"{where} answered {error.code}: {_excerpt(error.read())}") from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError | socket.timeout):
            raise EndpointFailed(f"{where} did not answer within {timeout:g} s") from error
        raise EndpointFailed(f"{where} cannot be reached: {error.reason}") from error
    except TimeoutError as error:
        raise EndpointFailed(f"{where} did not answer within {timeout:g} s") from error
    except OSError as error:
        raise EndpointFailed(f"{where} cannot be reached: {error}") from error
    except ValueError as error:  # urllib: a URL it cannot take apart
        raise InputError(f"not a usable endpoint URL: {error}", Location(field="--endpoint")) from error
    if len(body) > MAX_BYTES:
        raise EndpointFailed(f"{where} answered more than {MAX_BYTES >> 20} MB; narrow the query down")
    syntax = RDF_MEDIA_TYPES.get(media_type)
    if syntax is None:
        raise EndpointFailed(f"{where} answered {media_type or 'no media type'}, not RDF (Turtle or N-Triples): "
                             f"{_excerpt(body)}")
    graph = Graph()
    try:
        for triple in ox.parse(body, format=syntax):
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    except SyntaxError as error:
        raise EndpointFailed(f"{where} answered {media_type} that does not parse: {error}") from error
    return graph


def check_cube(graph: Graph) -> Cube:
    """The answer as a cube, or NotACube naming what is wrong (the first few offenders of each kind)."""
    typed = {s for s, o in graph.subject_objects(RDF.type) if isinstance(o, URIRef) and o.startswith(str(QB))}
    attributes = {*graph.subjects(RDF.type, QB.AttributeProperty),
                  *(p for p in graph.predicates() if str(p).startswith(str(SDMX_ATTRIBUTE)))}
    in_role = {o for role in (*ROLES, *attributes) for o in graph.objects(None, role)}
    strangers = sorted({s for s in graph.subjects() if s not in typed and s not in in_role}, key=str)
    if strangers:
        verb = "is" if len(strangers) == 1 else "are"
        raise NotACube(f"not a Data Cube: {_named(strangers)} {verb} neither typed with a Data Cube class "
                       "(qb:Observation, qb:DataSet, qb:DataStructureDefinition, qb:MeasureProperty, ...) nor part of "
                       "one (the object of qb:component, qb:measure, qb:dataSet, ..., or an attribute's value such as "
                       "a unit); the statistics graph holds only the cube")
    observations = sorted(set(graph.subjects(RDF.type, QB.Observation)), key=str)
    if not observations:
        raise NotACube("the answer holds no qb:Observation")
    problems = []
    for dimension in (SDMX_DIMENSION.refArea, SDMX_DIMENSION.refPeriod):
        counts = {o: len(set(graph.objects(o, dimension))) for o in observations}
        missing = [o for o, count in counts.items() if count == 0]
        several = [o for o, count in counts.items() if count > 1]
        if missing:
            problems.append(f"{len(missing)} observation(s) without {_short(dimension)}: {_named(missing)}")
        if several:
            problems.append(f"{len(several)} observation(s) with more than one {_short(dimension)}: {_named(several)}")
    not_iris = [o for o in observations
                if any(not isinstance(area, URIRef) for area in graph.objects(o, SDMX_DIMENSION.refArea))]
    if not_iris:
        problems.append(f"{len(not_iris)} observation(s) whose sdmx-dimension:refArea is not a place IRI: "
                        f"{_named(not_iris)}")
    if problems:
        raise NotACube("; ".join(problems) + " (the joins need the place and the year of every observation)")
    areas = frozenset(o for o in graph.objects(None, SDMX_DIMENSION.refArea) if isinstance(o, URIRef))
    return Cube(graph, len(observations), areas)


def statistics_graph(minter: Minter, graph: str | None) -> URIRef:
    """The graph link-stats replaces: the one named, or <base>graph/statistik-verknuepft."""
    if graph is None:
        return minter.graph(GRAPH_PART)
    if not graph.startswith(("http://", "https://", "urn:")) or any(c in graph for c in '<>"{}|^`\\ \n'):
        raise InputError(f"not an absolute IRI: {graph!r}", Location(field="--graph"))
    return URIRef(graph)


def store_cube(store: Store, graph: URIRef, cube: Cube) -> Linked:
    """Replace the statistics graph with the cube in one transaction. Only a graph that is empty or holds a cube is
    replaced: a published graph, a steward's submission or a loaded file would be lost."""
    if str(graph) in published_graphs(store):
        raise InputError(f"<{graph}> is a graph of the published dataset; name a statistics graph of its own",
                         Location(field="--graph"))
    existing = store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    if len(existing):
        try:
            check_cube(existing)
        except NotACube as error:
            raise InputError(f"<{graph}> holds other data than statistics, which replacing it would lose ("
                             f"{error.message[:200]}); name a statistics graph of its own",
                             Location(field="--graph")) from error
    store.replace_graph(graph, list(cube.graph))
    return Linked(graph, cube.observations, len(cube.graph), _unknown(store, cube.areas))


def _unknown(store: Store, areas: Iterable[URIRef]) -> tuple[URIRef, ...]:
    """Areas the store says nothing about (other than as an observation's refArea): a typo or another city's IRIs."""
    values = " ".join(f"<{area}>" for area in sorted(areas, key=str))
    rows = store.select(f"SELECT ?area WHERE {{ VALUES ?area {{ {values} }} "
                        f"FILTER NOT EXISTS {{ ?area ?p ?o }} }} ORDER BY ?area")
    return tuple(URIRef(str(row["area"])) for row in rows)


def _named(nodes: list[Node]) -> str:
    shown = ", ".join(f"<{n}>" if isinstance(n, URIRef) else f"_:{n}" for n in nodes[:SHOWN])
    return shown + (f" and {len(nodes) - SHOWN} more" if len(nodes) > SHOWN else "")


def _short(iri: URIRef) -> str:
    return "sdmx-dimension:" + str(iri).rsplit("#", 1)[-1]


def _response_body(error: SPARQLWrapperException) -> str:
    """The endpoint's answer, which SPARQLWrapper keeps only inside its message (as a bytes literal)."""
    _, _, shown = str(error).partition("Response:\n")
    try:
        raw = ast.literal_eval(shown)
    except (ValueError, SyntaxError):
        return shown
    return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


def _excerpt(body: object) -> str:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body or "")
    text = " ".join(text.split())
    return (text[:200] + " ...") if len(text) > 200 else (text or "(no body)")
