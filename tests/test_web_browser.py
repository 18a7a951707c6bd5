"""The web interface end to end: `referat serve` as a real process over the ingested samples, driven
by a real headless Chromium (Debian's, through Playwright; no browser is ever downloaded)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import ROOT, SAMPLES, require

CHROMIUM = os.environ.get("REFERAT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
UID_2020_6 = "erhvervs-og-beskaeftigelsesudvalget-2020-08-18-6"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def record_failed_fetch(archive) -> None:
    """A source whose last fetch failed, as `referat fetch` records one (the front page then links /kilder)."""
    from datetime import datetime, timezone

    from referat import store

    now = datetime.now(timezone.utc)
    store.freshness.record_fetch_run(archive.db, source="Testkommune", started_at=now, finished_at=now, documents=0, failed=1,
                                     error="no listing page could be read (https://testkommune.invalid/referater: HTTP 404 Not Found)")  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from referat.archive import Archive

    folder = tmp_path_factory.mktemp("in")
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy(sample, folder / sample.name)
    data = tmp_path_factory.mktemp("data")
    with Archive(data) as archive:
        assert not archive.ingest([folder]).failed
        record_failed_fetch(archive)
    port = _free_port()
    log = (data / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "referat.cli", "--data", str(data), "serve", "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as response:
                    assert response.status == 200
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("referat serve did not start: " + (data / "serve.log").read_text(errors="replace"))
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require("Playwright", sync_playwright is not None, "pip install playwright (the Python package; no browser download)")
    require("Chromium", Path(CHROMIUM).exists(), f"install Debian's chromium ({CHROMIUM}) or set REFERAT_CHROMIUM")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, base_url=server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert not errors, errors  # no script errors, no CSP violations


def test_search_item_case_and_history_download(page, tmp_path):
    page.goto("/")
    page.get_by_label("Søg i dagsordenspunkter").fill("indvandrere")
    page.keyboard.press("Enter")
    page.wait_for_url("**/soeg?q=indvandrere")
    hit = page.get_by_role("link", name="Indsatser for ledige med ikke-vestlig baggrund")
    assert page.locator("mark").first.inner_text().lower().startswith("indvandrer")
    assert "18. august 2020" in page.locator(".hit").first.inner_text()
    hit.click()
    page.wait_for_url(f"**/punkt/{UID_2020_6}")
    assert page.locator("h1").inner_text() == "Indsatser for ledige med ikke-vestlig baggrund"
    assert "Indstillingen godkendt" in page.locator(".decision-box").inner_text()
    page.locator("dl.facts").get_by_role("link", name="15.00.00-P05-4-20").click()
    page.wait_for_url("**/sag/15.00.00-P05-4-20")
    assert "Sagsforløb" in page.locator("#forloeb").inner_text()
    assert "via samme sagsnummer" in page.locator("ol.timeline").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Markdown").click()
    download = info.value
    assert download.suggested_filename == "sagsforloeb-15.00.00-P05-4-20.md"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("## Sagsforløb: Indsatser for ledige med ikke-vestlig baggrund (15.00.00-P05-4-20)")
    assert "**Erhvervs- og Beskæftigelsesudvalget, 18. august 2020, punkt 6**" in text
    assert "Beslutning: Indstillingen godkendt." in text


def test_what_happened_to_budget_point_5_3_in_three_clicks(page):
    page.goto("/")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Budgetaftaler").click()  # 1
    page.get_by_role("link", name="Aftale om budget 2019").click()  # 2
    page.get_by_role("link", name="5.3", exact=True).click()  # 3
    page.wait_for_url("**/budget/2019/5.3")
    assert page.locator("h1").inner_text() == "Aftale om budget 2019, punkt 5.3: Flere indvandrere i job"
    assert "ikke-vestlige indvandrere" in page.locator(".status-box").inner_text()
    explicit = page.locator("section[aria-labelledby=h-explicit]")
    assert "Inveseringscase om øget beskæftigelse" in explicit.inner_text()
    suggested = page.locator("section[aria-labelledby=h-suggested]")
    assert "Indsatser for ledige med ikke-vestlig baggrund" in suggested.inner_text()
    assert "indvandrere" in suggested.locator(".evidence").first.inner_text()
    suggested.get_by_role("link", name="Indsatser for ledige med ikke-vestlig baggrund").click()
    page.wait_for_url(f"**/punkt/{UID_2020_6}")


def test_facet_filter_and_keyboard_use(page):
    page.goto("/soeg?q=job")
    page.locator(".facets").get_by_role("link", name="Taget til efterretning").click()
    page.wait_for_url("**beslutning=noted**")
    badges = page.locator(".results .badge").all_inner_texts()
    assert badges and set(badges) == {"Taget til efterretning"}
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Spring til indhold"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # visible focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "indhold"


def test_the_front_page_leads_to_the_sources_that_need_attention(page):
    page.goto("/")
    page.get_by_role("link", name="1 kilde; 1 kræver opmærksomhed").click()
    page.wait_for_url("**/kilder")
    row = page.get_by_role("row", name="Testkommune")
    assert "Kræver opmærksomhed" in row.inner_text()
    assert "Seneste hentning fejlede: no listing page could be read" in row.inner_text()


@pytest.mark.parametrize("path", ["/soeg?q=indvandrere", "/budget/2019/5.3", f"/punkt/{UID_2020_6}", "/budget/2019", "/kilder", "/loese-ender", "/parti"])
def test_phone_width_has_no_sideways_scrolling(browser, server, path, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server)
    page = context.new_page()
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    if os.environ.get("REFERAT_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["REFERAT_SCREENSHOTS"]) / (path.strip("/").replace("/", "_").replace("?", "_") + "-390.png")))
    context.close()
    assert width <= 390, (path, width)


def test_search_page_offers_its_atom_feed(page):
    page.goto("/soeg?q=indvandrere")
    link = page.get_by_role("link", name="Abonnér (Atom)")
    href = link.get_attribute("href")
    assert href == "/soeg/feed?q=indvandrere"
    assert page.locator('head link[rel=alternate][type="application/atom+xml"]').get_attribute("href") == href
    response = page.request.get(href)  # with the browser's own HTTP stack, against the real server
    assert response.status == 200 and response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    body = response.text()
    assert body.startswith("<?xml") and "<title type=\"text\">Indsatser for ledige med ikke-vestlig baggrund</title>" in body
    assert f"{page.url.split('/soeg')[0]}/punkt/{UID_2020_6}" in body  # absolute links under the server's own address


def test_loose_ends_and_parties_from_the_menu(page):
    page.goto("/")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Løse ender").click()
    page.wait_for_url("**/loese-ender")
    assert page.get_by_role("heading", level=1).inner_text() == "Løse ender"
    points = page.get_by_role("heading", name=re.compile("Budgetpunkter uden sager"))
    assert points.is_visible()
    page.get_by_label("År").fill("2019")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**/loese-ender?aar=2019*")
    assert "Aftale om budget 2019, punkt" in page.locator("main").inner_text()
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Partier").click()
    page.wait_for_url("**/parti")
    assert page.get_by_role("heading", level=1).inner_text() == "Partier"
