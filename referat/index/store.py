"""The store: the domain model (`referat.model`) as tables, and the one place that maps between them.

Everything else in referat talks dataclasses; only this module knows table and column names.
The schema is created and evolved by the Alembic migrations in `referat/index/migrations/`
(`migrate` applies them when an archive opens), never by `create_all`, so a file made by an older
referat upgrades in place. A test checks that the migrated schema equals these models. To add a
migration: change the models, then autogenerate a revision on a connection
(`alembic.command.revision(alembic_config(connection), message=..., autogenerate=True)`) and read it.

Rules that live here:
- **Meeting identity** is (committee slug, date, kind). Minutes supersede the agenda of the same
  meeting: the agenda's meeting rows are deleted and its document is marked `superseded_by` the
  minutes (the document and its raw/ original stay, so re-ingesting it is still "unchanged").
  Of two documents for the same meeting and kind, the one ingested later wins the same way.
- **Item uid**: committee slug + date + number ("erhvervs-og-beskaeftigelsesudvalget-2020-08-18-6"),
  readable and stable across re-parses; a second item with the same number gets "-2", and so on.
- **Text** never holds NUL characters (PostgreSQL cannot store them; SQLite is kept the same).
- **Case key**: the case number upper-cased with dashes and spaces unified, so a prefix such as
  "15.00.00-p05" finds "15.00.00-P05-4-20"; prefixes match at component boundaries only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    and_,
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from referat import model

# Deterministic constraint names: Alembic's batch mode on SQLite and schema comparison need them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Txt(TypeDecorator):
    """Text without NUL characters: PostgreSQL cannot store them, and SQLite should hold the same."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value


class Str(Txt):
    impl = String
    cache_ok = True


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE", index: bool = True) -> Any:
    return mapped_column(ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index)


_CHILDREN = {"cascade": "all, delete-orphan", "passive_deletes": True}


class DocumentRow(Base):
    """One ingested original: its identity (sha256), where it came from, and how it was parsed."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(Str(64), unique=True)
    source: Mapped[str] = mapped_column(Txt, index=True)
    kind: Mapped[str] = mapped_column(Str(32), index=True)
    title: Mapped[str | None] = mapped_column(Txt)
    content_type: Mapped[str | None] = mapped_column(Str(100))
    size: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    parsed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    parser_version: Mapped[str | None] = mapped_column(Str(64))
    warnings: Mapped[list] = mapped_column(JSON, default=list)
    raw_path: Mapped[str | None] = mapped_column(Txt)
    # Another document that now holds this one's meeting (minutes over agenda, newer over older).
    superseded_by_id: Mapped[int | None] = _fk("documents.id", nullable=True, ondelete="SET NULL")

    meeting: Mapped[MeetingRow | None] = relationship(back_populates="document", **_CHILDREN)
    budget_agreement: Mapped[BudgetAgreementRow | None] = relationship(**_CHILDREN)
    sections: Mapped[list[DocumentSectionRow]] = relationship(order_by="DocumentSectionRow.position", **_CHILDREN)


class MeetingRow(Base):
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("committee_slug", "date", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)
    committee: Mapped[str] = mapped_column(Txt, index=True)
    committee_slug: Mapped[str] = mapped_column(Txt)
    date: Mapped[date | None] = mapped_column(Date, index=True)
    start_time: Mapped[str | None] = mapped_column(Txt)
    location: Mapped[str | None] = mapped_column(Txt)
    kind: Mapped[str] = mapped_column(Str(16))  # minutes | agenda

    document: Mapped[DocumentRow] = relationship(back_populates="meeting")
    participants: Mapped[list[ParticipantRow]] = relationship(order_by="ParticipantRow.position", **_CHILDREN)
    items: Mapped[list[ItemRow]] = relationship(back_populates="meeting", order_by="ItemRow.position", **_CHILDREN)


class ParticipantRow(Base):
    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = _fk("meetings.id")
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Txt)
    party: Mapped[str | None] = mapped_column(Txt)
    role: Mapped[str | None] = mapped_column(Txt)
    present: Mapped[bool | None] = mapped_column(Boolean)


class ItemRow(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = _fk("meetings.id")
    uid: Mapped[str] = mapped_column(Str(255), unique=True)
    number: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Txt)
    case_number: Mapped[str | None] = mapped_column(Txt, index=True)
    case_key: Mapped[str | None] = mapped_column(Txt, index=True)
    supplementary: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    recommendation: Mapped[str | None] = mapped_column(Txt)
    decision: Mapped[str | None] = mapped_column(Txt)
    outcome: Mapped[str | None] = mapped_column(Str(32), index=True)
    decided_by: Mapped[str | None] = mapped_column(Txt)

    meeting: Mapped[MeetingRow] = relationship(back_populates="items")
    sections: Mapped[list[SectionRow]] = relationship(order_by="SectionRow.position", **_CHILDREN)
    attachments: Mapped[list[AttachmentRow]] = relationship(order_by="AttachmentRow.position", **_CHILDREN)
    treatments: Mapped[list[TreatmentRow]] = relationship(
        order_by="TreatmentRow.position", foreign_keys="TreatmentRow.item_id", **_CHILDREN
    )
    budget_refs: Mapped[list[BudgetRefRow]] = relationship(order_by="BudgetRefRow.position", **_CHILDREN)


class SectionRow(Base):
    __tablename__ = "sections"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = _fk("items.id")
    position: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(Txt)
    text: Mapped[str] = mapped_column(Txt)


class AttachmentRow(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = _fk("items.id")
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Txt)


class TreatmentRow(Base):
    """A "Tidligere behandling" line; `resolved_item_id` is filled when that meeting is stored."""

    __tablename__ = "treatments"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = _fk("items.id")
    position: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Txt)
    date: Mapped[date] = mapped_column(Date, index=True)
    item_number: Mapped[int | None] = mapped_column(Integer)
    resolved_item_id: Mapped[int | None] = _fk("items.id", nullable=True, ondelete="SET NULL")


class BudgetRefRow(Base):
    __tablename__ = "budget_refs"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = _fk("items.id")
    position: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer, index=True)
    point: Mapped[str | None] = mapped_column(Txt)
    quote: Mapped[str] = mapped_column(Txt)


class BudgetAgreementRow(Base):
    __tablename__ = "budget_agreements"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)

    points: Mapped[list[BudgetPointRow]] = relationship(order_by="BudgetPointRow.position", **_CHILDREN)


class BudgetPointRow(Base):
    __tablename__ = "budget_points"
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = _fk("budget_agreements.id")
    position: Mapped[int] = mapped_column(Integer)
    point: Mapped[str] = mapped_column(Txt, index=True)
    title: Mapped[str] = mapped_column(Txt)
    text: Mapped[str | None] = mapped_column(Txt)
    status: Mapped[str | None] = mapped_column(Txt)

    meeting_refs: Mapped[list[BudgetPointRefRow]] = relationship(order_by="BudgetPointRefRow.position", **_CHILDREN)


class BudgetPointRefRow(Base):
    """A meeting a budget point's status note cites ("den 12. juni 2018, Punkt 3")."""

    __tablename__ = "budget_point_refs"
    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = _fk("budget_points.id")
    position: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Txt)
    date: Mapped[date] = mapped_column(Date)
    item_number: Mapped[int | None] = mapped_column(Integer)
    resolved_item_id: Mapped[int | None] = _fk("items.id", nullable=True, ondelete="SET NULL")


class DocumentSectionRow(Base):
    """Headed sections of a document that is neither minutes nor a budget agreement."""

    __tablename__ = "document_sections"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = _fk("documents.id")
    position: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(Txt)
    text: Mapped[str] = mapped_column(Txt)


class LinkRow(Base):
    """A derived, explainable link from an item to another item or a budget point (filled by index.links)."""

    __tablename__ = "links"
    __table_args__ = (
        CheckConstraint("(to_item_id IS NULL) <> (to_budget_point_id IS NULL)", name="one_target"),
        Index(None, "from_item_id", "kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    from_item_id: Mapped[int] = _fk("items.id", index=False)
    to_item_id: Mapped[int | None] = _fk("items.id", nullable=True)
    to_budget_point_id: Mapped[int | None] = _fk("budget_points.id", nullable=True)
    kind: Mapped[str] = mapped_column(Str(32))
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict | None] = mapped_column(JSON)


class OwedWorkRow(Base):
    """Derived work a writer still owes the archive: the search index entries and links of one
    document (`document_id`), or of every document (`document_id` NULL, after a reparse).

    Written in the same transaction as the document, deleted in the same transaction as its links,
    so a killed process or a lost database server can never leave a document stored but unlinked
    without this row saying so. The next command that opens the archive finishes the work.
    """

    __tablename__ = "owed_work"
    id: Mapped[int] = mapped_column(primary_key=True)
    # A replaced document takes its row along: its successor owes its own.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)


# --------------------------------------------------------------------------------------------
# Engine


def open_engine(url: str) -> Engine:
    """An engine whose connections behave the same everywhere: real transactions, FKs enforced.

    SQLite: WAL (readers never block on the writer and never see half a document), foreign keys
    on (the ON DELETE CASCADEs replace a document in one statement), a busy timeout, and
    BEGIN emitted by us, because Python's sqlite3 would otherwise run DDL outside transactions.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # With WAL, NORMAL survives a killed process; a power cut may lose the last commits, never consistency.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x7265_6661  # "refa": serialises concurrent migrations on a shared server


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# The newest migration in migrations/versions/. A test checks it against Alembic's own head, so
# opening an archive can compare revisions without importing Alembic (a tenth of a second).
SCHEMA_HEAD = "0003_nullable_number"


def needs_migration(engine: Engine) -> bool:
    """Whether the schema is older than this referat (or missing); cheap, so every open asks."""
    from sqlalchemy import inspect

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return True
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() != SCHEMA_HEAD


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration, in one transaction (SQLite and PostgreSQL both have transactional DDL)."""
    from alembic import command

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        command.upgrade(alembic_config(connection), "head")


# --------------------------------------------------------------------------------------------
# Names and keys


_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"})


def slug(name: str) -> str:
    """ASCII, lower case, dashes: "Erhvervs- og Beskæftigelsesudvalget" → "erhvervs-og-beskaeftigelsesudvalget"."""
    folded = unicodedata.normalize("NFKD", name.translate(_FOLD).lower())
    ascii_only = folded.encode("ascii", "ignore").decode()
    # Bounded, so a committee name a parser got wrong (a whole line) still makes a usable uid.
    return re.sub(r"[^a-z0-9]+", "-", ascii_only)[:120].strip("-") or "udvalg"


def case_key(case_number: str | None) -> str | None:
    """The searchable form of a case number: upper case, one kind of dash, no spaces."""
    if not case_number:
        return None
    key = re.sub(r"\s+", "", case_number).upper()
    return re.sub(r"[\u2010-\u2015\u2212]", "-", key) or None


def item_uid(committee_slug: str, meeting_date: date | None, number: int | None) -> str:
    """An item without a printed number (a page of one item) is "-x"; a second one "-x-2"; a
    meeting without a date is "udateret"."""
    day = meeting_date.isoformat() if meeting_date else "udateret"
    return f"{committee_slug}-{day}-{'x' if number is None else number}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


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
