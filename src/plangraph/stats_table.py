"""Reading a statistics table (CSV as Excel saves it): one row per district and year, every other column an
indicator whose header is its label with an optional unit in brackets (`Anteil Neuzugewanderte [%]`); and reading
its cells (numbers with a decimal comma or point, four-digit years). What cannot be read as such a table is an
InputError (exit 2); what is wrong in a cell is a `TableProblem` at its row and column.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from plangraph.csv_import import MAX_COLUMNS, decode_sheet
from plangraph.errors import InputError, Location
from plangraph.iris import slug

COMMENT_PREFIX = "#"  # as in CSV on the Web (CSVW): lines before the header that start with it are comments
_HEADER = re.compile(r"^(?P<label>.*?)\s*\[(?P<unit>[^\[\]]*)\]$")


# --- the table -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Indicator:
    """An indicator column: its header as written, the label and unit read from it, and its key (the label's
    slug, which names its measure property)."""

    column: str
    label: str
    unit: str | None
    key: str


@dataclass(frozen=True)
class TableRow:
    """One row as a spreadsheet numbers it (comment lines and the header count), with its cells as written."""

    number: int
    area: str
    year: str
    cells: dict[str, str]  # indicator key -> cell text


@dataclass(frozen=True)
class Table:
    name: str
    area_column: str
    year_column: str
    indicators: tuple[Indicator, ...]
    rows: tuple[TableRow, ...]
    comments: tuple[str, ...] = ()


def read_table(data: bytes, name: str, area_column: str = "Stadtbezirk", year_column: str = "Jahr") -> Table:
    """The table of a CSV file: UTF-8 (with or without BOM) or Windows-1252, ',' or ';' between cells (whichever
    the header uses), comment lines starting with '#' before the header. A file that cannot be read as such a
    table is an InputError that says where (exit 2); what is wrong in a cell is left to `resolve_rows`."""
    text = decode_sheet(data, name)
    lines = text.splitlines()
    comments: list[str] = []
    skipped = 0  # comment and blank lines before the header (they count as rows of the sheet)
    while lines and (not lines[0].strip(" ;,\t") or lines[0].lstrip().startswith(COMMENT_PREFIX)):
        line = lines.pop(0).strip()
        skipped += 1
        if line.startswith(COMMENT_PREFIX):  # Excel adds the delimiters of the empty cells after it
            comments.append(line.lstrip(COMMENT_PREFIX).rstrip(";,\t").strip())
    if not lines:
        raise InputError("the file has no header row (and no data)", Location(file=name))
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    records = _records("\n".join(lines), delimiter, name, skipped)
    first, header = records[0]
    area, year, indicators = _header(header, area_column, year_column, name, first)
    rows = []
    for number, cells in records[1:]:
        cells = [_clean(c) for c in cells] + [""] * (len(header) - len(cells))
        if any(cells[len(header):]):
            raise InputError(f"row {number} has more cells than the header has columns",
                             Location(file=name, line=number))
        if not any(cells):
            continue
        rows.append(TableRow(number, cells[area], cells[year], {i.key: cells[index] for index, i in indicators}))
    return Table(name, header[area], header[year], tuple(i for _, i in indicators), tuple(rows), tuple(comments))


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _records(text: str, delimiter: str, name: str, skipped: int) -> list[tuple[int, list[str]]]:
    """The CSV records, each with its row number as a spreadsheet shows it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return records
        except csv.Error as error:
            raise InputError(f"malformed CSV: {error}", Location(file=name, line=skipped + reader.line_num)) from error
        if len(cells) > MAX_COLUMNS:
            raise InputError(f"a row has {len(cells)} cells; a table has at most {MAX_COLUMNS} columns",
                             Location(file=name, line=skipped + len(records) + 1))
        records.append((skipped + len(records) + 1, cells))


def _header(cells: list[str], area_column: str, year_column: str, name: str, number: int,
            ) -> tuple[int, int, list[tuple[int, Indicator]]]:
    """The positions of the district and year columns and the indicator columns."""
    header = [_clean(c) for c in cells]
    where = Location(file=name, line=number)
    found = {}
    for wanted, option in ((area_column, "--area-column"), (year_column, "--year-column")):
        positions = [i for i, h in enumerate(header) if name_key(h) == name_key(wanted)]
        if len(positions) != 1:
            problem = "no column" if not positions else "more than one column"
            raise InputError(f"{problem} {wanted!r} (the columns are: {', '.join(h for h in header if h)}; "
                             f"give another name with {option})", where)
        found[wanted] = positions[0]
    indicators: list[tuple[int, Indicator]] = []
    for index, column in enumerate(header):
        if index in found.values() or not column:
            continue
        indicator = _indicator(column, where)
        if any(other.key == indicator.key for _, other in indicators):
            raise InputError(f"two columns name the indicator {indicator.label!r}", where)
        indicators.append((index, indicator))
    if not indicators:
        raise InputError("no indicator columns: besides the district and the year, each column is an indicator",
                         where)
    return found[area_column], found[year_column], indicators


def _indicator(column: str, where: Location) -> Indicator:
    match = _HEADER.match(column)
    label, unit = (match["label"].strip(), match["unit"].strip() or None) if match else (column, None)
    if not slug(label):
        raise InputError(f"the column {column!r} names no indicator (its label is empty)", where)
    return Indicator(column, label, unit, slug(label))


def name_key(name: str) -> str:
    """A name as compared: Unicode NFC, case folded, white space made single spaces."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


# --- cells -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TableProblem:
    """What is wrong where the user will look for it: a row and column of the table (both None for the table as a
    whole, as for an integrity constraint the cube breaks)."""

    row: int | None
    column: str | None
    messages: dict[str, str]

    def render(self, source: str, lang: str) -> str:
        """`FILE: Zeile N, Spalte X: message` (`row N, column X` in English)."""
        message = self.messages.get(lang) or self.messages["en"]
        if self.row is None:
            return f"{source}: {message}"
        where = f"Zeile {self.row}, Spalte {self.column}" if lang == "de" else f"row {self.row}, column {self.column}"
        return f"{source}: {where}: {message}"


@dataclass(frozen=True)
class Invalid:
    messages: dict[str, str]


_PLAIN = re.compile(r"[+-]?\d+")
_COMMA = re.compile(r"[+-]?\d+,\d+")
_POINT = re.compile(r"[+-]?\d+\.\d+")
_THOUSANDS_OR_POINT = re.compile(r"[+-]?[1-9]\d{0,2}\.\d{3}")
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?P<sep>[. \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*(?:,\d+)?")


def parse_number(text: str) -> Decimal | Invalid:
    """A cell's number: '12', '12,5' (decimal comma), '12.5', '1.234.567' or '1 234,5' (German digit grouping).
    '1.234' is refused: it is 1234 in a German table and 1.234 in an English one, and guessing would be silent."""
    text = text.strip()
    if _PLAIN.fullmatch(text) or (_POINT.fullmatch(text) and not _THOUSANDS_OR_POINT.fullmatch(text)):
        return Decimal(text)
    if _COMMA.fullmatch(text):
        return Decimal(text.replace(",", "."))
    if _THOUSANDS_OR_POINT.fullmatch(text):
        whole, decimal = text.replace(".", ""), text.replace(".", ",")
        return Invalid({"de": f"„{text}“ ist mehrdeutig ({whole} oder {decimal}?): bitte ohne Tausenderpunkt "
                              "schreiben, Dezimalstellen mit Komma.",
                        "en": f'"{text}" is ambiguous ({whole} or {text} as a decimal?): please write it without a '
                              "thousands separator, decimals with a comma."})
    grouped = _GROUPED.fullmatch(text)
    if grouped:
        return Decimal(text.replace(grouped["sep"], "").replace(",", "."))
    return Invalid({"de": f"„{text}“ ist keine Zahl (erlaubt z. B. 1234, 12,5 oder 12.5; die Einheit gehört in "
                          "eckigen Klammern in die Kopfzeile, eine leere Zelle heißt: kein Wert).",
                    "en": f'"{text}" is not a number (e.g. 1234, 12,5 or 12.5; the unit goes into the header in '
                          "brackets, an empty cell means: no value)."})


def parse_year(text: str) -> int | Invalid:
    if re.fullmatch(r"\d{4}", text.strip()):
        return int(text)
    return Invalid({"de": f"„{text}“ ist kein Jahr (vierstellig, z. B. 2018).",
                    "en": f'"{text}" is not a year (four digits, e.g. 2018).'})


