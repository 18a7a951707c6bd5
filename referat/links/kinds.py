"""The kinds of link (a closed vocabulary, stored with a score and JSON evidence) and the report
of a link run."""

from __future__ import annotations

from dataclasses import dataclass, field

PREVIOUS, SAME_CASE, EXPLICIT, SUGGESTED = "previous_treatment", "same_case", "budget_explicit", "budget_suggested"
LINK_KINDS = (PREVIOUS, SAME_CASE, EXPLICIT, SUGGESTED)


@dataclass
class LinkReport:
    resolved: int = 0
    unresolved: int = 0
    same_case: int = 0
    explicit: int = 0
    suggested: int = 0
    by_fallback: int = 0
    notes: list[str] = field(default_factory=list)
