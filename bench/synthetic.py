"""Synthetic action plans for the storage benchmark: N cities, each with the plan shape of docs/data-model.md
and district statistics as an RDF Data Cube, written as N-Quads of about a given number of triples.

    .venv/bin/python bench/synthetic.py --triples 100000 --seed 1 --out build/bench/synthetic-100k.nq

Writes ``OUT`` (N-Quads, UTF-8, one quad per line, no duplicates, no blank nodes) and ``OUT.params.json`` (the
summary: counts and the parameter pools that ``render_query`` draws from). The output depends only on
``(target_triples, seed)``: the same arguments give a byte-identical file (``random.Random`` seeded with strings,
no iteration over sets or hashes). A city depends only on the seed and its position, so a larger file starts with
the same cities as a smaller one, except for the smaller one's last city, which is cut down to land on the target.

Per city ``C`` (base ``https://w3id.org/plangraph/bench/C/``):

* graph ``…/C/graph/plan``: the plan ``…/C/integrationskonzept`` (pg:ActionPlan) with 3–6 fields of action
  ``…/C/{field}``, guiding goals ``…/C/{field}/leitziel/A``, action goals ``…/C/{field}/handlungsziel/A1``,
  measures ``…/C/{field}/massnahme/A1-1`` (pg:servesGoal, skos:notation, rdfs:label @de/@en, dcterms:description,
  pg:responsibleText, prov:wasAttributedTo and a prov:qualifiedAttribution hash node with dcat:hadRole
  pg:RoleResponsible, pg:targetGroupText and dcterms:audience, dcterms:spatial, often pg:statusText with
  adms:status, sometimes pg:remark, dcterms:source line fragments); the city ``…/C/org/stadt-C``
  (org:FormalOrganization) and its departments ``…/C/org/{unit}`` (org:OrganizationalUnit, org:unitOf); target
  groups ``…/C/zielgruppe/{group}`` in the scheme ``…/C/zielgruppe`` (skos:broader where one group narrows
  another); places ``…/C/ort/C`` (the city), ``…/C/ort/stadtbezirk-{name}`` (4–10) and ``…/C/ort/{quarter}``,
  each geo:Feature with geo:sfWithin.
* graph ``…/C/graph/statistics``: 1–2 qb:DataSets ``…/C/statistik/{dataset}`` with a DSD
  ``…/C/statistik/{dataset}/struktur`` (dimensions sdmx-dimension:refArea and :refPeriod, 3–6 measure properties
  ``…/C/statistik/{dataset}/indikator/{name}`` with a unit as sdmx-attribute:unitMeasure) and one observation
  ``…/C/statistik/{dataset}/beobachtung/{place}-{year}`` per place and year (10 years, refPeriod an xsd:gYear).

The vocabulary (ontology/plangraph.ttl) is included once in graph ``https://w3id.org/plangraph/def``.

The query mix is ``bench/queries/q*.rq``; ``render_query(name, pools, i)`` fills in the i-th parameters.
"""

from __future__ import annotations

import argparse
import json
import re
import string
import sys
import time
from bisect import bisect
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from random import Random

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ONTOLOGY = ROOT / "ontology" / "plangraph.ttl"
QUERY_DIR = HERE / "queries"

BENCH_BASE = "https://w3id.org/plangraph/bench/"
VOCABULARY_GRAPH = "https://w3id.org/plangraph/def"

PG = "https://w3id.org/plangraph/def#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
DCAT = "http://www.w3.org/ns/dcat#"
ORG = "http://www.w3.org/ns/org#"
ADMS = "http://www.w3.org/ns/adms#"
GEO = "http://www.opengis.net/ont/geosparql#"
FOAF = "http://xmlns.com/foaf/0.1/"
QB = "http://purl.org/linked-data/cube#"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_ATT = "http://purl.org/linked-data/sdmx/2009/attribute#"
UNIT = "http://qudt.org/vocab/unit/"

# --- N-Quads terms -----------------------------------------------------------------------------------------------

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LITERAL_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_LANG = re.compile(r"^[a-zA-Z]+(-[a-zA-Z0-9]+)*$")


def iri(value: str) -> str:
    """An IRI as an N-Quads term; refuses characters N-Quads does not allow in an IRIREF."""
    if _IRI_FORBIDDEN.search(value):
        raise ValueError(f"not writable as an N-Quads IRI: {value!r}")
    return f"<{value}>"


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """A literal as an N-Quads term: escapes backslash, quote, LF and CR (everything else stays UTF-8)."""
    quoted = '"' + text.translate(_LITERAL_ESCAPES) + '"'
    if lang:
        if not _LANG.match(lang):
            raise ValueError(f"bad language tag {lang!r}")
        return f"{quoted}@{lang}"
    if datatype and datatype != XSD + "string":
        return f"{quoted}^^{iri(datatype)}"
    return quoted


def de(text: str) -> str:
    return literal(text, "de")


def en(text: str) -> str:
    return literal(text, "en")


# predicates and classes, already as terms
A = iri(RDF + "type")
LABEL = iri(RDFS + "label")
PREF = iri(SKOS + "prefLabel")
NOTATION = iri(SKOS + "notation")
IN_SCHEME = iri(SKOS + "inScheme")
TOP_OF = iri(SKOS + "topConceptOf")
HAS_TOP = iri(SKOS + "hasTopConcept")
BROADER = iri(SKOS + "broader")
HIDDEN = iri(SKOS + "hiddenLabel")
DESCRIPTION = iri(DCT + "description")
TITLE = iri(DCT + "title")
SOURCE = iri(DCT + "source")
SPATIAL = iri(DCT + "spatial")
AUDIENCE = iri(DCT + "audience")
PUBLISHER = iri(DCT + "publisher")
HAS_PART = iri(DCT + "hasPart")
IDENTIFIER = iri(DCT + "identifier")
FORMAT = iri(DCT + "format")
ATTRIBUTED = iri(PROV + "wasAttributedTo")
QUALIFIED = iri(PROV + "qualifiedAttribution")
AGENT = iri(PROV + "agent")
DERIVED = iri(PROV + "wasDerivedFrom")
HAD_ROLE = iri(DCAT + "hadRole")
UNIT_OF = iri(ORG + "unitOf")
STATUS = iri(ADMS + "status")
WITHIN = iri(GEO + "sfWithin")
IN_PLAN = iri(PG + "inPlan")
IN_FIELD = iri(PG + "inField")
SUB_GOAL = iri(PG + "subGoalOf")
SERVES = iri(PG + "servesGoal")
STATUS_TEXT = iri(PG + "statusText")
REMARK = iri(PG + "remark")
TARGET_TEXT = iri(PG + "targetGroupText")
RESPONSIBLE_TEXT = iri(PG + "responsibleText")
C_PLAN = iri(PG + "ActionPlan")
C_FIELD = iri(PG + "FieldOfAction")
C_GUIDING = iri(PG + "GuidingGoal")
C_ACTION = iri(PG + "ActionGoal")
C_MEASURE = iri(PG + "Measure")
C_ATTRIBUTION = iri(PROV + "Attribution")
C_ENTITY = iri(PROV + "Entity")
C_CITY = iri(ORG + "FormalOrganization")
C_UNIT = iri(ORG + "OrganizationalUnit")
C_CONCEPT = iri(SKOS + "Concept")
C_SCHEME = iri(SKOS + "ConceptScheme")
C_FEATURE = iri(GEO + "Feature")
C_DOCUMENT = iri(FOAF + "Document")
ROLE_RESPONSIBLE = iri(PG + "RoleResponsible")
QB_DATASET, QB_DSD = iri(QB + "DataSet"), iri(QB + "DataStructureDefinition")
QB_COMPONENT = iri(QB + "ComponentSpecification")
QB_MEASURE_PROPERTY, QB_OBSERVATION = iri(QB + "MeasureProperty"), iri(QB + "Observation")
QB_STRUCTURE, QB_COMP, QB_DIMENSION = iri(QB + "structure"), iri(QB + "component"), iri(QB + "dimension")
QB_MEASURE, QB_ATTRIBUTE, QB_ORDER = iri(QB + "measure"), iri(QB + "attribute"), iri(QB + "order")
QB_ATTACHMENT, QB_DATASET_P = iri(QB + "componentAttachment"), iri(QB + "dataSet")
RDF_PROPERTY, RANGE = iri(RDF + "Property"), iri(RDFS + "range")
REF_AREA, REF_PERIOD = iri(SDMX_DIM + "refArea"), iri(SDMX_DIM + "refPeriod")
UNIT_MEASURE = iri(SDMX_ATT + "unitMeasure")

STATUSES = ("StatusPlanned", "StatusInPreparation", "StatusInProgress", "StatusCompleted", "StatusContinuous")

# --- word lists --------------------------------------------------------------------------------------------------

CITY_STEMS = ("Ahl", "Bern", "Dorn", "Eich", "Fried", "Gold", "Hain", "Kirch", "Lind", "Mühl", "Ober", "Rosen",
              "Stein", "Wald", "Wester", "Adel", "Birken", "Brun", "Dürr", "Eller", "Falken", "Greven", "Hasel",
              "Iser", "Königs", "Lauen", "Marien", "Nieder", "Oster", "Reh", "Sonnen", "Tann", "Uhlen", "Wolfs",
              "Zell", "Buch", "Erl", "Heil", "Schön", "Weiß")
CITY_SUFFIXES = ("burg", "hausen", "feld", "heim", "stadt", "dorf", "berg", "bach", "au", "ingen", "hagen", "rode")

FIELDS = (  # (de, en)
    ("Wohnen und Stadtentwicklung", "Housing and urban development"), ("Bildung", "Education"),
    ("Sprache", "Language"), ("Arbeit und Wirtschaft", "Work and economy"),
    ("Gesundheit und Pflege", "Health and care"), ("Kultur, Sport und Freizeit", "Culture, sport and leisure"),
    ("Soziales und Teilhabe", "Social affairs and participation"),
    ("Kinder, Jugend und Familie", "Children, youth and family"),
    ("Zusammenleben und Sicherheit", "Living together and safety"),
    ("Politische Partizipation", "Political participation"),
    ("Interkulturelle Öffnung der Verwaltung", "Intercultural opening of the administration"),
    ("Klima und Umwelt", "Climate and environment"),
)
DEPARTMENTS = (  # (de, en)
    ("Fachbereich Umwelt und Stadtplanung", "Department of Environment and Urban Planning"),
    ("Fachbereich Stadtentwicklung", "Department of Urban Development"),
    ("Fachbereich Soziales", "Department of Social Affairs"), ("Ausländeramt", "Foreigners' Office"),
    ("Kommunales Integrationszentrum", "Municipal Integration Centre"), ("Jugendamt", "Youth Welfare Office"),
    ("Schulamt", "School Office"), ("Gesundheitsamt", "Public Health Office"),
    ("Amt für Wirtschaftsförderung", "Economic Development Office"), ("Kulturamt", "Cultural Office"),
    ("Sportamt", "Sports Office"), ("Volkshochschule", "Adult Education Centre"),
    ("Stadtbibliothek", "City Library"), ("Ordnungsamt", "Public Order Office"),
    ("Amt für Wohnungswesen", "Housing Office"), ("Gleichstellungsstelle", "Equal Opportunities Office"),
    ("Seniorenbüro", "Senior Citizens' Office"), ("Personalamt", "Human Resources Office"),
    ("Amt für Digitalisierung", "Digitalisation Office"),
    ("Fachbereich Kinder, Jugend und Familie", "Department of Children, Youth and Family"),
)
TARGET_GROUPS = (  # (de, en, broader de or None)
    ("Menschen mit Fluchterfahrung", "People with refugee experience", None),
    ("Menschen mit Fluchterfahrung in den städtischen Unterkünften",
     "People with refugee experience in municipal accommodation", "Menschen mit Fluchterfahrung"),
    ("Familien", "Families", None), ("Familien mit kleinen Kindern", "Families with young children", "Familien"),
    ("Jugendliche", "Young people", None),
    ("Jugendliche ohne Schulabschluss", "Young people without a school-leaving certificate", "Jugendliche"),
    ("Kinder", "Children", None), ("Eltern", "Parents", None), ("Frauen", "Women", None),
    ("Frauen mit Migrationsgeschichte", "Women with a migration history", "Frauen"),
    ("Ältere Menschen", "Older people", None),
    ("Ältere Menschen mit Migrationsgeschichte", "Older people with a migration history", "Ältere Menschen"),
    ("Neuzugewanderte", "Newly arrived immigrants", None),
    ("Neuzugewanderte aus der EU", "Newly arrived immigrants from the EU", "Neuzugewanderte"),
    ("Arbeitsuchende", "Job seekers", None), ("Langzeitarbeitslose", "Long-term unemployed", "Arbeitsuchende"),
    ("Auszubildende", "Apprentices", None), ("Schülerinnen und Schüler", "Pupils", None),
    ("Lehrkräfte", "Teachers", None), ("Ehrenamtliche", "Volunteers", None),
    ("Migrantenorganisationen", "Migrant organisations", None), ("Vereine", "Associations", None),
    ("Wohnungswirtschaft", "Housing industry", None), ("Mieter/-innen", "Tenants", None),
    ("Wohnungssuchende", "Home seekers", None), ("Verwaltung", "Administration", None),
    ("Lokale Politik", "Local politics", None), ("Öffentlichkeit", "General public", None),
    ("Stadtgesellschaft", "Urban society", None), ("Arbeitgeber", "Employers", None),
    ("Menschen mit Behinderung", "People with disabilities", None),
    ("Kitas", "Day-care centres", None),
)
DISTRICTS = ("Mitte", "Nord", "Süd", "Ost", "West", "Altstadt", "Neustadt", "Nordost", "Südwest", "Hafen",
             "Innenstadt", "Land", "Heide", "Bergviertel")
QUARTER_STEMS = ("Bickern", "Elpes", "Holt", "Röhl", "Baukau", "Horst", "Crange", "Unser", "Börnig", "Holthaus",
                 "Pöpping", "Struck", "Resse", "Eick", "Hiltrop", "Gerthe", "Kirch", "Linden", "Weitmar", "Stiepel",
                 "Wiemel", "Alten", "Laer", "Werne", "Langen", "Dahl", "Hamme", "Riemke", "Grumme", "Sodin")
QUARTER_SUFFIXES = ("", "-Nord", "-Süd", "-West", "-Ost", "hof", "feld", "heide", "busch", "kamp", "dorf")

SUBJECTS = ("Die Stadt", "Die Verwaltung", "Das Kommunale Integrationszentrum", "Der zuständige Fachbereich",
            "Die Stadt gemeinsam mit freien Trägern", "Ein Netzwerk aus Verwaltung und Zivilgesellschaft",
            "Die Volkshochschule", "Das Quartiersmanagement", "Der Integrationsrat")
VERBS = ("entwickelt", "erweitert", "fördert", "stärkt", "koordiniert", "verstetigt", "evaluiert", "unterstützt",
         "bündelt", "initiiert", "überprüft", "verbessert", "finanziert", "begleitet", "plant")
OBJECTS = ("das Beratungsangebot", "die Sprachförderung", "die Quartiersarbeit", "das Mentoringprogramm",
           "die Elternarbeit", "die Schulsozialarbeit", "das kleinräumige Monitoring", "die Nachbarschaftshilfe",
           "den Wohnungsführerschein", "die Ausbildungsbegleitung", "das Willkommensbüro", "die Gesundheitslotsen",
           "die Sprachmittlung", "den Integrationskurs", "die Hausaufgabenhilfe", "das Ehrenamtsnetzwerk",
           "die Anerkennungsberatung", "die Jobbörse", "den interkulturellen Kalender",
           "die Fortbildung der Beschäftigten", "das Patenschaftsprogramm", "die Wohnraumvermittlung",
           "den Frauentreff", "die Sportangebote", "die Ferienprogramme", "das Stadtteilfest",
           "die Antidiskriminierungsstelle", "die Kitaplatzvergabe", "das Übergangsmanagement",
           "die Schuldnerberatung", "die Demokratiewerkstatt", "den Bürgerdialog", "die Onlineberatung",
           "die Gesundheitsprävention", "das Bildungsbüro", "die Pflegeberatung", "das Seniorennetzwerk",
           "die Mietschuldenberatung", "das Familienzentrum", "die Lernwerkstatt")
FOR_GROUPS = ("für Menschen mit Fluchterfahrung", "für Familien", "für Jugendliche", "für Neuzugewanderte",
              "für ältere Migrantinnen und Migranten", "für Alleinerziehende", "für Schülerinnen und Schüler",
              "für Frauen mit Migrationsgeschichte", "für Arbeitsuchende", "für Auszubildende",
              "für Mieterinnen und Mieter", "für Ehrenamtliche")
AIMS = ("eine bessere Teilhabe am Arbeitsmarkt", "der Abbau von Zugangsbarrieren",
        "ein diskriminierungsfreier Zugang zum Wohnungsmarkt", "die frühe Förderung der Mehrsprachigkeit",
        "eine stärkere Vernetzung der Akteure", "mehr Transparenz über bestehende Angebote",
        "die Stärkung der Nachbarschaften", "eine verlässliche Datengrundlage", "gleiche Bildungschancen",
        "die interkulturelle Öffnung der Verwaltung", "eine gesunde Lebensweise",
        "die Beteiligung an politischen Entscheidungen", "bezahlbarer Wohnraum", "ein sicheres Zusammenleben")
PLURALS = ("Informationsveranstaltungen", "Sprachkurse", "Workshops", "Sprechstunden", "Fortbildungen",
           "Stadtteilrundgänge", "Elterncafés", "Lotsenprojekte", "Kooperationsvereinbarungen", "Fachtage",
           "Ausbildungsmessen", "Infobroschüren in mehreren Sprachen", "Hausbesuche", "Erzählcafés")
PARTICIPLES = ("angeboten", "durchgeführt", "organisiert", "ausgebaut", "eingerichtet", "geplant")
PARTNERS = ("der Agentur für Arbeit", "dem Jobcenter", "den Wohlfahrtsverbänden", "den Migrantenorganisationen",
            "der Wohnungswirtschaft", "den Schulen", "den Kitas", "der Industrie- und Handelskammer",
            "der Handwerkskammer", "den Sportvereinen", "den Moscheegemeinden", "den Kirchengemeinden",
            "der Polizei", "der Hochschule", "dem Mieterverein")
REMARKS = ("Finanzierung über Landesmittel.", "Abstimmung mit dem Integrationsrat erforderlich.",
           "Kooperation mit freien Trägern.", "Personalressourcen sind noch nicht gesichert.",
           'Siehe Ratsbeschluss "Zusammenleben {year}".', "Teil des Förderprogramms „Soziale Stadt“.",
           "Die Maßnahme wird jährlich im Ausschuss berichtet.", "Befristet bis {year}.")
INDICATORS = (  # (slug, de, en, unit, integer?, low, high)
    ("einwohner", "Einwohnerinnen und Einwohner", "Inhabitants", "NUM", True, 1500, 40000),
    ("haushalte", "Haushalte", "Households", "NUM", True, 800, 20000),
    ("anteil-migrationshintergrund", "Anteil der Einwohner mit Migrationshintergrund",
     "Share of inhabitants with a migration background", "PERCENT", False, 10, 60),
    ("arbeitslosenquote", "Arbeitslosenquote", "Unemployment rate", "PERCENT", False, 3, 18),
    ("sgb-ii-quote", "SGB-II-Quote", "Share of people receiving basic income support", "PERCENT", False, 4, 30),
    ("anteil-unter-18", "Anteil der unter 18-Jährigen", "Share of under-18s", "PERCENT", False, 12, 25),
    ("anteil-ueber-65", "Anteil der über 65-Jährigen", "Share of over-65s", "PERCENT", False, 14, 30),
    ("wohnflaeche-je-einwohner", "Wohnfläche je Einwohner", "Living space per inhabitant", "M2", False, 30, 52),
    ("durchschnittsalter", "Durchschnittsalter", "Average age", "YR", False, 38, 48),
    ("leerstandsquote", "Wohnungsleerstandsquote", "Housing vacancy rate", "PERCENT", False, 1, 9),
    ("kita-versorgungsquote", "Versorgungsquote Kindertagesbetreuung", "Childcare coverage rate", "PERCENT",
     False, 40, 100),
    ("einbuergerungen", "Einbürgerungen", "Naturalisations", "NUM", True, 5, 150),
)
DATASETS = (("bezirksstatistik", "Bezirksstatistik", "District statistics"),
            ("sozialmonitoring", "Sozialmonitoring", "Social monitoring"))

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.translate(_TRANSLIT).lower()).strip("-")


class _Zipf:
    """Picks from a tuple with weights 1/rank, so that some words are common and others rare."""

    def __init__(self, items: tuple[str, ...]) -> None:
        self.items = items
        self.cum = list(accumulate(1.0 / (rank + 1) for rank in range(len(items))))

    def __call__(self, rng: Random) -> str:
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]


_OBJECT, _PLURAL, _PARTNER, _AIM = _Zipf(OBJECTS), _Zipf(PLURALS), _Zipf(PARTNERS), _Zipf(AIMS)


def _description(rng: Random, districts: list[str], quarters: list[str]) -> str:
    where = rng.random()
    if where < 0.2:
        place = f" im Stadtbezirk {rng.choice(districts)}"
    elif where < 0.35:
        place = f" in {rng.choice(quarters)}" if quarters else " stadtweit"
    elif where < 0.5:
        place = " in den Quartieren mit besonderem Handlungsbedarf"
    else:
        place = ""
    sentences = [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {_OBJECT(rng)} {rng.choice(FOR_GROUPS)}{place}."]
    if rng.random() < 0.6:
        sentences.append(f"Ziel ist {_AIM(rng)}.")
    if rng.random() < 0.5:
        sentences.append(f"Dazu werden {_PLURAL(rng)} {rng.choice(PARTICIPLES)}.")
    if rng.random() < 0.35:
        sentences.append(f"Die Umsetzung erfolgt in Kooperation mit {_PARTNER(rng)}.")
    return " ".join(sentences)


def _status_text(rng: Random, status: str, year: int) -> str:
    if status == "StatusPlanned":
        text = f"Die Umsetzung ist für {year + 1} vorgesehen."
    elif status == "StatusInPreparation":
        text = f"Ein Konzept wird erarbeitet und dem Ausschuss {year} vorgelegt."
    elif status == "StatusInProgress":
        text = f"Die Maßnahme läuft seit {year - rng.randint(1, 4)}; bisher wurden {rng.randint(3, 60)} " \
               f"{_PLURAL(rng)} {rng.choice(PARTICIPLES)}."
    elif status == "StatusCompleted":
        text = f"Die Maßnahme wurde {year - rng.randint(0, 3)} abgeschlossen."
    else:
        text = "Daueraufgabe; die Maßnahme wird fortlaufend umgesetzt."
    if rng.random() < 0.15:  # a second paragraph, as in the real status texts
        text += f"\n\nAm {rng.randint(1, 28)}.{rng.randint(1, 12)}.{year} fand ein Fachtag mit {_PARTNER(rng)} statt."
    return text


# --- the vocabulary ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def vocabulary_lines() -> tuple[str, ...]:
    """ontology/plangraph.ttl as sorted N-Quads lines in graph https://w3id.org/plangraph/def (parsed once)."""
    from rdflib import Graph, Literal, URIRef

    def term(node: object) -> str:
        if isinstance(node, URIRef):
            return iri(str(node))
        if isinstance(node, Literal):
            return literal(str(node), node.language, str(node.datatype) if node.datatype else None)
        raise ValueError(f"blank node in the vocabulary: {node!r}")

    graph = iri(VOCABULARY_GRAPH)
    parsed = Graph().parse(ONTOLOGY, format="turtle")
    return tuple(sorted({f"{term(s)} {term(p)} {term(o)} {graph} .\n" for s, p, o in parsed}))


# --- one city ----------------------------------------------------------------------------------------------------


@dataclass
class _City:
    lines: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)  # those responsible for at least one measure
    guiding_goals: list[str] = field(default_factory=list)
    action_goals: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)  # those that are some measure's audience
    indicators: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    observations: int = 0
    words: Counter[str] = field(default_factory=Counter)  # document frequency of words in measure texts


_WORD = re.compile(r"\w+")


def _city(name: str, city_seed: str, scale: float = 1.0) -> _City:
    """Everything about one city. ``scale`` < 1 keeps only that fraction of its measures, quarters and years."""
    rng = Random(city_seed)
    out = _City()
    lines = out.lines
    city_slug = slug(name)
    base = f"{BENCH_BASE}{city_slug}/"
    plan_g, stats_g = iri(base + "graph/plan"), iri(base + "graph/statistics")

    def add(s: str, p: str, o: str, g: str = plan_g) -> None:
        lines.append(f"{s} {p} {o} {g} .\n")

    # graphs describe themselves, the source document
    source_iri = base + "quelle/integrationskonzept"
    source = iri(source_iri)
    add(plan_g, A, C_ENTITY)
    add(plan_g, TITLE, de(f"Synthetischer Plan der Stadt {name}"))
    add(plan_g, TITLE, en(f"Synthetic plan of the City of {name}"))
    add(plan_g, DERIVED, source)
    add(stats_g, A, C_ENTITY, stats_g)
    add(stats_g, TITLE, de(f"Synthetische Bezirksstatistik der Stadt {name}"), stats_g)
    add(stats_g, TITLE, en(f"Synthetic district statistics of the City of {name}"), stats_g)
    add(source, A, C_DOCUMENT)
    add(source, FORMAT, literal("text/plain"))
    add(source, TITLE, de(f"Integrationskonzept der Stadt {name} (Textfassung)"))

    # the city as an organisation, its departments
    city_org = iri(f"{base}org/stadt-{city_slug}")
    add(city_org, A, C_CITY)
    add(city_org, PREF, de(f"Stadt {name}"))
    add(city_org, PREF, en(f"City of {name}"))
    add(city_org, HIDDEN, de("alle Fachbereiche"))
    departments = []
    for dept_de, dept_en in sorted(rng.sample(DEPARTMENTS, rng.randint(5, 12))):
        dept_slug = slug(dept_de)
        dept = iri(f"{base}org/{dept_slug}")
        add(dept, A, C_UNIT)
        add(dept, PREF, de(dept_de))
        add(dept, PREF, en(dept_en))
        add(dept, UNIT_OF, city_org)
        departments.append((dept, dept_de, dept_slug))

    # target groups: a narrower group brings its broader one along
    chosen = {de_label for de_label, _, _ in rng.sample(TARGET_GROUPS, rng.randint(10, 22))}
    chosen |= {broader for de_label, _, broader in TARGET_GROUPS if de_label in chosen and broader}
    scheme = iri(base + "zielgruppe")
    add(scheme, A, C_SCHEME)
    add(scheme, PREF, de("Zielgruppen"))
    add(scheme, PREF, en("Target groups"))
    groups = []
    for group_de, group_en, broader in TARGET_GROUPS:  # in list order: deterministic
        if group_de not in chosen:
            continue
        group = iri(f"{base}zielgruppe/{slug(group_de)}")
        add(group, A, C_CONCEPT)
        add(group, PREF, de(group_de))
        add(group, PREF, en(group_en))
        add(group, IN_SCHEME, scheme)
        if broader:
            add(group, BROADER, iri(f"{base}zielgruppe/{slug(broader)}"))
        else:
            add(group, TOP_OF, scheme)
            add(scheme, HAS_TOP, group)
        groups.append((group, group_de))

    # places: the city, 4-10 Stadtbezirke, quarters within them
    city_place_iri = f"{base}ort/{city_slug}"
    city_place = iri(city_place_iri)
    add(city_place, A, C_FEATURE)
    add(city_place, PREF, de(name))
    add(city_place, PREF, en(name))
    add(city_place, LABEL, de(name))
    add(city_place, IDENTIFIER, literal(f"05{rng.randint(100000, 999999)}"))
    places = [(city_place_iri, city_slug, 20.0)]  # (IRI, slug, size factor for the statistics)
    district_names = rng.sample(DISTRICTS, rng.randint(4, 10))
    quarter_names: list[str] = []
    used = {city_slug}
    for district_name in district_names:
        district_slug = f"stadtbezirk-{slug(district_name)}"
        district_iri = f"{base}ort/{district_slug}"
        district = iri(district_iri)
        add(district, A, C_FEATURE)
        add(district, PREF, de(f"Stadtbezirk {district_name}"))
        add(district, PREF, en(f"{district_name} district"))
        add(district, LABEL, de(f"Stadtbezirk {district_name}"))
        add(district, WITHIN, city_place)
        places.append((district_iri, district_slug, 4.0))
        drawn = [rng.choice(QUARTER_STEMS) + rng.choice(QUARTER_SUFFIXES) for _ in range(rng.randint(1, 5))]
        for quarter_name in drawn[:max(1, round(len(drawn) * scale))]:
            quarter_slug = slug(quarter_name)
            if quarter_slug in used:
                continue
            used.add(quarter_slug)
            quarter_iri = f"{base}ort/{quarter_slug}"
            quarter = iri(quarter_iri)
            add(quarter, A, C_FEATURE)
            add(quarter, PREF, de(quarter_name))
            add(quarter, PREF, en(quarter_name))
            add(quarter, LABEL, de(quarter_name))
            add(quarter, WITHIN, district)
            places.append((quarter_iri, quarter_slug, 1.0))
            quarter_names.append(quarter_name)
    out.places = [p for p, _, _ in places]

    # the plan: fields, guiding goals (letters run on across fields), action goals, measures
    plan = iri(base + "integrationskonzept")
    add(plan, A, C_PLAN)
    add(plan, TITLE, de(f"Integrationskonzept der Stadt {name}"))
    add(plan, TITLE, en(f"Integration concept of the City of {name}"))
    add(plan, LABEL, de(f"Integrationskonzept der Stadt {name}"))
    add(plan, PUBLISHER, city_org)
    add(plan, SOURCE, source)
    report_year = rng.randint(2019, 2024)
    structure = []  # (field, [(letter, [n_measures per action goal])])
    letters = iter(string.ascii_uppercase)
    for field_de, field_en in rng.sample(FIELDS, rng.randint(3, 6)):
        goals = [(next(letters), [rng.randint(1, 4) for _ in range(rng.randint(1, 4))])
                 for _ in range(rng.randint(2, 4))]
        structure.append((field_de, field_en, goals))
    total_measures = sum(sum(counts) for _, _, goals in structure for _, counts in goals)
    keep = total_measures if scale >= 1 else max(1, round(total_measures * scale))
    line = 0
    measures_written = 0
    responsible: set[str] = set()
    audiences: set[str] = set()
    for field_de, field_en, goals in structure:
        if measures_written >= keep:
            break
        field_path = f"{base}{slug(field_de)}"
        fld = iri(field_path)
        add(fld, A, C_FIELD)
        add(fld, PREF, de(field_de))
        add(fld, PREF, en(field_en))
        add(fld, LABEL, de(f"Handlungsfeld {field_de}"))
        add(fld, IN_PLAN, plan)
        add(plan, HAS_PART, fld)
        for letter, counts in goals:
            if measures_written >= keep:
                break
            guiding = iri(f"{field_path}/leitziel/{letter}")
            add(guiding, A, C_GUIDING)
            add(guiding, NOTATION, literal(letter))
            add(guiding, LABEL, de(f"Leitziel {letter}"))
            add(guiding, LABEL, en(f"Guiding goal {letter}"))
            first, second = _AIM(rng), _AIM(rng)
            add(guiding, DESCRIPTION, de(f"Im Handlungsfeld {field_de} gilt: {first[0].upper()}{first[1:]} "
                                         f"und {second} werden dauerhaft gesichert."))
            add(guiding, IN_FIELD, fld)
            line += 4
            add(guiding, SOURCE, iri(f"{source_iri}#line={line},{line + 3}"))
            out.guiding_goals.append(guiding[1:-1])
            for number, n_measures in enumerate(counts, start=1):
                if measures_written >= keep:
                    break
                goal_notation = f"{letter}{number}"
                action = iri(f"{field_path}/handlungsziel/{goal_notation}")
                add(action, A, C_ACTION)
                add(action, NOTATION, literal(goal_notation))
                add(action, LABEL, de(f"Handlungsziel {goal_notation}"))
                add(action, LABEL, en(f"Action goal {goal_notation}"))
                aim = _AIM(rng)
                add(action, DESCRIPTION, de(f"{aim[0].upper()}{aim[1:]} wird bis {report_year + rng.randint(1, 6)} "
                                            f"erreicht."))
                add(action, SUB_GOAL, guiding)
                line += 3
                add(action, SOURCE, iri(f"{source_iri}#line={line},{line + 2}"))
                out.action_goals.append(action[1:-1])
                for k in range(1, n_measures + 1):
                    if measures_written >= keep:
                        break
                    measures_written += 1
                    notation = f"{goal_notation}.{k}"
                    measure_iri = f"{field_path}/massnahme/{goal_notation}-{k}"
                    m = iri(measure_iri)
                    add(m, A, C_MEASURE)
                    add(m, NOTATION, literal(notation))
                    add(m, LABEL, de(f"Maßnahme {notation}"))
                    add(m, LABEL, en(f"Measure {notation}"))
                    text = _description(rng, district_names, quarter_names)
                    add(m, DESCRIPTION, de(text))
                    out.words.update({w for w in _WORD.findall(text.lower()) if len(w) >= 6 and w.isascii()})
                    add(m, SERVES, action)
                    start = line
                    line += rng.randint(8, 30)
                    add(m, SOURCE, iri(f"{source_iri}#line={start},{line}"))
                    # responsibility: one or two departments, rarely the whole administration
                    if rng.random() < 0.03:
                        parties = [(city_org, "alle Fachbereiche", f"stadt-{city_slug}")]
                    else:
                        parties = sorted(rng.sample(departments, 2 if rng.random() < 0.2 else 1))
                    add(m, RESPONSIBLE_TEXT, de(", ".join(label for _, label, _ in parties)))
                    for party, _, party_slug in parties:
                        attribution = iri(f"{measure_iri}#verantwortlich-{party_slug}")
                        add(m, ATTRIBUTED, party)
                        add(m, QUALIFIED, attribution)
                        add(attribution, A, C_ATTRIBUTION)
                        add(attribution, AGENT, party)
                        add(attribution, HAD_ROLE, ROLE_RESPONSIBLE)
                        if party != city_org:
                            responsible.add(party[1:-1])
                    # target groups
                    chosen_groups = rng.sample(groups, min(len(groups), rng.randint(1, 5)))
                    text = ", ".join(label for _, label in chosen_groups[:4])
                    if len(chosen_groups) == 5:  # the verbatim field keeps a qualifier the concept drops
                        text = f"{text}; mittelbar {chosen_groups[4][1]}"
                    add(m, TARGET_TEXT, de(text))
                    for group, _ in chosen_groups:
                        add(m, AUDIENCE, group)
                        audiences.add(group[1:-1])
                    # places: the whole city, or one to three districts or quarters
                    if rng.random() < 0.35:
                        add(m, SPATIAL, city_place)
                    else:
                        for place_iri, _, _ in rng.sample(places[1:], min(len(places) - 1, rng.randint(1, 3))):
                            add(m, SPATIAL, iri(place_iri))
                    # status, remark
                    if rng.random() < 0.85:
                        status = rng.choice(STATUSES)
                        add(m, STATUS_TEXT, de(_status_text(rng, status, report_year)))
                        if rng.random() < 0.9:
                            add(m, STATUS, iri(PG + status))
                    if rng.random() < 0.3:
                        add(m, REMARK, de(rng.choice(REMARKS).format(year=report_year + rng.randint(0, 5))))
                    out.measures.append(measure_iri)
    out.departments = sorted(responsible)
    out.target_groups = sorted(audiences)

    # statistics: 1-2 data sets, each with its own indicators, one observation per place and year
    rng = Random(f"{city_seed}:statistics")  # independent of how much of the plan was kept
    years = 10 if scale >= 1 else max(2, round(10 * scale))
    last_year = rng.randint(2021, 2024)
    counts = [rng.randint(3, 6) for _ in range(1 if rng.random() < 0.5 else 2)]  # indicators per data set
    indicators = rng.sample(INDICATORS, sum(counts))  # each data set its own
    start = 0
    for (ds_slug, ds_de, ds_en), count in zip(DATASETS, counts, strict=False):
        own, start = indicators[start:start + count], start + count
        ds_path = f"{base}statistik/{ds_slug}"
        ds, dsd = iri(ds_path), iri(f"{ds_path}/struktur")

        def stat(s: str, p: str, o: str) -> None:
            lines.append(f"{s} {p} {o} {stats_g} .\n")

        stat(ds, A, QB_DATASET)
        stat(ds, TITLE, de(f"{ds_de} der Stadt {name}"))
        stat(ds, TITLE, en(f"{ds_en} of the City of {name}"))
        stat(ds, LABEL, de(ds_de))
        stat(ds, LABEL, en(ds_en))
        stat(ds, PUBLISHER, city_org)
        stat(ds, QB_STRUCTURE, dsd)
        stat(dsd, A, QB_DSD)
        stat(dsd, LABEL, de(f"Struktur: {ds_de}"))
        for order, (component, dimension) in enumerate((("referenzgebiet", REF_AREA),
                                                        ("referenzzeitraum", REF_PERIOD)), start=1):
            comp = iri(f"{ds_path}/struktur#komponente-{component}")
            stat(dsd, QB_COMP, comp)
            stat(comp, A, QB_COMPONENT)
            stat(comp, QB_DIMENSION, dimension)
            stat(comp, QB_ORDER, literal(str(order), datatype=XSD + "integer"))
        comp = iri(f"{ds_path}/struktur#komponente-einheit")
        stat(dsd, QB_COMP, comp)
        stat(comp, A, QB_COMPONENT)
        stat(comp, QB_ATTRIBUTE, UNIT_MEASURE)
        stat(comp, QB_ATTACHMENT, QB_MEASURE_PROPERTY)
        props: list[tuple[str, bool, float, float]] = []
        for ind_slug, ind_de, ind_en, unit, integer, low, high in own:
            prop_iri = f"{ds_path}/indikator/{ind_slug}"
            prop = iri(prop_iri)
            comp = iri(f"{ds_path}/struktur#komponente-{ind_slug}")
            stat(dsd, QB_COMP, comp)
            stat(comp, A, QB_COMPONENT)
            stat(comp, QB_MEASURE, prop)
            stat(prop, A, QB_MEASURE_PROPERTY)
            stat(prop, A, RDF_PROPERTY)
            stat(prop, LABEL, de(ind_de))
            stat(prop, LABEL, en(ind_en))
            stat(prop, UNIT_MEASURE, iri(UNIT + unit))
            stat(prop, RANGE, iri(XSD + ("integer" if integer else "decimal")))
            props.append((prop, integer, low, high))
            out.indicators.append(prop_iri)
        for place_iri, place_slug, size in places:
            area = iri(place_iri)
            # each indicator of a place: a level and a yearly trend, with a little noise each year
            series = [(prop, integer, rng.uniform(low, high), rng.uniform(-0.02, 0.02))
                      for prop, integer, low, high in props]
            for year in range(last_year - years + 1, last_year + 1):
                obs = iri(f"{ds_path}/beobachtung/{place_slug}-{year}")
                stat(obs, A, QB_OBSERVATION)
                stat(obs, QB_DATASET_P, ds)
                stat(obs, REF_AREA, area)
                stat(obs, REF_PERIOD, literal(str(year), datatype=XSD + "gYear"))
                for prop, integer, level, trend in series:
                    value = level * (1 + trend) ** (year - last_year) * rng.uniform(0.97, 1.03)
                    if integer:
                        stat(obs, prop, literal(str(round(value * size)), datatype=XSD + "integer"))
                    else:
                        stat(obs, prop, literal(f"{value:.1f}", datatype=XSD + "decimal"))
                out.observations += 1
    return out


# --- the whole file ----------------------------------------------------------------------------------------------


@dataclass
class Summary:
    path: str
    seed: int
    target_triples: int
    triples: int
    bytes: int
    cities: int
    measures: int
    observations: int
    pools: dict[str, list[str | int]]
    word_frequencies: dict[str, int]  # the search words: how many measures' descriptions contain each
    seconds: float = 0.0  # generation time; not written to the JSON (which is reproducible)

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("seconds")
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


POOL_LIMIT = 2000  # parameters kept per pool: enough that a run of queries never repeats a question soon


def _city_names(seed: int) -> list[str]:
    names = [stem + suffix for stem in CITY_STEMS for suffix in CITY_SUFFIXES]
    Random(f"{seed}:cities").shuffle(names)
    return names


def generate(target_triples: int, out: Path, seed: int = 1, vocabulary: bool = True) -> Summary:
    """Write about ``target_triples`` quads (within 5 %, for targets above a few thousand) to ``out`` as N-Quads.

    Whole cities are added while they fit; the last city is cut down (fewer measures, quarters and years) so that
    the total lands on the target. The summary is also written to ``out.with_suffix('.params.json')``.
    """
    started = time.perf_counter()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = _city_names(seed)
    written = 0
    cities: list[tuple[str, _City]] = []
    with out.open("w", encoding="utf-8", newline="\n") as f:
        if vocabulary:
            f.writelines(vocabulary_lines())
            written += len(vocabulary_lines())
        index = 0
        while target_triples - written > target_triples * 0.01:
            base_name = names[index % len(names)]
            name = base_name if index < len(names) else f"{base_name} {index // len(names) + 1}"
            city_seed = f"{seed}:city:{index}"
            city = _city(name, city_seed)
            remaining = target_triples - written
            last = len(city.lines) > remaining
            if last:
                city = _fit(name, city_seed, remaining)
            f.write("".join(city.lines))
            written += len(city.lines)
            city.lines = []  # only the summary's pools stay in memory
            cities.append((name, city))
            index += 1
            if last:
                break
    summary = _summarise(cities, out, seed, target_triples, written)
    summary.seconds = time.perf_counter() - started
    out.with_suffix(".params.json").write_text(summary.to_json(), encoding="utf-8")
    return summary


def _fit(name: str, city_seed: str, remaining: int) -> _City:
    """The city cut down to about ``remaining`` quads (bisection on the scale)."""
    low, high = 0.0, 1.0
    best: _City | None = None
    for _ in range(14):
        scale = (low + high) / 2
        city = _city(name, city_seed, scale)
        if best is None or abs(len(city.lines) - remaining) < abs(len(best.lines) - remaining):
            best = city
        if abs(len(city.lines) - remaining) <= max(20, remaining * 0.005):
            break
        if len(city.lines) > remaining:
            high = scale
        else:
            low = scale
    assert best is not None
    return best


def _summarise(cities: list[tuple[str, _City]], out: Path, seed: int, target: int, written: int) -> Summary:
    pool_rng = Random(f"{seed}:pools")
    total_measures = sum(len(c.measures) for _, c in cities)

    def pool(key: str) -> list[str | int]:
        values: list[str | int] = [v for _, c in cities for v in getattr(c, key)]
        pool_rng.shuffle(values)
        return values[:POOL_LIMIT]

    frequencies: Counter[str] = Counter()
    for _, c in cities:
        frequencies.update(c.words)
    # search words that some but not all measures contain, from rare to common; at most 60
    candidates = sorted((w for w, n in frequencies.items() if 0 < n < total_measures * 0.5),
                        key=lambda w: (frequencies[w], w))
    step = max(1, len(candidates) // 60)
    words = candidates[::step][:60]
    word_pool: list[str | int] = list(words)
    pool_rng.shuffle(word_pool)
    pools = {
        "measures": pool("measures"),
        "departments": pool("departments"),
        "guiding_goals": pool("guiding_goals"),
        "action_goals": pool("action_goals"),
        "target_groups": pool("target_groups"),
        "indicators": pool("indicators"),
        "places": pool("places"),
        "words": word_pool,
        "min_measures": [1, 3, 2, 5, 1, 4, 2, 6],
    }
    return Summary(
        path=out.name, seed=seed, target_triples=target, triples=written, bytes=out.stat().st_size,
        cities=len(cities), measures=total_measures, observations=sum(c.observations for _, c in cities),
        pools=pools, word_frequencies={w: frequencies[w] for w in sorted(words)},
    )


# --- the query mix -----------------------------------------------------------------------------------------------

QUERY_NAMES = ("q1", "q1c", "q2", "q3", "q4", "q5", "q6")
QUERY_POOLS = {  # placeholder -> pool it is drawn from
    "measure": "measures", "department": "departments", "min_measures": "min_measures", "indicator": "indicators",
    "word": "words", "goal": "guiding_goals",
}


def query_template(name: str) -> string.Template:
    """bench/queries/NAME.rq without its leading comment lines, as a ``string.Template`` ($placeholder)."""
    text = (QUERY_DIR / f"{name}.rq").read_text(encoding="utf-8")
    body = text.splitlines(keepends=True)
    while body and (body[0].lstrip().startswith("#") or not body[0].strip()):
        body.pop(0)
    return string.Template("".join(body))


def render_query(name: str, pools: dict[str, list[str | int]], i: int) -> str:
    """Query ``name`` (q1, q1c, q2 … q6) with its placeholders set to the i-th values of their pools.

    Each placeholder takes ``pool[i % len(pool)]``; the pools are shuffled (deterministically) when they are made,
    so consecutive i ask about different resources, mostly of different cities; the same (pools, i) always gives
    the same text.
    """
    template = query_template(name)
    values = {}
    for placeholder in template.get_identifiers():
        pool = pools[QUERY_POOLS[placeholder]]
        if not pool:
            raise ValueError(f"pool {QUERY_POOLS[placeholder]!r} is empty")
        values[placeholder] = str(pool[i % len(pool)])
    return template.substitute(values)


# --- command line ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write synthetic action plans as N-Quads for the benchmark.")
    parser.add_argument("--triples", type=int, required=True, help="about how many quads to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="the .nq file (parameters go to .params.json)")
    parser.add_argument("--no-vocabulary", action="store_true", help="leave out the vocabulary graph")
    args = parser.parse_args(argv)
    summary = generate(args.triples, args.out, args.seed, vocabulary=not args.no_vocabulary)
    print(f"{summary.triples} quads ({summary.cities} cities, {summary.measures} measures, "
          f"{summary.observations} observations), {summary.bytes / 1e6:.1f} MB in {summary.seconds:.2f} s "
          f"-> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
