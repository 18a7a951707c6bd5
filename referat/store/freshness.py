"""Fetch runs and the freshness of each source (`referat sources`, the web's /kilder): one row per
`referat fetch` in `fetch_runs`, and the rule that flags a source needing attention.

**The rule** (also in README.md). A source is flagged when
- its last fetch failed as a whole: every start URL failed, the store failed, the run was
  interrupted, or the archive was busy; or
- it is stale: it has delivered no meeting yet, or today − its newest meeting > 2 × its usual
  interval. The usual interval is the median gap between consecutive meeting dates within each
  committee the source delivers (its own meetings in the archive; the gaps of all its committees
  pooled, so Økonomiudvalget every 14 days and Teknik- og Miljøudvalget every 28 give 14, where
  two committees meeting a day apart do not make a one-day rhythm). With fewer than 3 meetings,
  or no committee that met twice, it is 45 days.

**Which documents are a source's**: those its runs stored. A run is recorded with the moments it
held the archive's write lock (`started_at`, `finished_at`), and one writer at a time means every
document stored in between (`documents.ingested_at`) was stored by that run. A run that stored
nothing claims nothing, so a failed run, or one that waited for the lock, never takes another
writer's documents. The newest meeting is kept in the run rows themselves (each run records the
newest meeting among the documents it stored, or the previous run's value if that is newer), so
it survives a document being replaced or its meeting superseded. A document another command
stored (`referat ingest URL`) is not counted to a source, even if a later crawl finds it unchanged.
One limit: two processes with different data folders writing to one PostgreSQL store at the same
moment do not share a write lock, so a run could count the other's documents as its own.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from referat.store import schema as S

DEFAULT_INTERVAL_DAYS = 45
MIN_MEETINGS = 3  # fewer than this: the default interval
STALE_AFTER = 2  # usual intervals without a new meeting
NAME_LENGTH = 255  # fetch_runs.source


def record_fetch_run(db: Engine, *, source: str, started_at: datetime, finished_at: datetime, error: str | None,
                     documents: int, failed: int) -> None:  # fmt: skip
    """One run of `referat fetch`, in a transaction of its own (after the run, failed or not), with
    the newest meeting the source has given so far: the newest among the documents this run stored
    (those stored while it held the lock) or the previous runs' newest, whichever is later."""
    source = source[:NAME_LENGTH]
    with Session(db) as session, session.begin():
        newest = session.scalar(select(func.max(S.FetchRunRow.newest_meeting)).where(S.FetchRunRow.source == source))
        if documents:
            stored = session.scalar(
                select(func.max(S.MeetingRow.date))
                .join(S.DocumentRow, S.MeetingRow.document_id == S.DocumentRow.id)
                .where(S.DocumentRow.ingested_at.between(started_at, finished_at))
            )
            newest = max((d for d in (newest, stored) if d is not None), default=None)
        session.add(S.FetchRunRow(source=source, started_at=started_at, finished_at=finished_at, error=error,
                                  documents=documents, failed=failed, newest_meeting=newest))  # fmt: skip


@dataclass(frozen=True)
class SourceFacts:
    """What the store says about one fetched source, whatever the day."""

    name: str
    last_run: dict[str, Any]
    newest_meeting: date | None
    documents: int
    usual_interval_days: float


@dataclass(frozen=True)
class Facts:
    """Every fetched source's facts, and the state of the store they were read from (`key`)."""

    key: tuple[Any, ...]
    sources: tuple[SourceFacts, ...]


def source_facts(db: Engine, known: Facts | None = None) -> Facts:
    """Every source that was ever fetched, by name, with its last run, newest meeting, documents and
    usual interval; `known` again, if nothing they depend on changed since it was read (the front
    page asks on every view, and reading them costs a pass over the fetched documents)."""
    with Session(db) as session:
        key = _state(session)
        if known is not None and known.key == key:
            return known
        last_ids = select(func.max(S.FetchRunRow.id)).group_by(S.FetchRunRow.source)
        lasts = session.scalars(select(S.FetchRunRow).where(S.FetchRunRow.id.in_(last_ids))).all()
        newest = dict(session.execute(select(S.FetchRunRow.source, func.max(S.FetchRunRow.newest_meeting)).group_by(S.FetchRunRow.source)).all())
        documents, meetings = _documents_of_sources(session) if lasts else (Counter(), defaultdict(list))
        sources = tuple(
            SourceFacts(run.source, _run_dict(run), newest.get(run.source), documents[run.source],
                        usual_interval(meetings[run.source]))  # fmt: skip
            for run in sorted(lasts, key=lambda r: r.source)
        )
    return Facts(key, sources)


def _state(session: Session) -> tuple[Any, ...]:
    """What changes when the facts may: a new run, a document stored (the newest row: a replaced
    document's id may be taken again, but not its time) or parsed again, a meeting written. Read
    by primary key, so asking costs next to nothing."""
    newest_document = session.execute(
        select(S.DocumentRow.id, S.DocumentRow.ingested_at, S.DocumentRow.parsed_at).order_by(S.DocumentRow.id.desc()).limit(1)
    ).first()
    return (
        session.scalar(select(func.max(S.FetchRunRow.id))),
        tuple(newest_document or ()),
        session.scalar(select(func.max(S.MeetingRow.id))),
    )


def judge(facts: Facts, today: date) -> list[dict[str, Any]]:
    """The contract's rows of `referat sources` (see the module docstring for the rule)."""
    return [_freshness(source, today) for source in facts.sources]


def _documents_of_sources(session: Session) -> tuple[Counter[str], defaultdict[str, list[tuple[str, date]]]]:
    """Per source, how many documents its runs stored and their meetings (committee, date):
    each document goes to the run whose time under the lock holds its `ingested_at`. One pass over
    the documents stored while some run held the lock, so the cost follows the documents, not runs x documents."""
    documents: Counter[str] = Counter()
    meetings: defaultdict[str, list[tuple[str, date]]] = defaultdict(list)
    windows = session.execute(
        select(S.FetchRunRow.source, S.FetchRunRow.started_at, S.FetchRunRow.finished_at)
        .where(S.FetchRunRow.documents > 0, S.FetchRunRow.finished_at.is_not(None))
        .order_by(S.FetchRunRow.started_at)
    ).all()
    if not windows:
        return documents, meetings
    starts = [_utc(w.started_at) for w in windows]
    rows = session.execute(
        select(S.DocumentRow.ingested_at, S.MeetingRow.committee_slug, S.MeetingRow.date)  # a row a document: one meeting at most
        .outerjoin(S.MeetingRow, S.MeetingRow.document_id == S.DocumentRow.id)
        .where(S.DocumentRow.ingested_at >= windows[0].started_at,
               S.DocumentRow.ingested_at <= max(w.finished_at for w in windows))  # fmt: skip
    )
    for ingested_at, committee, day in rows:
        at = _utc(ingested_at)
        k = bisect_right(starts, at) - 1
        if k < 0 or at > _utc(windows[k].finished_at):
            continue  # stored between runs, by another command
        documents[windows[k].source] += 1
        if day is not None:
            meetings[windows[k].source].append((committee, day))
    return documents, meetings


def usual_interval(meetings: Iterable[tuple[str, date]]) -> float:
    """The median gap in days between consecutive meeting dates within each committee, or
    DEFAULT_INTERVAL_DAYS with fewer than MIN_MEETINGS meetings or no committee that met twice."""
    dates: dict[str, set[date]] = defaultdict(set)
    for committee, day in meetings:
        dates[committee].add(day)
    gaps = [(b - a).days for days in map(sorted, dates.values()) for a, b in zip(days, days[1:])]
    if sum(len(days) for days in dates.values()) < MIN_MEETINGS or not gaps:
        return DEFAULT_INTERVAL_DAYS
    median = statistics.median(gaps)
    return int(median) if median == int(median) else round(median, 1)


def _freshness(source: SourceFacts, today: date) -> dict[str, Any]:
    newest, interval, error = source.newest_meeting, source.usual_interval_days, source.last_run["error"]
    since = (today - newest).days if newest is not None else None
    stale = since is None or since > STALE_AFTER * interval
    flags = [f"last fetch failed: {error}"] if error is not None else []
    if since is None:
        flags.append("no meeting fetched yet")
    elif stale:
        flags.append(f"no new meeting for {since} days (usual interval {interval:g} days)")
    return {
        "name": source.name,
        "last_fetch": dict(source.last_run),
        "newest_meeting": newest.isoformat() if newest else None,
        "days_since_newest": since,
        "documents": source.documents,
        "usual_interval_days": interval,
        "stale": stale,
        "failed": error is not None,
        "flag": "; ".join(flags) or None,
    }


def _run_dict(run: S.FetchRunRow) -> dict[str, Any]:
    return {
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "ok": run.error is None,
        "error": run.error,
        "documents": run.documents,
        "failed": run.failed,
    }


def _utc(moment: datetime) -> datetime:
    """SQLite gives back the UTC moments it was given without their zone; PostgreSQL with it."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _iso(moment: datetime | None) -> str | None:
    return _utc(moment).isoformat(timespec="seconds") if moment is not None else None
