"""The queries behind case look-ups and case histories (`referat.links.cases`): items under a case
number or KLE prefix, and the walk along resolved earlier treatments that makes a history."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from referat.store.documents import case_prefix_filter
from referat.store.records import SUMMARY_HEADINGS, item_record
from referat.store.schema import DocumentRow, ItemRow, LinkRow, MeetingRow, SectionRow, TreatmentRow, case_key

_LOADS = (
    selectinload(ItemRow.sections),
    selectinload(ItemRow.attachments),
    selectinload(ItemRow.meeting).selectinload(MeetingRow.document),
)
# Bodies above the committees, in the order a case climbs.
_RANK = {"økonomiudvalget": 1, "kommunalbestyrelsen": 2, "byrådet": 2, "borgerrepræsentationen": 2}


def column_hits(session: Session, *where: Any) -> list[dict[str, Any]]:
    """HIT dicts of the items matching `where`, oldest first, read as columns (no item objects):
    listings may run to thousands of items. One query for the items with their meeting and
    document, one for their summaries (the snippet)."""
    rows = session.execute(
        select(
            ItemRow.id, ItemRow.uid, ItemRow.number, ItemRow.title, ItemRow.case_number, ItemRow.outcome,
            ItemRow.decision, ItemRow.position, MeetingRow.committee, MeetingRow.date, DocumentRow.source,
        )  # fmt: skip
        .join(MeetingRow, ItemRow.meeting_id == MeetingRow.id)
        .join(DocumentRow, MeetingRow.document_id == DocumentRow.id)
        .where(*where)
    ).all()
    summaries: dict[int, str] = {}
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 5000):
        for item_id, text in session.execute(
            select(SectionRow.item_id, SectionRow.text)
            .where(SectionRow.item_id.in_(ids[start : start + 5000]), SectionRow.heading.in_(SUMMARY_HEADINGS))
            .order_by(SectionRow.item_id, SectionRow.position)
        ):
            summaries.setdefault(item_id, text)
    rows = sorted({r.id: r for r in rows}.values(), key=lambda r: (r.date or date.min, _RANK.get(r.committee.casefold(), 0), r.committee, r.position))
    return [
        {
            "id": r.uid, "kind": "item", "meeting_date": r.date.isoformat() if r.date else None, "committee": r.committee,
            "item_number": r.number, "title": r.title, "case_number": r.case_number, "outcome": r.outcome,
            "decision": r.decision, "score": 0.0, "snippet": excerpt(summaries.get(r.id, "")), "source": r.source,
        }  # fmt: skip
        for r in rows
    ]


def excerpt(text: str, length: int = 220) -> str:
    """The opening of a text as a snippet (escaped, like search snippets)."""
    if len(text) <= length:
        return html.escape(text, quote=True)
    return html.escape(text[:length].rsplit(" ", 1)[0] + "…", quote=True)


def case_items(db: Engine, query: str, *, exact: bool) -> list[dict[str, Any]]:
    """HIT dicts of the items filed under a case number (`exact`) or a KLE prefix, oldest first."""
    where = ItemRow.case_key == case_key(query) if exact else case_prefix_filter(query, db.dialect.name)
    with Session(db) as session:
        return column_hits(session, where)


@dataclass
class CaseGraph:
    """What a history is made of: the items reached (in the order a case runs: date, then up the
    bodies), how each was reached, the treatments that name meetings not in the archive, and the
    evidence of links made by a fallback (renumbered items, misspelt committees)."""

    subject: Any  # the item the history starts from (uid, title, case_number)
    items: list[Any] = field(default_factory=list)  # records: uid, title, case_number, meeting, …
    via: dict[int, str] = field(default_factory=dict)
    unresolved: list[tuple[Any, str]] = field(default_factory=list)  # (treatment, uid of the citing item)
    fallback: dict[tuple[int, int], dict] = field(default_factory=dict)


def case_graph(db: Engine, subject: str, max_steps: int, previous_kind: str) -> CaseGraph | None:
    """Walk from an item id or a case number: items with the same case number, earlier treatments
    they cite (resolved), later items that cite them, and the same case number in other bodies
    (the route upward), up to `max_steps` items. None when the subject is neither."""
    with Session(db) as session:
        seeds, key = _resolve_subject(session, subject)
        if not seeds:
            return None
        via: dict[int, str] = {}
        rows: dict[int, ItemRow] = {}
        for row in seeds:
            rows[row.id] = row
            via[row.id] = "case_number" if row.case_key else "previous_treatment"
        frontier = list(rows)
        while frontier and len(rows) < max_steps:
            backward = session.execute(
                select(TreatmentRow.resolved_item_id).where(TreatmentRow.item_id.in_(frontier), TreatmentRow.resolved_item_id.is_not(None))
            ).scalars().all()  # fmt: skip
            forward = session.execute(select(TreatmentRow.item_id).where(TreatmentRow.resolved_item_id.in_(frontier))).scalars().all()
            found: list[tuple[int, str]] = [(i, "previous_treatment") for i in backward] + [(i, "referenced_by") for i in forward]
            new_ids = [i for i, _ in found if i not in rows]
            frontier = []
            if new_ids:
                loaded = session.scalars(select(ItemRow).where(ItemRow.id.in_(new_ids)).options(*_LOADS)).all()
                for row in loaded:
                    rows[row.id] = row
                    via[row.id] = next(v for i, v in found if i == row.id)
                    frontier.append(row.id)
                keys = {r.case_key for r in loaded if r.case_key and r.case_key != key}
                if keys:
                    for row in session.scalars(select(ItemRow).where(ItemRow.case_key.in_(keys)).options(*_LOADS)):
                        if row.id not in rows:
                            rows[row.id] = row
                            via[row.id] = "case_number"
                            frontier.append(row.id)
        ordered = sorted(rows.values(), key=lambda r: (r.meeting.date or date.min, _RANK.get(r.meeting.committee.casefold(), 0),
                                                       r.meeting.committee, r.position))  # fmt: skip
        unresolved = session.execute(
            select(TreatmentRow, ItemRow.uid)
            .join(ItemRow, TreatmentRow.item_id == ItemRow.id)
            .where(TreatmentRow.item_id.in_(list(rows)), TreatmentRow.resolved_item_id.is_(None))
            .order_by(TreatmentRow.date)
        ).all()
        fallback = {
            (link.from_item_id, link.to_item_id): link.evidence
            for link in session.scalars(select(LinkRow).where(LinkRow.kind == previous_kind, LinkRow.from_item_id.in_(list(rows))))
        }
        graph = CaseGraph(seeds[0], via=via, unresolved=[(t, uid) for t, uid in unresolved], fallback=fallback)
        graph.items = [(row.id, item_record(row)) for row in ordered]
        return graph


def _resolve_subject(session: Session, subject: str) -> tuple[list[ItemRow], str | None]:
    """Items a history starts from: an item id, or every item with a case number."""
    row = session.scalar(select(ItemRow).where(ItemRow.uid == subject).options(*_LOADS))
    if row is not None:
        if not row.case_key:
            return [row], None
        siblings = session.scalars(select(ItemRow).where(ItemRow.case_key == row.case_key, ItemRow.id != row.id).options(*_LOADS)).all()
        return [row, *siblings], row.case_key
    key = case_key(subject)
    rows = session.scalars(select(ItemRow).where(ItemRow.case_key == key).options(*_LOADS)).all()
    return list(rows), key if rows else None
