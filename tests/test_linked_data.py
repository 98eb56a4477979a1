"""Dereferencing over HTTP, the way Linked Data clients and browsers reach the server: every IRI of the dataset
in HTML and four RDF syntaxes, content negotiation with messy Accept headers, ?format= and suffix overrides,
Vary, 404 in the representation asked for, /def and /shapes."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SH

from plangraph.dataset import load_dataset, union
from plangraph.namespaces import PG
from plangraph.resources import SOURCE_FILE

BASE = "https://w3id.org/plangraph/herne/"
A21 = "wohnen-und-stadtentwicklung/massnahme/A2-1"
RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
             "application/rdf+xml": "xml"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def data(dataset_file: Path) -> Graph:
    return union(load_dataset(dataset_file))


@pytest.fixture(scope="module")
def documents(data: Graph) -> list[str]:
    """Every local subject IRI of the dataset, hash IRIs folded into their documents (the graph/... IRIs too)."""
    rows = data.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?base)) }",
                      initBindings={"base": Literal(BASE)})
    found = sorted({str(row[0]).partition("#")[0] for row in rows})  # type: ignore[index]
    assert len(found) > 70 and BASE + "graph/plan" in found and BASE + A21 in found
    return found


@pytest.fixture(scope="module")
def http() -> requests.Session:
    return requests.Session()


def _parse(response: requests.Response, media_type: str) -> Graph:
    return Graph().parse(data=response.content, format=RDF_TYPES[media_type])


def _get(http: requests.Session, url: str, accept: str | None = None, **params: str) -> requests.Response:
    headers = {"Accept": accept} if accept is not None else {}
    return http.get(url, headers=headers, params=params, timeout=30)


# --- every IRI, every format ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_every_iri_dereferences_as_rdf(live_server: str, http: requests.Session, data: Graph, documents: list[str],
                                       media_type: str) -> None:
    for iri in documents:
        response = _get(http, live_server + iri[len(BASE):], media_type)
        assert response.status_code == 200, iri
        assert response.headers["Content-Type"].split(";")[0] == media_type, iri
        assert "Accept" in response.headers["Vary"]
        described = _parse(response, media_type)
        subjects = [URIRef(iri), *(s for s in set(data.subjects()) if str(s).startswith(iri + "#"))]
        for subject in subjects:
            own = list(data.triples((subject, None, None)))
            missing = [t for t in own if t not in described]
            assert not missing, f"{iri} as {media_type} lacks {missing[:3]}"


def test_every_iri_dereferences_as_html(live_server: str, http: requests.Session, documents: list[str]) -> None:
    for iri in documents:
        response = _get(http, live_server + iri[len(BASE):], BROWSER)
        assert response.status_code == 200, iri
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert iri in html.unescape(response.text), f"{iri}: the page does not show its canonical IRI"


def test_graph_iris_dereference_to_their_self_description(live_server: str, http: requests.Session) -> None:
    described = _parse(_get(http, live_server + "graph/plan", "text/turtle"), "text/turtle")
    assert (URIRef(BASE + "graph/plan"), RDF.type, URIRef("http://www.w3.org/ns/prov#Entity")) in described


# --- content negotiation --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "expected"), [
    (BROWSER, "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/turtle;q=0.5, application/rdf+xml;q=0.9", "application/rdf+xml"),
    ("application/rdf+xml;q=0.5, text/turtle", "text/turtle"),
    ("text/turtle;q=0, */*;q=0.1", "text/html"),
    ("*/*", "text/html"),
    ("*", "text/html"),
    ("", "text/html"),
    (None, "text/html"),
    ("text/*", "text/html"),
    ("application/*", "application/ld+json"),
    ("application/json", "application/json"),
    ("image/png;q=1, text/turtle;q=0.2", "text/turtle"),
    ("TEXT/TURTLE", "text/turtle"),
    ("text/turtle; charset=utf-8; q=0.8, text/html; q=0.7", "text/turtle"),
])
def test_accept_headers(live_server: str, http: requests.Session, accept: str | None, expected: str) -> None:
    response = _get(http, live_server + A21, accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in response.headers["Vary"]
    if expected in RDF_TYPES:
        assert (URIRef(BASE + A21), RDF.type, PG.Measure) in _parse(response, expected)


def test_json_is_served_as_json_ld(live_server: str, http: requests.Session) -> None:
    response = _get(http, live_server + A21, "application/json")
    described = Graph().parse(data=response.content, format="json-ld")
    assert (URIRef(BASE + A21), RDF.type, PG.Measure) in described


@pytest.mark.parametrize("accept", ["image/png", "application/pdf, image/*;q=0.5", "text/turtle;q=0, text/html;q=0"])
def test_unsatisfiable_accept_is_406(live_server: str, http: requests.Session, accept: str) -> None:
    response = _get(http, live_server + A21, accept)
    assert response.status_code == 406
    assert "Accept" in response.headers["Vary"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize(("name", "expected"), [
    ("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
    ("rdf", "application/rdf+xml"), ("rdfxml", "application/rdf+xml"), ("html", "text/html"),
])
def test_format_parameter_overrides_accept(live_server: str, http: requests.Session, name: str, expected: str) -> None:
    response = _get(http, live_server + A21, BROWSER if expected != "text/html" else "text/turtle", format=name)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in response.headers["Vary"]
    assert "Content-Location" not in response.headers


@pytest.mark.parametrize(("suffix", "expected"), [
    (".ttl", "text/turtle"), (".jsonld", "application/ld+json"), (".nt", "application/n-triples"),
    (".rdf", "application/rdf+xml"), (".html", "text/html"),
])
def test_suffix_overrides_accept(live_server: str, http: requests.Session, suffix: str, expected: str) -> None:
    response = _get(http, live_server + A21 + suffix, BROWSER if expected != "text/html" else "text/turtle")
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in response.headers["Vary"]
    if expected in RDF_TYPES:
        assert (URIRef(BASE + A21), RDF.type, PG.Measure) in _parse(response, expected)  # the canonical IRI


def test_format_parameter_wins_over_suffix(live_server: str, http: requests.Session) -> None:
    response = _get(http, live_server + A21 + ".ttl", format="nt")
    assert response.headers["Content-Type"].split(";")[0] == "application/n-triples"


def test_unknown_format_is_a_bad_request(live_server: str, http: requests.Session) -> None:
    response = _get(http, live_server + A21, "application/json", format="pdf")
    assert response.status_code == 400
    assert "ttl" in response.json()["message"]
    page = _get(http, live_server + A21, BROWSER, format="<b>pdf</b>")
    assert page.status_code == 400 and "<b>" not in page.text  # echoed, but escaped


def test_negotiated_responses_say_where_the_variant_lives(live_server: str, http: requests.Session) -> None:
    response = _get(http, live_server + A21, "text/turtle")
    assert response.headers["Content-Location"] == "/" + A21 + ".ttl"
    links = response.headers["Link"]
    for suffix, media_type in ((".jsonld", "application/ld+json"), (".nt", "application/n-triples"),
                               (".rdf", "application/rdf+xml"), (".html", "text/html")):
        assert f'</{A21}{suffix}>; rel="alternate"; type="{media_type}"' in links
    assert f'<{BASE}{A21}>; rel="canonical"' in links


def test_head_answers_like_get(live_server: str, http: requests.Session) -> None:
    response = http.head(live_server + A21, headers={"Accept": "text/turtle"}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    assert response.content == b""


# --- unknown IRIs ---------------------------------------------------------------------------------------------------

def test_unknown_iri_in_html(live_server: str, http: requests.Session) -> None:
    response = _get(http, live_server + "ort/", BROWSER)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in response.headers["Vary"]
    page = html.unescape(response.text)
    assert BASE + "ort/" in page
    assert 'href="/ort/herne"' in response.text  # suggestions: what lives under that path


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_unknown_iri_in_rdf(live_server: str, http: requests.Session, media_type: str) -> None:
    response = _get(http, live_server + "no/such/thing", media_type)
    assert response.status_code == 404
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" in response.headers["Vary"]
    assert len(_parse(response, media_type)) == 0


def test_unknown_iri_in_turtle_says_why(live_server: str, http: requests.Session) -> None:
    response = _get(http, live_server + "no/such/thing.ttl")
    assert response.status_code == 404
    assert response.text.startswith("# 404 Not Found: no description of <" + BASE + "no/such/thing>")


def test_unknown_iri_in_json(live_server: str, http: requests.Session) -> None:
    response = _get(http, live_server + "no/such/thing", "application/json")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_unknown_iri_cannot_inject_into_the_rdf_comment(live_server: str, http: requests.Session) -> None:
    # a carriage return ends a Turtle comment: the IRI in the comment is percent-encoded
    response = _get(http, live_server + "x%0D%3Cs%3E%20%3Cp%3E%20%3Co%3E%20.", "text/turtle")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert len(Graph().parse(data=response.content, format="turtle")) == 0
    xml = _get(http, live_server + "x--y%0D-->%3Crdf:Description/%3E", "application/rdf+xml")
    assert xml.status_code == 404
    assert len(Graph().parse(data=xml.content, format="xml")) == 0


def test_unknown_iri_with_an_unsatisfiable_accept_is_still_404(live_server: str, http: requests.Session) -> None:
    assert _get(http, live_server + "no/such/thing", "image/png").status_code == 404


# --- the source text ------------------------------------------------------------------------------------------------

def test_source_document_as_plain_text(live_server: str, http: requests.Session) -> None:
    for response in (_get(http, live_server + "quelle/integrationskonzept-wohnen", "text/plain"),
                     _get(http, live_server + "quelle/integrationskonzept-wohnen.txt")):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode("utf-8") == SOURCE_FILE.read_text("utf-8")


def test_source_document_as_html_with_line_anchors(live_server: str, http: requests.Session) -> None:
    response = _get(http, live_server + "quelle/integrationskonzept-wohnen", BROWSER)
    assert response.status_code == 200
    for anchor in ('id="line=0"', 'id="line=30,65"', 'id="line=306"', 'href="#line=29"'):
        assert anchor in response.text
    measure = _get(http, live_server + A21, BROWSER).text
    assert 'href="/quelle/integrationskonzept-wohnen#line=30,65"' in measure


def test_source_document_as_rdf(live_server: str, http: requests.Session) -> None:
    response = _get(http, live_server + "quelle/integrationskonzept-wohnen", "text/turtle")
    described = _parse(response, "text/turtle")
    assert (URIRef(BASE + "quelle/integrationskonzept-wohnen"), RDF.type,
            URIRef("http://xmlns.com/foaf/0.1/Document")) in described


# --- /def and /shapes -----------------------------------------------------------------------------------------------

def test_vocabulary_in_html(live_server: str, http: requests.Session) -> None:
    response = _get(http, live_server + "def", BROWSER)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in response.headers["Vary"]
    for anchor in ('id="Measure"', 'id="servesGoal"', 'id="RoleResponsible"', 'id="StatusCompleted"'):
        assert anchor in response.text
    assert "Maßnahme" in html.unescape(response.text)


@pytest.mark.parametrize(("path", "accept", "params"), [
    ("def", "text/turtle", {}), ("def.ttl", None, {}), ("def", BROWSER, {"format": "ttl"}),
])
def test_vocabulary_in_turtle(live_server: str, http: requests.Session, path: str, accept: str | None,
                              params: dict[str, str]) -> None:
    response = _get(http, live_server + path, accept, **params)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/turtle")
    assert "Accept" in response.headers["Vary"]
    assert (PG.Measure, RDF.type, OWL.Class) in Graph().parse(data=response.content, format="turtle")


@pytest.mark.parametrize("media_type", ["application/ld+json", "application/n-triples", "application/rdf+xml"])
def test_vocabulary_in_other_syntaxes(live_server: str, http: requests.Session, media_type: str) -> None:
    response = _get(http, live_server + "def", media_type)
    assert (PG.servesGoal, RDF.type, OWL.ObjectProperty) in _parse(response, media_type)


def test_shapes_in_turtle_and_html(live_server: str, http: requests.Session) -> None:
    turtle = _get(http, live_server + "shapes", "text/turtle")
    assert turtle.status_code == 200 and "Accept" in turtle.headers["Vary"]
    shapes = Graph().parse(data=turtle.content, format="turtle")
    assert (PG.MeasureShape, RDF.type, SH.NodeShape) in shapes
    page = _get(http, live_server + "shapes", BROWSER)
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    text = html.unescape(page.text)
    assert 'id="MeasureShape"' in page.text
    messages = [str(m) for m in shapes.objects(None, SH.message) if getattr(m, "language", None) == "de"]
    assert messages and all(m in text for m in messages)
    english = html.unescape(_get(http, live_server + "shapes", BROWSER, lang="en").text)
    assert all(str(m) in english for m in shapes.objects(None, SH.message) if getattr(m, "language", None) == "en")


def test_unknown_suffix_on_def_is_404(live_server: str, http: requests.Session) -> None:
    assert _get(http, live_server + "def.pdf").status_code == 404


def test_json_errors_never_leak_internals(live_server: str, http: requests.Session) -> None:
    body = _get(http, live_server + "nothing/here", "application/json").text
    assert "Traceback" not in body
    assert json.loads(body)["error"] == "Not Found"
