"""The SHACL shapes, driven by data files: one directory per node shape under tests/data/shapes/.

`valid*.ttl` must conform. `invalid-<rule>.ttl` must fail on that rule only: its first comment lines
say which message to expect (`# expect: …` German, `# expect-en: …` English) and, where given, at
which property (`# expect-path: pg:statusOf`), and every result must come from the directory's node
shape (or one of its property shapes) and carry that message at that path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from plangraph import resources
from plangraph.namespaces import PG

CASES_DIR = Path(__file__).parent / "data" / "shapes"
VALID_FILES = sorted(CASES_DIR.glob("*/valid*.ttl"))
INVALID_FILES = sorted(CASES_DIR.glob("*/invalid-*.ttl"))
TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


@dataclass(frozen=True)
class Result:
    source_shape: Node
    source_constraint: Node | None
    path: Node | None
    messages: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    conforms: bool
    results: tuple[Result, ...]
    text: str


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _shape_of(path: Path) -> URIRef:
    return PG[path.parent.name]


def _expectations(path: Path) -> dict[str, str]:
    """The `# expect:` / `# expect-en:` lines at the top of a data file."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(":")
        if sep and key in ("expect", "expect-en", "expect-path"):
            found[key] = value.strip()
    return found


@cache
def _shapes() -> Graph:
    return resources.shapes_graph()


@cache
def _validate(path: Path) -> Outcome:
    data = Graph().parse(path, format="turtle")
    conforms, report, text = validate(
        data,
        shacl_graph=_shapes(),
        ont_graph=None,
        inference="none",
        advanced=True,
        allow_warnings=False,
    )
    assert isinstance(report, Graph)
    results = tuple(
        Result(
            source_shape=report.value(node, SH.sourceShape),
            source_constraint=report.value(node, SH.sourceConstraint),
            path=report.value(node, SH.resultPath),
            messages=tuple(str(message) for message in report.objects(node, SH.resultMessage)),
        )
        for report_node in report.subjects(RDF.type, SH.ValidationReport)
        for node in report.objects(report_node, SH.result)  # not the nested sh:detail results
    )
    return Outcome(bool(conforms), results, str(text))


def _family(shape: URIRef) -> set[Node]:
    """The node shape and its property shapes: the shapes whose results belong to this shape's rules."""
    return {shape, *_shapes().objects(shape, SH.property)}


# --- the data files --------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID_FILES, ids=_case_id)
def test_valid_example_conforms(path: Path) -> None:
    outcome = _validate(path)
    assert outcome.conforms, outcome.text


@pytest.mark.parametrize("path", INVALID_FILES, ids=_case_id)
def test_invalid_example_fails_on_its_rule(path: Path) -> None:
    expected = _expectations(path)
    assert expected.get("expect"), f"{_case_id(path)} must start with a '# expect: <German message>' line"
    outcome = _validate(path)
    assert not outcome.conforms and outcome.results, f"{_case_id(path)} conforms, but should fail"
    family = _family(_shape_of(path))
    for result in outcome.results:
        assert result.source_shape in family, (
            f"{_case_id(path)}: a result comes from {result.source_shape}, not from {_shape_of(path)}:\n"
            + outcome.text
        )
        for key in ("expect", "expect-en"):
            if key in expected:
                assert any(expected[key] in message for message in result.messages), (
                    f"{_case_id(path)}: a result lacks the expected message {expected[key]!r} "
                    f"(only the intended rule may fail):\n{outcome.text}"
                )
        if "expect-path" in expected:
            path_iri = _shapes().namespace_manager.expand_curie(expected["expect-path"])
            assert result.path == path_iri, f"{_case_id(path)}: a result is at {result.path}, not {path_iri}"


def test_every_node_shape_has_valid_and_invalid_examples() -> None:
    for shape in _node_shapes():
        name = shape.removeprefix(str(PG))
        assert (CASES_DIR / name / "valid.ttl").is_file(), f"no tests/data/shapes/{name}/valid.ttl"
        assert list((CASES_DIR / name).glob("invalid-*.ttl")), f"no tests/data/shapes/{name}/invalid-*.ttl"


def test_every_directory_names_a_node_shape() -> None:
    shapes = set(_node_shapes())
    for directory in sorted(p for p in CASES_DIR.iterdir() if p.is_dir()):
        assert PG[directory.name] in shapes, f"tests/data/shapes/{directory.name} names no node shape"


def test_every_rule_is_broken_by_some_invalid_example() -> None:
    """Each property shape and SPARQL constraint is the source of a result in at least one invalid file."""
    exercised: set[Node] = set()
    for path in INVALID_FILES:
        for result in _validate(path).results:
            exercised.add(result.source_constraint or result.source_shape)
            exercised.add(result.source_shape)
    rules = set(_shapes().objects(None, SH.property)) | set(_shapes().objects(None, SH.sparql))
    missing = sorted(str(rule) for rule in rules - exercised)
    assert not missing, f"rules without an invalid example: {missing}"


# --- the shapes themselves -----------------------------------------------------------------


def _node_shapes() -> list[URIRef]:
    shapes = _shapes()
    found = {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    return sorted(found)


def _languages(graph: Graph, subject: Node, predicate: URIRef) -> list[str | None]:
    return sorted(
        (obj.language or "" for obj in graph.objects(subject, predicate) if isinstance(obj, Literal)),
    )


def test_every_node_shape_targets_something() -> None:
    shapes = _shapes()
    for shape in _node_shapes():
        assert any(shapes.value(shape, p) is not None for p in TARGET_PREDICATES), f"{shape} targets nothing"


def test_shape_iris_are_in_the_vocabulary_namespace() -> None:
    shapes = _shapes()
    for shape in _node_shapes():
        assert shape.startswith(str(PG)) and shape.endswith("Shape"), shape
        for prop in shapes.objects(shape, SH.property):
            assert isinstance(prop, URIRef) and prop.startswith(f"{shape}-"), f"{shape}: {prop}"


def test_every_message_is_in_german_and_english() -> None:
    shapes = _shapes()
    for subject in set(shapes.subjects(SH.message, None)):
        assert _languages(shapes, subject, SH.message) == ["de", "en"], f"{subject}: one @de, one @en"


def test_every_rule_has_messages_and_property_shapes_have_names() -> None:
    shapes = _shapes()
    for prop in set(shapes.objects(None, SH.property)):
        assert _languages(shapes, prop, SH.message) == ["de", "en"], f"{prop}: sh:message @de and @en"
        assert _languages(shapes, prop, SH.name) == ["de", "en"], f"{prop}: sh:name @de and @en"
    for constraint in set(shapes.objects(None, SH.sparql)):
        assert _languages(shapes, constraint, SH.message) == ["de", "en"], f"{constraint}: sh:message"


def test_node_shapes_carry_no_message_of_their_own() -> None:
    """pyshacl adds a node shape's sh:message to every result of its SPARQL constraints."""
    shapes = _shapes()
    for shape in _node_shapes():
        assert shapes.value(shape, SH.message) is None, f"{shape} has a sh:message; put it on a rule"


def test_sparql_constraints_declare_their_prefixes() -> None:
    shapes = _shapes()
    declared = {
        str(shapes.value(decl, SH.prefix))
        for prefixes in shapes.objects(None, SH.prefixes)
        for decl in shapes.objects(prefixes, SH.declare)
    }
    for constraint in set(shapes.objects(None, SH.sparql)):
        assert shapes.value(constraint, SH.prefixes) is not None, f"{constraint} has no sh:prefixes"
        query = str(shapes.value(constraint, SH.select))
        for prefix in ("pg", "skos"):
            if f"{prefix}:" in query:
                assert prefix in declared, f"{constraint} uses {prefix}: without a declaration"


def test_sh_in_lists_name_concepts_of_the_vocabulary() -> None:
    """The allowed roles and statuses are exactly the concepts of pg:Roles and pg:MeasureStatuses."""
    shapes, ontology = _shapes(), resources.ontology_graph()
    schemes = {
        PG["AttributionShape-role"]: PG.Roles,
        PG["MeasureShape-status"]: PG.MeasureStatuses,
        PG["StatusReportShape-status"]: PG.MeasureStatuses,
    }
    for prop, scheme in schemes.items():
        head = shapes.value(prop, SH["in"])
        assert isinstance(head, BNode | URIRef), f"{prop} has no sh:in"
        allowed = set(Collection(shapes, head))
        in_scheme = set(ontology.subjects(URIRef("http://www.w3.org/2004/02/skos/core#inScheme"), scheme))
        assert allowed == in_scheme, f"{prop}: sh:in {sorted(allowed)} != concepts of {scheme}"


def test_shapes_are_well_formed_shacl() -> None:
    """pyshacl's meta-shapes (SHACL for SHACL) accept the shapes graph."""
    conforms, _, text = validate(
        Graph(), shacl_graph=_shapes(), inference="none", advanced=True, meta_shacl=True
    )
    assert conforms, text
