"""What input from outside must not hold before a parser sees it. A parser given hostile text can be made to fetch
(a remote JSON-LD context, an XML external entity), to work for minutes (a scoped JSON-LD context applied at every
use, an XML entity that expands a thousandfold) or to store what no serialization can carry again (a NUL). Each
check here refuses such input at once, with an InputError that says where and why; nothing is parsed or fetched."""

from __future__ import annotations

import codecs
import json
import re

from rdflib import Graph, Literal, URIRef

from plangraph.errors import InputError, Location

MAX_JSON_DEPTH = 64  # entries nest a few levels; rdflib's JSON-LD parser recurses once per level
MAX_CONTEXTS = 100  # @context definitions in one document: each one copies the active context
MAX_TERM_DEFINITIONS = 1000  # term definitions over all contexts of one document
# What XML 1.0 cannot carry (C0 controls but tab, line feed, carriage return; U+FFFE, U+FFFF): stored, it would
# break the RDF/XML dump for everyone.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
              (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def wide_encoding(data: bytes) -> str | None:
    """The encoding (UTF-16 or UTF-32) whose byte order mark the bytes start with: named in the error, since an
    editor that saved them will not show why the bytes are wrong."""
    # UTF-32 LE first: its BOM starts with UTF-16 LE's
    return next((name for bom, name in _WIDE_BOMS if data.startswith(bom)), None)


def decode_utf8(data: bytes, location: Location) -> str:
    """UTF-8 text (a leading byte order mark is dropped); UTF-16 and UTF-32 are named as such."""
    if (wide := wide_encoding(data)) is not None:
        raise InputError(f"the text is {wide} (it starts with a byte order mark); save it as UTF-8", location)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"the text is not UTF-8 (byte {error.start})", location) from error


def check_characters(text: str, source: str) -> None:
    """No control character (NUL, ESC, ...) in the text: RDF/XML and most tools cannot carry it."""
    match = _CONTROL.search(text)
    if match is not None:
        start = text.rfind("\n", 0, match.start()) + 1
        raise InputError(f"the control character U+{ord(match.group()):04X} is not allowed (it cannot be written "
                         "as XML)", Location(file=source, line=text.count("\n", 0, start) + 1,
                                             column=match.start() - start + 1))


def check_terms(graph: Graph, source: str) -> None:
    """No control character in any IRI or literal of a parsed graph: an escape such as `\\u0000` in Turtle or a
    form field gets past `check_characters`, and would make the published dumps unreadable."""
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef | Literal) and (match := _CONTROL.search(str(term))) is not None:
                what = "a literal" if isinstance(term, Literal) else "an IRI"
                raise InputError(f"{what} holds the control character U+{ord(match.group()):04X}, which is not "
                                 f"allowed (it cannot be written as XML): {str(term)[:80]!r}",
                                 Location(file=source, field=str(triple[1])))


def check_rdfxml(text: str, source: str) -> None:
    """No DTD: external entities would read local files or URLs, internal ones can expand a few kilobytes into
    gigabytes (billion laughs). RDF/XML needs neither."""
    position = text.find("<!DOCTYPE")
    if position >= 0:
        start = text.rfind("\n", 0, position) + 1
        raise InputError("RDF/XML with a DOCTYPE (a DTD, entities) is not accepted: entities could read files or "
                         "expand without end; write the values out", Location(
                             file=source, line=text.count("\n", 0, start) + 1, column=position - start + 1))


def check_jsonld(text: str, source: str) -> None:
    """Valid JSON, nested at most MAX_JSON_DEPTH levels, and contexts the parser reads quickly and without the
    network: no remote @context (a string, in a list, in @import), no scoped context (one in a term definition,
    applied anew at every use of the term: a 250 kB entry kept the parser busy for 40 s), at most MAX_CONTEXTS
    @context definitions and MAX_TERM_DEFINITIONS term definitions in all."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"invalid JSON: {error.msg}", Location(file=source, line=error.lineno,
                                                                 column=error.colno)) from error
    except RecursionError as error:
        raise InputError(f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels", Location(file=source)) from error
    contexts = terms = 0
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:  # a loop, not recursion: the depth is what is being checked
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputError(f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels", Location(file=source))
        if isinstance(node, dict):
            if "@context" in node:
                definitions = _context_definitions(node["@context"], source)
                contexts += len(definitions)
                terms += sum(1 for d in definitions for key in d if not key.startswith("@"))
            stack += [(value, depth + 1) for value in node.values()]
        elif isinstance(node, list):
            stack += [(item, depth + 1) for item in node]
    where = Location(file=source, field="@context")
    if contexts > MAX_CONTEXTS:
        raise InputError(f"more than {MAX_CONTEXTS} @context definitions ({contexts}); one inline @context will do",
                         where)
    if terms > MAX_TERM_DEFINITIONS:
        raise InputError(f"more than {MAX_TERM_DEFINITIONS} term definitions in the @context ({terms})", where)


def _context_definitions(value: object, source: str) -> list[dict[str, object]]:
    """The inline context definitions of one @context value (a definition, null, or a list of them, as deep as
    the parser flattens lists); a remote or scoped context is an InputError."""
    where = Location(file=source, field="@context")
    found: list[dict[str, object]] = []
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending += item
        elif isinstance(item, str):
            raise InputError(f"a remote JSON-LD @context is not fetched ({item}); put the context inline", where)
        elif isinstance(item, dict):
            if "@import" in item:
                raise InputError(f"a remote JSON-LD @context is not fetched (@import {item['@import']}); put the "
                                 "context inline", where)
            for key, definition in item.items():
                scoped = definition if key == "@context" else (
                    definition.get("@context") if isinstance(definition, dict) else None)
                if scoped is not None:
                    _context_definitions(scoped, source)  # a remote one inside is named as such
                    raise InputError(f"a scoped @context (in the definition of {key!r}) is not accepted: the parser "
                                     "applies it anew at every use; put its terms in the entry's own @context", where)
            found.append(item)
    return found
