"""The clients and the server of bench/load.py: keep-alive connections that time each request, what the mix asks
for (found by a query first), a submitter that keeps what the server acknowledged, and `plangraph serve` started,
SIGKILLed and started again on one store folder."""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from plangraph.iris import DEFAULT_BASE_IRI

ROOT = Path(__file__).resolve().parents[1]
PLANGRAPH = Path(sys.executable).parent / "plangraph"
DATASET = ROOT / "data" / "herne.trig"
EXAMPLES = ROOT / "src" / "plangraph" / "examples"
REQUEST_TIMEOUT = 60.0  # seconds, a guard on every request (the slow query ends at the server's time limit)
START_TIMEOUT = 120.0  # seconds until a started server must answer
JSON = "application/sparql-results+json"
PREFIXES = ("PREFIX pg: <https://w3id.org/plangraph/def#>\nPREFIX prov: <http://www.w3.org/ns/prov#>\n"
            "PREFIX org: <http://www.w3.org/ns/org#>\nPREFIX geo: <http://www.opengis.net/ont/geosparql#>\n")
SEARCHES = ("Sprache Kita", "Integration Arbeit Beratung", "Wohnen Quartier", "Flüchtlinge Ehrenamt",
            "Schule Eltern Bildung", "Gesundheit Frauen Angebote", "Migration Sport Verein")
MIX = {"sparql: example": 20, "sparql: lookup": 20, "page": 30, "search": 10, "catalog": 5, "dump": 3,
       "refused (400/404)": 2}  # kind: weight
SUBMISSION = "submission"
ERROR_NAME = re.compile(r'^\d{3} (\w+):|"error": "(\w+)"')


# --- requests and what came back ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    expect: frozenset[int] = frozenset({200})


@dataclass(frozen=True)
class Sample:
    kind: str
    ms: float
    error: str | None  # None: the expected answer


class Connection:
    """One client's keep-alive connection; it opens again after a failure."""

    def __init__(self, port: int) -> None:
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def send(self, call: Call) -> tuple[Sample, bytes]:
        started = time.perf_counter()
        try:
            self._connection.request(call.method, call.path, body=call.body, headers=call.headers)
            response = self._connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            self._connection.close()
            return Sample(call.kind, (time.perf_counter() - started) * 1000, type(error).__name__), b""
        elapsed = (time.perf_counter() - started) * 1000
        if response.status in call.expect:
            return Sample(call.kind, elapsed, None), body
        named = ERROR_NAME.search(body[:400].decode("utf-8", "replace"))  # plangraph's error class, e.g. QueryTimeout
        name = f" {named.group(1) or named.group(2)}" if named else ""
        return Sample(call.kind, elapsed, f"HTTP {response.status}{name}"), body

    def close(self) -> None:
        self._connection.close()


def sparql_get(query: str, kind: str, expect: frozenset[int] = frozenset({200})) -> Call:
    return Call(kind, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), {"Accept": JSON}, None, expect)


def select(port: int, query: str) -> list[dict[str, str]]:
    """A SELECT over HTTP for the bench's own bookkeeping (crawl, checks): rows of plain values."""
    sample, body = Connection(port).send(sparql_get(query, "bookkeeping"))
    if sample.error:
        raise RuntimeError(f"bookkeeping query failed: {sample.error}: {body[:500]!r}")
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]


# --- what the clients ask for ------------------------------------------------------------------------------------

@dataclass
class Targets:
    """What the load asks for: resource pages by kind (paths) and measure IRIs (for submissions)."""

    pages: dict[str, list[str]]
    measures: list[str]
    examples: list[str]

    @classmethod
    def crawl(cls, port: int) -> Targets:
        rows = select(port, PREFIXES + f"""SELECT DISTINCT ?kind ?s WHERE {{
            VALUES (?kind ?class) {{ ("measure" pg:Measure) ("goal" pg:ActionGoal) ("goal" pg:GuidingGoal)
                ("place" geo:Feature) ("department" org:OrganizationalUnit) ("department" org:Organization) }}
            ?s a ?class . FILTER (STRSTARTS(STR(?s), "{DEFAULT_BASE_IRI}") && !CONTAINS(STR(?s), "#")) }}""")
        pages: dict[str, list[str]] = {}
        for row in rows:
            pages.setdefault(row["kind"], []).append("/" + row["s"][len(DEFAULT_BASE_IRI):])
        measures = sorted(row["s"] for row in rows if row["kind"] == "measure")
        examples = [path.read_text("utf-8") for path in sorted(EXAMPLES.glob("*.rq"))]
        missing = {"measure", "goal", "place", "department"} - set(pages)
        if missing or not examples:
            raise RuntimeError(f"the crawl found no {', '.join(sorted(missing)) or 'example queries'}")
        return cls({k: sorted(v) for k, v in pages.items()}, measures, examples)

    def call(self, kind: str, rng: random.Random, nonce: str) -> Call:
        if kind == "sparql: example":
            return sparql_get(rng.choice(self.examples), kind)
        if kind == "sparql: lookup":
            path = rng.choice(rng.choice(list(self.pages.values())))
            return sparql_get(f"# {nonce}\nSELECT ?p ?o WHERE {{ <{DEFAULT_BASE_IRI}{path[1:]}> ?p ?o }} LIMIT 100",
                              kind)
        if kind == "page":
            accept = "text/turtle" if rng.random() < 0.2 else "text/html"
            return Call(kind, "GET", rng.choice(rng.choice(list(self.pages.values()))), {"Accept": accept})
        if kind == "search":
            return Call(kind, "GET", "/search?" + urllib.parse.urlencode({"q": rng.choice(SEARCHES)}),
                        {"Accept": "text/html"})
        if kind == "catalog":
            return Call(kind, "GET", "/catalog", {"Accept": rng.choice(("text/turtle", "text/html"))})
        if kind == "dump":
            return Call(kind, "GET", rng.choice(("/downloads/herne.ttl", "/downloads/herne.nt")), {})
        assert kind == "refused (400/404)"
        if rng.random() < 0.5:
            return sparql_get("SELECT ?s WHERE { ?s ?p }", kind, frozenset({400}))
        return Call(kind, "GET", f"/wohnen-und-stadtentwicklung/massnahme/Z{nonce.split()[-1]}",
                    {"Accept": "text/html"}, None, frozenset({404}))


# --- submissions ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Receipt:
    activity: str
    entity: str
    text: str


@dataclass
class Submitter:
    """Posts status reports; keeps what the server acknowledged (201) and what it never answered."""

    port: int
    token: str
    measures: list[str]
    label: str
    acknowledged: list[Receipt] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    _count: int = 0

    def loop(self, stop: threading.Event, every: float, rng: random.Random) -> None:
        connection = Connection(self.port)
        while not stop.is_set():
            started = time.monotonic()
            self.submit_one(connection, rng)
            stop.wait(max(0.0, every - (time.monotonic() - started)))
        connection.close()

    def submit_one(self, connection: Connection, rng: random.Random) -> None:
        self._count += 1
        text = f"Lastprobe {self.label} {self._count}."
        measure, day = rng.choice(self.measures), datetime.date(2025, 1, 1) + datetime.timedelta(rng.randrange(365))
        body = f"""@prefix pg: <https://w3id.org/plangraph/def#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix adms: <http://www.w3.org/ns/adms#> .
<{measure}#status-{day}> a pg:StatusReport ; pg:statusOf <{measure}> ; dcterms:date "{day}"^^xsd:date ;
    adms:status pg:StatusInProgress ; pg:statusText "{text}"@de .
"""
        call = Call(SUBMISSION, "POST", "/api/submissions",
                    {"Content-Type": "text/turtle; charset=utf-8", "Accept": "application/json",
                     "Authorization": f"Bearer {self.token}"}, body.encode("utf-8"), frozenset({201}))
        sample, answer = connection.send(call)
        self.samples.append(sample)
        if sample.error is None:
            receipt = json.loads(answer)
            self.acknowledged.append(Receipt(receipt["submission"], receipt["entities"][0], text))
        elif not answer:
            self.unanswered.append(text)


# --- the server ------------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`plangraph serve` on a free loopback port over one store folder; started again after a kill."""

    def __init__(self, workdir: Path, settings: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PLANGRAPH_")} | settings
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0

    def start(self) -> float:
        """Start and wait until it answers; the seconds that took."""
        self.port, self.starts = free_port(), self.starts + 1
        started = time.monotonic()
        with (self.workdir / f"serve-{self.starts}.log").open("wb") as sink:
            self.process = subprocess.Popen(
                [str(PLANGRAPH), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--dataset", str(DATASET)],
                stdout=sink, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT)
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"plangraph serve exited with {self.process.returncode}: {self.log()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if not Connection(self.port).send(Call("start", "GET", "/", {"Accept": "text/html"}))[0].error:
                    return time.monotonic() - started
            except OSError:
                pass
            if time.monotonic() - started > START_TIMEOUT:
                raise RuntimeError(f"plangraph serve did not answer within {START_TIMEOUT:g} s")
            time.sleep(0.1)

    def kill(self) -> list[int]:
        """SIGKILL the server; the ids of its query workers (its children), which must end on their own."""
        assert self.process is not None
        workers = children(self.process.pid)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        return workers

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)

    def log(self) -> str:
        return "\n".join(path.read_text("utf-8", "replace") for path in sorted(self.workdir.glob("serve-*.log")))


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def left_running(workers: list[int]) -> int:
    """How many of a killed server's workers were still running 5 s later (those are then killed, by their ids)."""
    deadline = time.monotonic() + 5
    while (left := [pid for pid in workers if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return len(left)


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
