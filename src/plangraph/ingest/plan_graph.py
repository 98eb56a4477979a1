"""The plan graph: the merged plan as RDF in the vocabulary of docs/data-model.md.

Only what the source text says goes here; organisations are looked up among those the curated graph
describes (by label), so that the text's "alle Fachbereiche" finds the city.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, SKOS

from plangraph.ingest.lists import Group, is_qualified_form, responsible_parties, target_groups
from plangraph.ingest.merge import Goal, Plan, Wording
from plangraph.ingest.records import MeasureRecord, Text
from plangraph.iris import Minter
from plangraph.namespaces import ORG, PG, bind_prefixes

ORGANISATION_CLASSES = (ORG.Organization, ORG.FormalOrganization, ORG.OrganizationalUnit,
                        ORG.OrganizationalCollaboration)
LABEL_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)


@dataclass
class OrganisationIndex:
    """Organisations known to the curated graph, found by any of their labels (case-insensitive)."""

    by_label: dict[str, URIRef] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, graph: Graph) -> OrganisationIndex:
        index = cls()
        subjects = {s for c in ORGANISATION_CLASSES for s in graph.subjects(RDF.type, c) if isinstance(s, URIRef)}
        for subject in sorted(subjects):
            for prop in LABEL_PROPERTIES:
                for label in graph.objects(subject, prop):
                    index.by_label.setdefault(str(label).casefold(), subject)
        return index

    def find(self, name: str) -> URIRef | None:
        return self.by_label.get(" ".join(name.split()).casefold())


@dataclass
class PlanGraphResult:
    graph: Graph
    unmatched_organisations: list[tuple[str, str]]  # (measure notation, name as written)


def build_plan_graph(plan: Plan, minter: Minter, organisations: OrganisationIndex) -> PlanGraphResult:
    builder = _Builder(minter, organisations)
    for field_of_action in plan.fields:
        builder.field(field_of_action.label, field_of_action.occurrences)
    for goal in plan.guiding_goals:
        builder.guiding_goal(goal)
    for goal in plan.action_goals:
        builder.action_goal(goal)
    for measure in plan.measures:
        builder.measure(measure)
    builder.finish_target_groups()
    return PlanGraphResult(builder.graph, builder.unmatched)


class _Builder:
    def __init__(self, minter: Minter, organisations: OrganisationIndex) -> None:
        self.minter = minter
        self.organisations = organisations
        self.graph = bind_prefixes(Graph())
        self.unmatched: list[tuple[str, str]] = []
        self.groups: dict[str, URIRef] = {}

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal) -> None:
        self.graph.add((s, p, o))

    def sources(self, subject: URIRef, texts: tuple[Text, ...] | list[Text]) -> None:
        for text in texts:
            self.add(subject, DCTERMS.source, self.minter.source_lines(text.first_line, text.last_line))

    def field(self, label: str, occurrences: tuple[Text, ...]) -> None:
        iri = self.minter.field(label)
        self.add(iri, RDF.type, PG.FieldOfAction)
        self.add(iri, SKOS.prefLabel, Literal(label, lang="de"))
        self.add(iri, RDFS.label, Literal(f"Handlungsfeld {label}", lang="de"))
        self.add(iri, PG.inPlan, self.minter.plan())
        self.sources(iri, occurrences)

    def _goal(self, goal: Goal, iri: URIRef, kind_de: str, kind_en: str) -> None:
        self.add(iri, SKOS.notation, Literal(goal.notation))
        self.add(iri, RDFS.label, Literal(f"{kind_de} {goal.notation}", lang="de"))
        self.add(iri, RDFS.label, Literal(f"{kind_en} {goal.notation}", lang="en"))
        self.add(iri, DCTERMS.description, Literal(goal.description.text, lang="de"))
        for variant in goal.variants:
            self._variant_notes(iri, variant, goal.description)
        self.sources(iri, [text for _, text in goal.occurrences])

    def _variant_notes(self, iri: URIRef, variant: Wording, majority: Wording) -> None:
        pages_de = ", ".join(f"Maßnahme {n} (Zeilen {t.first_line}–{t.last_line})" for n, t in variant.occurrences)
        pages_en = ", ".join(f"measure {n} (lines {t.first_line}–{t.last_line})" for n, t in variant.occurrences)
        count = len(majority.occurrences)
        self.add(iri, SKOS.editorialNote, Literal(
            f"Abweichende Fassung auf der Seite von {pages_de}: „{variant.text}“ "
            f"Die Beschreibung folgt der Fassung von {count} Seiten.", lang="de"))
        self.add(iri, SKOS.editorialNote, Literal(
            f"Different wording on the page of {pages_en}: “{variant.text}” "
            f"The description follows the wording of {count} pages.", lang="en"))

    def guiding_goal(self, goal: Goal) -> None:
        iri = self.minter.guiding_goal(goal.field, goal.notation)
        self.add(iri, RDF.type, PG.GuidingGoal)
        self.add(iri, PG.inField, self.minter.field(goal.field))
        self._goal(goal, iri, "Leitziel", "Guiding goal")

    def action_goal(self, goal: Goal) -> None:
        iri = self.minter.action_goal(goal.field, goal.notation)
        self.add(iri, RDF.type, PG.ActionGoal)
        self.add(iri, PG.subGoalOf, self.minter.guiding_goal(goal.field, goal.parent))
        self._goal(goal, iri, "Handlungsziel", "Action goal")

    def measure(self, record: MeasureRecord) -> None:
        field_label = record.field_of_action.text
        iri = self.minter.measure(field_label, record.notation)
        self.add(iri, RDF.type, PG.Measure)
        self.add(iri, SKOS.notation, Literal(record.notation))
        self.add(iri, RDFS.label, Literal(f"Maßnahme {record.notation}", lang="de"))
        self.add(iri, RDFS.label, Literal(f"Measure {record.notation}", lang="en"))
        self.add(iri, DCTERMS.description, Literal(record.description.text, lang="de"))
        self.add(iri, PG.servesGoal, self.minter.action_goal(field_label, record.action_goal))
        self.add(iri, DCTERMS.source, self.minter.source_lines(record.first_line, record.last_line))
        self.add(iri, PG.responsibleText, Literal(record.responsible.text, lang="de"))
        self.add(iri, PG.targetGroupText, Literal(record.target_groups.text, lang="de"))
        if record.status is not None:
            self.add(iri, PG.statusText, Literal(record.status.text, lang="de"))
        if record.remarks is not None:
            self.add(iri, PG.remark, Literal(record.remarks.text, lang="de"))
        self._responsible(iri, record)
        for group in target_groups(record.target_groups.text):
            self.add(iri, DCTERMS.audience, self._group(group))

    def _responsible(self, measure: URIRef, record: MeasureRecord) -> None:
        for party in responsible_parties(record.responsible.text):
            agent = self._organisation(party.name, record.notation)
            self.add(measure, PROV.wasAttributedTo, agent)
            self._attribution(measure, agent, PG.RoleResponsible, "verantwortlich")
            for framework in party.frameworks:
                self._attribution(measure, self._organisation(framework, record.notation),
                                  PG.RoleFramework, "rahmen")

    def _attribution(self, measure: URIRef, agent: URIRef, role: URIRef, role_slug: str) -> None:
        node = self.minter.attribution(measure, role_slug, str(agent).rstrip("/").rsplit("/", 1)[-1])
        self.add(measure, PROV.qualifiedAttribution, node)
        self.add(node, RDF.type, PROV.Attribution)
        self.add(node, PROV.agent, agent)
        self.add(node, DCAT.hadRole, role)

    def _organisation(self, name: str, notation: str) -> URIRef:
        found = self.organisations.find(name)
        if found is None:
            self.unmatched.append((notation, name))
            return self.minter.organisation(name)
        return found

    def _group(self, group: Group) -> URIRef:
        iri = self.minter.target_group(group.label)
        if group.label not in self.groups:
            self.groups[group.label] = iri
            self.add(iri, RDF.type, SKOS.Concept)
            self.add(iri, SKOS.prefLabel, Literal(group.label, lang="de"))
            self.add(iri, SKOS.inScheme, self.minter.target_group_scheme())
        if group.part_of is not None:
            self.add(iri, SKOS.broader, self._group(Group(group.part_of)))
        return iri

    def finish_target_groups(self) -> None:
        """The scheme, and `skos:broader` wherever one group's name is another's plus a qualifier."""
        scheme = self.minter.target_group_scheme()
        if not self.groups:
            return
        self.add(scheme, RDF.type, SKOS.ConceptScheme)
        self.add(scheme, SKOS.prefLabel, Literal("Zielgruppen", lang="de"))
        self.add(scheme, SKOS.prefLabel, Literal("Target groups", lang="en"))
        for label, iri in self.groups.items():
            parents = [other for other in self.groups if is_qualified_form(label, other)]
            if parents:  # the closest: the longest name it extends
                self.add(iri, SKOS.broader, self.groups[max(parents, key=len)])
            elif not any(True for _ in self.graph.objects(iri, SKOS.broader)):
                self.add(scheme, SKOS.hasTopConcept, iri)
                self.add(iri, SKOS.topConceptOf, scheme)
