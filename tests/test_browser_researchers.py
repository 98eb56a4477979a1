"""A researcher's path, as a new user would take it: import the example district statistics with the CLI, start
the server, see the statistics (table and chart) on the Wanne and Herne-Mitte pages in a real browser (Debian's
chromium driven by Playwright), run the join examples on /query, download the researchers' answer as CSV, and
get a clear refusal for a table with a misspelled district. Screenshots go to build/test-artifacts/."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from conftest import ARTIFACTS, PROJECT_ROOT, run_plangraph, serve_process

EXAMPLE = PROJECT_ROOT / "data" / "examples" / "bezirksstatistik-beispiel.csv"
MISSPELLED = PROJECT_ROOT / "tests" / "data" / "stats" / "falscher-bezirk.csv"


@pytest.fixture(scope="module")
def server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("researcher")
    store = str(folder / "store")
    code, out, err = run_plangraph("import-stats", EXAMPLE, "--dataset", "bezirksstatistik-beispiel",
                                   "--store", store, env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    assert "20" in out + err  # observations imported
    with serve_process(dataset_file, folder, {"PLANGRAPH_STORE": store}) as (url, _):
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE", viewport={"width": 1100, "height": 1400}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    yield page
    context.close()
    assert errors == [], errors


@pytest.mark.parametrize(("path", "name"), [("ort/stadtbezirk-wanne", "Stadtbezirk Wanne"),
                                            ("ort/stadtbezirk-herne-mitte", "Stadtbezirk Herne-Mitte")])
def test_the_district_pages_show_the_imported_statistics(page: Page, server: str, path: str, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(server + path)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    statistics = page.get_by_role("region", name="Statistik", exact=True)
    expect(statistics).to_contain_text("BEISPIELDATEN")
    expect(statistics).to_contain_text("Anteil Neuzugewanderte")
    expect(statistics.locator("svg").first).to_be_visible()
    expect(statistics.locator("table").first).to_contain_text("2016")
    expect(statistics.locator("table").first).to_contain_text("2020")
    page.screenshot(path=str(ARTIFACTS / f"researcher-{path.rsplit('/', 1)[1]}.png"), full_page=True)


def test_the_join_examples_answer_and_the_answer_downloads_as_csv(page: Page, server: str) -> None:
    page.goto(server + "query")
    page.get_by_role("link", name="Neuzugewanderte", exact=False).click()
    page.get_by_role("button", name="Abfrage ausführen").click()
    table = page.locator("table").first
    expect(table).to_contain_text("A2.1")
    expect(table).to_contain_text("Stadtbezirk Wanne")
    expect(table).to_contain_text("Stadtbezirk Herne-Mitte")
    with page.expect_download() as caught:
        page.get_by_role("link", name="CSV", exact=False).first.click()
    download = caught.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8"))))
    assert {"massnahme", "gebiet", "vonWert", "bisWert"} <= set(rows[0])
    rose = {(r["massnahme"], r["gebiet"]) for r in rows}
    assert ("A2.1", "Stadtbezirk Wanne") in rose and ("A2.1", "Stadtbezirk Herne-Mitte") in rose
    assert all(float(r["bisWert"]) > float(r["vonWert"]) for r in rows)

    for number in ("11", "12", "13"):  # the other join examples answer too
        response = requests.get(server + "query", timeout=60,
                                params={"example": next(p.stem for p in (PROJECT_ROOT / "src" / "plangraph" /
                                                                         "examples").glob(f"{number}-*.rq"))})
        assert response.status_code == 200 and "<table" in response.text


def test_a_misspelled_district_is_refused_clearly_and_nothing_is_stored(tmp_path: Path, dataset_file: Path) -> None:
    store = str(tmp_path / "store")
    code, out, err = run_plangraph("import-stats", MISSPELLED, "--dataset", "falsch", "--store", store,
                                   env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 1
    assert "Zeile 5, Spalte Stadtbezirk" in err and "Wane" in err and "Stadtbezirk Wanne" in err
    assert "nichts importiert" in err
    code, out, err = run_plangraph("query", "--store", store, "--format", "csv",
                                   "SELECT (COUNT(*) AS ?n) WHERE { "
                                   "?o a <http://purl.org/linked-data/cube#Observation> ; "
                                   "<http://purl.org/linked-data/sdmx/2009/dimension#refArea> ?a . "
                                   "FILTER(STRSTARTS(STR(?o), 'https://w3id.org/plangraph/herne/statistik/falsch')) }",
                                   env={"PLANGRAPH_DATASET": str(dataset_file)})
    assert code == 0, err
    assert out.splitlines()[1].strip() == "0"
