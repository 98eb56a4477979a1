"""Hostile uploads to every write path (/validate, /api/submissions, /submit; RDF bodies, form fields, file uploads,
JSON forms, CSV), sent by a real client to a real `plangraph serve` with a tokens file: each is answered at once with
a clear 4xx that says where, nothing is fetched from the network, and nothing is stored (the quads counted over
/sparql before and after every test are the same)."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from conftest import serve_process

TOKEN = "hostile-uploads-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/json"}
QUICK = 5.0  # seconds: every hostile input is refused well within it (a guard against a hang, not a benchmark)
MEASURE = "https://w3id.org/plangraph/herne/wohnen-und-stadtentwicklung/massnahme/B2-2"
PREFIXES = "@prefix pg: <https://w3id.org/plangraph/def#> .\n@prefix ex: <http://example.org/> .\n"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
SHEET_HEADER = "Handlungsziel;Maßnahme;Text;Verantwortlich;Zielgruppe;Status;Bemerkungen;Orte;Stand\r\n"
# the two paths that take an RDF body: checking (no token) and storing
RDF_PATHS = [("validate", {}), ("api/submissions", AUTH)]


@pytest.fixture(scope="module")
def server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hostile")
    tokens = folder / "tokens.txt"
    tokens.write_text(f"Fachbereich Soziales {hashlib.sha256(TOKEN.encode()).hexdigest()}\n", "utf-8")
    env = {"PLANGRAPH_TOKENS_FILE": str(tokens), "PLANGRAPH_STORE": str(folder / "store")}
    with serve_process(dataset_file, folder, env) as (url, _):
        yield url


def quads(url: str) -> int:
    response = requests.get(url + "sparql", params={"query": COUNT},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(autouse=True)
def nothing_stored(server: str) -> Iterator[None]:
    before = quads(server)
    yield
    assert quads(server) == before, "a refused upload changed the store"


class Listener:
    """A loopback port that records every connection made to it: a parser that fetched would show up here."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    recorder = Listener()
    yield recorder
    recorder.close()


def post(url: str, body: bytes | str | Iterator[bytes], content_type: str | None, **headers: str,
         ) -> tuple[requests.Response, float]:
    """POST a body; the answer and the seconds it took."""
    sent = {**JSON, **headers}
    if content_type is not None:
        sent["Content-Type"] = content_type
    data = body.encode("utf-8") if isinstance(body, str) else body
    start = time.monotonic()
    response = requests.post(url, data=data, headers=sent, timeout=60)
    return response, time.monotonic() - start


def refused(response: requests.Response, elapsed: float, status: int, *words: str) -> str:
    """The answer is `status` with a JSON message naming every word, within QUICK seconds; the message."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert elapsed < QUICK, f"took {elapsed:.1f} s"
    message: str = response.json()["message"]
    for word in words:
        assert word in message, (word, message)
    assert "Traceback" not in response.text
    return message


# --- malformed syntax: 400 with line and column ---------------------------------------------------------------

MALFORMED = {
    "text/turtle": (PREFIXES + "ex:a ex:b ex:c .\nex:a ex:b .\n", "line 4, column 10"),
    "application/ld+json": ('{\n  "@id": "http://example.org/a",\n  "http://example.org/b": [1, 2,\n}\n',
                            "line 4, column 1"),
    "application/n-triples": ("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
                              "<http://example.org/a> <http://example.org/b> .\n", "line 2, column"),
    "application/rdf+xml": ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                            '\n<rdf:Description rdf:about="http://example.org/a">\n</rdf:RDF>\n', "line 4, column 3"),
}


@pytest.mark.parametrize("path,auth", RDF_PATHS, ids=["validate", "submissions"])
@pytest.mark.parametrize("media_type", list(MALFORMED))
def test_malformed_rdf_is_400_with_line_and_column(server: str, path: str, auth: dict[str, str],
                                                    media_type: str) -> None:
    body, where = MALFORMED[media_type]
    refused(*post(server + path, body, media_type, **auth), 400, where)


def test_malformed_rdf_as_a_file_upload_is_400_with_line(server: str) -> None:
    body, where = MALFORMED["text/turtle"]
    response = requests.post(server + "validate", files={"file": ("entry.ttl", body.encode())}, timeout=30,
                             data={"kind": "rdf", "format": "text/turtle"}, headers=JSON)
    refused(response, 0, 400, where)


def test_a_malformed_sheet_is_400_with_its_line_on_every_path(server: str) -> None:
    sheet = (SHEET_HEADER + ';B2.1;;;;"Nicht geschlossen;;;2025-09-30\r\n').encode()
    refused(*post(server + "validate", sheet, "text/csv"), 400, "line 2", "quoted cell is not closed")
    refused(*post(server + "api/submissions", sheet, "text/csv", **AUTH), 400, "line 2", "quoted cell")
    response = requests.post(server + "submit", data={"kind": "csv", "token": TOKEN}, headers=JSON, timeout=30,
                             files={"file": ("massnahmen.csv", sheet)})
    refused(response, 0, 400, "massnahmen.csv, line 2")


# --- encodings and control characters ---------------------------------------------------------------------------

@pytest.mark.parametrize("path,auth", RDF_PATHS, ids=["validate", "submissions"])
def test_wrong_encodings_and_control_characters_are_400(server: str, path: str, auth: dict[str, str]) -> None:
    latin1 = (PREFIXES + 'ex:a ex:b "Grüße" .\n').encode("latin-1")
    first = latin1.index("ü".encode("latin-1"))
    refused(*post(server + path, latin1, "text/turtle", **auth), 400, f"not UTF-8 (byte {first})")
    utf16 = (PREFIXES + 'ex:a ex:b "x" .\n').encode("utf-16")  # with its byte order mark
    refused(*post(server + path, utf16, "text/turtle", **auth), 400, "UTF-16", "save it as UTF-8")
    nul = PREFIXES + 'ex:a ex:b "x\x00y" .\n'
    refused(*post(server + path, nul, "text/turtle", **auth), 400, "U+0000", "line 3, column 13")
    escaped = PREFIXES + 'ex:a ex:b "x\\u0000y" .\n'  # past the text check; the parsed literal holds the NUL
    refused(*post(server + path, escaped, "text/turtle", **auth), 400, "U+0000")
    escape = PREFIXES + 'ex:a ex:b "x\x1by" .\n'
    refused(*post(server + path, escape, "text/turtle", **auth), 400, "U+001B")


def test_a_utf8_byte_order_mark_is_read(server: str) -> None:
    body = ("\ufeff" + PREFIXES + 'ex:a ex:b "x" .\n').encode("utf-8")
    response, _ = post(server + "validate", body, "text/turtle")
    assert response.status_code == 200 and "conforms" in response.json()


def test_control_characters_from_forms_and_sheets_are_never_stored(server: str) -> None:
    fields = {"measure": "B2.2", "date": "2025-10-01", "status": "Mit\x00NUL", "status_category": "in Umsetzung"}
    response = requests.post(server + "api/submissions", json={"kind": "status", "fields": fields},
                             headers={**AUTH, **JSON}, timeout=30)
    refused(response, 0, 400, "U+0000")
    response = requests.post(server + "submit", data={"kind": "status", "token": TOKEN, **fields}, headers=JSON,
                             timeout=30)
    refused(response, 0, 400, "U+0000")
    sheet = (SHEET_HEADER + ";B2.1;;;;Mit\x01Steuerzeichen;;;2025-10-01\r\n").encode()
    refused(*post(server + "api/submissions", sheet, "text/csv", **AUTH), 400, "U+0001", "row 2")
    utf16 = SHEET_HEADER.encode("utf-16")
    refused(*post(server + "validate", utf16, "text/csv"), 400, "UTF-16")


# --- JSON-LD that would make the parser fetch or work without end ---------------------------------------------

def _deep(levels: int) -> str:
    return '{"@id": "http://example.org/a", "http://example.org/p": ' * levels + '"x"' + "}" * levels


def _terms_through_each_other(count: int) -> str:
    context = {f"t{i}": f"t{i + 1}:x" for i in range(count)} | {f"t{count}": "http://example.org/"}
    return json.dumps({"@context": context, "@id": "http://example.org/a", "t0": "v"})


def _scoped(terms: int, uses: int) -> str:
    """A 250 kB document that kept rdflib busy for 40 s: a scoped context applied at every use of its term."""
    inner = {f"term{i}": f"http://example.org/t{i}" for i in range(terms)}
    return json.dumps({"@context": {"@version": 1.1, "p": {"@id": "http://example.org/p", "@context": inner}},
                       "@graph": [{"@id": f"http://example.org/n{i}", "p": {"@id": "http://example.org/x"}}
                                  for i in range(uses)]})


JSONLD_BOMBS = {
    "10000 nested objects": (_deep(10_000), "nested deeper than 64 levels"),
    "10000 nested arrays": ("[" * 10_000 + "]" * 10_000, "nested deeper than 64 levels"),
    "5000 terms defined through each other": (_terms_through_each_other(5000), "more than 1000 term definitions"),
    "terms defined through each other in a cycle": (
        json.dumps({"@context": {"a": "b:x", "b": "a:y"}, "@id": "http://example.org/a", "a": "v"}), "cycle"),
    "a scoped context used 3000 times": (_scoped(3000, 3000), "scoped @context"),
    "a type-scoped context": (json.dumps({"@context": {"T": {"@id": "http://example.org/T", "@context": {
        "x": "http://example.org/x"}}}, "@id": "http://example.org/a", "@type": "T"}), "scoped @context"),
    "10000 contexts": (json.dumps({"@context": [{"x": "http://example.org/x"}] * 10_000, "@id": "http://example.org/a"}),
                       "more than 100 @context definitions"),
    "5000 nodes with their own context": (json.dumps({"@graph": [
        {"@context": {"x": "http://example.org/x"}, "@id": f"http://example.org/n{i}", "x": "v"}
        for i in range(5000)]}), "more than 100 @context definitions"),
}


@pytest.mark.parametrize("path,auth", RDF_PATHS, ids=["validate", "submissions"])
@pytest.mark.parametrize("bomb", list(JSONLD_BOMBS))
def test_expanding_json_ld_is_refused_at_once(server: str, path: str, auth: dict[str, str], bomb: str) -> None:
    body, why = JSONLD_BOMBS[bomb]
    refused(*post(server + path, body, "application/ld+json", **auth), 400, why)


def _remote(url: str) -> dict[str, object]:
    """A remote context in every place the JSON-LD parser would look for one."""
    node = {"@id": "http://example.org/a"}
    return {
        "a string": {"@context": url, **node},
        "in a list": {"@context": [{"x": "http://example.org/x"}, url], **node},
        "in a list in a list": {"@context": [[url]], **node},
        "in a nested node": {**node, "http://example.org/p": {"@context": url, "@id": "http://example.org/b"}},
        "in @import": {"@context": {"@version": 1.1, "@import": url}, **node},
        "in a term's scoped context": {"@context": {"p": {"@id": "http://example.org/p", "@context": url}}, **node,
                                       "p": {"@id": "http://example.org/b"}},
        "in a type's scoped context": {"@context": {"T": {"@id": "http://example.org/T", "@context": [url]}}, **node,
                                       "@type": "T"},
        "in a context's @context": {"@context": {"@context": url}, **node},
    }


@pytest.mark.parametrize("path,auth", RDF_PATHS, ids=["validate", "submissions"])
@pytest.mark.parametrize("place", list(_remote("")))
def test_a_remote_context_is_never_fetched(server: str, listener: Listener, path: str, auth: dict[str, str],
                                           place: str) -> None:
    body = json.dumps(_remote(listener.url + "context.jsonld")[place])
    refused(*post(server + path, body, "application/ld+json", **auth), 400,
            "a remote JSON-LD @context is not fetched", listener.url)
    time.sleep(0.2)  # a fetch would have connected by now
    assert listener.connections == 0


# --- RDF/XML with a DTD ----------------------------------------------------------------------------------------

RDF_XML = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
           '<rdf:Description rdf:about="http://example.org/a"><ex:p>{value}</ex:p></rdf:Description></rdf:RDF>')


def _xml(doctype: str, value: str) -> str:
    return f'<?xml version="1.0"?>\n{doctype}\n' + RDF_XML.format(value=value)


def _laughs(levels: int) -> str:
    entities = '<!ENTITY a0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, levels))
    return _xml(f"<!DOCTYPE r [{entities}]>", f"&a{levels - 1};")


@pytest.mark.parametrize("path,auth", RDF_PATHS, ids=["validate", "submissions"])
def test_rdf_xml_with_a_dtd_is_refused_and_nothing_is_read_or_fetched(server: str, listener: Listener, path: str,
                                                                      auth: dict[str, str]) -> None:
    hostile = {
        "an external entity (a local file)": _xml('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
        "an external entity (a URL)": _xml(f'<!DOCTYPE r [<!ENTITY x SYSTEM "{listener.url}x">]>', "&x;"),
        "an external DTD": _xml(f'<!DOCTYPE r SYSTEM "{listener.url}d.dtd">', "v"),
        "a parameter entity": _xml(f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{listener.url}p.dtd"> %p;]>', "v"),
        "an entity that expands to 30 GB (billion laughs)": _laughs(10),
    }
    for what, body in hostile.items():
        response, elapsed = post(server + path, body, "application/rdf+xml", **auth)
        message = refused(response, elapsed, 400, "DOCTYPE", "line 2, column 1")
        assert "root:" not in message, what  # nothing of /etc/passwd
    time.sleep(0.2)
    assert listener.connections == 0


def test_rdf_xml_without_a_dtd_is_read(server: str) -> None:
    response, _ = post(server + "validate", _xml("", "v"), "application/rdf+xml")
    assert response.status_code == 200 and "conforms" in response.json()


def test_turtle_nested_ten_thousand_deep_is_400(server: str) -> None:
    deep = PREFIXES + "ex:a ex:p " + "[ ex:p " * 10_000 + "ex:z" + " ]" * 10_000 + " .\n"
    refused(*post(server + "api/submissions", deep, "text/turtle", **AUTH), 400, "nested too deeply")


# --- sizes: 413 on every path, however the body comes ---------------------------------------------------------

BIG = 2 << 20  # bytes: twice what an entry may have


def _chunks(total: int, piece: bytes = b"#" * 65536) -> Iterator[bytes]:
    """A body sent with Transfer-Encoding: chunked, so without a Content-Length."""
    for _ in range(total // len(piece)):
        yield piece


@pytest.mark.parametrize("path,auth,media_type", [
    ("validate", {}, "text/turtle"), ("api/submissions", AUTH, "text/turtle"),
    ("validate", {}, "application/json"), ("api/submissions", AUTH, "application/json"),
    ("validate", {}, "text/csv"), ("api/submissions", AUTH, "text/csv"),
])
def test_an_oversized_body_is_413_with_or_without_content_length(server: str, path: str, auth: dict[str, str],
                                                                 media_type: str) -> None:
    refused(*post(server + path, b"#" * BIG, media_type, **auth), 413, "larger than")
    refused(*post(server + path, _chunks(BIG), media_type, **auth), 413, "larger than")


def test_an_oversized_file_or_form_field_is_413(server: str) -> None:
    big = b"#" * BIG
    uploads = [("validate", {"kind": "rdf", "format": "text/turtle"}), ("validate", {"kind": "csv"}),
               ("submit", {"kind": "csv", "token": TOKEN})]
    for path, fields in uploads:
        start = time.monotonic()
        response = requests.post(server + path, data=fields, files={"file": ("big.ttl", big)}, headers=JSON,
                                 timeout=60)
        refused(response, time.monotonic() - start, 413, "larger than")
    start = time.monotonic()
    response = requests.post(server + "validate", data={"kind": "rdf", "data": "#" * ((1 << 20) + 1)},
                             headers=JSON, timeout=60)
    refused(response, time.monotonic() - start, 413, "larger than")


def test_a_body_beyond_the_server_ceiling_is_refused_before_it_is_read(server: str) -> None:
    """8 MB and more: waitress answers 413 itself, announced or chunked, before buffering the body to disk."""
    host, port = server.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: text/turtle\r\n"
                           b"Content-Length: 1000000000000\r\n\r\n")
        assert connection.recv(100).startswith(b"HTTP/1.1 413")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"POST /api/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: text/turtle\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n")
        try:  # 20 MB in chunks; the server stops reading after 8 MB and answers
            for piece in _chunks(20 << 20):
                connection.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        except OSError:
            pass
        assert connection.recv(100).startswith(b"HTTP/1.1 413")


def test_an_entry_of_more_than_5000_triples_is_413(server: str) -> None:
    body = PREFIXES + "".join(f"ex:a{i} ex:p {i} .\n" for i in range(5001))
    refused(*post(server + "validate", body, "text/turtle"), 413, "5001 triples", "at most 5000")


# --- compressed bodies: 415, never decompressed ---------------------------------------------------------------

ZIP_BOMB = gzip.compress(b"\0" * (20 << 20), compresslevel=9)  # 20 MB of zeros in 20 kB


@pytest.mark.parametrize("coding,body", [("gzip", ZIP_BOMB), ("deflate", zlib.compress(b"\0" * (20 << 20))),
                                         ("br", b"\x1b\xff\xff\x0f"), ("x-gzip, identity", ZIP_BOMB)],
                         ids=["gzip", "deflate", "br", "x-gzip"])
def test_a_compressed_body_is_415_on_every_path(server: str, coding: str, body: bytes) -> None:
    for path, auth, media_type in [("validate", {}, "text/turtle"), ("validate", {}, "application/json"),
                                   ("validate", {}, "text/csv"), ("api/submissions", AUTH, "application/ld+json"),
                                   ("api/submissions", AUTH, "application/json"),
                                   ("api/submissions", AUTH, "text/csv")]:
        response, elapsed = post(server + path, body, media_type, **auth, **{"Content-Encoding": coding})
        refused(response, elapsed, 415, "compressed", "uncompressed")
        assert response.headers["Accept-Encoding"] == "identity"
    for path, fields in [("validate", {"kind": "csv"}), ("submit", {"kind": "csv", "token": TOKEN})]:
        response = requests.post(server + path, data=fields, files={"file": ("sheet.csv.gz", body)},
                                 headers={**JSON, "Content-Encoding": coding}, timeout=30)
        refused(response, 0, 415, "compressed")


# --- sheets: wide, tall, one huge cell ----------------------------------------------------------------------------

def test_a_sheet_of_100000_columns_is_400_at_once(server: str) -> None:
    sheet = (",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("x" * 100_000) + "\n").encode()
    message = refused(*post(server + "validate", sheet, "text/csv"), 400, "100000 columns", "at most 1000")
    assert len(message) < 500
    refused(*post(server + "api/submissions", sheet, "text/csv", **AUTH), 400, "100000 columns")


def test_a_sheet_with_a_one_megabyte_cell_is_400_at_once(server: str) -> None:
    sheet = (SHEET_HEADER + ';B2.1;;;;"' + "x" * 1_000_000 + '";;;2025-10-01\r\n').encode()
    assert len(sheet) < 1 << 20
    refused(*post(server + "validate", sheet, "text/csv"), 400, "line 2", "a cell is longer than")
    refused(*post(server + "api/submissions", sheet, "text/csv", **AUTH), 400, "a cell is longer than")


def test_a_sheet_of_more_than_200_rows_is_400_at_once(server: str) -> None:
    rows = "".join(f"A1;A1.{i + 10};Neue Maßnahme {i};Fachbereich Soziales;;;;;\r\n" for i in range(201))
    sheet = (SHEET_HEADER + rows).encode()
    refused(*post(server + "api/submissions", sheet, "text/csv", **AUTH), 400, "more than 200 rows", "line 202")
