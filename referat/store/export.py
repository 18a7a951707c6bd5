"""Every item the search filters select, oldest first, for `referat export`: read from the store
(not the index: an export is every matching item, not a page of hits) in batches, so an archive of
any size is exported in the memory of one batch.

One query streams the items with their meeting and document (`yield_per`: SQLite's cursor is lazy,
PostgreSQL's a server-side cursor); each batch then fetches its items' budget references and
positions with one query each. The whole export reads one snapshot of the store.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from referat.model import slug
from referat.store import schema as S
from referat.store.documents import case_prefix_filter

BATCH = 1000
NO_OUTCOME = "none"  # the outcome filter for items without a recorded decision


def export_items(db: Engine, *, committee: str | None = None, date_from: date | None = None, date_to: date | None = None,
                 outcome: str | None = None, case: str | None = None, batch: int = BATCH) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Items as plain rows (the fields of `render.EXPORT_FIELDS`, budget references and positions
    as lists), ordered by meeting date (undated meetings last), committee and agenda position.
    `committee` is matched by its slug, so every spelling that folds to it selects the same items."""
    where: list[Any] = []
    if committee:
        where.append(S.MeetingRow.committee_slug == slug(committee))
    if date_from:
        where.append(S.MeetingRow.date >= date_from)
    if date_to:
        where.append(S.MeetingRow.date <= date_to)
    if outcome == NO_OUTCOME:
        where.append(S.ItemRow.outcome.is_(None))
    elif outcome:
        where.append(S.ItemRow.outcome == outcome)
    if case:
        where.append(case_prefix_filter(case, db.dialect.name))
    items = (
        select(S.ItemRow.id, S.ItemRow.uid, S.MeetingRow.committee, S.MeetingRow.date, S.ItemRow.number, S.ItemRow.title,
               S.ItemRow.case_number, S.ItemRow.outcome, S.ItemRow.decision, S.ItemRow.votes_for, S.ItemRow.votes_against,
               S.ItemRow.votes_abstain, S.DocumentRow.source, S.DocumentRow.sha256)  # fmt: skip
        .join(S.MeetingRow, S.ItemRow.meeting_id == S.MeetingRow.id)
        .join(S.DocumentRow, S.MeetingRow.document_id == S.DocumentRow.id)
        .where(*where)
        .order_by(S.MeetingRow.date.asc().nulls_last(), S.MeetingRow.committee, S.MeetingRow.id, S.ItemRow.position, S.ItemRow.id)
        .execution_options(yield_per=batch)
    )
    with Session(db) as session:
        for rows in session.execute(items).partitions():
            ids = [row.id for row in rows]
            refs, positions = _budget_refs(session, ids), _positions(session, ids)
            for row in rows:
                yield {
                    "id": row.uid,
                    "committee": row.committee,
                    "meeting_date": row.date.isoformat() if row.date else None,
                    "item_number": row.number,
                    "title": row.title,
                    "case_number": row.case_number,
                    "outcome": row.outcome,
                    "decision": row.decision,
                    "budget_refs": refs.get(row.id, []),
                    "dissent": positions.get(row.id, []),
                    "votes_for": row.votes_for,
                    "votes_against": row.votes_against,
                    "votes_abstain": row.votes_abstain,
                    "source": row.source,
                    "sha256": row.sha256,
                }


def _budget_refs(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each item's budget references, each (year, point) once, in the order the item cites them."""
    refs: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item_id, year, point in session.execute(
        select(S.BudgetRefRow.item_id, S.BudgetRefRow.year, S.BudgetRefRow.point)
        .where(S.BudgetRefRow.item_id.in_(ids))
        .order_by(S.BudgetRefRow.item_id, S.BudgetRefRow.position)
    ):
        ref = {"year": year, "point": point}
        if ref not in refs[item_id]:
            refs[item_id].append(ref)
    return refs


def _positions(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Who took a position in each item's decision (`PositionRow`), in the order the decision says it."""
    positions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item_id, kind, party, person in session.execute(
        select(S.PositionRow.item_id, S.PositionRow.kind, S.PositionRow.party, S.PositionRow.person)
        .where(S.PositionRow.item_id.in_(ids))
        .order_by(S.PositionRow.item_id, S.PositionRow.position)
    ):
        positions[item_id].append({"kind": kind, "party": party, "person": person})
    return positions
