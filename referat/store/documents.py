"""Writing and reading whole documents: dataclasses to rows in one transaction (with the rules in
`referat.store`), rows back to dataclasses, and the owed-work record written with them."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session, selectinload

from referat import faults, model
from referat.store.schema import *  # noqa: F403 - the tables
from referat.store.schema import _now, item_uid, slug, case_key

# --------------------------------------------------------------------------------------------
# Dataclasses → rows


@dataclass(frozen=True)
class Written:
    """What `write_document` stored: the document's id and whether it holds its meeting."""

    document_id: int
    meetings: int
    items: int


def write_document(
    session: Session,
    doc: model.Document,
    *,
    existing: DocumentRow | None = None,
    raw_path: str | None = None,
    content_type: str | None = None,
    size: int | None = None,
    fetched_at: datetime | None = None,
    parser_version: str | None = None,
) -> Written:
    """Store one parsed document; with `existing`, replace that row's parse results in place.

    The caller owns the transaction: nothing here commits, so a failure anywhere leaves nothing.
    Children are written with one multi-row INSERT per table (not object by object), which is
    what keeps ingest at thousands of items a second.
    """
    now = _now()
    if existing is None:
        row = DocumentRow(
            sha256=doc.sha256,
            source=doc.source,
            ingested_at=now,
            raw_path=raw_path,
            content_type=content_type,
            size=size,
            fetched_at=fetched_at,
        )
        session.add(row)
    else:
        row = existing
        _delete_children(session, row.id)
        row.superseded_by_id = None
    row.kind = doc.kind.value
    row.title = doc.title
    row.warnings = list(doc.warnings)
    row.parser_version = parser_version
    row.parsed_at = now
    session.flush()  # the row's id orders it against other documents of the same meeting

    meetings = items = 0
    if doc.meeting is not None:
        meeting_kind = "agenda" if doc.kind is model.DocumentKind.AGENDA else "minutes"
        if _claim_meeting(session, row, doc.meeting, meeting_kind):
            _insert_meeting(session, row.id, doc.meeting, meeting_kind)
            meetings, items = 1, len(doc.meeting.items)
    if doc.budget_agreement is not None:
        _insert_budget_agreement(session, row.id, doc.budget_agreement)
    if doc.sections:
        _insert_many(
            session,
            DocumentSectionRow,
            [{"document_id": row.id, "position": i, "heading": s.heading, "text": s.text} for i, s in enumerate(doc.sections)],
        )
    session.flush()
    session.expire(row, ["meeting", "budget_agreement", "sections"])
    return Written(row.id, meetings, items)


def _insert_many(session: Session, table: type[Base], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(table.__table__), rows)


def _insert_ids(session: Session, table: type[Base], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows and return their ids in the order given (children need them as foreign keys)."""
    if not rows:
        return []
    core = table.__table__
    statement = insert(core).returning(core.c.id, sort_by_parameter_order=True)
    return list(session.connection().execute(statement, rows).scalars())


def _delete_children(session: Session, document_id: int) -> None:
    """Everything hanging from a document, via the database's ON DELETE CASCADE."""
    session.execute(delete(MeetingRow).where(MeetingRow.document_id == document_id))
    session.execute(delete(BudgetAgreementRow).where(BudgetAgreementRow.document_id == document_id))
    session.execute(delete(DocumentSectionRow).where(DocumentSectionRow.document_id == document_id))


def delete_document(session: Session, row: DocumentRow) -> None:
    session.execute(delete(DocumentRow).where(DocumentRow.id == row.id))
    session.expunge(row)


def _claim_meeting(session: Session, row: DocumentRow, meeting: model.Meeting, kind: str) -> bool:
    """Decide whether this document holds its meeting's rows; evict the rows it supersedes.

    Minutes beat an agenda whatever the order; between equals the later-ingested document wins.
    """
    committee = slug(meeting.committee)
    if meeting.date is None:
        return True  # undated pages (one item each) are no versions of one another
    rivals = session.execute(
        select(MeetingRow.id, MeetingRow.kind, MeetingRow.document_id).where(
            MeetingRow.committee_slug == committee,
            MeetingRow.date == meeting.date,
            MeetingRow.document_id != row.id,
        )
    ).all()
    rank = {"agenda": 0, "minutes": 1}
    for _meeting_id, rival_kind, rival_doc in rivals:
        if (rank[rival_kind], rival_doc) > (rank[kind], row.id):
            row.superseded_by_id = rival_doc
            return False
    for meeting_id, _kind, rival_doc in rivals:
        session.execute(delete(MeetingRow).where(MeetingRow.id == meeting_id))
        session.execute(update(DocumentRow).where(DocumentRow.id == rival_doc).values(superseded_by_id=row.id))
    return True


def _insert_meeting(session: Session, document_id: int, m: model.Meeting, kind: str) -> None:
    committee = slug(m.committee)
    [meeting_id] = _insert_ids(
        session,
        MeetingRow,
        [
            {
                "document_id": document_id,
                "committee": m.committee,
                "committee_slug": committee,
                "date": m.date,
                "start_time": m.start_time,
                "location": m.location,
                "kind": kind,
            }
        ],
    )
    _insert_many(
        session,
        ParticipantRow,
        [
            {"meeting_id": meeting_id, "position": i, "name": p.name, "party": p.party, "role": p.role, "present": p.present}
            for i, p in enumerate(m.participants)
        ],
    )
    uids = _free_uids(session, committee, m.date, [i.number for i in m.items])
    item_ids = _insert_ids(
        session,
        ItemRow,
        [
            {
                "meeting_id": meeting_id,
                "uid": uid,
                "number": i.number,
                "position": position,
                "title": i.title,
                "case_number": i.case_number,
                "case_key": case_key(i.case_number),
                "supplementary": bool(i.supplementary),
                "closed": bool(i.closed),
                "recommendation": i.recommendation,
                "decision": i.decision,
                "outcome": i.outcome.value if i.outcome else None,
                "decided_by": i.decided_by,
                "votes_for": i.positions.votes_for,
                "votes_against": i.positions.votes_against,
                "votes_abstain": i.positions.votes_abstain,
            }
            for position, (i, uid) in enumerate(zip(m.items, uids))
        ],
    )
    pairs = list(zip(item_ids, m.items))
    _insert_many(
        session,
        SectionRow,
        [
            {"item_id": item_id, "position": n, "heading": s.heading, "text": s.text}
            for item_id, i in pairs
            for n, s in enumerate(i.sections)
        ],
    )
    _insert_many(
        session,
        AttachmentRow,
        [{"item_id": item_id, "position": n, "name": a} for item_id, i in pairs for n, a in enumerate(i.attachments)],
    )
    _insert_many(
        session,
        TreatmentRow,
        [
            {"item_id": item_id, "position": n, "body": t.body, "date": t.date, "item_number": t.item_number}
            for item_id, i in pairs
            for n, t in enumerate(i.previous_treatments)
        ],
    )
    _insert_many(
        session,
        BudgetRefRow,
        [
            {"item_id": item_id, "position": n, "year": r.year, "point": r.point, "quote": r.quote}
            for item_id, i in pairs
            for n, r in enumerate(i.budget_refs)
        ],
    )
    _insert_many(
        session,
        PositionRow,
        [
            {"item_id": item_id, "position": n, "kind": x.kind.value, "party": x.party, "person": x.name, "quote": x.quote}
            for item_id, i in pairs
            for n, x in enumerate(i.positions.positions)
        ],
    )


def _free_uids(session: Session, committee: str, meeting_date: date | None, numbers: list[int | None]) -> list[str]:
    """One uid per item: the plain form when free, else "-2", "-3", ... (duplicates, slug clashes)."""
    # Every uid starting with this committee and date belongs to a meeting with the same slug and
    # date, so the (indexed) meeting identity finds them all; a LIKE on uid would scan every item.
    taken = set(
        session.scalars(
            select(ItemRow.uid)
            .join(MeetingRow, ItemRow.meeting_id == MeetingRow.id)
            .where(MeetingRow.committee_slug == committee, MeetingRow.date.is_(None) if meeting_date is None else MeetingRow.date == meeting_date)
        )
    )
    out = []
    for number in numbers:
        uid = item_uid(committee, meeting_date, number)
        n = 1
        while uid in taken:
            n += 1
            uid = f"{item_uid(committee, meeting_date, number)}-{n}"
        taken.add(uid)
        out.append(uid)
    return out


def _insert_budget_agreement(session: Session, document_id: int, b: model.BudgetAgreement) -> None:
    [agreement_id] = _insert_ids(session, BudgetAgreementRow, [{"document_id": document_id, "year": b.year}])
    point_ids = _insert_ids(
        session,
        BudgetPointRow,
        [
            {"agreement_id": agreement_id, "position": n, "point": p.point, "title": p.title, "text": p.text, "status": p.status}
            for n, p in enumerate(b.points)
        ],
    )
    _insert_many(
        session,
        BudgetPointRefRow,
        [
            {"point_id": point_id, "position": n, "body": t.body, "date": t.date, "item_number": t.item_number}
            for point_id, p in zip(point_ids, b.points)
            for n, t in enumerate(p.meeting_refs)
        ],
    )


# --------------------------------------------------------------------------------------------
# Rows → dataclasses


def to_document(row: DocumentRow) -> model.Document:
    """The dataclass form of a stored document (what the parser produced, minus superseded meetings)."""
    doc = model.Document(
        kind=model.DocumentKind(row.kind),
        source=row.source,
        sha256=row.sha256,
        title=row.title,
        warnings=list(row.warnings or []),
    )
    if row.meeting is not None:
        doc.meeting = to_meeting(row.meeting)
    if (b := row.budget_agreement) is not None:
        doc.budget_agreement = model.BudgetAgreement(
            year=b.year,
            points=[
                model.BudgetPoint(
                    point=p.point,
                    title=p.title,
                    text=p.text,
                    status=p.status,
                    meeting_refs=[_treatment(t) for t in p.meeting_refs],
                )
                for p in b.points
            ],
        )
    if row.sections:
        doc.sections = [model.Section(heading=s.heading, text=s.text) for s in row.sections]
    elif row.kind == model.DocumentKind.DOCUMENT.value:
        doc.sections = []
    return doc


def to_meeting(m: MeetingRow) -> model.Meeting:
    return model.Meeting(
        committee=m.committee,
        date=m.date,
        start_time=m.start_time,
        location=m.location,
        participants=[
            model.Participant(name=p.name, party=p.party, role=p.role, present=p.present) for p in m.participants
        ],
        items=[to_item(i) for i in m.items],
    )


def to_item(i: ItemRow) -> model.AgendaItem:
    return model.AgendaItem(
        number=i.number,
        title=i.title,
        case_number=i.case_number,
        supplementary=i.supplementary,
        closed=i.closed,
        previous_treatments=[_treatment(t) for t in i.treatments],
        sections=[model.Section(heading=s.heading, text=s.text) for s in i.sections],
        recommendation=i.recommendation,
        decision=i.decision,
        outcome=model.Outcome(i.outcome) if i.outcome else None,
        decided_by=i.decided_by,
        attachments=[a.name for a in i.attachments],
        budget_refs=[model.BudgetRef(year=r.year, point=r.point, quote=r.quote) for r in i.budget_refs],
        positions=model.Positions(
            [model.Position(model.PositionKind(x.kind), x.party, x.person, x.quote) for x in i.positions],
            i.votes_for, i.votes_against, i.votes_abstain,
        ),
    )


def _treatment(t: TreatmentRow | BudgetPointRefRow) -> model.Treatment:
    return model.Treatment(body=t.body, date=t.date, item_number=t.item_number)


# --------------------------------------------------------------------------------------------
# Queries later issues build on


def case_prefix_filter(query: str, dialect: str = "") -> Any:
    """Items whose case number is `query` or lies under it ("15.00" matches "15.00.00-P05-4-20", not "15.001").

    On SQLite, whose text order is bytewise, "under it" is one index range: keys from `P-` up to
    (not including) `P/`, since "-", "." and "/" follow each other in ASCII. Elsewhere the order
    depends on the database's collation, so two LIKE prefixes say the same safely."""
    key = case_key(query) or ""
    if dialect == "sqlite":
        return or_(ItemRow.case_key == key, and_(ItemRow.case_key >= key + "-", ItemRow.case_key < key + "/"))
    return or_(
        ItemRow.case_key == key,
        ItemRow.case_key.startswith(key + "-", autoescape=True),
        ItemRow.case_key.startswith(key + ".", autoescape=True),
    )


# --------------------------------------------------------------------------------------------
# Owed work


@dataclass(frozen=True)
class Owed:
    """What the owed-work rows ask for: everything, and/or the index entries and links of these documents."""

    everything: bool
    document_ids: frozenset[int]

    def __bool__(self) -> bool:
        return self.everything or bool(self.document_ids)


def owe_document(session: Session, document_id: int) -> None:
    """Record, in the caller's transaction, that a newly written document's index entries and links are still to be made."""
    session.execute(insert(OwedWorkRow).values(document_id=document_id))


def owe_everything(session: Session) -> None:
    """Record that the whole index and every link must be rebuilt (a reparse changed documents in place)."""
    if session.scalar(select(OwedWorkRow.id).where(OwedWorkRow.document_id.is_(None))) is None:
        session.execute(insert(OwedWorkRow).values(document_id=None))


def has_owed_work(session: Session) -> bool:
    return session.scalar(select(OwedWorkRow.id).limit(1)) is not None


def owed_work(session: Session) -> Owed:
    rows = session.scalars(select(OwedWorkRow.document_id)).all()
    return Owed(None in rows, frozenset(r for r in rows if r is not None))


def settle(session: Session, owed: Owed) -> None:
    """Mark `owed` done, in the transaction that wrote its links. Rows a concurrent writer added
    meanwhile are not in `owed` and stay."""
    ids = sorted(owed.document_ids)
    for start in range(0, len(ids), 500):
        session.execute(delete(OwedWorkRow).where(OwedWorkRow.document_id.in_(ids[start : start + 500])))
    if owed.everything:
        session.execute(delete(OwedWorkRow).where(OwedWorkRow.document_id.is_(None)))


def count(session: Session, what: Any, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(what).where(*where)) or 0


# --------------------------------------------------------------------------------------------
# The archive's reads and writes, each in its own session or transaction


_PG_WRITE_LOCK = 0x7265_6662  # serialises writers on a shared PostgreSQL server
_PG_OWED_LOCK = 0x7265_6663  # one process at a time finishes owed work on a shared server


def _lock_writers(session: Session) -> None:
    """On a shared server the file lock guards only this machine; serialise writers there too."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})


def has_document(db: Engine, sha256: str) -> bool:
    with Session(db) as session:
        return session.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == sha256)) is not None


@dataclass(frozen=True)
class Stored:
    """What `store_document` did: the raw paths of the versions it replaced, and what it wrote."""

    replaced_raw_paths: list[str]
    meetings: int
    items: int


def store_document(db: Engine, doc: model.Document, *, raw_path: str, content_type: str | None, size: int,
                   fetched_at: Any, parser_version: int) -> Stored | None:  # fmt: skip
    """A new document in one transaction, replacing earlier versions of its source and owing its
    index entries and links in the same commit; None when these bytes are stored already."""
    with Session(db) as session, session.begin():
        _lock_writers(session)
        if session.scalar(select(DocumentRow.id).where(DocumentRow.sha256 == doc.sha256)):
            return None
        olds = session.scalars(select(DocumentRow).where(DocumentRow.source == doc.source)).all()
        old_raws = [old.raw_path or "" for old in olds]
        for old in olds:
            delete_document(session, old)
        written = write_document(session, doc, raw_path=raw_path, content_type=content_type, size=size,
                                 fetched_at=fetched_at, parser_version=parser_version)  # fmt: skip
        owe_document(session, written.document_id)  # committed with the document, or not at all
        faults.point("document-written")
    return Stored(old_raws, written.meetings, written.items)


def restore_document(db: Engine, document_id: int, doc: model.Document, *, content_type: str | None,
                     parser_version: int) -> tuple[int, int]:  # fmt: skip
    """A stored document parsed again, in place: (meetings, items). Only a rebuild brings the index
    and the links in step again (same sha256, new items), so the whole archive is owed."""
    with Session(db) as session, session.begin():
        _lock_writers(session)
        row = session.get(DocumentRow, document_id)
        if row is None:  # deleted meanwhile by another writer on a shared server
            return 0, 0
        row.content_type = content_type or row.content_type
        written = write_document(session, doc, existing=row, parser_version=parser_version)
        owe_everything(session)
    return written.meetings, written.items


def stored_originals(db: Engine) -> list[tuple[int, str, str, str | None]]:
    """(id, sha256, source, raw path) of every stored document, oldest first."""
    with Session(db) as session:
        return [tuple(row) for row in session.execute(
            select(DocumentRow.id, DocumentRow.sha256, DocumentRow.source, DocumentRow.raw_path).order_by(DocumentRow.id)
        )]  # fmt: skip


def read_owed_work(db: Engine) -> Owed:
    with Session(db) as session:
        return owed_work(session)


def any_owed_work(db: Engine) -> bool:
    with Session(db) as session:
        return has_owed_work(session)


def documents_owed(db: Engine, owed: Owed, added_sha256: list[str]) -> tuple[set[int], int]:
    """The ids of the documents whose links are owed (those in `owed` and those with these
    sha256), and how many documents the store holds."""
    with Session(db) as session:
        documents = set(owed.document_ids)
        for start in range(0, len(added_sha256), 500):
            documents.update(session.scalars(select(DocumentRow.id).where(DocumentRow.sha256.in_(added_sha256[start : start + 500]))))
        return documents, count(session, DocumentRow)


def owed_work_lock(db: Engine, wait_seconds: float) -> Any:
    """On PostgreSQL, the file lock guards one machine only: a session advisory lock makes the
    owed work one process's job on the whole server. Yields whether this process got it."""
    return server_lock(db, _PG_OWED_LOCK, wait_seconds)


@contextmanager
def server_lock(db: Engine, key: int, wait_seconds: float) -> Iterator[bool]:
    """A PostgreSQL session advisory lock `key` (on SQLite always got: the file lock is enough),
    waited for up to `wait_seconds`; yields whether this process got it."""
    if db.dialect.name != "postgresql":
        yield True
        return
    with db.connect() as connection:
        deadline = time.monotonic() + wait_seconds
        while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            connection.commit()
            if time.monotonic() >= deadline:
                yield False
                return
            time.sleep(0.05)
        connection.commit()  # the lock belongs to the session; no transaction stays open meanwhile
        try:
            yield True
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()


def get_document(db: Engine, sha256: str) -> model.Document | None:
    """The stored document with these bytes, as the domain dataclass."""
    with Session(db) as session:
        row = session.scalar(
            select(DocumentRow)
            .where(DocumentRow.sha256 == sha256)
            .options(
                selectinload(DocumentRow.meeting).selectinload(MeetingRow.participants),
                selectinload(DocumentRow.meeting).selectinload(MeetingRow.items).options(*_ITEM_CHILDREN),
                selectinload(DocumentRow.budget_agreement),
                selectinload(DocumentRow.sections),
            )
        )
        return to_document(row) if row is not None else None


def stored_items(db: Engine, *, uid: str | None = None, case: str | None = None, exact: bool = False,
                 committee: str | None = None, day: date | None = None, limit: int | None = None) -> list[model.StoredItem]:  # fmt: skip
    """Items with their meeting and document, oldest first: one by uid, those under a case number
    (with `exact` only that number, else every case under a prefix), or one meeting's."""
    where: list[Any] = []
    if uid is not None:
        where.append(ItemRow.uid == uid)
    if case is not None:
        where.append(ItemRow.case_key == case_key(case) if exact else case_prefix_filter(case, db.dialect.name))
    if committee is not None:
        where += [MeetingRow.committee_slug == slug(committee), MeetingRow.date == day]
    with Session(db) as session:
        rows = session.execute(
            select(ItemRow, MeetingRow.committee, MeetingRow.date, MeetingRow.kind, DocumentRow.source, DocumentRow.sha256)
            .join(MeetingRow, ItemRow.meeting_id == MeetingRow.id)
            .join(DocumentRow, MeetingRow.document_id == DocumentRow.id)
            .where(*where)
            .order_by(MeetingRow.date, MeetingRow.committee, ItemRow.position)
            .limit(limit)
            .options(*_ITEM_CHILDREN)
        ).all()
        return [
            model.StoredItem(item.uid, committee, day, kind, source, sha, to_item(item))
            for item, committee, day, kind, source, sha in rows
        ]


def outdated_documents(db: Engine, parser_version: int) -> int:
    """How many stored documents an older parser read (their originals can be read again)."""
    with Session(db) as session:
        return count(session, DocumentRow, (DocumentRow.parser_version != parser_version) | DocumentRow.parser_version.is_(None))


def statistics(db: Engine, parser_version: int, not_read_as_minutes: str) -> dict[str, Any]:
    """What the archive holds, for `referat stats` (the contract's shape, less the database URL)."""
    with Session(db) as session:
        by_kind = dict(session.execute(select(DocumentRow.kind, func.count()).group_by(DocumentRow.kind)).all())
        committees = dict(
            session.execute(select(MeetingRow.committee, func.count()).group_by(MeetingRow.committee).order_by(MeetingRow.committee)).all()
        )
        first, last = session.execute(select(func.min(MeetingRow.date), func.max(MeetingRow.date))).one()
        no_decision = count(session, ItemRow.__table__.join(MeetingRow.__table__), MeetingRow.kind == "minutes", ItemRow.decision.is_(None))
        warnings = unread_minutes = 0
        for document_warnings in session.scalars(select(DocumentRow.warnings)):
            warnings += len(document_warnings or [])
            unread_minutes += any(w.startswith(not_read_as_minutes) for w in document_warnings or [])
        return {
            "documents": sum(by_kind.values()),
            "documents_by_kind": {k.value: by_kind.get(k.value, 0) for k in model.DocumentKind},
            "meetings": count(session, MeetingRow),
            "items": count(session, ItemRow),
            "committees": committees,
            "date_range": {"from": first.isoformat() if first else None, "to": last.isoformat() if last else None},
            "items_without_decision": no_decision,
            "budget_agreements": count(session, BudgetAgreementRow),
            "budget_points": count(session, BudgetPointRow),
            "warnings": warnings,
            # Not understood: stored as plain documents although they look like minutes.
            "plain_documents": by_kind.get(model.DocumentKind.DOCUMENT.value, 0),
            "looks_like_minutes": unread_minutes,
            # Read by an older parser; `referat reparse` reads them again.
            "outdated_documents": count(session, DocumentRow, (DocumentRow.parser_version != parser_version) | DocumentRow.parser_version.is_(None)),
        }


_ITEM_CHILDREN = (
    selectinload(ItemRow.sections),
    selectinload(ItemRow.attachments),
    selectinload(ItemRow.treatments),
    selectinload(ItemRow.budget_refs),
    selectinload(ItemRow.positions),
)
