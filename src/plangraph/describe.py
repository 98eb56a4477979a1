"""What the server says about one resource: its RDF description (its own triples, those of its hash-IRI
dependents, the labels of what it links to, its incoming links from the plan hierarchy) and the view model of
its HTML page, of the vocabulary page and of the shapes page. Pure functions over graphs: no Flask here."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from markupsafe import Markup
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS
from rdflib.term import BNode, Node

from plangraph.charts import format_number, line_chart
from plangraph.figures import place_series
from plangraph.namespaces import (
    ADMS,
    GEO,
    ORG,
    PG,
    PG_ONTOLOGY,
    QB,
    SCHEMA,
    SDMX_ATTRIBUTE,
    SDMX_DIMENSION,
    bind_prefixes,
)

TITLE_PROPS = (SKOS.prefLabel, RDFS.label, DCTERMS.title)
LABEL_PROPS = (*TITLE_PROPS, SKOS.notation)
# Incoming links that belong to a resource's RDF description: the plan hierarchy and what measures point at.
INCOMING = (PG.inPlan, PG.inField, PG.subGoalOf, PG.servesGoal, PROV.wasAttributedTo, DCTERMS.audience,
            SKOS.broader, DCTERMS.spatial, GEO.sfWithin, PG.withinProgramme)
CHILDREN = (PG.servesGoal, PG.subGoalOf, PG.inField, PG.inPlan, GEO.sfWithin)  # listed as the page's children
# Upward links, in the order breadcrumbs follow them (the plan itself is the overview page, so no pg:inPlan).
PARENTS = (PG.servesGoal, PG.subGoalOf, PG.inField, ORG.unitOf, ORG.subOrganizationOf, SKOS.broader,
           SKOS.topConceptOf, SKOS.inScheme, GEO.sfWithin)
# Incoming links not shown when the resource states the same link the other way round.
INVERSES: dict[Node, URIRef] = {SKOS.topConceptOf: SKOS.hasTopConcept, SKOS.broader: SKOS.narrower,
                                PG.inPlan: DCTERMS.hasPart}
TEXTS = (DCTERMS.description, RDFS.comment, SKOS.definition)  # the lead text under the title
SHOWN_APART = {RDF.type, *TITLE_PROPS, *TEXTS, PG.statusText, PG.remark, ADMS.status, SKOS.editorialNote}
ROW_ORDER = (SKOS.notation, PG.servesGoal, PG.subGoalOf, PG.inField, PG.inPlan, PG.responsibleText,
             PROV.wasAttributedTo, PROV.qualifiedAttribution, PG.targetGroupText, DCTERMS.audience, DCTERMS.spatial,
             PG.withinProgramme, DCTERMS.relation, DCTERMS.subject, DCTERMS.date, PROV.agent, DCAT.hadRole,
             PROV.hadRole, PROV.hadPlan)
LAST_ROWS = (DCTERMS.source, PROV.wasDerivedFrom)
LINKABLE_SCHEMES = ("http", "https", "mailto")
# Characters that hide or reorder text (controls but tab and line breaks, DEL and C1, bidi embeddings, overrides
# and isolates, zero-width space, word joiner and invisible operators, BOM): an IRI holding one is never a link,
# and pages show them as \uXXXX (plangraph.web.security).
HIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
                               r"\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_LINE = re.compile(r"^line=(\d+)(?:,(\d+))?$")

# Human labels (de, en) for the standard terms the pages show; plangraph's own terms take theirs from the ontology.
STANDARD_LABELS: dict[URIRef, tuple[str, str]] = {
    RDF.type: ("Art", "type"), RDFS.label: ("Bezeichnung", "label"), RDFS.comment: ("Erläuterung", "comment"),
    RDFS.seeAlso: ("Siehe auch", "see also"), RDFS.subClassOf: ("Unterklasse von", "subclass of"),
    RDFS.subPropertyOf: ("Unterproperty von", "subproperty of"), RDFS.domain: ("Definitionsbereich", "domain"),
    RDFS.range: ("Wertebereich", "range"), OWL.disjointWith: ("Disjunkt mit", "disjoint with"),
    OWL.versionIRI: ("Versions-IRI", "version IRI"), OWL.versionInfo: ("Version", "version"),
    SKOS.prefLabel: ("Bezeichnung", "preferred label"), SKOS.altLabel: ("Auch genannt", "also known as"),
    SKOS.hiddenLabel: ("Verborgene Bezeichnung", "hidden label"), SKOS.notation: ("Nummer", "number"),
    SKOS.broader: ("Oberbegriff", "broader"), SKOS.narrower: ("Unterbegriff", "narrower"),
    SKOS.inScheme: ("Begriffsschema", "in scheme"), SKOS.topConceptOf: ("Oberster Begriff in", "top concept of"),
    SKOS.hasTopConcept: ("Oberste Begriffe", "top concepts"), SKOS.editorialNote: ("Redaktioneller Hinweis",
                                                                                  "editorial note"),
    SKOS.definition: ("Definition", "definition"), SKOS.relatedMatch: ("Verwandt mit", "related match"),
    SKOS.note: ("Anmerkung", "note"), DCTERMS.title: ("Titel", "title"),
    DCTERMS.description: ("Beschreibung", "description"), DCTERMS.source: ("Quelle", "source"),
    DCTERMS.audience: ("Zielgruppe", "target group"), DCTERMS.spatial: ("Ort", "place"),
    DCTERMS.subject: ("Thema", "subject"), DCTERMS.relation: ("Bezug", "related to"),
    DCTERMS.publisher: ("Herausgeber", "publisher"), DCTERMS.creator: ("Urheber", "creator"),
    DCTERMS.hasPart: ("Umfasst", "has part"), DCTERMS.isPartOf: ("Teil von", "part of"),
    DCTERMS.date: ("Datum", "date"), DCTERMS.issued: ("Erschienen", "issued"),
    DCTERMS.identifier: ("Kennung", "identifier"), DCTERMS.format: ("Format", "format"),
    DCTERMS.temporal: ("Zeitraum", "period"), DCTERMS.license: ("Lizenz", "licence"),
    DCAT.hadRole: ("Rolle", "role"), DCAT.startDate: ("Beginn", "start"), DCAT.endDate: ("Ende", "end"),
    PROV.wasAttributedTo: ("Verantwortlich", "responsible"),
    PROV.qualifiedAttribution: ("Beteiligung", "attribution"), PROV.agent: ("Akteur", "agent"),
    PROV.hadPlan: ("Maßnahme", "measure"), PROV.hadRole: ("Rolle", "role"),
    PROV.wasAssociatedWith: ("Beteiligt", "associated with"),
    PROV.qualifiedAssociation: ("Beteiligung", "association"), PROV.atLocation: ("Ort", "location"),
    PROV.used: ("Nutzte", "used"), PROV.generated: ("Ergebnis", "generated"),
    PROV.wasGeneratedBy: ("Entstanden durch", "generated by"), PROV.wasDerivedFrom: ("Abgeleitet aus",
                                                                                     "derived from"),
    ORG.unitOf: ("Einheit von", "unit of"), ORG.subOrganizationOf: ("Teil von", "part of"),
    ORG.linkedTo: ("Verbunden mit", "linked to"), GEO.sfWithin: ("Liegt in", "within"),
    SCHEMA.sameAs: ("Dasselbe wie", "same as"), ADMS.status: ("Umsetzungsstand", "status"),
    QB.dataSet: ("Datensatz", "data set"), QB.structure: ("Struktur", "structure"),
    SDMX_DIMENSION.refArea: ("Bezugsgebiet", "reference area"),
    SDMX_DIMENSION.refPeriod: ("Bezugszeitraum", "reference period"),
    SDMX_ATTRIBUTE.obsStatus: ("Status des Werts", "observation status"),
    SDMX_ATTRIBUTE.unitMeasure: ("Einheit", "unit"),
    QB.component: ("Komponente", "component"),
    # classes
    ORG.OrganizationalUnit: ("Organisationseinheit", "organisational unit"),
    ORG.FormalOrganization: ("Organisation", "organisation"), ORG.Organization: ("Organisation", "organisation"),
    ORG.OrganizationalCollaboration: ("Bündnis", "collaboration"), SKOS.Concept: ("Begriff", "concept"),
    SKOS.ConceptScheme: ("Begriffsschema", "concept scheme"), GEO.Feature: ("Ort", "place"),
    PROV.Activity: ("Ereignis", "activity"), PROV.Attribution: ("Zuschreibung", "attribution"),
    PROV.Association: ("Beteiligung", "association"), PROV.Entity: ("Datenbestand", "entity"),
    FOAF.Document: ("Dokument", "document"), QB.Observation: ("Beobachtung", "observation"),
    QB.DataSet: ("Datensatz", "data set"), QB.DataStructureDefinition: ("Datenstruktur", "data structure"),
    QB.ComponentSpecification: ("Komponente", "component"), QB.MeasureProperty: ("Messgröße", "measure property"),
    DCTERMS.PeriodOfTime: ("Zeitraum", "period of time"), SCHEMA.Course: ("Kurs", "course"),
    RDF.Property: ("Property", "property"), OWL.Class: ("Klasse", "class"),
    OWL.ObjectProperty: ("Objekt-Property", "object property"),
    OWL.DatatypeProperty: ("Daten-Property", "datatype property"),
}
WORDS = {"de": {"lines": "Zeilen", "line": "Zeile"}, "en": {"lines": "lines", "line": "line"}}
_NAMES = bind_prefixes(Graph()).namespace_manager


# --- values the templates show ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Value:
    """A text to show: a literal, or the label of an IRI with the link to follow (None: not a link)."""

    text: str
    lang: str | None = None
    iri: str | None = None
    href: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in re.split(r"\n\s*\n", self.text) if p.strip()]


@dataclass(frozen=True)
class Row:
    label: Value  # the property's human label (linked to its definition where we have one)
    values: list[Value]


@dataclass
class Item:
    """A measure or goal in a list: its link, its text, and how it is related to the page's resource (`via` the
    narrower groups or places within it that link it; `direct` when it is also linked to the resource itself)."""

    link: Value
    description: Value | None = None
    via: list[Value] = field(default_factory=list)
    roles: list[Value] = field(default_factory=list)
    notation: str = ""
    direct: bool = False


@dataclass
class Part:
    """A hash-IRI dependent (an attribution, a period, ...) shown within its document's page."""

    id: str
    title: Value
    kinds: list[Value]
    rows: list[Row]


@dataclass
class Report:
    """One dated status of a measure (a pg:StatusReport), or its status as the plan states it."""

    id: str  # the fragment of its hash IRI ("" for the plan's own status)
    date: str  # ISO date ("" when the plan's status has no date)
    status: list[Value]
    text: list[Value]
    remarks: list[Value]
    by: list[Value]  # who reported it
    recorded: str  # when it was stored (prov:generatedAtTime)


@dataclass
class Correction:
    """A corrected text field, with the wording it replaced."""

    id: str
    field: Value
    text: list[Value]
    replaced: list[Value]
    reason: list[Value]
    by: list[Value]
    recorded: str


@dataclass(frozen=True)
class FigureRow:
    period: str
    value: str  # written for the page's language
    estimate: bool


@dataclass
class Indicator:
    """One measure property of a data set at a place: its values as a table and, where they are numbers, a chart."""

    name: Value
    unit: Value | None
    rows: list[FigureRow]
    chart: Markup | None


@dataclass
class Statistics:
    """A Data Cube data set with observations at the page's place."""

    dataset: Value
    indicators: list[Indicator]


@dataclass
class ResourceView:
    iri: str
    lang: str
    title: Value
    kinds: list[Value]
    breadcrumbs: list[Value]
    description: list[Value]
    status: list[Value]
    status_text: list[Value]
    remarks: list[Value]
    notes: list[Value]
    rows: list[Row]
    children: list[Item]
    children_kind: str | None  # the local name of the children's class, e.g. "Measure"
    measures: list[Item]
    parts: list[Part]
    incoming: list[Row]
    history: list[Report] = field(default_factory=list)  # newest first; the plan's own status last
    corrections: list[Correction] = field(default_factory=list)  # newest first
    statistics: list[Statistics] = field(default_factory=list)  # of a place: the observations at it, by data set


@dataclass(frozen=True)
class Linker:
    """Where a link to an IRI points: local IRIs to local paths (so pages work on any host), the vocabulary to
    /def, other http(s) IRIs to themselves; anything else (javascript:, data:, ...) is not a link."""

    base: str
    root: str = ""  # the path the site is mounted at ('' at the host's root)
    lang: str | None = None  # a language chosen by ?lang=, kept on local links

    def local(self, path: str) -> str:
        main, hash_, fragment = path.partition("#")
        query = f"?lang={self.lang}" if self.lang else ""
        return f"{self.root}/{quote(main, safe=_SAFE)}{query}{hash_}{quote(fragment, safe=_SAFE)}"

    def href(self, iri: str) -> str | None:
        if iri.startswith(self.base):
            return self.local(iri[len(self.base):])
        if iri == PG_ONTOLOGY or iri.startswith(str(PG)):
            return self.local("def" + iri[len(PG_ONTOLOGY):])
        scheme = urlsplit(iri).scheme.lower() if ":" in iri else ""
        unsafe = re.search(r"[\s<>\"'`]", iri) or HIDDEN_CHARACTERS.search(iri)
        return iri if scheme in LINKABLE_SCHEMES and not unsafe else None


_SAFE = "/=,;:@!$&'()*+-._~%"


# --- labels ---------------------------------------------------------------------------------------------

class Labeller:
    """Labels of IRIs in one language (German as the fallback), from the data and the vocabulary."""

    def __init__(self, graph: Graph, lang: str, vocabulary: Graph | None = None) -> None:
        self.graphs = [graph] if vocabulary is None else [graph, vocabulary]
        self.lang = lang if lang in WORDS else "de"

    def literals(self, node: Node, prop: URIRef) -> list[Literal]:
        return [o for g in self.graphs for o in g.objects(node, prop) if isinstance(o, Literal)]

    def pick(self, values: list[Literal]) -> list[Literal]:
        """The values in the page's language, else in German, else all; untagged values always."""
        plain = [v for v in values if not v.language]
        for wanted in (self.lang, "de"):
            tagged = [v for v in values if v.language == wanted]
            if tagged:
                return sorted(plain) + sorted(tagged)
        return sorted(values)

    def text(self, node: Node, props: Iterable[URIRef]) -> Value | None:
        values = [(v, i) for i, p in enumerate(props) for v in self.literals(node, p)]
        for wanted in (self.lang, "de", None):
            matching = sorted((i, str(v)) for v, i in values if v.language == wanted)
            if matching:
                return Value(matching[0][1], wanted)
        return Value(str(values[0][0]), values[0][0].language) if values else None

    def label(self, iri: Node, here: str | None = None) -> Value:
        """The human label of an IRI; `here` is the page's resource (a hash dependent of it is named by its
        agent, one of another document by that document)."""
        found = self.text(iri, TITLE_PROPS)
        if found:
            return found
        if isinstance(iri, URIRef) and iri in STANDARD_LABELS:
            return Value(STANDARD_LABELS[iri][0 if self.lang == "de" else 1], self.lang)
        text = str(iri)
        document, hash_, fragment = text.partition("#")
        if hash_ and isinstance(iri, URIRef) and self._is_dependent(iri, URIRef(document), fragment):
            return self._dependent(iri, URIRef(document), fragment, here)
        notation = self.text(iri, (SKOS.notation,))
        if notation:
            return notation
        return Value(_short(iri))

    def _is_dependent(self, iri: URIRef, document: URIRef, fragment: str) -> bool:
        """A node of a document in the data (an attribution, a line range), not a term of a vocabulary."""
        data = self.graphs[0]
        return not str(document).startswith(PG_ONTOLOGY) and (document, None, None) in data and (
            (iri, None, None) in data or _LINE.match(fragment) is not None)

    def _dependent(self, iri: URIRef, document: URIRef, fragment: str, here: str | None) -> Value:
        lines = _LINE.match(fragment)
        if lines:
            first, last = int(lines.group(1)) + 1, lines.group(2)
            words = WORDS[self.lang]
            span = f"{words['lines']} {first}–{last}" if last and int(last) > first else f"{words['line']} {first}"
            return Value(f"{self.label(document).text}, {span}", self.lang)
        role = next((o for g in self.graphs for p in (DCAT.hadRole, PROV.hadRole) for o in g.objects(iri, p)), None)
        agent = next((o for g in self.graphs for o in g.objects(iri, PROV.agent)), None)
        name = self.label(agent) if agent is not None and str(document) == here else self.label(document)
        if role is None:
            return name if name.text != str(document) else Value(fragment)
        return Value(f"{name.text} – {self.label(role).text}", name.lang)


def _short(node: Node) -> str:
    """A prefixed name where a prefix fits (skos:notation), else the IRI itself."""
    try:
        short = _NAMES.normalizeUri(node) if isinstance(node, URIRef) else str(node)
    except Exception:  # rdflib cannot split every IRI into prefix and name; the IRI itself will do
        return str(node)
    return str(node) if short.startswith("<") else short


def sort_key(text: str) -> str:
    """Alphabetical order as a German reader expects it: umlauts with their base letters, case ignored."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()


def value(labeller: Labeller, linker: Linker, node: Node, here: str | None = None) -> Value:
    if isinstance(node, Literal):
        return Value(str(node), node.language)
    if isinstance(node, BNode):
        return Value("[…]")
    label = labeller.label(node, here)
    return Value(label.text, label.lang, str(node), linker.href(str(node)))


# --- the RDF description ---------------------------------------------------------------------------------

def _ordered(nodes: Iterable[Node]) -> list[Node]:
    return sorted(nodes, key=str)


def dependents(graph: Graph, iri: str) -> list[URIRef]:
    """The hash IRIs of a document (`iri#...`) that are subjects in the graph."""
    prefix = iri + "#"
    return sorted(s for s in graph.subjects(unique=True) if isinstance(s, URIRef) and str(s).startswith(prefix))


def is_known(graph: Graph, iri: str) -> bool:
    node = URIRef(iri)
    return (node, None, None) in graph or (None, None, node) in graph or bool(dependents(graph, iri))


def describe(graph: Graph, iri: str, vocabulary: Graph | None = None) -> Graph:
    """The resource's triples, those of its hash-IRI dependents, its incoming links from the plan hierarchy and
    from measures, and the labels and notations of every IRI it links to (from the data or the vocabulary)."""
    subject = URIRef(iri)
    out = bind_prefixes(Graph())
    own = [subject, *dependents(graph, iri)]
    for s in own:
        for p, o in graph.predicate_objects(s):
            out.add((s, p, o))
    for p in INCOMING:
        for source in graph.subjects(p, subject):
            out.add((source, p, subject))
    linked = {n for triple in out for n in (triple[0], triple[2]) if isinstance(n, URIRef)} - set(own)
    for node in linked:
        for g in (graph,) if vocabulary is None else (graph, vocabulary):
            for p in LABEL_PROPS:
                for o in g.objects(node, p):
                    out.add((node, p, o))
    return out


# --- the page of a resource -------------------------------------------------------------------------------

def _notation_key(graph: Graph, node: Node) -> tuple[tuple[int | str, ...], str]:
    notation = str(graph.value(node, SKOS.notation) or "")
    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"\d+|\D+", notation)), str(node)


def _below(graph: Graph, top: URIRef, prop: URIRef) -> list[URIRef]:
    """`top` and everything that reaches it by `prop` (narrower groups, places within), cycle-safe."""
    found, queue = [top], [top]
    while queue:
        for s in _ordered(graph.subjects(prop, queue.pop(0))):
            if isinstance(s, URIRef) and s not in found:
                found.append(s)
                queue.append(s)
    return found


def measure_links(graph: Graph, iri: str) -> list[tuple[URIRef, URIRef | None, URIRef | None, tuple[Node, Node]]]:
    """The measures related to a department, target group (with narrower groups), place (with the places within
    it) or programme: (measure, via which narrower group/place, in which role, the incoming link it accounts for)."""
    node = URIRef(iri)
    measures = set(graph.subjects(RDF.type, PG.Measure))
    hits: list[tuple[URIRef, URIRef | None, URIRef | None, tuple[Node, Node]]] = []
    for m in graph.subjects(PROV.wasAttributedTo, node):
        hits.append((URIRef(str(m)), None, None, (m, PROV.wasAttributedTo)))
    for attribution in graph.subjects(PROV.agent, node):
        role = graph.value(attribution, DCAT.hadRole)
        for m in graph.subjects(PROV.qualifiedAttribution, attribution):
            hits.append((URIRef(str(m)), None, role if isinstance(role, URIRef) else None, (attribution, PROV.agent)))
    for prop, down in ((DCTERMS.audience, SKOS.broader), (DCTERMS.spatial, GEO.sfWithin)):
        for member in _below(graph, node, down):
            for m in graph.subjects(prop, member):
                hits.append((URIRef(str(m)), None if member == node else member, None, (m, prop)))
    for m in graph.subjects(PG.withinProgramme, node):
        hits.append((URIRef(str(m)), None, None, (m, PG.withinProgramme)))
    return [hit for hit in hits if hit[0] in measures]


def _items(graph: Graph, labeller: Labeller, linker: Linker, nodes: Iterable[Node]) -> list[Item]:
    items = []
    for node in sorted(set(nodes), key=lambda n: _notation_key(graph, n)):
        description = labeller.text(node, (DCTERMS.description,))
        items.append(Item(value(labeller, linker, node), description, notation=str(graph.value(node, SKOS.notation)
                                                                                  or "")))
    return items


def _property(labeller: Labeller, linker: Linker, prop: Node) -> Value:
    """A property's label, linked only to our own definitions (no row of links out to the W3C)."""
    label = value(labeller, linker, prop)
    local = label.href if label.href and not label.href.startswith(("http://", "https://")) else None
    return Value(label.text, label.lang, label.iri, local)


def _rows(graph: Graph, labeller: Labeller, linker: Linker, subject: Node, skip: set[URIRef],
          here: str | None = None) -> list[Row]:
    by_prop: dict[URIRef, list[Node]] = {}
    for p, o in graph.predicate_objects(subject):
        if isinstance(p, URIRef) and p not in skip:
            by_prop.setdefault(p, []).append(o)
    rows = []
    for prop, objects in by_prop.items():
        literals = labeller.pick([o for o in objects if isinstance(o, Literal)])
        others = sorted((o for o in objects if not isinstance(o, Literal)), key=lambda n: _notation_key(graph, n))
        values = [value(labeller, linker, o, here) for o in [*literals, *others]]
        rows.append(Row(_property(labeller, linker, prop), values))
    order = {p: i for i, p in enumerate(ROW_ORDER)}

    def rank(row: Row) -> tuple[int, str]:
        prop = URIRef(row.label.iri or "")
        if prop in LAST_ROWS:
            return len(order) + 1 + LAST_ROWS.index(prop), row.label.text
        return order.get(prop, len(order)), sort_key(row.label.text)

    return sorted(rows, key=rank)


def resource_view(graph: Graph, iri: str, lang: str, linker: Linker, vocabulary: Graph | None = None) -> ResourceView:
    """The page of one resource: title in the chosen language (German as fallback), breadcrumbs from the
    hierarchy, property rows with human labels, its children, related measures, dependents and incoming links."""
    labeller = Labeller(graph, lang, vocabulary)
    node = URIRef(iri)

    def values(prop: URIRef) -> list[Value]:
        return [value(labeller, linker, o, iri) for o in labeller.pick(labeller.literals(node, prop))]

    crumbs: list[Value] = []
    seen: set[Node] = {node}
    current: Node = node
    while (parent := next((o for p in PARENTS for o in _ordered(graph.objects(current, p))
                           if isinstance(o, URIRef) and o not in seen), None)) is not None:
        crumbs.insert(0, value(labeller, linker, parent))
        seen.add(parent)
        current = parent
    children_nodes = [s for p in CHILDREN for s in graph.subjects(p, node)]
    covered: set[tuple[Node, Node]] = {(s, p) for p in CHILDREN for s in graph.subjects(p, node)}
    children = _items(graph, labeller, linker, children_nodes)
    kind = None
    if children_nodes:  # places are places first, whatever kind of place (pg:District, pg:Locality, ...)
        kind = GEO.Feature if (children_nodes[0], RDF.type, GEO.Feature) in graph else next(
            (o for o in _ordered(graph.objects(children_nodes[0], RDF.type)) if str(o).startswith(str(PG))), None)
    if kind == GEO.Feature:  # places have no numbering: by name
        children.sort(key=lambda item: sort_key(item.link.text))
    measures: dict[URIRef, Item] = {}
    for measure, via, role, link in measure_links(graph, iri):
        covered.add(link)
        item = measures.setdefault(measure, _items(graph, labeller, linker, [measure])[0])
        item.direct = item.direct or via is None
        for extra, bucket in ((via, item.via), (role, item.roles)):
            if extra is not None and all(v.iri != str(extra) for v in bucket):
                bucket.append(value(labeller, linker, extra))
    for item in measures.values():
        item.via.sort(key=lambda v: sort_key(v.text))
    reports = sorted(graph.subjects(PG.statusOf, node), key=lambda r: (str(graph.value(r, DCTERMS.date)),
                                                                        str(graph.value(r, PROV.generatedAtTime))),
                     reverse=True)
    fixes = sorted(graph.subjects(PG.correctionOf, node), key=lambda c: str(graph.value(c, PROV.generatedAtTime)),
                   reverse=True)
    covered |= {(r, PG.statusOf) for r in reports} | {(c, PG.correctionOf) for c in fixes}
    statistics, observations = _statistics(graph, labeller, linker, node)
    covered |= {(o, SDMX_DIMENSION.refArea) for o in observations}
    history = [_report(graph, labeller, linker, r, iri) for r in reports]
    if history and (node, PG.statusText, None) in graph:  # the plan's own status: the oldest entry
        history.append(Report("", "", [value(labeller, linker, o) for o in _ordered(graph.objects(node, ADMS.status))],
                              values(PG.statusText), [], [], ""))
    corrections = [_correction(graph, labeller, linker, c, iri) for c in fixes]
    apart = set(reports) | set(fixes)
    parts = [Part(str(d).partition("#")[2], labeller.label(d, iri),
                  [value(labeller, linker, o) for o in _ordered(graph.objects(d, RDF.type))],
                  _rows(graph, labeller, linker, d, {RDF.type}, iri)) for d in dependents(graph, iri) if d not in apart]
    incoming: dict[Node, list[Node]] = {}
    for s, p in sorted(graph.subject_predicates(node), key=str):
        shown = p in INVERSES and (node, INVERSES[p], s) in graph  # the same link, stated both ways
        if (s, p) not in covered and not shown and not str(s).startswith(iri + "#"):
            incoming.setdefault(p, []).append(s)
    return ResourceView(
        iri=iri, lang=labeller.lang, title=labeller.label(node),
        kinds=[value(labeller, linker, o) for o in _ordered(graph.objects(node, RDF.type))],
        breadcrumbs=crumbs, description=[v for p in TEXTS for v in values(p)],
        status=[value(labeller, linker, o) for o in _ordered(graph.objects(node, ADMS.status))],
        status_text=values(PG.statusText), remarks=values(PG.remark), notes=values(SKOS.editorialNote),
        rows=_rows(graph, labeller, linker, node, SHOWN_APART, iri),
        children=children, children_kind=re.split(r"[#/]", str(kind))[-1] if kind else None,
        measures=sorted(measures.values(), key=lambda i: _notation_key(graph, URIRef(i.link.iri or ""))),
        parts=parts, history=history, corrections=corrections, statistics=statistics,
        incoming=[Row(_property(labeller, linker, p), [value(labeller, linker, s) for s in
                                                   sorted(set(subjects), key=lambda n: _notation_key(graph, n))])
                  for p, subjects in sorted(incoming.items(), key=lambda item: str(item[0]))],
    )


def _statistics(graph: Graph, labeller: Labeller, linker: Linker, place: URIRef) -> tuple[list[Statistics], set[Node]]:
    """The observations at a place by data set (ordered by name), each measure property with its unit, its values
    over the periods and a chart of the numbers; and the observations shown (not to be listed again as links)."""
    series, observations = place_series(graph, place)
    by_dataset: dict[URIRef, Statistics] = {}
    for s in series:
        name = value(labeller, linker, s.measure)
        names = labeller.pick([u for u in s.units if isinstance(u, Literal)])  # in the page's language
        unit = value(labeller, linker, [*names, *s.units][0]) if s.units else None
        points = [(f.period, f.value) for f in s.figures if f.value is not None]
        chart = line_chart(points, name.text, unit.text if unit else None, labeller.lang) if points else None
        rows = [FigureRow(f.period, format_number(f.value, labeller.lang) if f.value is not None else f.text,
                          f.estimate) for f in s.figures]
        entry = by_dataset.setdefault(s.dataset, Statistics(value(labeller, linker, s.dataset), []))
        entry.indicators.append(Indicator(name, unit, rows, chart))
    for entry in by_dataset.values():
        entry.indicators.sort(key=lambda i: sort_key(i.name.text))
    return sorted(by_dataset.values(), key=lambda s: sort_key(s.dataset.text)), observations


def _report(graph: Graph, labeller: Labeller, linker: Linker, report: Node, iri: str) -> Report:
    def literals(prop: URIRef) -> list[Value]:
        return [value(labeller, linker, o) for o in labeller.pick(labeller.literals(report, prop))]

    return Report(str(report).partition("#")[2], str(graph.value(report, DCTERMS.date) or ""),
                  [value(labeller, linker, o) for o in _ordered(graph.objects(report, ADMS.status))],
                  literals(PG.statusText), literals(PG.remark),
                  [value(labeller, linker, o, iri) for o in _ordered(graph.objects(report, PROV.wasAttributedTo))],
                  str(graph.value(report, PROV.generatedAtTime) or ""))


def _correction(graph: Graph, labeller: Labeller, linker: Linker, correction: Node, iri: str) -> Correction:
    def literals(prop: URIRef) -> list[Value]:
        return [value(labeller, linker, o) for o in _ordered(graph.objects(correction, prop))]

    prop = graph.value(correction, PG.correctedProperty)
    by = [value(labeller, linker, o, iri) for o in _ordered(graph.objects(correction, PROV.wasAttributedTo))]
    return Correction(str(correction).partition("#")[2],
                      _property(labeller, linker, prop) if prop is not None else Value("?"),
                      literals(PROV.value), literals(PG.replacedText), literals(RDFS.comment), by,
                      str(graph.value(correction, PROV.generatedAtTime) or ""))


# --- the overview's index and the not-found page ------------------------------------------------------------

@dataclass
class Entry:
    link: Value
    count: int
    children: list[Entry] = field(default_factory=list)


@dataclass
class PlanIndex:
    departments: list[Entry]
    target_groups: list[Entry]
    places: list[Entry]
    programmes: list[Entry]


def plan_index(graph: Graph, lang: str, linker: Linker) -> PlanIndex:
    """Who is responsible, for whom, where and within which programme, each with its number of measures."""
    labeller = Labeller(graph, lang)

    def entry(node: Node) -> Entry:
        return Entry(value(labeller, linker, node), len({hit[0] for hit in measure_links(graph, str(node))}))

    def by_label(nodes: Iterable[Node]) -> list[Entry]:
        return sorted((entry(n) for n in set(nodes) if isinstance(n, URIRef)), key=lambda e: sort_key(e.link.text))

    def tree(node: Node, seen: frozenset[Node] = frozenset()) -> Entry:
        top = entry(node)
        inside = [s for s in graph.subjects(GEO.sfWithin, node) if s not in seen]
        top.children = sorted((tree(s, seen | {node}) for s in inside), key=lambda e: sort_key(e.link.text))
        return top

    measures = set(graph.subjects(RDF.type, PG.Measure))
    places = set(graph.subjects(RDF.type, GEO.Feature))
    groups: set[Node] = {o for m in measures for o in graph.objects(m, DCTERMS.audience)}
    groups |= {b for g in list(groups) for b in graph.transitive_objects(g, SKOS.broader) if b is not None}
    return PlanIndex(
        departments=by_label(o for m in measures for o in graph.objects(m, PROV.wasAttributedTo)),
        target_groups=by_label(groups),
        places=sorted((tree(p) for p in places if not set(graph.objects(p, GEO.sfWithin)) & places),
                      key=lambda e: sort_key(e.link.text)),
        programmes=by_label(graph.subjects(RDF.type, PG.Programme)),
    )


def suggestions(known: Iterable[str], iri: str, base: str, limit: int = 8) -> list[str]:
    """Known documents near an unknown IRI: those under it (it names a folder), else the most similar paths.
    `known`: the documents of the data (subject IRIs without their fragments)."""
    if not iri.startswith(base):
        return []
    documents = sorted({d for d in known if d.startswith(base)})
    path = iri[len(base):].rstrip("/")
    under = [d for d in documents if d[len(base):].startswith(path + "/")] if path else documents
    if under:
        return under[:limit]
    paths = {d[len(base):].lower(): d for d in documents}
    return [paths[p] for p in difflib.get_close_matches(path.lower(), list(paths), n=limit, cutoff=0.6)]


# --- the vocabulary, the shapes and the source text --------------------------------------------------------

@dataclass
class Term:
    id: str
    iri: str
    title: Value
    kinds: list[Value]
    definition: Value | None
    rows: list[Row]
    members: list[Term] = field(default_factory=list)  # the concepts of a concept scheme


@dataclass
class VocabularyView:
    iri: str
    lang: str
    title: Value
    description: Value | None
    rows: list[Row]
    classes: list[Term]
    properties: list[Term]
    schemes: list[Term]


_TERM_SKIP = {RDF.type, RDFS.label, SKOS.prefLabel, SKOS.definition, RDFS.isDefinedBy, SKOS.inScheme,
              SKOS.topConceptOf, SKOS.hasTopConcept}


def vocabulary_view(ontology: Graph, lang: str, linker: Linker) -> VocabularyView:
    """The documentation page of the vocabulary, generated from the ontology itself."""
    labeller = Labeller(ontology, lang)
    home = URIRef(PG_ONTOLOGY)

    def terms(types: Iterable[URIRef]) -> list[Term]:
        nodes = {s for t in types for s in ontology.subjects(RDF.type, t) if str(s).startswith(str(PG))}
        return [Term(str(n)[len(str(PG)):], str(n), labeller.label(n),
                     [value(labeller, linker, t) for t in _ordered(ontology.objects(n, RDF.type))],
                     labeller.text(n, (SKOS.definition,)), _rows(ontology, labeller, linker, n, _TERM_SKIP))
                for n in _ordered(nodes)]

    schemes = terms([SKOS.ConceptScheme])
    for scheme in schemes:
        members = set(ontology.subjects(SKOS.inScheme, URIRef(scheme.iri)))
        scheme.members = [t for t in terms([SKOS.Concept]) if URIRef(t.iri) in members]
    return VocabularyView(PG_ONTOLOGY, labeller.lang, labeller.label(home), labeller.text(home, (DCTERMS.description,)),
                          _rows(ontology, labeller, linker, home, {RDF.type, DCTERMS.title, DCTERMS.description}),
                          terms([OWL.Class]), terms([OWL.ObjectProperty, OWL.DatatypeProperty]), schemes)


@dataclass
class ShapeView:
    id: str
    iri: str
    title: Value
    targets: list[Row]
    constraints: list[Row]  # one per property shape or SPARQL constraint: the field, then path and message


def _term_text(graph: Graph, node: Node) -> str:
    if isinstance(node, BNode):
        items = list(Collection(graph, node)) if (node, RDF.first, None) in graph else []
        return "(" + " ".join(_term_text(graph, i) for i in items) + ")" if items else "[…]"
    return _short(node)


_SHAPE_TEXT = {SH.path, SH.name, SH.message, SH.description, RDF.type, SH.select, SH.prefixes, SH.order}


def shapes_view(shapes: Graph, lang: str, linker: Linker, vocabulary: Graph | None = None) -> list[ShapeView]:
    """Every node shape with its targets and, per property shape or SPARQL constraint, the field name, the
    path, the constraints in brief and the message a data steward reads."""
    labeller = Labeller(shapes, lang, vocabulary)
    views = []
    for shape in sorted(s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)):
        skip = {URIRef(str(p)) for p in set(shapes.predicates(shape)) if not str(p).startswith(str(SH) + "target")}
        targets = _rows(shapes, labeller, linker, shape, skip)
        constraints = []
        for part in [*_ordered(shapes.objects(shape, SH.property)), *_ordered(shapes.objects(shape, SH.sparql))]:
            name = labeller.text(part, (SH.name,)) or Value(_term_text(shapes, shapes.value(part, SH.path) or part))
            brief = [f"{_term_text(shapes, p)} {_term_text(shapes, o)}"
                     for p, o in sorted(shapes.predicate_objects(part), key=str)
                     if str(p).startswith(str(SH)) and p not in _SHAPE_TEXT]
            path = shapes.value(part, SH.path)
            sparql = "SPARQL (sh:select)" if (part, SH.select, None) in shapes else "–"
            cells = [value(labeller, linker, path) if path is not None else Value("SPARQL"),
                     Value("; ".join(brief) or sparql)]
            message = labeller.text(part, (SH.message,))
            constraints.append(Row(name, [*cells, message or Value("")]))
        local = str(shape)[len(str(PG)):] if str(shape).startswith(str(PG)) else str(shape)
        views.append(ShapeView(local, str(shape), labeller.label(shape), targets, constraints))
    return views


@dataclass(frozen=True)
class SourceLine:
    number: int  # 1-based
    anchor: str  # RFC 5147 position before the line: 'line=12' for line 13
    ranges: list[str]  # the fragments of line ranges in the data that start here ('line=12,27')
    text: str


def source_lines(text: str, graph: Graph, document: str) -> list[SourceLine]:
    """The lines of a plain-text source with an anchor each, and one more per line range the data cites."""
    starts: dict[int, list[str]] = {}
    prefix = document + "#"
    for o in set(graph.all_nodes()):
        fragment = str(o)[len(prefix):] if isinstance(o, URIRef) and str(o).startswith(prefix) else ""
        match = _LINE.match(fragment)
        if match and match.group(2):
            starts.setdefault(int(match.group(1)), []).append(fragment)
    return [SourceLine(i + 1, f"line={i}", sorted(starts.get(i, []), key=lambda f: (len(f), f)), line)
            for i, line in enumerate(text.splitlines())]
