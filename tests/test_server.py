"""`plangraph serve` reached the way users reach it: a real server process over HTTP; and the app factory
with Flask's test client for what needs no socket."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import requests
from flask import Flask

from plangraph.web import create_app

MEASURE_NOTATIONS = ["A1.1", "A2.1", "A3.1", "A3.2", "B1.1", "B2.1", "B2.2", "B2.3", "B3.1"]
GUIDING_GOALS = [
    "Alle Akteure im Handlungsfeld Wohnen und Stadtentwicklung berücksichtigen konsequent die Perspektiven "
    "von Menschen mit Migrationshintergrund in der Stadt-, Stadtbezirks- und Quartiersentwicklung.",
    "Eine angemessene und ausreichende Wohnraumversorgung ist für alle sozialen Gruppen gewährleistet.",
]


def _text(page: str) -> str:
    return html.unescape(page)


def test_overview_over_http(live_server: str) -> None:
    response = requests.get(live_server, timeout=10)
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


def test_overview_lists_measures_in_plan_order(live_server: str) -> None:
    page = _text(requests.get(live_server, timeout=10).text)
    positions = [page.index(f"Maßnahme {n}") for n in MEASURE_NOTATIONS]
    assert positions == sorted(positions)


def test_overview_in_english_over_http(live_server: str) -> None:
    response = requests.get(live_server, params={"lang": "en"}, timeout=10)
    assert response.status_code == 200
    page = _text(response.text)
    assert '<html lang="en">' in page
    for notation in MEASURE_NOTATIONS:
        assert f"Measure {notation}" in page
    assert "Maßnahme A1.1" not in page


def test_unknown_path_is_404(live_server: str) -> None:
    response = requests.get(live_server + "no/such/page", timeout=10)
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
    from plangraph.dataset import load_dataset, union

    triples = len(union(load_dataset(Path(app.config["DATASET"]))))
    page = app.test_client().get("/").get_data(as_text=True)
    assert f"{triples} Tripel im veröffentlichten Datensatz" in page


def test_create_app_with_a_missing_dataset(tmp_path: Path) -> None:
    from plangraph.errors import InputError

    with pytest.raises(InputError) as caught:
        create_app({"DATASET": str(tmp_path / "missing.trig")})
    assert "plangraph build" in caught.value.message
