"""Hostile data stays inert on every page. A store holds, beside the published dataset, literals and IRIs made to
run script or to hide text (tests/data/hostile/hostile.ttl, loaded with `plangraph load`: `<script>`, attribute
breakouts, `javascript:` and `data:` IRIs as objects of rdfs:seeAlso, schema:sameAs and dcterms:source, quotes,
controls, bidi overrides, zero-width characters) on a measure and its status report, a place, a department and a
target group; the publisher's name is hostile too. Every kind of page (resource pages, search, query results and
errors, validation reports of a form, an RDF entry and a sheet, the catalog, a 404 and a 400) is parsed as a
browser parses it: no script element, no event handler attribute, no link to `javascript:` or `data:`, no hidden
character in the text, and the hostile text shown as text. In chromium, no alert fires on the main pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import html5lib
import pytest
import requests
from markupsafe import Markup
from playwright.sync_api import Browser, Dialog, Page

from conftest import PROJECT_ROOT, run_plangraph, serve_process
from plangraph.describe import HIDDEN_CHARACTERS, Linker
from plangraph.web.security import verbatim, visible

HOSTILE = Path(__file__).parent / "data" / "hostile" / "hostile.ttl"
TEMPLATE = PROJECT_ROOT / "data" / "templates" / "massnahmen.csv"
MARK = "Xenoglyphe"  # every hostile value in the data carries it
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(2)>'
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MEASURE = "wohnen-und-stadtentwicklung/massnahme/A1-1"
# Elements no page has and hostile data must not create (the charts are inline SVG without handlers).
ACTIVE = {"script", "iframe", "frame", "object", "embed", "img", "base", "style", "applet", "audio", "video"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
FORM_FIELDS = {"textarea", "input", "option"}  # what a form sends back is kept verbatim


@pytest.fixture(scope="module")
def server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hostile")
    store = str(folder / "store")
    code, _, err = run_plangraph("load", HOSTILE, "--graph", "https://w3id.org/plangraph/herne/graph/feindlich",
                                 "--store", store, env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    env = {"PLANGRAPH_STORE": store, "PLANGRAPH_PUBLISHER_NAME": f"{MARK} {SCRIPT}{BREAKOUT}\u202e"}
    with serve_process(dataset_file, folder, env) as (url, _):
        yield url


def _hostile_sheet() -> bytes:
    header = TEMPLATE.read_text("utf-8-sig").splitlines()[0]
    row = [f"B9{BREAKOUT}", f"B9.9{SCRIPT}", f"{MARK} {BREAKOUT}", "javascript:alert(3)", "", "kaputt\u202e", "", "",
           "=1+1"]
    return (header + "\n" + ";".join(row) + "\n").encode("utf-8")


ENTRY = (f"@prefix pg: <https://w3id.org/plangraph/def#> .\n<javascript:alert(4)> a pg:StatusReport ;\n"
         f'  pg:statusText "{MARK} {SCRIPT}\u202e"@de ;\n'
         "  pg:statusOf <data:text/html,%3Cscript%3Ealert(5)%3C/script%3E> .\n")
FORM = {"kind": "status", "measure": f"B9.9{SCRIPT}", "date": f"2026-13-45{BREAKOUT}", "status": f"{MARK} {SCRIPT}",
        "status_category": "javascript:alert(6)", "remarks": f"{MARK} \u202etxt.exe"}


@dataclass(frozen=True)
class Case:
    """One page to fetch, its status, and the hostile text it must show as text (None: it shows none)."""

    fetch: Callable[[str], requests.Response]
    status: int = 200
    shows: str | None = SCRIPT


def _get(path: str, **params: str) -> Callable[[str], requests.Response]:
    return lambda server: requests.get(server + path, params=params, headers={"Accept": BROWSER_ACCEPT}, timeout=60)


CASES = {
    "measure": Case(_get(MEASURE)),
    "measure-en": Case(_get(MEASURE, lang="en")),
    "place": Case(_get("ort/herne-mitte"), shows="<script>alert(6)</script>"),
    "department": Case(_get("org/fachbereich-umwelt-und-stadtplanung"), shows='"><svg onload=alert(9)>'),
    "target-group": Case(_get("zielgruppe/verwaltung"), shows="<iframe src=javascript:alert(11)></iframe>"),
    "overview": Case(_get(""), shows=None),
    "search": Case(_get("search", q=MARK), shows=MARK),
    "search-echo": Case(_get("search", q=SCRIPT + BREAKOUT)),
    "query": Case(_get("query", query="SELECT ?s ?p ?o WHERE { GRAPH <https://w3id.org/plangraph/herne/graph/"
                                      "feindlich> { ?s ?p ?o } }")),
    "query-error": Case(_get("query", query=f"SELECT {SCRIPT}{BREAKOUT}"), status=400),
    "validate-form": Case(lambda server: requests.post(server + "validate", data=FORM,
                                                       headers={"Accept": BROWSER_ACCEPT}, timeout=60)),
    "validate-rdf": Case(lambda server: requests.post(server + "validate", data=ENTRY.encode("utf-8"), timeout=60,
                                                      headers={"Accept": "text/html", "Content-Type": "text/turtle"})),
    "validate-sheet": Case(lambda server: requests.post(server + "validate", data={"kind": "csv"}, timeout=60,
                                                        files={"file": ("boese.csv", _hostile_sheet(), "text/csv")},
                                                        headers={"Accept": BROWSER_ACCEPT}), shows=BREAKOUT),
    "catalog": Case(_get("catalog", format="html")),
    "downloads": Case(_get("downloads/"), shows=None),
    "not-found": Case(_get(f"ort/{SCRIPT}{BREAKOUT}"), status=404),
    "bad-request": Case(_get("validate", kind=f"{SCRIPT}{BREAKOUT}"), status=400),  # echoes the kind
    "bad-query": Case(lambda server: requests.get(server + "sparql", params={"query": f"SELECT {SCRIPT}"}, timeout=60,
                                                  headers={"Accept": "text/html, application/json;q=0.1"}),
                      status=400, shows="<query>, line 1"),
}


def problems(page: str) -> list[str]:
    """What would make the page active or misleading in a browser: script-like elements, event handler or style
    attributes, links to javascript: or data:, and hidden characters in the text outside form fields."""
    found = [f"raw {what!r}" for what in ("<script", "<img", "<svg onload", "<iframe") if what in page.lower()]
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    parents = {child: parent for parent in tree.iter() for child in parent}
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in ACTIVE:
            found.append(f"<{tag}> element")
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on") or name == "style":
                found.append(f"{name}= on <{tag}>")
            if name in URL_ATTRIBUTES and re.match(r"\s*(javascript|data|vbscript):", value, re.I):
                found.append(f"{name}={value!r} on <{tag}>")
            if name != "value" and HIDDEN_CHARACTERS.search(value):
                found.append(f"hidden character in {name}= on <{tag}>")
        parent = parents.get(element)
        texts = [] if tag in FORM_FIELDS else [element.text or ""]
        texts += [] if parent is not None and parent.tag in FORM_FIELDS else [element.tail or ""]
        found += [f"hidden character in the text of <{tag}>: {t!r}" for t in texts if HIDDEN_CHARACTERS.search(t)]
    return found


def text_of(page: str) -> str:
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    return " ".join(tree.itertext())


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_values_are_inert(server: str, name: str) -> None:
    case = CASES[name]
    response = case.fetch(server)
    assert response.status_code == case.status, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/html")
    assert problems(response.text) == []
    if case.shows is not None:
        assert case.shows in text_of(response.text), f"{name}: the hostile text is not shown as text"


def test_controls_and_bidi_overrides_are_shown_as_escapes(server: str) -> None:
    shown = text_of(requests.get(server + MEASURE, timeout=60).text)
    for escape in (r"\u0000", r"\u0001", r"\u001B", r"\u007F", r"\u0085", r"\u202E", r"\u2066", r"\u200B", r"\uFEFF"):
        assert escape in shown, escape
    assert r"[\u202E]exe.txt" in shown  # the override is visible, nothing after it is reversed


def test_unsafe_iris_are_text_never_links(server: str) -> None:
    page = requests.get(server + MEASURE, timeout=60).text
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    hrefs = [a.get("href", "") for a in tree.iter("a")]
    assert all(h.startswith(("/", "#", "?", "https://", "http://")) for h in hrefs), hrefs
    assert not [h for h in hrefs if "example.org" in h]  # one holds a quote, one a bidi override: no link
    shown = text_of(page)
    for iri in ("javascript:alert(1)", "JaVaScRiPt:alert(2)", "javascript:alert(document.cookie)",
                "data:text/html,%3Cscript%3Ealert(1)%3C/script%3E", "https://example.org/x'onmouseover='alert(3)'",
                r"https://example.org/a\u202Eb"):
        assert iri in shown, iri


def test_the_linker_never_links_an_iri_with_a_hidden_character() -> None:
    linker = Linker("https://w3id.org/plangraph/herne/")
    assert linker.href("https://example.org/a") == "https://example.org/a"
    for iri in ("https://example.org/a\u202eb", "https://example.org/\u200b", "https://example.org/\x01",
                "mailto:a\u2066@example.org", "javascript:alert(1)", "data:text/html,x"):
        assert linker.href(iri) is None, iri
    assert linker.href("https://w3id.org/plangraph/herne/ort/a\u202eb") == "/ort/a%E2%80%AEb"  # ours: encoded


def test_hidden_characters_become_escapes_except_in_form_values() -> None:
    assert visible("Meldung\u202etxt.exe\x00") == "Meldung\\u202Etxt.exe\\u0000"
    assert visible(Markup("<title>a\u200b</title>")) == Markup("<title>a\\u200B</title>")  # a chart stays markup
    assert visible(verbatim("Text\u200bmit Nullbreite")) == "Text\u200bmit Nullbreite"
    ordinary = "Zeile 1\n\tZeile 2 – „Anführung“ ÄÖÜ 👨\u200d👩 Trenn\u00adstrich"  # joiners and soft hyphens stay
    assert visible(ordinary) == ordinary
    assert visible(42) == 42


def test_form_values_come_back_verbatim(server: str) -> None:
    """A form echoes what was typed exactly (an invisible character stays itself, so checking twice changes
    nothing), while the report beside it shows the escape."""
    form = dict(FORM, remarks=f"{MARK} mit\u200bNullbreite")
    page = requests.post(server + "validate", data=form, headers={"Accept": BROWSER_ACCEPT}, timeout=60).text
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    remarks = next(e for e in tree.iter("textarea") if e.get("name") == "remarks")
    assert remarks.text == form["remarks"]
    measure = next(e for e in tree.iter("input") if e.get("name") == "measure")
    assert measure.get("value") == FORM["measure"]


# --- in a real browser ------------------------------------------------------------------------------------------

@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(locale="de-DE", viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    fired: list[str] = []

    def dialog(opened: Dialog) -> None:
        fired.append(f"{opened.type}: {opened.message} on {page.url}")
        opened.dismiss()

    page.on("dialog", dialog)
    page.on("pageerror", lambda error: fired.append(str(error)))
    yield page, fired
    context.close()


@pytest.mark.parametrize("path", [MEASURE, "ort/herne-mitte", "org/fachbereich-umwelt-und-stadtplanung",
                                  "zielgruppe/verwaltung", f"search?q={MARK}", "catalog?format=html",
                                  "query?query=SELECT%20*%20WHERE%20%7B%20GRAPH%20%3Chttps%3A%2F%2Fw3id.org%2F"
                                  "plangraph%2Fherne%2Fgraph%2Ffeindlich%3E%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D",
                                  "ort/%3Cscript%3Ealert(1)%3C%2Fscript%3E"])
def test_no_alert_fires_in_a_browser(page: tuple[Page, list[str]], server: str, path: str) -> None:
    browser_page, fired = page
    response = browser_page.goto(server + path)
    assert response is not None and response.status in (200, 404)
    browser_page.wait_for_load_state("networkidle")
    marks = browser_page.locator("main").get_by_text(MARK).filter(visible=True)
    for at in range(min(marks.count(), 5)):  # an injected onmouseover would fire now
        marks.nth(at).hover()
    assert browser_page.locator("script, iframe, img, object, embed").count() == 0
    assert fired == [], fired


def test_no_alert_fires_when_a_steward_checks_hostile_values(page: tuple[Page, list[str]], server: str) -> None:
    browser_page, fired = page
    browser_page.goto(server + "validate?kind=status")
    browser_page.locator("#f-measure").fill(FORM["measure"])
    browser_page.locator("#f-date").fill("2026-01-15")
    browser_page.locator("#f-status").fill(FORM["status"] + BREAKOUT)
    browser_page.get_by_role("button", name="Prüfen", exact=True).click()
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.locator("#f-measure").input_value() == FORM["measure"]
    assert browser_page.locator(".problem").count() >= 1  # the report echoed the hostile value, as text
    assert browser_page.locator("script, iframe, img, object, embed").count() == 0
    assert fired == [], fired
