"""The Flask application: a thin face over the same core the CLI uses."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from plangraph.dataset import load_dataset, union


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """App factory: config keys BASE_IRI and DATASET (the TriG file); the dataset is loaded once."""
    from plangraph.web.pages import pages

    app = Flask(__name__)
    app.config.update(config or {})
    app.extensions["plangraph.graph"] = union(load_dataset(Path(app.config["DATASET"])))
    app.register_blueprint(pages)
    return app
