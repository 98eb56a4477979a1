"""A data steward's path in a real browser (Debian's chromium driven by Playwright): open /validate, fill the
status-update form for measure B2.2 with a wrong value, read in German what is wrong next to the field, fix it,
submit it with a token, and see the new status on the measure's page and in SPARQL, the old one still in its
history. Screenshots are kept in build/test-artifacts/."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from conftest import ARTIFACTS, serve_process

TOKEN = "browser-steward-token-0123456789abcdef"
MEASURE = "https://w3id.org/plangraph/herne/wohnen-und-stadtentwicklung/massnahme/B2-2"
NEW_STATUS = "Bis Ende 2025 wurden 142 Haushalte in privaten Wohnraum vermittelt."


@pytest.fixture(scope="module")
def server(dataset_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("steward-browser")
    tokens = folder / "tokens.txt"
    tokens.write_text(f"Fachbereich Soziales {hashlib.sha256(TOKEN.encode()).hexdigest()}\n", "utf-8")
    env = {"PLANGRAPH_TOKENS_FILE": str(tokens), "PLANGRAPH_STORE": str(folder / "store")}
    with serve_process(dataset_file, folder, env) as (url, _):
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="de-DE", viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            and response.request.resource_type != "document" else None)
    yield page
    context.close()
    assert errors == [], errors  # no script errors, no CSP violations, no broken resource


def test_a_steward_reports_a_new_status_for_b2_2(page: Page, server: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(server + "validate")
    page.get_by_role("link", name="Statusmeldung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daten prüfen (Validierung)")

    # a wrong value: a measure that does not exist, and no status text
    page.get_by_label("Maßnahme").fill("B2.9")
    page.get_by_label("Stand", exact=True).fill("2025-12-31")
    page.get_by_label("Statuskategorie").select_option("in Umsetzung")
    page.get_by_role("button", name="Prüfen", exact=True).click()
    measure_field = page.locator(".field", has=page.get_by_label("Maßnahme"))
    expect(measure_field).to_have_class("field invalid")
    expect(measure_field.locator(".problem")).to_contain_text("B2.9")
    expect(measure_field.locator(".problem")).to_contain_text("Maßnahme")
    expect(page.get_by_label("Maßnahme")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(ARTIFACTS / "steward-1-problem.png"), full_page=True)

    # fixed, and a missing status text is reported next to its own field
    page.get_by_label("Maßnahme").fill("B2.2")
    page.get_by_role("button", name="Prüfen", exact=True).click()
    status_field = page.locator(".field", has=page.locator("#f-status"))
    expect(status_field.locator(".problem")).to_contain_text("Statusbericht braucht genau einen Text")
    expect(page.locator(".field", has=page.get_by_label("Maßnahme"))).not_to_have_class("field invalid")

    page.locator("#f-status").fill(NEW_STATUS)
    page.get_by_role("button", name="Prüfen", exact=True).click()
    expect(page.locator("#bericht")).to_have_text("Konform: Der Eintrag kann so eingereicht werden.")

    # submitted with the token
    page.get_by_label("Schreib-Token").fill(TOKEN)
    page.get_by_role("button", name="Prüfen und einreichen").click()
    expect(page.locator("#gespeichert")).to_have_text("Gespeichert")
    expect(page.locator(".stored")).to_contain_text("Fachbereich Soziales")
    page.screenshot(path=str(ARTIFACTS / "steward-2-stored.png"), full_page=True)

    # the measure's page: the new status on top, the plan's status in the history
    page.locator(".stored a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("B2.2")
    expect(page.locator("#stand")).to_have_text("Umsetzungsstand")
    expect(page.locator("section[aria-labelledby=stand] > .status-text").first).to_contain_text(NEW_STATUS)
    timeline = page.locator("ol.timeline li.report")
    expect(timeline).to_have_count(2)
    expect(timeline.first).to_contain_text("2025-12-31")
    expect(timeline.first).to_contain_text("Fachbereich Soziales")
    expect(timeline.last).to_contain_text("Stand laut Integrationskonzept")
    expect(timeline.last).to_contain_text("Ab August 2015")
    page.screenshot(path=str(ARTIFACTS / "steward-3-measure.png"), full_page=True)

    # and in SPARQL
    answer = requests.get(server + "sparql", timeout=30, headers={"Accept": "application/sparql-results+json"},
                          params={"query": f"""PREFIX pg: <https://w3id.org/plangraph/def#>
                              SELECT ?text WHERE {{ ?r pg:statusOf <{MEASURE}> ; pg:statusText ?text }}"""})
    assert [b["text"]["value"] for b in answer.json()["results"]["bindings"]] == [NEW_STATUS]


def test_a_wrong_token_in_the_form_keeps_the_values_and_stores_nothing(page: Page, server: str) -> None:
    page.goto(server + "validate?kind=status")
    page.get_by_label("Maßnahme").fill("B2.1")
    page.locator("#f-status").fill("Mit falschem Token.")
    page.get_by_label("Schreib-Token").fill("falsch")
    page.get_by_role("button", name="Prüfen und einreichen").click()
    expect(page.locator("#fehler")).to_be_visible()
    expect(page.get_by_label("Maßnahme")).to_have_value("B2.1")
    expect(page.locator("#f-status")).to_have_value("Mit falschem Token.")
    answer = requests.get(server + "sparql", timeout=30, headers={"Accept": "application/sparql-results+json"},
                          params={"query": 'ASK { ?r ?p "Mit falschem Token."@de }'})
    assert answer.json()["boolean"] is False
