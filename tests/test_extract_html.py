"""HTML → text on ballerup.dk-style pages rendered from the samples, and on hostile markup."""

from __future__ import annotations

import time

import pytest

from referat.ingest.html import html_to_text
from referat.ingest.load import extract
from tests.fixtures import make_fixtures
from tests.fixtures.make_fixtures import STEMS, expected, lines_of


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory):
    return make_fixtures.build(tmp_path_factory.getbasetemp() / "extract-fixtures")["001.pdf"].parent


@pytest.fixture(scope="module")
def pages(fixtures_dir):
    return {stem: extract((fixtures_dir / f"{stem}.html").read_bytes(), f"https://ballerup.dk/dagsorden/{stem}")
            for stem in STEMS}


@pytest.mark.parametrize("stem", STEMS)
def test_html_reproduces_the_sample_line_for_line(pages, stem):
    assert pages[stem].content_type == "html"
    assert lines_of(pages[stem].text) == expected(stem)


@pytest.mark.parametrize("stem", STEMS)
def test_page_furniture_is_dropped(pages, stem):
    text = pages[stem].text
    assert "Borger" not in text.split("\n") and "Erhverv" not in text.split("\n")  # menu items
    for furniture in ("cookies", "Tillad alle", "Politik og demokrati", "Søg på", "Forside",
                      "Dagsordener og referater", "Hold-An Vej", "Tilgængelighedserklæring", "Tracking tekst",
                      "console.log", "Se også", "Gå til indhold", "dataLayer"):
        assert furniture not in text, furniture


def test_structure_of_a_meeting_page(pages):
    text = pages["001"].text
    assert text.startswith("# REFERAT Erhvervs- og Beskæftigelsesudvalget d. 18-08-2020\n\n")
    assert "\n\n## Punkt 1: Meddelelser\n\n" in text
    assert "\n\n### Beslutning\n\nTaget til efterretning\n\n" in text
    assert "3. Borgmesterens møder med detailhandlen.\n4. Borgmesterens virksomhedsbesøg:" in text
    assert "- 20.44 Førtidspension." in text.split("\n")
    assert "20.44 Førtidspension\t256.216\t259.534\t0\t0\t259.534" in text.split("\n")
    # <br> inside a paragraph is a line break, not a new paragraph
    assert "Cardcoin: <https://cardcoin.dk/da/>\nHotel Lautrup: <https://lautruppark.dk/>" in text


def test_small_page_rules():
    markup = """<!doctype html><html><body><nav>Menu</nav><div class="cookie-consent">Cookies!</div>
    <article><h2>Punkt 3: Sag &amp; mere</h2><p>Første&nbsp;linje<br>anden   linje</p>
    <ol start="2"><li>to</li><li>tre<ul><li>under</li></ul></li></ol>
    <table><tr><th>Navn</th><th>Parti</th></tr><tr><td>Per<br>Mortensen</td><td>A</td></tr></table>
    <noscript>ingen js</noscript><button>Print</button>
    </article><p style="display:none">skjult</p><div hidden>også skjult</div>
    <footer>Kontakt os</footer></body></html>"""
    assert html_to_text(markup) == (
        "## Punkt 3: Sag & mere\n\nFørste linje\nanden linje\n\n2. to\n3. tre\n- under\n\nNavn\tParti\nPer Mortensen\tA\n"
    )


def test_collapsed_accordion_items_are_content():
    """Meeting pages fold each item into an accordion; the closed panels are hidden, not absent."""
    markup = """<html><body><div class="share-buttons">Del på Facebook</div><main>
    <div class="accordion udvalg-social-sundhed">
      <button aria-expanded="false" aria-controls="p1">Punkt 1: Meddelelser</button>
      <div id="p1" hidden><h3>Beslutning</h3><p>Taget til efterretning</p></div>
      <button class="accordion-toggle"><h2>Punkt 2: Budget</h2></button>
      <div style="display: none" aria-hidden="true"><p>Godkendt</p></div>
    </div><nav class="pagination">1 2 3</nav></main></body></html>"""
    assert html_to_text(markup) == (
        "Punkt 1: Meddelelser\n\n### Beslutning\n\nTaget til efterretning\n\n## Punkt 2: Budget\n\nGodkendt\n"
    )


def test_main_is_preferred_over_the_rest_of_the_body():
    markup = "<html><body><div>Nyheder fra kommunen</div><main><p>Referatet</p></main><div>Mere</div></body></html>"
    assert html_to_text(markup) == "Referatet\n"


def test_hostile_markup_neither_crashes_nor_hangs(fixtures_dir):
    data = (fixtures_dir / "hostile.html").read_bytes()
    start = time.monotonic()
    text = extract(data, "hostile.html").text
    assert time.monotonic() - start < 5
    assert "Første afsnit med æøå & entiteter og mere." in text
    assert "dybt indhold" in text and "stor attribut" in text
    assert "<script>alert('tekst')</script> er tekst" in text  # escaped markup is text
    assert "while(true)" not in text  # a real script is not
    # the unclosed cell swallows the list that follows, as in a browser; a cell stays one line
    assert "uafsluttet celle\tto punkt uden slut andet" in text


def test_charset_from_meta_and_cp1252_fallback():
    latin = '<html><head><meta charset="iso-8859-1"></head><body><p>Møde på Rådhuset</p></body></html>'
    assert extract(latin.encode("cp1252"), "x.html").text == "Møde på Rådhuset\n"
    bare = "<html><body><p>Æbler og pærer</p></body></html>".encode("cp1252")
    assert extract(bare, "y.html").text == "Æbler og pærer\n"


def test_an_empty_page_is_an_error():
    from referat.errors import ExtractionError

    with pytest.raises(ExtractionError, match="empty.html: the web page has no text"):
        extract(b"<html><body><nav>Menu</nav><script>x()</script></body></html>", "empty.html").text
