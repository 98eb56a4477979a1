"""Pages people read, over HTTP: labels instead of IRIs, breadcrumbs, status and remarks as text, the measures of
departments, target groups and places, German and English, and HTML that is well-formed and accessible
(lang attributes, one h1, headings in order, unique ids, labelled forms) on every page."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
import requests
from rdflib import Graph

from plangraph.dataset import load_dataset, union
from plangraph.web import create_app

BASE = "https://w3id.org/plangraph/herne/"
FIELD = "wohnen-und-stadtentwicklung"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass
class Page:
    """What the checks need from a page: the open-element errors, headings, ids, links, visible text."""

    errors: list[str] = field(default_factory=list)
    html_lang: str | None = None
    headings: list[tuple[int, str]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, text)
    text: str = ""
    code_text: str = ""
    breadcrumbs: list[str] = field(default_factory=list)
    controls: list[dict[str, str | None]] = field(default_factory=list)
    labels_for: set[str] = field(default_factory=set)


class Checker(HTMLParser):
    """Python's HTML parser with a stack: every element closed, in order; void elements never closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.link: list[str] | None = None
        self.heading: list[str] | None = None
        self.crumb: list[str] | None = None
        self.texts: list[str] = []
        self.codes: list[str] = []

    def _inside(self, tag: str, **attrs: str) -> bool:
        return any(t == tag and all(a.get(k) == v for k, v in attrs.items()) for t, a in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.page.html_lang = values.get("lang")
        if values.get("id"):
            self.page.ids.append(str(values["id"]))
        if tag in ("input", "select", "textarea") and values.get("type") not in ("hidden", "submit", "button"):
            self.page.controls.append(values)
        if tag == "label" and values.get("for"):
            self.page.labels_for.add(str(values["for"]))
        if tag == "a":
            self.link = [values.get("href") or ""]
        if re.fullmatch(r"h[1-6]", tag):
            self.heading = [tag]
        if tag == "li" and self._inside("nav", **{"class": "breadcrumbs"}):
            self.crumb = []
        if tag not in VOID:
            self.stack.append((tag, values))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.page.errors.append(f"self-closing <{tag}/> is not void")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.page.errors.append(f"end tag of void element </{tag}>")
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.page.errors.append(f"</{tag}> closes <{self.stack[-1][0] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "a" and self.link is not None:
            self.page.links.append((self.link[0], "".join(self.link[1:]).strip()))
            self.link = None
        if re.fullmatch(r"h[1-6]", tag) and self.heading is not None:
            self.page.headings.append((int(tag[1]), "".join(self.heading[1:]).strip()))
            self.heading = None
        if tag == "li" and self.crumb is not None:
            self.page.breadcrumbs.append("".join(self.crumb).strip())
            self.crumb = None

    def handle_data(self, data: str) -> None:
        for collecting in (self.link, self.heading, self.crumb):
            if collecting is not None:
                collecting.append(data)
        if not self._inside("title") and not self._inside("style"):
            (self.codes if self._inside("code") else self.texts).append(data)

    def close(self) -> None:
        super().close()
        if self.stack:
            self.page.errors.append(f"unclosed: {[t for t, _ in self.stack]}")
        self.page.text = " ".join(" ".join(self.texts).split())
        self.page.code_text = " ".join(self.codes)


def check(markup: str) -> Page:
    """Parse a page and assert what every page owes its readers."""
    assert markup.lower().startswith("<!doctype html>")
    checker = Checker()
    checker.feed(markup)
    checker.close()
    page = checker.page
    assert not page.errors, page.errors
    assert page.html_lang in ("de", "en")
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1 and levels[0] == 1, page.headings
    assert all(b <= a + 1 for a, b in pairwise(levels)), f"headings skip a level: {levels}"
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    for control in page.controls:
        assert control.get("aria-label") or control.get("id") in page.labels_for, control
    assert all(not href.lower().startswith("javascript:") for href, _ in page.links)
    return page


@pytest.fixture(scope="module")
def http() -> requests.Session:
    session = requests.Session()
    session.headers["Accept"] = BROWSER
    return session


def _page(http: requests.Session, url: str, **params: str) -> Page:
    response = http.get(url, params=params, timeout=30)
    assert response.status_code == 200, url
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return check(response.text)


def _linked(page: Page, href: str) -> str:
    texts = [text for h, text in page.links if h == href]
    assert texts, f"no link to {href}"
    return texts[0]


# --- every page is well-formed and accessible -----------------------------------------------------------------------

def test_every_page_is_well_formed(live_server: str, http: requests.Session, dataset_file: Path) -> None:
    data = union(load_dataset(dataset_file))
    documents = sorted({str(s).partition("#")[0] for s in data.subjects() if str(s).startswith(BASE)})
    tools = ["search?q=fluchtling", "search?q=wohnraum&department=" + BASE + "org/fachbereich-soziales",
             "query", "query?example=02-measures-per-department", "validate", "catalog", ".well-known/void",
             "downloads/"]
    paths = ["", "def", "shapes", *tools, *(d[len(BASE):] for d in documents)]
    for path in paths:
        for lang in ("de", "en"):
            page = _page(http, live_server + path, lang=lang)
            assert page.html_lang == lang, path
    response = http.get(live_server + "no/such/page", timeout=10)
    assert response.status_code == 404
    check(response.text)


def test_pages_never_link_to_the_host_independent_iri_of_another_resource(live_server: str,
                                                                          http: requests.Session) -> None:
    page = _page(http, live_server + f"{FIELD}/massnahme/A2-1")
    own = BASE + f"{FIELD}/massnahme/A2-1"
    data_links = {href for href, _ in page.links if href.startswith(BASE)}
    assert data_links == {own}  # only the canonical IRI itself; everything else is a local path
    assert _linked(page, "/org/fachbereich-umwelt-und-stadtplanung") == "Fachbereich Umwelt und Stadtplanung"


# --- labels, breadcrumbs, status, remarks ---------------------------------------------------------------------------

def test_measure_page_shows_labels_not_iris(live_server: str, http: requests.Session) -> None:
    page = _page(http, live_server + f"{FIELD}/massnahme/A2-1")
    assert BASE not in page.text  # IRIs appear only as code (the canonical IRI), never as the name of a link
    assert page.code_text.strip().startswith(BASE + f"{FIELD}/massnahme/A2-1")
    assert _linked(page, f"/{FIELD}/handlungsziel/A2") == "Handlungsziel A2"
    assert _linked(page, "/ort/wanne-sued") == "Wanne-Süd"
    assert _linked(page, "/zielgruppe/buerger-innen-und-einwohner-innen") == "Bürger/-innen und Einwohner/-innen"
    assert _linked(page, "/programm/pakt-fuer-wanne-2020-plus") == "Pakt für Wanne 2020 Plus"
    assert _linked(page, "/def#StatusInProgress") == "in Umsetzung"
    assert _linked(page, "http://metadata.un.org/sdg/16.7") == "Responsive, inclusive, participatory decision-making"
    assert _linked(page, "/quelle/integrationskonzept-wohnen#line=30,65").endswith("Zeilen 31–65")


def test_measure_page_has_breadcrumbs(live_server: str, http: requests.Session) -> None:
    page = _page(http, live_server + f"{FIELD}/massnahme/A2-1")
    assert page.breadcrumbs == ["Übersicht", "Wohnen und Stadtentwicklung", "Leitziel A", "Handlungsziel A2",
                                "Maßnahme A2.1"]
    assert page.headings[0] == (1, "Maßnahme A2.1")


def test_measure_page_shows_status_and_remarks_as_text(live_server: str, http: requests.Session) -> None:
    page = _page(http, live_server + f"{FIELD}/massnahme/B2-2")
    assert (2, "Umsetzungsstand") in page.headings and (2, "Bemerkungen") in page.headings
    assert "2017 konnten dadurch ca. 250 Personen in den privaten Wohnraum umziehen." in page.text
    assert "Es besteht ein laufender Kooperationsvertrag zwischen der Stadt Herne" in page.text
    assert "Aktegra — Aktive Integration und die Initiative Ja-zur-Integration." in page.text
    status = _page(http, live_server + f"{FIELD}/massnahme/B3-1")
    assert "umgesetzt" in status.text and "im Herner Bündnis für Wohnen verankert" in status.text


def test_goal_pages_list_their_children(live_server: str, http: requests.Session) -> None:
    page = _page(http, live_server + f"{FIELD}/handlungsziel/B2")
    for n in (1, 2, 3):
        assert _linked(page, f"/{FIELD}/massnahme/B2-{n}") == f"Maßnahme B2.{n}"
    assert (2, "Maßnahmen (3)") in page.headings


# --- departments, target groups, places, programmes -----------------------------------------------------------------

def test_department_page_lists_its_measures(live_server: str, http: requests.Session) -> None:
    page = _page(http, live_server + "org/fachbereich-soziales")
    assert page.breadcrumbs == ["Übersicht", "Stadt Herne", "Fachbereich Soziales"]
    for n in (1, 2, 3):
        assert _linked(page, f"/{FIELD}/massnahme/B2-{n}") == f"Maßnahme B2.{n}"
    assert _page(http, live_server + "org/fachbereich-umwelt-und-stadtplanung").text.count("Maßnahme ") >= 5


def test_target_group_page_lists_measures_of_narrower_groups(live_server: str, http: requests.Session) -> None:
    page = _page(http, live_server + "zielgruppe/menschen-mit-fluchterfahrung")
    assert _linked(page, f"/{FIELD}/massnahme/B2-1") == "Maßnahme B2.1"  # via the narrower group in refugee homes
    assert _linked(page, "/zielgruppe/menschen-mit-fluchterfahrung-in-den-staedtischen-fluechtlingsunterkuenften")
    assert _linked(page, f"/{FIELD}/massnahme/B2-3") == "Maßnahme B2.3"


def test_place_page_lists_measures_of_places_within(live_server: str, http: requests.Session) -> None:
    page = _page(http, live_server + "ort/stadtbezirk-wanne")
    assert _linked(page, f"/{FIELD}/massnahme/A2-1") == "Maßnahme A2.1"
    assert _linked(page, "/ort/wanne-sued") == "Wanne-Süd"
    assert _linked(page, "http://www.wikidata.org/entity/Q23758642")  # external: linked out, not local
    assert page.breadcrumbs == ["Übersicht", "Herne", "Stadtbezirk Wanne"]


def test_programme_page_lists_its_measures(live_server: str, http: requests.Session) -> None:
    page = _page(http, live_server + "programm/problemimmobilien-im-kontext-der-zuwanderung-aus-suedosteuropa")
    assert _linked(page, f"/{FIELD}/massnahme/A3-2") == "Maßnahme A3.2"


def test_partner_page_lists_measures_with_role(live_server: str, http: requests.Session) -> None:
    page = _page(http, live_server + "org/awo")
    assert _linked(page, f"/{FIELD}/massnahme/B2-2") == "Maßnahme B2.2"
    assert "beteiligt" in page.text


# --- languages ------------------------------------------------------------------------------------------------------

def test_english_by_query(live_server: str, http: requests.Session) -> None:
    response = http.get(live_server + f"{FIELD}/massnahme/A2-1", params={"lang": "en"}, timeout=10)
    page = check(response.text)
    assert page.html_lang == "en"
    assert page.headings[0] == (1, "Measure A2.1")
    assert page.breadcrumbs == ["Overview", "Housing and urban development", "Guiding goal A", "Action goal A2",
                                "Measure A2.1"]
    assert _linked(page, "/org/fachbereich-umwelt-und-stadtplanung?lang=en") == \
        "Department of Environment and Urban Planning"
    assert '<div class="text status-text" lang="de">' in response.text  # German-only text marked as German
    assert "Maßnahme A2.1" not in html.unescape(response.text)


def test_english_by_accept_language(live_server: str, http: requests.Session) -> None:
    response = http.get(live_server + "zielgruppe/menschen-mit-fluchterfahrung",
                        headers={"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"}, timeout=10)
    page = check(response.text)
    assert page.html_lang == "en" and page.headings[0] == (1, "People with refugee experience")
    assert "Accept-Language" in response.headers["Vary"]
    german = check(http.get(live_server + "zielgruppe/menschen-mit-fluchterfahrung",
                            headers={"Accept-Language": "fr"}, timeout=10).text)
    assert german.html_lang == "de" and german.headings[0] == (1, "Menschen mit Fluchterfahrung")


# --- the overview ---------------------------------------------------------------------------------------------------

def test_overview_links_every_goal_and_measure(live_server: str, http: requests.Session, dataset_file: Path) -> None:
    page = _page(http, live_server)
    data = union(load_dataset(dataset_file))
    rows = data.query("""PREFIX pg: <https://w3id.org/plangraph/def#>
        SELECT ?s WHERE { { ?s a pg:Measure } UNION { ?s a pg:ActionGoal } UNION { ?s a pg:GuidingGoal } }""")
    hrefs = {href for href, _ in page.links}
    for row in rows:
        assert "/" + str(row[0])[len(BASE):] in hrefs, row[0]  # type: ignore[index]
    for tool in ("/query", "/downloads/", "/validate", "/def", "/shapes", "/integrationskonzept"):
        assert tool in hrefs
    assert _linked(page, "/org/fachbereich-soziales") == "Fachbereich Soziales"
    assert _linked(page, "/zielgruppe/menschen-mit-fluchterfahrung") == "Menschen mit Fluchterfahrung"
    assert _linked(page, "/ort/stadtbezirk-wanne") == "Stadtbezirk Wanne"
    assert "2 Leitziele · 6 Handlungsziele · 9 Maßnahmen" in page.text
    assert "Fachbereich Soziales (3 Maßnahmen)" in page.text


def test_overview_in_english_keeps_the_language_on_links(live_server: str, http: requests.Session) -> None:
    page = _page(http, live_server, lang="en")
    assert _linked(page, f"/{FIELD}/massnahme/B3-1?lang=en") == "Measure B3.1"
    assert "2 guiding goals · 6 action goals · 9 measures" in page.text


# --- escaping -------------------------------------------------------------------------------------------------------

HOSTILE = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/plangraph/herne/boese> rdfs:label "<script>alert('x')</script>"@de ;
    dcterms:description "Text mit <b>Markup</b> & \\"Anführungszeichen\\""@de ;
    rdfs:seeAlso <javascript:alert(1)> , <https://example.org/ok> .
"""


def test_data_is_escaped_and_javascript_iris_are_no_links(tmp_path: Path) -> None:
    trig = tmp_path / "hostile.trig"
    graph = Graph().parse(data=HOSTILE, format="turtle")
    trig.write_text("<https://w3id.org/plangraph/herne/graph/test> {\n" +
                    graph.serialize(format="nt") + "}\n", encoding="utf-8")
    client = create_app({"DATASET": str(trig), "TESTING": True}).test_client()
    response = client.get("/boese", headers={"Accept": BROWSER})
    markup = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>" not in markup and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in markup
    assert "<b>Markup</b>" not in markup
    page = check(markup)
    assert "javascript:alert(1)" in page.text  # shown as text, not as a link
    assert ("https://example.org/ok", "https://example.org/ok") in page.links
