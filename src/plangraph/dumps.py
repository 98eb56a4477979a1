"""The dump files of /downloads/: the whole published dataset in every format of `formats.RDF_FORMATS`, as
bytes with the validators HTTP caches need (ETag, Last-Modified).

The bytes are deterministic: the same dataset gives the same bytes, and so the same strong ETag, in every
process (rdflib writes N-Triples, N-Quads, JSON-LD and RDF/XML in the order of its hash-seeded sets, so
this module puts them in a fixed order). No I/O and no clock here: the modification time is passed in.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rdflib import Dataset, Graph
from rdflib.graph import _TripleOrTriplePathType, _TripleSelectorType
from rdflib.plugins.serializers.rdfxml import XMLSerializer

from plangraph.dataset import serialize, union
from plangraph.formats import RDF_FORMATS, RdfFormat
from plangraph.namespaces import bind_prefixes

DOWNLOADS_PATH = "downloads/"  # where the dumps live, relative to the server's root
DUMP_STEM = "herne"  # file names: herne.ttl, herne.trig, ... (like the committed data/herne.trig)


def dump_filename(fmt: RdfFormat) -> str:
    return DUMP_STEM + fmt.suffix


def format_for_filename(name: str) -> RdfFormat | None:
    """The format of a dump file name ('herne.nq'); None for a name that is no dump."""
    return next((fmt for fmt in RDF_FORMATS if dump_filename(fmt) == name), None)


@dataclass(frozen=True)
class Dump:
    """One dump file: its bytes and what HTTP says about them."""

    fmt: RdfFormat
    body: bytes
    etag: str  # opaque tag, without quotes: a digest of the bytes, so equal bytes give equal tags
    last_modified: datetime  # when the dataset was last changed (timezone-aware, whole seconds)

    @property
    def filename(self) -> str:
        return dump_filename(self.fmt)


def make_dump(dataset: Dataset, fmt: RdfFormat, modified: datetime) -> Dump:
    body = render(dataset, fmt)
    return Dump(fmt, body, hashlib.sha256(body).hexdigest()[:32], modified.replace(microsecond=0))


def render(dataset: Dataset, fmt: RdfFormat) -> bytes:
    """The whole dataset in one format, in a fixed order; triple formats get the union of the named graphs."""
    if fmt.name in ("nt", "nq"):
        return _sorted_lines(serialize(dataset, fmt))
    if fmt.name == "jsonld":
        return _canonical_json(serialize(dataset, fmt))
    if fmt.name == "rdfxml":
        return _sorted_rdfxml(union(dataset))
    return serialize(dataset, fmt).encode("utf-8")  # Turtle and TriG: sorted by rdflib / dataset.py already


def render_graph(graph: Graph, fmt: RdfFormat) -> bytes:
    """One graph (catalog or VoID metadata) in a triple format or JSON-LD, in a fixed order."""
    if fmt.name == "nt":
        return _sorted_lines(graph.serialize(format="nt"))
    if fmt.name == "jsonld":
        return _canonical_json(graph.serialize(format="json-ld"))
    if fmt.name == "rdfxml":
        return _sorted_rdfxml(graph)
    return graph.serialize(format=fmt.rdflib).encode("utf-8")


class Dumps:
    """The dumps of one dataset, each made on first use and then kept: the data does not change while the
    app runs. Safe to share between the server's threads."""

    def __init__(self, dataset: Dataset, modified: datetime) -> None:
        self.dataset = dataset
        self.modified = modified.replace(microsecond=0)
        self._made: dict[str, Dump] = {}
        self._lock = threading.Lock()

    def get(self, fmt: RdfFormat) -> Dump:
        with self._lock:  # one thread serialises a format, the others wait for its bytes
            if fmt.name not in self._made:
                self._made[fmt.name] = make_dump(self.dataset, fmt, self.modified)
            return self._made[fmt.name]

    def __iter__(self) -> Iterator[Dump]:
        return (self.get(fmt) for fmt in RDF_FORMATS)


# fixed orders ---------------------------------------------------------------------------------------------


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
