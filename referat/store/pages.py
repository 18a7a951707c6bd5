"""What the pages of the web interface show besides search hits, cases and budget points: meetings
with attendance, an item's resolved earlier treatments and citations, the budget years, the
originals, and the front page's overview (read through `Archive`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased, selectinload

from referat.store import schema as S


def _meeting_dict(meeting: S.MeetingRow) -> dict[str, Any]:
    return {
        "committee": meeting.committee,
        "committee_slug": meeting.committee_slug,
        "date": meeting.date,
        "start_time": meeting.start_time,
        "location": meeting.location,
        "kind": meeting.kind,
        "participants": [
            {"name": p.name, "party": p.party, "role": p.role, "present": p.present} for p in meeting.participants
        ],
        "sha256": meeting.document.sha256,
        "source": meeting.document.source,
    }


def item_context(db: Engine, uid: str) -> dict[str, Any] | None:
    """The meeting an item belongs to (with attendance), its earlier treatments with the uid of the
    stored item each resolves to (or None), and the items that cite it as an earlier treatment."""
    with Session(db) as session:
        item = session.scalar(
            select(S.ItemRow)
            .where(S.ItemRow.uid == uid)
            .options(selectinload(S.ItemRow.meeting).selectinload(S.MeetingRow.participants),
                     selectinload(S.ItemRow.meeting).selectinload(S.MeetingRow.document))  # fmt: skip
        )
        if item is None:
            return None
        target = aliased(S.ItemRow)
        treatments = [
            {"body": t.body, "date": t.date, "item_number": t.item_number, "uid": resolved}
            for t, resolved in session.execute(
                select(S.TreatmentRow, target.uid)
                .outerjoin(target, S.TreatmentRow.resolved_item_id == target.id)
                .where(S.TreatmentRow.item_id == item.id)
                .order_by(S.TreatmentRow.position)
            )
        ]
        cited_by = [
            {"uid": uid_, "title": title, "committee": committee, "date": day, "item_number": number}
            for uid_, title, committee, day, number in session.execute(
                select(S.ItemRow.uid, S.ItemRow.title, S.MeetingRow.committee, S.MeetingRow.date, S.ItemRow.number)
                .join(S.TreatmentRow, S.TreatmentRow.item_id == S.ItemRow.id)
                .join(S.MeetingRow, S.ItemRow.meeting_id == S.MeetingRow.id)
                .where(S.TreatmentRow.resolved_item_id == item.id)
                .order_by(S.MeetingRow.date)
            ).unique()
        ]
        return {"meeting": _meeting_dict(item.meeting), "treatments": treatments, "cited_by": cited_by}


def meeting(db: Engine, committee_slug: str, day: date) -> dict[str, Any] | None:
    """A meeting (attendance, place, document) and its items in agenda order, or None."""
    with Session(db) as session:
        row = session.scalar(
            select(S.MeetingRow)
            .where(S.MeetingRow.committee_slug == committee_slug, S.MeetingRow.date == day)
            .order_by(S.MeetingRow.kind.desc())  # minutes before an agenda, should both exist
            .options(selectinload(S.MeetingRow.participants), selectinload(S.MeetingRow.document),
                     selectinload(S.MeetingRow.items))  # fmt: skip
        )
        if row is None:
            return None
        out = _meeting_dict(row)
        out["items"] = [
            {"uid": i.uid, "number": i.number, "title": i.title, "case_number": i.case_number, "outcome": i.outcome,
             "decision": i.decision, "supplementary": i.supplementary, "closed": i.closed}
            for i in row.items
        ]  # fmt: skip
        return out


def budget_years(db: Engine) -> list[dict[str, Any]]:
    """Every year with a stored agreement or a citation: points in the agreement, citing items."""
    with Session(db) as session:
        points = dict(
            session.execute(
                select(S.BudgetAgreementRow.year, func.count(S.BudgetPointRow.id))
                .outerjoin(S.BudgetPointRow, S.BudgetPointRow.agreement_id == S.BudgetAgreementRow.id)
                .group_by(S.BudgetAgreementRow.year)
            ).all()
        )
        cites = dict(
            session.execute(
                select(S.BudgetRefRow.year, func.count(func.distinct(S.BudgetRefRow.item_id))).group_by(S.BudgetRefRow.year)
            ).all()
        )
    years = sorted(set(points) | set(cites), reverse=True)
    return [{"year": y, "in_archive": y in points, "points": points.get(y, 0), "citing_items": cites.get(y, 0)} for y in years]


def document_file(db: Engine, sha256: str) -> dict[str, Any] | None:
    """Where an original is kept and what it is: raw path (relative to the data folder), type, source."""
    with Session(db) as session:
        row = session.execute(
            select(S.DocumentRow.raw_path, S.DocumentRow.content_type, S.DocumentRow.source, S.DocumentRow.title).where(
                S.DocumentRow.sha256 == sha256
            )
        ).first()
    if row is None:
        return None
    return {"raw_path": row.raw_path, "content_type": row.content_type, "source": row.source, "title": row.title}


def recent_meetings(db: Engine, limit: int = 8) -> list[dict[str, Any]]:
    """The latest meetings, for the front page (the meetings first, then their item counts)."""
    with Session(db) as session:
        latest = session.execute(
            select(S.MeetingRow.id, S.MeetingRow.committee, S.MeetingRow.committee_slug, S.MeetingRow.date)
            .order_by(S.MeetingRow.date.desc(), S.MeetingRow.committee)
            .limit(limit)
        ).all()
        counts = dict(
            session.execute(
                select(S.ItemRow.meeting_id, func.count()).where(S.ItemRow.meeting_id.in_([m.id for m in latest])).group_by(S.ItemRow.meeting_id)
            ).all()
        )
    return [{"committee": m.committee, "committee_slug": m.committee_slug, "date": m.date, "items": counts.get(m.id, 0)} for m in latest]


def overview(db: Engine) -> dict[str, Any]:
    """What the front page says about the archive: items, meetings, first and last meeting date."""
    with Session(db) as session:
        items = session.scalar(select(func.count()).select_from(S.ItemRow)) or 0
        meetings, first, last = session.execute(select(func.count(), func.min(S.MeetingRow.date), func.max(S.MeetingRow.date))).one()
    return {"items": items, "meetings": meetings, "from": first, "to": last}


def parties(db: Engine, dissent_kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every party letter the archive knows, from attendance and positions: members seen, items
    it dissented on."""
    with Session(db) as session:
        members = dict(session.execute(
            select(S.ParticipantRow.party, func.count(func.distinct(S.ParticipantRow.name)))
            .where(S.ParticipantRow.party.is_not(None)).group_by(S.ParticipantRow.party)
        ).all())  # fmt: skip
        dissent = dict(session.execute(
            select(S.PositionRow.party, func.count(func.distinct(S.PositionRow.item_id)))
            .where(S.PositionRow.party.is_not(None), S.PositionRow.kind.in_(dissent_kinds)).group_by(S.PositionRow.party)
        ).all())  # fmt: skip
    return [{"party": p, "members": members.get(p, 0), "dissent_items": dissent.get(p, 0)} for p in sorted(set(members) | set(dissent))]


def party_dissent(db: Engine, party: str, dissent_kinds: tuple[str, ...], limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(how many items the party dissented on, a page of them newest first with its positions)."""
    with Session(db) as session:
        where = (S.PositionRow.party == party, S.PositionRow.kind.in_(dissent_kinds))
        total = session.scalar(select(func.count(func.distinct(S.PositionRow.item_id))).where(*where)) or 0
        ids = select(S.PositionRow.item_id).where(*where).distinct().scalar_subquery()
        rows = session.execute(
            select(S.ItemRow.id, S.ItemRow.uid, S.ItemRow.number, S.ItemRow.title, S.ItemRow.case_number, S.ItemRow.outcome,
                   S.MeetingRow.committee, S.MeetingRow.committee_slug, S.MeetingRow.date)
            .join(S.MeetingRow, S.ItemRow.meeting_id == S.MeetingRow.id)
            .where(S.ItemRow.id.in_(ids))
            .order_by(S.MeetingRow.date.desc().nulls_last(), S.ItemRow.position)
            .limit(limit).offset(offset)
        ).all()  # fmt: skip
        positions: dict[int, list[dict[str, Any]]] = {r.id: [] for r in rows}
        for p in session.scalars(select(S.PositionRow).where(S.PositionRow.item_id.in_(list(positions)), *where)
                                 .order_by(S.PositionRow.item_id, S.PositionRow.position)):  # fmt: skip
            positions[p.item_id].append({"kind": p.kind, "party": p.party, "name": p.person, "quote": p.quote})
    return total, [
        {"id": r.uid, "item_number": r.number, "title": r.title, "case_number": r.case_number, "outcome": r.outcome,
         "committee": r.committee, "committee_slug": r.committee_slug, "meeting_date": r.date.isoformat() if r.date else None,
         "positions": positions[r.id]}  # fmt: skip
        for r in rows
    ]


def attendance(db: Engine, party: str | None = None) -> list[dict[str, Any]]:
    """Per member (and party): meetings present, absent, and with no attendance recorded, from the
    parsed attendance of minutes (agendas say nothing about who came)."""
    with Session(db) as session:
        query = (
            select(S.ParticipantRow.name, S.ParticipantRow.party, S.ParticipantRow.present, func.count(func.distinct(S.ParticipantRow.meeting_id)))
            .join(S.MeetingRow, S.ParticipantRow.meeting_id == S.MeetingRow.id)
            .where(S.MeetingRow.kind == "minutes")
            .group_by(S.ParticipantRow.name, S.ParticipantRow.party, S.ParticipantRow.present)
        )
        if party is not None:
            query = query.where(S.ParticipantRow.party == party)
        people: dict[tuple[str, str | None], dict[str, Any]] = {}
        for name, member_party, present, n in session.execute(query):
            person = people.setdefault((name, member_party), {"name": name, "party": member_party, "present": 0, "absent": 0, "unknown": 0})
            person["present" if present else "unknown" if present is None else "absent"] += n
    return sorted(people.values(), key=lambda p: (p["party"] or "~", p["name"]))
