"""Plan rules: what the shapes cannot see in a single entry, checked against the published dataset in the store.

Each rule is one small ASK or SELECT about the resources the entry names, never a load of the whole dataset: a
new measure's IRI and number are still free and the goal it serves exists; a status report names an existing
measure and is not dated in the future; a correction names an existing goal or measure that has the text it
corrects. The results are `Problem`s like the shapes' own, so that one report can hold both (see `checks`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS
from rdflib.term import Node

from plangraph.namespaces import PG
from plangraph.store.base import Store
from plangraph.store.terms import query_iri as _iri
from plangraph.validate import Problem

# The text fields a correction may replace, by their prefixed names for messages (the same list as the sh:in of
# pg:TextCorrectionShape-correctedProperty; tests/test_plan_rules.py checks that they agree).
TEXT_PROPERTIES = {
    DCTERMS.description: "dcterms:description",
    PG.statusText: "pg:statusText",
    PG.remark: "pg:remark",
    PG.targetGroupText: "pg:targetGroupText",
    PG.responsibleText: "pg:responsibleText",
}
CORRECTABLE = (PG.Measure, PG.GuidingGoal, PG.ActionGoal)
# measure -> action goal -> guiding goal -> field of action
HIERARCHY: tuple[URIRef, ...] = (PG.servesGoal, PG.subGoalOf, PG.inField)


def check_plan_rules(store: Store, entry: Graph, today: date | None = None) -> list[Problem]:
    """The entry's violations of the plan rules. `today` bounds the dates of status reports (by default the
    current date in UTC; tests pass one). An entry naming an IRI that no query can carry is refused whole."""
    for node in sorted({n for triple in entry for n in triple if isinstance(n, URIRef)}):
        _iri(node)
    today = today or datetime.now(UTC).date()
    return [*_measure_problems(store, entry), *_status_problems(store, entry, today),
            *_correction_problems(store, entry)]


def _measure_problems(store: Store, entry: Graph) -> Iterator[Problem]:
    for measure in _instances(entry, PG.Measure):
        if isinstance(measure, URIRef) and store.ask(f"ASK {{ {_iri(measure)} ?p ?o }}"):
            yield _problem(measure, None, measure,
                           f"Die IRI <{measure}> ist schon vergeben: Eine neue Maßnahme braucht eine IRI, die der "
                           "veröffentlichte Datensatz noch nicht kennt.",
                           f"The IRI <{measure}> is already taken: a new measure needs an IRI that the published "
                           "dataset does not know yet.")
        for goal in entry.objects(measure, PG.servesGoal):
            if isinstance(goal, URIRef) and not _is_a(store, goal, (PG.ActionGoal,), entry):
                yield _problem(measure, PG.servesGoal, goal,
                               f"Das Handlungsziel <{goal}> gibt es im veröffentlichten Datensatz nicht: Eine Maßnahme "
                               "dient einem bestehenden Handlungsziel (pg:servesGoal, ein pg:ActionGoal).",
                               f"The action goal <{goal}> does not exist in the published dataset: a measure serves "
                               "an existing action goal (pg:servesGoal, a pg:ActionGoal).")
        numbered = _numbers_in_field(store, entry, measure)
        for notation in entry.objects(measure, SKOS.notation):
            other = numbered.get(str(notation))
            if other is not None:
                yield _problem(measure, SKOS.notation, notation,
                               f"Die Nummer der Maßnahme ({notation}) ist im selben Handlungsfeld schon vergeben "
                               f"(<{other}>).",
                               f"The measure's number ({notation}) is already used in the same field of action "
                               f"(<{other}>).")


def _numbers_in_field(store: Store, entry: Graph, measure: Node) -> dict[str, Node]:
    """The numbers of the other published measures in the measure's field of action, each with one measure that
    has it. The field is found by following the hierarchy in the entry as far as it goes (a new goal may come
    with the measure), then in the store; the numbers are compared here, so no text of the entry enters a query."""
    node, rest = measure, HIERARCHY
    while rest and (step := entry.value(node, rest[0])) is not None:
        node, rest = step, rest[1:]
    if not isinstance(node, URIRef):
        return {}
    field = f"{_iri(node)} {'/'.join(_iri(p) for p in rest)} ?field ." if rest else f"VALUES ?field {{ {_iri(node)} }}"
    rows = store.select(
        f"SELECT ?other ?number WHERE {{ {field} ?other a {_iri(PG.Measure)} ; {_iri(SKOS.notation)} ?number ; "
        f"{'/'.join(_iri(p) for p in HIERARCHY)} ?field . }}")
    numbered: dict[str, Node] = {}
    for row in sorted(rows, key=lambda row: str(row.get("other"))):
        if "other" in row and "number" in row and row["other"] != measure:
            numbered.setdefault(str(row["number"]), row["other"])
    return numbered


def _status_problems(store: Store, entry: Graph, today: date) -> Iterator[Problem]:
    for report in _instances(entry, PG.StatusReport):
        for measure in entry.objects(report, PG.statusOf):
            if isinstance(measure, URIRef) and not _is_a(store, measure, (PG.Measure,), entry):
                yield _problem(report, PG.statusOf, measure,
                               f"Die Maßnahme <{measure}> gibt es im veröffentlichten Datensatz nicht: Ein "
                               "Statusbericht (pg:statusOf) berichtet über eine bestehende Maßnahme.",
                               f"The measure <{measure}> does not exist in the published dataset: a status report "
                               "(pg:statusOf) reports on an existing measure.")
        for day in entry.objects(report, DCTERMS.date):
            value = day.toPython() if isinstance(day, Literal) else None
            # a malformed or imprecise date is the shapes' finding (they require an xsd:date)
            if isinstance(value, date) and not isinstance(value, datetime) and value > today:
                yield _problem(report, DCTERMS.date, day,
                               f"Der Stichtag des Statusberichts ({value.isoformat()}) liegt in der Zukunft; heute "
                               f"ist der {today.isoformat()}.",
                               f"The status report's date ({value.isoformat()}) lies in the future; today is "
                               f"{today.isoformat()}.")


def _correction_problems(store: Store, entry: Graph) -> Iterator[Problem]:
    for correction in _instances(entry, PG.TextCorrection):
        # a field outside the list is the shapes' finding; only the listed ones are looked up
        fields = sorted(p for p in entry.objects(correction, PG.correctedProperty)
                        if isinstance(p, URIRef) and p in TEXT_PROPERTIES)
        for target in entry.objects(correction, PG.correctionOf):
            if not isinstance(target, URIRef):
                continue
            if not _is_a(store, target, CORRECTABLE):
                yield _problem(correction, PG.correctionOf, target,
                               f"Das Ziel oder die Maßnahme <{target}> gibt es im veröffentlichten Datensatz nicht: "
                               "Eine Textkorrektur (pg:correctionOf) berichtigt ein bestehendes Leitziel, "
                               "Handlungsziel oder eine bestehende Maßnahme.",
                               f"The goal or measure <{target}> does not exist in the published dataset: a text "
                               "correction (pg:correctionOf) corrects an existing guiding goal, action goal or "
                               "measure.")
                continue
            for field in fields:
                if not store.ask(f"ASK {{ {_iri(target)} {_iri(field)} ?text }}"):
                    yield _problem(correction, PG.correctedProperty, field,
                                   f"<{target}> hat keinen Text in {TEXT_PROPERTIES[field]}: Es gibt nichts zu "
                                   "berichtigen.",
                                   f"<{target}> has no text in {TEXT_PROPERTIES[field]}: there is nothing to correct.")


def _instances(entry: Graph, cls: URIRef) -> list[Node]:
    return sorted(set(entry.subjects(RDF.type, cls)), key=str)


def _is_a(store: Store, node: URIRef, classes: Iterable[URIRef], entry: Graph | None = None) -> bool:
    """The node is typed with one of the classes in the store (or, given the entry, in the entry itself)."""
    classes = tuple(classes)
    if entry is not None and any((node, RDF.type, cls) in entry for cls in classes):
        return True
    return store.ask(f"ASK {{ VALUES ?class {{ {' '.join(_iri(c) for c in classes)} }} {_iri(node)} a ?class }}")




def _problem(focus: Node, path: URIRef | None, value: Node, de: str, en: str) -> Problem:
    return Problem(focus=focus, path=path, value=value, severity="Violation", messages={"de": de, "en": en},
                   shape=None, component=None)
