"""Every RDF namespace plangraph uses, declared once (DESIGN.md section 4)."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, VANN, XSD, DefinedNamespace

PG = Namespace("https://w3id.org/plangraph/def#")
PG_ONTOLOGY = "https://w3id.org/plangraph/def"
ORG = Namespace("http://www.w3.org/ns/org#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
QB = Namespace("http://purl.org/linked-data/cube#")
SCHEMA = Namespace("http://schema.org/")
SDG = Namespace("http://metadata.un.org/sdg/")
WD = Namespace("http://www.wikidata.org/entity/")
TIME = Namespace("http://www.w3.org/2006/time#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_CODE = Namespace("http://purl.org/linked-data/sdmx/2009/code#")
SDMX_CONCEPT = Namespace("http://purl.org/linked-data/sdmx/2009/concept#")
QUDT_UNIT = Namespace("http://qudt.org/vocab/unit/")  # units of the statistics (skos:exactMatch)
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
W3C_FORMATS = Namespace("http://www.w3.org/ns/formats/")

PREFIXES: dict[str, Namespace | type[DefinedNamespace]] = {
    "pg": PG,
    "org": ORG,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "adms": ADMS,
    "geo": GEO,
    "qb": QB,
    "schema": SCHEMA,
    "sdg": SDG,
    "wd": WD,
    "dcat": DCAT,
    "foaf": FOAF,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "sh": SH,
    "time": TIME,
    "vann": VANN,
    "xsd": XSD,
    "sdmx-dimension": SDMX_DIMENSION,
    "sdmx-measure": SDMX_MEASURE,
    "sdmx-attribute": SDMX_ATTRIBUTE,
    "sdmx-code": SDMX_CODE,
}

PREFIX_IRIS: dict[str, str] = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def bind_prefixes(graph: Graph, extra: dict[str, str] | None = None) -> Graph:
    """Bind plangraph's prefixes (and any extra ones) on a graph, replacing rdflib's defaults."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for prefix, extra_namespace in (extra or {}).items():
        graph.bind(prefix, Namespace(extra_namespace), override=True, replace=True)
    return graph
