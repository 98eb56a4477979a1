"""Failed token checks per client address: after `limit` failures within `window` seconds an address must wait
until the oldest of them is older than the window, whatever it sends (a correct token too), so that guessing
tokens costs a minute per few guesses. In memory, per process, thread-safe, and bounded: at most `max_clients`
addresses are kept, the least recently failing ones are forgotten first. Time is passed in (a monotonic clock)."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque

from plangraph.errors import PlangraphError


class FailureLimit:
    def __init__(self, limit: int, window: float = 60.0, max_clients: int = 10_000) -> None:
        """`limit` 0 (or less) turns the limit off."""
        self.limit = limit
        self.window = window
        self.max_clients = max_clients
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float) -> int | None:
        """Whole seconds the client must wait before its next attempt counts, or None if it may try now."""
        if self.limit <= 0:
            return None
        with self._lock:
            times = self._failures.get(client)
            if times is None:
                return None
            while times and times[0] <= now - self.window:
                times.popleft()
            if not times:
                del self._failures[client]
                return None
            if len(times) < self.limit:
                return None
            return max(1, math.ceil(times[0] + self.window - now))

    def failed(self, client: str, now: float) -> None:
        """Count a failed attempt of the client."""
        if self.limit <= 0:
            return
        with self._lock:
            times = self._failures.pop(client, None) or deque(maxlen=self.limit)
            times.append(now)
            self._failures[client] = times  # at the end: the most recent to fail
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)

    def __len__(self) -> int:
        """Addresses remembered (for tests of the bound)."""
        with self._lock:
            return len(self._failures)


class TooManyFailures(PlangraphError):
    """429: the client's address has failed too often of late; `retry_after` seconds until it may try again."""

    http_status = 429
    exit_code = 2

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed token checks from this address: try again in {retry_after} s")
        self.retry_after = retry_after
