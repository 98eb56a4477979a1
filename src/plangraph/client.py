"""Talking to a plangraph server as a data steward: `plangraph submit` posts entries to /api/submissions.

Only the standard library (urllib): the client needs nothing the server does not already install."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plangraph.errors import InputError, Location, PlangraphError
from plangraph.formats import format_for_path

MEDIA_TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples",
               "rdfxml": "application/rdf+xml"}


class ServerError(PlangraphError):
    """The server refused the request (other than a report on the entry) or could not be reached."""

    exit_code = 2


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def submit(server: str, token: str, path: Path, key: str | None = None, timeout: float = 60) -> Answer:
    """POST one entry file; the answer of the server (201/200 a receipt, 422 a report)."""
    fmt = format_for_path(path.name)
    if fmt is None or fmt.name not in MEDIA_TYPES:
        raise InputError(f"send Turtle, JSON-LD, N-Triples or RDF/XML (.ttl, .jsonld, .nt, .rdf), not {path.suffix}",
                         Location(file=str(path)))
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", Location(file=str(path))) from error
    headers = {"Content-Type": MEDIA_TYPES[fmt.name], "Accept": "application/json",
               "Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    url = server.rstrip("/") + "/api/submissions"
    if not url.startswith(("http://", "https://")):
        raise InputError(f"the server is an http(s) URL, not {server!r}", Location(field="--server"))
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, _json(response.read()))
    except urllib.error.HTTPError as error:
        body = _json(error.read())
        if error.code == 422:
            return Answer(422, body)
        raise ServerError(f"the server answered {error.code}: {body.get('message') or error.reason}",
                          Location(file=str(path))) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ServerError(f"cannot reach {url}: {reason}") from error


def report_lines(report: dict[str, Any], lang: str) -> list[str]:
    """A JSON validation report as lines a person reads: where, what, which value."""
    lines = []
    for result in report.get("results", []):
        messages = result.get("message") or {}
        message = messages.get(lang) or messages.get("en") or messages.get("de") or next(iter(messages.values()), "")
        where = " ".join(part for part in (result.get("focusNode"), result.get("path")) if part)
        value = f" (value: {result['value']})" if result.get("value") else ""
        lines.append(f"{result.get('severity', 'Violation')}: {where}: {message}{value}")
    return lines


def _json(data: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {"message": data.decode("utf-8", "replace")[:500]}
    return parsed if isinstance(parsed, dict) else {"message": str(parsed)}
