"""The `plangraph` command as users run it: the installed console script in a subprocess.

Exit codes are the contract: 0 ok (conforms), 1 does not conform, 2 input that cannot be read.
Every test reads the session's fresh build (`--dataset`), never the committed data/.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, SH

from conftest import CLI_DATA, RunCli
from plangraph.cli import main as cli_group
from plangraph.dataset import load_dataset, union
from plangraph.formats import RDF_FORMATS, RdfFormat
from plangraph.namespaces import PG
from plangraph.settings import SETTINGS

ENV_VARS = [s.env for s in SETTINGS]
SUBCOMMANDS = sorted(cli_group.commands)
MEASURES_QUERY = """PREFIX pg: <https://w3id.org/plangraph/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?measure ?notation WHERE { ?measure a pg:Measure ; skos:notation ?notation } ORDER BY ?notation
"""
ALL_NOTATIONS = ["A1.1", "A2.1", "A3.1", "A3.2", "B1.1", "B2.1", "B2.2", "B2.3", "B3.1"]
LOCATION = re.compile(r"line (\d+), column (\d+)")


# --- help ---------------------------------------------------------------------------------------

def test_top_level_help_lists_commands_and_settings(run_cli: RunCli) -> None:
    code, out, err = run_cli("--help")
    assert code == 0, err
    for command in ("build", "validate", "export", "query", "serve"):
        assert command in out
    for env in ENV_VARS:
        assert env in out


def test_the_cli_has_the_commands_of_the_design() -> None:
    assert {"build", "validate", "export", "query", "serve"} <= set(SUBCOMMANDS)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_command_has_help_with_the_settings(run_cli: RunCli, command: str) -> None:
    code, out, err = run_cli(command, "--help")
    assert code == 0, err
    assert f"Usage: plangraph {command}" in out
    for env in ENV_VARS:
        assert env in out, f"`plangraph {command} --help` does not mention {env}"


def test_unknown_command_fails(run_cli: RunCli) -> None:
    code, _, err = run_cli("no-such-command")
    assert code != 0
    assert "no-such-command" in err


# --- export -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def published(dataset_file: Path) -> Dataset:
    return load_dataset(dataset_file)


def _quads(dataset: Dataset) -> set[tuple[object, object, object, object]]:
    return {(s, p, o, g.identifier if isinstance(g, Graph) else g)
            for s, p, o, g in dataset.quads((None, None, None, None))}


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[f.name for f in RDF_FORMATS])
def test_export_parses_back_to_the_same_data(run_cli: RunCli, dataset_file: Path, published: Dataset,
                                             fmt: RdfFormat) -> None:
    code, out, err = run_cli("export", "--format", fmt.name, "--dataset", dataset_file)
    assert code == 0, err
    assert out.strip()
    expected_union = union(published)
    if fmt.quads:
        parsed = Dataset()
        parsed.parse(data=out, format=fmt.rdflib)
        assert len(_quads(parsed)) == len(_quads(published))
        assert _quads(parsed) == _quads(published)
    else:
        parsed_graph = Graph().parse(data=out, format=fmt.rdflib)
        assert len(parsed_graph) == len(expected_union)
        assert set(parsed_graph) == set(expected_union)


def test_export_nquads_has_the_plan_in_correct_german(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("export", "--format", "nq", "--dataset", dataset_file)
    assert code == 0, err
    parsed = Dataset()
    parsed.parse(data=out, format="nquads")

    def instances(cls: URIRef) -> set[object]:
        return {s for s, _, _, _ in parsed.quads((None, RDF.type, cls, None))}

    assert len(instances(PG.Measure)) == 9
    assert len(instances(PG.GuidingGoal)) == 2
    assert len(instances(PG.ActionGoal)) == 6
    for text in ("Flüchtlingsunterkünften", "Maßnahme A1.1", "Wohnungsführerschein", "gewährleistet"):
        assert text in out
    for ocr in ("Fliichtlingsunterkinften", "MaBnahme", "fiir "):
        assert ocr not in out
    graphs = {g for _, _, _, g in parsed.quads((None, None, None, None))}
    graph_names = {str(g.identifier if isinstance(g, Graph) else g) for g in graphs}
    assert graph_names == {"https://w3id.org/plangraph/herne/graph/plan",
                           "https://w3id.org/plangraph/herne/graph/curated",
                           "https://w3id.org/plangraph/def"}


def test_export_rejects_an_unknown_format(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("export", "--format", "yaml", "--dataset", dataset_file)
    assert code == 2
    assert out == ""
    assert "yaml" in err


def test_export_of_a_missing_dataset_says_run_build(run_cli: RunCli, tmp_path: Path) -> None:
    missing = tmp_path / "nothing.trig"
    code, out, err = run_cli("export", "--dataset", missing)
    assert code == 2
    assert out == ""
    assert str(missing) in err
    assert "plangraph build" in err


def test_export_reads_the_dataset_setting_from_the_environment(run_cli: RunCli, dataset_file: Path,
                                                               tmp_path: Path) -> None:
    code, out, err = run_cli("export", "--format", "nt", env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    assert "Maßnahme B3.1" in out
    code, _, err = run_cli("export", env={"PLANGRAPH_DATASET": str(tmp_path / "gone.trig")})
    assert code == 2
    assert "gone.trig" in err


# --- validate -----------------------------------------------------------------------------------

def test_validate_a_conforming_new_measure(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("validate", CLI_DATA / "new-measure-valid.ttl", "--dataset", dataset_file)
    assert code == 0, out + err
    assert "Konform" in out
    code, out, err = run_cli("validate", "--lang", "en", CLI_DATA / "new-measure-valid.ttl",
                             "--dataset", dataset_file)
    assert code == 0, out + err
    assert "Conforms" in out


BROKEN_DE = [
    "Die Nummer der Maßnahme (B1.5) passt nicht zu ihrem Handlungsziel (A1): sie muss mit „A1.“ beginnen.",
    "Eine Maßnahme braucht genau eine Beschreibung auf Deutsch (dcterms:description mit @de)",
]
BROKEN_EN = [
    "The measure's number (B1.5) does not match its action goal (A1): it must start with \"A1.\".",
    "A measure needs exactly one description in German (dcterms:description with @de)",
]


def test_validate_a_broken_entry_in_german(run_cli: RunCli, dataset_file: Path) -> None:
    entry = CLI_DATA / "new-measure-broken.ttl"
    code, out, err = run_cli("validate", entry, "--dataset", dataset_file)
    assert code == 1, out + err
    assert "2 Problem(e) gefunden." in out
    assert str(entry) in out
    assert out.count("- Verstoß: ") == 2
    for message in BROKEN_DE:
        assert message in out
    for message in BROKEN_EN:
        assert message not in out
    assert "wohnen-und-stadtentwicklung/massnahme/A1-5" in out


def test_validate_a_broken_entry_in_english(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("validate", "--lang", "en", CLI_DATA / "new-measure-broken.ttl",
                             "--dataset", dataset_file)
    assert code == 1, out + err
    assert "2 problem(s) found." in out
    assert out.count("- Violation: ") == 2
    for message in BROKEN_EN:
        assert message in out
    for message in BROKEN_DE:
        assert message not in out


def test_validate_json_report(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("validate", "--format", "json", CLI_DATA / "new-measure-broken.ttl",
                             "--dataset", dataset_file)
    assert code == 1, err
    report = json.loads(out)
    assert report["conforms"] is False
    assert len(report["results"]) == 2
    for result in report["results"]:
        assert result["focusNode"] == "https://w3id.org/plangraph/herne/wohnen-und-stadtentwicklung/massnahme/A1-5"
        assert result["severity"] == "Violation"
        assert result["message"]["de"] and result["message"]["en"]
        assert "path" in result
    paths = {r["path"] for r in report["results"]}
    assert paths == {None, "http://purl.org/dc/terms/description"}
    german = {r["message"]["de"] for r in report["results"]}
    english = {r["message"]["en"] for r in report["results"]}
    assert any(m.startswith(BROKEN_DE[0]) for m in german)
    assert any(m.startswith(BROKEN_EN[1]) for m in english)


def test_validate_json_report_of_a_conforming_entry(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("validate", "--format", "json", CLI_DATA / "new-measure-valid.ttl",
                             "--dataset", dataset_file)
    assert code == 0, err
    assert json.loads(out) == {"conforms": True, "results": []}


def test_validate_json_with_several_files_is_one_json_document(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, _ = run_cli("validate", "--format", "json", CLI_DATA / "new-measure-valid.ttl",
                           CLI_DATA / "new-measure-broken.ttl", "--dataset", dataset_file)
    assert code == 1
    json.loads(out)


def test_validate_turtle_report(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("validate", "--format", "turtle", CLI_DATA / "new-measure-broken.ttl",
                             "--dataset", dataset_file)
    assert code == 1, err
    report = Graph().parse(data=out, format="turtle")
    roots = list(report.subjects(RDF.type, SH.ValidationReport))
    assert len(roots) == 1
    assert len(list(report.objects(roots[0], SH.result))) == 2
    assert report.value(roots[0], SH.conforms).toPython() is False
    languages = {m.language for m in report.objects(None, SH.resultMessage)}
    assert languages == {"de", "en"}


def test_validate_several_files_fails_when_one_does_not_conform(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("validate", CLI_DATA / "new-measure-valid.ttl",
                             CLI_DATA / "new-measure-broken.ttl", "--dataset", dataset_file)
    assert code == 1, err
    assert "Konform" in out
    assert "2 Problem(e) gefunden." in out


def test_validate_duplicate_notation(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("validate", CLI_DATA / "new-measure-duplicate.ttl", "--dataset", dataset_file)
    assert code == 1, out + err
    assert "Die Nummer der Maßnahme (A1.1) ist im selben Handlungsfeld schon vergeben" in out
    assert "wohnen-und-stadtentwicklung/massnahme/A1-1)" in out  # names the measure that has the number
    code, out, _ = run_cli("validate", "--lang", "en", CLI_DATA / "new-measure-duplicate.ttl",
                           "--dataset", dataset_file)
    assert code == 1
    assert "The measure's number (A1.1) is already used in the same field of action" in out


def test_validate_broken_turtle(run_cli: RunCli, dataset_file: Path) -> None:
    entry = CLI_DATA / "broken-syntax.ttl"
    code, out, err = run_cli("validate", entry, "--dataset", dataset_file)
    assert code == 2
    assert out == ""
    assert str(entry) in err
    location = LOCATION.search(err)
    assert location is not None, err
    assert (int(location.group(1)), int(location.group(2))) == (6, 5)  # `skos:prefLabel` after a missing ';'
    assert "Traceback" not in err


def test_validate_broken_jsonld(run_cli: RunCli, dataset_file: Path) -> None:
    entry = CLI_DATA / "broken-syntax.jsonld"
    code, out, err = run_cli("validate", entry, "--dataset", dataset_file)
    assert code == 2
    assert out == ""
    assert str(entry) in err
    assert "line 5" in err  # the '}' after a trailing comma
    assert "Traceback" not in err


def test_validate_unknown_file(run_cli: RunCli, dataset_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.ttl"
    code, out, err = run_cli("validate", missing, "--dataset", dataset_file)
    assert code == 2
    assert out == ""
    assert str(missing) in err
    assert "no such file" in err


def test_validate_unknown_suffix(run_cli: RunCli, dataset_file: Path) -> None:
    entry = CLI_DATA / "entry.txt"
    code, out, err = run_cli("validate", entry, "--dataset", dataset_file)
    assert code == 2
    assert out == ""
    assert str(entry) in err
    assert "unknown RDF file type" in err


def test_validate_reports_nothing_when_one_file_is_unreadable(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("validate", CLI_DATA / "new-measure-valid.ttl", CLI_DATA / "broken-syntax.ttl",
                             "--dataset", dataset_file)
    assert code == 2
    assert out == ""  # every file is read before any is validated
    assert "broken-syntax.ttl" in err


# --- query --------------------------------------------------------------------------------------

def test_query_select_table(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("query", MEASURES_QUERY, "--dataset", dataset_file)
    assert code == 0, err
    lines = out.splitlines()
    assert [cell.strip() for cell in lines[1].strip("|").split("|")] == ["measure", "notation"]
    assert lines[-1] == "9 row(s)"
    assert [n for n in ALL_NOTATIONS if f"| {n} " in out] == ALL_NOTATIONS


def test_query_select_csv(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("query", MEASURES_QUERY, "--format", "csv", "--dataset", dataset_file)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["measure", "notation"]
    assert [r[1] for r in rows[1:]] == ALL_NOTATIONS
    assert rows[1][0] == "https://w3id.org/plangraph/herne/wohnen-und-stadtentwicklung/massnahme/A1-1"


def test_query_select_json(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("query", MEASURES_QUERY, "--format", "json", "--dataset", dataset_file)
    assert code == 0, err
    result = json.loads(out)
    assert result["head"]["vars"] == ["measure", "notation"]
    bindings = result["results"]["bindings"]
    assert [b["notation"]["value"] for b in bindings] == ALL_NOTATIONS
    assert bindings[0]["measure"]["type"] == "uri"


def test_query_select_german_text_round_trips(run_cli: RunCli, dataset_file: Path) -> None:
    query = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?label WHERE { ?m rdfs:label ?label FILTER(STR(?label) = "Maßnahme B2.1") }"""
    code, out, err = run_cli("query", query, "--format", "csv", "--dataset", dataset_file)
    assert code == 0, err
    assert list(csv.reader(io.StringIO(out))) == [["label"], ["Maßnahme B2.1"]]


@pytest.mark.parametrize(("query", "fmt", "expected"), [
    ("PREFIX pg: <https://w3id.org/plangraph/def#> ASK { ?m a pg:Measure }", "table", "true\n"),
    ("PREFIX pg: <https://w3id.org/plangraph/def#> ASK { ?m a pg:NoSuchClass }", "table", "false\n"),
])
def test_query_ask(run_cli: RunCli, dataset_file: Path, query: str, fmt: str, expected: str) -> None:
    code, out, err = run_cli("query", query, "--format", fmt, "--dataset", dataset_file)
    assert code == 0, err
    assert out == expected


def test_query_ask_json(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("query", "ASK { ?s ?p ?o }", "--format", "json", "--dataset", dataset_file)
    assert code == 0, err
    assert json.loads(out)["boolean"] is True


def test_query_construct_gives_turtle(run_cli: RunCli, dataset_file: Path) -> None:
    query = """PREFIX pg: <https://w3id.org/plangraph/def#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    CONSTRUCT { ?m skos:notation ?n } WHERE { ?m a pg:Measure ; skos:notation ?n }"""
    code, out, err = run_cli("query", query, "--dataset", dataset_file)
    assert code == 0, err
    graph = Graph().parse(data=out, format="turtle")
    assert len(graph) == 9
    assert sorted(str(o) for o in graph.objects()) == ALL_NOTATIONS


def test_query_malformed(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("query", "SELECT ?x\nWHERE { ?x ?y \n", "--dataset", dataset_file)
    assert code == 2
    assert out == ""
    assert "SPARQL syntax error" in err
    assert LOCATION.search(err) is not None, err
    assert "Traceback" not in err


def test_query_with_an_undeclared_prefix(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("query", "SELECT ?x WHERE { ?x nope:p ?y }", "--dataset", dataset_file)
    assert code == 2
    assert out == ""
    assert "nope" in err
    assert "Traceback" not in err


def test_query_from_a_file(run_cli: RunCli, dataset_file: Path, tmp_path: Path) -> None:
    query_file = tmp_path / "measures.rq"
    query_file.write_text(MEASURES_QUERY, encoding="utf-8")
    code, out, err = run_cli("query", "--file", query_file, "--format", "csv", "--dataset", dataset_file)
    assert code == 0, err
    assert [r[1] for r in list(csv.reader(io.StringIO(out)))[1:]] == ALL_NOTATIONS


def test_query_from_standard_input(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("query", "--file", "-", "--format", "csv", "--dataset", dataset_file,
                             input=MEASURES_QUERY)
    assert code == 0, err
    assert len(list(csv.reader(io.StringIO(out)))) == 10


def test_query_from_a_missing_file(run_cli: RunCli, dataset_file: Path, tmp_path: Path) -> None:
    missing = tmp_path / "none.rq"
    code, out, err = run_cli("query", "--file", missing, "--dataset", dataset_file)
    assert code == 2
    assert out == ""
    assert str(missing) in err


def test_query_without_a_query(run_cli: RunCli, dataset_file: Path) -> None:
    code, out, err = run_cli("query", "--dataset", dataset_file)
    assert code == 2
    assert out == ""
    assert "give a query" in err


def test_serve_with_a_port_that_is_not_a_number(run_cli: RunCli, dataset_file: Path) -> None:
    code, _, err = run_cli("serve", "--port", "abc", "--dataset", dataset_file)
    assert "Traceback" not in err, err
    assert code == 2
    assert "abc" in err
