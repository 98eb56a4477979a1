"""The table of RDF and result formats: names, media types, rdflib serializer names, file suffixes.

Every command and (later) every route that speaks RDF looks formats up here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RdfFormat:
    name: str  # what users type: --format ttl, ?format=ttl
    media_type: str
    rdflib: str  # rdflib's serializer/parser name
    suffix: str
    quads: bool  # keeps named graphs


RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("ttl", "text/turtle", "turtle", ".ttl", quads=False),
    RdfFormat("trig", "application/trig", "trig", ".trig", quads=True),
    RdfFormat("nt", "application/n-triples", "nt", ".nt", quads=False),
    RdfFormat("nq", "application/n-quads", "nquads", ".nq", quads=True),
    RdfFormat("jsonld", "application/ld+json", "json-ld", ".jsonld", quads=True),
    RdfFormat("rdfxml", "application/rdf+xml", "xml", ".rdf", quads=False),
)
BY_NAME = {f.name: f for f in RDF_FORMATS}
BY_SUFFIX = {f.suffix: f for f in RDF_FORMATS} | {".turtle": BY_NAME["ttl"], ".json": BY_NAME["jsonld"],
                                                   ".xml": BY_NAME["rdfxml"], ".owl": BY_NAME["rdfxml"]}


def rdf_format(name: str) -> RdfFormat:
    return BY_NAME[name]


def format_for_path(path: str) -> RdfFormat | None:
    """The RDF format a file name implies, by its suffix (None when it implies none)."""
    lower = path.lower()
    for suffix, fmt in sorted(BY_SUFFIX.items(), key=lambda item: -len(item[0])):
        if lower.endswith(suffix):
            return fmt
    return None
