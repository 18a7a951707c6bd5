"""The full-text engines behind one interface (`base.Engine`) and one conformance suite
(tests/test_search_conformance.py): tantivy (default) and Whoosh, embedded in a folder of the
data folder, and PostgreSQL, in the store's own database.

An engine's module is imported only when the engine is asked for: a process that uses tantivy
never loads Whoosh, and only the PostgreSQL engine loads SQLAlchemy.
"""

from __future__ import annotations

from pathlib import Path

from referat.index.engines.base import Engine, Filters


def engine_class(name: str) -> type[Engine]:
    """The engine of this name, for what its class says before one is opened (`embedded`,
    `schema_version`)."""
    if name == "tantivy":
        from referat.index.engines.tantivy import TantivyEngine

        return TantivyEngine
    if name == "whoosh":
        from referat.index.engines.whoosh import WhooshEngine

        return WhooshEngine
    if name == "postgres":
        from referat.index.engines.postgres import PostgresEngine

        return PostgresEngine
    raise ValueError(f"unknown search engine {name!r}")


def open_engine(name: str, *, path: Path | None = None, db=None, create: bool = False, reader=None) -> Engine:
    """An engine by name: an embedded one in the folder `path` (`create`: a new, empty index
    there), the others in the store's database `db`, searching the one `reader()` gives (a read
    replica; by default `db`)."""
    cls = engine_class(name)
    return cls(path, create=create) if cls.embedded else cls(db, reader)


__all__ = ["Engine", "Filters", "engine_class", "open_engine"]
