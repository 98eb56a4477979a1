"""The portal over HTTP, against a real `plangraph serve` process: the dumps at /downloads/ (every format
parses back to the published data; ETag, Last-Modified, 304 on conditional requests), /catalog and
/.well-known/void by Accept, and VoID counts computed independently from the dataset."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
import requests
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, VOID

from conftest import RunCli
from plangraph.canonical import render
from plangraph.catalog import CatalogIris, Site, catalog_graph
from plangraph.dataset import load_dataset, union
from plangraph.formats import RDF_FORMATS, RdfFormat
from plangraph.iris import Minter

TIMEOUT = 30  # seconds; a guard against a hung server, not a performance assertion
IRIS = CatalogIris.of(Minter())
FORMAT_IDS = [fmt.name for fmt in RDF_FORMATS]


@pytest.fixture(scope="module")
def data(dataset_file: Path) -> Dataset:
    return load_dataset(dataset_file)


@pytest.fixture(scope="module")
def modified(dataset_file: Path) -> datetime:
    return datetime.fromtimestamp(dataset_file.stat().st_mtime, tz=UTC).replace(microsecond=0)


def get(url: str, accept: str | None = None, **headers: str) -> requests.Response:
    if accept is not None:
        headers["Accept"] = accept
    return requests.get(url, headers={k.replace("_", "-"): v for k, v in headers.items()}, timeout=TIMEOUT,
                        allow_redirects=False)


def dump_url(live_server: str, fmt: RdfFormat) -> str:
    return f"{live_server}downloads/herne{fmt.suffix}"


def quads(dataset: Dataset) -> set[tuple[object, ...]]:
    return {(s, p, o, g.identifier if isinstance(g, Graph) else g) for s, p, o, g in dataset.quads()}


# dumps ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=FORMAT_IDS)
def test_dump_parses_back_to_the_published_data(live_server: str, data: Dataset, fmt: RdfFormat) -> None:
    response = get(dump_url(live_server, fmt))
    assert response.status_code == 200
    assert not any(isinstance(t, BNode) for triple in union(data) for t in triple)  # so sets compare exactly
    if fmt.quads:
        parsed = Dataset()
        parsed.parse(data=response.content, format=fmt.rdflib)
        assert quads(parsed) == quads(data)
    else:
        parsed_graph = Graph().parse(data=response.content, format=fmt.rdflib)
        assert set(parsed_graph) == set(union(data))


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=FORMAT_IDS)
def test_dump_headers(live_server: str, dataset_file: Path, modified: datetime, fmt: RdfFormat) -> None:
    response = get(dump_url(live_server, fmt))
    assert response.headers["Content-Type"].split(";")[0] == fmt.media_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="herne{fmt.suffix}"'
    assert response.headers["ETag"].startswith('"') and response.headers["ETag"].endswith('"')
    assert parsedate_to_datetime(response.headers["Last-Modified"]) == modified  # the dataset file's time
    assert "no-cache" in response.headers["Cache-Control"]
    again = requests.head(dump_url(live_server, fmt), timeout=TIMEOUT)
    assert again.headers["ETag"] == response.headers["ETag"]


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=FORMAT_IDS)
def test_dump_bytes_are_the_same_in_every_process(live_server: str, data: Dataset, fmt: RdfFormat) -> None:
    """The server (another process, another hash seed) sends the very bytes this process renders: equal
    ETags on every copy of a stateless front."""
    assert get(dump_url(live_server, fmt)).content == render(data, fmt)


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=FORMAT_IDS)
def test_304_on_if_none_match(live_server: str, fmt: RdfFormat) -> None:
    etag = get(dump_url(live_server, fmt)).headers["ETag"]
    for tag in (etag, f'"other", {etag}', f"W/{etag}"):  # weak comparison, as If-None-Match requires
        response = get(dump_url(live_server, fmt), If_None_Match=tag)
        assert response.status_code == 304, tag
        assert response.content == b""
        assert response.headers["ETag"] == etag
    assert get(dump_url(live_server, fmt), If_None_Match='"not-the-tag"').status_code == 200


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=FORMAT_IDS)
def test_304_on_if_modified_since(live_server: str, modified: datetime, fmt: RdfFormat) -> None:
    url = dump_url(live_server, fmt)
    assert get(url, If_Modified_Since=format_datetime(modified, usegmt=True)).status_code == 304
    later = modified.replace(year=modified.year + 1)
    assert get(url, If_Modified_Since=format_datetime(later, usegmt=True)).status_code == 304
    earlier = modified.replace(year=modified.year - 1)
    response = get(url, If_Modified_Since=format_datetime(earlier, usegmt=True))
    assert response.status_code == 200 and response.content


def test_if_none_match_wins_over_if_modified_since(live_server: str, modified: datetime) -> None:
    """RFC 9110: with If-None-Match present, If-Modified-Since is ignored."""
    response = get(dump_url(live_server, RDF_FORMATS[0]), If_None_Match='"stale"',
                   If_Modified_Since=format_datetime(modified, usegmt=True))
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["herne.xyz", "herne.csv", "other.ttl", "herne", "ttl"])
def test_unknown_dump_is_404(live_server: str, name: str) -> None:
    assert get(f"{live_server}downloads/{name}").status_code == 404


def test_downloads_index_is_html_with_every_dump(live_server: str) -> None:
    for accept in (None, "text/html,application/xhtml+xml,*/*;q=0.8"):
        response = get(f"{live_server}downloads/", accept)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/html")
        for fmt in RDF_FORMATS:
            assert f'href="/downloads/herne{fmt.suffix}"' in response.text
    assert get(f"{live_server}downloads").status_code in (301, 308)  # the index lives at /downloads/


def test_downloads_index_gives_the_dataset_metadata_by_accept(live_server: str) -> None:
    response = get(f"{live_server}downloads/", "text/turtle")
    assert response.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=response.text, format="turtle")
    assert (IRIS.dataset, RDF.type, ns.DCAT.Dataset) in g
    assert len(set(g.objects(IRIS.dataset, ns.DCAT.distribution))) == len(RDF_FORMATS)
    assert (IRIS.catalog, None, None) not in g


# /catalog and /.well-known/void -------------------------------------------------------------------------------

RDF_BY_ACCEPT = [
    (None, "text/turtle", "turtle"),
    ("*/*", "text/turtle", "turtle"),
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/n-triples", "application/n-triples", "nt"),
]


@pytest.mark.parametrize("path", ["catalog", ".well-known/void"])
@pytest.mark.parametrize(("accept", "media_type", "parser"), RDF_BY_ACCEPT, ids=[a[1] + str(i) for i, a in
                                                                                enumerate(RDF_BY_ACCEPT)])
def test_metadata_by_accept(live_server: str, path: str, accept: str | None, media_type: str, parser: str) -> None:
    response = get(live_server + path, accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" in response.headers["Vary"]
    g = Graph().parse(data=response.content, format=parser)
    assert (IRIS.dataset, None, None) in g


@pytest.mark.parametrize("path", ["catalog", ".well-known/void"])
def test_metadata_html_for_browsers_and_format_override(live_server: str, path: str) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = get(live_server + path, browser)
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<h1>" in response.text and str(IRIS.dataset) in response.text
    assert "Accept" in response.headers["Vary"]
    override = get(f"{live_server}{path}?format=jsonld", browser)
    assert override.headers["Content-Type"].startswith("application/ld+json")
    json.loads(override.text)
    assert get(f"{live_server}{path}?format=html", "text/turtle").headers["Content-Type"].startswith("text/html")
    assert get(f"{live_server}{path}?format=xyz").status_code == 406
    assert get(live_server + path, "image/png").status_code == 406


def test_catalog_over_http_is_the_core_catalog(live_server: str, data: Dataset, modified: datetime) -> None:
    served = Graph().parse(data=get(f"{live_server}catalog", "text/turtle").text, format="turtle")
    sizes = {fmt.name: len(render(data, fmt)) for fmt in RDF_FORMATS}
    assert isomorphic(served, catalog_graph(IRIS, Site(live_server), modified, byte_sizes=sizes))
    for fmt in RDF_FORMATS:  # every URL in it answers
        url = served.value(IRIS.distribution(fmt), ns.DCAT.downloadURL)
        assert requests.head(str(url), timeout=TIMEOUT).status_code == 200


def test_catalog_iris_dereference(live_server: str) -> None:
    for iri, target in [(IRIS.catalog, "/catalog"), (IRIS.dataset, "/downloads/"), (IRIS.service, "/catalog"),
                        (IRIS.publisher, "/catalog")]:
        path = str(iri).removeprefix(IRIS.base)
        response = get(live_server + path, "text/turtle")
        assert response.status_code == 303, path
        assert response.headers["Location"].endswith(target)


# VoID counts, computed independently (SPARQL over the dataset) -------------------------------------------------

COUNTS = {
    VOID.triples: "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
    VOID.distinctSubjects: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    VOID.distinctObjects: "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    VOID.properties: "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    VOID.classes: "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }",
}
ENTITIES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c"


def _count(data: Dataset, query: str, graph: URIRef | None) -> int:
    bindings = {"g": graph} if graph is not None else {}
    row = next(iter(data.query(query, initBindings=bindings)))
    return int(row[0])  # type: ignore[index]


@pytest.fixture(scope="module")
def void(live_server: str) -> Graph:
    return Graph().parse(data=get(f"{live_server}.well-known/void", "text/turtle").text, format="turtle")


def test_void_counts_equal_counts_from_the_data(void: Graph, data: Dataset) -> None:
    d = IRIS.dataset
    named = sorted(g.identifier for g in data.graphs() if len(g) and isinstance(g.identifier, URIRef)
                   and g.identifier != URIRef("urn:x-rdflib:default"))
    assert sorted(void.objects(d, VOID.subset)) == named
    for subject, graph in [(d, None), *((name, name) for name in named)]:
        for predicate, query in COUNTS.items():
            assert void.value(subject, predicate) == Literal(_count(data, query, graph)), (subject, predicate)
        expected = {row[0]: int(row[1])  # type: ignore[index]
                    for row in data.query(ENTITIES, initBindings={"g": graph} if graph else {})}
        found = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))  # type: ignore[arg-type]
                 for p in void.objects(subject, VOID.classPartition)}
        assert found == expected, subject


def test_void_points_to_endpoint_dumps_and_uri_space(void: Graph, live_server: str) -> None:
    d = IRIS.dataset
    assert void.value(d, VOID.sparqlEndpoint) == URIRef(f"{live_server}sparql")
    assert set(void.objects(d, VOID.dataDump)) == {URIRef(dump_url(live_server, f)) for f in RDF_FORMATS}
    assert void.value(d, VOID.uriSpace) == Literal(IRIS.base)
    assert URIRef("https://w3id.org/plangraph/def") in set(void.objects(d, VOID.vocabulary))
    assert (URIRef(f"{live_server}.well-known/void"), RDF.type, VOID.DatasetDescription) in void


@pytest.mark.parametrize("fmt", ["ttl", "trig", "nt", "nq", "jsonld", "rdfxml"])
def test_export_gives_the_same_bytes_as_the_download(live_server: str, dataset_file: Path, run_cli: RunCli,
                                                     fmt: str) -> None:
    code, out, err = run_cli("export", "--format", fmt, "--dataset", dataset_file)
    assert code == 0, err
    suffix = {"ttl": "ttl", "trig": "trig", "nt": "nt", "nq": "nq", "jsonld": "jsonld", "rdfxml": "rdf"}[fmt]
    download = requests.get(f"{live_server}downloads/herne.{suffix}", timeout=30)
    assert download.status_code == 200
    assert out.encode("utf-8") == download.content
