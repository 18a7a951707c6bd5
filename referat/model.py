"""The domain model: what a parsed document is, independent of how it is stored.

These dataclasses are the parsers' output and the store's input; `referat.store` maps them to
tables in one place. `Document.to_dict()` is the JSON shape promised in
`referat/contract/parse.schema.json`.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any


class DocumentKind(str, enum.Enum):
    MINUTES = "minutes"
    AGENDA = "agenda"
    BUDGET_AGREEMENT = "budget_agreement"
    DOCUMENT = "document"


class Outcome(str, enum.Enum):
    """What a Beslutning amounts to; a closed vocabulary shared by parser, store and search."""

    APPROVED = "approved"  # Indstillingen godkendt / Godkendt / Tiltrådt
    APPROVED_WITH_REMARKS = "approved_with_remarks"  # ... med denne bemærkning: ...
    NOTED = "noted"  # Taget til efterretning
    RECOMMENDED = "recommended"  # Indstilles til godkendelse (sent on to a higher body)
    POSTPONED = "postponed"  # Udsættes / Udsat
    REFERRED_BACK = "referred_back"  # Undersøges. Ny sag forelægges.
    REJECTED = "rejected"  # Ikke godkendt / Forkastet
    OTHER = "other"  # a decision none of the above describes


# What a search can be narrowed to: an outcome ("none": items without a decision), and the kinds of
# record the index holds ("all": every kind).
OUTCOME_FILTERS = (*(o.value for o in Outcome), "none")
RECORD_KINDS = ("item", "budget_point", "document")
KIND_FILTERS = (*RECORD_KINDS, "all")


class PositionKind(str, enum.Enum):
    """What a party or member did about a decision, as the minutes record it."""

    AGAINST = "against"  # Ø stemte imod / Imod stemte: A, O og Ø / Enhedslisten kan ikke tiltræde
    ABSTAIN = "abstain"  # C og I undlod at stemme / Hverken for eller imod: …
    RESERVATION = "reservation"  # V tog forbehold / med forbehold fra O
    TO_COUNCIL = "to_council"  # A begærede sagen i byrådet
    FOR = "for"  # For stemte: A, B og F / A, B, F og Ø stemte for


# The positions that disagree with a decision, or hold back from it: what `--dissent PARTY` finds.
DISSENT_KINDS = (PositionKind.AGAINST, PositionKind.ABSTAIN, PositionKind.RESERVATION, PositionKind.TO_COUNCIL)


@dataclass(slots=True)
class Section:
    heading: str  # "" for text that stands before any heading
    text: str


@dataclass(slots=True)
class Treatment:
    """An earlier (or referenced) treatment: "Erhvervs- og Beskæftigelsesudvalget den 14. april 2020 Punkt 3"."""

    body: str
    date: date
    item_number: int | None = None


@dataclass(slots=True)
class BudgetRef:
    year: int
    point: str | None  # "5.3" or None for the agreement as a whole
    quote: str


@dataclass(slots=True)
class Participant:
    name: str
    party: str | None = None
    role: str | None = None
    present: bool | None = None


@dataclass(slots=True)
class Position:
    """One party's or member's position in a decision: "Peter Hansen (V) stemte imod"."""

    kind: PositionKind
    party: str | None  # the list letter ("V"), a party name normalised to it; None where none is printed
    name: str | None  # a person's name as printed, None where a party took the position
    quote: str  # the sentence it was read from


@dataclass(slots=True)
class Positions:
    """Who took which position in a decision, and the vote counts where they are printed."""

    positions: list[Position] = field(default_factory=list)
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstain: int | None = None

    def of(self, kind: PositionKind) -> list[Position]:
        """The positions of one kind, in printed order."""
        return [p for p in self.positions if p.kind is kind]


@dataclass(slots=True)
class AgendaItem:
    number: int | None  # as printed; None where the page prints none (a single-item page)
    title: str
    case_number: str | None = None
    supplementary: bool = False
    closed: bool = False
    previous_treatments: list[Treatment] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    recommendation: str | None = None
    decision: str | None = None
    outcome: Outcome | None = None
    decided_by: str | None = None
    attachments: list[str] = field(default_factory=list)
    budget_refs: list[BudgetRef] = field(default_factory=list)
    positions: Positions = field(default_factory=lambda: Positions())  # who dissented, and vote counts

    def section(self, heading: str) -> Section | None:
        """The first section with this heading (case-insensitive)."""
        wanted = heading.casefold()
        return next((s for s in self.sections if s.heading.casefold() == wanted), None)


@dataclass(slots=True)
class Meeting:
    committee: str
    date: date | None  # None where the page prints no date anywhere (a page of one item)
    start_time: str | None = None  # "13:00"
    location: str | None = None
    participants: list[Participant] = field(default_factory=list)
    items: list[AgendaItem] = field(default_factory=list)


@dataclass(slots=True)
class BudgetPoint:
    point: str  # as written, without trailing dot: "5.3", "4.23", "5.09"
    title: str
    text: str | None = None
    status: str | None = None
    meeting_refs: list[Treatment] = field(default_factory=list)


@dataclass(slots=True)
class BudgetAgreement:
    year: int
    points: list[BudgetPoint] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    kind: DocumentKind
    source: str
    sha256: str
    title: str | None = None
    warnings: list[str] = field(default_factory=list)
    meeting: Meeting | None = None
    budget_agreement: BudgetAgreement | None = None
    sections: list[Section] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON shape (`parse.schema.json`)."""
        out: dict[str, Any] = {
            "document": {
                "kind": self.kind.value,
                "source": self.source,
                "sha256": self.sha256,
                "title": self.title,
                "warnings": list(self.warnings),
            }
        }
        if self.meeting is not None:
            out["meeting"] = _meeting_dict(self.meeting)
        if self.budget_agreement is not None:
            out["budget_agreement"] = {
                "year": self.budget_agreement.year,
                "points": [_point_dict(p) for p in self.budget_agreement.points],
            }
        if self.sections is not None:
            out["sections"] = [_section_dict(s) for s in self.sections]
        return out


def _section_dict(s: Section) -> dict[str, Any]:
    return {"heading": s.heading, "text": s.text}


def _treatment_dict(t: Treatment) -> dict[str, Any]:
    return {"body": t.body, "date": t.date.isoformat(), "item_number": t.item_number}


def _positions_dict(p: Positions) -> dict[str, Any]:
    return {
        "positions": [{"kind": x.kind.value, "party": x.party, "name": x.name, "quote": x.quote} for x in p.positions],
        "votes_for": p.votes_for,
        "votes_against": p.votes_against,
        "votes_abstain": p.votes_abstain,
    }


def _point_dict(p: BudgetPoint) -> dict[str, Any]:
    return {
        "point": p.point,
        "title": p.title,
        "text": p.text,
        "status": p.status,
        "meeting_refs": [_treatment_dict(t) for t in p.meeting_refs],
    }


def item_dict(i: AgendaItem) -> dict[str, Any]:
    return {
        "number": i.number,
        "title": i.title,
        "case_number": i.case_number,
        "supplementary": i.supplementary,
        "closed": i.closed,
        "previous_treatments": [_treatment_dict(t) for t in i.previous_treatments],
        "sections": [_section_dict(s) for s in i.sections],
        "recommendation": i.recommendation,
        "decision": i.decision,
        "outcome": i.outcome.value if i.outcome else None,
        "decided_by": i.decided_by,
        "attachments": list(i.attachments),
        "budget_refs": [{"year": r.year, "point": r.point, "quote": r.quote} for r in i.budget_refs],
        "positions": _positions_dict(i.positions),
    }


def _meeting_dict(m: Meeting) -> dict[str, Any]:
    return {
        "committee": m.committee,
        "date": m.date.isoformat() if m.date else None,
        "start_time": m.start_time,
        "location": m.location,
        "participants": [
            {"name": p.name, "party": p.party, "role": p.role, "present": p.present}
            for p in m.participants
        ],
        "items": [item_dict(i) for i in m.items],
    }


def document_from_dict(data: dict[str, Any]) -> Document:
    """The inverse of `Document.to_dict()`: the store keeps parse results as this JSON."""
    d = data["document"]
    doc = Document(
        kind=DocumentKind(d["kind"]),
        source=d["source"],
        sha256=d["sha256"],
        title=d.get("title"),
        warnings=list(d.get("warnings") or []),
    )
    if m := data.get("meeting"):
        doc.meeting = Meeting(
            committee=m["committee"],
            date=date.fromisoformat(m["date"]) if m.get("date") else None,
            start_time=m.get("start_time"),
            location=m.get("location"),
            participants=[Participant(**p) for p in m.get("participants") or []],
            items=[_item_from_dict(i) for i in m.get("items") or []],
        )
    if b := data.get("budget_agreement"):
        doc.budget_agreement = BudgetAgreement(
            year=b["year"],
            points=[
                BudgetPoint(
                    point=p["point"],
                    title=p["title"],
                    text=p.get("text"),
                    status=p.get("status"),
                    meeting_refs=[_treatment_from_dict(t) for t in p.get("meeting_refs") or []],
                )
                for p in b.get("points") or []
            ],
        )
    if "sections" in data and data["sections"] is not None:
        doc.sections = [Section(**s) for s in data["sections"]]
    return doc


def _treatment_from_dict(t: dict[str, Any]) -> Treatment:
    return Treatment(body=t["body"], date=date.fromisoformat(t["date"]), item_number=t.get("item_number"))


def _item_from_dict(i: dict[str, Any]) -> AgendaItem:
    return AgendaItem(
        number=i["number"],
        title=i["title"],
        case_number=i.get("case_number"),
        supplementary=bool(i.get("supplementary")),
        closed=bool(i.get("closed")),
        previous_treatments=[_treatment_from_dict(t) for t in i.get("previous_treatments") or []],
        sections=[Section(**s) for s in i.get("sections") or []],
        recommendation=i.get("recommendation"),
        decision=i.get("decision"),
        outcome=Outcome(i["outcome"]) if i.get("outcome") else None,
        decided_by=i.get("decided_by"),
        attachments=list(i.get("attachments") or []),
        budget_refs=[BudgetRef(**r) for r in i.get("budget_refs") or []],
        positions=_positions_from_dict(i.get("positions") or {}),
    )


@dataclass(frozen=True)
class StoredItem:
    """An agenda item with the context a reader needs to cite it: which meeting, which document."""

    uid: str
    committee: str
    meeting_date: date | None
    meeting_kind: str
    source: str
    sha256: str
    item: AgendaItem


_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"})


def slug(name: str) -> str:
    """ASCII, lower case, dashes: "Erhvervs- og Beskæftigelsesudvalget" → "erhvervs-og-beskaeftigelsesudvalget"."""
    folded = unicodedata.normalize("NFKD", name.translate(_FOLD).lower())
    ascii_only = folded.encode("ascii", "ignore").decode()
    # Bounded, so a committee name a parser got wrong (a whole line) still makes a usable uid.
    return re.sub(r"[^a-z0-9]+", "-", ascii_only)[:120].strip("-") or "udvalg"


def _positions_from_dict(p: dict[str, Any]) -> Positions:
    return Positions(
        positions=[
            Position(kind=PositionKind(x["kind"]), party=x.get("party"), name=x.get("name"), quote=x["quote"])
            for x in p.get("positions") or []
        ],
        votes_for=p.get("votes_for"),
        votes_against=p.get("votes_against"),
        votes_abstain=p.get("votes_abstain"),
    )
