"""The interface every full-text engine implements, and the filters they all understand.

An engine stores the analyzer's terms of each `SearchRecord`, executes a `QueryPlan` with
`Filters`, and counts facets over the whole result set. Everything else — parsing the query,
typo tolerance, loading the records behind the hits, snippets — is shared (`referat.index.search`),
which is what makes one conformance suite hold for all engines.

Where an engine keeps its index is one flag, `embedded`, and `SearchIndex` asks it rather than
an engine's name: an embedded engine (tantivy, Whoosh) lives in a folder, one generation per
rebuild, with a hit store and a marker file beside it; the others (PostgreSQL) live in the store's
database, are rebuilt in place (`clear`, `add`, `mark`, `commit`) and say themselves whether their
format is out of date (`needs_rebuild`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date

from referat.index.query import QueryPlan
from referat.index.records import SearchRecord

# A title match outweighs one in the body; the titles of the budget points an item cites count
# least: the item deals with the promise, but its own words come first.
BOOSTS = {"title": 3.0, "decision": 2.0, "body": 1.0, "cited": 0.5}
NO_OUTCOME = "none"  # facet and filter value of items without a recorded decision


@dataclass
class Filters:
    committee: str | None = None  # canonical committee name
    date_from: date | None = None
    date_to: date | None = None
    outcome: str | None = None  # an Outcome value, or "none"
    case_prefix: str | None = None  # a case number or KLE prefix
    dissent: str | None = None  # a party's list letter: only items where it dissented on record
    kinds: tuple[str, ...] = ("item",)


@dataclass
class EngineResult:
    total: int
    hits: list[tuple[str, float]]  # (uid, score), best first
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


class Engine(ABC):
    schema_version: str = ""  # the format of what the engine writes: a new one rebuilds every index
    embedded: bool = True  # in a folder of its own (generations, hit store); False: in the store's database

    @abstractmethod
    def add(self, records: list[SearchRecord]) -> None:
        """Add records (replacing any with the same uid). Visible after `commit`."""

    @abstractmethod
    def delete_documents(self, shas: list[str]) -> None:
        """Remove every record that came from these documents. Visible after `commit`."""

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def search(self, plan: QueryPlan, filters: Filters, *, sort: str = "relevance", limit: int = 10, offset: int = 0) -> EngineResult: ...

    @abstractmethod
    def vocabulary(self, prefix: str, limit: int = 200) -> list[tuple[str, int]]:
        """Index terms starting with `prefix` and their document frequencies (typo tolerance)."""

    @abstractmethod
    def indexed_documents(self) -> set[str]:
        """The sha256 of every document the index holds records of (to catch up with the store)."""

    def holds_records(self) -> bool:
        """Whether the index holds any record. An embedded generation whose engine holds records
        over an empty hit store is damaged; the embedded engines answer from a count."""
        return bool(self.indexed_documents())

    # --- an index in the store's database (embedded = False) ---------------------------------
    # An embedded engine is rebuilt into a new folder, whose marker file `SearchIndex` writes and
    # checks: it needs none of these.

    def needs_rebuild(self, marker: dict) -> bool:
        """Whether the index is missing or was written with another marker (engine, schema and
        analyzer versions)."""
        return False

    def clear(self) -> None:
        """Start a rebuild in place: what is added until `commit` then replaces the whole index."""
        raise NotImplementedError(f"{type(self).__name__} is rebuilt into a new folder, not in place")

    def mark(self, marker: dict) -> None:
        """Keep the marker with the index, from the next `commit` on."""

    def close(self) -> None:
        pass


def record_terms(record: SearchRecord, analyzer) -> dict[str, str]:
    """The text fields of a record as space-separated analyzer terms, as every engine indexes them
    (computed here, or earlier by a worker process during a rebuild)."""
    if record.terms is not None:
        return record.terms
    body, cited = record.body, ""
    if record.cited and body.endswith(record.cited):
        body, cited = body[: -len(record.cited)], record.cited
    return {
        "title": " ".join(analyzer.terms(record.title)),
        "decision": " ".join(analyzer.terms(record.decision)),
        "body": " ".join(analyzer.terms(body)),
        "cited": " ".join(analyzer.terms(cited)),
    }
