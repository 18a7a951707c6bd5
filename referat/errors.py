"""Typed exceptions. Library code raises these; only the CLI turns them into messages and exit codes.

`str(error)` is always a complete, one-line message a user can act on: names and problems are
passed through `printable`, so a file name with a newline cannot forge a second error line.
"""

import os
import re

# Characters that would break a one-line message or fool a terminal: controls (newline, ESC),
# line and paragraph separators, bidi overrides, and lone surrogates (undecodable file names).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` on one line, with control characters and lone surrogates escaped as Python does."""
    return _UNPRINTABLE.sub(lambda m: _ESCAPES.get(m.group()) or _escape(m.group()), str(text))


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def path_name(path: "os.PathLike[str] | str") -> str:
    """A file name as valid text: bytes that are not UTF-8 (which Python keeps as lone surrogates)
    become "\\xe9", so the name can be stored, printed and put in JSON, and still names the file."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def one_line(error: BaseException) -> str:
    """A one-line message for any error: ours as they are; a database error as the first line the
    driver gave (not the SQL and parameters SQLAlchemy appends); anything else with its type."""
    if isinstance(error, ReferatError):
        return printable(str(error))
    orig = getattr(error, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's exception
    if orig is not None or type(error).__module__.startswith(("sqlalchemy", "sqlite3", "psycopg")):
        lines = [line.strip() for line in str(orig if orig is not None else error).splitlines() if line.strip()]
        first = lines[0] if lines else type(error).__name__
        return printable(f"the database failed: {first}")
    text = str(error).strip().splitlines()
    return printable(f"{type(error).__name__}: {text[0]}" if text else type(error).__name__)


class ReferatError(Exception):
    """Base of every error referat reports to a user."""


class InputError(ReferatError):
    """One input (file, URL, document) could not be used; names the input and the problem."""

    def __init__(self, source: str, problem: str):
        self.source = source
        self.problem = problem
        super().__init__(f"{printable(source)}: {printable(problem)}")


class FilterError(InputError):
    """A search parameter that cannot be used; `source` names the parameter (q, from, to, outcome,
    kind, sort, limit, offset)."""


class ExtractionError(InputError):
    """Bytes could not be turned into text (corrupt, encrypted, image-only, too large, ...)."""


class FetchError(InputError):
    """A URL could not be fetched (HTTP error, disallowed host, too large, ...)."""


class StoreError(ReferatError):
    """The archive could not be opened or written."""


class ArchiveBusy(StoreError):
    """Another process is writing to the archive."""


class MailError(ReferatError):
    """A mail could not be handed to the SMTP server (unreachable, refused, failed login)."""
