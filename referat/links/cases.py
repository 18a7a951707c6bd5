"""Case look-up and case histories (sagsforløb): what the store and its links say about one case.

- `case_lookup("15.00.00-P05")`: every item filed under a number or KLE prefix, oldest first.
- `case_history("15.00.00-P05-4-20" or an item id)`: the case's life as steps across meetings and
  bodies: items with the same case number, earlier treatments they cite (resolved), later items
  that cite them, and therefore the route upward (committee → Økonomiudvalget →
  Kommunalbestyrelsen). Each step says `via` what linked it; treatments whose meeting is not in
  the archive are listed as unresolved.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from referat import store as S
from referat.links.build import PREVIOUS
from referat.store.records import SUMMARY_HEADINGS, item_record
from referat.index.search import hit_dict
from referat.parsers.casenumbers import decompose
from referat.parsers.dates import danish_date

MAX_STEPS = 500  # a history is a page, not the archive

_LOADS = (
    selectinload(S.ItemRow.sections),
    selectinload(S.ItemRow.attachments),
    selectinload(S.ItemRow.meeting).selectinload(S.MeetingRow.document),
)
# Bodies above the committees, in the order a case climbs.
_RANK = {"økonomiudvalget": 1, "kommunalbestyrelsen": 2, "byrådet": 2, "borgerrepræsentationen": 2}


def item_hit(row: S.ItemRow) -> dict[str, Any]:
    record = item_record(row)
    return hit_dict(record, 0.0, _excerpt(record.extra.get("summary") or record.body))


def _sorted_rows(rows: list[S.ItemRow]) -> list[S.ItemRow]:
    return sorted(rows, key=lambda r: (r.meeting.date or date.min, _RANK.get(r.meeting.committee.casefold(), 0), r.meeting.committee, r.position))




def column_hits(session: Session, *where: Any) -> list[dict[str, Any]]:
    """HIT dicts of the items matching `where`, oldest first, read as columns (no item objects):
    listings may run to thousands of items. One query for the items with their meeting and
    document, one for their summaries (the snippet)."""
    rows = session.execute(
        select(
            S.ItemRow.id, S.ItemRow.uid, S.ItemRow.number, S.ItemRow.title, S.ItemRow.case_number, S.ItemRow.outcome,
            S.ItemRow.decision, S.ItemRow.position, S.MeetingRow.committee, S.MeetingRow.date, S.DocumentRow.source,
        )  # fmt: skip
        .join(S.MeetingRow, S.ItemRow.meeting_id == S.MeetingRow.id)
        .join(S.DocumentRow, S.MeetingRow.document_id == S.DocumentRow.id)
        .where(*where)
    ).all()
    summaries: dict[int, str] = {}
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 5000):
        for item_id, text in session.execute(
            select(S.SectionRow.item_id, S.SectionRow.text)
            .where(S.SectionRow.item_id.in_(ids[start : start + 5000]), S.SectionRow.heading.in_(SUMMARY_HEADINGS))
            .order_by(S.SectionRow.item_id, S.SectionRow.position)
        ):
            summaries.setdefault(item_id, text)
    rows = sorted({r.id: r for r in rows}.values(), key=lambda r: (r.date, _RANK.get(r.committee.casefold(), 0), r.committee, r.position))
    return [
        {
            "id": r.uid, "kind": "item", "meeting_date": r.date.isoformat() if r.date else None, "committee": r.committee,
            "item_number": r.number, "title": r.title, "case_number": r.case_number, "outcome": r.outcome,
            "decision": r.decision, "score": 0.0, "snippet": _excerpt(summaries.get(r.id, "")), "source": r.source,
        }  # fmt: skip
        for r in rows
    ]


def case_lookup(db, query: str) -> dict[str, Any]:
    """The contract's `case` JSON: the KLE parts of the number and every item under it, oldest first."""
    kle = decompose(query)
    full = kle is not None and kle.year is not None
    where = S.ItemRow.case_key == S.case_key(query) if full else S.case_prefix_filter(query, db.dialect.name)
    with Session(db) as session:
        items = column_hits(session, where)
    return {"query": query, "kle": kle.to_dict() if kle else None, "items": items}


def _excerpt(text: str, length: int = 220) -> str:
    """The opening of a text as a snippet (escaped, like search snippets)."""
    if len(text) <= length:
        return html.escape(text, quote=True)
    return html.escape(text[:length].rsplit(" ", 1)[0] + "…", quote=True)


def _resolve_subject(session: Session, subject: str) -> tuple[list[S.ItemRow], str | None]:
    """Items a history starts from: an item id, or every item with a case number."""
    row = session.scalar(select(S.ItemRow).where(S.ItemRow.uid == subject).options(*_LOADS))
    if row is not None:
        if not row.case_key:
            return [row], None
        siblings = session.scalars(select(S.ItemRow).where(S.ItemRow.case_key == row.case_key, S.ItemRow.id != row.id).options(*_LOADS)).all()
        return [row, *siblings], row.case_key
    key = S.case_key(subject)
    rows = session.scalars(select(S.ItemRow).where(S.ItemRow.case_key == key).options(*_LOADS)).all()
    return list(rows), key if rows else None


def case_history(db, subject: str) -> dict[str, Any] | None:
    """The contract's `history` JSON, or None when neither an item id nor a stored case number
    (a blank subject included: its case key would match every item without a case number)."""
    if not subject.strip():
        return None
    with Session(db) as session:
        seeds, case_key = _resolve_subject(session, subject)
        if not seeds:
            return None
        via: dict[int, str] = {}
        rows: dict[int, S.ItemRow] = {}
        for row in seeds:
            rows[row.id] = row
            via[row.id] = "case_number" if row.case_key else "previous_treatment"
        frontier = list(rows)
        while frontier and len(rows) < MAX_STEPS:
            # Earlier treatments the items cite, and later items that cite them.
            backward = session.execute(
                select(S.TreatmentRow.resolved_item_id).where(S.TreatmentRow.item_id.in_(frontier), S.TreatmentRow.resolved_item_id.is_not(None))
            ).scalars().all()  # fmt: skip
            forward = session.execute(
                select(S.TreatmentRow.item_id).where(S.TreatmentRow.resolved_item_id.in_(frontier))
            ).scalars().all()  # fmt: skip
            found: list[tuple[int, str]] = [(i, "previous_treatment") for i in backward] + [(i, "referenced_by") for i in forward]
            new_ids = [i for i, _ in found if i not in rows]
            frontier = []
            if new_ids:
                loaded = session.scalars(select(S.ItemRow).where(S.ItemRow.id.in_(new_ids)).options(*_LOADS)).all()
                for row in loaded:
                    rows[row.id] = row
                    via[row.id] = next(v for i, v in found if i == row.id)
                    frontier.append(row.id)
                # The route upward: the same case number in other bodies joins the history too.
                keys = {r.case_key for r in loaded if r.case_key and r.case_key != case_key}
                if keys:
                    for row in session.scalars(select(S.ItemRow).where(S.ItemRow.case_key.in_(keys)).options(*_LOADS)):
                        if row.id not in rows:
                            rows[row.id] = row
                            via[row.id] = "case_number"
                            frontier.append(row.id)
        ordered = _sorted_rows(list(rows.values()))
        unresolved = session.execute(
            select(S.TreatmentRow, S.ItemRow.uid)
            .join(S.ItemRow, S.TreatmentRow.item_id == S.ItemRow.id)
            .where(S.TreatmentRow.item_id.in_(list(rows)), S.TreatmentRow.resolved_item_id.is_(None))
            .order_by(S.TreatmentRow.date)
        ).all()
        fallback = {
            (link.from_item_id, link.to_item_id): link.evidence
            for link in session.scalars(select(S.LinkRow).where(S.LinkRow.kind == PREVIOUS, S.LinkRow.from_item_id.in_(list(rows))))
        }
        steps = []
        for row in ordered:
            hit = item_hit(row)
            step = {k: hit[k] for k in ("id", "meeting_date", "committee", "item_number", "title", "case_number", "outcome", "decision")}
            step["via"] = via[row.id]
            notes = [e for (a, b), e in fallback.items() if b == row.id and e and ("renumbered" in e or "committee_matched" in e)]
            if notes:
                step["evidence"] = notes
            steps.append(step)
        subject_row = seeds[0]
        return {
            "subject": subject,
            "case_number": subject_row.case_number,
            "title": subject_row.title,
            "steps": steps,
            "unresolved": [
                {"body": t.body, "date": t.date.isoformat(), "item_number": t.item_number, "cited_by": uid, "in_archive": False}
                for t, uid in unresolved
            ],
        }


__all__ = ["case_lookup", "case_history", "item_hit"]
