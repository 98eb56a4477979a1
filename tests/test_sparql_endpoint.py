"""/sparql reached the way users reach it: a real server process over HTTP, asked by SPARQLWrapper and by
requests. The time-limit tests start their own server with small limits (PLANGRAPH_QUERY_TIMEOUT=2)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.dom.minidom import Document

import pytest
import requests
from rdflib import Dataset, Graph, URIRef
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from conftest import serve_process

SD = "http://www.w3.org/ns/sparql-service-description#"
PLAN = "https://w3id.org/plangraph/herne/graph/plan"
CURATED = "https://w3id.org/plangraph/herne/graph/curated"
VOCABULARY = "https://w3id.org/plangraph/def"
PREFIXES = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "PREFIX pg: <https://w3id.org/plangraph/def#>\n")
NOTATIONS = ["A1.1", "A2.1", "A3.1", "A3.2", "B1.1", "B2.1", "B2.2", "B2.3", "B3.1"]
SELECT = PREFIXES + "SELECT ?n WHERE { ?m a pg:Measure ; skos:notation ?n } ORDER BY ?n"
ASK = PREFIXES + "ASK { ?m a pg:Measure ; skos:notation 'B3.1' }"
CONSTRUCT = PREFIXES + "CONSTRUCT { ?m skos:notation ?n } WHERE { ?m a pg:Measure ; skos:notation ?n }"
DESCRIBE = PREFIXES + "DESCRIBE ?m WHERE { ?m a pg:Measure ; skos:notation 'A1.1' }"
EXPLODING = ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o "
             "FILTER regex(concat(str(?c), str(?f), str(?i), str(?l), str(?o)), 'no such text') }")
# SPARQLWrapper builds its graphs with rdflib's deprecated ConjunctiveGraph: not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def endpoint(live_server: str) -> str:
    return live_server + "sparql"


def wrapper(endpoint: str, query: str, fmt: str, method: str = GET, request_method: str = URLENCODED) -> Any:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setRequestMethod(request_method)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # SPARQLWrapper warns when it gets another format
        response = client.query()
        return response.info()["content-type"], response.convert()


def get(endpoint: str, query: str, **kwargs: Any) -> requests.Response:
    params = {"query": query, **kwargs.pop("params", {})}
    return requests.get(endpoint, params=params, timeout=30, **kwargs)


# --- SPARQLWrapper: every query form in every format, every way of sending ---------------------

METHODS = [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]


@pytest.mark.parametrize(("method", "request_method"), METHODS, ids=["get", "form-post", "direct-post"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_in_every_result_format(endpoint: str, fmt: str, method: str, request_method: str) -> None:
    content_type, result = wrapper(endpoint, SELECT, fmt, method, request_method)
    if fmt == JSON:
        assert content_type == "application/sparql-results+json"
        assert [b["n"]["value"] for b in result["results"]["bindings"]] == NOTATIONS
    elif fmt == XML:
        assert content_type.startswith("application/sparql-results+xml")
        assert isinstance(result, Document)
        assert [n.firstChild.data for n in result.getElementsByTagName("literal")] == NOTATIONS
    elif fmt == CSV:
        assert content_type.startswith("text/csv")
        assert result.decode("utf-8") == "\r\n".join(["n", *NOTATIONS]) + "\r\n"
    else:
        assert content_type.startswith("text/tab-separated-values")
        assert result.decode("utf-8") == "\n".join(["?n", *(f'"{n}"' for n in NOTATIONS)]) + "\n"


@pytest.mark.parametrize(("method", "request_method"), METHODS, ids=["get", "form-post", "direct-post"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_ask_in_every_result_format(endpoint: str, fmt: str, method: str, request_method: str) -> None:
    _, result = wrapper(endpoint, ASK, fmt, method, request_method)
    if fmt == JSON:
        assert result["boolean"] is True
    elif fmt == XML:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert result.decode("utf-8").split() == ["_askResult" if fmt == CSV else "?_askResult", "true"]
    _, no = wrapper(endpoint, PREFIXES + "ASK { ?m skos:notation 'Z9.9' }", JSON, method, request_method)
    assert no["boolean"] is False


@pytest.mark.parametrize(("method", "request_method"), METHODS, ids=["get", "form-post", "direct-post"])
@pytest.mark.parametrize("fmt", [TURTLE, N3, JSONLD, RDFXML, XML])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_graph_forms_in_every_rdf_format(endpoint: str, query: str, fmt: str, method: str,
                                         request_method: str) -> None:
    content_type, result = wrapper(endpoint, query, fmt, method, request_method)
    expected = {TURTLE: "text/turtle", N3: "text/turtle", JSONLD: "application/ld+json",
                RDFXML: "application/rdf+xml", XML: "application/rdf+xml"}[fmt]
    assert content_type.split(";")[0] == expected
    graph = Graph().parse(data=result, format="turtle") if isinstance(result, bytes) else result
    notations = sorted(str(o) for o in graph.objects(None, URIRef("http://www.w3.org/2004/02/skos/core#notation")))
    if query is CONSTRUCT:
        assert notations == NOTATIONS and len(graph) == 9
    else:
        assert "A1.1" in notations and len(graph) > 5


@pytest.mark.parametrize(("accept", "parse_as"), [
    ("application/n-triples", "nt"), ("application/trig", "trig"), ("application/n-quads", "nquads")])
def test_construct_as_n_triples_trig_and_n_quads(endpoint: str, accept: str, parse_as: str) -> None:
    response = get(endpoint, CONSTRUCT, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(accept)
    parsed = Dataset() if parse_as != "nt" else Graph()
    parsed.parse(data=response.text, format=parse_as)
    assert len(parsed) == 9 if parse_as == "nt" else sum(1 for _ in parsed.quads()) == 9


# --- negotiation -------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "expected"), [
    ("application/sparql-results+xml;q=0.5, text/csv;q=0.9", "text/csv"),
    ("text/csv;q=0.2, text/tab-separated-values;q=0.3, application/sparql-results+xml;q=0.1",
     "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("application/json, text/csv;q=0.5", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/xml", "application/sparql-results+xml"),
    ("text/*;q=0.5, application/sparql-results+json;q=0.4", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv;q=0, */*;q=0.1", "application/sparql-results+json"),
])
def test_accept_with_q_values_picks_the_best_result_format(endpoint: str, accept: str, expected: str) -> None:
    response = get(endpoint, SELECT, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected
    assert response.headers["Vary"] == "Accept"


def test_the_format_parameter_overrides_accept(endpoint: str) -> None:
    response = get(endpoint, SELECT, params={"format": "csv"}, headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["Content-Type"].startswith("text/csv")
    response = get(endpoint, CONSTRUCT, params={"format": "application/ld+json"}, headers={"Accept": "text/turtle"})
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert get(endpoint, SELECT, params={"format": "yaml"}).status_code == 400


@pytest.mark.parametrize(("query", "accept", "fmt"), [
    (SELECT, "text/turtle", None), (CONSTRUCT, "text/csv, application/sparql-results+json", None),
    (ASK, "image/png", None), (CONSTRUCT, None, "csv")])
def test_nothing_acceptable_is_406(endpoint: str, query: str, accept: str | None, fmt: str | None) -> None:
    response = get(endpoint, query, headers={"Accept": accept or "*/*"}, params={"format": fmt} if fmt else {})
    assert response.status_code == 406
    assert any(offer in response.text for offer in ("text/turtle", "application/sparql-results+json", "ttl, nt"))


# --- errors ------------------------------------------------------------------------------------

def test_a_malformed_query_is_400_with_the_parsers_message_and_position(endpoint: str) -> None:
    query = PREFIXES + "SELECT ?n WHERE {\n  ?m skos:notation ?n .\n  FILTER(?n = ) }"
    response = get(endpoint, query, headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.json()
    # Oxigraph says "line 5, column 18" (at the ')'), Virtuoso "line 5"
    assert "SPARQL syntax error" in body["message"] and "line 5" in body["message"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize(("data", "content_type", "message"), [
    ("CLEAR ALL", "application/sparql-update", "(CLEAR)"),
    ({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, None, "(INSERT DATA)"),
    ("LOAD <http://example.org/data.ttl>", "application/sparql-update", "(LOAD)"),
    ({"query": "LOAD <http://example.org/data.ttl>"}, None, "(LOAD)"),
], ids=["direct-update", "form-update", "direct-load", "load-as-query"])
def test_updates_and_load_are_refused_with_403(endpoint: str, data: str | dict, content_type: str | None,
                                               message: str) -> None:
    headers = {"Accept": "text/plain", **({"Content-Type": content_type} if content_type else {})}
    response = requests.post(endpoint, data=data, headers=headers, timeout=30)
    assert response.status_code == 403
    assert message in response.text and "read-only" in response.text


def test_raw_and_percent_encoded_utf8_are_both_read(endpoint: str) -> None:
    for body in ("query=ASK { FILTER(\"Maßnahme\" = \"Maßnahme\") }".encode(),
                 b"query=ASK%20%7B%20FILTER(%22Ma%C3%9Fnahme%22%20%3D%20%22Ma%C3%9Fnahme%22)%20%7D"):
        response = requests.post(endpoint, data=body, timeout=30,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 200 and response.json()["boolean"] is True


def test_update_by_get_is_refused(endpoint: str) -> None:
    response = requests.get(endpoint, params={"update": "CLEAR ALL"}, timeout=30)
    assert response.status_code == 403


def test_service_is_refused_and_no_connection_is_opened(endpoint: str) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        response = get(endpoint, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                       headers={"Accept": "application/json"})
        assert response.status_code == 403
        assert f"SERVICE <{target}> is refused" in response.json()["message"]
        with pytest.raises(TimeoutError):
            listener.accept()


@pytest.mark.parametrize(("request_kwargs", "status"), [
    ({"method": "PUT", "params": {"query": "ASK {}"}}, 405),
    ({"method": "GET", "params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),
    ({"method": "POST", "data": "ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
    ({"method": "POST", "data": b"ASK {}"}, 415),
    ({"method": "POST", "data": "ASK {}".encode("utf-16"),
      "headers": {"Content-Type": "application/sparql-query; charset=UTF-16"}}, 400),
    ({"method": "POST", "data": b"ASK { FILTER(\"\xff\") }", "headers": {"Content-Type": "application/sparql-query"}},
     400),
    ({"method": "GET", "raw_query": b"query=ASK%20%7B%7D&default-graph-uri=%FF"}, 400),
    ({"method": "POST", "data": {"format": "json"}}, 400),
], ids=["put", "two-queries", "text-plain", "no-media-type", "utf-16", "bad-utf-8-body", "bad-utf-8-url", "no-query"])
def test_protocol_errors(endpoint: str, request_kwargs: dict, status: int) -> None:
    request_kwargs = dict(request_kwargs)
    raw = request_kwargs.pop("raw_query", None)
    method = request_kwargs.pop("method")
    if raw is not None:
        response = requests.request(method, f"{endpoint}?{raw.decode('latin-1')}", timeout=30)
    else:
        response = requests.request(method, endpoint, timeout=30, **request_kwargs)
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text


# --- the dataset a request names ---------------------------------------------------------------

def count(endpoint: str, query: str, params: list[tuple[str, str]]) -> int:
    response = requests.get(endpoint, params=[("query", query), *params], timeout=30,
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_default_graph_uri_and_named_graph_uri_choose_the_dataset(endpoint: str, request: pytest.FixtureRequest,
                                                                  ) -> None:
    everything = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    per_graph = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <%s> { ?s ?p ?o } }"
    in_graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    plan, curated = count(endpoint, per_graph % PLAN, []), count(endpoint, per_graph % CURATED, [])
    assert plan > 100 and curated > 100
    assert count(endpoint, everything, []) == count(endpoint, everything, [("default-graph-uri", PLAN),
                                                                           ("default-graph-uri", CURATED),
                                                                           ("default-graph-uri", VOCABULARY)])
    assert count(endpoint, everything, [("default-graph-uri", PLAN)]) == plan
    assert count(endpoint, everything, [("default-graph-uri", CURATED)]) == curated
    assert count(endpoint, in_graphs, []) == 3  # plan, curated, vocabulary
    assert count(endpoint, in_graphs, [("named-graph-uri", CURATED)]) == 1
    if request.node.callspec.params.get("live_server") != "virtuoso":
        # Virtuoso 7.2 lets GRAPH <iri> reach a graph that named-graph-uri leaves out (a known difference,
        # README "Scaling out"); GRAPH ?g is restricted as the protocol says (above)
        assert count(endpoint, per_graph % PLAN, [("named-graph-uri", CURATED)]) == 0
    assert count(endpoint, everything, [("named-graph-uri", CURATED)]) == 0  # no default graph given: empty
    assert count(endpoint, everything, [("default-graph-uri", PLAN), ("named-graph-uri", CURATED)]) == plan


# --- headers: CORS, caching, limits ------------------------------------------------------------

def test_cors_on_get_post_and_preflight(endpoint: str) -> None:
    for response in (get(endpoint, ASK, headers={"Origin": "https://portal.example"}),
                     requests.post(endpoint, data={"query": ASK}, headers={"Origin": "https://portal.example"},
                                   timeout=30),
                     get(endpoint, "ASK {", headers={"Origin": "https://portal.example"})):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "X-Plangraph-Result-Limit" in response.headers["Access-Control-Expose-Headers"]
    preflight = requests.options(endpoint, timeout=30, headers={
        "Origin": "https://portal.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert {"GET", "POST"} <= {m.strip() for m in preflight.headers["Access-Control-Allow-Methods"].split(",")}
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()


def test_etag_and_304(endpoint: str) -> None:
    first = get(endpoint, SELECT, headers={"Accept": "text/csv"})
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert get(endpoint, SELECT, headers={"Accept": "text/csv"}).headers["ETag"] == tag
    again = get(endpoint, SELECT, headers={"Accept": "text/csv", "If-None-Match": tag})
    assert again.status_code == 304 and not again.content and again.headers["ETag"] == tag
    assert get(endpoint, SELECT, headers={"Accept": "application/json"}).headers["ETag"] != tag
    assert get(endpoint, SELECT + " LIMIT 3", headers={"Accept": "text/csv"}).headers["ETag"] != tag
    other = get(endpoint, SELECT, headers={"Accept": "text/csv"}, params={"default-graph-uri": PLAN})
    assert other.headers["ETag"] != tag
    assert get(endpoint, SELECT, headers={"Accept": "text/csv", "If-None-Match": '"other"'}).status_code == 200


def test_the_result_limit_is_always_stated_and_a_cut_is_flagged(endpoint: str) -> None:
    assert get(endpoint, SELECT).headers["X-Plangraph-Result-Limit"] == "10000"
    assert get(endpoint, ASK).headers["X-Plangraph-Result-Limit"] == "10000"
    big = get(endpoint, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 20000",
              headers={"Accept": "application/sparql-results+json"})
    assert big.headers["X-Plangraph-Result-Limit"] == "10000; truncated"
    assert len(big.json()["results"]["bindings"]) == 10000


def test_the_readme_example_gives_what_it_promises(endpoint: str) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## SPARQL endpoint", 1)[1].split("\n## ", 1)[0]
    example = re.search(r"curl -H 'Accept: (?P<accept>[^']+)' --data-urlencode 'query=(?P<query>.*?)' http", section,
                        re.DOTALL)
    assert example is not None, "the README's SPARQL example is gone"
    response = requests.post(endpoint, data={"query": example["query"]}, headers={"Accept": example["accept"]},
                             timeout=30)
    assert response.status_code == 200
    assert response.text.split() == ["n", *NOTATIONS]


# --- without a query ---------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "parse_as"), [("text/turtle", "turtle"), ("*/*", "turtle"),
                                                  ("application/ld+json", "json-ld"), (None, "turtle")])
def test_a_bare_get_is_the_service_description(endpoint: str, accept: str | None, parse_as: str) -> None:
    response = requests.get(endpoint, headers={"Accept": accept} if accept else {}, timeout=30)
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format=parse_as)
    sd = URIRef(SD + "endpoint")
    assert (None, sd, URIRef(endpoint)) in graph
    names = {str(o) for o in graph.objects(None, URIRef(SD + "name"))}
    assert names == {PLAN, CURATED, VOCABULARY}
    assert (None, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in graph


def test_a_browser_without_a_query_goes_to_the_query_page(endpoint: str) -> None:
    response = requests.get(endpoint, allow_redirects=False, timeout=30, headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith("/query")


# --- a server of its own: time limit, small result cap, SERVICE allowlist ----------------------

@pytest.fixture(scope="module")
def limited_server(dataset_file: Path, live_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, subprocess.Popen[bytes]]]:
    """A `plangraph serve` configured by environment variables: 2 s per query, 5 results, SERVICE allowed
    only to the session's other server."""
    env = {"PLANGRAPH_QUERY_TIMEOUT": "2", "PLANGRAPH_RESULT_LIMIT": "5",
           "PLANGRAPH_SERVICE_ALLOWLIST": live_server + "sparql"}
    with serve_process(dataset_file, tmp_path_factory.mktemp("limited"), env) as (url, process):
        yield url + "sparql", process


def _children(pid: int) -> list[str]:
    tasks = Path(f"/proc/{pid}/task")
    return [c for task in tasks.iterdir() for c in (task / "children").read_text().split()] if tasks.exists() else []


def _cpu_ticks(pid: str) -> int:
    """User + system CPU ticks a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _busy_children(pid: int) -> list[str]:
    """Children of the server still computing: their CPU time grows over half a second. The query workers
    of the pool stay as children, idle, between queries."""
    before = {child: _cpu_ticks(child) for child in _children(pid)}
    time.sleep(0.5)
    return [child for child, ticks in before.items() if _cpu_ticks(child) > ticks]


def test_past_the_time_limit_503_while_others_are_answered(
        limited_server: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, process = limited_server
    slow: dict[str, Any] = {}

    def ask_slow() -> None:
        started = time.monotonic()
        response = requests.get(url, params={"query": EXPLODING}, headers={"Accept": "application/json"}, timeout=30)
        slow.update(status=response.status_code, body=response.json(), ended=time.monotonic(),
                    took=time.monotonic() - started)

    thread = threading.Thread(target=ask_slow)
    thread.start()
    time.sleep(0.3)
    fast = requests.get(url, params={"query": ASK}, headers={"Accept": "application/json"}, timeout=30)
    answered = time.monotonic()
    assert fast.status_code == 200 and fast.json()["boolean"] is True
    thread.join()
    assert answered < slow["ended"], "the simple query waited for the slow one"
    assert slow["status"] == 503
    assert slow["body"]["error"] == "QueryTimeout" and "time limit of 2 s" in slow["body"]["message"]
    assert 1.9 < slow["took"] < 6
    assert not _busy_children(process.pid), "the query's worker process was not stopped"
    assert requests.get(url, params={"query": ASK}, timeout=30).status_code == 200


@pytest.mark.parametrize("query", [SELECT, CONSTRUCT], ids=["select", "construct"])
def test_a_small_result_limit_cuts_and_says_so(limited_server: tuple[str, subprocess.Popen[bytes]],
                                               query: str) -> None:
    url, _ = limited_server
    response = requests.get(url, params={"query": query, "format": "nt" if query is CONSTRUCT else "csv"},
                            timeout=30)
    assert response.status_code == 200
    assert response.headers["X-Plangraph-Result-Limit"] == "5; truncated"
    assert len(response.text.strip().splitlines()) == (5 if query is CONSTRUCT else 6)
    within = requests.get(url, params={"query": SELECT + " LIMIT 5"}, timeout=30)
    assert within.headers["X-Plangraph-Result-Limit"] == "5"


def test_service_to_an_allowlisted_endpoint_is_carried_out(limited_server: tuple[str, subprocess.Popen[bytes]],
                                                           live_server: str) -> None:
    url, _ = limited_server
    query = PREFIXES + (f"SELECT ?n WHERE {{ SERVICE <{live_server}sparql> {{ ?m a pg:Measure ; "
                        "skos:notation ?n } } ORDER BY ?n LIMIT 3")
    response = requests.get(url, params={"query": query}, headers={"Accept": "application/sparql-results+json"},
                            timeout=30)
    assert response.status_code == 200, response.text
    assert [b["n"]["value"] for b in response.json()["results"]["bindings"]] == NOTATIONS[:3]
    refused = requests.get(url, params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"},
                           timeout=30)
    assert refused.status_code == 403


def test_the_service_description_states_the_limits(limited_server: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = limited_server
    text = requests.get(url, headers={"Accept": "text/turtle"}, timeout=30).text
    assert "2 s" in text and "at most 5 rows" in text and "BasicFederatedQuery" in text
    assert json.loads(requests.get(url, params={"query": "ASK {}"}, timeout=30).text)["boolean"] is True
