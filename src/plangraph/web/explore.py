"""Finding things: /search (text search with facets; JSON twin at /search.json or by Accept) and /query
(a SPARQL page that needs no internet: example queries, a results table, download links)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request
from rdflib import URIRef

from plangraph import resources
from plangraph.errors import PlangraphError
from plangraph.example_queries import example, examples
from plangraph.search import FACETS, SearchIndex, SearchResult
from plangraph.sparql import GRAPH, DatasetSpec, format_from_parameter, formats_for
from plangraph.web import state
from plangraph.web.negotiation import choose
from plangraph.web.pages import linker, page_lang, render_page
from plangraph.web.sparql import answers

explore = Blueprint("explore", __name__)
FACET_TITLES = {
    "de": {"department": "Verantwortlich", "group": "Zielgruppe", "status": "Status"},
    "en": {"department": "Responsible", "group": "Target group", "status": "Status"},
}


def _index() -> SearchIndex:
    return state.digests().get("search", lambda _: SearchIndex(state.digests().index_graph(),
                                                               resources.ontology_graph()))


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


@dataclass
class QueryOutcome:
    """What the query page shows: a table (SELECT), a yes/no (ASK), RDF text (CONSTRUCT/DESCRIBE)."""

    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    boolean: bool | None = None
    rdf: str | None = None
    truncated: bool = False
    downloads: list[tuple[str, str]] = field(default_factory=list)  # (format name, URL)


@explore.get("/query")
def query_page() -> tuple[str, int]:
    lang = page_lang()
    chosen = example(request.args.get("example", ""))
    text = request.args.get("query") or (chosen.text if chosen else examples()[0].text)
    outcome, error, status = None, None, 200
    if "query" in request.args or chosen is not None:
        try:
            outcome = _run_for_page(text, chosen.slug if chosen is not None and text == chosen.text else "abfrage")
        except PlangraphError as problem:
            error, status = str(problem), problem.http_status
    page = render_page("query.html", lang, text=text, examples=examples(), chosen=chosen, outcome=outcome,
                       error=error, limit=answers().limits.results, href=linker().href)
    return page, status


def _run_for_page(text: str, name: str) -> QueryOutcome:
    """Run the page's query; its download links save the answer as `name` (the example's slug) plus a suffix."""
    service = answers()
    prepared = service.read(text, base=request.url_root + "sparql")
    fmt = format_from_parameter(prepared.form, ["ttl" if prepared.form in GRAPH else "json"])
    answer = service.answer(prepared, DatasetSpec(), fmt)
    outcome = QueryOutcome(truncated=answer.truncated)
    outcome.downloads = [(f.name, f"{request.script_root}/sparql?" + urlencode({"query": text, "download": name,
                                                                                "format": f.name}))
                         for f in formats_for(prepared.form)]
    if prepared.form in GRAPH:
        outcome.rdf = answer.body.decode("utf-8")
        return outcome
    payload = json.loads(answer.body)
    if "boolean" in payload:
        outcome.boolean = bool(payload["boolean"])
        return outcome
    outcome.columns = list(payload["head"]["vars"])
    outcome.rows = [[binding.get(name, {}).get("value", "") for name in outcome.columns]
                    for binding in payload["results"]["bindings"]]
    return outcome
