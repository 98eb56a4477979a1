"""Dereferenceable IRIs (DESIGN.md section 3): every path the other blueprints do not answer is read as an IRI
under the configured base and answered with the resource's description, as an HTML page or as RDF, chosen by
?format= over a file suffix over Accept; also /def (the vocabulary) and /shapes. Unknown IRIs get a 404 in the
representation asked for."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, request
from rdflib import Graph

from plangraph import resources
from plangraph.describe import (
    describe,
    resource_view,
    shapes_view,
    source_lines,
    suggestions,
    vocabulary_view,
)
from plangraph.formats import BY_SUFFIX, RdfFormat, rdf_format
from plangraph.lookups import is_known, resource_context
from plangraph.namespaces import PG_ONTOLOGY
from plangraph.web import pages
from plangraph.web.errors import error_response
from plangraph.web.negotiation import choose
from plangraph.web.state import digests, minter, store

linked_data = Blueprint("linked_data", __name__)

HTML, TEXT, JSON = "text/html", "text/plain", "application/json"
DESCRIPTION_FORMATS: tuple[RdfFormat, ...] = tuple(rdf_format(n) for n in ("ttl", "jsonld", "nt", "rdfxml"))
BY_MEDIA_TYPE = {f.media_type: f for f in DESCRIPTION_FORMATS} | {JSON: rdf_format("jsonld")}
RDF_TYPES = [f.media_type for f in DESCRIPTION_FORMATS]
# What ?format= accepts (a format's name or its suffix) and which file suffixes a path may carry.
FORMAT_NAMES = {"html": HTML, "txt": TEXT, "text": TEXT, "json": JSON} | {
    key: f.media_type for f in DESCRIPTION_FORMATS for key in (f.name, f.suffix[1:])}
SUFFIXES = {".html": HTML, ".txt": TEXT} | {s: f.media_type for s, f in BY_SUFFIX.items() if f in DESCRIPTION_FORMATS}
LABELS = {HTML: "HTML", TEXT: "Text", "text/turtle": "Turtle", "application/ld+json": "JSON-LD",
          "application/n-triples": "N-Triples", "application/rdf+xml": "RDF/XML"}
VARY = "Accept, Accept-Language"


class BadFormat(Exception):
    """?format= names no format we know."""


@lru_cache(maxsize=1)
def _vocabulary() -> Graph:
    return resources.ontology_graph()


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    return resources.shapes_graph()


# --- choosing the representation ---------------------------------------------------------------------------

def _split_suffix(path: str, known: Callable[[str], bool]) -> tuple[str, str | None]:
    """The path of the resource and the media type its suffix asks for ('a/b.ttl' -> 'a/b', Turtle), unless the
    path with its suffix is itself known."""
    stem, dot, ext = path.rpartition(".")
    media = SUFFIXES.get(f".{ext.lower()}") if dot and stem else None
    if media is None or known(path) or not known(stem):
        return path, None
    return stem, media


def _wanted(offered: list[str], suffix: str | None) -> str | None:
    """?format= over the suffix over Accept; None when nothing offered fits (406)."""
    name = request.args.get("format")
    if name is not None:
        media = FORMAT_NAMES.get(name.strip().lower())
        if media is None:
            raise BadFormat(name)
        return media if media in offered else None
    if suffix is not None:
        return suffix if suffix in offered else None
    return choose(request.headers.get("Accept"), offered)


def _negotiated() -> bool:
    return "format" not in request.args


def _alternates(path: str, offered: list[str], chosen: str | None = None) -> list[pages.Alternate]:
    root = request.script_root
    suffix = {HTML: ".html", TEXT: ".txt"} | {f.media_type: f.suffix for f in DESCRIPTION_FORMATS}
    return [pages.Alternate(LABELS[m], m, f"{root}/{quote(path)}{suffix[m]}") for m in offered
            if m != chosen and m in suffix]


def _finish(response: Response, path: str, offered: list[str], chosen: str, from_accept: bool,
            canonical: str | None) -> Response:
    response.headers["Vary"] = VARY
    links = [f'<{a.href}>; rel="alternate"; type="{a.media_type}"' for a in _alternates(path, offered, chosen)]
    if canonical:
        links.append(f'<{quote(canonical, safe=":/#?=&,;+@!$()*~%-._")}>; rel="canonical"')
    response.headers["Link"] = ", ".join(links)
    if from_accept and chosen != JSON:
        response.headers["Content-Location"] = _alternates(path, [chosen])[0].href
    return response


def _content_type(media: str) -> str:
    return media if media in ("application/ld+json", JSON) else f"{media}; charset=utf-8"


def _rdf(data: Graph, media: str) -> str:
    fmt = BY_MEDIA_TYPE[media]
    if fmt.name == "jsonld":
        return data.serialize(format="json-ld", auto_compact=True)
    return data.serialize(format=fmt.rdflib)


def _not_acceptable(offered: list[str]) -> Response:
    response = error_response(406, "Not Acceptable", "this resource is available as " + ", ".join(offered) +
                              " (or choose with ?format=" + "|".join(sorted(FORMAT_NAMES)) + ")")
    response.headers["Vary"] = VARY
    return response


def _bad_format(name: str) -> Response:
    response = error_response(400, "Bad Request", f"unknown format {name[:40]!r}: use ?format=" +
                              "|".join(sorted(FORMAT_NAMES)))
    response.headers["Vary"] = VARY
    return response


# --- the routes ----------------------------------------------------------------------------------------------

@linked_data.get("/<path:path>")
def resource(path: str) -> Response:
    base, data = minter().base, store()
    try:
        path, suffix = _split_suffix(path, lambda p: is_known(data, base + p))
        iri = base + path
        known = is_known(data, iri)
    except ValueError:  # characters no IRI may hold
        known, iri, suffix = False, base + path, None
    if not known:
        stem, dot, ext = path.rpartition(".")
        return _not_found(base + stem if dot and f".{ext.lower()}" in SUFFIXES else iri,
                          SUFFIXES.get(f".{ext.lower()}") if dot else None)
    is_source = iri == str(minter().source_document())
    offered = [HTML, *([TEXT] if is_source else []), *RDF_TYPES, JSON]
    try:
        chosen = _wanted(offered, suffix)
    except BadFormat as error:
        return _bad_format(str(error))
    if chosen is None:
        return _not_acceptable(offered)
    if chosen == HTML:
        context = resource_context(data, iri)
        view = resource_view(context, iri, pages.page_lang(), pages.linker(), _vocabulary())
        source = source_lines(resources.source_text(), context, iri) if is_source else None
        body = pages.resource_page(view, _alternates(path, offered, HTML), source)
    elif chosen == TEXT:
        body = resources.source_text()
    else:
        body = _rdf(describe(resource_context(data, iri), iri, _vocabulary()), chosen)
    response = Response(body, content_type=_content_type(chosen))
    return _finish(response, path, offered, chosen, _negotiated() and suffix is None, iri)


@linked_data.get("/def")
@linked_data.get("/def.<ext>")
def vocabulary(ext: str | None = None) -> Response:
    def html() -> str:
        view = vocabulary_view(_vocabulary(), pages.page_lang(), pages.linker())
        return pages.vocabulary_page(view, _alternates("def", [HTML, *RDF_TYPES], HTML))

    return _document("def", ext, PG_ONTOLOGY, html, _vocabulary, [resources.ONTOLOGY_FILE])


@linked_data.get("/shapes")
@linked_data.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    def html() -> str:
        lang = pages.page_lang()
        views = shapes_view(_shapes(), lang, pages.linker(), _vocabulary())
        return pages.shapes_page(views, lang, _alternates("shapes", [HTML, *RDF_TYPES], HTML))

    return _document("shapes", ext, None, html, _shapes, resources.shape_files())


def _document(path: str, ext: str | None, canonical: str | None, html: Callable[[], str],
              data: Callable[[], Graph], files: list[Path]) -> Response:
    """/def and /shapes: generated HTML, the Turtle files as written (with their comments), other RDF serialised."""
    suffix = SUFFIXES.get(f".{ext.lower()}") if ext else None
    if ext and suffix is None:
        return _not_found(request.base_url, None)
    offered = [HTML, *RDF_TYPES, JSON]
    try:
        chosen = _wanted(offered, suffix)
    except BadFormat as error:
        return _bad_format(str(error))
    if chosen is None:
        return _not_acceptable(offered)
    if chosen == HTML:
        body = html()
    elif chosen == "text/turtle" and len(files) == 1:
        body = files[0].read_text("utf-8")
    else:
        body = _rdf(data(), chosen)
    response = Response(body, content_type=_content_type(chosen))
    return _finish(response, path, offered, chosen, _negotiated() and suffix is None, canonical)


# --- unknown IRIs ------------------------------------------------------------------------------------------------

def _not_found(iri: str, suffix: str | None) -> Response:
    """A 404 in the representation asked for: an HTML page with suggestions, an empty RDF document with a
    comment, a JSON error, or plain text."""
    offered = [HTML, *RDF_TYPES, JSON, TEXT]
    try:
        chosen = _wanted(offered, suffix) or TEXT
    except BadFormat:
        chosen = TEXT
    shown = quote(iri, safe=":/#?=&,;+@!$()*~%._-")  # no control characters or markup in comments
    message = f"no description of <{shown}> in this dataset"
    if chosen == HTML:
        links = pages.linker()
        near = [(s[len(minter().base):], links.href(s) or "")
                for s in suggestions(digests().documents(), iri, minter().base)]
        body = pages.not_found_page(iri, near, pages.page_lang())
    elif chosen in (JSON, "application/ld+json"):
        body = json.dumps({"status": 404, "error": "Not Found", "message": message}, ensure_ascii=False)
    elif chosen in ("text/turtle", "application/n-triples"):
        body = f"# 404 Not Found: {message}\n"
    elif chosen == "application/rdf+xml":
        comment = message.replace("--", "-%2D")
        body = (f'<?xml version="1.0" encoding="utf-8"?>\n<!-- 404 Not Found: {comment} -->\n'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    else:
        body = f"404 Not Found: {message}\n"
    response = Response(body, status=404, content_type=_content_type(chosen))
    response.headers["Vary"] = VARY
    return response
