"""PDF → text on PDFs rendered from the samples: every heading, paragraph, list item and table row
comes back in order, page furniture does not, hyphenation is undone only where it is hyphenation."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest

from referat.ingest.load import extract
from referat.ingest.text import ExtractLimits, join_wrapped, normalize_text
from tests.fixtures import make_fixtures
from tests.fixtures.make_fixtures import STEMS, expected, lines_of

IN_PROCESS = ExtractLimits(isolate=False)


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory):
    """All extractor fixtures, rendered once per session (about 1 s); build() skips existing files."""
    return make_fixtures.build(tmp_path_factory.getbasetemp() / "extract-fixtures")["001.pdf"].parent


@pytest.fixture(scope="module")
def extracted(fixtures_dir):
    """stem → Extracted, through the worker process as the CLI does it."""
    return {stem: extract((fixtures_dir / f"{stem}.pdf").read_bytes(), f"{stem}.pdf") for stem in STEMS}


@pytest.mark.parametrize("stem", STEMS)
def test_pdf_reproduces_the_sample_line_for_line(extracted, stem):
    got = lines_of(extracted[stem].text)
    want = expected(stem)
    assert got == want


@pytest.mark.parametrize("stem", STEMS)
def test_pdf_result_shape(extracted, fixtures_dir, stem):
    result = extracted[stem]
    assert result.content_type == "pdf"
    assert result.pages == len(pdfium.PdfDocument(str(fixtures_dir / f"{stem}.pdf")))
    assert result.pages > 1
    assert result.warnings == []


@pytest.mark.parametrize("stem", STEMS)
def test_running_header_and_page_footer_are_gone(extracted, stem):
    text = extracted[stem].text
    assert not re.search(r"Side \d+ af \d+", text)
    header = make_fixtures.HEADERS[stem]  # 003's header is also its title, once
    assert lines_of(text).count(header) == expected(stem).count(header)
    assert not re.search(r"(?m)^\d+$", text)


def test_danish_letters_survive(extracted):
    text = extracted["001"].text
    for word in ("Beskæftigelsesudvalget", "Økonomiudvalget", "Ballerup Rådhus", "førtidspension", "Årlig"):
        assert word in text


def test_paragraphs_are_one_line_each(extracted):
    text = extracted["001"].text
    paragraph = (
        "Konsekvensen af anden budgetopfølgning er, at budgettet for Erhvervs- og Beskæftigelsesudvalgets "
        "samlede bevillingsrammer forøges med 1,1 mio. kr. i forhold til det korrigerede budget for 2020."
    )
    assert paragraph in text.split("\n")


def test_headings_stand_alone_with_levels_from_their_font_size(extracted):
    """Bold/larger lines are headings between blank lines, marked "#" (largest) to "###"."""
    text = extracted["001"].text
    assert text.startswith("# REFERAT Erhvervs- og Beskæftigelsesudvalget d. 18-08-2020\n\n")
    for heading in ("## Punkt 2: Anden budgetopfølgning for 2020 på bevillingsrammerne under Erhvervs- og "
                    "Beskæftigelsesudvalget", "### Sagsfremstilling", "### Beslutningen træffes af"):
        assert f"\n\n{heading}\n\n" in text


def test_ruled_tables_become_tab_separated_rows(extracted):
    rows = [line for line in extracted["001"].text.split("\n") if "\t" in line]
    assert "20.44 Førtidspension\t256.216\t259.534\t0\t0\t259.534" in rows
    assert "I alt\t764.657\t811.293\t66\t1.032\t812.391" in rows
    assert "Meddelelser.....\t3" in rows


def test_fixture_really_hyphenates_and_extractor_joins(fixtures_dir, extracted):
    """The fixture breaks long words at line ends (PDFium marks those hyphens U+FFFE); none survive."""
    doc = pdfium.PdfDocument(str(fixtures_dir / "001.pdf"))
    raw = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    broken = re.findall(r"(\w+)\ufffe(\w+)", raw)
    words = [a + b for a, b in broken if b[0].islower() and b not in ("og", "eller")]
    assert len(words) >= 5
    text = extracted["001"].text
    for word in words:
        assert word in text
    pattern = r"\w+- (?!og\b|eller\b)[a-zæøå]\w*"
    running = "\n".join(line for line in text.split("\n") if "\t" not in line)
    in_sample = set(re.findall(pattern, "\n".join(expected("001"))))
    assert set(re.findall(pattern, running)) <= in_sample  # only the sample's own "model- spørgeskema"


def test_hyphenation_both_ways_at_line_ends(fixtures_dir):
    """A paragraph whose lines end in "Erhvervs-" (before "og": kept) and in a word the typesetter
    hyphenated (joined); both come back as one line of running text."""
    _, lines = make_fixtures.hyphenation_pdf()
    assert any(line.endswith("Erhvervs-") for line in lines)
    text = extract((fixtures_dir / "hyphenation.pdf").read_bytes(), "hyphenation.pdf", limits=IN_PROCESS).text
    assert text == make_fixtures.HYPHEN_TEXT + "\n"


@pytest.mark.parametrize(
    "prev, nxt, joined",
    [
        ("for Beskæftigelses-", "fremmende foranstaltninger", "for Beskæftigelsesfremmende foranstaltninger"),
        ("Erhvervs-", "og Beskæftigelsesudvalget", "Erhvervs- og Beskæftigelsesudvalget"),
        ("undervisnings-", "og/eller behandling", "undervisnings- og/eller behandling"),
        ("de nye COVID-", "19-udgifter", "de nye COVID-19-udgifter"),
        ("en lang linje", "fortsætter", "en lang linje fortsætter"),
        ("kr. -", "1.296", "kr. - 1.296"),
    ],
)
def test_hyphenation_rule(prev, nxt, joined):
    assert join_wrapped(prev, nxt) == joined


def test_bullets_become_one_list_form(extracted):
    """A bullet glyph (U+2022 here; U+F0B7, "(cid:127)" from Word PDFs) becomes "- ", as in HTML."""
    lines = extracted["001"].text.split("\n")
    assert "- 20.04 Erhvervsudvikling, turisme og landdistrikter" in lines
    assert "- 20.44 Førtidspension." in lines
    assert not any(line.startswith("•") for line in lines)
    assert normalize_text("\uf0b7 a\n(cid:127) b\n\uf0a7 c\n\u00a0d\u00ade") == "• a\n• b\n• c\n de"
    assert normalize_text("\ufb01skeri og \ufb02ag\r\n") == "fiskeri og flag\n"


def test_dingbat_bullets_with_hanging_indent(fixtures_dir):
    text = extract((fixtures_dir / "bullets.pdf").read_bytes(), "bullets.pdf", limits=IN_PROCESS).text
    assert text == (
        "Udvalget drøfter:\n\n"
        "- Kort punkt\n"
        "- Et langt punkt om beskæftigelsesindsatsen for ledige borgere, der fortsætter på næste linje og "
        "slutter her.\n"
        "- Sidste punkt\n\n"
        "Afsluttende bemærkning.\n"
    )


def test_book_layout(fixtures_dir):
    """Chapter headers that change but carry the page number go; indented first lines join their
    paragraph; a line of text that starts with "#" is escaped so no parser takes it for a heading."""
    text = extract((fixtures_dir / "book.pdf").read_bytes(), "book.pdf", limits=IN_PROCESS).text
    assert "Kapitel" not in text
    blocks = text.strip("\n").split("\n\n")
    assert blocks.count(make_fixtures.BOOK_PARAGRAPH) == 18
    assert blocks.count("\\# dette er tekst, ikke en overskrift") == 6
    assert len(blocks) == 24


def test_columns_without_rules_become_tab_separated(fixtures_dir):
    text = extract((fixtures_dir / "columns.pdf").read_bytes(), "columns.pdf", limits=IN_PROCESS).text
    rows = "\n".join("\t".join(row) for row in make_fixtures.COLUMN_ROWS)
    assert text == f"Tabellen viser de vigtigste aktiviteter:\n\n{rows}\n\nBeløb er i 1.000 kr.\n"


def test_table_with_borders_drawn_as_filled_rectangles(fixtures_dir):
    text = extract((fixtures_dir / "word-table.pdf").read_bytes(), "word-table.pdf", limits=IN_PROCESS).text
    rows = "\n".join("\t".join(row) for row in make_fixtures.WORD_TABLE)
    assert text == f"Tabel 1. Udgifter\n\n{rows}\n\nEfter tabellen.\n"


def test_a_bold_paragraph_is_text_not_a_heading(fixtures_dir):
    text = extract((fixtures_dir / "bold-paragraph.pdf").read_bytes(), "bold.pdf", limits=IN_PROCESS).text
    assert text == f"# Beslutning\n\n{make_fixtures.BOLD_PARAGRAPH}\n\nMødet sluttede kl. 15.\n"


def test_numbered_items_stay_separate_lines(extracted):
    lines = extracted["001"].text.split("\n")
    assert "3. Borgmesterens møder med detailhandlen." in lines
    assert "4. Borgmesterens virksomhedsbesøg:" in lines


def test_in_process_and_worker_agree(fixtures_dir, extracted):
    data = (fixtures_dir / "002.pdf").read_bytes()
    assert extract(data, "002.pdf", limits=IN_PROCESS).text == extracted["002"].text
    assert extract(data, "002.pdf").text == extracted["002"].text


def test_name_does_not_decide_the_type(fixtures_dir, extracted):
    """A PDF saved without an extension (or as .bin) is still read as a PDF."""
    data = (fixtures_dir / "000.pdf").read_bytes()
    assert extract(data, "download").text == extracted["000"].text
