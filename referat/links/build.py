"""Links between items, and from items to budget-agreement points. Each one says why it exists.

Kinds (a closed vocabulary, stored in `links.kind` with a score and JSON evidence):
- `previous_treatment`: a "Tidligere behandling" line of the item resolved to the stored item it
  names. By committee and date, then item number; when the committee is spelled differently or
  the number was changed by a supplementary agenda, by the closest name and by case number or
  title similarity on that date, and the evidence says so.
- `same_case`: the previous item (by date) filed under the same case number; a chain, not all
  pairs, so it stays linear in the size of the archive.
- `budget_explicit`: the item's text names the point ("Aftale om budget 2019, punkt 5.3"); the
  evidence is the quote.
- `budget_suggested`: the item deals with the point's subject without naming it; the score is the
  weighted share of the point's distinctive words the item contains, and the evidence lists them
  (or the meeting the point's status note names).

Links are derived from the store: `rebuild_links` recomputes all of them (`referat reindex`),
`update_links` only what new documents change (after an ingest).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Any, Callable, Iterable

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from referat import store as S
from referat.index.analysis import STOP_WORDS, default_analyzer, fold
from referat.index.snippets import candidate_pattern
from referat.index.snippets import matches
from referat.parsers.committees import COMMITTEE_RE, canonical_committee

PREVIOUS, SAME_CASE, EXPLICIT, SUGGESTED = "previous_treatment", "same_case", "budget_explicit", "budget_suggested"
LINK_KINDS = (PREVIOUS, SAME_CASE, EXPLICIT, SUGGESTED)
COMMITTEE_SIMILARITY = 0.8  # "Erhvervs- og Beskæftigelsesudvalget" vs a misspelling
TITLE_SIMILARITY = 0.6
SUGGESTION_THRESHOLD = 0.3  # share of the point's weighted distinctive words an item must contain
SUGGESTIONS_PER_POINT = 15
DISTINCTIVE_TERMS = 14
# Words of agreement prose that say nothing about a point's subject. A large archive's idf
# discounts them anyway; a small one cannot, so they are left out outright.
_GENERAL_WORDS = frozenset(
    """godt helt mere mest flere nye ny samt både dels øvrige herunder derfor også kan skal vil bliver
    blevet ønsker ønske parterne parter afsættes afsat årligt mio kr""".split()
)


@dataclass
class LinkReport:
    resolved: int = 0
    unresolved: int = 0
    same_case: int = 0
    explicit: int = 0
    suggested: int = 0
    by_fallback: int = 0
    notes: list[str] = field(default_factory=list)


# --- earlier treatments ---------------------------------------------------------------------------


@dataclass
class _Item:
    id: int
    meeting_id: int
    number: int
    title: str
    case_key: str | None


def _meetings_on(session: Session, dates: Iterable[date]) -> dict[date, list[tuple[int, str, str]]]:
    """Meetings by date: (id, committee, committee slug)."""
    out: dict[date, list[tuple[int, str, str]]] = defaultdict(list)
    wanted = sorted(set(dates))
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(S.MeetingRow.id, S.MeetingRow.committee, S.MeetingRow.committee_slug, S.MeetingRow.date).where(
                S.MeetingRow.date.in_(wanted[start : start + 500])
            )
        ).all()
        for meeting_id, committee, slug, day in rows:
            out[day].append((meeting_id, committee, slug))
    return out


def _items_of(session: Session, meeting_ids: Iterable[int]) -> dict[int, list[_Item]]:
    out: dict[int, list[_Item]] = defaultdict(list)
    ids = sorted(set(meeting_ids))
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(S.ItemRow.id, S.ItemRow.meeting_id, S.ItemRow.number, S.ItemRow.title, S.ItemRow.case_key).where(
                S.ItemRow.meeting_id.in_(ids[start : start + 500])
            )
        ).all()
        for row in rows:
            out[row.meeting_id].append(_Item(*row))
    return out


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, fold(a), fold(b)).ratio()


def resolve_treatment(
    body: str, day: date, number: int | None, citing: _Item, meetings: list[tuple[int, str, str]], items: dict[int, list[_Item]]
) -> tuple[_Item | None, float, dict[str, Any]]:
    """The stored item a treatment names, with a score and the evidence of how it was found."""
    evidence: dict[str, Any] = {"body": body, "date": day.isoformat(), "item_number": number}
    wanted = S.slug(canonical_committee(body))
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


def _resolve_treatments(session: Session, treatment_rows: list[Any], report: LinkReport) -> None:
    """Resolve the given treatments (id, item_id, body, date, item_number) and store the links."""
    if not treatment_rows:
        return
    meetings = _meetings_on(session, [t.date for t in treatment_rows])
    items = _items_of(session, [m[0] for ms in meetings.values() for m in ms])
    citing_ids = sorted({t.item_id for t in treatment_rows})
    citing: dict[int, _Item] = {}
    for start in range(0, len(citing_ids), 500):
        for row in session.execute(
            select(S.ItemRow.id, S.ItemRow.meeting_id, S.ItemRow.number, S.ItemRow.title, S.ItemRow.case_key).where(
                S.ItemRow.id.in_(citing_ids[start : start + 500])
            )
        ):
            citing[row.id] = _Item(*row)
    links, updates = [], []
    for t in treatment_rows:
        target, score, evidence = resolve_treatment(t.body, t.date, t.item_number, citing[t.item_id], meetings.get(t.date, []), items)
        if target is None or target.id == t.item_id:
            report.unresolved += 1
            continue
        report.resolved += 1
        report.by_fallback += "renumbered" in evidence or "committee_matched" in evidence
        updates.append({"tid": t.id, "rid": target.id})
        links.append({"from_item_id": t.item_id, "to_item_id": target.id, "to_budget_point_id": None, "kind": PREVIOUS,
                      "score": round(score, 3), "evidence": evidence})  # fmt: skip
    if updates:
        from sqlalchemy import bindparam

        table = S.TreatmentRow.__table__
        session.connection().execute(table.update().where(table.c.id == bindparam("tid")).values(resolved_item_id=bindparam("rid")), updates)
    _insert_links(session, links)


def _insert_links(session: Session, links: list[dict]) -> None:
    for start in range(0, len(links), 1000):
        session.execute(insert(S.LinkRow), links[start : start + 1000])


# --- same case -------------------------------------------------------------------------------------


def _same_case_chain(session: Session, case_keys: set[str] | None, report: LinkReport) -> None:
    query = (
        select(S.ItemRow.id, S.ItemRow.case_key, S.MeetingRow.date, S.ItemRow.position)
        .join(S.MeetingRow, S.ItemRow.meeting_id == S.MeetingRow.id)
        .where(S.ItemRow.case_key.is_not(None))
        .order_by(S.ItemRow.case_key, S.MeetingRow.date, S.MeetingRow.id, S.ItemRow.position)
    )
    if case_keys is not None:
        keys = sorted(case_keys)
        if not keys:
            return
        ids = [row.id for row in session.execute(select(S.ItemRow.id).where(S.ItemRow.case_key.in_(keys)))]
        if ids:
            session.execute(delete(S.LinkRow).where(S.LinkRow.kind == SAME_CASE, S.LinkRow.from_item_id.in_(ids)))
        query = query.where(S.ItemRow.case_key.in_(keys))
    links = []
    previous: tuple[int, str] | None = None
    for item_id, key, _day, _pos in session.execute(query):
        if previous is not None and previous[1] == key:
            links.append({"from_item_id": item_id, "to_item_id": previous[0], "to_budget_point_id": None, "kind": SAME_CASE,
                          "score": 1.0, "evidence": {"case_number": key}})  # fmt: skip
        previous = (item_id, key)
    report.same_case += len(links)
    _insert_links(session, links)


# --- budget points --------------------------------------------------------------------------------


def _explicit_links(session: Session, item_ids: list[int] | None, report: LinkReport) -> None:
    points = {(year, point): pid for pid, year, point in session.execute(
        select(S.BudgetPointRow.id, S.BudgetAgreementRow.year, S.BudgetPointRow.point).join(S.BudgetAgreementRow)
    )}  # fmt: skip
    query = select(S.BudgetRefRow.item_id, S.BudgetRefRow.year, S.BudgetRefRow.point, S.BudgetRefRow.quote).where(
        S.BudgetRefRow.point.is_not(None)
    )
    if item_ids is not None:
        query = query.where(S.BudgetRefRow.item_id.in_(item_ids))
    links = []
    for item_id, year, point, quote in session.execute(query):
        if (pid := points.get((year, point))) is not None:
            links.append({"from_item_id": item_id, "to_item_id": None, "to_budget_point_id": pid, "kind": EXPLICIT,
                          "score": 1.0, "evidence": {"quote": quote}})  # fmt: skip
    report.explicit += len(links)
    _insert_links(session, links)


def distinctive_terms(texts: list[tuple[str, float]], document_frequency, total: int, limit: int = DISTINCTIVE_TERMS) -> dict[str, tuple[float, str]]:
    """The point's words that say what it is about: weighted by where they stand (title counts
    double) and by how rare they are in the archive (idf). term → (weight, a surface form)."""
    analyzer = default_analyzer()
    counts: dict[str, float] = defaultdict(float)
    surfaces: dict[str, str] = {}
    for text, weight in texts:
        # Committee names say who handles a point, not what it is about.
        text = COMMITTEE_RE.sub(" ", text or "")
        for token in analyzer.tokens(text):
            word = fold(token.surface)
            if word in STOP_WORDS or word in _GENERAL_WORDS or len(token.term) < 3 or token.term.isdigit():
                continue
            counts[token.term] += weight
            surfaces.setdefault(token.term, token.surface.lower())
    scored = {}
    for term, tf in counts.items():
        df = document_frequency(term)
        if df == 0 or df > max(0.25 * total, 20):
            continue  # unknown to the archive, or too common to tell subjects apart (a small archive says little)
        scored[term] = ((1 + math.log(tf)) * math.log(1 + total / df), surfaces[term])
    best = sorted(scored.items(), key=lambda kv: -kv[1][0])[:limit]
    return dict(best)


def suggest_for_point(
    point: Any, year: int, search_index, excluded: set[str], total: int, dfs: dict[str, int] | None = None
) -> list[tuple[str, float, dict[str, Any]]]:
    """Items about the point's subject: (item uid, score, evidence), best first. `dfs` caches
    document frequencies across the points of one run (their words overlap a lot)."""
    from referat.index.engines.base import Filters
    from referat.index.query import Clause, QueryPlan

    engine = search_index.engine(reader=False)
    dfs = {} if dfs is None else dfs

    def df(term: str) -> int:
        if term not in dfs:
            dfs[term] = dict(engine.vocabulary(term, limit=50)).get(term, 0)
        return dfs[term]

    terms = distinctive_terms([(point.title, 2.0), (point.text or "", 1.0), (point.status or "", 1.0)], df, total)
    if len(terms) < 2:
        return []
    alternatives = [Clause("terms", [t]) for t in terms]
    plan = QueryPlan(point.title, [Clause("terms", [alternatives[0].terms[0]], alternatives=alternatives[1:])])
    window = Filters(date_from=date(year - 1, 7, 1), date_to=date(year + 3, 12, 31), kinds=("item",))
    found = engine.search(plan, window, limit=60)
    records = search_index.lookup([uid for uid, _ in found.hits])
    analyzer = default_analyzer()
    wanted = set(terms)
    pattern = candidate_pattern(wanted, [])
    weight_total = sum(w for w, _ in terms.values())
    out = []
    for uid, _ in found.hits:
        record = records.get(uid)
        if record is None or uid in excluded:
            continue
        # Only words that start like one of the point's terms are analysed (as for snippets): an
        # item's text runs to thousands of words, and a point has a few dozen candidates.
        title_terms = {term for _, _, term in matches(record.title, pattern, wanted, [], analyzer)}
        body_terms = title_terms | {term for text in (record.body, record.decision) for _, _, term in matches(text, pattern, wanted, [], analyzer)}
        matched = [t for t in terms if t in body_terms]
        if len(matched) < 2:
            continue
        score = sum(terms[t][0] * (1.5 if t in title_terms else 1.0) for t in matched) / (1.5 * weight_total) * 1.5
        score = min(1.0, score)
        if score < SUGGESTION_THRESHOLD:
            continue
        evidence = {"matched": [terms[t][1] for t in matched], "in_title": [terms[t][1] for t in matched if t in title_terms]}
        out.append((uid, round(score, 3), evidence))
    out.sort(key=lambda x: -x[1])
    return out[:SUGGESTIONS_PER_POINT]


def _suggested_links(session: Session, search_index, years: set[int] | None, report: LinkReport) -> None:
    total = session.scalar(select(func.count()).select_from(S.ItemRow)) or 0
    query = (
        select(S.BudgetPointRow, S.BudgetAgreementRow.year)
        .join(S.BudgetAgreementRow)
        .order_by(S.BudgetAgreementRow.year, S.BudgetPointRow.position)
    )
    if years is not None:
        if not years:
            return
        query = query.where(S.BudgetAgreementRow.year.in_(sorted(years)))
    rows = session.execute(query).all()
    if not rows:
        return
    point_ids = [p.id for p, _ in rows]
    session.execute(delete(S.LinkRow).where(S.LinkRow.kind == SUGGESTED, S.LinkRow.to_budget_point_id.in_(point_ids)))
    uid_to_id = {}
    links = []
    dfs: dict[str, int] = {}
    for point, year in rows:
        explicit = {
            uid for (uid,) in session.execute(
                select(S.ItemRow.uid).join(S.BudgetRefRow).where(S.BudgetRefRow.year == year, S.BudgetRefRow.point == point.point)
            )
        }  # fmt: skip
        suggestions = suggest_for_point(point, year, search_index, explicit, total, dfs)
        named = _named_meeting_items(session, point)
        for uid, why in named:
            if uid not in explicit and all(uid != s[0] for s in suggestions):
                suggestions.insert(0, (uid, 1.0, why))
        for uid, score, evidence in suggestions:
            if uid not in uid_to_id:
                uid_to_id[uid] = session.scalar(select(S.ItemRow.id).where(S.ItemRow.uid == uid))
            if uid_to_id[uid] is None:
                continue
            links.append({"from_item_id": uid_to_id[uid], "to_item_id": None, "to_budget_point_id": point.id, "kind": SUGGESTED,
                          "score": score, "evidence": evidence})  # fmt: skip
    report.suggested += len(links)
    _insert_links(session, links)


def _named_meeting_items(session: Session, point: Any) -> list[tuple[str, dict]]:
    """Items the point's text or status note names ("på et møde den 15. januar 2019, Punkt 7")."""
    out = []
    for ref in point.meeting_refs:
        meetings = _meetings_on(session, [ref.date]).get(ref.date, [])
        wanted = S.slug(ref.body)
        for meeting_id, committee, slug in meetings:
            if slug != wanted:
                continue
            uid = session.scalar(select(S.ItemRow.uid).where(S.ItemRow.meeting_id == meeting_id, S.ItemRow.number == ref.item_number))
            if uid:
                out.append((uid, {"named_in_status": f"{committee} den {ref.date.isoformat()}, punkt {ref.item_number}"}))
    return out


# --- entry points -----------------------------------------------------------------------------------


Finished = Callable[[Session], None]  # runs inside the links' transaction, just before it commits


def rebuild_links(db, search_index, finished: Finished | None = None) -> LinkReport:
    """Recompute every link from the store (after `referat reindex`, `reparse`, a rebuilt index).

    `finished` runs in the same transaction, so the caller can mark its owed work done atomically
    with the links: a kill before the commit leaves both the old links and the debt."""
    report = LinkReport()
    with Session(db) as session, session.begin():
        session.execute(delete(S.LinkRow))
        session.execute(update(S.TreatmentRow).values(resolved_item_id=None))
        rows = session.execute(select(S.TreatmentRow.id, S.TreatmentRow.item_id, S.TreatmentRow.body, S.TreatmentRow.date, S.TreatmentRow.item_number)).all()
        _resolve_treatments(session, rows, report)
        _same_case_chain(session, None, report)
        _explicit_links(session, None, report)
        _suggested_links(session, search_index, None, report)
        if finished is not None:
            finished(session)
    return report


def update_links(db, search_index, document_ids: Iterable[int], finished: Finished | None = None) -> LinkReport:
    """Links that new documents add or change: their items' treatments and budget references,
    unresolved treatments that name their meetings, same-case chains of their case numbers, and
    suggestions for the budget years their meetings (or their agreements) touch.

    Links these documents' items already have are replaced, not added twice, so finishing the
    same owed work again (another process got there first) does no harm. `finished`: as in
    `rebuild_links`."""
    report = LinkReport()
    doc_ids = sorted(set(document_ids))
    if not doc_ids:
        return report
    with Session(db) as session, session.begin():
        new_items = []
        for start in range(0, len(doc_ids), 500):
            new_items += session.execute(
                select(S.ItemRow.id, S.ItemRow.case_key, S.MeetingRow.date)
                .join(S.MeetingRow, S.ItemRow.meeting_id == S.MeetingRow.id)
                .where(S.MeetingRow.document_id.in_(doc_ids[start : start + 500]))
            ).all()
        item_ids = [i.id for i in new_items]
        new_dates = {i.date for i in new_items}
        for start in range(0, len(item_ids), 500):
            chunk = item_ids[start : start + 500]
            session.execute(delete(S.LinkRow).where(S.LinkRow.kind.in_((PREVIOUS, EXPLICIT)), S.LinkRow.from_item_id.in_(chunk)))
        own = []
        for start in range(0, len(item_ids), 500):
            own += session.execute(
                select(S.TreatmentRow.id, S.TreatmentRow.item_id, S.TreatmentRow.body, S.TreatmentRow.date, S.TreatmentRow.item_number).where(
                    S.TreatmentRow.item_id.in_(item_ids[start : start + 500])
                )
            ).all()  # fmt: skip
        new_set = set(item_ids)
        waiting = [
            t for t in session.execute(
                select(S.TreatmentRow.id, S.TreatmentRow.item_id, S.TreatmentRow.body, S.TreatmentRow.date, S.TreatmentRow.item_number).where(
                    S.TreatmentRow.resolved_item_id.is_(None), S.TreatmentRow.date.in_(sorted(new_dates))
                )
            ) if t.item_id not in new_set
        ] if new_dates else []  # fmt: skip
        if waiting:
            session.execute(delete(S.LinkRow).where(S.LinkRow.kind == PREVIOUS, S.LinkRow.from_item_id.in_({t.item_id for t in waiting}),
                                                    S.LinkRow.to_item_id.in_(item_ids or [-1])))  # fmt: skip
        _resolve_treatments(session, list(own) + list(waiting), report)
        _same_case_chain(session, {i.case_key for i in new_items if i.case_key}, report)
        _explicit_links(session, item_ids, report)
        years = {d.year + k for d in new_dates for k in (-3, -2, -1, 0, 1)}
        agreement_years = {y for (y,) in session.execute(select(S.BudgetAgreementRow.year).where(S.BudgetAgreementRow.document_id.in_(doc_ids)))}
        years |= agreement_years
        if years & {y for (y,) in session.execute(select(S.BudgetAgreementRow.year))}:
            _suggested_links(session, search_index, years, report)
            # explicit links to points of a newly stored agreement
            if agreement_years:
                citing = [i for (i,) in session.execute(select(S.BudgetRefRow.item_id).where(S.BudgetRefRow.year.in_(sorted(agreement_years))))]
                citing = sorted(set(citing) - new_set)
                for start in range(0, len(citing), 500):  # made again whole: an item may cite other years too
                    chunk = citing[start : start + 500]
                    session.execute(delete(S.LinkRow).where(S.LinkRow.kind == EXPLICIT, S.LinkRow.from_item_id.in_(chunk)))
                    _explicit_links(session, chunk, report)
        if finished is not None:
            finished(session)
    return report
