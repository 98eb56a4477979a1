"""`plangraph serve` reached the way users reach it: a real server process over HTTP; and the app factory
with Flask's test client for what needs no socket."""

from __future__ import annotations

import html
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from conftest import PLANGRAPH, PROJECT_ROOT, cli_env
from plangraph.web import create_app

MEASURE_NOTATIONS = ["A1.1", "A2.1", "A3.1", "A3.2", "B1.1", "B2.1", "B2.2", "B2.3", "B3.1"]
GUIDING_GOALS = [
    "Alle Akteure im Handlungsfeld Wohnen und Stadtentwicklung berücksichtigen konsequent die Perspektiven "
    "von Menschen mit Migrationshintergrund in der Stadt-, Stadtbezirks- und Quartiersentwicklung.",
    "Eine angemessene und ausreichende Wohnraumversorgung ist für alle sozialen Gruppen gewährleistet.",
]
STARTUP_SECONDS = 20


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `plangraph serve` process on a free port; yields its base URL, stops it afterwards."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(PLANGRAPH), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--dataset", str(dataset_file)],
            stdout=sink, stderr=subprocess.STDOUT, env=cli_env(), cwd=PROJECT_ROOT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"plangraph serve exited with {process.returncode}:\n{log.read_text('utf-8')}")
            try:
                requests.get(url, timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail(f"plangraph serve did not answer within {STARTUP_SECONDS} s:\n"
                                f"{log.read_text('utf-8')}")
                time.sleep(0.2)
        yield url
    finally:
        _stop(process)


def _text(page: str) -> str:
    return html.unescape(page)


def test_overview_over_http(server: str) -> None:
    response = requests.get(server, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "charset=utf-8" in response.headers["Content-Type"].lower()
    page = _text(response.text)
    assert '<html lang="de">' in page
    for notation in MEASURE_NOTATIONS:
        assert f"Maßnahme {notation}" in page
    for text in GUIDING_GOALS:
        assert text in page
    assert "Leitziel A" in page and "Handlungsziel B2" in page


def test_overview_lists_measures_in_plan_order(server: str) -> None:
    page = _text(requests.get(server, timeout=10).text)
    positions = [page.index(f"Maßnahme {n}") for n in MEASURE_NOTATIONS]
    assert positions == sorted(positions)


def test_overview_in_english_over_http(server: str) -> None:
    response = requests.get(server, params={"lang": "en"}, timeout=10)
    assert response.status_code == 200
    page = _text(response.text)
    assert '<html lang="en">' in page
    for notation in MEASURE_NOTATIONS:
        assert f"Measure {notation}" in page
    assert "Maßnahme A1.1" not in page


def test_unknown_path_is_404(server: str) -> None:
    response = requests.get(server + "no/such/page", timeout=10)
    assert response.status_code == 404
    assert "Traceback" not in response.text


# --- the app factory, without a socket ----------------------------------------------------------

@pytest.fixture(scope="module")
def app(dataset_file: Path) -> Flask:
    app = create_app({"DATASET": str(dataset_file), "BASE_IRI": "https://w3id.org/plangraph/herne/",
                      "TESTING": True})
    return app


def test_create_app_serves_the_overview(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = _text(response.get_data(as_text=True))
    for notation in MEASURE_NOTATIONS:
        assert f"Maßnahme {notation}" in page
    for text in GUIDING_GOALS:
        assert text in page
    english = _text(client.get("/?lang=en").get_data(as_text=True))
    assert "Measure B3.1" in english
    assert client.get("/no/such/page").status_code == 404


def test_create_app_shows_the_number_of_triples(app: Flask) -> None:
    graph = app.extensions["plangraph.graph"]
    page = app.test_client().get("/").get_data(as_text=True)
    assert f"{len(graph)} Tripel im veröffentlichten Datensatz" in page


def test_create_app_with_a_missing_dataset(tmp_path: Path) -> None:
    from plangraph.errors import InputError

    with pytest.raises(InputError) as caught:
        create_app({"DATASET": str(tmp_path / "missing.trig")})
    assert "plangraph build" in caught.value.message
