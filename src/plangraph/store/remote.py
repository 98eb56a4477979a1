"""A remote store: any SPARQL 1.1 Query/Update endpoint (Virtuoso, Fuseki, GraphDB, QLever, ...) reached over
HTTP with SPARQLWrapper. plangraph's Flask app then holds no data and can run as many copies as wanted behind
a load balancer, while the triplestore holds the data.

- Which graphs are plangraph's: those whose IRI starts with one of `graph_prefixes` (the base IRI and
  https://w3id.org/plangraph/ by default). Triplestores keep graphs of their own (Virtuoso's system graphs),
  so every query names plangraph's graphs as its dataset (default-graph-uri = named-graph-uri = those graphs)
  unless the client names one: the default graph is their union, as with the embedded store.
- The data version lives in the store itself (graph <urn:plangraph:store>), raised by every write of every
  copy, and read at most every `poll` seconds: copies notice each other's writes and drop cached answers.
- Requests go as GET, or as form-encoded POST when long (Virtuoso hangs on direct `application/sparql-query`
  POSTs), always with an Accept header (Virtuoso answers HTML without one).
- Time limits: the client waits `limits.timeout` seconds and then gives up with 503; stopping the query on the
  server is the triplestore's own setting (Virtuoso: MaxQueryExecutionTime), which the README names.
- Writes are SPARQL Update requests; one transaction is one request where it fits (up to `batch` triples),
  else several, in order (a store that applies each request atomically, as Virtuoso does, then leaves each
  batch whole but not the whole).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.error
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node
from SPARQLWrapper import GET, JSON, N3, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, EndPointNotFound, QueryBadFormed, Unauthorized

from plangraph.errors import InputError, Location
from plangraph.formats import RdfFormat
from plangraph.sparql import (
    ASK,
    SELECT,
    Answer,
    DatasetSpec,
    Limits,
    QueryTimeout,
    ResultFormat,
)
from plangraph.sparql_text import QueryText
from plangraph.store import results
from plangraph.store.base import (
    CollectedWrites,
    GraphInfo,
    Row,
    StoreError,
    StoreUnavailable,
    Triple,
    add_parsed,
    chunks,
    describe_query,
)
from plangraph.store.terms import sparql_term, to_oxigraph, to_rdflib

META_GRAPH = "urn:plangraph:store"
VERSION = "urn:plangraph:version"
META_KEY = "urn:plangraph:meta:"
LONG_QUERY = 1800  # characters past which a query goes as a form POST rather than in the URL
TURTLE = "text/turtle"  # Virtuoso answers 406 to a list with application/n-triples in it


class RemoteStore:
    kind = "remote"

    def __init__(self, query_url: str, update_url: str | None = None,
                 graph_prefixes: Iterable[str] = ("https://w3id.org/plangraph/",),
                 timeout: float = 60.0, poll: float = 2.0, batch: int = 2000,
                 user: str | None = None, password: str | None = None) -> None:
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.description = f"remote SPARQL store at {query_url}"
        self.prefixes = tuple(p for p in graph_prefixes if p)
        self.timeout = timeout
        self.poll = poll
        self.batch = batch
        self._credentials = (user, password) if user else None
        self._lock = threading.Lock()
        self._version: tuple[float, str] | None = None
        self._graphs: tuple[str, list[GraphInfo]] | None = None

    # --- talking to the endpoint -------------------------------------------------------------------------------

    def _client(self, url: str, query: str, accept: str | None = None, timeout: float | None = None,
                spec: DatasetSpec | None = None) -> SPARQLWrapper:
        client = SPARQLWrapper(url)
        client.setOnlyConneg(True)  # no `format=` parameter: Virtuoso answers 406 to SPARQLWrapper's values
        client.setTimeout(int(max(1, round(timeout or self.timeout))))
        client.setQuery(query)
        if self._credentials:
            client.setCredentials(*self._credentials)
        if spec is not None:
            for graph in spec.default_graphs:
                client.addDefaultGraph(graph)
            for graph in spec.named_graphs:
                client.addNamedGraph(graph)
        long = len(query) > LONG_QUERY or client.isSparqlUpdateRequest()
        client.setMethod(POST if long else GET)
        client.setRequestMethod(URLENCODED)
        if accept:
            client.setReturnFormat(N3 if "json" not in accept else JSON)
            client.clearCustomHttpHeader("Accept")
            client.addCustomHttpHeader("Accept", accept)
        return client

    def _send(self, client: SPARQLWrapper, what: str) -> bytes:
        try:
            response = client.query().response
            body: bytes = response.read()
            return body
        except QueryBadFormed as error:
            raise _bad_query(error) from error
        except (EndPointNotFound, Unauthorized) as error:
            raise StoreUnavailable(f"the store at {self.query_url} refused {what}: {_message(error)}") from error
        except EndPointInternalError as error:
            message = _message(error)
            if "timeout" in message.lower() or "time limit" in message.lower():
                raise QueryTimeout(f"the store stopped the query at its time limit: {message}") from error
            raise StoreError(f"the store failed {what}: {message}") from error
        except TimeoutError as error:
            raise QueryTimeout(f"the store did not answer within {client.timeout} s; narrow the query down or add "
                               "a LIMIT") from error
        except urllib.error.HTTPError as error:
            raise StoreError(f"the store answered {error.code} to {what}: {_message(error)}") from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError | socket.timeout):
                raise QueryTimeout(f"the store did not answer within {client.timeout} s") from error
            raise StoreUnavailable(f"the store at {self.query_url} cannot be reached: {error.reason}") from error
        except OSError as error:
            raise StoreUnavailable(f"the store at {self.query_url} cannot be reached: {error}") from error

    def _ours(self) -> DatasetSpec:
        names = tuple(str(g.name) for g in self.graphs())
        return DatasetSpec(names, names) if names else DatasetSpec((META_GRAPH,), (META_GRAPH,))

    def _select_json(self, query: str, spec: DatasetSpec | None, timeout: float | None = None) -> dict[str, Any]:
        body = self._send(self._client(self.query_url, query, "application/sparql-results+json", timeout, spec),
                          "a query")
        try:
            parsed: dict[str, Any] = json.loads(body)
        except ValueError as error:
            raise StoreError(f"the store answered something other than SPARQL JSON results: {body[:200]!r}") from error
        return parsed

    def _update(self, text: str) -> None:
        self._send(self._client(self.update_url, text), "an update")

    # --- bookkeeping -----------------------------------------------------------------------------------------

    @property
    def version(self) -> str:
        with self._lock:
            if self._version is not None and time.monotonic() - self._version[0] < self.poll:
                return self._version[1]
        answer = self._select_json(f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{VERSION}> ?v }} }}",
                                   None)
        bindings = answer.get("results", {}).get("bindings", [])
        value = str(bindings[0]["v"]["value"]) if bindings else "0"
        with self._lock:
            if self._version is None or self._version[1] != value:
                self._graphs = None
            self._version = (time.monotonic(), value)
        return value

    def _bump(self) -> None:
        value = f"{uuid.uuid4().hex[:16]}"
        self._update(f"DROP SILENT GRAPH <{META_GRAPH}-version> ; "
                     f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{VERSION}> ?v }} }} ; "
                     f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> <{VERSION}> \"{value}\" }} }}")
        with self._lock:
            self._version = (time.monotonic(), value)
            self._graphs = None

    def meta(self, key: str) -> str | None:
        answer = self._select_json(
            f"SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_KEY}{key}> <{VERSION}> ?v }} }}", None)
        bindings = answer.get("results", {}).get("bindings", [])
        return str(bindings[0]["v"]["value"]) if bindings else None

    def set_meta(self, key: str, value: str) -> None:
        literal = Literal(value).n3()
        self._update(f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_KEY}{key}> <{VERSION}> ?v }} }} ; "
                     f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <{META_KEY}{key}> <{VERSION}> {literal} }} }}")

    # --- reads -------------------------------------------------------------------------------------------------

    def graphs(self) -> list[GraphInfo]:
        version = self.version
        with self._lock:
            if self._graphs is not None and self._graphs[0] == version:
                return self._graphs[1]
        answer = self._select_json("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", None)
        found = [GraphInfo(URIRef(b["g"]["value"]), int(b["n"]["value"]))
                 for b in answer.get("results", {}).get("bindings", [])
                 if b.get("g", {}).get("type") == "uri" and self._is_ours(b["g"]["value"])]
        found.sort(key=lambda g: str(g.name))
        with self._lock:
            self._graphs = (version, found)
        return found

    def _is_ours(self, graph: str) -> bool:
        return graph != META_GRAPH and any(graph.startswith(prefix) for prefix in self.prefixes)

    def triple_count(self) -> int:
        answer = self._select_json("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }",
                                   self._ours())
        return int(answer["results"]["bindings"][0]["n"]["value"])

    def select(self, query: str) -> list[Row]:
        answer = self._select_json(query, self._ours())
        return [{name: _from_json(term) for name, term in binding.items()}
                for binding in answer.get("results", {}).get("bindings", [])]

    def ask(self, query: str) -> bool:
        return bool(self._select_json(query, self._ours()).get("boolean"))

    def construct(self, query: str) -> Graph:
        graph = Graph()
        for triple in self._triples(query, self._ours(), None):
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def _triples(self, query: str, spec: DatasetSpec, timeout: float | None) -> list[ox.Triple]:
        body = self._send(self._client(self.query_url, query, TURTLE, timeout, spec),
                          "a query")
        try:
            return [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.TURTLE)]  # N-Triples is Turtle
        except SyntaxError as error:
            raise StoreError(f"the store answered RDF that does not parse: {error}") from error

    def describe(self, iri: str) -> Graph:
        """Virtuoso answers an empty DESCRIBE without a dataset; plangraph always names its graphs."""
        return self.construct(describe_query(iri))

    def answer(self, query: QueryText, spec: DatasetSpec, fmt: ResultFormat, limits: Limits) -> Answer:
        """Ask the store in SPARQL JSON (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE), keep at most the result
        limit, and write the format the client asked for."""
        chosen = _complete(spec or query.dataset) or self._ours()
        if query.form == ASK:
            answer = self._select_json(query.text, chosen, limits.timeout)
            return Answer(results.boolean(bool(answer.get("boolean")), fmt), fmt.media_type, False)
        if query.form == SELECT:
            answer = self._select_json(query.text, chosen, limits.timeout)
            variables = list(answer.get("head", {}).get("vars", []))
            bindings = answer.get("results", {}).get("bindings", [])
            truncated = len(bindings) > limits.results
            bindings = [_sparql_11(binding) for binding in bindings[:limits.results]]
            if fmt.name == "json":
                body = json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                                  ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            else:
                rows = [[to_oxigraph(_from_json(b[v])) if v in b else None for v in variables] for b in bindings]
                body = results.solutions(variables, rows, fmt)
            return Answer(body, fmt.media_type, truncated)
        found = self._triples(query.text, chosen, limits.timeout)
        return Answer(results.triples(found[:limits.results], fmt), fmt.media_type, len(found) > limits.results)

    # --- writes ------------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[CollectedWrites]:
        writer = CollectedWrites()
        yield writer
        if not (writer.dropped or writer.removed or writer.added):
            return
        for graph in [*writer.dropped, *writer.removed, *writer.added]:
            if not self._is_ours(str(graph)):
                raise InputError(f"the graph <{graph}> is outside the graphs plangraph manages in this store "
                                 f"(PLANGRAPH_STORE_GRAPHS: {', '.join(self.prefixes)})", Location(field="graph"))
        blank = {g: [t for t in triples if _has_blank(t)] for g, triples in writer.added.items()}
        blank = {g: triples for g, triples in blank.items() if triples}
        if sum(len(t) for t in blank.values()) > BLANK_BATCH:
            raise InputError(f"more than {BLANK_BATCH} statements with blank nodes: a remote store takes them in one "
                             "request only (their labels hold within it); give the nodes IRIs")
        drops = [f"DROP SILENT GRAPH <{graph}>" for graph in writer.dropped]
        drops += [_insert(graph, triples).replace("INSERT DATA", "DELETE DATA", 1)
                  for graph, triples in writer.removed.items() if triples]
        inserts = [(graph, batch) for graph, triples in writer.added.items()
                   for batch in chunks((t for t in triples if not _has_blank(t)), self.batch)]
        first = [_insert(*inserts[0])] if inserts else []
        with_blanks = [_insert_blank(blank)] if blank else []  # Virtuoso refuses blank nodes in INSERT DATA
        self._update(" ;\n".join([*drops, *first, *with_blanks]))
        for graph, batch in inserts[1:]:
            self._update(_insert(graph, batch))
        self._bump()

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        with self.transaction() as writer:
            writer.replace_graph(graph, triples)

    def load(self, path: Path, fmt: RdfFormat, graph: URIRef | None) -> int:
        from plangraph.dataset import read_rdf_file

        if fmt.name not in ("nt", "nq"):
            parsed = read_rdf_file(path)
            with self.transaction() as writer:
                return add_parsed(writer, parsed, graph, path)
        return self._load_streamed(path, fmt, graph)

    def _load_streamed(self, path: Path, fmt: RdfFormat, graph: URIRef | None) -> int:
        """N-Triples and N-Quads: checked in a first pass, then sent in batches without holding the file."""
        syntax = results.OX_RDF[fmt.name]
        count = 0
        try:
            for quad in ox.parse(path=str(path), format=syntax):  # everything checked before the first write
                count += 1
                name = graph if isinstance(quad.graph_name, ox.DefaultGraph) else URIRef(quad.graph_name.value)
                if name is None:
                    raise InputError(f"statement {count} is outside a named graph; give --graph",
                                     Location(file=str(path)))
                if not self._is_ours(str(name)):
                    raise InputError(f"statement {count}: the graph <{name}> is outside PLANGRAPH_STORE_GRAPHS",
                                     Location(file=str(path)))
                if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
                    raise InputError(f"statement {count} has a blank node, which cannot be sent to a remote store "
                                     "in batches (its label would not hold across them); give the node an IRI, "
                                     "or load the file as Turtle or TriG", Location(file=str(path)))
        except SyntaxError as error:
            raise InputError(f"not valid {fmt.name}: {error}", Location(file=str(path))) from error
        except OSError as error:
            raise InputError(f"cannot read: {error}", Location(file=str(path))) from error
        batch: dict[URIRef, list[Triple]] = {}
        pending = 0
        for quad in ox.parse(path=str(path), format=syntax):
            name = graph if isinstance(quad.graph_name, ox.DefaultGraph) else URIRef(quad.graph_name.value)
            assert name is not None
            batch.setdefault(name, []).append((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                                               to_rdflib(quad.object)))
            pending += 1
            if pending >= self.batch:
                self._update(" ;\n".join(_insert(g, t) for g, t in batch.items()))
                batch, pending = {}, 0
        if batch:
            self._update(" ;\n".join(_insert(g, t) for g, t in batch.items()))
        self._bump()
        return count

    def export(self, fmt: RdfFormat, out: BinaryIO) -> None:
        dataset = ox.Dataset()
        for info in self.graphs():
            for triple in self._triples(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{info.name}> {{ ?s ?p ?o }} }}",
                                        DatasetSpec((), (str(info.name),)), None):
                dataset.add(ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(str(info.name))))
        syntax = results.OX_RDF[fmt.name]
        if syntax.supports_datasets:
            ox.serialize(dataset, out, syntax)
        else:
            ox.serialize({q.triple for q in dataset}, out, syntax)

    def close(self) -> None:
        return None


BLANK_BATCH = 900  # statements with blank nodes Virtuoso takes in one INSERT {} WHERE {} (it fails near 2,000)


def _has_blank(triple: Triple) -> bool:
    return isinstance(triple[0], BNode) or isinstance(triple[2], BNode)


def _insert_blank(graphs: dict[URIRef, list[Triple]]) -> str:
    body = " ".join(f"GRAPH <{graph}> {{ " + " ".join(f"{sparql_term(s)} {sparql_term(p)} {sparql_term(o)} ."
                                                    for s, p, o in triples) + " }"
                    for graph, triples in graphs.items())
    return f"INSERT {{ {body} }} WHERE {{ }}"


def _insert(graph: URIRef, triples: list[Triple]) -> str:
    body = " ".join(f"{sparql_term(s)} {sparql_term(p)} {sparql_term(o)} ." for s, p, o in triples)
    return f"INSERT DATA {{ GRAPH <{graph}> {{ {body} }} }}"


def _from_json(term: dict[str, str]) -> Node:
    kind, value = term.get("type"), term.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in term:
        return Literal(value, lang=term["xml:lang"])
    datatype = term.get("datatype")
    return Literal(value, datatype=URIRef(datatype)) if datatype and datatype != results.XSD_STRING else Literal(value)


EMPTY_GRAPH = "urn:plangraph:no-graph"  # names a graph no store holds


def _complete(spec: DatasetSpec) -> DatasetSpec:
    """A dataset that names only named graphs has an empty default graph, and one that names only default
    graphs no named graphs (SPARQL 1.1 Protocol 2.1.4); a store that takes a missing list as 'all graphs'
    (Virtuoso) is given a list holding a graph that does not exist."""
    if not spec:
        return spec
    return DatasetSpec(spec.default_graphs or (EMPTY_GRAPH,), spec.named_graphs or (EMPTY_GRAPH,))


_VIRTUOSO_ERROR = re.compile(r"Virtuoso \w+ Error \w+: (?:SPARQL compiler, )?line (\d+): (.*?)(?:\\n|\n|$)", re.DOTALL)


def _bad_query(error: Exception) -> InputError:
    """A store's syntax error as an InputError, with the line where the store gives one (Virtuoso does)."""
    text = str(error)
    found = _VIRTUOSO_ERROR.search(text)
    if found is None:
        return InputError(f"SPARQL syntax error (as the store reports it): {_message(error)}", Location(file="<query>"))
    line, what = int(found.group(1)), found.group(2).strip()[:300]
    return InputError(f"SPARQL syntax error: {what}", Location(file="<query>", line=line))


def _message(error: Exception) -> str:
    text = str(error).replace("\n", " ").strip()
    return text[:400]




def _sparql_11(binding: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """A binding in the SPARQL 1.1 JSON results format: Virtuoso still writes SPARQL 1.0's 'typed-literal'."""
    return {name: {**term, "type": "literal"} if term.get("type") == "typed-literal" else term
            for name, term in binding.items()}
