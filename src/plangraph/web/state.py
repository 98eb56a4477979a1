"""What the routes read from the app: the store, its per-version digests, the IRI minter, the write path
(submissions) and the write tokens."""

from __future__ import annotations

from flask import current_app

from plangraph.iris import Minter
from plangraph.lookups import Digests
from plangraph.store import Store
from plangraph.submissions import Submissions
from plangraph.tokens import Tokens


def store() -> Store:
    value: Store = current_app.extensions["plangraph.store"]
    return value


def digests() -> Digests:
    value: Digests = current_app.extensions["plangraph.digests"]
    return value


def submissions() -> Submissions:
    value: Submissions = current_app.extensions["plangraph.submissions"]
    return value


def tokens() -> Tokens:
    value: Tokens = current_app.extensions["plangraph.tokens"]
    return value


def minter() -> Minter:
    value: Minter = current_app.extensions["plangraph.minter"]
    return value
