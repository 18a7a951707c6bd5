"""The line model every parser reads: cleaned lines with their Markdown heading level.

Extractors deliver text with headings on their own lines and paragraphs separated by blank lines;
converters sometimes add Markdown-ish markup (``## Sammendrag``, ``**20.02 …**``, ``<b>…</b>`` in
table cells). Parsers work on the text without that markup but keep the heading level, which
helps where the layout has no other clue (where a budget point's text ends).
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import itemgetter

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_INLINE_TAGS = re.compile(r"</?(?:b|i|u|strong|em)>", re.IGNORECASE)
_WRAPPING_EMPHASIS = re.compile(r"^(\*{1,3}|_{2,3})(?=\S)(.*?)(?<=\S)\1$")
_STRAY_BOLD = re.compile(r"\*\*(?=\S)(.*?)(?<=\S)\*\*")
_ESCAPED = re.compile(r"\\([*_#\[\]])")
_SPACES = re.compile(r"[ \t\u00a0]+")
_MARKUP_START = frozenset("#*_")

# "flexi-" + (page break) + "bilitet": a word broken at a line or page end. Not "Erhvervs- og"
# (a suspended hyphen: the next word is a conjunction) and not a dash after a space.
_BROKEN_WORD_END = re.compile(r"(?<=[a-zæøåA-ZÆØÅ])-$")
_CONJUNCTIONS = {"og", "eller", "samt", "til", "som", "men", "&", "mv", "m.v.", "m.fl."}
# "Beskæftigelses- fremmende" inside a table cell: the cell wrapped inside a word.
_CELL_SPLIT_WORD = re.compile(r"(?<=[a-zæøå])- (?=([a-zæøå]+))")


class Line(tuple):
    """(text, level): text without Markdown/HTML markup, outer whitespace trimmed; level is the
    Markdown heading level (1-6), 0 when the line is not a Markdown heading.

    A bare tuple because a corpus makes millions of them and tuples are built in C.
    """

    __slots__ = ()

    def __new__(cls, text: str, level: int = 0) -> "Line":
        return tuple.__new__(cls, (text, level))

    text = property(itemgetter(0))
    level = property(itemgetter(1))

    @property
    def blank(self) -> bool:
        return not self[0]


def clean_line(raw: str) -> Line:
    """One raw line → its text without markup, and its heading level."""
    text = raw.replace("\t", "\x00")  # keep table cell boundaries through whitespace folding
    level = 0
    if m := _MD_HEADING.match(text.strip()):
        level, text = len(m.group(1)), m.group(2)
    text = _INLINE_TAGS.sub("", text)
    text = _ESCAPED.sub(r"\1", text).strip()
    for _ in range(2):  # "### **4.3 Titel**" and "*Punktet har …*"
        if m := _WRAPPING_EMPHASIS.match(text):
            text = m.group(2).strip()
    text = _STRAY_BOLD.sub(r"\1", text)
    text = _SPACES.sub(" ", text)
    if "\x00" in text:
        cells = [c.strip() for c in text.split("\x00")]
        text = "\t".join(_CELL_SPLIT_WORD.sub(_join_cell_split, c) for c in cells).rstrip("\t")
    return Line(text.strip(" "), level)


def _is_plain(raw: str) -> bool:
    """Whether a line needs no cleaning: substring tests run in C, far faster than a regex."""
    return (
        raw == raw.strip()
        and raw[:1] not in _MARKUP_START
        and "  " not in raw
        and "\t" not in raw
        and "*" not in raw
        and "<" not in raw
        and "\\" not in raw
        and "\u00a0" not in raw
    )


def _join_cell_split(m: re.Match[str]) -> str:
    return "- " if m.group(1) in _CONJUNCTIONS else ""


def split_lines(text: str) -> list[Line]:
    """Cleaned lines of a text, with words broken over a line or page end joined again."""
    make = tuple.__new__
    lines = [
        make(Line, (raw, 0)) if _is_plain(raw) else clean_line(raw)
        for raw in text.split("\n")
    ]
    if "-\n" not in text and "- \n" not in text and not text.rstrip().endswith("-"):
        return lines  # no line ends in a hyphen: nothing to join (a substring test, not a regex scan)
    out: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.text.endswith("-") and _BROKEN_WORD_END.search(line.text) and "\t" not in line.text:
            j = i + 1
            if j < len(lines) and lines[j].blank:  # a page break leaves one blank line
                j += 1
            if j < len(lines) and _continues_word(lines[j].text):
                joined = line.text[:-1] + lines[j].text
                out.append(Line(joined, line.level))
                i = j + 1
                continue
        out.append(line)
        i += 1
    return out


def _continues_word(text: str) -> bool:
    if not text or not text[0].islower():
        return False
    first = text.split(" ", 1)[0]
    return first not in _CONJUNCTIONS


def join_block(lines: list[Line]) -> str:
    """Lines of one block as text: lines kept, runs of blank lines as one paragraph break."""
    text = "\n".join([line[0] for line in lines]).strip("\n")
    while "\n\n\n" in text:  # str.replace runs in C; a regex scan of long sections does not
        text = text.replace("\n\n\n", "\n\n")
    return text


@lru_cache(maxsize=8192)
def fold_key(text: str) -> str:
    """A comparison key for headings and titles: case, spacing and punctuation folded."""
    text = text.casefold().replace("aa", "å")
    return re.sub(r"[^0-9a-zæøåéü]+", " ", text).strip()


_SMALL_WORDS = frozenset({"og", "for", "i", "af", "til", "fra", "den", "d.", "kl.", "kl", "på", "med"})


def uncapitalised(text: str) -> str:
    """Upper-case print in the case a name is written: "BESLUTNING I BØRNE- OG SKOLEUDVALGET DEN
    05-04-2022" → "Beslutning i Børne- og Skoleudvalget den 05-04-2022"."""
    return " ".join(w.lower() if w.lower() in _SMALL_WORDS else w[:1] + w[1:].lower() for w in text.split(" "))
