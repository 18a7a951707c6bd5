"""A PDF's lines and tables → blocks → the plain-text form.

What a reader sees is rebuilt from the geometry: a line that reaches the right margin continues in
the next line at the same x and font (one paragraph, one output line, hyphenation undone by
`referat.ingest.text.join_wrapped`); bold or larger lines become headings marked "#".."######" by
size; a larger vertical gap starts a new block (blank line); tables stand as blocks of TAB rows.
"""

from __future__ import annotations

import re
from collections import Counter

from referat.ingest.pdf.lines import LIST_MARKER, Line
from referat.ingest.text import join_wrapped, normalize_text


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


def assemble(pages: list[list[Line]], tables: dict[int, list[tuple[float, float, list[str]]]]) -> str:
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
            aligned = 0 < prev.x0 - ln.x0 <= 3 * size and not LIST_MARKER.match(prev.text)
        first_w = ln.first_w or (ln.x1 - ln.x0)
        # glyph boxes stop short of the advance width, so the widest line underestimates the margin
        wrapped = prev.x1 + 0.28 * size + first_w > rights.get(prev.page, 0) - 0.4 * size or prev.text.endswith("-")
        marker = LIST_MARKER.match(ln.text)
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
            current[-1] = join_wrapped(current[-1], ln.text)
            # a list item keeps its marker's x; its (and any paragraph's) text goes on at this line's x
            prev = Line(ln.text, ln.page, prev.x0 if hanging else ln.x0, ln.x1, ln.y, ln.size, ln.bold,
                        prev.text_x0 if hanging else ln.x0, ln.first_w)
            continue
        list_goes_on = starts_item and bool(LIST_MARKER.match(current[-1])) if current else False
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
