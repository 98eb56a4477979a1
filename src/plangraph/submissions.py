"""Storing what data stewards submit: a new measure, a status report, a text correction.

An entry is checked in the context of the store (SHACL and the plan rules, plangraph.checks) and, only if it
conforms, written in one transaction to the submissions graph with its provenance: a pg:Submission activity,
the holder of the write token as prov:Agent, prov:wasAttributedTo and prov:generatedAtTime on every entity.

- A status report never overwrites: it is one more dated pg:StatusReport of the measure (a second report of
  the same measure and date gets the next free IRI).
- A correction keeps the replaced wording (pg:replacedText, prov:wasRevisionOf the previous correction of the
  same field): the new text goes to the submissions graph and the old triple leaves the published graph that
  held it. When the published dataset is loaded again (a rebuild), `reapply_corrections` removes the replaced
  wording again, so the corrected text survives rebuilds.
- A submission with an idempotency key already used by the same holder is not stored again: its first receipt
  is given back.

Checking and writing happen under one lock, so two concurrent submissions never both take the same report IRI
or both pass the same idempotency check. The lock is per process: the embedded store admits one process, and
with a remote store several fronts should send writes to one of them (README, "Scaling out").
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV
from rdflib.term import Node

from plangraph.checks import check_entry
from plangraph.errors import InputError, Location, NotConforming
from plangraph.iris import Minter
from plangraph.namespaces import PG
from plangraph.store.base import Store, Triple
from plangraph.store.terms import query_iri as _iri
from plangraph.validate import ValidationReport

KINDS = {PG.Measure: "measure", PG.StatusReport: "status", PG.TextCorrection: "correction"}
CORRECTABLE = (DCTERMS.description, PG.statusText, PG.remark, PG.targetGroupText, PG.responsibleText)
MAX_KEY_CHARS = 200
Removal = tuple[Triple, URIRef]  # a triple and the graph it leaves


class Rejected(NotConforming):
    """An entry that does not conform: 422 with the report; nothing was stored."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__("the entry does not conform to the shapes and plan rules; nothing was stored")
        self.report = report


@dataclass(frozen=True)
class Receipt:
    """What a submission stored (or, for a repeated idempotency key, had stored the first time)."""

    iri: URIRef
    kind: str
    holder: str
    at: datetime
    entities: list[URIRef] = field(default_factory=list)
    created: bool = True

    def as_json(self) -> dict[str, Any]:
        return {"submission": str(self.iri), "kind": self.kind, "holder": self.holder,
                "generatedAtTime": self.at.isoformat(), "entities": [str(e) for e in self.entities],
                "created": self.created}


def kind_of(entry: Graph) -> tuple[str, list[URIRef]]:
    """The kind of an entry and its main resources (IRIs typed pg:Measure, pg:StatusReport or pg:TextCorrection):
    one kind per submission, so that its receipt, its rules and its provenance are unambiguous."""
    found: dict[str, list[URIRef]] = {}
    for cls, kind in KINDS.items():
        for node in entry.subjects(RDF.type, cls):
            if not isinstance(node, URIRef):
                raise InputError(f"give the {kind} an IRI, not a blank node", Location(field="@id"))
            found.setdefault(kind, []).append(node)
    if not found:
        raise InputError("the entry has no pg:Measure, pg:StatusReport or pg:TextCorrection: nothing to submit",
                         Location(field="rdf:type"))
    if len(found) > 1:
        raise InputError(f"one kind per submission, this entry has {' and '.join(sorted(found))}",
                         Location(field="rdf:type"))
    (kind, nodes), = found.items()
    if kind != "measure" and len(nodes) > 1:
        raise InputError(f"one {kind} per submission (this entry has {len(nodes)})", Location(field="rdf:type"))
    return kind, sorted(nodes)


class Submissions:
    """The write path of one store."""

    def __init__(self, store: Store, minter: Minter, shapes: Graph) -> None:
        self.store = store
        self.minter = minter
        self.shapes = shapes
        self.graph = minter.graph("submissions")
        self._lock = threading.Lock()

    def check(self, entry: Graph) -> ValidationReport:
        """What /validate shows for an entry: the same preparation and checks as a submission, nothing stored."""
        kind, nodes = kind_of(entry)
        prepared, _, _ = self._prepare(kind, nodes, entry)
        return check_entry(self.store, prepared, self.shapes)

    def submit(self, entry: Graph, holder: str, key: str | None = None, now: datetime | None = None) -> Receipt:
        kind, nodes = kind_of(entry)
        if key is not None and (not key.strip() or len(key) > MAX_KEY_CHARS or not key.isprintable()):
            raise InputError(f"an idempotency key is 1 to {MAX_KEY_CHARS} printable characters",
                             Location(field="Idempotency-Key"))
        agent = self.minter.steward(holder)
        with self._lock:
            if key is not None:
                earlier = self._earlier(key, agent, holder)
                if earlier is not None:
                    return earlier
            prepared, additions, removals = self._prepare(kind, nodes, entry)
            report = check_entry(self.store, prepared, self.shapes)
            if not report.conforms:
                raise Rejected(report)
            at = (now or datetime.now(UTC)).replace(microsecond=0)
            activity = self.minter.submission(uuid.uuid4().hex)
            entities = sorted({n for cls in KINDS for n in prepared.subjects(RDF.type, cls) if isinstance(n, URIRef)})
            with self.store.transaction() as writer:
                for triple in [*prepared, *additions]:
                    writer.add(triple, self.graph)
                for triple in _provenance(activity, agent, holder, kind, entities, at, key):
                    writer.add(triple, self.graph)
                for triple, graph in removals:
                    writer.remove(triple, graph)
            return Receipt(activity, kind, holder, at, entities)

    # --- preparing an entry ------------------------------------------------------------------------------------

    def _prepare(self, kind: str, nodes: list[URIRef], entry: Graph) -> tuple[Graph, list[Triple], list[Removal]]:
        """The entry as it will be stored; what is written with it once it conforms (a correction's new text
        on the corrected resource, which would clash with the old text in the checked context); and the
        published triples it takes out (the old text)."""
        prepared = Graph()
        for triple in entry:
            prepared.add(triple)
        if kind == "status":
            node = nodes[0]
            free = self._free_iri(node)
            if free != node:
                prepared = _renamed(prepared, node, free)
            return prepared, [], []
        if kind == "correction":
            return self._prepare_correction(nodes[0], prepared)
        return prepared, [], []

    def _free_iri(self, node: URIRef) -> URIRef:
        """The report's IRI, or the next `-2`, `-3` … when the store already has one by that name."""
        candidate, number = node, 1
        while self.store.ask(f"ASK {{ {_iri(candidate)} ?p ?o }}"):
            number += 1
            candidate = URIRef(f"{node}-{number}")
        return candidate

    def _prepare_correction(self, node: URIRef, prepared: Graph) -> tuple[Graph, list[Triple], list[Removal]]:
        target, prop = prepared.value(node, PG.correctionOf), prepared.value(node, PG.correctedProperty)
        value = prepared.value(node, PROV.value)
        free = self._free_iri(node)
        if free != node:
            prepared, node = _renamed(prepared, node, free), free
        if not isinstance(target, URIRef) or not isinstance(prop, URIRef) or prop not in CORRECTABLE \
                or not isinstance(value, Literal):
            return prepared, [], []  # the shapes say what is missing
        current = self.store.select(f"SELECT ?g ?text WHERE {{ GRAPH ?g {{ {_iri(target)} {_iri(prop)} ?text }} }}")
        removals: list[Removal] = []
        for row in current:
            graph, text = row["g"], row["text"]
            assert isinstance(graph, URIRef)
            prepared.add((node, PG.replacedText, text))
            removals.append(((target, prop, text), graph))
        previous = self.store.select(
            f"SELECT ?c WHERE {{ ?c a {_iri(PG.TextCorrection)} ; {_iri(PG.correctionOf)} {_iri(target)} ; "
            f"{_iri(PG.correctedProperty)} {_iri(prop)} ; {_iri(PROV.generatedAtTime)} ?at }} "
            "ORDER BY DESC(?at) LIMIT 1")
        if previous:
            prepared.add((node, PROV.wasRevisionOf, previous[0]["c"]))
        return prepared, [(target, prop, value)], removals

    def _earlier(self, key: str, agent: URIRef, holder: str) -> Receipt | None:
        rows = self.store.select(
            f"SELECT ?s ?kind ?at ?e WHERE {{ GRAPH {_iri(self.graph)} {{ ?s {_iri(PG.idempotencyKey)} "
            f"{Literal(key).n3()} ; {_iri(PROV.wasAssociatedWith)} {_iri(agent)} ; {_iri(DCTERMS.type)} ?kind ; "
            f"{_iri(PROV.endedAtTime)} ?at . OPTIONAL {{ ?s {_iri(PROV.generated)} ?e }} }} }}")
        if not rows:
            return None
        first = rows[0]
        at = first["at"].toPython() if isinstance(first["at"], Literal) else datetime.now(UTC)
        entities = sorted(e for row in rows if isinstance(e := row.get("e"), URIRef))
        assert isinstance(first["s"], URIRef)
        return Receipt(first["s"], str(first["kind"]), holder, at, entities, created=False)

    # --- after a rebuild ---------------------------------------------------------------------------------------

    def reapply_corrections(self) -> int:
        """Take the replaced wording of every stored correction out of the published graphs again (a rebuild
        brings it back); returns the number of triples taken out."""
        rows = self.store.select(
            f"SELECT ?target ?prop ?old ?g WHERE {{ GRAPH {_iri(self.graph)} {{ ?c a {_iri(PG.TextCorrection)} ; "
            f"{_iri(PG.correctionOf)} ?target ; {_iri(PG.correctedProperty)} ?prop ; {_iri(PG.replacedText)} ?old }} "
            f"GRAPH ?g {{ ?target ?prop ?old }} FILTER (?g != {_iri(self.graph)}) }}")
        if not rows:
            return 0
        with self._lock, self.store.transaction() as writer:
            for row in rows:
                graph = row["g"]
                assert isinstance(graph, URIRef)
                writer.remove((row["target"], row["prop"], row["old"]), graph)
        return len(rows)


def _provenance(activity: URIRef, agent: URIRef, holder: str, kind: str, entities: list[URIRef], at: datetime,
                key: str | None) -> Iterable[tuple[Node, Node, Node]]:
    stamp = Literal(at.isoformat(), datatype=XSD.dateTime)
    yield activity, RDF.type, PG.Submission
    yield activity, RDFS.label, Literal(f"Einreichung vom {at:%d.%m.%Y %H:%M} UTC", lang="de")
    yield activity, RDFS.label, Literal(f"Submission of {at:%Y-%m-%d %H:%M} UTC", lang="en")
    yield activity, DCTERMS.type, Literal(kind)
    yield activity, PROV.wasAssociatedWith, agent
    yield activity, PROV.endedAtTime, stamp
    if key is not None:
        yield activity, PG.idempotencyKey, Literal(key)
    yield agent, RDF.type, PROV.Agent
    yield agent, RDFS.label, Literal(holder)
    for entity in entities:
        yield activity, PROV.generated, entity
        yield entity, PROV.wasGeneratedBy, activity
        yield entity, PROV.wasAttributedTo, agent
        yield entity, PROV.generatedAtTime, stamp


def _renamed(graph: Graph, old: URIRef, new: URIRef) -> Graph:
    renamed = Graph()
    for s, p, o in graph:
        renamed.add((new if s == old else s, p, new if o == old else o))
    return renamed

