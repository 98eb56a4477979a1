"""District statistics (plangraph.stats_table, plangraph.stats_import): reading tables as Excel saves them, matching
districts to places, the cube built from them, the catalog entry; `plangraph import-stats` end to end (exit codes
0, 1, 2 and a re-import that replaces); and the imported example over HTTP (/sparql and /catalog)."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from conftest import PROJECT_ROOT, run_plangraph, serve_process
from plangraph import resources
from plangraph.catalog import CatalogIris, Site, StatisticsDataset, catalog_graph
from plangraph.datacube import check_cube
from plangraph.dataset import load_dataset
from plangraph.errors import InputError
from plangraph.iris import Minter
from plangraph.namespaces import QB, QUDT_UNIT, SDMX_ATTRIBUTE, SDMX_DIMENSION
from plangraph.stats_import import Places, import_table, resolve_rows, statistics_datasets, store_cube
from plangraph.stats_table import Table, parse_number, read_table
from plangraph.store.memory import MemoryStore
from test_dcat_ap_de import check, violations

EXAMPLE = PROJECT_ROOT / "data" / "examples" / "bezirksstatistik-beispiel.csv"
MISSPELLED = Path(__file__).parent / "data" / "stats" / "falscher-bezirk.csv"
MINTER = Minter()
BASE = MINTER.base
WANNE, EICKEL = URIRef(BASE + "ort/stadtbezirk-wanne"), URIRef(BASE + "ort/stadtbezirk-eickel")
WHEN = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
# The researchers' question (README, "District statistics"): which measures target districts where the share of
# new arrivals rose from 2016 to 2020? Places within a district count (geo:sfWithin*).
ROSE = """PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX merkmal: <https://w3id.org/plangraph/herne/statistik/bezirksstatistik-beispiel/merkmal/>
SELECT DISTINCT ?measure ?district ?before ?after WHERE {
  ?measure dcterms:spatial/geo:sfWithin* ?district .
  ?o2016 sdmx-dimension:refArea ?district ; sdmx-dimension:refPeriod "2016"^^xsd:gYear ;
         merkmal:anteil-neuzugewanderte ?before .
  ?o2020 sdmx-dimension:refArea ?district ; sdmx-dimension:refPeriod "2020"^^xsd:gYear ;
         merkmal:anteil-neuzugewanderte ?after .
  FILTER(?after > ?before)
} ORDER BY ?measure ?district"""

# Places as the curated data describes them, with the names a table may use (and two that share one).
PLACES = f"""
@base <{BASE}> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<ort/herne> a geo:Feature ; skos:prefLabel "Herne"@de ; dcterms:identifier "05916000" .
<ort/stadtbezirk-wanne> a geo:Feature ; skos:prefLabel "Stadtbezirk Wanne"@de , "Wanne district"@en ;
    rdfs:label "Stadtbezirk Wanne"@de ; skos:notation "stadtbezirk-wanne" ; skos:altLabel "Bezirk Wanne"@de .
<ort/stadtbezirk-eickel> a geo:Feature ; skos:prefLabel "Stadtbezirk Eickel"@de ; skos:notation "stadtbezirk-eickel" .
<ort/ortsteil-wanne> a geo:Feature ; skos:prefLabel "Wanne"@de ; skos:notation "ortsteil-wanne" .
<ort/ortsteil-boernig> a geo:Feature ; skos:prefLabel "Börnig"@de .
<ort/holsterhausen-a> a geo:Feature ; skos:prefLabel "Holsterhausen"@de .
<ort/holsterhausen-b> a geo:Feature ; skos:altLabel "Holsterhausen"@de .
<org/bezirksvertretung-sodingen> skos:prefLabel "Stadtbezirk Sodingen"@de .
"""


def places() -> Places:
    dataset = Dataset()
    dataset.graph(URIRef(BASE + "graph/curated")).parse(data=PLACES, format="turtle")
    return Places.from_store(MemoryStore(dataset))


def table(text: str, **columns: str) -> Table:
    return read_table(text.encode("utf-8"), "test.csv", **columns)


def problems_of(text: str) -> list[str]:
    _, problems = resolve_rows(table(text), places())
    return [p.render("test.csv", "de") for p in problems]


@pytest.fixture(scope="module")
def published(dataset_file: Path) -> MemoryStore:
    return MemoryStore(load_dataset(dataset_file))


# --- reading ------------------------------------------------------------------------------------------------------

def test_reads_the_example_table() -> None:
    example = read_table(EXAMPLE.read_bytes(), str(EXAMPLE))
    assert [(i.label, i.unit, i.key) for i in example.indicators] == [
        ("Einwohner", "Anzahl", "einwohner"),
        ("Anteil Neuzugewanderte", "%", "anteil-neuzugewanderte"),
        ("Wohngeldhaushalte", "Anzahl", "wohngeldhaushalte")]
    assert len(example.rows) == 20 and example.rows[0].number == 4  # two comment lines and the header before it
    assert example.comments[0].startswith("BEISPIELDATEN – KEINE AMTLICHEN ZAHLEN")
    assert example.comments[1].startswith("EXAMPLE DATA, NOT OFFICIAL FIGURES")
    assert "beispiel" in EXAMPLE.name


def test_a_byte_order_mark_is_not_part_of_the_first_column() -> None:
    read = read_table(b"\xef\xbb\xbfStadtbezirk;Jahr;Einwohner [Anzahl]\r\nStadtbezirk Wanne;2018;33450\r\n", "t.csv")
    assert read.area_column == "Stadtbezirk" and read.rows[0].area == "Stadtbezirk Wanne"


def test_windows_1252_with_umlauts() -> None:
    data = "Stadtbezirk;Jahr;Einwohner über 65 [Anzahl]\r\nBörnig;2018;1200\r\n".encode("cp1252")
    read = read_table(data, "t.csv")
    assert read.indicators[0].label == "Einwohner über 65" and read.indicators[0].key == "einwohner-ueber-65"
    assert read.rows[0].area == "Börnig"


def test_comments_and_blank_lines_before_the_header_count_as_rows() -> None:
    read = table("# Beispieldaten;;\n\n;;\nStadtbezirk;Jahr;Einwohner\nStadtbezirk Wanne;2018;1\n")
    assert read.comments == ("Beispieldaten",) and read.rows[0].number == 5


def test_commas_or_semicolons_give_the_same_numbers() -> None:
    with_commas = table("Stadtbezirk,Jahr,Anteil [%]\nStadtbezirk Wanne,2018,9.3\n")
    with_semicolons = table("Stadtbezirk;Jahr;Anteil [%]\nStadtbezirk Wanne;2018;9,3\n")
    values = [resolve_rows(t, places())[0][0].values for t in (with_commas, with_semicolons)]
    assert values == [{"anteil": Decimal("9.3")}] * 2


@pytest.mark.parametrize(("text", "value"), [
    ("12", "12"), ("12,5", "12.5"), ("12.5", "12.5"), ("-3,25", "-3.25"), (" 7 ", "7"), ("1.234.567", "1234567"),
    ("1.234,5", "1234.5"), ("1 234", "1234"), ("0.125", "0.125"),
])
def test_numbers_with_a_decimal_comma_or_point(text: str, value: str) -> None:
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize(("text", "message"), [
    ("1.234", "mehrdeutig"), ("12 %", "keine Zahl"), ("abc", "keine Zahl"), ("12,5,3", "keine Zahl"),
    ("1,234.5", "keine Zahl"), ("-", "keine Zahl"),
])
def test_what_is_no_number_is_refused(text: str, message: str) -> None:
    refused = parse_number(text)
    assert not isinstance(refused, Decimal) and message in refused.messages["de"]


@pytest.mark.parametrize(("header", "label", "unit"), [
    ("Einwohner [Anzahl]", "Einwohner", "Anzahl"), ("Anteil Neuzugewanderte [ % ]", "Anteil Neuzugewanderte", "%"),
    ("Fläche", "Fläche", None), ("Quote []", "Quote", None),
])
def test_the_unit_is_in_brackets(header: str, label: str, unit: str | None) -> None:
    [indicator] = table(f"Stadtbezirk;Jahr;{header}\n").indicators
    assert (indicator.label, indicator.unit, indicator.column) == (label, unit, header)


def test_other_column_names_can_be_given() -> None:
    read = table("Bezirk;Berichtsjahr;Einwohner\nStadtbezirk Wanne;2018;1\n", area_column="bezirk",
                 year_column="BERICHTSJAHR")
    assert (read.area_column, read.year_column, read.rows[0].year) == ("Bezirk", "Berichtsjahr", "2018")


@pytest.mark.parametrize(("text", "message"), [
    ("", "no header row"),
    ("# nur ein Kommentar\n", "no header row"),
    ("Stadtbezirk;Einwohner\nStadtbezirk Wanne;1\n", "no column 'Jahr'"),
    ("Stadtbezirk;Jahr\nStadtbezirk Wanne;2018\n", "no indicator columns"),
    ("Stadtbezirk;Jahr;Einwohner [Anzahl];Einwohner [%]\n", "two columns name the indicator 'Einwohner'"),
    ("Stadtbezirk;Jahr;[%]\n", "names no indicator"),
    ("Stadtbezirk;Jahr;Einwohner\nStadtbezirk Wanne;2018;1;2\n", "row 2 has more cells"),
    ('Stadtbezirk;Jahr;Einwohner\n"Stadtbezirk Wanne;2018;1\n', "malformed CSV"),
])
def test_what_is_no_table_cannot_be_read(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as raised:
        table(text)
    assert raised.value.exit_code == 2 and raised.value.location is not None


def test_an_empty_cell_is_no_value_not_zero() -> None:
    [row], problems = resolve_rows(table("Stadtbezirk;Jahr;Einwohner;Anteil [%]\nStadtbezirk Wanne;2018;;9,3\n"),
                                   places())
    assert problems == [] and row.values == {"anteil": Decimal("9.3")}


# --- matching -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "place"), [
    ("Stadtbezirk Wanne", WANNE),  # skos:prefLabel and rdfs:label
    ("stadtbezirk   WANNE ", WANNE),  # case and white space
    ("Wanne district", WANNE),  # a label in another language
    ("Bezirk Wanne", WANNE),  # skos:altLabel
    ("stadtbezirk-wanne", WANNE),  # skos:notation
    ("05916000", URIRef(BASE + "ort/herne")),  # dcterms:identifier (the AGS)
    ("Wanne", URIRef(BASE + "ort/ortsteil-wanne")),  # the Ortsteil, not the Stadtbezirk
    (unicodedata.normalize("NFD", "Börnig"), URIRef(BASE + "ort/ortsteil-boernig")),  # decomposed umlaut
])
def test_districts_match_by_label_alt_label_notation_or_key(name: str, place: URIRef) -> None:
    assert places().match(name) == [place]


def test_only_geo_features_are_places() -> None:
    assert places().match("Stadtbezirk Sodingen") == []


def test_an_unknown_district_is_reported_by_row_with_a_suggestion() -> None:
    text = "Stadtbezirk;Jahr;Einwohner\nStadtbezirk Wanne;2017;1\nStadtbezirk Wane;2018;2\n"
    assert problems_of(text) == ["test.csv: Zeile 3, Spalte Stadtbezirk: Gebiet „Stadtbezirk Wane“ nicht gefunden. "
                                 "Meinten Sie „Stadtbezirk Wanne“?"]


def test_an_ambiguous_district_is_reported_with_the_places_it_matches() -> None:
    [problem] = problems_of("Stadtbezirk;Jahr;Einwohner\nHolsterhausen;2018;1\n")
    assert "Zeile 2, Spalte Stadtbezirk: „Holsterhausen“ passt auf mehrere Orte" in problem
    assert f"<{BASE}ort/holsterhausen-a>" in problem and f"<{BASE}ort/holsterhausen-b>" in problem


def test_a_district_and_year_twice_is_refused_even_under_another_name() -> None:
    text = "Stadtbezirk;Jahr;Einwohner\nStadtbezirk Wanne;2018;1\nStadtbezirk Eickel;2018;2\nBezirk Wanne;2018;3\n"
    assert problems_of(text) == ["test.csv: Zeile 4, Spalte Stadtbezirk: Stadtbezirk Wanne 2018 steht schon in "
                                 "Zeile 2: eine Zeile je Gebiet und Jahr."]


def test_every_bad_cell_is_reported_in_one_pass() -> None:
    text = "Stadtbezirk;Jahr;Einwohner;Anteil [%]\nStadtbezirk Wanne;18;1;x\n;2018;1;2\n"
    found = problems_of(text)
    assert [p.split(": ")[1] for p in found] == ["Zeile 2, Spalte Jahr", "Zeile 2, Spalte Anteil [%]",
                                                  "Zeile 3, Spalte Stadtbezirk"]
    assert "„18“ ist kein Jahr" in found[0] and "„x“ ist keine Zahl" in found[1]
    _, problems = resolve_rows(table(text), places())
    assert problems[0].render("test.csv", "en") == ('test.csv: row 2, column Jahr: "18" is not a year (four digits, '
                                                    "e.g. 2018).")


def test_a_shape_problem_is_named_by_the_row_and_column_of_its_observation() -> None:
    """The shapes run on the observations; what they find is reported where the user looks for it."""
    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .  @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix qb: <http://purl.org/linked-data/cube#> .
        @prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
        <urn:test:shape> a sh:NodeShape ; sh:targetClass qb:Observation ; sh:property [
            sh:path sdmx-dimension:refPeriod ; sh:datatype xsd:date ;
            sh:message "Das Jahr als Datum."@de , "The year as a date."@en ] .""")
    text = "Stadtbezirk;Jahr;Einwohner\nStadtbezirk Wanne;2018;1\nStadtbezirk Eickel;2018;2\n"
    result = import_table(table(text), places(), MINTER, "datum", None, WHEN, shapes)
    assert [p.render("test.csv", "en") for p in result.problems] == [
        "test.csv: row 2, column Jahr: The year as a date.", "test.csv: row 3, column Jahr: The year as a date."]


def test_a_refused_table_imports_nothing() -> None:
    result = import_table(read_table(MISSPELLED.read_bytes(), MISSPELLED.name), places(), MINTER, "x", None, WHEN,
                          resources.shapes_graph())
    assert not result.conforms and len(result.graph) == 0
    assert [p.row for p in result.problems] == [5]


def test_a_gap_breaks_ic14_and_is_named_by_its_cell() -> None:
    text = "Stadtbezirk;Jahr;Einwohner;Anteil [%]\nStadtbezirk Wanne;2018;1;2\nStadtbezirk Eickel;2018;;3\n"
    result = import_table(table(text), places(), MINTER, "luecke", None, WHEN, resources.shapes_graph())
    rendered = [p.render("test.csv", "de") for p in result.problems]
    assert rendered[0].startswith("test.csv: Zeile 3, Spalte Einwohner: Die Zelle ist leer.")
    assert rendered[1].startswith("test.csv: IC-14 All measures present: ")
    assert not result.conforms and len(rendered) == 2


# --- the cube -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def example_cube(published: MemoryStore) -> Graph:
    result = import_table(read_table(EXAMPLE.read_bytes(), str(EXAMPLE)), Places.from_store(published), MINTER,
                          "bezirksstatistik-beispiel", None, WHEN, resources.shapes_graph())
    assert result.conforms, [p.render("example", "en") for p in result.problems]
    assert result.observations == 20
    return result.graph


def test_the_example_is_a_well_formed_cube(example_cube: Graph) -> None:
    assert check_cube(example_cube) == []
    assert len(set(example_cube.subjects(RDF.type, QB.Observation))) == 20


def test_the_data_set_says_what_it_is_and_where_it_comes_from(example_cube: Graph) -> None:
    dataset = MINTER.statistics("bezirksstatistik-beispiel")
    title = example_cube.value(dataset, DCTERMS.title)
    assert isinstance(title, Literal) and title.language == "de" and str(title).startswith("BEISPIELDATEN")
    assert example_cube.value(dataset, RDFS.label) == title
    comments = {str(c) for c in example_cube.objects(dataset, RDFS.comment)}
    assert any(c.startswith("EXAMPLE DATA, NOT OFFICIAL FIGURES") for c in comments) and len(comments) == 2
    assert example_cube.value(dataset, DCTERMS.source) == Literal("bezirksstatistik-beispiel.csv")
    assert example_cube.value(dataset, PROV.generatedAtTime) == Literal(WHEN, datatype=ns.XSD.dateTime)
    assert example_cube.value(dataset, QB.structure) == MINTER.statistics_structure("bezirksstatistik-beispiel")


def test_observations_have_deterministic_iris_and_typed_values(example_cube: Graph) -> None:
    key = "bezirksstatistik-beispiel"
    observation = URIRef(f"{BASE}statistik/{key}/beobachtung/stadtbezirk-wanne-2018")
    assert observation == MINTER.observation(key, WANNE, 2018)
    assert example_cube.value(observation, SDMX_DIMENSION.refArea) == WANNE
    assert example_cube.value(observation, SDMX_DIMENSION.refPeriod) == Literal("2018", datatype=ns.XSD.gYear)
    residents, share = (MINTER.statistics_measure(key, label) for label in ("Einwohner", "Anteil Neuzugewanderte"))
    assert example_cube.value(observation, residents) == Literal(33450)
    assert example_cube.value(observation, share) == Literal(Decimal("9.3"))
    assert example_cube.value(residents, RDFS.range) == ns.XSD.integer
    assert example_cube.value(share, RDFS.range) == ns.XSD.decimal
    assert example_cube.value(share, RDFS.label) == Literal("Anteil Neuzugewanderte", lang="de")


def test_units_are_shared_iris_with_labels(example_cube: Graph) -> None:
    share = MINTER.statistics_measure("bezirksstatistik-beispiel", "Anteil Neuzugewanderte")
    percent = example_cube.value(share, SDMX_ATTRIBUTE.unitMeasure)
    assert percent == MINTER.unit("prozent") == URIRef(BASE + "einheit/prozent")
    assert example_cube.value(percent, SKOS.prefLabel) == Literal("%", lang="de")
    assert example_cube.value(percent, SKOS.exactMatch) == QUDT_UNIT.PERCENT
    assert example_cube.value(MINTER.unit("anzahl"), SKOS.exactMatch) == QUDT_UNIT.NUM


def test_a_title_given_wins_and_without_comments_the_key_is_the_title() -> None:
    text = "Stadtbezirk;Jahr;Einwohner\nStadtbezirk Wanne;2018;1\n"
    for title, expected in (("Einwohner 2018", "Einwohner 2018"), (None, "einwohner-2018")):
        result = import_table(table(text), places(), MINTER, "einwohner-2018", title, WHEN, resources.shapes_graph())
        assert result.graph.value(MINTER.statistics("einwohner-2018"), DCTERMS.title) == Literal(expected, lang="de")


def test_a_key_that_is_no_slug_is_refused() -> None:
    with pytest.raises(InputError, match="lower-case letters"):
        import_table(table("Stadtbezirk;Jahr;Einwohner\nStadtbezirk Wanne;2018;1\n"), places(), MINTER, "Bezirke 2018",
                     None, WHEN, resources.shapes_graph())


def test_storing_replaces_the_graph_and_nothing_else(published: MemoryStore, example_cube: Graph) -> None:
    store = MemoryStore(load_dataset_copy(published))
    before = {g.name: g.triples for g in store.graphs()}
    graph = store_cube(store, MINTER, "bezirksstatistik-beispiel", example_cube)
    assert graph == URIRef(BASE + "graph/statistik-bezirksstatistik-beispiel")
    smaller = import_table(table("Stadtbezirk;Jahr;Einwohner\nStadtbezirk Wanne;2018;1\n"),
                           Places.from_store(store), MINTER, "bezirksstatistik-beispiel", None, WHEN,
                           resources.shapes_graph())
    store_cube(store, MINTER, "bezirksstatistik-beispiel", smaller.graph)
    after = {g.name: g.triples for g in store.graphs()}
    assert after[graph] == len(smaller.graph)
    assert {name: count for name, count in after.items() if name != graph} == before


def load_dataset_copy(store: MemoryStore) -> Dataset:
    copy = Dataset()
    for quad in store.dataset.quads((None, None, None, None)):
        copy.add(quad)
    return copy


# --- the catalog --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def summary(published: MemoryStore, example_cube: Graph) -> StatisticsDataset:
    store = MemoryStore(load_dataset_copy(published))
    store_cube(store, MINTER, "bezirksstatistik-beispiel", example_cube)
    [found] = statistics_datasets(store, MINTER)
    return found


def test_what_is_stored_is_summarised_for_the_catalog(summary: StatisticsDataset) -> None:
    assert summary.dataset == MINTER.statistics("bezirksstatistik-beispiel")
    assert summary.graph == MINTER.statistics_graph("bezirksstatistik-beispiel")
    assert summary.title.startswith("BEISPIELDATEN") and summary.years == (2016, 2020)
    assert summary.indicators == ("Anteil Neuzugewanderte", "Einwohner", "Wohngeldhaushalte")
    assert WANNE in summary.places and len(summary.places) == 4 and summary.observations == 20
    assert summary.generated == WHEN and summary.source == "bezirksstatistik-beispiel.csv"


def test_the_catalog_lists_the_statistics_as_a_dataset(summary: StatisticsDataset) -> None:
    iris, site = CatalogIris.of(MINTER), Site("http://127.0.0.1:5000/")
    g = catalog_graph(iris, site, WHEN, statistics=[summary])
    d = summary.dataset
    assert (iris.catalog, ns.DCAT.dataset, d) in g and (iris.service, ns.DCAT.servesDataset, d) in g
    assert (d, RDF.type, ns.DCAT.Dataset) in g and (d, DCTERMS.publisher, iris.publisher) in g
    assert str(g.value(d, DCTERMS.title)).startswith("BEISPIELDATEN")
    assert {(d, DCTERMS.spatial, place) in g for place in summary.places} == {True}
    period = g.value(d, DCTERMS.temporal)
    assert g.value(period, ns.DCAT.startDate) == Literal("2016", datatype=ns.XSD.gYear)
    assert g.value(period, ns.DCAT.endDate) == Literal("2020", datatype=ns.XSD.gYear)
    urls = {str(g.value(dist, ns.DCAT.accessURL)) for dist in g.objects(d, ns.DCAT.distribution)}
    assert "http://127.0.0.1:5000/sparql" in urls
    assert any(url.startswith("http://127.0.0.1:5000/sparql?query=CONSTRUCT") and "format=ttl" in url for url in urls)


@pytest.mark.parametrize("repaired", [False, True], ids=["as-published", "dcatap-prefix-repaired"])
def test_the_catalog_with_statistics_conforms_to_dcat_ap_de(summary: StatisticsDataset, repaired: bool) -> None:
    g = catalog_graph(CatalogIris.of(MINTER), Site("http://127.0.0.1:5000/"), WHEN, statistics=[summary])
    assert violations(check(g, repaired)) == []


# --- the command --------------------------------------------------------------------------------------------------

def _cli(*args: str | Path, store: Path, dataset: Path) -> tuple[int, str, str]:
    return run_plangraph(*args, "--store", str(store), env={"PLANGRAPH_DATASET": str(dataset)})


def _count(store: Path, dataset: Path, where: str) -> int:
    code, out, err = run_plangraph("query", "--format", "json", "--store", str(store),
                                   f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}",
                                   env={"PLANGRAPH_DATASET": str(dataset)})
    assert code == 0, err
    return int(json.loads(out)["results"]["bindings"][0]["n"]["value"])


GRAPH = f"{BASE}graph/statistik-bezirksstatistik-beispiel"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, dataset_file: Path) -> Path:
    """A store folder with the example imported by the command."""
    folder = tmp_path_factory.mktemp("stats") / "store"
    code, out, err = _cli("import-stats", EXAMPLE, "--dataset", "bezirksstatistik-beispiel", store=folder,
                          dataset=dataset_file)
    assert code == 0, err
    assert out == f"{EXAMPLE}: 20 observations imported into <{GRAPH}>\n"
    return folder


def test_the_command_imports_the_example(imported: Path, dataset_file: Path) -> None:
    assert _count(imported, dataset_file, f"GRAPH <{GRAPH}> {{ ?o a <{QB.Observation}> }}") == 20


def test_the_command_refuses_a_misspelled_district_and_stores_nothing(imported: Path, dataset_file: Path) -> None:
    code, out, err = _cli("import-stats", MISSPELLED, "--dataset", "falsch", store=imported, dataset=dataset_file)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{MISSPELLED}: Zeile 5, Spalte Stadtbezirk: Gebiet „Stadtbezirk Wane“ nicht gefunden. "
        "Meinten Sie „Stadtbezirk Wanne“?",
        f"{MISSPELLED}: nichts importiert"]
    code, _, err = _cli("import-stats", MISSPELLED, "--dataset", "falsch", "--lang", "en", store=imported,
                        dataset=dataset_file)
    assert code == 1 and 'row 5, column Stadtbezirk: Area "Stadtbezirk Wane" not found. Did you mean' in err
    assert _count(imported, dataset_file, f"GRAPH <{BASE}graph/statistik-falsch> {{ ?s ?p ?o }}") == 0


def test_the_command_cannot_read_what_is_no_table(imported: Path, dataset_file: Path, tmp_path: Path) -> None:
    no_year = tmp_path / "ohne-jahr.csv"
    no_year.write_text("Stadtbezirk;Einwohner\nStadtbezirk Wanne;1\n", encoding="utf-8")
    for path, key, message in ((tmp_path / "fehlt.csv", "x", "cannot read the file"),
                               (no_year, "x", "no column 'Jahr'"),
                               (EXAMPLE, "Nicht Erlaubt", "the dataset key must be")):
        code, out, err = _cli("import-stats", path, "--dataset", key, store=imported, dataset=dataset_file)
        assert (code, out) == (2, "") and message in err, err


def test_importing_the_same_key_again_replaces_its_graph_only(imported: Path, dataset_file: Path,
                                                              tmp_path: Path) -> None:
    plan = f"GRAPH <{BASE}graph/plan> {{ ?s ?p ?o }}"
    before = _count(imported, dataset_file, plan)
    table_file = tmp_path / "kurz.csv"
    table_file.write_text("Stadtbezirk;Jahr;Einwohner [Anzahl]\nStadtbezirk Eickel;2021;32300\n", encoding="utf-8")
    try:
        code, _, err = _cli("import-stats", table_file, "--dataset", "bezirksstatistik-beispiel", "--title", "Kurz",
                            store=imported, dataset=dataset_file)
        assert code == 0, err
        assert _count(imported, dataset_file, f"GRAPH <{GRAPH}> {{ ?o a <{QB.Observation}> }}") == 1
        assert _count(imported, dataset_file, f"GRAPH <{GRAPH}> {{ ?o <{SDMX_DIMENSION.refArea}> <{WANNE}> }}") == 0
        assert _count(imported, dataset_file, plan) == before
    finally:  # the example back, for the HTTP test that shares the store
        code, _, err = _cli("import-stats", EXAMPLE, "--dataset", "bezirksstatistik-beispiel", store=imported,
                            dataset=dataset_file)
        assert code == 0, err


# --- over HTTP ----------------------------------------------------------------------------------------------------

def test_the_imported_example_over_http(imported: Path, dataset_file: Path, tmp_path: Path) -> None:
    with serve_process(dataset_file, tmp_path, {"PLANGRAPH_STORE": str(imported)}) as (url, _):
        json_results = {"Accept": "application/sparql-results+json"}
        wanne = (f"SELECT ?o ?year WHERE {{ ?o <{SDMX_DIMENSION.refArea}> <{WANNE}> ; "
                 f"<{SDMX_DIMENSION.refPeriod}> ?year }} ORDER BY ?year")
        answer = requests.get(url + "sparql", params={"query": wanne}, headers=json_results, timeout=30)
        assert answer.status_code == 200, answer.text
        rows = answer.json()["results"]["bindings"]
        assert [r["year"]["value"] for r in rows] == ["2016", "2017", "2018", "2019", "2020"]
        assert rows[0]["o"]["value"] == f"{BASE}statistik/bezirksstatistik-beispiel/beobachtung/stadtbezirk-wanne-2016"

        answer = requests.get(url + "sparql", params={"query": ROSE}, headers=json_results, timeout=30)
        assert answer.status_code == 200, answer.text
        rose = {r["district"]["value"].rsplit("/", 1)[-1] for r in answer.json()["results"]["bindings"]}
        assert rose == {"stadtbezirk-wanne", "stadtbezirk-herne-mitte"}

        catalog = requests.get(url + "catalog", headers={"Accept": "text/turtle"}, timeout=30)
        assert catalog.status_code == 200
        g = Graph().parse(data=catalog.text, format="turtle")
        dataset = MINTER.statistics("bezirksstatistik-beispiel")
        assert (dataset, RDF.type, ns.DCAT.Dataset) in g
        assert str(g.value(dataset, DCTERMS.title)).startswith("BEISPIELDATEN")
        dump = next(g.value(d, ns.DCAT.downloadURL) for d in g.objects(dataset, ns.DCAT.distribution)
                    if g.value(d, ns.DCAT.downloadURL) is not None)
        cube = Graph().parse(data=requests.get(str(dump), timeout=30).text, format="turtle")
        assert len(set(cube.subjects(RDF.type, QB.Observation))) == 20 and check_cube(cube) == []

        page = requests.get(url + "catalog", headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and "BEISPIELDATEN" in page.text
        observation = requests.get(url + "statistik/bezirksstatistik-beispiel/beobachtung/stadtbezirk-wanne-2018",
                                   headers={"Accept": "text/html"}, timeout=30)
        assert observation.status_code == 200 and "Stadtbezirk Wanne, 2018" in observation.text
