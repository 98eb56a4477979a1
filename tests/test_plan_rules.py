"""The plan rules (plangraph.plan_rules) against a real store holding the published dataset (data/herne.trig),
on the embedded Oxigraph store and the rdflib memory store; then `checks.check_entry`, shapes and plan rules in one
report; then POST /validate over HTTP on a running server (embedded and Virtuoso, as tests/test_validate_service.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, RDF, SH, SKOS

from conftest import CLI_DATA
from plangraph import resources
from plangraph.checks import check_entry
from plangraph.errors import InputError
from plangraph.namespaces import PG
from plangraph.plan_rules import TEXT_PROPERTIES, check_plan_rules
from plangraph.publish import ensure_published
from plangraph.store.base import Store
from plangraph.store.embedded import EmbeddedStore
from plangraph.store.memory import MemoryStore
from plangraph.validate import Problem

BASE = "https://w3id.org/plangraph/herne/"
FIELD = BASE + "wohnen-und-stadtentwicklung/"
B2_2 = URIRef(FIELD + "massnahme/B2-2")
B9_9 = URIRef(FIELD + "massnahme/B9-9")
A1_1 = URIRef(FIELD + "massnahme/A1-1")  # has no pg:remark
GOAL_B2 = URIRef(FIELD + "handlungsziel/B2")
TODAY = date(2026, 11, 24)
PREFIXES = """@base <https://w3id.org/plangraph/herne/wohnen-und-stadtentwicklung/> .
@prefix pg:      <https://w3id.org/plangraph/def#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix adms:    <http://www.w3.org/ns/adms#> .
"""


def entry(turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + turtle, format="turtle")


def status_report(measure: str, day: str = "2026-11-24") -> str:
    return f"""<massnahme/{measure}#status-{day}> a pg:StatusReport ;
        pg:statusOf <massnahme/{measure}> ;
        dcterms:date "{day}"^^xsd:date ;
        pg:statusText "2026 zogen rund 120 Personen in privaten Wohnraum um."@de ;
        adms:status pg:StatusInProgress ."""


def new_measure(iri: str, notation: str, goal: str) -> str:
    return f"""<massnahme/{iri}> a pg:Measure ;
        skos:notation "{notation}" ;
        dcterms:description "Ein Wohnungsmarktbericht erscheint jährlich."@de ;
        pg:servesGoal <{goal}> ;
        rdfs:label "Maßnahme {notation}"@de , "Measure {notation}"@en ;
        prov:wasAttributedTo <https://w3id.org/plangraph/herne/org/fachbereich-soziales> ."""


def correction(target: str, field: str) -> str:
    return f"""<{target}#korrektur-2026-11-24> a pg:TextCorrection ;
        pg:correctionOf <{target}> ;
        pg:correctedProperty {field} ;
        prov:value "Neuer Wortlaut."@de ;
        rdfs:comment "Tippfehler im Quelltext."@de ."""


@pytest.fixture(scope="module", params=("embedded", "memory"))
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store holding the published dataset, loaded as `plangraph serve` loads it."""
    opened: Store = (EmbeddedStore(tmp_path_factory.mktemp("store") / "store", workers=2)
                     if request.param == "embedded" else MemoryStore(workers=2))
    ensure_published(opened, resources.DATASET_FILE)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return resources.shapes_graph()


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [p.message("en") for p in problems]
    return problems[0]


# --- new measures ------------------------------------------------------------------------------------------------

def test_a_new_measure_with_a_free_iri_and_number_passes(store: Store) -> None:
    valid = Graph().parse(CLI_DATA / "new-measure-valid.ttl", format="turtle", publicID=BASE)
    assert check_plan_rules(store, valid, TODAY) == []


def test_a_new_measure_must_not_reuse_a_published_iri(store: Store) -> None:
    problem = only(check_plan_rules(store, entry(new_measure("B2-2", "B2.2", "handlungsziel/B2")), TODAY))
    assert (problem.focus, problem.path, problem.value) == (B2_2, None, B2_2)
    assert "schon vergeben" in problem.messages["de"] and "already taken" in problem.messages["en"]


def test_a_number_taken_in_the_field_is_refused(store: Store) -> None:
    problem = only(check_plan_rules(store, entry(new_measure("B2-2-neu", "B2.2", "handlungsziel/B2")), TODAY))
    assert (problem.path, problem.value) == (SKOS.notation, Literal("B2.2"))
    assert problem.messages["de"].startswith("Die Nummer der Maßnahme (B2.2) ist im selben Handlungsfeld schon")
    assert str(B2_2) in problem.messages["de"] and str(B2_2) in problem.messages["en"]


def test_the_field_is_found_through_a_new_goal_in_the_entry(store: Store) -> None:
    """A new action goal comes with the measure: its field is its guiding goal's, so B2.2 is still taken there,
    and the goal counts as existing."""
    new_goal = """<handlungsziel/B9> a pg:ActionGoal ; skos:notation "B9" ;
        dcterms:description "Ein neues Handlungsziel."@de ; pg:subGoalOf <leitziel/B> ."""
    problems = check_plan_rules(store, entry(new_measure("B9-1", "B2.2", "handlungsziel/B9") + new_goal), TODAY)
    assert only(problems).path == SKOS.notation


def test_the_goal_of_a_new_measure_must_exist(store: Store) -> None:
    problem = only(check_plan_rules(store, entry(new_measure("B9-1", "B9.1", "handlungsziel/B9")), TODAY))
    assert (problem.path, problem.value) == (PG.servesGoal, URIRef(FIELD + "handlungsziel/B9"))
    assert "gibt es im veröffentlichten Datensatz nicht" in problem.messages["de"]


def test_the_goal_of_a_new_measure_must_be_an_action_goal(store: Store) -> None:
    problem = only(check_plan_rules(store, entry(new_measure("B2-9", "B2.9", "leitziel/B")), TODAY))
    assert (problem.path, problem.value) == (PG.servesGoal, URIRef(FIELD + "leitziel/B"))


# --- status reports ----------------------------------------------------------------------------------------------

def test_a_status_report_on_a_published_measure_passes(store: Store) -> None:
    assert check_plan_rules(store, entry(status_report("B2-2")), TODAY) == []


def test_a_status_report_must_name_an_existing_measure(store: Store) -> None:
    problem = only(check_plan_rules(store, entry(status_report("B9-9")), TODAY))
    assert (problem.focus, problem.path, problem.value) == (URIRef(f"{B9_9}#status-2026-11-24"), PG.statusOf, B9_9)
    assert problem.messages["de"].startswith(f"Die Maßnahme <{B9_9}> gibt es im veröffentlichten Datensatz nicht")
    assert problem.messages["en"].startswith(f"The measure <{B9_9}> does not exist in the published dataset")


def test_a_status_report_may_name_a_measure_of_the_same_entry(store: Store) -> None:
    both = entry(new_measure("B2-9", "B2.9", "handlungsziel/B2") + status_report("B2-9"))
    assert check_plan_rules(store, both, TODAY) == []


def test_a_status_report_must_not_be_dated_in_the_future(store: Store) -> None:
    problem = only(check_plan_rules(store, entry(status_report("B2-2", "2026-11-25")), TODAY))
    assert (problem.path, problem.value) == (DCTERMS.date, Literal(date(2026, 11, 25)))
    assert "2026-11-25" in problem.messages["de"] and "Zukunft" in problem.messages["de"]
    assert "future" in problem.messages["en"]


def test_today_defaults_to_the_current_date(store: Store) -> None:
    assert check_plan_rules(store, entry(status_report("B2-2", "2018-01-31"))) == []
    assert only(check_plan_rules(store, entry(status_report("B2-2", "2999-01-31")))).path == DCTERMS.date


# --- text corrections --------------------------------------------------------------------------------------------

def test_a_correction_of_a_published_text_passes(store: Store) -> None:
    corrections = correction(str(B2_2), "dcterms:description") + correction(str(GOAL_B2), "dcterms:description")
    assert check_plan_rules(store, entry(corrections), TODAY) == []


def test_a_correction_must_name_an_existing_goal_or_measure(store: Store) -> None:
    problem = only(check_plan_rules(store, entry(correction(str(B9_9), "dcterms:description")), TODAY))
    assert (problem.path, problem.value) == (PG.correctionOf, B9_9)


def test_a_correction_needs_a_text_to_correct(store: Store) -> None:
    problem = only(check_plan_rules(store, entry(correction(str(A1_1), "pg:remark")), TODAY))
    assert (problem.focus, problem.path, problem.value) == (URIRef(f"{A1_1}#korrektur-2026-11-24"),
                                                             PG.correctedProperty, PG.remark)
    assert "nichts zu berichtigen" in problem.messages["de"] and "nothing to correct" in problem.messages["en"]


def test_a_field_outside_the_list_is_left_to_the_shapes(store: Store) -> None:
    assert check_plan_rules(store, entry(correction(str(B2_2), "rdfs:label")), TODAY) == []


def test_the_correctable_fields_are_those_of_the_shape(shapes: Graph) -> None:
    listed = shapes.value(PG["TextCorrectionShape-correctedProperty"], SH["in"])
    assert listed is not None
    assert set(Collection(shapes, listed)) == set(TEXT_PROPERTIES)


# --- what every rule gives ---------------------------------------------------------------------------------------

def test_problems_are_violations_in_german_and_english(store: Store) -> None:
    problems = check_plan_rules(store, entry(status_report("B9-9", "2027-01-01")), TODAY)
    assert len(problems) == 2
    for problem in problems:
        assert problem.severity == "Violation"
        assert set(problem.messages) == {"de", "en"} and all(problem.messages.values())
        assert problem.shape is None and problem.component is None


def test_an_iri_no_query_can_carry_is_refused(store: Store) -> None:
    broken = Graph()
    broken.add((URIRef(f"{B2_2}#status x"), RDF.type, PG.StatusReport))
    broken.add((URIRef(f"{B2_2}#status x"), PG.statusOf, URIRef(str(B2_2) + "> } ; DROP ALL ; <x")))
    with pytest.raises(InputError, match="not an IRI"):
        check_plan_rules(store, broken, TODAY)


# --- check_entry: shapes and plan rules in one report ------------------------------------------------------------

def test_a_status_report_for_b2_2_conforms(store: Store, shapes: Graph) -> None:
    report = check_entry(store, entry(status_report("B2-2")), shapes, TODAY)
    assert report.conforms and report.problems == [], [p.message("en") for p in report.problems]


def test_a_status_report_for_b9_9_is_a_violation_at_status_of(store: Store, shapes: Graph) -> None:
    report = check_entry(store, entry(status_report("B9-9")), shapes, TODAY)
    assert not report.conforms
    problem = only(report.problems)
    assert (problem.path, problem.value) == (PG.statusOf, B9_9)
    assert "gibt es im veröffentlichten Datensatz nicht" in problem.message("de")
    # the Turtle report holds the plan rule's result too
    graph = report.graph
    root = graph.value(None, RDF.type, SH.ValidationReport)
    assert graph.value(root, SH.conforms) == Literal(False)
    result = graph.value(root, SH.result)
    assert graph.value(result, RDF.type) == SH.ValidationResult
    assert graph.value(result, SH.focusNode) == URIRef(f"{B9_9}#status-2026-11-24")
    assert (graph.value(result, SH.resultPath), graph.value(result, SH.value)) == (PG.statusOf, B9_9)
    assert graph.value(result, SH.resultSeverity) == SH.Violation
    messages = {m.language: str(m) for m in graph.objects(result, SH.resultMessage) if isinstance(m, Literal)}
    assert messages == problem.messages


def test_shape_and_plan_rule_problems_are_merged_and_sorted(store: Store, shapes: Graph) -> None:
    """A report without text (the shapes) on a measure that does not exist (a plan rule): both, in one order."""
    text = status_report("B9-9").replace('pg:statusText "2026 zogen rund 120 Personen in privaten Wohnraum um."@de ;',
                                         "")
    report = check_entry(store, entry(text), shapes, TODAY)
    assert {p.path for p in report.problems} == {PG.statusOf, PG.statusText}
    assert report.problems == sorted(report.problems, key=lambda p: (str(p.focus), str(p.path or "")))
    assert len(list(report.graph.objects(None, SH.result))) == 2


def test_a_taken_number_is_reported_once(store: Store, shapes: Graph) -> None:
    """The shapes see the taken number in the context too: the report says it once."""
    report = check_entry(store, entry(new_measure("B2-2-neu", "B2.2", "handlungsziel/B2")), shapes, TODAY)
    assert not report.conforms
    problem = only(report.problems)
    assert problem.value == Literal("B2.2")
    assert "schon vergeben" in problem.message("de") and str(B2_2) in problem.message("de")


def test_a_new_measure_under_a_missing_goal(store: Store, shapes: Graph) -> None:
    report = check_entry(store, entry(new_measure("B9-1", "B9.1", "handlungsziel/B9")), shapes, TODAY)
    assert not report.conforms
    assert only(report.problems).path == PG.servesGoal


def test_a_correction_of_a_field_the_measure_lacks(store: Store, shapes: Graph) -> None:
    report = check_entry(store, entry(correction(str(A1_1), "pg:remark")), shapes, TODAY)
    assert not report.conforms
    problem = only(report.problems)
    assert (problem.path, problem.value) == (PG.correctedProperty, PG.remark)


# --- over HTTP ---------------------------------------------------------------------------------------------------

def test_validate_reports_a_status_report_on_a_missing_measure(live_server: str) -> None:
    body = (PREFIXES + status_report("B9-9", "2018-01-31")).encode("utf-8")
    response = requests.post(live_server + "validate", data=body, timeout=30,
                             headers={"Content-Type": "text/turtle", "Accept": "application/json"})
    assert response.status_code == 200
    report = response.json()
    assert report["conforms"] is False
    (result,) = report["results"]
    assert result["focusNode"] == f"{B9_9}#status-2018-01-31"
    assert result["path"] == str(PG.statusOf) and result["value"] == str(B9_9)
    assert result["severity"] == "Violation"
    assert result["message"]["de"].startswith(f"Die Maßnahme <{B9_9}> gibt es im veröffentlichten Datensatz nicht")
    assert result["message"]["en"].startswith(f"The measure <{B9_9}> does not exist")
