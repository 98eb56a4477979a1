"""`plangraph query`: SPARQL over the store (the union of its named graphs is the default graph) through the
same checks and the same store call as /sparql, rendered in the CLI's formats (a table, CSV, JSON)."""

from __future__ import annotations

import json

from plangraph.answers import Answers
from plangraph.sparql import GRAPH, DatasetSpec, Limits, format_from_parameter
from plangraph.store.base import Store

RESULT_FORMATS = ("table", "csv", "json")


def run_query(store: Store, text: str, fmt: str, limits: Limits) -> str:
    """A read-only query's answer as the CLI prints it: a malformed query is an InputError with line and column,
    an update is refused. CONSTRUCT and DESCRIBE give Turtle."""
    service = Answers(store, limits, cache_bytes=0)
    query = service.read(text)
    if query.form in GRAPH:
        return service.answer(query, DatasetSpec(), format_from_parameter(query.form, ["ttl"])).body.decode("utf-8")
    if fmt == "csv":
        return service.answer(query, DatasetSpec(), format_from_parameter(query.form, ["csv"])).body.decode(
            "utf-8").replace("\r\n", "\n")
    payload = json.loads(service.answer(query, DatasetSpec(), format_from_parameter(query.form, ["json"])).body)
    if "boolean" in payload:
        answer = bool(payload["boolean"])
        return json.dumps({"head": {}, "boolean": answer}) + "\n" if fmt == "json" else f"{str(answer).lower()}\n"
    if fmt == "json":
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    names = list(payload["head"]["vars"])
    rows = [[binding.get(name, {}).get("value", "") for name in names] for binding in payload["results"]["bindings"]]
    return _table(names, rows)


def _table(names: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)) + " |", line]
    out += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    out += [line, f"{len(rows)} row(s)"]
    return "\n".join(out) + "\n"


__all__ = ["RESULT_FORMATS", "run_query"]
