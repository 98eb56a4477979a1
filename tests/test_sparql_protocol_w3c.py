"""The W3C SPARQL 1.1 Protocol tests, driven by the manifest itself: each mf:ProtocolTest is a case whose
HTTP requests (method, path, headers, body in its encoding) are sent to a real server loaded with the
suite's data files, and whose responses are checked against mf:expectedStatus, mf:expectedFormat and
mf:expectedBoolean. The endpoint is read-only, so updates the suite expects to succeed must be refused
with 403, and the queries that would see their effect must see nothing. The Service Description tests
(three prose tests) are checked on a bare GET of the endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.dom.minidom import parseString

import pytest
import requests
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from conftest import serve_process

SUITE = Path(__file__).parent / "data" / "w3c-sparql-protocol"
PROTOCOL_MANIFEST = SUITE / "protocol" / "manifest.ttl"
SD_MANIFEST = SUITE / "service-description" / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ENDPOINT_PATH = "sparql"  # the manifest's /sparql/ is replaced by the endpoint's path, as it asks

# The exact status of each failing case (the manifest only says 4xx): read-only refusals are 403.
EXACT_STATUS = {
    "bad_query_method": 405, "bad_multiple_queries": 400, "bad_query_wrong_media_type": 415,
    "bad_query_missing_form_type": 415, "bad_query_missing_direct_type": 415, "bad_query_non_utf8": 400,
    "bad_query_syntax": 400, "bad_update_get": 403, "bad_multiple_updates": 403,
    "bad_update_wrong_media_type": 415, "bad_update_missing_form_type": 415, "bad_update_non_utf8": 403,
    "bad_update_syntax": 403, "bad_update_dataset_conflict": 403,
}
TABULAR = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values")
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
             "application/ld+json": "json-ld"}


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]  # the status classes allowed: 2, 3, 4
    expected_format: str | None  # "boolean", "tabular" or "RDF"
    expected_boolean: bool | None

    @property
    def is_update(self) -> bool:
        content_type = self.headers.get("content-type", "")
        return content_type.startswith("application/sparql-update") or (
            content_type.startswith("application/x-www-form-urlencoded") and (self.body or b"").startswith(b"update="))


@dataclass(frozen=True)
class ProtocolCase:
    name: str
    title: str
    requests: tuple[HttpRequest, ...]


def _manifest(path: Path) -> tuple[Graph, list[URIRef]]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    entries = Collection(graph, graph.value(manifest, MF.entries))
    return graph, [URIRef(e) for e in entries]


def _local(iri: URIRef) -> str:
    return str(iri).rsplit("#", 1)[-1]


def _request(graph: Graph, node: BNode) -> HttpRequest:
    headers_node = graph.value(node, HT.headers)
    headers = {str(graph.value(h, HT.fieldName)).lower(): str(graph.value(h, HT.fieldValue))
               for h in (Collection(graph, headers_node) if headers_node is not None else [])}
    body_node = graph.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    statuses = frozenset(int(_local(s)[len("StatusCode")]) for s in graph.objects(response, MF.expectedStatus))
    expected_format = graph.value(response, MF.expectedFormat)
    expected_boolean = graph.value(response, MF.expectedBoolean)
    return HttpRequest(str(graph.value(node, HT.methodName)), str(graph.value(node, HT.absolutePath)), headers, body,
                       statuses, str(expected_format) if expected_format is not None else None,
                       bool(expected_boolean.toPython()) if isinstance(expected_boolean, Literal) else None)


def protocol_cases() -> list[ProtocolCase]:
    graph, entries = _manifest(PROTOCOL_MANIFEST)
    cases = []
    for entry in entries:
        assert (entry, RDF.type, MF.ProtocolTest) in graph
        action = graph.value(entry, MF.action)
        nodes = Collection(graph, graph.value(action, HT.requests))
        cases.append(ProtocolCase(_local(entry), str(graph.value(entry, MF.name)),
                                  tuple(_request(graph, node) for node in nodes)))
    return cases


def graph_data() -> dict[str, Path]:
    """Every data file the manifest loads, by the graph IRI it is loaded under (its rdfs:label)."""
    graph, _ = _manifest(PROTOCOL_MANIFEST)
    files = {}
    for data in graph.objects(None, UT.graphData):
        source = graph.value(data, UT.graph)
        files[str(graph.value(data, RDFS.label))] = SUITE / "protocol" / Path(str(source)).name
    return files


CASES = protocol_cases()


@pytest.fixture(scope="module")
def suite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`plangraph serve` on a dataset made of the suite's data files, one named graph each."""
    folder = tmp_path_factory.mktemp("w3c-protocol")
    dataset = Dataset()
    for name, path in sorted(graph_data().items()):
        dataset.graph(URIRef(name)).parse(path, format="nt")
    trig = folder / "protocol.trig"
    trig.write_text(dataset.serialize(format="trig"), encoding="utf-8")
    with serve_process(trig, folder) as (base, _):
        yield base


def send(base: str, request: HttpRequest) -> requests.Response:
    assert request.path.startswith("/sparql/")
    url = base + ENDPOINT_PATH + request.path[len("/sparql/"):]
    return requests.request(request.method, url, headers=request.headers, data=request.body, timeout=30,
                            allow_redirects=False)


def check_format(response: requests.Response, expected: str | None, boolean: bool | None) -> None:
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if expected == "boolean":
        assert media_type in ("application/sparql-results+json", "application/sparql-results+xml")
    elif expected == "tabular":
        assert media_type in TABULAR
    elif expected == "RDF":
        assert media_type in RDF_TYPES
        Graph().parse(data=response.text, format=RDF_TYPES[media_type])
    if boolean is not None:
        if media_type == "application/sparql-results+json":
            assert response.json()["boolean"] is boolean
        else:
            document = parseString(response.content)
            assert document.getElementsByTagName("boolean")[0].firstChild.data == str(boolean).lower()


def test_the_manifest_is_read_whole() -> None:
    _, entries = _manifest(PROTOCOL_MANIFEST)
    assert len(CASES) == len(entries) == 34
    names = {case.name for case in CASES}
    assert set(EXACT_STATUS) <= names
    assert all(case.requests for case in CASES)
    assert set(graph_data()) == {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_protocol(suite_server: str, case: ProtocolCase) -> None:
    refused_update = False
    for request in case.requests:
        response = send(suite_server, request)
        assert "Traceback" not in response.text
        if request.is_update and 2 in request.statuses:  # the suite expects success: read-only refuses
            assert response.status_code == 403, f"{case.title}: {response.status_code} {response.text}"
            assert "read-only" in response.text
            refused_update = True
            continue
        if case.name in EXACT_STATUS:
            assert response.status_code == EXACT_STATUS[case.name], f"{case.title}: {response.text}"
        assert response.status_code // 100 in request.statuses, f"{case.title}: {response.text}"
        if response.status_code // 100 == 2:
            # after a refused update the query that would see its effect sees nothing
            check_format(response, request.expected_format,
                         False if refused_update and request.expected_boolean else request.expected_boolean)


# --- the SPARQL 1.1 Service Description tests ----------------------------------------------------

def sd_cases() -> list[str]:
    graph, entries = _manifest(SD_MANIFEST)
    return [_local(entry) for entry in entries if (entry, RDF.type, MF.ServiceDescriptionTest) in graph]


def service_description(base: str) -> tuple[requests.Response, Graph]:
    response = requests.get(base + ENDPOINT_PATH, headers={"Accept": "text/turtle, application/rdf+xml;q=0.9"},
                            timeout=30)
    media_type = response.headers["Content-Type"].split(";")[0]
    return response, Graph().parse(data=response.text, format=RDF_TYPES[media_type])


@pytest.mark.parametrize("name", sd_cases())
def test_service_description(suite_server: str, name: str) -> None:
    response, graph = service_description(suite_server)
    endpoint = URIRef(suite_server + ENDPOINT_PATH)
    if name == "returns-rdf":
        assert response.status_code == 200 and len(graph) > 0
    elif name == "has-endpoint-triple":
        assert (None, SD.endpoint, endpoint) in graph
    elif name == "conforms-to-schema":
        service = graph.value(None, SD.endpoint, endpoint)
        assert (service, RDF.type, SD.Service) in graph
        assert set(graph.objects(service, SD.supportedLanguage)) <= {SD.SPARQL10Query, SD.SPARQL11Query,
                                                                      SD.SPARQL11Update}
        assert all(isinstance(f, URIRef) for f in graph.objects(service, SD.resultFormat))
        dataset = graph.value(service, SD.defaultDataset)
        assert (dataset, RDF.type, SD.Dataset) in graph
        assert graph.value(dataset, SD.defaultGraph) is not None
        named = [graph.value(n, SD.name) for n in graph.objects(dataset, SD.namedGraph)]
        assert all((n, RDF.type, SD.NamedGraph) in graph for n in graph.objects(dataset, SD.namedGraph))
        assert {str(n) for n in named} == set(graph_data())
    else:
        pytest.fail(f"a service description test this module does not know: {name}")
