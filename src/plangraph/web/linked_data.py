"""Dereferenceable IRIs: every path under the base IRI answers with its resource (routes added with the
server issue)."""

from __future__ import annotations

from flask import Blueprint

linked_data = Blueprint("linked_data", __name__)
