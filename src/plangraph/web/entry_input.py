"""Reading a new entry from a request, for /validate and /api/submissions alike: a raw body in an RDF syntax,
or a form with the fields `data` and `format` (or an uploaded `file`). Size and encoding are checked before
anything is parsed."""

from __future__ import annotations

from flask import request

from plangraph.errors import InputError, Location, PlangraphError
from plangraph.formats import BY_NAME

MAX_ENTRY_BYTES = 1 << 20
INPUT_FORMATS = {"text/turtle": BY_NAME["ttl"], "application/ld+json": BY_NAME["jsonld"],
                 "application/n-triples": BY_NAME["nt"], "application/rdf+xml": BY_NAME["rdfxml"]}


class EntryTooLarge(PlangraphError):
    http_status = 413
    exit_code = 2


def read_entry() -> tuple[str, str]:
    """The entry and its media type: a form (fields `data` and `format`) or a raw Turtle/JSON-LD body."""
    if (request.content_length or 0) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(f"the entry is larger than {MAX_ENTRY_BYTES} bytes")
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
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"the entry is not UTF-8 (byte {error.start})", Location(field="data")) from error
