"""The embedded store (the default): Oxigraph on disk through pyoxigraph. Persistent and transactional,
no set-up, and fast: lookups in well under a millisecond at a million triples (bench/RESULTS.md).

Layout of the store directory (PLANGRAPH_STORE): `oxigraph/` (Oxigraph's RocksDB files) and
`plangraph-store.json` (bookkeeping: a store id, a write counter, which published dataset was loaded).
All data lives in named graphs; queries see their union as the default graph. Public queries run in the
worker pool (`workers.py`), so that a query past the time limit is really stopped.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import Graph, URIRef

from plangraph.errors import InputError, Location
from plangraph.formats import RdfFormat
from plangraph.sparql import ASK, CONSTRUCT, DESCRIBE, SELECT, Answer, DatasetSpec, Limits, ResultFormat
from plangraph.sparql_text import QueryText, syntax_error
from plangraph.store import results
from plangraph.store.base import (
    CollectedWrites,
    GraphInfo,
    Row,
    StoreUnavailable,
    Triple,
    add_parsed,
    describe_query,
)
from plangraph.store.terms import sparql_term, to_rdflib
from plangraph.store.workers import WorkerPool

META_FILE = "plangraph-store.json"
PROBE = "probe"  # the task a new worker answers first: a query, so it takes the store's snapshot lock
DATA_DIR = "oxigraph"
LOG = logging.getLogger(__name__)


class EmbeddedStore:
    kind = "embedded"

    def __init__(self, path: Path, workers: int = 4) -> None:
        self.path = path
        self.description = f"embedded Oxigraph store in {path}"
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(path / DATA_DIR))
        except OSError as error:
            why = "another process (a running server?) has it open" if "lock" in str(error).lower() else str(error)
            raise StoreUnavailable(f"cannot open the store: {why}", Location(file=str(path))) from error
        self._meta_path = path / META_FILE
        self._meta: dict[str, Any] = self._read_meta()
        self._write_lock = threading.Lock()
        self._pool = WorkerPool(workers, self._answer_here, probe=PROBE)

    # --- bookkeeping ---------------------------------------------------------------------------------------

    def _read_meta(self) -> dict[str, Any]:
        try:
            meta: dict[str, Any] = json.loads(self._meta_path.read_text("utf-8"))
        except FileNotFoundError:
            meta = {}
        except (OSError, ValueError) as error:
            raise StoreUnavailable(f"the store's bookkeeping file is unreadable: {error}",
                                   Location(file=str(self._meta_path))) from error
        meta.setdefault("id", uuid.uuid4().hex[:12])
        meta.setdefault("writes", 0)
        meta.setdefault("values", {})
        return meta

    def _save_meta(self, meta: dict[str, Any], undone: str) -> None:
        temporary = self._meta_path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps(meta, indent=2, sort_keys=True), "utf-8")
            os.replace(temporary, self._meta_path)
        except OSError as error:
            raise _cannot_write(self.path, error, undone) from error

    def _write(self, change: Callable[[], None], undone: str) -> None:
        """One write, under the write lock. The write counter (in `version`, which keys every cache) is saved
        first, so that after a crash it is never behind the data. A change that fails (a full disk, a read-only
        folder) raises StoreUnavailable: an update leaves the data as it was (Oxigraph applies it atomically)."""
        with self._write_lock:
            planned = self._meta["writes"] + 1
            self._save_meta({**self._meta, "writes": planned}, undone)
            try:
                change()
            except OSError as error:
                raise _cannot_write(self.path, error, undone) from error
            self._meta["writes"] = planned
            try:
                self._store.flush()  # the memtable on disk now: less background work when workers are forked
            except OSError as error:  # the change is in the write-ahead log: done, and replayed after a restart
                LOG.warning("the store in %s could not flush its memtable (the write is kept in its log): %s",
                            self.path, error)
            self._pool.renew()

    @property
    def version(self) -> str:
        return f"{self._meta['id']}-{self._meta['writes']}"

    def meta(self, key: str) -> str | None:
        value = self._meta["values"].get(key)
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        self._meta["values"][key] = value
        self._save_meta(self._meta, f"the store's bookkeeping ({key}) was not updated")

    # --- reads -----------------------------------------------------------------------------------------------

    def graphs(self) -> list[GraphInfo]:
        counts = self._store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        assert isinstance(counts, ox.QuerySolutions)
        found = [GraphInfo(URIRef(row[0].value), int(row[1].value)) for row in counts
                 if isinstance(row[0], ox.NamedNode)]
        return sorted(found, key=lambda g: str(g.name))

    def triple_count(self) -> int:
        counts = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }",
                                   use_default_graph_as_union=True)
        assert isinstance(counts, ox.QuerySolutions)
        return int(next(iter(counts))[0].value)

    def _query(self, query: str) -> Any:
        try:
            return self._store.query(query, use_default_graph_as_union=True)
        except SyntaxError as error:
            raise syntax_error(str(error)) from error

    def select(self, query: str) -> list[Row]:
        answer = self._query(query)
        names = [v.value for v in answer.variables]
        return [{name: to_rdflib(term) for name, term in zip(names, row, strict=True) if term is not None}
                for row in answer]

    def ask(self, query: str) -> bool:
        return bool(self._query(query))

    def construct(self, query: str) -> Graph:
        graph = Graph()
        for triple in self._query(query):
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def describe(self, iri: str) -> Graph:
        return self.construct(describe_query(iri))

    def answer(self, query: QueryText, spec: DatasetSpec, fmt: ResultFormat, limits: Limits) -> Answer:
        answer: Answer = self._pool.run((query, spec, fmt, limits.results), limits.timeout)
        return answer

    def _answer_here(self, task: tuple[QueryText, DatasetSpec, ResultFormat, int] | str) -> Answer | bool:
        """In a worker: evaluate, keep at most `limit` rows or triples, serialize."""
        if task == PROBE:
            return bool(self._store.query("ASK { ?s ?p ?o }", use_default_graph_as_union=True))
        assert not isinstance(task, str)
        query, spec, fmt, limit = task
        options: dict[str, Any] = {"use_default_graph_as_union": True, "base_iri": query.base}
        if spec:
            options = {"base_iri": query.base,
                       "default_graph": [ox.NamedNode(g) for g in spec.default_graphs] or [ox.DefaultGraph()],
                       "named_graphs": [ox.NamedNode(g) for g in spec.named_graphs]}
        try:
            found = self._store.query(query.text, **options)
        except SyntaxError as error:
            raise syntax_error(str(error)) from error
        except ValueError as error:  # e.g. an IRI that does not parse
            raise InputError(f"the query cannot be evaluated as written: {error}", Location(file="<query>")) from error
        if query.form == ASK:
            return Answer(results.boolean(bool(found), fmt), fmt.media_type, False)
        assert isinstance(found, ox.QuerySolutions | ox.QueryTriples)
        rows = _first(found, limit + 1)
        truncated = len(rows) > limit
        rows = rows[:limit]
        if query.form == SELECT:
            assert isinstance(found, ox.QuerySolutions)
            variables = [v.value for v in found.variables]
            body = results.solutions(variables, [list(row) for row in rows], fmt)
        else:
            assert query.form in (CONSTRUCT, DESCRIBE)
            body = results.triples(rows, fmt)
        return Answer(body, fmt.media_type, truncated)

    # --- writes ------------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[_Transaction]:
        writer = _Transaction()
        yield writer
        if writer.operations:
            text = " ;\n".join(writer.operations)
            self._write(lambda: self._store.update(text), "nothing of this request was stored")

    def replace_graph(self, graph: URIRef, triples: Iterable[Triple]) -> None:
        with self.transaction() as writer:
            writer.replace_graph(graph, triples)

    def load(self, path: Path, fmt: RdfFormat, graph: URIRef | None) -> int:
        """Two passes: parse the whole file first (a syntax error loads nothing), then Oxigraph's bulk loader."""
        if fmt.name == "jsonld":  # through plangraph's own JSON-LD reader, which refuses remote contexts
            return _load_parsed(self, path, graph)
        syntax = results.OX_RDF[fmt.name]
        target = ox.NamedNode(str(graph)) if graph is not None else None
        count = 0
        for quad in results.read_quads(path, fmt):
            if target is None and not syntax.supports_datasets:
                raise InputError("give --graph: a triple syntax needs a named graph to load into")
            if syntax.supports_datasets and isinstance(quad.graph_name, ox.DefaultGraph) and target is None:
                raise InputError("the file has triples in the default graph; give --graph to name their graph",
                                 Location(file=str(path)))
            count += 1
        self._write(lambda: self._store.bulk_load(path=str(path), format=syntax, to_graph=target),
                    "the file may be loaded in part: load it again once the store can write")
        return count

    def export(self, fmt: RdfFormat, out: BinaryIO) -> None:
        syntax = results.OX_RDF[fmt.name]
        if syntax.supports_datasets:
            self._store.dump(out, syntax, prefixes=None)
            return
        found = self._store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        assert isinstance(found, ox.QueryTriples)
        ox.serialize(found, out, syntax, prefixes=results.PREFIX_IRIS if fmt.name != "nt" else None)

    def close(self) -> None:
        """Stop the workers and release the store (its folder can then be opened again, here or elsewhere)."""
        self._pool.close()
        store, self._store = self._store, None  # type: ignore[assignment]
        if store is not None:
            store.flush()
        del store


class _Transaction(CollectedWrites):
    """Collects the writes of one transaction; they run as one SPARQL update (Oxigraph applies an update
    request atomically): the graphs to empty first, then one DELETE DATA and one INSERT DATA."""

    @property
    def operations(self) -> list[str]:
        found = [f"DROP SILENT GRAPH <{graph}>" for graph in self.dropped]
        deletes = " ".join(f"GRAPH <{graph}> {{ {_triples(triples)} }}" for graph, triples in self.removed.items()
                           if triples)
        found += [f"DELETE DATA {{ {deletes} }}"] if deletes else []
        inserts = " ".join(f"GRAPH <{graph}> {{ {_triples(triples)} }}" for graph, triples in self.added.items()
                           if triples)
        return found + ([f"INSERT DATA {{ {inserts} }}"] if inserts else [])


def _load_parsed(store: EmbeddedStore, path: Path, graph: URIRef | None) -> int:
    from plangraph.dataset import read_rdf_file

    parsed = read_rdf_file(path)
    with store.transaction() as writer:
        return add_parsed(writer, parsed, graph, path)


def _cannot_write(path: Path, error: OSError, undone: str) -> StoreUnavailable:
    """The error a client sees when the disk is full or the store read-only: what happened and what it means,
    not the raw system message, which names files of the server (that goes to the log)."""
    LOG.error("the store in %s could not write: %s", path, error)
    return StoreUnavailable(f"the store could not write (the disk may be full or the store's folder read-only); "
                            f"{undone}. Try again later.")


def _triples(batch: Iterable[Triple]) -> str:
    return " ".join(f"{sparql_term(s)} {sparql_term(p)} {sparql_term(o)} ." for s, p, o in batch)


def _first(found: Iterable[Any], count: int) -> list[Any]:
    rows: list[Any] = []
    for row in found:
        rows.append(row)
        if len(rows) >= count:
            break
    return rows
