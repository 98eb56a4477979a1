"""The catalog conforms to the official DCAT-AP.de 3.0 shapes (with the SEMIC DCAT-AP 3.0.0 base shapes and
the controlled vocabularies), validated offline with pyshacl as the recipe in tests/data/dcat-ap-de/README.md
says. Only the DCAT graph is validated, never the plan data (the DE shapes target prov:Attribution and
vcard:Kind by class and would judge the plan's attributions).

Where an official file is defective, a test asserts the defect; the conformance check itself is not weakened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns
from rdflib.namespace import DCTERMS, RDF, SH

from plangraph.catalog import DCATAP, CatalogIris, Site, catalog_graph
from plangraph.formats import RDF_FORMATS
from plangraph.iris import Minter

DATA = Path(__file__).parent / "data" / "dcat-ap-de"
SHAPE_FILES = ("dcat-ap-SHACL.ttl", "dcat-ap-SHACL-DE.ttl", "dcat-ap-spec-german-additions.ttl",
               "dcat-ap-de-deprecated.ttl", "dcat-ap-de-controlledvocabularies.ttl")
WRONG_DCATAP = "<http://data.europa.eu/r5r#>"  # the defect: DCAT-AP's namespace ends in '/'
FILES_WITH_WRONG_DCATAP = ("dcat-ap-spec-german-additions.ttl", "dcat-ap-de-deprecated.ttl",
                           "dcat-ap-de-controlledvocabularies.ttl")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
IRIS = CatalogIris.of(Minter())
SITE = Site("http://127.0.0.1:5000/")
MODIFIED = datetime(2025, 3, 10, 12, 0, 0, tzinfo=UTC)
# The one Warning a correct catalog gets offline: the political-geocoding level list has no SKOS copy
# anywhere we could find (a gap in the vocabularies, not in the catalog; see the README).
EXPECTED_WARNINGS = {("Warning", "http://www.w3.org/2004/02/skos/core#inScheme",
                      "http://dcat-ap.de/def/politicalGeocoding/Level/municipality")}


class Result(NamedTuple):
    severity: str  # "Violation", "Warning", "Info"
    focus: str
    path: str
    value: str
    message: str


@cache
def shapes(repaired: bool) -> Graph:
    """The five official shape files in one graph; `repaired`: with DCAT-AP's namespace fixed in memory."""
    graph = Graph()
    for name in SHAPE_FILES:
        text = (DATA / "shapes" / name).read_text(encoding="utf-8")
        if repaired:
            text = text.replace(WRONG_DCATAP, "<http://data.europa.eu/r5r/>")
        graph.parse(data=text, format="turtle")
    return graph


@cache
def vocabularies() -> Graph:
    graph = Graph()
    for path in sorted((DATA / "vocabularies").glob("*.rdf")):
        graph.parse(path, format="xml")
    return graph


def check(catalog: Graph, repaired: bool = False) -> list[Result]:
    """Validate like GovData: no inference, Warnings do not break conformance. Returns every result."""
    data = Graph()
    for triple in catalog:
        data.add(triple)
    vocab = vocabularies()
    for used in {o for o in catalog.objects() if isinstance(o, URIRef)}:  # the "used IRIs only" merge
        for triple in vocab.triples((used, None, None)):
            data.add(triple)
    conforms, report, _ = validate(data, shacl_graph=shapes(repaired), inference="none", advanced=True,
                                   allow_warnings=True)
    assert isinstance(report, Graph)
    results = [
        Result(str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1], str(report.value(r, SH.focusNode)),
               str(report.value(r, SH.resultPath)), str(report.value(r, SH.value)),
               str(report.value(r, SH.resultMessage)))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    assert conforms == (not any(r.severity == "Violation" for r in results))
    return results


def violations(results: list[Result]) -> list[Result]:
    return [r for r in results if r.severity == "Violation"]


@pytest.fixture
def catalog() -> Graph:
    return catalog_graph(IRIS, SITE, MODIFIED, byte_sizes={fmt.name: 1000 + i for i, fmt in enumerate(RDF_FORMATS)})


# conformance -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("repaired", [False, True], ids=["as-published", "dcatap-prefix-repaired"])
def test_catalog_conforms(catalog: Graph, repaired: bool) -> None:
    results = check(catalog, repaired)
    assert violations(results) == []
    assert {(r.severity, r.path, r.focus) for r in results} == EXPECTED_WARNINGS


def test_catalog_conforms_with_a_configured_publisher_name(catalog: Graph) -> None:
    named = catalog_graph(IRIS, SITE, MODIFIED, publisher_name="Beispiel e. V.")
    assert violations(check(named, repaired=True)) == []


def _without(graph: Graph, predicate: URIRef, subject: URIRef | None = None) -> Graph:
    graph.remove((subject, predicate, None))
    return graph


# The shapes really bite: each broken catalog gets the named result (one invalid example per rule).
BROKEN = [
    ("distribution-without-licence",
     lambda g: _without(g, DCTERMS.license, IRIS.distribution(RDF_FORMATS[0])),
     "Violation", "MUSS eine dcterms:license haben"),
    ("dataset-without-title", lambda g: _without(g, DCTERMS.title, IRIS.dataset), "Violation", "dcterms:title"),
    ("theme-outside-the-eu-list",
     lambda g: g.add((IRIS.dataset, ns.DCAT.theme, URIRef("http://example.org/theme/housing"))),
     "Violation", "dcat:theme MUSS folgendes Vokabular"),
    ("licence-outside-the-list",
     lambda g: g.set((IRIS.distribution(RDF_FORMATS[0]), DCTERMS.license,
                      URIRef("https://creativecommons.org/licenses/by/4.0/"))),
     "Warning", "dcterms:license SOLL folgendes Vokabular"),
    ("media-type-not-iana",
     lambda g: g.set((IRIS.distribution(RDF_FORMATS[0]), ns.DCAT.mediaType, URIRef("http://example.org/turtle"))),
     "Violation", "dcat:mediaType MUSS"),
    ("service-without-endpoint", lambda g: _without(g, ns.DCAT.endpointURL, IRIS.service), "Violation",
     "dcat:endpointURL"),
]


@pytest.mark.parametrize(("name", "breaks", "severity", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_the_shapes_find_a_broken_catalog(catalog: Graph, name: str, breaks: object, severity: str,
                                          message: str) -> None:
    breaks(catalog)  # type: ignore[operator]
    results = check(catalog, repaired=True)
    assert any(r.severity == severity and message in r.message for r in results), results


# known defects of the official files: each test asserts the defect as it is today ---------------------------


@pytest.mark.parametrize("name", FILES_WITH_WRONG_DCATAP)
def test_defect_three_de_files_declare_the_wrong_dcatap_namespace(name: str) -> None:
    """DCAT-AP's namespace is http://data.europa.eu/r5r/ (dcat-ap-SHACL-DE.ttl and every example use it);
    these three files say r5r#. When upstream fixes this, this test fails: drop the in-memory repair."""
    assert _declared_dcatap(name) == WRONG_DCATAP.strip("<>")
    assert _declared_dcatap("dcat-ap-SHACL-DE.ttl") == str(DCATAP) == "http://data.europa.eu/r5r/"


def _declared_dcatap(name: str) -> str:
    graph = Graph().parse(DATA / "shapes" / name, format="turtle")
    return str(dict(graph.namespaces())["dcatap"])


def test_defect_published_shapes_miss_a_wrong_availability_code(catalog: Graph) -> None:
    """Because of the r5r# prefix, the published shapes accept any dcatap:availability; only the repaired
    ones reject a code outside the EU planned-availability list."""
    catalog.add((IRIS.distribution(RDF_FORMATS[0]), DCATAP.availability, URIRef("http://example.org/forever")))
    assert not any("dcatap:availability" in r.message for r in check(catalog, repaired=False))
    assert any("dcatap:availability MUSS folgendes Vokabular" in r.message
               for r in violations(check(catalog, repaired=True)))


def test_defect_semic_shape_rejects_the_wkt_literal_geometry_dcat_ap_de_recommends(catalog: Graph) -> None:
    """DCAT-AP.de recommends a WKT literal for locn:geometry (spec, 'Standort: Geometrie'; Konvention 06);
    the SEMIC 3.0.0 shape, which dcat-ap-SHACL-DE.ttl leaves on, demands an IRI or blank node. The catalog
    states no geometry, so it is not affected."""
    location = URIRef("http://example.org/ort/herne")
    catalog.add((IRIS.dataset, DCTERMS.spatial, location))
    catalog.add((location, RDF.type, DCTERMS.Location))
    catalog.add((location, LOCN.geometry, Literal("POINT(7.22 51.54)", datatype=GEO.wktLiteral)))
    assert any(r.path == str(LOCN.geometry) and "Blank Node oder eine IRI" in r.message
               for r in violations(check(catalog, repaired=True)))
    assert not any(catalog_graph(IRIS, SITE, MODIFIED).triples((None, LOCN.geometry, None)))


def test_quirk_the_shapes_need_the_entailed_dcat_resource_type(catalog: Graph) -> None:
    """dcat:Dataset is a subclass of dcat:Resource in DCAT, but the record's foaf:primaryTopic check
    (sh:class dcat:Resource) runs without inference and without the DCAT ontology: the catalog states the
    type. Without it, the published shapes report a Violation."""
    catalog.remove((IRIS.dataset, RDF.type, ns.DCAT.Resource))
    assert any("foaf:primaryTopic" in r.message for r in violations(check(catalog)))
