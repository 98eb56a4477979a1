"""A write that fails half-way through a submission, tried on a real `plangraph serve` over HTTP: the disk takes
no more bytes, or the store's files turn read-only. The steward gets a clear 503, reads go on, nothing is
half-written, and after a restart the store opens with the data as it was before the failed submission.

Faults made without mounting anything, as root in a container or as any user:
- a full disk: the running server's RLIMIT_FSIZE is lowered (`resource.prlimit` on its pid); a write that would
  make a file larger than the limit fails with EFBIG (Python ignores SIGXFSZ), as a write to a full disk fails
  with ENOSPC. At 0 bytes no file can grow and the store's bookkeeping file is the first write to fail. At
  4 KiB that file (some 300 bytes) still fits and RocksDB's files do not: the update fails in its write-ahead
  log (a submission's record is some 12 KB, so the write is torn) or, when a background flush or compaction
  gets there first, in its MANIFEST; either way Oxigraph's update fails as a whole.
- a read-only store: root ignores file permissions, so the data files and their folder are made immutable
  (`chattr +i`); a write through a file that is already open fails too (EPERM).

A SIGKILL in the middle of submissions is tested in tests/test_submissions.py
(test_a_server_killed_while_writing_keeps_every_acknowledged_submission_whole) and measured by bench/load.py (c).
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from conftest import serve_process

BASE = "https://w3id.org/plangraph/herne/"
MEASURE_PATH = "wohnen-und-stadtentwicklung/massnahme/B2-2"
TOKEN = "fault-test-token-0123456789"
PREFIXES = """PREFIX pg: <https://w3id.org/plangraph/def#> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/> """
FAULTS = ("disk full before the bookkeeping file", "disk full within the write-ahead log",
          "data files read-only")


def status_report(date: str, text: str) -> bytes:
    measure = BASE + MEASURE_PATH
    return f"""@prefix pg: <https://w3id.org/plangraph/def#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix adms: <http://www.w3.org/ns/adms#> .
<{measure}#status-{date}> a pg:StatusReport ; pg:statusOf <{measure}> ; dcterms:date "{date}"^^xsd:date ;
    adms:status pg:StatusInProgress ; pg:statusText "{text}"@de .
""".encode()


def submit(url: str, date: str, text: str) -> requests.Response:
    return requests.post(url + "api/submissions", data=status_report(date, text), timeout=60,
                         headers={"Content-Type": "text/turtle; charset=utf-8", "Accept": "application/json",
                                  "Authorization": f"Bearer {TOKEN}"})


def sparql(url: str, query: str) -> list[dict[str, str]]:
    response = requests.get(url + "sparql", params={"query": PREFIXES + query}, timeout=30,
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def stored_texts(url: str) -> list[str]:
    """The texts of the measure's status reports, in order."""
    rows = sparql(url, f"SELECT ?t WHERE {{ ?r pg:statusOf <{BASE}{MEASURE_PATH}> ; pg:statusText ?t }} ORDER BY ?t")
    return [row["t"] for row in rows]


def half_written(url: str) -> list[dict[str, str]]:
    """A submission activity without the report it generated, or a report without its activity, time or text."""
    return sparql(url, """SELECT ?x WHERE {
        { ?x a pg:Submission . FILTER NOT EXISTS { ?x prov:generated ?r ; prov:endedAtTime ?t .
                                                   ?r prov:wasGeneratedBy ?x } }
        UNION { ?x a pg:StatusReport . FILTER NOT EXISTS { ?x pg:statusText ?text ; prov:generatedAtTime ?at ;
                                                            prov:wasGeneratedBy ?a . ?a a pg:Submission } } }""")


@pytest.fixture
def tokens_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.txt"
    path.write_text(f"Fachbereich Soziales {hashlib.sha256(TOKEN.encode()).hexdigest()}\n", "utf-8")
    return path


@contextmanager
def file_size_limit(pid: int, limit: int) -> Iterator[None]:
    """No file of the process grows beyond `limit` bytes while this lasts: the closest to a full disk a test can
    make without mounting one (a write past the limit fails with EFBIG where a full disk gives ENOSPC)."""
    before = resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    try:
        yield
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, before)


@contextmanager
def immutable(folder: Path) -> Iterator[None]:
    """The folder and every file in it immutable (chattr +i): root's read-only, since root ignores permissions."""
    chattr = shutil.which("chattr")
    if os.geteuid() != 0 or chattr is None:
        pytest.skip("a read-only store needs root and chattr (e2fsprogs): root ignores permissions, a user does not "
                    "(and a user's open files stay writable after chmod)")
    made = subprocess.run([chattr, "-R", "+i", str(folder)], capture_output=True, text=True, check=False)
    try:
        if made.returncode != 0:
            pytest.skip(f"this file system does not take chattr +i: {made.stderr.strip()}")
        yield
    finally:
        subprocess.run([chattr, "-R", "-i", str(folder)], capture_output=True, check=True)


@contextmanager
def fault(name: str, pid: int, store: Path) -> Iterator[None]:
    if name == "disk full before the bookkeeping file":
        with file_size_limit(pid, 0):
            yield
    elif name == "disk full within the write-ahead log":
        with file_size_limit(pid, 4096):
            yield
    else:
        with immutable(store / "oxigraph"):
            yield


@pytest.mark.parametrize("name", FAULTS)
def test_a_failed_write_is_a_clear_503_and_leaves_the_store_as_it_was(
        name: str, dataset_file: Path, tokens_file: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {"PLANGRAPH_TOKENS_FILE": str(tokens_file), "PLANGRAPH_STORE": str(store)}
    with serve_process(dataset_file, tmp_path, env) as (url, process):
        assert submit(url, "2025-06-01", "Vor dem Fehler.").status_code == 201
        with fault(name, process.pid, store):
            failed = submit(url, "2025-06-02", "Während des Fehlers.")
            again = submit(url, "2025-06-03", "Noch einmal während des Fehlers.")
            page = requests.get(url + MEASURE_PATH, headers={"Accept": "text/html"}, timeout=30)
            during = stored_texts(url)
        assert failed.status_code == 503, failed.text
        assert failed.headers["Content-Type"].startswith("application/json")
        message = failed.json()["message"]
        assert "could not write" in message and "disk may be full" in message
        assert "nothing" in message  # nothing of this request was stored / nothing was changed
        assert "Traceback" not in failed.text and str(tmp_path) not in failed.text  # no raw error, no server paths
        assert again.status_code == 503, again.text
        assert page.status_code == 200  # reads go on while writes fail
        assert during == ["Vor dem Fehler."]
    assert process.returncode is not None
    with serve_process(dataset_file, tmp_path, env) as (url, _):  # the same store, without the fault
        assert stored_texts(url) == ["Vor dem Fehler."]
        assert len(sparql(url, "SELECT ?s WHERE { ?s a pg:Submission }")) == 1
        assert half_written(url) == []
        assert requests.get(url + MEASURE_PATH, headers={"Accept": "text/html"}, timeout=30).status_code == 200
        assert submit(url, "2025-06-04", "Nach dem Neustart.").status_code == 201
        assert stored_texts(url) == ["Nach dem Neustart.", "Vor dem Fehler."]
