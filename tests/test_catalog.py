"""The catalog module (core, no HTTP): what the DCAT-AP.de catalog and the VoID description say, that
their IRIs do not depend on the host, and that the same input gives the same graph and the same bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF, VOID

from plangraph.canonical import render_graph
from plangraph.catalog import (
    DCATDE,
    RIGHTS_NOT_CLEARED,
    VCARD,
    CatalogIris,
    Rights,
    Site,
    catalog_graph,
    curie,
    dataset_description,
    dataset_statistics,
    graph_key,
    statistics,
    term_key,
    vocabularies,
    void_graph,
)
from plangraph.dataset import load_dataset, union
from plangraph.formats import BY_NAME, RDF_FORMATS
from plangraph.iris import Minter
from plangraph.namespaces import PG, PG_ONTOLOGY

MINTER = Minter()
IRIS = CatalogIris.of(MINTER)
SITE = Site("http://127.0.0.1:5000/")
OTHER_SITE = Site("https://plangraph.example.org/herne/")
MODIFIED = datetime(2025, 3, 10, 12, 0, 0, 123456, tzinfo=UTC)
EU = "http://publications.europa.eu/resource/authority/"


# rdflib's DCAT and XSD namespaces are used as ns.DCAT, ns.XSD: as module globals, pytest's collection probes
# them and they warn.


@pytest.fixture(scope="module")
def data(dataset_file: Path) -> Dataset:
    return load_dataset(dataset_file)


@pytest.fixture
def catalog() -> Graph:
    return catalog_graph(IRIS, SITE, MODIFIED, byte_sizes={"ttl": 1234})


def distributions(g: Graph) -> list[URIRef]:
    return sorted(o for o in g.objects(IRIS.dataset, ns.DCAT.distribution) if isinstance(o, URIRef))


# the DCAT-AP.de catalog ------------------------------------------------------------------------------------


def test_iris_are_minted_under_the_base() -> None:
    base = MINTER.base
    assert IRIS.catalog == URIRef(base + "katalog")
    assert IRIS.dataset == URIRef(base + "datensatz/integrationskonzept-wohnen")
    assert IRIS.distribution(BY_NAME["ttl"]) == URIRef(base + "datensatz/integrationskonzept-wohnen/distribution/ttl")
    assert IRIS.service == URIRef(base + "dienst/sparql")
    other = CatalogIris.of(Minter("https://data.example.org/stadt/"))
    assert other.dataset == URIRef("https://data.example.org/stadt/datensatz/integrationskonzept-wohnen")


def test_catalog_lists_the_dataset_the_service_and_a_record(catalog: Graph) -> None:
    assert (IRIS.catalog, RDF.type, ns.DCAT.Catalog) in catalog
    assert set(catalog.objects(IRIS.catalog, ns.DCAT.dataset)) == {IRIS.dataset}
    assert set(catalog.objects(IRIS.catalog, ns.DCAT.service)) == {IRIS.service}
    assert set(catalog.objects(IRIS.catalog, ns.DCAT.themeTaxonomy)) == {URIRef(EU + "data-theme")}
    record = catalog.value(IRIS.catalog, ns.DCAT.record)
    assert catalog.value(record, FOAF.primaryTopic) == IRIS.dataset
    assert catalog.value(record, DCTERMS.conformsTo) == URIRef("https://www.dcat-ap.de/def/dcatde/3.0/spec/")


def test_dataset_says_what_dcat_ap_de_asks(catalog: Graph) -> None:
    d = IRIS.dataset
    assert {t.language for t in catalog.objects(d, DCTERMS.title)} == {"de", "en"}
    assert {t.language for t in catalog.objects(d, DCTERMS.description)} == {"de", "en"}
    assert set(catalog.objects(d, ns.DCAT.theme)) == {URIRef(EU + "data-theme/SOCI"), URIRef(EU + "data-theme/REGI")}
    assert URIRef(EU + "language/DEU") in set(catalog.objects(d, DCTERMS.language))
    herne = URIRef("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05916000")
    assert catalog.value(d, DCTERMS.spatial) == herne
    assert catalog.value(d, DCATDE.politicalGeocodingLevelURI) == URIRef(
        "http://dcat-ap.de/def/politicalGeocoding/Level/municipality")
    assert (d, DCATDE.politicalGeocodingURI, None) not in catalog  # deprecated in DCAT-AP.de 3.0
    assert catalog.value(d, DCTERMS.accessRights) == URIRef(EU + "access-right/PUBLIC")
    assert len(list(catalog.objects(d, ns.DCAT.keyword))) >= 3


def test_publisher_is_the_operator_not_the_city(catalog: Graph) -> None:
    publisher = catalog.value(IRIS.dataset, DCTERMS.publisher)
    assert publisher == IRIS.publisher == catalog.value(IRIS.catalog, DCTERMS.publisher)
    assert publisher != MINTER.organisation("Stadt Herne")
    assert (publisher, RDF.type, FOAF.Agent) in catalog
    assert Literal("Betreiber dieser plangraph-Instanz", lang="de") in set(catalog.objects(publisher, FOAF.name))
    named = catalog_graph(IRIS, SITE, MODIFIED, publisher_name="Beispiel e. V.")
    assert set(named.objects(IRIS.publisher, FOAF.name)) == {Literal("Beispiel e. V.")}


def test_contact_point_is_a_url_of_this_instance(catalog: Graph) -> None:
    contact = catalog.value(IRIS.dataset, ns.DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in catalog
    assert catalog.value(contact, VCARD.hasURL) == URIRef(SITE.root)
    assert (contact, VCARD.hasEmail, None) not in catalog  # no invented address


def test_one_distribution_per_dump_format(catalog: Graph) -> None:
    found = distributions(catalog)
    assert found == sorted(IRIS.distribution(fmt) for fmt in RDF_FORMATS)
    for fmt in RDF_FORMATS:
        dist = IRIS.distribution(fmt)
        url = URIRef(f"{SITE.root}downloads/herne{fmt.suffix}")
        # Konvention 39: a direct download has the same URL as downloadURL and accessURL
        assert catalog.value(dist, ns.DCAT.downloadURL) == catalog.value(dist, ns.DCAT.accessURL) == url
        assert catalog.value(dist, ns.DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/"
                                                             + fmt.media_type)
        assert str(catalog.value(dist, DCTERMS.format)).startswith(EU + "file-type/")
        assert catalog.value(dist, DCTERMS.modified) == Literal(MODIFIED.replace(microsecond=0))
    formats = {str(catalog.value(d, DCTERMS.format)).rsplit("/", 1)[-1] for d in found}
    assert formats == {"RDF_TURTLE", "RDF_TRIG", "RDF_N_TRIPLES", "RDF_N_QUADS", "JSON_LD", "RDF_XML"}
    assert catalog.value(IRIS.distribution(BY_NAME["ttl"]), ns.DCAT.byteSize) == Literal(
        1234, datatype=ns.XSD.nonNegativeInteger)


def test_every_distribution_has_the_honest_licence_and_says_why(catalog: Graph) -> None:
    closed = URIRef("http://dcat-ap.de/def/licenses/other-closed")
    assert RIGHTS_NOT_CLEARED.license == closed
    for dist in distributions(catalog):
        assert catalog.value(dist, DCTERMS.license) == closed
        rights = catalog.value(dist, DCTERMS.rights)
        assert (rights, RDF.type, DCTERMS.RightsStatement) in catalog
        assert {t.language for t in catalog.objects(rights, DCTERMS.description)} == {"de", "en"}
    assert catalog.value(IRIS.service, DCTERMS.license) == closed
    assert not any(str(o).endswith("/") for o in catalog.objects(None, DCTERMS.license))


def test_a_cleared_licence_replaces_the_statement() -> None:
    open_licence = URIRef("http://dcat-ap.de/def/licenses/dl-by-de/2.0")
    g = catalog_graph(IRIS, SITE, MODIFIED, Rights(open_licence))
    assert {g.value(d, DCTERMS.license) for d in distributions(g)} == {open_licence}
    assert not any(g.triples((None, DCTERMS.rights, None)))


def test_service_is_the_sparql_endpoint(catalog: Graph) -> None:
    s = IRIS.service
    assert (s, RDF.type, ns.DCAT.DataService) in catalog
    assert catalog.value(s, ns.DCAT.endpointURL) == URIRef(SITE.root + "sparql")
    assert catalog.value(s, ns.DCAT.servesDataset) == IRIS.dataset
    assert catalog.value(s, DCTERMS.conformsTo) == URIRef("https://www.w3.org/TR/sparql11-protocol/")
    assert catalog.value(s, DCTERMS.publisher) == IRIS.publisher


def test_only_urls_depend_on_the_host() -> None:
    here, there = catalog_graph(IRIS, SITE, MODIFIED), catalog_graph(IRIS, OTHER_SITE, MODIFIED)
    assert set(here.subjects()) == set(there.subjects())
    assert all(not str(s).startswith(SITE.root) for s in here.subjects())
    moved = {(s, p, URIRef(str(o).replace(SITE.root, OTHER_SITE.root)) if isinstance(o, URIRef) else o)
             for s, p, o in here}
    assert moved == set(there)


def test_catalog_is_deterministic() -> None:
    first, second = catalog_graph(IRIS, SITE, MODIFIED), catalog_graph(IRIS, SITE, MODIFIED)
    assert isomorphic(first, second)
    assert not any(isinstance(term, BNode) for triple in first for term in triple)  # stable IRIs only
    for fmt in (BY_NAME[n] for n in ("ttl", "nt", "jsonld", "rdfxml")):
        assert render_graph(first, fmt) == render_graph(second, fmt)


def test_catalog_holds_no_plan_data(catalog: Graph, data: Dataset) -> None:
    """The DCAT graph is validated on its own (DCAT-AP.de shapes must not judge the plan's attributions)."""
    assert not set(catalog.subjects()) & set(union(data).subjects())


def test_dataset_description_is_the_dataset_part(catalog: Graph) -> None:
    part = dataset_description(catalog, IRIS)
    subjects = set(part.subjects())
    assert IRIS.dataset in subjects and IRIS.publisher in subjects and IRIS.contact in subjects
    assert set(distributions(catalog)) <= subjects
    assert IRIS.catalog not in subjects and IRIS.service not in subjects
    assert all(triple in catalog for triple in part)


# VoID -------------------------------------------------------------------------------------------------------


def test_statistics_of_a_small_graph() -> None:
    g = Graph()
    a, b, c = (URIRef(f"http://example.org/{x}") for x in "abc")
    g.add((a, RDF.type, PG.Measure))
    g.add((b, RDF.type, PG.Measure))
    g.add((b, RDF.type, PG.ActionGoal))
    g.add((a, PG.servesGoal, b))
    g.add((c, DCTERMS.title, Literal("c")))
    stats = statistics(g)
    assert (stats.triples, stats.subjects, stats.objects, stats.properties, stats.classes) == (5, 3, 4, 3, 2)
    assert dict(stats.entities) == {PG.ActionGoal: 1, PG.Measure: 2}


def test_void_describes_the_whole_dataset_and_each_named_graph(data: Dataset) -> None:
    stats = dataset_statistics(data, union(data))
    g = void_graph(stats, IRIS, SITE, MODIFIED)
    d = IRIS.dataset
    assert (d, RDF.type, VOID.Dataset) in g
    assert g.value(d, VOID.triples) == Literal(len(union(data)))
    assert g.value(d, VOID.uriSpace) == Literal(MINTER.base)
    assert g.value(d, VOID.sparqlEndpoint) == URIRef(SITE.root + "sparql")
    assert set(g.objects(d, VOID.dataDump)) == {URIRef(f"{SITE.root}downloads/herne{f.suffix}") for f in RDF_FORMATS}
    subsets = set(g.objects(d, VOID.subset))
    named = {g.identifier for g in data.graphs() if len(g)}
    assert MINTER.graph("plan") in subsets and MINTER.graph("curated") in subsets
    assert subsets == named
    for name in subsets:
        assert g.value(name, VOID.triples) == Literal(len(data.graph(name)))
    measure = IRIS.class_partition("", PG.Measure)
    assert (d, VOID.classPartition, measure) in g
    assert g.value(measure, VOID["class"]) == PG.Measure
    assert g.value(measure, VOID.entities) == Literal(9)  # the nine measures of the field of action
    vocabs = set(g.objects(d, VOID.vocabulary))
    assert URIRef(PG_ONTOLOGY) in vocabs and URIRef("http://www.w3.org/2004/02/skos/core") in vocabs
    assert not any(str(v).startswith(MINTER.base) for v in vocabs)
    assert isomorphic(g, void_graph(stats, IRIS, SITE, MODIFIED))
    assert render_graph(g, BY_NAME["ttl"]) == render_graph(void_graph(stats, IRIS, SITE, MODIFIED), BY_NAME["ttl"])


def test_keys_and_vocabularies() -> None:
    assert term_key(PG.Measure) == "pg-Measure" and curie(PG.Measure) == "pg:Measure"
    odd = URIRef("http://example.org/x#A")
    assert curie(odd) == str(odd) and term_key(odd).startswith("iri-") and term_key(odd) == term_key(odd)
    assert graph_key(MINTER.graph("plan"), MINTER.base) == "graph-plan"
    assert IRIS.class_partition("graph-plan", PG.Measure) == URIRef(
        MINTER.base + "datensatz/integrationskonzept-wohnen/void/graph-plan/klasse/pg-Measure")
    found = vocabularies([PG.Measure, DCTERMS.title, URIRef(MINTER.base + "x#prop")], MINTER.base)
    assert found == [URIRef("http://purl.org/dc/terms/"), URIRef(PG_ONTOLOGY)]
