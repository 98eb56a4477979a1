"""Write tokens under attack: wrong, malformed, expired and revoked tokens get 401 with `WWW-Authenticate: Bearer`
and store nothing; every line of the tokens file is compared whatever matched; an address that keeps failing gets
429 with Retry-After (a correct token too) while other addresses carry on. Over real HTTP where HTTP is the point,
the Flask test client where an address must be chosen, and the core (tokens, throttle) directly."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from conftest import run_plangraph, serve_process
from plangraph import tokens as tokens_module
from plangraph.errors import InputError
from plangraph.throttle import FailureLimit
from plangraph.tokens import Tokens, Unauthorized, parse_tokens, token_line
from plangraph.web import create_app

TODAY = datetime.now(UTC).date()
VALID, EXPIRED, LASTING, REVOKED = (f"{name}-token-0123456789abcdef" for name in ("valid", "expired", "lasting",
                                                                                 "revoked"))
ENTRY_BODY = """@prefix pg: <https://w3id.org/plangraph/def#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/plangraph/herne/wohnen-und-stadtentwicklung/massnahme/B2-2#status-{date}> a pg:StatusReport ;
    pg:statusOf <https://w3id.org/plangraph/herne/wohnen-und-stadtentwicklung/massnahme/B2-2> ;
    dcterms:date "{date}"^^xsd:date ; pg:statusText "Gemeldet am {date}."@de .
"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_text(*, revoked: bool = False) -> str:
    lines = ["# holder, SHA-256, optional expiry", f"Fachbereich Soziales {sha(VALID)}",
             token_line("Fachbereich Umwelt", sha(EXPIRED), TODAY - timedelta(days=1)),
             token_line("Amt für Zuwanderung und Integration", sha(LASTING), TODAY)]
    if not revoked:
        lines.append(f"Ehemalige Stelle {sha(REVOKED)}")
    return "\n".join(lines) + "\n"


def entry(day: str) -> bytes:
    return ENTRY_BODY.format(date=day).encode()


def submit(url: str, authorization: str | None, day: str = "2024-03-03") -> requests.Response:
    headers = {"Content-Type": "text/turtle", "Accept": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return requests.post(url + "api/submissions", data=entry(day), headers=headers, timeout=30)


def quads(url: str) -> int:
    response = requests.get(url + "sparql", params={"query": COUNT},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def unauthorized(response: requests.Response, message: str = "") -> None:
    assert response.status_code == 401, (response.status_code, response.text)
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert message in response.json()["message"]


@pytest.fixture(scope="module")
def tokens_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "tokens.txt"
    path.write_text(tokens_text(), "utf-8")
    return path


@pytest.fixture(scope="module")
def server(dataset_file: Path, tokens_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """No limit on failures here (PLANGRAPH_AUTH_FAILURES=0): these tests fail on purpose, many times."""
    folder = tmp_path_factory.mktemp("auth-serve")
    env = {"PLANGRAPH_TOKENS_FILE": str(tokens_file), "PLANGRAPH_STORE": str(folder / "store"),
           "PLANGRAPH_AUTH_FAILURES": "0"}
    with serve_process(dataset_file, folder, env) as (url, _):
        yield url


# --- 401 for every token that is not a valid one ----------------------------------------------------------------

MALFORMED = {
    "wrong": "Bearer wrong-token-0123456789abcdef",
    "non-ASCII": "Bearer tökén-0123456789".encode().decode("latin-1"),
    "spaces inside": f"Bearer {VALID[:10]} {VALID[10:]}",
    "10 KB long": "Bearer " + "x" * 10_240,
    "another scheme": f"Basic {VALID}",
    "no token": "Bearer ",
    "a tab for the space": f"Bearer\t{VALID}",
    "the digest instead of the token": f"Bearer {sha(VALID)}",
}


@pytest.mark.parametrize("header", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_wrong_or_malformed_token_is_401_and_stores_nothing(server: str, header: str) -> None:
    before = quads(server)
    unauthorized(submit(server, header))
    assert quads(server) == before


def test_control_characters_in_the_header_never_reach_a_token_check(server: str) -> None:
    """waitress refuses a header with control characters as a malformed request (400) before the app sees it;
    the app itself (below, without waitress) answers 401."""
    before = quads(server)
    for header in (f"Bearer {VALID}\x00", f"Bearer {VALID[:5]}\x01{VALID[5:]}", f"Bearer {VALID}\x7f"):
        assert submit(server, header).status_code in (400, 401)
    assert quads(server) == before


def test_control_characters_in_the_forms_token_field_are_401(server: str) -> None:
    before = quads(server)
    for token in (f"{VALID}\x00", f"{VALID[:5]}\x1b{VALID[5:]}", "\x7f" * 20):
        response = requests.post(server + "submit", data={"kind": "status", "token": token, "measure": "B2.2",
                                                          "date": "2024-03-04", "status": "Nein."}, timeout=30)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert quads(server) == before


def test_an_expired_token_is_401_and_says_so_and_the_last_day_still_counts(server: str) -> None:
    before = quads(server)
    unauthorized(submit(server, f"Bearer {EXPIRED}"), "the token has expired")
    assert quads(server) == before
    unknown = submit(server, "Bearer unknown-token-0123456789abcdef").json()["message"]
    assert "expired" not in unknown  # an unknown token learns nothing about expiry
    assert submit(server, f"Bearer {LASTING}", "2024-03-05").status_code == 201  # valid through its last day


def test_a_revoked_token_is_401_at_once_without_a_restart(server: str, tokens_file: Path) -> None:
    assert submit(server, f"Bearer {REVOKED}", "2024-03-06").status_code == 201
    tokens_file.write_text(tokens_text(revoked=True), "utf-8")  # the operator deletes its line
    before = quads(server)
    unauthorized(submit(server, f"Bearer {REVOKED}", "2024-03-07"), "not valid")
    assert quads(server) == before
    assert submit(server, f"Bearer {VALID}", "2024-03-07").status_code == 201


# --- the tokens file ------------------------------------------------------------------------------------------

def test_the_tokens_file_reads_an_optional_expiry_from_the_right() -> None:
    text = (f"Amt für Zuwanderung und Integration {sha(VALID)} expires=2026-12-31\n"
            f"Fachbereich expires=2020-01-01 Soziales {sha(EXPIRED)}\n")
    lasting, named = parse_tokens(text, "tokens.txt")
    assert lasting.holder == "Amt für Zuwanderung und Integration"
    assert lasting.expires == date(2026, 12, 31)
    assert named.holder == "Fachbereich expires=2020-01-01 Soziales" and named.expires is None
    assert parse_tokens(token_line("A B", sha(VALID), date(2030, 1, 2)) + "\n", "t")[0].expires == date(2030, 1, 2)


@pytest.mark.parametrize("expiry", ["2026-02-30", "31.12.2026", "2026-12-31T00:00", "", "tomorrow", "2026-1-1"])
def test_a_malformed_expiry_is_an_error_with_the_line_number(expiry: str) -> None:
    text = f"# tokens\nFachbereich Soziales {sha(VALID)}\nFachbereich Umwelt {sha(EXPIRED)} expires={expiry}\n"
    with pytest.raises(InputError, match="YYYY-MM-DD") as raised:
        parse_tokens(text, "tokens.txt")
    assert raised.value.location is not None and raised.value.location.line == 3
    assert "tokens.txt, line 3" in str(raised.value)


def test_an_expiry_without_a_digest_is_an_error() -> None:
    with pytest.raises(InputError, match="SHA-256") as raised:
        parse_tokens("Fachbereich Soziales expires=2026-12-31\n", "tokens.txt")
    assert raised.value.location is not None and raised.value.location.line == 1


@pytest.mark.parametrize("presented", [VALID, EXPIRED, "unknown-token-0123456789abcdef"])
def test_every_line_is_compared_whatever_matched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 presented: str) -> None:
    """The time of an answer does not depend on which line matched (or whether one did): compare_digest runs once
    per line, always."""
    path = tmp_path / "tokens.txt"
    others = [f"Stelle {i} {sha(f'other-token-{i}-0123456789')}" for i in range(5)]
    path.write_text("\n".join([f"Erste {sha(VALID)}", *others,
                               token_line("Letzte", sha(EXPIRED), date(2000, 1, 1))]) + "\n", "utf-8")
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens_module.hmac, "compare_digest", counting)
    checked = Tokens(path)
    with contextlib.suppress(Unauthorized):
        checked.holder(f"Bearer {presented}", date(2025, 1, 1))
    assert len(calls) == 7
    assert {b for _, b in calls} == {line.digest for line in parse_tokens(path.read_text("utf-8"), "t")}


def test_plangraph_token_prints_the_line_with_its_expiry() -> None:
    code, out, err = run_plangraph("token", "Fachbereich Soziales", "--expires", "2099-12-31")
    assert code == 0, err
    token = out.strip()
    line = err.strip().split(": ", 1)[1]
    assert line == f"Fachbereich Soziales {sha(token)} expires=2099-12-31"
    [parsed] = parse_tokens(line, "tokens.txt")
    assert parsed.expires == date(2099, 12, 31) and parsed.holder == "Fachbereich Soziales"
    code, out, err = run_plangraph("token", "Fachbereich Soziales", "--expires", "31.12.2099")
    assert code == 2 and "--expires" in err and not out
    code, out, err = run_plangraph("token", "Fachbereich Soziales", "--expires", "2000-01-01")
    assert code == 2 and "in the past" in err and not out


# --- too many failures from one address -------------------------------------------------------------------------

def test_eleven_wrong_tokens_get_429_with_retry_after_even_for_a_correct_token_then(
        dataset_file: Path, tokens_file: Path, tmp_path: Path) -> None:
    env = {"PLANGRAPH_TOKENS_FILE": str(tokens_file), "PLANGRAPH_STORE": str(tmp_path / "store")}
    with serve_process(dataset_file, tmp_path, env) as (url, _):  # the default: 10 failures a minute
        before = quads(url)
        for attempt in range(10):
            assert submit(url, f"Bearer guess-{attempt}-0123456789abcdef").status_code == 401
        eleventh = submit(url, "Bearer guess-10-0123456789abcdef")
        assert eleventh.status_code == 429
        assert 1 <= int(eleventh.headers["Retry-After"]) <= 60
        assert "try again in" in eleventh.json()["message"]
        correct = submit(url, f"Bearer {VALID}", "2024-04-01")
        assert correct.status_code == 429 and correct.headers["Retry-After"]
        form = requests.post(url + "submit", data={"kind": "status", "token": VALID, "measure": "B2.2",
                                                   "date": "2024-04-02", "status": "Gesperrt."}, timeout=30)
        assert form.status_code == 429 and form.headers["Retry-After"]
        assert quads(url) == before
        assert requests.get(url + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30).status_code == 200


@pytest.fixture
def client(dataset_file: Path, tokens_file: Path) -> FlaskClient:
    tokens_file.write_text(tokens_text(), "utf-8")
    app = create_app({"DATASET": str(dataset_file), "STORE": "memory", "TOKENS_FILE": str(tokens_file),
                      "AUTH_FAILURES": 3})
    return app.test_client()


def post_from(client: FlaskClient, address: str, token: str, body: bytes = b"") -> int:
    response = client.post("/api/submissions", data=body, environ_base={"REMOTE_ADDR": address},
                           headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"})
    return response.status_code


def test_failures_from_one_address_do_not_lock_out_another(client: FlaskClient) -> None:
    assert [post_from(client, "192.0.2.1", "wrong-0123456789") for _ in range(4)] == [401, 401, 401, 429]
    assert post_from(client, "192.0.2.1", VALID) == 429
    assert post_from(client, "192.0.2.2", "wrong-0123456789") == 401
    assert post_from(client, "192.0.2.2", VALID) == 400  # past the token check: the empty entry is refused
    assert post_from(client, "2001:db8::1", VALID, entry("2024-05-01")) == 201


def test_successes_neither_count_nor_wipe_out_failures(client: FlaskClient) -> None:
    assert [post_from(client, "192.0.2.3", "wrong-0123456789") for _ in range(2)] == [401, 401]
    assert [post_from(client, "192.0.2.3", VALID) for _ in range(5)] == [400] * 5
    assert post_from(client, "192.0.2.3", "wrong-0123456789") == 401
    assert post_from(client, "192.0.2.3", VALID) == 429


def test_the_app_itself_answers_control_characters_with_401(client: FlaskClient) -> None:
    for number, token in enumerate((f"{VALID}\x00", f"{VALID[:5]}\x01{VALID[5:]}", "\x7f" * 20, "ü" * 20)):
        response = client.post("/api/submissions", data=b"", environ_base={"REMOTE_ADDR": f"192.0.2.{100 + number}"},
                               headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}",
                                        "Accept": "application/json"})
        assert response.status_code == 401, token
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")
        assert response.json is not None and response.json["message"] == "the token is not valid for this server"


def test_the_limit_lifts_when_the_window_has_passed() -> None:
    limit = FailureLimit(3, window=60.0)
    for second in (0.0, 1.0, 2.0):
        assert limit.retry_after("a", second) is None
        limit.failed("a", second)
    assert limit.retry_after("a", 2.5) == 58  # until the first failure is a minute old
    assert limit.retry_after("a", 59.9) == 1
    assert limit.retry_after("a", 60.0) is None  # one more attempt: the oldest failure has left the window
    limit.failed("a", 60.0)
    assert limit.retry_after("a", 60.5) == 1  # ... and a failure there fills it again until the second one leaves
    assert limit.retry_after("a", 200.0) is None
    assert len(limit) == 0  # an address with no failure in the window is forgotten


def test_the_limit_can_be_turned_off() -> None:
    limit = FailureLimit(0)
    for second in range(100):
        limit.failed("a", float(second))
    assert limit.retry_after("a", 100.0) is None and len(limit) == 0


def test_memory_is_bounded_and_the_oldest_addresses_go_first() -> None:
    limit = FailureLimit(2, window=60.0, max_clients=100)
    for number in range(10_000):
        limit.failed(f"10.0.{number // 256}.{number % 256}", 1.0)
    assert len(limit) == 100
    limit.failed("10.0.39.15", 1.0)  # the last one to fail: kept, and now at its limit
    assert limit.retry_after("10.0.39.15", 2.0) is not None
    assert limit.retry_after("10.0.0.0", 2.0) is None  # forgotten


def test_the_limit_is_thread_safe() -> None:
    limit = FailureLimit(5, window=60.0, max_clients=50)
    errors: list[BaseException] = []

    def hammer(offset: int) -> None:
        try:
            for number in range(2000):
                client = f"192.0.2.{(number + offset) % 80}"
                limit.failed(client, number / 100)
                limit.retry_after(client, number / 100)
        except BaseException as error:  # any error in a thread fails the test
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(limit) <= 50
