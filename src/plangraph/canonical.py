"""RDF out in a fixed order: the same data gives the same bytes in every process.

rdflib writes N-Triples, N-Quads, JSON-LD and RDF/XML in the order of its hash-seeded sets, and the graphs
of a dataset in the order its store holds them. Reproducible builds, `plangraph export` and the strong
ETags of /downloads/ need one order; this module gives it, for a whole dataset and for one graph.
"""

from __future__ import annotations

import io
import json
from collections.abc import Generator
from typing import Any

from rdflib import Dataset, Graph
from rdflib.graph import _TripleOrTriplePathType, _TripleSelectorType
from rdflib.plugins.serializers.rdfxml import XMLSerializer

from plangraph.formats import RdfFormat
from plangraph.namespaces import bind_prefixes


def render(dataset: Dataset, fmt: RdfFormat) -> bytes:
    """The whole dataset in one format, in a fixed order; triple formats get the union of the named graphs."""
    if fmt.name == "trig":
        return serialize_trig(dataset).encode("utf-8")
    if fmt.name == "rdfxml":
        return _sorted_rdfxml(_union(dataset))
    text = dataset.serialize(format=fmt.rdflib) if fmt.quads else _union(dataset).serialize(format=fmt.rdflib)
    if fmt.name in ("nt", "nq"):
        return _sorted_lines(text)
    if fmt.name == "jsonld":
        return _canonical_json(text)
    return text.encode("utf-8")  # Turtle: rdflib sorts subjects and predicates itself


def render_graph(graph: Graph, fmt: RdfFormat) -> bytes:
    """One graph (catalog or VoID metadata) in a triple format or JSON-LD, in a fixed order."""
    if fmt.name == "nt":
        return _sorted_lines(graph.serialize(format="nt"))
    if fmt.name == "jsonld":
        return _canonical_json(graph.serialize(format="json-ld"))
    if fmt.name == "rdfxml":
        return _sorted_rdfxml(graph)
    return graph.serialize(format=fmt.rdflib).encode("utf-8")


def serialize_trig(dataset: Dataset) -> str:
    """TriG with the named graphs in IRI order: the same data gives the same bytes.

    rdflib writes the graphs in the order its store happens to hold them; this serializer sorts them
    and otherwise leaves prefixes and layout to rdflib (one prefix table for the whole file).
    """
    from rdflib.plugins.serializers.trig import TrigSerializer

    class SortedTrigSerializer(TrigSerializer):
        def preprocess(self) -> None:
            self.contexts = sorted((c for c in self.contexts if len(c)), key=lambda c: str(c.identifier))
            super().preprocess()

    buffer = io.BytesIO()
    SortedTrigSerializer(dataset).serialize(buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def _union(dataset: Dataset) -> Graph:
    out = bind_prefixes(Graph())
    for quad in dataset.quads((None, None, None, None)):
        out.add(quad[:3])
    return out


def _sorted_lines(text: str) -> bytes:
    """N-Triples / N-Quads: one statement per line, so sorted lines are the same data in a fixed order."""
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _canonical_json(text: str) -> bytes:
    """JSON-LD with every array in a fixed order (node objects by @id, values by their JSON text); the
    order of an @list is meaning and is kept."""
    return (json.dumps(_order(json.loads(text)), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _order(value: Any, in_list: bool = False) -> Any:
    if isinstance(value, dict):
        return {key: _order(item, in_list=key == "@list") for key, item in value.items()}
    if isinstance(value, list):
        items = [_order(item) for item in value]
        return items if in_list else sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


class _SortedGraph(Graph):
    """A graph that lists all its triples in sorted order (serializers that walk `subjects()` then write
    subjects in a fixed order; per subject, the store keeps insertion order, which is sorted here too)."""

    def triples(self, triple: _TripleSelectorType) -> Generator[_TripleOrTriplePathType, None, None]:  # type: ignore[override]
        found = super().triples(triple)
        yield from sorted(found) if triple == (None, None, None) else found


def _sorted_rdfxml(graph: Graph) -> bytes:
    ordered = bind_prefixes(_SortedGraph())
    for prefix, namespace in graph.namespaces():
        ordered.bind(prefix, namespace, override=False)
    for triple in sorted(graph):
        ordered.add(triple)
    buffer = io.BytesIO()
    XMLSerializer(ordered).serialize(buffer, encoding="utf-8")
    return buffer.getvalue()
