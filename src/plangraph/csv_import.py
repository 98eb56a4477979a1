"""Spreadsheets of measures, as stewards keep them in Excel (template: data/templates/massnahmen.csv): reading
the CSV, one entry per row (a new measure, or a status report for a measure already published), checking each
entry in the context of the published data, and every problem mapped back to the row and column it came from.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from plangraph.checks import check_entry
from plangraph.entries import CORRECTABLE, MEASURE_FIELDS, STATUS_FIELDS, Entry, FieldProblem, build_entry
from plangraph.errors import InputError, Location
from plangraph.iris import Minter
from plangraph.namespaces import PG, bind_prefixes
from plangraph.resolve import (
    ACTION_GOAL,
    MEASURE,
    PLACE,
    STATUS,
    Unresolved,
    candidates,
    clean,
    current_values,
    resolve_names,
    resolve_notation,
)
from plangraph.resources import DATA_DIR
from plangraph.store.base import Store
from plangraph.store.terms import query_iri as iri
from plangraph.untrusted import wide_encoding
from plangraph.validate import Problem

TEMPLATE_FILE = DATA_DIR / "templates" / "massnahmen.csv"
DATE = "date"  # the status report's field; a sheet's "Stand"
# The sheet's columns by field name, in the template's order: a measure's fields, then the date of a status.
COLUMNS: dict[str, str] = {**{f.name: f.column for f in MEASURE_FIELDS},
                           DATE: next(f.column for f in STATUS_FIELDS if f.name == DATE)}
# Every row names its measure; all other columns may be left out (a sheet of status updates needs no Text).
REQUIRED = ("number",)
# The template's example row says so in its remarks; imported unchanged it would become a measure.
EXAMPLE_MARKER = "Beispielzeile"
# Columns a header may have, blank ones included (Excel adds some after the last): far more than any sheet needs,
# few enough that an error listing them stays readable.
MAX_COLUMNS = 1000
# Rows a sheet may have: each is checked on its own against the shapes (about 50 ms a row), so that a sheet is
# checked within seconds; the plan has a few dozen measures.
MAX_ROWS = 200
# The published texts a status update must leave alone (they change through a correction), by field.
TEXTS = {"text": DCTERMS.description, "responsible": PG.responsibleText, "target_groups": PG.targetGroupText}


@dataclass(frozen=True)
class Row:
    """One row of the sheet: its number as a spreadsheet shows it (the header is row 1), the line of the file it
    starts on (a cell may hold line breaks), and its cells by field name."""

    number: int
    line: int
    cells: dict[str, str]


@dataclass
class RowEntry:
    row: int
    entry: Entry


@dataclass(frozen=True)
class CellProblem:
    """A problem where the steward will look for it: a row and a column of the sheet."""

    row: int
    column: str
    severity: str  # "Violation", "Warning" or "Info", as in plangraph.validate
    messages: dict[str, str]

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or self.messages["en"]

    def render(self, source: str, lang: str) -> str:
        """`FILE: row N, column Spalte: message` (in German: `Zeile N, Spalte ...`); warnings say so."""
        where = f"Zeile {self.row}, Spalte {self.column}" if lang == "de" else f"row {self.row}, column {self.column}"
        severity = _SEVERITY.get(lang, _SEVERITY["en"]).get(self.severity, "")
        return f"{source}: {where}: {severity}{self.message(lang)}"


_SEVERITY = {"de": {"Warning": "Warnung: ", "Info": "Hinweis: "}, "en": {"Warning": "warning: ", "Info": "note: "}}


# --- reading ---------------------------------------------------------------------------------------------------

def read_csv(data: bytes, name: str) -> list[Row]:
    """The rows of a sheet saved as CSV: UTF-8 (with or without the BOM Excel writes) or Windows-1252 (Excel's
    default for German), ',' or ';' between cells, the header matched without regard to case, 'ß' or umlauts.
    Rows with no text in any cell are skipped. Unreadable input is an InputError that says where."""
    text = decode_sheet(data, name)
    if not text.strip():
        raise InputError("the file is empty", Location(file=name))
    first = text.splitlines()[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    while True:
        line = reader.line_num + 1
        try:
            records.append((line, next(reader)))
        except StopIteration:
            break
        except csv.Error as error:
            raise InputError(csv_problem(error), Location(file=name, line=line)) from error
    fields = _header(records[0][1], name)
    rows: list[Row] = []
    for number, (line, cells) in enumerate(records[1:], start=2):
        if len(cells) > len(fields) and any(c.strip() for c in cells[len(fields):]):
            raise InputError(f"row {number} has more cells than the header has columns", Location(file=name, line=line))
        values = {f: cell for f, cell in zip(fields, cells, strict=False) if f}
        if any(v.strip() for v in values.values()):
            if len(rows) == MAX_ROWS:
                raise InputError(f"more than {MAX_ROWS} rows with entries; split the sheet",
                                 Location(file=name, line=line))
            rows.append(Row(number, line, values))
    return rows


def decode_sheet(data: bytes, name: str) -> str:
    """A spreadsheet saved as CSV, as text: UTF-8 (with or without BOM) tried strictly first, since Windows-1252
    (Excel's German default) decodes almost any bytes and so can only be the fallback. UTF-16 (Excel's "Unicode
    text") would decode as Windows-1252 too, into nonsense: it is named instead."""
    if (wide := wide_encoding(data)) is not None:
        raise InputError(f"the file is {wide} text; save it as \"CSV UTF-8\" (or CSV with ';')", Location(file=name))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise InputError("the file is neither UTF-8 nor Windows-1252 text", Location(file=name)) from error


def csv_problem(error: csv.Error) -> str:
    """What a CSV reader's error means for whoever saved the sheet."""
    text = str(error)
    if "end of data" in text:
        return "a quoted cell is not closed (a '\"' is missing)"
    if "field larger than field limit" in text:
        return f"a cell is longer than {csv.field_size_limit()} characters"
    return f"malformed CSV: {text}"


def _key(header: str) -> str:
    """A header as compared: 'Maßnahme', 'MASSNAHME', 'Massnahme' and 'Maßnahme ' are one column."""
    text = unicodedata.normalize("NFKD", header.casefold())  # casefold turns 'ß' into 'ss'
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return re.sub(r"[^a-z0-9]", "", text)


_BY_KEY = {_key(column): name for name, column in COLUMNS.items()}


def _header(cells: list[str], name: str) -> list[str]:
    """The field name of each column ('' for a blank header cell, as Excel leaves after the last column)."""
    if len(cells) > MAX_COLUMNS:
        raise InputError(f"the header has {len(cells)} columns; a sheet has at most {MAX_COLUMNS}",
                         Location(file=name, line=1))
    fields = [_BY_KEY.get(_key(cell), "?") if cell.strip() else "" for cell in cells]
    unknown = [cell.strip() for cell, f in zip(cells, fields, strict=True) if f == "?"]
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise InputError(f"unknown column(s): {shown}; the columns are: {', '.join(COLUMNS.values())}",
                         Location(file=name, line=1, field=unknown[0][:80]))
    doubled = sorted({COLUMNS[f] for f in fields if f and fields.count(f) > 1})
    if doubled:
        raise InputError(f"column(s) given twice: {', '.join(doubled)}", Location(file=name, line=1, field=doubled[0]))
    missing = [COLUMNS[f] for f in REQUIRED if f not in fields]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", Location(file=name, line=1, field=missing[0]))
    return fields


# --- rows to entries -------------------------------------------------------------------------------------------

def rows_to_entries(rows: Sequence[Row], store: Store, minter: Minter, today: date) -> list[RowEntry]:
    """One entry per row: a status report where the row's measure is published (found by its number, within its
    action goal when the row names one), else a new measure. A measure named in two rows is a problem."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        entry = _row_entry(row, store, minter, today)
        number = clean(row.cells.get("number", "")).upper()
        if number in seen:
            entry.problems.append(FieldProblem("number", number, {
                "de": f"Die Maßnahme {number} steht schon in Zeile {seen[number]}: eine Zeile je Maßnahme.",
                "en": f"Measure {number} is in row {seen[number]} already: one row per measure."}))
        elif number:
            seen[number] = row.number
        if EXAMPLE_MARKER.casefold() in row.cells.get("remarks", "").casefold():
            entry.problems.append(FieldProblem("remarks", row.cells["remarks"], {
                "de": "Das ist die Beispielzeile der Vorlage: bitte löschen oder durch eine eigene Zeile ersetzen.",
                "en": "This is the template's example row: please delete it or replace it with a row of your own."}))
        out.append(RowEntry(row.number, entry))
    return out


def _row_entry(row: Row, store: Store, minter: Minter, today: date) -> Entry:
    cells = row.cells
    goal = clean(cells.get("goal", ""))
    serves = resolve_notation(store, ACTION_GOAL, goal) if goal else None
    measure = _published(store, cells.get("number", ""), serves)
    if measure is None:
        return build_entry("measure", {f.name: cells.get(f.name, "") for f in MEASURE_FIELDS}, store, minter, today)
    status = clean(cells.get("status", ""))
    # as for a new measure: a status worded exactly as a category sets the category too
    category = resolve_names(store, STATUS, [status], suggest=False).get(status) if status else None
    entry = build_entry("status", {"measure": str(measure), "date": cells.get(DATE, ""), "status": status,
                                   "status_category": str(category) if isinstance(category, URIRef) else "",
                                   "remarks": cells.get("remarks", "")},
                        store, minter, today)
    if isinstance(serves, Unresolved):
        entry.problems.append(FieldProblem("goal", goal, serves.messages))
    entry.problems += _changed_texts(store, measure, cells) + _changed_places(store, measure, cells)
    return entry


def _published(store: Store, number: str, serves: URIRef | Unresolved | None) -> URIRef | None:
    """The published measure a row names (within its action goal when the row names one), if exactly one. With
    none, or several in different fields and no goal to tell them apart, the row is built as a new measure, and
    building it says what is missing."""
    if not clean(number):
        return None
    restriction = f"?s pg:servesGoal {iri(serves)} ." if isinstance(serves, URIRef) else ""
    found = candidates(store, MEASURE, number, restriction)
    return found[0] if len(found) == 1 else None


def _same(a: str, b: str) -> bool:
    """Equal texts, whatever line breaks and spaces a spreadsheet put in."""
    return " ".join(clean(a).split()) == " ".join(clean(b).split())


def _changed_texts(store: Store, measure: URIRef, cells: dict[str, str]) -> list[FieldProblem]:
    """A published text the row words differently: a status row cannot change it, a correction can."""
    published = current_values(store, measure, list(TEXTS.values()))
    problems = []
    for name, prop in TEXTS.items():
        given = clean(cells.get(name, ""))
        if given and not any(_same(given, text) for text in published.get(prop, set())):
            de, en = _correction_field(prop)
            problems.append(FieldProblem(name, given, {
                "de": "Die Maßnahme ist mit anderem Wortlaut veröffentlicht. Diese Zeile meldet nur einen neuen Stand; "
                      f"einen Wortlaut ändert eine Korrektur (Feld „{de}“). Sonst bitte die Zelle leeren.",
                "en": "The measure is published with a different wording. This row only reports a new status; a "
                      f'wording is changed by a correction (field "{en}"). Otherwise please empty the cell.'}))
    return problems


def _correction_field(prop: URIRef) -> tuple[str, str]:
    """How a correction names the field of a property: the German label, and the English choice name."""
    de = next(f.label["de"] for f in MEASURE_FIELDS if prop in f.paths)
    return de, next(name for name, p in CORRECTABLE.items() if p == prop)


def _changed_places(store: Store, measure: URIRef, cells: dict[str, str]) -> list[FieldProblem]:
    """Places other than the published ones: no entry of a status row could carry them, so they are not lost
    silently."""
    given = [p for p in re.split(r"[;\n]", clean(cells.get("places", ""))) if clean(p)]
    if not given:
        return []
    resolved = resolve_names(store, PLACE, given, suggest=False)
    rows = store.select(f"SELECT ?o WHERE {{ {iri(measure)} {iri(DCTERMS.spatial)} ?o }}")
    if {resolved.get(clean(p)) for p in given} == {row["o"] for row in rows if "o" in row}:
        return []
    return [FieldProblem("places", clean(cells["places"]), {
        "de": "Die Maßnahme ist mit anderen Orten veröffentlicht; eine Zeile für eine veröffentlichte Maßnahme "
              "meldet nur einen neuen Stand. Bitte die Zelle leeren oder die veröffentlichten Orte eintragen.",
        "en": "The measure is published with other places; a row for a published measure only reports a new "
              "status. Please empty the cell or give the published places."})]


# --- checking --------------------------------------------------------------------------------------------------

@dataclass
class SheetImport:
    """A sheet's entries and every problem found in it, by row and column."""

    entries: list[RowEntry]
    problems: list[CellProblem]

    @property
    def conforms(self) -> bool:
        return not any(p.severity == "Violation" for p in self.problems)

    def graph(self) -> Graph:
        """All rows' entries in one graph, for one Turtle document."""
        graph = bind_prefixes(Graph())
        for row_entry in self.entries:
            graph += row_entry.entry.graph
        return graph


def import_rows(rows: Sequence[Row], store: Store, minter: Minter, today: date, shapes: Graph) -> SheetImport:
    """The rows as entries, each checked on its own in the context of the published data (shapes and plan rules),
    with the values that named nothing and what the checks find, by row and column."""
    entries = rows_to_entries(rows, store, minter, today)
    problems = []
    for row_entry in entries:
        graph = row_entry.entry.graph
        found = check_entry(store, graph, shapes, today).problems if len(graph) else []
        problems += problems_by_cell(row_entry, found)
    return SheetImport(entries, problems)


def problems_by_cell(row_entry: RowEntry, problems: Sequence[Problem]) -> list[CellProblem]:
    """A row's FieldProblems and validation Problems at the cells they concern (found through the entry's focus
    and its map of paths to fields). A cell whose value named nothing shows only that: what the shapes then miss
    (e.g. no responsible unit) follows from it."""
    entry = row_entry.entry
    out = [CellProblem(row_entry.row, _column(p.field), "Violation", p.messages) for p in entry.problems]
    resolved_badly = {p.column for p in out}
    for problem in problems:
        column = _column(entry.field_of(problem.focus, problem.path) or "")
        if column not in resolved_badly:
            out.append(CellProblem(row_entry.row, column, problem.severity, _messages(problem)))
    order = list(COLUMNS.values())
    return sorted(out, key=lambda p: (p.row, order.index(p.column) if p.column in order else len(order)))


def _column(field_name: str) -> str:
    """The sheet's column of a field (a status report's 'measure' is the column of the measure's number)."""
    return COLUMNS.get(field_name) or next((f.column for f in STATUS_FIELDS if f.name == field_name),
                                           COLUMNS["number"])


def _messages(problem: Problem) -> dict[str, str]:
    return {lang: problem.message(lang) for lang in ("de", "en")}
