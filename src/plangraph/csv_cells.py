"""What a cell of a CSV that plangraph writes may start with: a spreadsheet opening the file must never read a
value from the data as a formula (CSV or formula injection, OWASP). Every CSV writer passes its cells through
`inert_cell`."""

from __future__ import annotations

import re

# What Excel, LibreOffice and Google Sheets take as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number (the lexical forms of xsd:integer, xsd:decimal and xsd:double, without INF and NaN): a sheet
# reads `-5` or `+3.2e4` as a number and nothing else, so those stay as they are.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def inert_cell(text: str) -> str:
    """The cell's text, with a single quote in front when a spreadsheet would otherwise run it as a formula
    (`=HYPERLINK(...)`, `-1+cmd|' /C calc'!A0`, `@SUM(...)`, a leading tab or carriage return); plain numbers
    and everything else unchanged (OWASP's recommendation; the quote stays visible, so the change is never silent)."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


__all__ = ["FORMULA_STARTS", "inert_cell"]
