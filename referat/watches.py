"""Watches: standing questions whose new answers `referat watch run` delivers (printed, or mailed
as one digest), remembering what it delivered.

A watch has one subject (`define`):
- **search**: a query with the search filters (committee, dates, outcome, case prefix);
- **case**: a case number or KLE prefix;
- **budget**: a point of a budget agreement (the items that cite it, and those a suggested link
  ties to it);
- **committee**: every item of a committee's meetings.

A run (`collect`) looks, for each watch, at the items stored since its last run
(`referat.store.watches` says exactly which) and keeps those the watch asks about. The archive
keeps them in SQL for a case, budget point or committee; a search watch runs its search.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from referat.errors import FilterError
from referat.index.search import search_request
from referat.links.kinds import SUGGESTED
from referat.model import slug
from referat.parsers.committees import canonical_committee
from referat.parsers.dates import danish_date
from referat.render import outcome_label
from referat.settings import BUDGET_YEARS, MAX_LIMIT
from referat.store import watches as queries

KINDS = ("search", "case", "budget", "committee")
_PASSED_ON = ("committee", "outcome", "case")  # a search watch's filters given to the search as they are; its dates are narrowed


@dataclass(frozen=True)
class Definition:
    """What `define` makes of a user's options: the kind, its parameters (stored as JSON), a label."""

    kind: str
    query: dict[str, Any]
    label: str


def define(query: str = "", *, committee: str | None = None, date_from: date | str | None = None,
           date_to: date | str | None = None, outcome: str | None = None, case: str | None = None,
           kind: str | None = None, budget: tuple[int, str] | None = None, label: str | None = None) -> Definition:  # fmt: skip
    """One watch from the options of `referat watch add`: a QUERY (with any filters) is a search;
    without one, exactly one of `case`, `budget` (year, point) or `committee`. `FilterError`
    names the option that cannot be used."""
    query = " ".join((query or "").split())
    filters = {"committee": committee, "date_from": date_from, "date_to": date_to, "outcome": outcome, "case": case}
    if budget is not None:
        if query or any(v is not None for v in filters.values()) or kind:
            raise FilterError("budget", "--budget YEAR POINT is a watch of its own; give it without a query or filters")
        return _budget(*budget, label)
    if kind not in (None, "item"):
        raise FilterError("kind", "a watch follows agenda items; budget points and documents cannot be watched "
                                  "(--budget YEAR POINT watches the items about a point)")  # fmt: skip
    if query:
        return _search(query, filters, label)
    given = {name for name, value in filters.items() if value is not None}
    if given == {"case"}:
        if not case or not case.strip():
            raise FilterError("case", "give a case number or a KLE prefix, e.g. 15.00.00-P05")
        number = " ".join(case.split())
        return Definition("case", {"case": number}, label or number)
    if given == {"committee"} and committee and committee.strip():
        name = canonical_committee(committee)
        return Definition("committee", {"committee": name}, label or name)
    raise FilterError("q", "a watch has exactly one subject: a QUERY (with any filters), or one of --case, "
                           "--budget YEAR POINT or --committee")  # fmt: skip


def _budget(year: int, point: str, label: str | None) -> Definition:
    point = (point or "").strip().rstrip(".")
    if year not in BUDGET_YEARS:
        raise FilterError("budget", f"{year} is not a budget year ({BUDGET_YEARS.start}-{BUDGET_YEARS.stop - 1})")
    if not point:
        raise FilterError("budget", "give the point after the year, e.g. --budget 2019 5.3")
    return Definition("budget", {"year": year, "point": point}, label or f"Aftale om budget {year}, punkt {point}")


def _search(query: str, filters: dict[str, Any], label: str | None) -> Definition:
    request = search_request(query, **filters)  # refuses a date or outcome it cannot use, naming it
    checked = request.filters
    values = {"committee": checked.committee, "date_from": checked.date_from, "date_to": checked.date_to,
              "outcome": checked.outcome, "case": checked.case_prefix}  # fmt: skip
    stored = {"q": query, **{k: v.isoformat() if isinstance(v, date) else v for k, v in values.items() if v}}
    if label is None:
        described = [checked.committee, checked.case_prefix and f"sag {checked.case_prefix}",
                     checked.date_from and f"fra {danish_date(checked.date_from)}",
                     checked.date_to and f"til {danish_date(checked.date_to)}",
                     checked.outcome and f"beslutning: {outcome_label(None if checked.outcome == 'none' else checked.outcome)}"]  # fmt: skip
        label = ", ".join([f'"{query}"', *(d for d in described if d)])
    return Definition("search", stored, label)


# --- a run --------------------------------------------------------------------------------------


@dataclass
class Collected:
    """A run's findings: the report (the contract's JSON of `referat watch run`), the uids to
    record per watch once delivered, and where the next run starts."""

    report: dict[str, Any]
    delivered: dict[int, list[str]] = field(default_factory=dict)
    upto: int = 0
    started: datetime | None = None


def collect(archive: Any) -> Collected:
    """The items new to every watch since its last run, as HIT dicts. The caller holds the write lock."""
    watches, upto, started = queries.run_start(archive.db)
    collected = Collected({"watches": [], "total_new": 0, "mailed": False}, upto=upto, started=started)
    for watch in watches:
        if watch.kind == "search":
            hits, window_full = _search_hits(archive, watch, upto)
        else:
            hits, window_full = queries.new_hits(archive.db, watch, upto, _match(watch, archive.db.dialect.name)), False
        collected.report["watches"].append({"id": watch.id, "label": watch.label, "kind": watch.kind, "query": watch.query,
                                            "new": hits, "window_full": window_full})  # fmt: skip
        collected.report["total_new"] += len(hits)
        collected.delivered[watch.id] = [h["id"] for h in hits]
    return collected


def _match(watch: Any, dialect: str) -> Any:
    q = watch.query
    if watch.kind == "case":
        return queries.under_case(q["case"], dialect)
    if watch.kind == "committee":
        return queries.of_committee(slug(q["committee"]))
    if watch.kind == "budget":
        return queries.about_budget_point(int(q["year"]), str(q["point"]), SUGGESTED)
    raise ValueError(f"watch {watch.id} has an unknown kind {watch.kind!r}")


def _search_hits(archive: Any, watch: Any, upto: int) -> tuple[list[dict[str, Any]], bool]:
    """A search watch's new items, and whether the search window was full.

    The full-text index cannot select items by id, so the watch's search is run through
    `Archive.search` (the same hits, snippets and typo tolerance as `referat search`), newest
    first, narrowed to the meeting dates of the new items (their oldest and newest, within the
    watch's own dates) and at most `MAX_LIMIT` hits, and its hits are intersected with the new
    items. When that window is full (more hits in those dates than it holds), a new item
    can be missed; the report says so (`window_full`) and a narrower search avoids it. Hits found
    only by leaving a word out ("no item has every word") are not delivered: a watch reports
    items with every word.
    """
    new = queries.new_item_dates(archive.db, watch, upto)
    if not new:
        return [], False
    q = dict(watch.query)
    dates = list(new.values())
    low, high = (None, None) if None in dates else (min(dates), max(dates))  # an undated item: no narrowing
    own_from, own_to = (date.fromisoformat(q[k]) if q.get(k) else None for k in ("date_from", "date_to"))
    date_from = max(d for d in (low, own_from) if d) if low or own_from else None
    date_to = min(d for d in (high, own_to) if d) if high or own_to else None
    if date_from and date_to and date_from > date_to:
        return [], False
    filters = {k: q[k] for k in _PASSED_ON if q.get(k)}
    result = archive.search(q["q"], sort="date", limit=MAX_LIMIT, date_from=date_from, date_to=date_to, **filters)
    if result.get("left_out"):
        return [], False
    hits = sorted((h for h in result["hits"] if h["id"] in new),
                  key=lambda h: (h["meeting_date"] or "", h["committee"] or "", h["item_number"] or 0))  # oldest first, as the other kinds
    return hits, result["total"] > len(result["hits"])
