"""`plangraph query`: SPARQL over the published dataset (the union of its named graphs is the default
graph) through the same core as /sparql, and the CLI's result formats."""

from __future__ import annotations

import csv
import io
import json

from rdflib import Dataset, Graph
from rdflib.query import Result

from plangraph.dataset import union
from plangraph.namespaces import bind_prefixes
from plangraph.sparql import QueryData, prepare, run

RESULT_FORMATS = ("table", "csv", "json")


def run_query(dataset: Dataset | Graph, query: str) -> Result:
    """Run a read-only SPARQL query with the same core as /sparql: a malformed query is an InputError
    with line and column, an update is refused."""
    data = QueryData(dataset, union(dataset)) if isinstance(dataset, Dataset) else QueryData(Dataset(), dataset)
    return run(prepare(query), data).result


def render_result(result: Result, fmt: str) -> str:
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        return bind_prefixes(result.graph).serialize(format="turtle")
    if result.type == "ASK":
        answer = bool(result.askAnswer)
        return json.dumps({"head": {}, "boolean": answer}) + "\n" if fmt == "json" else f"{str(answer).lower()}\n"
    if fmt == "json":
        payload = result.serialize(format="json")
        assert payload is not None
        return json.dumps(json.loads(payload), ensure_ascii=False, indent=2) + "\n"
    names = [str(v) for v in result.vars or []]
    rows = [["" if value is None else str(value) for value in row] for row in result if isinstance(row, tuple)]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
        return buffer.getvalue()
    return _table(names, rows)


def _table(names: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)) + " |", line]
    out += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    out += [line, f"{len(rows)} row(s)"]
    return "\n".join(out) + "\n"
