"""The search index's life cycle: where it lives, keeping it in step with the store, rebuilding it.

- Embedded engines keep generations under `<data>/index/<engine>/gen-N/`; the file `CURRENT`
  names the live one. `rebuild` fills a new generation from the store and swaps `CURRENT` in one
  rename, so searches during a rebuild keep using the old index and never see a half-built one.
- `sync` brings the index in step with the store after an ingest: records of documents the store
  no longer has are deleted, documents the index lacks are added. It compares document sets, so
  an ingest killed between storing and indexing is caught up by the next one.
- A missing, corrupt or old-format index is rebuilt on first use, with a one-line notice.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from referat.index import store as S
from referat.index.search.engine import Engine
from referat.index.search.records import all_records, records_for_documents

ANALYZER_VERSION = "1"  # bump when the analyzer's terms change: every index must be rebuilt
ENGINES = ("tantivy", "whoosh", "postgres")
Notice = Callable[[str], None]


def default_engine_name(db_url: str) -> str:
    return "postgres" if db_url.startswith("postgresql") else "tantivy"


class SearchIndex:
    """The index of one archive with one engine."""

    def __init__(self, data_dir: Path, db_engine, engine_name: str, notice: Notice | None = None):
        if engine_name not in ENGINES:
            raise ValueError(f"unknown search engine {engine_name!r}; choose one of {', '.join(ENGINES)}")
        self.data_dir = data_dir
        self.db = db_engine
        self.engine_name = engine_name
        self.notice = notice or (lambda message: None)
        self.base = data_dir / "index" / engine_name
        self._engine: Engine | None = None

    # --- opening --------------------------------------------------------------------------

    def _marker(self) -> dict:
        from referat.index.search import engine_schema_version

        return {"engine": self.engine_name, "schema": engine_schema_version(self.engine_name), "analyzer": ANALYZER_VERSION}

    def _current(self) -> Path | None:
        try:
            name = (self.base / "CURRENT").read_text().strip()
        except OSError:
            return None
        path = self.base / name
        return path if name and path.is_dir() else None

    def _open_engine(self, path: Path | None, create: bool = False) -> Engine:
        from referat.index.search import open_engine

        return open_engine(self.engine_name, path=path, db=self.db, create=create)

    def engine(self) -> Engine:
        """The live engine, rebuilt first if it is missing, corrupt or of an older format."""
        if self._engine is not None:
            return self._engine
        if self.engine_name == "postgres":
            self._engine = self._open_engine(None)
            if self._engine.needs_rebuild(self._marker()):
                self.notice("The PostgreSQL search index is missing or of an older format; rebuilding it from the store.")
                self.rebuild()
            return self._engine
        path = self._current()
        problem = None
        if path is None:
            problem = "missing"
        else:
            try:
                marker = json.loads((path / "referat-index.json").read_text())
            except (OSError, ValueError):
                marker = None
            if marker != self._marker():
                problem = "of an older format"
            else:
                try:
                    self._engine = self._open_engine(path)
                    return self._engine
                except Exception:  # noqa: BLE001 - any failure to open means: rebuild it
                    problem = "corrupt"
        if problem != "missing" or self._store_has_documents():
            self.notice(f"The {self.engine_name} search index is {problem}; rebuilding it from the store.")
        self.rebuild()
        assert self._engine is not None
        return self._engine

    def _store_has_documents(self) -> bool:
        with Session(self.db) as session:
            return session.scalar(select(S.DocumentRow.id).limit(1)) is not None

    # --- writing --------------------------------------------------------------------------

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Index the whole store into a new generation and make it live; returns the record count."""
        if self.engine_name == "postgres":
            engine = self._engine or self._open_engine(None)
            engine.clear()
            count = self._fill(engine, progress)
            engine.mark(self._marker())
            engine.commit()
            self._engine = engine
            return count
        self.base.mkdir(parents=True, exist_ok=True)
        old = self._current()
        number = 1 + max((int(p.name[4:]) for p in self.base.glob("gen-*") if p.name[4:].isdigit()), default=0)
        path = self.base / f"gen-{number}"
        shutil.rmtree(path, ignore_errors=True)
        engine = self._open_engine(path, create=True)
        count = self._fill(engine, progress)
        engine.commit()
        (path / "referat-index.json").write_text(json.dumps(self._marker()))
        tmp = self.base / "CURRENT.tmp"
        tmp.write_text(path.name)
        os.replace(tmp, self.base / "CURRENT")
        if self._engine is not None:
            self._engine.close()
        self._engine = engine
        if old is not None and old != path:
            shutil.rmtree(old, ignore_errors=True)
        return count

    def _fill(self, engine: Engine, progress: Callable[[int], None] | None) -> int:
        count = 0
        with Session(self.db) as session:
            for batch in all_records(session):
                engine.add(batch)
                count += len(batch)
                if progress is not None:
                    progress(count)
        return count

    def sync(self) -> tuple[int, int]:
        """Add what the store has and the index lacks; drop what the store no longer has.
        Returns (documents added, documents removed)."""
        engine = self.engine()
        with Session(self.db) as session:
            stored = dict(session.execute(select(S.DocumentRow.sha256, S.DocumentRow.id)).all())
            indexed = engine.indexed_documents()
            gone = sorted(indexed - stored.keys())
            new = [stored[sha] for sha in stored.keys() - indexed]
            if gone:
                engine.delete_documents(gone)
            for start in range(0, len(new), 200):
                engine.add(records_for_documents(session, new[start : start + 200]))
                session.expunge_all()
        if gone or new:
            engine.commit()
        return len(new), len(gone)

    def refresh_documents(self, shas: list[str]) -> None:
        """Re-index documents whose records changed in place (a re-parse keeps the sha256)."""
        engine = self.engine()
        with Session(self.db) as session:
            ids = session.scalars(select(S.DocumentRow.id).where(S.DocumentRow.sha256.in_(shas))).all()
            engine.delete_documents(shas)
            engine.commit()
            for start in range(0, len(ids), 200):
                engine.add(records_for_documents(session, list(ids[start : start + 200])))
                session.expunge_all()
        engine.commit()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
