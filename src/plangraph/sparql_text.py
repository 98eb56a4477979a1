"""Reading a SPARQL request's text without a full parse: its form, its FROM / FROM NAMED, its SERVICE
endpoints, how deeply it nests and whether it is an update (and which). A small tokenizer that skips comments,
strings and IRIs is enough for these questions, and costs microseconds where rdflib's parser costs milliseconds,
so the fast stores (Oxigraph, a remote triplestore) check a public query here and leave the full parse to the
store, which reports syntax errors itself. The rdflib store still parses with rdflib (`sparql.prepare`), in the
query's child process. tests/test_hostile_sparql.py checks the tokenizer against Oxigraph's own reading."""

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

MAX_NESTING = 100  # brackets, braces and parentheses inside each other; real queries stay below 20

# One token per match; the groups name what matters. Strings and IRIs first, so that their contents are never read
# as keywords; `<` that does not start an IRIREF (a comparison) falls through to `other`. What must hold: on a valid
# query, strings, IRIs, comments and words begin and end where the SPARQL grammar (and so the store) has them, or a
# SERVICE could hide from `_services` (a prefixed name may hold an escaped ' or #: `ex:a\'`, `ex:a\#`). And every
# match consumes what it scans (possessive loops, an unclosed string runs to its line's or the text's end, a `name`
# run is split below rather than rescanned), so reading a hostile text takes linear time: this runs in a server
# thread, where a regular expression cannot be stopped.
_LOCAL = r"""(?:[\w.%:-]|\\[_~.\-!$&'()*+,;=/?\#@%])*"""  # a prefixed name's local part, escapes included
_TOKEN = re.compile(rf"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"{{3}}(?:[^"\\]|\\.|"(?!""))*+(?:"{{3}}|\\?\Z) | '{{3}}(?:[^'\\]|\\.|'(?!''))*+(?:'{{3}}|\\?\Z)
               | "(?:[^"\\\n]|\\.)*+["\\]? | '(?:[^'\\\n]|\\.)*+['\\]?)
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*+>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f\u2040]+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>:{_LOCAL})
  | (?P<name>[A-Za-z][\w.-]*+(?::{_LOCAL})?)
  | (?P<word>[A-Za-z_][\w-]*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
# a `name` run without a colon is words and dots (`true.SERVICE`): split into the tokens the grammar has
_PIECE = re.compile(r"(?P<word>[A-Za-z_][\w-]*)|(?P<other>.)", re.DOTALL)
_IRI_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
FORM_WORDS = {"SELECT": SELECT, "ASK": ASK, "CONSTRUCT": CONSTRUCT, "DESCRIBE": DESCRIBE}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
# an update operation by its first word and the next (SPARQL's names; rdflib calls DELETE/INSERT "Modify")
_OPERATIONS: dict[tuple[str, str] | str, str] = {
    ("INSERT", "DATA"): "INSERT DATA", ("DELETE", "DATA"): "DELETE DATA", ("DELETE", "WHERE"): "DELETE WHERE",
    "INSERT": "DELETE/INSERT", "DELETE": "DELETE/INSERT", "WITH": "DELETE/INSERT"}
OPENING, CLOSING = "{([", "})]"
SERVICE = "SERVICE"


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
        if kind == "name" and ":" not in match.group():
            found += [_Token(piece.lastgroup or "other", piece.group(), match.start() + piece.start())
                      for piece in _PIECE.finditer(match.group())]
        elif kind not in ("space", "comment"):
            found.append(_Token("pname" if kind == "name" else kind, match.group(), match.start()))
    return found


def inspect(text: str, service_allowlist: Sequence[str] = (), base: str | None = None) -> QueryText:
    """The query's form and dataset; InputError for an empty, formless or too deeply nested text, QueryRefused for
    an update or a SERVICE not on the allowlist, QueryTooLarge past the size limit. Everything else is the store's
    to judge."""
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
                prefixes[name.text[:-1]] = _iri(iri)
            position += 3
        else:
            position += 2
    first = tokens[position] if position < len(tokens) else None
    word = first.text.upper() if first is not None and first.kind == "word" else ""
    if word in UPDATE_WORDS:
        refuse_update(text, _operations(tokens))
    if word not in FORM_WORDS:
        where = _location(text, first.offset) if first is not None else Location(file="<query>")
        shown = f"{first.text[:30]!r}" if first is not None else "the end of the query"
        raise InputError(f"SPARQL syntax error: expected SELECT, ASK, CONSTRUCT or DESCRIBE at {shown}", where)
    _check_nesting(text, tokens)
    services = _services(text, tokens, prefixes, service_allowlist)
    return QueryText(text, FORM_WORDS[word], _dataset(tokens), services, base)


def update_operations(text: str) -> list[str]:
    """The operations of an update request as SPARQL names them (INSERT DATA, DELETE WHERE, LOAD, ...), for the
    message that refuses it; read from the tokens of its first MAX_QUERY_CHARS characters in linear time (rdflib's
    parser took seconds over a large body, in a server thread)."""
    return _operations(_tokens(text[:MAX_QUERY_CHARS]))


def _operations(tokens: list[_Token]) -> list[str]:
    found: list[str] = []
    depth, starting = 0, True  # an operation starts the request and follows each `;` outside brackets
    for index, token in enumerate(tokens):
        if token.kind == "other":
            depth += (token.text in OPENING) - (token.text in CLOSING)
            starting = starting or (depth == 0 and token.text == ";")
        elif starting and token.kind == "word" and token.text.upper() not in ("PREFIX", "BASE"):
            word = token.text.upper()
            following = tokens[index + 1].text.upper() if index + 1 < len(tokens) else ""
            if word in UPDATE_WORDS:
                found.append(_OPERATIONS.get((word, following)) or _OPERATIONS.get(word, word))
            starting = False
    return found


def _check_nesting(text: str, tokens: list[_Token]) -> None:
    """The store parses and evaluates nested groups, subqueries and expressions recursively: too deep a nesting
    overflows its stack (a crash of the worker, not an error), so it is refused here, where counting is cheap."""
    depth = 0
    for token in tokens:
        if token.kind == "other" and token.text in OPENING:
            depth += 1
            if depth > MAX_NESTING:
                raise InputError(f"the query nests brackets, braces and parentheses more than {MAX_NESTING} levels "
                                 "deep", _location(text, token.offset))
        elif token.kind == "other" and token.text in CLOSING:
            depth = max(0, depth - 1)


def _services(text: str, tokens: list[_Token], prefixes: dict[str, str], allowlist: Sequence[str],
              ) -> tuple[str, ...]:
    """The SERVICE endpoints, each on the allowlist, else QueryRefused. The store reads a keyword without asking for
    a boundary after it (Oxigraph runs `trueSERVICE <x> {}` and `SERVICE:x {}`): a token that may hide SERVICE so
    is refused rather than guessed at."""
    found: list[str] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if _glued_service(token, following):
            raise QueryRefused(f"{token.text[:60]!r} ({_location(text, token.offset)}) may be read as the keyword "
                               "SERVICE: write SERVICE apart from the words around it, followed by the endpoint's IRI"
                               + (", or rename the prefix" if token.kind == "pname" else ""))
        if token.kind != "word" or token.text.upper() != SERVICE:
            continue
        target = following
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


def _glued_service(token: _Token, following: _Token | None) -> bool:
    """A token the store may read as SERVICE glued to its neighbours: a word that holds it (`trueSERVICE`,
    `SERVICESILENT`), or a prefixed name that a group follows and whose prefix holds SERVICE (`SERVICE:x {`) or,
    right after SERVICE, starts with SILENT."""
    if token.kind == "word":
        return SERVICE in token.text.upper() and token.text.upper() != SERVICE
    if token.kind != "pname" or following is None or following.text != "{":
        return False
    prefix = token.text.partition(":")[0].upper()
    return SERVICE in prefix or prefix.startswith("SILENT")


def _expand(token: _Token, prefixes: dict[str, str]) -> str | None:
    if token.kind == "iri":
        return _iri(token)
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else None
    return None


def _iri(token: _Token) -> str:
    """An IRIREF's IRI with its \\u and \\U escapes decoded, as the store decodes them."""
    return _IRI_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.text[1:-1])


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
                named.append(_iri(tokens[index + 2]))
        elif following.kind == "iri":
            default.append(_iri(following))
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
