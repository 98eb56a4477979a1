"""Errors at the edge: a PlangraphError or an HTTP error becomes JSON, plain text or an HTML page, as
the client's Accept asks. Never a stack trace or raw exception text."""

from __future__ import annotations

import json

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from plangraph.errors import PlangraphError
from plangraph.web.negotiation import choose
from plangraph.web.pages import page_lang, render_page

ERROR_TYPES = ["text/html", "application/json", "text/plain"]


def error_response(status: int, title: str, message: str) -> Response:
    chosen = choose(request.headers.get("Accept"), ERROR_TYPES) or "text/plain"
    if chosen == "application/json":
        body = json.dumps({"status": status, "error": title, "message": message}, ensure_ascii=False)
        response = Response(body, status=status, mimetype="application/json")
    elif chosen == "text/html":
        html = render_page("error.html", page_lang(), status=status, title=title, message=message)
        response = Response(html, status=status, mimetype="text/html")
    else:
        response = Response(f"{status} {title}: {message}\n", status=status, mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(PlangraphError)
    def plangraph_error(error: PlangraphError) -> Response:
        return error_response(error.http_status, type(error).__name__, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = error_response(error.code or 500, error.name, error.description or error.name)
        for name, value in error.get_headers():
            if name.lower() == "allow":  # a 405 says which methods would do
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        app.logger.exception("unexpected error")
        return error_response(500, "Internal Server Error", "the server could not answer this request")
