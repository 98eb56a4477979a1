"""The SPARQL 1.1 Protocol at /sparql: read the request (GET, form POST, direct POST), negotiate the format,
answer through `answers` (refusals, the result cache, the store's time-limited evaluation) with ETag,
Cache-Control and CORS; a bare GET gives the
service description (or, for a browser, the query page). Config: QUERY_TIMEOUT (seconds), RESULT_LIMIT,
SERVICE_ALLOWLIST (comma-separated prefixes), QUERY_WORKERS; absent keys take the settings' defaults."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import UnsupportedMediaType

from plangraph.answers import Answers
from plangraph.errors import InputError, Location
from plangraph.formats import RDF_FORMATS
from plangraph.settings import BY_NAME
from plangraph.sparql import (
    DatasetSpec,
    Limits,
    NotAcceptable,
    QueryTooLarge,
    ResultFormat,
    etag,
    format_from_parameter,
    formats_for,
    refuse_update,
    serialize_graph,
    service_description,
)
from plangraph.sparql_text import update_operations
from plangraph.web.negotiation import choose

sparql = Blueprint("sparql", __name__)

FORM, QUERY, UPDATE = "application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update"
LIMIT_HEADER = "X-Plangraph-Result-Limit"
CACHE_CONTROL = "public, max-age=60"
QUERY_PAGE = "/query"  # where a browser without a query goes (the query page)
MAX_BODY_BYTES = 1 << 20
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": f"ETag, {LIMIT_HEADER}",
}
PREFLIGHT = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Type, If-None-Match",
    "Access-Control-Max-Age": "86400",
}


@dataclass(frozen=True)
class ProtocolRequest:
    query: str | None
    spec: DatasetSpec
    formats: tuple[str, ...]  # values of `format`, which overrides Accept


@sparql.record_once
def _set_up(state: BlueprintSetupState) -> None:
    app = state.app
    cache = app.config.get("QUERY_CACHE", BY_NAME["query_cache"].default)
    try:
        megabytes = float(cache)
    except (TypeError, ValueError) as error:
        raise InputError(f"not a number: {cache!r}", Location(field="PLANGRAPH_QUERY_CACHE")) from error
    app.extensions["plangraph.sparql"] = Answers(app.extensions["plangraph.store"], limits_from(app.config),
                                                 int(megabytes * (1 << 20)))


def limits_from(config: Mapping[str, Any]) -> Limits:
    """The query limits from the app's config; an absent key takes the default of the settings table."""
    def value(key: str, setting: str) -> Any:
        return config.get(key, BY_NAME[setting].default)

    allowlist = value("SERVICE_ALLOWLIST", "service_allowlist")
    if isinstance(allowlist, str):
        allowlist = allowlist.split(",")
    try:
        limits = Limits(timeout=float(value("QUERY_TIMEOUT", "query_timeout")),
                        results=int(value("RESULT_LIMIT", "result_limit")),
                        workers=int(value("QUERY_WORKERS", "query_workers")),
                        services=tuple(a.strip() for a in allowlist if a.strip()))
    except (TypeError, ValueError) as error:
        raise InputError(f"a SPARQL limit is not a number: {error}", Location(field="QUERY_TIMEOUT / "
                         "RESULT_LIMIT / QUERY_WORKERS")) from error
    if limits.timeout <= 0 or limits.results < 0 or limits.workers < 1:
        raise InputError("QUERY_TIMEOUT must be above 0, RESULT_LIMIT at least 0, QUERY_WORKERS at least 1",
                         Location(field="QUERY_TIMEOUT / RESULT_LIMIT / QUERY_WORKERS"))
    return limits


def answers(app: Flask | None = None) -> Answers:
    """The app's query service: the query page runs its queries the same way /sparql does."""
    value: Answers = (app or current_app).extensions["plangraph.sparql"]
    return value


@sparql.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204, headers={**PREFLIGHT, "Allow": "GET, HEAD, POST, OPTIONS"})
    protocol = _read_request()
    if protocol.query is None:
        return _without_query()
    service = answers()
    prepared = service.read(protocol.query, base=request.base_url)
    fmt = format_from_parameter(prepared.form, protocol.formats) if protocol.formats else _negotiate(prepared.form)
    spec = protocol.spec
    tag = etag(service.store.version, prepared.text, "|".join(spec.default_graphs), "|".join(spec.named_graphs),
               fmt.media_type, str(service.limits.results))
    limit = str(service.limits.results)
    federated = bool(prepared.services)  # the answer depends on data elsewhere: never 304 from the local version
    if request.method in ("GET", "HEAD") and not federated and request.if_none_match.contains_weak(tag):
        return _cacheable(Response(status=304), tag, {LIMIT_HEADER: limit})
    answer = service.answer(prepared, spec, fmt)
    response = Response(answer.body, mimetype=answer.media_type)
    if "download" in request.args:
        response.headers["Content-Disposition"] = attachment(request.args["download"], fmt)
    return _cacheable(response, tag, {LIMIT_HEADER: f"{limit}; truncated" if answer.truncated else limit})


def attachment(name: str, fmt: ResultFormat) -> str:
    """`download=NAME` (the query page's download links): save the answer as NAME plus the format's suffix, the
    name cut down to letters, digits, '.', '_' and '-' so that it cannot break the header or name a path."""
    stem = _UNSAFE_NAME.sub("-", name).strip("-.")[:80] or "abfrage"
    suffix = fmt.rdf.suffix if fmt.rdf is not None else f".{fmt.name}"
    return f'attachment; filename="{stem}{suffix}"'


def _negotiate(form: str) -> ResultFormat:
    """The format the Accept header prefers, asked by its media type or an alias (application/json for SPARQL
    JSON results or JSON-LD); on a tie the formats' own media types come first."""
    offered = formats_for(form)
    chosen = choose(request.headers.get("Accept"),
                    [f.media_type for f in offered] + [m for f in offered for m in f.also_accepts])
    for fmt in offered:
        if chosen in (fmt.media_type, *fmt.also_accepts):
            return fmt
    raise NotAcceptable(f"a {form} query can be answered as: " + ", ".join(f.media_type for f in offered))


@sparql.after_request
def _cors(response: Response) -> Response:
    response.headers.update(CORS)
    if response.status_code >= 400:
        response.headers["Cache-Control"] = "no-store"
    return response


def _cacheable(response: Response, tag: str, headers: dict[str, str]) -> Response:
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Vary"] = "Accept"
    response.headers.update(headers)
    return response


def _read_request() -> ProtocolRequest:
    """The protocol's parameters from the URL and the body; wrong media types, updates, more than one query
    and text that is not UTF-8 are refused here."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise QueryTooLarge(f"the request body is larger than {MAX_BODY_BYTES} bytes")
    params = _decode_params(request.query_string, "the URL")
    direct: list[str] = []
    if request.method == "POST":
        if request.mimetype == UPDATE:
            text = request.get_data().decode("utf-8", errors="replace")
            refuse_update(text, update_operations(text))
        elif request.mimetype == FORM:
            params += _decode_params(request.get_data(), "the request body")
        elif request.mimetype == QUERY:
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise InputError(f"the query must be sent as UTF-8, not {charset} (Content-Type charset)")
            direct = [_utf8(request.get_data(), "the request body")]
        else:
            raise UnsupportedMediaType(
                f"a POST to the SPARQL endpoint needs Content-Type {FORM} or {QUERY}, not "
                f"{request.mimetype or 'none'} ({UPDATE} is refused: the endpoint is read-only)")
    updates = [value for name, value in params if name in ("update", "using-graph-uri", "using-named-graph-uri")]
    if updates:
        text = next((v for n, v in params if n == "update"), "")
        refuse_update(text, update_operations(text))
    queries = [value for name, value in params if name == "query"] + direct
    if len(queries) > 1:
        raise InputError(f"the request holds {len(queries)} queries; send exactly one")

    def values(name: str) -> tuple[str, ...]:
        return tuple(value for key, value in params if key == name)

    return ProtocolRequest(queries[0] if queries else None,
                           DatasetSpec(values("default-graph-uri"), values("named-graph-uri")),
                           tuple(v for v in values("format") if v.strip()))


def _decode_params(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise InputError(f"{where} is not UTF-8 text (percent-encoded UTF-8 expected)") from error


def _utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{where} is not UTF-8 text (byte {error.start})") from error


def _without_query() -> Response:
    """No query: a browser goes to the query page; a machine gets the service description; a POST errs."""
    if request.method == "POST":
        raise InputError(f"no query: send it as the `query` parameter or as a POST body of type {QUERY}")
    offered = [f.media_type for f in RDF_FORMATS]
    chosen = choose(request.headers.get("Accept"), [*offered, "text/html"])
    if chosen == "text/html":
        return Response(status=303, headers={"Location": request.script_root + QUERY_PAGE})
    if chosen is None:
        raise NotAcceptable("the service description is available as: " + ", ".join(offered))
    fmt = next(f for f in RDF_FORMATS if f.media_type == chosen)
    service = answers()
    description = service_description(request.base_url, service.store.graphs(), service.store.triple_count(),
                                      service.limits)
    body = serialize_graph(description, fmt)
    tag = etag(service.store.version, request.base_url, chosen)
    if request.if_none_match.contains_weak(tag):
        return _cacheable(Response(status=304), tag, {})
    return _cacheable(Response(body, mimetype=chosen), tag, {})

