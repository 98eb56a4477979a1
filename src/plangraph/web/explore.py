"""Finding things: /search (text search with facets; JSON twin at /search.json or by Accept)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request
from rdflib import URIRef

from plangraph import resources
from plangraph.search import FACETS, SearchIndex, SearchResult
from plangraph.web import state
from plangraph.web.negotiation import choose
from plangraph.web.pages import linker, page_lang, render_page

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


@explore.get("/search")
@explore.get("/search.json")
def search() -> Response | str:
    query = request.args.get("q", "").strip()[:500]
    lang = page_lang()
    selected = {name: [URIRef(v) for v in request.args.getlist(name) if v] for name in FACETS}
    result = _index().search(query, selected, lang)
    wants_json = request.path.endswith(".json") or choose(
        request.headers.get("Accept"), ["text/html", "application/json"]) == "application/json"
    if wants_json:
        response = jsonify(_as_json(result))
    else:
        response = Response(render_page(
            "search.html", lang, result=result, query=query, selected=selected, href=linker().href,
            facet_titles=FACET_TITLES[lang], kind_label=lambda k: _index().label(k, lang),
            facet_href=lambda name, value: _search_url(query, selected, lang, toggle=(name, value)),
            clear_href=_search_url(query, {}, lang), json_href=_search_url(query, selected, lang, path="/search.json")))
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def _search_url(query: str, selected: dict[str, list[URIRef]], lang: str,
                toggle: tuple[str, URIRef] | None = None, path: str = "/search") -> str:
    """The URL of a search with one facet value switched on or off."""
    chosen = {name: list(values) for name, values in selected.items()}
    if toggle is not None:
        name, value = toggle
        values = chosen.setdefault(name, [])
        chosen[name] = [v for v in values if v != value] if value in values else [*values, value]
    params: list[tuple[str, str]] = [("q", query)]
    params += [(name, str(v)) for name, values in chosen.items() for v in values]
    if request.args.get("lang"):
        params.append(("lang", lang))
    return request.script_root + path + "?" + urlencode(params)


def _as_json(result: SearchResult) -> dict[str, Any]:
    return {
        "query": result.query,
        "results": [{"iri": str(h.iri), "type": str(h.kind), "label": h.label, "snippet": h.snippet,
                     "score": h.score} for h in result.hits],
        "facets": {name: [{"value": str(f.value), "label": f.label, "count": f.count, "selected": f.selected}
                          for f in values] for name, values in result.facets.items()},
    }
