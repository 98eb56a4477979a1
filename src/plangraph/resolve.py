"""Turns what a data steward typed (a notation, a name, an IRI) into IRIs of the published data.

Each lookup is a small SPARQL query that fetches only the candidates (VALUES and FILTER), never the whole
dataset; the list of known names is read only to suggest one when nothing matched. What cannot be resolved
comes back as an `Unresolved` with its reason in German and English, for the form or sheet to show.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import FOAF, PROV, RDFS, SKOS

from plangraph.iris import Minter
from plangraph.store.base import Store
from plangraph.store.terms import NOT_IN_IRI
from plangraph.store.terms import query_iri as iri
from plangraph.store.terms import query_literal as _literal

# Characters that would end an IRI early in a query (and are not allowed in IRIs anyway).
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PREFIXES = ("PREFIX pg: <https://w3id.org/plangraph/def#>\n"
             "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
             "PREFIX org: <http://www.w3.org/ns/org#>\n"
             "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n")
# The names a resource answers to; alternative and hidden labels count only where no main name matches.
MAIN_NAMES = (SKOS.prefLabel, RDFS.label, FOAF.name, SKOS.notation)
OTHER_NAMES = (SKOS.altLabel, SKOS.hiddenLabel)
SHOWN_NAMES = (*MAIN_NAMES, SKOS.altLabel)  # hidden labels are for matching only, never suggested (SKOS)
_FEW = 10  # known names listed in full when none is close


@dataclass(frozen=True)
class Kind:
    """What a value may denote: a SPARQL pattern that binds `?s` to each such resource, and its name."""

    pattern: str
    name: dict[str, str]


ACTION_GOAL = Kind("?s a pg:ActionGoal .", {"de": "Handlungsziel", "en": "action goal"})
MEASURE = Kind("?s a pg:Measure .", {"de": "Maßnahme", "en": "measure"})
MEASURE_OR_GOAL = Kind("VALUES ?class { pg:Measure pg:ActionGoal pg:GuidingGoal } ?s a ?class .",
                       {"de": "Maßnahme oder Ziel", "en": "measure or goal"})
ORGANISATION = Kind("VALUES ?class { org:Organization org:FormalOrganization org:OrganizationalUnit "
                    "org:OrganizationalCollaboration } ?s a ?class .", {"de": "Organisation", "en": "organisation"})
PLACE = Kind("?s a geo:Feature .", {"de": "Ort", "en": "place"})
STATUS = Kind("?s skos:inScheme pg:MeasureStatuses .", {"de": "Statuskategorie", "en": "status category"})


def target_groups(minter: Minter) -> Kind:
    """The city's target groups: the concepts of its own scheme (other schemes, such as the SDGs, are no groups)."""
    return Kind(f"?s skos:inScheme {iri(minter.target_group_scheme())} .", {"de": "Zielgruppe", "en": "target group"})


@dataclass(frozen=True)
class Unresolved:
    """Why a value names nothing usable."""

    messages: dict[str, str]


def clean(text: str) -> str:
    """A value as it is kept: Unicode NFC (a decomposed 'ä' from a Mac equals a composed one), Windows line
    ends made plain, outer white space gone."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").strip()


def _looks_like_iri(text: str) -> bool:
    return bool(_SCHEME.match(text)) and ("://" in text or text.lower().startswith("urn:"))




def _checked_iri(text: str) -> URIRef | Unresolved:
    if NOT_IN_IRI.search(text):
        return Unresolved({
            "de": f"„{text}“ ist keine gültige IRI (Leerzeichen und die Zeichen <>\"{{}}|^`\\ sind nicht erlaubt).",
            "en": f'"{text}" is not a valid IRI (spaces and the characters <>"{{}}|^`\\ are not allowed in it).',
        })
    return URIRef(text)




def _values(name: str, terms: Iterable[str]) -> str:
    return f"VALUES ?{name} {{ {' '.join(terms)} }}"


def candidates(store: Store, kind: Kind, text: str, restriction: str = "") -> list[URIRef]:
    """The resources of a kind with this notation (compared without case), or the IRI itself if it is one;
    `restriction` is a further pattern on `?s` (e.g. the goal a measure serves)."""
    text = clean(text)
    if _looks_like_iri(text):
        found = _checked_iri(text)
        if isinstance(found, Unresolved):
            return []
        return [found] if store.ask(f"{_PREFIXES}ASK {{ {_values('s', [iri(found)])} {kind.pattern} "
                                    f"{restriction} }}") else []
    rows = store.select(f"{_PREFIXES}SELECT DISTINCT ?s WHERE {{ {kind.pattern} {restriction} ?s skos:notation ?n . "
                        f"FILTER(UCASE(STR(?n)) = {_literal(text.upper())}) }}")
    return sorted(URIRef(str(row["s"])) for row in rows if isinstance(row.get("s"), URIRef))


def resolve_notation(store: Store, kind: Kind, text: str, restriction: str = "") -> URIRef | Unresolved:
    """The one resource a notation or IRI names; else why not (unknown, with close notations, or ambiguous)."""
    text = clean(text)
    if _looks_like_iri(text) and isinstance(checked := _checked_iri(text), Unresolved):
        return checked
    found = candidates(store, kind, text, restriction)
    if len(found) == 1:
        return found[0]
    if found:
        return _ambiguous(text, found)
    if _looks_like_iri(text):
        return _unknown(kind, text, [], cutoff=0.5)
    known = [str(row["n"]) for row in store.select(
        f"{_PREFIXES}SELECT DISTINCT ?n WHERE {{ {kind.pattern} {restriction} ?s skos:notation ?n }}") if "n" in row]
    return _unknown(kind, text, known, cutoff=0.5)


def resolve_names(store: Store, kind: Kind, names: Sequence[str], suggest: bool = True,
                  ) -> dict[str, URIRef | Unresolved]:
    """Each name (or IRI) to the one resource of the kind it names, compared without case on its labels,
    names and notation: one query for all names, and one more for suggestions if any is unknown. IRIs are
    only checked for syntax: whether they denote the right kind of thing is the shapes' to say."""
    out: dict[str, URIRef | Unresolved] = {}
    keys: dict[str, list[str]] = {}
    for name in map(clean, names):
        if _looks_like_iri(name):
            out[name] = _checked_iri(name)
        elif name:
            keys.setdefault(name.lower(), []).append(name)
    if not keys:
        return out
    props = [iri(p) for p in (*MAIN_NAMES, *OTHER_NAMES)]
    # labels first, the kind last: rdflib joins in the order written, and this order is the fast one there
    rows = store.select(
        f"{_PREFIXES}SELECT DISTINCT ?key ?s ?p WHERE {{ ?s ?p ?label . {_values('p', props)} "
        f"BIND(LCASE(STR(?label)) AS ?key) {_values('key', map(_literal, keys))} {kind.pattern} }}")
    matches: dict[str, dict[URIRef, set[str]]] = {}
    for row in rows:
        if isinstance(row.get("s"), URIRef) and "key" in row:
            matches.setdefault(str(row["key"]), {}).setdefault(URIRef(str(row["s"])), set()).add(str(row["p"]))
    known: list[str] | None = None
    for key, spellings in keys.items():
        found = matches.get(key, {})
        main = [s for s, via in found.items() if via & {str(p) for p in MAIN_NAMES}]
        chosen = main or sorted(found)
        for name in spellings:
            if len(chosen) == 1:
                out[name] = chosen[0]
            elif chosen:
                out[name] = _ambiguous(name, sorted(chosen))
            else:
                if known is None:
                    known = _names(store, kind) if suggest else []
                out[name] = _unknown(kind, name, known, cutoff=0.6)
    return out


def _names(store: Store, kind: Kind) -> list[str]:
    rows = store.select(f"{_PREFIXES}SELECT DISTINCT ?label WHERE {{ ?s ?p ?label . "
                        f"{_values('p', [iri(p) for p in SHOWN_NAMES])} {kind.pattern} }}")
    return sorted({str(row["label"]) for row in rows if "label" in row})


def _close(text: str, known: Sequence[str], cutoff: float) -> list[str]:
    """Up to three known names like the text: similar spellings first, then names that contain it ('Wanne' for
    'Stadtbezirk Wanne')."""
    lowered = {k.lower(): k for k in known}
    key = text.lower()
    similar = difflib.get_close_matches(key, list(lowered), n=3, cutoff=cutoff)
    containing = [k for k in sorted(lowered) if len(key) >= 3 and key in k]
    return [lowered[k] for k in list(dict.fromkeys([*similar, *containing]))[:3]]


def _unknown(kind: Kind, text: str, known: Sequence[str], cutoff: float) -> Unresolved:
    """Not found, with the known names like it, or all known names when none is like it and they are few."""
    de, en = kind.name["de"], kind.name["en"]
    shown_de = f"<{text}>" if _looks_like_iri(text) else f"„{text}“"
    shown_en = f"<{text}>" if _looks_like_iri(text) else f'"{text}"'
    messages = {"de": f"{de} {shown_de} nicht gefunden.", "en": f"{en[0].upper()}{en[1:]} {shown_en} not found."}
    suggestions = _close(text, known, cutoff)
    if suggestions:
        messages["de"] += f" Meinten Sie {_listed(suggestions, '„', '“', 'oder')}?"
        messages["en"] += " Did you mean " + _listed(suggestions, '"', '"', "or") + "?"
    elif known and len(known) <= _FEW:
        messages["de"] += f" Möglich sind: {_listed(sorted(known, key=str.lower), '„', '“', 'und')}."
        messages["en"] += " Possible are: " + _listed(sorted(known, key=str.lower), '"', '"', "and") + "."
    if any(sep in text for sep in (",", "/")) and not _looks_like_iri(text):
        messages["de"] += " Mehrere Angaben bitte durch „;“ oder Zeilenumbrüche trennen."
        messages["en"] += ' Separate several values with ";" or line breaks.'
    return Unresolved(messages)


def _listed(items: Sequence[str], opening: str, closing: str, last: str) -> str:
    quoted = [f"{opening}{item}{closing}" for item in items]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {last} {quoted[-1]}"


def _ambiguous(text: str, found: Sequence[URIRef]) -> Unresolved:
    listed = ", ".join(f"<{f}>" for f in found)
    return Unresolved({
        "de": f"„{text}“ ist mehrdeutig, es passt auf {listed}. Bitte die IRI angeben.",
        "en": f'"{text}" is ambiguous: it matches {listed}. Please give the IRI.',
    })


def field_label(store: Store, goal: URIRef) -> str | None:
    """The German name of the field of action an action goal belongs to (measure IRIs are minted from it)."""
    rows = store.select(f"{_PREFIXES}SELECT ?label WHERE {{ {iri(goal)} pg:subGoalOf/pg:inField/skos:prefLabel "
                        f"?label . FILTER(LANGMATCHES(LANG(?label), \"de\")) }}")
    labels = sorted(str(row["label"]) for row in rows if "label" in row)
    return labels[0] if labels else None


def current_values(store: Store, resource: URIRef, props: Sequence[URIRef]) -> dict[URIRef, set[str]]:
    """A resource's values of some properties as published, together with the wordings of corrections to them
    (either may be what a steward copied into a sheet)."""
    rows = store.select(
        f"{_PREFIXES}SELECT ?p ?o WHERE {{ {_values('p', [iri(p) for p in props])} "
        f"{{ {iri(resource)} ?p ?o }} UNION {{ ?c pg:correctionOf {iri(resource)} ; pg:correctedProperty ?p ; "
        f"{iri(PROV.value)} ?o }} }}")
    out: dict[URIRef, set[str]] = {}
    for row in rows:
        if "p" in row and "o" in row:
            out.setdefault(URIRef(str(row["p"])), set()).add(str(row["o"]))
    return out
