"""The published dataset: named graphs in one TriG file; reading RDF files with located errors; export.

Reading user files lives here too, so that every command reports a broken file the same way:
file, line and column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from rdflib import BNode, Dataset, Graph, URIRef

from plangraph.canonical import render
from plangraph.errors import InputError, Location
from plangraph.formats import RdfFormat, format_for_path, rdf_format
from plangraph.namespaces import bind_prefixes

_LINE = re.compile(r"(?:at line|line:?)\s*(\d+)", re.IGNORECASE)
_COLUMN = re.compile(r"(?:column|col\.?|char)\s*:?\s*(\d+)", re.IGNORECASE)


def parse_rdf(data: str | bytes, fmt: RdfFormat, source: str, base: str | None = None) -> Graph | Dataset:
    """Parse RDF text. Quad formats give a Dataset, triple formats a Graph. Errors say where."""
    target: Graph | Dataset = Dataset() if fmt.quads else Graph()
    bind_prefixes(target)
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if fmt.name == "jsonld":
        _check_json(text, source)
    try:
        target.parse(data=text, format=fmt.rdflib, publicID=base)
    except Exception as error:  # rdflib's parsers raise many types; all mean "this input is broken"
        raise InputError(_describe(error), _locate(error, text, source)) from error
    return target


def read_rdf_file(path: Path, base: str | None = None) -> Graph | Dataset:
    """Read an RDF file whose syntax its suffix names."""
    fmt = format_for_path(path.name)
    if fmt is None:
        raise InputError(
            "unknown RDF file type (use .ttl, .trig, .nt, .nq, .jsonld or .rdf)", Location(file=str(path))
        )
    if not path.exists():
        raise InputError("no such file", Location(file=str(path)))
    try:
        data = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start})", Location(file=str(path))) from error
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", Location(file=str(path))) from error
    return parse_rdf(data, fmt, str(path), base)


def union(graph: Graph | Dataset) -> Graph:
    """All triples of a graph or dataset in one plain graph (the view SHACL and queries see)."""
    out = bind_prefixes(Graph())
    triples = graph.quads((None, None, None, None)) if isinstance(graph, Dataset) else graph
    for quad in triples:
        out.add(quad[:3])
    return out


def blank_nodes(graph: Graph) -> bool:
    return any(isinstance(term, BNode) for triple in graph for term in triple)


def make_dataset(graphs: dict[URIRef, Graph]) -> Dataset:
    dataset = Dataset()
    bind_prefixes(dataset)
    for name in sorted(graphs):
        target = dataset.graph(name)
        for triple in graphs[name]:
            target.add(triple)
    return dataset


def load_dataset(path: Path) -> Dataset:
    if not path.exists():
        raise InputError("the published dataset is missing: run `plangraph build`", Location(file=str(path)))
    result = parse_rdf(path.read_text(encoding="utf-8"), rdf_format("trig"), str(path))
    assert isinstance(result, Dataset)
    return result


def serialize(dataset: Dataset, fmt: RdfFormat) -> str:
    """The whole dataset in one format, in a fixed order (see `canonical`); triple formats get the union."""
    return render(dataset, fmt).decode("utf-8")


def _check_json(text: str, source: str) -> None:
    """Valid JSON, and no remote @context: the parser would fetch it over the network (never done here)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"invalid JSON: {error.msg}", Location(file=source, line=error.lineno,
                                                                 column=error.colno)) from error
    remote = _remote_contexts(document)
    if remote:
        raise InputError(f"a remote JSON-LD @context is not fetched ({remote[0]}); put the context inline",
                         Location(file=source, field="@context"))


def _remote_contexts(node: object) -> list[str]:
    """The IRIs of every @context given by reference anywhere in a JSON-LD document."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                values = value if isinstance(value, list) else [value]
                found += [v for v in values if isinstance(v, str)]
                found += [c for v in values if isinstance(v, dict) for c in _remote_contexts(v)]
            else:
                found += _remote_contexts(value)
    elif isinstance(node, list):
        for item in node:
            found += _remote_contexts(item)
    return found


def _describe(error: Exception) -> str:
    why = getattr(error, "_why", None)  # rdflib's Turtle/TriG parser keeps the reason apart from its echo
    if isinstance(why, str) and why:
        return f"bad syntax: {why}"
    message = " ".join(str(error).split())
    return message[:500] or type(error).__name__


def _locate(error: Exception, text: str, source: str) -> Location:
    """Line and column of a parse error, from the parser's exception where it says so."""
    line = getattr(error, "lines", None) or getattr(error, "line", None) or getattr(error, "lineno", None)
    column = None
    message = str(error)
    if not isinstance(line, int):
        match = _LINE.search(message)
        line = int(match.group(1)) if match else None
    position = getattr(error, "_i", None)  # rdflib's Turtle parser: offset into the text
    if isinstance(position, int) and 0 <= position <= len(text):
        start = text.rfind("\n", 0, position) + 1
        line = text.count("\n", 0, start) + 1 if line is None else line
        column = position - start + 1
    elif (match := _COLUMN.search(message)) is not None:
        column = int(match.group(1))
    if isinstance(line, int) and getattr(error, "lines", None) is not None:
        line += 1  # rdflib's BadSyntax counts lines from 0
    return Location(file=source, line=line if isinstance(line, int) else None, column=column)
