"""What the routes read from the app: the store, its per-version digests and the IRI minter."""

from __future__ import annotations

from flask import current_app

from plangraph.iris import Minter
from plangraph.lookups import Digests
from plangraph.store import Store


def store() -> Store:
    value: Store = current_app.extensions["plangraph.store"]
    return value


def digests() -> Digests:
    value: Digests = current_app.extensions["plangraph.digests"]
    return value


def minter() -> Minter:
    value: Minter = current_app.extensions["plangraph.minter"]
    return value
