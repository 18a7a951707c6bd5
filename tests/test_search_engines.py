"""Engine-specific behaviour the conformance suite cannot show with one archive per engine:

- every engine gives the same hits, totals, facets and suggestions as tantivy over a broad mix
  of queries and filters (the conformance suite checks chosen answers; this checks agreement);
- a reindex into a new generation while another process keeps searching: never an error, never
  a half index;
- a corrupt index folder and an old-format marker are rebuilt on first use, with one notice;
- a search answered from an embedded index alone never loads SQLAlchemy;
- deleting or replacing a document removes its records;
- PostgreSQL: the rebuild marker, and terms that need quoting in tsvector/tsquery literals.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from textwrap import dedent
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from referat.archive import Archive
from tests.conftest import pg_schema

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
EMBEDDED = ["tantivy", "whoosh"]
ENGINES = [*EMBEDDED, pytest.param("postgres", marks=pytest.mark.postgres)]

MEETING = """
    Referat Økonomiudvalget {day}.05.2021 kl. 16:00

    Punkt 1: {title}

    Sagsfremstilling

    {body}

    Beslutning

    Godkendt
"""


def _write(folder: Path, name: str, *, day: int = 3, title: str = "Grønkålsfestival", body: str = "Tekst.") -> Path:
    path = folder / name
    path.write_text(dedent(MEETING.format(day=day, title=title, body=body)).strip() + "\n", encoding="utf-8")
    return path


@pytest.fixture
def pg_schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema of their own, dropped afterwards."""
    with pg_schema(request.getfixturevalue("pg_url"), "e") as url:
        yield url


def _db_url(request: pytest.FixtureRequest, engine: str) -> str | None:
    return request.getfixturevalue("pg_schema_url") if engine == "postgres" else None


def _samples(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for sample in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(sample, folder / sample.name)
    return folder


def _hit_ids(result: dict) -> set[str]:
    return {hit["id"] for hit in result["hits"]}


# --- every engine agrees with tantivy -------------------------------------------------------------

QUERIES = [
    "beskæftigelse", "ledige", "fleksjob", "budgetopfølgningen", "Taarnby", "ikke-vestlig", '"ikke vestlig"',
    '"Flere skal med"', "businesscase -autisme", "FGU OR frivillighedspolitik", "lommepeng*", "budget*", "title:autisme",
    "decision:udsættes", "15.00.00-P05-4-20", "15.00.00-P05", "15.00", "5.3", "indvandrere 5.3", "-beskæftigelse",
    "frivilighedspolitik", "Inveseringscase", "jobcenter virksomheder", "sygedagpenge OR kontanthjælp -covid", "kl:13",
    "'); DROP TABLE search_records; --", "a'b\\c", "x:*", "!&|<->", "ørsted æble åben",
]
FILTERS = [
    {},
    {"kind": "all"},
    {"committee": "Erhvervs- og Beskæftigelsesudvalget"},
    {"outcome": "approved"},
    {"outcome": "none", "kind": "all"},
    {"date_from": date(2020, 1, 1)},
    {"date_to": date(2019, 12, 31), "kind": "all"},
    {"case": "15.00.00"},
    {"kind": "budget_point"},
]


@pytest.fixture(scope="module")
def archives(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Archive]]:
    """The samples in one archive per engine (postgres only when a server is configured)."""
    folder = _samples(tmp_path_factory.mktemp("samples"))
    opened: dict[str, Archive] = {}
    admin = schema = None
    base = os.environ.get("REFERAT_TEST_PG_URL")
    try:
        for engine in ("tantivy", "whoosh", "postgres"):
            url = None
            if engine == "postgres":
                if not base:
                    continue
                schema = f"e_{uuid.uuid4().hex[:12]}"
                admin = create_engine(base)
                with admin.begin() as c:
                    c.execute(text(f"CREATE SCHEMA {schema}"))
                url = f"{base}?options=-csearch_path%3D{schema}"
            archive = Archive(tmp_path_factory.mktemp(f"agree-{engine}"), url, search_engine=engine)
            opened[engine] = archive
            report = archive.ingest([folder])
            assert not report.failed, report.failed
        yield opened
    finally:
        for archive in opened.values():
            archive.close()
        if admin is not None:
            with admin.begin() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


@pytest.mark.parametrize("engine", ["whoosh", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_every_engine_agrees_with_tantivy(archives: dict[str, Archive], engine: str, request: pytest.FixtureRequest) -> None:
    if engine == "postgres":
        request.getfixturevalue("pg_url")  # skips (or fails in CI) without a server
    reference, other = archives["tantivy"], archives[engine]
    for query in QUERIES:
        for filters in FILTERS:
            a = reference.search(query, limit=500, **filters)
            b = other.search(query, limit=500, **filters)
            where = (query, filters)
            assert b["total"] == a["total"], where
            assert _hit_ids(b) == _hit_ids(a), where
            assert b["facets"] == a["facets"], where
            assert b["did_you_mean"] == a["did_you_mean"], where
            if a["total"] > 3:  # paging and date order agree too
                by_date_a = [h["meeting_date"] for h in reference.search(query, sort="date", limit=500, **filters)["hits"]]
                by_date_b = [h["meeting_date"] for h in other.search(query, sort="date", limit=500, **filters)["hits"]]
                assert by_date_b == by_date_a, where
                pages = [_hit_ids(other.search(query, limit=2, offset=o, **filters)) for o in range(0, a["total"], 2)]
                assert set().union(*pages) == _hit_ids(a) and sum(map(len, pages)) == a["total"], where


# --- reindex while another process searches ---------------------------------------------------------

READER = r"""
import json, sys, time, traceback
from pathlib import Path
from referat.archive import Archive

data, engine, url, stop, out = sys.argv[1:6]
notices, results, errors = [], [], []
archive = Archive(Path(data), url or None, search_engine=engine, notice=notices.append)
Path(out + ".ready").write_text("")
while not Path(stop).exists():
    try:
        r = archive.search("beskæftigelse", limit=100)
        results.append([r["total"], len(r["hits"]), sum(r["facets"]["year"].values())])
    except Exception:
        errors.append(traceback.format_exc())
    if len(results) % 25 == 0:  # now and then a fresh process-like open, as `referat search` does
        archive.close()
        archive = Archive(Path(data), url or None, search_engine=engine, notice=notices.append)
archive.close()
Path(out).write_text(json.dumps({"results": results, "errors": errors, "notices": notices}))
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_reindex_while_another_process_searches(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = _db_url(request, engine)
    data = tmp_path / "data"
    with Archive(data, url, search_engine=engine) as archive:
        archive.ingest([_samples(tmp_path / "in")])
        expected = archive.search("beskæftigelse", limit=100)
        assert expected["total"] > 3
    stop, out = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(data), engine, url or "", str(stop), str(out)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not Path(str(out) + ".ready").exists() and reader.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        with Archive(data, url, search_engine=engine) as archive:
            for _ in range(4):
                assert archive.reindex() > 0
                time.sleep(0.05)
    finally:
        stop.write_text("")
        reader.wait(timeout=60)
    report = json.loads(out.read_text())
    assert report["errors"] == []
    assert report["notices"] == []  # a reader never decides to rebuild behind a writer's back
    assert len(report["results"]) > 5
    want = [expected["total"], len(expected["hits"]), expected["total"]]
    assert all(r == want for r in report["results"]), {tuple(r) for r in report["results"]}


# --- corrupt and old-format indexes -----------------------------------------------------------------


def _live_generation(data: Path, engine: str) -> Path:
    base = data / "index" / engine
    return base / (base / "CURRENT").read_text().strip()


@pytest.mark.parametrize("engine", EMBEDDED)
def test_a_corrupt_index_folder_is_rebuilt_with_a_notice(engine: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Archive(data, None, search_engine=engine) as archive:
        archive.ingest([_samples(tmp_path / "in")])
        expected = archive.search("fleksjob", limit=50)
    generation = _live_generation(data, engine)
    for path in generation.rglob("*"):
        if path.is_file() and path.name != "referat-index.json":
            path.write_bytes(os.urandom(max(64, path.stat().st_size)))
    notices: list[str] = []
    with Archive(data, None, search_engine=engine, notice=notices.append) as archive:
        again = archive.search("fleksjob", limit=50)
        assert _hit_ids(again) == _hit_ids(expected) and again["total"] == expected["total"]
        archive.search("fleksjob", limit=50)
    assert len(notices) == 1 and "rebuild" in notices[0] and "\n" not in notices[0], notices


@pytest.mark.parametrize("engine", EMBEDDED)
def test_an_old_format_index_is_rebuilt_with_a_notice(engine: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Archive(data, None, search_engine=engine) as archive:
        archive.ingest([_samples(tmp_path / "in")])
        expected = archive.search("fleksjob", limit=50)
    marker = _live_generation(data, engine) / "referat-index.json"
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "schema": "0"}))
    notices: list[str] = []
    with Archive(data, None, search_engine=engine, notice=notices.append) as archive:
        assert _hit_ids(archive.search("fleksjob", limit=50)) == _hit_ids(expected)
    assert len(notices) == 1 and "rebuild" in notices[0], notices
    notices.clear()
    with Archive(data, None, search_engine=engine, notice=notices.append) as archive:
        assert _hit_ids(archive.search("fleksjob", limit=50)) == _hit_ids(expected)
    assert notices == []


# --- a search from the embedded index alone --------------------------------------------------------

ALONE = """
import json, sys
from referat.archive import search_index_only, search_request
from referat.settings import Settings
result = search_index_only(Settings.resolve(data=sys.argv[1], engine=sys.argv[2]), search_request("fleksjob", limit=50))
print(json.dumps({"ids": sorted(h["id"] for h in result["hits"]) if result else None,
                  "loaded": sorted({m.split(".")[0] for m in sys.modules} & {"sqlalchemy", "alembic"})}))
"""


@pytest.mark.parametrize("engine", EMBEDDED)
def test_a_search_from_the_embedded_index_never_loads_sqlalchemy(engine: str, tmp_path: Path) -> None:
    """`referat search` answers from the index and its hit store: the store's side of the index
    (`referat.store.records`) is imported only when the store is needed."""
    data = tmp_path / "data"
    with Archive(data, None, search_engine=engine) as archive:
        archive.ingest([_samples(tmp_path / "in")])
        expected = archive.search("fleksjob", limit=50)
    run = subprocess.run([sys.executable, "-c", ALONE, str(data), engine], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["ids"] == sorted(_hit_ids(expected)) and report["ids"]
    assert report["loaded"] == []


# --- deleting and replacing documents ---------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_a_replaced_document_leaves_no_records_behind(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = _db_url(request, engine)
    folder = tmp_path / "in"
    folder.mkdir()
    _write(folder, "meeting.txt", title="Grønkålsfestival", body="Kvindeløb omkring søen.")
    _write(folder, "other.txt", day=4, title="Rådhusur", body="Kvindeløb igen.")
    with Archive(tmp_path / "data", url, search_engine=engine) as archive:
        archive.ingest([folder])
        assert archive.search("grønkålsfestival", kind="all")["total"] == 1
        assert archive.search("kvindeløb", kind="all")["total"] == 2
        _write(folder, "meeting.txt", title="Æbleskivefestival", body="Solsikkemark ved søen.")  # same meeting, new text
        archive.ingest([folder])
        assert archive.search("grønkålsfestival", kind="all")["total"] == 0
        assert archive.search("æbleskivefestival", kind="all")["total"] == 1
        assert archive.search("kvindeløb", kind="all")["total"] == 1
        index = archive.search_index()
        engine_ = index.engine()
        if engine == "postgres":  # the embedded engines keep a deleted term until segments merge
            from referat.index.analysis import default_analyzer

            assert engine_.vocabulary(default_analyzer().terms("Grønkålsfestival")[0]) == []
        # deleting documents' records directly, then letting sync bring them back from the store
        shas = engine_.indexed_documents()
        assert len(shas) == 2
        engine_.delete_documents(sorted(shas))
        engine_.commit()
        assert engine_.indexed_documents() == set()
        assert archive.search("kvindeløb", kind="all")["total"] == 0
        index.sync()
        assert engine_.indexed_documents() == shas
        assert archive.search("kvindeløb", kind="all")["total"] == 1
        assert archive.search("æbleskivefestival", kind="all")["total"] == 1


# --- PostgreSQL ----------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_rebuild_marker(pg_schema_url: str, tmp_path: Path) -> None:
    from referat.index.engines.postgres import PostgresEngine

    notices: list[str] = []
    with Archive(tmp_path / "data", pg_schema_url, search_engine="postgres", notice=notices.append) as archive:
        archive.ingest([_samples(tmp_path / "in")])
        expected = archive.search("fleksjob", limit=50)
        assert expected["total"] > 0
        index = archive.search_index()
        marker = index._marker()
        engine = PostgresEngine(archive.db)
        assert not engine.needs_rebuild(marker)
        assert engine.needs_rebuild({**marker, "schema": "0"})
        assert engine.needs_rebuild({**marker, "analyzer": "0"})
        with archive.db.begin() as c:  # an index written by an older referat
            c.execute(text("UPDATE search_meta SET value = :v WHERE key = 'marker'"), {"v": json.dumps({**marker, "schema": "0"})})
    notices.clear()
    with Archive(tmp_path / "data", pg_schema_url, search_engine="postgres", notice=notices.append) as archive:
        assert _hit_ids(archive.search("fleksjob", limit=50)) == _hit_ids(expected)
        assert len(notices) == 1 and "rebuild" in notices[0]
        assert not PostgresEngine(archive.db).needs_rebuild(marker)
    notices.clear()
    with Archive(tmp_path / "data", pg_schema_url, search_engine="postgres", notice=notices.append) as archive:
        with archive.db.begin() as c:  # tables gone (dropped by hand): rebuilt too
            c.execute(text("DROP TABLE search_records"))
        assert _hit_ids(archive.search("fleksjob", limit=50)) == _hit_ids(expected)
        assert len(notices) == 1


@pytest.mark.postgres
def test_postgres_literals_survive_hostile_terms(pg_schema_url: str) -> None:
    from referat.index.engines.base import Filters
    from referat.index.engines.postgres import PostgresEngine, tsvector_literal
    from referat.index.query import Clause, QueryPlan
    from referat.index.records import SearchRecord

    hostile = ["o'brien", "back\\slash", "a:b", "x|y", "!not", "<->", "');drop_table_search_records;--"]
    db = create_engine(pg_schema_url)
    try:
        with db.connect() as c:
            lexemes = c.scalars(text("SELECT unnest(tsvector_to_array(CAST(:v AS tsvector)))"), {"v": tsvector_literal({"title": " ".join(hostile), "decision": "", "body": ""})}).all()
        assert sorted(lexemes) == sorted(hostile)
        engine = PostgresEngine(db)
        engine.clear()
        engine.add([SearchRecord(uid="r1", kind="item", title="plain", document="d1")])
        engine.mark({"engine": "postgres"})
        engine.commit()
        for term in hostile:
            for kind in ("terms", "prefix", "phrase"):
                terms = [term, term] if kind == "phrase" else [term]
                result = engine.search(QueryPlan(term, [Clause(kind, terms)]), Filters())
                assert result.total == 0
        assert engine.search(QueryPlan("plain", [Clause("terms", ["plain"])]), Filters()).total == 1
        assert engine.vocabulary("pla") == [("plain", 1)] and engine.vocabulary("%") == [] and engine.vocabulary("_") == []
    finally:
        db.dispose()


@pytest.mark.postgres
def test_postgres_large_result_sets_keep_every_hit(archives: dict[str, Archive], monkeypatch: pytest.MonkeyPatch, pg_url: str) -> None:
    """Above EXACT_RANK_LIMIT matches the page is ranked by title and decision, then by date:
    the same hits, every one exactly once across pages, title matches first."""
    from referat.index.engines import postgres as postgres_engine

    archive = archives["postgres"]
    queries = ["beskæftigelse", "ledige borgere", "fleksjob OR kontanthjælp", '"ikke vestlig"', "15.00.00-P05", "indsats -covid"]
    exact = {q: archive.search(q, limit=500, kind="all") for q in queries}
    monkeypatch.setattr(postgres_engine, "EXACT_RANK_LIMIT", 0)
    for q in queries:
        big = archive.search(q, limit=500, kind="all")
        assert big["total"] == exact[q]["total"] and _hit_ids(big) == _hit_ids(exact[q]) and big["facets"] == exact[q]["facets"], q
        pages = [[h["id"] for h in archive.search(q, limit=3, offset=o, kind="all")["hits"]] for o in range(0, big["total"], 3)]
        flat = [uid for p in pages for uid in p]
        assert sorted(flat) == sorted(_hit_ids(big)), q
    hits = archive.search("beskæftigelse", limit=500, kind="all")["hits"]
    from referat.index.analysis import default_analyzer

    analyzer = default_analyzer()
    term = analyzer.terms("beskæftigelse")[0]
    in_title = [term in analyzer.terms(h["title"] + " " + (h["decision"] or "")) for h in hits]
    assert in_title == sorted(in_title, reverse=True)  # every title/decision match before the rest
