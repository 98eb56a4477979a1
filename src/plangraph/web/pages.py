"""Pages people read: the plan overview and the HTML of every resource page (the view models come from
`plangraph.describe`; which representation a request gets is `linked_data`'s business). German first,
English where labels exist, chosen by ?lang= or Accept-Language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from plangraph.describe import (
    Labeller,
    Linker,
    PlanIndex,
    ResourceView,
    ShapeView,
    SourceLine,
    Value,
    VocabularyView,
    plan_index,
)
from plangraph.plan_view import Node, plan_tree
from plangraph.web.state import digests, minter

pages = Blueprint("pages", __name__)
LANGUAGES = ("de", "en")

# What the templates say around the data, in each language.
UI: dict[str, dict[str, Any]] = {
    "de": {
        "site": "plangraph – Integrationskonzept Herne", "skip": "Zum Inhalt springen", "overview": "Übersicht",
        "breadcrumbs": "Brotkrümelnavigation", "language": "Sprache", "other_lang": ("en", "English"),
        "plan_title": "Integrationskonzept Herne", "iri": "IRI", "kind": "Art",
        "status": "Umsetzungsstand", "status_category": "Stand", "status_text": "Status (Wortlaut)",
        "history": "Verlauf des Umsetzungsstands", "current_status": "Aktueller Stand", "as_of": "Stand vom",
        "plan_status": "Stand laut Integrationskonzept", "reported_by": "gemeldet von", "recorded": "gespeichert",
        "corrections": "Korrekturen", "corrected_field": "Feld", "new_text": "Neuer Wortlaut",
        "replaced_text": "Ersetzter Wortlaut", "reason": "Begründung",
        "remarks": "Bemerkungen", "details": "Angaben", "parts": "Teile dieser Seite",
        "notes": "Redaktionelle Hinweise", "incoming": "Verweise auf diese Seite", "from": "Von",
        "via_property": "über", "measures": "Maßnahmen", "via": "über", "role": "Rolle",
        "here_and_via": "hier und über", "statistics": "Statistik",
        "statistics_intro": "Werte aus statistischen Datensätzen (RDF Data Cube), deren Bezugsgebiet dieser Ort ist.",
        "period": "Jahr", "unit": "Einheit", "approx": "ca.",
        "formats": "Diese Seite als Daten", "property": "Eigenschaft", "value": "Wert",
        "children": {"Measure": "Maßnahmen", "ActionGoal": "Handlungsziele", "GuidingGoal": "Leitziele",
                     "FieldOfAction": "Handlungsfelder", "Feature": "Orte darin"},
        "children_default": "Untergeordnet", "source_text": "Text der Quelle", "line": "Zeile",
        "departments": "Verantwortliche Stellen", "target_groups": "Zielgruppen", "places": "Orte",
        "programmes": "Programme", "tools": "Daten und Werkzeuge", "query": "SPARQL-Abfrage",
        "downloads": "Downloads", "validate": "Daten prüfen (Validierung)", "vocabulary": "Vokabular",
        "shapes": "SHACL-Formen", "plan_page": "Beschreibung des Plans", "count_measures": "Maßnahmen",
        "measure_one": "Maßnahme",
        "guiding_goals": "Leitziele", "action_goals": "Handlungsziele", "guiding_goal_one": "Leitziel",
        "action_goal_one": "Handlungsziel",
        "triples": "Tripel im veröffentlichten Datensatz", "not_found": "Nicht gefunden",
        "not_found_text": "Zu dieser IRI gibt es in diesem Datensatz keine Beschreibung:",
        "suggestions": "Vielleicht gesucht", "definition": "Definition", "classes": "Klassen",
        "properties": "Eigenschaften", "schemes": "Begriffsschemata", "targets": "Ziel der Form",
        "field": "Feld", "path": "Pfad", "constraints": "Bedingungen", "message": "Meldung",
        "shapes_intro": "Jede Form prüft eine Klasse des Datenmodells; die Meldungen sieht, wer Daten einreicht.",
        "search": "Suche", "search_label": "Im Plan suchen", "search_button": "Suchen",
        "search_hint": "Groß- und Kleinschreibung und Umlaute sind egal: „fluchtling“ findet „Flüchtling“.",
        "results": "Treffer", "no_results": "Keine Treffer.", "filters": "Eingrenzen",
        "clear_filters": "Alle Filter entfernen", "as_json": "Ergebnis als JSON",
        "examples": "Beispielabfragen", "query_label": "SPARQL-Abfrage", "run_query": "Abfrage ausführen",
        "query_hint": "Dieselben Abfragen beantwortet der SPARQL-Endpunkt für Programme:",
        "query_error": "Die Abfrage konnte nicht ausgeführt werden", "result": "Ergebnis", "rows": "Zeilen",
        "truncated": "gekürzt auf", "yes": "Ja", "no": "Nein", "download": "Ergebnis herunterladen",
        "validate_intro": "Einen neuen Eintrag (z. B. eine Maßnahme oder einen Status) im Zusammenhang des "
                          "veröffentlichten Plans prüfen. Gespeichert wird nichts.",
        "entry": "Eintrag", "entry_format": "Format", "entry_file": "oder eine Datei hochladen",
        "check": "Prüfen", "conforms": "Konform: keine Probleme gefunden.", "problems": "Probleme",
        "problem_focus": "Ressource", "problem_path": "Eigenschaft", "problem_value": "Wert",
        "input_error": "Der Eintrag konnte nicht gelesen werden",
        "kinds": {"status": "Statusmeldung", "measure": "Neue Maßnahme", "correction": "Textkorrektur",
                  "rdf": "Turtle / JSON-LD", "csv": "Tabelle (CSV)"},
        "required": "Pflichtfeld", "choose": "– bitte wählen –", "entry_problem": "Der Eintrag als Ganzes",
        "field_problems": "Probleme in den markierten Feldern", "token": "Schreib-Token",
        "token_help": "Das Token Ihrer Stelle; es wird nur zum Einreichen gebraucht und nicht gespeichert.",
        "submit": "Prüfen und einreichen", "writes_off": "Einreichen ist auf diesem Server abgeschaltet "
        "(kein Token-Verzeichnis eingerichtet); prüfen geht trotzdem.", "stored": "Gespeichert",
        "stored_links": "Zu sehen auf", "csv_file": "CSV-Datei (Vorlage: eine Zeile je Maßnahme)",
        "csv_template": "Vorlage herunterladen", "row": "Zeile", "column": "Spalte", "offending": "Wert",
        "conforms_form": "Konform: Der Eintrag kann so eingereicht werden.",
    },
    "en": {
        "site": "plangraph – Herne integration concept", "skip": "Skip to content", "overview": "Overview",
        "breadcrumbs": "Breadcrumbs", "language": "Language", "other_lang": ("de", "Deutsch"),
        "plan_title": "Herne integration concept", "iri": "IRI", "kind": "Type",
        "status": "Implementation status", "status_category": "Stage", "status_text": "Status (verbatim)",
        "history": "Status history", "current_status": "Current status", "as_of": "As of",
        "plan_status": "Status according to the integration plan", "reported_by": "reported by",
        "recorded": "recorded", "corrections": "Corrections", "corrected_field": "Field", "new_text": "New wording",
        "replaced_text": "Replaced wording", "reason": "Reason",
        "remarks": "Remarks", "details": "Details", "parts": "Parts of this page",
        "notes": "Editorial notes", "incoming": "Links to this page", "from": "From",
        "via_property": "via", "measures": "Measures", "via": "via", "role": "role",
        "here_and_via": "here and via", "statistics": "Statistics",
        "statistics_intro": "Values from statistical data sets (RDF Data Cube) whose reference area is this place.",
        "period": "Year", "unit": "unit", "approx": "approx.",
        "formats": "This page as data", "property": "Property", "value": "Value",
        "children": {"Measure": "Measures", "ActionGoal": "Action goals", "GuidingGoal": "Guiding goals",
                     "FieldOfAction": "Fields of action", "Feature": "Places within"},
        "children_default": "Parts", "source_text": "Text of the source", "line": "Line",
        "departments": "Responsible bodies", "target_groups": "Target groups", "places": "Places",
        "programmes": "Programmes", "tools": "Data and tools", "query": "SPARQL query",
        "downloads": "Downloads", "validate": "Check data (validation)", "vocabulary": "Vocabulary",
        "shapes": "SHACL shapes", "plan_page": "Description of the plan", "count_measures": "measures",
        "measure_one": "measure",
        "guiding_goals": "guiding goals", "action_goals": "action goals", "guiding_goal_one": "guiding goal",
        "action_goal_one": "action goal",
        "triples": "triples in the published dataset", "not_found": "Not found",
        "not_found_text": "This dataset has no description of this IRI:",
        "suggestions": "Perhaps you were looking for", "definition": "Definition", "classes": "Classes",
        "properties": "Properties", "schemes": "Concept schemes", "targets": "Target of the shape",
        "field": "Field", "path": "Path", "constraints": "Constraints", "message": "Message",
        "shapes_intro": "Each shape checks one class of the data model; whoever submits data reads the messages.",
        "search": "Search", "search_label": "Search the plan", "search_button": "Search",
        "search_hint": "Case and umlauts do not matter: \"fluchtling\" finds \"Flüchtling\".",
        "results": "results", "no_results": "No results.", "filters": "Narrow down",
        "clear_filters": "Remove all filters", "as_json": "Results as JSON",
        "examples": "Example queries", "query_label": "SPARQL query", "run_query": "Run query",
        "query_hint": "Programs get the same answers from the SPARQL endpoint:",
        "query_error": "The query could not be run", "result": "Result", "rows": "rows",
        "truncated": "cut to", "yes": "Yes", "no": "No", "download": "Download the result",
        "validate_intro": "Check a new entry (e.g. a measure or a status) in the context of the published "
                          "plan. Nothing is stored.",
        "entry": "Entry", "entry_format": "Format", "entry_file": "or upload a file",
        "check": "Check", "conforms": "Conforms: no problems found.", "problems": "Problems",
        "problem_focus": "Resource", "problem_path": "Property", "problem_value": "Value",
        "input_error": "The entry could not be read",
        "kinds": {"status": "Status update", "measure": "New measure", "correction": "Text correction",
                  "rdf": "Turtle / JSON-LD", "csv": "Spreadsheet (CSV)"},
        "required": "required", "choose": "– please choose –", "entry_problem": "The entry as a whole",
        "field_problems": "Problems in the marked fields", "token": "Write token",
        "token_help": "Your unit's token; it is needed only to submit and is not stored.",
        "submit": "Check and submit", "writes_off": "Submitting is switched off on this server (no tokens file "
        "configured); checking still works.", "stored": "Stored", "stored_links": "See it at",
        "csv_file": "CSV file (template: one row per measure)", "csv_template": "Download the template",
        "row": "Row", "column": "Column", "offending": "Value",
        "conforms_form": "Conforms: the entry can be submitted as it is.",
    },
}


@dataclass(frozen=True)
class Alternate:
    """Another representation of the page: shown as a link and announced in <link rel="alternate">."""

    label: str
    media_type: str
    href: str


def page_lang() -> str:
    """?lang= wins, then Accept-Language; German when neither names a language we have."""
    wanted = request.args.get("lang") or request.accept_languages.best_match(LANGUAGES) or "de"
    return wanted if wanted in LANGUAGES else "de"


def linker() -> Linker:
    """Links for this request: local paths under the site's root; a ?lang= choice is kept on local links."""
    chosen = request.args.get("lang")
    return Linker(minter().base, request.script_root, chosen if chosen in LANGUAGES else None)


def render_page(template: str, lang: str, **context: Any) -> str:
    context.setdefault("alternates", [])
    return render_template(template, lang=lang, t=UI[lang], home=linker().local(""), **context)


@pages.get("/")
def overview() -> str:
    lang = page_lang()
    links = linker()
    data = digests().index_graph()
    tree = plan_tree(data, lang)
    index: PlanIndex = plan_index(data, lang, links)
    labeller = Labeller(data, lang)
    # plan_tree gives texts without their language: mark the German fallbacks on an English page
    text_lang = {node.iri: (labeller.text(URIRef(node.iri), (DCTERMS.description,)) or Value("")).lang
                 for node in _walk(tree)}
    return render_page("overview.html", lang, tree=tree, index=index, triples=digests().triples(), counts=_counts(tree),
                   href=links.href, plan=links.href(str(minter().plan())), text_lang=text_lang)


def _walk(nodes: list[Node]) -> list[Node]:
    return [n for node in nodes for n in (node, *_walk(node.children))]


def _counts(tree: list[Node]) -> dict[str, tuple[int, int, int]]:
    """Per node of the plan tree: (guiding goals, action goals, measures) below it."""
    counts: dict[str, tuple[int, int, int]] = {}
    for field_node in tree:
        totals = [len(field_node.children), 0, 0]
        for goal in field_node.children:
            measures = sum(len(action.children) for action in goal.children)
            counts[goal.iri] = (0, len(goal.children), measures)
            totals[1] += len(goal.children)
            totals[2] += measures
            for action in goal.children:
                counts[action.iri] = (0, 0, len(action.children))
        counts[field_node.iri] = (totals[0], totals[1], totals[2])
    return counts


def resource_page(view: ResourceView, alternates: list[Alternate], source: list[SourceLine] | None = None) -> str:
    template = "source.html" if source is not None else "resource.html"
    return render_page(template, view.lang, view=view, alternates=alternates, source=source,
                   canonical=view.iri if view.iri.startswith(("http://", "https://")) else None)


def vocabulary_page(view: VocabularyView, alternates: list[Alternate]) -> str:
    return render_page("vocabulary.html", view.lang, view=view, alternates=alternates)


def shapes_page(views: list[ShapeView], lang: str, alternates: list[Alternate]) -> str:
    return render_page("shapes.html", lang, shapes=views, alternates=alternates)


def not_found_page(iri: str, suggestions: list[tuple[str, str]], lang: str) -> str:
    """`suggestions`: (path shown, local link) of known resources near the unknown IRI."""
    return render_page("not_found.html", lang, iri=iri, suggestions=suggestions)
