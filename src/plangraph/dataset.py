"""The published dataset: named graphs in one TriG file; reading RDF files with located errors; export.

Reading user files lives here too, so that every command reports a broken file the same way:
file, line and column.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax import SAXParseException

import pyoxigraph
from rdflib import BNode, Dataset, Graph, URIRef

from plangraph.canonical import render
from plangraph.errors import InputError, Location
from plangraph.formats import RdfFormat, format_for_path, rdf_format
from plangraph.namespaces import bind_prefixes
from plangraph.untrusted import check_characters, check_jsonld, check_rdfxml, decode_utf8

_LINE = re.compile(r"(?:at line|line:?)\s*(\d+)", re.IGNORECASE)
_COLUMN = re.compile(r"(?:column|col\.?|char)\s*:?\s*(\d+)", re.IGNORECASE)


def parse_rdf(data: str | bytes, fmt: RdfFormat, source: str, base: str | None = None) -> Graph | Dataset:
    """Parse RDF text. Quad formats give a Dataset, triple formats a Graph. Errors say where. Text that would make
    the parser fetch, run for minutes or keep what no serialization can carry is refused first (`untrusted`)."""
    target: Graph | Dataset = Dataset() if fmt.quads else Graph()
    bind_prefixes(target)
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    check_characters(text, source)
    if fmt.name == "jsonld":
        check_jsonld(text, source)
    elif fmt.name == "rdfxml":
        check_rdfxml(text, source)
    try:
        target.parse(data=text, format=fmt.rdflib, publicID=base)
    except RecursionError as error:  # Turtle's [ [ [ ... or JSON-LD terms defined through each other in a cycle
        raise InputError("nested too deeply to be read (or JSON-LD terms defined through each other in a cycle)",
                         Location(file=source)) from error
    except Exception as error:  # rdflib's parsers raise many types; all mean "this input is broken"
        location = _locate(error, text, source)
        if location.line is None and fmt.name in ("nt", "nq"):
            location = _line_by_line(text, fmt, source) or location
        raise InputError(_describe(error), location) from error
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
        data = decode_utf8(path.read_bytes(), Location(file=str(path)))
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


def _describe(error: Exception) -> str:
    if isinstance(error, SAXParseException):  # its str() repeats the location as "<unknown>:4:2"
        return f"bad XML: {error.getMessage()}"
    why = getattr(error, "_why", None)  # rdflib's Turtle/TriG parser keeps the reason apart from its echo
    if isinstance(why, str) and why:
        return f"bad syntax: {why}"
    message = " ".join(str(error).split())
    return message[:500] or type(error).__name__


def _line_by_line(text: str, fmt: RdfFormat, source: str) -> Location | None:
    """Where N-Triples or N-Quads break, which rdflib's line parser does not say: Oxigraph's parser does."""
    syntax = pyoxigraph.RdfFormat.N_TRIPLES if fmt.name == "nt" else pyoxigraph.RdfFormat.N_QUADS
    try:
        for _ in pyoxigraph.parse(text, format=syntax):
            pass
    except SyntaxError as error:
        return Location(file=source, line=error.lineno, column=error.offset)
    return None


def _locate(error: Exception, text: str, source: str) -> Location:
    """Line and column of a parse error, from the parser's exception where it says so."""
    if isinstance(error, SAXParseException):  # RDF/XML; expat counts columns from 0
        column = error.getColumnNumber()
        return Location(file=source, line=error.getLineNumber(), column=column + 1 if column is not None else None)
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
