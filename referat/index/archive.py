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
- **Minutes supersede the agenda** of the same meeting; see `referat.index.store`.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import func, select, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from referat import model
from referat.errors import ArchiveBusy, InputError, StoreError
from referat.index import store
from referat.index.store import DocumentRow, ItemRow, MeetingRow
from referat.ingest import pipeline
from referat.ingest.pipeline import Original, Parsed, Problem

Progress = Callable[[int, int, str], None]  # (done, total, source) after each input
_PG_WRITE_LOCK = 0x7265_6662  # serialises writers on a shared PostgreSQL server


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
    def writing(self) -> Iterator[None]:
        """Hold `<data>/write.lock` (re-entrant); ArchiveBusy after `lock_timeout` seconds of waiting."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        fd = os.open(self.data_dir / "write.lock", os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.lock_timeout
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
        from referat.ingest.sources import crawl, load_source

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
            with pipeline.Extractor(jobs, ocr, self.parse) as extractor:
                for parsed in extractor.map(new_originals()):
                    assert parsed.original is not None
                    self._ingest_one(parsed, report)
                    tick(parsed.original.source)
            # In the same command and under the same lock: the index and the links follow the store.
            index = self.search_index()
            index.rebuilt = False
            added, _removed = index.sync()
            if index.rebuilt:  # the whole index was (re)built from the store: so are the links
                self._rebuild_links()
            elif added:
                from referat.index.links import update_links

                update_links(self.engine, index, added)

    def _fetcher(self) -> Any:
        try:
            from referat.ingest.fetch import open_fetcher
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
        try:
            outcome = self._store_new(original, parsed, raw)
        except Exception as error:  # noqa: BLE001 - rolled back; one document never stops the rest
            if created:
                raw.unlink(missing_ok=True)
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
            counts = written.meetings, written.items
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
                            report.failed.append(Problem(original.source, f"could not be stored: {_describe(error)}"))
                    done += 1
                    if progress is not None:
                        progress(done, total, original.source)
            self.search_index().rebuild()
            self._rebuild_links()
        return report

    def _rebuild_links(self) -> Any:
        from referat.index.links import rebuild_links

        return rebuild_links(self.engine, self.search_index())

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
            return written.meetings, written.items

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

    def reindex(self, engine: str | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild the search index from the store into a new generation and swap it in."""
        with self.writing():
            count = self.search_index(engine).rebuild(progress)
            if engine is None or engine == self.search_engine_name:
                self._rebuild_links()
            return count

    def search(self, query: str, *, sort: str = "relevance", limit: int = 10, offset: int = 0, **filters: Any) -> dict[str, Any]:
        """The contract's search result. `filters`: committee, date_from, date_to, outcome, case, kind."""
        from referat.index.search.service import SearchRequest, parse_filters, search

        index = self.search_index()
        request = SearchRequest(query, parse_filters(**filters), sort=sort, limit=limit, offset=offset)
        return search(index.engine(), index.lookup, request)

    # -- cases, histories, budget agreements -----------------------------------------------------

    def case(self, query: str) -> dict[str, Any]:
        """Every item filed under a case number or KLE prefix, oldest first (the contract's `case`)."""
        from referat.index.history import case_lookup

        return case_lookup(self.engine, query)

    def history(self, subject: str) -> dict[str, Any] | None:
        """The life of a case (a case number or an item id) across meetings and bodies."""
        from referat.index.history import case_history

        return case_history(self.engine, subject)

    def budget(self, year: int, point: str | None = None) -> dict[str, Any] | None:
        """A year's agreement points with counts, or one point with its explicit, suggested and year-only items."""
        from referat.index.budget import budget_overview, budget_point

        if point is None:
            return budget_overview(self.engine, year)
        return budget_point(self.engine, year, point.rstrip("."))

    # -- reading ------------------------------------------------------------------------------

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

    def item(self, uid: str) -> StoredItem | None:
        found = self._items(ItemRow.uid == uid)
        return found[0] if found else None

    def items_by_case(self, number: str, *, exact: bool = False, limit: int | None = None) -> list[StoredItem]:
        """Items filed under a case number, oldest first; without `exact` also every case under a prefix."""
        if exact:
            return self._items(ItemRow.case_key == store.case_key(number), limit=limit)
        return self._items(store.case_prefix_filter(number, self.engine.dialect.name), limit=limit)

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
            warnings = sum(len(w or []) for w in session.scalars(select(DocumentRow.warnings)))
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
                "database": self._safe_url,
            }


_ITEM_CHILDREN = (
    selectinload(ItemRow.sections),
    selectinload(ItemRow.attachments),
    selectinload(ItemRow.treatments),
    selectinload(ItemRow.budget_refs),
)


def _refused(error: InputError) -> bool:
    """A URL not fetched on purpose (robots.txt, host not allowed) is skipped, not failed."""
    try:
        from referat.ingest.fetch import FetchRefused
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, FetchRefused)


def _describe(error: Exception) -> str:
    """A database error's first line as the driver words it; anything else with its type, as it is a bug."""
    if isinstance(error, SQLAlchemyError):
        return _first_line(error)
    return f"{type(error).__name__}: {error}"


def _first_line(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error)
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__
