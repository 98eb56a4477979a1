"""The join examples (11-14: measures with district statistics) return the expected rows with a statistics cube
loaded, on every store: rdflib (memory), Oxigraph (embedded) and Virtuoso (remote). Their answers download from
/query and /sparql as RFC 4180 CSV in UTF-8 that Python's csv module reads as it is: no pandas needed.

The cube is tests/data/federation/bezirksstatistik.ttl (made-up values; the share of new arrivals rises in
Herne-Mitte, Wanne and Eickel and falls in Sodingen). Measure A2.1 is the plan's one measure with places inside
Stadtbezirke (Herne-Mitte, Wanne-Süd, the Stadtbezirk Sodingen); no measure names a place in Eickel.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from rdflib import URIRef

from conftest import run_plangraph, serve_process
from plangraph.example_queries import example
from plangraph.formats import rdf_format
from plangraph.iris import DEFAULT_BASE_IRI
from plangraph.publish import ensure_published
from plangraph.sparql import RESULT_FORMATS
from plangraph.store import Store, open_store
from plangraph.web.sparql import attachment

CUBE = Path(__file__).parent / "data" / "federation" / "bezirksstatistik.ttl"
TEST_GRAPHS = "urn:x-plangraph-test:"  # outside the graphs the session's other servers on Virtuoso see
STATISTICS = URIRef(TEST_GRAPHS + "statistik")
HTTP_TIMEOUT = 30  # seconds; a guard against a hung request, not a performance assertion
LATEST, PER_DISTRICT, TRENDS, ROSE = ("11-measures-with-latest-indicator-values", "12-measures-per-district",
                                      "13-indicator-trends-for-a-target-group", "14-measures-where-new-arrivals-rose")
INDICATORS = {"Einwohner": "Anzahl", "Anteil Neuzugewanderte": "%", "Wohngeldhaushalte": "Anzahl"}
# (Stadtbezirk, the A2.1 place in it) and the cube's values 2016..2020 per indicator
DISTRICTS = {"Stadtbezirk Herne-Mitte": "Herne-Mitte", "Stadtbezirk Wanne": "Wanne-Süd",
             "Stadtbezirk Sodingen": "Stadtbezirk Sodingen"}
VALUES: dict[str, dict[str, list[int] | list[str]]] = {
    "Stadtbezirk Herne-Mitte": {"Einwohner": [61234, 61510, 61873, 62011, 61950],
                                "Anteil Neuzugewanderte": ["4.1", "4.4", "4.6", "4.9", "5.2"],
                                "Wohngeldhaushalte": [1210, 1254, 1298, 1340, 1402]},
    "Stadtbezirk Wanne": {"Einwohner": [44120, 44398, 44851, 45002, 45110],
                          "Anteil Neuzugewanderte": ["5.0", "5.3", "5.5", "5.4", "5.8"],
                          "Wohngeldhaushalte": [980, 1001, 1043, 1066, 1120]},
    "Stadtbezirk Sodingen": {"Einwohner": [25830, 25790, 25761, 25700, 25655],
                             "Anteil Neuzugewanderte": ["2.9", "2.8", "2.8", "2.7", "2.6"],
                             "Wohngeldhaushalte": [401, 398, 405, 410, 415]},
}
YEARS = ["2016", "2017", "2018", "2019", "2020"]
ROSE_ROWS = [("A2.1", "Herne-Mitte", "Stadtbezirk Herne-Mitte", "2016", Decimal("4.1"), "2020", Decimal("5.2")),
             ("A2.1", "Wanne-Süd", "Stadtbezirk Wanne", "2016", Decimal("5.0"), "2020", Decimal("5.8"))]


def _query(slug: str) -> str:
    found = example(slug)
    assert found is not None, f"no example {slug}"
    return found.text


@pytest.fixture(scope="module", params=["memory", "embedded", "virtuoso"])
def store(request: pytest.FixtureRequest, dataset_file: Path, tmp_path_factory: pytest.TempPathFactory,
          ) -> Iterator[Store]:
    """The published dataset and the test cube in one store of each kind."""
    graphs = [DEFAULT_BASE_IRI, "https://w3id.org/plangraph/", TEST_GRAPHS]
    if request.param == "virtuoso":
        where = request.getfixturevalue("virtuoso").sparql_url
    elif request.param == "embedded":
        where = str(tmp_path_factory.mktemp("joins") / "store")
    else:
        where = "memory"
    opened = open_store(where, graph_prefixes=graphs)
    ensure_published(opened, dataset_file)
    opened.load(CUBE, rdf_format("ttl"), STATISTICS)
    yield opened
    opened.replace_graph(STATISTICS, [])  # the session's Virtuoso is shared with other tests
    opened.close()


def _rows(store: Store, slug: str) -> list[dict[str, str]]:
    return [{name: str(value) for name, value in row.items()} for row in store.select(_query(slug))]


def test_latest_value_of_each_indicator_for_the_places_of_each_measure(store: Store) -> None:
    rows = _rows(store, LATEST)
    keys = [(r["massnahme"], r["ort"], r["gebiet"], r["indikator"]) for r in rows]
    assert len(keys) == len(set(keys)), "one row per measure, place, area and indicator"
    from_cube = {(r["massnahme"], r["ort"], r["gebiet"], r["indikator"], r["jahr"], Decimal(r["wert"]),
                  r.get("einheit")) for r in rows if r["indikator"] in INDICATORS}
    assert from_cube == {("A2.1", place, district, indicator, "2020", Decimal(str(values[-1])), INDICATORS[indicator])
                         for district, place in DISTRICTS.items()
                         for indicator, values in VALUES[district].items()}
    # the whole city's own statistics reach its measures and the places within it
    herne = {r["massnahme"] for r in rows if r["gebiet"] == "Herne"}
    assert {"A1.1", "A2.1", "B2.2"} <= herne


def test_measures_per_district_counts_the_places_within_it(store: Store) -> None:
    rows = _rows(store, PER_DISTRICT)
    found = [(r["stadtbezirk"], int(r["anzahl"]), set(filter(None, r.get("massnahmen", "").split(", "))),
              set(filter(None, r.get("orte", "").split(", ")))) for r in rows]
    assert found == [("Stadtbezirk Herne-Mitte", 1, {"A2.1"}, {"Herne-Mitte"}),
                     ("Stadtbezirk Sodingen", 1, {"A2.1"}, {"Stadtbezirk Sodingen"}),
                     ("Stadtbezirk Wanne", 1, {"A2.1"}, {"Wanne-Süd"}),
                     ("Stadtbezirk Eickel", 0, set(), set())]


def test_indicator_trends_for_the_places_of_a_target_group(store: Store) -> None:
    rows = _rows(store, TRENDS)
    from_cube = [(r["gebiet"], r["indikator"], r["jahr"], Decimal(r["wert"]), r["einheit"])
                 for r in rows if r["indikator"] in INDICATORS]
    assert from_cube == [(district, indicator, year, Decimal(str(value)), INDICATORS[indicator])
                         for district in sorted(VALUES) for indicator in sorted(INDICATORS)
                         for year, value in zip(YEARS, VALUES[district][indicator], strict=True)]
    assert "Stadtbezirk Eickel" not in {r["gebiet"] for r in rows}  # no measure for the group has a place there


def test_measures_in_districts_where_the_share_of_new_arrivals_rose(store: Store) -> None:
    rows = _rows(store, ROSE)
    assert [(r["massnahme"], r["ort"], r["gebiet"], r["vonJahr"], Decimal(r["vonWert"]), r["bisJahr"],
             Decimal(r["bisWert"])) for r in rows] == ROSE_ROWS


# --- the download for pandas and R: CSV over HTTP --------------------------------------------------------------

@pytest.fixture(scope="module")
def server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`plangraph serve` on an embedded store into which `plangraph load` put the cube."""
    folder = tmp_path_factory.mktemp("csv")
    code, _, err = run_plangraph("load", CUBE, "--graph", STATISTICS, "--store", folder / "store",
                                 env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    with serve_process(dataset_file, folder, {"PLANGRAPH_STORE": str(folder / "store")}) as (url, _):
        yield url


def _download(server: str, params: dict[str, str]) -> requests.Response:
    """Follow the query page's CSV download link, as a researcher's browser does."""
    page = requests.get(server + "query", params=params, timeout=HTTP_TIMEOUT)
    assert page.status_code == 200, page.text[:500]
    link = re.search(r'href="(/sparql\?[^"]*format=csv)"', page.text)
    assert link is not None, "no CSV download link"
    response = requests.get(server.rstrip("/") + html.unescape(link.group(1)), timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text[:500]
    return response


def _csv(response: requests.Response) -> list[list[str]]:
    """RFC 4180 as Python's csv module reads it: UTF-8, CRLF after every record."""
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b""), "records end in CRLF"
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def test_an_example_downloads_as_csv_named_after_it(server: str) -> None:
    response = _download(server, {"example": ROSE})
    assert response.headers["Content-Disposition"] == f'attachment; filename="{ROSE}.csv"'
    header, *records = _csv(response)
    assert header == ["massnahme", "ort", "gebiet", "vonJahr", "vonWert", "bisJahr", "bisWert"]
    assert [(*r[:4], Decimal(r[4]), r[5], Decimal(r[6])) for r in records] == ROSE_ROWS


# the measures' descriptions (umlauts, commas) and the vocabulary's English definitions with straight quotes
TRICKY_TEXTS = """PREFIX pg: <https://w3id.org/plangraph/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?nr ?beschreibung WHERE {
  { ?m a pg:Measure ; skos:notation ?nr ; dcterms:description ?beschreibung FILTER(lang(?beschreibung) = "de") }
  UNION { ?c skos:definition ?beschreibung ; rdfs:label ?nr
          FILTER(lang(?beschreibung) = "en" && lang(?nr) = "en" && CONTAINS(?beschreibung, '"')) }
} ORDER BY ?nr ?beschreibung"""


def test_a_value_with_umlaut_comma_and_quotes_survives_the_csv(server: str) -> None:
    query = TRICKY_TEXTS
    response = _download(server, {"query": query})
    assert response.headers["Content-Disposition"] == 'attachment; filename="abfrage.csv"'
    header, *records = _csv(response)
    assert header == ["nr", "beschreibung"]
    as_json = requests.get(server + "sparql", params={"query": query}, timeout=HTTP_TIMEOUT).json()
    assert records == [[b["nr"]["value"], b["beschreibung"]["value"]] for b in as_json["results"]["bindings"]]
    assert [text for _, text in records if "," in text and re.search("[äöüÄÖÜß]", text)], "no umlaut and comma"
    assert [text for _, text in records if '"' in text], "no quote: the test would prove less"
    # the same answer by content negotiation, without the download name
    negotiated = requests.get(server + "sparql", params={"query": query}, headers={"Accept": "text/csv"},
                              timeout=HTTP_TIMEOUT)
    assert negotiated.content == response.content
    assert "Content-Disposition" not in negotiated.headers


@pytest.mark.parametrize(("name", "fmt", "expected"), [
    ("14-measures-where-new-arrivals-rose", "csv", "14-measures-where-new-arrivals-rose.csv"),
    ('../../etc/passwd x"y', "csv", "etc-passwd-x-y.csv"),
    ("", "json", "abfrage.json"),
    ("graph", "rdfxml", "graph.rdf"),
])
def test_the_download_name_is_safe(name: str, fmt: str, expected: str) -> None:
    chosen = next(f for f in RESULT_FORMATS if f.name == fmt)
    assert attachment(name, chosen) == f'attachment; filename="{expected}"'
