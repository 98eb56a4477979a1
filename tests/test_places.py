"""Places (data/curated/places.ttl) and place pages: Herne, its Stadtbezirke and Ortsteile with only the verified
Wikidata identifiers and an honest flag where the Stadtbezirk is not verified, names that match one place each;
over HTTP, the measures of the places within a place ("über …"), the places within it and its statistics
(a table and an SVG chart per indicator)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import run_plangraph, serve_process
from plangraph import resources
from plangraph.describe import Linker, resource_view
from plangraph.iris import DEFAULT_BASE_IRI
from plangraph.lookups import resource_context
from plangraph.namespaces import GEO, PG, SCHEMA, WD
from plangraph.publish import ensure_published
from plangraph.resolve import PLACE, resolve_names
from plangraph.store.memory import MemoryStore

BASE = DEFAULT_BASE_IRI
FIELD = "wohnen-und-stadtentwicklung"
PLACES_FILE = resources.CURATED_DIR / "places.ttl"


def ort(slug: str) -> URIRef:
    return URIRef(f"{BASE}ort/{slug}")


HERNE = ort("herne")
# vocabularies.md section 3.2: the only QIDs that are verified (Wanne: the Ortsteil, not the Stadtbezirk)
VERIFIED_QIDS = {
    "herne": "Q2904",
    "stadtbezirk-herne-mitte": "Q25392878", "stadtbezirk-wanne": "Q23758642",
    "stadtbezirk-eickel": "Q20183677", "stadtbezirk-sodingen": "Q15114696",
    "ortsteil-wanne": "Q187678", "ortsteil-eickel": "Q834265", "ortsteil-sodingen": "Q3214916",
    "ortsteil-roehlinghausen": "Q18289142", "ortsteil-crange": "Q181984", "ortsteil-baukau": "Q811415",
    "ortsteil-horsthausen": "Q23785305", "ortsteil-boernig": "Q1019959", "ortsteil-holsterhausen": "Q25391997",
}
STADTBEZIRKE = ["stadtbezirk-herne-mitte", "stadtbezirk-wanne", "stadtbezirk-eickel", "stadtbezirk-sodingen"]
# Ortsteil -> the Stadtbezirk it is the namesake of (stated), or None (not verified: only within Herne)
ORTSTEILE = {
    "ortsteil-herne-mitte": "stadtbezirk-herne-mitte", "ortsteil-wanne": "stadtbezirk-wanne",
    "ortsteil-eickel": "stadtbezirk-eickel", "ortsteil-sodingen": "stadtbezirk-sodingen",
    "ortsteil-roehlinghausen": None, "ortsteil-crange": None, "ortsteil-baukau": None,
    "ortsteil-horsthausen": None, "ortsteil-boernig": None, "ortsteil-holsterhausen": None,
}
NOT_VERIFIED = {slug for slug, district in ORTSTEILE.items() if district is None} | {"bickern-west", "elpeshof"}
NAME_PROPS = (SKOS.prefLabel, RDFS.label, SKOS.notation, SKOS.altLabel)


@pytest.fixture(scope="module")
def places() -> Graph:
    return Graph().parse(PLACES_FILE, format="turtle", publicID=BASE)


@pytest.fixture(scope="module")
def published() -> MemoryStore:
    store = MemoryStore(workers=1)
    ensure_published(store, resources.DATASET_FILE)
    return store


def _features(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, GEO.Feature) if isinstance(s, URIRef)}


def _languages(graph: Graph, node: URIRef, prop: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(node, prop) if isinstance(o, Literal)}


# --- the data --------------------------------------------------------------------------------------------------------

def test_herne_and_every_stadtbezirk_and_ortsteil_is_a_place(places: Graph) -> None:
    expected = {HERNE, *map(ort, STADTBEZIRKE), *map(ort, ORTSTEILE)}
    assert expected <= _features(places)
    assert (HERNE, URIRef("http://purl.org/dc/terms/identifier"), Literal("05916000")) in places  # the AGS


def test_every_stadtbezirk_lies_in_herne(places: Graph) -> None:
    for slug in STADTBEZIRKE:
        assert set(places.objects(ort(slug), GEO.sfWithin)) == {HERNE}, slug


def test_only_verified_wikidata_identifiers_are_used(places: Graph) -> None:
    same_as = {(str(s)[len(BASE) + len("ort/"):], str(o)) for s, o in places.subject_objects(SCHEMA.sameAs)}
    assert same_as == {(slug, str(WD[qid])) for slug, qid in VERIFIED_QIDS.items()}
    assert not list(places.subject_objects(OWL.sameAs))
    assert not list(places.objects(ort("ortsteil-herne-mitte"), SCHEMA.sameAs))  # none found: none given


def test_ortsteile_are_within_their_namesake_stadtbezirk_or_only_within_herne(places: Graph) -> None:
    for slug, district in ORTSTEILE.items():
        within = set(places.objects(ort(slug), GEO.sfWithin))
        assert within == {ort(district) if district else HERNE}, slug


def test_no_ortsteil_has_two_stadtbezirke(places: Graph) -> None:
    districts = set(map(ort, STADTBEZIRKE))
    for slug in ORTSTEILE:
        above = set(places.transitive_objects(ort(slug), GEO.sfWithin)) - {ort(slug)}
        assert len(above & districts) <= 1, (slug, above & districts)


def test_an_unverified_stadtbezirk_is_flagged_and_explained(places: Graph) -> None:
    flagged = {str(s)[len(BASE) + len("ort/"):] for s, o in places.subject_objects(PG.districtVerified)
               if o == Literal(False)}
    assert flagged == NOT_VERIFIED
    assert not list(places.subjects(PG.districtVerified, Literal(True)))  # nothing is claimed as verified
    for slug in NOT_VERIFIED:
        assert places.value(ort(slug), PG.districtVerified) == Literal(False)  # an xsd:boolean
        assert set(places.objects(ort(slug), GEO.sfWithin)) == {HERNE}, slug
        notes = [str(n) for n in places.objects(ort(slug), SKOS.editorialNote)]
        assert {"de", "en"} <= _languages(places, ort(slug), SKOS.editorialNote)
        assert any("nicht geprüft" in n for n in notes) and any("not verified" in n for n in notes), slug


def test_every_namesake_assignment_says_why(places: Graph) -> None:
    for slug, district in ORTSTEILE.items():
        if district:
            notes = " ".join(str(n) for n in places.objects(ort(slug), SKOS.editorialNote))
            assert "benannt" in notes and "named after" in notes, slug


def test_stadtbezirke_and_ortsteile_have_names_and_a_notation(places: Graph) -> None:
    for slug in [*STADTBEZIRKE, *ORTSTEILE]:
        node = ort(slug)
        assert _languages(places, node, SKOS.prefLabel) == {"de", "en"}, slug
        assert _languages(places, node, RDFS.label) == {"de"}, slug
        assert [str(n) for n in places.objects(node, SKOS.notation)] == [slug], slug
        assert list(places.objects(node, SKOS.altLabel)), slug


def test_no_name_names_two_places(places: Graph) -> None:
    owners: dict[str, set[URIRef]] = {}
    for prop in NAME_PROPS:
        for s, name in places.subject_objects(prop):
            if isinstance(s, URIRef) and s in _features(places):
                owners.setdefault(str(name).casefold(), set()).add(s)
    shared = {name: sorted(map(str, nodes)) for name, nodes in owners.items() if len(nodes) > 1}
    assert not shared, shared
    assert owners["wanne"] == {ort("ortsteil-wanne")}  # the bare name is the Ortsteil's, never the Stadtbezirk's


@pytest.mark.parametrize(("name", "slug"), [
    ("Wanne", "ortsteil-wanne"), ("Stadtbezirk Wanne", "stadtbezirk-wanne"), ("bezirk wanne", "stadtbezirk-wanne"),
    ("Wanne (Stadtbezirk)", "stadtbezirk-wanne"), ("stadtbezirk-eickel", "stadtbezirk-eickel"),
    ("Eickel", "ortsteil-eickel"), ("Ortsteil Sodingen", "ortsteil-sodingen"), ("Börnig", "ortsteil-boernig"),
    ("Herne-Mitte (Ortsteil)", "ortsteil-herne-mitte"), ("Herne-Mitte district", "stadtbezirk-herne-mitte"),
    ("Herne", "herne"), ("Wanne-Süd", "wanne-sued"),
])
def test_names_resolve_to_one_place_as_importers_match_them(published: MemoryStore, name: str, slug: str) -> None:
    """The importers (CSV, statistics) resolve names with `resolve.resolve_names`: case-insensitive, main names
    (labels, notation) before alternative labels."""
    assert resolve_names(published, PLACE, [name], suggest=False)[name] == ort(slug)


# --- the pages, over HTTP --------------------------------------------------------------------------------------------

def _text(markup: str) -> str:
    """The visible text of a page, tags removed and white space collapsed."""
    without_svg = re.sub(r"<svg.*?</svg>", " ", markup, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", without_svg)).replace("&amp;", "&")


def _item(markup: str, href: str) -> str:
    """The visible text of the list item that links to `href`."""
    match = re.search(rf'<li><a href="{re.escape(href)}">.*?</li>', markup, flags=re.S)
    assert match, f"no item linking to {href}"
    return _text(match.group(0))


def _get(url: str, **params: str) -> str:
    response = requests.get(url, params=params, headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200, (url, response.status_code)
    return response.text


def test_stadtbezirk_page_lists_the_measures_of_places_within_it(live_server: str) -> None:
    page = _get(live_server + "ort/stadtbezirk-wanne")
    assert _item(page, f"/{FIELD}/massnahme/A2-1").startswith("Maßnahme A2.1 (über Wanne-Süd)")
    english = _get(live_server + "ort/stadtbezirk-wanne", lang="en")
    assert _item(english, f"/{FIELD}/massnahme/A2-1?lang=en").startswith("Measure A2.1 (via Wanne-Süd)")


def test_stadtbezirk_page_lists_the_places_within_it(live_server: str) -> None:
    page = _get(live_server + "ort/stadtbezirk-wanne")
    assert "Orte darin (2)" in _text(page)
    assert _item(page, "/ort/ortsteil-wanne") == "Wanne" and _item(page, "/ort/wanne-sued") == "Wanne-Süd"


def test_herne_page_lists_measures_via_the_places_within_it(live_server: str) -> None:
    page = _get(live_server + "ort/herne")
    assert _item(page, f"/{FIELD}/massnahme/A2-1").startswith(
        "Maßnahme A2.1 (über Bickern-West, Elpeshof, Herne-Mitte, Stadtbezirk Sodingen, Wanne-Süd)")
    assert _item(page, f"/{FIELD}/massnahme/A1-1").startswith("Maßnahme A1.1:")  # at Herne itself: no "über"
    assert "Maßnahmen (9)" in _text(page)


def test_herne_page_lists_stadtbezirke_and_places_of_unverified_stadtbezirk(live_server: str) -> None:
    page = _get(live_server + "ort/herne")
    for slug in [*STADTBEZIRKE, *NOT_VERIFIED]:
        assert _item(page, f"/ort/{slug}"), slug
    assert '<li><a href="/ort/ortsteil-wanne">' not in page  # within the Stadtbezirk Wanne, not directly in Herne
    assert f"Orte darin ({len(STADTBEZIRKE) + len(NOT_VERIFIED)})" in _text(page)


def test_herne_page_shows_its_statistics_from_the_published_data(live_server: str) -> None:
    """The curated data set of implementation indicators has one estimated figure for Herne (measure B2.2)."""
    page = _get(live_server + "ort/herne")
    section = page[page.index('<section aria-labelledby="statistik"'):]
    section = section[:section.index('<section aria-labelledby="angaben"')]
    assert "Umsetzungsindikatoren" in section and "In privaten Wohnraum umgezogene Personen" in section
    assert '<th scope="row">2017</th><td class="n"><span class="estimate">ca.</span> 250</td>' in section
    match = re.search(r"<svg.*?</svg>", section, flags=re.S)
    assert match
    svg = ET.fromstring(match.group(0))
    assert len(svg.findall("{http://www.w3.org/2000/svg}circle")) == 1  # one figure: a dot
    assert "beobachtung/B2-2-umzuege-2017" not in page  # shown as a figure, not again as a link to this page


def test_the_page_context_finds_measure_properties_that_only_the_structure_names() -> None:
    """sdmx-measure:obsValue is nowhere typed in the store; the data structure's qb:measure says what it is."""
    store = MemoryStore(workers=1)
    turtle = """@prefix qb: <http://purl.org/linked-data/cube#> .
        @prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
        @prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
        @prefix geo: <http://www.opengis.net/ont/geosparql#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @base <https://w3id.org/plangraph/herne/> .
        <ort/x> a geo:Feature .
        <ds> a qb:DataSet ; qb:structure <ds#dsd> .
        <ds#dsd> qb:component <ds#c> . <ds#c> qb:measure sdmx-measure:obsValue .
        <o> qb:dataSet <ds> ; sdmx-dimension:refArea <ort/x> ; sdmx-dimension:refPeriod "2020"^^xsd:gYear ;
            sdmx-measure:obsValue 42 ."""
    with store.transaction() as writer:
        writer.replace_graph(URIRef(BASE + "graph/x"), Graph().parse(data=turtle, format="turtle"))
    view = resource_view(resource_context(store, BASE + "ort/x"), BASE + "ort/x", "de", Linker(BASE))
    (statistics,) = view.statistics
    assert [(r.period, r.value) for r in statistics.indicators[0].rows] == [("2020", "42")]


STATISTICS = """@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@base <https://w3id.org/plangraph/herne/> .

<datensatz/test-statistik> a qb:DataSet ;
    rdfs:label "Teststatistik"@de , "Test statistics"@en ;
    dcterms:title "Teststatistik der Stadtbezirke"@de .
<datensatz/test-statistik#einwohner> a qb:MeasureProperty ;
    rdfs:label "Einwohner <script>alert(1)</script>"@de , "Residents"@en ;
    sdmx-attribute:unitMeasure "Personen"@de , "persons"@en .
<datensatz/test-statistik#wanne-2016> a qb:Observation ; qb:dataSet <datensatz/test-statistik> ;
    sdmx-dimension:refArea <ort/stadtbezirk-wanne> ; sdmx-dimension:refPeriod "2016"^^xsd:gYear ;
    <datensatz/test-statistik#einwohner> 31200 .
<datensatz/test-statistik#wanne-2017> a qb:Observation ; qb:dataSet <datensatz/test-statistik> ;
    sdmx-dimension:refArea <ort/stadtbezirk-wanne> ; sdmx-dimension:refPeriod "2017"^^xsd:gYear ;
    <datensatz/test-statistik#einwohner> 31850 .
<datensatz/test-statistik#wanne-2018> a qb:Observation ; qb:dataSet <datensatz/test-statistik> ;
    sdmx-dimension:refArea <ort/stadtbezirk-wanne> ; sdmx-dimension:refPeriod "2018"^^xsd:gYear ;
    <datensatz/test-statistik#einwohner> 32400 .
<datensatz/test-statistik#wanne-sued-2018> a qb:Observation ; qb:dataSet <datensatz/test-statistik> ;
    sdmx-dimension:refArea <ort/wanne-sued> ; sdmx-dimension:refPeriod "2018"^^xsd:gYear ;
    <datensatz/test-statistik#einwohner> 9999 .
"""


@pytest.fixture(scope="module")
def statistics_server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on an embedded store that holds a small Data Cube graph, loaded with `plangraph load` before the
    server starts (a running server locks its store folder)."""
    folder = tmp_path_factory.mktemp("statistics")
    data, store = folder / "statistik.ttl", folder / "store"
    data.write_text(STATISTICS, encoding="utf-8")
    code, _, err = run_plangraph("load", data, "--graph", "https://w3id.org/plangraph/herne/graph/test-statistik",
                                 "--store", store)
    assert code == 0, err
    with serve_process(dataset_file, folder, {"PLANGRAPH_STORE": str(store)}) as (url, _):
        yield url


def test_place_page_shows_a_table_and_a_chart_per_indicator(statistics_server: str) -> None:
    page = _get(statistics_server + "ort/stadtbezirk-wanne")
    section = page[page.index('<section aria-labelledby="statistik"'):page.index('<section aria-labelledby="angaben"')]
    assert '<a href="/datensatz/test-statistik">Teststatistik</a>' in section
    assert "Einwohner &lt;script&gt;" in section and "<script>" not in page  # labels are escaped, also in the chart
    rows = re.findall(r'<tr><th scope="row">(\d{4})</th><td class="n">([^<]+)</td></tr>', section)
    assert rows == [("2016", "31.200"), ("2017", "31.850"), ("2018", "32.400")]
    assert "9.999" not in section  # a figure of a place within (Wanne-Süd) is that place's, not this one's
    assert "(Einheit: Personen)" in _text(section)
    match = re.search(r"<svg.*?</svg>", section, flags=re.S)
    assert match
    svg = ET.fromstring(match.group(0))
    labels = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert {"2016", "2017", "2018", "32.400", "31.200", "Personen"} <= set(labels)
    assert len(svg.findall("{http://www.w3.org/2000/svg}circle")) == 3
    assert "style=" not in section  # the CSP allows no inline styles


def test_place_page_statistics_in_english(statistics_server: str) -> None:
    page = _get(statistics_server + "ort/stadtbezirk-wanne", lang="en")
    section = page[page.index('<section aria-labelledby="statistik"'):page.index('<section aria-labelledby="angaben"')]
    assert "Test statistics" in section and "Residents" in section and "(unit: persons)" in _text(section)
    assert re.findall(r'<td class="n">([^<]+)</td>', section) == ["31,200", "31,850", "32,400"]


def test_the_place_within_shows_its_own_figure(statistics_server: str) -> None:
    page = _get(statistics_server + "ort/wanne-sued")
    assert '<td class="n">9.999</td>' in page
    assert "31.200" not in page
