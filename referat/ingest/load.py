"""Bytes in, the one plain-text form the parsers read out.

This is the only entry point the rest of referat uses to turn an original into text: it sniffs
the content type from the bytes (not the file name) and dispatches to an extractor (PDF, HTML,
text/Markdown). Every original is untrusted (a crawled site can send a PDF that loops PDFium, a page
nested a million levels deep or 50 MB on one line), so every extractor runs in a worker process
under the same `ExtractLimits`: a file over them fails with one line naming it, and the rest of
the batch goes on.

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
from typing import Any, Callable, TypeVar

from referat.errors import ExtractionError
from referat.ingest import sniff as sniffing

MAX_TEXT_BYTES = 100 * 1024 * 1024
T = TypeVar("T")


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
    if kind in (sniffing.HTML, sniffing.TEXT):
        if len(data) > limits.max_text_bytes:
            raise ExtractionError(source, f"the file is larger than the {limits.max_text_bytes // 2**20} MB limit")
        what = "web page" if kind == sniffing.HTML else "text file"
        return run_limited(extract_markup, (data, source, kind, limits), {}, source=source, limits=limits,
                           timeout=limits.timeout_s, damaged=f"reading the {what} crashed: it is damaged")
    problems = {
        sniffing.IMAGE: "this is an image, not a document; put it in a PDF and pass --ocr",
        sniffing.OFFICE: "this is an Office file (Word/Excel); save it as PDF first",
        sniffing.ZIP: "this is a ZIP archive; unpack it first",
    }
    raise ExtractionError(source, problems.get(kind, "this is a binary file, not text, PDF or HTML"))


def run_limited(fn: Callable[..., T], args: tuple, kwargs: dict[str, Any], *, source: str,
                limits: ExtractLimits, timeout: float, damaged: str) -> T:
    """fn(*args, **kwargs) in a warm worker process under `limits` (time, memory); what goes
    wrong there becomes one ExtractionError naming `source`. `damaged` says what crashed, and why."""
    if not limits.isolate:
        return fn(*args, **kwargs)
    from referat.ingest.worker import POOL, WorkerCrashed, WorkerOutOfMemory, WorkerTimeout

    try:
        return POOL.run(limits.memory_mb, fn, *args, timeout=timeout, **kwargs)
    except WorkerTimeout:
        raise ExtractionError(source, f"extraction took longer than {timeout:g} s") from None
    except WorkerOutOfMemory:
        raise ExtractionError(source, f"extraction needed more than {limits.memory_mb} MB of memory") from None
    except WorkerCrashed:
        raise ExtractionError(source, f"{damaged} or needs more than {limits.memory_mb} MB of memory") from None


def extract_markup(data: bytes, source: str, kind: str, limits: ExtractLimits) -> Extracted:
    """An HTML page or a text file in the plain-text form (in this process: see `run_limited`)."""
    if kind == sniffing.HTML:
        from referat.ingest import html

        markup, warnings = decode_html_with_warnings(data)
        text = html.html_to_text(markup, source, limits.max_html_elements)
        if not text.strip():
            raise ExtractionError(source, "the web page has no text")
        return Extracted(text=text, content_type="html", warnings=warnings)
    decoded, warnings = decode_with_warnings(data)
    text = normalize_text(decoded)
    if not text.strip():
        raise ExtractionError(source, "the file has no text")
    return Extracted(text=text, content_type="text", warnings=warnings)


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
