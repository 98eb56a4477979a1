"""Every response carries the Content-Security-Policy (pages: no script at all, styles and forms only from this
site; everything else: nothing may load or run) and `nosniff`, `Referrer-Policy` and `X-Frame-Options`: checked
on every route kind of a real `plangraph serve` (the links of the overview and of a measure page, the SPARQL
endpoint, catalog, dumps, forms, search, errors). The templates hold no inline script, style or event handler;
in chromium the main pages, the statistics chart included, work under the policy without one violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from playwright.sync_api import Browser, ConsoleMessage, Page

from conftest import PROJECT_ROOT, run_plangraph, serve_process

TEMPLATES = PROJECT_ROOT / "src" / "plangraph" / "web" / "templates"
STYLESHEET = PROJECT_ROOT / "src" / "plangraph" / "web" / "static" / "plangraph.css"
STATISTICS = PROJECT_ROOT / "data" / "examples" / "bezirksstatistik-beispiel.csv"
MEASURE = "wohnen-und-stadtentwicklung/massnahme/A1-1"
PLACE_WITH_CHART = "ort/stadtbezirk-wanne"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
UNSAFE_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "blob:", "http:", "https:"}


@pytest.fixture(scope="module")
def server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server on the embedded store with the example statistics, so that a place page draws a chart."""
    folder = tmp_path_factory.mktemp("csp")
    store = str(folder / "store")
    code, _, err = run_plangraph("import-stats", STATISTICS, "--dataset", "bezirksstatistik-beispiel",
                                 "--store", store, env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    with serve_process(dataset_file, folder, {"PLANGRAPH_STORE": store}) as (url, _):
        yield url


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src", "action") and value]


def local_links(server: str, page: str) -> set[str]:
    """The links of a page that stay on this server, without their fragment."""
    parser = _Links()
    parser.feed(requests.get(urljoin(server, page), headers={"Accept": BROWSER_ACCEPT}, timeout=30).text)
    found = {urljoin(urljoin(server, page), link).split("#")[0] for link in parser.links}
    return {link for link in found if urlsplit(link).netloc == urlsplit(server).netloc}


def directives(response: requests.Response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request.method} {response.url}"
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {part[0].lower(): part[1:] for part in parts}


def assert_secured(response: requests.Response) -> None:
    where = f"{response.request.method} {response.url} ({response.status_code})"
    policy = directives(response)
    assert policy.get("default-src") == ["'none'"], where
    scripts = policy.get("script-src", policy["default-src"])
    assert not UNSAFE_SOURCES & set(scripts), where
    assert policy.get("frame-ancestors") == ["'none'"] and policy.get("base-uri") == ["'none'"], where
    if response.headers.get("Content-Type", "").startswith("text/html"):
        assert scripts == ["'none'"], where  # no page runs a script
        assert policy.get("style-src") == ["'self'"] and policy.get("form-action") == ["'self'"], where
    else:
        assert "sandbox" in policy, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "no-referrer", where
    assert response.headers.get("X-Frame-Options") == "DENY", where


def test_every_crawled_link_answers_with_the_policy(server: str) -> None:
    links = local_links(server, "") | local_links(server, MEASURE) | local_links(server, "downloads/")
    assert len(links) > 30  # the crawl reached the plan, pages of every kind, the dumps and the tools
    assert any("/downloads/" in link and link.rstrip("/") != server + "downloads" for link in links)
    for link in sorted(links):
        response = requests.get(link, headers={"Accept": BROWSER_ACCEPT}, timeout=60, allow_redirects=False)
        assert response.status_code < 400, link
        assert_secured(response)


@pytest.mark.parametrize(("method", "path", "headers", "status"), [
    ("GET", "sparql", {"Accept": "text/turtle"}, 200),  # the service description
    ("GET", "sparql", {"Accept": BROWSER_ACCEPT}, 303),  # a browser goes to the query page
    ("GET", "sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D", {"Accept": "application/sparql-results+json"}, 200),
    ("GET", "sparql?query=SELECT%20*%7B%3Fs%20%3Fp%20%3Fo%7DLIMIT%201&format=csv", {}, 200),
    ("GET", "sparql?query=SELECT%20%3Cscript%3E", {"Accept": BROWSER_ACCEPT}, 400),
    ("GET", "sparql?query=SELECT%20%3Cscript%3E", {"Accept": "application/json"}, 400),
    ("OPTIONS", "sparql", {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}, 204),
    ("POST", "sparql", {"Content-Type": "application/sparql-update"}, 403),
    ("GET", "catalog", {"Accept": BROWSER_ACCEPT}, 200),
    ("GET", "catalog", {"Accept": "text/turtle"}, 200),
    ("GET", ".well-known/void", {"Accept": "text/turtle"}, 200),
    ("GET", "validate?kind=status", {"Accept": BROWSER_ACCEPT}, 200),
    ("GET", "validate/vorlage.csv", {}, 200),
    ("POST", "validate", {"Content-Type": "application/json"}, 400),
    ("POST", "api/submissions", {"Content-Type": "text/turtle"}, 403),  # writes are off here
    ("GET", "query?query=SELECT%20%3Fx%20%7B%7D", {"Accept": BROWSER_ACCEPT}, 200),
    ("GET", "query?query=SELECT", {"Accept": BROWSER_ACCEPT}, 400),
    ("GET", "search?q=Wohnen", {"Accept": BROWSER_ACCEPT}, 200),
    ("GET", "search.json?q=Wohnen", {}, 200),
    ("GET", f"{MEASURE}.ttl", {}, 200),
    ("GET", f"{MEASURE}.jsonld", {}, 200),
    ("GET", "def", {"Accept": "text/turtle"}, 200),
    ("GET", "shapes", {"Accept": BROWSER_ACCEPT}, 200),
    ("GET", "static/plangraph.css", {}, 200),
    ("GET", "nicht/vorhanden%3Cscript%3E", {"Accept": BROWSER_ACCEPT}, 404),
    ("GET", "nicht/vorhanden", {"Accept": "application/json"}, 404),
    ("GET", "nicht/vorhanden", {"Accept": "text/plain"}, 404),
    ("DELETE", "", {}, 405),
    ("HEAD", "", {"Accept": BROWSER_ACCEPT}, 200),
])
def test_every_route_kind_answers_with_the_policy(server: str, method: str, path: str, headers: dict[str, str],
                                                  status: int) -> None:
    response = requests.request(method, server + path, headers=headers, data=b"" if method == "POST" else None,
                                timeout=60, allow_redirects=False)
    assert response.status_code == status, response.text[:300]
    assert_secured(response)


def test_templates_have_no_inline_script_style_or_event_handler() -> None:
    for template in sorted(TEMPLATES.glob("*.html")):
        text = template.read_text("utf-8")
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+\s*=|javascript:", text, re.I), template.name
    assert not re.search(r"url\(\s*['\"]?(https?:|//)|@import", STYLESHEET.read_text("utf-8")), "nothing from elsewhere"


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(locale="de-DE", viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    reported: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            reported.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: reported.append(str(error)))
    yield page, reported
    context.close()


@pytest.mark.parametrize("path", ["", MEASURE, PLACE_WITH_CHART, "org/stadt-herne", "query?example=02-measures-per"
                                  "-department", "search?q=Wohnen", "validate?kind=status", "catalog?format=html",
                                  "downloads/", "def", "shapes", "gibt/es/nicht"])
def test_the_main_pages_work_under_the_policy_in_a_browser(page: tuple[Page, list[str]], server: str,
                                                           path: str) -> None:
    browser_page, reported = page
    response = browser_page.goto(server + path)
    assert response is not None and response.status in (200, 404)
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    rules = browser_page.evaluate("Array.from(document.styleSheets).map(s => s.cssRules.length)")
    assert rules and rules[0] > 10, "the stylesheet is applied"
    assert browser_page.evaluate("getComputedStyle(document.body).marginTop") == "0px"  # body { margin: 0 }
    if path == PLACE_WITH_CHART:
        line = browser_page.locator("svg polyline.chart-line").first
        assert line.is_visible()
        assert line.evaluate("e => getComputedStyle(e).strokeWidth") == "2px"  # presentation attributes count
    blocked = [m for m in reported if not m.startswith("Failed to load resource")]  # a 404 page says 404
    assert blocked == [], blocked
