"""What the routes read from the app: the dataset, its union graph and the IRI minter."""

from __future__ import annotations

from flask import current_app
from rdflib import Dataset, Graph

from plangraph.iris import Minter


def dataset() -> Dataset:
    value: Dataset = current_app.extensions["plangraph.dataset"]
    return value


def graph() -> Graph:
    value: Graph = current_app.extensions["plangraph.graph"]
    return value


def minter() -> Minter:
    value: Minter = current_app.extensions["plangraph.minter"]
    return value
