"""The ingest as one function: source text -> records -> merged plan -> plan graph, with its repair log."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from plangraph.ingest.lexicon import Lexicon
from plangraph.ingest.merge import Plan, merge
from plangraph.ingest.ocr import WordRepairer
from plangraph.ingest.plan_graph import OrganisationIndex, build_plan_graph
from plangraph.ingest.records import MeasureRecord, RepairLog, repair_record
from plangraph.ingest.segment import parse_record, read_lines, split_records
from plangraph.iris import Minter


@dataclass(frozen=True)
class Ingested:
    records: tuple[MeasureRecord, ...]
    plan: Plan
    graph: Graph
    log: RepairLog
    unmatched_organisations: tuple[tuple[str, str], ...]


def ingest(
    text: str,
    lexicon: Lexicon,
    minter: Minter,
    organisations: OrganisationIndex,
    source: str = "<source>",
) -> Ingested:
    repairer = WordRepairer(lexicon)
    log = RepairLog()
    records = []
    for record_lines in split_records(read_lines(text), source):
        raw, notes = parse_record(record_lines, source)
        log.notes.extend(notes)
        records.append(repair_record(raw, repairer, log, source))
    plan = merge(records, source)
    result = build_plan_graph(plan, minter, organisations)
    return Ingested(tuple(records), plan, result.graph, log, tuple(result.unmatched_organisations))
