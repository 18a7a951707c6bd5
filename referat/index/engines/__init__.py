"""Danish full-text search over the archive, with tantivy (default), Whoosh or PostgreSQL behind
one interface (`engine.Engine`) and one conformance suite (tests/test_search_conformance.py)."""

from __future__ import annotations

from pathlib import Path

from referat.index.engines.base import Engine, Filters


def engine_schema_version(name: str) -> str:
    if name == "tantivy":
        from referat.index.engines.tantivy import SCHEMA_VERSION
    elif name == "whoosh":
        from referat.index.engines.whoosh import SCHEMA_VERSION
    else:
        from referat.index.engines.postgres import SCHEMA_VERSION
    return SCHEMA_VERSION


def open_engine(name: str, *, path: Path | None = None, db=None, create: bool = False) -> Engine:
    """An engine by name: tantivy and whoosh live in a folder, postgres in the store's database."""
    if name == "tantivy":
        from referat.index.engines.tantivy import TantivyEngine

        return TantivyEngine(path, create=create)
    if name == "whoosh":
        from referat.index.engines.whoosh import WhooshEngine

        return WhooshEngine(path, create=create)
    if name == "postgres":
        from referat.index.engines.postgres import PostgresEngine

        return PostgresEngine(db)
    raise ValueError(f"unknown search engine {name!r}")


__all__ = ["Engine", "Filters", "open_engine", "engine_schema_version"]
