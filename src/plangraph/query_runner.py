"""Running a query where it can be stopped: each query in a forked child process, with a time limit,
a memory cap and a bound on concurrent children. The child inherits the loaded data copy-on-write,
evaluates and serializes, and sends the bytes back through a pipe; past the deadline it is killed."""

from __future__ import annotations

import gc
import math
import os
import pickle
import resource
import selectors
import signal
import sys
import threading
import time
import traceback
import urllib.request
from collections.abc import Callable
from typing import NoReturn
from urllib.error import HTTPError

from rdflib import Dataset, Graph

from plangraph.errors import InputError, Location, PlangraphError
from plangraph.sparql import (
    Answer,
    DatasetSpec,
    Limits,
    QueryData,
    QueryFailed,
    QueryTimeout,
    QueryTooCostly,
    ResultFormat,
    ServerBusy,
    ServiceFailed,
    formats_for,
    prepare,
    run,
    serialize,
)
from plangraph.sparql_text import QueryText
from plangraph.store.workers import ended_without_answer

CHILD_MEMORY_BUDGET = 1 << 30  # bytes a query child may allocate beyond what it inherits


class Runner:
    """Runs each query in a forked child: the child inherits the loaded data copy-on-write, parses, evaluates,
    serializes and sends the bytes back through a pipe. rdflib cannot be interrupted inside a thread;
    a child can be killed, so past the time limit the work really stops and the server stays free. Parsing too:
    rdflib's parser spent minutes, in a server thread, on some texts within the size limit (99 kB of `&&1`)."""

    def __init__(self, data: QueryData, limits: Limits) -> None:
        self.data = data
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.workers)
        _warm_up()

    def answer(self, query: QueryText, spec: DatasetSpec, fmt: ResultFormat) -> Answer:
        deadline = time.monotonic() + self.limits.timeout
        if not self._slots.acquire(timeout=self.limits.timeout):
            raise ServerBusy(f"the server is busy with {self.limits.workers} queries at once and none ended "
                             f"within the time limit of {self.limits.timeout:g} s; try again shortly")
        try:
            return self._in_child(query, spec, fmt, deadline)
        finally:
            self._slots.release()

    def _in_child(self, query: QueryText, spec: DatasetSpec, fmt: ResultFormat, deadline: float) -> Answer:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _child(write_end, deadline, lambda: self._answer_here(query, spec, fmt))
        os.close(write_end)
        payload = None
        try:
            payload = _read(read_end, deadline)
        finally:
            os.close(read_end)
            if payload is None:
                os.kill(pid, signal.SIGKILL)
            status = os.waitpid(pid, 0)[1]
        if payload is None:
            raise QueryTimeout(f"the query ran longer than the time limit of {self.limits.timeout:g} s and was "
                               "stopped; narrow it down or add a LIMIT")
        if not payload:
            raise ended_without_answer(status)
        outcome: Answer | PlangraphError = pickle.loads(payload)
        if isinstance(outcome, PlangraphError):
            raise outcome
        return outcome

    def _answer_here(self, query: QueryText, spec: DatasetSpec, fmt: ResultFormat) -> Answer:
        prepared = prepare(query.text, query.base, self.limits.services)
        outcome = run(prepared, self.data, spec, self.limits.results)
        return Answer(serialize(outcome.result, fmt), fmt.media_type, outcome.truncated)


def _child(write_end: int, deadline: float, work: Callable[[], Answer]) -> NoReturn:
    try:
        signal.alarm(max(1, math.ceil(deadline - time.monotonic()) + 1))  # dies even if the parent is gone
        # inherited descriptors: another query's pipe (its reader would wait for this child) and the server's
        # sockets (a closed connection would stay open); only stdio and this child's pipe stay
        highest = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        os.closerange(3, write_end)
        os.closerange(max(3, write_end + 1), highest if highest > 0 else 65536)
        gc.disable()  # short-lived: collecting would touch, and so copy, every inherited page
        _limit_memory()
        _no_redirects()
        try:
            outcome: Answer | PlangraphError = work()
        except PlangraphError as error:
            outcome = error
        except MemoryError:
            outcome = QueryTooCostly("the query needed more memory than the server grants one query")
        except HTTPError as error:  # a redirect among them: it is not followed
            outcome = ServiceFailed(f"a SERVICE endpoint of the query answered HTTP {error.code}"
                                    + (" (a redirect: not followed)" if 300 <= error.code < 400 else ""))
        except RecursionError:  # rdflib evaluates nested patterns by recursion
            outcome = InputError("the query is nested too deeply to be evaluated", Location(file="<query>"))
        except OSError:  # urllib's errors are OSErrors: a SERVICE endpoint that did not answer
            outcome = ServiceFailed("a SERVICE endpoint of the query could not be reached")
        except Exception:  # a fault in evaluation: logged for the operator, never shown to the client
            traceback.print_exc(file=sys.stderr)
            outcome = QueryFailed("the query could not be evaluated; the server log has the details")
        data = memoryview(pickle.dumps(outcome))
        while data:
            data = data[os.write(write_end, data):]
    finally:
        os._exit(0)


def _read(fd: int, deadline: float) -> bytes | None:
    """Everything the child writes until it closes the pipe; None when the deadline passes first."""
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _no_redirects() -> None:
    """rdflib sends a SERVICE request with urllib's `urlopen`, whose default opener follows redirects (to any host:
    a way around the allowlist, which names the first one only), reads proxies from the environment and opens file:
    and ftp: URLs. A query child gets an opener that speaks HTTP and HTTPS, and stops at a redirect."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    urllib.request.install_opener(opener)


def _limit_memory() -> None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            inherited = int(statm.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (inherited + CHILD_MEMORY_BUDGET, resource.RLIM_INFINITY))
    except (OSError, ValueError):  # no /proc (not Linux) or a hard limit already lower: leave it
        pass


def _warm_up() -> None:
    """Import every evaluator and serializer now, in the server, so no child imports (or waits on an import
    lock another thread held at fork time) and each child starts ready."""
    tiny = QueryData(Dataset(), Graph())
    for text in ("SELECT * { ?s ?p ?o }", "ASK {}", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                 "DESCRIBE <urn:x>"):
        prepared = prepare(text)
        outcome = run(prepared, tiny, limit=1)
        for fmt in formats_for(prepared.form):
            serialize(outcome.result, fmt)


# --- ETags and the service description ------------------------------------------------------------
