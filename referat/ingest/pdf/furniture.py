"""Running headers, footers and page numbers of a PDF, found and dropped from its pages' lines.

Only lines at the page's top or bottom edge are candidates; one is furniture when it is a page
number ("Side 3 af 23"), carries the page number where most candidates agree it sits, or (digits
ignored) repeats on at least half the pages.
"""

from __future__ import annotations

import re
from collections import Counter

from referat.ingest.pdf.lines import Line

_PAGE_NUMBER = re.compile(
    r"^(?:side|page|s\.)?\s*\d+\s*(?:(?:af|of|/)\s*\d+)?$|^-\s*\d+\s*-$", re.IGNORECASE
)


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.strip().lower()))


_EDGE_NUMBER = re.compile(r"(?:^|\s)(\d{1,4})$|^(\d{1,4})$|\b(?:side|page|s\.)\s*(\d{1,4})\b", re.IGNORECASE)


def _page_numbers_in(text: str) -> set[int]:
    """Numbers where a page number sits: alone, at the end of the line, or after "Side"."""
    return {int(g) for m in _EDGE_NUMBER.finditer(text.strip()) for g in m.groups() if g}


def drop_furniture(pages: list[list[Line]], heights: list[float]) -> None:
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
