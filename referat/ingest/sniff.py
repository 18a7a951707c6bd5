"""What kind of bytes these are, judged from the content alone.

File names and HTTP content types lie (a ".pdf" link that returns an HTML error page, a ".txt" that
is Windows-1252, a ".doc" that is HTML); the first few kilobytes do not. `sniff` is cheap and never
raises, so it can run on every input before any parser sees it.
"""

from __future__ import annotations

import re

# Kinds returned by sniff(); load.extract() dispatches on the first three.
PDF, HTML, TEXT = "pdf", "html", "text"
EMPTY, BINARY, IMAGE, OFFICE, ZIP = "empty", "binary", "image", "office", "zip"

_HEAD = 8192

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
    b"BM",
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc/.xls of old Office

# An HTML document starts (after BOM, whitespace and comments) with a doctype or one of the
# document-level tags. A Markdown file with a stray <b> in a table must stay text, so inline tags
# anywhere in the middle do not count.
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|html|head|body|meta|title|div|table|section|article|main|p|h[1-6]|ul|ol)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
_HTML_ANYWHERE = re.compile(rb"<html[\s>]|<body[\s>]|<!doctype\s+html", re.IGNORECASE)


def sniff(data: bytes) -> str:
    """One of "pdf", "html", "text", "empty", "image", "office", "zip", "binary"."""
    if not data:
        return EMPTY
    head = data[:_HEAD]
    # The PDF spec allows the header anywhere in the first 1024 bytes (some writers prepend junk).
    if b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(_IMAGE_MAGIC):
        return IMAGE
    if head.startswith(_OLE_MAGIC):
        return OFFICE
    if head.startswith(b"PK\x03\x04"):
        return OFFICE if b"word/" in head or b"[Content_Types].xml" in head else ZIP
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return TEXT  # UTF-16 with BOM; text.decode_with_warnings decodes it
    if _looks_binary(head):
        return BINARY
    if _HTML_START.match(head) or _HTML_ANYWHERE.search(head[:2048]):
        return HTML
    return TEXT


def _looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters: no text encoding we read produces those."""
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(8, len(head) // 100)
