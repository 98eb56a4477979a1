"""Entries from form fields (plangraph.entries): each kind built against a store holding the published dataset,
the values that name nothing reported next to their field, and what is built accepted by the shapes and the
plan rules (plangraph.checks)."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from plangraph import resources
from plangraph.checks import check_entry
from plangraph.entries import (
    CORRECTION_FIELDS,
    KINDS,
    MEASURE_FIELDS,
    NO_FOCUS,
    STATUS_FIELDS,
    Entry,
    build_entry,
    correctable,
    parse_date,
)
from plangraph.iris import Minter
from plangraph.namespaces import ADMS, PG
from plangraph.publish import ensure_published
from plangraph.store.memory import MemoryStore

BASE = "https://w3id.org/plangraph/herne/"
FIELD = f"{BASE}wohnen-und-stadtentwicklung/"
B2 = URIRef(f"{FIELD}handlungsziel/B2")
B2_2 = URIRef(f"{FIELD}massnahme/B2-2")
B2_4 = URIRef(f"{FIELD}massnahme/B2-4")
SOZIALES = URIRef(f"{BASE}org/fachbereich-soziales")
TODAY = date(2026, 11, 24)
MINTER = Minter(BASE)
PREFIXES = """@prefix pg: <https://w3id.org/plangraph/def#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix adms: <http://www.w3.org/ns/adms#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix dcat: <http://www.w3.org/ns/dcat#> .
"""


@pytest.fixture
def store(published_memory_store: MemoryStore) -> MemoryStore:
    """The published dataset, shared: tests that change the store make their own."""
    return published_memory_store


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def messages(entry: Entry, field: str) -> list[str]:
    return [f"{p.messages['de']} | {p.messages['en']}" for p in entry.problems if p.field == field]


# --- the fields -----------------------------------------------------------------------------------------------

def test_every_kind_has_its_fields_with_labels_and_help_in_both_languages() -> None:
    assert set(KINDS) == {"measure", "status", "correction"}
    assert [f.column for f in MEASURE_FIELDS] == ["Handlungsziel", "Maßnahme", "Text", "Verantwortlich", "Zielgruppe",
                                                  "Status", "Bemerkungen", "Orte"]
    assert [f.name for f in STATUS_FIELDS] == ["measure", "date", "status_category", "status", "remarks"]
    assert [f.name for f in CORRECTION_FIELDS] == ["target", "property", "text", "reason"]
    for fields in KINDS.values():
        assert len({f.name for f in fields}) == len(fields)
        for f in fields:
            assert set(f.label) == set(f.help) == {"de", "en"}, f.name
            assert f.input_kind in ("text", "textarea", "date", "select")


# --- a status report ------------------------------------------------------------------------------------------

def test_a_status_update_for_b2_2_builds_the_report(store: MemoryStore, shapes: Graph) -> None:
    entry = build_entry("status", {"measure": "B2.2", "date": "2026-11-24", "status_category": "in Umsetzung",
                                   "status": "  Im Jahr 2026 zogen rund 120 Personen in privaten Wohnraum.\n",
                                   "remarks": "Die Zahlen stammen aus dem Wohnungsmanagement."},
                        store, MINTER, TODAY)
    assert entry.problems == []
    assert entry.focus == URIRef(f"{B2_2}#status-2026-11-24")
    assert isomorphic(entry.graph, turtle(f"""<{B2_2}#status-2026-11-24> a pg:StatusReport ;
        pg:statusOf <{B2_2}> ; dcterms:date "2026-11-24"^^xsd:date ;
        pg:statusText "Im Jahr 2026 zogen rund 120 Personen in privaten Wohnraum."@de ;
        adms:status pg:StatusInProgress ; pg:remark "Die Zahlen stammen aus dem Wohnungsmanagement."@de ."""))
    assert entry.fields[PG.statusText] == "status" and entry.fields[ADMS.status] == "status_category"
    assert check_entry(store, entry.graph, shapes, TODAY).conforms


def test_a_status_report_takes_the_measure_by_iri_and_is_dated_today_by_default(store: MemoryStore) -> None:
    entry = build_entry("status", {"measure": str(B2_2), "status": "Läuft.", "status_category": "In Progress",
                                   "remarks": ""}, store, MINTER, TODAY)
    assert entry.problems == []
    assert entry.focus == URIRef(f"{B2_2}#status-2026-11-24")
    assert entry.graph.value(entry.focus, DCTERMS.date) == Literal(TODAY)
    assert entry.graph.value(entry.focus, ADMS.status) == PG.StatusInProgress
    assert entry.graph.value(entry.focus, PG.remark) is None  # empty: no triple


@pytest.mark.parametrize("text", ["2026-02-30", "24.11.26", "gestern", "2026-11-24T10:00"])
def test_a_malformed_date_is_a_problem_of_the_date_field(store: MemoryStore, text: str) -> None:
    entry = build_entry("status", {"measure": "B2.2", "date": text, "status": "Läuft."}, store, MINTER, TODAY)
    assert messages(entry, "date") and "YYYY-MM-DD" in messages(entry, "date")[0]
    assert entry.focus == NO_FOCUS and len(entry.graph) == 0


def test_dates_as_german_excel_writes_them_are_read() -> None:
    assert parse_date("24.11.2026", TODAY) == date(2026, 11, 24)
    assert parse_date("1.2.2026", TODAY) == date(2026, 2, 1)
    assert parse_date("", TODAY) == TODAY
    assert parse_date("31.02.2026", TODAY) is None


def test_an_unknown_status_category_lists_the_categories(store: MemoryStore) -> None:
    entry = build_entry("status", {"measure": "B2.2", "status": "Läuft.", "status_category": "läuft"},
                        store, MINTER, TODAY)
    [message] = messages(entry, "status_category")
    assert "„in Umsetzung“" in message and '"in progress"' in message


def test_an_unknown_measure_is_a_problem_with_close_numbers(store: MemoryStore) -> None:
    entry = build_entry("status", {"measure": "B2.9", "status": "Läuft."}, store, MINTER, TODAY)
    [message] = messages(entry, "measure")
    assert "B2.9" in message and "„B2.1“" in message and "not found" in message
    assert len(entry.graph) == 0


# --- a new measure --------------------------------------------------------------------------------------------

NEW_MEASURE = {
    "goal": "B2", "number": "B2.4", "text": "Die Stadtverwaltung bietet eine Sprechstunde zur Wohnungssuche an.",
    "responsible": "Fachbereich Soziales", "target_groups": "Menschen mit Fluchterfahrung;\nwohnungssuchende",
    "status": "geplant", "remarks": "Sprechstunde montags.", "places": "Herne",
}


def test_a_new_measure_builds_every_triple_of_the_contract(store: MemoryStore, shapes: Graph) -> None:
    entry = build_entry("measure", NEW_MEASURE, store, MINTER, TODAY)
    assert entry.problems == []
    assert entry.focus == B2_4
    attribution = f"{B2_4}#verantwortlich-fachbereich-soziales"
    assert isomorphic(entry.graph, turtle(f"""<{B2_4}> a pg:Measure ; skos:notation "B2.4" ;
        rdfs:label "Maßnahme B2.4"@de , "Measure B2.4"@en ;
        dcterms:description "Die Stadtverwaltung bietet eine Sprechstunde zur Wohnungssuche an."@de ;
        pg:servesGoal <{B2}> ;
        prov:wasAttributedTo <{SOZIALES}> ; prov:qualifiedAttribution <{attribution}> ;
        pg:responsibleText "Fachbereich Soziales"@de ;
        dcterms:audience <{BASE}zielgruppe/menschen-mit-fluchterfahrung> , <{BASE}zielgruppe/wohnungssuchende> ;
        pg:targetGroupText "Menschen mit Fluchterfahrung;\\nwohnungssuchende"@de ;
        pg:statusText "geplant"@de ; adms:status pg:StatusPlanned ;
        pg:remark "Sprechstunde montags."@de ; dcterms:spatial <{BASE}ort/herne> .
        <{attribution}> a prov:Attribution ; prov:agent <{SOZIALES}> ; dcat:hadRole pg:RoleResponsible ."""))
    report = check_entry(store, entry.graph, shapes, TODAY)
    assert report.conforms, [p.messages for p in report.problems]


def test_a_status_text_sets_the_category_only_when_it_is_exactly_one(store: MemoryStore) -> None:
    entry = build_entry("measure", {**NEW_MEASURE, "status": "geplant ab 2027"}, store, MINTER, TODAY)
    assert entry.graph.value(B2_4, ADMS.status) is None
    assert entry.graph.value(B2_4, PG.statusText) == Literal("geplant ab 2027", lang="de")


def test_an_unknown_department_is_a_problem_with_a_suggestion(store: MemoryStore) -> None:
    entry = build_entry("measure", {**NEW_MEASURE, "responsible": "Fachbereich Sozial; Fachbereich Stadtentwicklung"},
                        store, MINTER, TODAY)
    [message] = messages(entry, "responsible")
    assert "„Fachbereich Sozial“ nicht gefunden" in message and "Meinten Sie „Fachbereich Soziales“" in message
    assert 'Did you mean "Fachbereich Soziales"' in message
    [problem] = entry.problems
    assert problem.value == "Fachbereich Sozial"
    # the known one is attributed; the verbatim text keeps both
    assert set(entry.graph.objects(B2_4, PROV.wasAttributedTo)) == {URIRef(f"{BASE}org/fachbereich-stadtentwicklung")}
    assert entry.graph.value(B2_4, PG.responsibleText) == Literal(
        "Fachbereich Sozial; Fachbereich Stadtentwicklung", lang="de")


def test_names_match_any_label_without_case_and_hidden_labels_too(store: MemoryStore) -> None:
    entry = build_entry("measure", {**NEW_MEASURE, "responsible": "BÜNDNIS FÜR WOHNEN\nalle Fachbereiche",
                                    "places": "stadtbezirk wanne"}, store, MINTER, TODAY)
    assert entry.problems == []
    assert set(entry.graph.objects(B2_4, PROV.wasAttributedTo)) == {
        URIRef(f"{BASE}org/herner-buendnis-fuer-wohnen"), URIRef(f"{BASE}org/stadt-herne")}
    assert set(entry.graph.objects(B2_4, DCTERMS.spatial)) == {URIRef(f"{BASE}ort/stadtbezirk-wanne")}


def test_a_place_suggests_the_names_that_contain_it(store: MemoryStore) -> None:
    entry = build_entry("measure", {**NEW_MEASURE, "places": "Bickern"}, store, MINTER, TODAY)  # "Wanne" is an Ortsteil
    [message] = messages(entry, "places")
    assert "„Bickern-West“" in message


def test_a_list_with_commas_is_told_to_use_semicolons(store: MemoryStore) -> None:
    entry = build_entry("measure", {**NEW_MEASURE, "target_groups": "Verwaltung, lokale Politik"}, store, MINTER, TODAY)
    [message] = messages(entry, "target_groups")
    assert "„;“" in message


def test_an_unknown_goal_is_a_problem_and_nothing_is_built(store: MemoryStore) -> None:
    entry = build_entry("measure", {**NEW_MEASURE, "goal": "B9"}, store, MINTER, TODAY)
    [message] = messages(entry, "goal")
    assert "Handlungsziel „B9“ nicht gefunden" in message and 'Action goal "B9" not found' in message
    assert "„B2“" in message
    assert entry.focus == NO_FOCUS and len(entry.graph) == 0


def test_without_a_goal_no_iri_can_be_minted(store: MemoryStore) -> None:
    entry = build_entry("measure", {**NEW_MEASURE, "goal": " "}, store, MINTER, TODAY)
    [message] = messages(entry, "goal")
    assert "fehlt" in message and "missing" in message
    assert entry.focus == NO_FOCUS and len(entry.graph) == 0


def test_an_ambiguous_goal_lists_the_goals_it_matches(store: MemoryStore) -> None:
    other = MemoryStore(workers=1)
    ensure_published(other, resources.DATASET_FILE)
    field, guiding, goal = (URIRef(f"{BASE}bildung"), URIRef(f"{BASE}bildung/leitziel/B"),
                            URIRef(f"{BASE}bildung/handlungsziel/B2"))
    other.replace_graph(URIRef(f"{BASE}graph/test"), [
        (field, RDF.type, PG.FieldOfAction), (field, SKOS.prefLabel, Literal("Bildung", lang="de")),
        (guiding, RDF.type, PG.GuidingGoal), (guiding, PG.inField, field),
        (goal, RDF.type, PG.ActionGoal), (goal, SKOS.notation, Literal("B2")), (goal, PG.subGoalOf, guiding)])
    entry = build_entry("measure", NEW_MEASURE, other, MINTER, TODAY)
    [message] = messages(entry, "goal")
    assert "mehrdeutig" in message and "ambiguous" in message
    assert f"<{B2}>" in message and f"<{goal}>" in message
    assert len(entry.graph) == 0
    by_iri = build_entry("measure", {**NEW_MEASURE, "goal": str(goal)}, other, MINTER, TODAY)
    assert by_iri.problems == [] and by_iri.focus == URIRef(f"{BASE}bildung/massnahme/B2-4")


@pytest.mark.parametrize("field, value", [("goal", "https://example.org/a goal"),
                                          ("responsible", "https://example.org/<org>"),
                                          ("places", 'urn:x:"place"')])
def test_iris_that_would_break_a_query_are_refused(store: MemoryStore, field: str, value: str) -> None:
    entry = build_entry("measure", {**NEW_MEASURE, field: value}, store, MINTER, TODAY)
    [message] = messages(entry, field)
    assert "keine gültige IRI" in message and "not a valid IRI" in message


def test_literals_are_nfc_stripped_and_german(store: MemoryStore) -> None:
    decomposed = unicodedata.normalize("NFD", "Beratung für Geflüchtete")
    entry = build_entry("measure", {**NEW_MEASURE, "text": f"  {decomposed}\r\n", "remarks": "   "},
                        store, MINTER, TODAY)
    assert entry.graph.value(B2_4, DCTERMS.description) == Literal("Beratung für Geflüchtete", lang="de")
    assert entry.graph.value(B2_4, PG.remark) is None


def test_a_list_of_values_is_accepted_for_a_multiple_field(store: MemoryStore) -> None:
    entry = build_entry("measure", {**NEW_MEASURE, "target_groups": ["Wohnungssuchende", "Verwaltung"]},
                        store, MINTER, TODAY)
    assert entry.problems == []
    assert len(set(entry.graph.objects(B2_4, DCTERMS.audience))) == 2
    assert entry.graph.value(B2_4, PG.targetGroupText) == Literal("Wohnungssuchende; Verwaltung", lang="de")
    single = build_entry("measure", {**NEW_MEASURE, "goal": ["B2", "B3"]}, store, MINTER, TODAY)
    assert "one value only" in messages(single, "goal")[0]


def test_validation_problems_find_their_field(store: MemoryStore) -> None:
    entry = build_entry("measure", NEW_MEASURE, store, MINTER, TODAY)
    attribution = URIRef(f"{B2_4}#verantwortlich-fachbereich-soziales")
    assert entry.field_of(B2_4, DCTERMS.audience) == "target_groups"
    assert entry.field_of(B2_4, PG.targetGroupText) == "target_groups"
    assert entry.field_of(B2_4, RDFS.label) == "number"
    assert entry.field_of(attribution, PROV.agent) == "responsible"
    assert entry.field_of(B2_4, None) == "number"  # a SPARQL constraint names no path: the number names the entry


# --- a text correction ----------------------------------------------------------------------------------------

def test_a_correction_of_a_goal_by_its_number(store: MemoryStore, shapes: Graph) -> None:
    entry = build_entry("correction", {"target": "b2", "property": "description",
                                       "text": "Bestehende Zugangsschwierigkeiten werden verringert.",
                                       "reason": "Abweichende Fassung im Plan."}, store, MINTER, TODAY)
    assert entry.problems == []
    focus = URIRef(f"{B2}#korrektur-2026-11-24-beschreibung")
    assert entry.focus == focus
    assert isomorphic(entry.graph, turtle(f"""<{focus}> a pg:TextCorrection ; pg:correctionOf <{B2}> ;
        pg:correctedProperty dcterms:description ;
        prov:value "Bestehende Zugangsschwierigkeiten werden verringert."@de ;
        rdfs:comment "Abweichende Fassung im Plan."@de ."""))
    assert check_entry(store, entry.graph, shapes, TODAY).conforms


def test_the_corrected_field_is_named_by_choice_label_column_or_iri() -> None:
    assert correctable("target_groups") == PG.targetGroupText
    assert correctable("Zielgruppe") == PG.targetGroupText
    assert correctable("bemerkungen") == PG.remark
    assert correctable("Description") == DCTERMS.description
    assert correctable(str(PG.responsibleText)) == PG.responsibleText
    assert correctable("Orte") is None


def test_a_correction_of_an_unknown_field_or_target(store: MemoryStore) -> None:
    entry = build_entry("correction", {"target": "Z9", "property": "Orte", "text": "x"}, store, MINTER, TODAY)
    assert messages(entry, "target") and "description, status, remarks" in messages(entry, "property")[0]


# --- what is not a field --------------------------------------------------------------------------------------

def test_unknown_fields_and_kinds_are_problems(store: MemoryStore) -> None:
    entry = build_entry("status", {"measure": "B2.2", "status": "Läuft.", "colour": "blau"}, store, MINTER, TODAY)
    [message] = messages(entry, "colour")
    assert "Unbekanntes Feld „colour“" in message and "measure, date, status_category, status, remarks" in message
    unknown = build_entry("programme", {}, store, MINTER, TODAY)
    assert unknown.focus == NO_FOCUS and "measure, status, correction" in messages(unknown, "kind")[0]
