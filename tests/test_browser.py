"""A person's path through the site in a real browser: Debian's chromium driven by Playwright (no browser
download: the executable is the system's). Opens the overview, follows a measure and back, runs an
example query and sees the result table. Screenshots are kept in build/test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import ARTIFACTS


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_overview_to_measure_and_back(page: Page, live_server: str) -> None:
    page.goto(live_server)
    expect(page.locator("h1")).to_contain_text("Integrationskonzept")
    page.get_by_role("link", name="Maßnahme B2.1", exact=True).first.click()
    expect(page.locator("h1")).to_contain_text("B2.1")
    expect(page.locator("main")).to_contain_text("Wohnungsführerschein")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "measure-B2-1.png"), full_page=True)
    page.go_back()
    expect(page.locator("h1")).to_contain_text("Integrationskonzept")


def test_run_an_example_query(page: Page, live_server: str) -> None:
    page.goto(live_server + "query")
    page.get_by_role("link", name="Maßnahmen je Fachbereich").click()
    table = page.locator("#ergebnistabelle")
    expect(table).to_be_visible()
    expect(table).to_contain_text("Fachbereich Soziales")
    page.get_by_label("SPARQL-Abfrage", exact=True).fill(
        "PREFIX pg: <https://w3id.org/plangraph/def#>\nSELECT (COUNT(?m) AS ?massnahmen) WHERE { ?m a pg:Measure }")
    page.get_by_role("button", name="Abfrage ausführen").click()
    expect(page.locator("#ergebnistabelle")).to_contain_text("9")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "query.png"), full_page=True)


def test_search_from_the_header(page: Page, live_server: str) -> None:
    page.goto(live_server)
    page.get_by_label("Im Plan suchen").first.fill("fluchtling")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Maßnahme B2.1")


def test_phone_viewport_has_no_horizontal_scroll(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    phone.goto(live_server + "wohnen-und-stadtentwicklung/massnahme/A2-1")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, f"the page is {width} px wide on a 375 px phone"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "phone-A2-1.png"), full_page=True)
    context.close()
