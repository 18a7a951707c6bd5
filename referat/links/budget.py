"""Budget-agreement tracking: a point of "Aftale om budget YYYY" and what became of it.

`budget_point(2019, "5.3")` gives the point's text and status and three lists of items:
`explicit` (their text names the point; the quote shows where), `suggested` (they deal with the
point's subject without naming it; score and evidence come from the stored `budget_suggested`
links), and `year_only` (they cite the year's agreement as a whole). A point cited by items but
whose agreement is not in the archive still answers with its explicit items.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from referat import store as S
from referat.links.cases import column_hits
from referat.links.build import SUGGESTED
from referat.settings import BUDGET_YEARS


def _point_key(point: str) -> tuple[int, ...]:
    return tuple(int(p) for p in point.split("."))


def budget_overview(db, year: int) -> dict[str, Any] | None:
    """The year's points with how many items cite each (explicit) and relate to each (suggested);
    None for a year outside `BUDGET_YEARS` (never a query: such years once overflowed SQLite)."""
    if year not in BUDGET_YEARS:
        return None
    with Session(db) as session:
        agreement = session.scalar(
            select(S.BudgetAgreementRow).where(S.BudgetAgreementRow.year == year).options(selectinload(S.BudgetAgreementRow.points))
        )
        explicit = Counter(
            p for (p,) in session.execute(select(S.BudgetRefRow.point).where(S.BudgetRefRow.year == year, S.BudgetRefRow.point.is_not(None)))
        )
        year_only = session.scalar(select(func.count()).select_from(S.BudgetRefRow).where(S.BudgetRefRow.year == year, S.BudgetRefRow.point.is_(None))) or 0
        suggested: Counter = Counter()
        points = []
        if agreement is not None:
            for pid, n in session.execute(
                select(S.LinkRow.to_budget_point_id, func.count()).where(
                    S.LinkRow.kind == SUGGESTED, S.LinkRow.to_budget_point_id.in_([p.id for p in agreement.points])
                ).group_by(S.LinkRow.to_budget_point_id)
            ):
                suggested[pid] = n
            for p in agreement.points:
                points.append({"point": p.point, "title": p.title, "status": p.status, "explicit": explicit.get(p.point, 0),
                               "suggested": suggested.get(p.id, 0)})  # fmt: skip
        known = {p["point"] for p in points}
        for point, n in explicit.items():  # cited, but not in a stored agreement
            if point not in known:
                points.append({"point": point, "title": None, "status": None, "explicit": n, "suggested": 0})
        points.sort(key=lambda p: _point_key(p["point"]))
        return {"year": year, "in_archive": agreement is not None, "points": points, "year_only": year_only}


def budget_point(db, year: int, point: str) -> dict[str, Any] | None:
    """The contract's `budget YEAR POINT` JSON, or None when neither the point nor a citation exists."""
    if year not in BUDGET_YEARS:
        return None
    with Session(db) as session:
        row = session.scalar(
            select(S.BudgetPointRow)
            .join(S.BudgetAgreementRow)
            .where(S.BudgetAgreementRow.year == year, S.BudgetPointRow.point == point)
            .options(selectinload(S.BudgetPointRow.meeting_refs))
        )
        quotes: dict[str, str] = {}
        for uid, quote in session.execute(
            select(S.ItemRow.uid, S.BudgetRefRow.quote)
            .join(S.BudgetRefRow, S.BudgetRefRow.item_id == S.ItemRow.id)
            .where(S.BudgetRefRow.year == year, S.BudgetRefRow.point == point)
        ):
            quotes.setdefault(uid, quote)
        if row is None and not quotes:
            return None
        explicit = column_hits(session, S.ItemRow.uid.in_(list(quotes)))
        for hit in explicit:
            hit["quote"] = quotes[hit["id"]]
        suggested = []
        if row is not None:
            links = {
                uid: (score, evidence)
                for uid, score, evidence in session.execute(
                    select(S.ItemRow.uid, S.LinkRow.score, S.LinkRow.evidence)
                    .join(S.ItemRow, S.LinkRow.from_item_id == S.ItemRow.id)
                    .where(S.LinkRow.kind == SUGGESTED, S.LinkRow.to_budget_point_id == row.id)
                )
            }
            suggested = column_hits(session, S.ItemRow.uid.in_(list(links)))
            for hit in suggested:
                hit["score"], hit["evidence"] = links[hit["id"]]
            suggested.sort(key=lambda h: -h["score"])
        year_only = column_hits(
            session,
            S.ItemRow.id.in_(select(S.BudgetRefRow.item_id).where(S.BudgetRefRow.year == year, S.BudgetRefRow.point.is_(None))),
        )
        return {
            "year": year,
            "point": point,
            "title": row.title if row is not None else None,
            "text": row.text if row is not None else None,
            "status": row.status if row is not None else None,
            "in_archive": row is not None,
            "meeting_refs": [
                {"body": r.body, "date": r.date.isoformat(), "item_number": r.item_number} for r in (row.meeting_refs if row is not None else [])
            ],
            "explicit": explicit,
            "suggested": suggested,
            "year_only": year_only,
        }
