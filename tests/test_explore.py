"""/search over HTTP, as a browser and as a machine reach it."""

from __future__ import annotations

import html
import re

import requests

MEASURE = "https://w3id.org/plangraph/herne/wohnen-und-stadtentwicklung/massnahme/"


def test_search_page_finds_without_umlauts(live_server: str) -> None:
    response = requests.get(live_server + "search", params={"q": "fluchtling"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = html.unescape(response.text)
    assert "Maßnahme B2.1" in page and "Maßnahme B2.2" in page
    assert 'href="/wohnen-und-stadtentwicklung/massnahme/B2-1"' in response.text  # local links


def test_facet_link_narrows_the_results(live_server: str) -> None:
    page = requests.get(live_server + "search", params={"q": "wohnraum"}, timeout=10).text
    link = next(html.unescape(m) for m in re.findall(r'href="([^"]*department=[^"]*)"', page)
                if "fachbereich-soziales" in m)
    narrowed = requests.get(live_server.rstrip("/") + link, params={"format": "x"}, timeout=10)
    assert narrowed.status_code == 200
    text = html.unescape(narrowed.text)
    assert "Maßnahme B2.2" in text and "Maßnahme B1.1" not in text
    assert 'aria-current="true"' in narrowed.text


def test_search_json_twin(live_server: str) -> None:
    by_suffix = requests.get(live_server + "search.json", params={"q": "Flüchtling"}, timeout=10).json()
    by_accept = requests.get(live_server + "search", params={"q": "Flüchtling"},
                             headers={"Accept": "application/json"}, timeout=10).json()
    assert by_suffix == by_accept
    assert MEASURE + "B2-1" in [r["iri"] for r in by_suffix["results"]]
    assert set(by_suffix["facets"]) == {"department", "group", "status"}


def test_search_input_is_rendered_inert(live_server: str) -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    response = requests.get(live_server + "search", params={"q": hostile}, timeout=10)
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert "<img src=x" not in response.text


def test_empty_search_shows_the_form(live_server: str) -> None:
    response = requests.get(live_server + "search", timeout=10)
    assert response.status_code == 200
    assert 'name="q"' in response.text
    assert requests.get(live_server + "search.json", timeout=10).json()["results"] == []
