"""Storing entries: /api/submissions for programs (Authorization: Bearer TOKEN) and /submit for the forms of
/validate (the token in a password field).

POST /api/submissions takes an entry in an RDF syntax (Turtle, JSON-LD, N-Triples, RDF/XML), the JSON of a form
(`{"kind": "status", "fields": {...}}`) or a CSV sheet (text/csv, every row or none). Answers: 201 with the
receipt (JSON) and the submission's page in Location; 200 with the first receipt when the Idempotency-Key was used
before by the same holder; 422 with the validation report when the entry does not conform; 401 without a valid
token (wrong, malformed, expired or revoked); 429 with Retry-After when the client's address has failed too often
(PLANGRAPH_AUTH_FAILURES within a minute); 403 when the server has no tokens file (writes off); 400 unreadable;
413 too large; 415 compressed. Nothing is stored unless the answer is 200 or 201."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from rdflib import Graph, URIRef

from plangraph.csv_import import SheetImport
from plangraph.errors import InputError, Location
from plangraph.settings import BY_NAME
from plangraph.submissions import Receipt, Rejected
from plangraph.throttle import FailureLimit, TooManyFailures
from plangraph.tokens import Unauthorized, WritesOff
from plangraph.untrusted import check_terms
from plangraph.validate import render_json, render_turtle
from plangraph.web import state
from plangraph.web.entry_form import FORM_KINDS, check_form, check_sheet, form_values
from plangraph.web.entry_input import check_body, parse_entry, read_entry
from plangraph.web.errors import error_response
from plangraph.web.negotiation import choose
from plangraph.web.pages import page_lang
from plangraph.web.stewards import (
    checked_response,
    json_entry,
    posted_sheet,
    sheet_response,
    uploaded_sheet,
    validate_page,
)

submissions = Blueprint("submissions", __name__)
REPORT_TYPES = ["application/json", "text/turtle"]
BEARER = 'Bearer realm="plangraph", charset="UTF-8"'
FAILURE_WINDOW = 60.0  # seconds


@submissions.record_once
def _failure_limit(setup: BlueprintSetupState) -> None:
    """One limit of failed token checks per app (config AUTH_FAILURES, PLANGRAPH_AUTH_FAILURES)."""
    limit = int(setup.app.config.get("AUTH_FAILURES", BY_NAME["auth_failures"].default))
    setup.app.extensions["plangraph.auth_failures"] = FailureLimit(limit, FAILURE_WINDOW)


def authorized(authorization: str | None) -> str:
    """The holder of the presented token, unless the client's address has failed too often of late (429, a
    correct token too); a failure counts against the address."""
    limit: FailureLimit = current_app.extensions["plangraph.auth_failures"]
    client, now = request.remote_addr or "", time.monotonic()
    wait = limit.retry_after(client, now)
    if wait is not None:
        raise TooManyFailures(wait)
    try:
        return state.tokens().holder(authorization, datetime.now(UTC).date())
    except Unauthorized:
        limit.failed(client, now)
        raise


@submissions.post("/api/submissions")
def submit() -> Response:
    holder = authorized(request.headers.get("Authorization"))
    check_body()
    key = request.headers.get("Idempotency-Key")
    if request.mimetype == "application/json":
        kind, values = json_entry()
        checked = check_form(kind, values, page_lang())
        if not checked.conforms or checked.entry is None:
            return checked_response(checked, "application/json", page_lang(), status=422)
        entry = storable(checked.entry.graph)
    elif request.mimetype == "text/csv":
        sheet = check_sheet(*posted_sheet())
        if not sheet.conforms:
            return sheet_response(sheet, "application/json", page_lang(), status=422)
        receipts = _store_sheet(sheet, holder, key)
        body = {"receipts": [_receipt_json(r) for r in receipts]}
        response = Response(json.dumps(body, ensure_ascii=False, indent=2) + "\n", mimetype="application/json",
                            status=201 if any(r.created for r in receipts) else 200)
        response.headers["Cache-Control"] = "no-store"
        return response
    else:
        text, fmt = read_entry()
        entry = parse_entry(text, fmt, state.minter().base)
    try:
        receipt = state.submissions().submit(entry, holder, key)
    except Rejected as rejected:
        if choose(request.headers.get("Accept"), REPORT_TYPES) == "text/turtle":
            response = Response(render_turtle(rejected.report), status=422, mimetype="text/turtle")
        else:
            response = Response(render_json(rejected.report), status=422, mimetype="application/json")
        response.headers["Cache-Control"] = "no-store"
        return response
    return receipt_response(receipt)


@submissions.errorhandler(Unauthorized)
def unauthorized(error: Unauthorized) -> Response:
    response = error_response(401, "Unauthorized", str(error))
    response.headers["WWW-Authenticate"] = BEARER
    return response


@submissions.errorhandler(TooManyFailures)
def too_many(error: TooManyFailures) -> Response:
    response = error_response(429, "Too Many Requests", str(error))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def storable(entry: Graph) -> Graph:
    """An entry built from form fields or cells: no control character in it (an RDF entry is checked as it is
    parsed), so that nothing stored breaks the dumps."""
    check_terms(entry, "<entry>")
    return entry


@submissions.post("/submit")
def submit_form() -> Response:
    """The forms' "check and submit": the token from the form, the answer as the page with what was stored, or
    with the problems next to their fields (422); nothing is stored unless every check passes."""
    check_body()
    lang = page_lang()
    kind = request.form.get("kind", "")
    if kind not in (*FORM_KINDS, "csv"):
        raise InputError(f"unknown kind of entry {kind!r}", Location(field="kind"))
    values = form_values(request.form, kind) if kind in FORM_KINDS else {}
    try:
        holder = authorized(f"Bearer {request.form.get('token', '')}")
    except (Unauthorized, WritesOff, TooManyFailures) as error:
        checked = check_form(kind, values, lang) if kind in FORM_KINDS else None
        page = validate_page(lang, kind, checked=checked, error=str(error), status=error.http_status)
        if isinstance(error, Unauthorized):
            page.headers["WWW-Authenticate"] = BEARER
        elif isinstance(error, TooManyFailures):
            page.headers["Retry-After"] = str(error.retry_after)
        return page
    key = request.form.get("idempotency_key") or None
    if kind == "csv":
        sheet = check_sheet(*uploaded_sheet())
        if not sheet.conforms:
            return sheet_response(sheet, "text/html", lang, status=422)
        receipts = _store_sheet(sheet, holder, key)
        return sheet_response(sheet, "text/html", lang, status=201, message=_stored_message(receipts, lang),
                              links=[link for r in receipts for link in _links(r)])
    checked = check_form(kind, values, lang)
    if not checked.conforms or checked.entry is None:
        return checked_response(checked, "text/html", lang, status=422)
    try:
        receipt = state.submissions().submit(storable(checked.entry.graph), holder, key)
    except Rejected:
        return checked_response(check_form(kind, values, lang), "text/html", lang, status=422)
    return validate_page(lang, kind, status=201 if receipt.created else 200,
                         message=_stored_message([receipt], lang), links=_links(receipt))


def _store_sheet(sheet: SheetImport, holder: str, key: str | None) -> list[Receipt]:
    """Every row of a conforming sheet, each as its own submission (row by row, in order)."""
    rows = [row for row in sheet.entries if len(row.entry.graph)]
    for row in rows:  # all rows checked before the first is stored: every row or none
        check_terms(row.entry.graph, f"row {row.row}")
    return [state.submissions().submit(row.entry.graph, holder, f"{key}:row-{row.row}" if key else None)
            for row in rows]


def _stored_message(receipts: list[Receipt], lang: str) -> str:
    if not receipts:
        return ""
    first = receipts[0]
    when = first.at.strftime("%d.%m.%Y %H:%M UTC" if lang == "de" else "%Y-%m-%d %H:%M UTC")
    if lang == "de":
        again = "" if first.created else " (bereits früher gespeichert)"
        return f"{len(receipts)} Eintrag/Einträge gespeichert{again}, {when}, für {first.holder}."
    again = "" if first.created else " (stored before)"
    return f"{len(receipts)} entr{'y' if len(receipts) == 1 else 'ies'} stored{again}, {when}, for {first.holder}."


def _links(receipt: Receipt) -> list[tuple[str, str]]:
    """The pages to look at: each stored entity (a report shows on its measure's page) and the submission."""
    return [*((str(e).rpartition("/")[2], page_of(e)) for e in receipt.entities),
            (str(receipt.iri).rpartition("/")[2][:8], page_of(receipt.iri))]


def _receipt_json(receipt: Receipt) -> dict[str, object]:
    return {**receipt.as_json(), "page": page_of(receipt.iri),
            "pages": {str(e): page_of(e) for e in receipt.entities}}


def receipt_response(receipt: Receipt) -> Response:
    body = _receipt_json(receipt)
    response = Response(json.dumps(body, ensure_ascii=False, indent=2) + "\n",
                        status=201 if receipt.created else 200, mimetype="application/json")
    response.headers["Location"] = page_of(receipt.iri)
    response.headers["Cache-Control"] = "no-store"
    return response


def page_of(iri: URIRef) -> str:
    """Where this server shows a resource: its path under the base IRI (hash IRIs on their document's page)."""
    path = state.minter().local_path(str(iri))
    return request.host_url.rstrip("/") + "/" + path if path else str(iri)
