"""The tables: the domain model as rows, and the keys that identify them (committee slugs, case
keys, item uids). The schema is created and evolved by the Alembic migrations in `migrations/`,
never by `create_all`; a test checks that the migrated schema equals these models."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
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

from referat.model import slug  # noqa: F401 - a meeting's committee key, part of its identity


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
    # Vote counts where the decision prints them ("vedtaget med 20 stemmer mod 5").
    votes_for: Mapped[int | None] = mapped_column(Integer)
    votes_against: Mapped[int | None] = mapped_column(Integer)
    votes_abstain: Mapped[int | None] = mapped_column(Integer)

    meeting: Mapped[MeetingRow] = relationship(back_populates="items")
    sections: Mapped[list[SectionRow]] = relationship(order_by="SectionRow.position", **_CHILDREN)
    attachments: Mapped[list[AttachmentRow]] = relationship(order_by="AttachmentRow.position", **_CHILDREN)
    treatments: Mapped[list[TreatmentRow]] = relationship(
        order_by="TreatmentRow.position", foreign_keys="TreatmentRow.item_id", **_CHILDREN
    )
    budget_refs: Mapped[list[BudgetRefRow]] = relationship(order_by="BudgetRefRow.position", **_CHILDREN)
    positions: Mapped[list[PositionRow]] = relationship(order_by="PositionRow.position", **_CHILDREN)


class PositionRow(Base):
    """Who took a position in an item's decision: voted against or for, abstained, took a
    reservation, asked for the case to go to the council (`model.PositionKind`), by party letter
    and/or person, with the sentence it was read from."""

    __tablename__ = "positions"
    __table_args__ = (Index("ix_positions_kind_party", "kind", "party"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = _fk("items.id")
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Str(32))
    party: Mapped[str | None] = mapped_column(Str(8))
    person: Mapped[str | None] = mapped_column(Txt)
    quote: Mapped[str] = mapped_column(Txt)


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
# Names and keys


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


class WatchRow(Base):
    """A standing question a user asked to be told about: a search with filters, a case number or
    KLE prefix, a budget point, or a committee (`kind`, with its parameters in `query`).

    `watermark` is the highest item id the last run considered: items stored later (a higher id)
    are the candidates of the next run; `watch_sent` remembers which items a run delivered."""

    __tablename__ = "watches"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(Str(16))
    label: Mapped[str] = mapped_column(Txt)
    query: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    watermark: Mapped[int] = mapped_column(Integer, default=0)


class WatchSentRow(Base):
    """An item a watch has delivered (printed, or mailed in a digest that the server accepted)."""

    __tablename__ = "watch_sent"
    __table_args__ = (UniqueConstraint("watch_id", "item_uid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = _fk("watches.id")
    item_uid: Mapped[str] = mapped_column(Str(255))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FetchRunRow(Base):
    """One `referat fetch` of a source: when, whether it finished, its error, what it gave."""

    __tablename__ = "fetch_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Str(255), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Txt)
    documents: Mapped[int] = mapped_column(Integer, default=0)  # new or changed documents stored
    failed: Mapped[int] = mapped_column(Integer, default=0)  # pages or documents that failed
    newest_meeting: Mapped[date | None] = mapped_column(Date)  # the newest meeting date the source has given so far
