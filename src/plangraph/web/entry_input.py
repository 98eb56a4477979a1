"""Reading a new entry from a request, for /validate and /api/submissions alike: a raw body in an RDF syntax,
or a form with the fields `data` and `format` (or an uploaded `file`). The body's size and coding are checked
before anything is read (`check_body`), its encoding before anything is parsed, and what the parser would fetch
or choke on before it runs (plangraph.untrusted)."""

from __future__ import annotations

from flask import request
from rdflib import Graph

from plangraph.dataset import parse_rdf, union
from plangraph.errors import InputError, Location, PlangraphError
from plangraph.formats import BY_NAME
from plangraph.untrusted import check_terms, decode_utf8

MAX_ENTRY_BYTES = 1 << 20
# A whole request body: the entry and a form's other fields (kind, format, token, multipart boundaries).
MAX_BODY_BYTES = MAX_ENTRY_BYTES + (64 << 10)
# An entry is a measure, a status report or a correction: tens of triples. Checking in context takes time that
# grows faster than the entry (10 s for 20,000 triples), so a bound on triples keeps every check within a second.
MAX_ENTRY_TRIPLES = 5000
INPUT_FORMATS = {"text/turtle": BY_NAME["ttl"], "application/ld+json": BY_NAME["jsonld"],
                 "application/n-triples": BY_NAME["nt"], "application/rdf+xml": BY_NAME["rdfxml"]}


class EntryTooLarge(PlangraphError):
    http_status = 413
    exit_code = 2


class CompressedBody(PlangraphError):
    """A body with a Content-Encoding: never decompressed, so that no zip bomb can go off behind the size limit."""

    http_status = 415
    exit_code = 2


def check_body() -> None:
    """Before a handler reads the body: it is not compressed, and no larger than MAX_BODY_BYTES (413; a chunked
    body too, which the WSGI server has counted by now). Forms may use all of it (Flask's default keeps form fields
    to 500 kB)."""
    coding = request.headers.get("Content-Encoding", "").strip().lower()
    if coding not in ("", "identity"):
        raise CompressedBody(f"a compressed body (Content-Encoding: {coding[:40]}) is not accepted: send it "
                             f"uncompressed (at most {MAX_ENTRY_BYTES} bytes)", Location(field="Content-Encoding"))
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise EntryTooLarge(f"the request body is larger than {MAX_BODY_BYTES} bytes (an entry may have "
                            f"{MAX_ENTRY_BYTES})")
    request.max_content_length = MAX_BODY_BYTES
    request.max_form_memory_size = MAX_BODY_BYTES


def read_entry() -> tuple[str, str]:
    """The entry and its media type: a form (fields `data` and `format`) or a raw Turtle/JSON-LD body (after
    `check_body`)."""
    mimetype = request.mimetype
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fmt = request.form.get("format", "text/turtle")
        text = request.form.get("data", "")
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            text = decode(upload.read(MAX_ENTRY_BYTES + 1))
    elif mimetype in INPUT_FORMATS:
        fmt, text = mimetype, decode(request.get_data(cache=False))
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


def decode(data: bytes) -> str:
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(f"the entry is larger than {MAX_ENTRY_BYTES} bytes")
    return decode_utf8(data, Location(field="data"))


def parse_entry(text: str, fmt: str, base: str) -> Graph:
    """An entry read by `read_entry` as one graph, of at most MAX_ENTRY_TRIPLES triples, with nothing in it that
    the dumps could not carry."""
    entry = union(parse_rdf(text, INPUT_FORMATS[fmt], "<entry>", base=base))
    if len(entry) > MAX_ENTRY_TRIPLES:
        raise EntryTooLarge(f"the entry has {len(entry)} triples; an entry has at most {MAX_ENTRY_TRIPLES} (split it)")
    check_terms(entry, "<entry>")
    return entry
