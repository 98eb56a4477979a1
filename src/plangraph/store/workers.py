"""A pool of forked worker processes that run public queries where they can be stopped.

A store evaluates queries in native code that no Python thread can interrupt; a process can be killed. Each
worker is forked from the server with the store open, so it reads the same data without copying it, and
serves one task at a time over a pair of pipes. A task past its deadline gets its worker killed and replaced;
after a write the pool is renewed (workers forked before it see the data as it was and are replaced before
their next task). Tasks and outcomes cross the pipes pickled; an outcome that is a PlangraphError is raised
in the server.

A fork copies the locks of the server's threads as they were at that moment, the store's native background
threads (RocksDB's flushes and compactions) included; a lock one of them held is held for ever in the child.
So every new worker first answers a probe task (a query that takes the store's snapshot lock); one that does
not within PROBE_SECONDS is killed and the fork tried again a moment later.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import pickle
import queue
import resource
import selectors
import signal
import stat
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from plangraph.errors import PlangraphError
from plangraph.sparql import QueryFailed, QueryTimeout, QueryTooCostly, ServerBusy, ServiceFailed

WORKER_MEMORY_BUDGET = 2 << 30  # bytes a worker may allocate beyond what it inherits
# The store parses and evaluates recursively: a long chain of operators within the query size limit (`!!!…true`,
# `1+1+…`, `a|b|…`, 30,000 UNIONs) needs up to ~100 MB of stack, and the stack a worker inherits from the server
# thread that forked it is 8 MB: past it the worker died of a segmentation fault and the client got a 500. So a
# worker serves its tasks on a thread of its own with this stack (address space only: untouched pages cost nothing).
# Deep nesting, which needs more per level, is refused before it gets here (`sparql_text.MAX_NESTING`).
WORKER_STACK_BYTES = 512 << 20
PROBE_SECONDS = 0.5  # a new worker must answer the probe task this fast, else it is replaced
FORK_ATTEMPTS = 8
_HEADER = struct.Struct("!Q")
LOG = logging.getLogger(__name__)


@dataclass
class _Worker:
    pid: int
    to_worker: int
    from_worker: int
    generation: int

    def stop(self) -> int | None:
        """Kill and reap the worker; its wait status (how it ended, if it had ended already) or None."""
        for fd in (self.to_worker, self.from_worker):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        try:
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return None


class WorkerPool:
    def __init__(self, size: int, work: Callable[[Any], Any], probe: Any = None) -> None:
        self.size = size
        self._work = work
        self._probe = probe
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._count = 0
        self._generation = 0
        self._closed = False
        atexit.register(self.close)

    def renew(self) -> None:
        """The data changed: workers forked before now are replaced before they take another task."""
        with self._lock:
            self._generation += 1

    def run(self, task: Any, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        worker = self._take(deadline, timeout)
        try:
            _send(worker.to_worker, pickle.dumps(task))
            payload = _receive(worker.from_worker, deadline)
        except OSError:
            payload = b""
        if payload is None:
            self._discard(worker)
            raise QueryTimeout(f"the query ran longer than the time limit of {timeout:g} s and was stopped; "
                               "narrow it down or add a LIMIT")
        if not payload:
            raise ended_without_answer(self._discard(worker))
        self._idle.put(worker)
        outcome = pickle.loads(payload)
        if isinstance(outcome, PlangraphError):
            raise outcome
        return outcome

    def close(self) -> None:
        atexit.unregister(self.close)
        with self._lock:
            self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                return

    def _take(self, deadline: float, timeout: float) -> _Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                with self._lock:
                    grow = self._count < self.size and not self._closed
                    if grow:
                        self._count += 1
                if grow:
                    return self._fork()
                try:
                    worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise ServerBusy(f"the server is busy with {self.size} queries at once and none ended within "
                                     f"the time limit of {timeout:g} s; try again shortly") from None
            if worker.generation == self._generation:
                return worker
            worker.stop()  # forked before the last write: it would answer from the old data
            return self._fork()

    def _discard(self, worker: _Worker) -> int | None:
        status = worker.stop()
        with self._lock:
            self._count -= 1
        return status

    def _fork(self) -> _Worker:
        for attempt in range(FORK_ATTEMPTS):
            worker = self._fork_once()
            if self._probe is None or self._answers_probe(worker):
                return worker
            worker.stop()
            time.sleep(0.01 * (attempt + 1))
        with self._lock:
            self._count -= 1
        raise QueryFailed(f"no query worker could be started ({FORK_ATTEMPTS} tries); the server log may say why")

    def _answers_probe(self, worker: _Worker) -> bool:
        try:
            _send(worker.to_worker, pickle.dumps(self._probe))
            payload = _receive(worker.from_worker, time.monotonic() + PROBE_SECONDS)
        except OSError:
            return False
        return bool(payload)

    def _fork_once(self) -> _Worker:
        generation = self._generation
        task_read, task_write = os.pipe()
        answer_read, answer_write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            with self._lock:
                self._count -= 1
            for fd in (task_read, task_write, answer_read, answer_write):
                os.close(fd)
            raise
        if pid == 0:
            os.close(task_write)
            os.close(answer_read)
            _serve(task_read, answer_write, self._work)
        os.close(task_read)
        os.close(answer_write)
        return _Worker(pid, task_write, answer_read, generation)


def ended_without_answer(status: int | None) -> PlangraphError:
    """The error for a query process that ended without an answer, by its wait status. Ended by a signal, it is the
    query's doing: the store's native code aborts when an allocation passes the memory limit (SIGABRT), and the
    kernel ends a process whose stack overflows (SIGSEGV) or that the system's memory ran short for (SIGKILL).
    That is a 503 like the time limit, not a fault of the server (500)."""
    if status is not None and os.WIFSIGNALED(status):
        LOG.warning("a query process ended by %s without an answer", signal.Signals(os.WTERMSIG(status)).name)
        return QueryTooCostly("the query needed more memory than the server grants one query and was stopped; "
                              "narrow it down or add a LIMIT")
    return QueryFailed("the query process ended without an answer; the server log may say why")


def _serve(tasks: int, answers: int, work: Callable[[Any], Any]) -> NoReturn:
    """The worker's life: take a task, do it, send the outcome back; end when the server closes the pipe."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _close_inherited(keep={tasks, answers})
        gc.freeze()  # inherited objects stay shared: collecting would touch, and so copy, their pages
        _limit_memory()
        threading.stack_size(WORKER_STACK_BYTES)
        loop = threading.Thread(target=_loop, args=(tasks, answers, work), name="plangraph-query-worker")
        loop.start()
        loop.join()
    finally:
        os._exit(0)


def _loop(tasks: int, answers: int, work: Callable[[Any], Any]) -> None:
    while True:
        payload = _receive(tasks, None)
        if not payload:
            return
        try:
            outcome = work(pickle.loads(payload))
        except PlangraphError as error:
            outcome = error
        except MemoryError:
            outcome = QueryTooCostly("the query needed more memory than the server grants one query")
        except OSError as error:  # urllib's errors are OSErrors: a SERVICE endpoint that did not answer
            outcome = ServiceFailed(f"a SERVICE endpoint of the query could not be reached ({error})")
        except Exception:  # a fault in evaluation: logged for the operator, never shown to the client
            traceback.print_exc(file=sys.stderr)
            outcome = QueryFailed("the query could not be evaluated; the server log has the details")
        _send(answers, pickle.dumps(outcome))


def _close_inherited(keep: set[int]) -> None:
    """Close the server's sockets and other workers' pipes (a client connection would otherwise stay open while
    this worker lives); keep regular files, which the store reads."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return
    for name in names:
        fd = int(name)
        if fd <= 2 or fd in keep:
            continue
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        if stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode):
            os.close(fd)


def _send(fd: int, payload: bytes) -> None:
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:
        data = data[os.write(fd, data):]


def _receive(fd: int, deadline: float | None) -> bytes | None:
    """One message; b"" when the other side closed the pipe; None when the deadline passed first."""
    header = _read_exactly(fd, _HEADER.size, deadline)
    if not header:
        return header
    (size,) = _HEADER.unpack(header)
    return _read_exactly(fd, size, deadline)


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks: list[bytes] = []
    remaining_bytes = size
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while remaining_bytes:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return None
            chunk = os.read(fd, min(remaining_bytes, 1 << 20))
            if not chunk:
                return b""
            chunks.append(chunk)
            remaining_bytes -= len(chunk)
    return b"".join(chunks)


def _limit_memory() -> None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            inherited = int(statm.read().split()[0]) * resource.getpagesize()
        budget = inherited + WORKER_MEMORY_BUDGET + WORKER_STACK_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (budget, resource.RLIM_INFINITY))
    except (OSError, ValueError):  # no /proc (not Linux) or a hard limit already lower: leave it
        pass
