"""Median latency of typical pages over HTTP against a running plangraph server (loopback only).

    .venv/bin/plangraph serve --port 5077 &
    .venv/bin/python bench/page_latency.py http://127.0.0.1:5077/ 50

Keep-alive session, one warm-up request per page, then ROUNDS timed requests; bounded in count.
"""

from __future__ import annotations

import statistics
import sys
import time
from urllib.parse import urlparse

import requests

PAGES = {
    "overview /": ("", ["text/html"]),
    "measure A2.1": ("wohnen-und-stadtentwicklung/massnahme/A2-1", ["text/html", "text/turtle"]),
    "department FB Umwelt und Stadtplanung": ("org/fachbereich-umwelt-und-stadtplanung", ["text/html", "text/turtle"]),
    "search fluchtling": ("search?q=fluchtling", ["text/html"]),
    "query page, example 2": ("query?example=02-measures-per-department", ["text/html"]),
    "catalog": ("catalog", ["text/turtle"]),
    "dump herne.nt": ("downloads/herne.nt", ["application/n-triples"]),
}


def main(url: str, rounds: int) -> None:
    if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("this benchmark only talks to a server on this machine (loopback)")
    session = requests.Session()
    print(f"{'page':40s} {'type':22s} {'median':>9s} {'p90':>9s}")
    for name, (path, types) in PAGES.items():
        for accept in types:
            session.get(url + path, headers={"Accept": accept}, timeout=10).raise_for_status()
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                response = session.get(url + path, headers={"Accept": accept}, timeout=10)
                times.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            p90 = statistics.quantiles(times, n=10)[-1]
            print(f"{name:40s} {accept:22s} {statistics.median(times):7.1f} ms {p90:7.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5077/", int(sys.argv[2]) if len(sys.argv) > 2 else 50)
