"""The plan as a tree (field of action -> guiding goals -> action goals -> measures), read from the
published graph: what the overview page shows, independent of any web framework."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from plangraph.namespaces import PG


@dataclass
class Node:
    iri: str
    notation: str
    label: str
    description: str
    children: list[Node] = field(default_factory=list)


def _text(graph: Graph, subject: URIRef, prop: URIRef, lang: str) -> str:
    values = [o for o in graph.objects(subject, prop) if isinstance(o, Literal)]
    for wanted in (lang, "de", None):
        for value in values:
            if value.language == wanted:
                return str(value)
    return str(values[0]) if values else ""


def _notation_key(node: Node) -> tuple[int | str, ...]:
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"\d+|\D+", node.notation))


def plan_tree(graph: Graph, lang: str = "de") -> list[Node]:
    """One node per field of action, its guiding goals, their action goals, their measures (sorted)."""

    def node(subject: URIRef, label_prop: URIRef = RDFS.label) -> Node:
        return Node(str(subject), str(graph.value(subject, SKOS.notation) or ""),
                    _text(graph, subject, label_prop, lang), _text(graph, subject, DCTERMS.description, lang))

    def linked(prop: URIRef, target: URIRef) -> list[URIRef]:
        return sorted(s for s in graph.subjects(prop, target) if isinstance(s, URIRef))

    fields = []
    for field_iri in linked(RDF.type, PG.FieldOfAction):
        field_node = node(field_iri, SKOS.prefLabel)
        for goal in linked(PG.inField, field_iri):
            goal_node = node(goal)
            for action in linked(PG.subGoalOf, goal):
                action_node = node(action)
                action_node.children = sorted((node(m) for m in linked(PG.servesGoal, action)), key=_notation_key)
                goal_node.children.append(action_node)
            goal_node.children.sort(key=_notation_key)
            field_node.children.append(goal_node)
        field_node.children.sort(key=_notation_key)
        fields.append(field_node)
    return fields
