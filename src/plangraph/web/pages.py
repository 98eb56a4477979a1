"""Pages people read. For now the plan overview; the server issue adds one page per resource."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from plangraph.plan_view import plan_tree
from plangraph.web.state import graph

pages = Blueprint("pages", __name__)


@pages.get("/")
def overview() -> str:
    lang = "en" if request.args.get("lang") == "en" else "de"
    tree = plan_tree(graph(), lang)
    return render_template("overview.html", tree=tree, lang=lang, triples=len(graph()))
