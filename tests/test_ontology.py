"""The plangraph vocabulary (ontology/plangraph.ttl) against docs/data-model.md and the files that use it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, VANN
from rdflib.term import Node

import plangraph
from plangraph import resources
from plangraph.iris import DEFAULT_BASE_IRI
from plangraph.namespaces import GEO, ORG, PG, PG_ONTOLOGY

ONTOLOGY = URIRef(PG_ONTOLOGY)
DCAT_ROLE = URIRef("http://www.w3.org/ns/dcat#Role")  # not DCAT: pytest trips its warnings
XSD_STRING, XSD_BOOLEAN = (URIRef(f"http://www.w3.org/2001/XMLSchema#{t}") for t in ("string", "boolean"))  # nor XSD
FIBO = "https://spec.edmcouncil.org/fibo/ontology/FND/GoalsAndObjectives/Objectives/"
# (text property, domain): a class, or the members of the owl:unionOf it names (the vocabulary avoids blank nodes,
# which would make the built dataset differ from build to build: a shared superclass names both)
TEXT_PROPERTIES = [
    (PG.statusText, PROV.Entity),  # of measures (prov:Plan ⊑ prov:Entity) and status reports
    (PG.remark, PROV.Entity),
    (PG.targetGroupText, PG.Measure),
    (PG.responsibleText, PG.Measure),
]
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
DECLARING_TYPES = (OWL.Class, RDFS.Class, *PROPERTY_TYPES, SKOS.ConceptScheme, SKOS.Concept)

# docs/data-model.md, "Terms the vocabulary defines": (term, type, the standard term it specialises)
CLASSES = [
    (PG.ActionPlan, PROV.Plan),
    (PG.FieldOfAction, SKOS.Concept),
    (PG.Goal, PROV.Entity),
    (PG.GuidingGoal, PG.Goal),
    (PG.ActionGoal, PG.Goal),
    (PG.Measure, PROV.Plan),
    (PG.Programme, PROV.Plan),
    (PG.StatusReport, PROV.Entity),
    (PG.TextCorrection, PROV.Entity),
    (PG.Submission, PROV.Activity),
    (PG.District, GEO.Feature),
    (PG.Locality, GEO.Feature),
    (PG.Quarter, GEO.Feature),
]
# (property, domain, range, super-property or None); a range of several classes is their owl:unionOf
OBJECT_PROPERTIES = [
    (PG.inPlan, PG.FieldOfAction, PG.ActionPlan, DCTERMS.isPartOf),
    (PG.inField, PG.GuidingGoal, PG.FieldOfAction, DCTERMS.isPartOf),
    (PG.subGoalOf, PG.ActionGoal, PG.GuidingGoal, DCTERMS.isPartOf),
    (PG.servesGoal, PG.Measure, PG.ActionGoal, DCTERMS.relation),
    (PG.withinProgramme, PG.Measure, PG.Programme, DCTERMS.relation),
    (PG.statusOf, PG.StatusReport, PG.Measure, DCTERMS.subject),
    (PG.correctionOf, PG.TextCorrection, PROV.Entity, DCTERMS.subject),  # goals and measures
    (PG.correctedProperty, PG.TextCorrection, RDF.Property, None),
]
# (property, domain, range) of the datatype properties that are not verbatim texts
DATA_PROPERTIES = [
    (PG.idempotencyKey, PG.Submission, XSD_STRING),
    (PG.districtVerified, GEO.Feature, XSD_BOOLEAN),
]
# (concept, scheme, German label, English label)
CONCEPTS = [
    (PG.RoleResponsible, PG.Roles, "verantwortlich", "responsible"),
    (PG.RoleFramework, PG.Roles, "im Rahmen von", "framework"),
    (PG.RolePartner, PG.Roles, "beteiligt", "partner"),
    (PG.RoleFunder, PG.Roles, "Fördergeber", "funder"),
    (PG.RoleDecisionBody, PG.Roles, "Beschlussgremium", "decision body"),
    (PG.StatusPlanned, PG.MeasureStatuses, "geplant", "planned"),
    (PG.StatusInPreparation, PG.MeasureStatuses, "in Vorbereitung", "in preparation"),
    (PG.StatusInProgress, PG.MeasureStatuses, "in Umsetzung", "in progress"),
    (PG.StatusCompleted, PG.MeasureStatuses, "umgesetzt", "completed"),
    (PG.StatusContinuous, PG.MeasureStatuses, "Daueraufgabe", "continuous task"),
]


def _term_id(term: object) -> str:
    if isinstance(term, frozenset):  # the members of a union
        return "-or-".join(sorted(_term_id(member) for member in term))
    return str(term).rpartition("#")[2]


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return resources.ontology_graph()


def _class(graph: Graph, node: Node | None) -> Node | frozenset[Node] | None:
    """A named class as it is; an anonymous owl:unionOf class as the set of its members."""
    members = graph.value(node, OWL.unionOf) if isinstance(node, BNode) else None
    return frozenset(Collection(graph, members)) if members is not None else node


def _languages(graph: Graph, subject: Node, predicate: URIRef) -> set[str]:
    return {obj.language or "" for obj in graph.objects(subject, predicate) if isinstance(obj, Literal)}


def _declared_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(str(PG))}


def _is_declared(graph: Graph, term: URIRef) -> bool:
    return any((term, RDF.type, kind) in graph for kind in DECLARING_TYPES)


# --- the header --------------------------------------------------------------------------


def test_ontology_file_is_utf8_turtle() -> None:
    text = resources.ONTOLOGY_FILE.read_text(encoding="utf-8")
    assert "Maßnahme" in text and "Fördergeber" in text  # umlauts and ß, not transliterations
    Graph().parse(data=text, format="turtle")


def test_header(ontology: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    for predicate in (DCTERMS.title, DCTERMS.description):
        assert _languages(ontology, ONTOLOGY, predicate) >= {"de", "en"}, predicate
    assert ontology.value(ONTOLOGY, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert ontology.value(ONTOLOGY, OWL.versionIRI) == URIRef(f"{PG_ONTOLOGY}/0.1.0")
    assert ontology.value(ONTOLOGY, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(ONTOLOGY, VANN.preferredNamespacePrefix) == Literal("pg")
    assert ontology.value(ONTOLOGY, VANN.preferredNamespaceUri) == Literal(str(PG))
    assert ontology.value(ONTOLOGY, DCTERMS.creator) == Literal("plangraph")
    assert ontology.value(ONTOLOGY, DCTERMS.publisher) == Literal("plangraph")


def test_version_matches_the_package(ontology: Graph) -> None:
    assert str(ontology.value(ONTOLOGY, OWL.versionInfo)) == plangraph.__version__
    assert str(ontology.value(ONTOLOGY, OWL.versionIRI)).endswith(f"/{plangraph.__version__}")


def test_header_points_to_the_standards_it_reuses(ontology: Graph) -> None:
    see_also = {str(o) for o in ontology.objects(ONTOLOGY, RDFS.seeAlso)}
    for standard in (
        str(ORG),
        "http://www.w3.org/2004/02/skos/core",
        str(DCTERMS),
        "http://www.w3.org/ns/prov-o#",
    ):
        assert standard in see_also, standard


# --- every term --------------------------------------------------------------------------


def test_every_term_has_labels_and_definitions_in_german_and_english(ontology: Graph) -> None:
    terms = _declared_terms(ontology)
    assert len(terms) >= 28
    for term in sorted(terms):
        is_skos = any((term, RDF.type, kind) in ontology for kind in (SKOS.Concept, SKOS.ConceptScheme))
        label = SKOS.prefLabel if is_skos else RDFS.label
        assert _languages(ontology, term, label) == {"de", "en"}, f"{term}: {label} @de and @en"
        assert _languages(ontology, term, SKOS.definition) == {"de", "en"}, f"{term}: skos:definition"
        assert ontology.value(term, RDFS.isDefinedBy) == ONTOLOGY, f"{term}: rdfs:isDefinedBy the ontology"


def test_every_property_has_domain_and_range(ontology: Graph) -> None:
    typed = {s for kind in PROPERTY_TYPES for s in ontology.subjects(RDF.type, kind)}
    properties = typed & _declared_terms(ontology)
    assert properties
    for prop in sorted(properties):
        assert ontology.value(prop, RDFS.domain) is not None, f"{prop}: rdfs:domain"
        assert ontology.value(prop, RDFS.range) is not None, f"{prop}: rdfs:range"


@pytest.mark.parametrize(("term", "parent"), CLASSES, ids=_term_id)
def test_class(ontology: Graph, term: URIRef, parent: URIRef) -> None:
    assert (term, RDF.type, OWL.Class) in ontology
    assert (term, RDFS.subClassOf, parent) in ontology


@pytest.mark.parametrize(("prop", "domain", "range_", "parent"), OBJECT_PROPERTIES, ids=_term_id)
def test_object_property(
    ontology: Graph, prop: URIRef, domain: URIRef, range_: URIRef | frozenset[URIRef], parent: URIRef | None
) -> None:
    assert (prop, RDF.type, OWL.ObjectProperty) in ontology
    assert ontology.value(prop, RDFS.domain) == domain
    assert _class(ontology, ontology.value(prop, RDFS.range)) == range_
    assert set(ontology.objects(prop, RDFS.subPropertyOf)) == ({parent} if parent else set())


@pytest.mark.parametrize(("prop", "domain"), TEXT_PROPERTIES, ids=_term_id)
def test_text_property(ontology: Graph, prop: URIRef, domain: URIRef | frozenset[URIRef]) -> None:
    assert (prop, RDF.type, OWL.DatatypeProperty) in ontology
    assert _class(ontology, ontology.value(prop, RDFS.domain)) == domain
    assert ontology.value(prop, RDFS.range) == RDF.langString
    assert (prop, RDFS.subPropertyOf, SKOS.note) in ontology


@pytest.mark.parametrize(("prop", "domain", "range_"), DATA_PROPERTIES, ids=_term_id)
def test_data_property(ontology: Graph, prop: URIRef, domain: URIRef, range_: URIRef) -> None:
    assert (prop, RDF.type, OWL.DatatypeProperty) in ontology
    assert ontology.value(prop, RDFS.domain) == domain
    assert ontology.value(prop, RDFS.range) == range_


def test_goals_are_aligned_with_fibo_by_annotation_only(ontology: Graph) -> None:
    assert (PG.GuidingGoal, RDFS.seeAlso, URIRef(FIBO + "Goal")) in ontology
    assert (PG.ActionGoal, RDFS.seeAlso, URIRef(FIBO + "Objective")) in ontology
    assert not any(str(o).startswith(FIBO) for o in ontology.objects(None, RDFS.subClassOf))


@pytest.mark.parametrize(("concept", "scheme", "de", "en"), CONCEPTS, ids=_term_id)
def test_concept(ontology: Graph, concept: URIRef, scheme: URIRef, de: str, en: str) -> None:
    assert (scheme, RDF.type, SKOS.ConceptScheme) in ontology
    assert (concept, RDF.type, SKOS.Concept) in ontology
    assert (concept, RDF.type, OWL.NamedIndividual) in ontology
    assert (concept, SKOS.inScheme, scheme) in ontology
    assert (concept, SKOS.prefLabel, Literal(de, lang="de")) in ontology
    assert (concept, SKOS.prefLabel, Literal(en, lang="en")) in ontology
    if scheme == PG.Roles:
        assert (concept, RDF.type, DCAT_ROLE) in ontology


def test_schemes_hold_exactly_the_listed_concepts(ontology: Graph) -> None:
    for scheme in (PG.Roles, PG.MeasureStatuses):
        listed = {c for c, s, _, _ in CONCEPTS if s == scheme}
        assert set(ontology.subjects(SKOS.inScheme, scheme)) == listed, scheme


def test_no_foreign_term_is_redeclared(ontology: Graph) -> None:
    typed = {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}
    foreign = typed - _declared_terms(ontology)
    assert foreign == {ONTOLOGY}, sorted(foreign)


# --- the terms other files use -----------------------------------------------------------


def _files_using_the_vocabulary() -> list[Path]:
    paths = [*resources.shape_files(), *sorted(resources.CURATED_DIR.glob("*.ttl")), resources.DATASET_FILE]
    return [path for path in paths if path.is_file()]


def _load(path: Path) -> Graph:
    if path.suffix == ".trig":
        dataset = Dataset()
        dataset.parse(path, format="trig")
        graph = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    return Graph().parse(path, format="turtle", publicID=DEFAULT_BASE_IRI)  # curated files use relative IRIs


def _shape_iris(graph: Graph) -> set[Node]:
    """The shapes and SPARQL constraints a shapes file mints: they are not vocabulary terms."""
    minted: set[Node] = set(graph.subjects(RDF.type, SH.NodeShape))
    minted |= set(graph.subjects(RDF.type, SH.PropertyShape))
    for predicate in (SH.property, SH.sparql, SH.node, SH.qualifiedValueShape):
        minted |= set(graph.objects(None, predicate))
    minted |= set(graph.subjects(SH.path, None)) | set(graph.subjects(SH.select, None))
    return minted


@pytest.mark.parametrize(
    "path", _files_using_the_vocabulary(), ids=lambda p: str(p.relative_to(resources.PROJECT_ROOT))
)
def test_every_pg_term_used_is_declared(ontology: Graph, path: Path) -> None:
    graph = _load(path)
    minted = _shape_iris(graph)
    used = {
        node
        for triple in graph
        for node in triple
        if isinstance(node, URIRef) and node.startswith(str(PG)) and node not in minted
    }
    undeclared = sorted(str(term) for term in used if not _is_declared(ontology, term))
    assert not undeclared, f"{path.name} uses pg: terms the ontology does not declare: {undeclared}"


def test_the_shapes_file_is_checked() -> None:
    assert resources.shape_files(), "no shapes/*.ttl"
