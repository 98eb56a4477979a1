"""The dump files of /downloads/: the whole published dataset in every format of `formats.RDF_FORMATS`, as
bytes with the validators HTTP caches need (ETag, Last-Modified).

The bytes are deterministic: the same data gives the same bytes, and so the same strong ETag, in every process
and from every store (`canonical` puts rdflib's output in a fixed order) - up to CANONICAL_LIMIT triples.
Beyond that the store's own export is used (fast and streamed, deterministic for the embedded store, but not
byte-equal between stores). No clock here: the modification time is passed in.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from rdflib import Dataset

from plangraph.canonical import render
from plangraph.formats import BY_NAME, RDF_FORMATS, RdfFormat
from plangraph.namespaces import bind_prefixes
from plangraph.store.base import Store

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


CANONICAL_LIMIT = 200_000  # triples up to which dumps are rendered in plangraph's fixed order


def render_store(store: Store, fmt: RdfFormat) -> bytes:
    """The whole dataset of a store in one format (what the dumps and `plangraph export` give)."""
    buffer = io.BytesIO()
    if store.triple_count() > CANONICAL_LIMIT:
        store.export(fmt, buffer)
        return buffer.getvalue()
    store.export(BY_NAME["nq"], buffer)
    dataset = bind_prefixes(Dataset())
    dataset.parse(data=buffer.getvalue(), format="nquads")
    assert isinstance(dataset, Dataset)
    return render(dataset, fmt)


def make_dump(store: Store, fmt: RdfFormat, modified: datetime) -> Dump:
    body = render_store(store, fmt)
    return Dump(fmt, body, hashlib.sha256(body).hexdigest()[:32], modified.replace(microsecond=0))


class Dumps:
    """The dumps of one version of a store's data, each made on first use and then kept. Safe to share between
    the server's threads."""

    def __init__(self, store: Store, modified: datetime) -> None:
        self.store = store
        self.modified = modified.replace(microsecond=0)
        self._made: dict[str, Dump] = {}
        self._lock = threading.Lock()

    def get(self, fmt: RdfFormat) -> Dump:
        with self._lock:  # one thread serialises a format, the others wait for its bytes
            if fmt.name not in self._made:
                self._made[fmt.name] = make_dump(self.store, fmt, self.modified)
            return self._made[fmt.name]

    def __iter__(self) -> Iterator[Dump]:
        return (self.get(fmt) for fmt in RDF_FORMATS)
