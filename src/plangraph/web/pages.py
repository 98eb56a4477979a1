"""Pages people read. For now the plan overview; the server issue adds one page per resource."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from rdflib import Graph

from plangraph.plan_view import plan_tree

pages = Blueprint("pages", __name__)


def _graph() -> Graph:
    graph: Graph = current_app.extensions["plangraph.graph"]
    return graph


@pages.get("/")
def overview() -> str:
    lang = "en" if request.args.get("lang") == "en" else "de"
    tree = plan_tree(_graph(), lang)
    return render_template("overview.html", tree=tree, lang=lang, triples=len(_graph()))
