"""The storage benchmark: plangraph's embedded store (Oxigraph on disk) against rdflib's in-memory Dataset, raw
pyoxigraph, rdflib-endpoint and Virtuoso 7.2, on synthetic action plans of 10k, 100k and 1M triples. One command
writes the whole table (bench/RESULTS.md):

    .venv/bin/python bench/storage.py --sizes 10k,100k,1M --runs 7 --out bench/RESULTS.md
    .venv/bin/python bench/storage.py --quick --out /tmp/r.md      # 10k only, 5 runs, under 2 minutes

For each size: the synthetic N-Quads (bench/synthetic.py, seed 1, kept in build/bench/ and reused while their
parameters match); load times (`plangraph load`, with its peak RSS; EmbeddedStore.load in this process; pyoxigraph's
in-memory bulk loader; rdflib's Dataset.parse; Virtuoso's bulk loader); medians of the query mix bench/queries/
(Q1 DESCRIBE, Q1c, Q2 … Q6; one warm-up, then one run per parameter index, so no two runs ask the same question)
in this process (EmbeddedStore.answer through its worker pool, EmbeddedStore.select/construct, raw pyoxigraph,
rdflib) and over HTTP (`plangraph serve` with the result cache off, rdflib-endpoint, Virtuoso); a repeated query
served from plangraph's cache; Q1 throughput with 8 client threads (plangraph and Virtuoso, at 100k and above);
and, on the largest size, validating one new measure in context. The Markdown ends with the targets, each
checked against the figures. Every server listens on a free loopback port and is stopped in a `finally`; every
request has a timeout; a slow cell stops after --cell-budget seconds.

Every store holds the same data: the published dataset (data/herne.trig, which `plangraph load` puts into an
empty store) plus the synthetic file.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime
import gc
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "scripts")]  # bench/ and scripts/ are not packages

import local_virtuoso  # noqa: E402
import synthetic  # noqa: E402

QUERIES = synthetic.QUERY_NAMES  # q1 (DESCRIBE), q1c, q2 … q6
GRAPH_FORMS = {"q1", "q1c", "q6"}  # DESCRIBE / CONSTRUCT: N-Triples; the others SELECT: SPARQL JSON
JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
PUBLISHED = ROOT / "data" / "herne.trig"
PLANGRAPH = Path(sys.executable).parent / "plangraph"
RDFLIB_ENDPOINT = Path(sys.executable).parent / "rdflib-endpoint"
REQUEST_TIMEOUT = 120.0  # seconds, every HTTP request
SERVER_START_TIMEOUT = 600.0  # rdflib-endpoint parses the whole file before it answers
INPROCESS = ("embedded answer", "embedded direct", "pyoxigraph", "rdflib")
OVER_HTTP = ("plangraph", "rdflib-endpoint", "virtuoso")
VIRTUOSO_GRAPH = "https://w3id.org/plangraph/bench/unnamed"  # bulk_load wants one; quads keep their own


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- measurements --------------------------------------------------------------------------------------------------

@dataclass
class Cell:
    """One engine on one query: the timed runs (ms) and the answer size of each parameter index."""

    times: list[float] = field(default_factory=list)
    sizes: dict[int, int | None] = field(default_factory=dict)
    error: str | None = None
    first_error: str | None = None  # a warm-up that failed and was tried again

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and self.error is None else None


@dataclass
class SizeResult:
    label: str
    target: int
    quads: int = 0
    megabytes: float = 0.0
    cities: int = 0
    measures: int = 0
    load: dict[str, float] = field(default_factory=dict)  # seconds
    memory: dict[str, float] = field(default_factory=dict)  # MB
    inprocess: dict[str, dict[str, Cell]] = field(default_factory=dict)
    http: dict[str, dict[str, Cell]] = field(default_factory=dict)
    cache_http: Cell | None = None
    cache_inprocess_us: float | None = None
    throughput: dict[str, tuple[float, int, int]] = field(default_factory=dict)  # rps, errors, seconds
    validation: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    load_average: str = ""  # of the machine, when this size was done (other processes share the 2 cores)


def timed_runs(run: Callable[[int], tuple[float, int | None]], runs: int, budget: float) -> Cell:
    """A warm-up (parameter index 0), then runs 1..runs, each a different index; stops once `budget` seconds
    are spent (after at least one timed run). `run(i)` returns (milliseconds, answer size)."""
    cell = Cell()
    began = time.monotonic()
    try:
        try:
            _, cell.sizes[0] = run(0)
        except Exception as error:  # once more: a first answer that never came (see inprocess_embedded)
            cell.first_error = describe_error(error)
            _, cell.sizes[0] = run(0)
        for i in range(1, runs + 1):
            if cell.times and time.monotonic() - began > budget:
                break
            ms, cell.sizes[i] = run(i)
            cell.times.append(ms)
    except Exception as error:  # recorded in the table and the notes, the bench goes on
        cell.error = describe_error(error)
    return cell


def describe_error(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0][:300] if text else ''}"


def load_average() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def rss_mb() -> float:
    return _status_kb("self", "VmRSS") / 1024


def peak_mb(pid: int | str) -> float:
    return _status_kb(pid, "VmHWM") / 1024


def _status_kb(pid: int | str, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return float("nan")


def count_body(body: bytes, media_type: str) -> int | None:
    """Rows of a SPARQL JSON answer, distinct triples of N-Triples or RDF/XML (rdflib-endpoint's DESCRIBE)."""
    if "json" in media_type:
        return len(json.loads(body)["results"]["bindings"])
    if "n-triples" in media_type or media_type.startswith("text/plain"):
        return len({line.strip() for line in body.splitlines() if line.strip() and not line.startswith(b"#")})
    if "rdf+xml" in media_type or media_type.startswith("application/xml"):
        from rdflib import Graph

        return len(Graph().parse(data=body, format="xml"))
    return None


# --- data -----------------------------------------------------------------------------------------------------------

def parse_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10k, 100k, 1M)")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def synthetic_file(n: int, workdir: Path) -> tuple[Path, dict[str, Any]]:
    """build/bench/synthetic-N.nq with its parameters, generated unless present with the same parameters."""
    out = workdir / f"synthetic-{n}.nq"
    params = out.with_suffix(".params.json")
    try:
        summary = json.loads(params.read_text("utf-8"))
        if (summary["target_triples"], summary["seed"]) == (n, 1) and out.stat().st_size == summary["bytes"]:
            log(f"reusing {out}")
            return out, summary
    except (OSError, ValueError, KeyError):
        pass
    log(f"generating {out}")
    synthetic.generate(n, out, seed=1)
    return out, json.loads(params.read_text("utf-8"))


# --- processes ------------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run_measured(command: list[str], timeout: float, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a command to its end; (seconds, peak RSS in MB of that process and its children, output)."""
    log_file = Path(f"/tmp/plangraph-bench-{os.getpid()}.log")
    with open(log_file, "wb") as out:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=env, preexec_fn=_die_with_parent)
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
    text = log_file.read_text("utf-8", errors="replace")
    log_file.unlink()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}:\n{text[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, text


class Server:
    """A server process in its own process group (its forked workers too), stopped with the group."""

    def __init__(self, name: str, command: list[str], port: int, ready_path: str, env: dict[str, str],
                 log_path: Path) -> None:
        self.name, self.port, self.ready_path = name, port, ready_path
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env=env, start_new_session=True, preexec_fn=_die_with_parent)
        self.started = time.monotonic()

    def wait_ready(self, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        query = urllib.parse.urlencode({"query": "ASK {}"})
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", f"{self.ready_path}?{query}", headers={"Accept": JSON})
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text("utf-8", errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        with contextlib.suppress(ProcessLookupError, PermissionError):  # workers that outlived their server
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()


@contextlib.contextmanager
def plangraph_server(store: Path, cache: bool, logs: Path) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "PLANGRAPH_STORE": str(store), "PLANGRAPH_THREADS": "8", "PLANGRAPH_QUERY_WORKERS": "4",
           "PLANGRAPH_QUERY_TIMEOUT": "60", "PLANGRAPH_RESULT_LIMIT": "100000"}
    env.pop("PLANGRAPH_QUERY_CACHE", None)
    if not cache:
        env["PLANGRAPH_QUERY_CACHE"] = "0"
    server = Server("plangraph serve", [str(PLANGRAPH), "serve", "--host", "127.0.0.1", "--port", str(port)], port,
                    "/sparql", env, logs / f"plangraph-{'cache' if cache else 'nocache'}.log")
    try:
        server.wait_ready(SERVER_START_TIMEOUT)
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def rdflib_endpoint_server(files: list[Path], logs: Path) -> Iterator[Server]:
    port = free_port()
    server = Server("rdflib-endpoint", [str(RDFLIB_ENDPOINT), "serve", *map(str, files), "--host", "127.0.0.1",
                                        "--port", str(port)], port, "/", dict(os.environ), logs / "rdflib-endpoint.log")
    try:
        server.wait_ready(SERVER_START_TIMEOUT)
        yield server
    finally:
        server.stop()


class Client:
    """One keep-alive HTTP/1.1 connection (http.client: less client overhead than requests)."""

    def __init__(self, port: int, path: str) -> None:
        self.port, self.path = port, path
        self.connection: http.client.HTTPConnection | None = None

    def get(self, params: list[tuple[str, str]], accept: str) -> tuple[int, bytes, float, str]:
        """(status, body, milliseconds, media type); one retry on a connection the server had closed."""
        target = f"{self.path}?{urllib.parse.urlencode(params)}"
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            began = time.perf_counter()
            try:
                self.connection.request("GET", target, headers={"Accept": accept})
                response = self.connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest, ConnectionResetError,
                    BrokenPipeError):
                self.close()
                if attempt:
                    raise
                continue
            ms = (time.perf_counter() - began) * 1000
            if response.will_close:
                self.close()
            return response.status, body, ms, response.getheader("Content-Type", "")
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# --- the benchmark --------------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir: Path = args.workdir
        self.logs = self.workdir / "logs"
        self.results: list[SizeResult] = []
        self.notes: list[str] = []
        self.began = time.monotonic()
        self.load_average = load_average()
        self.virtuoso = local_virtuoso.available()
        if not self.virtuoso:
            self.notes.append(f"Virtuoso is not installed: its columns are empty ({local_virtuoso.INSTALL_HINT}).")

    def rdflib_allowed(self, n: int) -> bool:
        return n <= 100_000 or self.args.rdflib_1m

    def run(self) -> None:
        sizes = sorted(self.args.sizes)
        for n in sizes:
            result = SizeResult(size_label(n), n)
            self.results.append(result)
            log(f"=== {result.label} ===")
            self.one_size(result, validate=n == sizes[-1], throughput=n >= 100_000 or n == sizes[-1])
            result.load_average = load_average()

    def one_size(self, result: SizeResult, validate: bool, throughput: bool) -> None:
        n = result.target
        path, summary = synthetic_file(n, self.workdir)
        pools = summary["pools"]
        result.quads, result.megabytes = summary["triples"], summary["bytes"] / 1e6
        result.cities, result.measures = summary["cities"], summary["measures"]
        store_dir = self.workdir / f"store-{result.label}"
        virtuoso_dir = self.workdir / f"virtuoso-{result.label}"

        step = self.step
        if not step(result, "plangraph load", self.load_plangraph, result, path, store_dir):
            return  # everything below needs the store
        step(result, "EmbeddedStore.load", self.in_child, result, self.load_embedded_in_process, path)
        if self.virtuoso:
            step(result, "Virtuoso bulk load", self.load_virtuoso, result, path, virtuoso_dir)

        # in this process: raw pyoxigraph, the embedded store (both paths), rdflib (last: its millions of Python
        # objects slow every garbage collection after them)
        step(result, "pyoxigraph", self.inprocess_pyoxigraph, result, path, pools)
        step(result, "EmbeddedStore", self.in_child, result, self.inprocess_embedded, store_dir, pools)
        if self.rdflib_allowed(n):
            step(result, "rdflib", self.inprocess_rdflib, result, path, pools)
        else:
            result.notes.append("rdflib (in process and rdflib-endpoint) not run at this size (--rdflib-1m runs it).")

        # over HTTP, one server at a time
        step(result, "plangraph serve", self.http_plangraph, result, store_dir, pools, throughput)
        step(result, "plangraph serve (cache)", self.http_plangraph_cached, result, store_dir, pools)
        if self.rdflib_allowed(n):
            step(result, "rdflib-endpoint", self.http_rdflib_endpoint, result, path, pools)
        if self.virtuoso and "Virtuoso bulk_load" in result.load:
            step(result, "Virtuoso", self.http_virtuoso, result, virtuoso_dir, pools, throughput)
        if validate:
            step(result, "validation", self.in_child, result, self.validation, store_dir, pools)
        self.check_sizes(result)
        self.observations(result)

    def in_child(self, result: SizeResult, action: Callable[..., None], *args: Any) -> None:
        """Run `action(result, *args)` in a forked child and take over what it wrote into `result`.

        For every part that opens the embedded store in this process: `EmbeddedStore.close()` leaves the Oxigraph
        store open (its RocksDB lock held: WorkerPool's atexit hook keeps the store alive), so a store opened here
        could not be opened again by the server or by the next part. A child's store closes when the child ends.
        """
        import multiprocessing
        import traceback

        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)

        def child() -> None:
            try:
                action(result, *args)
                send.send(("ok", result))
            except BaseException as error:
                send.send(("error", f"{type(error).__name__}: {error}\n{traceback.format_exc()}"))

        process = context.Process(target=child)
        process.start()
        try:
            if not receive.poll(self.args.cell_budget * 40 + 600):
                raise TimeoutError("the child did not finish in time")
            kind, outcome = receive.recv()
            process.join(60)
        finally:
            if process.is_alive():
                process.kill()
                process.join(10)
        if kind != "ok":
            raise RuntimeError(outcome)
        result.__dict__.update(outcome.__dict__)

    @staticmethod
    def step(result: SizeResult, name: str, action: Callable[..., None], *args: Any) -> bool:
        """Run one part; a failure is noted in the report and the bench goes on with the next part."""
        try:
            action(*args)
            return True
        except Exception as error:
            log(f"{name} failed: {type(error).__name__}: {error}")
            result.notes.append(f"{name} failed: {type(error).__name__}: {str(error)[:1000]}")
            return False
        finally:
            gc.collect()  # what the part held in memory (a store, rdflib's dataset) goes before the next part

    # --- loading ----------------------------------------------------------------------------------------------------

    def load_plangraph(self, result: SizeResult, path: Path, store_dir: Path) -> None:
        shutil.rmtree(store_dir, ignore_errors=True)
        log(f"plangraph load {path.name} -> {store_dir}")
        seconds, peak, _ = run_measured([str(PLANGRAPH), "load", str(path), "--store", str(store_dir)], timeout=1800)
        result.load["plangraph load (CLI)"] = seconds
        result.memory["plangraph load (CLI) peak RSS"] = peak

    @staticmethod
    def load_embedded_in_process(result: SizeResult, path: Path) -> None:
        from plangraph.formats import format_for_path
        from plangraph.store.embedded import EmbeddedStore

        scratch = path.parent / f"store-scratch-{result.label}"
        shutil.rmtree(scratch, ignore_errors=True)
        fmt = format_for_path(path.name)
        assert fmt is not None
        store = EmbeddedStore(scratch, workers=1)
        try:
            began = time.perf_counter()
            store.load(path, fmt, None)
            result.load["EmbeddedStore.load (in process)"] = time.perf_counter() - began
        finally:
            store.close()
            shutil.rmtree(scratch, ignore_errors=True)

    def load_virtuoso(self, result: SizeResult, path: Path, virtuoso_dir: Path) -> None:
        shutil.rmtree(virtuoso_dir, ignore_errors=True)
        log(f"Virtuoso bulk load -> {virtuoso_dir}")
        with local_virtuoso.LocalVirtuoso(virtuoso_dir) as server:
            result.load["Virtuoso start-up (empty database)"] = server.startup_seconds or float("nan")
            server.bulk_load(PUBLISHED, VIRTUOSO_GRAPH)
            result.load["Virtuoso bulk_load"] = server.bulk_load(path, VIRTUOSO_GRAPH)
            assert server.pid is not None
            result.memory["Virtuoso server peak RSS after load"] = peak_mb(server.pid)

    # --- in process -------------------------------------------------------------------------------------------------

    def queries(self, result: SizeResult, table: dict[str, dict[str, Cell]], engine: str, pools: dict[str, Any],
                run: Callable[[str, str], tuple[float, int | None]]) -> None:
        cells = table.setdefault(engine, {})
        for name in QUERIES:
            cells[name] = timed_runs(lambda i, name=name: run(name, synthetic.render_query(name, pools, i)),
                                     self.args.runs, self.args.cell_budget)
            cell = cells[name]
            shown = f"{cell.median:.2f} ms" if cell.median is not None else cell.error
            log(f"  {engine:16} {name:4} {shown} ({len(cell.times)} runs)")
            if cell.error:
                result.notes.append(f"{engine}, {name}: {cell.error}")
            if cell.first_error:
                result.notes.append(f"{engine}, {name}: the warm-up failed once ({cell.first_error}) and was "
                                    "tried again.")

    def inprocess_pyoxigraph(self, result: SizeResult, path: Path, pools: dict[str, Any]) -> None:
        import pyoxigraph as ox

        log("pyoxigraph in memory")
        store = ox.Store()
        store.bulk_load(path=str(PUBLISHED), format=ox.RdfFormat.TRIG)
        before = rss_mb()
        began = time.perf_counter()
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        result.load["pyoxigraph Store().bulk_load (in memory)"] = time.perf_counter() - began
        result.memory["pyoxigraph in-memory store, RSS growth"] = rss_mb() - before

        def run(name: str, text: str) -> tuple[float, int | None]:
            began = time.perf_counter()
            rows = list(store.query(text, use_default_graph_as_union=True))
            ms = (time.perf_counter() - began) * 1000
            return ms, len(set(rows)) if name in GRAPH_FORMS else len(rows)

        self.queries(result, result.inprocess, "pyoxigraph", pools, run)  # the store goes with this frame

    def inprocess_embedded(self, result: SizeResult, store_dir: Path, pools: dict[str, Any]) -> None:
        from plangraph.answers import Answers
        from plangraph.sparql import DatasetSpec, Limits, format_from_parameter
        from plangraph.sparql_text import inspect
        from plangraph.store.embedded import EmbeddedStore

        log("EmbeddedStore in process")
        store = EmbeddedStore(store_dir, workers=4)
        limits = Limits(timeout=60, results=100_000)
        try:
            # The pool forks its first worker now. Rarely, a worker forked right after the store was opened never
            # answers (seen with a freshly loaded 1M store: a lock of the store's background threads held at the
            # fork?); the pool kills it at the deadline. A short deadline here, so that it costs seconds, not the
            # first query's 60 s; sequential queries then reuse the worker that answered.
            ask = inspect("ASK {}")
            for attempt in range(3):
                try:
                    store.answer(ask, DatasetSpec(), format_from_parameter("ASK", ["json"]), Limits(timeout=10))
                    break
                except Exception as error:
                    result.notes.append(f"EmbeddedStore.answer: the first query after opening the store (ASK {{}}, "
                                        f"attempt {attempt + 1}) failed: {describe_error(error)}")

            def answer(name: str, text: str) -> tuple[float, int | None]:
                began = time.perf_counter()
                query = inspect(text)
                fmt = format_from_parameter(query.form, ["nt" if name in GRAPH_FORMS else "json"])
                found = store.answer(query, DatasetSpec(), fmt, limits)
                ms = (time.perf_counter() - began) * 1000
                return ms, count_body(found.body, found.media_type)

            def direct(name: str, text: str) -> tuple[float, int | None]:
                began = time.perf_counter()
                size = len(store.construct(text)) if name in GRAPH_FORMS else len(store.select(text))
                return (time.perf_counter() - began) * 1000, size

            self.queries(result, result.inprocess, "embedded answer", pools, answer)
            self.queries(result, result.inprocess, "embedded direct", pools, direct)

            # the result cache, in process: the same Q2 again (Answers.answer, a hit after the first)
            service = Answers(store, limits)
            query = inspect(synthetic.render_query("q2", pools, 0))
            fmt = format_from_parameter(query.form, ["json"])
            service.answer(query, DatasetSpec(), fmt)
            hits = []
            for _ in range(max(self.args.runs, 5) * 20):
                began = time.perf_counter()
                service.answer(query, DatasetSpec(), fmt)
                hits.append((time.perf_counter() - began) * 1e6)
            result.cache_inprocess_us = statistics.median(hits)
        finally:
            store.close()

    def inprocess_rdflib(self, result: SizeResult, path: Path, pools: dict[str, Any]) -> None:
        from rdflib import Dataset

        log("rdflib Dataset in memory")
        dataset = Dataset(default_union=True)
        dataset.parse(PUBLISHED, format="trig")
        before = rss_mb()
        began = time.perf_counter()
        dataset.parse(path, format="nquads")
        result.load["rdflib Dataset().parse"] = time.perf_counter() - began
        result.memory["rdflib Dataset, RSS growth"] = rss_mb() - before

        def run(name: str, text: str) -> tuple[float, int | None]:
            began = time.perf_counter()
            rows = list(dataset.query(text))
            return (time.perf_counter() - began) * 1000, len(rows)

        self.queries(result, result.inprocess, "rdflib", pools, run)  # the dataset goes with this frame

    # --- over HTTP --------------------------------------------------------------------------------------------------

    def http_queries(self, result: SizeResult, engine: str, client: Client, pools: dict[str, Any],
                     params: Callable[[str, str], list[tuple[str, str]]] | None = None) -> None:
        def run(name: str, text: str) -> tuple[float, int | None]:
            accept = NTRIPLES if name in GRAPH_FORMS else JSON
            status, body, ms, media_type = client.get(params(name, text) if params else [("query", text)], accept)
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {body[:300].decode('utf-8', errors='replace')}")
            return ms, count_body(body, media_type)

        self.queries(result, result.http, engine, pools, run)

    def throughput(self, port: int, path: str, pools: dict[str, Any],
                   params: Callable[[str], list[tuple[str, str]]] | None = None) -> tuple[float, int, int]:
        """Q1 from 8 client threads for --throughput-seconds: (answers per second, errors, seconds)."""
        clients = 8
        ok, errors = [0] * clients, [0] * clients
        stop_at = time.monotonic() + self.args.throughput_seconds

        def work(k: int) -> None:
            client = Client(port, path)
            i = 1 + k * 250
            while time.monotonic() < stop_at:
                text = synthetic.render_query("q1", pools, i)
                try:
                    status, body, _, _ = client.get(params(text) if params else [("query", text)], NTRIPLES)
                    if status == 200 and body.strip():
                        ok[k] += 1
                    else:
                        errors[k] += 1
                except Exception:
                    errors[k] += 1
                    client.close()
                i += 1
            client.close()

        threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(clients)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.args.throughput_seconds + REQUEST_TIMEOUT + 10)
        seconds = time.monotonic() - began
        return sum(ok) / seconds, sum(errors), round(seconds)

    def http_plangraph(self, result: SizeResult, store_dir: Path, pools: dict[str, Any], throughput: bool) -> None:
        log("plangraph serve (cache off)")
        with plangraph_server(store_dir, cache=False, logs=self.logs) as server:
            client = Client(server.port, "/sparql")
            self.http_queries(result, "plangraph", client, pools)
            client.close()
            if throughput:
                result.throughput["plangraph"] = self.throughput(server.port, "/sparql", pools)
                log(f"  throughput plangraph {result.throughput['plangraph']}")
            result.memory["plangraph serve peak RSS (main process)"] = peak_mb(server.process.pid)

    def http_plangraph_cached(self, result: SizeResult, store_dir: Path, pools: dict[str, Any]) -> None:
        log("plangraph serve (cache on, default size)")
        with plangraph_server(store_dir, cache=True, logs=self.logs) as server:
            client = Client(server.port, "/sparql")
            text = synthetic.render_query("q2", pools, 0)

            def run(i: int) -> tuple[float, int | None]:
                status, body, ms, media_type = client.get([("query", text)], JSON)
                if status != 200:
                    raise RuntimeError(f"HTTP {status}")
                return ms, count_body(body, media_type)

            result.cache_http = timed_runs(run, max(self.args.runs, 5) * 4, self.args.cell_budget)
            client.close()

    def http_rdflib_endpoint(self, result: SizeResult, path: Path, pools: dict[str, Any]) -> None:
        log("rdflib-endpoint")
        with rdflib_endpoint_server([PUBLISHED, path], self.logs) as server:
            result.load["rdflib-endpoint start-up (parse, until it answers)"] = time.monotonic() - server.started
            client = Client(server.port, "/")
            self.http_queries(result, "rdflib-endpoint", client, pools)
            client.close()
            result.memory["rdflib-endpoint peak RSS"] = peak_mb(server.process.pid)

    def http_virtuoso(self, result: SizeResult, virtuoso_dir: Path, pools: dict[str, Any], throughput: bool) -> None:
        log("Virtuoso")
        with local_virtuoso.LocalVirtuoso(virtuoso_dir) as server:
            client = Client(server.http_port, "/sparql")
            # Virtuoso's DESCRIBE without a dataset may answer nothing: then ask in CBD mode (same query otherwise)
            describe_prefix = ""
            probe = synthetic.render_query("q1", pools, 0)
            status, body, _, media_type = client.get([("query", probe)], NTRIPLES)
            if status != 200 or not count_body(body, media_type):
                describe_prefix = 'DEFINE sql:describe-mode "CBD"\n'
                result.notes.append("Virtuoso answered Q1 (DESCRIBE) without a dataset with nothing; "
                                    'it was asked with DEFINE sql:describe-mode "CBD".')

            def params(name: str, text: str) -> list[tuple[str, str]]:
                return [("query", describe_prefix + text if name == "q1" else text)]

            self.http_queries(result, "virtuoso", client, pools, params)
            client.close()
            if throughput:
                result.throughput["virtuoso"] = self.throughput(server.http_port, "/sparql", pools,
                                                                lambda text: [("query", describe_prefix + text)])
                log(f"  throughput virtuoso {result.throughput['virtuoso']}")
            assert server.pid is not None
            result.memory["Virtuoso server peak RSS after queries"] = peak_mb(server.pid)

    # --- validation -------------------------------------------------------------------------------------------------

    def validation(self, result: SizeResult, store_dir: Path, pools: dict[str, Any]) -> None:
        from rdflib import Graph

        from plangraph.lookups import entry_context
        from plangraph.resources import shapes_graph
        from plangraph.store.embedded import EmbeddedStore
        from plangraph.validate import validate_entry

        log("validation of a new measure in context")
        store = EmbeddedStore(store_dir, workers=1)
        try:
            entry_text, facts = new_measure_entry(store, pools)
            entry = Graph().parse(data=entry_text, format="turtle")
            shapes = shapes_graph()
            context_ms, validate_ms, totals = [], [], []
            context_size, report = 0, None
            for run in range(6):  # a warm-up, then 5
                began = time.perf_counter()
                context = entry_context(store, entry)
                middle = time.perf_counter()
                report = validate_entry(entry, context, shapes)
                ended = time.perf_counter()
                context_size = len(context)
                if run:
                    context_ms.append((middle - began) * 1000)
                    validate_ms.append((ended - middle) * 1000)
                    totals.append((ended - began) * 1000)
            assert report is not None
            alone = []  # the fixed cost of SHACL: the entry validated with an empty context
            for _ in range(3):
                began = time.perf_counter()
                validate_entry(entry, Graph(), shapes)
                alone.append((time.perf_counter() - began) * 1000)
            result.validation = {
                "entry_alone_ms": statistics.median(alone),
                "total_ms": statistics.median(totals), "context_ms": statistics.median(context_ms),
                "validate_ms": statistics.median(validate_ms), "context_triples": context_size,
                "entry_triples": len(entry), "conforms": report.conforms,
                "problems": [f"{p.severity}: {p.message('en')} (focus {p.focus}, path {p.path})"
                             for p in report.problems],
                **facts,
            }
            log(f"  validation {result.validation['total_ms']:.1f} ms, conforms {report.conforms}")
        except Exception as error:
            result.notes.append(f"validation failed: {type(error).__name__}: {error}")
        finally:
            store.close()

    # --- answers agree? ---------------------------------------------------------------------------------------------

    @staticmethod
    def observations(result: SizeResult) -> None:
        """Figures a reader should not miss, said in words."""
        for name in QUERIES:
            answer_ms = median_of(result.inprocess, "embedded answer", name)
            rdflib_ms = median_of(result.inprocess, "rdflib", name)
            if answer_ms and rdflib_ms and rdflib_ms < answer_ms:
                result.notes.append(f"{name}: rdflib in process ({ms(rdflib_ms)} ms) is faster than the embedded "
                                    f"store's `answer` ({ms(answer_ms)} ms).")
            overhead = difference(median_of(result.http, "plangraph", name), answer_ms)
            if overhead is not None and overhead < 0:
                result.notes.append(f"{name}: over HTTP plangraph ({ms(median_of(result.http, 'plangraph', name))} ms)"
                                    f" was faster than `EmbeddedStore.answer` in process ({ms(answer_ms)} ms): the "
                                    "difference is run-to-run noise (other parameters per run, a shared machine), "
                                    "not a negative overhead.")

    def check_sizes(self, result: SizeResult) -> None:
        """Answer sizes per parameter index must agree across engines (DESCRIBE differs by design: not compared)."""
        engines = {**{f"{e} (in process)": c for e, c in result.inprocess.items()},
                   **{f"{e} (HTTP)": c for e, c in result.http.items()}}
        for name in QUERIES:
            if name == "q1":
                continue
            seen: dict[int, dict[str, int | None]] = {}
            for engine, cells in engines.items():
                cell = cells.get(name)
                if cell is None or cell.error:
                    continue
                for i, size in cell.sizes.items():
                    seen.setdefault(i, {})[engine] = size
            for i, sizes in sorted(seen.items()):
                if len(set(sizes.values())) > 1:
                    shown = ", ".join(f"{e} {s}" for e, s in sizes.items())
                    result.notes.append(f"{name} parameter {i}: answer sizes differ: {shown}")


def new_measure_entry(store: Any, pools: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A new measure (Turtle) under an existing action goal of the synthetic data: the next notation of that goal,
    labels, a description, the department, target group and place of a sibling measure, a qualified attribution."""
    goal = str(pools["action_goals"][0])
    rows = store.select(f"""
        PREFIX pg: <https://w3id.org/plangraph/def#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?goalNotation ?notation ?department ?departmentLabel ?group ?groupLabel ?place WHERE {{
          <{goal}> skos:notation ?goalNotation .
          ?measure pg:servesGoal <{goal}> ; skos:notation ?notation ; prov:wasAttributedTo ?department ;
                   dcterms:audience ?group .
          OPTIONAL {{ ?department skos:prefLabel ?departmentLabel FILTER (LANG(?departmentLabel) = "de") }}
          OPTIONAL {{ ?group skos:prefLabel ?groupLabel FILTER (LANG(?groupLabel) = "de") }}
          OPTIONAL {{ ?measure dcterms:spatial ?place }}
        }} ORDER BY ?notation""")
    if not rows:
        raise RuntimeError(f"no measure serves the action goal {goal}")
    first = rows[0]
    goal_notation = str(first["goalNotation"])
    numbers = [int(m.group(1)) for r in rows if (m := re.search(r"\.(\d+)$", str(r["notation"])))]
    number = max(numbers, default=0) + 1
    notation = f"{goal_notation}.{number}"
    measure = goal.replace("/handlungsziel/", "/massnahme/").rsplit("/", 1)[0] + f"/{goal_notation}-{number}"
    department, group = str(first["department"]), str(first["group"])
    department_label = str(first.get("departmentLabel", department.rsplit("/", 1)[-1]))
    group_label = str(first.get("groupLabel", group.rsplit("/", 1)[-1]))
    slug = department.rsplit("/", 1)[-1]
    place = f"\n    dcterms:spatial <{first['place']}> ;" if "place" in first else ""
    text = f"""\
@prefix pg:      <https://w3id.org/plangraph/def#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix dcat:    <http://www.w3.org/ns/dcat#> .

<{measure}> a pg:Measure ;
    skos:notation "{notation}" ;
    rdfs:label "Maßnahme {notation}"@de , "Measure {notation}"@en ;
    dcterms:description "Die Ergebnisse des Monitorings werden jährlich in den Stadtbezirken vorgestellt."@de ;
    pg:servesGoal <{goal}> ;
    pg:responsibleText "{department_label}"@de ;
    prov:wasAttributedTo <{department}> ;
    prov:qualifiedAttribution <{measure}#verantwortlich-{slug}> ;
    pg:targetGroupText "{group_label}"@de ;
    dcterms:audience <{group}> ;{place}
    .

<{measure}#verantwortlich-{slug}> a prov:Attribution ;
    prov:agent <{department}> ;
    dcat:hadRole pg:RoleResponsible .
"""
    return text.replace(" ;\n    .\n", " .\n"), {"measure": measure, "goal": goal, "notation": notation}


# --- the report -----------------------------------------------------------------------------------------------------

def ms(value: float | None) -> str:
    if value is None or value != value:
        return "–"
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}" if value < 1000 else f"{value:,.0f}"


def cell_text(cell: Cell | None, runs: int) -> str:
    if cell is None:
        return "–"
    if cell.error:
        return "error"
    shown = ms(cell.median)
    return shown if len(cell.times) >= runs else f"{shown} (n={len(cell.times)})"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def difference(minuend: float | None, subtrahend: float | None) -> float | None:
    return None if minuend is None or subtrahend is None else minuend - subtrahend


def times(value: float | None) -> str:
    return "–" if value is None else (f"×{value:.1f}" if value < 100 else f"×{value:,.0f}")


def median_of(table: dict[str, dict[str, Cell]], engine: str, name: str) -> float | None:
    cell = table.get(engine, {}).get(name)
    return cell.median if cell is not None else None


def answer_size(result: SizeResult, name: str) -> str:
    for table, engine in ((result.inprocess, "pyoxigraph"), (result.http, "plangraph")):
        cell = table.get(engine, {}).get(name)
        if cell is not None and cell.sizes:
            values = [v for v in cell.sizes.values() if v is not None]
            if values:
                return f"{min(values)}–{max(values)}" if min(values) != max(values) else str(values[0])
    return "–"


QUERY_TITLES = {"q1": "Q1 DESCRIBE measure", "q1c": "Q1c measure (CONSTRUCT)", "q2": "Q2 measures of a department",
                "q3": "Q3 measures per target group", "q4": "Q4 latest indicator per place",
                "q5": "Q5 text search", "q6": "Q6 subtree of a goal"}


def size_section(result: SizeResult, runs: int) -> list[str]:
    lines = [f"## {result.label}: {result.quads:,} quads + the published dataset ({result.cities} cities, "
             f"{result.measures:,} measures; {result.megabytes:.1f} MB of N-Quads)", "",
             f"Median milliseconds of {runs} runs after a warm-up, each run with other parameters "
             "(n=… where a slow cell stopped early). In process: `EmbeddedStore.answer` (the public path: worker "
             "pool, serialised answer), `EmbeddedStore.select/construct` (the trusted path, rdflib terms), raw "
             "pyoxigraph in memory, rdflib's in-memory `Dataset`. Over HTTP: keep-alive GET, Accept SPARQL JSON "
             "(SELECT) or N-Triples (CONSTRUCT, DESCRIBE).", "",
             "| query | embedded answer | embedded direct | pyoxigraph | rdflib | plangraph HTTP "
             "| rdflib-endpoint HTTP | Virtuoso HTTP | HTTP overhead ms | plangraph ÷ Virtuoso | embedded vs rdflib | "
             "plangraph vs rdflib-endpoint | answer size |",
             "|---|" + "---:|" * 12]
    for name in QUERIES:
        answer_ms = median_of(result.inprocess, "embedded answer", name)
        plangraph_ms = median_of(result.http, "plangraph", name)
        overhead = difference(plangraph_ms, answer_ms)
        versus_virtuoso = ratio(plangraph_ms, median_of(result.http, "virtuoso", name))
        lines.append("| " + " | ".join([
            QUERY_TITLES[name],
            *(cell_text(result.inprocess.get(e, {}).get(name), runs) for e in INPROCESS),
            *(cell_text(result.http.get(e, {}).get(name), runs) for e in OVER_HTTP),
            "–" if overhead is None else f"{overhead:+.2f}",
            "–" if versus_virtuoso is None else f"{versus_virtuoso:.2f}",
            times(ratio(median_of(result.inprocess, "rdflib", name), answer_ms)),
            times(ratio(median_of(result.http, "rdflib-endpoint", name), plangraph_ms)),
            answer_size(result, name),
        ]) + " |")
    lines += ["", f"Load average of the machine when this size was done: {result.load_average}."]
    lines += ["", "| loading | seconds |", "|---|---:|"]
    lines += [f"| {what} | {seconds:.2f} |" for what, seconds in result.load.items()]
    lines += ["", "| memory | MB |", "|---|---:|"]
    lines += [f"| {what} | {mb:,.0f} |" for what, mb in result.memory.items()]
    lines += ["", "| other | figure |", "|---|---|"]
    if result.cache_http is not None:
        lines.append(f"| Q2 repeated (same text) from plangraph's cache, HTTP median of {len(result.cache_http.times)}"
                     f" | {cell_text(result.cache_http, 0)} ms |")
    if result.cache_inprocess_us is not None:
        lines.append(f"| the same cache hit in process (`Answers.answer`), median | "
                     f"{result.cache_inprocess_us:.1f} µs |")
    for engine, (rps, errors, seconds) in result.throughput.items():
        lines.append(f"| Q1 throughput, 8 client threads, {seconds} s: {engine} | {rps:,.0f} answers/s, "
                     f"{errors} errors |")
    if result.validation is not None:
        v = result.validation
        lines.append(f"| validating one new measure in context (`entry_context` + `validate_entry`), median of 5 | "
                     f"{v['total_ms']:.1f} ms (context {v['context_ms']:.1f} ms, SHACL {v['validate_ms']:.1f} ms) |")
        lines.append(f"| … its context / entry | {v['context_triples']:,} / {v['entry_triples']} triples; "
                     f"conforms: {'yes' if v['conforms'] else 'no'} |")
        lines.append(f"| … `validate_entry` of the entry with an empty context (SHACL's fixed cost), median of 3 | "
                     f"{v['entry_alone_ms']:.1f} ms |")
    if result.notes:
        lines += ["", "Notes:", *(f"- {note}" for note in result.notes)]
    return [*lines, ""]


@dataclass
class Verdict:
    target: str
    figures: str
    met: bool | None  # None: not measured


def targets(results: list[SizeResult]) -> list[Verdict]:
    if not results:
        return []
    main = next((r for r in results if r.target == 1_000_000), results[-1])
    at = "" if main.target == 1_000_000 else f" (at {main.label}: 1M was not run)"
    verdicts = []

    def http(result: SizeResult, engine: str, name: str) -> float | None:
        return median_of(result.http, engine, name)

    lookups = {q: http(main, "plangraph", q) for q in ("q1", "q2", "q5", "q6")}
    verdicts.append(Verdict(
        f"lookups Q1, Q2, Q5, Q6: plangraph HTTP p50 < 5 ms at 1M{at}",
        ", ".join(f"{q.upper()} {ms(v)} ms" for q, v in lookups.items()),
        None if None in lookups.values() else all(v < 5 for v in lookups.values() if v is not None)))

    measured = [r for r in results if {"plangraph", "virtuoso"} <= r.throughput.keys()]
    verdicts.append(Verdict(
        "Q1 throughput (8 clients) ≥ Virtuoso's",
        "; ".join(f"{r.label}: plangraph {r.throughput['plangraph'][0]:,.0f}/s ({r.throughput['plangraph'][1]} "
                  f"errors), Virtuoso {r.throughput['virtuoso'][0]:,.0f}/s ({r.throughput['virtuoso'][1]} errors)"
                  for r in measured) or "not measured",
        all(r.throughput["plangraph"][0] >= r.throughput["virtuoso"][0] for r in measured) if measured else None))

    heavy = {q: ratio(http(main, "plangraph", q), http(main, "virtuoso", q)) for q in ("q3", "q4")}
    verdicts.append(Verdict(
        f"Q3, Q4: plangraph HTTP p50 ≤ 2× Virtuoso's{at}",
        ", ".join(f"{q.upper()} {ms(http(main, 'plangraph', q))} vs {ms(http(main, 'virtuoso', q))} ms "
                  f"(×{r:.2f})" if r is not None else f"{q.upper()} –" for q, r in heavy.items()),
        None if None in heavy.values() else all(r <= 2 for r in heavy.values() if r is not None)))

    cached = main.cache_http.median if main.cache_http else None
    verdicts.append(Verdict(
        f"repeated identical query from the cache < 1 ms{at}",
        f"Q2 repeated over HTTP {ms(cached)} ms (the hit itself, in process: "
        f"{main.cache_inprocess_us or float('nan'):.1f} µs)", None if cached is None else cached < 1))

    with_rdflib = [r for r in results if "rdflib" in r.inprocess and "rdflib-endpoint" in r.http]
    if with_rdflib:
        r = with_rdflib[-1]
        speedups = {q: (ratio(median_of(r.inprocess, "rdflib", q), median_of(r.inprocess, "embedded answer", q)),
                        ratio(http(r, "rdflib-endpoint", q), http(r, "plangraph", q))) for q in QUERIES}
        values = [v for pair in speedups.values() for v in pair]
        verdicts.append(Verdict(
            f"every query ≥ 10× faster than rdflib's default store and than rdflib-endpoint (at {r.label}, the "
            "largest size rdflib ran at; embedded `answer` vs rdflib in process, plangraph vs rdflib-endpoint over "
            "HTTP)",
            ", ".join(f"{q.upper()} {times(a)} / {times(b)}" for q, (a, b) in speedups.items()),
            None if None in values else all(v >= 10 for v in values if v is not None)))
    else:
        verdicts.append(Verdict("every query ≥ 10× faster than rdflib's default store and rdflib-endpoint",
                                "not measured", None))

    overheads = {q: difference(http(main, "plangraph", q), median_of(main.inprocess, "embedded answer", q))
                 for q in QUERIES}
    verdicts.append(Verdict(
        f"HTTP overhead ≤ 1 ms over in-process (plangraph HTTP − `EmbeddedStore.answer`, every query){at}",
        ", ".join(f"{q.upper()} {v:+.2f} ms" if v is not None else f"{q.upper()} –" for q, v in overheads.items()),
        None if None in overheads.values() else all(v <= 1 for v in overheads.values() if v is not None)))

    load = main.load.get("plangraph load (CLI)")
    verdicts.append(Verdict(
        f"loading 1M triples < 10 s (`plangraph load`, the whole command){at}",
        f"{load:.2f} s (EmbeddedStore.load in process {main.load.get('EmbeddedStore.load (in process)', 0):.2f} s)"
        if load is not None else "not measured", None if load is None else load < 10))

    validation = results[-1].validation
    verdicts.append(Verdict(
        f"validating one new entry in context on 1M < 100 ms{at}",
        f"{validation['total_ms']:.1f} ms (conforms: {'yes' if validation['conforms'] else 'no'})"
        if validation else "not measured", None if validation is None else validation["total_ms"] < 100))
    return verdicts


def versions() -> dict[str, str]:
    import pyoxigraph
    import rdflib

    found = {"Python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__, "rdflib": rdflib.__version__}
    try:
        from importlib.metadata import version

        found["rdflib-endpoint"] = version("rdflib-endpoint")
        found["plangraph"] = version("plangraph")
    except Exception:
        pass
    try:
        text = subprocess.run(["virtuoso-t", "--version"], capture_output=True, text=True, timeout=30).stderr
        match = re.search(r"Version (\S+)", text)
        found["Virtuoso"] = match.group(1) if match else "unknown"
    except (OSError, subprocess.TimeoutExpired):
        found["Virtuoso"] = "not installed"
    return found


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def report(bench: Bench, command: str) -> str:
    args = bench.args
    found = versions()
    minutes = (time.monotonic() - bench.began) / 60
    memory = _meminfo_gb()
    lines = [
        "# Storage benchmark: embedded Oxigraph vs rdflib, rdflib-endpoint and Virtuoso", "",
        f"Written by `{command}` on {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} "
        f"in {minutes:.1f} minutes.", "",
        f"- Machine: {os.cpu_count()} cores (`nproc` {len(os.sched_getaffinity(0))}), CPU {cpu_model()}, "
        f"{memory:.0f} GB RAM, {platform.system()} {platform.release()}; everything on loopback. Load average "
        f"(1/5/15 min) at the start {bench.load_average}, at the end {load_average()}: other processes (other "
        "people's test runs) may have shared the machine.",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in found.items()) + ".",
        f"- Runs: {args.runs} per cell after one warm-up; a cell stops after {args.cell_budget:g} s; HTTP requests "
        f"time out after {REQUEST_TIMEOUT:g} s. Data: bench/synthetic.py, seed 1, plus data/herne.trig in every store.",
        "- plangraph serve: the embedded store loaded by `plangraph load`, 8 waitress threads, 4 query workers "
        "(`make serve`), PLANGRAPH_QUERY_TIMEOUT=60, PLANGRAPH_RESULT_LIMIT=100000, PLANGRAPH_QUERY_CACHE=0 for "
        "every figure except the cached repeat (a second server with the default cache).",
        "- Virtuoso: scripts/local_virtuoso.py (1.4 GB buffers), the same files bulk-loaded, queried without a "
        "dataset (its default graph is the union of all graphs, its ~5,600 system triples included; they match "
        "none of the query patterns). rdflib-endpoint (uvicorn) serves the same files. The client is Python "
        "(http.client, keep-alive) on the same 2 cores as the servers.",
        f"- rdflib (in process and rdflib-endpoint) ran at sizes up to "
        f"{'1M (--rdflib-1m)' if args.rdflib_1m else '100k; at 1M it is skipped (rerun with --rdflib-1m)'}.",
        "", "## Targets", "",
        "| target | figures | verdict |", "|---|---|---|",
    ]
    for verdict in targets(bench.results):
        shown = "not measured" if verdict.met is None else ("**met**" if verdict.met else "**not met**")
        lines.append(f"| {verdict.target} | {verdict.figures} | {shown} |")
    lines.append("")
    for result in bench.results:
        lines += size_section(result, args.runs)
    validation = bench.results[-1].validation if bench.results else None
    if validation:
        lines += [f"## Validation of a new measure ({bench.results[-1].label})", "",
                  f"New measure `{validation['measure']}` (notation {validation['notation']}) under the action goal "
                  f"`{validation['goal']}`, with labels, description, department, target group, place and a "
                  f"qualified attribution (modelled on tests/data/cli/new-measure-valid.ttl). Conforms: "
                  f"{'yes' if validation['conforms'] else 'no'}; the report says:", ""]
        lines += [f"- {problem}" for problem in validation["problems"]] or ["- (no problems)"]
        lines.append("")
    if bench.notes:
        lines += ["## Notes", "", *(f"- {note}" for note in bench.notes), ""]
    return "\n".join(lines)


def _meminfo_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return float(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda s: [parse_size(p) for p in s.split(",") if p.strip()],
                        default=[10_000, 100_000, 1_000_000], help="comma-separated, e.g. 10k,100k,1M (default)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per cell after one warm-up (default 7)")
    parser.add_argument("--quick", action="store_true", help="10k only, 5 runs, short throughput: under 2 minutes")
    parser.add_argument("--rdflib-1m", action="store_true", help="also run rdflib and rdflib-endpoint above 100k")
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    parser.add_argument("--cell-budget", type=float, default=60.0, help="seconds after which a cell stops (>=1 run)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.runs, args.throughput_seconds, args.cell_budget = [10_000], 5, 3.0, 20.0
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    command = "python bench/storage.py " + " ".join(argv if argv is not None else sys.argv[1:])
    bench = Bench(args)
    try:
        bench.run()
    except KeyboardInterrupt:
        bench.notes.append("interrupted: the figures are incomplete")
        raise
    finally:
        if bench.results:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(report(bench, command.strip()), encoding="utf-8")
            log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
