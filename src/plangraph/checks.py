"""A new entry checked as a whole: the SHACL shapes in the context of the published data and the plan rules that
ask the store, in one report, so that `plangraph validate` and POST /validate give the same answer."""

from __future__ import annotations

from datetime import date

from rdflib import Graph

from plangraph.lookups import entry_context
from plangraph.plan_rules import check_plan_rules
from plangraph.store.base import Store
from plangraph.validate import Problem, ValidationReport, validate_entry, with_problems


def check_entry(store: Store, entry: Graph, shapes: Graph, today: date | None = None) -> ValidationReport:
    """Validate an entry against the shapes and the plan rules; `today` bounds report dates (default: UTC today)."""
    rules = check_plan_rules(store, entry, today)  # first: it refuses an entry whose IRIs no query can carry
    report = validate_entry(entry, entry_context(store, entry), shapes)
    return with_problems(report, [problem for problem in rules if not _already_found(report, problem)])


def _already_found(report: ValidationReport, problem: Problem) -> bool:
    """The shapes saw it too: with the context they also find a missing goal or a number taken in the field, on
    the same resource and value (a SPARQL constraint names no path). Say it once, in the shapes' words."""
    return any(found.focus == problem.focus and found.value == problem.value and found.path in (None, problem.path)
               for found in report.violations)
