"""Where plangraph's files live (ontology, shapes, source, curated data, the built dataset) and how they load.

The project root holds them (DESIGN.md section 5); nothing here needs `../shared` at run time.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from plangraph.namespaces import bind_prefixes

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_FILE = PROJECT_ROOT / "ontology" / "plangraph.ttl"
SHAPES_DIR = PROJECT_ROOT / "shapes"
DATA_DIR = PROJECT_ROOT / "data"
SOURCE_DIR = DATA_DIR / "source"
CURATED_DIR = DATA_DIR / "curated"
SOURCE_FILE = SOURCE_DIR / "herne-integrationskonzept-wohnen.txt"
OCR_EXCEPTIONS_FILE = DATA_DIR / "ocr-exceptions.tsv"
DATASET_FILE = DATA_DIR / "herne.trig"
BUILD_REPORT_FILE = DATA_DIR / "build-report.md"


@lru_cache(maxsize=1)
def source_text() -> str:
    """The plan's source text as received (read once: it does not change while a process runs)."""
    return SOURCE_FILE.read_text(encoding="utf-8")


def shape_files() -> list[Path]:
    return sorted(SHAPES_DIR.glob("*.ttl"))


@lru_cache(maxsize=1)
def _ontology() -> Graph:
    return bind_prefixes(Graph()).parse(ONTOLOGY_FILE, format="turtle")


@lru_cache(maxsize=1)
def _shapes() -> Graph:
    graph = bind_prefixes(Graph())
    for path in shape_files():
        graph.parse(path, format="turtle")
    return graph


def ontology_graph() -> Graph:
    """The plangraph vocabulary (a fresh copy: callers may add to it)."""
    return _copy(_ontology())


def shapes_graph() -> Graph:
    """All SHACL shapes of `shapes/` in one graph (a fresh copy)."""
    return _copy(_shapes())


def _copy(graph: Graph) -> Graph:
    copy = bind_prefixes(Graph())
    for triple in graph:
        copy.add(triple)
    return copy
