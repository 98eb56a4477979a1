"""Sheets of measures (plangraph.csv_import): reading CSV as Excel saves it, one entry per row, problems at the
row and column a steward sees; and `plangraph import-csv` end to end, in a subprocess."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from conftest import PROJECT_ROOT, RunCli
from plangraph.csv_import import (
    COLUMNS,
    TEMPLATE_FILE,
    CellProblem,
    RowEntry,
    import_rows,
    problems_by_cell,
    read_csv,
    rows_to_entries,
)
from plangraph.entries import build_entry
from plangraph.errors import InputError
from plangraph.iris import Minter
from plangraph.namespaces import ADMS, PG
from plangraph.store.memory import MemoryStore
from plangraph.validate import Problem

CSV = Path(__file__).parent / "data" / "csv"
BASE = "https://w3id.org/plangraph/herne/"
FIELD = f"{BASE}wohnen-und-stadtentwicklung/"
B2_2, B2_3, B2_4 = (URIRef(f"{FIELD}massnahme/{n}") for n in ("B2-2", "B2-3", "B2-4"))
TODAY = date(2026, 11, 24)
MINTER = Minter(BASE)
HEADER = "Handlungsziel,Maßnahme,Text,Verantwortlich,Zielgruppe,Status,Bemerkungen,Orte,Stand\n"


@pytest.fixture
def store(published_memory_store: MemoryStore) -> MemoryStore:
    """The published dataset, shared: tests that change the store make their own."""
    return published_memory_store


def read(name: str) -> bytes:
    return (CSV / name).read_bytes()


def cells(problems: list[CellProblem]) -> list[tuple[int, str]]:
    return [(p.row, p.column) for p in problems]


# --- reading ---------------------------------------------------------------------------------------------------

def test_utf8_with_commas() -> None:
    rows = read_csv(read("neue-massnahme-und-stand.csv"), "x.csv")
    assert [r.number for r in rows] == [2, 3]
    assert rows[0].cells["number"] == "B2.4"
    assert rows[0].cells["target_groups"] == "Menschen mit Fluchterfahrung; Wohnungssuchende"
    assert rows[1].cells["date"] == "2026-06-30"


def test_a_byte_order_mark_is_not_part_of_the_first_column() -> None:
    assert read_csv(read("mit-bom.csv"), "x.csv") == read_csv(read("neue-massnahme-und-stand.csv"), "x.csv")


def test_windows_1252_with_semicolons_and_umlauts() -> None:
    data = read("excel-windows-1252.csv")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    [row] = read_csv(data, "excel.csv")
    assert row.cells["text"] == "Wohnbauflächen für Familien werden geprüft; die Öffentlichkeit wird beteiligt."
    assert row.cells["target_groups"] == "Öffentlichkeit"
    assert row.cells["remarks"] == "Größere Flächen zuerst."


@pytest.mark.parametrize("header", ["Maßnahme;Status", "MASSNAHME;STATUS", "massnahme;status", " Maßnahme ;Status",
                                    "MAẞNAHME;Status", "Maßnahme ;status"])
def test_headers_match_without_case_sharp_s_or_spaces(header: str) -> None:
    [row] = read_csv(f"{header}\nB2.2;Läuft.\n".encode(), "x.csv")
    assert row.cells == {"number": "B2.2", "status": "Läuft."}


def test_a_missing_required_column_is_named() -> None:
    with pytest.raises(InputError) as caught:
        read_csv(read("fehlende-spalte.csv"), "fehlend.csv")
    assert "missing column(s): Maßnahme" in caught.value.message
    assert caught.value.location is not None and caught.value.location.line == 1
    assert "fehlend.csv" in str(caught.value)


def test_an_unknown_column_is_named_with_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        read_csv(read("unbekannte-spalte.csv"), "x.csv")
    assert "unknown column(s): Zielgrupe" in caught.value.message
    assert "Handlungsziel, Maßnahme, Text" in caught.value.message


def test_an_unclosed_quote_names_the_line_where_its_cell_starts() -> None:
    with pytest.raises(InputError) as caught:
        read_csv(read("offenes-anfuehrungszeichen.csv"), "kaputt.csv")
    assert "not closed" in caught.value.message
    assert caught.value.location is not None and caught.value.location.line == 3
    assert str(caught.value).startswith("kaputt.csv, line 3")


def test_rows_keep_their_spreadsheet_number_and_their_line() -> None:
    data = (HEADER + ',B2.2,,,,"Zwei\nZeilen",,,\n\n,,,,,,,,\n,B2.3,,,,Eins,,,\n').encode()
    rows = read_csv(data, "x.csv")
    assert [(r.number, r.line) for r in rows] == [(2, 2), (5, 6)]  # the empty records are skipped, not renumbered
    assert rows[0].cells["status"] == "Zwei\nZeilen"


def test_more_cells_than_columns_is_refused_and_blank_trailing_cells_are_not() -> None:
    assert read_csv(b"Massnahme,Status,,\nB2.2,x,,\n", "x.csv")[0].cells == {"number": "B2.2", "status": "x"}
    with pytest.raises(InputError) as caught:
        read_csv(b"Massnahme,Status\nB2.2,x,y\n", "x.csv")
    assert caught.value.location is not None and caught.value.location.line == 2


@pytest.mark.parametrize("data", [b"", b"\n\n", b"Ma\x81nahme\n\xff\xfe\n"])
def test_empty_or_undecodable_files_are_input_errors(data: bytes) -> None:
    with pytest.raises(InputError):
        read_csv(data, "x.csv")


def test_a_column_given_twice_is_refused() -> None:
    with pytest.raises(InputError, match="given twice: Maßnahme"):
        read_csv(b"Massnahme,Ma\xc3\x9fnahme\nB2.2,B2.3\n", "x.csv")


# --- rows to entries -------------------------------------------------------------------------------------------

def test_an_existing_measure_becomes_a_status_update(store: MemoryStore) -> None:
    rows = read_csv(read("neue-massnahme-und-stand.csv"), "x.csv")
    new, status = rows_to_entries(rows, store, MINTER, TODAY)
    assert (new.row, new.entry.kind, new.entry.focus) == (2, "measure", B2_4)
    assert (status.row, status.entry.kind) == (3, "status")
    report = URIRef(f"{B2_2}#status-2026-06-30")
    assert status.entry.focus == report and status.entry.problems == []
    graph = status.entry.graph
    assert graph.value(report, PG.statusOf) == B2_2
    assert graph.value(report, PG.statusText) == Literal(
        "Im Jahr 2026 zogen rund 120 Personen in privaten Wohnraum.", lang="de")
    assert graph.value(report, PG.remark) == Literal("Zahlen aus dem Wohnungsmanagement.", lang="de")
    assert graph.value(report, DCTERMS.date) == Literal(date(2026, 6, 30))
    # Verantwortlich and Zielgruppe repeat the published wording: no problem, and nothing of them in the report
    assert set(graph.predicates(report)) == {RDF.type, PG.statusOf, PG.statusText, PG.remark, DCTERMS.date}


def test_a_status_row_without_a_date_is_dated_today(store: MemoryStore) -> None:
    [row] = rows_to_entries(read_csv((HEADER + ",b2.2,,,,Läuft.,,,\n").encode(), "x.csv"), store, MINTER, TODAY)
    assert row.entry.focus == URIRef(f"{B2_2}#status-2026-11-24")


def test_a_status_worded_as_a_category_sets_it_in_the_report_too(store: MemoryStore) -> None:
    data = (HEADER + ",B2.2,,,,in Umsetzung,,,\n,B2.3,,,,In Umsetzung seit Mai.,,,\n").encode()
    exact, worded = rows_to_entries(read_csv(data, "x.csv"), store, MINTER, TODAY)
    assert exact.entry.graph.value(exact.entry.focus, ADMS.status) == PG.StatusInProgress
    assert worded.entry.graph.value(worded.entry.focus, ADMS.status) is None


def test_a_changed_place_in_a_status_row_is_a_problem(store: MemoryStore) -> None:
    data = (HEADER + ",B2.2,,,,Läuft.,,Herne,\n,B2.2,,,,Läuft.,,Elpeshof,\n").encode()
    same, other = rows_to_entries(read_csv(data, "x.csv"), store, MINTER, TODAY)
    assert [p.field for p in same.entry.problems] == []
    assert "places" in [p.field for p in other.entry.problems]


def test_a_changed_text_in_a_status_row_asks_for_a_correction(store: MemoryStore) -> None:
    [row] = rows_to_entries(read_csv(read("stand-mit-anderem-text.csv"), "x.csv"), store, MINTER, TODAY)
    assert row.entry.kind == "status"
    problems = problems_by_cell(row, [])
    assert cells(problems) == [(2, "Text")]
    assert "Korrektur (Feld „Beschreibung“)" in problems[0].message("de")
    assert 'correction (field "description")' in problems[0].message("en")


def test_a_measure_in_two_rows_is_a_problem_of_the_second(store: MemoryStore) -> None:
    data = (HEADER + ",B2.2,,,,Eins,,,\n,B2.2,,,,Zwei,,,\n").encode()
    first, second = rows_to_entries(read_csv(data, "x.csv"), store, MINTER, TODAY)
    assert first.entry.problems == []
    assert cells(problems_by_cell(second, [])) == [(3, "Maßnahme")]
    assert "Zeile 2" in second.entry.problems[0].messages["de"]


def test_the_templates_example_row_is_not_imported_unchanged(store: MemoryStore) -> None:
    [row] = rows_to_entries(read_csv(TEMPLATE_FILE.read_bytes(), "vorlage.csv"), store, MINTER, TODAY)
    assert cells(problems_by_cell(row, [])) == [(2, "Bemerkungen")]


def test_the_template_has_the_columns_and_one_example_row() -> None:
    # ';' and a BOM: what German Excel opens correctly with a double click
    assert TEMPLATE_FILE.read_bytes().startswith(b"\xef\xbb\xbf")
    lines = TEMPLATE_FILE.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Handlungsziel;Maßnahme;Text;Verantwortlich;Zielgruppe;Status;Bemerkungen;Orte;Stand"
    assert lines[0].split(";") == list(COLUMNS.values())
    [row] = read_csv(TEMPLATE_FILE.read_bytes(), "vorlage.csv")
    assert row.cells["remarks"].startswith("Beispielzeile")


def test_an_unknown_target_group_is_reported_at_its_row_and_column(store: MemoryStore, shapes: Graph) -> None:
    rows = read_csv(read("unbekannte-zielgruppe.csv"), "x.csv")
    result = import_rows(rows, store, MINTER, TODAY, shapes)
    assert cells(result.problems) == [(3, "Zielgruppe")]
    assert "„Geflüchtete Familien“ nicht gefunden" in result.problems[0].message("de")
    assert result.problems[0].render("x.csv", "en").startswith('x.csv: row 3, column Zielgruppe: Target group "Gef')
    assert result.problems[0].render("x.csv", "de").startswith("x.csv: Zeile 3, Spalte Zielgruppe: Zielgruppe „Gef")
    assert not result.conforms


def test_shape_and_plan_rule_problems_find_their_cell(store: MemoryStore, shapes: Graph) -> None:
    data = (HEADER + "B2,B2.5,,Fachbereich Soziales,,,,,\n"  # no Text: the shapes
            ",B2.2,,,,,,,\n"  # a status row without Status: the shapes
            ",B2.3,,,,Läuft.,,,2027-01-01\n").encode()  # a date in the future: a plan rule
    result = import_rows(read_csv(data, "x.csv"), store, MINTER, TODAY, shapes)
    assert cells(result.problems) == [(2, "Text"), (3, "Status"), (4, "Stand")]
    assert "2027-01-01" in result.problems[2].message("en")


def test_a_valid_sheet_conforms_and_gives_one_graph(store: MemoryStore, shapes: Graph) -> None:
    result = import_rows(read_csv(read("excel-windows-1252.csv"), "x.csv"), store, MINTER, TODAY, shapes)
    assert result.problems == [] and result.conforms
    measure = URIRef(f"{FIELD}massnahme/B1-2")
    graph = result.graph()
    assert graph.value(measure, ADMS.status) == PG.StatusInPreparation
    assert graph.value(measure, PROV.wasAttributedTo) == URIRef(f"{BASE}org/fachbereich-umwelt-und-stadtplanung")


def test_a_problem_on_a_qualified_attribution_is_shown_at_verantwortlich(store: MemoryStore) -> None:
    entry = build_entry("measure", {"goal": "B2", "number": "B2.4", "responsible": "Fachbereich Soziales"},
                        store, MINTER, TODAY)
    node = URIRef(f"{B2_4}#verantwortlich-fachbereich-soziales")
    problem = Problem(focus=node, path=PROV.agent, value=None, severity="Warning",
                      messages={"de": "Achtung.", "en": "Careful."}, shape=None, component=None)
    [found] = problems_by_cell(RowEntry(7, entry), [problem])
    assert (found.row, found.column, found.severity) == (7, "Verantwortlich", "Warning")
    assert found.render("f.csv", "de") == "f.csv: Zeile 7, Spalte Verantwortlich: Warnung: Achtung."


# --- the command ----------------------------------------------------------------------------------------------

def test_cli_writes_the_turtle_of_a_valid_sheet(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "entries.ttl"
    code, stdout, err = run_cli("import-csv", CSV / "neue-massnahme-und-stand.csv", "--out", out)
    assert code == 0, err
    graph = Graph().parse(out, format="turtle")
    assert (B2_4, RDF.type, PG.Measure) in graph
    assert (URIRef(f"{B2_2}#status-2026-06-30"), PG.statusOf, B2_2) in graph
    assert stdout == ""


def test_cli_prints_turtle_of_a_windows_sheet_to_stdout(run_cli: RunCli) -> None:
    code, stdout, err = run_cli("import-csv", CSV / "excel-windows-1252.csv")
    assert code == 0, err
    graph = Graph().parse(data=stdout, format="turtle")
    assert graph.value(URIRef(f"{FIELD}massnahme/B1-2"), DCTERMS.description) == Literal(
        "Wohnbauflächen für Familien werden geprüft; die Öffentlichkeit wird beteiligt.", lang="de")


def test_cli_names_row_and_column_of_each_problem(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "entries.ttl"
    sheet = CSV / "unbekannte-zielgruppe.csv"
    code, stdout, err = run_cli("import-csv", sheet, "--out", out, "--lang", "en")
    assert code == 1
    assert f"{sheet}: row 3, column Zielgruppe: Target group \"Geflüchtete Familien\" not found." in err
    assert stdout == "" and not out.exists()
    code, _, err = run_cli("import-csv", sheet)
    assert code == 1 and f"{sheet}: Zeile 3, Spalte Zielgruppe: Zielgruppe „Geflüchtete Familien“" in err


@pytest.mark.parametrize("args, expected", [
    ((CSV / "offenes-anfuehrungszeichen.csv",), "offenes-anfuehrungszeichen.csv, line 3: a quoted cell is not closed"),
    ((CSV / "fehlende-spalte.csv",), "missing column(s): Maßnahme"),
    ((CSV / "gibt-es-nicht.csv",), "gibt-es-nicht.csv: cannot read the file"),
    ((), "give a CSV file"),
])
def test_cli_exits_2_on_a_sheet_it_cannot_read(run_cli: RunCli, args: tuple[Path, ...], expected: str) -> None:
    code, stdout, err = run_cli("import-csv", *args)
    assert code == 2
    assert expected in err and stdout == ""


def test_cli_prints_the_template(run_cli: RunCli) -> None:
    code, stdout, err = run_cli("import-csv", "--template")
    assert code == 0, err
    assert stdout.encode("utf-8") == (PROJECT_ROOT / "data" / "templates" / "massnahmen.csv").read_bytes()  # BOM, CRLF
