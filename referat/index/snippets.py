"""Snippets: the best passage of a record's text with the matched words marked.

The text is HTML-escaped *before* marking and every piece is escaped on its own, so a snippet is
safe to put in a page whatever the minutes contain (`<script>` included). Matching is by analyzer
term, so "budgetopfølgningen" in the text is marked for the query "budgetopfølgning", in its own
spelling and inflection. One implementation for every engine: the same archive and query give
the same snippet whichever engine found the hit.

Speed: a hit's text runs to thousands of words, so only words that start like a query term
(found by one regex pass in C) are analysed; an inflected form shares its first letters with its
lemma or stem.
"""

from __future__ import annotations

import html
import re

from referat.index.analysis import Analyzer, fold

WINDOW = 220  # characters of context, about two lines on a results page
_STEM_PREFIX = 4


def candidate_pattern(terms: set[str], prefixes: list[str]) -> re.Pattern[str] | None:
    """A regex that finds every word that could have one of these terms (and a few more)."""
    heads: set[str] = set()
    for term in list(terms) + prefixes:
        head = term[:_STEM_PREFIX] if term[:1].isalpha() else term
        heads.add(re.escape(head))
        if "å" in head:
            heads.add(re.escape(head.replace("å", "aa")))  # "tår" also finds "Taarnby"
    if not heads:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(sorted(heads, key=len, reverse=True)) + r")[\w.\-]*", re.IGNORECASE)


def make_snippet(texts: list[str], terms: set[str], prefixes: list[str], analyzer: Analyzer, window: int = WINDOW) -> str:
    """The passage (of the first text that matches best) with the most distinct matched terms."""
    pattern = candidate_pattern(terms, prefixes)
    best: tuple[int, int, str, list[tuple[int, int]]] | None = None
    for text in texts:
        if not text:
            continue
        found = matches(text, pattern, terms, prefixes, analyzer) if pattern else []
        if not found:
            if best is None:
                best = (0, 0, text, [])
            continue
        for i, (start, _, _) in enumerate(found):
            inside = [(s, e, term) for s, e, term in found[i:] if e <= start + window]
            score = len({term for _, _, term in inside})
            if best is None or score > best[0]:
                best = (score, start, text, [(s, e) for s, e, _ in inside])
    if best is None:
        return ""
    _, start, text, spans = best
    return _render(text, start, spans, window)


def matches(text: str, pattern: re.Pattern[str], terms: set[str], prefixes: list[str], analyzer: Analyzer) -> list[tuple[int, int, str]]:
    """(start, end, term) of every word in `text` whose term is wanted (or starts with a prefix)."""
    found = []
    for m in pattern.finditer(text):
        for token in analyzer.tokens(m.group()):  # "ikke-vestlige" holds two words
            if token.term in terms or any(token.term.startswith(p) or fold(token.surface).startswith(p) for p in prefixes):
                found.append((m.start() + token.start, m.start() + token.end, token.term))
    return found


def _render(text: str, first: int, spans: list[tuple[int, int]], window: int) -> str:
    begin = max(0, first - window // 4)
    if begin:
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 and begin - space < 30 else begin
    end = min(len(text), begin + window)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin + window // 2 else end
    out = ["…" if begin else ""]
    cursor = begin
    for s, e in spans:
        if s < cursor or e > end:
            continue
        out.append(html.escape(text[cursor:s], quote=True))
        out.append(f"<mark>{html.escape(text[s:e], quote=True)}</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end], quote=True))
    out.append("…" if end < len(text) else "")
    return re.sub(r"\s+", " ", "".join(out)).strip()
