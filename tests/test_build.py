"""`plangraph build`: reproducible bytes, the committed data/ up to date, the named graphs, conformance,
the build report, the curated files' rules, and a failing build that publishes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

from conftest import BuiltDataset, RunCli, run_plangraph
from plangraph import resources
from plangraph.build import load_curated
from plangraph.dataset import load_dataset, union
from plangraph.errors import InputError
from plangraph.iris import Minter
from plangraph.validate import validate_graph

BASE = "https://w3id.org/plangraph/herne/"
PLAN_GRAPH = URIRef(BASE + "graph/plan")
CURATED_GRAPH = URIRef(BASE + "graph/curated")
VOCABULARY_GRAPH = URIRef("https://w3id.org/plangraph/def")


@pytest.fixture(scope="module")
def dataset(built_dataset: BuiltDataset) -> Dataset:
    return load_dataset(built_dataset.trig)


# --- reproducible ---------------------------------------------------------------------------------

def test_two_builds_with_different_hash_seeds_are_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "4242"):
        trig, report = tmp_path / f"herne-{seed}.trig", tmp_path / f"report-{seed}.md"
        code, _, err = run_plangraph("build", "--output", trig, "--report", report,
                                     env={"PYTHONHASHSEED": seed})
        assert code == 0, err
        outputs.append((trig.read_bytes(), report.read_bytes()))
    (trig_a, report_a), (trig_b, report_b) = outputs
    assert trig_a == trig_b, "the TriG differs between two builds of the same inputs"
    assert report_a == report_b, "the build report differs between two builds of the same inputs"


@pytest.mark.parametrize(("committed", "attribute"), [
    (resources.DATASET_FILE, "trig"),
    (resources.BUILD_REPORT_FILE, "report"),
])
def test_committed_data_equals_a_fresh_build(built_dataset: BuiltDataset, committed: Path,
                                             attribute: str) -> None:
    fresh: Path = getattr(built_dataset, attribute)
    assert committed.exists(), f"{committed} is missing: run `plangraph build` and commit data/"
    assert committed.read_bytes() == fresh.read_bytes(), (
        f"{committed.relative_to(resources.PROJECT_ROOT)} is not what the code builds: "
        "run `plangraph build` and commit data/"
    )


def test_build_says_what_it_built(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, err = run_cli("build", "--output", tmp_path / "h.trig", "--report", tmp_path / "r.md")
    assert code == 0, err
    assert "2 guiding goals, 6 action goals, 9 measures" in out
    assert str(tmp_path / "r.md") in out


# --- the dataset --------------------------------------------------------------------------------

def test_dataset_has_exactly_the_plan_curated_and_vocabulary_graphs(dataset: Dataset) -> None:
    names = {g.identifier for g in dataset.graphs() if len(g)}
    assert names == {PLAN_GRAPH, CURATED_GRAPH, VOCABULARY_GRAPH}
    assert len(dataset.graph(PLAN_GRAPH)) > 0
    assert len(dataset.graph(CURATED_GRAPH)) > 0
    # the vocabulary graph is the ontology file, unchanged
    assert set(dataset.graph(VOCABULARY_GRAPH)) == set(resources.ontology_graph())


def test_dataset_conforms_to_the_shapes(dataset: Dataset) -> None:
    report = validate_graph(union(dataset), resources.shapes_graph())
    assert report.conforms, [p.message("en") for p in report.violations]
    assert report.violations == []


# --- the report ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report_text(built_dataset: BuiltDataset) -> str:
    return built_dataset.report.read_text(encoding="utf-8")


def test_report_lists_the_ocr_repairs(report_text: str) -> None:
    assert "## OCR repairs" in report_text
    assert "| line | original | repaired | rule |" in report_text
    assert "| Fliichtlingsunterkinften | Flüchtlingsunterkünften |" in report_text
    assert "| StadterneuerungsmaBnahmen | Stadterneuerungsmaßnahmen | ß read as B (medial) |" in report_text


def test_report_keeps_the_b2_variant_wording(report_text: str) -> None:
    assert "**B2**" in report_text
    variant = "Zugangsschwierigkeiten neuzugewanderter Gruppen zum Wohnungsmarkt werden verringert."
    assert variant in report_text
    assert "werden beseitigt.“ (the description)" in report_text


def test_report_names_the_displaced_labels_and_fragment(report_text: str) -> None:
    assert "| displaced labels |" in report_text
    displaced = "labels Maßnahme (line 145), Verantwortlich (line 147) stand apart from their values"
    fragment = "| displaced fragment | „beseitigt.“ (under Leitziel) completes the unfinished Handlungsziel"
    assert displaced in report_text
    assert fragment in report_text


def test_report_says_the_result_conforms(report_text: str) -> None:
    assert "- Shapes: conforms (0 result(s))" in report_text
    assert "None: every responsible party is a curated organisation." in report_text


# --- curated files ------------------------------------------------------------------------------

def test_load_curated_rejects_blank_nodes(tmp_path: Path) -> None:
    (tmp_path / "a-fine.ttl").write_text(
        '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<org/x> skos:prefLabel "X"@de .\n',
        encoding="utf-8")
    bad = tmp_path / "with-blank-node.ttl"
    bad.write_text(
        '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
        '<org/y> skos:related [ skos:prefLabel "Y"@de ] .\n',
        encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_curated(tmp_path, Minter(BASE))
    assert caught.value.location is not None
    assert caught.value.location.file == str(bad)
    assert "blank node" in caught.value.message
    assert str(bad) in str(caught.value)


def test_load_curated_reports_broken_turtle_with_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text(
        '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\n<org/x> skos:prefLabel "X"@de\n'
        '<org/y> skos:prefLabel "Y"@de .\n',
        encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_curated(tmp_path, Minter(BASE))
    location = caught.value.location
    assert location is not None
    assert location.file == str(bad)
    assert location.line == 4
    assert "line 4" in str(caught.value)


def test_load_curated_resolves_relative_iris_against_the_base(tmp_path: Path) -> None:
    (tmp_path / "one.ttl").write_text(
        '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<org/x> skos:prefLabel "X"@de .\n',
        encoding="utf-8")
    graph = load_curated(tmp_path, Minter("https://example.org/city/"))
    assert {str(s) for s in graph.subjects()} == {"https://example.org/city/org/x"}


# --- a build that must fail ---------------------------------------------------------------------

def test_build_without_organisations_fails_and_publishes_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    curated = tmp_path / "curated"
    shutil.copytree(resources.CURATED_DIR, curated)
    (curated / "organisations.ttl").unlink()
    output, report = tmp_path / "herne.trig", tmp_path / "report.md"

    code, out, err = run_cli("build", "--curated", curated, "--output", output, "--report", report)

    assert code == 1, (out, err)
    assert not output.exists(), "a dataset that does not conform must not be written"
    assert "does not conform" in err
    assert str(report) in err
    text = report.read_text(encoding="utf-8")
    assert "- Shapes: DOES NOT CONFORM" in text
    unmatched = text.split("## Names not found among the curated organisations", 1)[1].split("\n## ", 1)[0]
    for notation, name in [("A1.1", "Fachbereich Umwelt und Stadtplanung"), ("A3.1", "alle Fachbereiche"),
                           ("A3.2", "Fachbereich Stadtentwicklung"), ("B2.1", "Fachbereich Soziales"),
                           ("B3.1", "Bündnis für Wohnen")]:
        assert f"- {notation}: „{name}“" in unmatched
    assert "prov:wasAttributedTo" in text


# --- regressions: bugs found in review, fixed ---------------------------------------------------

def test_trig_keeps_the_data_when_two_graphs_need_generated_prefixes() -> None:
    from rdflib import Graph, Literal

    from plangraph.dataset import make_dataset, parse_rdf, serialize
    from plangraph.formats import rdf_format

    one, two = Graph(), Graph()
    one.add((URIRef("https://example.org/s1"), URIRef("https://one.example/vocab#p"), Literal("a")))
    two.add((URIRef("https://example.org/s2"), URIRef("https://two.example/vocab#q"), Literal("b")))
    dataset = make_dataset({URIRef("https://example.org/g1"): one, URIRef("https://example.org/g2"): two})
    back = parse_rdf(serialize(dataset, rdf_format("trig")), rdf_format("trig"), "<test>")
    assert set(union(back)) == set(one) | set(two)


def _no_traceback_exit_2(code: int, err: str) -> None:
    assert "Traceback" not in err, err
    assert code == 2, err


def test_build_with_a_bad_base_iri_is_an_input_error(run_cli: RunCli, tmp_path: Path) -> None:
    code, _, err = run_cli("build", "--base-iri", "https://example.org/city", "--output", tmp_path / "h.trig",
                           "--report", tmp_path / "r.md")
    _no_traceback_exit_2(code, err)
    assert "https://example.org/city" in err


def test_build_report_into_a_missing_folder_is_an_input_error(run_cli: RunCli, tmp_path: Path) -> None:
    report = tmp_path / "no-such-folder" / "r.md"
    code, _, err = run_cli("build", "--output", tmp_path / "h.trig", "--report", report)
    _no_traceback_exit_2(code, err)
    assert str(report) in err


@pytest.mark.parametrize(("option", "name"), [
    ("--curated", "no-curated"),  # not read as an empty folder
    ("--exceptions", "no-exceptions.tsv"),  # not silently ignored: it would change the text
])
def test_build_with_a_missing_input_is_an_input_error(run_cli: RunCli, tmp_path: Path, option: str,
                                                      name: str) -> None:
    missing = tmp_path / name
    code, _, err = run_cli("build", option, missing, "--output", tmp_path / "h.trig", "--report", tmp_path / "r.md")
    _no_traceback_exit_2(code, err)
    assert str(missing) in err
