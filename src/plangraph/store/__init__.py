"""Where the data lives: the store interface (`base.Store`) and its three implementations. `open_store` picks
one from the PLANGRAPH_STORE setting: a folder (the embedded Oxigraph store), an http(s) URL (a remote SPARQL
endpoint) or `memory` (rdflib, nothing persists)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from plangraph.store.base import GraphInfo, Store, StoreError, StoreUnavailable

MEMORY = "memory"


def open_store(where: str, *, workers: int = 4, update_url: str | None = None,
               graph_prefixes: Sequence[str] = (), timeout: float = 60.0) -> Store:
    if where == MEMORY:
        from plangraph.store.memory import MemoryStore

        return MemoryStore(workers=workers)
    if where.startswith(("http://", "https://")):
        from plangraph.store.remote import RemoteStore

        return RemoteStore(where, update_url or None, graph_prefixes, timeout=timeout)
    from plangraph.store.embedded import EmbeddedStore

    return EmbeddedStore(Path(where), workers=workers)


__all__ = ["MEMORY", "GraphInfo", "Store", "StoreError", "StoreUnavailable", "open_store"]
