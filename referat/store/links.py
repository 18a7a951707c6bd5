"""The queries that building links needs (`referat.links.build`): the rows it reads, the links it
writes, all inside the one transaction `links_transaction` opens. Links are derived data: every
one can be made again from the items, treatments and budget references."""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from typing import Any, Iterable, Iterator

from sqlalchemy import Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from referat.store.schema import (
    BudgetAgreementRow,
    BudgetPointRow,
    BudgetRefRow,
    ItemRow,
    LinkRow,
    MeetingRow,
    TreatmentRow,
)

CHUNK = 500  # ids in one IN (...): well inside SQLite's and PostgreSQL's limits


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


@contextmanager
def links_transaction(db: Engine) -> Iterator[Session]:
    """One transaction for a whole link run: readers see the old links or the new, never half."""
    with Session(db) as session, session.begin():
        yield session


# --- items and meetings ----------------------------------------------------------------------------

ItemKey = tuple[int, int, "int | None", str, "str | None"]  # id, meeting id, number, title, case key


def meetings_on(session: Session, dates: Iterable[date]) -> dict[date, list[tuple[int, str, str]]]:
    """Meetings by date: (id, committee, committee slug)."""
    out: dict[date, list[tuple[int, str, str]]] = defaultdict(list)
    for chunk in _chunks(dates):
        rows = session.execute(
            select(MeetingRow.id, MeetingRow.committee, MeetingRow.committee_slug, MeetingRow.date).where(MeetingRow.date.in_(chunk))
        )
        for meeting_id, committee, slug, day in rows:
            out[day].append((meeting_id, committee, slug))
    return out


def items_of_meetings(session: Session, meeting_ids: Iterable[int]) -> dict[int, list[ItemKey]]:
    """The items of these meetings: meeting id → (id, meeting id, number, title, case key)."""
    out: dict[int, list[ItemKey]] = defaultdict(list)
    for chunk in _chunks(meeting_ids):
        for row in session.execute(_item_keys().where(ItemRow.meeting_id.in_(chunk))):
            out[row.meeting_id].append(tuple(row))
    return out


def items_by_id(session: Session, item_ids: Iterable[int]) -> dict[int, ItemKey]:
    out: dict[int, ItemKey] = {}
    for chunk in _chunks(item_ids):
        for row in session.execute(_item_keys().where(ItemRow.id.in_(chunk))):
            out[row.id] = tuple(row)
    return out


def _item_keys() -> Any:
    return select(ItemRow.id, ItemRow.meeting_id, ItemRow.number, ItemRow.title, ItemRow.case_key)


def items_of_documents(session: Session, document_ids: Iterable[int]) -> list[tuple[int, str | None, date | None]]:
    """(id, case key, meeting date) of the items of these documents."""
    out: list[tuple[int, str | None, date | None]] = []
    for chunk in _chunks(document_ids):
        out += [tuple(row) for row in session.execute(
            select(ItemRow.id, ItemRow.case_key, MeetingRow.date)
            .join(MeetingRow, ItemRow.meeting_id == MeetingRow.id)
            .where(MeetingRow.document_id.in_(chunk))
        )]  # fmt: skip
    return out


def item_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ItemRow)) or 0


def item_id(session: Session, uid: str) -> int | None:
    return session.scalar(select(ItemRow.id).where(ItemRow.uid == uid))


def item_uid_at(session: Session, meeting_id: int, number: int | None) -> str | None:
    """The uid of the item with this number at this meeting."""
    return session.scalar(select(ItemRow.uid).where(ItemRow.meeting_id == meeting_id, ItemRow.number == number))


# --- earlier treatments ------------------------------------------------------------------------------

_TREATMENT = (TreatmentRow.id, TreatmentRow.item_id, TreatmentRow.body, TreatmentRow.date, TreatmentRow.item_number)


def all_treatments(session: Session) -> list[Any]:
    """Every earlier treatment (id, item_id, body, date, item_number)."""
    return session.execute(select(*_TREATMENT)).all()


def treatments_of(session: Session, item_ids: Iterable[int]) -> list[Any]:
    out: list[Any] = []
    for chunk in _chunks(item_ids):
        out += session.execute(select(*_TREATMENT).where(TreatmentRow.item_id.in_(chunk))).all()
    return out


def unresolved_treatments_on(session: Session, dates: Iterable[date]) -> list[Any]:
    """Treatments not yet resolved to a stored item that name a meeting on one of these dates."""
    days = sorted({d for d in dates if d is not None})
    if not days:
        return []
    return session.execute(select(*_TREATMENT).where(TreatmentRow.resolved_item_id.is_(None), TreatmentRow.date.in_(days))).all()


def mark_resolved(session: Session, resolved: list[tuple[int, int]]) -> None:
    """Record which stored item each treatment (treatment id, item id) names."""
    if resolved:
        table = TreatmentRow.__table__
        session.connection().execute(
            table.update().where(table.c.id == bindparam("tid")).values(resolved_item_id=bindparam("rid")),
            [{"tid": tid, "rid": rid} for tid, rid in resolved],
        )


# --- links -------------------------------------------------------------------------------------------


def insert_links(session: Session, links: list[dict[str, Any]]) -> None:
    """Links as dicts: from_item_id, to_item_id, to_budget_point_id, kind, score, evidence."""
    for start in range(0, len(links), 1000):
        session.execute(insert(LinkRow), links[start : start + 1000])


def clear_links(session: Session) -> None:
    """No links and no resolved treatments: a rebuild makes them all again."""
    session.execute(delete(LinkRow))
    session.execute(update(TreatmentRow).values(resolved_item_id=None))


def delete_links_from(session: Session, kinds: Iterable[str], item_ids: Iterable[int], to_item_ids: Iterable[int] | None = None) -> None:
    """Links of these kinds from these items (and, if given, only those to these items)."""
    kinds = list(kinds)
    targets = None if to_item_ids is None else sorted(set(to_item_ids)) or [-1]
    for chunk in _chunks(item_ids):
        query = delete(LinkRow).where(LinkRow.kind.in_(kinds), LinkRow.from_item_id.in_(chunk))
        if targets is not None:
            query = query.where(LinkRow.to_item_id.in_(targets))
        session.execute(query)


def delete_links_to_points(session: Session, kind: str, point_ids: list[int]) -> None:
    for chunk in _chunks(point_ids):
        session.execute(delete(LinkRow).where(LinkRow.kind == kind, LinkRow.to_budget_point_id.in_(chunk)))


# --- cases -------------------------------------------------------------------------------------------


def items_by_case(session: Session, case_keys: set[str] | None) -> Iterator[tuple[int, str]]:
    """(item id, case key) of every item with a case number (or one of these), in case order and,
    within a case, by meeting date and agenda position: the order of a case's chain."""
    query = (
        select(ItemRow.id, ItemRow.case_key)
        .join(MeetingRow, ItemRow.meeting_id == MeetingRow.id)
        .where(ItemRow.case_key.is_not(None))
        .order_by(ItemRow.case_key, MeetingRow.date, MeetingRow.id, ItemRow.position)
    )
    if case_keys is not None:
        query = query.where(ItemRow.case_key.in_(sorted(case_keys)))
    for item, key in session.execute(query):
        yield item, key


def item_ids_with_cases(session: Session, case_keys: set[str]) -> list[int]:
    return [row.id for row in session.execute(select(ItemRow.id).where(ItemRow.case_key.in_(sorted(case_keys))))]


# --- budget agreements -------------------------------------------------------------------------------


def budget_point_ids(session: Session) -> dict[tuple[int, str], int]:
    """(year, point) → the stored point's id."""
    return {
        (year, point): pid
        for pid, year, point in session.execute(select(BudgetPointRow.id, BudgetAgreementRow.year, BudgetPointRow.point).join(BudgetAgreementRow))
    }


def point_citations(session: Session, item_ids: list[int] | None) -> list[tuple[int, int, str, str]]:
    """(item id, year, point, quote) of the budget references that name a point (of these items)."""
    query = select(BudgetRefRow.item_id, BudgetRefRow.year, BudgetRefRow.point, BudgetRefRow.quote).where(BudgetRefRow.point.is_not(None))
    if item_ids is not None:
        query = query.where(BudgetRefRow.item_id.in_(item_ids))
    return [tuple(row) for row in session.execute(query)]


def budget_points(session: Session, years: set[int] | None) -> list[tuple[Any, int]]:
    """(point, year) of the stored agreements (of these years), in agreement order; a point has
    id, point, title, text, status and meeting_refs."""
    query = select(BudgetPointRow, BudgetAgreementRow.year).join(BudgetAgreementRow).order_by(BudgetAgreementRow.year, BudgetPointRow.position)
    if years is not None:
        query = query.where(BudgetAgreementRow.year.in_(sorted(years)))
    return [tuple(row) for row in session.execute(query)]


def uids_citing_point(session: Session, year: int, point: str) -> set[str]:
    return {uid for (uid,) in session.execute(
        select(ItemRow.uid).join(BudgetRefRow).where(BudgetRefRow.year == year, BudgetRefRow.point == point)
    )}  # fmt: skip


def agreement_years(session: Session, document_ids: list[int] | None = None) -> set[int]:
    """Years of the stored agreements (of these documents)."""
    query = select(BudgetAgreementRow.year)
    if document_ids is not None:
        query = query.where(BudgetAgreementRow.document_id.in_(document_ids))
    return {year for (year,) in session.execute(query)}


def items_citing_years(session: Session, years: set[int]) -> list[int]:
    return sorted({i for (i,) in session.execute(select(BudgetRefRow.item_id).where(BudgetRefRow.year.in_(sorted(years))))})
