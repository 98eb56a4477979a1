"""Answering public SPARQL queries: check what the endpoint refuses, serve a repeated query from the cache, ask
the store otherwise. The cache is keyed by the data version, the query, the dataset asked for, the format and
the result limit, so a write (which changes the version) retires every answer; it holds at most a budget of
bytes, least recently used out first. The web layer's /sparql and /query and the CLI's `query` go through here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from plangraph.sparql import Answer, DatasetSpec, Limits, ResultFormat
from plangraph.sparql_text import QueryText, inspect
from plangraph.store.base import Store

CacheKey = tuple[str, str, DatasetSpec, str, int]


@dataclass
class _Cache:
    budget: int
    used: int = 0

    def __post_init__(self) -> None:
        self.entries: OrderedDict[CacheKey, Answer] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: CacheKey) -> Answer | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: CacheKey, answer: Answer) -> None:
        size = len(answer.body) + len(key[1]) + 200
        if size > self.budget // 4:  # one answer never takes most of the cache
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = answer
            self.used += size
            while self.used > self.budget and self.entries:
                old_key, old = self.entries.popitem(last=False)
                self.used -= len(old.body) + len(old_key[1]) + 200


class Answers:
    def __init__(self, store: Store, limits: Limits, cache_bytes: int = 64 << 20) -> None:
        self.store = store
        self.limits = limits
        self._cache = _Cache(cache_bytes) if cache_bytes > 0 else None

    def read(self, text: str, base: str | None = None) -> QueryText:
        """The query's form and dataset; refusals (updates, SERVICE off the allowlist) raise here."""
        return inspect(text, self.limits.services, base)

    def answer(self, query: QueryText, spec: DatasetSpec, fmt: ResultFormat) -> Answer:
        if query.services:  # a federated answer depends on data elsewhere, which no local write retires
            return self.store.answer(query, spec, fmt, self.limits)
        key: CacheKey = (self.store.version, f"{query.base}\n{query.text}", spec, fmt.name, self.limits.results)
        if self._cache is not None:
            found = self._cache.get(key)
            if found is not None:
                return found
        answer = self.store.answer(query, spec, fmt, self.limits)
        if self._cache is not None:
            self._cache.put(key, answer)
        return answer
