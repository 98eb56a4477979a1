"""`plangraph load`, `query`, `export` and `serve` on an embedded store folder, run as a user runs them: the real
console script in a subprocess, the store named with --store or PLANGRAPH_STORE, the server asked over HTTP.

What matters here is the life of a store folder: the first command fills it with the published dataset, `load`
adds graphs next to it, a restarted server opens it as it is (no reload), and a rebuilt published dataset replaces
the published graphs on the next start without touching the loaded ones.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import requests
from rdflib import Dataset, URIRef

from conftest import RunCli, serve_process

EXTRA = "https://example.org/graph/extra"
LATER = "https://example.org/graph/later"
PLAN = "https://w3id.org/plangraph/herne/graph/plan"
LOADED_MESSAGE = "published dataset loaded"
HTTP_TIMEOUT = 30  # seconds; a guard against a hung request, not a performance assertion
SERVER_ENV = {"PLANGRAPH_QUERY_TIMEOUT": "5"}


def count_query(graph: str) -> str:
    return f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"


def write_nt(path: Path, subjects: range, label: str = "x") -> Path:
    path.write_text("".join(f'<https://example.org/item/{i}> <https://example.org/vocab#p> "{label} {i}" .\n'
                            for i in subjects), encoding="utf-8")
    return path


def broken_nt(path: Path) -> Path:
    path.write_text('<https://example.org/item/b1> <https://example.org/vocab#p> "one" .\n'
                    '<https://example.org/item/b2> <https://example.org/vocab#p> "two" .\n'
                    '<https://example.org/item/b3> <https://example.org/vocab#p> .\n'
                    '<https://example.org/item/b4> <https://example.org/vocab#p> "four" .\n', encoding="utf-8")
    return path


def published_counts(trig: Path) -> dict[str, int]:
    """The named graphs of a published TriG file and their sizes, as rdflib reads them."""
    dataset = Dataset()
    dataset.parse(trig, format="trig")
    return {str(graph.identifier): len(graph) for graph in dataset.graphs()
            if len(graph) and str(graph.identifier).startswith("http")}


def cli_count(run_cli: RunCli, store: Path, dataset: Path, graph: str) -> int:
    code, out, err = run_cli("query", "--store", store, "--dataset", dataset, count_query(graph), "--format", "csv")
    assert code == 0, err
    header, value = out.splitlines()
    assert header == "n"
    return int(value)


def store_graphs(run_cli: RunCli, store: Path, dataset: Path) -> dict[str, int]:
    code, out, err = run_cli("query", "--store", store, "--dataset", dataset,
                             "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
                             "--format", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["g", "n"]
    return {g: int(n) for g, n in rows[1:]}


def sparql_json(base_url: str, query: str) -> dict:  # type: ignore[type-arg]
    """A query to the server's /sparql, answered as SPARQL JSON."""
    response = requests.get(base_url + "sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    return response.json()  # type: ignore[no-any-return]


def http_count(base_url: str, graph: str) -> int:
    return int(sparql_json(base_url, count_query(graph))["results"]["bindings"][0]["n"]["value"])


def log_of(base_url: str, log_dir: Path) -> str:
    """What serve_process wrote to the server's log (stdout and stderr)."""
    return (log_dir / f"serve-{urlsplit(base_url).port}.log").read_text("utf-8")


def store_env(store: Path) -> dict[str, str]:
    return {"PLANGRAPH_STORE": str(store), **SERVER_ENV}


# --- load and query ------------------------------------------------------------------------------------------

def test_load_then_query_the_same_store_folder(run_cli: RunCli, dataset_file: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    data = write_nt(tmp_path / "data.nt", range(3))
    code, out, err = run_cli("load", data, "--graph", EXTRA, "--store", store,
                             env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    assert out.strip() == f"loaded 3 statements from {data} into <{EXTRA}>"
    assert LOADED_MESSAGE in err  # the empty store was filled with the published dataset first
    assert (store / "plangraph-store.json").exists() and (store / "oxigraph").is_dir()

    code, out, err = run_cli("query", "--store", store, "--dataset", dataset_file, count_query(EXTRA),
                             "--format", "csv")
    assert code == 0, err
    assert out == "n\n3\n"
    assert LOADED_MESSAGE not in err  # the second command finds the store current

    expected = published_counts(dataset_file)
    assert PLAN in expected and len(expected) >= 3
    assert store_graphs(run_cli, store, dataset_file) == {**expected, EXTRA: 3}


def test_the_store_can_be_named_by_plangraph_store(run_cli: RunCli, dataset_file: Path, tmp_path: Path) -> None:
    store = tmp_path / "from-env"
    env = {"PLANGRAPH_STORE": str(store), "PLANGRAPH_DATASET": str(dataset_file)}
    first, second = write_nt(tmp_path / "a.nt", range(2)), write_nt(tmp_path / "b.nt", range(10, 15))
    code, out, err = run_cli("load", first, second, "--graph", EXTRA, env=env)
    assert code == 0, err
    assert out.splitlines() == [f"loaded 2 statements from {first} into <{EXTRA}>",
                                f"loaded 5 statements from {second} into <{EXTRA}>"]
    code, out, err = run_cli("query", count_query(EXTRA), "--format", "json", env=env)
    assert code == 0, err
    assert '"value": "7"' in out


def test_a_quad_file_keeps_its_graphs_and_a_triple_file_needs_a_graph(run_cli: RunCli, dataset_file: Path,
                                                                      tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {"PLANGRAPH_DATASET": str(dataset_file)}
    trig = tmp_path / "two.trig"
    trig.write_text(f'<{EXTRA}> {{ <https://example.org/a> <https://example.org/vocab#p> 1 , 2 . }}\n'
                    f'<{LATER}> {{ <https://example.org/b> <https://example.org/vocab#p> 3 . }}\n', encoding="utf-8")
    code, out, err = run_cli("load", trig, "--store", store, env=env)
    assert code == 0, err
    assert out.strip() == f"loaded 3 statements from {trig}"
    assert cli_count(run_cli, store, dataset_file, EXTRA) == 2
    assert cli_count(run_cli, store, dataset_file, LATER) == 1

    code, out, err = run_cli("load", write_nt(tmp_path / "plain.nt", range(4)), "--store", store, env=env)
    assert code == 2
    assert "--graph" in err and err.startswith("plangraph: error:")
    assert out == ""
    code, out, err = run_cli("load", tmp_path / "plain.nt", "--graph", "not-an-iri", "--store", store, env=env)
    assert code == 2
    assert "not an absolute IRI" in err and "--graph" in err
    graphs = store_graphs(run_cli, store, dataset_file)
    assert graphs[EXTRA] == 2 and graphs[LATER] == 1
    assert sum(graphs.values()) == sum(published_counts(dataset_file).values()) + 3


def test_a_broken_file_exits_2_names_file_and_line_and_loads_nothing(run_cli: RunCli, dataset_file: Path,
                                                                     tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {"PLANGRAPH_DATASET": str(dataset_file)}
    code, _, err = run_cli("load", write_nt(tmp_path / "good.nt", range(3)), "--graph", EXTRA, "--store", store,
                           env=env)
    assert code == 0, err
    before = store_graphs(run_cli, store, dataset_file)

    broken = broken_nt(tmp_path / "broken.nt")
    code, out, err = run_cli("load", broken, "--graph", EXTRA, "--store", store, env=env)
    assert code == 2
    assert err.startswith("plangraph: error:")
    assert str(broken) in err
    assert "line 3" in err
    assert "Traceback" not in err
    assert out == ""
    assert cli_count(run_cli, store, dataset_file, EXTRA) == 3  # not even the two good lines before the error
    assert store_graphs(run_cli, store, dataset_file) == before


def test_export_gives_the_published_and_the_loaded_graphs(run_cli: RunCli, dataset_file: Path,
                                                          tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {"PLANGRAPH_DATASET": str(dataset_file)}
    code, _, err = run_cli("load", write_nt(tmp_path / "data.nt", range(4)), "--graph", EXTRA, "--store", store,
                           env=env)
    assert code == 0, err
    code, out, err = run_cli("export", "--store", store, "--dataset", dataset_file, "--format", "nq")
    assert code == 0, err
    exported = Dataset()
    exported.parse(data=out, format="nquads")
    counts = {str(graph.identifier): len(graph) for graph in exported.graphs() if len(graph)}
    assert counts == {**published_counts(dataset_file), EXTRA: 4}
    assert (URIRef("https://example.org/item/2"), URIRef("https://example.org/vocab#p"), None) in \
        exported.graph(URIRef(EXTRA))


# --- serve on a store folder ---------------------------------------------------------------------------------

def test_load_while_the_server_holds_the_store_is_refused(run_cli: RunCli, dataset_file: Path,
                                                          tmp_path: Path) -> None:
    store = tmp_path / "store"
    data = write_nt(tmp_path / "data.nt", range(3))
    with serve_process(dataset_file, tmp_path, store_env(store)):
        code, out, err = run_cli("load", data, "--graph", EXTRA, "--store", store,
                                 env={"PLANGRAPH_DATASET": str(dataset_file)})
        assert code == 2
        assert "cannot open the store" in err and "has it open" in err
        assert str(store) in err
        assert "Traceback" not in err and out == ""
    code, out, err = run_cli("load", data, "--graph", EXTRA, "--store", store,
                             env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    assert LOADED_MESSAGE not in err  # the server had filled the store already


def test_serve_survives_a_restart_without_reloading(run_cli: RunCli, dataset_file: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {"PLANGRAPH_DATASET": str(dataset_file)}
    published = published_counts(dataset_file)

    with serve_process(dataset_file, tmp_path, store_env(store)) as (url, _):
        assert http_count(url, PLAN) == published[PLAN]
    first_log = log_of(url, tmp_path)
    assert LOADED_MESSAGE in first_log

    code, out, err = run_cli("load", write_nt(tmp_path / "extra.nt", range(3)), "--graph", EXTRA, "--store", store,
                             env=env)
    assert code == 0, err
    assert out.startswith("loaded 3 statements")
    assert LOADED_MESSAGE not in err

    with serve_process(dataset_file, tmp_path, store_env(store)) as (url, _):
        assert http_count(url, EXTRA) == 3
        assert http_count(url, PLAN) == published[PLAN]
    second_log = log_of(url, tmp_path)
    assert LOADED_MESSAGE not in second_log
    assert f"serving embedded Oxigraph store in {store}" in second_log

    # a graph loaded while the server is stopped is there after the next start, next to the earlier one
    code, _, err = run_cli("load", write_nt(tmp_path / "later.nt", range(100, 105), "later"), "--graph", LATER,
                           "--store", store, env=env)
    assert code == 0, err
    with serve_process(dataset_file, tmp_path, store_env(store)) as (url, _):
        assert http_count(url, LATER) == 5
        assert http_count(url, EXTRA) == 3
        rows = sparql_json(url, f'SELECT ?o WHERE {{ GRAPH <{LATER}> {{ <https://example.org/item/102> ?p ?o }} }}')
        assert [row["o"]["value"] for row in rows["results"]["bindings"]] == ["later 102"]
    assert LOADED_MESSAGE not in log_of(url, tmp_path)


def test_a_rebuilt_published_dataset_is_taken_on_the_next_start(run_cli: RunCli, dataset_file: Path,
                                                                tmp_path: Path) -> None:
    store = tmp_path / "store"
    published = tmp_path / "herne.trig"
    shutil.copyfile(dataset_file, published)
    before = published_counts(published)

    with serve_process(published, tmp_path, store_env(store)) as (url, _):
        assert http_count(url, PLAN) == before[PLAN]
    assert LOADED_MESSAGE in log_of(url, tmp_path)
    code, _, err = run_cli("load", write_nt(tmp_path / "extra.nt", range(3)), "--graph", EXTRA, "--store", store,
                           env={"PLANGRAPH_DATASET": str(published)})
    assert code == 0, err

    with published.open("a", encoding="utf-8") as trig:  # a rebuild that adds a triple to the plan graph
        trig.write(f'\n<{PLAN}> {{ <https://example.org/rebuilt> <https://example.org/vocab#p> "neu"@de . }}\n')
    assert published_counts(published)[PLAN] == before[PLAN] + 1

    with serve_process(published, tmp_path, store_env(store)) as (url, _):
        new = sparql_json(url, f'ASK {{ GRAPH <{PLAN}> {{ <https://example.org/rebuilt> ?p "neu"@de }} }}')
        assert new["boolean"] is True
        assert http_count(url, PLAN) == before[PLAN] + 1  # replaced, not added twice
        assert http_count(url, EXTRA) == 3
        for graph, size in before.items():
            if graph != PLAN:
                assert http_count(url, graph) == size
    assert LOADED_MESSAGE in log_of(url, tmp_path)

    # and the start after that finds it current again
    with serve_process(published, tmp_path, store_env(store)) as (url, _):
        assert http_count(url, PLAN) == before[PLAN] + 1
    assert LOADED_MESSAGE not in log_of(url, tmp_path)


def test_a_graph_dropped_from_the_published_dataset_goes(run_cli: RunCli, dataset_file: Path, tmp_path: Path) -> None:
    """A rebuild without one of the published graphs drops it from the store (and keeps the loaded ones)."""
    graph = PLAN
    store = tmp_path / "store"
    published = tmp_path / "herne.trig"
    shutil.copyfile(dataset_file, published)
    env = {"PLANGRAPH_DATASET": str(published)}
    code, _, err = run_cli("load", write_nt(tmp_path / "extra.nt", range(3)), "--graph", EXTRA, "--store", store,
                           env=env)
    assert code == 0, err
    assert graph in store_graphs(run_cli, store, published)

    full = Dataset()
    full.parse(published, format="trig")
    full.remove_graph(full.graph(URIRef(graph)))
    published.write_text(full.serialize(format="trig"), encoding="utf-8")

    code, out, err = run_cli("query", "--store", store, "--dataset", published, count_query(EXTRA), "--format", "csv")
    assert code == 0, err
    assert out == "n\n3\n"
    assert LOADED_MESSAGE in err
    graphs = store_graphs(run_cli, store, published)
    assert graph not in graphs
    assert graphs[EXTRA] == 3
    assert {g: n for g, n in graphs.items() if g != EXTRA} == published_counts(published)
