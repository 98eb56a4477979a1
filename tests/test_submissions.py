"""/api/submissions and `plangraph submit`, tried as a data steward would: a real `plangraph serve` process on
the embedded store, real HTTP requests, a tokens file holding only SHA-256 digests.

Each test works on its own dates, keys or measures, so that the tests of the module share one server."""

from __future__ import annotations

import hashlib
import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef

from conftest import run_plangraph, serve_process

BASE = "https://w3id.org/plangraph/herne/"
MEASURE = f"{BASE}wohnen-und-stadtentwicklung/massnahme/B2-2"
OTHER_MEASURE = f"{BASE}wohnen-und-stadtentwicklung/massnahme/A1-1"
PREFIXES = """@prefix pg: <https://w3id.org/plangraph/def#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
TOKEN = "steward-token-for-tests-0123456789"
OTHER_TOKEN = "another-steward-token-9876543210"
TURTLE = {"Content-Type": "text/turtle; charset=utf-8", "Accept": "application/json"}


def status_report(date: str, text: str, measure: str = MEASURE, fragment: str | None = None,
                  status: str = "pg:StatusInProgress") -> str:
    node = f"{measure}#{fragment or 'status-' + date}"
    return PREFIXES + f"""
<{node}> a pg:StatusReport ;
    pg:statusOf <{measure}> ;
    dcterms:date "{date}"^^xsd:date ;
    adms:status {status} ;
    pg:statusText "{text}"@de .
"""


def auth(token: str = TOKEN) -> dict[str, str]:
    return {**TURTLE, "Authorization": f"Bearer {token}"}


def sparql(url: str, query: str) -> list[dict[str, str]]:
    response = requests.get(url + "sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def reports_of(url: str, measure: str = MEASURE) -> list[dict[str, str]]:
    return sparql(url, f"""PREFIX pg: <https://w3id.org/plangraph/def#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?r ?date ?text WHERE {{ ?r pg:statusOf <{measure}> ; dcterms:date ?date ; pg:statusText ?text }}
        ORDER BY ?date ?r""")


@pytest.fixture(scope="module")
def tokens_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tokens") / "tokens.txt"
    path.write_text(f"# holder, a space, SHA-256 of the token\n"
                    f"Fachbereich Soziales {hashlib.sha256(TOKEN.encode()).hexdigest()}\n"
                    f"Fachbereich Umwelt {hashlib.sha256(OTHER_TOKEN.encode()).hexdigest()}\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("submissions-store") / "store"


@pytest.fixture(scope="module")
def server(dataset_file: Path, tokens_file: Path, store_dir: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"PLANGRAPH_TOKENS_FILE": str(tokens_file), "PLANGRAPH_STORE": str(store_dir)}
    with serve_process(dataset_file, tmp_path_factory.mktemp("serve"), env) as (url, _):
        yield url


# --- access -----------------------------------------------------------------------------------------------

def test_without_a_tokens_file_writes_are_off(dataset_file: Path, tmp_path: Path) -> None:
    with serve_process(dataset_file, tmp_path) as (url, _):
        response = requests.post(url + "api/submissions", data=status_report("2024-01-01", "Text").encode(),
                                 headers=auth(), timeout=30)
    assert response.status_code == 403
    assert "writes are off" in response.json()["message"]
    assert "PLANGRAPH_TOKENS_FILE" in response.json()["message"]


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer", "Bearer " + "x" * 2000])
def test_a_missing_or_wrong_token_is_401_and_stores_nothing(server: str, header: str | None) -> None:
    before = reports_of(server)
    headers = dict(TURTLE)
    if header is not None:
        headers["Authorization"] = header
    response = requests.post(server + "api/submissions", data=status_report("2024-02-02", "Nein").encode(),
                             headers=headers, timeout=30)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.json()["message"].lower()
    assert reports_of(server) == before


# --- a status report ----------------------------------------------------------------------------------------

def test_a_status_report_is_stored_with_provenance_and_shown_at_once(server: str) -> None:
    old_page = requests.get(server + "wohnen-und-stadtentwicklung/massnahme/B2-2", timeout=30).text
    text = "Im Jahr 2025 wurden 118 Haushalte in privaten Wohnraum vermittelt."
    response = requests.post(server + "api/submissions", data=status_report("2025-12-31", text).encode("utf-8"),
                             headers=auth(), timeout=30)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["kind"] == "status" and receipt["holder"] == "Fachbereich Soziales" and receipt["created"]
    report = f"{MEASURE}#status-2025-12-31"
    assert receipt["entities"] == [report]
    assert response.headers["Location"].startswith(server + "einreichung/")

    # SPARQL: the report, who gave it and when
    rows = sparql(server, f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?who ?at ?activity WHERE {{ <{report}> prov:wasAttributedTo ?agent ; prov:generatedAtTime ?at ;
        prov:wasGeneratedBy ?activity . ?agent rdfs:label ?who }}""")
    assert rows and rows[0]["who"] == "Fachbereich Soziales"
    assert rows[0]["activity"] == receipt["submission"]

    # the page: the new status on top, the plan's own status still in the history
    page = requests.get(server + "wohnen-und-stadtentwicklung/massnahme/B2-2", timeout=30).text
    assert text in page and "Verlauf des Umsetzungsstands" in page and "Stand laut Integrationskonzept" in page
    assert "Ab August 2015 wurde durch die Einführung des Wohnungsmanagements" in page  # the plan's status
    assert "Verlauf des Umsetzungsstands" not in old_page

    # the dump
    dump = requests.get(server + "downloads/herne.nq", timeout=60)
    assert dump.status_code == 200
    assert text in dump.text


def test_a_second_report_never_overwrites_and_sparql_gives_the_status_at_any_date(server: str) -> None:
    measure = OTHER_MEASURE
    for date, text in (("2023-03-01", "Erster Bericht 2023."), ("2024-03-01", "Zweiter Bericht 2024."),
                       ("2024-03-01", "Noch ein Bericht am selben Tag.")):
        response = requests.post(server + "api/submissions", data=status_report(date, text, measure).encode(),
                                 headers=auth(), timeout=30)
        assert response.status_code == 201, response.text
    rows = reports_of(server, measure)
    assert [r["text"] for r in rows if r["date"] == "2023-03-01"] == ["Erster Bericht 2023."]
    same_day = sorted(r["r"] for r in rows if r["date"] == "2024-03-01")
    assert same_day == [f"{measure}#status-2024-03-01", f"{measure}#status-2024-03-01-2"]

    def status_at(day: str) -> list[dict[str, str]]:
        return sparql(server, f"""PREFIX pg: <https://w3id.org/plangraph/def#>
            PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
            SELECT ?text WHERE {{ ?r pg:statusOf <{measure}> ; dcterms:date ?d ; pg:statusText ?text .
            FILTER (?d <= "{day}"^^xsd:date) }} ORDER BY DESC(?d) LIMIT 1""")

    assert status_at("2023-12-31") == [{"text": "Erster Bericht 2023."}]
    assert status_at("2022-12-31") == []


def test_a_non_conforming_entry_is_422_with_a_german_report_and_stores_nothing(server: str) -> None:
    before = sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    wrong = status_report("2025-01-15", "Text", measure=f"{BASE}wohnen-und-stadtentwicklung/massnahme/B9-9")
    response = requests.post(server + "api/submissions", data=wrong.encode(), headers=auth(), timeout=30)
    assert response.status_code == 422
    report = response.json()
    assert report["conforms"] is False
    assert any(r["path"] == "https://w3id.org/plangraph/def#statusOf" and r["message"].get("de")
               for r in report["results"]), report
    assert sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before


def test_unreadable_and_oversized_entries_are_refused(server: str) -> None:
    broken = PREFIXES + "\n<a> <b> .\n"
    response = requests.post(server + "api/submissions", data=broken.encode(), headers=auth(), timeout=30)
    assert response.status_code == 400
    assert "line" in response.json()["message"]
    huge = status_report("2025-01-16", "x" * (1 << 20))
    response = requests.post(server + "api/submissions", data=huge.encode(), headers=auth(), timeout=30)
    assert response.status_code == 413
    response = requests.post(server + "api/submissions", data=b"{}", timeout=30,
                             headers={**auth(), "Content-Type": "application/pdf"})
    assert response.status_code == 400


def test_the_same_idempotency_key_stores_once(server: str) -> None:
    body = status_report("2025-02-01", "Einmal gemeldet.").encode()
    headers = {**auth(), "Idempotency-Key": "bericht-2025-02-01"}
    first = requests.post(server + "api/submissions", data=body, headers=headers, timeout=30)
    second = requests.post(server + "api/submissions", data=body, headers=headers, timeout=30)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["submission"] == first.json()["submission"]
    assert second.json()["created"] is False
    assert [r["text"] for r in reports_of(server)].count("Einmal gemeldet.") == 1
    # the key is the holder's own: another holder's same key is another submission
    other = requests.post(server + "api/submissions", data=body, headers={**auth(OTHER_TOKEN),
                                                                          "Idempotency-Key": "bericht-2025-02-01"},
                          timeout=30)
    assert other.status_code == 201


def test_twenty_concurrent_submissions_are_all_stored_once(server: str) -> None:
    answers: list[requests.Response] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        with requests.Session() as session:
            response = session.post(server + "api/submissions", timeout=120, headers=auth(),
                                    data=status_report("2025-03-03", f"Paralleler Bericht {i}.").encode())
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in answers) == [201] * 20, [r.text for r in answers if r.status_code != 201]
    stored = [r for r in reports_of(server) if r["date"] == "2025-03-03"]
    assert sorted(r["text"] for r in stored) == sorted(f"Paralleler Bericht {i}." for i in range(20))
    assert len({r["r"] for r in stored}) == 20
    assert len({a.json()["submission"] for a in answers}) == 20


# --- a correction -------------------------------------------------------------------------------------------

def test_a_correction_replaces_the_text_and_keeps_the_old_one(server: str) -> None:
    measure = f"{BASE}wohnen-und-stadtentwicklung/massnahme/A3-2"
    before = sparql(server, f"SELECT ?d WHERE {{ <{measure}> <http://purl.org/dc/terms/description> ?d }}")
    assert len(before) == 1
    old = before[0]["d"]
    new = old + " (berichtigt)"
    entry = PREFIXES + f"""
<{measure}#korrektur-1> a pg:TextCorrection ; pg:correctionOf <{measure}> ;
    pg:correctedProperty dcterms:description ; prov:value {Literal(new, lang='de').n3()} ;
    rdfs:comment "Tippfehler"@de .
"""
    response = requests.post(server + "api/submissions", data=entry.encode("utf-8"), headers=auth(), timeout=30)
    assert response.status_code == 201, response.text
    now = sparql(server, f"SELECT ?d WHERE {{ <{measure}> <http://purl.org/dc/terms/description> ?d }}")
    assert [r["d"] for r in now] == [new]
    kept = sparql(server, f"""PREFIX pg: <https://w3id.org/plangraph/def#>
        SELECT ?old WHERE {{ ?c pg:correctionOf <{measure}> ; pg:replacedText ?old }}""")
    assert [r["old"] for r in kept] == [old]
    page = requests.get(server + "wohnen-und-stadtentwicklung/massnahme/A3-2", timeout=30).text
    assert "Korrekturen" in page and "Tippfehler" in page


# --- restarts and faults ------------------------------------------------------------------------------------

def test_everything_survives_a_restart(dataset_file: Path, tokens_file: Path, tmp_path: Path) -> None:
    env = {"PLANGRAPH_TOKENS_FILE": str(tokens_file), "PLANGRAPH_STORE": str(tmp_path / "store")}
    with serve_process(dataset_file, tmp_path, env) as (url, _):
        response = requests.post(url + "api/submissions", headers=auth(), timeout=30,
                                 data=status_report("2025-04-04", "Vor dem Neustart.").encode())
        assert response.status_code == 201
    with serve_process(dataset_file, tmp_path, env) as (url, _):
        assert [r["text"] for r in reports_of(url)] == ["Vor dem Neustart."]


def test_a_server_killed_while_writing_keeps_every_acknowledged_submission_whole(
        dataset_file: Path, tokens_file: Path, tmp_path: Path) -> None:
    env = {"PLANGRAPH_TOKENS_FILE": str(tokens_file), "PLANGRAPH_STORE": str(tmp_path / "store")}
    acknowledged: list[str] = []
    with serve_process(dataset_file, tmp_path, env) as (url, process):
        stop = threading.Event()

        def write() -> None:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    response = requests.post(url + "api/submissions", headers=auth(), timeout=10,
                                             data=status_report("2025-05-05", f"Bericht {i}.").encode())
                except requests.RequestException:
                    return
                if response.status_code == 201:
                    acknowledged.append(f"Bericht {i}.")

        writers = [threading.Thread(target=write) for _ in range(3)]
        for thread in writers:
            thread.start()
        time.sleep(2.0)
        process.send_signal(signal.SIGKILL)  # in the middle of the writes
        process.wait(timeout=10)
        stop.set()
        for thread in writers:
            thread.join(timeout=30)
    assert acknowledged, "no submission was acknowledged before the kill"
    with serve_process(dataset_file, tmp_path, env) as (url, _):
        stored = [r["text"] for r in reports_of(url)]
        assert set(acknowledged) <= set(stored)
        # every stored report is whole: its activity, agent, time and text are all there
        incomplete = sparql(url, """PREFIX pg: <https://w3id.org/plangraph/def#> PREFIX prov: <http://www.w3.org/ns/prov#>
            SELECT ?r WHERE { ?r a pg:StatusReport .
            FILTER NOT EXISTS { ?r pg:statusText ?t ; prov:wasGeneratedBy ?a ; prov:generatedAtTime ?at .
                                ?a a pg:Submission ; prov:generated ?r } }""")
        assert incomplete == []


# --- the command line ---------------------------------------------------------------------------------------

def test_plangraph_submit_stores_reports_and_refuses_bad_ones(server: str, tmp_path: Path) -> None:
    good = tmp_path / "bericht.ttl"
    good.write_text(status_report("2025-06-06", "Über die Kommandozeile gemeldet."), "utf-8")
    code, out, err = run_plangraph("submit", good, "--server", server, env={"PLANGRAPH_TOKEN": TOKEN})
    assert code == 0, err
    assert "stored" in out and "#status-2025-06-06" in out

    code, out, err = run_plangraph("submit", good, "--server", server, "--idempotency-key", "k1",
                                   env={"PLANGRAPH_TOKEN": TOKEN})
    assert code == 0, err
    code, out, err = run_plangraph("submit", good, "--server", server, "--idempotency-key", "k1",
                                   env={"PLANGRAPH_TOKEN": TOKEN})
    assert code == 0 and "already stored" in out

    bad = tmp_path / "falsch.ttl"
    bad.write_text(status_report("2025-06-07", "Text", measure=f"{BASE}wohnen-und-stadtentwicklung/massnahme/B9-9"),
                   "utf-8")
    code, out, err = run_plangraph("submit", bad, "--server", server, env={"PLANGRAPH_TOKEN": TOKEN})
    assert code == 1
    assert "nothing stored" in err and "statusOf" in err

    code, out, err = run_plangraph("submit", good, "--server", server, "--token", "wrong")
    assert code == 2 and "401" in err

    code, out, err = run_plangraph("submit", good, "--server", "http://127.0.0.1:9/")
    assert code == 2 and "token" in err


def test_plangraph_token_makes_a_token_and_its_tokens_file_line() -> None:
    code, out, err = run_plangraph("token", "Fachbereich Soziales")
    assert code == 0
    token = out.strip()
    assert len(token) >= 40
    line = err.strip().split(": ", 1)[1]
    assert line == f"Fachbereich Soziales {hashlib.sha256(token.encode()).hexdigest()}"
    assert token not in err


def test_the_receipt_links_to_pages_that_exist(server: str) -> None:
    response = requests.post(server + "api/submissions", headers=auth(), timeout=30,
                             data=status_report("2025-07-07", "Mit Seite.").encode())
    assert response.status_code == 201
    receipt = response.json()
    submission_page = requests.get(response.headers["Location"], timeout=30,
                                   headers={"Accept": "text/turtle"})
    assert submission_page.status_code == 200
    graph = Graph().parse(data=submission_page.text, format="turtle")
    assert (URIRef(receipt["submission"]), URIRef("http://www.w3.org/ns/prov#generated"),
            URIRef(receipt["entities"][0])) in graph
    assert json.loads(json.dumps(receipt)) == receipt  # plain JSON


# --- forms as JSON and sheets as CSV ------------------------------------------------------------------------

CSV_DIR = Path(__file__).parent / "data" / "csv"


def test_a_form_as_json_is_checked_with_problems_by_field(server: str) -> None:
    body = {"kind": "status", "fields": {"measure": "B2.9", "date": "2025-08-01", "status": "Text."}}
    response = requests.post(server + "validate", json=body, timeout=30)
    assert response.status_code == 200
    report = response.json()
    assert report["conforms"] is False
    [problem] = report["fields"]["measure"]
    assert problem["value"] == "B2.9" and "B2.9" in problem["message"]
    body["fields"]["measure"] = "B2.2"
    assert requests.post(server + "validate", json=body, timeout=30).json()["conforms"] is True
    english = requests.post(server + "validate?lang=en", json={"kind": "status", "fields": {"measure": "B2.2"}},
                            timeout=30).json()
    assert "status report" in english["fields"]["status"][0]["message"]


def test_a_form_as_json_is_stored_or_refused_with_422(server: str) -> None:
    wrong = {"kind": "status", "fields": {"measure": "B2.2", "date": "2025-08-02", "status": ""}}
    response = requests.post(server + "api/submissions", json=wrong, headers={"Authorization": f"Bearer {TOKEN}"},
                             timeout=30)
    assert response.status_code == 422
    assert "status" in response.json()["fields"]
    right = {"kind": "status", "fields": {"measure": "B2.2", "date": "2025-08-02", "status": "Als JSON gemeldet.",
                                          "status_category": "in Umsetzung"}}
    response = requests.post(server + "api/submissions", json=right, headers={"Authorization": f"Bearer {TOKEN}"},
                             timeout=30)
    assert response.status_code == 201, response.text
    assert response.json()["entities"] == [f"{MEASURE}#status-2025-08-02"]
    assert "Als JSON gemeldet." in [r["text"] for r in reports_of(server)]


def test_a_sheet_with_a_misspelled_target_group_names_row_and_column_and_stores_nothing(server: str) -> None:
    sheet = (CSV_DIR / "unbekannte-zielgruppe.csv").read_bytes()
    checked = requests.post(server + "validate", data=sheet, headers={"Content-Type": "text/csv"}, timeout=30)
    assert checked.status_code == 200
    problems = checked.json()["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(3, "Zielgruppe")]
    before = sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    refused = requests.post(server + "api/submissions", data=sheet, timeout=30,
                            headers={"Content-Type": "text/csv", "Authorization": f"Bearer {TOKEN}"})
    assert refused.status_code == 422
    assert sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before


def test_a_conforming_sheet_is_stored_row_by_row(server: str) -> None:
    sheet = ("Handlungsziel;Maßnahme;Text;Verantwortlich;Zielgruppe;Status;Bemerkungen;Orte;Stand\r\n"
             ";B2.1;;;;Aus der Tabelle gemeldet.;;;2025-09-30\r\n").encode("utf-8-sig")
    response = requests.post(server + "api/submissions", data=sheet, timeout=30,
                             headers={"Content-Type": "text/csv", "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 201, response.text
    [receipt] = response.json()["receipts"]
    assert receipt["kind"] == "status"
    measure = f"{BASE}wohnen-und-stadtentwicklung/massnahme/B2-1"
    assert "Aus der Tabelle gemeldet." in [r["text"] for r in reports_of(server, measure)]


def test_the_validate_page_offers_every_kind_and_the_template(server: str) -> None:
    for kind in ("status", "measure", "correction", "csv", "rdf"):
        page = requests.get(server + "validate", params={"kind": kind}, timeout=30)
        assert page.status_code == 200 and 'aria-current="page"' in page.text
    assert requests.get(server + "validate", params={"kind": "nonsense"}, timeout=30).status_code == 400
    template = requests.get(server + "validate/vorlage.csv", timeout=30)
    assert template.status_code == 200 and template.headers["Content-Type"].startswith("text/csv")
    assert template.content.decode("utf-8-sig").startswith("Handlungsziel;Maßnahme;Text")


def test_the_status_at_a_date_example_takes_reports_and_falls_back_to_the_plan(server: str) -> None:
    from plangraph.example_queries import examples

    [example] = [e for e in examples() if e.slug == "10-status-at-a-date"]
    measure = f"{BASE}wohnen-und-stadtentwicklung/massnahme/B3-1"
    for day, text in (("2025-10-10", "Stand für das Beispiel."), ("2026-01-01", "Nach dem Stichtag.")):
        response = requests.post(server + "api/submissions", headers=auth(), timeout=30,
                                 data=status_report(day, text, measure).encode())
        assert response.status_code == 201, response.text
    rows = {r["nr"]: r for r in sparql(server, example.text)}
    assert rows["B3.1"]["status"] == "Stand für das Beispiel." and rows["B3.1"]["asOf"] == "2025-10-10"
    plan_status = sparql(server, f"SELECT ?t WHERE {{ <{BASE}wohnen-und-stadtentwicklung/massnahme/A2-1> "
                                 "<https://w3id.org/plangraph/def#statusText> ?t }")[0]["t"]
    assert "asOf" not in rows["A2.1"] and rows["A2.1"]["status"] == plan_status  # no report: the plan's text


@pytest.mark.parametrize("holder", ["", "   ", "Fachbereich\nSoziales"])
def test_plangraph_token_refuses_a_holder_that_is_not_one_line(holder: str) -> None:
    code, out, err = run_plangraph("token", holder)
    assert code == 2
    assert out == "" and "the holder is a name on one line" in err  # no token made
