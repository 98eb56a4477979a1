"""Parsing the plan's list fields: who is responsible ("Verantwortlich") and for whom ("Zielgruppe").

Pure text rules of German administrative lists, no knowledge of any one plan:
- items are separated by ";" or "," outside brackets;
- a name in brackets after a unit names the framework it acts in: "FB X (Bündnis für Wohnen)";
- leading qualifiers ("mittelbar", "insbesondere") do not belong to a group's name;
- "X insbesondere mit Y" is group X with a focus on its part "X mit Y".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUALIFIERS = ("mittelbar", "unmittelbar", "insbesondere", "vor allem", "besonders", "auch", "ggf.")
FOCUS = re.compile(r"^(?P<base>.+?)\s+(?:insbesondere|vor allem|besonders)\s+(?P<focus>.+)$")
PREPOSITIONS = ("mit", "ohne", "in", "im", "aus", "an", "auf", "bei", "von", "unter", "über", "als")


@dataclass(frozen=True)
class Party:
    name: str
    frameworks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    label: str
    part_of: str | None = None  # the label of the group this one is part of, when the text says so


def split_items(text: str) -> list[str]:
    """Split at ';' and ',' outside brackets; strip each item; drop empty ones."""
    items: list[str] = []
    depth = 0
    current: list[str] = []
    for char in " ".join(text.split()):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        if char in ";," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def responsible_parties(text: str) -> list[Party]:
    parties = []
    for item in split_items(text):
        match = re.fullmatch(r"(?P<name>[^()]+?)\s*\((?P<inner>[^()]+)\)", item)
        if match:
            frameworks = tuple(split_items(match.group("inner")))
            parties.append(Party(match.group("name").strip(), frameworks))
        else:
            parties.append(Party(item))
    return parties


def target_groups(text: str) -> list[Group]:
    groups: list[Group] = []
    for item in split_items(text):
        item = _strip_qualifiers(item)
        match = FOCUS.match(item)
        if match:
            base = match.group("base").strip()
            focus = match.group("focus").strip()
            narrower = f"{base} {focus}" if focus.split()[0] in PREPOSITIONS else focus
            groups += [Group(base), Group(narrower, part_of=base)]
        else:
            groups.append(Group(item))
    return groups


def is_qualified_form(narrower: str, broader: str) -> bool:
    """True when `narrower` is `broader` plus a qualifying phrase: "Menschen mit X in Y" of "Menschen mit X"."""
    if not narrower.startswith(broader + " "):
        return False
    return narrower[len(broader) + 1:].split()[0] in PREPOSITIONS


def _strip_qualifiers(item: str) -> str:
    changed = True
    while changed:
        changed = False
        for qualifier in QUALIFIERS:
            if item.lower().startswith(qualifier + " "):
                item = item[len(qualifier) + 1:].strip()
                changed = True
    return item
