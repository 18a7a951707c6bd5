"""Bytes in, the one plain-text form the parsers read out.

This is the only entry point the rest of referat uses to turn an original into text: it sniffs
the content type from the bytes (not the file name) and dispatches to an extractor (PDF, HTML,
text/Markdown). PDFs are untrusted and are read in a worker process under `ExtractLimits`.

The text form every extractor produces (and the samples/*.txt are written in):
- blocks separated by one blank line; a paragraph is one line (hard wraps and line-end
  hyphenation undone: "Beskæftigel-" + "sesfremmende" joined, "Erhvervs- og" kept);
- headings on their own line, marked Markdown-style by level where the source shows one
  ("## Punkt 1: Meddelelser": <h2> in HTML, the second-largest heading type in a PDF); a line of
  text that happens to start with "#" is escaped as "\\#";
- list items one per line as "- item" or "3. item"; table rows one per line, cells TAB-separated;
- no page headers, footers or page numbers; NBSP, soft hyphens, ligatures and bullet glyphs
  normalised; Danish letters as they are. Text and Markdown inputs pass through as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from referat.errors import ExtractionError
from referat.ingest import sniff as sniffing

MAX_TEXT_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class ExtractLimits:
    """Resource limits for one extraction; passed down to the extractors and the worker."""

    timeout_s: float = 60.0  # wall time for one PDF (text layer)
    ocr_timeout_s: float = 900.0  # wall time for one PDF when OCR may run (≈ 2-5 s a page)
    memory_mb: int = 1536  # address space (RLIMIT_AS) of the worker process; 0 = unlimited
    max_pages: int = 3000
    max_bytes: int = 200 * 2**20
    max_text_bytes: int = MAX_TEXT_BYTES  # for text and HTML inputs
    isolate: bool = True  # read PDFs in a worker process (off only for benchmarks and debugging)
    ocr_dpi: int = 300
    ocr_processes: int = 0  # parallel tesseract processes; 0 = one per CPU


@dataclass
class Extracted:
    """The text of one original and what was learned on the way."""

    text: str
    content_type: str  # "pdf", "html" or "text"
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)


def load_text(data: bytes, source: str, *, ocr: bool = False) -> str:
    """Text of one original; raises ExtractionError naming `source` and the problem."""
    return extract(data, source, ocr=ocr).text


def extract(data: bytes, source: str, *, ocr: bool = False, limits: ExtractLimits = ExtractLimits()) -> Extracted:
    """Sniff `data` and run the matching extractor; ExtractionError for anything unusable."""
    if not data:
        raise ExtractionError(source, "the file is empty")
    kind = sniffing.sniff(data)
    named_pdf = source.lower().split("?")[0].endswith(".pdf")
    if named_pdf and kind != sniffing.PDF:
        looks = {sniffing.HTML: "HTML", sniffing.TEXT: "text"}.get(kind, "binary data")
        raise ExtractionError(source, f"a file named .pdf that is not a PDF (it looks like {looks})")
    if kind == sniffing.PDF:
        if len(data) > limits.max_bytes:
            raise ExtractionError(source, f"the PDF is larger than the {limits.max_bytes // 2**20} MB limit")
        from referat.ingest import pdf

        return pdf.extract_pdf_isolated(data, source, ocr=ocr, limits=limits)
    if kind in (sniffing.HTML, sniffing.TEXT) and len(data) > limits.max_text_bytes:
        raise ExtractionError(source, f"the file is larger than the {limits.max_text_bytes // 2**20} MB limit")
    if kind == sniffing.HTML:
        from referat.ingest import html

        text = html.html_to_text(decode_html(data))
        if not text.strip():
            raise ExtractionError(source, "the web page has no text")
        return Extracted(text=text, content_type="html")
    if kind == sniffing.TEXT:
        text = normalize_text(decode(data))
        if not text.strip():
            raise ExtractionError(source, "the file has no text")
        return Extracted(text=text, content_type="text")
    problems = {
        sniffing.IMAGE: "this is an image, not a document; put it in a PDF and pass --ocr",
        sniffing.OFFICE: "this is an Office file (Word/Excel); save it as PDF first",
        sniffing.ZIP: "this is a ZIP archive; unpack it first",
    }
    raise ExtractionError(source, problems.get(kind, "this is a binary file, not text, PDF or HTML"))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 as older Danish systems write it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def decode_html(data: bytes) -> str:
    """HTML bytes to str: BOM, then a <meta charset> in the first 4 KB, then UTF-8, then cp1252."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode(data)
    match = _META_CHARSET.search(data[:4096])
    if match:
        name = match.group(1).decode("ascii", "replace").lower()
        if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
            name = "cp1252"  # what browsers do, and what Danish sites mean
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data)


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
