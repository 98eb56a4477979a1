"""The store interface every part of plangraph reads and writes through (DESIGN: one module owns one concern).

A store holds the published dataset as named graphs; the default graph of a query is the union of them.
Three implementations: `embedded` (Oxigraph on disk, the default), `remote` (any SPARQL 1.1 Query/Update
endpoint over HTTP) and `memory` (rdflib's in-memory Dataset, for tests and comparisons).

Two kinds of reads:
- trusted reads (`select`, `ask`, `construct`): plangraph's own queries for pages, search and the catalog,
  evaluated at once, results as rdflib terms;
- public reads (`answer`): a query a client sent to /sparql, under the time limit and the result cap,
  answered as serialized bytes in the format asked for.
Writes (`replace_graph`, `transaction`, `load`) change `version`, which keys every cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from rdflib import Graph, URIRef
from rdflib.term import Node

from plangraph.errors import InputError, Location, PlangraphError
from plangraph.formats import RdfFormat
from plangraph.sparql import Answer, DatasetSpec, Limits, ResultFormat
from plangraph.sparql_text import QueryText
from plangraph.store.terms import query_iri

Row = dict[str, Node]
Triple = tuple[Node, Node, Node]


class StoreUnavailable(PlangraphError):
    """The store cannot be opened or reached (locked by another process, remote endpoint down, disk full)."""

    http_status = 503
    exit_code = 2


class StoreError(PlangraphError):
    """The store refused or failed an operation it should have carried out."""

    http_status = 502
    exit_code = 2


@dataclass(frozen=True)
class GraphInfo:
    name: URIRef
    triples: int


class Writer(Protocol):
    """What a transaction offers: quads added together, all or none."""

    def add(self, triple: Triple, graph: URIRef) -> None: ...

    def remove(self, triple: Triple, graph: URIRef) -> None:
        """Removed before anything is added (a triple removed and added in one transaction stays)."""
        ...

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None: ...


class Store(Protocol):
    kind: str  # "embedded", "remote" or "memory"
    description: str  # where the data is, for logs and the CLI

    @property
    def version(self) -> str:
        """Changes with every write this process makes (and, for the embedded store, is kept on disk)."""
        ...

    def graphs(self) -> list[GraphInfo]:
        """The non-empty named graphs, by name."""
        ...

    def triple_count(self) -> int:
        """Triples in the union of the named graphs (a triple in two graphs counts once)."""
        ...

    def select(self, query: str) -> list[Row]: ...

    def ask(self, query: str) -> bool: ...

    def construct(self, query: str) -> Graph:
        """A CONSTRUCT or DESCRIBE query's triples as an rdflib Graph."""
        ...

    def describe(self, iri: str) -> Graph:
        """The store's own description of a resource (SPARQL DESCRIBE: its triples, and for the embedded store
        the closure over blank nodes). The pages use the richer `lookups.resource_context`."""
        ...

    def answer(self, query: QueryText, spec: DatasetSpec, fmt: ResultFormat, limits: Limits) -> Answer:
        """A public query, stopped at limits.timeout, with at most limits.results rows or triples."""
        ...

    def transaction(self) -> AbstractContextManager[Writer]:
        """Writes inside commit together when the block ends without an exception, else none of them."""
        ...

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None: ...

    def load(self, path: Path, fmt: RdfFormat, graph: URIRef | None) -> int:
        """Add an RDF file (streamed where the syntax allows); `graph` names the graph of a triple syntax's
        triples (quad syntaxes keep their own graphs). Returns the number of triples or quads read."""
        ...

    def export(self, fmt: RdfFormat, out: BinaryIO) -> None:
        """The whole dataset; triple syntaxes get the union of the named graphs."""
        ...

    def meta(self, key: str) -> str | None:
        """Bookkeeping kept with the data (e.g. which published dataset was loaded)."""
        ...

    def set_meta(self, key: str, value: str) -> None: ...

    def close(self) -> None: ...


class CollectedWrites:
    """A Writer that collects a transaction's writes by graph, for stores that send them in one go at its end:
    the graphs to empty, the triples to remove, the triples to add."""

    def __init__(self) -> None:
        self.dropped: list[URIRef] = []
        self.removed: dict[URIRef, list[Triple]] = {}
        self.added: dict[URIRef, list[Triple]] = {}

    def add(self, triple: Triple, graph: URIRef) -> None:
        self.added.setdefault(graph, []).append(triple)

    def remove(self, triple: Triple, graph: URIRef) -> None:
        self.removed.setdefault(graph, []).append(triple)

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        self.dropped.append(graph)
        self.added[graph] = list(triples)


def describe_query(iri: str) -> str:
    """`DESCRIBE <iri>`, refusing text that would end the IRI early and change the query."""
    return f"DESCRIBE {query_iri(iri)}"


def chunks(items: Iterable[Triple], size: int) -> Iterator[list[Triple]]:
    batch: list[Triple] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def add_parsed(writer: Writer, parsed: Graph, graph: URIRef | None, source: Path) -> int:
    """Add a parsed file to a transaction: a dataset's named graphs keep their names, its default graph and a
    plain graph's triples go to `graph`, which must then be given. Returns the number of triples."""
    from rdflib import Dataset


    parts: list[tuple[URIRef | None, Graph]] = []  # (graph name, triples)
    if isinstance(parsed, Dataset):
        for part in parsed.graphs():
            name = part.identifier
            default = name == URIRef("urn:x-rdflib:default")
            if len(part):
                parts.append((graph if default else URIRef(str(name)), part))
    else:
        parts.append((graph, parsed))
    count = 0
    for target, part in parts:
        if target is None:
            raise InputError("the file has triples outside a named graph; give --graph to name their graph",
                             Location(file=str(source)))
        for triple in part:
            writer.add(triple, target)
            count += 1
    return count
