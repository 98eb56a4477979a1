"""The SPARQL core without HTTP: preparing (syntax errors with position, updates, LOAD and SERVICE refused),
the format table, the dataset a request names, result caps, the CSV/TSV writers, the child-process runner
(time limit, slots) and the service description."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef

from plangraph.dataset import load_dataset, union
from plangraph.errors import InputError
from plangraph.query import run_query
from plangraph.query_runner import Runner
from plangraph.sparql import (
    RESULT_FORMATS,
    SD,
    DatasetSpec,
    Limits,
    NotAcceptable,
    QueryData,
    QueryRefused,
    QueryTimeout,
    QueryTooLarge,
    ServerBusy,
    allowed_service,
    etag,
    fingerprint,
    format_from_parameter,
    formats_for,
    prepare,
    refuse_update,
    run,
    serialize,
    service_description,
)
from plangraph.sparql_text import inspect

EX = Namespace("http://example.org/")
G1, G2 = URIRef("http://example.org/graph/one"), URIRef("http://example.org/graph/two")
EXPLODING = ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o "
             "FILTER regex(concat(str(?c), str(?f), str(?i), str(?l), str(?o)), 'no such text') }")


def small_data() -> QueryData:
    dataset = Dataset()
    one, two = dataset.graph(G1), dataset.graph(G2)
    for i in range(5):
        one.add((EX[f"a{i}"], EX.p, Literal(i)))
    two.add((EX.b, EX.p, Literal("tab\there, \"quoted\"\nnew line", lang="de")))
    two.add((EX.a0, EX.q, EX.b))
    return QueryData(dataset, union(dataset))


@pytest.fixture(scope="module")
def data() -> QueryData:
    return small_data()


@pytest.fixture(scope="module")
def big_data() -> QueryData:
    """Enough triples that EXPLODING (a 5-way product) cannot end within any time limit here."""
    dataset = Dataset()
    graph = dataset.graph(G1)
    for i in range(300):
        graph.add((EX[f"s{i}"], EX.p, Literal(f"value {i}")))
    return QueryData(dataset, union(dataset))


def rows(data: QueryData, query: str, spec: DatasetSpec | None = None, limit: int | None = None) -> list[dict]:
    outcome = run(prepare(query), data, spec or DatasetSpec(), limit)
    payload = json.loads(serialize(outcome.result, format_from_parameter(outcome.result.type, ["json"])))
    return payload["results"]["bindings"]


# --- preparing ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "form"), [
    ("SELECT * { ?s ?p ?o }", "SELECT"), ("ASK {}", "ASK"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"), ("DESCRIBE <http://example.org/a0>", "DESCRIBE"),
    ("PREFIX ex: <http://example.org/>\n# a comment\nselect ?s { ?s ex:p 1 }", "SELECT"),
])
def test_the_form_comes_from_the_parsed_query(text: str, form: str) -> None:
    assert prepare(text).form == form


def test_a_syntax_error_says_line_and_column() -> None:
    with pytest.raises(InputError) as caught:
        prepare("SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }")
    error = caught.value
    assert error.http_status == 400
    assert error.location is not None and (error.location.line, error.location.column) == (4, 3)
    assert "SPARQL syntax error" in error.message and "FILTER(?o = ) }" in error.message
    assert "line 4, column 3" in str(error)


def test_an_unfinished_query_says_where_it_ends() -> None:
    with pytest.raises(InputError) as caught:
        prepare("ASK {")
    assert "at the end of the query" in caught.value.message
    assert caught.value.location is not None and caught.value.location.column == 6


def test_an_undefined_prefix_is_located() -> None:
    with pytest.raises(InputError) as caught:
        prepare("SELECT * WHERE {\n  ?s ex:p ?o }")
    assert "undefined prefix ex:" in caught.value.message
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.column) == (2, 6)


@pytest.mark.parametrize("text", ["", "   \n"])
def test_an_empty_query_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        prepare(text)


def test_an_oversized_query_is_refused_before_parsing() -> None:
    with pytest.raises(QueryTooLarge) as caught:
        prepare("ASK {}" + " " * 200_000)
    assert caught.value.http_status == 413


@pytest.mark.parametrize(("text", "named"), [
    ("CLEAR ALL", "CLEAR"),
    ("LOAD <http://example.org/data.ttl>", "LOAD"),
    ("LOAD <http://example.org/data.ttl> INTO GRAPH <http://example.org/g>", "LOAD"),
    ("PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }", "INSERT DATA"),
    ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
    ("INSERT DATA { <a> <b> }", "INSERT"),  # broken, but plainly an update: refused, not a syntax error
])
def test_updates_and_load_are_refused_as_read_only(text: str, named: str) -> None:
    with pytest.raises(QueryRefused) as caught:
        prepare(text)
    assert caught.value.http_status == 403
    assert "read-only" in caught.value.message and named in caught.value.message


def test_refuse_update_names_every_operation() -> None:
    with pytest.raises(QueryRefused) as caught:
        refuse_update("LOAD <http://example.org/x> ; CLEAR ALL")
    assert "(LOAD, CLEAR)" in caught.value.message


@pytest.mark.parametrize("text", [
    "SELECT * { SERVICE <http://other.example/sparql> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://other.example/sparql> { ?s ?p ?o } } }",
    "PREFIX o: <http://other.example/> SELECT * { SERVICE o:sparql { ?s ?p ?o } }",
    "SELECT * { OPTIONAL { SERVICE SILENT <http://other.example/sparql> { ?s ?p ?o } } }",
])
def test_service_is_refused_without_an_allowlist(text: str) -> None:
    with pytest.raises(QueryRefused, match=r"SERVICE <http://other\.example/sparql> is refused"):
        prepare(text)


def test_service_to_an_allowlisted_endpoint_is_prepared_and_others_are_not() -> None:
    allowlist = ["https://query.wikidata.org/sparql"]
    prepare("SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }", service_allowlist=allowlist)
    with pytest.raises(QueryRefused, match="not on this endpoint's allowlist"):
        prepare("SELECT * { SERVICE <https://query.wikidata.org/sparql.evil.example/> { ?s ?p ?o } }",
                service_allowlist=allowlist)
    with pytest.raises(QueryRefused, match="variable endpoint"):
        prepare("SELECT * { SERVICE ?endpoint { ?s ?p ?o } }", service_allowlist=allowlist)


@pytest.mark.parametrize(("iri", "allowed"), [
    ("https://example.org/sparql", True), ("https://example.org/sparql/", True),
    ("https://example.org/sparql?x=1", True), ("https://example.org/sparqlx", False),
    ("https://example.org.evil/sparql", False), ("http://example.org/sparql", False),
])
def test_allowlist_entries_match_on_a_boundary(iri: str, allowed: bool) -> None:
    assert allowed_service(iri, ["https://example.org/sparql"]) is allowed
    assert allowed_service(iri, ["https://example.org/"]) is iri.startswith("https://example.org/")
    assert allowed_service(iri, []) is False


# --- the format table ---------------------------------------------------------------------------

def test_every_form_has_a_default_and_every_format_an_official_iri() -> None:
    assert formats_for("SELECT")[0].media_type == "application/sparql-results+json"
    assert formats_for("CONSTRUCT")[0].media_type == "text/turtle"
    assert [f.name for f in formats_for("ASK")] == ["json", "xml", "csv", "tsv"]
    assert [f.name for f in formats_for("DESCRIBE")] == ["ttl", "nt", "jsonld", "rdfxml", "trig", "nq"]
    assert all(f.w3c.startswith("http://www.w3.org/ns/formats/") for f in RESULT_FORMATS)
    assert len({f.media_type for f in RESULT_FORMATS}) == len(RESULT_FORMATS)


@pytest.mark.parametrize(("form", "values", "name"), [
    ("SELECT", ["json"], "json"), ("SELECT", ["xml"], "xml"), ("ASK", ["csv"], "csv"),
    ("SELECT", ["tsv", "text/tab-separated-values"], "tsv"),  # what SPARQLWrapper sends
    ("CONSTRUCT", ["xml"], "rdfxml"), ("CONSTRUCT", ["json"], "jsonld"), ("CONSTRUCT", ["n3"], "ttl"),
    ("CONSTRUCT", ["json-ld", "application/ld+json,application/x-json+ld"], "jsonld"),
    ("DESCRIBE", ["rdf+xml", "application/rdf+xml"], "rdfxml"), ("DESCRIBE", ["text/turtle"], "ttl"),
    ("SELECT", ["application/sparql-results+xml"], "xml"), ("CONSTRUCT", ["NT"], "nt"),
])
def test_the_format_parameter_takes_names_aliases_and_media_types(form: str, values: list[str], name: str) -> None:
    assert format_from_parameter(form, values).name == name


def test_a_known_format_for_another_form_is_not_acceptable_and_an_unknown_one_is_bad_input() -> None:
    with pytest.raises(NotAcceptable) as caught:
        format_from_parameter("CONSTRUCT", ["csv"])
    assert caught.value.http_status == 406 and "ttl" in caught.value.message
    with pytest.raises(InputError, match="unknown format 'yaml'"):
        format_from_parameter("SELECT", ["yaml"])


# --- the dataset a request names ----------------------------------------------------------------

def count(data: QueryData, query: str, spec: DatasetSpec | None = None) -> int:
    return int(rows(data, query, spec)[0]["n"]["value"])


def test_without_a_dataset_the_default_graph_is_the_union_and_all_named_graphs_are_visible(data: QueryData) -> None:
    assert count(data, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }") == 7
    graphs = rows(data, "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    assert [b["g"]["value"] for b in graphs] == [str(G1), str(G2)]


def test_default_graph_uri_merges_the_named_graphs_given(data: QueryData) -> None:
    assert count(data, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", DatasetSpec((str(G1),))) == 5
    assert count(data, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", DatasetSpec((str(G1), str(G2)))) == 7
    assert count(data, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }", DatasetSpec((str(G1),))) == 0
    assert count(data, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", DatasetSpec(("http://example.org/none",))) == 0


def test_named_graph_uri_limits_what_graph_sees_and_leaves_the_default_graph_empty(data: QueryData) -> None:
    spec = DatasetSpec(named_graphs=(str(G2),))
    graphs = rows(data, "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }", spec)
    assert [b["g"]["value"] for b in graphs] == [str(G2)]
    assert count(data, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", spec) == 0
    assert count(data, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}", spec) == 0


def test_from_in_the_query_chooses_the_dataset_and_the_protocol_overrides_it(data: QueryData) -> None:
    assert count(data, f"SELECT (COUNT(*) AS ?n) FROM <{G2}> {{ ?s ?p ?o }}") == 2
    assert count(data, f"SELECT (COUNT(*) AS ?n) FROM <{G2}> {{ ?s ?p ?o }}", DatasetSpec((str(G1),))) == 5
    assert count(data, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{G1}> {{ GRAPH ?g {{ ?s ?p ?o }} }}") == 5


def test_from_never_loads_anything_and_never_changes_the_dataset(data: QueryData) -> None:
    before = sorted(str(g.identifier) for g in data.dataset.graphs())
    assert count(data, "SELECT (COUNT(*) AS ?n) FROM <http://127.0.0.1:9/nothing> { ?s ?p ?o }") == 0
    run(prepare("SELECT * { ?s ?p ?o }"), data, DatasetSpec(("http://example.org/x",), ("http://example.org/y",)))
    assert sorted(str(g.identifier) for g in data.dataset.graphs()) == before


# --- result caps --------------------------------------------------------------------------------

def test_select_stops_after_the_limit_and_says_so(data: QueryData) -> None:
    outcome = run(prepare("SELECT * { ?s ?p ?o }"), data, limit=3)
    assert outcome.truncated and len(outcome.result.bindings) == 3
    exact = run(prepare("SELECT * { ?s ?p ?o }"), data, limit=7)
    assert not exact.truncated and len(exact.result.bindings) == 7
    assert len(run(prepare("SELECT * { ?s ?p ?o }"), data).result.bindings) == 7


@pytest.mark.parametrize("query", ["CONSTRUCT WHERE { ?s ?p ?o }",
                                   "DESCRIBE ?s WHERE { ?s ?p ?o }"])
def test_graph_answers_are_capped_in_triples(data: QueryData, query: str) -> None:
    capped = run(prepare(query), data, limit=4)
    assert capped.truncated and capped.result.graph is not None and len(capped.result.graph) == 4
    whole = run(prepare(query), data, limit=100)
    assert not whole.truncated and whole.result.graph is not None and len(whole.result.graph) == 7


def test_describe_describes_what_it_names_and_its_projected_variables(data: QueryData) -> None:
    graph = run(prepare("DESCRIBE <http://example.org/b>"), data).result.graph
    assert graph is not None and set(graph.subjects()) == {EX.b}
    graph = run(prepare("DESCRIBE ?x WHERE { ?x <http://example.org/q> ?y }"), data).result.graph
    assert graph is not None and set(graph.subjects()) == {EX.a0}  # ?y is not projected: not described


# --- serialization ------------------------------------------------------------------------------

def answer_text(data: QueryData, query: str, fmt: str) -> str:
    outcome = run(prepare(query), data)
    return serialize(outcome.result, format_from_parameter(outcome.result.type, [fmt])).decode("utf-8")


def test_csv_follows_sparql_results_csv(data: QueryData) -> None:
    text = answer_text(data, "SELECT ?s ?o ?none { ?s <http://example.org/p> ?o FILTER(isLiteral(?o) && "
                             "lang(?o) = 'de') OPTIONAL { ?s <http://example.org/nothing> ?none } }", "csv")
    assert text == 's,o,none\r\nhttp://example.org/b,"tab\there, ""quoted""\nnew line",\r\n'


def test_tsv_follows_sparql_results_tsv(data: QueryData) -> None:
    text = answer_text(data, "SELECT ?s ?o { ?s <http://example.org/p> ?o } ORDER BY ?o", "tsv")
    lines = text.split("\n")
    assert lines[0] == "?s\t?o"
    assert lines[1] == '<http://example.org/a0>\t"0"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert '<http://example.org/b>\t"tab\\there, \\"quoted\\"\\nnew line"@de' in lines
    assert text.endswith("\n") and len(lines) == 8


@pytest.mark.parametrize(("fmt", "expected"), [
    ("json", '"boolean": true'), ("xml", "<boolean>true</boolean>"),
    ("csv", "_askResult\r\ntrue\r\n"), ("tsv", "?_askResult\ntrue\n"),
])
def test_ask_in_every_result_format(data: QueryData, fmt: str, expected: str) -> None:
    assert expected in answer_text(data, "ASK { ?s ?p 3 }", fmt)


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld", "rdfxml", "trig", "nq"])
def test_construct_in_every_rdf_format_round_trips(data: QueryData, fmt: str) -> None:
    text = answer_text(data, "CONSTRUCT WHERE { ?s ?p ?o }", fmt)
    chosen = format_from_parameter("CONSTRUCT", [fmt])
    assert chosen.rdf is not None
    parsed = Dataset() if chosen.rdf.quads else Graph()
    parsed.parse(data=text, format=chosen.rdf.rdflib)
    assert len(union(parsed) if isinstance(parsed, Dataset) else parsed) == 7


def test_serializing_a_form_in_a_format_it_has_not_is_not_acceptable(data: QueryData) -> None:
    outcome = run(prepare("ASK {}"), data)
    with pytest.raises(NotAcceptable):
        serialize(outcome.result, format_from_parameter("CONSTRUCT", ["ttl"]))


# --- the runner: a child per query --------------------------------------------------------------

def test_the_runner_answers_like_the_process_itself(data: QueryData) -> None:
    runner = Runner(data, Limits(timeout=10, results=3))
    text = "SELECT ?s { ?s ?p ?o } ORDER BY ?s"
    fmt = format_from_parameter("SELECT", ["csv"])
    answer = runner.answer(inspect(text), DatasetSpec(), fmt)  # parsed in the child
    assert answer.truncated and answer.media_type == "text/csv"
    expected = serialize(run(prepare(text), data, limit=3).result, fmt)
    assert answer.body == expected


def test_the_runner_passes_refusals_from_the_child(data: QueryData) -> None:
    runner = Runner(data, Limits(timeout=10))
    with pytest.raises(NotAcceptable):  # raised in the child, raised again here
        runner.answer(inspect("ASK {}"), DatasetSpec(), format_from_parameter("CONSTRUCT", ["ttl"]))


def test_past_the_time_limit_the_child_is_killed(big_data: QueryData) -> None:
    runner = Runner(big_data, Limits(timeout=1))
    before = set(_children())  # the session's servers are children too
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as caught:
        runner.answer(inspect(EXPLODING), DatasetSpec(), formats_for("SELECT")[0])
    assert caught.value.http_status == 503 and "time limit of 1 s" in caught.value.message
    assert time.monotonic() - started < 5
    assert not set(_children()) - before, "the query child is still running"


def slow_in_background(runner: Runner) -> tuple[threading.Thread, list[QueryTimeout]]:
    """EXPLODING sent from another thread; the list receives its QueryTimeout."""
    timeouts: list[QueryTimeout] = []

    def work() -> None:
        try:
            runner.answer(inspect(EXPLODING), DatasetSpec(), formats_for("SELECT")[0])
        except QueryTimeout as error:
            timeouts.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    return thread, timeouts


def test_a_child_keeps_no_descriptor_of_the_server(big_data: QueryData) -> None:
    """Another query's pipe or a client's socket held by a slow child would keep them open until it ends."""
    import os

    runner = Runner(big_data, Limits(timeout=2))
    read_end, write_end = os.pipe()  # stands for another request's pipe, open while this child forks
    thread, timeouts = slow_in_background(runner)
    time.sleep(0.5)
    os.close(write_end)
    started = time.monotonic()
    assert os.read(read_end, 1) == b""  # end of file at once: the running child does not hold the pipe
    assert time.monotonic() - started < 0.5
    os.close(read_end)
    thread.join()
    assert len(timeouts) == 1


def test_a_query_waits_for_a_free_slot_within_its_time_limit(big_data: QueryData) -> None:
    runner = Runner(big_data, Limits(timeout=1.5, workers=1))
    thread, timeouts = slow_in_background(runner)
    time.sleep(0.3)
    started = time.monotonic()
    answer = runner.answer(inspect("ASK {}"), DatasetSpec(), formats_for("ASK")[0])  # waits for the slot
    assert b"true" in answer.body and time.monotonic() - started > 0.8
    thread.join()
    assert len(timeouts) == 1


def test_no_free_slot_within_the_time_limit_is_503(data: QueryData) -> None:
    runner = Runner(data, Limits(timeout=0.3, workers=1))
    runner._slots.acquire()  # a slot held past the limit (a query that would not end)
    try:
        with pytest.raises(ServerBusy) as caught:
            runner.answer(inspect("ASK {}"), DatasetSpec(), formats_for("ASK")[0])
    finally:
        runner._slots.release()
    assert caught.value.http_status == 503 and "busy" in caught.value.message


def _children() -> list[str]:
    import os

    tasks = Path(f"/proc/{os.getpid()}/task")
    if not tasks.exists():
        return []
    return [child for task in tasks.iterdir() for child in (task / "children").read_text().split()]


# --- fingerprints, ETags and the service description -------------------------------------------

def test_the_fingerprint_changes_with_the_data_and_only_with_it() -> None:
    first, second = small_data(), small_data()
    assert fingerprint(first.dataset) == fingerprint(second.dataset)
    second.dataset.graph(G2).add((EX.c, EX.p, Literal("new")))
    assert fingerprint(first.dataset) != fingerprint(second.dataset)
    assert etag(fingerprint(first.dataset), "ASK {}", "json") != etag(fingerprint(second.dataset), "ASK {}", "json")
    assert etag("a", "b") != etag("ab", "")


def test_the_service_description_lists_endpoint_formats_and_named_graphs(data: QueryData) -> None:
    from plangraph.store.memory import MemoryStore

    store = MemoryStore(data.dataset)
    graph = service_description("http://127.0.0.1:5000/sparql", store.graphs(), store.triple_count(),
                                Limits(timeout=10, results=100))
    endpoint = URIRef("http://127.0.0.1:5000/sparql")
    assert (None, SD.endpoint, endpoint) in graph
    assert (None, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert set(graph.objects(None, SD.resultFormat)) == {f.w3c for f in RESULT_FORMATS}
    assert set(graph.objects(None, SD.name)) == {G1, G2}
    assert (None, SD.feature, SD.BasicFederatedQuery) not in graph


def test_the_cli_and_the_core_agree_on_the_published_dataset(dataset_file: Path) -> None:
    dataset = load_dataset(dataset_file)
    query = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX pg: <https://w3id.org/plangraph/def#> "
             "SELECT ?n { ?m a pg:Measure ; skos:notation ?n } ORDER BY ?n")
    from plangraph.store.memory import MemoryStore

    table = run_query(MemoryStore(dataset), query, "csv", Limits())
    cli = table.splitlines()[1:]
    core = [b["n"]["value"] for b in rows(QueryData(dataset, union(dataset)), query)]
    assert core == cli and len(core) == 9
