"""The Flask application: a thin face over the same core the CLI uses.

`create_app(config)` loads the published dataset once and registers one blueprint per surface:
`pages` (pages people read), `sparql` (the SPARQL 1.1 Protocol), `portal` (catalog, VoID, dumps) and
`linked_data` (dereferenceable IRIs with content negotiation). Errors are rendered once, in `errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from plangraph.dataset import load_dataset, union
from plangraph.iris import DEFAULT_BASE_IRI, Minter


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """App factory. Config: DATASET (the TriG file), BASE_IRI (defaults to the Herne base)."""
    from plangraph.web import errors, explore, linked_data, pages, portal, sparql, stewards

    app = Flask(__name__)
    app.config.update({"BASE_IRI": DEFAULT_BASE_IRI})
    app.config.update(config or {})
    dataset = load_dataset(Path(app.config["DATASET"]))
    app.extensions["plangraph.dataset"] = dataset
    app.extensions["plangraph.graph"] = union(dataset)
    app.extensions["plangraph.minter"] = Minter(app.config["BASE_IRI"])
    errors.register(app)
    app.register_blueprint(pages.pages)
    app.register_blueprint(explore.explore)
    app.register_blueprint(stewards.stewards)
    app.register_blueprint(sparql.sparql)
    app.register_blueprint(portal.portal)
    app.register_blueprint(linked_data.linked_data)  # last: it answers every path the others do not
    return app
