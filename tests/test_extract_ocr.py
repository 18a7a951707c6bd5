"""Scanned (image-only) PDFs: refused with a clear message without --ocr, read by tesseract with it."""

from __future__ import annotations

import pytest

from referat.errors import ExtractionError
from referat.ingest.load import extract
from referat.ingest.ocr import paragraphs, tesseract_problem
from referat.ingest.text import ExtractLimits
from tests.conftest import require
from tests.fixtures import make_fixtures


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory):
    return make_fixtures.build(tmp_path_factory.getbasetemp() / "extract-fixtures")["001.pdf"].parent


def test_scan_without_ocr_says_what_to_do(fixtures_dir):
    with pytest.raises(ExtractionError) as caught:
        extract((fixtures_dir / "scan.pdf").read_bytes(), "arkiv/scan.pdf")
    assert str(caught.value) == "arkiv/scan.pdf: no text layer; install tesseract-ocr-dan and pass --ocr"


def test_scan_with_ocr_reads_danish(fixtures_dir):
    problem = tesseract_problem()
    require("tesseract with Danish data", problem is None, problem or "")
    result = extract((fixtures_dir / "scan.pdf").read_bytes(), "scan.pdf", ocr=True,
                     limits=ExtractLimits(ocr_dpi=200))
    assert result.content_type == "pdf" and result.pages == 1
    assert any("OCR" in w for w in result.warnings)
    words = set(result.text.replace(":", " ").split())
    for word in ("Referat", "mødet", "Særlig", "indsats", "ledige", "Godkendt", "Økonomi", "beskæftigelse", "Rådhus"):
        assert word in words, (word, result.text)


def test_pages_are_read_in_parallel_and_kept_in_order(fixtures_dir):
    problem = tesseract_problem()
    require("tesseract with Danish data", problem is None, problem or "")
    result = extract((fixtures_dir / "scan-3-pages.pdf").read_bytes(), "scan-3-pages.pdf", ocr=True,
                     limits=ExtractLimits(ocr_dpi=150, ocr_processes=3))
    text = result.text
    positions = [text.find(word) for word in ("Første", "Anden", "Tredje")]
    assert -1 not in positions and positions == sorted(positions), text
    assert "økonomi" in text


def test_ocr_on_a_text_pdf_changes_nothing(fixtures_dir):
    """--ocr only touches pages without a text layer; a born-digital PDF reads the same."""
    data = (fixtures_dir / "002.pdf").read_bytes()
    assert extract(data, "002.pdf", ocr=True).text == extract(data, "002.pdf").text


def test_tesseract_output_becomes_paragraphs():
    raw = (
        "Punkt 3: Beskæftigelse\n\n"
        "Udvalget drøftede den aktuelle ledighed og den nye Beskæftigel-\n"
        "sesfremmende indsats for borgere i kommunen i det kommende år og\n"
        "besluttede at følge op.\n\n"
        "- første punkt\n- andet punkt\n\f"
    )
    assert paragraphs(raw) == [
        "Punkt 3: Beskæftigelse",
        "Udvalget drøftede den aktuelle ledighed og den nye Beskæftigelsesfremmende indsats for borgere i "
        "kommunen i det kommende år og besluttede at følge op.",
        "- første punkt\n- andet punkt",
    ]
