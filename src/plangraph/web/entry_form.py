"""The steward's forms (a new measure, a status update, a correction): field values to an entry graph
(plangraph.entries), checked in context (plangraph.checks), and every problem placed next to the field it
concerns, in the page's language, with the offending value. /validate and /submit share it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from plangraph import resources
from plangraph.checks import check_entry
from plangraph.csv_import import SheetImport, import_rows, read_csv
from plangraph.entries import CORRECTABLE, KINDS, NO_FOCUS, Entry, Field, build_entry
from plangraph.namespaces import PG
from plangraph.validate import ValidationReport
from plangraph.web import state

FORM_KINDS = tuple(KINDS)  # measure, status, correction
MAX_OPTIONS = 2000  # suggestions offered in a datalist


@dataclass(frozen=True)
class Shown:
    """A problem as the form shows it."""

    message: str
    value: str
    severity: str


@dataclass
class Checked:
    kind: str
    values: Mapping[str, str]
    entry: Entry | None = None
    report: ValidationReport | None = None
    by_field: dict[str, list[Shown]] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        return not any(s.severity == "Violation" for shown in self.by_field.values() for s in shown)

    @property
    def count(self) -> int:
        return sum(len(shown) for shown in self.by_field.values())


def form_values(form: Mapping[str, str], kind: str) -> dict[str, str]:
    """The values of the kind's fields (other form fields, such as the token, are not the entry's)."""
    return {f.name: form.get(f.name, "") for f in KINDS[kind]}


def check_form(kind: str, values: Mapping[str, str | Sequence[str]], lang: str) -> Checked:
    """Build the entry and check it; problems by field name."""
    shown_values = {k: v if isinstance(v, str) else "; ".join(v) for k, v in values.items()}
    entry = build_entry(kind, values, state.store(), state.minter(), datetime.now(UTC).date())
    checked = Checked(kind, shown_values, entry)
    names = {f.name for f in KINDS.get(kind, ())}
    for problem in entry.problems:
        name = problem.field if problem.field in names else "_entry"
        checked.by_field.setdefault(name, []).append(Shown(problem.message(lang), problem.value, "Violation"))
    if entry.focus == NO_FOCUS:
        return checked
    checked.report = check_entry(state.store(), entry.graph, shapes())
    for found in checked.report.problems:
        name = entry.field_of(found.focus, found.path) or "_entry"
        name = name if name in names else "_entry"
        checked.by_field.setdefault(name, []).append(
            Shown(found.message(lang), _shown(found.value), found.severity))
    return checked


def fields(kind: str) -> tuple[Field, ...]:
    return KINDS[kind]


def options(lang: str) -> dict[str, list[tuple[str, str]]]:
    """What the form's lists offer: existing measures and goals (by number) and the status categories."""
    store = state.store()
    notations = store.select(
        f"SELECT DISTINCT ?n ?kind WHERE {{ VALUES ?kind {{ <{PG.Measure}> <{PG.ActionGoal}> <{PG.GuidingGoal}> }} "
        f"?x a ?kind ; <{SKOS.notation}> ?n }} ORDER BY ?n LIMIT {MAX_OPTIONS}")
    measures = [(str(r["n"]), str(r["n"])) for r in notations if r["kind"] == PG.Measure]
    goals = [(str(r["n"]), str(r["n"])) for r in notations if r["kind"] == PG.ActionGoal]
    ontology = resources.ontology_graph()
    statuses = []
    for concept in ontology.objects(PG.MeasureStatuses, SKOS.hasTopConcept):
        labels = {label.language: str(label) for label in ontology.objects(concept, SKOS.prefLabel)
                  if isinstance(label, Literal)}
        statuses.append((labels.get("de", str(concept)), labels.get(lang) or labels.get("de", str(concept))))
    order = ["geplant", "in Vorbereitung", "in Umsetzung", "umgesetzt", "Daueraufgabe"]
    statuses.sort(key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    labels = {"description": "text"}  # a correctable text by the measure field it comes from
    by_name = {f.name: f for f in KINDS["measure"]}
    properties = [(name, by_name[labels.get(name, name)].label[lang] if labels.get(name, name) in by_name else name)
                  for name in CORRECTABLE]
    return {"measures": measures, "goals": goals, "targets": measures + goals, "statuses": statuses,
            "properties": properties}


def check_sheet(data: bytes, name: str) -> SheetImport:
    """A CSV sheet (the template's columns) checked row by row; problems by row and column."""
    rows = read_csv(data, name)
    return import_rows(rows, state.store(), state.minter(), datetime.now(UTC).date(), shapes())


def shapes() -> Graph:
    """The shapes the app's write path checks with (parsed once, in create_app)."""
    return state.submissions().shapes


def _shown(value: Node | None) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, Literal | URIRef) else "[…]"
