"""What open-data portals harvest: /catalog (DCAT-AP.de), /.well-known/void and /downloads/ (routes
added with the server issue)."""

from __future__ import annotations

from flask import Blueprint

portal = Blueprint("portal", __name__)
