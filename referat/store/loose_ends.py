"""The queries behind loose ends (`referat.links.loose_ends`): budget points nothing is linked to,
postponed or returned items that never came back, and earlier treatments the archive lacks."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from referat.parsers.committees import canonical_committee
from referat.store.schema import BudgetAgreementRow, BudgetPointRow, BudgetRefRow, ItemRow, LinkRow, MeetingRow, TreatmentRow


def unlinked_points(db: Engine, year: int | None) -> list[dict[str, Any]]:
    """Points of stored agreements (of one year) that no item cites and none deals with. The same
    agreement stored as text, PDF and web page is one agreement here: a point counts as followed
    up when any of its copies has a link."""
    query = (
        select(BudgetPointRow.id, BudgetAgreementRow.year, BudgetPointRow.point, BudgetPointRow.title, BudgetPointRow.status)
        .join(BudgetAgreementRow, BudgetPointRow.agreement_id == BudgetAgreementRow.id)
        .order_by(BudgetAgreementRow.year, BudgetPointRow.position)
    )
    if year is not None:
        query = query.where(BudgetAgreementRow.year == year)
    with Session(db) as session:
        points = session.execute(query).all()
        linked = set(session.scalars(select(LinkRow.to_budget_point_id).where(LinkRow.to_budget_point_id.is_not(None)).distinct()))
        cited = {(y, p) for y, p in session.execute(select(BudgetRefRow.year, BudgetRefRow.point).where(BudgetRefRow.point.is_not(None)).distinct())}
    followed = {(y, p) for pid, y, p, _, _ in points if pid in linked} | cited
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for _, y, p, title, status in points:
        if (y, p) not in followed:
            out.setdefault((y, p), {"year": y, "point": p, "title": title, "status": status})
    return list(out.values())


def items_not_back(db: Engine, outcomes: tuple[str, ...], before: date, year: int | None, committee: str | None) -> list[dict[str, Any]]:
    """Items with one of `outcomes` (postponed, sent back) at a meeting before `before` that nothing
    later took up again: no later item under the same case number, no item citing it as an
    earlier treatment. Oldest first."""
    later = aliased(ItemRow)
    later_meeting = aliased(MeetingRow)
    same_case_later = (
        exists()
        .where(later.case_key == ItemRow.case_key, later.id != ItemRow.id, later.meeting_id == later_meeting.id)
        .where(or_(later_meeting.date > MeetingRow.date, and_(later_meeting.date == MeetingRow.date, later_meeting.id != MeetingRow.id)))
    )
    cited = exists().where(TreatmentRow.resolved_item_id == ItemRow.id)
    query = (
        select(ItemRow.uid, ItemRow.number, ItemRow.title, ItemRow.case_number, ItemRow.outcome, ItemRow.decision,
               MeetingRow.committee, MeetingRow.date)  # fmt: skip
        .join(MeetingRow, ItemRow.meeting_id == MeetingRow.id)
        .where(ItemRow.outcome.in_(outcomes), MeetingRow.date < before, ~cited)
        .where(or_(ItemRow.case_key.is_(None), ~same_case_later))
        .order_by(MeetingRow.date, MeetingRow.committee, ItemRow.position)
    )
    if year is not None:
        query = query.where(MeetingRow.date >= date(year, 1, 1), MeetingRow.date <= date(year, 12, 31))
    if committee:
        query = query.where(MeetingRow.committee == canonical_committee(committee))
    with Session(db) as session:
        return [
            {"id": uid, "item_number": number, "title": title, "case_number": case, "outcome": outcome, "decision": decision,
             "committee": body, "meeting_date": day.isoformat()}  # fmt: skip
            for uid, number, title, case, outcome, decision, body, day in session.execute(query)
        ]


def missing_meetings(db: Engine, year: int | None, committee: str | None) -> list[dict[str, Any]]:
    """Meetings that earlier treatments name but the archive lacks: body, date and item number as
    printed, with the items that cite them; most cited first."""
    query = (
        select(TreatmentRow.body, TreatmentRow.date, TreatmentRow.item_number, ItemRow.uid, ItemRow.title)
        .join(ItemRow, TreatmentRow.item_id == ItemRow.id)
        .join(MeetingRow, ItemRow.meeting_id == MeetingRow.id)
        .where(TreatmentRow.resolved_item_id.is_(None))
        .order_by(TreatmentRow.date, TreatmentRow.body)
    )
    if year is not None:
        query = query.where(TreatmentRow.date >= date(year, 1, 1), TreatmentRow.date <= date(year, 12, 31))
    if committee:
        query = query.where(MeetingRow.committee == canonical_committee(committee))
    missing: dict[tuple[str, date, int | None], dict[str, Any]] = {}
    with Session(db) as session:
        for body, day, number, uid, title in session.execute(query):
            entry = missing.setdefault((body, day, number), {"body": body, "date": day.isoformat(), "item_number": number, "cited_by": []})
            if all(c["id"] != uid for c in entry["cited_by"]):
                entry["cited_by"].append({"id": uid, "title": title})
    return sorted(missing.values(), key=lambda e: (-len(e["cited_by"]), e["date"], e["body"]))
