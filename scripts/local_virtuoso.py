"""A scratch Virtuoso Open Source 7.2 server on loopback, for the remote-store tests and benchmarks.

Debian's ``virtuoso-opensource`` package (installed by ``scripts/install-system-deps.sh test``) provides the binary;
its own service stays off. :class:`LocalVirtuoso` writes a private ``virtuoso.ini`` into a work directory (database,
logs and bulk-load links all live there), starts ``virtuoso-t +foreground`` as a child process bound to 127.0.0.1 on
free ports, waits until ``/sparql`` answers, and opens SPARQL 1.1 Update (on ``/sparql``) and the Graph Store
HTTP Protocol (on ``/sparql-graph-crud``) to anonymous clients::

    with LocalVirtuoso(tmp_path) as vt:
        requests.get(vt.sparql_url, params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"})

Run as a script for a developer instance: ``python scripts/local_virtuoso.py serve DIR [--port N]``.
Timings on the 2-core machine: start-up about 4 s (2-3 s on an existing database), 1M N-Triples bulk-loaded in
about 5 s (:meth:`LocalVirtuoso.bulk_load`).

Quirks of Virtuoso 7.2.5 (Debian 12) that a SPARQL client must handle, each seen with real requests:

* POST with the query as the body (``Content-Type: application/sparql-query``) never answers (the connection
  hangs): send queries by GET or as a form-encoded POST (``query=``). ``application/sparql-update`` bodies work.
* Always send an Accept header. Without one a SELECT is SPARQL XML, CONSTRUCT Turtle, but ASK is ``text/html``;
  a browser's Accept gets an HTML table. Honoured: SELECT/ASK ``application/sparql-results+json`` (JSON), ``+xml``,
  ``text/csv``, ``text/tab-separated-values`` (not valid TSV: quoted header, raw tabs in values; use JSON);
  CONSTRUCT/DESCRIBE ``text/turtle``, ``application/n-triples``, ``application/rdf+xml``, ``application/ld+json``
  (``application/n-quads``: 406).
* Errors are ``text/plain`` without a charset (the body is UTF-8): syntax errors ``400`` ("Virtuoso 37000 Error
  SP030: ..."), execution errors ``500`` (e.g. "Virtuoso 22023 Error SPARUL_DROP() failed ...").
* ``timeout`` (ms) makes an "anytime" query that still answers ``200``: with partial (or no) rows and the headers
  ``X-SQL-State: S1TAT``, ``X-SQL-Message: RC...: Returning incomplete results ...``, ``X-Exec-Milliseconds`` -
  or, for results streamed before the cut, silently truncated with no header at all. It fires about 1-2 s late.
  Do not use it where answers must be complete; use the client's own read timeout instead.
* More rows than ResultSetMaxRows (here 1,000,000) are cut silently, marked only by ``X-SPARQL-MaxRows``.
* The default graph is the union of *all* graphs, including Virtuoso's own (~5,600 system triples in
  ``virtrdf#``, the DAV and OWL graphs): restrict with ``FROM``/``GRAPH``/``default-graph-uri`` (honoured, as is
  ``named-graph-uri``). DESCRIBE without a dataset returns nothing ("# Empty NT"); with ``FROM`` or
  ``default-graph-uri`` it returns the outgoing triples, with ``DEFINE sql:describe-mode "CBD"`` also bnode closure.
* JSON results use the SPARQL 1.0 form ``"type": "typed-literal"`` for every datatyped literal, xsd:boolean
  values are ``"1"``/``"0"``, doubles are canonicalised (``1.0e3`` -> ``1000.0``), language tags lower-cased
  (``de-DE`` -> ``de-de``), ``xml:lang`` keys as in the standard; plain literals stay ``"type": "literal"``.
* Blank nodes: ``INSERT DATA`` rejects them (400 SP031); ``INSERT { ... } WHERE {}`` takes them (up to ~1,000 per
  request, then "generated SQL text has exceeded 10000 lines"), and so does a Graph Store PUT/POST. They come back
  as ``nodeID://b10003`` in JSON (``_:b10003`` in N-Triples), stable, and can be named in a later query as
  ``<nodeID://b10003>``.
* ``INSERT DATA`` takes at most 4,990 ``.``-terminated statements per operation (more: 400 "SP030 ... memory
  exhausted"); ``;``/``,`` lists inside a statement do not count, and several operations joined by ``;`` in one
  request are fine. ~30-45k triples/s in requests of 4,000-5,000 triples; a Graph Store PUT of N-Triples ~70k/s.
* ``DROP GRAPH <g>`` fails (500 "has not been explicitly created before") unless ``<g>`` was made with
  ``CREATE GRAPH``, even with triples in it: use ``DROP SILENT GRAPH`` (removes the triples all the same) or
  ``CLEAR GRAPH`` (both 200, also for a missing graph). Updates answer 200 with a one-row result set, not 204.
* Updates are also accepted by GET (``query=INSERT ...``): do not expose this endpoint to the world.
* Graph Store Protocol on ``/sparql-graph-crud`` (``graph=`` or ``graph-uri=``): PUT 201 (new) / 200, POST 200,
  GET 200/404, DELETE 200/404, HEAD 501, ``?default`` 500; errors are HTML pages (a Turtle syntax error is 500).
  Without the grants made here an anonymous PUT is 403; ``/sparql-graph-crud-auth`` wants HTTP digest auth.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO

VIRTUOSO_BIN = "virtuoso-t"
ISQL_BIN = "isql-vt"
DBA_USER = "dba"
DBA_PASSWORD = "dba"  # a scratch database on loopback: the package's default password is fine
INSTALL_HINT = "run `bash scripts/install-system-deps.sh test` (as root) to install Debian's virtuoso-opensource"

_running: set[LocalVirtuoso] = set()
_running_lock = threading.Lock()


def available() -> bool:
    """Whether the Virtuoso server and its isql client are installed."""
    return _which(VIRTUOSO_BIN) is not None and _which(ISQL_BIN) is not None


def _which(name: str) -> str | None:
    return shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is no obstacle
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _stop_all() -> None:
    with _running_lock:
        servers = list(_running)
    for server in servers:
        server.stop()


atexit.register(_stop_all)


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the parent dies, so even a killed test run leaves no server.

    Linux ties this to the thread that started the child: start servers from the main thread (as pytest does),
    or one started from a worker thread stops when that thread ends.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class VirtuosoError(RuntimeError):
    """The server did not start, or an admin statement failed."""


class _PortTaken(VirtuosoError):
    """The server exited at start-up because one of its ports was in use."""


class LocalVirtuoso:
    """One scratch Virtuoso server in ``workdir``, bound to 127.0.0.1; a context manager that stops it on exit.

    The database files stay in ``workdir``: a second start on the same directory reuses the data. Ports left as
    None are picked free (and picked again, up to three times, should another process take one meanwhile).
    """

    def __init__(self, workdir: Path, http_port: int | None = None, sql_port: int | None = None, *,
                 startup_timeout: float = 60.0, buffers: int = 170_000) -> None:
        self.workdir = Path(workdir).resolve()
        self._fixed_ports = (http_port, sql_port)
        self.http_port, self.sql_port = self._pick_ports()
        self.startup_timeout = startup_timeout
        self.buffers = buffers  # 8 KiB pages: 170000 is about 1.4 GB of page cache, 3/4 of it may be dirty
        self.ini_path = self.workdir / "virtuoso.ini"
        self.log_path = self.workdir / "virtuoso.log"  # the server's stdout and stderr (+foreground echoes its log)
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._log_offset = 0

    def _pick_ports(self) -> tuple[int, int]:
        http_port = self._fixed_ports[0] or free_port()
        sql_port = self._fixed_ports[1] or free_port()
        while sql_port == http_port:
            sql_port = free_port()
        return http_port, sql_port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        """The SPARQL 1.1 query endpoint (GET, or POST form-encoded: never a direct application/sparql-query)."""
        return f"{self.base_url}/sparql"

    @property
    def update_url(self) -> str:
        """Where SPARQL 1.1 Update is accepted: POST ``update=...`` form-encoded, or ``application/sparql-update``."""
        return f"{self.base_url}/sparql"

    @property
    def gsp_url(self) -> str | None:
        """The SPARQL 1.1 Graph Store HTTP Protocol endpoint (``?graph=IRI``), open to anonymous clients."""
        return f"{self.base_url}/sparql-graph-crud"

    # -- life cycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> LocalVirtuoso:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalVirtuoso({str(self.workdir)!r}, http_port={self.http_port}, sql_port={self.sql_port})"

    @property
    def pid(self) -> int | None:
        """The server's process id (None before the first start)."""
        return self._process.pid if self._process else None

    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Write the ini, start the server, wait until SPARQL answers, and open updates to anonymous clients."""
        if self.running():
            return
        binary = _which(VIRTUOSO_BIN)
        if binary is None or not available():
            raise VirtuosoError(f"Virtuoso is not installed ({VIRTUOSO_BIN}/{ISQL_BIN} not found): {INSTALL_HINT}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "vsp").mkdir(exist_ok=True)
        (self.workdir / "load").mkdir(exist_ok=True)
        began = time.monotonic()
        for attempt in range(3):
            taken = [port for port in (self.http_port, self.sql_port) if not _port_free(port)]
            if taken and (attempt == 2 or any(port in self._fixed_ports for port in taken)):
                raise VirtuosoError(f"port {taken[0]} on 127.0.0.1 is already in use")
            if not taken:
                try:
                    self._launch(binary, began)
                    break
                except _PortTaken:
                    if attempt == 2 or None not in self._fixed_ports:
                        raise
            self.http_port, self.sql_port = self._pick_ports()  # the free ports we picked were taken meanwhile
        self.startup_seconds = time.monotonic() - began

    def _launch(self, binary: str, began: float) -> None:
        self.ini_path.write_text(self.ini_text(), encoding="utf-8")
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(self.ini_path)],
            cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        with _running_lock:
            _running.add(self)
        try:
            self._wait_until_ready(began + self.startup_timeout)
            self._open_for_updates()
        except BaseException:
            self.stop()
            raise

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the server (its process group), SIGKILL after ``grace`` seconds, and wait; safe to repeat."""
        process = self._process
        if process is not None and process.poll() is None:
            self._signal(process, signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL)
                process.wait(10)
        with _running_lock:
            _running.discard(self)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    @staticmethod
    def _signal(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the server wrote since its latest start."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._log_offset)
                text = f.read().decode("utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _wait_until_ready(self, deadline: float) -> None:
        query = urllib.parse.urlencode({"query": "ASK {}"})
        request = urllib.request.Request(f"{self.sparql_url}?{query}",
                                         headers={"Accept": "application/sparql-results+json"})
        last_error = "no answer"
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                error = _PortTaken if "Failed to start listening" in self.log_tail(400) else VirtuosoError
                raise error(f"Virtuoso exited with code {self._process.returncode} while starting "
                                    f"(log {self.log_path}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
                    last_error = f"HTTP {response.status}"
            except urllib.error.HTTPError as e:
                last_error = f"HTTP {e.code}"
            except (urllib.error.URLError, OSError) as e:
                last_error = str(e)
            time.sleep(0.2)
        raise VirtuosoError(f"Virtuoso did not answer on {self.sparql_url} within {self.startup_timeout:.0f} s "
                            f"({last_error}; log {self.log_path}):\n{self.log_tail()}")

    def _open_for_updates(self) -> None:
        # /sparql and /sparql-graph-crud run as the SQL user "SPARQL", which may read but not write: an INSERT
        # answers 500 "SR186:SECURITY: No permission to execute procedure DB.DBA.SPARQL_INSERT_DICT_CONTENT" and a
        # GSP PUT 403 "SQ110:SECURITY: Permission denied for delete from DB.DBA.RDF_QUAD". The role SPARQL_UPDATE
        # lifts both; "nobody" (anonymous web access) also gets read + write + list (7) on all graphs.
        # U0013: the role was granted before (a restart on the same database).
        self.isql('GRANT SPARQL_UPDATE TO "SPARQL";\n'
                  "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);\n", ignore=("U0013",))

    # -- configuration --------------------------------------------------------------------------------------

    def ini_text(self) -> str:
        """The scratch ``virtuoso.ini``: everything in ``workdir``, both ports on 127.0.0.1 only."""
        w = self.workdir
        dirs_allowed = ", ".join([".", str(w), str(w / "load"), "/usr/share/virtuoso-opensource-7/vad"])
        return f"""\
; written by scripts/local_virtuoso.py: a scratch server for tests and benchmarks
[Database]
DatabaseFile       = {w}/virtuoso.db
ErrorLogFile       = {w}/virtuoso-error.log
LockFile           = {w}/virtuoso.lck
TransactionFile    = {w}/virtuoso.trx
xa_persistent_file = {w}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {w}/virtuoso-temp.db
TransactionFile    = {w}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{self.sql_port}
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 20
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
CheckpointAuditTrail     = 0
AllowOSCalls             = 0
SchedulerInterval        = 10
DirsAllowed              = {dirs_allowed}
ThreadCleanupInterval    = 0
ThreadThreshold          = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize        = 100000
SingleCPU                = 0
VADInstallDir            = /usr/share/virtuoso-opensource-7/vad/
PrefixResultNames        = 0
RdfFreeTextRulesSize     = 100
IndexTreeMaps            = 64
MaxMemPoolSize           = 200000000
MaxQueryMem              = 2G
VectorSize               = 1000
MaxVectorSize            = 1000000
AdjustVectorSize         = 0
ThreadsPerQuery          = 2
AsyncQueueMaxThreads     = 10
NumberOfBuffers          = {self.buffers}
MaxDirtyBuffers          = {self.buffers * 3 // 4}

[HTTPServer]
ServerPort                  = 127.0.0.1:{self.http_port}
ServerRoot                  = {w}/vsp
MaxClientConnections        = 20
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
TempASPXDir                 = 0
DefaultMailServer           = localhost:25
ServerThreads               = 20
MaxKeepAlives               = 20
KeepAliveTimeout            = 10
MaxCachedProxyConnections   = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize              = 280000
HttpPrintWarningsInOutput   = 0
Charset                     = UTF-8
MaintenancePage             = atomic.html
EnabledGzipContent          = 1

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[URIQA]
DynamicLocal = 0
DefaultHost  = 127.0.0.1:{self.http_port}

[SPARQL]
ResultSetMaxRows           = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 0
DefaultQuery               = SELECT * WHERE {{ ?s ?p ?o }} LIMIT 10
DeferInferenceRulesInit    = 0
"""

    # -- administration -------------------------------------------------------------------------------------

    def isql(self, sql: str, timeout: float = 600.0, ignore: tuple[str, ...] = ()) -> str:
        """Run SQL statements (each ending in ``;``) as dba through isql-vt and return what it printed.

        isql-vt goes on after a failing statement and exits 0, so its output is read: any ``*** Error`` raises,
        except those whose message contains one of ``ignore`` (e.g. a state like ``"U0013"``).
        """
        binary = _which(ISQL_BIN)
        if binary is None:
            raise VirtuosoError(f"{ISQL_BIN} not found: {INSTALL_HINT}")
        completed = subprocess.run(
            [binary, f"127.0.0.1:{self.sql_port}", DBA_USER, DBA_PASSWORD,
             "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT"],
            input=sql.encode("utf-8"), capture_output=True, timeout=timeout, check=False,
        )
        out = completed.stdout.decode("utf-8", errors="replace") + completed.stderr.decode("utf-8", errors="replace")
        errors = [line for line in out.splitlines()
                  if line.startswith("*** Error") and not any(code in line for code in ignore)]
        if completed.returncode != 0 or errors:
            raise VirtuosoError(f"isql failed (exit {completed.returncode}) on:\n{sql}\n{out}")
        return out

    def bulk_load(self, path: Path, graph: str) -> float:
        """Load an RDF file into ``graph`` with Virtuoso's bulk loader; return the seconds it took.

        The format follows the file name: ``.nt``, ``.nq``, ``.ttl``, ``.trig``, ``.rdf``/``.owl``/``.xml``,
        each optionally ``.gz``; quads keep their own graphs. The file is linked into ``workdir/load`` (the
        loader only reads from DirsAllowed), loaded with ``ld_dir`` + ``rdf_loader_run()``, then checkpointed.
        A syntax error raises, but the triples before it stay loaded. 1M N-Triples take about 5 s here.
        """
        source = Path(path).resolve()
        if not source.is_file():
            raise FileNotFoundError(source)
        folder = Path(tempfile.mkdtemp(prefix="bulk-", dir=self.workdir / "load"))
        (folder / source.name).symlink_to(source)
        began = time.monotonic()
        self.isql(f"ld_dir ('{_sql_str(str(folder))}', '{_sql_str(source.name)}', '{_sql_str(graph)}');\n"
                  "rdf_loader_run ();\n"
                  "checkpoint;\n")
        seconds = time.monotonic() - began
        errors = self.isql(f"SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST "
                           f"WHERE ll_file LIKE '{_sql_str(str(folder))}/%' AND ll_error IS NOT NULL;\n")
        if str(folder) in errors:
            raise VirtuosoError(f"bulk load of {source} failed:\n{errors.strip()}")
        return seconds


def _sql_str(value: str) -> str:
    """A value for a single-quoted SQL string literal."""
    return value.replace("\\", "\\\\").replace("'", "''")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A scratch Virtuoso 7.2 server on 127.0.0.1.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start one in the foreground until Ctrl-C")
    serve.add_argument("dir", type=Path, help="work directory (database, ini and logs)")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default: a free one)")
    serve.add_argument("--sql-port", type=int, default=None, help="isql port (default: a free one)")
    args = parser.parse_args(argv)
    if not available():
        print(f"Virtuoso is not installed: {INSTALL_HINT}", file=sys.stderr)
        return 1
    server = LocalVirtuoso(args.dir, http_port=args.port, sql_port=args.sql_port)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even if a shell started us with it ignored
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # the with block below then stops the server
    with server:
        print(f"Virtuoso {server.pid} up in {server.startup_seconds:.1f} s", flush=True)
        print(f"SPARQL endpoint: {server.sparql_url}")
        print(f"SPARQL Update:   {server.update_url} (form-encoded POST, update=...)")
        print(f"Graph Store:     {server.gsp_url}")
        print(f"isql:            isql-vt 127.0.0.1:{server.sql_port} {DBA_USER} {DBA_PASSWORD}")
        print(f"log:             {server.log_path}")
        print("Ctrl-C stops it.", flush=True)
        try:
            while server.running():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        if not server.running():
            print(f"Virtuoso exited:\n{server.log_tail()}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
