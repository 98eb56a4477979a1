"""Text search over the plan's labels and texts, case- and umlaut-insensitive, with facets for measures.

"fluchtling", "fluechtling" and "Flüchtling" find the same resources: text and query are folded the
same way (case, umlauts and their transliterations, ß). Facets count the matching measures by
responsible department, target group and status; choosing a facet value narrows the results.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from plangraph.namespaces import ADMS, PG

# What a search looks at, with the weight of a hit in it.
WEIGHTED_TEXTS: tuple[tuple[URIRef, int], ...] = (
    (SKOS.notation, 5), (RDFS.label, 4), (SKOS.prefLabel, 4), (SKOS.altLabel, 3),
    (DCTERMS.description, 2), (PG.statusText, 1), (PG.remark, 1), (PG.targetGroupText, 1),
    (PG.responsibleText, 1),
)
FACETS: dict[str, URIRef] = {"department": PROV.wasAttributedTo, "group": DCTERMS.audience, "status": ADMS.status}
SEARCHABLE_TYPES = (PG.Measure, PG.ActionGoal, PG.GuidingGoal, PG.FieldOfAction, PG.Programme)
MIN_TERM = 2


def fold(text: str) -> str:
    """Lowercase, umlauts and their transliterations to the base vowel, ß to ss, accents dropped."""
    text = text.casefold().replace("ß", "ss")
    text = text.replace("ä", "a").replace("ö", "o").replace("ü", "u")
    text = re.sub(r"([aou])e", r"\1", text)  # ae, oe, ue: the transliterated umlauts
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@dataclass(frozen=True)
class Hit:
    iri: URIRef
    kind: URIRef
    label: str
    snippet: str
    score: int


@dataclass(frozen=True)
class FacetValue:
    value: URIRef
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Entry:
    iri: URIRef
    kind: URIRef
    texts: tuple[tuple[str, str, int], ...]  # (original, folded, weight)


class SearchIndex:
    """An index of the searchable resources of a graph, built once (the data does not change)."""

    def __init__(self, graph: Graph, vocabulary: Graph | None = None) -> None:
        """`vocabulary` labels what the data only points at (the status and role concepts)."""
        self.graph = graph
        self.vocabulary = vocabulary if vocabulary is not None else Graph()
        self.entries: list[_Entry] = []
        for kind in SEARCHABLE_TYPES:
            for subject in sorted(s for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef)):
                texts = tuple(
                    (str(value), fold(str(value)), weight)
                    for prop, weight in WEIGHTED_TEXTS
                    for value in sorted(v for v in graph.objects(subject, prop) if isinstance(v, Literal))
                )
                self.entries.append(_Entry(subject, kind, texts))

    def search(self, query: str, selected: Mapping[str, Iterable[URIRef]] | None = None,
               lang: str = "de") -> SearchResult:
        terms = [t for t in fold(query).split() if len(t) >= MIN_TERM]
        result = SearchResult(query)
        if not terms:
            return result
        chosen = {name: set(values) for name, values in (selected or {}).items() if name in FACETS and values}
        matches = []
        for entry in self.entries:
            score = 0
            for term in terms:
                weights = [weight for _, folded, weight in entry.texts if term in folded]
                if not weights:
                    break
                score += max(weights)
            else:
                matches.append((entry, score))
        measures = [e for e, _ in matches if e.kind == PG.Measure]
        result.facets = self._facets(measures, chosen, lang)
        for entry, score in matches:
            if entry.kind == PG.Measure and not self._in_facets(entry.iri, chosen):
                continue
            if entry.kind != PG.Measure and chosen:
                continue  # a facet narrows to measures
            result.hits.append(Hit(entry.iri, entry.kind, self.label(entry.iri, lang),
                                   _snippet(entry, terms), score))
        result.hits.sort(key=lambda h: (-h.score, _kind_rank(h.kind), h.label))
        return result

    def _in_facets(self, measure: URIRef, chosen: dict[str, set[URIRef]]) -> bool:
        return all(
            not values or values & self._facet_values(measure, name) for name, values in chosen.items()
        )

    def _facet_values(self, measure: URIRef, name: str) -> set[URIRef]:
        values = {v for v in self.graph.objects(measure, FACETS[name]) if isinstance(v, URIRef)}
        if name == "group":  # a measure for a narrower group is also one for the broader group
            values |= {b for v in list(values) for b in self.graph.transitive_objects(v, SKOS.broader)
                       if isinstance(b, URIRef)}
        return values

    def _facets(self, measures: list[_Entry], chosen: dict[str, set[URIRef]],
                lang: str) -> dict[str, list[FacetValue]]:
        facets = {}
        for name in FACETS:
            # counts for one facet respect the choices made in the others
            others = {k: v for k, v in chosen.items() if k != name}
            counts: Counter[URIRef] = Counter()
            for entry in measures:
                if self._in_facets(entry.iri, others):
                    counts.update(self._facet_values(entry.iri, name))
            facets[name] = sorted(
                (FacetValue(value, self.label(value, lang), count, value in chosen.get(name, set()))
                 for value, count in counts.items()),
                key=lambda f: (-f.count, f.label),
            )
        return facets

    def label(self, iri: URIRef, lang: str = "de") -> str:
        for graph, prop in ((g, p) for g in (self.graph, self.vocabulary) for p in (SKOS.prefLabel, RDFS.label)):
            values = [v for v in graph.objects(iri, prop) if isinstance(v, Literal)]
            for wanted in (lang, "de", None):
                for value in sorted(values):
                    if value.language == wanted:
                        return str(value)
        return str(iri).rstrip("/").rsplit("/", 1)[-1]


def _kind_rank(kind: URIRef) -> int:
    return SEARCHABLE_TYPES.index(kind) if kind in SEARCHABLE_TYPES else len(SEARCHABLE_TYPES)


def _snippet(entry: _Entry, terms: list[str], width: int = 160) -> str:
    """The passage of the best text around the first term, with ellipses."""
    for original, folded, _ in sorted(entry.texts, key=lambda t: -t[2]):
        if len(original) < 12:
            continue
        position = min((folded.find(t) for t in terms if t in folded), default=-1)
        if position < 0:
            continue
        ratio = len(original) / max(len(folded), 1)  # folding can shorten the text a little
        start = max(0, int(position * ratio) - width // 3)
        piece = original[start:start + width]
        return ("…" if start else "") + piece + ("…" if start + width < len(original) else "")
    return entry.texts[0][0] if entry.texts else ""
