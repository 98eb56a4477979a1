"""Terms between rdflib (the API the rest of plangraph uses) and Oxigraph, and terms as SPARQL text."""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from plangraph.errors import InputError

XSD_STRING = str(XSD.string)
NOT_IN_IRI = re.compile(r'[<>"{}|^`\\\s]')  # what would end an IRI early in a query text (and change the query)


class UnsafeIri(InputError, ValueError):
    """Text that cannot go into a query as an IRI: a 400 for a client, a ValueError for code that probes."""


def query_iri(node: Node | str) -> str:
    """`<iri>` for a query text, refusing text that would end the IRI early and change the query."""
    text = str(node)
    if not text or isinstance(node, BNode) or NOT_IN_IRI.search(text):
        raise UnsafeIri(f"not an IRI that can go into a query (it is empty or holds a space or one of "
                        f"<>\"{{}}|^`\\): {text!r}")
    return f"<{text}>"


def query_literal(text: str) -> str:
    """A plain string literal for a query text."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def to_rdflib(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value) if datatype == XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"no rdflib term for {term!r}")


def to_oxigraph(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None and str(node.datatype) != XSD_STRING:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"no Oxigraph term for {node!r}")


def sparql_term(node: Node) -> str:
    """A term as SPARQL / N-Triples text (blank nodes as `_:label`)."""
    if isinstance(node, BNode):
        return f"_:b{node}"
    return node.n3()
