"""The three kinds of entry a data steward adds to the published plan (a new measure, a status report, a text
correction): their fields as a form or a spreadsheet shows them, and how field values become an entry graph.

Values are resolved against the published data (`resolve`); what names nothing is a `FieldProblem` next to its
field. What is missing or malformed in the graph built is left to the shapes, so a steward reads each message
once; only where no graph can be built at all (no goal, so no IRI) does a missing value become a FieldProblem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal as Choice

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from plangraph.iris import Minter, slug
from plangraph.namespaces import ADMS, PG, bind_prefixes
from plangraph.resolve import (
    ACTION_GOAL,
    MEASURE,
    MEASURE_OR_GOAL,
    ORGANISATION,
    PLACE,
    STATUS,
    Kind,
    Unresolved,
    clean,
    field_label,
    resolve_names,
    resolve_notation,
    target_groups,
)
from plangraph.store.base import Store

InputKind = Choice["text", "textarea", "date", "select"]
# The focus of an entry that could not be built (no IRI can be minted): it names nothing and has no triples.
NO_FOCUS = URIRef("urn:x-plangraph:no-entry")
_NOTATION_CHARS = re.compile(r"^[A-Za-z0-9._-]+$")  # what may go into an IRI path as it is


@dataclass(frozen=True)
class Field:
    """One field of an entry: its form/JSON key, its column in a spreadsheet (German, as in the plan), what a form
    shows, and the property it fills (`also`: further properties filled from it, such as the verbatim text)."""

    name: str
    column: str
    label: dict[str, str]
    help: dict[str, str]
    required: bool = False
    multiple: bool = False  # several values, split on ';' or line breaks
    path: URIRef | None = None
    input_kind: InputKind = "text"
    also: tuple[URIRef, ...] = ()
    choices: tuple[str, ...] = ()  # the fixed options of a select

    @property
    def paths(self) -> tuple[URIRef, ...]:
        return tuple(p for p in (self.path, *self.also) if p is not None)


MEASURE_FIELDS: tuple[Field, ...] = (
    Field("goal", "Handlungsziel", {"de": "Handlungsziel", "en": "Action goal"},
          {"de": "Nummer des Handlungsziels, dem die Maßnahme dient (z. B. „B2“), oder seine IRI.",
           "en": 'Number of the action goal the measure serves (e.g. "B2"), or its IRI.'},
          required=True, path=PG.servesGoal),
    Field("number", "Maßnahme", {"de": "Nummer der Maßnahme", "en": "Number of the measure"},
          {"de": "Nummer des Handlungsziels, ein Punkt und die nächste freie Zahl, z. B. „B2.4“.",
           "en": 'The action goal\'s number, a dot and the next free number, e.g. "B2.4".'},
          required=True, path=SKOS.notation, also=(RDFS.label,)),
    Field("text", "Text", {"de": "Beschreibung", "en": "Description"},
          {"de": "Was die Maßnahme vorsieht, im Wortlaut des Plans.",
           "en": "What the measure provides for, worded as in the plan (in German)."},
          required=True, path=DCTERMS.description, input_kind="textarea"),
    Field("responsible", "Verantwortlich", {"de": "Verantwortlich", "en": "Responsible"},
          {"de": "Verantwortliche Fachbereiche oder Organisationen (Name oder IRI), mehrere durch „;“ oder "
                 "Zeilenumbruch getrennt. Der Wortlaut wird auch unverändert gespeichert.",
           "en": 'Responsible departments or organisations (name or IRI), several separated by ";" or line breaks. '
                 "The wording is also kept as it is."},
          required=True, multiple=True, path=PROV.wasAttributedTo,
          also=(PROV.qualifiedAttribution, PG.responsibleText)),
    Field("target_groups", "Zielgruppe", {"de": "Zielgruppen", "en": "Target groups"},
          {"de": "Zielgruppen aus der Liste der Zielgruppen, mehrere durch „;“ oder Zeilenumbruch getrennt. "
                 "Der Wortlaut wird auch unverändert gespeichert.",
           "en": 'Target groups from the list of target groups, several separated by ";" or line breaks. '
                 "The wording is also kept as it is."},
          multiple=True, path=DCTERMS.audience, also=(PG.targetGroupText,)),
    Field("status", "Status", {"de": "Status", "en": "Status"},
          {"de": "Umsetzungsstand im Wortlaut. Lautet er genau wie eine Statuskategorie (z. B. „geplant“, "
                 "„in Umsetzung“), wird auch die Kategorie gesetzt.",
           "en": 'Implementation status, worded freely (in German). If it is exactly a status category (e.g. '
                 '"geplant", "in Umsetzung"), the category is set as well.'},
          path=PG.statusText, input_kind="textarea", also=(ADMS.status,)),
    Field("remarks", "Bemerkungen", {"de": "Bemerkungen", "en": "Remarks"},
          {"de": "Bemerkungen im Wortlaut.", "en": "Remarks, worded freely (in German)."},
          path=PG.remark, input_kind="textarea"),
    Field("places", "Orte", {"de": "Orte", "en": "Places"},
          {"de": "Orte, an denen die Maßnahme stattfindet (Name oder IRI), mehrere durch „;“ getrennt.",
           "en": 'Places where the measure takes place (name or IRI), several separated by ";".'},
          multiple=True, path=DCTERMS.spatial),
)

STATUS_FIELDS: tuple[Field, ...] = (
    Field("measure", "Maßnahme", {"de": "Maßnahme", "en": "Measure"},
          {"de": "Nummer der Maßnahme (z. B. „B2.2“) oder ihre IRI.",
           "en": 'Number of the measure (e.g. "B2.2") or its IRI.'},
          required=True, path=PG.statusOf),
    Field("date", "Stand", {"de": "Stand", "en": "As of"},
          {"de": "Datum, zu dem der Stand gilt (JJJJ-MM-TT); leer: heute.",
           "en": "Date the status refers to (YYYY-MM-DD); empty: today."},
          path=DCTERMS.date, input_kind="date"),
    Field("status_category", "Statuskategorie", {"de": "Statuskategorie", "en": "Status category"},
          {"de": "Optional: geplant, in Vorbereitung, in Umsetzung, umgesetzt oder Daueraufgabe.",
           "en": "Optional: planned, in preparation, in progress, completed or continuous task."},
          path=ADMS.status, input_kind="select"),
    Field("status", "Status", {"de": "Status", "en": "Status"},
          {"de": "Der Umsetzungsstand im Wortlaut.", "en": "The implementation status, worded freely (in German)."},
          required=True, path=PG.statusText, input_kind="textarea"),
    Field("remarks", "Bemerkungen", {"de": "Bemerkungen", "en": "Remarks"},
          {"de": "Bemerkungen zum Stand.", "en": "Remarks on the status (in German)."},
          path=PG.remark, input_kind="textarea"),
)

# The text properties a correction may replace, by the name a form or sheet gives them.
CORRECTABLE: dict[str, URIRef] = {
    "description": DCTERMS.description, "status": PG.statusText, "remarks": PG.remark,
    "target_groups": PG.targetGroupText, "responsible": PG.responsibleText,
}

CORRECTION_FIELDS: tuple[Field, ...] = (
    Field("target", "Maßnahme oder Ziel", {"de": "Maßnahme oder Ziel", "en": "Measure or goal"},
          {"de": "Nummer (z. B. „B2.2“, „B2“ oder „B“) oder IRI der Maßnahme oder des Ziels, dessen Text "
                 "berichtigt wird.",
           "en": 'Number (e.g. "B2.2", "B2" or "B") or IRI of the measure or goal whose text is corrected.'},
          required=True, path=PG.correctionOf),
    Field("property", "Feld", {"de": "Feld", "en": "Field"},
          {"de": "Welcher Text berichtigt wird: Beschreibung, Status, Bemerkungen, Zielgruppe oder Verantwortlich.",
           "en": "Which text is corrected: description, status, remarks, target groups or responsible."},
          required=True, path=PG.correctedProperty, input_kind="select", choices=tuple(CORRECTABLE)),
    Field("text", "Neuer Wortlaut", {"de": "Neuer Wortlaut", "en": "New wording"},
          {"de": "Der berichtigte Text, vollständig.", "en": "The corrected text, in full (in German)."},
          required=True, path=PROV.value, input_kind="textarea"),
    Field("reason", "Begründung", {"de": "Begründung", "en": "Reason"},
          {"de": "Warum der Text berichtigt wird.", "en": "Why the text is corrected (in German)."},
          path=RDFS.comment, input_kind="textarea"),
)

KINDS: dict[str, tuple[Field, ...]] = {"measure": MEASURE_FIELDS, "status": STATUS_FIELDS,
                                       "correction": CORRECTION_FIELDS}
# The field that names each kind of entry: a problem of the entry as a whole (no path) is shown there.
KEY_FIELDS = {"measure": "number", "status": "measure", "correction": "target"}


@dataclass(frozen=True)
class FieldProblem:
    """A value that names nothing usable (an unknown goal, an ambiguous name, a malformed date)."""

    field: str
    value: str
    messages: dict[str, str]

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or self.messages["en"]


@dataclass
class Entry:
    """An entry graph, its main resource, which field each property came from (so that a validation problem
    at a path can be shown next to its field), and the values that could not be resolved."""

    kind: str
    graph: Graph
    focus: URIRef
    fields: dict[URIRef, str]
    problems: list[FieldProblem] = field(default_factory=list)

    def field_of(self, node: Node, path: Node | None) -> str | None:
        """The field a validation result on `node` at `path` belongs to: the field of that path on the focus,
        or of the link from the focus to a dependent node (a qualified attribution), else the entry's key field."""
        if node != self.focus:
            links = [p for p in self.graph.predicates(self.focus, node) if p in self.fields]
            if links:
                return self.fields[URIRef(str(links[0]))]
        if node == self.focus and isinstance(path, URIRef) and path in self.fields:
            return self.fields[path]
        return KEY_FIELDS.get(self.kind)


Values = Mapping[str, str | Sequence[str]]


def build_entry(kind: str, values: Values, store: Store, minter: Minter, today: date) -> Entry:
    """An entry graph from form fields or a sheet's row: values resolved against the published data, literals
    cleaned (NFC, stripped, German), empty values left out. `today` dates status reports without a date and
    names corrections."""
    fields = KINDS.get(kind)
    if fields is None:
        return Entry(kind, Graph(), NO_FOCUS, {}, [FieldProblem("kind", kind, {
            "de": f"Unbekannte Art von Eintrag „{kind}“; möglich sind: {', '.join(KINDS)}.",
            "en": f'Unknown kind of entry "{kind}"; possible are: {", ".join(KINDS)}.'})])
    builder = _Builder(kind, fields, values, store, minter, today)
    _BUILDERS[kind](builder)
    return builder.entry()


class _Builder:
    """The entry under construction: the triples of its focus, and the problems found on the way."""

    def __init__(self, kind: str, fields: tuple[Field, ...], values: Values, store: Store, minter: Minter,
                 today: date) -> None:
        self.kind, self.store, self.minter, self.today = kind, store, minter, today
        self.fields = {f.name: f for f in fields}
        self.graph = bind_prefixes(Graph())
        self.focus = NO_FOCUS
        self.problems = [FieldProblem(name, _joined(value), {
            "de": f"Unbekanntes Feld „{name}“; möglich sind: {', '.join(self.fields)}.",
            "en": f'Unknown field "{name}"; possible are: {", ".join(self.fields)}.'})
            for name, value in values.items() if name not in self.fields]
        self._texts: dict[str, str] = {}
        self._items: dict[str, tuple[str, list[str]]] = {}
        for f in fields:
            raw = values.get(f.name, "")
            given = [clean(raw)] if isinstance(raw, str) else [clean(v) for v in raw if clean(v)]
            if f.multiple:  # the verbatim text, and the values split on ';' and line breaks
                parts = re.split(r"[;\n]", "\n".join(given))
                self._items[f.name] = ("; ".join(given), list(dict.fromkeys(p for p in map(clean, parts) if p)))
                continue
            if len(given) > 1:
                self.problem(f.name, "; ".join(given), {"de": "Dieses Feld nimmt nur einen Wert.",
                                                        "en": "This field takes one value only."})
            self._texts[f.name] = given[0] if given else ""

    def text(self, name: str) -> str:
        """A single-valued field's cleaned text ('' if empty)."""
        return self._texts[name]

    def items(self, name: str) -> tuple[str, list[str]]:
        """A multi-valued field: its verbatim text, and its values."""
        return self._items[name]

    def problem(self, name: str, value: str, messages: dict[str, str]) -> None:
        self.problems.append(FieldProblem(name, value, messages))

    def anchor(self, name: str, kind: Kind, what: dict[str, str]) -> URIRef | None:
        """The existing resource an entry hangs on (a goal, a measure): without it no IRI can be minted."""
        text = self.text(name)
        if not text:
            self.problem(name, "", {"de": f"{what['de']} fehlt; ohne diese Angabe lässt sich kein Eintrag bilden.",
                                    "en": f"{what['en']} is missing; without it no entry can be built."})
            return None
        found = resolve_notation(self.store, kind, text)
        if isinstance(found, Unresolved):
            self.problem(name, text, found.messages)
            return None
        return found

    def names(self, name: str, kind: Kind) -> list[URIRef]:
        """The resources a multi-valued field names; each unknown or ambiguous name is a problem."""
        _, parts = self.items(name)
        resolved = resolve_names(self.store, kind, parts)
        found = []
        for part in parts:
            result = resolved.get(part)
            if isinstance(result, URIRef):
                found.append(result)
            elif isinstance(result, Unresolved):
                self.problem(name, part, result.messages)
        return list(dict.fromkeys(found))

    def add(self, predicate: URIRef, obj: Node) -> None:
        self.graph.add((self.focus, predicate, obj))

    def add_text(self, predicate: URIRef, text: str) -> None:
        if text:
            self.add(predicate, Literal(text, lang="de"))

    def entry(self) -> Entry:
        graph = self.graph if self.focus != NO_FOCUS else Graph()
        fields = {p: f.name for f in self.fields.values() for p in f.paths}
        return Entry(self.kind, graph, self.focus, fields, self.problems)


def _joined(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else "; ".join(value)


def _measure(b: _Builder) -> None:
    goal = b.anchor("goal", ACTION_GOAL, {"de": "Das Handlungsziel", "en": "The action goal"})
    number = b.text("number").upper()
    label = field_label(b.store, goal) if goal is not None else None
    if goal is not None and label is None:
        b.problem("goal", b.text("goal"), {"de": "Das Handlungsziel gehört zu keinem Handlungsfeld.",
                                           "en": "The action goal belongs to no field of action."})
    if not number:
        b.problem("number", "", {"de": "Die Nummer der Maßnahme fehlt: ohne sie lässt sich keine IRI bilden.",
                                 "en": "The number of the measure is missing: without it no IRI can be minted."})
    elif not _NOTATION_CHARS.match(number):
        b.problem("number", number, {"de": f"„{number}“ ist keine Nummer einer Maßnahme (z. B. „B2.4“).",
                                     "en": f'"{number}" is not the number of a measure (e.g. "B2.4").'})
    elif goal is not None and label is not None:
        b.focus = b.minter.measure(label, number)  # a number already taken is the plan rules' finding
    responsible_text, _ = b.items("responsible")
    agents = b.names("responsible", ORGANISATION)
    groups_text, _ = b.items("target_groups")
    groups = b.names("target_groups", target_groups(b.minter))
    places = b.names("places", PLACE)
    status = b.text("status")
    category = resolve_names(b.store, STATUS, [status], suggest=False).get(status) if status else None
    b.add(RDF.type, PG.Measure)
    b.add(SKOS.notation, Literal(number))
    b.add(RDFS.label, Literal(f"Maßnahme {number}", lang="de"))
    b.add(RDFS.label, Literal(f"Measure {number}", lang="en"))
    b.add_text(DCTERMS.description, b.text("text"))
    if goal is not None:
        b.add(PG.servesGoal, goal)
    for agent in agents:
        node = b.minter.attribution(b.focus, "verantwortlich", slug(str(agent).rstrip("/").rsplit("/", 1)[-1]))
        b.add(PROV.wasAttributedTo, agent)
        b.add(PROV.qualifiedAttribution, node)
        b.graph.add((node, RDF.type, PROV.Attribution))
        b.graph.add((node, PROV.agent, agent))
        b.graph.add((node, DCAT.hadRole, PG.RoleResponsible))
    b.add_text(PG.responsibleText, responsible_text)
    for group in groups:
        b.add(DCTERMS.audience, group)
    b.add_text(PG.targetGroupText, groups_text)
    b.add_text(PG.statusText, status)
    if isinstance(category, URIRef):
        b.add(ADMS.status, category)
    b.add_text(PG.remark, b.text("remarks"))
    for place in places:
        b.add(DCTERMS.spatial, place)


def _status(b: _Builder) -> None:
    measure = b.anchor("measure", MEASURE, {"de": "Die Maßnahme", "en": "The measure"})
    day = parse_date(b.text("date"), b.today)
    if day is None:
        b.problem("date", b.text("date"), {
            "de": f"„{b.text('date')}“ ist kein Datum: bitte JJJJ-MM-TT schreiben, z. B. {b.today.isoformat()}.",
            "en": f'"{b.text("date")}" is not a date: please write YYYY-MM-DD, e.g. {b.today.isoformat()}.'})
    category_text = b.text("status_category")
    category = resolve_names(b.store, STATUS, [category_text]).get(category_text) if category_text else None
    if isinstance(category, Unresolved):
        b.problem("status_category", category_text, category.messages)
    if measure is not None and day is not None:
        b.focus = b.minter.status_report(measure, day.isoformat())
        b.add(RDF.type, PG.StatusReport)
        b.add(PG.statusOf, measure)
        b.add(DCTERMS.date, Literal(day.isoformat(), datatype=XSD.date))
    b.add_text(PG.statusText, b.text("status"))
    if isinstance(category, URIRef):
        b.add(ADMS.status, category)
    b.add_text(PG.remark, b.text("remarks"))


def _correction(b: _Builder) -> None:
    target = b.anchor("target", MEASURE_OR_GOAL, {"de": "Die Maßnahme oder das Ziel", "en": "The measure or goal"})
    chosen = b.text("property")
    prop = correctable(chosen) if chosen else None
    if chosen and prop is None:
        b.problem("property", chosen, {
            "de": f"„{chosen}“ ist kein berichtigbares Feld; möglich sind: {', '.join(CORRECTABLE)}.",
            "en": f'"{chosen}" is not a field that can be corrected; possible are: {", ".join(CORRECTABLE)}.'})
    if target is not None:  # named by day and field, so that one day's corrections of two fields do not clash
        b.focus = b.minter.correction(target, b.today.isoformat(), _field_name(prop))
        b.add(RDF.type, PG.TextCorrection)
        b.add(PG.correctionOf, target)
    if prop is not None:
        b.add(PG.correctedProperty, prop)
    b.add_text(PROV.value, b.text("text"))
    b.add_text(RDFS.comment, b.text("reason"))


_BUILDERS: dict[str, Callable[[_Builder], None]] = {
    "measure": _measure, "status": _status, "correction": _correction,
}


def _field_name(prop: URIRef | None) -> str:
    """'Beschreibung' for dcterms:description: the German name of the measure field the property belongs to."""
    names = [f.label["de"] for f in MEASURE_FIELDS if prop is not None and prop in f.paths]
    return names[0] if names else ""


def correctable(text: str) -> URIRef | None:
    """The text property a correction names: by its choice name, its IRI, or the label or column of the measure
    field it belongs to ('Zielgruppe', 'Beschreibung', ...), compared without case."""
    key = clean(text).casefold()
    for name, prop in CORRECTABLE.items():
        spellings = {name, str(prop)}
        for f in MEASURE_FIELDS:
            if prop in f.paths:
                spellings |= {f.column, *f.label.values()}
        if key in {s.casefold() for s in spellings}:
            return prop
    return None


def parse_date(text: str, today: date) -> date | None:
    """A day as YYYY-MM-DD, or DD.MM.YYYY as German Excel writes dates into a CSV; empty: today."""
    if not text:
        return today
    german = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if german:
        text = f"{german[3]}-{int(german[2]):02d}-{int(german[1]):02d}"
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
