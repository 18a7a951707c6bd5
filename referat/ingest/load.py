"""Bytes in, the one plain-text form the parsers read out.

This is the only entry point the rest of referat uses to turn an original into text: it sniffs
the content type from the bytes (not the file name) and dispatches to an extractor.
"""

from __future__ import annotations

from referat.errors import ExtractionError

MAX_TEXT_BYTES = 100 * 1024 * 1024


def load_text(data: bytes, source: str) -> str:
    """Text of one original; raises ExtractionError naming `source` and the problem."""
    if not data:
        raise ExtractionError(source, "the file is empty")
    if b"\x00" in data[:8192]:
        raise ExtractionError(source, "this is a binary file, not text, PDF or HTML")
    if len(data) > MAX_TEXT_BYTES:
        raise ExtractionError(source, f"the file is larger than {MAX_TEXT_BYTES // 2**20} MB")
    return normalize_text(decode(data))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), falling back to Windows-1252 as older Danish systems write it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def normalize_text(text: str) -> str:
    """Line endings, BOM, no-break and soft hyphens as plain characters, so parsers see one form."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return text.replace("\u00a0", " ").replace("\u00ad", "").replace("\u2028", "\n")
