"""The `plangraph` command: a thin face over the library. Each command parses options, calls one core
function and maps plangraph's errors to exit codes (0 ok, 1 does not conform, 2 unreadable input)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from plangraph import __version__, resources
from plangraph.errors import InputError, Location, PlangraphError
from plangraph.formats import RDF_FORMATS, rdf_format
from plangraph.iris import Minter
from plangraph.settings import SETTINGS, help_for, integer, resolve
from plangraph.store.base import Store

F = TypeVar("F", bound=Callable[..., Any])

SETTINGS_EPILOG = "\b\nSettings (environment variables):\n" + "\n".join(
    f"  {s.env:<22} {s.help}" for s in SETTINGS
)


def _settings(**overrides: str | None) -> dict[str, str]:
    return resolve(os.environ, overrides)


def _fail(error: PlangraphError) -> None:
    click.echo(f"plangraph: error: {error}", err=True)
    sys.exit(error.exit_code)


def _open_store(settings: dict[str, str], sync: bool = True) -> Store:
    """The configured store; with `sync`, holding the published dataset (loaded when missing or stale)."""
    from plangraph.publish import ensure_published
    from plangraph.store import open_store

    prefixes = [settings["base_iri"], *settings["store_graphs"].split(",")]
    store = open_store(settings["store"], workers=integer(settings, "query_workers"),
                       update_url=settings["store_update"] or None,
                       graph_prefixes=[p.strip() for p in prefixes if p.strip()])
    if sync:
        result = ensure_published(store, Path(settings["dataset"]))
        if result.changed:
            click.echo(f"{store.description}: {result.describe()}", err=True)
            from plangraph.submissions import Submissions

            # the published text is back as it was built: the stewards' corrections take it out again
            Submissions(store, Minter(settings["base_iri"]), resources.shapes_graph()).reapply_corrections()
    return store


@click.group(epilog=SETTINGS_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="plangraph")
def main() -> None:
    """Publish a city's action plan as linked open data."""


@main.command(epilog=SETTINGS_EPILOG)
@click.option("--source", type=click.Path(path_type=Path), default=resources.SOURCE_FILE, show_default=True,
              help="The plan's OCR text.")
@click.option("--curated", type=click.Path(path_type=Path), default=resources.CURATED_DIR, show_default=True,
              help="Folder of curated Turtle files.")
@click.option("--exceptions", type=click.Path(path_type=Path), default=resources.OCR_EXCEPTIONS_FILE,
              show_default=True, help="OCR exceptions file (names never changed).")
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help=help_for("dataset"))
@click.option("--report", type=click.Path(path_type=Path), default=resources.BUILD_REPORT_FILE,
              show_default=True, help="Where the build report (Markdown) goes.")
@click.option("--base-iri", default=None, help=help_for("base_iri"))
def build(source: Path, curated: Path, exceptions: Path, output: Path | None, report: Path,
          base_iri: str | None) -> None:
    """Build the dataset from the source text and the curated files, validate it, write TriG and report."""
    from plangraph.build import Inputs, write
    from plangraph.build import build as run_build
    from plangraph.ingest.lexicon import Exceptions, HunspellLexicon

    settings = _settings(base_iri=base_iri, dataset=str(output) if output else None)
    try:
        if not source.exists():
            raise InputError("no such file", Location(file=str(source)))
        minter = Minter(settings["base_iri"])
        lexicon = HunspellLexicon(Exceptions.load(exceptions))
        result = run_build(Inputs(source, curated, resources.ontology_graph()), minter, lexicon,
                           resources.shapes_graph())
        write(result, Path(settings["dataset"]), report)
    except PlangraphError as error:
        _fail(error)
    plan = result.ingested.plan
    click.echo(f"built {settings['dataset']}: {len(plan.guiding_goals)} guiding goals, "
               f"{len(plan.action_goals)} action goals, {len(plan.measures)} measures, "
               f"{len(result.ingested.log.repairs)} OCR repairs; report in {report}")


@main.command(epilog=SETTINGS_EPILOG)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True,
              help="Language of the messages.")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text",
              show_default=True, help="Report format.")
@click.option("--dataset", type=click.Path(path_type=Path), default=None, help=help_for("dataset"))
@click.option("--store", default=None, help=help_for("store"))
def validate(files: tuple[Path, ...], lang: str, fmt: str, dataset: Path | None, store: str | None) -> None:
    """Validate new entries (Turtle, JSON-LD, ...) in the context of the published dataset.

    Exit 0: every file conforms; 1: violations; 2: a file cannot be read or parsed.
    """
    from plangraph.checks import check_entry
    from plangraph.dataset import read_rdf_file, union
    from plangraph.validate import render_json, render_text, render_turtle, report_as_json

    settings = _settings(dataset=str(dataset) if dataset else None, store=store)
    try:
        entries = [(path, union(read_rdf_file(path, base=settings["base_iri"]))) for path in files]
        shapes = resources.shapes_graph()
        data = _open_store(settings)
        try:  # the plan rules ask the store: it stays open until every entry is checked
            reports = [(path, check_entry(data, entry, shapes)) for path, entry in entries]
        finally:
            data.close()
    except PlangraphError as error:
        _fail(error)
    conforms = all(report.conforms for _, report in reports)
    if fmt == "json" and len(reports) > 1:  # one JSON document, whatever the number of files
        per_file = [{"file": str(path), **report_as_json(report)} for path, report in reports]
        click.echo(json.dumps({"conforms": conforms, "files": per_file}, ensure_ascii=False, indent=2))
    for path, report in reports if fmt != "json" or len(reports) == 1 else []:
        if fmt == "json":
            click.echo(render_json(report), nl=False)
        elif fmt == "turtle":
            click.echo(render_turtle(report), nl=False)
        else:
            click.echo(render_text(report, lang=lang, source=str(path)), nl=False)
    sys.exit(0 if conforms else 1)


@main.command("import-csv", epilog=SETTINGS_EPILOG)
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where the Turtle of the entries goes (default: standard output).")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True,
              help="Language of the messages.")
@click.option("--template", is_flag=True, help="Print the CSV template (one example row) and exit.")
@click.option("--dataset", type=click.Path(path_type=Path), default=None, help=help_for("dataset"))
@click.option("--store", default=None, help=help_for("store"))
def import_csv(file: Path | None, out: Path | None, lang: str, template: bool, dataset: Path | None,
               store: str | None) -> None:
    """Turn a sheet of measures (CSV as Excel saves it: UTF-8 or Windows-1252, ',' or ';') into entries: a status
    report for each row whose measure is published, a new measure for every other row. Each entry is checked in
    the context of the published dataset; problems are named by row and column on stderr.

    Exit 0: every row conforms (the Turtle of all entries on stdout or in --out); 1: problems, nothing written;
    2: the file cannot be read.
    """
    from datetime import date

    from plangraph.csv_import import TEMPLATE_FILE, import_rows, read_csv

    if template:
        sys.stdout.buffer.write(TEMPLATE_FILE.read_bytes())
        return
    settings = _settings(dataset=str(dataset) if dataset else None, store=store)
    try:
        if file is None:
            raise InputError("give a CSV file (or --template for the template)")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise InputError(f"cannot read the file: {error.strerror}", Location(file=str(file))) from error
        rows = read_csv(data, str(file))
        shapes = resources.shapes_graph()
        opened = _open_store(settings)
        try:  # the entries are resolved and checked against the store: it stays open until every row is done
            result = import_rows(rows, opened, Minter(settings["base_iri"]), date.today(), shapes)
        finally:
            opened.close()
    except PlangraphError as error:
        _fail(error)
    for problem in result.problems:
        click.echo(problem.render(str(file), lang), err=True)
    if not result.conforms:
        sys.exit(1)
    turtle = result.graph().serialize(format="turtle")
    if out is None:
        click.echo(turtle, nl=False)
        return
    try:
        out.write_text(turtle, encoding="utf-8")
    except OSError as error:
        _fail(InputError(f"cannot write: {error.strerror}", Location(file=str(out))))
    click.echo(f"{file}: {len(result.entries)} entries written to {out}", err=True)


@main.command("import-stats", epilog=SETTINGS_EPILOG)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dataset", "key", required=True, metavar="KEY",
              help="Key of the statistics dataset (lower-case, digits, '-'): its IRI is <base>statistik/KEY and its "
                   "named graph <base>graph/statistik-KEY. Importing the same key again replaces that graph.")
@click.option("--title", default=None,
              help="Title of the dataset (default: the file's first '#' comment line, else the key).")
@click.option("--area-column", default="Stadtbezirk", show_default=True, help="The column naming the district.")
@click.option("--year-column", default="Jahr", show_default=True, help="The column naming the year.")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True,
              help="Language of the messages.")
@click.option("--store", default=None, help=help_for("store"))
def import_stats(file: Path, key: str, title: str | None, area_column: str, year_column: str, lang: str,
                 store: str | None) -> None:
    """Import district statistics (CSV: one row per district and year, every other column an indicator, e.g.
    `Anteil Neuzugewanderte [%]`) as an RDF Data Cube on the places of the published data. Districts are matched
    by name, alternative name, notation or key; the cube must pass the Data Cube's integrity constraints IC-1 to
    IC-21 and the shapes. Problems are named by row and column on stderr.

    Exit 0: imported; 1: refused, nothing stored; 2: the file cannot be read.
    """
    from datetime import UTC, datetime

    from plangraph.stats_import import Places, dataset_key, import_table, store_cube
    from plangraph.stats_table import read_table

    settings = _settings(store=store)
    try:
        dataset_key(key)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise InputError(f"cannot read the file: {error.strerror}", Location(file=str(file))) from error
        table = read_table(data, str(file), area_column, year_column)
        minter = Minter(settings["base_iri"])
        opened = _open_store(settings)
        try:  # the districts are matched against the store, and the cube goes into it
            result = import_table(table, Places.from_store(opened), minter, key, title, datetime.now(UTC),
                                  resources.shapes_graph())
            graph = store_cube(opened, minter, key, result.graph) if result.conforms else None
        finally:
            opened.close()
    except PlangraphError as error:
        _fail(error)
    for problem in result.problems:
        click.echo(problem.render(str(file), lang), err=True)
    if graph is None:
        click.echo(f"{file}: nothing imported" if lang == "en" else f"{file}: nichts importiert", err=True)
        sys.exit(1)
    click.echo(f"{file}: {result.observations} observations imported into <{graph}>")


@main.command(epilog=SETTINGS_EPILOG)
@click.option("--format", "fmt", type=click.Choice([f.name for f in RDF_FORMATS]), default="trig",
              show_default=True, help="RDF syntax (triple formats get the union of the named graphs).")
@click.option("--dataset", type=click.Path(path_type=Path), default=None, help=help_for("dataset"))
@click.option("--store", default=None, help=help_for("store"))
def export(fmt: str, dataset: Path | None, store: str | None) -> None:
    """Write the whole dataset in the store to standard output."""
    settings = _settings(dataset=str(dataset) if dataset else None, store=store)
    try:
        from plangraph.dumps import render_store

        data = _open_store(settings)
        sys.stdout.buffer.write(render_store(data, rdf_format(fmt)))
        sys.stdout.buffer.flush()
        data.close()
    except PlangraphError as error:
        _fail(error)


@main.command(epilog=SETTINGS_EPILOG)
@click.argument("sparql", required=False)
@click.option("--file", "query_file", type=click.Path(path_type=Path), default=None,
              help="Read the query from a file ('-' for standard input).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Result format for SELECT and ASK (CONSTRUCT gives Turtle).")
@click.option("--dataset", type=click.Path(path_type=Path), default=None, help=help_for("dataset"))
@click.option("--store", default=None, help=help_for("store"))
def query(sparql: str | None, query_file: Path | None, fmt: str, dataset: Path | None, store: str | None) -> None:
    """Run a SPARQL query over the store (its named graphs' union is the default graph)."""
    from plangraph.query import run_query
    from plangraph.sparql import Limits

    settings = _settings(dataset=str(dataset) if dataset else None, store=store)
    try:
        if query_file is not None:
            sparql = sys.stdin.read() if str(query_file) == "-" else _read_text(query_file)
        if not sparql:
            raise InputError("give a query as an argument or with --file")
        data = _open_store(settings)
        limits = Limits(timeout=float(settings["query_timeout"]), results=integer(settings, "result_limit"))
        click.echo(run_query(data, sparql, fmt, limits), nl=False)
        data.close()
    except PlangraphError as error:
        _fail(error)


@main.command(epilog=SETTINGS_EPILOG)
@click.option("--host", default=None, help=help_for("host"))
@click.option("--port", default=None, help=help_for("port"))
@click.option("--dataset", type=click.Path(path_type=Path), default=None, help=help_for("dataset"))
@click.option("--store", default=None, help=help_for("store"))
def serve(host: str | None, port: str | None, dataset: Path | None, store: str | None) -> None:
    """Serve the store over HTTP (a production WSGI server, waitress). The store is opened, not rebuilt: it is
    loaded from the published dataset only when that is missing from it or newer."""
    from waitress import serve as waitress_serve

    from plangraph.web import create_app

    settings = _settings(host=host, port=port, dataset=str(dataset) if dataset else None, store=store)
    try:
        port_number, threads = integer(settings, "port"), integer(settings, "threads")
        data = _open_store(settings)
        app = create_app({
            "BASE_IRI": settings["base_iri"], "DATASET": settings["dataset"], "STORE": data,
            "QUERY_CACHE": settings["query_cache"],
            "QUERY_TIMEOUT": settings["query_timeout"], "RESULT_LIMIT": settings["result_limit"],
            "SERVICE_ALLOWLIST": settings["service_allowlist"], "QUERY_WORKERS": settings["query_workers"],
            "LICENSE": settings["license"] or None, "PUBLISHER_NAME": settings["publisher_name"] or None,
            "TOKENS_FILE": settings["tokens_file"] or None, "AUTH_FAILURES": integer(settings, "auth_failures"),
        })
    except PlangraphError as error:
        _fail(error)
    click.echo(f"serving {data.description} on http://{settings['host']}:{settings['port']}/", err=True)
    # a ceiling above every route's own limit: waitress refuses (413) larger bodies, chunked ones too, before it
    # has buffered them to disk (its default is 1 GB)
    waitress_serve(app, host=settings["host"], port=port_number, threads=threads, max_request_body_size=8 << 20)


@main.command(epilog=SETTINGS_EPILOG)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--graph", "graph", default=None,
              help="Named graph (IRI) for the triples of the files; quad files keep their own graphs.")
@click.option("--store", default=None, help=help_for("store"))
def load(files: tuple[Path, ...], graph: str | None, store: str | None) -> None:
    """Add RDF files (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) to the configured store, each into a
    named graph. N-Triples and N-Quads are streamed. A file that does not parse loads nothing (exit 2)."""
    from rdflib import URIRef

    from plangraph.formats import format_for_path

    settings = _settings(store=store)
    try:
        if graph is not None and not graph.startswith(("http://", "https://", "urn:")):
            raise InputError(f"not an absolute IRI: {graph!r}", Location(field="--graph"))
        data = _open_store(settings)
        for path in files:
            fmt = format_for_path(path.name)
            if fmt is None:
                raise InputError("unknown RDF file type (use .ttl, .trig, .nt, .nq, .jsonld or .rdf)",
                                 Location(file=str(path)))
            if not path.exists():
                raise InputError("no such file", Location(file=str(path)))
            count = data.load(path, fmt, URIRef(graph) if graph else None)
            click.echo(f"loaded {count} statements from {path}" + (f" into <{graph}>" if graph else ""))
        data.close()
    except PlangraphError as error:
        _fail(error)


@main.command("link-stats", epilog=SETTINGS_EPILOG)
@click.option("--endpoint", required=True, help="URL of the SPARQL endpoint that holds the statistics.")
@click.option("--query", "query_file", required=True, type=click.Path(path_type=Path),
              help="File with the CONSTRUCT query that builds the observations ('-' for standard input).")
@click.option("--graph", "graph", default=None,
              help="Named graph (IRI) the statistics replace [default: <base IRI>graph/statistik-verknuepft].")
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds to wait for the endpoint's answer.")
@click.option("--store", default=None, help=help_for("store"))
def link_stats(endpoint: str, query_file: Path, graph: str | None, timeout: float, store: str | None) -> None:
    """Fetch district statistics from another SPARQL endpoint with a CONSTRUCT query and store them, replacing the
    statistics graph in one transaction.

    \b
    The answer must be RDF Data Cube observations (qb:Observation), each with
      sdmx-dimension:refArea    the place IRI the measures use (dcterms:spatial)
      sdmx-dimension:refPeriod  the year

    Exit 0: stored; 1: the answer is not such a cube (nothing stored); 2: the query, the endpoint or the store
    failed (nothing stored).
    """
    from plangraph.federation import check_cube, construct_query, fetch, statistics_graph, store_cube

    settings = _settings(store=store)
    try:
        target = statistics_graph(Minter(settings["base_iri"]), graph)
        text = sys.stdin.read() if str(query_file) == "-" else _read_text(query_file)
        cube = check_cube(fetch(endpoint, construct_query(text, str(query_file)), timeout))
        data = _open_store(settings)
        try:
            linked = store_cube(data, target, cube)
        finally:
            data.close()
    except PlangraphError as error:
        _fail(error)
    click.echo(f"stored {linked.observations} observations ({linked.triples} triples) from {endpoint} "
               f"in <{linked.graph}>")
    if linked.unknown_areas:
        shown = ", ".join(f"<{area}>" for area in linked.unknown_areas[:5])
        more = f" and {len(linked.unknown_areas) - 5} more" if len(linked.unknown_areas) > 5 else ""
        click.echo(f"warning: {len(linked.unknown_areas)} area(s) of the observations are no place of this dataset "
                   f"and join with no measure: {shown}{more}", err=True)


@main.command(epilog=SETTINGS_EPILOG)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--server", default="http://127.0.0.1:5000", show_default=True, help="The plangraph server.")
@click.option("--token", envvar="PLANGRAPH_TOKEN", default=None,
              help="Your write token (better: the environment variable PLANGRAPH_TOKEN, which `ps` does not show).")
@click.option("--idempotency-key", "key", default=None,
              help="A key of your choice: sending the same file with the same key again stores it once.")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True,
              help="Language of the problems reported.")
def submit(files: tuple[Path, ...], server: str, token: str | None, key: str | None, lang: str) -> None:
    """Submit entries (a new measure, a status report, a correction) to a server's /api/submissions.

    Exit 0: every entry stored; 1: an entry does not conform (its report on stderr; nothing of it stored);
    2: a file cannot be read, the token is refused or the server cannot be reached.
    """
    from plangraph.client import report_lines
    from plangraph.client import submit as post

    if not token:
        _fail(InputError("give a write token: --token or the environment variable PLANGRAPH_TOKEN"))
    assert token is not None
    refused = False
    for path in files:
        try:
            answer = post(server, token, path, f"{key}:{path.name}" if key and len(files) > 1 else key)
        except PlangraphError as error:
            _fail(error)
        if answer.status == 422:
            refused = True
            click.echo(f"{path}: does not conform, nothing stored", err=True)
            for line in report_lines(answer.body, lang):
                click.echo(f"  {line}", err=True)
            continue
        stored = "stored" if answer.body.get("created", True) else "already stored (same idempotency key)"
        click.echo(f"{path}: {stored}: {answer.body.get('submission')}")
        for entity, page in (answer.body.get("pages") or {}).items():
            click.echo(f"  {entity} -> {page}")
    sys.exit(1 if refused else 0)


@main.command(epilog=SETTINGS_EPILOG)
@click.argument("holder")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="The last day the token is valid (UTC); the server refuses it afterwards.")
def token(holder: str, expires: datetime | None) -> None:
    """Make a new write token for HOLDER: prints the token (give it to the holder) and, on stderr, the line to
    add to the tokens file (PLANGRAPH_TOKENS_FILE), which holds only its SHA-256 (and the expiry, if given)."""
    from plangraph.tokens import digest, new_token, token_line

    if not holder.strip() or "\n" in holder:
        _fail(InputError("the holder is a name on one line", Location(field="HOLDER")))
    if expires is not None and expires.date() < datetime.now(UTC).date():
        _fail(InputError("the expiry is in the past", Location(field="--expires")))
    value = new_token()
    click.echo(value)
    line = token_line(holder.strip(), digest(value), expires.date() if expires else None)
    click.echo(f"add to the tokens file: {line}", err=True)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read query: {error}", Location(file=str(path))) from error
