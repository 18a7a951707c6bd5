"""Other documents (strategies, policies, reports): a title and headed sections.

Headings are Markdown headings where a converter marked them, otherwise numbered headings
("1. Baggrund og formål", "4.1 Borgere som …") and short title-like lines followed by text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from referat.model import Section
from referat.parsers.text import Line, join_block

_NUMBERED = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-ZÆØÅ].{1,120}$")
_META = re.compile(r"^(?:Dato|E-mail|Kontakt|Sagsnr|Journalnr|Telefon|Tlf|Udarbejdet af)\.?\s*:", re.I)


@dataclass
class DocumentResult:
    title: str | None
    sections: list[Section]
    warnings: list[str] = field(default_factory=list)


def parse_document(lines: list[Line]) -> DocumentResult:
    """Title and sections of any text; never fails."""
    has_markdown = any(line.level for line in lines)
    title = None
    if has_markdown:
        top = min(line.level for line in lines if line.level)
        title = next(line.text for line in lines if line.level == top)
    sections: list[Section] = []
    heading = ""
    body: list[Line] = []
    for i, line in enumerate(lines):
        if not line.text:
            body.append(line)
            continue
        if line.text == title and not sections and heading == "":
            continue
        if _is_heading(line, lines, i, has_markdown):
            if join_block(body) or heading:
                sections.append(Section(heading, join_block(body)))
            heading, body = line.text, []
        else:
            body.append(line)
    if join_block(body) or heading:
        sections.append(Section(heading, join_block(body)))
    if title is None:
        title = next((line.text for line in lines if line.text and not _META.match(line.text)), None)
    warnings = [] if sections else ["The document has no text."]
    return DocumentResult(title, sections, warnings)


def _is_heading(line: Line, lines: list[Line], i: int, has_markdown: bool) -> bool:
    if has_markdown:
        return line.level > 0
    if not _NUMBERED.match(line.text) or line.text.endswith((".", ",", ";", ":")):
        return False
    before = lines[i - 1].text if i else ""
    after = lines[i + 1].text if i + 1 < len(lines) else ""
    return not before and not after  # a heading stands alone between blank lines
