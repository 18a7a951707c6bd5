"""What the search index holds: one record per agenda item, budget point and document section,
built from the store (the index is derived and can always be rebuilt from it).

Everything `referat.index.search_index` asks of the store is here, as functions of the database
handle `db` that open their own sessions, so the index names no table and imports no SQLAlchemy:
`has_documents`, `document_count`, `stored_documents`, `records_for_documents`, `all_records`
(batches from one session: one consistent read of the store) and `load_records` (the records of
a page of hits when the index lives in the store's database).
"""

from __future__ import annotations

from datetime import date
from typing import Iterator

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, object_session, selectinload

from referat import store as S
from referat.index.records import BUDGET_POINT, DOCUMENT, ITEM, SearchRecord, point_uid, section_uid
from referat.model import DISSENT_KINDS

_DISSENT = tuple(kind.value for kind in DISSENT_KINDS)


def item_record(row: S.ItemRow) -> SearchRecord:
    meeting = row.meeting
    session = object_session(row)
    cited = _cited_points(session, [row.id]).get(row.id, []) if session is not None else []
    dissent = sorted({p.party for p in row.positions if p.party and p.kind in _DISSENT})
    return _item_record(
        row.uid, row.title, row.decision, row.outcome, row.case_number, row.number, meeting.committee, meeting.date,
        meeting.document.sha256, meeting.document.source, [(s.heading, s.text) for s in row.sections],
        [a.name for a in row.attachments], cited, tuple(dissent),
    )  # fmt: skip


def _cited_points(session: Session, item_ids: list[int]) -> dict[int, list[str]]:
    """The budget-agreement points these items cite, with their stored titles, as the words the
    index files with each item: a promise's own words then find the item that acts on it."""
    out: dict[int, list[str]] = {}
    for start in range(0, len(item_ids), 5000):
        for item_id, year, point, title in session.execute(
            select(S.BudgetRefRow.item_id, S.BudgetRefRow.year, S.BudgetRefRow.point, S.BudgetPointRow.title)
            .join(S.BudgetAgreementRow, S.BudgetAgreementRow.year == S.BudgetRefRow.year)
            .join(S.BudgetPointRow, (S.BudgetPointRow.agreement_id == S.BudgetAgreementRow.id) & (S.BudgetPointRow.point == S.BudgetRefRow.point))
            .where(S.BudgetRefRow.item_id.in_(item_ids[start : start + 5000]))
            .order_by(S.BudgetRefRow.item_id, S.BudgetRefRow.position)
        ):
            line = f"{CITED_POINT} {year}, punkt {point}: {title}"
            if line not in out.setdefault(item_id, []):
                out[item_id].append(line)
    return out


def _dissent(session: Session, item_ids: list[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, set[str]] = {}
    for start in range(0, len(item_ids), 5000):
        for item_id, party in session.execute(
            select(S.PositionRow.item_id, S.PositionRow.party)
            .where(S.PositionRow.item_id.in_(item_ids[start : start + 5000]), S.PositionRow.party.is_not(None), S.PositionRow.kind.in_(_DISSENT))
        ):
            out.setdefault(item_id, set()).add(party)
    return {item_id: tuple(sorted(parties)) for item_id, parties in out.items()}


# How an item's record says which agreement points it cites (the snippet shows it when the
# promise's words are what matched).
CITED_POINT = "Henviser til Aftale om budget"


def _item_record(
    uid: str, title: str, decision: str | None, outcome: str | None, case_number: str | None, number: int,
    committee: str, day: date, sha256: str, source: str, sections: list[tuple[str, str]], attachments: list[str],
    cited_points: list[str] = (), dissent: tuple[str, ...] = (),
) -> SearchRecord:  # fmt: skip
    """One item's record, from plain values: item objects and bulk column reads build the same."""
    body_parts = [f"{heading}\n{text}" if heading else text for heading, text in sections] + attachments
    body = "\n\n".join(p for p in body_parts if p)
    cited = "\n\n".join(cited_points)
    if cited:
        body, cited = (body + "\n\n" + cited if body else cited), ("\n\n" + cited if body else cited)
    return SearchRecord(
        uid=uid,
        kind=ITEM,
        title=title,
        decision=decision or "",
        body=body,
        cited=cited,
        committee=committee,
        date=day,
        outcome=outcome or "",
        case_number=case_number or "",
        document=sha256,
        dissent=dissent,
        extra={"item_number": number, "source": source, "summary": _summary(sections)},
    )


SUMMARY_HEADINGS = ("Sammendrag", "Resumé", "Resume", "Kort om sagen")
_SUMMARY_KEYS = {h.casefold() for h in SUMMARY_HEADINGS}


def _summary(sections: list[tuple[str, str]]) -> str:
    """What a hit shows when the words matched only its title: the Sammendrag, or the first text."""
    for heading, text in sections:
        if heading.casefold() in _SUMMARY_KEYS:
            return text
    return next((text for heading, text in sections if heading.casefold() != "tidligere behandling" and text), "")


def _item_records_bulk(session: Session, document_ids: list[int]) -> list[SearchRecord]:
    """The items of these documents as records, read as columns: a rebuild reads every item of
    the archive, and building ORM objects for them cost a third of the time."""
    items = session.execute(
        select(
            S.ItemRow.id, S.ItemRow.uid, S.ItemRow.title, S.ItemRow.decision, S.ItemRow.outcome, S.ItemRow.case_number,
            S.ItemRow.number, S.MeetingRow.committee, S.MeetingRow.date, S.DocumentRow.sha256, S.DocumentRow.source,
        )  # fmt: skip
        .join(S.MeetingRow, S.ItemRow.meeting_id == S.MeetingRow.id)
        .join(S.DocumentRow, S.MeetingRow.document_id == S.DocumentRow.id)
        .where(S.MeetingRow.document_id.in_(document_ids))
        .order_by(S.MeetingRow.id, S.ItemRow.position)
    ).all()
    ids = [row.id for row in items]
    sections: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    attachments: dict[int, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for item_id, heading, text in session.execute(
            select(S.SectionRow.item_id, S.SectionRow.heading, S.SectionRow.text)
            .where(S.SectionRow.item_id.in_(chunk))
            .order_by(S.SectionRow.item_id, S.SectionRow.position)
        ):
            sections[item_id].append((heading, text))
        for item_id, name in session.execute(
            select(S.AttachmentRow.item_id, S.AttachmentRow.name)
            .where(S.AttachmentRow.item_id.in_(chunk))
            .order_by(S.AttachmentRow.item_id, S.AttachmentRow.position)
        ):
            attachments[item_id].append(name)
    cited, dissent = _cited_points(session, ids), _dissent(session, ids)
    return [
        _item_record(r.uid, r.title, r.decision, r.outcome, r.case_number, r.number, r.committee, r.date, r.sha256, r.source,
                     sections[r.id], attachments[r.id], cited.get(r.id, []), dissent.get(r.id, ()))  # fmt: skip
        for r in items
    ]


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


def has_documents(db: Engine) -> bool:
    """Whether the store holds any document (a missing index over an empty archive needs no notice)."""
    with Session(db) as session:
        return session.scalar(select(S.DocumentRow.id).limit(1)) is not None


def document_count(db: Engine) -> int:
    with Session(db) as session:
        return session.scalar(select(func.count()).select_from(S.DocumentRow)) or 0


def stored_documents(db: Engine) -> dict[str, int]:
    """sha256 → id of every stored document (what an index in step with the store holds)."""
    with Session(db) as session:
        return dict(session.execute(select(S.DocumentRow.sha256, S.DocumentRow.id)).all())


def records_for_documents(db: Engine, document_ids: list[int], batch: int = 200) -> Iterator[list[SearchRecord]]:
    """Every record the given stored documents contribute, `batch` documents at a time, read in
    one session (a consistent view of the store); memory stays flat however many there are."""
    with Session(db) as session:
        yield from _batches(session, list(document_ids), batch)


def all_records(db: Engine, batch: int = 100) -> Iterator[list[SearchRecord]]:
    """The whole archive, in batches of documents, read in one session."""
    with Session(db) as session:
        ids = session.scalars(select(S.DocumentRow.id).order_by(S.DocumentRow.id)).all()
        yield from _batches(session, list(ids), batch)


def _batches(session: Session, document_ids: list[int], batch: int) -> Iterator[list[SearchRecord]]:
    for start in range(0, len(document_ids), batch):
        records = _records_of(session, document_ids[start : start + batch])
        session.expunge_all()
        yield records


def _records_of(session: Session, document_ids: list[int]) -> list[SearchRecord]:
    out: list[SearchRecord] = []
    if not document_ids:
        return out
    docs = session.scalars(
        select(S.DocumentRow)
        .where(S.DocumentRow.id.in_(document_ids))
        .options(selectinload(S.DocumentRow.sections), selectinload(S.DocumentRow.budget_agreement).selectinload(S.BudgetAgreementRow.points))
    ).all()
    out.extend(_item_records_bulk(session, document_ids))
    for doc in docs:
        if doc.budget_agreement is not None:
            out.extend(point_records(doc.budget_agreement, doc))
        out.extend(section_records(doc))
    return out


def load_records(db: Engine, uids: list[str]) -> dict[str, SearchRecord]:
    """Records by uid, for the hits of one page."""
    out: dict[str, SearchRecord] = {}
    with Session(db) as session:
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


def documents_citing_agreements(db: Engine, document_ids: list[int]) -> list[int]:
    """The other documents whose items cite a year of an agreement among these documents: their
    records file the cited points' titles, so a newly stored agreement makes them due again."""
    if not document_ids:
        return []
    with Session(db) as session:
        years = select(S.BudgetAgreementRow.year).where(S.BudgetAgreementRow.document_id.in_(document_ids))
        return sorted(set(session.scalars(
            select(S.MeetingRow.document_id)
            .join(S.ItemRow, S.ItemRow.meeting_id == S.MeetingRow.id)
            .join(S.BudgetRefRow, S.BudgetRefRow.item_id == S.ItemRow.id)
            .where(S.BudgetRefRow.year.in_(years), S.BudgetRefRow.point.is_not(None))
        )) - set(document_ids))  # fmt: skip
