"""tantivy: the embedded default engine (an index folder in the data folder).

Measured on 100,000 synthetic items: ~43x faster indexing and ~100x faster queries than Whoosh.
Fields hold the analyzer's terms separated by spaces; a whitespace tokenizer is all tantivy has to
do, so Danish analysis stays in one place (`referat.index.analysis`).
"""

from __future__ import annotations

import re
from pathlib import Path

import tantivy

from referat.index.analysis import default_analyzer
from referat.index.engines.case import case_field_terms
from referat.index.engines.base import BOOSTS, NO_OUTCOME, Engine, EngineResult, Filters, record_terms
from referat.index.query import Clause, QueryPlan
from referat.index.records import SearchRecord

SCHEMA_VERSION = "2"  # 2: the dissent and cited fields
_TOKENIZER = "referat_terms"
_FACET_SIZE = 1000


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("uid", stored=True, tokenizer_name="raw", index_option="basic")
    b.add_text_field("doc", tokenizer_name="raw", index_option="basic")
    b.add_text_field("kind", tokenizer_name="raw", fast=True, index_option="basic")
    b.add_text_field("committee", tokenizer_name="raw", fast=True, index_option="basic")
    b.add_text_field("outcome", tokenizer_name="raw", fast=True, index_option="basic")
    b.add_text_field("case", tokenizer_name="raw", index_option="basic")
    b.add_text_field("dissent", tokenizer_name="raw", index_option="basic")
    b.add_integer_field("year", fast=True, indexed=True)
    b.add_integer_field("day", fast=True, indexed=True)  # YYYYMMDD
    for name in BOOSTS:
        b.add_text_field(name, tokenizer_name=_TOKENIZER, index_option="position")
    return b.build()


def _window(records: int, limit: int, offset: int) -> tuple[int, int, bool]:
    """The (limit, offset) to hand tantivy, and whether the page lies past every record.

    tantivy reserves room for offset+limit hits before it searches (an offset of 2^31 aborted the
    process asking for 34 GB) and panics on a limit of 0, so the window never reaches past the
    records the index holds; a page past them still runs a one-hit search, for the total and
    facets, and lists nothing."""
    if offset >= records:
        return 1, 0, True
    return max(1, min(limit, records - offset)), offset, False


class TantivyEngine(Engine):
    schema_version = SCHEMA_VERSION

    def __init__(self, path: Path, *, create: bool = False):
        path.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self.index = tantivy.Index(self.schema, path=str(path), reuse=not create)
        self.index.register_tokenizer(_TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
        self._writer: tantivy.IndexWriter | None = None
        # A new index holds nothing to replace: a rebuild deletes only uids it has already added
        # in this run (the same budget point from the agreement as text, PDF and web page).
        self._fresh = create
        self._added: set[str] = set()
        self.analyzer = default_analyzer()

    # --- writing ------------------------------------------------------------------------------

    @property
    def writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            self._writer = self.index.writer(heap_size=128_000_000, num_threads=2)
        return self._writer

    def add(self, records: list[SearchRecord]) -> None:
        writer = self.writer
        for record in records:
            if not self._fresh or record.uid in self._added:
                writer.delete_documents_by_term("uid", record.uid)
            if self._fresh:
                self._added.add(record.uid)
            terms = record_terms(record, self.analyzer)
            doc = tantivy.Document(
                uid=record.uid,
                doc=record.document,
                kind=record.kind,
                committee=record.committee,
                outcome=record.outcome or NO_OUTCOME,
                case=case_field_terms(record.case_number) or [""],
                dissent=list(record.dissent) or [""],
                year=record.year or 0,
                day=int(record.date.strftime("%Y%m%d")) if record.date else 0,
                **terms,
            )
            writer.add_document(doc)

    def delete_documents(self, shas: list[str]) -> None:
        for sha in shas:
            self.writer.delete_documents_by_term("doc", sha)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
        self._fresh = False
        self._added.clear()
        self.index.reload()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None

    # --- reading ------------------------------------------------------------------------------

    def search(self, plan: QueryPlan, filters: Filters, *, sort: str = "relevance", limit: int = 10, offset: int = 0) -> EngineResult:
        query = self._query(plan, filters)
        searcher = self.index.searcher()
        limit, offset, beyond = _window(searcher.num_docs, limit, offset)
        if sort == "date":
            result = searcher.search(query, limit, offset=offset, order_by_field="day", order=tantivy.Order.Desc)
        else:
            result = searcher.search(query, limit, offset=offset)
        hits = []
        for key, address in [] if beyond else result.hits:
            uid = searcher.doc(address)["uid"][0]
            hits.append((uid, float(key) if sort != "date" else 0.0))
        facets = self._facets(searcher, query) if result.count else {"committee": {}, "year": {}, "outcome": {}}
        return EngineResult(result.count or 0, hits, facets)

    def _facets(self, searcher: tantivy.Searcher, query: tantivy.Query) -> dict[str, dict[str, int]]:
        spec = {name: {"terms": {"field": name, "size": _FACET_SIZE}} for name in ("committee", "year", "outcome")}
        raw = searcher.aggregate(query, spec)
        out: dict[str, dict[str, int]] = {}
        for name in ("committee", "year", "outcome"):
            buckets = raw.get(name, {}).get("buckets", [])
            values = {}
            for b in buckets:
                key = b["key"]
                if name == "year":
                    key = str(int(key))
                    if key == "0":
                        continue
                elif key == "":
                    continue
                values[str(key)] = int(b["doc_count"])
            out[name] = values
        return out

    def _query(self, plan: QueryPlan, filters: Filters) -> tantivy.Query:
        s = self.schema
        parts: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for clause in plan.clauses:
            q = self._clause(clause)
            if clause.alternatives and not clause.negated:
                q = tantivy.Query.boolean_query([(tantivy.Occur.Should, q)] + [(tantivy.Occur.Should, self._clause(a)) for a in clause.alternatives])
            parts.append((tantivy.Occur.MustNot if clause.negated else tantivy.Occur.Must, q))
        if not any(occur == tantivy.Occur.Must for occur, _ in parts):
            parts.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        filter_parts = []
        if filters.kinds:
            filter_parts.append(tantivy.Query.term_set_query(s, "kind", list(filters.kinds)))
        if filters.committee:
            filter_parts.append(tantivy.Query.term_query(s, "committee", filters.committee))
        if filters.outcome:
            filter_parts.append(tantivy.Query.term_query(s, "outcome", filters.outcome))
        if filters.dissent:
            filter_parts.append(tantivy.Query.term_query(s, "dissent", filters.dissent))
        if filters.case_prefix:
            terms = case_field_terms(filters.case_prefix)
            filter_parts.append(tantivy.Query.term_query(s, "case", terms[-1] if terms else filters.case_prefix.lower()))
        if filters.date_from or filters.date_to:
            low = int(filters.date_from.strftime("%Y%m%d")) if filters.date_from else None
            high = int(filters.date_to.strftime("%Y%m%d")) if filters.date_to else None
            filter_parts.append(tantivy.Query.range_query(s, "day", tantivy.FieldType.Integer, low, high))
        parts += [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filter_parts]
        return tantivy.Query.boolean_query(parts)

    def _clause(self, clause: Clause) -> tantivy.Query:
        s = self.schema
        if clause.kind == "case":
            return tantivy.Query.boost_query(tantivy.Query.term_query(s, "case", clause.terms[0]), 10.0)
        fields = [clause.field] if clause.field else list(BOOSTS)
        per_field = []
        for name in fields:
            if clause.kind == "phrase":
                q = tantivy.Query.phrase_query(s, name, clause.terms)
            elif clause.kind == "prefix":
                q = tantivy.Query.regex_query(s, name, re.escape(clause.terms[0]) + ".*")
            elif len(clause.terms) == 1:
                q = tantivy.Query.term_query(s, name, clause.terms[0])
            else:
                q = tantivy.Query.term_set_query(s, name, clause.terms)
            per_field.append((tantivy.Occur.Should, tantivy.Query.boost_query(q, BOOSTS[name])))
        return per_field[0][1] if len(per_field) == 1 else tantivy.Query.boolean_query(per_field)

    def vocabulary(self, prefix: str, limit: int = 200) -> list[tuple[str, int]]:
        searcher = self.index.searcher()
        merged: dict[str, int] = {}
        for name in BOOSTS:
            for term, count in searcher.terms_with_prefix(name, prefix, limit=limit):
                merged[term] = max(merged.get(term, 0), count)
        return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def indexed_documents(self) -> set[str]:
        searcher = self.index.searcher()
        return {term for term, _ in searcher.terms_with_prefix("doc", "")}

    def holds_records(self) -> bool:
        return self.index.searcher().num_docs > 0
