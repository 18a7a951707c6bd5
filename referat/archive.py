"""The application: `Archive` is the one class the CLI, the web and library users call.

It ties the rooms together: `ingest` (bytes to text to parsed documents), `store` (the database,
the source of truth), `index` (the full-text index derived from it) and `links` (cases, histories,
budget points), and keeps the promises below. `search_index_only` is the quick way in for
`referat search`: the live index alone, without opening the store.

An archive is a data folder (`raw/` originals by sha256, `write.lock`, the SQLite file by default)
plus a database (any SQLAlchemy URL). Its promises:

- **Idempotent**: the same bytes again are "unchanged" and cause no writes.
- **A new version replaces the old**: when a source (path or URL) comes with different bytes,
  the old document and everything hanging from it are replaced in the same transaction.
- **Atomic per document**: each document is written in one transaction; a failure (unreadable
  file, parser crash, database error, a killed process) leaves nothing of it behind and does not
  stop the others. Readers never see half a document.
- **One writer at a time**: writers take `<data>/write.lock` (on PostgreSQL also an advisory lock
  per document); a second writer waits `lock_timeout` seconds, then gets `ArchiveBusy`.
- **Owed work is durable**: the search index entries and links a document still needs are
  recorded in the document's own transaction (`store.OwedWorkRow`) and cleared in the links'
  transaction. A writer finishes them before it ends; if it was killed or lost its database
  first, the next command finishes them: a writer at its end, a reader before its first read
  (unless a writer holds the lock: then that writer will). No kill at any moment loses links.
- **A failing database stops the run with one line** (`StoreError`): a lost server or a damaged
  file fails every document after it, so the run does not list them one by one.
- **Minutes supersede the agenda** of the same meeting; see `referat.store`.
- **Reads may go to replicas**: with `read_urls` (streaming replicas of a PostgreSQL primary)
  every read method answers from a replica (`read_db`; one replica per call, the next one when
  it cannot be reached, the primary when none can), and everything else from the primary
  (`db`): the writes, the owed-work check, and any read inside a write (`writing`), which must
  see what it wrote. A replica lags its primary by a moment, so a read right after a write in
  another command may not see it yet. With the primary down, reads go on and a write fails
  with one line naming the primary.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from referat import faults, model
from referat.errors import ArchiveBusy, InputError, ReferatError, StoreError, one_line, printable
from referat.ingest import pipeline
from referat.ingest.pipeline import Original, Parsed, Problem
from referat.index.search import SearchRequest, search_request
from referat.parsers import NOT_READ_AS_MINUTES
from referat.model import KIND_FILTERS, OUTCOME_FILTERS, StoredItem  # noqa: F401 - the vocabulary, for callers
from referat.errors import FilterError  # noqa: F401 - raised by search_request
from referat.settings import BUDGET_YEARS, Settings, check_window, default_engine


class _Lazy:
    """The store (SQLAlchemy, Alembic: a third of a second) is imported on first use, so
    `search_index_only` answers without it."""

    def __getattr__(self, name: str) -> Any:
        import referat.store

        return getattr(referat.store, name)


store: Any = _Lazy()
_DISSENT = tuple(kind.value for kind in model.DISSENT_KINDS)




Progress = Callable[[int, int, str], None]  # (done, total, source) after each input
# A file in the data folder that exists while a writer may owe index entries or links (the owed-work
# table is the truth; this is its hint to `search_index_only`, which answers from the index alone
# and must leave the search to the archive, which finishes the work, when the index may lack documents).
OWED_MARKER = "owed-work"


@dataclass
class IngestReport:
    """What one `ingest` did; `to_dict()` is the CLI contract's JSON shape (plus extra fields).

    `meetings` and `items` count what this run wrote; a meeting that a later document in the same
    run superseded (minutes over its agenda) is counted with both.
    """

    ingested: int = 0
    unchanged: int = 0
    replaced: int = 0  # of `ingested`, how many replaced an earlier version of the same source
    failed: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    meetings: int = 0
    items: int = 0

    @property
    def nothing_to_do(self) -> bool:
        return not (self.ingested or self.unchanged or self.failed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
            "failed": [asdict(p) for p in self.failed],
            "skipped": [{"source": p.source, "reason": p.error} for p in self.skipped],
            "meetings": self.meetings,
            "items": self.items,
        }


@dataclass
class ReparseReport:
    reparsed: int = 0
    failed: list[Problem] = field(default_factory=list)
    meetings: int = 0
    items: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "reparsed": self.reparsed,
            "failed": [asdict(p) for p in self.failed],
            "meetings": self.meetings,
            "items": self.items,
        }


@dataclass(frozen=True)
class _Unchanged:
    source: str


def _store_errors(method: Callable) -> Callable:
    """A database error out of the library is one line (`StoreError`), not SQL and a traceback."""

    @functools.wraps(method)
    def wrapper(self: Archive, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            if store.is_database_error(error):
                raise self._store_error(error) from None
            raise

    return wrapper


def _on_replica(method: Callable) -> Callable:
    """A read answered from one read replica (`Archive.read_db`); see `Archive._from_replica`."""

    @functools.wraps(method)
    def wrapper(self: Archive, *args: Any, **kwargs: Any) -> Any:
        return self._from_replica(lambda: method(self, *args, **kwargs))

    return wrapper


def _reads(method: Callable) -> Callable:
    """A read first finishes owed work (see `Archive._settle`), then reads a replica."""
    replica_read = _on_replica(method)

    @functools.wraps(method)
    def wrapper(self: Archive, *args: Any, **kwargs: Any) -> Any:
        self._settle()
        return replica_read(self, *args, **kwargs)

    return wrapper


class Archive:
    """One referat archive. Use as a context manager, or call `close()`.

    `parse` replaces `referat.parsers.parse` (a module-level function, so worker processes can
    import it); `lock_timeout` is how long a writer waits for another one; `fetch_settings`
    (a `referat.ingest.fetch.http.FetchSettings`) governs URLs and crawls; `read_urls` are
    streaming replicas of the database `db_url` for the reads (see the module docstring).
    """

    def __init__(
        self,
        data_dir: Path | str,
        db_url: str | None = None,
        *,
        lock_timeout: float = 10.0,
        parse: pipeline.ParseFn | None = None,
        fetch_settings: Any = None,
        search_engine: str | None = None,
        notice: Callable[[str], None] | None = None,
        read_urls: Iterable[str] = (),
    ):
        self.data_dir = Path(data_dir).expanduser()
        self.notice = notice
        self._search_engine = search_engine
        self._search_indexes: dict[str, Any] = {}
        self.lock_timeout = lock_timeout
        self.parse = parse
        self.fetch_settings = fetch_settings
        self._lock_fd: int | None = None
        self._lock_depth = 0
        self._settle_lock = threading.Lock()
        self._settled = False  # no owed work was found (or it was finished) since this archive opened
        self._settle_again = 0.0  # when a reader that found a writer at work may look again
        self._source_facts: Any = None  # what `sources` read last, reused while the store has not changed
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the data folder {self.data_dir}: {error.strerror}") from None
        self.db_url = Settings(self.data_dir, db_url).db_url
        self.read_urls = tuple(read_urls)
        self.databases, problem = store.open_database(self.db_url, self.read_urls)
        if problem:
            raise StoreError(problem)
        self.db = self.databases.writer()  # the primary
        self._pinned = threading.local()  # .db: the database this thread's reads go to meanwhile
        try:
            self._migrate()
        except BaseException as error:
            self.databases.dispose()
            if not store.is_database_error(error):
                raise
            raise StoreError(f"cannot open the archive database {self._safe_url}: {store.first_line(error)}") from None

    def _migrate(self) -> None:
        """Bring the schema up to date on the primary. With the primary down, an archive with
        replicas still opens for reading when a replica's schema is current (writes then fail)."""
        try:
            outdated = store.needs_migration(self.db)
        except Exception as error:
            if not (self.read_urls and store.database_failed(error)):
                raise
            if not self._from_replica(lambda: store.needs_migration(self.read_db)):
                return  # the replicas hold this referat's schema: they can answer the reads
            raise error from None
        if outdated:
            with self.writing():
                store.migrate(self.db)
            self.databases.catch_up()

    @classmethod
    def open(cls, settings: Settings, **options: Any) -> Archive:
        """The archive the settings name (data folder, database and its read replicas, search engine)."""
        return cls(settings.data, settings.db, search_engine=settings.engine, read_urls=settings.read_urls, **options)

    @property
    def _safe_url(self) -> str:
        return store.safe_url(self.db_url)

    def close(self) -> None:
        for index in self._search_indexes.values():
            index.close()
        self.databases.dispose()

    # -- where a read goes ----------------------------------------------------------------------

    @property
    def read_db(self) -> Any:
        """The database a read goes to: the one this thread is reading meanwhile (a read method's
        replica; the primary inside a write), else the next read replica in turn (the primary
        when there is none)."""
        return getattr(self._pinned, "db", None) or self.databases.reader()

    @contextmanager
    def _reading_from(self, db: Any) -> Iterator[None]:
        outer = getattr(self._pinned, "db", None)
        self._pinned.db = db
        try:
            yield
        finally:
            self._pinned.db = outer

    def _from_replica(self, read: Callable[[], Any]) -> Any:
        """`read()` with `read_db` fixed to one replica, so one call sees one state of the store.
        A replica that cannot be reached is left alone for a while (`store.Router.failed`) and
        the read made again on the next one, at last on the primary. Inside a write (or another
        read) the read keeps that database."""
        if getattr(self._pinned, "db", None) is not None:
            return read()
        tried: list[Any] = []
        while True:
            db = self.databases.reader()
            db = self.db if db in tried else db  # each replica once, whatever `retry_after` says
            try:
                with self._reading_from(db):
                    return read()
            except Exception as error:
                if db is not self.db and store.database_failed(error):
                    self.databases.failed(db)
                    tried.append(db)
                    continue
                if db is not self.db and store.is_database_error(error):
                    raise StoreError(f"the read replica {store.safe_url(db.url)} failed: {store.first_line(error)}") from None
                if tried and store.database_failed(error):
                    replicas = ", ".join(store.safe_url(t.url) for t in tried)
                    raise StoreError(f"no database could answer: the read replicas ({replicas}) and the primary "
                                     f"{self._safe_url} failed: {store.first_line(error)}") from None  # fmt: skip
                raise

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # -- the write lock -----------------------------------------------------------------------

    @contextmanager
    def writing(self, timeout: float | None = None) -> Iterator[None]:
        """Hold `<data>/write.lock` (re-entrant); ArchiveBusy after `timeout` (default `lock_timeout`) seconds of waiting."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        fd = os.open(self.data_dir / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + (self.lock_timeout if timeout is None else timeout)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise ArchiveBusy(
                        f"the archive at {self.data_dir} is busy: another referat process is writing; "
                        "try again when it finishes"
                    ) from None
                time.sleep(0.05)
        self._lock_fd, self._lock_depth = fd, 1
        try:
            with self._reading_from(self.db):  # a read inside a write must see what it wrote
                yield
        finally:
            self._lock_fd, self._lock_depth = None, 0
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # -- ingest -------------------------------------------------------------------------------

    @_store_errors
    def ingest(
        self,
        paths_or_urls: Iterable[str | Path],
        jobs: int = 1,
        ocr: bool = False,
        progress: Progress | None = None,
        follow_symlinks: bool = False,
    ) -> IngestReport:
        """Store every document the arguments name; see the module docstring for the promises."""
        if isinstance(paths_or_urls, (str, Path)):  # one path, not the characters of one
            paths_or_urls = [paths_or_urls]
        expanded = pipeline.expand(paths_or_urls, follow_symlinks)
        report = IngestReport(failed=list(expanded.failed), skipped=list(expanded.skipped))
        if not expanded.inputs:
            return report
        fetcher = self._fetcher() if any(i.url for i in expanded.inputs) else None

        def originals() -> Iterator[Original | InputError]:
            for item in expanded.inputs:
                try:
                    yield pipeline.read_original(item, fetcher)
                except InputError as error:
                    yield error

        try:
            self._store_all(originals(), len(expanded.inputs), report, jobs, ocr, progress)
        finally:
            if fetcher is not None:
                fetcher.close()
        return report

    @_store_errors
    def fetch(
        self,
        source: Any,
        jobs: int = 1,
        ocr: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Crawl a source (a `referat.ingest.fetch.sources.Source` or the path of its TOML) and ingest what it finds.

        Documents the server reports unchanged (HTTP 304) are not downloaded again when their
        original is stored; a page that fails is reported and the crawl goes on. Every run is
        recorded for `sources` after it ends, in a transaction of its own, also when it fails:
        when it held the write lock, what it stored, and the error that stopped it (every start
        URL failed, the store failed, an interruption, a busy archive).
        """
        from referat.ingest.fetch.sources import CrawlTally, load_source

        if not hasattr(source, "start_urls"):
            source = load_source(Path(source))
        report, tally = IngestReport(), CrawlTally()
        started = finished = None
        try:
            with self.writing():
                started = _utcnow()  # under the lock: what is stored from now until `finished` is this run's
                try:
                    self._crawl_and_store(source, tally, report, jobs, ocr, progress)
                finally:
                    finished = _utcnow()
        except BaseException as error:
            self._record_fetch(source.name, started, finished, report, self._run_error(error), after_failure=True)
            raise
        self._record_fetch(source.name, started, finished, report, _crawl_failure(source, tally, report))
        return report

    def _crawl_and_store(self, source: Any, tally: Any, report: IngestReport, jobs: int, ocr: bool,
                         progress: Progress | None) -> None:  # fmt: skip
        from referat.errors import FetchError
        from referat.ingest.fetch.sources import crawl

        fetcher = self._fetcher()

        def originals() -> Iterator[Original | InputError | _Unchanged]:
            for got in crawl(source, fetcher, tally):
                if isinstance(got, FetchError):
                    yield got
                    continue
                if got.content is None:  # 304 Not Modified
                    if got.sha256 and self._has(got.sha256):
                        yield _Unchanged(got.url)
                        continue
                    try:
                        got = fetcher.fetch(got.url, conditional=False, allowed_hosts=source.allowed_hosts)
                    except FetchError as error:
                        yield error
                        continue
                data = got.content or b""
                yield Original(got.url, data, hashlib.sha256(data).hexdigest(), datetime.now(timezone.utc))

        try:
            self._store_all(originals(), 0, report, jobs, ocr, progress)
        finally:
            fetcher.close()

    def _record_fetch(self, name: str, started: datetime | None, finished: datetime | None, report: IngestReport,
                      error: str | None, *, after_failure: bool = False) -> None:  # fmt: skip
        """Record a fetch run (see `store.freshness`). After a failure the run's own error is what
        the caller hears: a store that cannot take the record either (it is gone) is left alone."""
        now = _utcnow()
        try:
            store.freshness.record_fetch_run(self.db, source=name, started_at=started or now, finished_at=finished or now,
                                             error=error, documents=report.ingested, failed=len(report.failed))  # fmt: skip
        except Exception:
            if not after_failure:
                raise

    def _run_error(self, error: BaseException) -> str:
        """A failed run's error as the one line `sources` shows."""
        if isinstance(error, KeyboardInterrupt):
            return "interrupted"
        if store.is_database_error(error):
            return str(self._store_error(error))
        return one_line(error)

    def _store_all(
        self,
        incoming: Iterator[Original | InputError | _Unchanged],
        total: int,
        report: IngestReport,
        jobs: int,
        ocr: bool,
        progress: Progress | None,
    ) -> None:
        """Skip what is stored, extract and parse the rest in workers, store each in its own transaction."""
        seen: set[str] = set()
        done = 0

        def tick(source: str) -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, total, source)

        def new_originals() -> Iterator[Original]:
            for got in incoming:
                if isinstance(got, InputError):
                    (report.skipped if _refused(got) else report.failed).append(Problem(got.source, got.problem))
                    tick(got.source)
                elif isinstance(got, _Unchanged) or got.sha256 in seen or self._has(got.sha256):
                    report.unchanged += 1
                    tick(got.source)
                else:
                    seen.add(got.sha256)
                    yield got

        with self.writing():
            self._mark_owed()
            with pipeline.Extractor(jobs, ocr, self.parse) as extractor:
                for parsed in extractor.map(new_originals()):
                    assert parsed.original is not None
                    try:
                        self._ingest_one(parsed, report)
                    except StoreError as error:
                        error.report = report  # type: ignore[attr-defined] - what was done before the store failed
                        raise
                    tick(parsed.original.source)
            # In the same command and under the same lock: the index and the links follow the store.
            self._finish_owed_work(sync=True)

    def _fetcher(self) -> Any:
        from referat.ingest.fetch.http import open_fetcher

        return open_fetcher(self.data_dir, self.fetch_settings)

    def _has(self, sha256: str) -> bool:
        return store.has_document(self.db, sha256)

    def _ingest_one(self, parsed: Parsed, report: IngestReport) -> None:
        original = parsed.original
        assert original is not None
        if parsed.document is None:
            report.failed.append(Problem(original.source, parsed.error or "could not be parsed"))
            return
        try:
            raw, created = self._keep_raw(original)
        except OSError as error:  # disk full, permissions: this document fails, the others may not
            report.failed.append(Problem(original.source, f"could not be copied to raw/: {error.strerror or error}"))
            return
        faults.point("raw-kept")
        try:
            outcome = self._store_new(original, parsed, raw)
        except Exception as error:  # noqa: BLE001 - rolled back; one document never stops the rest
            if created:
                raw.unlink(missing_ok=True)
            if store.database_failed(error):  # ... but a lost server or a damaged file would fail all of them
                raise self._store_error(error) from None
            report.failed.append(Problem(original.source, f"could not be stored: {store.describe(error)}"))
            return
        if outcome is None:
            report.unchanged += 1
            return
        replaced, meetings, items = outcome
        report.ingested += 1
        report.replaced += bool(replaced)
        report.meetings += meetings
        report.items += items

    def _store_new(self, original: Original, parsed: Parsed, raw: Path) -> tuple[int, int, int] | None:
        """One document in one transaction: (replaced versions, meetings, items), or None if already there."""
        doc = parsed.document
        assert doc is not None
        doc.source, doc.sha256 = original.source, original.sha256
        stored = store.store_document(self.db, doc, raw_path=str(raw.relative_to(self.data_dir)), content_type=parsed.content_type,
                                      size=len(original.data), fetched_at=original.fetched_at,
                                      parser_version=pipeline.parser_version())  # fmt: skip
        if stored is None:
            return None
        faults.point("document-stored")
        for old_raw in stored.replaced_raw_paths:  # after the commit: an old version's original is no longer needed
            if old_raw and (self.data_dir / old_raw) != raw:
                (self.data_dir / old_raw).unlink(missing_ok=True)
        return len(stored.replaced_raw_paths), stored.meetings, stored.items

    def raw_path(self, sha256: str) -> Path:
        return self.data_dir / "raw" / sha256[:2] / sha256

    def _keep_raw(self, original: Original) -> tuple[Path, bool]:
        """Copy the original into raw/ atomically (temp file + rename); (path, whether it was new)."""
        path = self.raw_path(original.sha256)
        if path.exists():
            return path, False
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path, "wb") as f:
            f.write(original.data)
        return path, True

    # -- reparse ------------------------------------------------------------------------------

    @_store_errors
    def reparse(self, jobs: int = 1, ocr: bool = False, progress: Progress | None = None) -> ReparseReport:
        """Parse every stored original again with the current parser, each document atomically."""
        report = ReparseReport()
        with self.writing():
            rows = store.stored_originals(self.db)
            ids = {sha: doc_id for doc_id, sha, _source, _raw in rows}
            self._mark_owed()
            total, done = len(rows), 0

            def originals() -> Iterator[Original]:
                nonlocal done
                for _id, sha, source, raw in rows:
                    path = self.data_dir / raw if raw else self.raw_path(sha)
                    try:
                        data = path.read_bytes()
                    except OSError:
                        report.failed.append(Problem(source, f"the original is missing from {path}; ingest it again"))
                        done += 1
                        if progress is not None:
                            progress(done, total, source)
                        continue
                    yield Original(source, data, sha)

            with pipeline.Extractor(jobs, ocr, self.parse) as extractor:
                for parsed in extractor.map(originals()):
                    original = parsed.original
                    assert original is not None
                    if parsed.document is None:
                        report.failed.append(Problem(original.source, parsed.error or "could not be parsed"))
                    else:
                        try:
                            meetings, items = self._store_again(ids[original.sha256], original, parsed)
                            report.reparsed += 1
                            report.meetings += meetings
                            report.items += items
                        except Exception as error:  # noqa: BLE001 - rolled back: the earlier parse stays
                            if store.database_failed(error):
                                raise self._store_error(error) from None
                            report.failed.append(Problem(original.source, f"could not be stored: {store.describe(error)}"))
                    done += 1
                    if progress is not None:
                        progress(done, total, original.source)
            self._finish_owed_work()  # the whole index and every link, as each reparsed document recorded
        return report

    def _store_again(self, doc_id: int, original: Original, parsed: Parsed) -> tuple[int, int]:
        doc = parsed.document
        assert doc is not None
        doc.source, doc.sha256 = original.source, original.sha256
        counts = store.restore_document(self.db, doc_id, doc, content_type=parsed.content_type, parser_version=pipeline.parser_version())
        faults.point("document-reparsed")
        return counts

    # -- owed work ----------------------------------------------------------------------------

    def _finish_owed_work(self, *, sync: bool = False, wait: bool = True) -> int:
        """Make the index entries and links that stored documents are owed (see `store.OwedWorkRow`);
        returns how many documents' work was done (or, after a reparse, the archive's size).

        The caller holds the write lock. The work is cleared in the links' own transaction, so a
        kill at any moment leaves it either done or still owed. With `sync` (every ingest), the
        index is also caught up with the store when nothing is owed, as before this record existed.
        On a shared PostgreSQL server one process at a time does it; with `wait` False, or when
        `lock_timeout` runs out, the process at work is left to it (what it misses stays owed)."""
        with store.owed_work_lock(self.db, self.lock_timeout if wait else 0) as got:
            if not got:
                return 0
            done = self._finish_owed(sync)
        if not self._has_owed_work():
            (self.data_dir / OWED_MARKER).unlink(missing_ok=True)
        return done

    def _finish_owed(self, sync: bool) -> int:
        """`_finish_owed_work` once this process may do it."""
        from referat.links.build import rebuild_links, update_links

        owed = store.read_owed_work(self.db)
        if not owed and not sync:
            return 0
        index = self.search_index()
        index.rebuilt = False
        added: list[str] = []
        if owed.everything:
            index.rebuild()
        else:
            added, _removed = index.sync()
        faults.point("index-synced")
        documents, total = store.documents_owed(self.db, owed, added)

        def finished(session: Any) -> None:
            store.settle(session, owed)
            faults.point("links-written")

        # The whole index is new, or (nearly) every document is owed: one pass over the store
        # makes the same links as a clean ingest of the lot, and is the quicker way there.
        if owed.everything or index.rebuilt or (documents and len(documents) >= total):
            rebuild_links(self.db, index, finished)
            done = total
        elif documents:
            update_links(self.db, index, documents, finished)
            done = len(documents)
        else:
            return 0
        faults.point("links-committed")
        return done

    def _mark_owed(self) -> None:
        """Tell `referat search`, which reads the index alone, that the index may lack documents
        from now on (made before any owed work can commit; removed when none is left)."""
        try:
            (self.data_dir / OWED_MARKER).touch()
        except OSError as error:
            raise StoreError(f"cannot write to the data folder {self.data_dir}: {error.strerror}") from None

    def _settle(self) -> None:
        """Before a read: finish what a killed or failed writer left owed, so the read sees every
        stored document in the index and with its links. A writer holding the lock is left to it
        (it finishes all owed work before it ends); this reader asks again a second later."""
        if self._settled or time.monotonic() < self._settle_again:
            return
        with self._settle_lock:
            if self._settled or self._lock_depth:  # settled meanwhile, or this archive is writing
                return
            try:
                owed = self._has_owed_work()  # one look-up in an empty table: every read can afford it
            except Exception as error:
                if not (self.read_urls and store.database_failed(error)):
                    raise
                # The primary is down: nothing can be finished now; the replicas answer meanwhile.
                self._settle_again = time.monotonic() + self.databases.retry_after
                return
            if not owed:
                self._settled = True
                if (self.data_dir / OWED_MARKER).exists():  # left by a writer killed just after its last links
                    try:
                        with self.writing(timeout=0):
                            if not self._has_owed_work():
                                (self.data_dir / OWED_MARKER).unlink(missing_ok=True)
                    except (ArchiveBusy, OSError):
                        pass
                return
            try:
                with self.writing(timeout=0):
                    done = self._finish_owed_work(wait=False)
            except ArchiveBusy:
                self._settle_again = time.monotonic() + 1.0
                return
            except Exception as error:
                if not isinstance(error, (OSError, ReferatError)) and not store.is_database_error(error):
                    raise
                # A read-only account or a full disk: serve what there is, and say how to repair it.
                self._tell(f"Could not finish the index entries and links an interrupted write left ({store.one_line(error)}); "
                           "`referat reindex` makes them.")  # fmt: skip
                self._settled = True
                return
            if done:
                self._tell(f"Finished the index entries and links an interrupted write left ({done} documents).")
            self._settled = not self._has_owed_work()  # else another process holds the server's lock: look again later
            if not self._settled:
                self._settle_again = time.monotonic() + 1.0

    def _has_owed_work(self) -> bool:
        return store.any_owed_work(self.db)

    def _tell(self, message: str) -> None:
        if self.notice is not None:
            self.notice(message)

    def _store_error(self, error: BaseException) -> StoreError:
        which = "the primary database" if self.read_urls else "the archive database"
        return StoreError(f"{which} {self._safe_url} failed: {store.first_line(error)}")

    # -- search -------------------------------------------------------------------------------

    @property
    def search_engine_name(self) -> str:
        return self._search_engine or default_engine(self.db_url)

    def search_index(self, engine: str | None = None) -> Any:
        """The full-text index with the chosen engine (a `referat.index.search_index.SearchIndex`)."""
        from referat.index.search_index import SearchIndex

        name = engine or self.search_engine_name
        if name not in self._search_indexes:
            if name == "postgres" and not self.db_url.startswith("postgresql"):
                raise StoreError("the postgres search engine needs a PostgreSQL store; pass --db postgresql+psycopg://…")
            self._search_indexes[name] = SearchIndex(self.data_dir, self.db, name, notice=self.notice,
                                                     reader=lambda: self.read_db)  # fmt: skip
        return self._search_indexes[name]

    @_store_errors
    def reindex(self, engine: str | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the search index from the store into a new generation and swap it in (and the
        links, with the archive's own engine: that settles any owed work too)."""
        from referat.links.build import rebuild_links

        with self.writing():
            owed = store.read_owed_work(self.db)  # read first: what is owed now, the rebuild covers
            count = self.search_index(engine).rebuild(progress)
            if engine is None or engine == self.search_engine_name:
                rebuild_links(self.db, self.search_index(), lambda session: store.settle(session, owed))
                if not self._has_owed_work():
                    (self.data_dir / OWED_MARKER).unlink(missing_ok=True)
            return count

    @_store_errors
    @_reads
    def search(self, query: str | SearchRequest, *, sort: str = "relevance", limit: int = 10, offset: int = 0,
               **filters: Any) -> dict[str, Any]:  # fmt: skip
        """The contract's search result for a `SearchRequest` (see `search_request`), or for a
        query and its filters: committee, date_from, date_to, outcome, case, kind."""
        request = query if isinstance(query, SearchRequest) else search_request(query, sort=sort, limit=limit, offset=offset, **filters)
        return self.search_index().search(request)

    # -- cases, histories, budget agreements -----------------------------------------------------

    @_store_errors
    @_reads
    def case(self, query: str) -> dict[str, Any]:
        """Every item filed under a case number or KLE prefix, oldest first (the contract's `case`)."""
        from referat.links.cases import case_lookup

        return case_lookup(self.read_db, query)

    @_store_errors
    @_reads
    def history(self, subject: str) -> dict[str, Any] | None:
        """The life of a case (a case number or an item id) across meetings and bodies."""
        from referat.links.cases import case_history

        return case_history(self.read_db, subject)

    @_store_errors
    @_reads
    def budget(self, year: int, point: str | None = None) -> dict[str, Any] | None:
        """A year's agreement points with counts, or one point with its explicit, suggested and year-only items."""
        from referat.links.budget import budget_overview, budget_point

        if point is None:
            return budget_overview(self.read_db, year)
        return budget_point(self.read_db, year, point.rstrip("."))

    @staticmethod
    def case_number_parts(number: str) -> dict[str, Any] | None:
        """A case number or KLE prefix decomposed (topic, facet, serial, year; None where absent),
        or None when it is neither."""
        from referat.parsers.casenumbers import decompose

        kle = decompose(number)
        return kle.to_dict() if kle is not None else None

    # -- reading ------------------------------------------------------------------------------

    @_store_errors
    @_reads
    def get_document(self, sha256: str) -> model.Document | None:
        """The stored document with these bytes, as the domain dataclass."""
        return store.get_document(self.read_db, sha256)

    @_store_errors
    @_reads
    def item(self, uid: str) -> StoredItem | None:
        found = store.stored_items(self.read_db, uid=uid)
        return found[0] if found else None

    @_store_errors
    @_reads
    def items_by_case(self, number: str, *, exact: bool = False, limit: int | None = None) -> list[StoredItem]:
        """Items filed under a case number, oldest first; without `exact` also every case under a prefix."""
        return store.stored_items(self.read_db, case=number, exact=exact, limit=limit)

    @_store_errors
    @_reads
    def meeting_items(self, committee: str, meeting_date: date) -> list[StoredItem]:
        return store.stored_items(self.read_db, committee=committee, day=meeting_date)

    @_store_errors
    @_reads
    def stats(self) -> dict[str, Any]:
        """What the archive holds, for `referat stats` and for a quick check after an ingest."""
        return {**store.statistics(self.read_db, pipeline.parser_version(), NOT_READ_AS_MINUTES), "database": self._safe_url}

    # -- what the web pages show ----------------------------------------------------------------

    @_store_errors
    @_reads
    def item_context(self, uid: str) -> dict[str, Any] | None:
        """An item's meeting (with attendance), its earlier treatments (resolved to stored items
        where possible) and the items that cite it."""
        return store.pages.item_context(self.read_db, uid)

    @_store_errors
    @_reads
    def meeting(self, committee_slug: str, day: date) -> dict[str, Any] | None:
        """A meeting with attendance, place, document and its items in agenda order."""
        return store.pages.meeting(self.read_db, committee_slug, day)

    @_store_errors
    @_reads
    def committee_name(self, committee_slug: str) -> str | None:
        """The committee a slug names ("oekonomiudvalget" → "Økonomiudvalget"), as its latest
        meeting spells it; None when no meeting has it. For the committee's Atom feed."""
        return store.feeds.committee_name(self.read_db, committee_slug)

    @_store_errors
    @_reads
    def budget_years(self) -> list[dict[str, Any]]:
        """Every year with a stored agreement or a citation."""
        return store.pages.budget_years(self.read_db)

    @_store_errors
    @_on_replica
    def open_search_index(self) -> None:
        """Open the search index now (building it if it is missing or old), so that the first
        search does not wait: what a server does at start-up."""
        self.search_index().engine()

    @_store_errors
    @_on_replica
    def document_file(self, sha256: str) -> dict[str, Any] | None:
        """Where an original is kept (an absolute `path`) and what it is (type, source, title)."""
        found = store.pages.document_file(self.read_db, sha256)
        if found is not None:
            found["path"] = self.data_dir / found["raw_path"] if found["raw_path"] else self.raw_path(sha256)
        return found

    @_store_errors
    @_reads
    def overview(self, recent: int = 8) -> dict[str, Any]:
        """The front page: counts and date range, the latest meetings, the budget years."""
        return {**store.pages.overview(self.read_db), "recent": store.pages.recent_meetings(self.read_db, recent),
                "years": store.pages.budget_years(self.read_db)}  # fmt: skip

    @_store_errors
    @_reads
    def loose_ends(self, *, year: int | None = None, committee: str | None = None, months: int = 3,
                   today: date | None = None) -> dict[str, Any]:  # fmt: skip
        """Budget points nothing is linked to, postponed or returned items not back within
        `months`, and earlier treatments naming meetings the archive lacks (`referat.links.loose_ends`)."""
        from referat.links.loose_ends import loose_ends

        if year is not None and year not in BUDGET_YEARS:
            raise FilterError("year", f"must be a year from {BUDGET_YEARS.start} to {BUDGET_YEARS.stop - 1}, not {year}")
        if not 0 <= months <= 1200:
            raise FilterError("months", f"must be a whole number of months from 0 to 1200, not {months}")
        return loose_ends(self.read_db, year=year, committee=committee, months=months, today=today)

    # -- parties: dissent and attendance ----------------------------------------------------------

    @_store_errors
    @_reads
    def parties(self) -> list[dict[str, Any]]:
        """Every party letter seen in attendance or positions: members seen, items it dissented on."""
        return store.pages.parties(self.read_db, _DISSENT)

    @_store_errors
    @_reads
    def party(self, name: str, *, limit: int = 50, offset: int = 0) -> dict[str, Any] | None:
        """A party (its list letter or name): the items it dissented on (voted against, abstained,
        took a reservation, sent to the council), newest first, and its members' attendance; None
        when the archive has neither for it."""
        from referat.parsers.positions import party_letter

        letter = party_letter(name)
        if letter is None:
            return None
        check_window(limit, offset)
        total, items = store.pages.party_dissent(self.read_db, letter, _DISSENT, limit, offset)
        people = store.pages.attendance(self.read_db, letter)
        if not total and not people:
            return None
        return {"party": letter, "dissent_total": total, "dissent": items, "attendance": people}


    # -- fetched sources, exports ------------------------------------------------------------------

    @_store_errors
    @_reads
    def sources(self, today: date | None = None) -> dict[str, Any]:
        """Every fetched source with its last run, newest meeting, documents, usual interval and
        whether it needs attention, judged as of `today` (default: today); the rule is in
        `referat.store.freshness`."""
        today = today or date.today()
        self._source_facts = store.freshness.source_facts(self.read_db, self._source_facts)
        return {"today": today.isoformat(), "sources": store.freshness.judge(self._source_facts, today)}

    def source_counts(self, today: date | None = None) -> dict[str, int]:
        """How many sources were fetched, and how many of them need attention (the front page's line)."""
        found = self.sources(today)["sources"]
        return {"sources": len(found), "attention": sum(1 for s in found if s["flag"])}

    @_store_errors
    @_reads
    def export_items(self, *, committee: str | None = None, date_from: date | str | None = None,
                     date_to: date | str | None = None, outcome: str | None = None,
                     case: str | None = None) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Every item the filters select (those of `search`, checked the same way: `FilterError`
        at once, before anything is read), oldest first, streamed from the store in batches: rows
        for `referat.render.write_export`. A database failure while streaming is a `StoreError`."""
        filters = search_request(committee=committee, date_from=date_from, date_to=date_to, outcome=outcome, case=case).filters
        rows = store.export.export_items(self.read_db, committee=filters.committee, date_from=filters.date_from,
                                         date_to=filters.date_to, outcome=filters.outcome, case=filters.case_prefix)  # fmt: skip
        return self._streamed(rows)

    def _streamed(self, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        try:
            yield from rows
        except Exception as error:
            if store.is_database_error(error):
                raise self._store_error(error) from None
            raise

    @_store_errors
    @_on_replica
    def outdated_documents(self) -> int:
        """How many stored documents an older parser read (their originals can be read again)."""
        return store.outdated_documents(self.read_db, pipeline.parser_version())

    # -- watches: standing questions and what a run delivers ---------------------------------------

    @_store_errors
    def add_watch(self, query: str = "", **subject: Any) -> dict[str, Any]:
        """A new watch on a search (query and filters), a case, a budget point or a committee (see
        `referat.watches.define`); items stored from now on are its news. `FilterError` names an
        option that cannot be used."""
        from referat.store.watches import add_watch
        from referat.watches import define

        watch = define(query, **subject)
        with self.writing():  # the watermark is the highest item id with no document half-stored
            return add_watch(self.db, watch.kind, watch.label, watch.query)

    @_store_errors
    def watches(self) -> list[dict[str, Any]]:
        """Every watch, oldest first: id, kind, label, query, created_at, last_run_at, sent."""
        from referat.store.watches import list_watches

        return list_watches(self.db)

    @_store_errors
    def remove_watch(self, watch_id: int) -> dict[str, Any] | None:
        """Delete a watch and its record of what it delivered; None when there is no such watch."""
        from referat.store.watches import remove_watch

        with self.writing():
            return remove_watch(self.db, watch_id)

    @_store_errors
    def run_watches(self, *, dry_run: bool = False, deliver: Callable[[dict[str, Any]], None] | None = None,
                    mail: Any = None) -> dict[str, Any]:  # fmt: skip
        """What is new to every watch since its last run, delivered and remembered.

        With `mail` (a `referat.settings.MailSettings`) and anything new, one digest is mailed;
        otherwise `deliver(report)` (printing, say) is called. Only after either succeeded are the
        delivered items recorded and every watch moved on, in one transaction: a failed mail
        (`MailError`) or a `deliver` that raises records nothing. `dry_run` mails and records
        nothing. The report is `{"watches": [{"id", "label", "kind", "query", "new": [HIT...],
        "window_full"}], "total_new", "mailed", "dry_run", "refused"}`.

        The run holds the write lock throughout (on PostgreSQL also a server-wide lock), so a
        second run waits `lock_timeout` seconds and then gets `ArchiveBusy`, and no document
        is stored between what it reads and what it records.
        """
        from referat.store.watches import record_run, run_lock
        from referat.watches import collect

        with self.writing(), run_lock(self.db, self.lock_timeout) as got:
            if not got:
                raise ArchiveBusy("another referat process is running the watches of this database; try again when it finishes")
            if self._has_owed_work():  # the index and links must hold every stored item first
                self._finish_owed_work()
            found = collect(self)
            report = {**found.report, "dry_run": dry_run, "refused": []}
            if mail is not None and report["total_new"] and not dry_run:
                from referat.mail import send_digest

                report["refused"] = send_digest(report, mail)
                report["mailed"] = True
            elif deliver is not None:
                deliver(report)
            if not dry_run:
                record_run(self.db, found.delivered, found.upto, found.started)
        return report


@contextmanager
def atomic_file(path: Path | str, mode: str = "wb", *, private: bool = True, **options: Any) -> Iterator[Any]:
    """A file written whole or not at all: the caller writes a temporary file beside `path`, which
    is synced and renamed over it when the block ends, and removed if the block fails (`options`
    go to `open`: encoding, newline). A `private` file is readable by its owner only (raw/
    originals); otherwise it gets the permissions a plain `open` would give it (an export)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.tmp-")
    try:
        with os.fdopen(fd, mode, **options) as f:
            if not private:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(fd, 0o666 & ~umask)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def search_index_only(settings: Settings, request: SearchRequest) -> dict[str, Any] | None:
    """The search `referat search` tries first: the live embedded index alone, without opening the
    store, so the process never imports SQLAlchemy or Alembic and answers in a fraction of the time.

    None when that cannot answer for the archive: no index yet, an old format, a PostgreSQL store,
    an index that fails on read, or owed work (a writer was killed or is at work, so the index may
    lack documents). The caller then opens the `Archive`, which rebuilds or finishes what is
    missing, once, with a notice."""
    from referat.index.search import search
    from referat.index.search_index import SearchIndex, is_read_failure

    if settings.engine_name == "postgres" or not settings.db_url.startswith("sqlite"):
        return None
    if (settings.data / OWED_MARKER).exists():
        return None
    index = SearchIndex(settings.data, None, settings.engine_name)
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


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _crawl_failure(source: Any, tally: Any, report: IngestReport) -> str | None:
    """The error of a crawl that failed as a whole: not one listing page could be read (every
    start URL failed or was refused), named by the first start URL's problem."""
    if tally.listing_pages:
        return None
    problem = next((p for p in [*report.failed, *report.skipped] if p.source in source.start_urls), None)
    return "no listing page could be read" + (f" ({printable(problem.source)}: {printable(problem.error)})" if problem else "")


def _refused(error: InputError) -> bool:
    """A URL not fetched on purpose (robots.txt, host not allowed) is skipped, not failed."""
    from referat.ingest.fetch.http import FetchRefused

    return isinstance(error, FetchRefused)
