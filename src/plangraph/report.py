"""The build report: what the build did to the source, in Markdown a data steward can read.

It lists every repair (original, repaired, rule, line), every segmentation decision, the goals merged
and their differing wordings, names not found among the curated organisations, words the lexicon did
not know, and whether the result conforms to the shapes. No timestamps: the report is reproducible.
"""

from __future__ import annotations

from collections import Counter

from plangraph.ingest.pipeline import Ingested
from plangraph.iris import Minter
from plangraph.validate import ValidationReport, render_text


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _lines(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}–{last}"


def _section(title: str, intro: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """A report section with a Markdown table."""
    out = [f"## {title}", "", intro, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return [*out, ""]


def render_build_report(
    *,
    source_name: str,
    source_sha256: str,
    source_lines: int,
    ingested: Ingested,
    validation: ValidationReport,
    lexicon: str,
    graph_sizes: dict[str, int],
    minter: Minter,
) -> str:
    plan, log = ingested.plan, ingested.log
    out: list[str] = ["# Build report", ""]
    out += [
        f"- Source: `{source_name}` ({source_lines} lines, SHA-256 `{source_sha256}`)",
        f"- Lexicon: {lexicon}",
        f"- Base IRI: `{minter.base}`",
        f"- Records (one per measure page): {len(ingested.records)}",
        f"- Result: {len(plan.fields)} field(s) of action, {len(plan.guiding_goals)} guiding goals, "
        f"{len(plan.action_goals)} action goals, {len(plan.measures)} measures",
        "- Triples: " + ", ".join(f"{name} graph {size}" for name, size in graph_sizes.items()),
        f"- Word repairs: {sum(1 for r in log.repairs)} "
        f"({len({(r.original, r.repaired) for r in log.repairs})} distinct)",
        f"- Shapes: {'conforms' if validation.conforms else 'DOES NOT CONFORM'}"
        f" ({len(validation.problems)} result(s))",
        "",
    ]

    out += ["## Records", "", "| lines | measure | serves | responsible |", "|---|---|---|---|"]
    for record in ingested.records:
        out.append(f"| {record.first_line}–{record.last_line} | {record.notation} | {record.action_goal} "
                   f"| {_cell(record.responsible.text)} |")
    out.append("")

    out += ["## Goals merged across pages", ""]
    for goal in (*plan.guiding_goals, *plan.action_goals):
        pages = len(goal.occurrences)
        if goal.variants:
            out.append(f"- **{goal.notation}**: {pages} pages; {len(goal.description.occurrences)} agree on "
                       f"„{_cell(goal.description.text)}“ (the description). Differing wording kept as an "
                       "editorial note:")
            for variant in goal.variants:
                where = ", ".join(f"{n} (lines {t.first_line}–{t.last_line})" for n, t in variant.occurrences)
                out.append(f"  - on the page of {where}: „{_cell(variant.text)}“")
        else:
            out.append(f"- {goal.notation}: {pages} page(s), identical wording")
    out.append("")

    notes = sorted(log.notes, key=lambda n: (n.first_line, n.kind))
    out += _section("Segmentation", "How the text's layout was read where it is not simply label: value.",
                    ("lines", "kind", "decision"),
                    [(_lines(n.first_line, n.last_line), n.kind, n.message) for n in notes])
    repairs = sorted(log.repairs, key=lambda r: (r.line, r.original))
    out += _section("OCR repairs",
                    "Every change to the text: candidates from OCR confusions, confirmed by the lexicon.",
                    ("line", "original", "repaired", "rule"),
                    [(str(r.line), r.original, r.repaired, r.rule) for r in repairs])
    rules = Counter(r.rule for r in log.repairs)
    out += ["Repairs by rule:", ""]
    out += [f"- {rule}: {count}" for rule, count in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))]
    out.append("")

    out += ["## Words left unchanged that the lexicon does not know", ""]
    if log.unknown:
        out += [f"- line {line}: {word}" for line, word in sorted(set(log.unknown))]
    else:
        out.append("None.")
    out.append("")

    out += ["## Names not found among the curated organisations", ""]
    if ingested.unmatched_organisations:
        out += [f"- {notation}: „{name}“ (given a minted IRI; add it to data/curated/organisations.ttl)"
                for notation, name in ingested.unmatched_organisations]
    else:
        out.append("None: every responsible party is a curated organisation.")
    out.append("")

    out += ["## Validation against the shapes", "", "```", render_text(validation, lang="en").rstrip(), "```", ""]
    return "\n".join(out)
