"""Load and faults: `plangraph serve` as `make serve` runs it, under a mixed load of concurrent clients, then with
slow queries beside that load, then killed (SIGKILL) in the middle of the load and of a submission. One command
writes the Markdown report (bench/LOAD.md):

    .venv/bin/python bench/load.py --out bench/LOAD.md          # 50 clients, 60 s per phase, two kills: ~4 minutes
    .venv/bin/python bench/load.py --quick --out /tmp/load.md    # 10 clients, 5 s per phase, short kills: ~30 s

The server: the embedded store in a temporary folder, loaded from data/herne.trig, waitress threads, query workers,
time limit, result limit and cache as their defaults (--query-timeout changes only the time limit), and a tokens
file with one token, so that submissions are on. It listens on a free loopback port; nothing leaves the machine.

(a) Mixed load: every client is a thread with its own keep-alive connection (http.client) that sends its next
request as soon as the previous answer is read (a closed loop; --think adds a pause): example queries
(src/plangraph/examples), small lookups (one IRI's triples; a comment with a counter makes each text new, so they
bypass the answer cache and run in the worker pool), resource pages (measures, goals, places, departments, found
with a query first), /search with several words, /catalog, two dumps and a few requests that must be refused (a
query with a syntax error: 400, a page that does not exist: 404). Beside them one client posts a status report to
/api/submissions every few seconds. An error is any answer other than the expected one, or any exception. Before
it, one client alone gives each kind's own cost.
(b) The same load while --slow-clients clients send a query that runs into the time limit, again and again (and
one client alone beside them); (b') the same with --flood-clients, as many as the server has threads.
(c) Faults: SIGKILL during the load (with the submitter running) and during a stream of submissions, each at a
random moment; then the server starts again on the same store, which must open, hold every acknowledged (201)
submission whole and serve a page and a query.

The client runs on the same machine as the server (and competes with it for the cores): the figures are those of
both together. Clients and server: load_clients.py. The exit status is 1 when a kill lost or broke a submission
or the store did not open again (the report is written first); the other targets are figures, not failures.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from plangraph.tokens import digest, new_token

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is no package

from load_clients import (
    DATASET,
    EXAMPLES,
    MIX,
    PREFIXES,
    REQUEST_TIMEOUT,
    ROOT,
    SUBMISSION,
    Call,
    Connection,
    Sample,
    Server,
    Submitter,
    Targets,
    left_running,
    select,
    sparql_get,
)

SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # a cartesian product
FAST_SPARQL = ("sparql: example", "sparql: lookup")
SLOW = "slow query"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- phases ---------------------------------------------------------------------------------------------------------

@dataclass
class Phase:
    name: str
    seconds: float
    clients: int
    samples: list[Sample]
    submitter: Submitter | None = None
    extra: dict[str, str] = field(default_factory=dict)


def run_load(server: Server, targets: Targets, token: str, *, name: str, clients: int, seconds: float,
             submit_every: float | None, slow_clients: int = 0, seed: int = 1, think: float = 0.0,
             kill_after: float | None = None) -> Phase:
    """`clients` closed-loop clients of the mix (plus slow-query clients and a submitter) for `seconds`, or until
    the server is killed `kill_after` seconds in. Each client waits `think` seconds on average (exponentially
    distributed) between an answer and its next request; 0: not at all."""
    stop = threading.Event()
    results: list[list[Sample]] = []
    kinds, weights = list(MIX), list(MIX.values())

    def client(number: int) -> None:
        rng, connection = random.Random(f"{seed}-{name}-{number}"), Connection(server.port)
        mine: list[Sample] = []
        results.append(mine)
        while not stop.is_set():
            call = targets.call(rng.choices(kinds, weights)[0], rng, f"{name} {number} {len(mine)}")
            mine.append(connection.send(call)[0])
            if think > 0:
                stop.wait(rng.expovariate(1 / think))
        connection.close()

    def slow(number: int) -> None:
        connection = Connection(server.port)
        mine: list[Sample] = []
        results.append(mine)
        while not stop.is_set():  # 503 when the time limit stops it (200 only if it ever finished)
            mine.append(connection.send(sparql_get(f"# {number} {len(mine)}\n{SLOW_QUERY}", SLOW,
                                                   frozenset({200, 503})))[0])
        connection.close()

    submitter = Submitter(server.port, token, targets.measures, name) if submit_every is not None else None
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    threads += [threading.Thread(target=slow, args=(i,)) for i in range(slow_clients)]
    if submitter is not None and submit_every is not None:
        threads.append(threading.Thread(target=submitter.loop, args=(stop, submit_every, random.Random(seed))))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    stop.wait(kill_after if kill_after is not None else seconds)
    stop.set()  # no new requests from here; those in flight are cut by the kill
    workers = server.kill() if kill_after is not None else None
    elapsed = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT + 5)
    killed = left_running(workers) if workers is not None else None
    samples = [s for mine in results for s in mine] + (submitter.samples if submitter else [])
    phase = Phase(name, elapsed, clients, samples, submitter)
    if killed is not None:
        phase.extra["workers left running 5 s after the kill"] = str(killed)
    return phase


def submissions_until_killed(server: Server, targets: Targets, token: str, kill_after: float, seed: int) -> Phase:
    """One client submitting back to back (each submission starts when the previous one is answered); SIGKILL
    at `kill_after` seconds, most likely while a submission is being checked or written."""
    stop = threading.Event()
    submitter = Submitter(server.port, token, targets.measures, "kill")
    thread = threading.Thread(target=submitter.loop, args=(stop, 0.0, random.Random(seed)))
    started = time.monotonic()
    thread.start()
    time.sleep(kill_after)
    stop.set()  # no new submission from here; the one in flight is cut by the kill
    workers = server.kill()
    thread.join(timeout=REQUEST_TIMEOUT + 5)
    killed = left_running(workers)
    phase = Phase("submissions", time.monotonic() - started, 1, submitter.samples, submitter)
    phase.extra["workers left running 5 s after the kill"] = str(killed)
    return phase


@dataclass
class Fault:
    name: str
    acknowledged: int
    found: int
    unanswered: int
    unanswered_stored: int
    incomplete: int
    restart_seconds: float
    page_status: int | str
    sparql_status: int | str
    workers_left: str
    cut: int  # requests that failed because of the kill

    @property
    def lost(self) -> int:
        return self.acknowledged - self.found

    @property
    def opened(self) -> bool:
        return not math.isnan(self.restart_seconds)

    @property
    def restart(self) -> str:
        return f"{self.restart_seconds:.1f}" if self.opened else "did not open"


def check_after_restart(server: Server, phase: Phase, name: str, measure_page: str) -> Fault:
    """Start again on the same store; what survived of the submissions, and whether it serves."""
    assert phase.submitter is not None
    workers_left = phase.extra.get("workers left running 5 s after the kill", "?")
    cut = sum(1 for s in phase.samples if s.error and not s.error.startswith("HTTP"))
    try:
        seconds = server.start()
    except RuntimeError as error:  # the store did not open: reported, and the run goes no further
        log(f"no restart after {name}: {error}")
        return Fault(name, len(phase.submitter.acknowledged), 0, len(phase.submitter.unanswered), 0, 0,
                     float("nan"), "no server", "no server", workers_left, cut)
    stored = select(server.port, PREFIXES + f"""SELECT ?a ?e ?t WHERE {{ ?e a pg:StatusReport ; pg:statusText ?t ;
        prov:wasGeneratedBy ?a . ?a a pg:Submission ; prov:generated ?e .
        FILTER STRSTARTS(STR(?t), "Lastprobe {phase.submitter.label} ") }}""")
    whole = {(row["a"], row["e"], row["t"]) for row in stored}
    found = sum((r.activity, r.entity, r.text) in whole for r in phase.submitter.acknowledged)
    texts = {row["t"] for row in stored}
    incomplete = select(server.port, PREFIXES + """SELECT ?r WHERE { ?r a pg:StatusReport .
        FILTER NOT EXISTS { ?r pg:statusText ?t ; prov:wasGeneratedBy ?a ; prov:generatedAtTime ?at .
                            ?a a pg:Submission ; prov:generated ?r } }""")
    page = Connection(server.port).send(Call("page", "GET", measure_page, {"Accept": "text/html"}))[0]
    query = Connection(server.port).send(sparql_get(PREFIXES + "SELECT (COUNT(?m) AS ?n) { ?m a pg:Measure }",
                                                    "sparql"))[0]
    return Fault(name, len(phase.submitter.acknowledged), found, len(phase.submitter.unanswered),
                 sum(t in texts for t in phase.submitter.unanswered), len(incomplete), seconds,
                 page.error or 200, query.error or 200, workers_left, cut)


# --- figures and the report ------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def ms(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


ALL = "all (slow queries aside)"


def by_kind(phase: Phase) -> dict[str, list[Sample]]:
    groups = {kind: [s for s in phase.samples if s.kind == kind] for kind in [*MIX, SUBMISSION, SLOW]}
    groups = {k: v for k, v in groups.items() if v or k in MIX}  # every kind of the mix has its row, even at 0
    groups[ALL] = [s for s in phase.samples if s.kind != SLOW]
    return groups


def kind_rows(phase: Phase, alone: Phase) -> list[str]:
    """Per kind: count, rate, percentiles, errors, the share of the clients' time it took, and its median with
    one client alone (what a request costs without waiting for others)."""
    alone_groups, total = by_kind(alone), sum(s.ms for s in phase.samples if s.kind != SLOW)
    lines = ["| kind | requests | per s | p50 ms | p95 ms | p99 ms | max ms | errors | share of time | p50 ms, one "
             "client alone |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for kind, samples in by_kind(phase).items():
        times = [s.ms for s in samples]
        errors = sum(s.error is not None for s in samples)
        share = "" if kind == SLOW else f"{100 * sum(times) / total:.0f} %"
        single = ms(percentile([s.ms for s in alone_groups.get(kind, [])], .5))
        figures = " | ".join(ms(percentile(times, q)) for q in (.5, .95, .99))
        lines.append(f"| {kind} | {len(samples):,} | {len(samples) / phase.seconds:,.1f} | {figures} "
                     f"| {ms(max(times, default=math.nan))} | {errors} | {share} | {single} |")
    return lines


def errors_of(phase: Phase) -> tuple[int, list[str]]:
    counted = Counter((s.kind, s.error) for s in phase.samples if s.error is not None)
    return sum(counted.values()), [f"- {kind}: {error} × {n}" for (kind, error), n in counted.most_common(10)]


def p99(phase: Phase, kinds: tuple[str, ...] | None = None) -> float:
    return percentile([s.ms for s in phase.samples if s.kind != SLOW and (kinds is None or s.kind in kinds)], .99)


def p50(phase: Phase, kinds: tuple[str, ...]) -> float:
    return percentile([s.ms for s in phase.samples if s.kind in kinds], .5)


def compared(label: str, before: float, after: float) -> str:
    ratio = "–" if math.isnan(before) or math.isnan(after) else f"×{after / before:.2f}"
    return f"| {label} | {ms(before)} | {ms(after)} | {ratio} |"


def compared_header() -> str:
    return "| figure | (a) without slow queries | with slow queries | ratio |\n|---|---:|---:|---:|"


def verdict(met: bool) -> str:
    return "**met**" if met else "**not met**"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory = next((int(line.split()[1]) // (1 << 20) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} cores, {cpu}, {memory} GB RAM, {platform.system()} {platform.release()}"


def load_average() -> str:
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Run:
    args: argparse.Namespace
    started: float
    load_start: str
    warmup: Phase
    alone: Phase
    mixed: Phase
    slow: Phase
    alone_slow: Phase
    flood: Phase
    faults: list[Fault]
    server_log: str
    first_start: float


def report(run: Run) -> str:
    a, b, args = run.mixed, run.slow, run.args
    errors_a, listed_a = errors_of(a)
    errors_b, listed_b = errors_of(b)
    fast_a, fast_b = p99(a, FAST_SPARQL), p99(b, FAST_SPARQL)
    slow_answers = Counter(s.error or "503 or 200 as expected" for s in b.samples if s.kind == SLOW)
    command = "python bench/load.py" + (" --quick" if args.quick else "") + f" --out {args.out}"
    lost = sum(f.lost for f in run.faults)
    served = all(f.page_status == 200 and f.sparql_status == 200 for f in run.faults)
    log_lines = run.server_log.splitlines()
    tracebacks = sum("Traceback" in line for line in log_lines)
    queue_warnings = sum("Task queue depth" in line for line in log_lines)
    lines = [
        "# Load and fault benchmark",
        "",
        f"Written by `{command}` on {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC in "
        f"{(time.monotonic() - run.started) / 60:.1f} minutes.",
        "",
        f"- Machine: {machine()}; everything on loopback. Load average (1/5/15 min) at the start {run.load_start}, "
        f"at the end {load_average()}: other processes may have shared the machine.",
        f"- The client runs on the same {os.cpu_count()} cores as the server: {a.clients} Python threads (one "
        "keep-alive http.client connection each) compete with the server for the CPU, so the figures are those of "
        "client and server together; a server with its cores to itself answers faster.",
        f"- Server: `plangraph serve` as `make serve` runs it: the embedded store in a temporary folder, loaded from "
        f"data/herne.trig ({DATASET.stat().st_size // 1024} KB), 8 waitress threads, 4 query workers, "
        f"PLANGRAPH_QUERY_TIMEOUT={args.query_timeout:g}, PLANGRAPH_RESULT_LIMIT=10000, the 64 MB answer cache, "
        f"and a tokens file with one token (submissions on). First start (loading the store): {run.first_start:.1f} s.",
        f"- Load: {a.clients} closed-loop clients (each sends its next request "
        + ("as soon as the previous answer is read: no think time, so the server is never idle and the latency is "
           "mostly waiting for the requests ahead" if args.think <= 0 else
           f"{args.think:g} s on average after the previous answer (exponentially distributed)")
        + ") with the weights "
        + ", ".join(f"{kind} {weight}" for kind, weight in MIX.items())
        + f"; one more client posts a status report every {args.submit_every:g} s. Example queries are the "
        f"{len(list(EXAMPLES.glob('*.rq')))} of src/plangraph/examples (answered from the cache between two "
        "submissions); lookups carry a counter in a comment, so every one runs in a query worker. Pages: "
        "measures, goals, places and departments (HTML, a fifth as Turtle), found by a query first. "
        f"{run.warmup.seconds:.0f} s of warm-up with the same mix are not counted "
        f"({errors_of(run.warmup)[0]} errors in it); then {run.alone.seconds:.0f} s of the mix from one client "
        f"alone, without submissions, give each kind's own cost ({errors_of(run.alone)[0]} errors).",
        f"- An error is any answer other than the expected one (2xx, or the deliberate 400/404, or 503 for the "
        "slow query) and any exception (a refused or broken connection, a timeout after "
        f"{REQUEST_TIMEOUT:g} s).",
        "",
        "## Targets",
        "",
        "| target | figures | verdict |",
        "|---|---|---|",
        f"| zero errors under the mixed load (a) | {errors_a} errors in {len(a.samples):,} requests | "
        f"{verdict(errors_a == 0)} |",
        f"| p99 under 1 s under the mixed load (a) | p99 {ms(p99(a))} ms over every kind | {verdict(p99(a) < 1000)} |",
        f"| fast queries' p99 with slow queries running (b) within 3× of (a) | {ms(fast_b)} ms vs {ms(fast_a)} ms "
        f"(×{fast_b / fast_a:.2f}); errors: {errors_b} | {verdict(fast_b <= 3 * fast_a)} |",
        "| every acknowledged submission survives SIGKILL (c) | "
        + "; ".join(f"{f.name}: {f.acknowledged} acknowledged, {f.found} found, {f.lost} lost" for f in run.faults)
        + f" | {verdict(lost == 0 and bool(run.faults))} |",
        "| after every kill the store opens and serves a page and a query (c) | "
        + "; ".join(f"{f.name}: up in {f.restart} s, page {f.page_status}, query {f.sparql_status}"
                    for f in run.faults)
        + f" | {verdict(served and bool(run.faults))} |",
        "",
        f"## (a) Mixed load: {a.clients} clients, {a.seconds:.0f} s",
        "",
        *kind_rows(a, run.alone),
        "",
        f"Throughput: {len(a.samples) / a.seconds:,.1f} requests/s. Errors: {errors_a}.",
        *listed_a,
        "",
        f"## (b) The same load with {args.slow_clients} clients sending a slow query",
        "",
        f"The slow query, `{SLOW_QUERY}` (a cartesian product), sent again as soon as it is answered; it runs into "
        f"the time limit of {args.query_timeout:g} s and is answered 503 (its worker process is killed and replaced). "
        f"So {min(args.slow_clients, 4)} of the 4 query workers and {args.slow_clients} of the 8 waitress threads "
        f"are busy with it most of the time. The last two rows: {run.alone_slow.seconds:.0f} s of one client alone "
        "beside the same slow queries, against one client alone before (a).",
        "",
        *kind_rows(b, run.alone),
        "",
        compared_header(),
        compared("fast SPARQL (example queries and lookups) p99 ms", p99(a, FAST_SPARQL), p99(b, FAST_SPARQL)),
        compared("fast SPARQL p50 ms", p50(a, FAST_SPARQL), p50(b, FAST_SPARQL)),
        compared("lookups (worker pool) p99 ms", p99(a, ("sparql: lookup",)), p99(b, ("sparql: lookup",))),
        compared("every kind p99 ms (slow queries aside)", p99(a), p99(b)),
        f"| throughput requests/s | {len(a.samples) / a.seconds:,.1f} | "
        f"{sum(s.kind != SLOW for s in b.samples) / b.seconds:,.1f} | |",
        compared("one client alone, fast SPARQL p99 ms", p99(run.alone, FAST_SPARQL),
                 p99(run.alone_slow, FAST_SPARQL)),
        compared("one client alone, every kind p99 ms", p99(run.alone), p99(run.alone_slow)),
        "",
        "Slow query answers: " + ", ".join(f"{k} × {n}" for k, n in slow_answers.items()) + f". Errors: {errors_b}.",
        *listed_b,
        "",
        f"## (b') The same load with {args.flood_clients} clients sending the slow query",
        "",
        f"As many slow-query clients as waitress has threads (PLANGRAPH_THREADS, 8): what one client with that many "
        f"connections can do. {run.flood.seconds:.0f} s; no target, the figures show how far the site's other "
        "requests are held up.",
        "",
        *kind_rows(run.flood, run.alone),
        "",
        compared_header(),
        compared("every kind p50 ms (slow queries aside)", p50(a, tuple(MIX)), p50(run.flood, tuple(MIX))),
        compared("every kind p99 ms (slow queries aside)", p99(a), p99(run.flood)),
        compared("pages p50 ms", p50(a, ("page",)), p50(run.flood, ("page",))),
        f"| throughput requests/s | {len(a.samples) / a.seconds:,.1f} | "
        f"{sum(s.kind != SLOW for s in run.flood.samples) / run.flood.seconds:,.1f} | |",
        "",
        f"Errors: {errors_of(run.flood)[0]}.",
        *errors_of(run.flood)[1],
        "",
        "## (c) Faults: SIGKILL, then a restart on the same store",
        "",
        "Each kill comes at a random moment; the server then starts again on the same store folder (a new port). "
        "Acknowledged: submissions answered 201 before the kill. Found: acknowledged submissions whose activity, "
        "status report and text are all in the store after the restart. Unanswered: submissions sent that got no "
        "answer because of the kill (either outcome is right for them, as long as it is whole). Incomplete: status "
        "reports in the store without their text, activity or time.",
        "",
        "| fault | acknowledged / found after restart / lost | unanswered: stored / not | incomplete reports "
        "| restart s | page | SPARQL | requests cut by the kill | workers left 5 s after the kill |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
        *(f"| {f.name} | {f.acknowledged} / {f.found} / {f.lost} | {f.unanswered_stored} / "
          f"{f.unanswered - f.unanswered_stored} | {f.incomplete} | {f.restart} | {f.page_status} | "
          f"{f.sparql_status} | {f.cut} | {f.workers_left} |" for f in run.faults),
        "",
        "A disk that fills up or a store folder that turns read-only during a submission is tested in "
        "tests/test_faults.py (503, nothing half-written, the store opens afterwards); a SIGKILL while three "
        "clients write, in tests/test_submissions.py.",
        "",
        "## Server log",
        "",
        f"{tracebacks} tracebacks; waitress reported a task queue (more requests than its threads) "
        f"{queue_warnings} times.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10 clients, 5 s per phase, short kills (for the test)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "LOAD.md")
    parser.add_argument("--clients", type=int, help="concurrent clients of the mix (default 50; --quick 10)")
    parser.add_argument("--seconds", type=float, help="seconds of (a) and of (b) (default 60; --quick 5)")
    parser.add_argument("--slow-clients", type=int, default=2, help="clients sending the slow query in (b)")
    parser.add_argument("--flood-clients", type=int, default=8,
                        help="clients sending the slow query in (b'): as many as the server has threads (default 8)")
    parser.add_argument("--submit-every", type=float, help="seconds between two submissions (default 5; --quick 1)")
    parser.add_argument("--query-timeout", type=float, help="PLANGRAPH_QUERY_TIMEOUT (default 10, the setting's "
                                                            "default; --quick 2)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a client waits between an answer and its next request (default 0: a "
                             "closed loop that keeps the server busy)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="where the store, tokens file and logs go (default: a "
                                                     "temporary folder, removed afterwards)")
    args = parser.parse_args()
    args.clients = args.clients or (10 if args.quick else 50)
    args.seconds = args.seconds or (5.0 if args.quick else 60.0)
    args.submit_every = args.submit_every or (1.0 if args.quick else 5.0)
    args.query_timeout = args.query_timeout or (2.0 if args.quick else 10.0)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        run_all(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="plangraph-load-") as folder:
            run_all(args, Path(folder))


def run_all(args: argparse.Namespace, workdir: Path) -> None:
    started, load_start, rng = time.monotonic(), load_average(), random.Random(args.seed)
    token = new_token()
    tokens = workdir / "tokens.txt"
    tokens.write_text(f"Lastprobe {digest(token)}\n", "utf-8")
    tokens.chmod(0o600)
    store = workdir / "store"
    server = Server(workdir, {"PLANGRAPH_STORE": str(store), "PLANGRAPH_TOKENS_FILE": str(tokens),
                              "PLANGRAPH_QUERY_TIMEOUT": f"{args.query_timeout:g}"})
    faults: list[Fault] = []
    try:
        first_start = server.start()
        log(f"server up in {first_start:.1f} s on port {server.port}")
        targets = Targets.crawl(server.port)
        common = {"clients": args.clients, "submit_every": args.submit_every, "seed": args.seed, "think": args.think}
        warmup = run_load(server, targets, token, name="warm-up", seconds=2 if args.quick else 5, **common)
        log("one client alone")
        alone_seconds = 2 if args.quick else 10
        alone = run_load(server, targets, token, name="alone", clients=1, seconds=alone_seconds, submit_every=None,
                         seed=args.seed)
        log(f"(a) mixed load: {args.clients} clients, {args.seconds:g} s")
        mixed = run_load(server, targets, token, name="mixed", seconds=args.seconds, **common)
        log(f"(b) with {args.slow_clients} slow-query clients")
        slow = run_load(server, targets, token, name="slow", seconds=args.seconds, slow_clients=args.slow_clients,
                        **common)
        log("one client alone beside the slow queries")
        alone_slow = run_load(server, targets, token, name="alone-slow", clients=1, seconds=alone_seconds,
                              submit_every=None, slow_clients=args.slow_clients, seed=args.seed)
        log(f"(b') {args.flood_clients} slow-query clients")
        flood = run_load(server, targets, token, name="flood", seconds=min(args.seconds, 20.0),
                         slow_clients=args.flood_clients, **common)
        page = targets.pages["measure"][0]
        kill_at = rng.uniform(1.0, 2.0) if args.quick else rng.uniform(5.0, 15.0)
        log(f"(c) SIGKILL during the load after {kill_at:.1f} s")
        killed = run_load(server, targets, token, name="kill-load", seconds=args.seconds, kill_after=kill_at,
                          **{**common, "submit_every": 0.5})
        faults.append(check_after_restart(server, killed, "SIGKILL during the mixed load", page))
        if faults[-1].opened:
            kill_at = rng.uniform(0.5, 1.5) if args.quick else rng.uniform(1.0, 5.0)
            log(f"(c) SIGKILL during submissions after {kill_at:.1f} s")
            faults.append(check_after_restart(server, submissions_until_killed(server, targets, token, kill_at,
                                                                               args.seed),
                                              "SIGKILL during a submission", page))
    finally:
        server.stop()
    text = report(Run(args, started, load_start, warmup, alone, mixed, slow, alone_slow, flood, faults,
                      server.log(), first_start))
    args.out.write_text(text, "utf-8")
    log(f"wrote {args.out}")
    if len(faults) < 2 or any(f.lost or f.incomplete or not f.opened for f in faults):
        raise SystemExit("a kill lost or broke data, or the store did not open again: see the report")


if __name__ == "__main__":
    main()
