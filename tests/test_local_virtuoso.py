"""The scratch Virtuoso of scripts/local_virtuoso.py: it starts on loopback, answers SPARQL, takes updates and stops.

These tests need Debian's virtuoso-opensource (CI installs it with `scripts/install-system-deps.sh test`); without it
they fail, on purpose, rather than skip.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests
from SPARQLWrapper import JSON, SPARQLWrapper

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "local_virtuoso.py"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}
HTTP_TIMEOUT = 30  # seconds; a guard against a hung request, not a performance assertion


def _load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("local_virtuoso", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = sys.modules.setdefault("local_virtuoso", importlib.util.module_from_spec(spec))
    if not hasattr(module, "LocalVirtuoso"):
        spec.loader.exec_module(module)
    return module


lv: Any = _load_module()  # scripts/ is no package: the module is loaded by its path


def _require_virtuoso() -> None:
    if not lv.available():
        pytest.fail("Virtuoso (virtuoso-t, isql-vt) is not installed: run `bash scripts/install-system-deps.sh test` "
                    "as root (it installs Debian's virtuoso-opensource)", pytrace=False)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require_virtuoso()
    with lv.LocalVirtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def _select(server: Any, query: str) -> list[dict[str, dict[str, str]]]:
    response = requests.get(server.sparql_url, params={"query": query},
                            headers=JSON_RESULTS, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def test_listens_on_loopback_only(virtuoso: Any) -> None:
    assert virtuoso.sparql_url.startswith("http://127.0.0.1:")
    ini = virtuoso.ini_path.read_text()
    assert f"ServerPort               = 127.0.0.1:{virtuoso.sql_port}" in ini
    assert f"ServerPort                  = 127.0.0.1:{virtuoso.http_port}" in ini


def test_select_json_through_sparqlwrapper(virtuoso: Any) -> None:
    client = SPARQLWrapper(virtuoso.sparql_url)
    client.setReturnFormat(JSON)
    client.setQuery('SELECT ?x ?label WHERE { BIND(42 AS ?x) BIND("Radweg"@de AS ?label) }')
    results = client.queryAndConvert()
    assert isinstance(results, dict), results
    bindings = results["results"]["bindings"]
    assert bindings[0]["x"]["value"] == "42"
    assert bindings[0]["x"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert bindings[0]["label"] == {"type": "literal", "xml:lang": "de", "value": "Radweg"}


def test_insert_data_into_a_named_graph_then_query_it(virtuoso: Any) -> None:
    graph = "https://example.org/graph/insert"
    update = ("PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
              f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:m:1> <urn:p:titel> \"Maßnahme 1\"@de ; "
              "<urn:p:jahr> \"2024\"^^xsd:gYear . } }")
    response = requests.post(virtuoso.update_url, data={"update": update},
                             headers=JSON_RESULTS, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    rows = _select(virtuoso, f"SELECT ?p ?o WHERE {{ GRAPH <{graph}> {{ <urn:m:1> ?p ?o }} }} ORDER BY ?p")
    assert [(r["p"]["value"], r["o"]["value"]) for r in rows] == [("urn:p:jahr", "2024"), ("urn:p:titel", "Maßnahme 1")]
    assert rows[0]["o"]["datatype"] == "http://www.w3.org/2001/XMLSchema#gYear"
    # a Virtuoso quirk the remote store relies on knowing: DROP GRAPH wants CREATE GRAPH first, DROP SILENT does not
    plain = requests.post(virtuoso.update_url, data={"update": f"DROP GRAPH <{graph}>"},
                          timeout=HTTP_TIMEOUT)
    assert plain.status_code == 500
    silent = requests.post(virtuoso.update_url,
                           data={"update": f"DROP SILENT GRAPH <{graph}>"}, timeout=HTTP_TIMEOUT)
    assert silent.status_code == 200
    assert _select(virtuoso, f"SELECT * WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == []


def test_graph_store_protocol_put_then_get(virtuoso: Any) -> None:
    assert virtuoso.gsp_url is not None, "the Graph Store endpoint should be open to anonymous clients"
    params = {"graph": "https://example.org/graph/gsp"}
    turtle = '@prefix ex: <urn:ex:> .\nex:a ex:p "ä"@de ; ex:q [ ex:r 5 ] .\n'
    put = requests.put(virtuoso.gsp_url, params=params, data=turtle.encode(),
                       headers={"Content-Type": "text/turtle"}, timeout=HTTP_TIMEOUT)
    assert put.status_code in (200, 201), put.text
    got = requests.get(virtuoso.gsp_url, params=params,
                       headers={"Accept": "application/n-triples"}, timeout=HTTP_TIMEOUT)
    assert got.status_code == 200
    lines = sorted(got.text.splitlines())
    assert len(lines) == 3
    assert '<urn:ex:a>\t<urn:ex:p>\t"\\u00E4"@de .' in lines
    deleted = requests.delete(virtuoso.gsp_url, params=params, timeout=HTTP_TIMEOUT)
    assert deleted.status_code == 200
    assert requests.get(virtuoso.gsp_url, params=params, timeout=HTTP_TIMEOUT).status_code == 404


def test_bulk_load(virtuoso: Any, tmp_path: Path) -> None:
    source = tmp_path / "plan.nt"
    source.write_text("".join(f'<urn:m:{i}> <urn:p:nr> "{i}" .\n' for i in range(1000)), encoding="utf-8")
    virtuoso.bulk_load(source, "https://example.org/graph/bulk")
    rows = _select(virtuoso, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://example.org/graph/bulk> { ?s ?p ?o } }")
    assert rows[0]["n"]["value"] == "1000"
    broken = tmp_path / "broken.nt"
    broken.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    with pytest.raises(lv.VirtuosoError, match="SP029"):
        virtuoso.bulk_load(broken, "https://example.org/graph/broken")


def test_stop_ends_the_process(tmp_path: Path) -> None:
    _require_virtuoso()
    server = lv.LocalVirtuoso(tmp_path / "db")
    with server:
        pid, port = server.pid, server.http_port
        assert server.running()
        assert "Virtuoso" in server.isql("SELECT sys_stat ('st_dbms_name');")
    assert not server.running()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "nothing listens on the HTTP port any more"
    server.stop()  # a second stop is harmless
