"""SHACL validation: of the whole dataset, and of new entries in the context of the published graph.

An entry may point at existing goals, departments and target groups, and rules such as "notations
are unique" need the published data to be seen; so the entry is validated together with the context,
and only the problems of the entry's own resources are reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from plangraph.namespaces import bind_prefixes

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
SEVERITY_DE = {"Violation": "Verstoß", "Warning": "Warnung", "Info": "Hinweis"}


@dataclass(frozen=True)
class Problem:
    """One validation result, in terms a data steward can read."""

    focus: Node
    path: Node | None
    value: Node | None
    severity: str
    messages: dict[str, str]
    shape: Node | None
    component: Node | None

    def message(self, lang: str) -> str:
        if lang in self.messages:
            return self.messages[lang]
        for fallback in ("en", "de", ""):
            if fallback in self.messages:
                return self.messages[fallback]
        return "(no message)"


@dataclass
class ValidationReport:
    conforms: bool
    problems: list[Problem] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)  # the sh:ValidationReport, restricted to `problems`

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "Violation"]


def validate_graph(data: Graph, shapes: Graph, focus: list[URIRef] | None = None) -> ValidationReport:
    """Validate a data graph (a plain graph: callers pass the union of the named graphs they mean);
    with `focus`, only the shapes' targets among those nodes (and what their shapes reach)."""
    _, report_graph, _ = shacl_validate(
        data, shacl_graph=shapes, ont_graph=None, inference="none", advanced=True, allow_warnings=True,
        focus_nodes=[str(node) for node in focus] if focus else None,
    )
    assert isinstance(report_graph, Graph)
    # two constraints of one property shape can give the same message for the same value: say it once
    unique = {(_problem_key(p), p.severity): p for p in _problems(report_graph, shapes)}
    problems = sorted(unique.values(), key=_problem_key)
    conforms = not any(p.severity == "Violation" for p in problems)
    return ValidationReport(conforms, problems, _restricted_report(report_graph, problems, conforms))


def validate_entry(entry: Graph, context: Graph, shapes: Graph) -> ValidationReport:
    """Validate an entry against the shapes in the context of published data; report the entry's problems."""
    combined = Graph()
    for triple in context:
        combined.add(triple)
    for triple in entry:
        combined.add(triple)
    own = set(entry.subjects())
    full = validate_graph(combined, shapes, _focus_nodes(entry, own))
    problems = [p for p in full.problems if p.focus in own]
    conforms = not any(p.severity == "Violation" for p in problems)
    return ValidationReport(conforms, problems, _restricted_report(full.graph, problems, conforms))


def with_problems(report: ValidationReport, extra: list[Problem]) -> ValidationReport:
    """The report with problems found outside the shapes (the plan rules) merged in, sorted and said once like
    the shapes' own, and its sh:ValidationReport graph rebuilt so that the Turtle report holds them too."""
    unique = {(_problem_key(p), p.severity): p for p in [*report.problems, *extra]}
    problems = sorted(unique.values(), key=_problem_key)
    conforms = not any(p.severity == "Violation" for p in problems)
    return ValidationReport(conforms, problems, _restricted_report(report.graph, problems, conforms))


def _focus_nodes(entry: Graph, subjects: set[Node]) -> list[URIRef] | None:
    """The entry's IRI subjects, the only nodes worth validating (the context's own nodes were validated when
    they were published), so that the cost follows the entry, not the context. pyshacl names focus nodes by
    IRI: an entry with a blank node that nothing in it points at (a root of its own) is validated whole."""
    objects = set(entry.objects())
    if any(isinstance(node, BNode) and node not in objects for node in subjects):
        return None
    return sorted(node for node in subjects if isinstance(node, URIRef)) or None


def _problems(report: Graph, shapes: Graph) -> list[Problem]:
    problems = []
    # only the report's own results: pyshacl also types nested sh:detail results as ValidationResult
    roots = report.subjects(RDF.type, SH.ValidationReport)
    results = [result for root in roots for result in report.objects(root, SH.result)]
    for result in results:
        messages: dict[str, str] = {}
        templates = _templates(shapes, report.value(result, SH.sourceConstraint),
                               report.value(result, SH.sourceShape))
        for message in report.objects(result, SH.resultMessage):
            lang = message.language if isinstance(message, Literal) and message.language else ""
            lang = lang or _language_of(str(message), templates)
            messages.setdefault(lang, str(message))
        severity = report.value(result, SH.resultSeverity)
        focus = report.value(result, SH.focusNode)
        if focus is None:  # not a well-formed result; pyshacl always names the focus node
            continue
        problems.append(Problem(
            focus=focus,
            path=report.value(result, SH.resultPath),
            value=report.value(result, SH.value),
            severity=SEVERITIES.get(severity, str(severity)) if isinstance(severity, URIRef) else "Violation",
            messages=messages,
            shape=report.value(result, SH.sourceShape),
            component=report.value(result, SH.sourceConstraintComponent),
        ))
    return problems


def _templates(shapes: Graph, *sources: Node | None) -> list[tuple[str, str]]:
    """The (language, message template) pairs of the constraint or shape a result came from."""
    out = []
    for source in sources:
        if source is None:
            continue
        for message in shapes.objects(source, SH.message):
            if isinstance(message, Literal) and message.language:
                out.append((message.language, str(message)))
    return out


def _language_of(message: str, templates: list[tuple[str, str]]) -> str:
    """pyshacl drops the language of a message whose placeholders it filled: find it by its template."""
    for lang, template in templates:
        pattern = "".join(".*?" if re.fullmatch(r"\{[?$]\w+\}", part) else re.escape(part)
                          for part in re.split(r"(\{[?$]\w+\})", template))
        if re.fullmatch(pattern, message, flags=re.DOTALL):
            return lang
    return ""


def _problem_key(problem: Problem) -> tuple[str, str, str, str]:
    return (str(problem.focus), str(problem.path or ""), problem.message("de"), str(problem.value or ""))


def _restricted_report(report: Graph, problems: list[Problem], conforms: bool) -> Graph:
    """A fresh sh:ValidationReport holding only the given problems."""
    graph = bind_prefixes(Graph())
    root = BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(conforms)))
    for problem in problems:
        node = BNode()
        graph.add((root, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, problem.focus))
        severity = next((k for k, v in SEVERITIES.items() if v == problem.severity), SH.Violation)
        graph.add((node, SH.resultSeverity, severity))
        for term, prop in ((problem.path, SH.resultPath), (problem.value, SH.value),
                           (problem.shape, SH.sourceShape), (problem.component, SH.sourceConstraintComponent)):
            if term is not None and not isinstance(term, BNode):
                graph.add((node, prop, term))
        for lang, text in sorted(problem.messages.items()):
            graph.add((node, SH.resultMessage, Literal(text, lang=lang or None)))
    return graph


# rendering ------------------------------------------------------------------------------------------
def _short(graph: Graph, term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(term)
        except Exception:  # rdflib raises for IRIs it cannot abbreviate; show them whole
            return f"<{term}>"
    if isinstance(term, BNode):
        return "[blank node]"
    return json.dumps(str(term), ensure_ascii=False)


def render_text(report: ValidationReport, lang: str = "de", source: str | None = None) -> str:
    names = bind_prefixes(Graph())
    head = f"{source}: " if source else ""
    if report.conforms and not report.problems:
        return head + ("Konform: keine Probleme gefunden." if lang == "de"
                       else "Conforms: no problems found.") + "\n"
    count = len(report.problems)
    lines = [head + (f"{count} Problem(e) gefunden." if lang == "de" else f"{count} problem(s) found.")]
    for problem in report.problems:
        severity = SEVERITY_DE.get(problem.severity, problem.severity) if lang == "de" else problem.severity
        lines.append(f"- {severity}: {problem.message(lang)}")
        lines.append(f"    {'Ressource' if lang == 'de' else 'focus'}: {_short(names, problem.focus)}")
        if problem.path is not None and not isinstance(problem.path, BNode):
            lines.append(f"    {'Eigenschaft' if lang == 'de' else 'path'}: {_short(names, problem.path)}")
        if problem.value is not None:
            lines.append(f"    {'Wert' if lang == 'de' else 'value'}: {_short(names, problem.value)}")
    return "\n".join(lines) + "\n"


def report_as_json(report: ValidationReport) -> dict[str, Any]:
    def term(node: Node | None) -> str | None:
        if node is None or isinstance(node, BNode):
            return None
        return str(node)

    return {
        "conforms": report.conforms,
        "results": [
            {
                "focusNode": term(p.focus),
                "path": term(p.path),
                "value": term(p.value),
                "severity": p.severity,
                "message": dict(sorted(p.messages.items())),
                "sourceShape": term(p.shape),
            }
            for p in report.problems
        ],
    }


def render_json(report: ValidationReport) -> str:
    return json.dumps(report_as_json(report), ensure_ascii=False, indent=2) + "\n"


def render_turtle(report: ValidationReport) -> str:
    return report.graph.serialize(format="turtle")
