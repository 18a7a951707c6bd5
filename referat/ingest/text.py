"""The one plain-text form every extractor produces, and the types and helpers they share.

The form (the samples/*.txt are written in it):
- blocks separated by one blank line; a paragraph is one line (hard wraps and line-end
  hyphenation undone: "Beskæftigel-" + "sesfremmende" joined, "Erhvervs- og" kept);
- headings on their own line, marked Markdown-style by level where the source shows one
  ("## Punkt 1: Meddelelser": <h2> in HTML, the second-largest heading type in a PDF); a line of
  text that happens to start with "#" is escaped as "\\#";
- list items one per line as "- item" or "3. item"; table rows one per line, cells TAB-separated;
- no page headers, footers or page numbers; NBSP, soft hyphens, ligatures and bullet glyphs
  normalised; Danish letters as they are. Text and Markdown inputs pass through as written.

This module is the floor of `referat.ingest`: the dispatcher (`load`) and the extractors (`html`,
`pdf`, `ocr`) import from it, and it imports none of them. Here are the limits an extraction runs
under (`ExtractLimits`), what it returns (`Extracted`), how the bytes of text files and web pages
become str (`decode*`), the one form of spaces, ligatures and bullet glyphs (`normalize_text`), and
how a paragraph's wrapped lines become one (`join_wrapped`, shared by the PDF and OCR extractors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_TEXT_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class ExtractLimits:
    """Resource limits for one extraction; passed down to the extractors and the worker."""

    timeout_s: float = 60.0  # wall time for one PDF (text layer), HTML page or text file
    ocr_timeout_s: float = 900.0  # wall time for one PDF when OCR may run (≈ 2-5 s a page)
    memory_mb: int = 1536  # address space (RLIMIT_AS) of the worker process; 0 = unlimited
    max_pages: int = 3000
    max_bytes: int = 200 * 2**20
    max_text_bytes: int = MAX_TEXT_BYTES  # for text and HTML inputs
    max_html_elements: int = 1_000_000  # a long minutes page has ~50 000; more is a flood, not minutes
    isolate: bool = True  # extract in a worker process (off only for benchmarks and debugging)
    ocr_dpi: int = 300
    ocr_processes: int = 0  # parallel tesseract processes; 0 = one per CPU


@dataclass
class Extracted:
    """The text of one original and what was learned on the way."""

    text: str
    content_type: str  # "pdf", "html" or "text"
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes) -> str:
    """Bytes of a text file as str; see `decode_with_warnings`."""
    return decode_with_warnings(data)[0]


def decode_with_warnings(data: bytes) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else line by line: UTF-8 where a line is UTF-8,
    Windows-1252 (as older Danish systems write) where it is not, with a warning naming the lines.

    Line by line because one stray byte (a cp1252 "ø" pasted into a UTF-8 file) must not turn
    every other "ø" of the file into "Ã¸"; a file that is Windows-1252 throughout gets
    no warning, as that is a legitimate way to write Danish. Bytes no encoding can read (cp1252
    leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D undefined; a broken UTF-16 pair) become U+FFFD, with a warning.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
        bad = text.count("\ufffd") - data.decode("utf-16", errors="ignore").count("\ufffd")
        return text, [f"{bad} bytes are not valid UTF-16 and were replaced with \ufffd"] if bad else []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    fallback: list[int] = []
    utf8_lines = 0
    replaced = 0
    out = []
    for number, line in enumerate(lines, 1):
        try:
            out.append(line.decode("utf-8"))
            if not line.isascii():
                utf8_lines += 1
        except UnicodeDecodeError:
            decoded = line.decode("cp1252", errors="replace")
            replaced += decoded.count("\ufffd")  # cp1252 gives U+FFFD only for its five undefined bytes
            fallback.append(number)
            out.append(decoded)
    warnings = []
    if utf8_lines and fallback:
        shown = ", ".join(map(str, fallback[:10])) + (f" and {len(fallback) - 10} more" if len(fallback) > 10 else "")
        many = len(fallback) > 1
        warnings.append(f"line{'s' if many else ''} {shown} {'are' if many else 'is'} not UTF-8 like the rest of"
                        f" the file and {'were' if many else 'was'} read as Windows-1252; check {'them' if many else 'it'}")
    if replaced:
        warnings.append(f"{replaced} bytes are undefined in Windows-1252 and were replaced with \ufffd")
    return "\n".join(out), warnings


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def decode_html(data: bytes) -> str:
    return decode_html_with_warnings(data)[0]


def decode_html_with_warnings(data: bytes) -> tuple[str, list[str]]:
    """HTML bytes to str: BOM, then a <meta charset> in the first 4 KB, then as `decode_with_warnings`."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_with_warnings(data)
    match = _META_CHARSET.search(data[:4096])
    if match:
        name = match.group(1).decode("ascii", "replace").lower()
        if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
            name = "cp1252"  # what browsers do, and what Danish sites mean
        try:
            return data.decode(name), []
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_with_warnings(data)


# Private-use and look-alike bullet glyphs that PDF fonts (Symbol, Wingdings) put in text.
BULLET_GLYPHS = "\uf0b7\uf0a7\uf0d8\uf0fc\uf076\uf06e\uf0a8\u25cf\u25aa\u25a0\u2023\u2043\u2219\u25e6"
_BULLETS = re.compile(f"[{BULLET_GLYPHS}]|\\(cid:127\\)")
_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\ufffe\uffff]")


_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})


def normalize_text(text: str) -> str:
    """Line endings, BOM, spaces, soft hyphens, ligatures and bullet glyphs as plain characters: one
    form for parsers (a search for "fiskeri" must find a PDF's "ﬁskeri")."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _INVISIBLE.sub("", text).translate(_LIGATURES)
    text = _SPACES.sub(" ", text)
    return _BULLETS.sub("•", text)


# A line-end hyphen before one of these words is a suspended hyphen ("Erhvervs- og"), kept.
SUSPENDED_HYPHEN_WORDS = frozenset({"og", "eller", "samt", "til", "and", "or", "&", "henholdsvis", "som", "men"})


def join_wrapped(prev: str, nxt: str) -> str:
    """Join two wrapped lines of one paragraph, undoing line-end hyphenation where it is one."""
    if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha():
        word = nxt.split(" ", 1)[0]
        if word[:1].islower() and word.rstrip(",.;:").split("/")[0] not in SUSPENDED_HYPHEN_WORDS:
            return prev[:-1] + nxt  # Beskæftigel- + sesfremmende
        if word[:1].isdigit() or word[:1].isupper() and prev[-2].isupper():
            return prev + nxt  # COVID- + 19, EU- + Kommissionen
        return prev + " " + nxt  # Erhvervs- og ...
    return prev + " " + nxt
