"""The core of dereferencing, on the built dataset: what a resource's RDF description holds, and the view
models of its page, the overview's index, the vocabulary page, the shapes page and the source text."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SH, SKOS

from plangraph.dataset import load_dataset, union
from plangraph.describe import (
    INCOMING,
    Linker,
    dependents,
    describe,
    is_known,
    plan_index,
    resource_view,
    shapes_view,
    sort_key,
    source_lines,
    suggestions,
    vocabulary_view,
)
from plangraph.namespaces import PG
from plangraph.resources import SOURCE_FILE, ontology_graph, shapes_graph

BASE = "https://w3id.org/plangraph/herne/"
FIELD = BASE + "wohnen-und-stadtentwicklung"
A21 = FIELD + "/massnahme/A2-1"
B22 = FIELD + "/massnahme/B2-2"
LINKER = Linker(BASE)
HAD_ROLE = URIRef("http://www.w3.org/ns/dcat#hadRole")  # not DCAT.hadRole: pytest's collection trips over DCAT


@pytest.fixture(scope="module")
def graph(dataset_file: Path) -> Graph:
    return union(load_dataset(dataset_file))


@pytest.fixture(scope="module")
def vocabulary() -> Graph:
    return ontology_graph()


def _texts(values: list) -> list[str]:
    return [v.text for v in values]


# --- the RDF description --------------------------------------------------------------------------------------------

def test_description_holds_the_resources_own_triples(graph: Graph) -> None:
    described = describe(graph, A21)
    own = list(graph.triples((URIRef(A21), None, None)))
    assert own and all(triple in described for triple in own)


def test_description_holds_the_hash_iri_dependents(graph: Graph) -> None:
    described = describe(graph, B22)
    parts = dependents(graph, B22)
    assert URIRef(B22 + "#beteiligt-awo") in parts and URIRef(B22 + "#verantwortlich-fachbereich-soziales") in parts
    for part in parts:
        assert list(graph.triples((part, None, None)))
        assert all(triple in described for triple in graph.triples((part, None, None)))
    assert (URIRef(B22 + "#beteiligt-awo"), PROV.agent, URIRef(BASE + "org/awo")) in described


def test_description_labels_what_it_links_to(graph: Graph, vocabulary: Graph) -> None:
    described = describe(graph, A21, vocabulary)
    org = URIRef(BASE + "org/fachbereich-umwelt-und-stadtplanung")
    assert (org, SKOS.prefLabel, Literal("Fachbereich Umwelt und Stadtplanung", lang="de")) in described
    goal = URIRef(FIELD + "/handlungsziel/A2")
    assert (goal, SKOS.notation, Literal("A2")) in described
    assert (goal, RDFS.label, Literal("Action goal A2", lang="en")) in described
    assert (PG.StatusInProgress, SKOS.prefLabel, Literal("in Umsetzung", lang="de")) in described  # from the ontology
    assert (URIRef("http://metadata.un.org/sdg/16.7"), SKOS.notation, Literal("16.7")) in described
    # labels only: not the whole description of what it links to
    assert not list(described.triples((goal, DCTERMS.description, None)))


def test_description_holds_incoming_links_from_the_hierarchy(graph: Graph) -> None:
    goal = URIRef(FIELD + "/handlungsziel/B2")
    described = describe(graph, str(goal))
    measures = {s for s in described.subjects(PG.servesGoal, goal)}
    assert measures == {URIRef(FIELD + f"/massnahme/B2-{n}") for n in (1, 2, 3)}
    assert (URIRef(FIELD + "/massnahme/B2-1"), RDFS.label, Literal("Maßnahme B2.1", lang="de")) in described
    guiding = describe(graph, FIELD + "/leitziel/A")
    assert len(set(guiding.subjects(PG.subGoalOf, URIRef(FIELD + "/leitziel/A")))) == 3


@pytest.mark.parametrize(("iri", "prop", "source"), [
    (BASE + "org/fachbereich-soziales", PROV.wasAttributedTo, B22),
    (BASE + "zielgruppe/menschen-mit-fluchterfahrung", DCTERMS.audience, B22),
    (BASE + "zielgruppe/menschen-mit-fluchterfahrung", SKOS.broader,
     BASE + "zielgruppe/menschen-mit-fluchterfahrung-in-den-staedtischen-fluechtlingsunterkuenften"),
    (BASE + "ort/stadtbezirk-wanne", URIRef("http://www.opengis.net/ont/geosparql#sfWithin"), BASE + "ort/wanne-sued"),
    (BASE + "ort/wanne-sued", DCTERMS.spatial, A21),
    (BASE + "programm/wohnungsmanagement", PG.withinProgramme, B22),
    (FIELD, PG.inField, FIELD + "/leitziel/B"),
])
def test_description_holds_incoming_links_from_measures(graph: Graph, iri: str, prop: URIRef, source: str) -> None:
    assert prop in INCOMING
    assert (URIRef(source), prop, URIRef(iri)) in describe(graph, iri)


def test_description_leaves_out_other_incoming_links(graph: Graph) -> None:
    # events point at measures with prov:hadPlan from hash IRIs of their own: not part of the measure's description
    described = describe(graph, A21)
    assert not list(described.triples((None, PROV.hadPlan, URIRef(A21))))


def test_known_iris(graph: Graph) -> None:
    assert is_known(graph, A21)
    assert is_known(graph, BASE + "graph/plan")
    assert is_known(graph, BASE + "quelle/integrationskonzept-wohnen")
    assert not is_known(graph, BASE + "wohnen-und-stadtentwicklung/massnahme/Z9-9")
    assert not is_known(graph, BASE + "org")


def test_suggestions_for_unknown_iris(graph: Graph) -> None:
    known = sorted({str(s).partition("#")[0] for s in graph.subjects() if isinstance(s, URIRef)})
    under = suggestions(known, BASE + "ort/", BASE)
    assert under and all(s.startswith(BASE + "ort/") for s in under)
    assert suggestions(known, FIELD + "/massnahme/a2-1", BASE)[0] == A21  # case slips
    assert suggestions(known, "https://example.org/x", BASE) == []


# --- links ----------------------------------------------------------------------------------------------------------

def test_linker_points_local_iris_to_local_paths() -> None:
    assert LINKER.href(A21) == "/wohnen-und-stadtentwicklung/massnahme/A2-1"
    assert LINKER.href(A21 + "#verantwortlich-x") == "/wohnen-und-stadtentwicklung/massnahme/A2-1#verantwortlich-x"
    assert LINKER.href(BASE + "quelle/integrationskonzept-wohnen#line=30,65") == \
        "/quelle/integrationskonzept-wohnen#line=30,65"
    assert LINKER.href(str(PG.Measure)) == "/def#Measure"
    assert Linker(BASE, "/app", "en").href(A21) == "/app/wohnen-und-stadtentwicklung/massnahme/A2-1?lang=en"


def test_linker_links_out_to_external_iris_only_over_http() -> None:
    assert LINKER.href("http://www.wikidata.org/entity/Q2904") == "http://www.wikidata.org/entity/Q2904"
    assert LINKER.href("http://metadata.un.org/sdg/11.1") == "http://metadata.un.org/sdg/11.1"
    for unsafe in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>x</script>",
                   "vbscript:x", "urn:isbn:123", "http://x.org/\"onmouseover=x"):
        assert LINKER.href(unsafe) is None, unsafe


def test_a_javascript_iri_in_the_data_is_no_link() -> None:
    data = Graph()
    thing = URIRef(BASE + "thing")
    data.add((thing, RDFS.label, Literal("<script>alert(1)</script>", lang="de")))
    data.add((thing, RDFS.seeAlso, URIRef("javascript:alert(1)")))
    view = resource_view(data, str(thing), "de", LINKER)
    assert view.title.text == "<script>alert(1)</script>"  # escaping is the template's job, never marked safe
    (row,) = [r for r in view.rows if r.label.iri == str(RDFS.seeAlso)]
    assert row.values[0].href is None and row.values[0].text == "javascript:alert(1)"


# --- the page of a resource -----------------------------------------------------------------------------------------

def test_measure_view(graph: Graph, vocabulary: Graph) -> None:
    view = resource_view(graph, A21, "de", LINKER, vocabulary)
    assert view.title.text == "Maßnahme A2.1"
    assert _texts(view.breadcrumbs) == ["Wohnen und Stadtentwicklung", "Leitziel A", "Handlungsziel A2"]
    assert view.breadcrumbs[-1].href == "/wohnen-und-stadtentwicklung/handlungsziel/A2"
    assert _texts(view.status) == ["in Umsetzung"]
    assert view.status_text[0].text.startswith("Laufende Stadterneuerungsmaßnahmen")
    assert _texts(view.remarks) == [
        "Neue Bürgerbeteiligungsformate sind zu entwickeln, wie z.B. Pakt für Wanne 2020 Plus"]
    rows = {row.label.text: row for row in view.rows}
    assert rows["dient dem Handlungsziel"].values[0].text == "Handlungsziel A2"  # the ontology's label
    assert rows["dient dem Handlungsziel"].label.href == "/def#servesGoal"
    assert "Wanne-Süd" in _texts(rows["Ort"].values)
    assert rows["Quelle"].values[0].text.endswith("Zeilen 31–65")
    assert [p.id for p in view.parts] == ["verantwortlich-fachbereich-umwelt-und-stadtplanung"]
    assert view.parts[0].title.text == "Fachbereich Umwelt und Stadtplanung – verantwortlich"
    incoming = {v.text for row in view.incoming for v in row.values}
    assert "Quartiersanalyse Bickern-West – verantwortlich" in incoming


def test_measure_view_in_english_falls_back_to_german(graph: Graph, vocabulary: Graph) -> None:
    view = resource_view(graph, A21, "en", LINKER, vocabulary)
    assert (view.title.text, view.title.lang) == ("Measure A2.1", "en")
    assert view.description[0].lang == "de"  # descriptions exist in German only
    assert _texts(view.status) == ["in progress"]
    assert [n.lang for n in view.notes] == ["en"] * len(view.notes)
    german_only = Graph()
    german_only.add((URIRef(BASE + "x"), RDFS.label, Literal("Nur deutsch", lang="de")))
    assert resource_view(german_only, BASE + "x", "en", LINKER).title.text == "Nur deutsch"


def test_goal_views_list_their_children(graph: Graph) -> None:
    action = resource_view(graph, FIELD + "/handlungsziel/A3", "de", LINKER)
    assert action.children_kind == "Measure"
    assert [c.notation for c in action.children] == ["A3.1", "A3.2"]
    field = resource_view(graph, FIELD, "de", LINKER)
    assert field.children_kind == "GuidingGoal" and [c.notation for c in field.children] == ["A", "B"]
    assert field.breadcrumbs == []


def test_department_view_lists_its_measures(graph: Graph) -> None:
    view = resource_view(graph, BASE + "org/fachbereich-soziales", "de", LINKER)
    assert [m.notation for m in view.measures] == ["B2.1", "B2.2", "B2.3"]
    assert _texts(view.breadcrumbs) == ["Stadt Herne"]
    # the measures are listed once, not again among the incoming links
    assert all(row.label.iri != str(PROV.wasAttributedTo) for row in view.incoming)


def test_partner_view_lists_measures_with_the_role(graph: Graph, vocabulary: Graph) -> None:
    view = resource_view(graph, BASE + "org/awo", "de", LINKER, vocabulary)
    assert [m.notation for m in view.measures] == ["B2.2"]
    assert _texts(view.measures[0].roles) == ["beteiligt"]


def test_target_group_view_includes_narrower_groups(graph: Graph) -> None:
    view = resource_view(graph, BASE + "zielgruppe/menschen-mit-fluchterfahrung", "de", LINKER)
    assert [m.notation for m in view.measures] == ["B2.1", "B2.2", "B2.3"]
    (b21,) = [m for m in view.measures if m.notation == "B2.1"]
    assert _texts(b21.via) == ["Menschen mit Fluchterfahrung in den städtischen Flüchtlingsunterkünften"]
    assert _texts(view.breadcrumbs) == ["Zielgruppen"]


def test_place_view_includes_places_within(graph: Graph) -> None:
    wanne = resource_view(graph, BASE + "ort/stadtbezirk-wanne", "de", LINKER)
    assert [m.notation for m in wanne.measures] == ["A2.1"]
    assert _texts(wanne.measures[0].via) == ["Wanne-Süd"]
    herne = resource_view(graph, BASE + "ort/herne", "de", LINKER)
    assert len(herne.measures) == 9
    assert _texts(resource_view(graph, BASE + "ort/wanne-sued", "de", LINKER).breadcrumbs) == \
        ["Herne", "Stadtbezirk Wanne"]


def test_programme_view_lists_measures_within(graph: Graph) -> None:
    view = resource_view(graph, BASE + "programm/kurs-wohnungsfuehrerschein", "de", LINKER)
    assert [m.notation for m in view.measures] == ["B2.1"]


def test_plan_index_counts_measures(graph: Graph) -> None:
    index = plan_index(graph, "de", LINKER)
    departments = {e.link.text: e.count for e in index.departments}
    assert departments["Fachbereich Soziales"] == 3 and departments["Fachbereich Umwelt und Stadtplanung"] == 5
    (herne,) = index.places
    assert herne.link.text == "Herne" and herne.count == 9
    wanne = next(e for e in herne.children if e.link.text == "Stadtbezirk Wanne")
    assert wanne.count == 1 and _texts([c.link for c in wanne.children]) == ["Wanne", "Wanne-Süd"]  # Ortsteil, area
    groups = [e.link.text for e in index.target_groups]
    assert groups == sorted(groups, key=sort_key) and "Öffentlichkeit" in groups
    assert {e.link.text for e in index.programmes} >= {"Wohnungsmanagement", "Pakt für Wanne 2020 Plus"}


# --- vocabulary, shapes, source text --------------------------------------------------------------------------------

def test_vocabulary_view_is_generated_from_the_ontology(vocabulary: Graph) -> None:
    view = vocabulary_view(vocabulary, "de", LINKER)
    classes = {t.id: t for t in view.classes}
    assert classes["Measure"].title.text == "Maßnahme" and classes["Measure"].definition is not None
    assert {t.id for t in view.properties} >= {"servesGoal", "statusText", "withinProgramme"}
    schemes = {t.id: t for t in view.schemes}
    assert {c.id for c in schemes["Roles"].members} >= {"RoleResponsible", "RolePartner"}
    assert vocabulary_view(vocabulary, "en", LINKER).classes[0].title.lang == "en"


def test_shapes_view_lists_shapes_with_their_messages(vocabulary: Graph) -> None:
    shapes = shapes_graph()
    views = {v.id: v for v in shapes_view(shapes, "de", LINKER, vocabulary)}
    measure = views["MeasureShape"]
    assert measure.targets[0].values[0].text == "Maßnahme"
    messages = [row.values[2].text for row in measure.constraints]
    expected = {str(m) for s in shapes.objects(URIRef(measure.iri), SH.property)
                for m in shapes.objects(s, SH.message) if isinstance(m, Literal) and m.language == "de"}
    assert expected and expected <= set(messages)


def test_source_lines_have_anchors_for_lines_and_cited_ranges(graph: Graph) -> None:
    document = BASE + "quelle/integrationskonzept-wohnen"
    lines = source_lines(SOURCE_FILE.read_text("utf-8"), graph, document)
    assert lines[0].number == 1 and lines[0].anchor == "line=0"
    assert "line=0,26" in lines[0].ranges
    assert "line=30,65" in lines[30].ranges
    cited = {str(o).partition("#")[2] for o in graph.objects(None, DCTERMS.source) if str(o).startswith(document + "#")}
    assert cited <= {r for line in lines for r in line.ranges}


def test_dependent_labels_name_their_role(graph: Graph, vocabulary: Graph) -> None:
    view = resource_view(graph, BASE + "org/fachbereich-umwelt-und-stadtplanung", "de", LINKER, vocabulary)
    incoming = {v.text for row in view.incoming for v in row.values}
    assert "Quartiersanalyse Elpeshof – verantwortlich" in incoming
    assert (URIRef(A21 + "#verantwortlich-fachbereich-umwelt-und-stadtplanung"), HAD_ROLE,
            PG.RoleResponsible) in graph
    assert (URIRef(A21), RDF.type, PG.Measure) in graph
