"""The Store contract (plangraph.store.base.Store), checked on all three implementations: the embedded Oxigraph
store in a temporary folder, the rdflib memory store, and the remote store against one scratch Virtuoso
(scripts/local_virtuoso.py) for the module. Then what only the embedded store promises (time limit, persistence,
the worker pool seeing writes, the folder lock) and the answer cache of answers.py.

The remote store shares one Virtuoso between tests: every test works under its own IRI prefix
(`https://example.org/t<id>/`), which is also the remote store's `graph_prefixes`, so tests never see each other's
graphs. Virtuoso is required, as in test_local_virtuoso.py: without it the remote cases fail rather than skip.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from conftest import PROJECT_ROOT, load_local_virtuoso
from plangraph.answers import Answers
from plangraph.errors import InputError
from plangraph.formats import rdf_format
from plangraph.sparql import DatasetSpec, Limits, QueryTimeout, format_from_parameter
from plangraph.sparql_text import inspect
from plangraph.store import StoreUnavailable
from plangraph.store.base import Store
from plangraph.store.embedded import META_FILE, EmbeddedStore
from plangraph.store.memory import MemoryStore
from plangraph.store.remote import RemoteStore

STORES = ("embedded", "memory", "remote")
VOCAB = "https://example.org/vocab#"
P = URIRef(VOCAB + "p")
LABEL = URIRef(VOCAB + "label")
SRX = "{http://www.w3.org/2005/sparql-results#}"
XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
LIMITS = Limits(timeout=8)  # generous: only a guard against a hung query, not a performance assertion


# --- fixtures ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scratch_virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One scratch Virtuoso on loopback for the whole module (start-up takes seconds)."""
    local = load_local_virtuoso()
    if not local.available():
        pytest.fail("Virtuoso (virtuoso-t, isql-vt) is not installed: run `bash scripts/install-system-deps.sh test` "
                    "as root", pytrace=False)
    with local.LocalVirtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture
def base() -> str:
    """This test's own IRI space: its graphs and resources live under it."""
    return f"https://example.org/t{uuid.uuid4().hex[:10]}/"


def _make(kind: str, base: str, folder: Path, request: pytest.FixtureRequest) -> Store:
    if kind == "embedded":
        return EmbeddedStore(folder, workers=2)
    if kind == "memory":
        return MemoryStore(workers=2)
    server = request.getfixturevalue("scratch_virtuoso")
    return RemoteStore(server.sparql_url, server.update_url, graph_prefixes=(base,), timeout=30)


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, base: str, tmp_path: Path) -> Iterator[Store]:
    opened = _make(request.param, base, tmp_path / "store", request)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(tmp_path / "store", workers=2)
    try:
        yield opened
    finally:
        opened.close()


# --- helpers -------------------------------------------------------------------------------------------------

def g(base: str, name: str) -> URIRef:
    return URIRef(f"{base}graph/{name}")


def items(base: str, count: int, start: int = 0) -> list[tuple[URIRef, URIRef, Literal]]:
    return [(URIRef(f"{base}item/{i}"), P, Literal(i)) for i in range(start, start + count)]


def public(store: Store, text: str, fmt: str = "json", limits: Limits = LIMITS) -> Any:
    """A public query through store.answer(), with no dataset named."""
    query = inspect(text)
    return store.answer(query, DatasetSpec(), format_from_parameter(query.form, [fmt]), limits)


def select_values(store: Store, text: str) -> list[dict[str, str]]:
    """A public SELECT's rows as {variable: value}, through answer() and the SPARQL JSON results."""
    payload = json.loads(public(store, text).body)
    return [{name: term["value"] for name, term in row.items()} for row in payload["results"]["bindings"]]


def count_in(store: Store, graph: URIRef) -> int:
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"])


def graph_counts(store: Store) -> dict[str, int]:
    return {str(info.name): info.triples for info in store.graphs()}


def write_file(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def nt_lines(base: str, count: int) -> str:
    return "".join(f'<{base}item/{i}> <{VOCAB}p> "{i}" .\n' for i in range(count))


# --- writing and reading -------------------------------------------------------------------------------------

def test_replace_graph_then_graphs_shows_name_and_count(store: Store, base: str) -> None:
    assert store.graphs() == []
    store.replace_graph(g(base, "a"), items(base, 3))
    store.replace_graph(g(base, "b"), items(base, 2, start=10))
    assert graph_counts(store) == {str(g(base, "a")): 3, str(g(base, "b")): 2}
    assert [str(info.name) for info in store.graphs()] == sorted([str(g(base, "a")), str(g(base, "b"))])
    assert store.triple_count() == 5


def test_trusted_reads_see_the_union_of_the_named_graphs_as_default_graph(store: Store, base: str) -> None:
    shared = (URIRef(f"{base}item/shared"), LABEL, Literal("in both graphs", lang="en"))
    store.replace_graph(g(base, "a"), [*items(base, 2), shared])
    store.replace_graph(g(base, "b"), [*items(base, 2, start=5), shared])

    rows = store.select("SELECT ?s ?o WHERE { ?s <https://example.org/vocab#p> ?o } ORDER BY ?o")
    assert [int(row["o"]) for row in rows] == [0, 1, 5, 6]
    assert rows[0]["s"] == URIRef(f"{base}item/0")
    assert isinstance(rows[0]["o"], Literal) and rows[0]["o"].datatype == XSD_INTEGER
    labels = store.select("SELECT DISTINCT ?label WHERE { ?s <https://example.org/vocab#label> ?label }")
    assert labels == [{"label": Literal("in both graphs", lang="en")}]
    assert store.triple_count() == 5  # the shared triple counts once
    # both graphs are visible as named graphs as well
    per_graph = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    assert [(str(row["g"]), int(row["n"])) for row in per_graph] == [(str(g(base, "a")), 3), (str(g(base, "b")), 3)]

    assert store.ask(f"ASK {{ <{base}item/5> ?p 5 }}") is True
    assert store.ask(f"ASK {{ <{base}item/4> ?p ?o }}") is False

    built = store.construct("CONSTRUCT { ?s <https://example.org/vocab#p> ?o } "
                            "WHERE { ?s <https://example.org/vocab#p> ?o }")
    expected = Graph()
    for triple in [*items(base, 2), *items(base, 2, start=5)]:
        expected.add(triple)
    assert isomorphic(built, expected)


def test_describe_gives_a_resource_s_triples_across_graphs(store: Store, base: str) -> None:
    subject = URIRef(f"{base}item/shared")
    store.replace_graph(g(base, "a"), [(subject, P, Literal(1)), *items(base, 2, start=20)])
    store.replace_graph(g(base, "b"), [(subject, LABEL, Literal("shared", lang="en"))])

    described = store.describe(str(subject))
    assert set(described) >= {(subject, P, Literal(1)), (subject, LABEL, Literal("shared", lang="en"))}
    assert {s for s, _, _ in described} == {subject}  # nothing about the other items
    assert len(store.describe(f"{base}item/unknown")) == 0


@pytest.mark.parametrize("iri", ["https://example.org/a> ?p ?o } #", "", "https://example.org/a b"])
def test_describe_refuses_text_that_is_not_an_iri(store: Store, iri: str) -> None:
    with pytest.raises(InputError, match="not an IRI"):
        store.describe(iri)


def test_a_second_replace_graph_replaces_and_does_not_add(store: Store, base: str) -> None:
    store.replace_graph(g(base, "a"), items(base, 5))
    store.replace_graph(g(base, "other"), items(base, 1, start=100))
    store.replace_graph(g(base, "a"), items(base, 2, start=50))
    assert graph_counts(store) == {str(g(base, "a")): 2, str(g(base, "other")): 1}
    values = sorted(int(row["o"]) for row in store.select(
        f"SELECT ?o WHERE {{ GRAPH <{g(base, 'a')}> {{ ?s ?p ?o }} }}"))
    assert values == [50, 51]
    store.replace_graph(g(base, "a"), [])  # replacing with nothing empties the graph
    assert graph_counts(store) == {str(g(base, "other")): 1}


def test_a_transaction_commits_its_writes_together(store: Store, base: str) -> None:
    store.replace_graph(g(base, "old"), items(base, 3))
    before = store.version
    with store.transaction() as writer:
        writer.replace_graph(g(base, "old"), items(base, 1, start=20))
        writer.add(items(base, 1, start=30)[0], g(base, "new"))
        writer.add(items(base, 1, start=31)[0], g(base, "new"))
    assert graph_counts(store) == {str(g(base, "new")): 2, str(g(base, "old")): 1}
    assert store.version != before


def test_a_transaction_with_an_exception_inside_writes_nothing(store: Store, base: str) -> None:
    store.replace_graph(g(base, "kept"), items(base, 3))
    before_version, before_graphs = store.version, graph_counts(store)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.transaction() as writer:
        writer.replace_graph(g(base, "kept"), [])
        writer.add(items(base, 1, start=9)[0], g(base, "new"))
        writer.replace_graph(g(base, "other"), items(base, 4, start=40))
        raise Boom("half-way")
    assert graph_counts(store) == before_graphs
    assert count_in(store, g(base, "kept")) == 3
    assert store.version == before_version


def test_version_changes_after_every_write_and_not_after_reads(store: Store, base: str, tmp_path: Path) -> None:
    seen = [store.version]

    def wrote() -> None:
        assert store.version not in seen, "a write must give a new version"
        seen.append(store.version)

    store.replace_graph(g(base, "a"), items(base, 2))
    wrote()
    with store.transaction() as writer:
        writer.add(items(base, 1, start=7)[0], g(base, "a"))
    wrote()
    store.load(write_file(tmp_path / "more.nt", nt_lines(base, 3)), rdf_format("nt"), g(base, "b"))
    wrote()
    store.replace_graph(g(base, "a"), items(base, 2))  # the same content again is still a write
    wrote()

    current = store.version
    store.graphs()
    store.triple_count()
    store.select("SELECT * WHERE { ?s ?p ?o }")
    store.ask("ASK { ?s ?p ?o }")
    store.construct("CONSTRUCT WHERE { ?s ?p ?o }")
    public(store, "SELECT * WHERE { ?s ?p ?o }")
    store.export(rdf_format("nq"), io.BytesIO())
    with store.transaction():
        pass  # an empty transaction writes nothing
    assert store.version == current


def test_remote_copies_notice_each_others_writes(scratch_virtuoso: Any, base: str) -> None:
    """Two servers on one triplestore: the version lives in the store, so a write by one retires the other's
    cached answers (after at most `poll` seconds; here 0)."""
    one = RemoteStore(scratch_virtuoso.sparql_url, scratch_virtuoso.update_url, graph_prefixes=(base,), poll=0)
    other = RemoteStore(scratch_virtuoso.sparql_url, scratch_virtuoso.update_url, graph_prefixes=(base,), poll=0)
    before = other.version
    one.replace_graph(g(base, "a"), items(base, 2))
    assert other.version == one.version != before
    assert graph_counts(other) == {str(g(base, "a")): 2}


# --- public queries: answer() --------------------------------------------------------------------------------

@pytest.fixture
def people(store: Store, base: str) -> Store:
    """Two resources with a label (one with a language tag, one with quotes and a comma) and an age."""
    store.replace_graph(g(base, "people"), [
        (URIRef(f"{base}anna"), LABEL, Literal("Anna", lang="de")),
        (URIRef(f"{base}anna"), P, Literal(41)),
        (URIRef(f"{base}bert"), LABEL, Literal('Bert "B", Jr.')),
        (URIRef(f"{base}bert"), P, Literal(7)),
    ])
    return store


PEOPLE_QUERY = ("SELECT ?who ?label ?age WHERE { ?who <https://example.org/vocab#label> ?label ; "
                "<https://example.org/vocab#p> ?age } ORDER BY ?age")


def test_answer_select_as_sparql_json(people: Store, base: str) -> None:
    answer = public(people, PEOPLE_QUERY, "json")
    assert answer.media_type == "application/sparql-results+json"
    assert answer.truncated is False
    payload = json.loads(answer.body)
    assert payload["head"]["vars"] == ["who", "label", "age"]
    bert, anna = payload["results"]["bindings"]
    assert bert["who"] == {"type": "uri", "value": f"{base}bert"}
    assert bert["label"] == {"type": "literal", "value": 'Bert "B", Jr.'}
    assert anna["label"] == {"type": "literal", "value": "Anna", "xml:lang": "de"}
    assert anna["age"]["value"] == "41"
    assert anna["age"]["datatype"] == str(XSD_INTEGER)


@pytest.mark.parametrize("store", [
"embedded", "memory", "remote"], indirect=True)
def test_answer_select_json_gives_datatyped_literals_the_sparql_11_type(people: Store) -> None:
    payload = json.loads(public(people, PEOPLE_QUERY, "json").body)
    ages = [row["age"] for row in payload["results"]["bindings"]]
    assert ages == [{"type": "literal", "value": "7", "datatype": str(XSD_INTEGER)},
                    {"type": "literal", "value": "41", "datatype": str(XSD_INTEGER)}]


def test_answer_select_as_csv(people: Store, base: str) -> None:
    answer = public(people, PEOPLE_QUERY, "csv")
    assert answer.media_type == "text/csv"
    text = answer.body.decode("utf-8")
    assert "\r\n" in text  # CSV results use CRLF line ends
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["who", "label", "age"], [f"{base}bert", 'Bert "B", Jr.', "7"], [f"{base}anna", "Anna", "41"]]


def test_answer_select_as_tsv(people: Store, base: str) -> None:
    answer = public(people, PEOPLE_QUERY, "tsv")
    assert answer.media_type == "text/tab-separated-values"
    lines = answer.body.decode("utf-8").splitlines()
    assert lines[0].split("\t") == ["?who", "?label", "?age"]
    assert lines[1].split("\t")[:2] == [f"<{base}bert>", '"Bert \\"B\\", Jr."']
    assert lines[2].split("\t")[:2] == [f"<{base}anna>", '"Anna"@de']
    assert lines[2].split("\t")[2] in ("41", f'"41"^^<{XSD_INTEGER}>')  # TSV may abbreviate integers
    assert len(lines) == 3


def test_answer_select_as_xml(people: Store, base: str) -> None:
    answer = public(people, PEOPLE_QUERY, "xml")
    assert answer.media_type == "application/sparql-results+xml"
    root = ET.fromstring(answer.body)
    assert [v.get("name") for v in root.iter(f"{SRX}variable")] == ["who", "label", "age"]
    results = root.findall(f"{SRX}results/{SRX}result")
    assert len(results) == 2
    first = {b.get("name"): b[0] for b in results[0].findall(f"{SRX}binding")}
    assert first["who"].tag == f"{SRX}uri" and first["who"].text == f"{base}bert"
    assert first["label"].text == 'Bert "B", Jr.'
    second = {b.get("name"): b[0] for b in results[1].findall(f"{SRX}binding")}
    assert second["label"].get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    assert second["age"].text == "41" and second["age"].get("datatype") == str(XSD_INTEGER)


@pytest.mark.parametrize(("fmt", "media_type"), [("json", "application/sparql-results+json"),
                                                  ("xml", "application/sparql-results+xml"),
                                                  ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_answer_ask(people: Store, base: str, fmt: str, media_type: str) -> None:
    yes = public(people, f'ASK {{ <{base}anna> ?p "Anna"@de }}', fmt)
    no = public(people, f"ASK {{ <{base}anna> ?p 7 }}", fmt)
    assert yes.media_type == no.media_type == media_type
    if fmt == "json":
        assert json.loads(yes.body)["boolean"] is True
        assert json.loads(no.body)["boolean"] is False
    elif fmt == "xml":
        assert ET.fromstring(yes.body).find(f"{SRX}boolean").text == "true"  # type: ignore[union-attr]
        assert ET.fromstring(no.body).find(f"{SRX}boolean").text == "false"  # type: ignore[union-attr]
    else:
        assert yes.body.decode().split()[-1] == "true"
        assert no.body.decode().split()[-1] == "false"


@pytest.mark.parametrize(("fmt", "media_type", "syntax"), [("ttl", "text/turtle", "turtle"),
                                                           ("nt", "application/n-triples", "nt")])
def test_answer_construct_as_rdf(people: Store, base: str, fmt: str, media_type: str, syntax: str) -> None:
    answer = public(people, "CONSTRUCT { ?s <https://example.org/vocab#label> ?o } "
                                "WHERE { ?s <https://example.org/vocab#label> ?o }", fmt)
    assert answer.media_type == media_type
    assert answer.truncated is False
    parsed = Graph().parse(data=answer.body.decode("utf-8"), format=syntax)
    expected = Graph()
    expected.add((URIRef(f"{base}anna"), LABEL, Literal("Anna", lang="de")))
    expected.add((URIRef(f"{base}bert"), LABEL, Literal('Bert "B", Jr.')))
    assert isomorphic(parsed, expected)


def test_the_result_limit_cuts_and_sets_truncated(store: Store, base: str) -> None:
    store.replace_graph(g(base, "many"), items(base, 10))
    select = "SELECT ?s WHERE { ?s <https://example.org/vocab#p> ?o }"
    cut = public(store, select, "json", Limits(timeout=8, results=4))
    assert cut.truncated is True
    assert len(json.loads(cut.body)["results"]["bindings"]) == 4
    exact = public(store, select, "json", Limits(timeout=8, results=10))
    assert exact.truncated is False
    assert len(json.loads(exact.body)["results"]["bindings"]) == 10
    cut_csv = public(store, select, "csv", Limits(timeout=8, results=3))
    assert cut_csv.truncated is True
    assert len(cut_csv.body.decode().strip().splitlines()) == 1 + 3

    construct = "CONSTRUCT WHERE { ?s <https://example.org/vocab#p> ?o }"
    cut_graph = public(store, construct, "nt", Limits(timeout=8, results=6))
    assert cut_graph.truncated is True
    assert len(Graph().parse(data=cut_graph.body.decode(), format="nt")) == 6
    whole_graph = public(store, construct, "nt", Limits(timeout=8, results=10))
    assert whole_graph.truncated is False
    assert len(Graph().parse(data=whole_graph.body.decode(), format="nt")) == 10


def test_a_syntax_error_is_an_input_error_with_its_line(store: Store, base: str) -> None:
    store.replace_graph(g(base, "a"), items(base, 1))
    with pytest.raises(InputError) as caught:
        public(store, "SELECT ?s\nWHERE {\n  ?s ?p }")
    error = caught.value
    assert error.location is not None
    assert error.location.line == 3, str(error)
    assert "syntax error" in str(error).lower()
    assert error.http_status == 400
    if store.kind == "embedded":
        assert isinstance(error.location.column, int) and error.location.column >= 1, str(error)
        assert "line 3, column" in str(error)


# --- load() --------------------------------------------------------------------------------------------------

def test_load_n_triples_into_a_named_graph(store: Store, base: str, tmp_path: Path) -> None:
    source = write_file(tmp_path / "data.nt", nt_lines(base, 25))
    before = store.version
    assert store.load(source, rdf_format("nt"), g(base, "loaded")) == 25
    assert graph_counts(store) == {str(g(base, "loaded")): 25}
    assert count_in(store, g(base, "loaded")) == 25
    assert store.version != before
    # a load adds: a second file into the same graph keeps what is there
    more = write_file(tmp_path / "more.nt", f'<{base}extra> <{VOCAB}p> "x" .\n')
    assert store.load(more, rdf_format("nt"), g(base, "loaded")) == 1
    assert count_in(store, g(base, "loaded")) == 26


def _broken_nt(base: str, path: Path) -> Path:
    return write_file(path, f"""
        <{base}item/1> <{VOCAB}p> "one" .
        <{base}item/2> <{VOCAB}p> "two" .
        <{base}item/3> <{VOCAB}p> .
        <{base}item/4> <{VOCAB}p> "four" .
        """)


def test_a_file_with_a_syntax_error_loads_nothing(store: Store, base: str, tmp_path: Path) -> None:
    store.replace_graph(g(base, "loaded"), items(base, 2, start=100))
    before_version, before_graphs = store.version, graph_counts(store)
    source = _broken_nt(base, tmp_path / "broken.nt")
    with pytest.raises(InputError) as caught:
        store.load(source, rdf_format("nt"), g(base, "loaded"))
    assert "broken.nt" in str(caught.value)
    assert graph_counts(store) == before_graphs  # not even the two good lines before the error
    assert store.version == before_version
    assert not store.ask(f"ASK {{ <{base}item/1> ?p ?o }}")


@pytest.mark.parametrize("store", [
    "embedded", "remote", "memory"], indirect=True)
def test_a_syntax_error_in_a_file_names_its_line(store: Store, base: str, tmp_path: Path) -> None:
    source = _broken_nt(base, tmp_path / "broken.nt")
    with pytest.raises(InputError) as caught:
        store.load(source, rdf_format("nt"), g(base, "loaded"))
    error = caught.value
    assert str(source) in str(error)
    assert (error.location is not None and error.location.line == 3) or "line 3" in str(error), str(error)


def test_a_trig_file_keeps_its_graphs(store: Store, base: str, tmp_path: Path) -> None:
    source = write_file(tmp_path / "data.trig", f"""
        @prefix v: <{VOCAB}> .
        <{g(base, 'one')}> {{ <{base}a> v:p 1 , 2 . <{base}b> v:label "b"@en . }}
        <{g(base, 'two')}> {{ <{base}c> v:p 3 . }}
        """)
    assert store.load(source, rdf_format("trig"), None) == 4
    assert graph_counts(store) == {str(g(base, "one")): 3, str(g(base, "two")): 1}
    assert store.ask(f'ASK {{ GRAPH <{g(base, "one")}> {{ <{base}b> ?p "b"@en }} }}')


def test_a_trig_file_s_default_graph_goes_to_the_graph_given(store: Store, base: str, tmp_path: Path) -> None:
    source = write_file(tmp_path / "mixed.trig", f"""
        <{g(base, 'named')}> {{ <{base}a> <{VOCAB}p> 1 . }}
        <{base}b> <{VOCAB}p> 2 , 3 .
        """)
    assert store.load(source, rdf_format("trig"), g(base, "given")) == 3
    assert graph_counts(store) == {str(g(base, "given")): 2, str(g(base, "named")): 1}


def test_an_n_quads_file_keeps_its_graphs(store: Store, base: str, tmp_path: Path) -> None:
    source = write_file(tmp_path / "data.nq", "".join(
        f'<{base}item/{i}> <{VOCAB}p> "{i}" <{g(base, "even" if i % 2 == 0 else "odd")}> .\n' for i in range(9)))
    assert store.load(source, rdf_format("nq"), None) == 9
    assert graph_counts(store) == {str(g(base, "even")): 5, str(g(base, "odd")): 4}


def test_a_triple_file_without_a_graph_is_refused(store: Store, base: str, tmp_path: Path) -> None:
    before_version = store.version
    for name, fmt, text in [("data.nt", "nt", nt_lines(base, 3)),
                            ("data.ttl", "ttl", f'<{base}a> <{VOCAB}p> "x" .\n')]:
        with pytest.raises(InputError, match="graph"):
            store.load(write_file(tmp_path / name, text), rdf_format(fmt), None)
    assert store.graphs() == []
    assert store.version == before_version


def test_a_trig_file_with_default_graph_triples_and_no_graph_given_is_refused(store: Store, base: str,
                                                                              tmp_path: Path) -> None:
    source = write_file(tmp_path / "mixed.trig", f"""
        <{g(base, 'named')}> {{ <{base}a> <{VOCAB}p> 1 . }}
        <{base}b> <{VOCAB}p> 2 .
        """)
    with pytest.raises(InputError, match="graph"):
        store.load(source, rdf_format("trig"), None)
    assert store.graphs() == []


def test_a_quad_file_refused_late_loads_nothing(store: Store, base: str, tmp_path: Path) -> None:
    lines = [f'<{base}item/{i}> <{VOCAB}p> "{i}" <{g(base, "big")}> .\n' for i in range(2100)]
    lines.append(f'<{base}loose> <{VOCAB}p> "outside any graph" .\n')
    source = write_file(tmp_path / "late.nq", "".join(lines))
    with pytest.raises(InputError, match="graph"):
        store.load(source, rdf_format("nq"), None)
    assert store.graphs() == []


# --- export() ------------------------------------------------------------------------------------------------

def test_export_n_quads_round_trips_the_data(store: Store, base: str, tmp_path: Path) -> None:
    written = {
        g(base, "a"): [*items(base, 3),
                       (URIRef(f"{base}text"), LABEL, Literal('Zeile 1\nZeile 2 "zitiert" \\ ä€😀', lang="de")),
                       (URIRef(f"{base}text"), P, Literal("2024-05-01", datatype=XSD_DATE))],
        g(base, "b"): [(URIRef(f"{base}text"), LABEL, Literal("plain")), *items(base, 1)],
    }
    for graph, triples in written.items():
        store.replace_graph(graph, triples)
    out = io.BytesIO()
    store.export(rdf_format("nq"), out)
    dataset = Dataset()
    dataset.parse(data=out.getvalue().decode("utf-8"), format="nquads")
    exported = {(s, p, o, URIRef(str(c))) for s, p, o, c in dataset.quads((None, None, None, None)) if c is not None}
    expected = {(s, p, o, graph) for graph, triples in written.items() for s, p, o in triples}
    assert exported == expected

    # and the exported file loads back into an empty store as the same graphs
    copy = tmp_path / "export.nq"
    copy.write_bytes(out.getvalue())
    again = MemoryStore()
    assert again.load(copy, rdf_format("nq"), None) == 7
    assert graph_counts(again) == graph_counts(store) == {str(g(base, "a")): 5, str(g(base, "b")): 2}


def test_blank_nodes_are_stored(store: Store, base: str, tmp_path: Path) -> None:
    node = BNode()
    store.replace_graph(g(base, "b"), [(URIRef(f"{base}a"), P, node), (node, LABEL, Literal("anonymous"))])
    assert graph_counts(store) == {str(g(base, "b")): 2}
    rows = store.select(f"SELECT ?label WHERE {{ <{base}a> <{P}> ?x . ?x <{LABEL}> ?label }}")
    assert rows == [{"label": Literal("anonymous")}]
    # and from a Turtle file: each [ ] is a node of its own
    source = write_file(tmp_path / "nodes.ttl", f"""
        <{base}c> <{P}> [ <{LABEL}> "first" ] , [ <{LABEL}> "second" ] .
        """)
    assert store.load(source, rdf_format("ttl"), g(base, "t")) == 4
    rows = store.select(f"SELECT ?label WHERE {{ GRAPH <{g(base, 't')}> {{ <{base}c> <{P}> ?x . "
                        f"?x <{LABEL}> ?label }} }} ORDER BY ?label")
    assert rows == [{"label": Literal("first")}, {"label": Literal("second")}]


# --- the embedded store only ---------------------------------------------------------------------------------

SLOW_QUERY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }")


def test_embedded_a_query_past_the_time_limit_is_stopped(embedded: EmbeddedStore, base: str) -> None:
    embedded.replace_graph(g(base, "a"), items(base, 40))  # 40^6 combinations: hours of work
    # a first public query after the write: a worker of the pool is forked
    assert select_values(embedded, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [{"n": "40"}]
    query = inspect(SLOW_QUERY)
    fmt = format_from_parameter(query.form, ["json"])
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="time limit of 1 s"):
        embedded.answer(query, DatasetSpec(), fmt, Limits(timeout=1))
    assert time.monotonic() - started < 3
    # the worker that ran it was killed, and the store answers the next query at once
    started = time.monotonic()
    count = embedded.answer(inspect("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), DatasetSpec(), fmt,
                            Limits(timeout=5))
    assert time.monotonic() - started < 3
    assert json.loads(count.body)["results"]["bindings"][0]["n"]["value"] == "40"


def _write_in_another_process(folder: Path, base: str) -> str:
    """Open the store in a child Python, write a graph, close; the child's version of the store."""
    script = textwrap.dedent(f"""
        from pathlib import Path
        from rdflib import Literal, URIRef
        from plangraph.store.embedded import EmbeddedStore
        store = EmbeddedStore(Path({str(folder)!r}))
        store.replace_graph(URIRef({str(g(base, 'kept'))!r}),
                            [(URIRef({base!r} + f"item/{{i}}"), URIRef({str(P)!r}), Literal(i)) for i in range(7)])
        store.set_meta("note", "written by the child")
        print(store.version)
        store.close()
        """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=PROJECT_ROOT, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_embedded_data_and_version_survive_closing_and_reopening(tmp_path: Path, base: str) -> None:
    folder = tmp_path / "store"
    version = _write_in_another_process(folder, base)
    assert (folder / META_FILE).exists()
    reopened = EmbeddedStore(folder, workers=2)
    try:
        assert graph_counts(reopened) == {str(g(base, "kept")): 7}
        assert reopened.version == version
        assert reopened.meta("note") == "written by the child"
        assert select_values(reopened, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [{"n": "7"}]
        reopened.replace_graph(g(base, "kept"), items(base, 1))
        assert reopened.version != version
    finally:
        reopened.close()


def test_embedded_reopening_in_the_same_process_after_close(tmp_path: Path, base: str) -> None:
    first = EmbeddedStore(tmp_path / "store", workers=2)
    first.replace_graph(g(base, "kept"), items(base, 4))
    version = first.version
    first.close()  # releases the folder: no need to wait for the object to be collected
    second = EmbeddedStore(tmp_path / "store", workers=2)
    try:
        assert graph_counts(second) == {str(g(base, "kept")): 4}
        assert second.version == version
        assert select_values(second, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [{"n": "4"}]
    finally:
        second.close()


def test_embedded_public_queries_see_each_write(embedded: EmbeddedStore, base: str, tmp_path: Path) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert select_values(embedded, count) == [{"n": "0"}]  # a worker is forked on the empty store
    for size in (3, 5, 1):
        embedded.replace_graph(g(base, "a"), items(base, size))
        assert select_values(embedded, count) == [{"n": str(size)}]
    source = write_file(tmp_path / "more.nt", nt_lines(base, 4))
    embedded.load(source, rdf_format("nt"), g(base, "b"))
    # graph a holds item/0 with the integer 0, graph b item/0..3 with the strings "0".."3": 1 + 4 triples
    assert select_values(embedded, count) == [{"n": "5"}]
    assert select_values(embedded, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g(base, 'b')}> {{ ?s ?p ?o }} }}") \
        == [{"n": "4"}]


def test_embedded_opening_an_open_folder_again_is_refused(embedded: EmbeddedStore) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        EmbeddedStore(embedded.path, workers=2)
    message = str(caught.value)
    assert str(embedded.path) in message
    assert "cannot open the store" in message
    assert "has it open" in message
    assert caught.value.exit_code == 2 and caught.value.http_status == 503
    assert embedded.graphs() == []  # the first store is still usable


# --- the answer cache (answers.py) ---------------------------------------------------------------------------

class CountingStore:
    """A store that counts the public queries it is asked; everything else goes to the real store."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.answered = 0

    @property
    def version(self) -> str:
        return self.inner.version

    def answer(self, *args: Any) -> Any:
        self.answered += 1
        return self.inner.answer(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_answers_serves_a_repeated_query_from_the_cache_until_a_write(store: Store, base: str) -> None:
    store.replace_graph(g(base, "a"), items(base, 2))
    counting = CountingStore(store)
    answers = Answers(counting, LIMITS)  # type: ignore[arg-type]
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    query = answers.read(text)
    fmt = format_from_parameter(query.form, ["json"])

    first = answers.answer(query, DatasetSpec(), fmt)
    assert counting.answered == 1
    again = answers.answer(answers.read(text), DatasetSpec(), fmt)
    assert counting.answered == 1, "the identical query is answered from the cache"
    assert again.body == first.body
    answers.answer(query, DatasetSpec(), format_from_parameter(query.form, ["csv"]))
    assert counting.answered == 2, "another format is another answer"

    counting.replace_graph(g(base, "a"), items(base, 5))
    after = answers.answer(query, DatasetSpec(), fmt)
    assert counting.answered == 3, "a write retires the cached answer"
    assert json.loads(after.body)["results"]["bindings"][0]["n"]["value"] == "5"
    assert json.loads(first.body)["results"]["bindings"][0]["n"]["value"] == "2"
    answers.answer(query, DatasetSpec(), fmt)
    assert counting.answered == 3


def test_answers_without_a_cache_asks_the_store_every_time(store: Store, base: str) -> None:
    store.replace_graph(g(base, "a"), items(base, 1))
    counting = CountingStore(store)
    answers = Answers(counting, LIMITS, cache_bytes=0)  # type: ignore[arg-type]
    query = answers.read("ASK { ?s ?p ?o }")
    for _ in range(3):
        answers.answer(query, DatasetSpec(), format_from_parameter(query.form, ["json"]))
    assert counting.answered == 3


# --- forking next to RocksDB's threads -------------------------------------------------------------------------

def test_embedded_first_public_query_after_a_write_never_hangs(tmp_path: Path, base: str) -> None:
    """A worker forked while a RocksDB background thread held the database mutex blocked for ever (a spurious
    QueryTimeout after the whole time limit), on the first public query after a write to a store opened a moment
    before, in roughly 5-15 % of the cases. Intermittent by nature: 25 tries make a regression all but certain to
    show."""
    query = inspect("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    fmt = format_from_parameter(query.form, ["json"])
    for attempt in range(25):
        store = EmbeddedStore(tmp_path / f"store-{attempt}", workers=1)
        time.sleep(0.4)  # the hang was likelier on a store that had been open for a moment
        store.replace_graph(g(base, "a"), items(base, 3))
        try:
            answer = store.answer(query, DatasetSpec(), fmt, Limits(timeout=2))
        finally:
            store.close()
        assert json.loads(answer.body)["results"]["bindings"][0]["n"]["value"] == "3", f"attempt {attempt}"
