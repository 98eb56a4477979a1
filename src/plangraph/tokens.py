"""Write tokens: who may submit. The operator lists them in the file named by PLANGRAPH_TOKENS_FILE, one line
per token: the holder's name, a space, the SHA-256 hex of the token, and optionally a space and
`expires=YYYY-MM-DD` (the last day the token is valid, in UTC). Plain tokens are never stored, and a presented
token is compared with every line in constant time, so neither the file nor the timing of an answer tells
anything about a valid token; only a token that matched learns that it has expired.

The file is read again when it changes, so an operator adds or revokes a token without a restart."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from plangraph.errors import InputError, Location, PlangraphError, SetupError

HEX = re.compile(r"^[0-9a-f]{64}$")
EXPIRES = "expires="
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_TOKEN_CHARS = 512


class Unauthorized(PlangraphError):
    """No token, or one the tokens file does not list."""

    http_status = 401
    exit_code = 2


class WritesOff(PlangraphError):
    """The operator has configured no tokens file: the server is read-only."""

    http_status = 403
    exit_code = 2


@dataclass(frozen=True)
class TokenLine:
    holder: str
    digest: bytes
    expires: date | None = None  # the last day it is valid


def digest(token: str) -> str:
    """What the tokens file holds for a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (256 bits), for `plangraph token`."""
    return secrets.token_urlsafe(32)


def token_line(holder: str, hexdigest: str, expires: date | None = None) -> str:
    """A line of the tokens file, as `parse_tokens` reads it."""
    return f"{holder} {hexdigest}" + (f" {EXPIRES}{expires.isoformat()}" if expires else "")


def parse_tokens(text: str, source: str) -> list[TokenLine]:
    """The lines of a tokens file; blank lines and lines starting with '#' are skipped. Read from the right, since
    a holder's name may have spaces: an optional `expires=YYYY-MM-DD`, then the digest, the rest is the holder."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = Location(file=source, line=number)
        expires = None
        rest, _, last = line.rpartition(" ")
        if last.startswith(EXPIRES):
            expires = _expiry(last.removeprefix(EXPIRES), where)
            line = rest.rstrip()
        holder, _, hexdigest = line.rpartition(" ")
        hexdigest = hexdigest.lower()
        if not holder.strip() or not HEX.match(hexdigest):
            raise InputError("a tokens line is 'holder name, a space, the SHA-256 hex of the token' (64 hex digits; "
                             "never the token itself), optionally followed by ' expires=YYYY-MM-DD'", where)
        lines.append(TokenLine(holder.strip(), bytes.fromhex(hexdigest), expires))
    return lines


def _expiry(text: str, where: Location) -> date:
    try:
        if _DATE.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InputError(f"the expiry {text[:20]!r} is not a date YYYY-MM-DD (e.g. expires=2026-12-31)", where)


class Tokens:
    """The tokens file, read again whenever its modification time or size changes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lines: list[TokenLine] = []
        self._seen: tuple[int, int] | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def holder(self, authorization: str | None, today: date) -> str:
        """The holder named by an `Authorization: Bearer TOKEN` header whose token has not expired by `today` (UTC);
        Unauthorized or WritesOff otherwise."""
        if self.path is None:
            raise WritesOff("writes are off on this server: the operator has configured no tokens file "
                            "(PLANGRAPH_TOKENS_FILE)")
        token = _bearer(authorization)
        presented = hashlib.sha256(token.encode("utf-8")).digest()
        found = None
        for line in self._current():  # every line, whatever matched: the time does not depend on which one
            if hmac.compare_digest(presented, line.digest) and found is None:
                found = line
        if found is None:
            raise Unauthorized("the token is not valid for this server")
        if found.expires is not None and found.expires < today:
            raise Unauthorized("the token has expired")
        return found.holder

    def _current(self) -> list[TokenLine]:
        assert self.path is not None
        try:
            stat = self.path.stat()
        except OSError as error:
            raise SetupError(f"the tokens file cannot be read: {error}", Location(file=str(self.path))) from error
        with self._lock:
            if self._seen != (stat.st_mtime_ns, stat.st_size):
                try:
                    text = self.path.read_text("utf-8")
                except (OSError, UnicodeDecodeError) as error:
                    raise SetupError(f"the tokens file cannot be read: {error}",
                                     Location(file=str(self.path))) from error
                self._lines = parse_tokens(text, str(self.path))
                self._seen = (stat.st_mtime_ns, stat.st_size)
            return self._lines


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("this needs a write token: send 'Authorization: Bearer TOKEN'")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("the Authorization header must be 'Bearer TOKEN'")
    if len(token) > MAX_TOKEN_CHARS or not token.isprintable() or " " in token:
        raise Unauthorized("the token is not valid for this server")
    return token
