"""Reading a SPARQL request's text without a full parse: its form, its FROM / FROM NAMED, its SERVICE
endpoints and whether it is an update. A small tokenizer that skips comments, strings and IRIs is enough
for these questions, and costs microseconds where rdflib's parser costs milliseconds, so the fast stores
(Oxigraph, a remote triplestore) check a public query here and leave the full parse to the store, which
reports syntax errors itself. The rdflib store still parses with rdflib (`sparql.prepare`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from plangraph.errors import InputError, Location
from plangraph.sparql import (
    ASK,
    CONSTRUCT,
    DESCRIBE,
    MAX_QUERY_CHARS,
    SELECT,
    DatasetSpec,
    QueryRefused,
    QueryTooLarge,
    allowed_service,
    refuse_update,
)

# One token per match; the groups name what matters. Strings and IRIs first, so that their contents are
# never read as keywords; `<` that does not start an IRIREF (a comparison) falls through to `other`.
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w]+)
  | (?P<pname>(?:[A-Za-z][\w.-]*)?:[\w.%:-]*)
  | (?P<word>[A-Za-z_][\w-]*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
FORM_WORDS = {"SELECT": SELECT, "ASK": ASK, "CONSTRUCT": CONSTRUCT, "DESCRIBE": DESCRIBE}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


@dataclass(frozen=True)
class QueryText:
    """A public query as read here: its text, form and the dataset its FROM clauses name."""

    text: str
    form: str
    dataset: DatasetSpec
    services: tuple[str, ...] = ()
    base: str | None = None  # what relative IRIs in the query resolve against (the endpoint's URL)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    offset: int


def _tokens(text: str) -> list[_Token]:
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            found.append(_Token(kind, match.group(), match.start()))
    return found


def inspect(text: str, service_allowlist: Sequence[str] = (), base: str | None = None) -> QueryText:
    """The query's form and dataset; InputError for an empty or formless text, QueryRefused for an update or a
    SERVICE not on the allowlist, QueryTooLarge past the size limit. Everything else is the store's to judge."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLarge(f"the query has {len(text)} characters; the limit is {MAX_QUERY_CHARS}")
    if not text.strip():
        raise InputError("the query is empty", Location(file="<query>"))
    tokens = _tokens(text)
    prefixes: dict[str, str] = {}
    position = 0
    while position < len(tokens) and tokens[position].text.upper() in ("PREFIX", "BASE"):
        if tokens[position].text.upper() == "PREFIX" and position + 2 < len(tokens):
            name, iri = tokens[position + 1], tokens[position + 2]
            if name.kind == "pname" and iri.kind == "iri":
                prefixes[name.text[:-1]] = iri.text[1:-1]
            position += 3
        else:
            position += 2
    first = tokens[position] if position < len(tokens) else None
    word = first.text.upper() if first is not None and first.kind == "word" else ""
    if word in UPDATE_WORDS:
        refuse_update(text)
    if word not in FORM_WORDS:
        where = _location(text, first.offset) if first is not None else Location(file="<query>")
        shown = f"{first.text[:30]!r}" if first is not None else "the end of the query"
        raise InputError(f"SPARQL syntax error: expected SELECT, ASK, CONSTRUCT or DESCRIBE at {shown}", where)
    services = _services(tokens, prefixes, service_allowlist)
    return QueryText(text, FORM_WORDS[word], _dataset(tokens), services, base)


def _services(tokens: list[_Token], prefixes: dict[str, str], allowlist: Sequence[str]) -> tuple[str, ...]:
    found: list[str] = []
    for index, token in enumerate(tokens):
        if token.kind != "word" or token.text.upper() != "SERVICE":
            continue
        target = tokens[index + 1] if index + 1 < len(tokens) else None
        if target is not None and target.kind == "word" and target.text.upper() == "SILENT":
            target = tokens[index + 2] if index + 2 < len(tokens) else None
        if target is None or target.kind == "var":
            raise QueryRefused("SERVICE with a variable endpoint is refused: name the endpoint's IRI")
        iri = _expand(target, prefixes)
        if iri is None or not allowed_service(iri, allowlist):
            why = ("this endpoint sends no federated queries" if not allowlist
                   else "it is not on this endpoint's allowlist of SERVICE endpoints")
            raise QueryRefused(f"SERVICE <{iri or target.text}> is refused: {why}")
        found.append(iri)
    return tuple(found)


def _expand(token: _Token, prefixes: dict[str, str]) -> str | None:
    if token.kind == "iri":
        return token.text[1:-1]
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else None
    return None


def _dataset(tokens: list[_Token]) -> DatasetSpec:
    """FROM <g> and FROM NAMED <g> (IRIs only; a prefixed name is left to the store)."""
    default: list[str] = []
    named: list[str] = []
    for index, token in enumerate(tokens[:-1]):
        if token.kind != "word" or token.text.upper() != "FROM":
            continue
        following = tokens[index + 1]
        if following.kind == "word" and following.text.upper() == "NAMED" and index + 2 < len(tokens):
            if tokens[index + 2].kind == "iri":
                named.append(tokens[index + 2].text[1:-1])
        elif following.kind == "iri":
            default.append(following.text[1:-1])
    return DatasetSpec(tuple(default), tuple(named))


def _location(text: str, offset: int) -> Location:
    line = text.count("\n", 0, offset) + 1
    return Location(file="<query>", line=line, column=offset - (text.rfind("\n", 0, offset) + 1) + 1)


_OXIGRAPH_POSITION = re.compile(r"^error at (\d+):(\d+)(?:-\d+:\d+)?: (.*)$", re.DOTALL)


def syntax_error(message: str) -> InputError:
    """A store's syntax error message as an InputError with line and column where it gives them
    (Oxigraph: 'error at 1:10: expected ...')."""
    match = _OXIGRAPH_POSITION.match(message.strip())
    if match is None:
        return InputError(f"SPARQL syntax error: {message.strip()[:500]}", Location(file="<query>"))
    line, column, what = int(match.group(1)), int(match.group(2)), match.group(3)
    return InputError(f"SPARQL syntax error: {what.strip()[:500]}", Location(file="<query>", line=line, column=column))
