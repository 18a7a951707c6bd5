"""A PDF page's glyphs → its physical lines of text, each with the geometry and style later steps need.

PDFium gives the page's text in one C call; a few calls per line (not per character) give where the
line starts and ends, its baseline, its font size and weight (by majority over five characters, so
a list item with one bold word is body text), where its text starts after a list marker, and the
width of its first word. A line wider than its characters can explain has Word tab stops: its wide
gaps become TABs.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c

from referat.ingest.text import BULLET_GLYPHS

# A list item's marker: a bullet, "3.", "3)", "a)"; the assembly reads it too.
LIST_MARKER = re.compile(r"^(?:[•\-–·▪o]|\d{1,2}[.)]|[a-z][.)])\s")

# Bullet glyphs of Symbol/Wingdings/Dingbats fonts, one character each (length-preserving, so
# text indices still match PDFium's); normalize_text maps the same and more in the output.
_BULLET_GLYPHS = str.maketrans({c: "•" for c in BULLET_GLYPHS})


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


def page_lines(tp, index: int) -> tuple[list[Line], int]:
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
        marker = LIST_MARKER.match(stripped)
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
