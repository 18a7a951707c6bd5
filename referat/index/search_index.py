"""The search index's life cycle: where it lives, keeping it in step with the store, rebuilding it.

- Embedded engines (`Engine.embedded`: tantivy, Whoosh) keep generations under
  `<data>/index/<engine>/gen-N/`, each with its hit store and a marker file (engine, schema and
  analyzer versions); the file `CURRENT` names the live one. `rebuild` fills a new generation from
  the store and swaps `CURRENT` in one rename, so searches during a rebuild keep using the old
  index and never see a half-built one.
- An engine in the store's database (PostgreSQL) keeps its marker there and is rebuilt in place
  (`clear`, `add`, `mark`, `commit`: its own swap at commit); its errors are the database's and
  are raised as they are.
- `sync` brings the index in step with the store after an ingest: records of documents the store
  no longer has are deleted, documents the index lacks are added. It compares document sets, so
  an ingest killed between storing and indexing is caught up by the next one.
- A missing, corrupt or old-format index is rebuilt on first use, with a one-line notice.
  Opening a generation checks it cheaply: its marker, a manifest of its immutable files (size and
  a checksum of each file's first and last 4 KiB; tantivy ends a file with a checksum of it) and a hit
  store that has its table and, when the engine holds records, records too.
- Damage the open check cannot see (bytes overwritten inside a file) shows when a search reads
  it: a Rust panic, "Invalid data", "database disk image is malformed", or hits without records.
  `search` then rebuilds once, with a one-line notice, and answers from the new generation.

What the index needs from the store (its documents, their records) it asks `referat.store.records`,
imported on first need: a search answered from an embedded index and its hit store (`referat
search`) never loads SQLAlchemy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zlib
from contextlib import closing
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from referat import faults
from referat.settings import SEARCH_ENGINES
from referat.index.engines import engine_class, open_engine
from referat.index.engines.base import Engine
from referat.index.hits import FILENAME as HITS_FILE
from referat.index.hits import HitStore, HitStoreDamaged
from referat.index.records import SearchRecord
from referat.index.search import SearchRequest
from referat.index.search import search as run_search

ANALYZER_VERSION = "2"  # bump when the analyzer's terms change: every index must be rebuilt
PARALLEL_FROM_DOCUMENTS = 500  # below this a rebuild is quick anyway, and worker start-up would dominate
ADD_BATCH = 200  # documents a sync reads and adds at a time
Notice = Callable[[str], None]
MANIFEST = "referat-files.json"
# Files a commit rewrites in place (tantivy's meta.json and .managed.json, locks) and the hit store
# (checked by opening it) are not in the manifest; every other index file is written once.
_NOT_IN_MANIFEST = re.compile(r"^\.|^meta\.json$|^referat-|^records-|lock", re.IGNORECASE)
_EDGE = 4096


def _fingerprint(path: Path) -> list[int]:
    """Size and CRC32 of the first and last 4 KiB: a small file is checked whole, and tantivy
    ends every file with a checksum of its content, so a file rewritten in place changes here;
    reading only 8 KiB a file keeps opening a large index cheap."""
    with path.open("rb") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(0)
        head = f.read(min(size, _EDGE))
        f.seek(max(len(head), size - _EDGE))
        return [size, zlib.crc32(f.read(), zlib.crc32(head))]


def write_manifest(folder: Path) -> None:
    """Record the fingerprint of every index file of a generation (after each commit to it)."""
    files = {p.name: _fingerprint(p) for p in sorted(folder.iterdir()) if p.is_file() and not _NOT_IN_MANIFEST.search(p.name)}
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(files))
    os.replace(tmp, folder / MANIFEST)


def manifest_problem(folder: Path) -> str | None:
    """What differs from the generation's manifest, or None. A listed file that is gone was
    merged away by a later commit (index files are deleted, never rewritten); a generation
    written before manifests existed is checked on read only."""
    try:
        files = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return f"{MANIFEST} is unreadable"
    for name, expected in files.items():
        try:
            if _fingerprint(folder / name) != expected:
                return f"{name} has changed since it was written"
        except FileNotFoundError:
            continue
        except OSError as error:
            return f"{name}: {error.strerror}"
    return None


def is_read_failure(error: BaseException) -> bool:
    """Whether an error from a search means the index is damaged: anything but an interruption
    (tantivy's Rust panics arrive as pyo3's PanicException, a BaseException)."""
    return isinstance(error, Exception) or type(error).__name__ == "PanicException"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0][:160] if text else type(error).__name__)


def _stored():
    """The store's side of the index (`referat.store.records`), imported on first need: it loads
    SQLAlchemy, which a search answered from an embedded index never needs."""
    from referat.store import records

    return records


class SearchIndex:
    """The index of one archive with one engine; `db` is the store's database (None: search the
    embedded index alone, as `referat search` tries first), which every write and rebuild goes to;
    `reader()` gives the database a search reads (a read replica; by default `db`)."""

    def __init__(self, data_dir: Path, db, engine_name: str, notice: Notice | None = None, reader: Callable[[], Any] | None = None):
        if engine_name not in SEARCH_ENGINES:
            raise ValueError(f"unknown search engine {engine_name!r}; choose one of {', '.join(SEARCH_ENGINES)}")
        self.data_dir = data_dir
        self.db = db
        self.reader = reader or (lambda: db)
        self.engine_name = engine_name
        self.notice = notice or (lambda message: None)
        self.base = data_dir / "index" / engine_name
        self._engine: Engine | None = None
        self._hits: HitStore | None = None  # embedded engines: the records behind the hits
        self._generation: str | None = None  # embedded engines: the folder the open engine reads
        self.rebuilt = False  # set when a rebuild happened (derived data such as links must follow)

    # --- opening --------------------------------------------------------------------------

    @cached_property
    def embedded(self) -> bool:
        """Whether the engine lives in the data folder (generations, hit store) or in the store's database."""
        return engine_class(self.engine_name).embedded

    def _marker(self) -> dict:
        return {"engine": self.engine_name, "schema": engine_class(self.engine_name).schema_version, "analyzer": ANALYZER_VERSION}

    def _current(self) -> Path | None:
        try:
            name = (self.base / "CURRENT").read_text().strip()
        except OSError:
            return None
        path = self.base / name
        return path if name and path.is_dir() else None

    def _open_engine(self, path: Path | None, create: bool = False) -> Engine:
        return open_engine(self.engine_name, path=path, db=self.db, create=create, reader=self.reader)

    def _stale(self) -> bool:
        """Whether another process has swapped in a new generation since this one opened its
        engine: a long-lived reader (`referat serve`) then reopens instead of reading a folder
        that the next rebuild deletes."""
        if self._engine is None or not self.embedded:
            return False
        try:
            return (self.base / "CURRENT").read_text().strip() != self._generation
        except OSError:
            return False

    def _drop_open(self) -> None:
        """Forget the engine of an old generation without closing it: another thread of a
        long-lived reader may be in the middle of a search with it (it closes when collected)."""
        self._engine = self._hits = None

    def open_existing(self) -> Engine | None:
        """The live embedded engine if it exists and is of this format, else None (never rebuilds).
        What a read-only search tries first."""
        if self._stale():
            self._drop_open()
        if self._engine is not None:
            return self._engine
        for _ in range(3):  # CURRENT may move on between reading it and opening its folder
            path = self._current()
            if path is None:
                return None
            engine = self._open_generation(path)
            if engine is not None or self._current() == path:
                return engine
        return None

    def _open_generation(self, path: Path) -> Engine | None:
        try:
            marker = json.loads((path / "referat-index.json").read_text())
        except (OSError, ValueError):
            return None
        if marker != self._marker() or not (path / HITS_FILE).exists() or manifest_problem(path):
            return None
        try:
            self._engine = self._open_engine(path)
            self._hits = HitStore(path)
            if self._engine.holds_records() and not self._hits.holds_records():
                raise HitStoreDamaged(f"{HITS_FILE} holds no records")
        except BaseException as error:  # any failure to open means: not usable as it is
            if not is_read_failure(error):
                raise
            self._engine = self._hits = None
            return None
        self._generation = path.name
        return self._engine

    def engine(self, *, reader: bool = True) -> Engine:
        """The live engine, rebuilt first if it is missing, corrupt or of an older format.

        A reader that finds no index over a non-empty store gets a notice; an ingest building
        the first index of a new archive does not need one."""
        if self._engine is not None and not self._stale():
            return self._engine
        if not self.embedded:
            self._engine = self._open_engine(None)
            if self._engine.needs_rebuild(self._marker()):
                if reader or _stored().has_documents(self.db):
                    self.notice("The PostgreSQL search index is missing or of an older format; rebuilding it from the store.")
                self.rebuild()
            return self._engine
        if self.open_existing() is not None:
            return self._engine
        path = self._current()
        problem = "missing" if path is None else "corrupt or of an older format"
        if (reader or path is not None) and _stored().has_documents(self.db):
            self.notice(f"The {self.engine_name} search index is {problem}; rebuilding it from the store.")
        self.rebuild()
        assert self._engine is not None
        return self._engine

    def search(self, request: SearchRequest) -> dict[str, Any]:
        """The contract's search JSON. An embedded index that fails on read (a Rust panic,
        "Invalid data", a malformed hit store, hits without records) is rebuilt once from the
        store, with a one-line notice, and the query answered from the new generation; a second
        failure is raised. The errors of an index in the store's database are raised as they are."""
        engine = self.engine()
        if not self.embedded:  # records come from the store, which may have moved on since the search
            return run_search(engine, self.lookup, request, strict=False)
        try:
            return run_search(engine, self.lookup, request)
        except BaseException as error:
            if not is_read_failure(error) or self.db is None:
                raise
            problem = _first_line(error)
        self._rebuild_damaged(problem)
        return run_search(self.engine(), self.lookup, request)

    def _rebuild_damaged(self, problem: str) -> None:
        """Replace a generation that failed on read by a new one from the store, saying so once."""
        self.notice(f"The {self.engine_name} search index is damaged ({problem}); rebuilding it from the store.")
        self._drop_open()
        self.rebuild()

    def lookup(self, uids: list[str]) -> dict[str, SearchRecord]:
        """The records of these hits: from the hit store of an embedded index, else from the store."""
        if self._hits is not None:
            return self._hits.get(uids)
        return _stored().load_records(self.reader(), uids)

    # --- writing --------------------------------------------------------------------------

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Index the whole store into a new generation (or, in the store's database, in place) and
        make it live; returns the record count."""
        self.rebuilt = True
        if not self.embedded:
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
        hits = HitStore(path, create=True)
        count = self._fill(engine, progress, hits)
        engine.commit()
        hits.commit()
        write_manifest(path)
        (path / "referat-index.json").write_text(json.dumps(self._marker()))
        tmp = self.base / "CURRENT.tmp"
        tmp.write_text(path.name)
        os.replace(tmp, self.base / "CURRENT")
        if self._engine is not None:
            self._engine.close()
        if self._hits is not None:
            self._hits.close()
        self._engine, self._hits, self._generation = engine, hits, path.name
        # The generation just replaced stays until the next rebuild: a reader that read CURRENT a
        # moment ago, or is in the middle of a search, still finds it whole.
        for stale in self.base.glob("gen-*"):
            if stale != path and stale != old:
                shutil.rmtree(stale, ignore_errors=True)
        return count

    def _fill(self, engine: Engine, progress: Callable[[int], None] | None, hits: HitStore | None = None) -> int:
        """Every record of the store into `engine` (and the hit store). On a large archive the
        Danish analysis, most of the work, runs in worker processes, one per core, a few batches
        ahead of the main process, which reads the store and feeds the engine."""
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        stored = _stored()
        count = 0
        workers = min(os.cpu_count() or 1, 4) if stored.document_count(self.db) >= PARALLEL_FROM_DOCUMENTS else 0
        # fork: no re-import of the caller's main module; each worker starts its own analyzer
        # (no SQLite connection is carried across the fork) and never touches the store.
        pool = ProcessPoolExecutor(workers, mp_context=get_context("fork"), initializer=_fresh_analyzer) if workers > 1 else None
        try:
            with closing(stored.all_records(self.db)) as batches:
                pending: list = []
                done = False
                while not done or pending:
                    while pool is not None and not done and len(pending) <= workers:
                        batch = next(batches, None)
                        if batch is None:
                            done = True
                        else:
                            pending.append((batch, pool.submit(analyse_records, batch)))
                    if pool is None:
                        batch = next(batches, None)
                        if batch is None:
                            break
                    elif pending:
                        batch, future = pending.pop(0)
                        for record, terms in zip(batch, future.result()):
                            record.terms = terms
                    else:
                        break
                    engine.add(batch)
                    if hits is not None:
                        hits.put(batch)
                    count += len(batch)
                    if progress is not None:
                        progress(count)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        return count

    def _add(self, engine: Engine, document_ids: list[int]) -> None:
        with closing(_stored().records_for_documents(self.db, document_ids, ADD_BATCH)) as batches:
            for batch in batches:
                engine.add(batch)
                if self._hits is not None:
                    self._hits.put(batch)

    def _delete(self, engine: Engine, shas: list[str]) -> None:
        engine.delete_documents(shas)
        if self._hits is not None:
            self._hits.delete_documents(shas)

    def _commit(self, engine: Engine) -> None:
        """Hit store first, engine second: every record the engine can list is then in the hit
        store at any moment (records of deleted documents stay until the engine lets go of them,
        harmlessly), so a reader never takes a commit in progress for a damaged index."""
        if self._hits is not None:
            self._hits.commit_additions()
        faults.point("hits-added")
        engine.commit()
        faults.point("engine-committed")
        if self._hits is not None:
            self._hits.commit()
        if self._generation is not None:  # an embedded generation: vouch for its files as they are now
            try:
                write_manifest(self.base / self._generation)
            except OSError:  # the generation was swapped out and removed meanwhile: nothing to vouch for
                pass

    def sync(self) -> tuple[list[str], list[str]]:
        """Add what the store has and the index lacks; drop what the store no longer has.
        Returns the sha256 of the documents added and of those removed."""
        engine = self.engine(reader=False)
        stored = _stored().stored_documents(self.db)
        try:
            indexed = engine.indexed_documents()
        except BaseException as error:
            if not is_read_failure(error) or not self.embedded:
                raise
            # A damaged index cannot say what it holds: rebuilt whole, it holds everything.
            self._rebuild_damaged(_first_line(error))
            return [], []
        gone = sorted(indexed - stored.keys())
        added = sorted(stored.keys() - indexed)
        if gone:
            self._delete(engine, gone)
        added_ids = [stored[sha] for sha in added]
        # Items citing a newly stored agreement file its points' titles: their records are made
        # again in the same commit, so a kill leaves both to the next sync.
        self._add(engine, added_ids + _stored().documents_citing_agreements(self.db, added_ids))
        if gone or added:
            self._commit(engine)
        return added, gone

    def close(self) -> None:  # noqa: D102
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        if self._hits is not None:
            self._hits.close()
            self._hits = None


def analyse_records(records: list[SearchRecord]) -> list[dict[str, str]]:
    """A worker's share of a rebuild: the analyzer's terms of each record (only the terms travel
    back; the records stay with the main process)."""
    from referat.index.analysis import default_analyzer
    from referat.index.engines.base import record_terms

    analyzer = default_analyzer()
    return [record_terms(record, analyzer) for record in records]


def _fresh_analyzer() -> None:
    from referat.index.analysis import default_analyzer

    default_analyzer.cache_clear()
