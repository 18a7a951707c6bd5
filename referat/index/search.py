"""Searching, the same for every engine: parse the query, run it, tolerate typos, and turn the
engine's uids into the contract's hits (fields from the store, a highlighted snippet)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Callable

from referat.index.analysis import Analyzer, default_analyzer
from referat.index.engines.base import Engine, EngineResult, Filters
from referat.index.query import Clause, QueryPlan, parse_query
from referat.errors import FilterError
from referat.index.records import KINDS, SearchRecord
from referat.index.snippets import make_snippet
from referat.model import KIND_FILTERS, OUTCOME_FILTERS
from referat.parsers.committees import canonical_committee
from referat.parsers.positions import party_letter
from referat.settings import MAX_LIMIT, check_window

FEW_HITS = 3  # below this many hits, the query is retried with typo tolerance
@dataclass
class SearchRequest:
    query: str
    filters: Filters
    sort: str = "relevance"
    limit: int = 10
    offset: int = 0

    def __post_init__(self) -> None:
        check_window(self.limit, self.offset)


Lookup = Callable[[list[str]], dict[str, SearchRecord]]


def search(engine: Engine, lookup: Lookup, request: SearchRequest, analyzer: Analyzer | None = None, *, strict: bool = True) -> dict[str, Any]:
    """The contract's search JSON for one request; `lookup` gives the records of hit uids.

    `strict`: a hit without a record raises `HitsWithoutRecords` (an embedded hit store is written
    before its engine, so a missing record means damage). Without it such hits are left out, for
    PostgreSQL, where a document replaced a moment ago can briefly be in the index but not the store."""
    analyzer = analyzer or default_analyzer()
    plan = parse_query(request.query, analyzer)
    result = engine.search(plan, request.filters, sort=request.sort, limit=request.limit, offset=request.offset)
    did_you_mean = None
    if result.total < FEW_HITS and plan.positive:
        fuzzy_plan, corrections = expand_typos(plan, engine)
        if fuzzy_plan is not None:
            fuzzy = engine.search(fuzzy_plan, request.filters, sort=request.sort, limit=request.limit, offset=request.offset)
            if fuzzy.total > result.total:
                result, plan = fuzzy, fuzzy_plan
                did_you_mean = _suggestion(request.query, corrections, engine, lookup, analyzer)
    left_out: list[str] = []
    if result.total == 0 and len([c for c in plan.positive if c.kind == "terms"]) >= 2:
        relaxed = relax(plan, engine, request)
        if relaxed is not None:
            result, plan, left_out = relaxed
    records = lookup([uid for uid, _ in result.hits])
    if strict and (missing := [uid for uid, _ in result.hits if uid not in records]):
        raise HitsWithoutRecords(f"{len(missing)} of {len(result.hits)} hits have no record (first: {missing[0]})")
    terms, prefixes = plan.highlight_terms(), plan.highlight_prefixes()
    hits = [hit_dict(records[uid], score, _snippet(records[uid], terms, prefixes, analyzer)) for uid, score in result.hits if uid in records]
    return {
        "query": request.query,
        "total": result.total,
        "did_you_mean": did_you_mean,
        "left_out": left_out,
        "facets": result.facets,
        "hits": hits,
    }


class HitsWithoutRecords(Exception):
    """The engine found records the hit store does not hold: the hit store is damaged or out of
    step. Raised rather than answering a total with fewer hits than it promises (a 0-byte hit
    store once answered "603 hits" and listed none)."""


def relax(plan: QueryPlan, engine: Engine, request: SearchRequest) -> tuple[EngineResult, QueryPlan, list[str]] | None:
    """When no record has every word, the records with all but one: the commonest word goes first
    ("flere indvandrere i job" → without "flere"), and the answer says which word was left out."""
    words = [c for c in plan.positive if c.kind == "terms"]
    frequency = {id(c): max((df for term, df in engine.vocabulary(c.terms[0], limit=50) if term == c.terms[0]), default=0) for c in words}
    for dropped in sorted(words, key=lambda c: -frequency[id(c)]):
        smaller = QueryPlan(plan.text, [c for c in plan.clauses if c is not dropped])
        result = engine.search(smaller, request.filters, sort=request.sort, limit=request.limit, offset=request.offset)
        if result.total:
            return result, smaller, [dropped.surface]
    return None


def _suggestion(query: str, corrections: list[tuple[str, str]], engine: Engine, lookup: Lookup, analyzer: Analyzer) -> str | None:
    suggestion = query
    for typed, term in corrections:
        if word := surface_form(term, engine, lookup, analyzer, typed=typed):
            suggestion = suggestion.replace(typed, word, 1)
    return suggestion if suggestion != query else None


def _snippet(record: SearchRecord, terms: set[str], prefixes: list[str], analyzer: Analyzer) -> str:
    """The best passage of the body or decision; the summary when only the title matched."""
    summary = record.extra.get("summary") or record.body
    snippet = make_snippet([record.body, record.decision], terms, prefixes, analyzer)
    if "<mark>" in snippet or not summary:
        return snippet
    return make_snippet([summary], terms, prefixes, analyzer)


def hit_dict(record: SearchRecord, score: float, snippet: str) -> dict[str, Any]:
    return {
        "id": record.uid,
        "kind": record.kind,
        "meeting_date": record.date.isoformat() if record.date and record.kind == "item" else None,
        "committee": record.committee or None,
        "item_number": record.extra.get("item_number"),
        "title": record.title,
        "case_number": record.case_number or None,
        "outcome": record.outcome or None,
        "decision": record.decision or None,
        "score": round(score, 4),
        "snippet": snippet,
        "source": record.extra.get("source"),
    }


# --- typo tolerance ---------------------------------------------------------------------------


def max_edits(term: str) -> int:
    """Edit distance 1 from 5 letters, 2 from 9; shorter words must be spelled right."""
    return 0 if len(term) < 5 else (1 if len(term) < 9 else 2)


def expand_typos(plan: QueryPlan, engine: Engine) -> tuple[QueryPlan | None, list[tuple[str, str]]]:
    """The plan with each single-word clause widened to the index terms within its edit distance,
    and for each widened word (as typed) the most frequent of those terms."""
    clauses: list[Clause] = []
    corrections: list[tuple[str, str]] = []
    for clause in plan.clauses:
        if clause.negated or clause.kind != "terms" or len(clause.terms) != 1 or max_edits(clause.terms[0]) == 0:
            clauses.append(clause)
            continue
        near = similar_terms(clause.terms[0], engine)
        if not near:
            clauses.append(clause)
            continue
        alternatives = [Clause("terms", [t], clause.field, surface=t) for t, _ in near]
        clauses.append(replace(clause, alternatives=clause.alternatives + alternatives))
        corrections.append((clause.surface, near[0][0]))
    if not corrections:
        return None, []
    return QueryPlan(plan.text, clauses), corrections


def similar_terms(term: str, engine: Engine) -> list[tuple[str, int]]:
    """Index terms within the edit distance of `term`, most frequent first (the term itself excluded)."""
    k = max_edits(term)
    out = []
    for candidate, df in engine.vocabulary(term[:2], limit=20000):
        if candidate != term and abs(len(candidate) - len(term)) <= k and bounded_levenshtein(term, candidate, k) <= k:
            out.append((candidate, df))
    out.sort(key=lambda kv: (-kv[1], kv[0]))
    return out[:5]


SURFACE_RECORDS = 5  # records read for a term's spellings (engines may order equals differently)


def surface_form(term: str, engine: Engine, lookup: Lookup, analyzer: Analyzer, typed: str = "") -> str | None:
    """A word as the archive writes it for an index term (terms are lemmas or stems), from the
    texts of the first few records that hold the term: of those spellings, the one nearest to
    what was typed ("omgang" → "omfang", not "omfanget"), then the most frequent. Reading a few
    records rather than the best one keeps the suggestion the same on every engine."""
    plan = QueryPlan(term, [Clause("terms", [term])])
    found = engine.search(plan, Filters(kinds=("item", "budget_point", "document")), limit=SURFACE_RECORDS)
    records = lookup([uid for uid, _ in found.hits])
    counts: dict[str, int] = {}
    for record in records.values():
        for text in (record.title, record.decision, record.body):
            for token in analyzer.tokens(text):
                if token.term == term:
                    form = token.surface.lower()
                    counts[form] = counts.get(form, 0) + 1
    if not counts:
        return None
    typed = typed.lower()
    return min(counts, key=lambda form: (bounded_levenshtein(typed, form, len(typed) + len(form)) if typed else 0, -counts[form], form))


def bounded_levenshtein(a: str, b: str, k: int) -> int:
    """Edit distance of a and b, or k+1 as soon as it must exceed k (transpositions count one)."""
    if abs(len(a) - len(b)) > k:
        return k + 1
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        row_min = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > k:
            return k + 1
        previous2, previous = previous, current
    return previous[-1]


SORTS = ("relevance", "date")


def search_request(
    query: str = "", *, committee: str | None = None, date_from: date | str | None = None, date_to: date | str | None = None,
    outcome: str | None = None, case: str | None = None, kind: str | None = None, sort: str | None = "relevance",
    limit: int | str | None = 10, offset: int | str | None = 0, max_limit: int = MAX_LIMIT, max_query: int | None = None,
    require_subject: bool = False, dissent: str | None = None,
) -> SearchRequest:  # fmt: skip
    """A search as the CLI, the web page and the API ask for it, checked in one place: a value
    that cannot be used raises `FilterError` naming the parameter, before anything is searched.

    Dates are `date`s or "YYYY-MM-DD"; `kind` is one of KIND_FILTERS or a comma-separated list;
    limit and offset are whole numbers (digits in a string too) in the window `check_window` sets,
    the limit at most `max_limit`. With `require_subject`, a search needs words or a filter."""
    query = (query or "").strip()
    if max_query is not None and len(query) > max_query:
        raise FilterError("q", f"the query is longer than {max_query} characters")
    days = [_day(name, value) for name, value in (("from", date_from), ("to", date_to))]
    if outcome and outcome not in OUTCOME_FILTERS:
        raise FilterError("outcome", f"{outcome!r} is not an outcome; use one of {', '.join(OUTCOME_FILTERS)}")
    if kind and any(k not in KIND_FILTERS for k in kind.split(",")):
        raise FilterError("kind", f"{kind!r} is not a kind; use one of {', '.join(KIND_FILTERS)}")
    party = party_letter(dissent) if dissent else None
    if dissent and party is None:
        raise FilterError("dissent", f"{dissent!r} is not a party; use a list letter (Ø, V, …) or a party's name")
    sort = sort or "relevance"
    if sort not in SORTS:
        raise FilterError("sort", f"{sort!r} is not a sort order; use relevance or date")
    window = [_whole(name, value, default) for name, value, default in (("limit", limit, 10), ("offset", offset, 0))]
    check_window(*window, max_limit=max_limit)
    if require_subject and not query and not any((committee, *days, outcome, case, party)):
        raise FilterError("q", "give a query or at least one filter (committee, from, to, outcome, case)")
    filters = Filters(
        committee=canonical_committee(committee) if committee else None,
        date_from=days[0],
        date_to=days[1],
        outcome=outcome or None,
        case_prefix=case or None,
        dissent=party,
        kinds=("item",) if not kind else KINDS if kind == "all" else tuple(kind.split(",")),
    )
    return SearchRequest(query, filters, sort=sort, limit=window[0], offset=window[1])


def _day(name: str, value: date | str | None) -> date | None:
    if value is None or value == "" or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value or None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise FilterError(name, f"{value!r} is not a date; use YYYY-MM-DD") from None


def _whole(name: str, value: int | str | None, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]{1,12}", value.strip()):
            raise FilterError(name, f"{value!r} is not a whole number")
        value = int(value)
    return value


__all__ = ["search", "search_request", "SearchRequest", "FilterError", "HitsWithoutRecords"]
