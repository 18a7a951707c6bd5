"""Pure parsers: text in, `referat.model.Document` out. No I/O, never raises on odd input.

The kind of document is read from the content:
- minutes/agenda: it has agenda item headings (``Punkt 3: …`` or numbered items) and a meeting date;
- budget agreement: it has an "Aftale om budget YYYY" heading followed by numbered points;
- anything else is a document with headed sections.
What a parser cannot make sense of becomes a warning on the document, in words.
"""

from __future__ import annotations

from referat.model import Document, DocumentKind
from referat.parsers.budget import parse_budget_agreement
from referat.parsers.document import parse_document
from referat.parsers.minutes import NOT_READ_AS_MINUTES, looks_like_minutes, parse_minutes
from referat.parsers.text import split_lines

# Raised whenever the parser reads documents differently, so stored originals are read again
# (`referat reparse`; commands say so in one line while any document was read by an older one).
# 2: minutes of any municipality's layout (issue 10).
# 3: positions and vote counts read from each decision (issue 13).
PARSER_VERSION = "3"

__all__ = ["parse", "PARSER_VERSION", "NOT_READ_AS_MINUTES"]


def parse(text: str, source: str = "", sha256: str = "") -> Document:
    """Parse one document's text (as `referat.ingest.extract(...).text` gives it)."""
    lines = split_lines(text)
    try:
        if (minutes := parse_minutes(lines, source)) is not None:
            kind = DocumentKind.MINUTES if minutes.kind == "minutes" else DocumentKind.AGENDA
            return Document(kind, source, sha256, minutes.title, minutes.warnings, meeting=minutes.meeting)
        if (budget := parse_budget_agreement(lines)) is not None:
            return Document(
                DocumentKind.BUDGET_AGREEMENT, source, sha256, budget.title, budget.warnings,
                budget_agreement=budget.agreement,
            )  # fmt: skip
        warnings = [f"{NOT_READ_AS_MINUTES}; kept as a plain document."] if looks_like_minutes(lines) else []
    except Exception as error:  # a parser bug must not lose the document: keep it as plain sections
        warnings = [f"The minutes parser failed ({type(error).__name__}: {error}); kept the text as a plain document."]
    result = parse_document(lines)
    return Document(DocumentKind.DOCUMENT, source, sha256, result.title, warnings + result.warnings, sections=result.sections)
