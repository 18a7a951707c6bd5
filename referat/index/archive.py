"""The archive: the library face of referat's store, which the CLI (and later the web app) calls.

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
- **Minutes supersede the agenda** of the same meeting; see `referat.index.store`.
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

from sqlalchemy import func, select, text
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from referat import model
from referat.errors import ArchiveBusy, InputError, ReferatError, StoreError
from referat.index import OWED_MARKER, faults, store
from referat.index.store import DocumentRow, ItemRow, MeetingRow
from referat.ingest import pipeline
from referat.ingest.pipeline import Original, Parsed, Problem
from referat.parsers import NOT_READ_AS_MINUTES

Progress = Callable[[int, int, str], None]  # (done, total, source) after each input
_PG_WRITE_LOCK = 0x7265_6662  # serialises writers on a shared PostgreSQL server
_PG_OWED_LOCK = 0x7265_6663  # one process at a time finishes owed work on a shared server


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


@dataclass(frozen=True)
class StoredItem:
    """An agenda item with the context a reader needs to cite it: which meeting, which document."""

    uid: str
    committee: str
    meeting_date: date
    meeting_kind: str
    source: str
    sha256: str
    item: model.AgendaItem


def _store_errors(method: Callable) -> Callable:
    """A database error out of the library is one line (`StoreError`), not SQL and a traceback."""

    @functools.wraps(method)
    def wrapper(self: Archive, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as error:
            raise self._store_error(error) from None

    return wrapper


def _reads(method: Callable) -> Callable:
    """A read first finishes owed work (see `Archive._settle`)."""

    @functools.wraps(method)
    def wrapper(self: Archive, *args: Any, **kwargs: Any) -> Any:
        self._settle()
        return method(self, *args, **kwargs)

    return wrapper


class Archive:
    """One referat archive. Use as a context manager, or call `close()`.

    `parse` replaces `referat.parsers.parse` (a module-level function, so worker processes can
    import it); `lock_timeout` is how long a writer waits for another one; `fetch_settings`
    (a `referat.ingest.fetch.FetchSettings`) governs URLs and crawls.
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
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the data folder {self.data_dir}: {error.strerror}") from None
        self.db_url = db_url or f"sqlite:///{self.data_dir / 'referat.db'}"
        try:
            self.engine = store.open_engine(self.db_url)
            if store.needs_migration(self.engine):
                with self.writing():
                    store.migrate(self.engine)
        except ArgumentError as error:
            raise StoreError(f"{self.db_url} is not a database URL SQLAlchemy understands: {error}") from None
        except SQLAlchemyError as error:
            raise StoreError(f"cannot open the archive database {self._safe_url}: {_first_line(error)}") from None

    @property
    def _safe_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.db_url).render_as_string(hide_password=True)

    def close(self) -> None:
        for index in self._search_indexes.values():
            index.close()
        self.engine.dispose()

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
        """Crawl a source (a `referat.ingest.sources.Source` or the path of its TOML) and ingest what it finds.

        Documents the server reports unchanged (HTTP 304) are not downloaded again when their
        original is stored; a page that fails is reported and the crawl goes on.
        """
        from referat.errors import FetchError
        from referat.ingest.fetch.sources import crawl, load_source

        if not hasattr(source, "start_urls"):
            source = load_source(Path(source))
        report = IngestReport()
        fetcher = self._fetcher()

        def originals() -> Iterator[Original | InputError | _Unchanged]:
            for got in crawl(source, fetcher):
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
        return report

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
        try:
            from referat.ingest.fetch.http import open_fetcher
        except ImportError:  # pragma: no cover - fetching is an optional part of the build
            return None
        return open_fetcher(self.data_dir, self.fetch_settings)

    def _has(self, sha256: str) -> bool:
        with Session(self.engine) as session:
            return session.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == sha256)) is not None

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
            if _store_failed(error):  # ... but a lost server or a damaged file would fail all of them
                raise self._store_error(error) from None
            report.failed.append(Problem(original.source, f"could not be stored: {_describe(error)}"))
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
        old_raws: list[str] = []
        with Session(self.engine) as session, session.begin():
            self._lock_in_database(session)
            if session.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == original.sha256)):
                return None
            olds = session.scalars(select(DocumentRow).where(DocumentRow.source == original.source)).all()
            for old in olds:
                old_raws.append(old.raw_path or "")
                store.delete_document(session, old)
            written = store.write_document(
                session,
                doc,
                raw_path=str(raw.relative_to(self.data_dir)),
                content_type=parsed.content_type,
                size=len(original.data),
                fetched_at=original.fetched_at,
                parser_version=pipeline.parser_version(),
            )
            store.owe_document(session, written.document_id)  # committed with the document, or not at all
            counts = written.meetings, written.items
            faults.point("document-written")
        faults.point("document-stored")
        for old_raw in old_raws:  # after the commit: an old version's original is no longer needed
            if old_raw and (self.data_dir / old_raw) != raw:
                (self.data_dir / old_raw).unlink(missing_ok=True)
        return len(olds), *counts

    def _lock_in_database(self, session: Session) -> None:
        """On a shared server the file lock guards only this machine; serialise writers there too."""
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})

    def raw_path(self, sha256: str) -> Path:
        return self.data_dir / "raw" / sha256[:2] / sha256

    def _keep_raw(self, original: Original) -> tuple[Path, bool]:
        """Copy the original into raw/ atomically (temp file + rename); (path, whether it was new)."""
        path = self.raw_path(original.sha256)
        if path.exists():
            return path, False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(original.data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path, True

    # -- reparse ------------------------------------------------------------------------------

    @_store_errors
    def reparse(self, jobs: int = 1, ocr: bool = False, progress: Progress | None = None) -> ReparseReport:
        """Parse every stored original again with the current parser, each document atomically."""
        report = ReparseReport()
        with self.writing():
            with Session(self.engine) as session:
                rows = session.execute(
                    select(DocumentRow.id, DocumentRow.sha256, DocumentRow.source, DocumentRow.raw_path).order_by(
                        DocumentRow.id
                    )
                ).all()
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
                            if _store_failed(error):
                                raise self._store_error(error) from None
                            report.failed.append(Problem(original.source, f"could not be stored: {_describe(error)}"))
                    done += 1
                    if progress is not None:
                        progress(done, total, original.source)
            self._finish_owed_work()  # the whole index and every link, as each reparsed document recorded
        return report

    def _store_again(self, doc_id: int, original: Original, parsed: Parsed) -> tuple[int, int]:
        doc = parsed.document
        assert doc is not None
        doc.source, doc.sha256 = original.source, original.sha256
        with Session(self.engine) as session, session.begin():
            self._lock_in_database(session)
            row = session.get(DocumentRow, doc_id)
            if row is None:  # deleted meanwhile by another writer on a shared server
                return 0, 0
            row.content_type = parsed.content_type or row.content_type
            written = store.write_document(session, doc, existing=row, parser_version=pipeline.parser_version())
            # Same sha256, new items: only a rebuild brings the index and the links in step again.
            store.owe_everything(session)
        faults.point("document-reparsed")
        return written.meetings, written.items

    # -- owed work ----------------------------------------------------------------------------

    def _finish_owed_work(self, *, sync: bool = False, wait: bool = True) -> int:
        """Make the index entries and links that stored documents are owed (see `store.OwedWorkRow`);
        returns how many documents' work was done (or, after a reparse, the archive's size).

        The caller holds the write lock. The work is cleared in the links' own transaction, so a
        kill at any moment leaves it either done or still owed. With `sync` (every ingest), the
        index is also caught up with the store when nothing is owed, as before this record existed.
        On a shared PostgreSQL server one process at a time does it; with `wait` False, or when
        `lock_timeout` runs out, the process at work is left to it (what it misses stays owed)."""
        with self._owed_lock_on_server(wait) as got:
            if not got:
                return 0
            done = self._finish_owed(sync)
        if not self._has_owed_work():
            (self.data_dir / OWED_MARKER).unlink(missing_ok=True)
        return done

    def _finish_owed(self, sync: bool) -> int:
        """`_finish_owed_work` once this process may do it."""
        from referat.index.links import rebuild_links, update_links

        with Session(self.engine) as session:
            owed = store.owed_work(session)
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
        with Session(self.engine) as session:
            documents = set(owed.document_ids)
            for start in range(0, len(added), 500):
                documents.update(session.scalars(select(DocumentRow.id).where(DocumentRow.sha256.in_(added[start : start + 500]))))
            total = store.count(session, DocumentRow)

        def finished(session: Session) -> None:
            store.settle(session, owed)
            faults.point("links-written")

        # The whole index is new, or (nearly) every document is owed: one pass over the store
        # makes the same links as a clean ingest of the lot, and is the quicker way there.
        if owed.everything or index.rebuilt or (documents and len(documents) >= total):
            rebuild_links(self.engine, index, finished)
            done = total
        elif documents:
            update_links(self.engine, index, documents, finished)
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

    @contextmanager
    def _owed_lock_on_server(self, wait: bool) -> Iterator[bool]:
        """On PostgreSQL, the file lock guards one machine only: a session advisory lock makes the
        owed work one process's job on the whole server. Yields whether this process got it."""
        if self.engine.dialect.name != "postgresql":
            yield True
            return
        with self.engine.connect() as connection:
            deadline = time.monotonic() + (self.lock_timeout if wait else 0)
            while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_OWED_LOCK}).scalar():
                connection.commit()
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.05)
            connection.commit()  # the lock belongs to the session; no transaction stays open meanwhile
            try:
                yield True
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_OWED_LOCK})
                connection.commit()

    def _settle(self) -> None:
        """Before a read: finish what a killed or failed writer left owed, so the read sees every
        stored document in the index and with its links. A writer holding the lock is left to it
        (it finishes all owed work before it ends); this reader asks again a second later."""
        if self._settled or time.monotonic() < self._settle_again:
            return
        with self._settle_lock:
            if self._settled or self._lock_depth:  # settled meanwhile, or this archive is writing
                return
            if not self._has_owed_work():  # one look-up in an empty table: every read can afford it
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
            except (SQLAlchemyError, OSError, ReferatError) as error:
                # A read-only account or a full disk: serve what there is, and say how to repair it.
                self._tell(f"Could not finish the index entries and links an interrupted write left ({_one_line(error)}); "
                           "`referat reindex` makes them.")  # fmt: skip
                self._settled = True
                return
            if done:
                self._tell(f"Finished the index entries and links an interrupted write left ({done} documents).")
            self._settled = not self._has_owed_work()  # else another process holds the server's lock: look again later
            if not self._settled:
                self._settle_again = time.monotonic() + 1.0

    def _has_owed_work(self) -> bool:
        with Session(self.engine) as session:
            return store.has_owed_work(session)

    def _tell(self, message: str) -> None:
        if self.notice is not None:
            self.notice(message)

    def _store_error(self, error: BaseException) -> StoreError:
        return StoreError(f"the archive database {self._safe_url} failed: {_first_line(error)}")

    # -- search -------------------------------------------------------------------------------

    @property
    def search_engine_name(self) -> str:
        from referat.index.search.manager import default_engine_name

        return self._search_engine or default_engine_name(self.db_url)

    def search_index(self, engine: str | None = None) -> Any:
        """The full-text index with the chosen engine (a `referat.index.search.manager.SearchIndex`)."""
        from referat.index.search.manager import SearchIndex

        name = engine or self.search_engine_name
        if name not in self._search_indexes:
            if name == "postgres" and not self.db_url.startswith("postgresql"):
                raise StoreError("the postgres search engine needs a PostgreSQL store; pass --db postgresql+psycopg://…")
            self._search_indexes[name] = SearchIndex(self.data_dir, self.engine, name, notice=self.notice)
        return self._search_indexes[name]

    @_store_errors
    def reindex(self, engine: str | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the search index from the store into a new generation and swap it in (and the
        links, with the archive's own engine: that settles any owed work too)."""
        from referat.index.links import rebuild_links

        with self.writing():
            with Session(self.engine) as session:  # read first: what is owed now, the rebuild covers
                owed = store.owed_work(session)
            count = self.search_index(engine).rebuild(progress)
            if engine is None or engine == self.search_engine_name:
                rebuild_links(self.engine, self.search_index(), lambda session: store.settle(session, owed))
                if not self._has_owed_work():
                    (self.data_dir / OWED_MARKER).unlink(missing_ok=True)
            return count

    @_store_errors
    @_reads
    def search(self, query: str, *, sort: str = "relevance", limit: int = 10, offset: int = 0, **filters: Any) -> dict[str, Any]:
        """The contract's search result. `filters`: committee, date_from, date_to, outcome, case, kind."""
        from referat.index.search.service import SearchRequest, parse_filters

        index = self.search_index()
        request = SearchRequest(query, parse_filters(**filters), sort=sort, limit=limit, offset=offset)
        return index.search(request)

    # -- cases, histories, budget agreements -----------------------------------------------------

    @_store_errors
    @_reads
    def case(self, query: str) -> dict[str, Any]:
        """Every item filed under a case number or KLE prefix, oldest first (the contract's `case`)."""
        from referat.index.history import case_lookup

        return case_lookup(self.engine, query)

    @_store_errors
    @_reads
    def history(self, subject: str) -> dict[str, Any] | None:
        """The life of a case (a case number or an item id) across meetings and bodies."""
        from referat.index.history import case_history

        return case_history(self.engine, subject)

    @_store_errors
    @_reads
    def budget(self, year: int, point: str | None = None) -> dict[str, Any] | None:
        """A year's agreement points with counts, or one point with its explicit, suggested and year-only items."""
        from referat.index.budget import budget_overview, budget_point

        if point is None:
            return budget_overview(self.engine, year)
        return budget_point(self.engine, year, point.rstrip("."))

    # -- reading ------------------------------------------------------------------------------

    @_store_errors
    @_reads
    def get_document(self, sha256: str) -> model.Document | None:
        """The stored document with these bytes, as the domain dataclass."""
        with Session(self.engine) as session:
            row = session.scalar(
                select(DocumentRow)
                .where(DocumentRow.sha256 == sha256)
                .options(
                    selectinload(DocumentRow.meeting).selectinload(MeetingRow.participants),
                    selectinload(DocumentRow.meeting).selectinload(MeetingRow.items).options(*_ITEM_CHILDREN),
                    selectinload(DocumentRow.budget_agreement),
                    selectinload(DocumentRow.sections),
                )
            )
            return store.to_document(row) if row is not None else None

    @_store_errors
    @_reads
    def item(self, uid: str) -> StoredItem | None:
        found = self._items(ItemRow.uid == uid)
        return found[0] if found else None

    @_store_errors
    @_reads
    def items_by_case(self, number: str, *, exact: bool = False, limit: int | None = None) -> list[StoredItem]:
        """Items filed under a case number, oldest first; without `exact` also every case under a prefix."""
        if exact:
            return self._items(ItemRow.case_key == store.case_key(number), limit=limit)
        return self._items(store.case_prefix_filter(number, self.engine.dialect.name), limit=limit)

    @_store_errors
    @_reads
    def meeting_items(self, committee: str, meeting_date: date) -> list[StoredItem]:
        return self._items(MeetingRow.committee_slug == store.slug(committee), MeetingRow.date == meeting_date)

    def _items(self, *where: Any, limit: int | None = None) -> list[StoredItem]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(ItemRow, MeetingRow.committee, MeetingRow.date, MeetingRow.kind, DocumentRow.source, DocumentRow.sha256)
                .join(MeetingRow, ItemRow.meeting_id == MeetingRow.id)
                .join(DocumentRow, MeetingRow.document_id == DocumentRow.id)
                .where(*where)
                .order_by(MeetingRow.date, MeetingRow.committee, ItemRow.position)
                .limit(limit)
                .options(*_ITEM_CHILDREN)
            ).all()
            return [
                StoredItem(item.uid, committee, day, kind, source, sha, store.to_item(item))
                for item, committee, day, kind, source, sha in rows
            ]

    @_store_errors
    @_reads
    def stats(self) -> dict[str, Any]:
        """What the archive holds, for `referat stats` and for a quick check after an ingest."""
        with Session(self.engine) as session:
            by_kind = dict(session.execute(select(DocumentRow.kind, func.count()).group_by(DocumentRow.kind)).all())
            committees = dict(
                session.execute(
                    select(MeetingRow.committee, func.count()).group_by(MeetingRow.committee).order_by(MeetingRow.committee)
                ).all()
            )
            first, last = session.execute(select(func.min(MeetingRow.date), func.max(MeetingRow.date))).one()
            no_decision = store.count(
                session,
                ItemRow.__table__.join(MeetingRow.__table__),
                MeetingRow.kind == "minutes",
                ItemRow.decision.is_(None),
            )
            warnings = unread_minutes = 0
            for document_warnings in session.scalars(select(DocumentRow.warnings)):
                warnings += len(document_warnings or [])
                unread_minutes += any(w.startswith(NOT_READ_AS_MINUTES) for w in document_warnings or [])
            outdated = self.outdated_documents(session)
            return {
                "documents": sum(by_kind.values()),
                "documents_by_kind": {k.value: by_kind.get(k.value, 0) for k in model.DocumentKind},
                "meetings": store.count(session, MeetingRow),
                "items": store.count(session, ItemRow),
                "committees": committees,
                "date_range": {
                    "from": first.isoformat() if first else None,
                    "to": last.isoformat() if last else None,
                },
                "items_without_decision": no_decision,
                "budget_agreements": store.count(session, store.BudgetAgreementRow),
                "budget_points": store.count(session, store.BudgetPointRow),
                "warnings": warnings,
                # Not understood: stored as plain documents although they look like minutes.
                "plain_documents": by_kind.get(model.DocumentKind.DOCUMENT.value, 0),
                "looks_like_minutes": unread_minutes,
                # Read by an older parser; `referat reparse` reads them again.
                "outdated_documents": outdated,
                "database": self._safe_url,
            }

    def outdated_documents(self, session: Session | None = None) -> int:
        """How many stored documents an older parser read (their originals can be read again)."""
        if session is None:
            with Session(self.engine) as session:
                return self.outdated_documents(session)
        current = pipeline.parser_version()
        return store.count(session, DocumentRow, (DocumentRow.parser_version != current) | DocumentRow.parser_version.is_(None))


_ITEM_CHILDREN = (
    selectinload(ItemRow.sections),
    selectinload(ItemRow.attachments),
    selectinload(ItemRow.treatments),
    selectinload(ItemRow.budget_refs),
)


def _refused(error: InputError) -> bool:
    """A URL not fetched on purpose (robots.txt, host not allowed) is skipped, not failed."""
    try:
        from referat.ingest.fetch.http import FetchRefused
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, FetchRefused)


def _store_failed(error: BaseException) -> bool:
    """Whether the database itself failed (server gone, file damaged or full) rather than one
    document's rows: SQLAlchemy's OperationalError, or a bare DatabaseError ("malformed")."""
    return isinstance(error, OperationalError) or type(error) is DatabaseError


def _one_line(error: BaseException) -> str:
    return _first_line(error) if isinstance(error, SQLAlchemyError) else str(error).splitlines()[0] if str(error) else type(error).__name__


def _describe(error: Exception) -> str:
    """A database error's first line as the driver words it; anything else with its type, as it is a bug."""
    if isinstance(error, SQLAlchemyError):
        return _first_line(error)
    return f"{type(error).__name__}: {error}"


def _first_line(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error)
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__
