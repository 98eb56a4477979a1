"""For data stewards: /validate, an HTML form and an API that check a new entry (Turtle or JSON-LD)
against the shapes in the context of the published graph. Nothing is stored."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from rdflib import Graph

from plangraph import resources
from plangraph.dataset import parse_rdf, union
from plangraph.errors import InputError, Location, PlangraphError
from plangraph.formats import BY_NAME
from plangraph.lookups import entry_context
from plangraph.validate import ValidationReport, render_json, render_turtle, validate_entry
from plangraph.web import state
from plangraph.web.negotiation import choose
from plangraph.web.pages import page_lang, render_page

stewards = Blueprint("stewards", __name__)
MAX_ENTRY_BYTES = 1 << 20
INPUT_FORMATS = {"text/turtle": BY_NAME["ttl"], "application/ld+json": BY_NAME["jsonld"],
                 "application/n-triples": BY_NAME["nt"], "application/rdf+xml": BY_NAME["rdfxml"]}
REPORT_TYPES = ["text/html", "application/json", "text/turtle"]


class EntryTooLarge(PlangraphError):
    http_status = 413
    exit_code = 2


@stewards.get("/validate")
def form() -> str:
    lang = page_lang()
    return render_page("validate.html", lang, text="", fmt="text/turtle", report=None, error=None,
                       formats=list(INPUT_FORMATS), max_bytes=MAX_ENTRY_BYTES)


@stewards.post("/validate")
def check() -> Response:
    lang = page_lang()
    answer_as = choose(request.headers.get("Accept"), REPORT_TYPES) or "application/json"
    text, fmt = "", "text/turtle"
    try:
        text, fmt = _read_entry()
        entry = parse_rdf(text, INPUT_FORMATS[fmt], "<entry>", base=state.minter().base)
        entry_graph = union(entry)
        report = validate_entry(entry_graph, entry_context(state.store(), entry_graph), _shapes())
    except PlangraphError as error:
        if answer_as != "text/html":
            raise
        page = render_page("validate.html", lang, text=text, fmt=fmt, report=None, error=str(error),
                           formats=list(INPUT_FORMATS), max_bytes=MAX_ENTRY_BYTES)
        return Response(page, status=error.http_status, mimetype="text/html")
    return _report_response(report, answer_as, lang, text, fmt)


def _read_entry() -> tuple[str, str]:
    """The entry and its media type: a form (fields `data` and `format`) or a raw Turtle/JSON-LD body."""
    if (request.content_length or 0) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(f"the entry is larger than {MAX_ENTRY_BYTES} bytes")
    mimetype = request.mimetype
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fmt = request.form.get("format", "text/turtle")
        text = request.form.get("data", "")
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            text = _decode(upload.read(MAX_ENTRY_BYTES + 1))
    elif mimetype in INPUT_FORMATS:
        fmt, text = mimetype, _decode(request.get_data(cache=False))
    else:
        raise InputError(f"send Turtle, JSON-LD, N-Triples or RDF/XML (got {mimetype or 'no media type'})",
                         Location(field="Content-Type"))
    if fmt not in INPUT_FORMATS:
        raise InputError(f"unknown format {fmt!r}", Location(field="format"))
    if len(text.encode("utf-8")) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(f"the entry is larger than {MAX_ENTRY_BYTES} bytes")
    if not text.strip():
        raise InputError("the entry is empty", Location(field="data"))
    return text, fmt


def _decode(data: bytes) -> str:
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(f"the entry is larger than {MAX_ENTRY_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"the entry is not UTF-8 (byte {error.start})", Location(field="data")) from error


def _shapes() -> Graph:
    shapes: Graph | None = current_app.extensions.get("plangraph.shapes")
    if shapes is None:
        shapes = current_app.extensions["plangraph.shapes"] = resources.shapes_graph()
    return shapes


def _report_response(report: ValidationReport, answer_as: str, lang: str, text: str, fmt: str) -> Response:
    if answer_as == "application/json":
        response = Response(render_json(report), mimetype="application/json")
    elif answer_as == "text/turtle":
        response = Response(render_turtle(report), mimetype="text/turtle")
    else:
        response = Response(render_page("validate.html", lang, text=text, fmt=fmt, report=report, error=None,
                                        formats=list(INPUT_FORMATS), max_bytes=MAX_ENTRY_BYTES),
                            mimetype="text/html")
    response.headers["Vary"] = "Accept, Accept-Language"
    response.headers["Cache-Control"] = "no-store"
    return response

