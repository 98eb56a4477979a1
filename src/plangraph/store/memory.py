"""The rdflib store: the dataset in rdflib's in-memory Dataset. Nothing persists; used by tests, by
`--store memory`, and as the baseline the benchmarks compare the other stores with. Public queries go through
rdflib's SPARQL engine in a forked child per query (`query_runner`), which the time limit can kill."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from rdflib import Dataset, Graph, URIRef

from plangraph.canonical import render
from plangraph.dataset import read_rdf_file, union
from plangraph.formats import RdfFormat
from plangraph.query_runner import Runner
from plangraph.sparql import ASK, SELECT, Answer, DatasetSpec, Limits, QueryData, ResultFormat, prepare, run
from plangraph.sparql_text import QueryText
from plangraph.store import results
from plangraph.store.base import CollectedWrites, GraphInfo, Row, Triple, add_parsed, describe_query

DEFAULT = URIRef("urn:x-rdflib:default")


class MemoryStore:
    kind = "memory"

    def __init__(self, dataset: Dataset | None = None, workers: int = 4) -> None:
        self.description = "rdflib in-memory store"
        self.dataset = dataset if dataset is not None else Dataset()
        self._union = union(self.dataset)
        self._id = uuid.uuid4().hex[:12]
        self._writes = 0
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()
        self._workers = workers
        self._runners: dict[Limits, Runner] = {}

    @property
    def version(self) -> str:
        return f"{self._id}-{self._writes}"

    def meta(self, key: str) -> str | None:
        return self._values.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self._values[key] = value

    def graphs(self) -> list[GraphInfo]:
        found = [GraphInfo(URIRef(str(g.identifier)), len(g)) for g in self.dataset.graphs()
                 if len(g) and g.identifier != DEFAULT]
        return sorted(found, key=lambda g: str(g.name))

    def triple_count(self) -> int:
        return len(self._union)

    def select(self, query: str) -> list[Row]:
        result = run(prepare(query), QueryData(self.dataset, self._union)).result
        [str(v) for v in result.vars or []]
        return [{str(name): value for name, value in row.items() if value is not None} for row in result.bindings]

    def ask(self, query: str) -> bool:
        return bool(run(prepare(query), QueryData(self.dataset, self._union)).result.askAnswer)

    def construct(self, query: str) -> Graph:
        graph = run(prepare(query), QueryData(self.dataset, self._union)).result.graph
        return graph if graph is not None else Graph()

    def describe(self, iri: str) -> Graph:
        return self.construct(describe_query(iri))

    def answer(self, query: QueryText, spec: DatasetSpec, fmt: ResultFormat, limits: Limits) -> Answer:
        runner = self._runners.get(limits)
        if runner is None:
            runner = self._runners.setdefault(limits, Runner(QueryData(self.dataset, self._union),
                                                             Limits(limits.timeout, limits.results, self._workers,
                                                                    limits.services)))
        return runner.answer(query, spec, fmt)  # parsed in the query's child too, where the time limit holds

    @contextmanager
    def transaction(self) -> Iterator[CollectedWrites]:
        writer = CollectedWrites()
        yield writer
        with self._lock:
            for graph in writer.dropped:
                self.dataset.remove_graph(graph)
            for graph, triples in writer.removed.items():
                for triple in triples:
                    self.dataset.graph(graph).remove(triple)
            for graph, triples in writer.added.items():
                for triple in triples:
                    self.dataset.graph(graph).add(triple)
            if writer.dropped or writer.removed or writer.added:
                self._writes += 1
                self._union = union(self.dataset)
                self._runners.clear()

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        with self.transaction() as writer:
            writer.replace_graph(graph, triples)

    def load(self, path: Path, fmt: RdfFormat, graph: URIRef | None) -> int:
        if fmt.name != "jsonld":  # Oxigraph's parser names the line of a syntax error; rdflib's does not
            for _ in results.read_quads(path, fmt):
                pass
        parsed = read_rdf_file(path)
        with self.transaction() as writer:
            return add_parsed(writer, parsed, graph, path)

    def export(self, fmt: RdfFormat, out: BinaryIO) -> None:
        out.write(render(self.dataset, fmt))

    def close(self) -> None:
        return None


__all__ = ["ASK", "SELECT", "MemoryStore"]
