"""What open-data portals harvest: the DCAT-AP.de 3.0 catalog and the VoID description of the published
dataset, as rdflib graphs.

Two kinds of identifiers meet here. The catalog, dataset, distributions, service and publisher are
resources under the base IRI (`CatalogIris`) and never depend on the host; the URLs a client fetches
(access, download and endpoint URLs) are absolute on the host that serves them (`Site`). Pure functions:
no Flask, no clock (the modification time is passed in), no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, VOID, XSD
from rdflib.term import Node

from plangraph.dumps import DOWNLOADS_PATH, dump_filename
from plangraph.formats import RDF_FORMATS, RdfFormat
from plangraph.iris import Minter, slug
from plangraph.namespaces import PREFIXES, bind_prefixes

# Namespaces only the catalog uses (candidates for namespaces.py). DCAT-AP's namespace ends in a SLASH.
DCATAP = Namespace("http://data.europa.eu/r5r/")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
CATALOG_PREFIXES = {"dcatap": str(DCATAP), "dcatde": str(DCATDE), "vcard": str(VCARD), "void": str(VOID)}

# Controlled vocabularies DCAT-AP.de 3.0 prescribes (each code checked against the official SKOS files).
EU = "http://publications.europa.eu/resource/authority/"
THEMES = (URIRef(EU + "data-theme/SOCI"), URIRef(EU + "data-theme/REGI"))
THEME_TAXONOMY = URIRef(EU + "data-theme")
LANGUAGES = (URIRef(EU + "language/DEU"), URIRef(EU + "language/ENG"))  # German text, English labels
ACCESS_PUBLIC = URIRef(EU + "access-right/PUBLIC")
# Herne's Gemeindeschlüssel (AGS 05916000) in the spec's pattern (example: .../municipalityKey/01054015).
# DCAT-AP.de 3.0 deprecates dcatde:politicalGeocodingURI; the key goes into dcterms:spatial (Konvention 11).
HERNE_GEOCODING = URIRef("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/05916000")
GEOCODING_LEVEL = URIRef("http://dcat-ap.de/def/politicalGeocoding/Level/municipality")
DCAT_AP_DE_3 = URIRef("https://www.dcat-ap.de/def/dcatde/3.0/spec/")  # the spec the shapes' messages cite
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
DATA_CUBE = URIRef("https://www.w3.org/TR/vocab-data-cube/")  # what the statistics datasets conform to
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

# Per dump format: a readable label and the EU file-type code.
FILE_TYPES: dict[str, tuple[str, str]] = {
    "ttl": ("Turtle", "RDF_TURTLE"),
    "trig": ("TriG", "RDF_TRIG"),
    "nt": ("N-Triples", "RDF_N_TRIPLES"),
    "nq": ("N-Quads", "RDF_N_QUADS"),
    "jsonld": ("JSON-LD", "JSON_LD"),
    "rdfxml": ("RDF/XML", "RDF_XML"),
}

# Paths of the catalog's resources under the base IRI (the server answers them with a 303 to their description).
CATALOG_PATH = "katalog"
DATASET_PATH = "datensatz/integrationskonzept-wohnen"
SERVICE_PATH = "dienst/sparql"
PUBLISHER_PATH = "betreiber"


@dataclass(frozen=True)
class Rights:
    """The licence of the distributions and, where the licence alone would mislead, a rights statement."""

    license: URIRef
    statement: Mapping[str, str] = field(default_factory=dict)  # language -> text


# The rights to the source (the City of Herne's integration concept, a PDF) are not cleared, so nobody can
# grant an open licence for data derived from it: neither `dl-by-de/2.0` nor `dl-zero-de/2.0` is ours to
# give. DCAT-AP.de makes a licence mandatory on every distribution (Konvention 32); the honest code of its
# licence list is "Andere geschlossene Lizenz" (not open), with a rights statement that says why. An operator
# who has cleared the rights passes the licence IRI instead (see `Rights`).
RIGHTS_NOT_CLEARED = Rights(
    URIRef("http://dcat-ap.de/def/licenses/other-closed"),
    {
        "de": "Die Rechte an der Quelle, dem Integrationskonzept der Stadt Herne, sind nicht geklärt, und für "
        "diese Ableitung ist keine Lizenz erteilt. Deshalb steht der Datensatz unter keiner offenen Lizenz: "
        "Eine Nachnutzung über die gesetzlichen Schranken des Urheberrechts hinaus bedarf der Zustimmung der "
        "Rechteinhaber.",
        "en": "The rights to the source, the City of Herne's integration concept, are not cleared, and no licence "
        "has been granted for this derived data. The dataset is therefore under no open licence: any reuse "
        "beyond the statutory exceptions of copyright law needs the rights holders' permission.",
    },
)

# The publisher is whoever runs this instance (Konvention 36: the legal publisher), not the City of Herne,
# which published the concept but not this linked-data edition.
OPERATOR_NAMES = {"de": "Betreiber dieser plangraph-Instanz", "en": "Operator of this plangraph instance"}


@dataclass(frozen=True)
class CatalogIris:
    """The catalog's resources, minted under the base IRI (the same on every host)."""

    base: str

    @classmethod
    def of(cls, minter: Minter) -> CatalogIris:
        return cls(minter.base)

    def _iri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    @property
    def catalog(self) -> URIRef:
        return self._iri(CATALOG_PATH)

    @property
    def record(self) -> URIRef:
        return self._iri(f"{CATALOG_PATH}/eintrag/{DATASET_PATH.rsplit('/', 1)[-1]}")

    @property
    def dataset(self) -> URIRef:
        return self._iri(DATASET_PATH)

    def distribution(self, fmt: RdfFormat) -> URIRef:
        return self._iri(f"{DATASET_PATH}/distribution/{fmt.name}")

    @property
    def rights(self) -> URIRef:
        return self._iri(f"{DATASET_PATH}#rechte")

    @property
    def service(self) -> URIRef:
        return self._iri(SERVICE_PATH)

    @property
    def publisher(self) -> URIRef:
        return self._iri(PUBLISHER_PATH)

    @property
    def contact(self) -> URIRef:
        return self._iri(f"{PUBLISHER_PATH}#kontakt")

    def class_partition(self, subset: str, class_iri: URIRef) -> URIRef:
        """A void:classPartition: `subset` is '' for the whole dataset, else a named graph's key."""
        scope = f"{subset}/" if subset else ""
        return self._iri(f"{DATASET_PATH}/void/{scope}klasse/{term_key(class_iri)}")


@dataclass(frozen=True)
class Site:
    """The URLs of the host that serves the data (request.url_root); they change with the host."""

    root: str  # absolute, ending in '/'

    def url(self, path: str = "") -> URIRef:
        return URIRef(self.root + path)

    @property
    def sparql(self) -> URIRef:
        return self.url("sparql")

    @property
    def catalog(self) -> URIRef:
        return self.url("catalog")

    @property
    def void(self) -> URIRef:
        return self.url(".well-known/void")

    @property
    def downloads(self) -> URIRef:
        return self.url(DOWNLOADS_PATH)

    def dump(self, fmt: RdfFormat) -> URIRef:
        return self.url(DOWNLOADS_PATH + dump_filename(fmt))


# DCAT-AP.de ----------------------------------------------------------------------------------------------

TEXT = {
    "catalog_title": {"de": "plangraph: Katalog zum Integrationskonzept der Stadt Herne",
                      "en": "plangraph: catalogue of the City of Herne's integration concept"},
    "catalog_description": {
        "de": "Datensatz, Downloads und SPARQL-Endpunkt dieser plangraph-Instanz, die das Integrationskonzept "
        "der Stadt Herne als Linked Open Data veröffentlicht.",
        "en": "Dataset, downloads and SPARQL endpoint of this plangraph instance, which publishes the City of "
        "Herne's integration concept as linked open data."},
    "dataset_title": {
        "de": "Integrationskonzept der Stadt Herne, Handlungsfeld Wohnen und Stadtentwicklung (Wissensgraph)",
        "en": "Integration concept of the City of Herne, field of action housing and urban development "
        "(knowledge graph)"},
    "dataset_description": {
        "de": "Leitziele, Handlungsziele und Maßnahmen des Handlungsfelds „Wohnen und Stadtentwicklung“ aus dem "
        "Integrationskonzept der Stadt Herne als Linked Open Data, mit verantwortlichen Stellen, Zielgruppen, "
        "Status und Bemerkungen. Benannte Graphen trennen, was der (OCR-)Text sagt („plan“), von redaktionellen "
        "Ergänzungen wie Orten, Partnern, Programmen, Ereignissen und SDG-Bezügen („curated“). Das Konzept "
        "hat die Stadt Herne herausgegeben; diese Linked-Data-Ausgabe gibt der Betreiber dieser "
        "plangraph-Instanz heraus.",
        "en": "Guiding goals, action goals and measures of the field of action “Wohnen und Stadtentwicklung” "
        "(housing and urban development) of the City of Herne's integration concept as linked open data, with "
        "responsible units, target groups, status and remarks. Named graphs keep what the (OCR) text says "
        "(“plan”) apart from editorial additions such as places, partners, programmes, events and SDG links "
        "(“curated”). "
        "The City of Herne published the concept; the operator of this plangraph instance publishes this "
        "linked-data edition."},
    "service_title": {"de": "SPARQL-Endpunkt zum Integrationskonzept der Stadt Herne",
                      "en": "SPARQL endpoint for the City of Herne's integration concept"},
    "service_description": {
        "de": "SPARQL 1.1 Protocol (nur lesend) über den ganzen Datensatz; die Vereinigung der benannten Graphen "
        "ist der Standardgraph.",
        "en": "SPARQL 1.1 Protocol (read-only) over the whole dataset; the union of the named graphs is the "
        "default graph."},
    "quads": {"de": "mit den benannten Graphen", "en": "with the named graphs"},
    "triples": {"de": "Vereinigung der benannten Graphen", "en": "union of the named graphs"},
}
KEYWORDS = ("Integration", "Integrationskonzept", "Wohnen", "Stadtentwicklung", "Herne", "Linked Open Data")


def catalog_graph(iris: CatalogIris, site: Site, modified: datetime, rights: Rights = RIGHTS_NOT_CLEARED,
                  publisher_name: str | None = None, byte_sizes: Mapping[str, int] | None = None,
                  statistics: Sequence[StatisticsDataset] = ()) -> Graph:
    """The DCAT-AP.de 3.0 catalog: the dataset, one distribution per dump format, the SPARQL service, a
    catalog record that names the profile, the publisher and a contact point; and each imported statistics
    table (`statistics`) as a dataset of its own. Same input, same graph."""
    g = bind_prefixes(Graph(), CATALOG_PREFIXES)
    when = Literal(modified.replace(microsecond=0))

    g.add((iris.catalog, RDF.type, DCAT.Catalog))
    _texts(g, iris.catalog, DCTERMS.title, "catalog_title")
    _texts(g, iris.catalog, DCTERMS.description, "catalog_description")
    g.add((iris.catalog, DCTERMS.publisher, iris.publisher))
    g.add((iris.catalog, DCTERMS.modified, when))
    g.add((iris.catalog, FOAF.homepage, site.url()))
    g.add((iris.catalog, DCAT.themeTaxonomy, THEME_TAXONOMY))
    g.add((iris.catalog, DCTERMS.spatial, HERNE_GEOCODING))
    _many(g, iris.catalog, DCTERMS.language, LANGUAGES)
    g.add((iris.catalog, DCAT.dataset, iris.dataset))
    g.add((iris.catalog, DCAT.service, iris.service))
    g.add((iris.catalog, DCAT.record, iris.record))

    g.add((iris.record, RDF.type, DCAT.CatalogRecord))
    g.add((iris.record, FOAF.primaryTopic, iris.dataset))
    g.add((iris.record, DCTERMS.modified, when))
    g.add((iris.record, DCTERMS.conformsTo, DCAT_AP_DE_3))
    g.add((DCAT_AP_DE_3, RDF.type, DCTERMS.Standard))
    g.add((DCAT_AP_DE_3, DCTERMS.title, Literal("DCAT-AP.de 3.0")))

    d = iris.dataset
    g.add((d, RDF.type, DCAT.Dataset))
    # Entailed (dcat:Dataset is a subclass of dcat:Resource; dcterms:spatial has the range dcterms:Location),
    # but stated: the shapes check these classes and validators run without inference.
    g.add((d, RDF.type, DCAT.Resource))
    g.add((HERNE_GEOCODING, RDF.type, DCTERMS.Location))
    _texts(g, d, DCTERMS.title, "dataset_title")
    _texts(g, d, DCTERMS.description, "dataset_description")
    g.add((d, DCTERMS.publisher, iris.publisher))
    g.add((d, DCAT.contactPoint, iris.contact))
    g.add((d, DCTERMS.modified, when))
    g.add((d, DCAT.landingPage, site.url()))
    for keyword in KEYWORDS:
        g.add((d, DCAT.keyword, Literal(keyword, lang="de")))
    _many(g, d, DCAT.theme, THEMES)
    g.add((d, DCTERMS.spatial, HERNE_GEOCODING))
    g.add((d, DCATDE.politicalGeocodingLevelURI, GEOCODING_LEVEL))
    _many(g, d, DCTERMS.language, LANGUAGES)
    g.add((d, DCTERMS.accessRights, ACCESS_PUBLIC))
    for fmt in RDF_FORMATS:
        g.add((d, DCAT.distribution, iris.distribution(fmt)))
        _distribution(g, iris, site, fmt, when, rights, (byte_sizes or {}).get(fmt.name))

    s = iris.service
    g.add((s, RDF.type, DCAT.DataService))
    _texts(g, s, DCTERMS.title, "service_title")
    _texts(g, s, DCTERMS.description, "service_description")
    g.add((s, DCAT.endpointURL, site.sparql))
    g.add((s, DCAT.endpointDescription, site.sparql))  # a bare GET answers with the service description
    g.add((s, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((s, DCAT.servesDataset, d))
    g.add((s, DCTERMS.publisher, iris.publisher))
    g.add((s, DCAT.contactPoint, iris.contact))
    g.add((s, DCTERMS.license, rights.license))
    g.add((s, DCTERMS.accessRights, ACCESS_PUBLIC))

    for table in statistics:
        _statistics_dataset(g, iris, site, table, when, rights)
    _rights(g, iris, rights)
    _publisher(g, iris, site, publisher_name)
    return g


@dataclass(frozen=True)
class StatisticsDataset:
    """An imported statistics table (a qb:DataSet in a named graph of its own), as the catalog describes it."""

    dataset: URIRef  # the qb:DataSet, which the catalog also types dcat:Dataset
    graph: URIRef
    title: str  # German
    comments: tuple[str, ...]
    indicators: tuple[str, ...]  # the measures' German labels
    places: tuple[URIRef, ...]  # the areas observed (places of the published data)
    years: tuple[int, int] | None  # first and last year observed
    observations: int
    generated: datetime | None
    source: str  # the file name it was imported from


def _statistics_dataset(g: Graph, iris: CatalogIris, site: Site, table: StatisticsDataset, when: Literal,
                        rights: Rights) -> None:
    """A statistics table as a dataset of the catalog: published by the catalog's publisher, covering its places and
    years, with two distributions: its named graph in Turtle (a SPARQL CONSTRUCT URL) and the SPARQL endpoint."""
    d = table.dataset
    modified = Literal(table.generated.replace(microsecond=0)) if table.generated else when
    g.add((iris.catalog, DCAT.dataset, d))
    g.add((iris.service, DCAT.servesDataset, d))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, RDF.type, DCAT.Resource))
    g.add((d, DCTERMS.title, Literal(table.title, lang="de")))
    for lang, text in _statistics_description(table).items():
        g.add((d, DCTERMS.description, Literal(text, lang=lang)))
    g.add((d, DCTERMS.publisher, iris.publisher))
    g.add((d, DCAT.contactPoint, iris.contact))
    g.add((d, DCTERMS.modified, modified))
    g.add((d, DCAT.landingPage, site.url(str(d).removeprefix(iris.base))))
    for keyword in ("Statistik", "Stadtbezirke", "Herne", *table.indicators):
        g.add((d, DCAT.keyword, Literal(keyword, lang="de")))
    _many(g, d, DCAT.theme, THEMES)
    g.add((d, DCATDE.politicalGeocodingLevelURI, GEOCODING_LEVEL))
    for place in (HERNE_GEOCODING, *table.places):
        g.add((d, DCTERMS.spatial, place))
        g.add((place, RDF.type, DCTERMS.Location))
    if table.years:
        period = URIRef(f"{d}#zeitraum")
        g.add((d, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(str(table.years[0]), datatype=XSD.gYear)))
        g.add((period, DCAT.endDate, Literal(str(table.years[1]), datatype=XSD.gYear)))
    g.add((d, DCTERMS.language, LANGUAGES[0]))
    g.add((d, DCTERMS.accessRights, ACCESS_PUBLIC))
    g.add((d, DCTERMS.conformsTo, DATA_CUBE))
    g.add((DATA_CUBE, RDF.type, DCTERMS.Standard))
    g.add((DATA_CUBE, DCTERMS.title, Literal("The RDF Data Cube Vocabulary", lang="en")))

    construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{table.graph}> {{ ?s ?p ?o }} }}"
    dump, endpoint = URIRef(f"{d}#verteilung-turtle"), URIRef(f"{d}#verteilung-sparql")
    url = URIRef(f"{site.sparql}?{urlencode({'query': construct, 'format': 'ttl'})}")
    for dist, access, titles in (
        (dump, url, {"de": "Turtle (der benannte Graph, über SPARQL CONSTRUCT)",
                     "en": "Turtle (the named graph, by SPARQL CONSTRUCT)"}),
        (endpoint, site.sparql, {"de": "SPARQL-Endpunkt", "en": "SPARQL endpoint"}),
    ):
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        for lang, title in titles.items():
            g.add((dist, DCTERMS.title, Literal(f"{table.title}: {title}", lang=lang)))
        g.add((dist, DCAT.accessURL, access))
        g.add((dist, DCTERMS.license, rights.license))
        g.add((dist, DCTERMS.modified, modified))
    g.add((dump, DCAT.downloadURL, url))  # Konvention 39
    g.add((dump, DCTERMS.format, URIRef(EU + "file-type/RDF_TURTLE")))
    g.add((dump, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + "text/turtle")))
    g.add((endpoint, DCAT.accessService, iris.service))


def _statistics_description(table: StatisticsDataset) -> dict[str, str]:
    years = f"{table.years[0]}–{table.years[1]}" if table.years else "–"
    listed = ", ".join(table.indicators)
    de = (f"Statistik je Gebiet und Jahr ({years}) als RDF Data Cube: {listed}. {table.observations} Beobachtungen "
          f"für {len(table.places)} Gebiete im benannten Graphen <{table.graph}>, importiert aus „{table.source}“. "
          "Die Gebiete sind dieselben Orts-IRIs, die die Maßnahmen des Integrationskonzepts mit dcterms:spatial "
          "nennen.")
    en = (f"Statistics by area and year ({years}) as an RDF Data Cube: {listed}. {table.observations} observations "
          f"for {len(table.places)} areas in the named graph <{table.graph}>, imported from “{table.source}”. The "
          "areas are the same place IRIs the measures of the integration concept name with dcterms:spatial.")
    notes = " ".join(table.comments)
    return {"de": f"{de} {notes}".strip(), "en": f"{en} {notes}".strip()}


def _distribution(g: Graph, iris: CatalogIris, site: Site, fmt: RdfFormat, when: Literal, rights: Rights,
                  byte_size: int | None) -> None:
    label, code = FILE_TYPES[fmt.name]
    dist, url = iris.distribution(fmt), site.dump(fmt)
    g.add((dist, RDF.type, DCAT.Distribution))
    for lang, title in TEXT["dataset_title"].items():
        g.add((dist, DCTERMS.title, Literal(f"{title}, {label}", lang=lang)))
    for lang, scope in TEXT["quads" if fmt.quads else "triples"].items():
        g.add((dist, DCTERMS.description, Literal(f"{label}: {scope}", lang=lang)))
    g.add((dist, DCAT.accessURL, url))
    g.add((dist, DCAT.downloadURL, url))  # Konvention 39: a direct download has the same URL in both
    g.add((dist, DCTERMS.format, URIRef(EU + "file-type/" + code)))
    g.add((dist, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + fmt.media_type)))
    g.add((dist, DCTERMS.license, rights.license))
    if rights.statement:
        g.add((dist, DCTERMS.rights, iris.rights))
    g.add((dist, DCTERMS.modified, when))
    if byte_size is not None:
        g.add((dist, DCAT.byteSize, Literal(byte_size, datatype=XSD.nonNegativeInteger)))


def _rights(g: Graph, iris: CatalogIris, rights: Rights) -> None:
    if rights.statement:
        g.add((iris.rights, RDF.type, DCTERMS.RightsStatement))
        for lang, text in rights.statement.items():
            g.add((iris.rights, DCTERMS.description, Literal(text, lang=lang)))


def _publisher(g: Graph, iris: CatalogIris, site: Site, name: str | None) -> None:
    g.add((iris.publisher, RDF.type, FOAF.Agent))
    names = {None: name} if name else OPERATOR_NAMES
    for lang, text in names.items():
        g.add((iris.publisher, FOAF.name, Literal(text, lang=lang)))
    g.add((iris.publisher, FOAF.homepage, site.url()))
    g.add((iris.contact, RDF.type, VCARD.Kind))
    g.add((iris.contact, VCARD.fn, Literal(name or OPERATOR_NAMES["de"])))
    g.add((iris.contact, VCARD.hasURL, site.url()))  # Konvention 01: a URL of this instance, no invented address


def dataset_description(catalog: Graph, iris: CatalogIris) -> Graph:
    """The dataset's part of the catalog: the dataset and what it points to (distributions, rights,
    publisher, contact point), without the catalog, its record and the service."""
    out = bind_prefixes(Graph(), CATALOG_PREFIXES)
    todo, seen = [iris.dataset], set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for _, p, o in catalog.triples((subject, None, None)):
            out.add((subject, p, o))
            if isinstance(o, URIRef) and (o, None, None) in catalog:
                todo.append(o)
    return out


def _texts(g: Graph, subject: URIRef, predicate: URIRef, key: str) -> None:
    for lang, text in TEXT[key].items():
        g.add((subject, predicate, Literal(text, lang=lang)))


def _many(g: Graph, subject: URIRef, predicate: URIRef, objects: Iterable[Node]) -> None:
    for obj in objects:
        g.add((subject, predicate, obj))


# VoID ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statistics:
    """Counts over one graph, as VoID defines them."""

    triples: int
    subjects: int  # distinct subjects
    objects: int  # distinct objects
    properties: int  # distinct predicates
    entities: Mapping[URIRef, int]  # per class (distinct rdf:type objects): its distinct instances
    terms: frozenset[URIRef]  # the predicates and classes used, for void:vocabulary

    @property
    def classes(self) -> int:
        return len(self.entities)


@dataclass(frozen=True)
class DatasetStatistics:
    whole: Statistics  # the union of the named graphs
    graphs: Mapping[URIRef, Statistics]  # each named graph, in IRI order


def statistics(graph: Graph) -> Statistics:
    subjects: set[Node] = set()
    objects: set[Node] = set()
    predicates: set[Node] = set()
    members: dict[URIRef, set[Node]] = defaultdict(set)
    count = 0
    for s, p, o in graph:
        count += 1
        subjects.add(s)
        objects.add(o)
        predicates.add(p)
        if p == RDF.type and isinstance(o, URIRef):
            members[o].add(s)
    terms = frozenset(t for t in (*predicates, *members) if isinstance(t, URIRef))
    return Statistics(count, len(subjects), len(objects), len(predicates),
                      {c: len(members[c]) for c in sorted(members)}, terms)


def dataset_statistics(dataset: Dataset, whole: Graph) -> DatasetStatistics:
    """Counts for the whole dataset (`whole`: the union of its graphs) and for each non-empty named graph."""
    graphs = {g.identifier: statistics(g) for g in dataset.graphs() if len(g) and g.identifier != _DEFAULT}
    return DatasetStatistics(statistics(whole), {name: graphs[name] for name in sorted(graphs)})  # type: ignore[misc]


_DEFAULT = URIRef("urn:x-rdflib:default")


def void_graph(stats: DatasetStatistics, iris: CatalogIris, site: Site, modified: datetime,
               rights: Rights = RIGHTS_NOT_CLEARED) -> Graph:
    """VoID for the dataset: counts, class partitions, one void:subset per named graph, the SPARQL endpoint,
    a void:dataDump per dump, the URI space and the vocabularies the data uses."""
    g = bind_prefixes(Graph(), CATALOG_PREFIXES)
    d = iris.dataset
    g.add((site.void, RDF.type, VOID.DatasetDescription))
    g.add((site.void, FOAF.primaryTopic, d))
    g.add((d, RDF.type, VOID.Dataset))
    _texts(g, d, DCTERMS.title, "dataset_title")
    g.add((d, DCTERMS.modified, Literal(modified.replace(microsecond=0))))
    g.add((d, DCTERMS.license, rights.license))
    g.add((d, VOID.sparqlEndpoint, site.sparql))
    for fmt in RDF_FORMATS:
        g.add((d, VOID.dataDump, site.dump(fmt)))
    g.add((d, VOID.uriSpace, Literal(iris.base)))
    _many(g, d, VOID.vocabulary, vocabularies(stats.whole.terms, iris.base))
    _counts(g, d, stats.whole, iris, "")
    for name, graph_stats in stats.graphs.items():
        g.add((d, VOID.subset, name))
        g.add((name, RDF.type, VOID.Dataset))
        _counts(g, name, graph_stats, iris, graph_key(name, iris.base))
    return g


def _counts(g: Graph, subject: URIRef, stats: Statistics, iris: CatalogIris, subset: str) -> None:
    g.add((subject, VOID.triples, Literal(stats.triples)))
    g.add((subject, VOID.distinctSubjects, Literal(stats.subjects)))
    g.add((subject, VOID.distinctObjects, Literal(stats.objects)))
    g.add((subject, VOID.classes, Literal(stats.classes)))
    g.add((subject, VOID.properties, Literal(stats.properties)))
    for class_iri, entities in stats.entities.items():
        partition = iris.class_partition(subset, class_iri)
        g.add((subject, VOID.classPartition, partition))
        g.add((partition, VOID["class"], class_iri))
        g.add((partition, VOID.entities, Literal(entities)))


def vocabularies(terms: Iterable[URIRef], base: str) -> list[URIRef]:
    """The vocabularies of the terms used: each term's namespace, a hash namespace without its '#'
    (the vocabulary's own IRI); terms minted under the data's base IRI are data, not a vocabulary."""
    found = {_namespace(str(term)).removesuffix("#") for term in terms if not str(term).startswith(base)}
    return [URIRef(v) for v in sorted(found) if v]


def _namespace(iri: str) -> str:
    cut = iri.rfind("#") if "#" in iri else iri.rfind("/")
    return iri[: cut + 1]


_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def curie(iri: URIRef) -> str:
    """A term as a prefixed name where plangraph declares the prefix ('pg:Measure'), else its full IRI."""
    for prefix, namespace in sorted(PREFIXES.items()):
        local = str(iri).removeprefix(str(namespace))
        if local != str(iri) and _NAME.match(local):
            return f"{prefix}:{local}"
    return str(iri)


def term_key(iri: URIRef) -> str:
    """A readable, stable path segment for a class: 'pg-Measure' for pg:Measure; a digest otherwise."""
    name = curie(iri)
    if name != str(iri):
        return name.replace(":", "-", 1)
    return "iri-" + hashlib.sha256(str(iri).encode("utf-8")).hexdigest()[:16]


def graph_key(name: URIRef, base: str) -> str:
    """A path segment for a named graph: its path under the base IRI as a slug ('graph-plan')."""
    if str(name).startswith(base) and (local := slug(str(name)[len(base):])):
        return local
    return "iri-" + hashlib.sha256(str(name).encode("utf-8")).hexdigest()[:16]
