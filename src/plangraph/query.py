"""SPARQL queries over the published dataset (the union of its named graphs is the default graph),
and the result formats of `plangraph query`."""

from __future__ import annotations

import csv
import io
import json

from rdflib import Dataset, Graph
from rdflib.query import Result

from plangraph.dataset import union
from plangraph.errors import InputError, Location
from plangraph.namespaces import bind_prefixes

RESULT_FORMATS = ("table", "csv", "json")


def run_query(dataset: Dataset | Graph, query: str) -> Result:
    """Run a read-only SPARQL query; a malformed query is an InputError with line and column."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql import prepareQuery

    try:
        prepared = prepareQuery(query)
    except ParseException as error:
        raise InputError(f"SPARQL syntax error: {error.msg}",
                         Location(file="<query>", line=error.lineno, column=error.col)) from error
    except Exception as error:  # rdflib raises plain exceptions for e.g. undefined prefixes
        raise InputError(f"SPARQL error: {error}", Location(file="<query>")) from error
    graph = union(dataset) if isinstance(dataset, Dataset) else dataset
    return graph.query(prepared)


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
