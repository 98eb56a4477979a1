"""Whatever a client sends, the server answers it without a 500: property-based tests (Hypothesis) over /sparql
(random text, bytes with random Content-Types, mutations of the example queries), /validate and /api/submissions
(random bytes as Turtle, JSON-LD, CSV, random JSON for the form API) and random paths and headers, against the app
on the memory store (fast enough for hundreds of examples); then one smoke run of random inputs against a real
`plangraph serve`."""

from __future__ import annotations

import hashlib
import json
import random
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from conftest import serve_process
from plangraph.example_queries import examples
from plangraph.web import create_app

TOKEN = "property-tests-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# The example count keeps this file near a minute on a small machine; the database is off so that no folder of
# remembered failures appears in the working tree.
FAST = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(FAST, max_examples=80)

CONTENT_TYPES = ["application/sparql-query", "application/sparql-query; charset=latin-1",
                 "application/x-www-form-urlencoded", "application/sparql-update", "multipart/form-data",
                 "multipart/form-data; boundary=x", "text/turtle", "application/ld+json", "application/n-triples",
                 "application/rdf+xml", "text/csv", "text/csv; charset=utf-16", "application/json", "text/plain",
                 "", "*/*", ";;;", "application/json; charset=\x7f", "text/turtle; q=0"]
ODD_HEADER_VALUES = ["", "*", "*/*;q=", "text/html;q=abc", ",,,", "\t", "a/b/c", "text/*;q=0.5, */*;q=-1",
                     "application/sparql-results+json;q=1.0000001", "W/\"\"", "\"unterminated", "W/", "de;q=x",
                     "x" * 2000, "ü/ö", "text/html; charset=\"", "application/json, application/json;q=0"]
# Tokens spliced into valid queries: structure, keywords a query must not reach (updates, SERVICE), odd literals.
SPARQL_TOKENS = ["{", "}", "(", ")", ".", ";", ",", "?x", "$y", "<", ">", "<>", '"', "'''", "SELECT", "*",
                 "WHERE", "FILTER", "OPTIONAL", "UNION", "GRAPH", "SERVICE", "<http://127.0.0.1:1/sparql>",
                 "INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "LIMIT", "OFFSET", "-1", "99999999999999999999999",
                 "1e999", "ORDER BY", "GROUP BY", "COUNT(*)", "BIND(", "AS", "VALUES", "PREFIX", "BASE",
                 "a", "^^", "@de", "\\", "\u0000", "\u202e", "#", "\n", "REGEX(?x, \"(a+)+$\")", "rdf:type",
                 "DESCRIBE", "CONSTRUCT", "ASK", "FROM", "FROM NAMED", "<javascript:alert(1)>"]
PATHS = ["", "sparql", "query", "search", "search.json", "validate", "catalog", "def", "shapes", "downloads/",
         "downloads/herne.ttl", ".well-known/void", "wohnen-und-stadtentwicklung/massnahme/A1-1", "ort/herne",
         "org/stadt-herne", "static/plangraph.css", "api/submissions", "submit"]


def header_text(max_size: int) -> st.SearchStrategy[str]:
    """Any text as HTTP carries it in a header (its UTF-8 bytes read as Latin-1), bar line breaks, which no client
    can send inside a value."""
    return st.text(max_size=max_size).map(lambda v: v.encode("utf-8", "replace").decode("latin-1")).filter(
        lambda v: "\r" not in v and "\n" not in v)


@pytest.fixture(scope="module")
def client(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    tokens = tmp_path_factory.mktemp("properties") / "tokens.txt"
    tokens.write_text(f"Eigenschaftstest {hashlib.sha256(TOKEN.encode()).hexdigest()}\n", "utf-8")
    app = create_app({"DATASET": str(dataset_file), "STORE": "memory", "TOKENS_FILE": str(tokens),
                      "QUERY_TIMEOUT": 5})
    return app.test_client()


def answered(response: TestResponse | requests.Response, what: object) -> None:
    """The property: a client error or an answer, never a server error; and never a stack trace."""
    body = response.data if isinstance(response, TestResponse) else response.content
    assert response.status_code < 500 or response.status_code == 503, (response.status_code, what, body[:500])
    assert b"Traceback" not in body, (what, body[:500])


# --- /sparql ----------------------------------------------------------------------------------------------------

@FAST
@given(query=st.text(max_size=300), accept=st.sampled_from([*ODD_HEADER_VALUES, "text/csv", "text/html"]))
def test_any_query_text_by_get(client: FlaskClient, query: str, accept: str) -> None:
    answered(client.get("/sparql", query_string={"query": query}, headers={"Accept": accept}), query)


@FAST
@given(query=st.text(alphabet=string.printable, max_size=300))
def test_any_printable_query_by_post(client: FlaskClient, query: str) -> None:
    answered(client.post("/sparql", data={"query": query}), query)


@FAST
@given(body=st.binary(max_size=500), content_type=st.one_of(st.sampled_from(CONTENT_TYPES), header_text(40)))
def test_any_bytes_as_a_sparql_post(client: FlaskClient, body: bytes, content_type: str) -> None:
    answered(client.post("/sparql", data=body, headers={"Content-Type": content_type}), (body, content_type))


@st.composite
def mutated_queries(draw: st.DrawFn) -> str:
    """An example query with tokens deleted, inserted, repeated or swapped."""
    words = draw(st.sampled_from([e.text for e in examples()])).split()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(words)))
        action = draw(st.sampled_from(["delete", "insert", "repeat", "swap"]))
        if action == "delete" and at < len(words):
            del words[at]
        elif action == "insert":
            words.insert(at, draw(st.sampled_from(SPARQL_TOKENS)))
        elif action == "repeat" and at < len(words):
            words.insert(at, words[at])
        elif action == "swap" and at + 1 < len(words):
            words[at], words[at + 1] = words[at + 1], words[at]
    return " ".join(words)


@FEWER
@given(query=mutated_queries(), fmt=st.sampled_from(["json", "xml", "csv", "tsv", "ttl", "html", "nonsense"]))
def test_mutated_example_queries(client: FlaskClient, query: str, fmt: str) -> None:
    answered(client.get("/sparql", query_string={"query": query, "format": fmt}), query)
    answered(client.get("/query", query_string={"query": query}), query)


# --- /validate and /api/submissions -----------------------------------------------------------------------------

ENTRY_TYPES = ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml", "text/csv",
               "application/json", "text/plain", "application/x-www-form-urlencoded"]
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                        max_size=4),
                           max_leaves=12)
form_entries = st.fixed_dictionaries({
    "kind": st.one_of(st.sampled_from(["status", "measure", "correction", "csv", "rdf"]), st.text(max_size=10)),
    "fields": st.one_of(st.dictionaries(st.sampled_from(["measure", "date", "status", "status_category", "remarks",
                                                         "goal", "number", "text", "responsible", "target_groups",
                                                         "places", "target", "property", "reason"]),
                                        st.one_of(st.text(max_size=40), st.lists(st.text(max_size=20), max_size=3),
                                                  json_values), max_size=6), json_values)})


@FAST
@given(body=st.one_of(st.binary(max_size=600), st.text(max_size=600).map(lambda t: t.encode("utf-8"))),
       content_type=st.sampled_from(ENTRY_TYPES), accept=st.sampled_from(["text/html", "application/json", "*/*"]))
def test_any_body_to_validate(client: FlaskClient, body: bytes, content_type: str, accept: str) -> None:
    answered(client.post("/validate", data=body, headers={"Content-Type": content_type, "Accept": accept}),
             (body, content_type))


@FAST
@given(entry=st.one_of(form_entries, json_values))
def test_any_json_to_the_form_api(client: FlaskClient, entry: Any) -> None:
    body = json.dumps(entry)
    answered(client.post("/validate", data=body, content_type="application/json"), body)
    answered(client.post("/api/submissions", data=body, content_type="application/json", headers=AUTH), body)


@FEWER
@given(body=st.binary(max_size=600), content_type=st.sampled_from(ENTRY_TYPES),
       authorization=st.one_of(st.just(AUTH["Authorization"]), header_text(60)))
def test_any_body_to_the_submissions_api(client: FlaskClient, body: bytes, content_type: str,
                                         authorization: str) -> None:
    headers = {"Content-Type": content_type, "Authorization": authorization}
    answered(client.post("/api/submissions", data=body, headers=headers), (body, content_type))


@FEWER
@given(fields=st.dictionaries(st.sampled_from(["kind", "measure", "date", "status", "data", "format", "token",
                                                "idempotency_key", "status_category"]), st.text(max_size=60)))
def test_any_form_to_validate_and_submit(client: FlaskClient, fields: dict[str, str]) -> None:
    answered(client.post("/validate", data=fields, headers={"Accept": "text/html"}), fields)
    answered(client.post("/submit", data=fields), fields)


# --- random paths and headers -----------------------------------------------------------------------------------

headers = st.fixed_dictionaries({}, optional={
    "Accept": st.one_of(st.sampled_from(ODD_HEADER_VALUES), header_text(60)),
    "Accept-Language": st.one_of(st.sampled_from(ODD_HEADER_VALUES), header_text(30)),
    "If-None-Match": st.one_of(st.sampled_from(ODD_HEADER_VALUES), header_text(30)),
    "If-Modified-Since": header_text(30), "Range": header_text(20)})


@FAST
@given(path=st.one_of(st.sampled_from(PATHS), st.text(max_size=80)), suffix=st.sampled_from(["", ".ttl", ".html",
       ".jsonld", ".nt", ".rdf", ".json", ".xyz", "/", "#x", "?format=zzz", "?lang=xx", "?format=ttl&lang=en"]),
       sent=headers)
def test_any_path_with_any_headers(client: FlaskClient, path: str, suffix: str, sent: dict[str, str]) -> None:
    url = "/" + quote(path, safe="/") + suffix
    answered(client.get(url, headers=sent), (url, sent))


@FEWER
@given(path=st.sampled_from(PATHS), params=st.dictionaries(st.sampled_from(["format", "lang", "q", "kind", "example",
                                                                               "query", "download", "facet", "ort"]),
                                                             st.text(max_size=40), max_size=4), sent=headers)
def test_any_parameters_on_every_route(client: FlaskClient, path: str, params: dict[str, str],
                                       sent: dict[str, str]) -> None:
    answered(client.get("/" + path, query_string=params, headers=sent), (path, params, sent))


# --- the same over real HTTP ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("properties-http")
    with serve_process(dataset_file, folder, {"PLANGRAPH_STORE": str(folder / "store")}) as (url, _):
        yield url


def test_thirty_random_inputs_over_real_http(server: str) -> None:
    """Random bytes, texts and mutated queries sent by a real client to a real server (embedded store): the
    server answers each one, and still answers a plain query afterwards."""
    chance = random.Random(7)  # fixed: a failure can be repeated
    queries = [e.text for e in examples()]
    for number in range(30):
        noise = bytes(chance.randrange(256) for _ in range(chance.randrange(1, 300)))
        words = chance.choice(queries).split()
        words.insert(chance.randrange(len(words) + 1), chance.choice(SPARQL_TOKENS))
        del words[chance.randrange(len(words))]
        match number % 5:
            case 0:
                response = requests.post(server + "sparql", data=noise, timeout=30,
                                         headers={"Content-Type": chance.choice(CONTENT_TYPES).encode().decode()})
            case 1:
                response = requests.get(server + "sparql", params={"query": " ".join(words)}, timeout=30,
                                        headers={"Accept": chance.choice(ODD_HEADER_VALUES)})
            case 2:
                response = requests.post(server + "validate", data=noise, timeout=30,
                                         headers={"Content-Type": chance.choice(ENTRY_TYPES)})
            case 3:
                path = quote(noise.decode("latin-1"), safe="")
                response = requests.get(server + path, timeout=30,
                                        headers={"Accept": chance.choice(ODD_HEADER_VALUES),
                                                 "If-None-Match": chance.choice(ODD_HEADER_VALUES)})
            case _:
                response = requests.post(server + "api/submissions", data=noise, timeout=30,
                                         headers={"Content-Type": chance.choice(ENTRY_TYPES),
                                                  "Authorization": "Bearer " + noise.hex()[:40]})
        answered(response, (number, noise))
    still = requests.get(server + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30,
                         headers={"Accept": "application/sparql-results+json"})
    assert still.status_code == 200 and still.json()["boolean"] is True
