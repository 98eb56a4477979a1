"""Writing a store's answer to a public query in the SPARQL result formats, from Oxigraph's terms, without
going through rdflib: what keeps a lookup over HTTP within a millisecond of the store's own time."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from plangraph.csv_cells import inert_cell
from plangraph.errors import InputError, Location
from plangraph.formats import RdfFormat
from plangraph.namespaces import PREFIX_IRIS
from plangraph.sparql import ASK, ResultFormat
from plangraph.store.terms import XSD_STRING

Solution = Sequence[object | None]
OX_RDF = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
          "rdfxml": ox.RdfFormat.RDF_XML, "trig": ox.RdfFormat.TRIG, "nq": ox.RdfFormat.N_QUADS}


def read_quads(path: Path, fmt: RdfFormat) -> Iterator[ox.Quad]:
    """Oxigraph's streaming parser over a file (any syntax but JSON-LD, which plangraph reads itself so that no
    remote context is fetched); a syntax error is an InputError naming the file, with Oxigraph's line and column."""
    try:
        yield from ox.parse(path=str(path), format=OX_RDF[fmt.name], base_iri=None)
    except SyntaxError as error:
        raise InputError(f"not valid {fmt.name}: {error}", Location(file=str(path))) from error
    except OSError as error:
        raise InputError(f"cannot read: {error}", Location(file=str(path))) from error


def _json_term(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    assert isinstance(term, ox.Literal)
    if term.language:
        return {"type": "literal", "value": term.value, "xml:lang": term.language}
    if term.datatype.value != XSD_STRING:
        return {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    return {"type": "literal", "value": term.value}


def _xml_term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    assert isinstance(term, ox.Literal)
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


# TSV cells are Turtle terms ("...", <...>, _:...): none starts like a spreadsheet formula.
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _tsv_term(term: object) -> str:
    if isinstance(term, ox.Literal):
        text = f'"{term.value.translate(_TSV_ESCAPES)}"'
        if term.language:
            return f"{text}@{term.language}"
        return text if term.datatype.value == XSD_STRING else f"{text}^^<{term.datatype.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    assert isinstance(term, ox.NamedNode)
    return f"<{term.value}>"


def _csv_term(term: object) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return inert_cell(str(getattr(term, "value", "")))  # a value from the data is never a spreadsheet formula


def solutions(variables: list[str], rows: Sequence[Solution], fmt: ResultFormat) -> bytes:
    if fmt.name == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt.name == "xml":
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
        body = "".join("<result>" + "".join(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                                            for v, t in zip(variables, row, strict=True) if t is not None)
                       + "</result>" for row in rows)
        return (f'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>{head}</head>'
                f"<results>{body}</results></sparql>").encode()
    if fmt.name == "tsv":
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if t is None else _tsv_term(t) for t in row) for row in rows]
        return "".join(line + "\n" for line in lines).encode("utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([["" if t is None else _csv_term(t) for t in row] for row in rows])
    return buffer.getvalue().encode("utf-8")


def boolean(answer: bool, fmt: ResultFormat) -> bytes:
    word = "true" if answer else "false"
    if fmt.name == "json":
        return json.dumps({"head": {}, "boolean": answer}).encode("utf-8")
    if fmt.name == "xml":
        return (f'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{word}</boolean></sparql>").encode()
    return (f"?_askResult\n{word}\n" if fmt.name == "tsv" else f"_askResult\r\n{word}\r\n").encode("utf-8")


def triples(found: list[ox.Triple], fmt: ResultFormat) -> bytes:
    assert fmt.rdf is not None
    target = OX_RDF[fmt.rdf.name]
    items: list[ox.Triple] | list[ox.Quad] = found
    if target.supports_datasets:
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in found]
    prefixes = PREFIX_IRIS if fmt.rdf.name in ("ttl", "trig", "rdfxml") else None
    body = ox.serialize(items, format=target, prefixes=prefixes)
    return body if body is not None else b""


__all__ = ["ASK", "boolean", "solutions", "triples"]
