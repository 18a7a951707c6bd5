"""Whoosh: the pure-Python engine, slow but with no compiled dependency (the baseline).

Like tantivy, fields hold the analyzer's terms separated by spaces and are split on whitespace
only (no lower-casing, no stemming), so Danish analysis stays in `referat.index.analysis`. Queries
are built from the `QueryPlan` with `whoosh.query` objects, never whoosh's own query parser, so
both engines execute exactly the same plan. Facet fields are sortable (columns): counting them
over the whole result set reads the columns, never the stored fields of every match.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import whoosh.index
from whoosh import query as Q
from whoosh import scoring, sorting
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.matching import AndNotMatcher, RequireMatcher

from referat.index.analysis import default_analyzer
from referat.index.engines.case import case_field_terms
from referat.index.engines.base import BOOSTS, NO_OUTCOME, Engine, EngineResult, Filters, record_terms
from referat.index.query import Clause, QueryPlan
from referat.index.records import KINDS, SearchRecord

SCHEMA_VERSION = "2"  # 2: the dissent and cited fields
CASE_BOOST = 10.0  # a pasted case number outweighs any word match, as in tantivy
FACETS = ("committee", "year", "outcome")
_FACET_CACHE_MIN = 500  # from this many matches on, facets are counted from whole columns in memory


class _Require(Q.Require):
    """`a` restricted to documents matching `b`, scored by `a` alone. Whoosh 2.7.4's own
    `Require.matcher` returns an AndNotMatcher (it excludes instead of requires)."""

    def matcher(self, searcher, context=None):
        return RequireMatcher(self.a.matcher(searcher, context), self.b.matcher(searcher, searcher.boolean_context()))


class _AndNotMatcher(AndNotMatcher):
    """Whoosh 2.7.4 skips the excluded matcher forward only when both start on the same
    document, so "junge -kr" kept a document with "kr" whenever "kr" also occurred earlier."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class _AndNot(Q.AndNot):
    def matcher(self, searcher, context=None):
        return _AndNotMatcher(self.a.matcher(searcher, context), self.b.matcher(searcher, searcher.boolean_context()))


def _schema() -> Schema:
    terms = SpaceSeparatedTokenizer()
    return Schema(
        uid=ID(stored=True, unique=True),
        doc=ID,
        kind=ID(sortable=True),
        committee=ID(sortable=True),
        outcome=ID(sortable=True),
        case=KEYWORD,
        dissent=KEYWORD,
        year=NUMERIC(int, bits=32, sortable=True),
        day=NUMERIC(int, bits=32, sortable=True),  # YYYYMMDD
        **{name: TEXT(analyzer=terms, phrase=True) for name in BOOSTS},
    )


class WhooshEngine(Engine):
    schema_version = SCHEMA_VERSION

    def __init__(self, path: Path, *, create: bool = False):
        path.mkdir(parents=True, exist_ok=True)
        if create or not whoosh.index.exists_in(str(path)):
            if not create:
                raise FileNotFoundError(f"no Whoosh index in {path}")
            self.index = whoosh.index.create_in(str(path), _schema())
        else:
            self.index = whoosh.index.open_dir(str(path))
            self._probe()
        self.analyzer = default_analyzer()
        self._writer = None
        self._searcher = None
        self._columns: tuple | None = None  # (searcher, {facet: list of raw column values})

    def _probe(self) -> None:
        """Touch every segment's term dictionary, columns and stored fields now, so a corrupt
        folder fails on open (and `SearchIndex` rebuilds it) rather than in the middle of a search."""
        with self.index.searcher() as searcher:
            reader = searcher.reader()
            for name in ("doc", *BOOSTS):
                next(iter(reader.lexicon(name)), None)
            for name in FACETS:
                column = reader.column_reader(name)
                if reader.doc_count_all():
                    column[0]
            if reader.doc_count_all():
                next(iter(reader.all_stored_fields()), None)

    # --- writing ------------------------------------------------------------------------------

    @property
    def writer(self):
        if self._writer is None:
            self._writer = self.index.writer()
        return self._writer

    def add(self, records: list[SearchRecord]) -> None:
        writer = self.writer
        for record in records:
            terms = record_terms(record, self.analyzer)
            writer.update_document(
                uid=record.uid,
                doc=record.document,
                kind=record.kind,
                committee=record.committee,
                outcome=record.outcome or NO_OUTCOME,
                case=" ".join(case_field_terms(record.case_number)),
                dissent=" ".join(record.dissent),
                year=record.year or 0,
                day=int(record.date.strftime("%Y%m%d")) if record.date else 0,
                **terms,
            )

    def delete_documents(self, shas: list[str]) -> None:
        writer = self.writer
        for sha in shas:
            writer.delete_by_term("doc", sha)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer = None
        self._drop_searcher()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        self._drop_searcher()

    def _drop_searcher(self) -> None:
        self._columns = None
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    # --- reading ------------------------------------------------------------------------------

    def searcher(self):
        """One searcher kept open between queries (opening reads every segment's headers),
        refreshed when another process has committed since."""
        if self._searcher is None:
            self._searcher = self.index.searcher(weighting=scoring.BM25F())
        elif not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()
        return self._searcher

    def search(self, plan: QueryPlan, filters: Filters, *, sort: str = "relevance", limit: int = 10, offset: int = 0) -> EngineResult:
        query, mask = self._query(plan, filters)
        searcher = self.searcher()
        # limit=None: every match is collected (no block skipping), so the total and the facets
        # cover the whole result set; stored fields are read for the page only.
        kwargs: dict = {"limit": None, "mask": mask}
        if sort == "date":
            kwargs["sortedby"] = sorting.FieldFacet("day", reverse=True)
        results = searcher.search(query, **kwargs)
        total = len(results)
        hits = []
        for hit in results[offset : offset + limit]:
            hits.append((hit["uid"], float(hit.score) if sort != "date" and hit.score is not None else 0.0))
        facets = self._facet_counts(searcher, [docnum for _, docnum in results.top_n]) if total else {name: {} for name in FACETS}
        return EngineResult(total, hits, facets)

    def _facet_counts(self, searcher, docnums: list[int]) -> dict[str, dict[str, int]]:
        """Counts per committee, year and outcome over these documents, from the columns. Many
        matches are counted from the whole columns read once per searcher into lists (a C-speed
        look-up a match instead of a column reader call)."""
        reader = searcher.reader()
        if len(docnums) > _FACET_CACHE_MIN:
            if self._columns is None or self._columns[0] is not searcher:
                self._columns = (searcher, {name: list(reader.column_reader(name, translate=False)) for name in FACETS})
            columns = self._columns[1]
            get = {name: columns[name].__getitem__ for name in FACETS}
        else:
            get = {name: reader.column_reader(name, translate=False).__getitem__ for name in FACETS}
        out: dict[str, dict[str, int]] = {}
        for name in FACETS:
            field = self.index.schema[name]
            values: dict[str, int] = {}
            for raw, count in Counter(map(get[name], docnums)).items():
                key = field.from_column_value(raw)
                if key is None or key == "" or (name == "year" and int(key) == 0):
                    continue
                key = str(int(key)) if name == "year" else str(key)
                values[key] = values.get(key, 0) + count
            out[name] = values
        return out

    def _query(self, plan: QueryPlan, filters: Filters) -> tuple[Q.Query, Q.Query | None]:
        """The plan and filters as (query, mask): the mask holds the records of the kinds not
        asked for. Nearly every record is an item, so excluding the few others is far cheaper
        than intersecting every query with the posting list of "kind:item"."""
        must: list[Q.Query] = []
        must_not: list[Q.Query] = []
        for clause in plan.clauses:
            q = self._clause(clause)
            if clause.negated:
                must_not.append(q)
                continue
            if clause.alternatives:
                q = Q.Or([q] + [self._clause(a) for a in clause.alternatives])
            must.append(q)
        filter_parts: list[Q.Query] = []
        other_kinds = [k for k in KINDS if k not in filters.kinds] if filters.kinds else []
        mask = Q.Or([Q.Term("kind", k) for k in other_kinds]) if other_kinds else None
        if filters.committee:
            filter_parts.append(Q.Term("committee", filters.committee))
        if filters.outcome:
            filter_parts.append(Q.Term("outcome", filters.outcome))
        if filters.dissent:
            filter_parts.append(Q.Term("dissent", filters.dissent))
        if filters.case_prefix:
            terms = case_field_terms(filters.case_prefix)
            filter_parts.append(Q.Term("case", terms[-1] if terms else filters.case_prefix.lower()))
        if filters.date_from or filters.date_to:
            low = int(filters.date_from.strftime("%Y%m%d")) if filters.date_from else None
            high = int(filters.date_to.strftime("%Y%m%d")) if filters.date_to else None
            filter_parts.append(Q.NumericRange("day", low, high))
        # Filters restrict without scoring, as tantivy's const_score_query(f, 0.0): Require keeps
        # the scores of its first query and intersects lazily (ConstantScoreQuery would list every
        # document of "kind:item"; a 0.0 boost trips whoosh's union matchers).
        filt = None if not filter_parts else filter_parts[0] if len(filter_parts) == 1 else Q.And(filter_parts)
        if must:
            query: Q.Query = must[0] if len(must) == 1 else Q.And(must)
            if filt is not None:
                query = _Require(query, filt)
        else:  # never And(Every(), ...): whoosh's normalize() turns that into Every()
            query = filt if filt is not None else Q.Every()
        if must_not:
            query = _AndNot(query, must_not[0] if len(must_not) == 1 else Q.Or(must_not))
        return query, mask

    def _clause(self, clause: Clause) -> Q.Query:
        if clause.kind == "case":
            return Q.Term("case", clause.terms[0], boost=CASE_BOOST)
        fields = [clause.field] if clause.field else list(BOOSTS)
        per_field: list[Q.Query] = []
        for name in fields:
            boost = BOOSTS[name]
            if clause.kind == "phrase":
                q: Q.Query = Q.Phrase(name, clause.terms, boost=boost)
            elif clause.kind == "prefix":
                q = Q.Prefix(name, clause.terms[0], boost=boost)
            elif len(clause.terms) == 1:
                q = Q.Term(name, clause.terms[0], boost=boost)
            else:
                q = Q.Or([Q.Term(name, t) for t in clause.terms], boost=boost)
            per_field.append(q)
        return per_field[0] if len(per_field) == 1 else Q.Or(per_field)

    def vocabulary(self, prefix: str, limit: int = 200) -> list[tuple[str, int]]:
        reader = self.searcher().reader()
        merged: dict[str, int] = {}
        for name in BOOSTS:
            for raw, info in reader.iter_prefix(name, prefix):
                term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                merged[term] = max(merged.get(term, 0), info.doc_frequency())
        return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def indexed_documents(self) -> set[str]:
        """Documents with at least one live record: a deleted document's term stays in the
        lexicon until its segment is merged, so each term's postings are checked."""
        reader = self.searcher().reader()
        out = set()
        for raw in list(reader.lexicon("doc")):
            term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if reader.postings("doc", term).is_active():
                out.add(term)
        return out

    def holds_records(self) -> bool:
        return self.searcher().doc_count() > 0
