"""Searching an embedded index without opening the store: the path `referat search` takes.

When the live tantivy or Whoosh index exists and is of this format, a search needs nothing but
the index and its hit store, so the process never imports SQLAlchemy or Alembic and answers in a
fraction of the time. Anything else (no index yet, an old format, a PostgreSQL store, an index
that fails on read) returns None and the caller goes through the archive, which rebuilds what is
missing or damaged, once, with a notice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from referat.index import OWED_MARKER
from referat.index.search.manager import SearchIndex, default_engine_name, is_read_failure
from referat.index.search.service import SearchRequest, search


def search_embedded(data_dir: Path, db_url: str | None, engine_name: str | None, request: SearchRequest) -> dict[str, Any] | None:
    url = db_url or "sqlite:///"
    name = engine_name or default_engine_name(url)
    if name == "postgres" or not url.startswith("sqlite"):
        return None
    if (Path(data_dir) / OWED_MARKER).exists():  # a writer was killed or is at work: the index may lack documents
        return None
    index = SearchIndex(Path(data_dir), None, name)
    try:
        engine = index.open_existing()
        if engine is None:
            return None
        return search(engine, index.lookup, request)
    except BaseException as error:
        if not is_read_failure(error):
            raise
        return None
    finally:
        index.close()
