"""Bytes in, the one plain-text form the parsers read out: the dispatcher.

This is the only entry point the rest of referat uses to turn an original into text: it sniffs
the content type from the bytes (not the file name) and dispatches to an extractor (PDF, HTML,
text/Markdown). Every original is untrusted (a crawled site can send a PDF that loops PDFium, a page
nested a million levels deep or 50 MB on one line), so every extractor runs in a worker process
under the same `ExtractLimits`: a file over them fails with one line naming it, and the rest of
the batch goes on.

The text form itself, and the types the extractors share, live in `referat.ingest.text`. This
module imports the extractors (`referat.ingest.pdf`, `referat.ingest.html`) when a file needs
them; none of them imports it.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from referat.errors import ExtractionError
from referat.ingest import sniff as sniffing
from referat.ingest.text import Extracted, ExtractLimits, decode_html_with_warnings, decode_with_warnings, normalize_text

T = TypeVar("T")


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

        timeout = limits.ocr_timeout_s if ocr else limits.timeout_s
        return run_limited(pdf.extract_pdf, (data, source), {"ocr": ocr, "limits": limits}, source=source,
                           limits=limits, timeout=timeout, damaged="the PDF reader crashed: the PDF is damaged")
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
