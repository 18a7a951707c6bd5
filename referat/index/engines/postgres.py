"""PostgreSQL full-text search: the index lives in the store's own database (a shared server needs
no index folder on every machine).

- `search_records`: one row per `SearchRecord` with its filter columns and a `tsvector` of the
  analyzer's terms. The vector is written as a tsvector literal (exact lexemes, positions and
  weights A/B/C for title/decision/body), never through `to_tsvector`, whose parser would split
  case numbers ("15.00.00-p05-4-20") and point numbers ("5.3") that the analyzer keeps whole.
  Queries are tsquery literals for the same reason (`CAST(:q AS tsquery)`, a bound parameter: no
  user text is ever part of the SQL). Field positions are kept apart by a gap, so a phrase never
  runs from one field into the next, as in the embedded engines. `head` (generated) is the title
  and decision part of the vector, small enough to stay inline: it ranks very large result sets.
  `pairs` holds every two adjacent terms of a field, so a two-word phrase (or a hyphenated word)
  is a GIN look-up rather than a positional check of every candidate's whole vector.
- `search_terms(term, title, decision, body)`: the vocabulary for typo tolerance with each
  term's document frequency per field (a term's frequency is the largest of them, as tantivy and
  Whoosh count per field), kept up to date on every add and delete in SQL (`ts_stat` over
  100,000 records takes seconds, a look-up here a millisecond).
- `search_meta`: the marker (engine, schema, analyzer versions) that `needs_rebuild` compares.

The tables are not part of the Alembic migrations: they are derived data, rebuilt from the store
whenever their format changes (`SCHEMA_VERSION`), so a format change is a rebuild, never a
migration; `CREATE TABLE IF NOT EXISTS` here keeps the store's schema equal to its models on
SQLite and PostgreSQL alike. A rebuild fills fresh `*_new` tables in one transaction and swaps
them in by renaming at commit, so searches meanwhile keep using the old index.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import text

from referat.index.analysis import default_analyzer
from referat.index.engines.case import case_field_terms
from referat.index.engines.base import BOOSTS, NO_OUTCOME, Engine, EngineResult, Filters, record_terms
from referat.index.query import Clause, QueryPlan
from referat.index.records import SearchRecord

SCHEMA_VERSION = "6"  # 6: the dissent column, cited points as weight D
CASE_BOOST = 10.0  # a pasted case number outweighs any word match, as in the embedded engines
LABELS = {"title": "A", "decision": "B", "body": "C", "cited": "D"}
# ts_rank_cd weights in the order {D, C, B, A}, proportional to BOOSTS.
RANK_WEIGHTS = [BOOSTS["cited"] / BOOSTS["title"], BOOSTS["body"] / BOOSTS["title"], BOOSTS["decision"] / BOOSTS["title"], 1.0]
RANK_NORMALIZATION = 1  # divide by 1 + log(length): a long text does not win by length alone
# Ranking reads each match's whole tsvector (TOASTed, ~13 µs a record): fine for a few thousand
# matches, a second for 90,000. Above this many matches, the records with a query word in their
# title or decision come first, ranked by that small inline vector, then the others newest first
# (a title match first, as BM25 with the title boost does on such common words). Measured at
# 100,000 records: p50 ~50 ms, p95 ~150 ms over bench.search's query mix.
EXACT_RANK_LIMIT = 2000
MAX_POSITION = 16383  # PostgreSQL's limit; later positions are clamped to it
MAX_POSITIONS_PER_TERM = 256  # PostgreSQL keeps at most this many positions of one lexeme
MAX_LEXEME_BYTES = 2046
_REBUILD_LOCK = 0x7265_6673  # "refs": one rebuild of the search tables at a time


def quote_lexeme(term: str) -> str:
    """A lexeme for a tsvector/tsquery literal: quoted, with quotes and backslashes doubled."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(fields: dict[str, str]) -> str:
    """The record's terms (space-separated, per field) as a tsvector literal with positions and
    weights. A gap of one position between fields keeps phrases inside one field."""
    positions: dict[str, list[str]] = {}
    pos = 1
    for name, label in LABELS.items():
        for term in fields.get(name, "").split():
            if len(term.encode("utf-8")) <= MAX_LEXEME_BYTES:
                found = positions.get(term)
                if found is None:
                    positions[term] = [f"{min(pos, MAX_POSITION)}{label}"]
                elif len(found) < MAX_POSITIONS_PER_TERM:
                    found.append(f"{min(pos, MAX_POSITION)}{label}")
            pos += 1
        pos += 1
    return " ".join(f"{quote_lexeme(t)}:{','.join(p)}" for t, p in positions.items())


def pair(a: str, b: str) -> str:
    return f"{a} {b}"  # terms never hold a space


def pairs_literal(fields: dict[str, str]) -> str:
    """Every two adjacent terms of one field, as position-less lexemes ("ikke vestlig"): a
    two-word phrase is then one GIN look-up instead of a positional check of every record that
    has both words (which reads each one's whole TOASTed tsvector: a second for common words)."""
    pairs: set[str] = set()
    for name in LABELS:
        terms = fields.get(name, "").split()
        pairs.update(pair(a, b) for a, b in zip(terms, terms[1:]))
    return " ".join(quote_lexeme(p) for p in pairs if len(p.encode("utf-8")) <= MAX_LEXEME_BYTES)


def _table_ddl(suffix: str, if_not_exists: bool) -> list[str]:
    ine = "IF NOT EXISTS " if if_not_exists else ""
    return [
        f"""CREATE TABLE {ine}search_records{suffix} (
            uid text NOT NULL,
            doc text NOT NULL,
            kind text NOT NULL,
            committee text NOT NULL,
            outcome text NOT NULL,
            year integer,
            day date,
            case_terms text[] NOT NULL,
            dissent text[] NOT NULL,
            tsv tsvector NOT NULL,
            head tsvector GENERATED ALWAYS AS (ts_filter(tsv, '{{a,b}}')) STORED,
            pairs tsvector NOT NULL,
            CONSTRAINT pk_search_records{suffix} PRIMARY KEY (uid))""",
        f"""CREATE TABLE {ine}search_terms{suffix} (
            term text COLLATE "C" NOT NULL,
            title integer NOT NULL,
            decision integer NOT NULL,
            body integer NOT NULL,
            CONSTRAINT pk_search_terms{suffix} PRIMARY KEY (term))""",
    ]


# Per term of the rows in {source} (aliased r): in how many of them it occurs in each field.
_TERM_COUNTS = (
    "SELECT u.lexeme AS term, count(*) FILTER (WHERE 'A' = ANY(u.weights)) AS title,"
    " count(*) FILTER (WHERE 'B' = ANY(u.weights)) AS decision, count(*) FILTER (WHERE 'C' = ANY(u.weights) OR 'D' = ANY(u.weights)) AS body"
    " FROM {source} r, unnest(r.tsv) u"
)

# No index on kind: nearly every record is an item, and with one the planner tests @@ on every
# item (reading its tsvector) instead of asking the GIN index.
_INDEXES = {  # name → definition (on search_records)
    "tsv": "USING {fts} (tsv{ops})",
    "pairs": "USING gin (pairs)",
    "head": "USING gin (head)",
    "doc": "(doc)",
    "committee": "(committee)",
    "outcome": "(outcome)",
    "day": "(day)",
    "case_terms": "USING gin (case_terms)",
}


def _index_ddl(suffix: str, rum: bool, if_not_exists: bool) -> list[str]:
    ine = "IF NOT EXISTS " if if_not_exists else ""
    fts, ops = ("rum", " rum_tsvector_ops") if rum else ("gin", "")
    return [
        f"CREATE INDEX {ine}ix_search_records{suffix}_{name} ON search_records{suffix} " + how.format(fts=fts, ops=ops)
        for name, how in _INDEXES.items()
    ]


class PostgresEngine(Engine):
    schema_version = SCHEMA_VERSION
    embedded = False

    def __init__(self, db, reader=None):
        self.db = db  # the primary: every write
        self.reader = reader or (lambda: db)  # what searches read: a replica, when there are any
        self.analyzer = default_analyzer()
        self._conn = None  # the writer's connection: one transaction until commit()
        self._building = False  # filling search_*_new for a rebuild
        self._tables_ready = False
        self._deleted = False

    # --- life cycle (called by SearchIndex: an index in the database is rebuilt in place) -----

    def needs_rebuild(self, marker: dict) -> bool:
        with self.reader().connect() as conn:
            if conn.scalar(text("SELECT to_regclass('search_meta') IS NULL OR to_regclass('search_records') IS NULL")):
                return True
            stored = conn.scalar(text("SELECT value FROM search_meta WHERE key = 'marker'"))
        return stored != json.dumps(marker, sort_keys=True)

    def clear(self) -> None:
        """Start a rebuild: fresh, empty `*_new` tables, swapped in by `commit`."""
        conn = self._writer()
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REBUILD_LOCK})
        conn.execute(text("CREATE TABLE IF NOT EXISTS search_meta (key text PRIMARY KEY, value text NOT NULL)"))
        conn.execute(text("DROP TABLE IF EXISTS search_records_new, search_terms_new"))
        for ddl in _table_ddl("_new", if_not_exists=False):
            conn.execute(text(ddl))
        self._building = True

    def mark(self, marker: dict) -> None:
        conn = self._writer()
        conn.execute(text("CREATE TABLE IF NOT EXISTS search_meta (key text PRIMARY KEY, value text NOT NULL)"))
        conn.execute(
            text("INSERT INTO search_meta (key, value) VALUES ('marker', :v) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"),
            {"v": json.dumps(marker, sort_keys=True)},
        )

    # --- writing ------------------------------------------------------------------------------

    def _writer(self):
        if self._conn is None:
            self._conn = self.db.connect()
        return self._conn

    def _target(self) -> tuple[str, str]:
        """The (records, terms) tables writes go to, created if this database has none yet."""
        if self._building:
            return "search_records_new", "search_terms_new"
        if not self._tables_ready:
            conn = self._writer()
            for ddl in _table_ddl("", if_not_exists=True) + _index_ddl("", self._rum(conn), if_not_exists=True):
                conn.execute(text(ddl))
            self._tables_ready = True
        return "search_records", "search_terms"

    def add(self, records: list[SearchRecord]) -> None:
        if not records:
            return
        records_table, terms_table = self._target()
        latest = {r.uid: r for r in records}  # one row per uid; the last one wins, as in tantivy
        self._delete(records_table, terms_table, "uid", list(latest))
        conn = self._writer()
        cursor = conn.connection.driver_connection.cursor()
        columns = "uid, doc, kind, committee, outcome, year, day, case_terms, dissent, tsv, pairs"
        with cursor.copy(f"COPY {records_table} ({columns}) FROM STDIN") as copy:
            for r in latest.values():
                copy.write_row(
                    (
                        r.uid,
                        r.document,
                        r.kind,
                        r.committee or "",
                        r.outcome or NO_OUTCOME,
                        r.year,
                        r.date,
                        case_field_terms(r.case_number),
                        list(r.dissent),
                        tsvector_literal(terms := record_terms(r, self.analyzer)),
                        pairs_literal(terms),
                    )
                )
        cursor.close()
        if not self._building:  # a rebuild counts the whole vocabulary once, at commit
            conn.execute(
                text(
                    f"INSERT INTO {terms_table} (term, title, decision, body) {_TERM_COUNTS.format(source=records_table)}"
                    " WHERE r.uid = ANY(:uids) GROUP BY u.lexeme"
                    f" ON CONFLICT (term) DO UPDATE SET title = {terms_table}.title + EXCLUDED.title,"
                    f" decision = {terms_table}.decision + EXCLUDED.decision, body = {terms_table}.body + EXCLUDED.body"
                ),
                {"uids": list(latest)},
            )

    def delete_documents(self, shas: list[str]) -> None:
        if shas:
            records_table, terms_table = self._target()
            self._delete(records_table, terms_table, "doc", list(shas))

    def _delete(self, records_table: str, terms_table: str, column: str, keys: list[str]) -> None:
        """Delete rows by uid or doc, taking their terms off the vocabulary in the same statement."""
        conn = self._writer()
        if self._building:
            conn.execute(text(f"DELETE FROM {records_table} WHERE {column} = ANY(:keys)"), {"keys": keys})
            return
        result = conn.execute(
            text(
                f"WITH gone AS (DELETE FROM {records_table} WHERE {column} = ANY(:keys) RETURNING tsv),"
                " counts AS (" + _TERM_COUNTS.format(source="gone") + " GROUP BY u.lexeme)"
                f" UPDATE {terms_table} t SET title = t.title - counts.title, decision = t.decision - counts.decision,"
                " body = t.body - counts.body FROM counts WHERE t.term = counts.term"
            ),
            {"keys": keys},
        )
        self._deleted = self._deleted or bool(result.rowcount)

    def commit(self) -> None:
        if self._conn is None:
            return
        conn = self._conn
        if self._building:
            self._swap_in(conn)
        elif self._deleted:
            conn.execute(text("DELETE FROM search_terms WHERE GREATEST(title, decision, body) <= 0"))
        conn.commit()
        conn.close()
        self._conn, self._building, self._deleted = None, False, False

    def _swap_in(self, conn) -> None:
        """Count the vocabulary, index the new tables, then replace the old ones by renaming:
        readers wait only for the renames, never for the indexing."""
        conn.execute(
            text(f"INSERT INTO search_terms_new (term, title, decision, body) {_TERM_COUNTS.format(source='search_records_new')} GROUP BY u.lexeme")
        )
        rum = self._rum(conn)
        for ddl in _index_ddl("_new", rum, if_not_exists=False):
            conn.execute(text(ddl))
        conn.execute(text("ANALYZE search_records_new"))
        conn.execute(text("ANALYZE search_terms_new"))
        conn.execute(text("DROP TABLE IF EXISTS search_records, search_terms"))
        for table in ("search_records", "search_terms"):
            conn.execute(text(f"ALTER TABLE {table}_new RENAME TO {table}"))
            conn.execute(text(f"ALTER TABLE {table} RENAME CONSTRAINT pk_{table}_new TO pk_{table}"))
        for name in _INDEXES:
            conn.execute(text(f"ALTER INDEX ix_search_records_new_{name} RENAME TO ix_search_records_{name}"))
        self._tables_ready = True

    @staticmethod
    def _rum(conn) -> bool:
        """Whether the RUM extension (a faster ranked index) is there or can be created; never required."""
        if conn.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'rum'")):
            return True
        if not conn.scalar(text("SELECT count(*) FROM pg_available_extensions WHERE name = 'rum'")):
            return False
        try:
            with conn.begin_nested():
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS rum"))
            return True
        except Exception:  # noqa: BLE001 - no privilege or a broken package: plain GIN it is
            return False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.rollback()
            self._conn.close()
            self._conn, self._building, self._deleted = None, False, False

    # --- reading ------------------------------------------------------------------------------

    def search(self, plan: QueryPlan, filters: Filters, *, sort: str = "relevance", limit: int = 10, offset: int = 0) -> EngineResult:
        """Facet counts first (they give the total), then the page: ranked exactly when the
        matches are few, by the title and decision alone when they are many (see EXACT_RANK_LIMIT)."""
        c = _compile(plan, filters)
        where, params = c.where, c.params
        facets: dict[str, dict[str, int]] = {"committee": {}, "year": {}, "outcome": {}}
        with self.reader().connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            # A sequential scan would read (de-TOAST) every record's tsvector to test @@; the GIN
            # index answers plain terms without reading them at all.
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            # Locking before the first query takes the snapshot after a rebuild's swap has
            # committed: without it this transaction could read the new table with an old
            # snapshot, and see it empty.
            conn.execute(text("LOCK TABLE search_records IN ACCESS SHARE MODE"))
            # One row per (committee, year, outcome) combination, summed here: cheaper than
            # GROUPING SETS, and there are a few thousand combinations at most, however many matches.
            groups = conn.execute(
                text(f"SELECT committee, year, outcome, count(*) FROM search_records r WHERE {where} GROUP BY committee, year, outcome"),
                params,
            ).all()
            total = 0
            for committee, year, outcome, n in groups:
                total += n
                if committee:
                    facets["committee"][committee] = facets["committee"].get(committee, 0) + n
                if year:
                    facets["year"][str(year)] = facets["year"].get(str(year), 0) + n
                facets["outcome"][outcome] = facets["outcome"].get(outcome, 0) + n
            if not total or offset >= total:
                return EngineResult(total, [], facets)
            def page(score: str, order: str, condition: str = "TRUE", skip: int = offset, take: int = limit) -> list:
                sql = f"SELECT r.uid, {score} AS score FROM search_records r WHERE {where} AND {condition} ORDER BY {order} LIMIT :take OFFSET :skip"
                return conn.execute(text(sql), {**params, "take": take, "skip": skip}).all()

            by_rank, by_date = "score DESC, r.day DESC NULLS LAST, r.uid", "r.day DESC NULLS LAST, r.uid"
            if sort == "date":
                rows = page("0.0", by_date)
            elif total <= EXACT_RANK_LIMIT or c.head_match is None:
                rows = page(c.rank if total <= EXACT_RANK_LIMIT else c.rank_head, by_rank)
            else:  # many matches: those with a word in the title or decision first, ranked; then the rest, newest first
                rows = page(c.rank_head, by_rank, c.head_match, 0, offset + limit)
                if len(rows) < offset + limit:
                    rows += page("0.0", by_date, f"NOT {c.head_match}", 0, offset + limit - len(rows))
                rows = rows[offset:]
        return EngineResult(total, [(uid, float(score or 0.0)) for uid, score in rows], facets)

    def vocabulary(self, prefix: str, limit: int = 200) -> list[tuple[str, int]]:
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self.reader().connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT term, GREATEST(title, decision, body) AS df FROM search_terms"
                    " WHERE term LIKE :p AND GREATEST(title, decision, body) > 0 ORDER BY df DESC, term LIMIT :n"
                ),
                {"p": pattern, "n": limit},
            ).all()
        return [(t, int(df)) for t, df in rows]

    def indexed_documents(self) -> set[str]:
        with self.db.connect() as conn:
            return set(conn.scalars(text("SELECT DISTINCT doc FROM search_records")))


# --- compiling a plan ---------------------------------------------------------------------------


@dataclass
class Compiled:
    where: str
    rank: str  # exact: the whole vector
    rank_head: str  # title and decision only
    head_match: str | None  # some word of the query in the title or decision
    params: dict


def _compile(plan: QueryPlan, filters: Filters) -> Compiled:
    """SQL fragments for a plan and filters. Only fixed SQL fragments are put together here;
    terms travel as bound parameters."""
    params: dict = {}
    conditions: list[str] = []
    must: list[str] = []  # tsquery parts every match needs
    must_not: list[str] = []
    rank_parts: list[str] = []  # the positive tsquery parts, for ranking
    case_rank: list[str] = []

    def param(value) -> str:
        name = f"p{len(params)}"
        params[name] = value
        return f":{name}"

    def case_condition(clause: Clause) -> str:
        return f"r.case_terms @> CAST({param(clause.terms[:1])} AS text[])"

    for clause in plan.clauses:
        options = [clause] + ([] if clause.negated else clause.alternatives)
        text_options = [_tsquery(o) for o in options if o.kind != "case"]
        case_options = [o for o in options if o.kind == "case"]
        if len(options) == 1 and clause.kind == "phrase" and clause.field is None:
            # The adjacent pairs decide a two-word phrase exactly; a longer one is checked by
            # position only on the records that have all its pairs.
            q, pairs_q = text_options[0], " & ".join(quote_lexeme(pair(a, b)) for a, b in zip(clause.terms, clause.terms[1:]))
            has_pairs = f"r.pairs @@ CAST({param(pairs_q)} AS tsquery)"
            if clause.negated and len(clause.terms) == 2:
                conditions.append(f"NOT {has_pairs}")
            elif clause.negated:
                must_not.append(q)
            else:
                conditions.append(has_pairs)
                rank_parts.append(q)
                if len(clause.terms) > 2:
                    must.append(q)
            continue
        if not case_options:
            q = text_options[0] if len(text_options) == 1 else "(" + " | ".join(text_options) + ")"
            if clause.negated:
                must_not.append(q)
            else:
                must.append(q)
                rank_parts.append(q)
            continue
        alternatives = [case_condition(o) for o in case_options]
        if text_options:
            tsq = text_options[0] if len(text_options) == 1 else "(" + " | ".join(text_options) + ")"
            alternatives.append(f"r.tsv @@ CAST({param(tsq)} AS tsquery)")
            rank_parts.append(tsq)
        condition = alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"
        if clause.negated:
            conditions.append(f"NOT {condition}")
        else:
            conditions.append(condition)
            case_rank += [f"CASE WHEN {case_condition(o)} THEN {CASE_BOOST} ELSE 0 END" for o in case_options]
    if must or must_not:
        tsq = " & ".join(must + [f"!{q}" for q in must_not])
        conditions.insert(0, f"r.tsv @@ CAST({param(tsq)} AS tsquery)")
    # With words to look up, the filters are written so that no index can serve them: the
    # planner would otherwise fetch, say, every approved item by the outcome index and test @@
    # on each (reading its TOASTed tsvector), where the GIN index answers without reading any.
    text_led = any("r.pairs @@" in c for c in conditions) or bool(must)
    committee, outcome, day = ("(r.committee || '')", "(r.outcome || '')", "(r.day + 0)") if text_led else ("r.committee", "r.outcome", "r.day")
    case_terms = "(r.case_terms || CAST('{}' AS text[]))" if text_led else "r.case_terms"
    if filters.kinds:
        conditions.append(f"r.kind = ANY({param(list(filters.kinds))})")
    if filters.committee:
        conditions.append(f"{committee} = {param(filters.committee)}")
    if filters.outcome:
        conditions.append(f"{outcome} = {param(filters.outcome)}")
    if filters.dissent:  # rare enough to test row by row, after the other conditions
        conditions.append(f"{param(filters.dissent)} = ANY(r.dissent)")
    if filters.case_prefix:
        terms = case_field_terms(filters.case_prefix)
        conditions.append(f"{case_terms} @> CAST({param([terms[-1] if terms else filters.case_prefix.lower()])} AS text[])")
    if filters.date_from:
        conditions.append(f"{day} >= {param(filters.date_from)}")
    if filters.date_to:
        conditions.append(f"{day} <= {param(filters.date_to)}")
    weights = param(RANK_WEIGHTS)
    rank, rank_head, head_match = [], [], None
    if rank_parts:
        rank = [f"ts_rank_cd(CAST({weights} AS float4[]), r.tsv, CAST({param(' & '.join(rank_parts))} AS tsquery), {RANK_NORMALIZATION})"]
        # Any of the words in the title or decision (a small inline vector; all words need not be there).
        any_word = param(" | ".join(rank_parts))
        rank_head = [f"ts_rank_cd(CAST({weights} AS float4[]), r.head, CAST({any_word} AS tsquery), {RANK_NORMALIZATION})"]
        head_match = f"r.head @@ CAST({any_word} AS tsquery)"
    return Compiled(
        " AND ".join(conditions) or "TRUE", " + ".join(rank + case_rank) or "1.0", " + ".join(rank_head + case_rank) or "1.0", head_match, params
    )


def _tsquery(clause: Clause) -> str:
    """One text clause as tsquery syntax: a term, an OR of terms, a phrase (<->) or a prefix (:*),
    restricted to one field by its weight label."""
    label = LABELS[clause.field] if clause.field else ""
    if clause.kind == "prefix":
        return f"{quote_lexeme(clause.terms[0])}:*{label}"
    suffix = f":{label}" if label else ""
    operands = [quote_lexeme(t) + suffix for t in clause.terms]
    if clause.kind == "phrase":
        return "(" + " <-> ".join(operands) + ")"
    return operands[0] if len(operands) == 1 else "(" + " | ".join(operands) + ")"
