"""What keeps every answer inert in a reader's browser, even when hostile data made it into the store: one
Content-Security-Policy and its companion headers on every response, and characters that could hide or reorder
text shown as visible escapes in pages. Registered once, by `create_app`, before any template is compiled."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from markupsafe import Markup

from plangraph.describe import HIDDEN_CHARACTERS

# Pages load one stylesheet from this site, post forms only to it and run no script at all (charts are inline SVG
# drawn with presentation attributes, which style-src does not govern).
PAGE_POLICY = ("default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
               "base-uri 'none'; frame-ancestors 'none'")
# Everything else (SPARQL results, RDF, dumps, JSON, CSV, text): nothing in it may load or run, even when a
# browser is asked to render it.
DATA_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


class Verbatim(str):
    """A value a form sends back (a query, an entry's field): escaped like any text but kept exactly, so that
    checking an entry twice never turns an invisible character into the six letters of its escape."""


def verbatim(value: Any) -> Any:
    """The template filter `|verbatim`, for the values of form fields."""
    return Verbatim(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def visible(value: Any) -> Any:
    """Jinja's `finalize`, applied to every `{{ ... }}` of every page: controls (C0 but tab and line breaks, DEL,
    C1), bidi embeddings, overrides and isolates, and invisible spaces and joiners that hide a difference are shown
    as `\\uXXXX`, the escape SPARQL and Turtle read back as the same character. Autoescaping still follows."""
    if not isinstance(value, str) or isinstance(value, Verbatim) or not HIDDEN_CHARACTERS.search(value):
        return value
    shown = HIDDEN_CHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04X}", value)
    return Markup(shown) if isinstance(value, Markup) else shown  # the escapes are plain ASCII: still safe markup


def secure(response: Response) -> Response:
    """After every request, error pages and static files included: the policy by what the response is."""
    html = response.mimetype == "text/html"
    response.headers["Content-Security-Policy"] = PAGE_POLICY if html else DATA_POLICY
    response.headers.update(HEADERS)
    return response


def register(app: Flask) -> None:
    """Called by `create_app` before anything touches the Jinja environment (templates compile `finalize` in)."""
    app.jinja_env.finalize = visible
    app.jinja_env.filters["verbatim"] = verbatim
    app.after_request(secure)
