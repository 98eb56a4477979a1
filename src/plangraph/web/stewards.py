"""For data stewards: /validate, an HTML page and an API that check a new entry in the context of the published
graph. Nothing is stored here (storing is /api/submissions and /submit).

- `GET /validate?kind=status|measure|correction|rdf|csv`: the form for one kind of entry.
- `POST /validate` with form fields (`kind` and the kind's fields), a JSON body `{"kind": ..., "fields": {...}}`,
  a CSV upload (`kind=csv`) or an RDF entry (Turtle, JSON-LD, N-Triples, RDF/XML; raw body or the form's `data`):
  the report as HTML (problems next to their fields), JSON or Turtle, by Accept."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, Response, request

from plangraph.checks import check_entry
from plangraph.csv_import import TEMPLATE_FILE, SheetImport
from plangraph.errors import InputError, Location, PlangraphError
from plangraph.validate import ValidationReport, render_json, render_turtle
from plangraph.web import state
from plangraph.web.entry_form import (
    FORM_KINDS,
    Checked,
    check_form,
    check_sheet,
    fields,
    form_values,
    options,
    shapes,
)
from plangraph.web.entry_input import (
    INPUT_FORMATS,
    MAX_ENTRY_BYTES,
    CompressedBody,
    EntryTooLarge,
    check_body,
    decode,
    parse_entry,
    read_entry,
)
from plangraph.web.errors import error_response
from plangraph.web.negotiation import choose
from plangraph.web.pages import page_lang, render_page

stewards = Blueprint("stewards", __name__)
REPORT_TYPES = ["text/html", "application/json", "text/turtle"]
DATA_FIRST = ["application/json", "text/html", "text/turtle"]
PAGE_KINDS = (*FORM_KINDS, "csv", "rdf")


@stewards.get("/validate")
def form() -> Response:
    lang = page_lang()
    kind = request.args.get("kind", "rdf")
    if kind not in PAGE_KINDS:
        raise InputError(f"unknown kind of entry {kind!r}; possible are: {', '.join(PAGE_KINDS)}",
                         Location(field="kind"))
    return validate_page(lang, kind)


@stewards.post("/validate")
def check() -> Response:
    check_body()
    lang = page_lang()
    # a program sending JSON or CSV gets JSON unless it asks for a page; a browser's form gets the page
    offered = DATA_FIRST if request.mimetype in ("application/json", "text/csv") else REPORT_TYPES
    answer_as = choose(request.headers.get("Accept"), offered) or "application/json"
    if request.mimetype == "application/json":
        kind, values = json_entry()
        return checked_response(check_form(kind, values, lang), answer_as, lang)
    if request.mimetype == "text/csv":
        return sheet_response(check_sheet(*posted_sheet()), answer_as, lang)
    kind = request.form.get("kind", "rdf") if request.mimetype in FORM_TYPES else "rdf"
    if kind == "csv":
        try:
            return sheet_response(check_sheet(*uploaded_sheet()), answer_as, lang)
        except PlangraphError as error:
            if answer_as != "text/html":
                raise
            return validate_page(lang, "csv", error=str(error), status=error.http_status)
    if kind in FORM_KINDS:
        return checked_response(check_form(kind, form_values(request.form, kind), lang), answer_as, lang)
    text, fmt = "", "text/turtle"
    try:
        text, fmt = read_entry()
        entry = parse_entry(text, fmt, state.minter().base)
        report = check_entry(state.store(), entry, shapes())
    except PlangraphError as error:
        if answer_as != "text/html":
            raise
        return validate_page(lang, "rdf", text=text, fmt=fmt, error=str(error), status=error.http_status)
    return _report_response(report, answer_as, lang, text, fmt)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@stewards.app_errorhandler(CompressedBody)
def compressed(error: CompressedBody) -> Response:
    """415, and which coding would do (RFC 7694)."""
    response = error_response(error.http_status, "Unsupported Media Type", str(error))
    response.headers["Accept-Encoding"] = "identity"
    return response


def json_entry() -> tuple[str, dict[str, Any]]:
    """`{"kind": "status", "fields": {"measure": "B2.2", ...}}`: the API twin of the forms."""
    try:
        body = json.loads(decode(request.get_data(cache=False)))
    except ValueError as error:
        raise InputError(f"not JSON: {error}", Location(field="body")) from error
    except RecursionError as error:  # a form's JSON is three levels deep; this was thousands
        raise InputError("the JSON is nested too deeply", Location(field="body")) from error
    if not isinstance(body, dict) or body.get("kind") not in FORM_KINDS or not isinstance(body.get("fields"), dict):
        raise InputError(f'send {{"kind": one of {", ".join(FORM_KINDS)}, "fields": {{name: text, ...}}}}',
                         Location(field="body"))
    values = body["fields"]
    for name, value in values.items():
        if not isinstance(value, str) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise InputError("a field's value is a text or a list of texts", Location(field=str(name)))
    return body["kind"], values


def posted_sheet() -> tuple[bytes, str]:
    """A CSV sheet sent as the request body (text/csv)."""
    if (request.content_length or 0) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(f"the sheet is larger than {MAX_ENTRY_BYTES} bytes")
    return _limited(request.get_data(cache=False)), "<upload>"


def uploaded_sheet() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InputError("choose a CSV file to upload", Location(field="file"))
    return _limited(upload.read(MAX_ENTRY_BYTES + 1)), upload.filename


def _limited(data: bytes) -> bytes:
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(f"the sheet is larger than {MAX_ENTRY_BYTES} bytes")
    return data


def sheet_response(sheet: SheetImport, answer_as: str, lang: str, status: int = 200,
                   message: str | None = None, links: list[tuple[str, str]] | None = None) -> Response:
    if answer_as == "text/html":
        response = validate_page(lang, "csv", sheet=sheet, status=status, message=message, links=links)
    else:
        body = {"conforms": sheet.conforms, "rows": len(sheet.entries),
                "problems": [{"row": p.row, "column": p.column, "severity": p.severity, "message": p.messages}
                             for p in sheet.problems]}
        response = Response(json.dumps(body, ensure_ascii=False, indent=2) + "\n", status=status,
                            mimetype="application/json")
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Cache-Control"] = "no-store"
    return response


@stewards.get("/validate/vorlage.csv")
def template() -> Response:
    response = Response(TEMPLATE_FILE.read_bytes(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="massnahmen-vorlage.csv"'
    return response


def checked_response(checked: Checked, answer_as: str, lang: str, status: int = 200) -> Response:
    """A checked form: the page with the problems at their fields, or the report as data."""
    if answer_as == "text/html":
        response = validate_page(lang, checked.kind, checked=checked, status=status)
    elif answer_as == "text/turtle" and checked.report is not None:
        response = Response(render_turtle(checked.report), status=status, mimetype="text/turtle")
    else:
        response = Response(json.dumps(form_report(checked), ensure_ascii=False, indent=2) + "\n", status=status,
                            mimetype="application/json")
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Cache-Control"] = "no-store"
    return response


def form_report(checked: Checked) -> dict[str, Any]:
    """The JSON report of a form: the documented report (conforms, results) plus the problems by field."""
    from plangraph.validate import report_as_json

    base: dict[str, Any] = report_as_json(checked.report) if checked.report is not None else {"results": []}
    base["conforms"] = checked.conforms
    base["kind"] = checked.kind
    base["entity"] = str(checked.entry.focus) if checked.entry is not None and checked.report is not None else None
    base["fields"] = {name: [{"message": s.message, "value": s.value, "severity": s.severity} for s in shown]
                      for name, shown in checked.by_field.items()}
    return base


def validate_page(lang: str, kind: str, *, text: str = "", fmt: str = "text/turtle", error: str | None = None,
                  report: ValidationReport | None = None, checked: Checked | None = None, status: int = 200,
                  message: str | None = None, links: list[tuple[str, str]] | None = None,
                  sheet: SheetImport | None = None) -> Response:
    page = render_page(
        "validate.html", lang, kind=kind, kinds=PAGE_KINDS, text=text, fmt=fmt, report=report, error=error,
        checked=checked, fields=fields(kind) if kind in FORM_KINDS else (), options=options(lang),
        formats=list(INPUT_FORMATS), max_bytes=MAX_ENTRY_BYTES, writes=state.tokens().enabled,
        message=message, links=links or [], sheet=sheet, form_key=uuid.uuid4().hex)
    return Response(page, status=status, mimetype="text/html")


def _report_response(report: ValidationReport, answer_as: str, lang: str, text: str, fmt: str) -> Response:
    if answer_as == "application/json":
        response = Response(render_json(report), mimetype="application/json")
    elif answer_as == "text/turtle":
        response = Response(render_turtle(report), mimetype="text/turtle")
    else:
        response = validate_page(lang, "rdf", text=text, fmt=fmt, report=report)
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Cache-Control"] = "no-store"
    return response
