"""Mints every IRI of the Herne data from the plan's own numbering and names (DESIGN.md section 3).

IRIs never depend on order in a file or on the host that serves them: they are built from a base
IRI (the `PLANGRAPH_BASE_IRI` setting) and readable slugs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from rdflib import URIRef

from plangraph.errors import InputError

DEFAULT_BASE_IRI = "https://w3id.org/plangraph/herne/"

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slug(text: str) -> str:
    """A readable path segment: German umlauts transliterated, everything else ASCII, words joined by '-'.

    >>> slug("Fachbereich Umwelt und Stadtplanung")
    'fachbereich-umwelt-und-stadtplanung'
    >>> slug("Bürger/-innen und Einwohner/-innen")
    'buerger-innen-und-einwohner-innen'
    """
    text = text.translate(_TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def notation_path(notation: str) -> str:
    """The path form of a notation: 'A1.1' -> 'A1-1' (a dot would read as a file suffix)."""
    return notation.replace(".", "-")


@dataclass(frozen=True)
class Minter:
    """All IRIs of one city's data under one base IRI."""

    base: str = DEFAULT_BASE_IRI

    def __post_init__(self) -> None:
        if not self.base.endswith(("/", "#")) or not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", self.base):
            raise InputError(f"the base IRI must be an absolute IRI ending in '/' or '#': {self.base}")

    def _iri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    # graphs -------------------------------------------------------------------------------
    def graph(self, part: str) -> URIRef:
        """A named graph of the dataset: 'plan', 'curated', ..."""
        return self._iri(f"graph/{slug(part)}")

    # the plan and its hierarchy ----------------------------------------------------------
    def plan(self) -> URIRef:
        return self._iri("integrationskonzept")

    def source_document(self) -> URIRef:
        return self._iri("quelle/integrationskonzept-wohnen")

    def source_lines(self, first: int, last: int) -> URIRef:
        """A line range of the plain-text source, as an RFC 5147 fragment identifier."""
        return URIRef(f"{self.source_document()}#line={first - 1},{last}")

    def field(self, label: str) -> URIRef:
        return self._iri(slug(label))

    def guiding_goal(self, field_label: str, notation: str) -> URIRef:
        return self._iri(f"{slug(field_label)}/leitziel/{notation_path(notation)}")

    def action_goal(self, field_label: str, notation: str) -> URIRef:
        return self._iri(f"{slug(field_label)}/handlungsziel/{notation_path(notation)}")

    def measure(self, field_label: str, notation: str) -> URIRef:
        return self._iri(f"{slug(field_label)}/massnahme/{notation_path(notation)}")

    def attribution(self, measure: URIRef, role: str, agent_slug: str) -> URIRef:
        """A measure's qualified attribution: a hash IRI, so it dereferences with its measure."""
        return URIRef(f"{measure}#{slug(role)}-{agent_slug}")

    # things with names -------------------------------------------------------------------
    def organisation(self, name: str) -> URIRef:
        return self._iri(f"org/{slug(name)}")

    def target_group_scheme(self) -> URIRef:
        return self._iri("zielgruppe")

    def target_group(self, label: str) -> URIRef:
        return self._iri(f"zielgruppe/{slug(label)}")

    def place(self, name: str) -> URIRef:
        return self._iri(f"ort/{slug(name)}")

    def programme(self, name: str) -> URIRef:
        return self._iri(f"programm/{slug(name)}")

    def event(self, name: str) -> URIRef:
        return self._iri(f"ereignis/{slug(name)}")

    # district statistics (RDF Data Cube, `plangraph import-stats`) ----------------------------
    def statistics(self, dataset: str) -> URIRef:
        """An imported statistics table's qb:DataSet; its structure, measures and observations lie below it."""
        return self._iri(f"statistik/{dataset}")

    def statistics_graph(self, dataset: str) -> URIRef:
        return self.graph(f"statistik-{dataset}")

    def statistics_structure(self, dataset: str) -> URIRef:
        return self._iri(f"statistik/{dataset}/struktur")

    def statistics_measure(self, dataset: str, label: str) -> URIRef:
        return self._iri(f"statistik/{dataset}/merkmal/{slug(label)}")

    def observation(self, dataset: str, place: URIRef, year: int) -> URIRef:
        """One district's row of a year: named by the place's path under `ort/` (a digest for a place elsewhere)."""
        key = slug(self.local_path(str(place)).removeprefix("ort/"))
        key = key or hashlib.sha256(str(place).encode("utf-8")).hexdigest()[:16]
        return self._iri(f"statistik/{dataset}/beobachtung/{key}-{year}")

    def unit(self, key: str) -> URIRef:
        """A unit of measure of the statistics ('prozent', 'anzahl'), shared by every table that uses it."""
        return self._iri(f"einheit/{key}")

    # what data stewards add ---------------------------------------------------------------
    def steward(self, holder: str) -> URIRef:
        """The agent a write token's holder acts as (prov:wasAttributedTo of what they submit)."""
        return self._iri(f"redaktion/{slug(holder) or hashlib.sha256(holder.encode('utf-8')).hexdigest()[:16]}")

    def status_report(self, measure: URIRef, day: str) -> URIRef:
        """A measure's status as of a day (ISO date): a hash IRI, so it dereferences on its measure's page."""
        return URIRef(f"{measure}#status-{day}")

    def correction(self, target: URIRef, day: str, field_name: str = "") -> URIRef:
        """A correction of a goal's or measure's text, named by day and (German) field name."""
        return URIRef(f"{target}#korrektur-{day}" + (f"-{slug(field_name)}" if field_name else ""))

    def submission(self, key: str) -> URIRef:
        return self._iri(f"einreichung/{key}")

    def is_local(self, iri: str) -> bool:
        return iri.startswith(self.base)

    def local_path(self, iri: str) -> str:
        """The path of an IRI under the base ('' for IRIs outside it)."""
        return iri[len(self.base):] if self.is_local(iri) else ""
