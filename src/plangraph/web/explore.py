"""Finding things: /search (text search with facets; JSON twin at /search.json or by Accept)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from rdflib import URIRef

from plangraph import resources
from plangraph.search import FACETS, SearchIndex, SearchResult
from plangraph.web import state
from plangraph.web.negotiation import choose

explore = Blueprint("explore", __name__)
FACET_TITLES = {
    "de": {"department": "Verantwortlich", "group": "Zielgruppe", "status": "Status"},
    "en": {"department": "Responsible", "group": "Target group", "status": "Status"},
}


def _index() -> SearchIndex:
    index = current_app.extensions.get("plangraph.search")
    if index is None:
        index = SearchIndex(state.graph(), resources.ontology_graph())
        current_app.extensions["plangraph.search"] = index
    return index


def _lang() -> str:
    wanted = request.args.get("lang") or request.accept_languages.best_match(["de", "en"]) or "de"
    return "en" if wanted == "en" else "de"


def href(iri: URIRef) -> str:
    """A link to a resource: its local path when it is ours, else the IRI itself."""
    minter = state.minter()
    return "/" + minter.local_path(str(iri)) if minter.is_local(str(iri)) else str(iri)


@explore.get("/search")
@explore.get("/search.json")
def search() -> Response | str:
    query = request.args.get("q", "").strip()[:500]
    lang = _lang()
    selected = {name: [URIRef(v) for v in request.args.getlist(name) if v] for name in FACETS}
    result = _index().search(query, selected, lang)
    wants_json = request.path.endswith(".json") or choose(
        request.headers.get("Accept"), ["text/html", "application/json"]) == "application/json"
    if wants_json:
        response = jsonify(_as_json(result))
    else:
        response = Response(render_template(
            "search.html", result=result, lang=lang, selected=selected, href=href,
            facet_titles=FACET_TITLES[lang], kind_label=lambda k: _index().label(k, lang)))
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def _as_json(result: SearchResult) -> dict[str, Any]:
    return {
        "query": result.query,
        "results": [{"iri": str(h.iri), "type": str(h.kind), "label": h.label, "snippet": h.snippet,
                     "score": h.score} for h in result.hits],
        "facets": {name: [{"value": str(f.value), "label": f.label, "count": f.count, "selected": f.selected}
                          for f in values] for name, values in result.facets.items()},
    }
