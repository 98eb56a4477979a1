"""/query over HTTP: every example query runs and shows a table; errors are shown, not thrown."""

from __future__ import annotations

import html
import re

import pytest
import requests

from plangraph.example_queries import examples


def test_at_least_eight_examples() -> None:
    assert len(examples()) >= 8
    for example in examples():
        assert example.title("de") and example.title("en") != example.slug


# Examples that need district statistics the published data lacks: here they only run (a header row);
# tests/test_join_examples.py checks their rows with statistics loaded.
NEEDS_STATISTICS = {"14-measures-where-new-arrivals-rose"}


@pytest.mark.parametrize("slug", [e.slug for e in examples()])
def test_every_example_answers_with_rows(live_server: str, slug: str) -> None:
    response = requests.get(live_server + "query", params={"example": slug}, timeout=30)
    assert response.status_code == 200, response.text[:500]
    page = html.unescape(response.text)
    rows = re.findall(r"<tr>", page)
    assert len(rows) >= (1 if slug in NEEDS_STATISTICS else 2), f"{slug}: no result rows"  # header + answers
    assert "/sparql?" in page  # download links


def test_query_page_without_query_shows_the_form(live_server: str) -> None:
    response = requests.get(live_server + "query", timeout=10)
    assert response.status_code == 200
    assert '<textarea id="abfrage" name="query"' in response.text
    assert '<label for="abfrage">' in response.text
    assert "cdn" not in response.text.lower() and "<script" not in response.text.lower()


def test_query_page_reports_a_syntax_error(live_server: str) -> None:
    response = requests.get(live_server + "query", params={"query": "SELECT ?x WHERE {"}, timeout=10)
    assert response.status_code == 400
    assert re.search(r"line [12]\b", html.unescape(response.text))  # the end of the query: line 1 or after it


def test_query_page_refuses_updates(live_server: str) -> None:
    response = requests.get(live_server + "query", params={"query": "DROP ALL"}, timeout=10)
    assert response.status_code == 403
    assert "read-only" in response.text


def test_download_link_gives_csv(live_server: str) -> None:
    page = requests.get(live_server + "query", params={"example": examples()[1].slug}, timeout=10).text
    link = html.unescape(re.search(r'href="(/sparql\?[^"]*format=csv)"', page).group(1))  # type: ignore[union-attr]
    csv_response = requests.get(live_server.rstrip("/") + link, timeout=10)
    assert csv_response.status_code == 200
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    assert csv_response.text.splitlines()[0] == "fachbereich,anzahl,massnahmen"


def test_results_are_rendered_inert(live_server: str) -> None:
    query = 'SELECT ?x WHERE { BIND("<script>alert(1)</script>" AS ?x) }'
    response = requests.get(live_server + "query", params={"query": query}, timeout=10)
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)" in response.text
