"""Median latency of four typical SPARQL queries over HTTP against a running plangraph server, next to the
time the same query takes evaluated in this process (the difference is the protocol and the per-query
child process). Loopback only, bounded in time.

    .venv/bin/python bench/sparql_latency.py                      # starts `plangraph serve` on a free port
    .venv/bin/python bench/sparql_latency.py --url http://127.0.0.1:5000/sparql --rounds 50
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests

from plangraph.dataset import load_dataset, union
from plangraph.resources import DATASET_FILE
from plangraph.sparql import QueryData, format_from_parameter, prepare, run, serialize

PREFIXES = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nPREFIX pg: <https://w3id.org/plangraph/def#>\n"
            "PREFIX dcterms: <http://purl.org/dc/terms/>\n")
QUERIES = {  # name: (query, format)
    "select measures+goals (json)": (PREFIXES + "SELECT ?n ?goal ?text WHERE { ?m a pg:Measure ; skos:notation ?n ;"
                                     " pg:servesGoal/skos:notation ?goal ; dcterms:description ?text } ORDER BY ?n",
                                     "json"),
    "ask (json)": (PREFIXES + "ASK { ?m a pg:Measure ; skos:notation 'B3.1' }", "json"),
    "describe a measure (turtle)": (PREFIXES + "DESCRIBE ?m WHERE { ?m a pg:Measure ; skos:notation 'A1.1' }",
                                    "ttl"),
    "count per graph (csv)": ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", "csv"),
}
BUDGET_SECONDS = 60  # the whole run stops after this, whatever --rounds says


def median_ms(action: Callable[[], object], rounds: int, deadline: float) -> tuple[float, int]:
    times = []
    for _ in range(rounds):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), len(times)


@contextmanager
def server(dataset: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).parent / "plangraph"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--dataset", str(dataset)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        for _ in range(150):
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server's /sparql on a loopback address (default: start one)")
    parser.add_argument("--dataset", type=Path, default=DATASET_FILE)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if args.url and urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--url must be a loopback address")
    dataset = load_dataset(args.dataset)
    data = QueryData(dataset, union(dataset))
    deadline = time.monotonic() + BUDGET_SECONDS
    with (server(args.dataset) if not args.url else _given(args.url)) as url:
        session = requests.Session()
        print(f"{'query':32} {'HTTP median':>12} {'in-process':>11} {'overhead':>9}  rounds")
        for name, (query, fmt) in QUERIES.items():
            def over_http(query: str = query, fmt: str = fmt) -> None:
                session.get(url, params={"query": query, "format": fmt}, timeout=30).raise_for_status()

            def in_process(query: str = query, fmt: str = fmt) -> None:  # what the child does, minus the fork
                prepared = prepare(query)
                serialize(run(prepared, data, limit=10_000).result, format_from_parameter(prepared.form, [fmt]))

            over_http()  # warm the connection
            http, rounds = median_ms(over_http, args.rounds, deadline)
            local, _ = median_ms(in_process, args.rounds, deadline)
            print(f"{name:32} {http:10.1f}ms {local:9.1f}ms {http - local:7.1f}ms  {rounds}")


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    main()
