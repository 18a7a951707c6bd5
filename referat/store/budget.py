"""The queries behind budget-agreement tracking (`referat.links.budget`): a year's points with
their counts, and one point with the items that cite it, relate to it, or cite only the year."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from referat.store.cases import column_hits
from referat.store.schema import BudgetAgreementRow, BudgetPointRow, BudgetRefRow, ItemRow, LinkRow


def year_counts(db: Engine, year: int, suggested_kind: str) -> tuple[list[dict[str, Any]] | None, Counter, list[dict[str, Any]]]:
    """(the stored agreement's points with their suggested-link counts, or None when the
    agreement is not stored; citing items per point; HIT dicts of the items citing only the year)."""
    with Session(db) as session:
        agreement = session.scalar(
            select(BudgetAgreementRow).where(BudgetAgreementRow.year == year).options(selectinload(BudgetAgreementRow.points))
        )
        explicit = Counter(
            p for (p,) in session.execute(select(BudgetRefRow.point).where(BudgetRefRow.year == year, BudgetRefRow.point.is_not(None)))
        )
        year_only = year_only_items(session, year)  # the parser keeps one year-only reference an item
        if agreement is None:
            return None, explicit, year_only
        suggested = dict(session.execute(
            select(LinkRow.to_budget_point_id, func.count())
            .where(LinkRow.kind == suggested_kind, LinkRow.to_budget_point_id.in_([p.id for p in agreement.points]))
            .group_by(LinkRow.to_budget_point_id)
        ).all())  # fmt: skip
        points = [{"point": p.point, "title": p.title, "status": p.status, "suggested": suggested.get(p.id, 0)} for p in agreement.points]
        return points, explicit, year_only


def point_items(db: Engine, year: int, point: str, suggested_kind: str) -> dict[str, Any] | None:
    """A point's stored text (None fields when its agreement is not stored) and its items as HIT
    dicts: `explicit` (with the quote), `suggested` (with score and evidence, best first),
    `year_only`; None when neither the point nor a citation of it exists."""
    with Session(db) as session:
        row = session.scalar(
            select(BudgetPointRow)
            .join(BudgetAgreementRow)
            .where(BudgetAgreementRow.year == year, BudgetPointRow.point == point)
            .options(selectinload(BudgetPointRow.meeting_refs))
        )
        quotes: dict[str, str] = {}
        for uid, quote in session.execute(
            select(ItemRow.uid, BudgetRefRow.quote)
            .join(BudgetRefRow, BudgetRefRow.item_id == ItemRow.id)
            .where(BudgetRefRow.year == year, BudgetRefRow.point == point)
        ):
            quotes.setdefault(uid, quote)
        if row is None and not quotes:
            return None
        explicit = column_hits(session, ItemRow.uid.in_(list(quotes)))
        for hit in explicit:
            hit["quote"] = quotes[hit["id"]]
        suggested = []
        if row is not None:
            links = {
                uid: (score, evidence)
                for uid, score, evidence in session.execute(
                    select(ItemRow.uid, LinkRow.score, LinkRow.evidence)
                    .join(ItemRow, LinkRow.from_item_id == ItemRow.id)
                    .where(LinkRow.kind == suggested_kind, LinkRow.to_budget_point_id == row.id)
                )
            }
            suggested = column_hits(session, ItemRow.uid.in_(list(links)))
            for hit in suggested:
                hit["score"], hit["evidence"] = links[hit["id"]]
            suggested.sort(key=lambda h: -h["score"])
        return {
            "title": row.title if row is not None else None,
            "text": row.text if row is not None else None,
            "status": row.status if row is not None else None,
            "in_archive": row is not None,
            "meeting_refs": [
                {"body": r.body, "date": r.date.isoformat(), "item_number": r.item_number} for r in (row.meeting_refs if row is not None else [])
            ],
            "explicit": explicit,
            "suggested": suggested,
            "year_only": year_only_items(session, year),
        }


def year_only_items(session: Session, year: int) -> list[dict[str, Any]]:
    """HIT dicts of the items that cite the year's agreement as a whole, naming no point."""
    return column_hits(session, ItemRow.id.in_(select(BudgetRefRow.item_id).where(BudgetRefRow.year == year, BudgetRefRow.point.is_(None))))
