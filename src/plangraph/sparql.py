"""SPARQL queries over the published dataset, the one place they are prepared and run: parse and check
what a read-only endpoint allows, pick the dataset a request names, evaluate with a result cap,
serialize in the result formats of the table below, and run each query in a forked child under a
time limit. No Flask here: the CLI and the web layer both call these functions."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, NoReturn

from pyparsing import ParseException
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, RDFS, VOID, XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import _fillTemplate, evalPart
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query, QueryContext
from rdflib.query import Result

from plangraph.csv_cells import inert_cell
from plangraph.errors import InputError, Location, PlangraphError
from plangraph.formats import RDF_FORMATS, RdfFormat
from plangraph.namespaces import SD, W3C_FORMATS, bind_prefixes

MAX_QUERY_CHARS = 100_000  # parsing runs in the server process: a bound on what it is asked to parse


class QueryRefused(PlangraphError):
    """A request this read-only endpoint does not carry out: SPARQL Update, LOAD, SERVICE elsewhere."""

    http_status = 403


class NotAcceptable(PlangraphError):
    http_status = 406


class QueryTooLarge(PlangraphError):
    http_status = 413


class QueryFailed(PlangraphError):
    """The query was valid but its evaluation failed (a fault of the server, logged there)."""

    http_status = 500


class ServiceFailed(PlangraphError):
    """An allowed SERVICE endpoint did not answer."""

    http_status = 502


class QueryTimeout(PlangraphError):
    http_status = 503


class ServerBusy(PlangraphError):
    http_status = 503


class QueryTooCostly(PlangraphError):
    """The query needed more memory than a query child is granted."""

    http_status = 503


# --- the result formats: one table --------------------------------------------------------------

SELECT, ASK, CONSTRUCT, DESCRIBE = "SELECT", "ASK", "CONSTRUCT", "DESCRIBE"
TABULAR, GRAPH = frozenset({SELECT, ASK}), frozenset({CONSTRUCT, DESCRIBE})
FORMS = {"SelectQuery": SELECT, "AskQuery": ASK, "ConstructQuery": CONSTRUCT, "DescribeQuery": DESCRIBE}


@dataclass(frozen=True)
class ResultFormat:
    name: str  # what `?format=` takes (aliases too)
    media_type: str
    forms: frozenset[str]  # the query forms it serves
    w3c: URIRef  # the format's IRI under http://www.w3.org/ns/formats/ (for the service description)
    aliases: tuple[str, ...] = ()
    also_accepts: tuple[str, ...] = ()  # further media types a client may ask it by
    rdf: RdfFormat | None = None  # graph formats: the RDF syntax of formats.py


_RDF = {f.name: f for f in RDF_FORMATS}
RESULT_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("json", "application/sparql-results+json", TABULAR, W3C_FORMATS.SPARQL_Results_JSON,
                 ("srj",), ("application/json",)),
    ResultFormat("xml", "application/sparql-results+xml", TABULAR, W3C_FORMATS.SPARQL_Results_XML,
                 ("srx",), ("application/xml", "text/xml")),
    ResultFormat("csv", "text/csv", TABULAR, W3C_FORMATS.SPARQL_Results_CSV),
    ResultFormat("tsv", "text/tab-separated-values", TABULAR, W3C_FORMATS.SPARQL_Results_TSV),
    ResultFormat("ttl", "text/turtle", GRAPH, W3C_FORMATS.Turtle, ("turtle", "n3"),
                 ("application/x-turtle", "text/n3"), _RDF["ttl"]),
    ResultFormat("nt", "application/n-triples", GRAPH, W3C_FORMATS["N-Triples"], ("ntriples", "n-triples"),
                 ("text/plain",), _RDF["nt"]),
    ResultFormat("jsonld", "application/ld+json", GRAPH, W3C_FORMATS["JSON-LD"], ("json-ld", "json"),
                 ("application/json",), _RDF["jsonld"]),
    ResultFormat("rdfxml", "application/rdf+xml", GRAPH, W3C_FORMATS.RDF_XML, ("rdf+xml", "xml", "rdf"),
                 ("application/xml", "text/xml"), _RDF["rdfxml"]),
    ResultFormat("trig", "application/trig", GRAPH, W3C_FORMATS.TriG, (), (), _RDF["trig"]),
    ResultFormat("nq", "application/n-quads", GRAPH, W3C_FORMATS["N-Quads"], ("nquads", "n-quads"), (), _RDF["nq"]),
)


def formats_for(form: str) -> list[ResultFormat]:
    """The formats a query form can be answered in, the default first."""
    return [f for f in RESULT_FORMATS if form in f.forms]


def format_from_parameter(form: str, values: Sequence[str]) -> ResultFormat:
    """The format a `format` parameter names: a name, an alias or a media type (comma lists allowed, the
    first that fits wins). Known but not for this form: NotAcceptable; unknown: InputError."""
    known = False
    for value in values:
        for item in value.split(","):
            word = item.split(";")[0].strip().lower()
            for fmt in RESULT_FORMATS:
                if word in (fmt.name, *fmt.aliases, fmt.media_type, *fmt.also_accepts):
                    known = True
                    if form in fmt.forms:
                        return fmt
    names = ", ".join(f.name for f in formats_for(form))
    if known:
        raise NotAcceptable(f"a {form} query cannot be answered in the format asked for; use one of: {names}")
    raise InputError(f"unknown format {', '.join(values)!r}; for a {form} query use one of: {names}",
                     Location(field="format"))


# --- preparing a query ----------------------------------------------------------------------------

@dataclass(frozen=True)
class DatasetSpec:
    """The RDF dataset a request names (default-graph-uri, named-graph-uri or FROM / FROM NAMED).
    Empty: the default graph is the union of all named graphs and every named graph is visible."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


@dataclass(frozen=True)
class PreparedQuery:
    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    query: Query
    dataset: DatasetSpec  # from the query's own FROM / FROM NAMED


# `*+` (possessive): the prologue is never backtracked into; with a plain `*`, `\s+` inside it made a run of
# blanks that no keyword follows take exponential time (40 spaces: hours, in a server thread)
_UPDATE_START = re.compile(
    r"^(?:\s+|#[^\n]*|PREFIX\s*[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)*+"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)
_UPDATE_NAMES = {"Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE", "Add": "ADD", "Move": "MOVE",
                 "Copy": "COPY", "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA",
                 "DeleteWhere": "DELETE WHERE", "Modify": "DELETE/INSERT"}
_SERVICE_URL = re.compile(r"^service <(.*)>[ \n]*{", re.IGNORECASE)  # what rdflib itself would contact


def prepare(text: str, base: str | None = None, service_allowlist: Sequence[str] = ()) -> PreparedQuery:
    """Parse and check a query. Syntax errors are InputErrors with line and column; updates, LOAD and
    SERVICE to endpoints not on the allowlist are QueryRefused, before anything is evaluated."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLarge(f"the query has {len(text)} characters; the limit is {MAX_QUERY_CHARS}")
    if not text.strip():
        raise InputError("the query is empty", Location(file="<query>"))
    try:
        parsed = parseQuery(text)
    except ParseException as error:
        if _UPDATE_START.match(text):
            refuse_update(text)
        found = error.line[error.col - 1:].strip()[:40]
        where = f" at {found!r}" if found else " at the end of the query"
        raise InputError(f"SPARQL syntax error: {error.msg}{where}",
                         Location(file="<query>", line=error.lineno, column=error.col)) from error
    except RecursionError as error:
        raise InputError("the query is nested too deeply", Location(file="<query>")) from error
    try:
        query = translateQuery(parsed, base=base)
        _check_services(query.algebra, service_allowlist)
    except PlangraphError:
        raise
    except RecursionError as error:
        raise InputError("the query is nested too deeply", Location(file="<query>")) from error
    except Exception as error:  # rdflib raises plain exceptions, e.g. for an undefined prefix
        raise InputError(*_translation_error(error, text)) from error
    clause = query.algebra.get("datasetClause") or []
    spec = DatasetSpec(tuple(str(d.default) for d in clause if d.get("default") is not None),
                       tuple(str(d.named) for d in clause if d.get("named") is not None))
    return PreparedQuery(text, FORMS[query.algebra.name], query, spec)


def refuse_update(text: str | None, operations: Sequence[str] | None = None) -> NoReturn:
    """Every SPARQL Update (LOAD included) is refused here: the endpoint is read-only. The message names the
    operations: as given (the web layer reads them with `sparql_text.update_operations`, in linear time, from a
    body of any size), else as rdflib's parser finds them."""
    if operations is None:
        try:
            # an empty update (nothing but a prologue or a comment) parses to no request at all
            operations = [_UPDATE_NAMES.get(op.name, op.name) for op in parseUpdate(text or "").request or []]
        except (ParseException, RecursionError):
            match = _UPDATE_START.match(text or "")
            operations = [match.group(1).upper()] if match else []
    named = f" ({', '.join(dict.fromkeys(operations))})" if operations else ""
    raise QueryRefused(f"this SPARQL endpoint is read-only: updates{named} are refused; "
                       "LOAD, INSERT, DELETE, CLEAR and the other update operations are never carried out")


def _translation_error(error: Exception, text: str) -> tuple[str, Location]:
    message = str(error) if type(error) is Exception else "the query cannot be evaluated as written"
    prefix = re.match(r"Unknown namespace prefix : (\S*)", message)
    if prefix is None:
        return f"SPARQL error: {message}", Location(file="<query>")
    name = prefix.group(1)
    found = re.search(rf"(?<![\w<\"']){re.escape(name)}:", text)
    if found is None:
        return f"undefined prefix {name}:", Location(file="<query>")
    line = text.count("\n", 0, found.start()) + 1
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    return f"undefined prefix {name}: (declare it with PREFIX)", Location(file="<query>", line=line, column=column)


def _check_services(algebra: Any, allowlist: Sequence[str]) -> None:
    for node in _walk(algebra):
        if node.name != "ServiceGraphPattern":
            continue
        term = node.get("term")
        if not isinstance(term, URIRef):
            raise QueryRefused("SERVICE with a variable endpoint is refused: name the endpoint's IRI")
        url = _SERVICE_URL.match(node.get("service_string") or "")
        targets = [str(term), *([url.group(1)] if url else [])]
        if not all(allowed_service(target, allowlist) for target in targets):
            why = ("this endpoint sends no federated queries" if not allowlist
                   else "it is not on this endpoint's allowlist of SERVICE endpoints")
            raise QueryRefused(f"SERVICE <{term}> is refused: {why}")


def allowed_service(iri: str, allowlist: Sequence[str]) -> bool:
    """An IRI on the allowlist: equal to an entry, or under it (the entry followed by /, ? or #), so that
    `https://example.org` does not admit `https://example.org.evil/`."""
    for entry in (e.strip() for e in allowlist):
        if entry and iri.startswith(entry) and (
                len(iri) == len(entry) or entry[-1] in "/?#" or iri[len(entry)] in "/?#"):
            return True
    return False


def _walk(node: Any) -> Iterable[CompValue]:
    if isinstance(node, CompValue):
        yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _walk(value)


# --- evaluating a query ---------------------------------------------------------------------------

@dataclass(frozen=True)
class QueryData:
    """What queries run over: the dataset (its named graphs) and the union of its graphs."""

    dataset: Dataset
    union: Graph


@dataclass(frozen=True)
class Outcome:
    result: Result
    truncated: bool  # more rows or triples existed than the limit let through


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    truncated: bool


def run(prepared: PreparedQuery, data: QueryData, spec: DatasetSpec = DatasetSpec(),
        limit: int | None = None) -> Outcome:
    """Evaluate in this process. The protocol's dataset overrides the query's FROM; neither: the union.
    With a limit, evaluation stops after limit + 1 rows (SELECT) or triples (CONSTRUCT, DESCRIBE)."""
    default, named = _view(data, spec or prepared.dataset)
    ctx = QueryContext(named, initBindings={})
    ctx.graph = default  # the default graph is ours to set: rdflib would use the dataset's own
    ctx.prologue = prepared.query.prologue
    algebra = prepared.query.algebra
    cap = math.inf if limit is None else limit
    result = Result(prepared.form)
    if prepared.form == SELECT:
        answer = evalPart(ctx, algebra)
        rows = list(answer["bindings"] if limit is None else islice(answer["bindings"], limit + 1))
        result.vars = list(answer["vars_"])
        result.bindings = rows[:limit]
        return Outcome(result, len(rows) > cap)
    if prepared.form == ASK:
        result.askAnswer = bool(evalPart(ctx, algebra)["askAnswer"])
        return Outcome(result, False)
    graph = Graph()
    if prepared.form == CONSTRUCT:
        template = algebra.template or algebra.p.p.triples  # CONSTRUCT WHERE: the pattern is the template
        for solution in evalPart(ctx, algebra.p):
            graph += _fillTemplate(template, solution)
            if len(graph) > cap:
                break
    else:
        for resource_ in _described(ctx, algebra):
            default.cbd(resource_, target_graph=graph)
            if len(graph) > cap:
                break
    truncated = len(graph) > cap
    if truncated and limit is not None:
        kept = Graph()
        kept += islice(graph, limit)
        graph = kept
    result.graph = graph
    return Outcome(result, truncated)


def _described(ctx: QueryContext, algebra: CompValue) -> Iterable[URIRef | BNode]:
    """The resources a DESCRIBE names: its IRIs, and the values of its variables in the solutions."""
    seen: dict[URIRef | BNode, None] = {}
    variables = [v for v in algebra.PV if isinstance(v, Variable)]
    for term in algebra.PV:
        if isinstance(term, URIRef) and term not in seen:
            seen[term] = None
            yield term
    if algebra.p is not None:
        for solution in evalPart(ctx, algebra.p):
            for variable in variables:
                value = solution.get(variable)
                if isinstance(value, URIRef | BNode) and value not in seen:
                    seen[value] = None
                    yield value


def _view(data: QueryData, spec: DatasetSpec) -> tuple[Graph, Dataset]:
    """The default graph and the named graphs a query sees (copies only when a dataset is named)."""
    if not spec:
        return data.union, data.dataset
    store = data.dataset.store
    default = Graph()
    for name in spec.default_graphs:
        default += Graph(store=store, identifier=URIRef(name))  # a view: names nothing new in the dataset
    named = Dataset()
    for name in spec.named_graphs:
        target = named.graph(URIRef(name))
        target += Graph(store=store, identifier=URIRef(name))
    return default, named


# --- serializing results --------------------------------------------------------------------------

def serialize(result: Result, fmt: ResultFormat) -> bytes:
    if result.type not in fmt.forms:
        raise NotAcceptable(f"a {result.type} query cannot be answered as {fmt.media_type}")
    if fmt.rdf is not None:
        return serialize_graph(result.graph if result.graph is not None else Graph(), fmt.rdf)
    if fmt.name in ("csv", "tsv"):
        return _delimited(result, tsv=fmt.name == "tsv").encode("utf-8")
    body = result.serialize(format=fmt.name, encoding="utf-8")
    assert isinstance(body, bytes)
    return body


def serialize_graph(graph: Graph, fmt: RdfFormat) -> bytes:
    """A graph in any RDF syntax; in a quad syntax it is the default graph of the dataset written."""
    bind_prefixes(graph)
    if not fmt.quads or fmt.name == "jsonld":
        return graph.serialize(format=fmt.rdflib, encoding="utf-8")
    dataset = Dataset()
    bind_prefixes(dataset)
    target = dataset.default_graph
    target += graph
    return dataset.serialize(format=fmt.rdflib, encoding="utf-8")


def _delimited(result: Result, tsv: bool) -> str:
    """SPARQL 1.1 CSV (plain values, CRLF; a cell a spreadsheet would run is quoted, `csv_cells`) or TSV (Turtle
    terms, LF: none starts like a formula); ASK as one `_askResult` column."""
    if result.type == ASK:
        answer = str(bool(result.askAnswer)).lower()
        return f"?_askResult\n{answer}\n" if tsv else f"_askResult\r\n{answer}\r\n"
    variables = result.vars or []
    rows = [[binding.get(v) for v in variables] for binding in result.bindings]
    if tsv:
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if term is None else _turtle_term(term) for term in row) for row in rows]
        return "".join(line + "\n" for line in lines)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([str(v) for v in variables])
    writer.writerows([["" if t is None else (f"_:{t}" if isinstance(t, BNode) else inert_cell(str(t))) for t in row]
                      for row in rows])  # a value from the data is never a spreadsheet formula
    return buffer.getvalue()


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _turtle_term(term: Any) -> str:
    if isinstance(term, Literal):
        text = f'"{str(term).translate(_ESCAPES)}"'
        if term.language:
            return f"{text}@{term.language}"
        return text if term.datatype in (None, XSD.string) else f"{text}^^<{term.datatype}>"
    return f"_:{term}" if isinstance(term, BNode) else f"<{term}>"


# --- running a query in a child process under a time limit --------------------------------------

@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # seconds per query, waiting for a free slot included
    results: int = 10_000  # rows or triples per answer
    workers: int = 4  # query children at once
    services: tuple[str, ...] = ()  # SERVICE endpoint prefixes allowed; empty: SERVICE refused


def fingerprint(dataset: Dataset) -> str:
    """SHA-256 over the dataset's sorted N-Quads: changes when the data changes."""
    lines = sorted(" ".join(term.n3() for term in quad if term is not None)
                   for quad in dataset.quads((None, None, None, None)))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def etag(*parts: str) -> str:
    """A short digest of everything an answer depends on (data fingerprint, query, dataset, format, limit)."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:40]


def service_description(endpoint: str, graphs: Iterable[Any], triples: int, limits: Limits) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint (what a bare GET of it returns)."""
    graph = bind_prefixes(Graph(), {"sd": str(SD), "void": str(VOID)})
    service, dataset, default = URIRef(endpoint), BNode(), BNode()
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, fmt.w3c))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if limits.services:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    graph.add((service, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    graph.add((service, RDFS.comment, Literal(
        f"Read-only. Each query may run {limits.timeout:g} s; answers hold at most {limits.results} rows or "
        "triples (the X-Plangraph-Result-Limit header says when one was cut). The default graph is the union "
        "of the named graphs.", lang="en")))
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(triples)))
    for named in graphs:  # GraphInfo: name, triples
        entry, description = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, entry))
        graph.add((entry, RDF.type, SD.NamedGraph))
        graph.add((entry, SD.name, named.name))
        graph.add((entry, SD.graph, description))
        graph.add((description, RDF.type, SD.Graph))
        graph.add((description, VOID.triples, Literal(named.triples)))
    return graph
