"""Cases: following one matter across meetings and bodies.

Building (inside a link run of `referat.links.build`):
- `previous_treatment`: a "Tidligere behandling" line of the item resolved to the stored item it
  names. By committee and date, then item number; when the committee is spelled differently or
  the number was changed by a supplementary agenda, by the closest name and by case number or
  title similarity on that date, and the evidence says so.
- `same_case`: the previous item (by date) filed under the same case number; a chain, not all
  pairs, so it stays linear in the size of the archive.

Reading:
- `case_lookup("15.00.00-P05")`: every item filed under a number or KLE prefix, oldest first.
- `case_history("15.00.00-P05-4-20" or an item id)`: the case's life as steps across meetings and
  bodies: items with the same case number, earlier treatments they cite (resolved), later items
  that cite them, and therefore the route upward (committee → Økonomiudvalget →
  Kommunalbestyrelsen). Each step says `via` what linked it; treatments whose meeting is not in
  the archive are listed as unresolved. `referat.render` writes it as Markdown or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from referat.index.analysis import fold
from referat.index.search import hit_dict
from referat.links.kinds import PREVIOUS, SAME_CASE, LinkReport
from referat.model import slug
from referat.parsers.casenumbers import decompose
from referat.parsers.committees import canonical_committee
from referat.store import cases as queries
from referat.store import links as rows

COMMITTEE_SIMILARITY = 0.8  # "Erhvervs- og Beskæftigelsesudvalget" vs a misspelling
TITLE_SIMILARITY = 0.6
MAX_STEPS = 500  # a history is a page, not the archive


# --- building: earlier treatments --------------------------------------------------------------------


@dataclass
class _Item:
    id: int
    meeting_id: int
    number: int | None
    title: str
    case_key: str | None


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, fold(a), fold(b)).ratio()


def resolve_treatment(
    body: str, day: date, number: int | None, citing: _Item, meetings: list[tuple[int, str, str]], items: dict[int, list[_Item]]
) -> tuple[_Item | None, float, dict[str, Any]]:
    """The stored item a treatment names, with a score and the evidence of how it was found."""
    evidence: dict[str, Any] = {"body": body, "date": day.isoformat(), "item_number": number}
    wanted = slug(canonical_committee(body))
    exact = [m for m in meetings if m[2] == wanted]
    score = 1.0
    if exact:
        meeting = exact[0]
    else:
        scored = sorted(((SequenceMatcher(None, wanted, m[2]).ratio(), m) for m in meetings), reverse=True)
        if not scored or scored[0][0] < COMMITTEE_SIMILARITY:
            return None, 0.0, evidence
        ratio, meeting = scored[0]
        score = ratio
        evidence["committee_matched"] = {"printed": body, "stored": meeting[1], "similarity": round(ratio, 3)}
    candidates = items.get(meeting[0], [])
    by_number = next((i for i in candidates if i.number == number), None) if number is not None else None

    def fits(item: _Item) -> tuple[bool, str, float]:
        if citing.case_key and item.case_key == citing.case_key:
            return True, "same case number", 1.0
        ratio = _similar(item.title, citing.title)
        return ratio >= TITLE_SIMILARITY, "title similarity", ratio

    if by_number is not None:
        ok, _, _ = fits(by_number)
        if ok or not any(fits(c)[0] for c in candidates if c is not by_number):
            evidence["matched_by"] = "number"
            return by_number, score, evidence
    best = max(((fits(c), c) for c in candidates), key=lambda fc: (fc[0][0], fc[0][2]), default=None)
    if best is not None and best[0][0]:
        (_, how, ratio), item = best
        evidence["matched_by"] = how
        evidence["renumbered"] = {"printed_number": number, "stored_number": item.number, "similarity": round(ratio, 3)}
        return item, score * (0.9 if how == "same case number" else ratio), evidence
    return None, 0.0, evidence


def resolve_treatments(session: Any, treatment_rows: list[Any], report: LinkReport) -> None:
    """Resolve the given treatments (id, item_id, body, date, item_number) and store the links."""
    if not treatment_rows:
        return
    meetings = rows.meetings_on(session, [t.date for t in treatment_rows])
    items = {m: [_Item(*i) for i in found] for m, found in rows.items_of_meetings(session, [m[0] for ms in meetings.values() for m in ms]).items()}
    citing = {i: _Item(*found) for i, found in rows.items_by_id(session, {t.item_id for t in treatment_rows}).items()}
    links, resolved = [], []
    for t in treatment_rows:
        target, score, evidence = resolve_treatment(t.body, t.date, t.item_number, citing[t.item_id], meetings.get(t.date, []), items)
        if target is None or target.id == t.item_id:
            report.unresolved += 1
            continue
        report.resolved += 1
        report.by_fallback += "renumbered" in evidence or "committee_matched" in evidence
        resolved.append((t.id, target.id))
        links.append({"from_item_id": t.item_id, "to_item_id": target.id, "to_budget_point_id": None, "kind": PREVIOUS,
                      "score": round(score, 3), "evidence": evidence})  # fmt: skip
    rows.mark_resolved(session, resolved)
    rows.insert_links(session, links)


# --- building: same case ------------------------------------------------------------------------------


def same_case_chain(session: Any, case_keys: set[str] | None, report: LinkReport) -> None:
    """Each item's link to the item before it under the same case number (of these case keys,
    whose chains are made again whole; None: every case)."""
    if case_keys is not None:
        if not case_keys:
            return
        rows.delete_links_from(session, [SAME_CASE], rows.item_ids_with_cases(session, case_keys))
    links = []
    previous: tuple[int, str] | None = None
    for item_id, key in rows.items_by_case(session, case_keys):
        if previous is not None and previous[1] == key:
            links.append({"from_item_id": item_id, "to_item_id": previous[0], "to_budget_point_id": None, "kind": SAME_CASE,
                          "score": 1.0, "evidence": {"case_number": key}})  # fmt: skip
        previous = (item_id, key)
    report.same_case += len(links)
    rows.insert_links(session, links)


# --- reading ------------------------------------------------------------------------------------------


def item_hit(record: Any) -> dict[str, Any]:
    """A stored item's record as a HIT dict, its summary as the snippet."""
    return hit_dict(record, 0.0, queries.excerpt(record.extra.get("summary") or record.body))


def case_lookup(db, query: str) -> dict[str, Any]:
    """The contract's `case` JSON: the KLE parts of the number and every item under it, oldest first."""
    kle = decompose(query)
    full = kle is not None and kle.year is not None
    return {"query": query, "kle": kle.to_dict() if kle else None, "items": queries.case_items(db, query, exact=full)}


def case_history(db, subject: str) -> dict[str, Any] | None:
    """The contract's `history` JSON, or None when neither an item id nor a stored case number
    (a blank subject included: its case key would match every item without a case number)."""
    if not subject.strip():
        return None
    graph = queries.case_graph(db, subject, MAX_STEPS, PREVIOUS)
    if graph is None:
        return None
    steps = []
    for item_id, record in graph.items:
        hit = item_hit(record)
        step = {k: hit[k] for k in ("id", "meeting_date", "committee", "item_number", "title", "case_number", "outcome", "decision")}
        step["via"] = graph.via[item_id]
        notes = [e for (_, b), e in graph.fallback.items() if b == item_id and e and ("renumbered" in e or "committee_matched" in e)]
        if notes:
            step["evidence"] = notes
        steps.append(step)
    return {
        "subject": subject,
        "case_number": graph.subject.case_number,
        "title": graph.subject.title,
        "steps": steps,
        "unresolved": [
            {"body": t.body, "date": t.date.isoformat(), "item_number": t.item_number, "cited_by": uid, "in_archive": False}
            for t, uid in graph.unresolved
        ],
    }


__all__ = ["case_lookup", "case_history", "item_hit", "resolve_treatment"]
