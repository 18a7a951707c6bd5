"""The queries behind watches (`referat.watches`): the standing questions (`WatchRow`), the items
each has delivered (`WatchSentRow`), and which stored items are new to a watch.

An item is new to a watch when all of these hold (`_new_to`):
- it was stored after the watch's last run: its id is above the watermark (the highest item id
  that run saw), or its document was ingested after that run began. The second covers SQLite,
  which gives a new row the highest id + 1: a new version of the newest document gets the ids
  of the version it replaced, at or below the watermark;
- its document was ingested after the watch was made. `referat reparse` writes every item again
  with new ids in documents that keep their ingest time: those items are not news;
- the watch has not delivered its uid before (a new version keeps the uids of the items it
  replaces).
A run holds the archive's write lock, so no document is stored while it reads and records.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Engine, delete, func, insert, or_, select, union, update
from sqlalchemy.orm import Session

from referat.store.cases import column_hits
from referat.store.documents import case_prefix_filter, server_lock
from referat.store.schema import (
    BudgetAgreementRow,
    BudgetPointRow,
    BudgetRefRow,
    DocumentRow,
    ItemRow,
    LinkRow,
    MeetingRow,
    WatchRow,
    WatchSentRow,
)

_PG_WATCH_LOCK = 0x7265_6664  # one watch run at a time on a shared PostgreSQL server


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives back the UTC moments it was given without their zone."""
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def _watch_dict(row: WatchRow, sent: int = 0) -> dict[str, Any]:
    moments = {name: _utc(getattr(row, name)) for name in ("created_at", "last_run_at")}
    return {
        "id": row.id, "kind": row.kind, "label": row.label, "query": row.query,
        **{name: m.isoformat(timespec="seconds") if m else None for name, m in moments.items()},
        "sent": sent,
    }  # fmt: skip


# --- the watches ----------------------------------------------------------------------------------


def add_watch(db: Engine, kind: str, label: str, query: dict[str, Any]) -> dict[str, Any]:
    """A new watch; its watermark is the highest item id now, so the archive as it stands is not news."""
    with Session(db) as session, session.begin():
        row = WatchRow(kind=kind, label=label, query=query, created_at=_now(), watermark=_highest_item_id(session))
        session.add(row)
        session.flush()
        return _watch_dict(row)


def list_watches(db: Engine) -> list[dict[str, Any]]:
    """Every watch, oldest first, with how many items it has delivered."""
    with Session(db) as session:
        sent = dict(session.execute(select(WatchSentRow.watch_id, func.count()).group_by(WatchSentRow.watch_id)).all())
        return [_watch_dict(row, sent.get(row.id, 0)) for row in session.scalars(select(WatchRow).order_by(WatchRow.id))]


def remove_watch(db: Engine, watch_id: int) -> dict[str, Any] | None:
    """Delete a watch and what it delivered; the watch as it was, or None when there is none."""
    with Session(db) as session, session.begin():
        row = session.get(WatchRow, watch_id)
        if row is None:
            return None
        gone = _watch_dict(row)
        session.execute(delete(WatchRow).where(WatchRow.id == watch_id))
        return gone


# --- a run ------------------------------------------------------------------------------------------


def _highest_item_id(session: Session) -> int:
    return session.scalar(select(func.max(ItemRow.id))) or 0


def run_start(db: Engine) -> tuple[list[Any], int, datetime]:
    """What a run works from: the watches (rows detached from their session), the highest item
    id, and the moment it began (a watch's next "after the last run")."""
    with Session(db, expire_on_commit=False) as session:
        return list(session.scalars(select(WatchRow).order_by(WatchRow.id))), _highest_item_id(session), _now()


def _new_to(watch: Any, upto: int) -> tuple[Any, ...]:
    """The conditions for an item (joined with its meeting and document) being new to `watch`;
    see the module docstring. The two ways of being stored after the last run are a union of
    two index look-ups (the id range; the few documents ingested since), not an OR, which would
    read every item."""
    since = watch.last_run_at or watch.created_at
    above = select(ItemRow.id).where(ItemRow.id > watch.watermark)
    meetings_since = select(MeetingRow.id).join(DocumentRow, MeetingRow.document_id == DocumentRow.id).where(DocumentRow.ingested_at > since)
    ingested_since = select(ItemRow.id).where(ItemRow.meeting_id.in_(meetings_since))
    return (
        ItemRow.id.in_(union(above, ingested_since)),
        ItemRow.id <= upto,
        DocumentRow.ingested_at >= watch.created_at,
        ItemRow.uid.not_in(select(WatchSentRow.item_uid).where(WatchSentRow.watch_id == watch.id)),
    )


def new_hits(db: Engine, watch: Any, upto: int, match: Any) -> list[dict[str, Any]]:
    """HIT dicts of the items new to `watch` that `match` (a condition below) selects, oldest first."""
    with Session(db) as session:
        return column_hits(session, *_new_to(watch, upto), match)


def new_item_dates(db: Engine, watch: Any, upto: int) -> dict[str, date | None]:
    """uid → meeting date of every item new to `watch` (what a search watch's search is narrowed to)."""
    with Session(db) as session:
        return dict(session.execute(
            select(ItemRow.uid, MeetingRow.date)
            .join(MeetingRow, ItemRow.meeting_id == MeetingRow.id)
            .join(DocumentRow, MeetingRow.document_id == DocumentRow.id)
            .where(*_new_to(watch, upto))
        ).all())  # fmt: skip


def under_case(query: str, dialect: str) -> Any:
    """Items filed under a case number or KLE prefix."""
    return case_prefix_filter(query, dialect)


def of_committee(committee_slug: str) -> Any:
    """Items of a committee's meetings."""
    return MeetingRow.committee_slug == committee_slug


def about_budget_point(year: int, point: str, suggested_kind: str) -> Any:
    """Items that cite a budget point, or that a suggested link ties to it."""
    citing = select(BudgetRefRow.item_id).where(BudgetRefRow.year == year, BudgetRefRow.point == point)
    suggested = (
        select(LinkRow.from_item_id)
        .join(BudgetPointRow, LinkRow.to_budget_point_id == BudgetPointRow.id)
        .join(BudgetAgreementRow, BudgetPointRow.agreement_id == BudgetAgreementRow.id)
        .where(LinkRow.kind == suggested_kind, BudgetAgreementRow.year == year, BudgetPointRow.point == point)
    )
    return or_(ItemRow.id.in_(citing), ItemRow.id.in_(suggested))


def record_run(db: Engine, delivered: dict[int, list[str]], upto: int, started: datetime) -> None:
    """After a delivery: the uids each watch delivered, and every watch run moved on to `upto`
    and `started`, in one transaction (all of it is recorded, or none)."""
    with Session(db) as session, session.begin():
        sent = [{"watch_id": w, "item_uid": uid, "sent_at": _now()} for w, uids in delivered.items() for uid in uids]
        if sent:
            session.execute(insert(WatchSentRow), sent)
        if delivered:
            session.execute(update(WatchRow).where(WatchRow.id.in_(list(delivered))).values(watermark=upto, last_run_at=started))


def run_lock(db: Engine, wait_seconds: float) -> Any:
    """On PostgreSQL the file lock guards one machine only: a session advisory lock makes a watch
    run one process's on the whole server. Yields whether this process got it in time."""
    return server_lock(db, _PG_WATCH_LOCK, wait_seconds)
