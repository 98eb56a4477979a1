"""Merge the pages of a plan: goals repeated on every measure's page become one goal each.

Where the repetitions of a goal differ, the wording most pages use is the description (the first
wording on a tie), and every other wording is kept as a variant with the pages that use it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from plangraph.errors import Location, SourceError
from plangraph.ingest.records import MeasureRecord, Text


@dataclass(frozen=True)
class Wording:
    """One wording of a goal and where it stands: (measure notation, its text with line range)."""

    text: str
    occurrences: tuple[tuple[str, Text], ...]


@dataclass(frozen=True)
class Goal:
    notation: str
    field: str  # the label of its field of action: numbers are unique within a field only
    parent: str  # the field of action's label (guiding goal) or the guiding goal's notation (action goal)
    description: Wording
    variants: tuple[Wording, ...]

    @property
    def occurrences(self) -> tuple[tuple[str, Text], ...]:
        return self.description.occurrences + tuple(o for v in self.variants for o in v.occurrences)


@dataclass(frozen=True)
class FieldOfAction:
    label: str
    occurrences: tuple[Text, ...]


@dataclass(frozen=True)
class Plan:
    fields: tuple[FieldOfAction, ...]
    guiding_goals: tuple[Goal, ...]
    action_goals: tuple[Goal, ...]
    measures: tuple[MeasureRecord, ...]


def merge(records: list[MeasureRecord], source: str = "<source>") -> Plan:
    seen: dict[tuple[str, str], MeasureRecord] = {}
    for record in records:
        key = (record.field_of_action.text, record.notation)
        if key in seen:
            raise SourceError(
                f"Maßnahme {record.notation} appears twice in {key[0]} (also at line {seen[key].first_line})",
                Location(file=source, line=record.first_line),
            )
        seen[key] = record

    fields: dict[str, list[Text]] = {}
    for record in records:
        fields.setdefault(record.field_of_action.text, []).append(record.field_of_action)
    return Plan(
        fields=tuple(FieldOfAction(label, tuple(texts)) for label, texts in sorted(fields.items())),
        guiding_goals=_merge_goals(
            records, lambda r: r.guiding_goal, lambda r: r.guiding_goal_text, lambda r: r.field_of_action.text,
            source,
        ),
        action_goals=_merge_goals(
            records, lambda r: r.action_goal, lambda r: r.action_goal_text, lambda r: r.guiding_goal, source
        ),
        measures=tuple(sorted(records, key=lambda r: (r.field_of_action.text, _notation_key(r.notation)))),
    )


def _merge_goals(
    records: list[MeasureRecord],
    notation_of: Callable[[MeasureRecord], str],
    text_of: Callable[[MeasureRecord], Text],
    parent_of: Callable[[MeasureRecord], str],
    source: str,
) -> tuple[Goal, ...]:
    by_notation: dict[tuple[str, str], list[MeasureRecord]] = {}
    for record in records:
        by_notation.setdefault((record.field_of_action.text, notation_of(record)), []).append(record)
    goals = []
    for (field_label, notation), group in by_notation.items():
        parents = {parent_of(r) for r in group}
        if len(parents) > 1:
            raise SourceError(
                f"goal {notation} is placed under different parents: {', '.join(sorted(parents))}",
                Location(file=source, line=group[0].first_line),
            )
        wordings: dict[str, list[tuple[str, Text]]] = {}
        for record in group:
            text = text_of(record)
            wordings.setdefault(" ".join(text.text.split()), []).append((record.notation, text))
        counts = Counter({wording: len(occ) for wording, occ in wordings.items()})
        order = list(wordings)  # first appearance breaks ties
        ranked = sorted(order, key=lambda w: (-counts[w], order.index(w)))
        goals.append(
            Goal(
                notation=notation,
                field=field_label,
                parent=parents.pop(),
                description=Wording(ranked[0], tuple(wordings[ranked[0]])),
                variants=tuple(Wording(w, tuple(wordings[w])) for w in ranked[1:]),
            )
        )
    return tuple(sorted(goals, key=lambda g: (g.field, _notation_key(g.notation))))


def _notation_key(notation: str) -> tuple[str, ...]:
    """Sort 'A10.2' after 'A2.1': letters as text, numbers as numbers (zero-padded)."""
    import re

    return tuple(part.zfill(6) if part.isdigit() else part for part in re.findall(r"\d+|\D+", notation))
