"""Budget-agreement tracking: a point of "Aftale om budget YYYY" and what became of it.

Building (inside a link run of `referat.links.build`):
- `budget_explicit`: the item's text names the point ("Aftale om budget 2019, punkt 5.3"); the
  evidence is the quote.
- `budget_suggested`: the item deals with the point's subject without naming it; the score is the
  weighted share of the point's distinctive words the item contains, and the evidence lists them
  (or the meeting the point's status note names).

Reading: `budget_overview(2019)` gives the year's points with their counts and the items citing
the agreement as a whole; `budget_point(2019,
"5.3")` the point's text and status and three lists of items: `explicit` (the quote shows where),
`suggested` (score and evidence from the stored links), and `year_only` (they cite the year's
agreement as a whole). A point cited by items but whose agreement is not in the archive still
answers with its explicit items.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from typing import Any

from referat.index.analysis import STOP_WORDS, default_analyzer, fold
from referat.index.engines.base import Filters
from referat.index.query import Clause, QueryPlan
from referat.index.snippets import candidate_pattern, matches
from referat.links.kinds import EXPLICIT, SUGGESTED, LinkReport
from referat.model import slug
from referat.parsers.committees import COMMITTEE_RE
from referat.settings import BUDGET_YEARS
from referat.store import budget as queries
from referat.store import links as rows

SUGGESTION_THRESHOLD = 0.3  # share of the point's weighted distinctive words an item must contain
SUGGESTIONS_PER_POINT = 15
DISTINCTIVE_TERMS = 14
# Words of agreement prose that say nothing about a point's subject. A large archive's idf
# discounts them anyway; a small one cannot, so they are left out outright.
_GENERAL_WORDS = frozenset(
    """godt helt mere mest flere nye ny samt både dels øvrige herunder derfor også kan skal vil bliver
    blevet ønsker ønske parterne parter afsættes afsat årligt mio kr""".split()
)


# --- building ---------------------------------------------------------------------------------------


def explicit_links(session: Any, item_ids: list[int] | None, report: LinkReport) -> None:
    """A link from every item (of these) that names a stored point."""
    points = rows.budget_point_ids(session)
    links = []
    for item_id, year, point, quote in rows.point_citations(session, item_ids):
        if (pid := points.get((year, point))) is not None:
            links.append({"from_item_id": item_id, "to_item_id": None, "to_budget_point_id": pid, "kind": EXPLICIT,
                          "score": 1.0, "evidence": {"quote": quote}})  # fmt: skip
    report.explicit += len(links)
    rows.insert_links(session, links)


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


def suggested_links(session: Any, search_index, years: set[int] | None, report: LinkReport) -> None:
    """Suggestions for every stored point (of these agreement years), made again whole."""
    total = rows.item_count(session)
    if years is not None and not years:
        return
    points = rows.budget_points(session, years)
    if not points:
        return
    rows.delete_links_to_points(session, SUGGESTED, [p.id for p, _ in points])
    uid_to_id: dict[str, int | None] = {}
    links = []
    dfs: dict[str, int] = {}
    for point, year in points:
        explicit = rows.uids_citing_point(session, year, point.point)
        suggestions = suggest_for_point(point, year, search_index, explicit, total, dfs)
        for uid, why in _named_meeting_items(session, point):
            if uid not in explicit and all(uid != s[0] for s in suggestions):
                suggestions.insert(0, (uid, 1.0, why))
        for uid, score, evidence in suggestions:
            if uid not in uid_to_id:
                uid_to_id[uid] = rows.item_id(session, uid)
            if uid_to_id[uid] is None:
                continue
            links.append({"from_item_id": uid_to_id[uid], "to_item_id": None, "to_budget_point_id": point.id, "kind": SUGGESTED,
                          "score": score, "evidence": evidence})  # fmt: skip
    report.suggested += len(links)
    rows.insert_links(session, links)


def _named_meeting_items(session: Any, point: Any) -> list[tuple[str, dict]]:
    """Items the point's text or status note names ("på et møde den 15. januar 2019, Punkt 7")."""
    out = []
    for ref in point.meeting_refs:
        wanted = slug(ref.body)
        for meeting_id, committee, committee_slug in rows.meetings_on(session, [ref.date]).get(ref.date, []):
            if committee_slug == wanted and (uid := rows.item_uid_at(session, meeting_id, ref.item_number)):
                out.append((uid, {"named_in_status": f"{committee} den {ref.date.isoformat()}, punkt {ref.item_number}"}))
    return out


# --- reading ----------------------------------------------------------------------------------------


def _point_key(point: str) -> tuple[int, ...]:
    return tuple(int(p) for p in point.split("."))


def budget_overview(db, year: int) -> dict[str, Any] | None:
    """The year's points with how many items cite each (explicit) and relate to each (suggested),
    and the items citing the agreement as a whole (`year_only` their count, as scripts have read it,
    `year_only_items` the HIT dicts, oldest first); None for a year outside `BUDGET_YEARS` (never a
    query: such years once overflowed SQLite)."""
    if year not in BUDGET_YEARS:
        return None
    stored, explicit, year_only = queries.year_counts(db, year, SUGGESTED)
    points = [{**p, "explicit": explicit.get(p["point"], 0)} for p in stored or []]
    points = [{k: p[k] for k in ("point", "title", "status", "explicit", "suggested")} for p in points]
    known = {p["point"] for p in points}
    for point, n in explicit.items():  # cited, but not in a stored agreement
        if point not in known:
            points.append({"point": point, "title": None, "status": None, "explicit": n, "suggested": 0})
    points.sort(key=lambda p: _point_key(p["point"]))
    return {"year": year, "in_archive": stored is not None, "points": points, "year_only": len(year_only), "year_only_items": year_only}


def budget_point(db, year: int, point: str) -> dict[str, Any] | None:
    """The contract's `budget YEAR POINT` JSON, or None when neither the point nor a citation exists."""
    if year not in BUDGET_YEARS:
        return None
    found = queries.point_items(db, year, point, SUGGESTED)
    return None if found is None else {"year": year, "point": point, **found}
