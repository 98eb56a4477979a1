"""The SPARQL 1.1 Protocol at /sparql (routes added with the server issue)."""

from __future__ import annotations

from flask import Blueprint

sparql = Blueprint("sparql", __name__)
