"""The unit of search: one record per agenda item, budget point and document section.

Kept free of the store's imports: a `referat search` process that only reads the embedded index
never loads SQLAlchemy (a third of a second of start-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from referat.model import RECORD_KINDS

ITEM, BUDGET_POINT, DOCUMENT = "item", "budget_point", "document"
KINDS = RECORD_KINDS


@dataclass(slots=True)
class SearchRecord:
    uid: str
    kind: str
    title: str
    decision: str = ""
    body: str = ""
    committee: str = ""
    date: date | None = None
    outcome: str = ""  # "" when no decision was recorded (facets and filters use "none")
    case_number: str = ""
    document: str = ""  # sha256 of the document it comes from, so a replaced document's records go
    dissent: tuple[str, ...] = ()  # list letters of the parties that dissented on record (`--dissent`)
    cited: str = ""  # the end of `body` that names the budget points the item cites (indexed on its own, weighted low)
    extra: dict = field(default_factory=dict)  # fields hits show that the index does not need
    terms: dict | None = None  # the analyzer's terms per text field, when already computed (not stored)

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None


def point_uid(year: int, point: str) -> str:
    return f"budget-{year}-{point}"


def section_uid(sha256: str, position: int) -> str:
    return f"doc-{sha256[:12]}-{position}"
