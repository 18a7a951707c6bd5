"""PDF → the plain-text form, with PDFium (pypdfium2) alone: text, line geometry and ruled tables.

Why PDFium only: it reads ~600 pages/s and gives each line's position, font size and weight cheaply
when asked a few times per line rather than per character. pdfplumber was measured at ~330 ms per
table page (pdfminer re-parses the page in Python) and 1 GB on long files; ruled tables are instead
rebuilt here from PDFium's path segments and bounded text in ~2 ms a page.

From the lines and their geometry the extractor rebuilds what a reader sees: running headers and
footers (near the page edge and repeating on many pages, or carrying the page number, or
"Side 3 af 23") are dropped; a line that reaches the right margin continues in the next line at the
same x and font (one paragraph, one output line), with "Beskæftigel-" + "sesfremmende" joined but
"Erhvervs- og" kept; bold or larger lines become headings marked "#".."######" by size; a larger
vertical gap starts a new block (blank line); ruled tables and tab-aligned columns become TAB rows.

Everything here runs in a worker process (see `extract_pdf_isolated`): PDFs are untrusted.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from referat.errors import ExtractionError
from referat.ingest.load import BULLET_GLYPHS, Extracted, ExtractLimits, normalize_text, run_limited

SCAN_MAX_CHARS = 50  # a page with fewer characters than this whose images cover it is a scan
SCAN_MIN_COVER = 0.5

_LIST_MARKER = re.compile(r"^(?:[•\-–·▪o]|\d{1,2}[.)]|[a-z][.)])\s")
_PAGE_NUMBER = re.compile(
    r"^(?:side|page|s\.)?\s*\d+\s*(?:(?:af|of|/)\s*\d+)?$|^-\s*\d+\s*-$", re.IGNORECASE
)
# Bullet glyphs of Symbol/Wingdings/Dingbats fonts, one character each (length-preserving, so
# text indices still match PDFium's); normalize_text maps the same and more in the output.
_BULLET_GLYPHS = str.maketrans({c: "•" for c in BULLET_GLYPHS})
_SUSPENDED = frozenset({"og", "eller", "samt", "til", "and", "or", "&", "henholdsvis", "som", "men"})


@dataclass(slots=True)
class Line:
    """One physical line of text with the geometry the paragraph rules need (PDF points, y up)."""

    text: str
    page: int
    x0: float
    x1: float
    y: float  # baseline
    size: float
    bold: bool
    text_x0: float  # where the text starts after a list marker (== x0 otherwise)
    first_w: float = 0.0  # width of the first word: would it have fitted on the line above?


# ----------------------------------------------------------------------------- entry points

def extract_pdf_isolated(data: bytes, source: str, *, ocr: bool, limits: ExtractLimits) -> Extracted:
    """`extract_pdf` in a worker process under the time and memory limits."""
    timeout = limits.ocr_timeout_s if ocr else limits.timeout_s
    return run_limited(extract_pdf, (data, source), {"ocr": ocr, "limits": limits}, source=source, limits=limits,
                       timeout=timeout, damaged="the PDF reader crashed: the PDF is damaged")


def extract_pdf(data: bytes, source: str, *, ocr: bool = False, limits: ExtractLimits = ExtractLimits()) -> Extracted:
    """Text of a PDF in the plain-text form (in this process; see extract_pdf_isolated)."""
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
    _drop_furniture(pages, heights)
    blocks = tables
    for i, extra in ocr_blocks.items():
        blocks.setdefault(i, []).extend(extra)
    text = _assemble(pages, blocks)
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


# --------------------------------------------------------------------------- page reading

def _read_page(page: pdfium.PdfPage, index: int) -> tuple[list[Line], int, list[tuple[float, float, list[str]]]]:
    """(physical lines, number of non-space characters, ruled tables) of one page."""
    textpage = page.get_textpage()
    try:
        lines, chars = _page_lines(textpage.raw, index)
        tables = _ruled_tables(page, textpage.raw) if chars else []
        return lines, chars, tables
    finally:
        textpage.close()


def _page_lines(tp, index: int) -> tuple[list[Line], int]:
    """Physical lines of one page from PDFium's text (one C call) plus a few calls per line."""
    count = pdfium_c.FPDFText_CountChars(tp)
    if count <= 0:
        return [], 0
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium_c.FPDFText_GetText(tp, 0, count, buffer)
    raw = bytes(memoryview(buffer).cast("B")[: max(0, written - 1) * 2])
    text = raw.decode("utf-16-le", errors="replace")
    offsets = _utf16_offsets(text) if len(text) != max(0, written - 1) else None

    lines: list[Line] = []
    nonspace = 0
    start = 0
    # \r\n ends a line; U+FFFE is a hyphen PDFium joined across a line end: split there too.
    for match in re.finditer(r"\r\n|[\ufffe\x02]|\n|\r", text + "\r\n"):
        end = match.start()
        hyphen = match.group() in ("\ufffe", "\x02")
        segment = text[start:end]
        seg_start = start
        start = match.end()
        stripped = segment.strip().translate(_BULLET_GLYPHS)
        if not stripped:
            continue
        nonspace += len(stripped)
        lead = len(segment) - len(segment.lstrip())
        first_t = seg_start + lead
        last_t = seg_start + len(segment.rstrip()) - 1
        if offsets is not None:
            first_t, last_t = offsets[first_t], offsets[last_t]
        first = pdfium_c.FPDFText_GetCharIndexFromTextIndex(tp, first_t)
        last = pdfium_c.FPDFText_GetCharIndexFromTextIndex(tp, last_t)
        if first < 0 or last < 0:
            continue
        x0, _, _, _ = _charbox(tp, first)
        _, _, x1, _ = _charbox(tp, last)
        text_x0 = x0
        styled = first  # the character whose font is the line's: not a bullet in a symbol font
        marker = _LIST_MARKER.match(stripped)
        if marker and marker.end() < len(stripped):
            ci = pdfium_c.FPDFText_GetCharIndexFromTextIndex(tp, first_t + marker.end())
            if ci >= 0:
                text_x0 = _charbox(tp, ci)[0]
                styled = ci
        y = _origin_y(tp, styled)
        # The line's style by majority over five characters spread along it, so a list item that
        # starts (or has a word) in bold or monospace is body text, not a heading.
        probes = [styled]
        body_t = first_t + (marker.end() if marker and offsets is None else 0)
        if offsets is None and last_t > body_t:
            for q in (1, 2, 3, 4):
                t = body_t + (last_t - body_t) * q // 4
                while t < last_t and text[t].isspace():
                    t += 1
                ci = pdfium_c.FPDFText_GetCharIndexFromTextIndex(tp, t)
                if ci >= 0:
                    probes.append(ci)
        styles = [(pdfium_c.FPDFText_GetFontSize(tp, ci), ci) for ci in probes]
        styles = [(sz, ci) for sz, ci in styles if sz > 1] or styles
        size = sorted(sz for sz, _ in styles)[len(styles) // 2]
        bold = sum(_is_bold(tp, ci) for _, ci in styles) * 2 > len(styles)
        first_w = x1 - x0
        space = stripped.find(" ")
        if space > 0:
            ci = pdfium_c.FPDFText_GetCharIndexFromTextIndex(tp, first_t + space - 1)
            if ci >= 0:
                first_w = _charbox(tp, ci)[2] - x0
        if offsets is None and size > 1 and x1 - x0 > (0.62 * len(stripped) + 2) * size:
            stripped = _tabs_for_gaps(tp, text, first_t, stripped, size)
        if hyphen:
            stripped += "-"
        elif stripped[-1] in "\u00ad\u2010\u2011":  # soft or Unicode hyphen at the line end: a plain one
            stripped = stripped[:-1] + "-"
        lines.append(Line(stripped, index, x0, x1, y, round(size, 1), bold, text_x0, first_w))
    return lines, nonspace


def _tabs_for_gaps(tp, text: str, first_t: int, line: str, size: float) -> str:
    """Column-aligned text without rules (Word tab stops): a gap wider than 2 em becomes a TAB.

    Only called for lines wider than their characters can explain, so ordinary lines cost nothing.
    """
    out = []
    k = 0
    while k < len(line):
        ch = line[k]
        if ch == " " and k > 0:
            end = k
            while end < len(line) and line[end] == " ":
                end += 1
            if end < len(line):
                before = pdfium_c.FPDFText_GetCharIndexFromTextIndex(tp, first_t + k - 1)
                after = pdfium_c.FPDFText_GetCharIndexFromTextIndex(tp, first_t + end)
                if before >= 0 and after >= 0 and _charbox(tp, after)[0] - _charbox(tp, before)[2] > 2 * size:
                    out.append("\t")
                    k = end
                    continue
            out.append(line[k:end])
            k = end
            continue
        out.append(ch)
        k += 1
    return "".join(out)


def _utf16_offsets(text: str) -> list[int]:
    """Python index → UTF-16 index, for pages with characters outside the BMP."""
    out, pos = [], 0
    for ch in text:
        out.append(pos)
        pos += 2 if ord(ch) > 0xFFFF else 1
    return out


def _charbox(tp, index: int) -> tuple[float, float, float, float]:
    left, right, bottom, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharBox(tp, index, left, right, bottom, top)
    return left.value, bottom.value, right.value, top.value


def _origin_y(tp, index: int) -> float:
    x, y = ctypes.c_double(), ctypes.c_double()
    if pdfium_c.FPDFText_GetCharOrigin(tp, index, x, y):
        return y.value
    return _charbox(tp, index)[1]


_FONT_BUF = ctypes.create_string_buffer(256)


def _is_bold(tp, index: int) -> bool:
    weight = pdfium_c.FPDFText_GetFontWeight(tp, index)
    if weight >= 600:
        return True
    flags = ctypes.c_int()
    n = pdfium_c.FPDFText_GetFontInfo(tp, index, _FONT_BUF, len(_FONT_BUF), ctypes.byref(flags))
    name = _FONT_BUF.raw[: max(0, min(n, len(_FONT_BUF)) - 1)].decode("latin-1", "replace").lower()
    return any(w in name for w in ("bold", "black", "heavy", "semibold", "demi")) or bool(flags.value & (1 << 18))


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


# ------------------------------------------------------------------------- page furniture

def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.strip().lower()))


_EDGE_NUMBER = re.compile(r"(?:^|\s)(\d{1,4})$|^(\d{1,4})$|\b(?:side|page|s\.)\s*(\d{1,4})\b", re.IGNORECASE)


def _page_numbers_in(text: str) -> set[int]:
    """Numbers where a page number sits: alone, at the end of the line, or after "Side"."""
    return {int(g) for m in _EDGE_NUMBER.finditer(text.strip()) for g in m.groups() if g}


def _drop_furniture(pages: list[list[Line]], heights: list[float]) -> None:
    """Remove running headers/footers and page numbers in place.

    Candidates are the first and last two lines of a page when they sit in the top or bottom 10%;
    a candidate is furniture when it is a page number or when (digits ignored) it recurs on at
    least half the pages.
    """
    n = len(pages)
    candidates: list[list[Line]] = []
    counts: Counter[str] = Counter()
    for lines, height in zip(pages, heights):
        if not lines:
            candidates.append([])
            continue
        ordered = sorted(lines, key=lambda ln: -ln.y)
        zone = []
        for k, ln in enumerate(ordered):
            if 1 < k < len(ordered) - 2:
                continue
            top = ln.y > height / 2
            edge = height - ln.y if top else ln.y
            if edge > height * 0.10:
                continue
            j = k + 1 if top else k - 1
            gap = abs(ln.y - ordered[j].y) if 0 <= j < len(ordered) else float("inf")
            # page furniture sits near the edge or stands apart from the body (a larger gap)
            if edge <= height * 0.07 or gap >= 1.5 * (ln.size or 10):
                zone.append(ln)
        zone = list({id(ln): ln for ln in zone}.values())
        candidates.append(zone)
        for key in {_furniture_key(ln.text) for ln in zone}:
            counts[key] += 1
    threshold = max(2, (n + 1) // 2)
    # A header that changes by chapter ("Chapter 2: Title 14") still carries the page number: find
    # the offset between page index and printed number that most candidate lines agree on.
    offsets: Counter[int] = Counter()
    for i, zone in enumerate(candidates):
        for delta in {k - i for ln in zone for k in _page_numbers_in(ln.text)}:
            offsets[delta] += 1
    offset = None
    if offsets:
        delta, count = offsets.most_common(1)[0]
        if n >= 3 and count >= max(3, 0.3 * n):
            offset = delta

    def furniture(ln: Line, i: int) -> bool:
        if _PAGE_NUMBER.match(ln.text.strip()):
            return True
        if offset is not None and i + offset in _page_numbers_in(ln.text):
            return True
        return n >= 2 and counts[_furniture_key(ln.text)] >= threshold

    for i, (lines, zone) in enumerate(zip(pages, candidates)):
        drop = {id(ln) for ln in zone if furniture(ln, i)}
        if drop:
            lines[:] = [ln for ln in lines if id(ln) not in drop]


# -------------------------------------------------------------------------------- tables
#
# Ruled tables are found from the page's own drawing: PDFium hands out every path segment, the
# thin horizontal and vertical ones are ruling lines, lines that touch form a grid, and each
# grid cell's text is read with one bounded-text call. This replaced pdfplumber's find_tables,
# which took ~330 ms per table page (pdfminer re-parses the whole page) against ~2 ms here.

_Seg = tuple  # (fixed coordinate, start, end)


def _ruling_lines(page: pdfium.PdfPage) -> tuple[list[_Seg], list[_Seg]]:
    """Horizontal (y, x0, x1) and vertical (x, y0, y1) ruling segments in page coordinates."""
    horizontal: list[_Seg] = []
    vertical: list[_Seg] = []
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack = [(page.raw, identity, False, 0)]
    budget = 50000  # segments; a page drawing more than this is a picture, not a table
    x, y = ctypes.c_float(), ctypes.c_float()
    matrix = pdfium_c.FS_MATRIX()
    while stack:
        container, outer, is_form, depth = stack.pop()
        count = pdfium_c.FPDFFormObj_CountObjects(container) if is_form else pdfium_c.FPDFPage_CountObjects(container)
        for i in range(min(count, 20000)):
            obj = pdfium_c.FPDFFormObj_GetObject(container, i) if is_form else pdfium_c.FPDFPage_GetObject(container, i)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM):
                continue
            if not pdfium_c.FPDFPageObj_GetMatrix(obj, matrix):
                continue
            m = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                if depth < 4:
                    stack.append((obj, m, True, depth + 1))
                continue
            n = pdfium_c.FPDFPath_CountSegments(obj)
            if n <= 0 or n > budget:
                continue
            budget -= n
            a, b, c, d, e, f = m
            start = prev = None
            for k in range(n):
                seg = pdfium_c.FPDFPath_GetPathSegment(obj, k)
                pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
                point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
                kind_seg = pdfium_c.FPDFPathSegment_GetType(seg)
                if kind_seg == pdfium_c.FPDF_SEGMENT_MOVETO:
                    start = prev = point
                    continue
                if kind_seg == pdfium_c.FPDF_SEGMENT_LINETO and prev is not None:
                    _add_rule(prev, point, horizontal, vertical)
                prev = point
                if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None:
                    _add_rule(prev, start, horizontal, vertical)
                    prev = start
    return horizontal, vertical


def _compose(inner: tuple, outer: tuple) -> tuple:
    a1, b1, c1, d1, e1, f1 = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a1 * a2 + b1 * c2, a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2,
    )


def _add_rule(p, q, horizontal: list, vertical: list) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y1 - y0) <= 1 and abs(x1 - x0) > 3:
        horizontal.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x1 - x0) <= 1 and abs(y1 - y0) > 3:
        vertical.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))


def _snap(values: list[float], tolerance: float = 2.0) -> list[float]:
    """Distinct coordinates, merging those closer than `tolerance` (a thin filled rule has two edges)."""
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tolerance:
            continue
        out.append(v)
    return out


def _ruled_tables(page: pdfium.PdfPage, tp) -> list[tuple[float, float, list[str]]]:
    """Tables on this page as (top y, bottom y, TAB-joined rows), from ruling lines that form grids."""
    horizontal, vertical = _ruling_lines(page)
    if len(horizontal) < 2 or len(vertical) < 2:
        return []
    # Group touching lines into grids (union-find over horizontal+vertical segments).
    segs = [("h", *s) for s in horizontal] + [("v", *s) for s in vertical]
    parent = list(range(len(segs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hs = [i for i, s in enumerate(segs) if s[0] == "h"]
    vs = [i for i, s in enumerate(segs) if s[0] == "v"]
    if len(hs) * len(vs) > 400000:
        return []  # a hatched drawing, not a table
    for i in hs:
        _, y, x0, x1 = segs[i]
        for j in vs:
            _, x, y0, y1 = segs[j]
            if x0 - 2 <= x <= x1 + 2 and y0 - 2 <= y <= y1 + 2:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(segs)):
        groups.setdefault(find(i), []).append(i)

    tables = []
    for members in groups.values():
        hgrid = [segs[i][1:] for i in members if segs[i][0] == "h"]
        vgrid = [segs[i][1:] for i in members if segs[i][0] == "v"]
        ys = sorted(_snap([y for y, _, _ in hgrid]), reverse=True)
        xs = _snap([x for x, _, _ in vgrid])
        if len(ys) < 2 or len(xs) < 2 or (len(ys) < 3 and len(xs) < 3):
            continue  # a frame around a note, not a table
        rows = []
        for top, bottom in zip(ys, ys[1:]):
            if top - bottom < 3:
                continue
            mid = (top + bottom) / 2
            bounds = [x for x in xs if any(abs(x - vx) <= 2 and vy0 - 1 <= mid <= vy1 + 1 for vx, vy0, vy1 in vgrid)]
            cells = [_cell_text(tp, left, top, right, bottom) for left, right in zip(bounds, bounds[1:])]
            if any(cells):
                rows.append("\t".join(cells))
        if rows:
            tables.append((ys[0], ys[-1], rows))
    return tables


def _cell_text(tp, left: float, top: float, right: float, bottom: float) -> str:
    """The text inside one cell, its wrapped lines re-joined."""
    n = pdfium_c.FPDFText_GetBoundedText(tp, left, top, right, bottom, None, 0)
    if n <= 0:
        return ""
    buffer = (ctypes.c_ushort * (n + 1))()
    got = pdfium_c.FPDFText_GetBoundedText(tp, left, top, right, bottom, buffer, n + 1)
    text = bytes(memoryview(buffer).cast("B")[: max(0, got) * 2]).decode("utf-16-le", "replace").rstrip("\x00")
    # PDFium marks a hyphen it dropped at a line end as U+FFFE (U+0002 in bounded text)
    return _join_cell(text.replace("\ufffe", "-\n").replace("\x02", "-\n").replace("\r\n", "\n").replace("\r", "\n"))


def _join_cell(cell: str | None) -> str:
    if not cell:
        return ""
    parts = [p.strip() for p in normalize_text(cell).split("\n") if p.strip()]
    out = ""
    for part in parts:
        out = _join(out, part) if out else part
    return out.replace("\t", " ")


# ----------------------------------------------------------------------------- assembling

def _join(prev: str, nxt: str) -> str:
    """Join two wrapped lines of one paragraph, undoing line-end hyphenation where it is one."""
    if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha():
        word = nxt.split(" ", 1)[0]
        if word[:1].islower() and word.rstrip(",.;:").split("/")[0] not in _SUSPENDED:
            return prev[:-1] + nxt  # Beskæftigel- + sesfremmende
        if word[:1].isdigit() or word[:1].isupper() and prev[-2].isupper():
            return prev + nxt  # COVID- + 19, EU- + Kommissionen
        return prev + " " + nxt  # Erhvervs- og ...
    return prev + " " + nxt


def _right_margin(ends: list[float]) -> float:
    """Where body lines end: the rightmost line end shared (within 3 pt) by at least three lines,
    so one overlong line (a URL, code) does not move the margin; the plain maximum otherwise."""
    ends = sorted(ends, reverse=True)
    for k, x in enumerate(ends):
        if k + 2 < len(ends) and x - ends[k + 2] <= 3:
            return x
    return ends[0] if ends else 0.0


def _mark_headings(blocks: list[list[str]], styles: list[tuple[float, bool] | None], body: float) -> None:
    """Prefix heading blocks with Markdown levels ("## Punkt 1: …"), largest font first.

    The parsers read Markdown-ish headings (the samples carry them); the level is what a reader
    sees in the PDF: the biggest heading size is "#", the next "##", bold body-size text last.
    A bold paragraph at body size (more than a line or two) stays text.
    """
    def is_heading(block: list[str], style: tuple[float, bool] | None) -> bool:
        if style is None or len(block) != 1:
            return False
        text = block[0].strip()
        if style[0] >= body + 1.0:
            return len(text) <= 200
        return len(text) <= 120 and len(text.split()) <= 16 and not text.endswith((",", ";"))

    marked = [is_heading(block, style) for block, style in zip(blocks, styles)]
    sizes = sorted({style for style, m in zip(styles, marked) if m}, key=lambda s: (-s[0], not s[1]))
    level = {style: min(6, rank + 1) for rank, style in enumerate(sizes)}
    for block, style, heading in zip(blocks, styles, marked):
        for k, line in enumerate(block):
            if line.startswith("#"):
                block[k] = "\\" + line  # a literal "#" in the text ("# comment") is not a heading
        if heading:
            block[0] = "#" * level[style] + " " + block[0].removeprefix("\\")


def _assemble(pages: list[list[Line]], tables: dict[int, list[tuple[float, float, list[str]]]]) -> str:
    """Lines → blocks → text (blank line between blocks, one line per paragraph)."""
    items: list[Line | list[str]] = []  # a list[str] is a table's rows
    for i, lines in enumerate(pages):
        page_tables = sorted(tables.get(i, []), key=lambda t: -t[0] if t[0] != float("inf") else 0)
        placed = [False] * len(page_tables)
        for ln in lines:
            inside = next((k for k, (top, bottom, _) in enumerate(page_tables) if bottom - 1 <= ln.y <= top + 1), None)
            if inside is None:
                items.append(ln)
                continue
            if not placed[inside]:
                placed[inside] = True
                items.append(page_tables[inside][2])
        for k, done in enumerate(placed):
            if not done:
                items.append(page_tables[k][2])

    sizes: Counter[float] = Counter()
    rights: dict[int, float] = {}
    for item in items:
        if isinstance(item, Line) and item.size:
            sizes[item.size] += len(item.text)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    for i, lines in enumerate(pages):
        rights[i] = _right_margin([ln.x1 for ln in lines if ln.size and abs(ln.size - body) < 0.6])

    blocks: list[list[str]] = []
    styles: list[tuple[float, bool] | None] = []  # per block: the heading style, None for body text
    current: list[str] = []
    current_style: tuple[float, bool] | None = None
    prev: Line | None = None

    def heading(ln: Line) -> bool:
        return ln.size > 0 and (ln.bold or ln.size >= body + 1.0)

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append(current)
            styles.append(current_style)
        current = []

    def start(ln: Line) -> None:
        nonlocal current, current_style
        current = [ln.text]
        current_style = (round(ln.size * 2) / 2, ln.bold) if heading(ln) else None

    for item in items:
        if not isinstance(item, Line):
            flush()
            blocks.append(item)
            styles.append(None)
            prev = None
            continue
        ln = item
        if prev is None:
            start(ln)
            prev = ln
            continue
        same_page = ln.page == prev.page
        gap = prev.y - ln.y if same_page else None
        size = max(ln.size, prev.size) or body
        same_style = abs(ln.size - prev.size) < 0.6 and ln.bold == prev.bold
        near_block = gap is not None and 0 < gap <= 1.6 * size
        if gap is None:  # page break: the layout decides alone
            near_block = same_style
        hanging = prev.text_x0 > prev.x0 + 3
        aligned = abs(ln.x0 - prev.text_x0) < 3 or abs(ln.x0 - prev.x0) < 3
        if not aligned and not hanging and current and current[-1] == prev.text:
            # a first line indented by up to ~3 em, continued at the margin (LaTeX, some Word styles)
            aligned = 0 < prev.x0 - ln.x0 <= 3 * size and not _LIST_MARKER.match(prev.text)
        first_w = ln.first_w or (ln.x1 - ln.x0)
        # glyph boxes stop short of the advance width, so the widest line underestimates the margin
        wrapped = prev.x1 + 0.28 * size + first_w > rights.get(prev.page, 0) - 0.4 * size or prev.text.endswith("-")
        marker = _LIST_MARKER.match(ln.text)
        starts_item = bool(marker)
        if marker and wrapped:
            rest = ln.text[marker.end():]
            # "... hver" + "12. måned": an ordinal in running text, not a new numbered item
            if (hanging and abs(ln.x0 - prev.text_x0) < 3) or (marker.group()[0].isdigit() and rest[:1].islower()):
                starts_item = False
        if gap is None and re.search(r"[.!?:]$", prev.text) and ln.text[:1].isupper():
            wrapped = False  # across a page break a finished sentence most likely ends the paragraph
        if "\t" in ln.text or "\t" in prev.text:
            wrapped = False  # a row of columns is a line of its own
        if near_block and same_style and aligned and not starts_item and wrapped:
            current[-1] = _join(current[-1], ln.text)
            # a list item keeps its marker's x; its (and any paragraph's) text goes on at this line's x
            prev = Line(ln.text, ln.page, prev.x0 if hanging else ln.x0, ln.x1, ln.y, ln.size, ln.bold,
                        prev.text_x0 if hanging else ln.x0, ln.first_w)
            continue
        list_goes_on = starts_item and bool(_LIST_MARKER.match(current[-1])) if current else False
        if near_block and (same_page or list_goes_on) and not heading(ln) and not heading(prev):
            current.append(ln.text)  # a line break inside a block (list items, address lines)
        else:
            flush()
            start(ln)
        prev = ln
    flush()
    _mark_headings(blocks, styles, body)
    text = "\n\n".join("\n".join(block) for block in blocks)
    text = normalize_text(text)
    text = re.sub(r"(?m)^•\s*", "- ", text)  # one list form for PDF, HTML and text: "- item"
    text = re.sub(r"[ \t]+\n", "\n", text) if "\t" not in text else re.sub(r" +\n", "\n", text)
    return text.strip("\n") + "\n"
