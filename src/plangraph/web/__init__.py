"""The Flask application: a thin face over the same core the CLI uses.

`create_app(config)` opens the store (config STORE: a Store, or where one is, as PLANGRAPH_STORE takes it;
default `memory`), makes sure it holds the published dataset (config DATASET, the TriG file), and registers
one blueprint per surface: `pages` (pages people read), `sparql` (the SPARQL 1.1 Protocol), `portal`
(catalog, VoID, dumps) and `linked_data` (dereferenceable IRIs with content negotiation). Errors are
rendered once, in `errors`; the Content-Security-Policy and the other browser headers are set once, in
`security`. Every read goes through the store (`plangraph.store`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from plangraph import resources
from plangraph.iris import DEFAULT_BASE_IRI, Minter
from plangraph.lookups import Digests
from plangraph.publish import ensure_published
from plangraph.store import MEMORY, Store, open_store
from plangraph.submissions import Submissions
from plangraph.tokens import Tokens


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """App factory. Config: STORE, DATASET (the published TriG), BASE_IRI (defaults to the Herne base),
    STORE_UPDATE and STORE_GRAPHS (remote stores), QUERY_* limits, LICENSE / PUBLISHER_NAME and TOKENS_FILE
    (write tokens for /api/submissions; none: writes are off)."""
    from plangraph.web import errors, explore, linked_data, pages, portal, security, sparql, stewards, submissions

    app = Flask(__name__)
    app.config.update({"BASE_IRI": DEFAULT_BASE_IRI, "STORE": MEMORY})
    app.config.update(config or {})
    security.register(app)  # first: pages are compiled with it, and every response gets its headers
    store = _store(app.config)
    if app.config.get("DATASET"):
        app.extensions["plangraph.sync"] = ensure_published(store, Path(app.config["DATASET"]))
    app.extensions["plangraph.store"] = store
    app.extensions["plangraph.digests"] = Digests(store)
    minter = app.extensions["plangraph.minter"] = Minter(app.config["BASE_IRI"])
    app.extensions["plangraph.submissions"] = Submissions(store, minter, resources.shapes_graph())
    app.extensions["plangraph.submissions"].reapply_corrections()  # a rebuilt plan brings the old wording back
    tokens_file = app.config.get("TOKENS_FILE")
    app.extensions["plangraph.tokens"] = Tokens(Path(tokens_file) if tokens_file else None)
    errors.register(app)
    app.register_blueprint(pages.pages)
    app.register_blueprint(explore.explore)
    app.register_blueprint(stewards.stewards)
    app.register_blueprint(submissions.submissions)
    app.register_blueprint(sparql.sparql)
    app.register_blueprint(portal.portal)
    app.register_blueprint(linked_data.linked_data)  # last: it answers every path the others do not
    return app


def _store(config: Mapping[str, Any]) -> Store:
    where = config["STORE"]
    if not isinstance(where, str):
        return where
    prefixes = [config["BASE_IRI"], *str(config.get("STORE_GRAPHS") or "https://w3id.org/plangraph/").split(",")]
    return open_store(where, workers=int(config.get("QUERY_WORKERS") or 4),
                      update_url=config.get("STORE_UPDATE") or None,
                      graph_prefixes=[p.strip() for p in prefixes if p.strip()])
