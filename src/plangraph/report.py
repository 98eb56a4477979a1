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

    out += ["## Segmentation", "",
            "How the text's layout was read where it is not simply label: value.", "",
            "| lines | kind | decision |", "|---|---|---|"]
    for note in sorted(log.notes, key=lambda n: (n.first_line, n.kind)):
        lines = f"{note.first_line}" if note.first_line == note.last_line else f"{note.first_line}–{note.last_line}"
        out.append(f"| {lines} | {note.kind} | {_cell(note.message)} |")
    out.append("")

    out += ["## OCR repairs", "",
            "Every change to the text: candidates from OCR confusions, confirmed by the lexicon.", "",
            "| line | original | repaired | rule |", "|---|---|---|---|"]
    for repair in sorted(log.repairs, key=lambda r: (r.line, r.original)):
        out.append(f"| {repair.line} | {_cell(repair.original)} | {_cell(repair.repaired)} | {repair.rule} |")
    out.append("")
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
