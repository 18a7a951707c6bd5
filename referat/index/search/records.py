"""What the search index holds: one record per agenda item, budget point and document section,
built from the store (the index is derived and can always be rebuilt from it)."""

from __future__ import annotations

from datetime import date
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from referat.index import store as S
from referat.index.search.record import BUDGET_POINT, DOCUMENT, ITEM, KINDS, SearchRecord, point_uid, section_uid  # noqa: F401

def item_record(row: S.ItemRow) -> SearchRecord:
    meeting = row.meeting
    body_parts = [f"{s.heading}\n{s.text}" if s.heading else s.text for s in row.sections]
    body_parts += [a.name for a in row.attachments]
    return SearchRecord(
        uid=row.uid,
        kind=ITEM,
        title=row.title,
        decision=row.decision or "",
        body="\n\n".join(p for p in body_parts if p),
        committee=meeting.committee,
        date=meeting.date,
        outcome=row.outcome or "",
        case_number=row.case_number or "",
        document=meeting.document.sha256,
        extra={"item_number": row.number, "source": meeting.document.source, "summary": _summary(row.sections)},
    )


def _summary(sections: list[S.SectionRow]) -> str:
    """What a hit shows when the words matched only its title: the Sammendrag, or the first text."""
    for section in sections:
        if section.heading.casefold() in ("sammendrag", "resumé", "resume", "kort om sagen"):
            return section.text
    return next((s.text for s in sections if s.heading.casefold() != "tidligere behandling" and s.text), "")


def point_records(agreement: S.BudgetAgreementRow, document: S.DocumentRow) -> list[SearchRecord]:
    return [
        SearchRecord(
            uid=point_uid(agreement.year, p.point),
            kind=BUDGET_POINT,
            title=f"{p.point}. {p.title}",
            decision=p.status or "",
            body=p.text or "",
            date=date(agreement.year, 1, 1),
            document=document.sha256,
            extra={"item_number": None, "source": document.source, "point": p.point, "year": agreement.year},
        )
        for p in agreement.points
    ]


def section_records(document: S.DocumentRow) -> list[SearchRecord]:
    when = document.ingested_at.date() if document.ingested_at else None
    return [
        SearchRecord(
            uid=section_uid(document.sha256, s.position),
            kind=DOCUMENT,
            title=" – ".join(p for p in (document.title or "", s.heading) if p) or document.source,
            body=s.text,
            date=when,
            document=document.sha256,
            extra={"item_number": None, "source": document.source},
        )
        for s in document.sections
    ]


_ITEM_LOADS = (
    selectinload(S.ItemRow.sections),
    selectinload(S.ItemRow.attachments),
    selectinload(S.ItemRow.meeting).selectinload(S.MeetingRow.document),
)


def records_for_documents(session: Session, document_ids: list[int]) -> list[SearchRecord]:
    """Every record the given stored documents contribute."""
    out: list[SearchRecord] = []
    if not document_ids:
        return out
    docs = session.scalars(
        select(S.DocumentRow)
        .where(S.DocumentRow.id.in_(document_ids))
        .options(selectinload(S.DocumentRow.sections), selectinload(S.DocumentRow.budget_agreement).selectinload(S.BudgetAgreementRow.points))
    ).all()
    items = session.scalars(
        select(S.ItemRow).join(S.MeetingRow).where(S.MeetingRow.document_id.in_(document_ids)).options(*_ITEM_LOADS)
    ).all()
    out.extend(item_record(i) for i in items)
    for doc in docs:
        if doc.budget_agreement is not None:
            out.extend(point_records(doc.budget_agreement, doc))
        out.extend(section_records(doc))
    return out


def all_records(session: Session, batch: int = 500) -> Iterator[list[SearchRecord]]:
    """The whole archive, in batches of documents (memory stays flat at any archive size)."""
    ids = session.scalars(select(S.DocumentRow.id).order_by(S.DocumentRow.id)).all()
    for start in range(0, len(ids), batch):
        records = records_for_documents(session, list(ids[start : start + batch]))
        session.expunge_all()
        yield records


def load_records(session: Session, uids: list[str]) -> dict[str, SearchRecord]:
    """Records by uid, for the hits of one page."""
    out: dict[str, SearchRecord] = {}
    item_uids = [u for u in uids if not u.startswith(("budget-", "doc-"))]
    if item_uids:
        for row in session.scalars(select(S.ItemRow).where(S.ItemRow.uid.in_(item_uids)).options(*_ITEM_LOADS)):
            out[row.uid] = item_record(row)
    for uid in uids:
        if uid.startswith("budget-"):
            _, year, point = uid.split("-", 2)
            agreement = session.scalars(
                select(S.BudgetAgreementRow)
                .where(S.BudgetAgreementRow.year == int(year))
                .options(selectinload(S.BudgetAgreementRow.points))
            ).first()
            if agreement is not None:
                doc = session.get(S.DocumentRow, agreement.document_id)
                for record in point_records(agreement, doc):
                    if record.uid == uid:
                        out[uid] = record
        elif uid.startswith("doc-"):
            _, prefix, position = uid.split("-", 2)
            doc = session.scalars(
                select(S.DocumentRow).where(S.DocumentRow.sha256.startswith(prefix)).options(selectinload(S.DocumentRow.sections))
            ).first()
            if doc is not None:
                for record in section_records(doc):
                    if record.uid == uid:
                        out[uid] = record
    return out
