"""Keeping a store's published graphs equal to the published dataset (the TriG file `plangraph build` writes),
without touching what else the store holds (graphs added with `plangraph load`, submissions).

The store remembers the SHA-256 of the file it last took and the graphs that came from it: a current store is
left alone (a server restart does not rebuild it); a missing or empty one is filled; a stale one gets the
published graphs replaced in one transaction, and graphs the new file no longer has dropped."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

from plangraph.dataset import load_dataset
from plangraph.errors import InputError, Location
from plangraph.store.base import Store

PUBLISHED_KEY = "published"


@dataclass(frozen=True)
class Sync:
    changed: bool
    graphs: tuple[str, ...]
    digest: str

    def describe(self) -> str:
        what = "loaded" if self.changed else "already current"
        return f"published dataset {what} ({len(self.graphs)} graphs, sha256 {self.digest[:12]})"


def ensure_published(store: Store, dataset_file: Path) -> Sync:
    if not dataset_file.exists():
        raise InputError("the published dataset is missing: run `plangraph build`", Location(file=str(dataset_file)))
    digest = hashlib.sha256(dataset_file.read_bytes()).hexdigest()
    recorded = _recorded(store)
    if recorded.get("sha256") == digest and store.graphs():
        return Sync(False, tuple(recorded.get("graphs", [])), digest)
    dataset = load_dataset(dataset_file)
    names = sorted(str(g.identifier) for g in dataset.graphs() if len(g) and str(g.identifier).startswith("http"))
    with store.transaction() as writer:
        for old in recorded.get("graphs", []):
            if old not in names:
                writer.replace_graph(URIRef(old), [])
        for name in names:
            writer.replace_graph(URIRef(name), list(dataset.graph(URIRef(name))))
    store.set_meta(PUBLISHED_KEY, json.dumps({"sha256": digest, "graphs": names}))
    return Sync(True, tuple(names), digest)


def published_graphs(store: Store) -> tuple[str, ...]:
    return tuple(_recorded(store).get("graphs", []))


def _recorded(store: Store) -> dict[str, list[str] | str]:
    text = store.meta(PUBLISHED_KEY)
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}
