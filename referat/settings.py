"""Settings: where an archive lives, which database and search engine it uses, and the bounds on
every number a user can send. Resolved here once for the CLI, the web and library users.

- The data folder: `--data`, else `$REFERAT_DATA`, else `$XDG_DATA_HOME/referat`
  (`~/.local/share/referat`).
- The database: `--db`, else `$REFERAT_DB`, else SQLite in the data folder.
- The search engine: `--engine`, else `$REFERAT_ENGINE`, else tantivy (postgres for a PostgreSQL store).

The bounds: a number past them is refused with a clear message before it reaches the store or
an engine: a search offset of 2^31 once made tantivy reserve room for 2^31 hits and abort the
process, 2^64 and budget years past SQLite's integer range raised OverflowError (a 500 on the web).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from referat.errors import FilterError

SEARCH_ENGINES = ("tantivy", "whoosh", "postgres")
MAX_LIMIT = 1000  # hits on one page of a search (the web API allows 100)
MAX_OFFSET = 2**31 - 1  # hits skipped: the largest 32-bit integer, inside every engine and database
# The years an agreement can be stored or cited under: the parsers read "(19|20)\d{2}".
BUDGET_YEARS = range(1900, 2100)


def default_data_dir() -> Path:
    """The per-user data folder (XDG): $XDG_DATA_HOME/referat or ~/.local/share/referat."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "referat"


def default_engine(db_url: str) -> str:
    """The search engine that suits a store: PostgreSQL's own index in PostgreSQL, else tantivy."""
    return "postgres" if db_url.startswith("postgresql") else "tantivy"


@dataclass(frozen=True)
class Settings:
    """Where one archive lives and how it is read; `debug` shows tracebacks instead of one line."""

    data: Path
    db: str | None = None
    engine: str | None = None
    debug: bool = False

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{self.data / 'referat.db'}"

    @property
    def engine_name(self) -> str:
        return self.engine or default_engine(self.db_url)

    @classmethod
    def resolve(cls, data: Path | str | None = None, db: str | None = None, engine: str | None = None,
                debug: bool = False) -> Settings:  # fmt: skip
        """Options first, then the environment, then the defaults (the CLI's click options read
        the same environment variables, so both ways in agree)."""
        data = data or os.environ.get("REFERAT_DATA") or default_data_dir()
        return cls(Path(data).expanduser(), db or os.environ.get("REFERAT_DB") or None,
                   engine or os.environ.get("REFERAT_ENGINE") or None, debug)  # fmt: skip


class InvalidWindow(FilterError, ValueError):
    """A limit or offset outside what a search answers (the message says the allowed range)."""


def check_window(limit: int, offset: int, max_limit: int = MAX_LIMIT) -> None:
    """Refuse a page of hits outside 1 ≤ limit ≤ max_limit (at most MAX_LIMIT), 0 ≤ offset ≤ MAX_OFFSET."""
    max_limit = min(max_limit, MAX_LIMIT)
    if not 1 <= limit <= max_limit:
        raise InvalidWindow("limit", f"must be a whole number from 1 to {max_limit}, not {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidWindow("offset", f"must be a whole number from 0 to {MAX_OFFSET}, not {offset}")
