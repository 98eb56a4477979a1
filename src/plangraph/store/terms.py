"""Terms between rdflib (the API the rest of plangraph uses) and Oxigraph, and terms as SPARQL text."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

XSD_STRING = str(XSD.string)


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
