"""Settings as data: one table (name, environment variable, default, help) feeds the CLI's --help,
the README and a test that the README lists them all. Only the CLI and the web layer read it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from plangraph.iris import DEFAULT_BASE_IRI
from plangraph.resources import DATASET_FILE, PROJECT_ROOT


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("base_iri", "PLANGRAPH_BASE_IRI", DEFAULT_BASE_IRI,
            "Base IRI of the city's data; IRIs are minted under it and the server maps paths to it."),
    Setting("dataset", "PLANGRAPH_DATASET", str(DATASET_FILE),
            "The published dataset (TriG) that build writes and export, query, validate and serve read."),
    Setting("host", "PLANGRAPH_HOST", "127.0.0.1", "Address `plangraph serve` listens on."),
    Setting("port", "PLANGRAPH_PORT", "5000", "Port `plangraph serve` listens on."),
    Setting("threads", "PLANGRAPH_THREADS", "8",
            "Worker threads of the WSGI server (more than PLANGRAPH_QUERY_WORKERS, so slow queries never "
            "take every thread)."),
    Setting("query_timeout", "PLANGRAPH_QUERY_TIMEOUT", "10",
            "Seconds a SPARQL query may run (waiting for a free slot included); past it the client gets 503."),
    Setting("result_limit", "PLANGRAPH_RESULT_LIMIT", "10000",
            "Most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) in a SPARQL answer; the response says so."),
    Setting("service_allowlist", "PLANGRAPH_SERVICE_ALLOWLIST", "",
            "Comma-separated SPARQL endpoint URL prefixes a query may reach with SERVICE; empty: none."),
    Setting("license", "PLANGRAPH_LICENSE", "",
            "Licence IRI of the dumps in /catalog (e.g. http://dcat-ap.de/def/licenses/dl-by-de/2.0) once the "
            "rights are cleared; empty: 'other-closed' with a statement that they are not."),
    Setting("publisher_name", "PLANGRAPH_PUBLISHER_NAME", "",
            "Name of whoever runs this instance, the publisher in /catalog; empty: a neutral operator name."),
    Setting("query_workers", "PLANGRAPH_QUERY_WORKERS", "4",
            "SPARQL queries evaluated at once (each in its own worker process); more wait for a slot."),
    Setting("store", "PLANGRAPH_STORE", str(PROJECT_ROOT / "build" / "store"),
            "Where the data lives: a folder (the embedded Oxigraph store), the http(s) URL of a SPARQL 1.1 "
            "endpoint (a remote triplestore), or `memory` (rdflib, nothing kept)."),
    Setting("store_update", "PLANGRAPH_STORE_UPDATE", "",
            "Remote store: URL of its SPARQL 1.1 Update endpoint; empty: the query URL."),
    Setting("store_graphs", "PLANGRAPH_STORE_GRAPHS", "https://w3id.org/plangraph/",
            "Remote store: comma-separated prefixes of the graph IRIs that are plangraph's (the base IRI is "
            "always one); the default graph of a query is the union of these graphs."),
    Setting("tokens_file", "PLANGRAPH_TOKENS_FILE", "",
            "File of write tokens for /api/submissions: one line per token, the holder's name, a space, the "
            "SHA-256 hex of the token, optionally ` expires=YYYY-MM-DD` (`plangraph token NAME` makes one); empty: "
            "writes are off."),
    Setting("auth_failures", "PLANGRAPH_AUTH_FAILURES", "10",
            "Failed token checks one client address may make within 60 seconds; after that it gets 429 with "
            "Retry-After (a correct token too) until the minute has passed; 0: no limit."),
    Setting("query_cache", "PLANGRAPH_QUERY_CACHE", "64",
            "Megabytes of SPARQL answers kept and served again while the data does not change; 0: none."),
)
BY_NAME = {s.name: s for s in SETTINGS}


def resolve(environ: Mapping[str, str], overrides: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """Defaults, then environment variables, then explicit overrides (CLI options), in that order."""
    values = {s.name: environ.get(s.env, s.default) for s in SETTINGS}
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    return values


def integer(values: Mapping[str, str], name: str) -> int:
    """A setting that must be a whole number; a clear InputError naming the variable otherwise."""
    from plangraph.errors import InputError, Location

    try:
        return int(values[name])
    except ValueError as error:
        setting = BY_NAME[name]
        raise InputError(f"must be a whole number, not {values[name]!r}",
                         Location(field=f"{setting.env} / --{name}")) from error


def help_for(name: str) -> str:
    setting = BY_NAME[name]
    return f"{setting.help} [env {setting.env}; default {setting.default}]"
