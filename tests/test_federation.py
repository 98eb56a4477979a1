"""Statistics from another SPARQL endpoint: `plangraph link-stats` (CONSTRUCT there, check the cube, store it) and
SERVICE on /sparql (allowed endpoints only, within the time limit). The other endpoint is a second `plangraph serve`
on loopback whose store holds the test cube (and the plan, as every plangraph store does)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import run_plangraph, serve_process
from plangraph.answers import Answers
from plangraph.sparql import Answer, DatasetSpec, Limits, ResultFormat, formats_for
from plangraph.sparql_text import QueryText

CUBE = Path(__file__).parent / "data" / "federation" / "bezirksstatistik.ttl"
REMOTE_GRAPH = "https://w3id.org/plangraph/herne/graph/statistik-bezirke"
LINKED_GRAPH = "https://w3id.org/plangraph/herne/graph/statistik-verknuepft"
PLAN_GRAPH = "https://w3id.org/plangraph/herne/graph/plan"
HTTP_TIMEOUT = 30  # seconds; a guard against a hung request, not a performance assertion
PREFIXES = """PREFIX pg: <https://w3id.org/plangraph/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
"""
WHOLE_CUBE = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{REMOTE_GRAPH}> {{ ?s ?p ?o }} }}"
WANNE_ONLY = PREFIXES + f"""CONSTRUCT {{ ?o ?p ?v }} WHERE {{ GRAPH <{REMOTE_GRAPH}> {{
  ?o a qb:Observation ; sdmx-dimension:refArea <https://w3id.org/plangraph/herne/ort/stadtbezirk-wanne> ; ?p ?v }} }}"""
OBSERVATIONS_IN = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?o a qb:Observation }} }}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def remote(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The second server: its store got the cube with `plangraph load`; yields its /sparql URL."""
    folder = tmp_path_factory.mktemp("remote")
    code, _, err = run_plangraph("load", CUBE, "--graph", REMOTE_GRAPH, "--store", folder / "store",
                                 env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    with serve_process(dataset_file, folder, {"PLANGRAPH_STORE": str(folder / "store")}) as (url, _):
        yield url + "sparql"


@pytest.fixture(scope="module")
def silent() -> Iterator[str]:
    """An endpoint that takes connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"


@pytest.fixture(scope="module")
def down() -> str:
    """An endpoint where nothing listens."""
    return f"http://127.0.0.1:{_free_port()}/sparql"


@pytest.fixture(scope="module")
def main_server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory, remote: str, silent: str,
                down: str) -> Iterator[str]:
    """The plan's server, allowed to send SERVICE to the second server and to the silent and the down endpoint;
    3 s per query."""
    env = {"PLANGRAPH_SERVICE_ALLOWLIST": f"{remote},{silent},{down}", "PLANGRAPH_QUERY_TIMEOUT": "3"}
    with serve_process(dataset_file, tmp_path_factory.mktemp("main"), env) as (url, _):
        yield url + "sparql"


@pytest.fixture(scope="module")
def virtuoso_server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory, virtuoso: Any,
                    remote: str) -> Iterator[str]:
    """The plan's server on the session's Virtuoso, allowed to send SERVICE to the second server (Virtuoso itself
    then calls it)."""
    env = {"PLANGRAPH_STORE": virtuoso.sparql_url, "PLANGRAPH_SERVICE_ALLOWLIST": remote}
    with serve_process(dataset_file, tmp_path_factory.mktemp("main-virtuoso"), env) as (url, _):
        yield url + "sparql"


def _link(dataset: Path, store: Path, endpoint: str, query: str, *args: str) -> tuple[int, str, str]:
    query_file = store.parent / "query.rq"
    query_file.write_text(query, encoding="utf-8")
    return run_plangraph("link-stats", "--endpoint", endpoint, "--query", query_file, "--store", store,
                         "--timeout", "10", *args, env={"PLANGRAPH_DATASET": str(dataset)})


def _number(dataset: Path, store: Path, query: str) -> int:
    """The one number a counting query over the store answers."""
    code, out, err = run_plangraph("query", "--store", store, "--format", "csv", PREFIXES + query,
                                   env={"PLANGRAPH_DATASET": str(dataset)})
    assert code == 0, err
    return int(out.splitlines()[1])


def _count(dataset: Path, store: Path, graph: str) -> int:
    return _number(dataset, store, OBSERVATIONS_IN.format(graph=graph))


# --- plangraph link-stats ------------------------------------------------------------------------------------

def test_linked_statistics_join_the_measures(dataset_file: Path, tmp_path: Path, remote: str) -> None:
    store = tmp_path / "store"
    code, out, err = _link(dataset_file, store, remote, WHOLE_CUBE)
    assert code == 0, err
    assert "stored 20 observations (" in out and f"in <{LINKED_GRAPH}>" in out
    assert "warning" not in err  # every area is a place of the dataset
    rose = (Path(__file__).parents[1] / "src" / "plangraph" / "examples" / "14-measures-where-new-arrivals-rose.rq")
    code, out, err = run_plangraph("query", "--store", store, "--format", "csv", "--file", rose,
                                   env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    assert [line.split(",")[:3] for line in out.splitlines()[1:]] == [
        ["A2.1", "Herne-Mitte", "Stadtbezirk Herne-Mitte"], ["A2.1", "Wanne-Süd", "Stadtbezirk Wanne"]]


def test_a_second_link_replaces_the_graph_and_a_refused_one_keeps_it(dataset_file: Path, tmp_path: Path,
                                                                     remote: str) -> None:
    store = tmp_path / "store"
    graph = "https://example.org/graph/bezirke"
    assert _link(dataset_file, store, remote, WHOLE_CUBE, "--graph", graph)[0] == 0
    assert _count(dataset_file, store, graph) == 20
    code, out, err = _link(dataset_file, store, remote, WANNE_ONLY, "--graph", graph)
    assert code == 0, err
    assert "stored 5 observations" in out
    assert _count(dataset_file, store, graph) == 5  # replaced, not added to
    measures = PREFIXES + "CONSTRUCT { ?m a pg:Measure } WHERE { ?m a pg:Measure }"
    code, _, err = _link(dataset_file, store, remote, measures, "--graph", graph)
    assert code == 1 and "not a Data Cube" in err
    assert _count(dataset_file, store, graph) == 5  # the refusal lost nothing


def test_a_graph_of_other_data_is_never_replaced(dataset_file: Path, tmp_path: Path, remote: str) -> None:
    store, other = tmp_path / "store", "https://example.org/graph/other"
    code, _, err = _link(dataset_file, store, remote, WHOLE_CUBE, "--graph", PLAN_GRAPH)
    assert code == 2 and "graph of the published dataset" in err
    triples = tmp_path / "other.nt"
    triples.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n", "utf-8")
    code, _, err = run_plangraph("load", triples, "--graph", other, "--store", store,
                                 env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    code, _, err = _link(dataset_file, store, remote, WHOLE_CUBE, "--graph", other)
    assert code == 2 and f"<{other}> holds other data than statistics" in err, err
    assert _number(dataset_file, store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{other}> {{ ?s ?p ?o }} }}") == 1
    assert _number(dataset_file, store, "SELECT (COUNT(*) AS ?n) WHERE { ?m a pg:Measure }") == 9


@pytest.mark.parametrize(("query", "reason"), [
    (PREFIXES + "CONSTRUCT { ?m ?p ?o } WHERE { ?m a pg:Measure ; ?p ?o }",
     "not a Data Cube: <https://w3id.org/plangraph/herne/wohnen-und-stadtentwicklung/massnahme/A1-1>"),
    (PREFIXES + f"CONSTRUCT {{ ?o a qb:Observation ; sdmx-dimension:refArea ?a }} WHERE {{ GRAPH <{REMOTE_GRAPH}> "
     "{ ?o sdmx-dimension:refArea ?a } }", "20 observation(s) without sdmx-dimension:refPeriod"),
    (PREFIXES + f"CONSTRUCT {{ ?o a qb:Observation ; sdmx-dimension:refPeriod ?y ; sdmx-dimension:refArea ?n }} "
     f"WHERE {{ GRAPH <{REMOTE_GRAPH}> {{ ?o sdmx-dimension:refPeriod ?y ; sdmx-dimension:refArea ?a }} "
     "BIND(STR(?a) AS ?n) }", "whose sdmx-dimension:refArea is not a place IRI"),
    (PREFIXES + f"CONSTRUCT {{ ?d a qb:DataSet }} WHERE {{ GRAPH <{REMOTE_GRAPH}> {{ ?d a qb:DataSet }} }}",
     "holds no qb:Observation"),
    (PREFIXES + "CONSTRUCT { ?o a qb:Observation ; sdmx-dimension:refArea ?a ; sdmx-dimension:refPeriod ?y } "
     "WHERE { ?o a qb:Observation ; sdmx-dimension:refArea ?a . ?x sdmx-dimension:refPeriod ?y }",
     "with more than one sdmx-dimension:refPeriod"),
], ids=["plan", "no-period", "area-literal", "no-observation", "two-periods"])
def test_an_answer_that_is_no_cube_exits_1_and_stores_nothing(dataset_file: Path, tmp_path: Path, remote: str,
                                                               query: str, reason: str) -> None:
    store = tmp_path / "store"
    code, out, err = _link(dataset_file, store, remote, query)
    assert code == 1, err
    assert reason in err and out == ""
    assert not store.exists()  # refused before the store was opened


@pytest.mark.parametrize(("query", "message"), [
    ("SELECT * WHERE { ?s ?p ?o }", "needs a CONSTRUCT query (it stores the triples the query builds), not a SELECT"),
    ("ASK { ?s ?p ?o }", "not a ASK"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ", "SPARQL syntax error"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SPARQL syntax error"),
], ids=["select", "ask", "syntax", "update"])
def test_a_query_other_than_construct_is_refused_before_sending(dataset_file: Path, tmp_path: Path, down: str,
                                                               query: str, message: str) -> None:
    code, _, err = _link(dataset_file, tmp_path / "store", down, query)
    assert code == 2 and message in err, err


def test_an_endpoint_that_is_down_exits_2(dataset_file: Path, tmp_path: Path, down: str) -> None:
    code, _, err = _link(dataset_file, tmp_path / "store", down, WHOLE_CUBE)
    assert code == 2 and f"the endpoint {down} cannot be reached" in err, err


def test_an_endpoint_that_never_answers_exits_2_after_the_timeout(dataset_file: Path, tmp_path: Path,
                                                                  silent: str) -> None:
    query_file = tmp_path / "query.rq"
    query_file.write_text(WHOLE_CUBE, encoding="utf-8")
    started = time.monotonic()
    code, _, err = run_plangraph("link-stats", "--endpoint", silent, "--query", query_file, "--store",
                                 tmp_path / "store", "--timeout", "1", env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 2 and f"the endpoint {silent} did not answer within 1 s" in err, err
    assert time.monotonic() - started < 15


def test_an_error_status_exits_2_with_the_status(dataset_file: Path, tmp_path: Path, remote: str) -> None:
    code, _, err = _link(dataset_file, tmp_path / "store", remote.removesuffix("sparql") + "nicht-da", WHOLE_CUBE)
    assert code == 2 and "answered 404" in err, err


def test_an_answer_that_is_not_rdf_exits_2(dataset_file: Path, tmp_path: Path, remote: str) -> None:
    code, _, err = _link(dataset_file, tmp_path / "store", remote.removesuffix("sparql") + "search.json", WHOLE_CUBE)
    assert code == 2 and "answered application/json, not RDF (Turtle or N-Triples)" in err, err


# --- SERVICE on /sparql --------------------------------------------------------------------------------------

def _select(url: str, query: str) -> requests.Response:
    """SPARQL JSON results, or an error as JSON."""
    return requests.get(url, params={"query": query}, timeout=HTTP_TIMEOUT,
                        headers={"Accept": "application/sparql-results+json, application/json;q=0.9"})


@pytest.mark.parametrize("server", ["main_server", "virtuoso_server"], ids=["embedded", "virtuoso"])
def test_a_federated_query_joins_local_measures_with_remote_observations(request: pytest.FixtureRequest, server: str,
                                                                        remote: str) -> None:
    main_server = request.getfixturevalue(server)
    assert _select(main_server, PREFIXES + "ASK { ?o a qb:Observation ; qb:dataSet ?d . ?d rdfs:label "
                   '"Bezirksstatistik (Testdaten)"@de }').json()["boolean"] is False  # the cube is only there
    query = PREFIXES + f"""SELECT ?massnahme ?gebiet ?jahr ?wert WHERE {{
  ?m a pg:Measure ; skos:notation ?massnahme ; dcterms:spatial/geo:sfWithin* ?area .
  ?area skos:prefLabel ?gebiet . FILTER(lang(?gebiet) = "de")
  SERVICE <{remote}> {{
    ?o a qb:Observation ; sdmx-dimension:refArea ?area ; sdmx-dimension:refPeriod ?period ; ?indicator ?wert .
    ?indicator rdfs:label "Anteil Neuzugewanderte"@de .
  }}
  BIND(STR(?period) AS ?jahr)
}} ORDER BY ?massnahme ?gebiet ?jahr"""
    response = _select(main_server, query)
    assert response.status_code == 200, response.text
    rows = [(b["massnahme"]["value"], b["gebiet"]["value"], b["jahr"]["value"], b["wert"]["value"])
            for b in response.json()["results"]["bindings"]]
    assert [(m, g) for m, g, _, _ in rows] == [("A2.1", "Stadtbezirk Herne-Mitte")] * 5 + [
        ("A2.1", "Stadtbezirk Sodingen")] * 5 + [("A2.1", "Stadtbezirk Wanne")] * 5
    assert rows[-1][2:] == ("2020", "5.8")
    again = requests.get(main_server, params={"query": query}, timeout=HTTP_TIMEOUT,
                         headers={"Accept": "application/sparql-results+json",
                                  "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 200  # never 304: the answer depends on the other endpoint's data


@pytest.mark.parametrize("target", ["other-port", "longer-path"])
def test_service_off_the_allowlist_is_refused_without_connecting(main_server: str, remote: str, target: str) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        endpoint = (f"http://127.0.0.1:{listener.getsockname()[1]}/sparql" if target == "other-port"
                    else remote + "-evil")
        started = time.monotonic()
        response = _select(main_server, f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
        assert time.monotonic() - started < 2
        assert response.status_code == 403
        assert response.json()["message"] == (f"SERVICE <{endpoint}> is refused: it is not on this endpoint's "
                                              "allowlist of SERVICE endpoints")
        with pytest.raises(TimeoutError):
            listener.accept()


def test_an_allowed_endpoint_that_never_answers_is_stopped_at_the_time_limit(main_server: str, silent: str) -> None:
    started = time.monotonic()
    response = _select(main_server, f"SELECT * WHERE {{ SERVICE <{silent}> {{ ?s ?p ?o }} }}")
    assert response.status_code == 503
    assert response.json()["error"] == "QueryTimeout"
    assert 2.9 < time.monotonic() - started < 10


def test_an_allowed_endpoint_that_is_down_gives_502(main_server: str, down: str) -> None:
    response = _select(main_server, f"SELECT * WHERE {{ SERVICE <{down}> {{ ?s ?p ?o }} }}")
    assert response.status_code == 502
    assert response.json()["error"] == "ServiceFailed"
    silent_ok = _select(main_server, f"SELECT * WHERE {{ SERVICE SILENT <{down}> {{ ?s ?p ?o }} }}")
    assert silent_ok.status_code == 200 and silent_ok.json()["results"]["bindings"] == [{}]


class _CountingStore:
    """Just what Answers asks of a store, counting the answers it is asked for."""

    version = "1"

    def __init__(self) -> None:
        self.asked = 0

    def answer(self, query: QueryText, spec: DatasetSpec, fmt: ResultFormat, limits: Limits) -> Answer:
        self.asked += 1
        return Answer(b"{}", fmt.media_type, False)


def test_federated_answers_are_never_cached() -> None:
    store = _CountingStore()
    answers = Answers(store, Limits(services=("https://statistik.example.org/sparql",)))  # type: ignore[arg-type]
    fmt = formats_for("SELECT")[0]
    local = answers.read("SELECT * WHERE { ?s ?p ?o }")
    federated = answers.read("SELECT * WHERE { SERVICE <https://statistik.example.org/sparql> { ?s ?p ?o } }")
    for query in (local, local, federated, federated):
        answers.answer(query, DatasetSpec(), fmt)
    assert store.asked == 3  # the local query once, the federated one each time
