"""What open-data portals harvest: /catalog (DCAT-AP.de), /.well-known/void and the dumps at /downloads/.

Thin routes over `catalog` and `dumps`. The catalog and VoID answer Turtle by default, an HTML summary to
browsers, and JSON-LD, RDF/XML or N-Triples by Accept or ?format=. Dumps carry ETag and Last-Modified and
answer conditional requests with 304. The catalog's own IRIs (under the base IRI) answer with a 303 to the
document that describes them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, redirect, request
from flask.blueprints import BlueprintSetupState
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF
from werkzeug.wrappers import Response as HttpResponse

from plangraph.canonical import render_graph
from plangraph.catalog import (
    CATALOG_PATH,
    DATASET_PATH,
    FILE_TYPES,
    PUBLISHER_PATH,
    RIGHTS_NOT_CLEARED,
    SERVICE_PATH,
    CatalogIris,
    DatasetStatistics,
    Rights,
    Site,
    StatisticsDataset,
    catalog_graph,
    curie,
    dataset_description,
    vocabularies,
    void_graph,
)
from plangraph.dumps import Dump, Dumps, format_for_filename
from plangraph.formats import BY_NAME, RDF_FORMATS, RdfFormat
from plangraph.web.negotiation import choose
from plangraph.web.pages import page_lang, render_page
from plangraph.web.state import digests, minter

portal = Blueprint("portal", __name__)

STATE_KEY = "plangraph.portal"
HTML = "text/html"
METADATA_FORMATS: tuple[RdfFormat, ...] = tuple(BY_NAME[n] for n in ("ttl", "jsonld", "rdfxml", "nt"))


@dataclass
class PortalState:
    """Per app and data version: the dumps (made lazily, once per format) and the dataset's statistics. The
    modification time is the published file's until the data changes, then the time the change was seen."""

    started: datetime
    _version: str | None = None
    _modified: datetime | None = None
    _dumps: Dumps | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _current(self) -> tuple[Dumps, datetime]:
        store = digests().store
        version = store.version
        with self._lock:
            if self._dumps is None or version != self._version:
                self._modified = self.started if self._version is None else datetime.now(UTC).replace(microsecond=0)
                self._version, self._dumps = version, Dumps(store, self._modified)
            assert self._modified is not None
            return self._dumps, self._modified

    @property
    def dumps(self) -> Dumps:
        return self._current()[0]

    @property
    def modified(self) -> datetime:
        return self._current()[1]

    def statistics(self) -> DatasetStatistics:
        return digests().statistics()


@portal.record_once
def _setup(setup: BlueprintSetupState) -> None:
    # Runs in create_app right after the store is opened: the published file's modification time is the
    # honest Last-Modified of what the app serves until the data changes.
    app = setup.app
    dataset = app.config.get("DATASET")
    started = _file_time(Path(dataset)) if dataset else datetime.now(UTC).replace(microsecond=0)
    app.extensions[STATE_KEY] = PortalState(started)


def _file_time(path: Path) -> datetime:
    stamp = path.stat().st_mtime
    return datetime.fromtimestamp(stamp, tz=UTC).replace(microsecond=0)


def _state() -> PortalState:
    value: PortalState = current_app.extensions[STATE_KEY]
    return value


def _iris() -> CatalogIris:
    return CatalogIris.of(minter())


def _site() -> Site:
    return Site(request.url_root)


def _rights() -> Rights:
    """The licence: RIGHTS_NOT_CLEARED unless the operator configures a licence IRI (config LICENSE)."""
    configured = current_app.config.get("LICENSE")
    return Rights(URIRef(configured)) if configured else RIGHTS_NOT_CLEARED


def _catalog() -> Graph:
    state = _state()
    sizes = {dump.fmt.name: len(dump.body) for dump in state.dumps}
    return catalog_graph(_iris(), _site(), state.modified, _rights(),
                         current_app.config.get("PUBLISHER_NAME"), sizes, _statistics())


def _statistics() -> list[StatisticsDataset]:
    """The imported statistics tables (read once per data version)."""
    from plangraph.stats_import import statistics_datasets

    mint = minter()
    return digests().get("statistics-datasets", lambda store: statistics_datasets(store, mint))


# negotiation ---------------------------------------------------------------------------------------------


def _negotiate(html_first: bool) -> RdfFormat | None:
    """The RDF format the client asks for (?format= first, then Accept); None means the HTML page."""
    named = request.args.get("format")
    if named is not None:
        if named == "html":
            return None
        fmt = BY_NAME.get(named)
        if fmt is None or fmt not in METADATA_FORMATS:
            abort(406, description="unknown format; use html, " + ", ".join(f.name for f in METADATA_FORMATS))
        return fmt
    rdf = [f.media_type for f in METADATA_FORMATS]
    chosen = choose(request.headers.get("Accept"), [HTML, *rdf] if html_first else [rdf[0], HTML, *rdf[1:]])
    if chosen is None:
        abort(406, description="available: " + ", ".join([HTML, *rdf]))
    return None if chosen == HTML else next(f for f in METADATA_FORMATS if f.media_type == chosen)


def _rdf_response(g: Graph, fmt: RdfFormat) -> Response:
    response = Response(render_graph(g, fmt), mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response


def _html_response(html: str) -> Response:
    response = Response(html, mimetype=HTML)
    response.headers["Vary"] = "Accept"
    return response


# routes --------------------------------------------------------------------------------------------------


@portal.get("/catalog")
def catalog() -> Response:
    fmt = _negotiate(html_first=False)
    g = _catalog()
    if fmt is not None:
        return _rdf_response(g, fmt)
    return _html_response(render_page("portal_catalog.html", page_lang(), view=_catalog_view(g),
                                          formats=METADATA_FORMATS))


@portal.get("/.well-known/void")
def void() -> Response:
    fmt = _negotiate(html_first=False)
    state, iris, site = _state(), _iris(), _site()
    stats = state.statistics()
    if fmt is not None:
        return _rdf_response(void_graph(stats, iris, site, state.modified, _rights()), fmt)
    return _html_response(render_page(
        "portal_void.html", page_lang(), stats=stats, iris=iris, site=site, formats=METADATA_FORMATS,
        vocabularies=vocabularies(stats.whole.terms, iris.base), dumps=list(state.dumps), label=curie,
        classes=sorted(stats.whole.entities, key=curie)))


@portal.get("/downloads/")
def downloads() -> Response:
    fmt = _negotiate(html_first=True)
    g = _catalog()
    if fmt is not None:
        return _rdf_response(dataset_description(g, _iris()), fmt)
    state = _state()
    return _html_response(render_page(
        "portal_downloads.html", page_lang(), view=_catalog_view(g), dumps=list(state.dumps),
        labels={name: label for name, (label, _) in FILE_TYPES.items()}, modified=state.modified,
        site=_site(), formats=METADATA_FORMATS))


@portal.get("/downloads/<name>")
def download(name: str) -> HttpResponse:
    fmt = format_for_filename(name)
    if fmt is None:
        abort(404, description=f"no dump called {name!r}; see the list at /downloads/")
    return _dump_response(_state().dumps.get(fmt))


def _dump_response(dump: Dump) -> HttpResponse:
    response = Response(dump.body, mimetype=dump.fmt.media_type)
    response.set_etag(dump.etag)
    response.last_modified = dump.last_modified
    response.cache_control.public = True
    response.cache_control.no_cache = True  # caches keep it but revalidate: a rebuild shows at once
    response.headers["Content-Disposition"] = f'attachment; filename="{dump.filename}"'
    return response.make_conditional(request)  # 304 on If-None-Match / If-Modified-Since


@portal.get(f"/{CATALOG_PATH}")
@portal.get(f"/{CATALOG_PATH}/<path:rest>")
@portal.get(f"/{DATASET_PATH}")
@portal.get(f"/{DATASET_PATH}/<path:rest>")
@portal.get(f"/{SERVICE_PATH}")
@portal.get(f"/{PUBLISHER_PATH}")
def describe(rest: str = "") -> HttpResponse:
    """The catalog's IRIs dereference: 303 See Other to the document that describes them."""
    if request.path.startswith(f"/{DATASET_PATH}"):
        target = "/.well-known/void" if rest.startswith("void/") else "/downloads/"
    else:
        target = "/catalog"
    query = request.query_string.decode("ascii", "replace")
    response = redirect(request.script_root + target + (f"?{query}" if query else ""), code=303)
    response.headers["Vary"] = "Accept"
    return response


# what the HTML pages show ---------------------------------------------------------------------------------


def _catalog_view(g: Graph) -> dict[str, object]:
    """The catalog's facts for the HTML pages, read from the same graph the machines get."""
    iris = _iris()

    def text(subject: URIRef, predicate: URIRef) -> str:
        values = {getattr(o, "language", None): str(o) for o in g.objects(subject, predicate)}
        return values.get(page_lang()) or values.get("de") or next(iter(values.values()), "")

    rights = _rights()
    return {
        "title": text(iris.dataset, DCTERMS.title),
        "description": text(iris.dataset, DCTERMS.description),
        "catalog_title": text(iris.catalog, DCTERMS.title),
        "publisher": text(iris.publisher, FOAF.name),
        "license": str(rights.license),
        "rights": rights.statement.get(page_lang(), ""),
        "modified": _state().modified,
        "endpoint": str(g.value(iris.service, DCAT.endpointURL)),
        "dataset": str(iris.dataset),
        "catalog": str(iris.catalog),
        "distributions": [
            {"title": text(d, DCTERMS.title), "url": str(g.value(d, DCAT.downloadURL)),
             "media_type": str(g.value(d, DCAT.mediaType)).rsplit("media-types/", 1)[-1],
             "size": g.value(d, DCAT.byteSize), "iri": str(d)}
            for d in (iris.distribution(fmt) for fmt in RDF_FORMATS)
        ],
        "statistics": [  # the imported statistics tables, each a dataset of its own
            {"title": text(s, DCTERMS.title), "description": text(s, DCTERMS.description),
             "page": str(g.value(s, DCAT.landingPage)),
             "distributions": [{"title": text(d, DCTERMS.title), "url": str(g.value(d, DCAT.accessURL))}
                               for d in sorted(_iris_of(g, s, DCAT.distribution))]}
            for s in sorted(_iris_of(g, iris.catalog, DCAT.dataset)) if s != iris.dataset
        ],
    }


def _iris_of(g: Graph, subject: URIRef, predicate: URIRef) -> list[URIRef]:
    return [o for o in g.objects(subject, predicate) if isinstance(o, URIRef)]
