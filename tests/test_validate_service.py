"""/validate over HTTP: the API (Turtle/JSON-LD in; JSON, Turtle or HTML out) and the form. Nothing is stored."""

from __future__ import annotations

import html
import json
from pathlib import Path

import requests
from rdflib import Graph
from rdflib.namespace import RDF, SH

from conftest import CLI_DATA

VALID = (CLI_DATA / "new-measure-valid.ttl").read_text(encoding="utf-8")
BROKEN = (CLI_DATA / "new-measure-broken.ttl").read_text(encoding="utf-8")


def post(url: str, body: str | bytes, content_type: str, accept: str = "application/json") -> requests.Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return requests.post(url, data=data, headers={"Content-Type": content_type, "Accept": accept}, timeout=30)


def test_conforming_entry_gives_conforms_true(live_server: str) -> None:
    response = post(live_server + "validate", VALID, "text/turtle")
    assert response.status_code == 200
    assert response.json() == {"conforms": True, "results": []}


def test_broken_entry_gives_messages_in_both_languages(live_server: str) -> None:
    report = post(live_server + "validate", BROKEN, "text/turtle").json()
    assert report["conforms"] is False
    assert report["results"]
    for result in report["results"]:
        assert result["message"]["de"] and result["message"]["en"]
        assert result["focusNode"] and result["severity"] == "Violation"


def test_report_as_turtle(live_server: str) -> None:
    response = post(live_server + "validate", BROKEN, "text/turtle", accept="text/turtle")
    assert response.headers["Content-Type"].startswith("text/turtle")
    report = Graph().parse(data=response.text, format="turtle")
    assert list(report.subjects(RDF.type, SH.ValidationReport))


def test_report_as_html_in_english(live_server: str) -> None:
    response = requests.post(live_server + "validate", params={"lang": "en"},
                             data={"data": BROKEN, "format": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "problem" in page.lower() or "Problem" in page
    english = post(live_server + "validate", BROKEN, "text/turtle").json()["results"][0]["message"]["en"]
    assert english in page


def test_json_ld_entry(live_server: str) -> None:
    base = "https://w3id.org/plangraph/herne/"
    entry = Graph().parse(data=VALID, format="turtle", publicID=base).serialize(format="json-ld")
    response = post(live_server + "validate", entry, "application/ld+json")
    assert response.status_code == 200
    assert response.json()["conforms"] is True


def test_unparseable_entry_is_400_with_line(live_server: str) -> None:
    broken = (CLI_DATA / "broken-syntax.ttl").read_text(encoding="utf-8")
    response = post(live_server + "validate", broken, "text/turtle")
    assert response.status_code == 400
    assert "line" in response.json()["message"]


def test_remote_json_ld_context_is_refused_without_fetching(live_server: str) -> None:
    entry = json.dumps({"@context": "http://127.0.0.1:9/never-fetched.jsonld", "@id": "http://example.org/x"})
    response = post(live_server + "validate", entry, "application/ld+json")
    assert response.status_code == 400
    assert "@context" in response.json()["message"]


def test_oversized_entry_is_413(live_server: str) -> None:
    response = post(live_server + "validate", b"#" * (2 << 20), "text/turtle")
    assert response.status_code == 413


def test_wrong_media_type_and_encoding(live_server: str) -> None:
    assert post(live_server + "validate", VALID, "text/plain").status_code == 400
    assert post(live_server + "validate", "ü".encode("latin-1"), "text/turtle").status_code == 400


def test_nothing_is_stored(live_server: str, dataset_file: Path) -> None:
    before = dataset_file.read_bytes()
    post(live_server + "validate", VALID, "text/turtle")
    ask = "ASK { <https://w3id.org/plangraph/herne/wohnen-und-stadtentwicklung/massnahme/A1-2> ?p ?o }"
    answer = requests.get(live_server + "sparql", params={"query": ask},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
    assert answer["boolean"] is False
    assert dataset_file.read_bytes() == before


def test_the_form_page(live_server: str) -> None:
    response = requests.get(live_server + "validate", timeout=10)
    assert response.status_code == 200
    for control in ('<label for="eintrag">', '<label for="eintrag-format">', '<label for="eintrag-datei">'):
        assert control in response.text
