"""One PDF → `Extracted`: open it, read every page, OCR or skip its scans, drop furniture, assemble.

Each page gives its lines (`lines`) and ruled tables (`tables`); a page with almost no text whose
images cover it is a scan, read by `referat.ingest.ocr` when asked (`--ocr`), else skipped with a
warning. Then headers and footers go (`furniture`) and the text is put together (`assemble`).
"""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from referat.errors import ExtractionError
from referat.ingest.pdf.assemble import assemble
from referat.ingest.pdf.furniture import drop_furniture
from referat.ingest.pdf.lines import Line, page_lines
from referat.ingest.pdf.tables import ruled_tables
from referat.ingest.text import Extracted, ExtractLimits

SCAN_MAX_CHARS = 50  # a page with fewer characters than this whose images cover it is a scan
SCAN_MIN_COVER = 0.5


def extract_pdf(data: bytes, source: str, *, ocr: bool = False, limits: ExtractLimits = ExtractLimits()) -> Extracted:
    """Text of a PDF in the plain-text form (in this process; `referat.ingest.load` runs it in a worker)."""
    if b"%%EOF" not in data[-2048:]:
        raise ExtractionError(source, "this PDF is damaged or truncated (it has no end marker)")
    doc = _open(data, source)
    try:
        n = len(doc)
        if n == 0:
            raise ExtractionError(source, "this PDF is damaged or truncated (it has no pages)")
        if n > limits.max_pages:
            raise ExtractionError(source, f"the PDF has {n} pages, more than the limit of {limits.max_pages}")
        pages: list[list[Line]] = []
        heights: list[float] = []
        scans: list[int] = []
        tables: dict[int, list[tuple[float, float, list[str]]]] = {}
        for i in range(n):
            page = doc[i]
            try:
                lines, chars, found = _read_page(page, i)
                heights.append(page.get_height())
                if chars < SCAN_MAX_CHARS:
                    drawn = pdfium_c.FPDFPage_CountObjects(page.raw) > 0
                    # with --ocr any drawn page without text is read (outlined text too)
                    if _image_cover(page) >= SCAN_MIN_COVER or (ocr and not chars and drawn):
                        scans.append(i)
                if found:
                    tables[i] = found
            finally:
                page.close()
            pages.append(lines)
        warnings: list[str] = []
        ocr_blocks: dict[int, list[tuple[float, float, list[str]]]] = {}
        if scans:
            if ocr:
                from referat.ingest import ocr as ocrmod

                for i, paras in ocrmod.ocr_pages(doc, scans, source, limits).items():
                    pages[i] = []
                    ocr_blocks[i] = [(float("inf"), float("inf"), [p]) for p in paras]
                warnings.append(f"OCR read {len(scans)} scanned page(s); check the text")
            elif len(scans) * 2 >= n or not any(pages):
                raise ExtractionError(source, "no text layer; install tesseract-ocr-dan and pass --ocr")
            else:
                numbers = ", ".join(str(i + 1) for i in scans)
                warnings.append(f"pages {numbers} are scanned and were skipped; pass --ocr")
    finally:
        doc.close()

    if not any(pages) and not ocr_blocks:
        raise ExtractionError(source, "the PDF contains no text (if it is a scan, pass --ocr)")
    drop_furniture(pages, heights)
    blocks = tables
    for i, extra in ocr_blocks.items():
        blocks.setdefault(i, []).extend(extra)
    text = assemble(pages, blocks)
    if not text.strip():
        raise ExtractionError(source, "the PDF contains no text")
    return Extracted(text=text, content_type="pdf", pages=n, warnings=warnings)


def _open(data: bytes, source: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        message = str(error).lower()
        if "password" in message or "security" in message:
            raise ExtractionError(source, "this PDF is encrypted; decrypt it first") from None
        raise ExtractionError(source, "this PDF is damaged or truncated") from None


def _read_page(page: pdfium.PdfPage, index: int) -> tuple[list[Line], int, list[tuple[float, float, list[str]]]]:
    """(physical lines, number of non-space characters, ruled tables) of one page."""
    textpage = page.get_textpage()
    try:
        lines, chars = page_lines(textpage.raw, index)
        tables = ruled_tables(page, textpage.raw) if chars else []
        return lines, chars, tables
    finally:
        textpage.close()


def _image_cover(page: pdfium.PdfPage) -> float:
    """Fraction of the page covered by images; a form XObject holding an image counts with its
    bounds (some scanners wrap the page image in one)."""
    raw = page.raw
    w, h = page.get_width(), page.get_height()
    area = 0.0
    l, b, r, t = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    for i in range(min(pdfium_c.FPDFPage_CountObjects(raw), 20000)):
        obj = pdfium_c.FPDFPage_GetObject(raw, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE or (kind == pdfium_c.FPDF_PAGEOBJ_FORM and _form_has_image(obj)):
            if pdfium_c.FPDFPageObj_GetBounds(obj, l, b, r, t):
                area += max(0.0, min(r.value, w) - max(l.value, 0)) * max(0.0, min(t.value, h) - max(b.value, 0))
    return min(1.0, area / (w * h)) if w * h > 0 else 0.0


def _form_has_image(form, depth: int = 0) -> bool:
    for i in range(min(pdfium_c.FPDFFormObj_CountObjects(form), 2000)):
        obj = pdfium_c.FPDFFormObj_GetObject(form, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return True
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 4 and _form_has_image(obj, depth + 1):
            return True
    return False
