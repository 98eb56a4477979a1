"""Merging pages into goals (merge), parsing list fields (lists), and the plan graph of the real source
(pipeline + plan_graph), checked against docs/data-model.md.
"""

from __future__ import annotations

import re
from dataclasses import replace

import enchant
import pytest
import rdflib.namespace
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS
from rdflib.term import Node

from plangraph import resources
from plangraph.build import load_curated
from plangraph.errors import SourceError
from plangraph.ingest.lexicon import DICTIONARY, HunspellLexicon
from plangraph.ingest.lists import (
    Group,
    Party,
    is_qualified_form,
    responsible_parties,
    split_items,
    target_groups,
)
from plangraph.ingest.merge import merge
from plangraph.ingest.pipeline import Ingested, ingest
from plangraph.ingest.plan_graph import OrganisationIndex
from plangraph.ingest.records import MeasureRecord, Text
from plangraph.iris import Minter
from plangraph.namespaces import PG

FIELD = "Wohnen und Stadtentwicklung"
MINTER = Minter()
# not `DCAT` at module level: pytest probes module globals, and rdflib's DCAT warns on unknown attributes
HAD_ROLE = rdflib.namespace.DCAT.hadRole


# --- merge ----------------------------------------------------------------------------------------

def page(notation: str, *, line: int = 1, guiding: str = "Alle wohnen gut.", action: str = "Es wird gebaut.",
         field: str = FIELD) -> MeasureRecord:
    """One measure page as records.repair_record makes it: the header at `line`, the values below it."""
    match = re.fullmatch(r"(?P<letter>[A-Z])(?P<goal>\d+)\.(?P<number>\d+)", notation)
    assert match is not None

    def at(text: str, offset: int) -> Text:
        return Text(text, line + offset, line + offset)

    return MeasureRecord(
        field_of_action=at(field, 0),
        guiding_goal=match["letter"],
        guiding_goal_text=at(guiding, 2),
        action_goal=match["letter"] + match["goal"],
        action_goal_text=at(action, 4),
        number=match["number"],
        description=at("Eine Maßnahme.", 6),
        responsible=at("Fachbereich Soziales", 7),
        target_groups=at("Familien", 8),
        status=None,
        remarks=None,
        first_line=line,
        last_line=line + 8,
    )


REMOVED = "Zugangsschwierigkeiten werden beseitigt."
REDUCED = "Zugangsschwierigkeiten werden verringert."


def test_majority_wording_is_the_description() -> None:
    plan = merge([page("B2.1", line=1, action=REDUCED), page("B2.2", line=20, action=REMOVED),
                  page("B2.3", line=40, action=REMOVED)])
    [goal] = plan.action_goals
    assert goal.description.text == REMOVED
    assert [notation for notation, _ in goal.description.occurrences] == ["B2.2", "B2.3"]


def test_other_wording_is_kept_as_a_variant_with_its_page() -> None:
    plan = merge([page("B2.1", line=1, action=REDUCED), page("B2.2", line=20, action=REMOVED),
                  page("B2.3", line=40, action=REMOVED)])
    [goal] = plan.action_goals
    [variant] = goal.variants
    assert variant.text == REDUCED
    assert variant.occurrences == (("B2.1", Text(REDUCED, 5, 5)),)


def test_tie_takes_the_first_wording() -> None:
    plan = merge([page("B2.1", line=1, action=REDUCED), page("B2.2", line=20, action=REMOVED)])
    [goal] = plan.action_goals
    assert goal.description.text == REDUCED
    assert [variant.text for variant in goal.variants] == [REMOVED]


def test_wordings_differing_only_in_line_breaks_are_one() -> None:
    plan = merge([page("B2.1", action="Zugangsschwierigkeiten werden\nbeseitigt."),
                  page("B2.2", line=20, action=REMOVED)])
    [goal] = plan.action_goals
    assert goal.description.text == REMOVED
    assert goal.variants == ()
    assert len(goal.occurrences) == 2


def test_guiding_goal_is_merged_from_every_page() -> None:
    plan = merge([page("A1.1"), page("A2.1", line=20), page("A2.2", line=40)])
    assert [(g.notation, g.parent, len(g.occurrences)) for g in plan.guiding_goals] == [("A", FIELD, 3)]
    assert [(g.notation, g.parent) for g in plan.action_goals] == [("A1", "A"), ("A2", "A")]


def test_duplicate_measure_notation_is_an_error() -> None:
    with pytest.raises(SourceError) as caught:
        merge([page("A1.1", line=1), page("A1.1", line=30)], source="plan.txt")
    assert "A1.1" in caught.value.message and "line 1" in caught.value.message
    assert caught.value.location is not None
    assert (caught.value.location.file, caught.value.location.line) == ("plan.txt", 30)


def test_goal_under_two_parents_is_an_error() -> None:
    under_b = replace(page("A1.2", line=30), guiding_goal="B")
    with pytest.raises(SourceError) as caught:
        merge([page("A1.1"), under_b])
    assert "A1" in caught.value.message and "different parents" in caught.value.message


def test_measures_are_ordered_by_their_numbers() -> None:
    plan = merge([page("A10.1", line=1), page("A2.1", line=20), page("A1.2", line=40), page("A1.1", line=60)])
    assert [measure.notation for measure in plan.measures] == ["A1.1", "A1.2", "A2.1", "A10.1"]


def test_two_fields_may_use_the_same_numbers() -> None:
    plan = merge([page("A1.1", line=1, field=FIELD), page("A1.1", line=20, field="Bildung")])
    assert len(plan.fields) == 2
    assert len(plan.guiding_goals) == 2
    assert len(plan.measures) == 2


# --- lists ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("Verwaltung, lokale Politik, Öffentlichkeit", ["Verwaltung", "lokale Politik", "Öffentlichkeit"]),
        ("Wohnungswirtschaft, private Bauherren; mittelbar Mieter/-innen",
         ["Wohnungswirtschaft", "private Bauherren", "mittelbar Mieter/-innen"]),
        ("FB Umwelt (Bündnis, Forum); FB Soziales", ["FB Umwelt (Bündnis, Forum)", "FB Soziales"]),
        ("Förderangebote [Land, Bund], Stiftungen", ["Förderangebote [Land, Bund]", "Stiftungen"]),
        ("Verwaltung,\n  Politik;; ", ["Verwaltung", "Politik"]),
    ],
    ids=["commas", "semicolon", "round-brackets", "square-brackets", "whitespace-and-empty"],
)
def test_split_items(text: str, items: list[str]) -> None:
    assert split_items(text) == items


@pytest.mark.parametrize(
    ("text", "parties"),
    [
        ("Fachbereich Umwelt und Stadtplanung (Bündnis für Wohnen)",
         [Party("Fachbereich Umwelt und Stadtplanung", ("Bündnis für Wohnen",))]),
        ("Fachbereich Umwelt und Stadtplanung; Fachbereich Stadtentwicklung",
         [Party("Fachbereich Umwelt und Stadtplanung"), Party("Fachbereich Stadtentwicklung")]),
        ("Fachbereich Soziales (Forum Wohnen, NRW.BANK)",
         [Party("Fachbereich Soziales", ("Forum Wohnen", "NRW.BANK"))]),
        ("alle Fachbereiche", [Party("alle Fachbereiche")]),
    ],
    ids=["framework", "two-units", "two-frameworks", "all"],
)
def test_responsible_parties(text: str, parties: list[Party]) -> None:
    assert responsible_parties(text) == parties


CITIZENS = "Bürger/-innen und Einwohner/-innen"


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        (f"{CITIZENS} insbesondere mit Migrationshintergrund",
         [Group(CITIZENS), Group(f"{CITIZENS} mit Migrationshintergrund", part_of=CITIZENS)]),
        ("Familien insbesondere Alleinerziehende",
         [Group("Familien"), Group("Alleinerziehende", part_of="Familien")]),
        ("Wohnungswirtschaft, private Bauherren; mittelbar Mieter/-innen",
         [Group("Wohnungswirtschaft"), Group("private Bauherren"), Group("Mieter/-innen")]),
        ("Verwaltung, lokale Politik, Öffentlichkeit",
         [Group("Verwaltung"), Group("lokale Politik"), Group("Öffentlichkeit")]),
        ("Menschen mit Fluchterfahrung in den städtischen Flüchtlingsunterkünften",
         [Group("Menschen mit Fluchterfahrung in den städtischen Flüchtlingsunterkünften")]),
    ],
    ids=["insbesondere-mit", "insbesondere", "mittelbar-dropped", "commas", "one-group"],
)
def test_target_groups(text: str, groups: list[Group]) -> None:
    assert target_groups(text) == groups


@pytest.mark.parametrize(
    ("narrower", "broader", "expected"),
    [
        ("Menschen mit Fluchterfahrung in den städtischen Flüchtlingsunterkünften",
         "Menschen mit Fluchterfahrung", True),
        (f"{CITIZENS} mit Migrationshintergrund", CITIZENS, True),
        ("Menschen mit Fluchterfahrung", "Menschen mit Fluchterfahrung", False),
        ("Menschenrechte", "Menschen", False),
        ("Menschen und Tiere", "Menschen", False),
        ("Menschen mit Fluchterfahrung", "Menschen mit Fluchterfahrung in Herne", False),
    ],
    ids=["in", "mit", "same", "longer-word", "not-a-preposition", "reversed"],
)
def test_is_qualified_form(narrower: str, broader: str, expected: bool) -> None:
    assert is_qualified_form(narrower, broader) is expected


# --- the plan graph of the real source ------------------------------------------------------------

@pytest.fixture(scope="module")
def ingested(real_lexicon: HunspellLexicon, source_text: str) -> Ingested:
    assert enchant.dict_exists(DICTIONARY)  # the real lexicon, never a stand-in
    curated = load_curated(resources.CURATED_DIR, MINTER)
    return ingest(source_text, real_lexicon, MINTER, OrganisationIndex.from_graph(curated),
                  source=resources.SOURCE_FILE.name)


@pytest.fixture(scope="module")
def graph(ingested: Ingested) -> Graph:
    return ingested.graph


def measure(notation: str) -> URIRef:
    return MINTER.measure(FIELD, notation)


def texts(graph: Graph, subject: URIRef, predicate: URIRef) -> list[Literal]:
    return sorted(o for o in graph.objects(subject, predicate) if isinstance(o, Literal))


MEASURES = ["A1.1", "A2.1", "A3.1", "A3.2", "B1.1", "B2.1", "B2.2", "B2.3", "B3.1"]


@pytest.mark.parametrize(
    ("cls", "count"),
    [(PG.FieldOfAction, 1), (PG.GuidingGoal, 2), (PG.ActionGoal, 6), (PG.Measure, 9)],
    ids=["fields", "guiding-goals", "action-goals", "measures"],
)
def test_real_plan_has(graph: Graph, cls: URIRef, count: int) -> None:
    assert len(set(graph.subjects(RDF.type, cls))) == count


def test_real_measures_are_the_nine_of_the_source(graph: Graph) -> None:
    notations = {str(graph.value(s, SKOS.notation)) for s in graph.subjects(RDF.type, PG.Measure)}
    assert notations == set(MEASURES)


def test_real_b2_description_is_the_majority_wording(graph: Graph) -> None:
    [description] = texts(graph, MINTER.action_goal(FIELD, "B2"), DCTERMS.description)
    assert description.language == "de"
    assert str(description) == (
        "Bestehende Zugangsschwierigkeiten neuzugewanderter Gruppen zum Wohnungsmarkt werden beseitigt.")


def test_real_b2_has_editorial_notes_quoting_the_other_wording(graph: Graph) -> None:
    notes = texts(graph, MINTER.action_goal(FIELD, "B2"), SKOS.editorialNote)
    assert sorted(str(note.language) for note in notes) == ["de", "en"]
    assert all("verringert" in note and "B2.3" in note for note in notes)


def test_real_goals_with_one_wording_have_no_editorial_note(graph: Graph) -> None:
    noted = {s for s in graph.subjects(SKOS.editorialNote, None)}
    assert noted == {MINTER.action_goal(FIELD, "B2")}


@pytest.mark.parametrize("notation", MEASURES)
@pytest.mark.parametrize(
    "predicate",
    [DCTERMS.description, PG.responsibleText, PG.targetGroupText, PG.statusText],
    ids=["description", "responsibleText", "targetGroupText", "statusText"],
)
def test_real_measure_has_one_german_text(graph: Graph, notation: str, predicate: URIRef) -> None:
    [text] = texts(graph, measure(notation), predicate)
    assert text.language == "de"
    assert str(text).strip()


@pytest.mark.parametrize(
    ("notation", "fragment"),
    [
        ("A1.1", "Monitoringbericht wurde 2016 vorgelegt. Die Fortschreibung/Neuauflage ist für 2019"),
        ("A2.1", "Laufende Stadterneuerungsmaßnahmen in Herne-Mitte und Wanne-Süd"),
        ("A3.1", "Dies ist eine kontinuierliche Aufgabe."),
        ("A3.2", "Die Vorkaufsrechtsatzung ist in Vorbereitung."),
        ("B1.1", "Die Entwicklung und Vermarktung der entsprechenden Flächen läuft."),
        ("B2.1", "den Kurs „Wohnungsführerschein“ absolviert."),
        ("B2.2", "2017 konnten dadurch ca. 250 Personen in den privaten Wohnraum umziehen."),
        ("B2.3", "Nach Rücksprache mit dem Ausländeramt (Abfrage ausländerrechtlicher Status) können"),
        ("B3.1", "im Herner Bündnis für Wohnen verankert."),
    ],
)
def test_real_measure_status_text(graph: Graph, notation: str, fragment: str) -> None:
    [status] = texts(graph, measure(notation), PG.statusText)
    assert fragment in status


@pytest.mark.parametrize(
    ("notation", "fragment"),
    [
        ("A2.1", "Neue Bürgerbeteiligungsformate sind zu entwickeln"),
        ("A3.1", "Für die Förderakquise sollten personelle"),
        ("A3.2", "Perspektive für die Bewohner/-innen der Immobilien"),
        ("B2.1", "Zugewanderten aus Südost-Europa"),
        ("B2.2", "Wohlfahrtsverbänden: AWO, Caritas und GFS."),
    ],
)
def test_real_measure_remark(graph: Graph, notation: str, fragment: str) -> None:
    [remark] = texts(graph, measure(notation), PG.remark)
    assert fragment in remark


@pytest.mark.parametrize("notation", ["A1.1", "B1.1", "B2.3", "B3.1"])
def test_real_measure_without_remarks_has_no_remark(graph: Graph, notation: str) -> None:
    assert texts(graph, measure(notation), PG.remark) == []


def attributions(graph: Graph, notation: str) -> set[tuple[Node | None, Node | None]]:
    """(agent, role) of each qualified attribution of a measure."""
    return {(graph.value(node, PROV.agent), graph.value(node, HAD_ROLE))
            for node in graph.objects(measure(notation), PROV.qualifiedAttribution)}


def test_real_all_departments_is_the_city(graph: Graph) -> None:
    city = MINTER.organisation("Stadt Herne")
    assert texts(graph, measure("A3.1"), PG.responsibleText) == [Literal("alle Fachbereiche", lang="de")]
    assert set(graph.objects(measure("A3.1"), PROV.wasAttributedTo)) == {city}
    assert attributions(graph, "A3.1") == {(city, PG.RoleResponsible)}


def test_real_bracketed_alliance_is_a_framework_attribution(graph: Graph) -> None:
    unit = MINTER.organisation("Fachbereich Umwelt und Stadtplanung")
    alliance = MINTER.organisation("Herner Bündnis für Wohnen")
    assert set(graph.objects(measure("B3.1"), PROV.wasAttributedTo)) == {unit}
    assert attributions(graph, "B3.1") == {(unit, PG.RoleResponsible), (alliance, PG.RoleFramework)}


def test_real_responsible_parties_are_all_curated_organisations(ingested: Ingested) -> None:
    assert ingested.unmatched_organisations == ()


def test_real_target_group_in_the_shelters_is_narrower(graph: Graph) -> None:
    narrower = MINTER.target_group("Menschen mit Fluchterfahrung in den städtischen Flüchtlingsunterkünften")
    broader = MINTER.target_group("Menschen mit Fluchterfahrung")
    assert set(graph.objects(narrower, SKOS.broader)) == {broader}
    assert graph.value(broader, SKOS.prefLabel) == Literal("Menschen mit Fluchterfahrung", lang="de")


def test_real_qualifier_is_dropped_from_the_concept_but_kept_in_the_text(graph: Graph) -> None:
    [verbatim] = texts(graph, measure("B1.1"), PG.targetGroupText)
    assert str(verbatim) == "Wohnungswirtschaft, private Bauherren; mittelbar Mieter/-innen"
    assert MINTER.target_group("Mieter/-innen") in set(graph.objects(measure("B1.1"), DCTERMS.audience))
    labels = [str(label) for label in graph.objects(None, SKOS.prefLabel)]
    assert not any("mittelbar" in label for label in labels)


# Traces of OCR damage. German closing quotes are “ (an English note may legitimately close with ”).
DAMAGE = {
    "ü read as ii": re.compile(r"\w*ii\w*"),
    "ß read as R/B": re.compile(r"\bMa[RB]\w*"),
    "für read as fur": re.compile(r"\bfur\b"),
    "„ read as ,,": re.compile(r",,"),
}
GERMAN_DAMAGE = {"“ read as ”": re.compile(r"”")}


def test_real_plan_graph_has_no_ocr_damage(graph: Graph) -> None:
    found = []
    for _, _, literal in graph:
        if not isinstance(literal, Literal):
            continue
        patterns = {**DAMAGE, **(GERMAN_DAMAGE if literal.language != "en" else {})}
        found += [(name, m.group(0)) for name, p in patterns.items() for m in p.finditer(str(literal))]
    assert found == []


def test_real_repaired_text_has_no_unknown_words(ingested: Ingested) -> None:
    assert ingested.log.unknown == []


def test_real_source_line_ranges_are_ascending(graph: Graph) -> None:
    ranges = []
    for source in graph.objects(None, DCTERMS.source):
        match = re.search(r"#line=(\d+),(\d+)$", str(source))
        if match:
            ranges.append((int(match[1]), int(match[2])))
    assert ranges, "no line ranges found"
    assert [r for r in ranges if r[0] >= r[1]] == []
