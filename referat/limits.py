"""The bounds every front door (CLI, web, library) puts on numbers a user can send, in one place.

A number past them is refused with a clear message before it reaches the store or an engine: a
search offset of 2^31 once made tantivy reserve room for 2^31 hits and abort the process, 2^64 and
budget years past SQLite's integer range raised OverflowError (a 500 on the web).
"""

from __future__ import annotations

from referat.errors import ReferatError

MAX_LIMIT = 1000  # hits on one page of a search (the web API allows 100)
MAX_OFFSET = 2**31 - 1  # hits skipped: the largest 32-bit integer, inside every engine and database
# The years an agreement can be stored or cited under: the parsers read "(19|20)\d{2}".
BUDGET_YEARS = range(1900, 2100)


class InvalidWindow(ReferatError, ValueError):
    """A limit or offset outside what a search answers (the message says the allowed range)."""


def check_window(limit: int, offset: int) -> None:
    """Refuse a page of hits outside 1 ≤ limit ≤ MAX_LIMIT, 0 ≤ offset ≤ MAX_OFFSET."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidWindow(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidWindow(f"offset must be a whole number from 0 to {MAX_OFFSET}, not {offset}")
