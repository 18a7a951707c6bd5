"""Search at scale: index build rate, index size, query latency and memory per engine, on the
generated archive (`bench.generate`, 100,000 agenda items, cached in .bench/).

Per engine, each part in a fresh process (so peak memory is that engine's):
- **build**: a full `Archive.reindex()`, records (agenda items + budget points) per second;
- **size**: the live index generation on disk (engine files, and the hit store beside them);
- **latency**: p50/p95/p99 of a fixed, seeded mix of 500 queries (words, inflected forms, two and
  three words, phrases, filters by committee/date/outcome/case prefix, typos, pasted case numbers
  and KLE prefixes, prefixes, "aa" spellings, OR and NOT) through `Archive.search()`, i.e. with
  hit fields, facets and snippets; every query once after a warm-up pass over the first 50;
- **memory**: peak RSS (VmHWM) of the process that builds, and of a fresh reader process that queries.

Whoosh indexes slowly, so it runs on a smaller archive (`REFERAT_BENCH_WHOOSH_ITEMS`, default
20,000) and tantivy is measured on that one too, for the ratio. PostgreSQL runs when
`REFERAT_BENCH_PG_URL` or `REFERAT_TEST_PG_URL` is set: the archive is copied into a schema of its
own (kept for the next run). Also `referat search` end to end (process start included), median
of 10. `REFERAT_BENCH_ITEMS` changes the archive size, `REFERAT_BENCH_ENGINES=postgres` (a comma
list) measures only some engines; `REFERAT_BENCH_PROFILE=1` prints where the
query time goes (cProfile) for each engine.

    python -m bench search
"""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from importlib.util import find_spec
from pathlib import Path

from bench.common import ROOT, folder_mb, note, peak_rss_mb, percentile, reset_peak_rss, run_worker
from referat.index.hits import FILENAME as HITS_FILE

ITEMS = int(os.environ.get("REFERAT_BENCH_ITEMS", "100000"))
WHOOSH_ITEMS = int(os.environ.get("REFERAT_BENCH_WHOOSH_ITEMS", "20000"))
ENGINES = os.environ.get("REFERAT_BENCH_ENGINES", "tantivy,whoosh,postgres").split(",")
N_QUERIES, SEED, WARMUP = 500, 20201, 50
TARGET_BUILD = 2000  # items/s, tantivy, 2 cores
TARGET_P50, TARGET_P95 = 5.0, 20.0  # ms, embedded engines
TARGET_CLI = 400.0  # ms, `referat search` end to end
TARGET_PG_P95 = 150.0  # ms


# ------------------------------------------------------------------------------------ the query mix


def query_mix(data_dir: Path, n: int = N_QUERIES, seed: int = SEED, db_url: str | None = None) -> list[dict]:
    """A fixed mix of queries for this archive: [{"q", "filters", "sort", "kind"}]."""
    from bench.generate import COMMITTEES, inflections, vocabulary
    from referat.index.analysis import STOP_WORDS

    rng = random.Random(seed)
    v = vocabulary()
    words = [w for w in v.words_by_frequency() if len(w) >= 4 and w not in STOP_WORDS and not w[0].isdigit()][:2500]
    long_words = [w for w in words if len(w) >= 7]
    sentences = [s.split() for s in v.sentences]
    forms = sorted({f for group in inflections().values() for f in group if len(f) >= 5})
    sql = "SELECT case_number FROM items WHERE case_number IS NOT NULL ORDER BY id LIMIT 20000"
    if db_url is None:
        with sqlite3.connect(data_dir / "referat.db") as db:
            cases = [r[0] for r in db.execute(sql)]
    else:  # the same generated archive in PostgreSQL: the same mix
        from sqlalchemy import create_engine, text

        engine = create_engine(db_url)
        with engine.connect() as c:
            cases = [r[0] for r in c.execute(text(sql))]
        engine.dispose()
    outcomes = ["approved", "noted", "recommended", "postponed", "approved_with_remarks", "rejected", "none"]

    def word() -> str:
        return rng.choice(words[:600]) if rng.random() < 0.6 else rng.choice(words)

    def cooccurring(k: int) -> str:
        for _ in range(50):
            content = [w.strip('.,;:()"').lower() for w in rng.choice(sentences)]
            content = [w for w in content if len(w) >= 4 and w.isalpha() and w not in STOP_WORDS]
            if len(content) >= k:
                return " ".join(rng.sample(content, k))
        return " ".join(word() for _ in range(k))

    def phrase() -> str:
        while True:
            s = [w.strip('.,;:()"') for w in rng.choice(sentences)]
            k = rng.choice([2, 2, 3])
            i = rng.randrange(0, max(1, len(s) - k))
            chunk = [w for w in s[i : i + k] if w]
            if len(chunk) == k and any(len(w) >= 4 for w in chunk):
                return '"' + " ".join(chunk).lower() + '"'

    def typo(w: str) -> str:
        i = rng.randrange(1, len(w) - 1)
        op = rng.choice(["swap", "drop", "sub", "double"])
        if op == "swap":
            return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        if op == "drop":
            return w[:i] + w[i + 1 :]
        if op == "double":
            return w[:i] + w[i] + w[i:]
        return w[:i] + rng.choice("aeiouyæøå") + w[i + 1 :]

    def case_prefix(number: str) -> str:
        parts = re.split(r"(?<=\d)-", number)  # "15.00.00", "P05", "4", "20"
        return rng.choice([number[:5], number[:8], "-".join(parts[:2])])

    def filters() -> dict:
        f: dict = {}
        for choice in rng.sample(["committee", "date", "outcome", "case"], rng.choice([1, 1, 2])):
            if choice == "committee":
                f["committee"] = rng.choice(list(COMMITTEES))
            elif choice == "date":
                y = rng.randint(2005, 2024)
                f["date_from"], f["date_to"] = date(y, 1, 1), date(min(2024, y + rng.choice([0, 1, 4])), 12, 31)
            elif choice == "outcome":
                f["outcome"] = rng.choice(outcomes)
            else:
                f["case"] = case_prefix(rng.choice(cases))
        return f

    plan = [
        ("word", 120, lambda: (word(), {})),
        ("inflected", 30, lambda: (rng.choice(forms), {})),
        ("two words", 60, lambda: (cooccurring(2), {})),
        ("three words", 40, lambda: (cooccurring(3), {})),
        ("phrase", 40, lambda: (phrase(), {})),
        ("filtered", 80, lambda: (word() if rng.random() < 0.8 else "", filters())),
        ("typo", 40, lambda: (typo(rng.choice(long_words)), {})),
        ("case number", 25, lambda: (rng.choice(cases), {})),
        ("case prefix", 15, lambda: (case_prefix(rng.choice(cases)), {})),
        ("prefix*", 20, lambda: (rng.choice(long_words)[: rng.randint(4, 7)] + "*", {})),
        ("aa spelling", 10, lambda: (rng.choice(["Høje-Taastrup", "Aabenraa", "Taarnby"]) if rng.random() < 0.3
                                     else rng.choice([w for w in words if "å" in w]).replace("å", "aa"), {})),
        ("OR / NOT", 20, lambda: (f"{word()} OR {word()}" if rng.random() < 0.5 else f"{word()} -{word()}", {})),
    ]
    out = []
    for kind, count, make in plan:
        for _ in range(count):
            q, f = make()
            out.append({"q": q, "filters": f, "sort": "date" if rng.random() < 0.1 else "relevance", "kind": kind})
    rng.shuffle(out)
    return out[:n]


# ------------------------------------------------------------------------------------ one engine (worker)


def _engine_available(name: str) -> bool:
    return find_spec(f"referat.index.engines.{name}") is not None


def _index_size(archive, engine: str) -> dict:
    if engine == "postgres":
        from sqlalchemy import text

        from referat.store import Base

        store_tables = set(Base.metadata.tables) | {"alembic_version"}
        with archive.db.connect() as c:
            rows = c.execute(text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
            )).all()
        return {"index_mb": sum(size for name, size in rows if name not in store_tables) / 1e6, "hits_mb": 0.0}
    base = archive.data_dir / "index" / engine
    current = base / (base / "CURRENT").read_text().strip()
    hits = (HITS_FILE, HITS_FILE + "-wal", HITS_FILE + "-shm")
    return {"index_mb": folder_mb(current, exclude=hits), "hits_mb": folder_mb(current) - folder_mb(current, exclude=hits)}


def measure_build(data_dir: Path, engine: str, db_url: str | None = None) -> dict:
    """A full rebuild of the search index with `engine` (in this process, the worker)."""
    from referat.archive import Archive

    out: dict = {"engine": engine}
    with Archive(data_dir, db_url, search_engine=engine) as archive:
        reset_peak_rss()
        start, cpu = time.perf_counter(), time.process_time()
        with archive.writing():  # the index alone: `reindex` also rebuilds links, measured by bench.links
            records = archive.search_index(engine).rebuild()
        out["build_s"] = time.perf_counter() - start
        out["build_cpu_s"] = time.process_time() - cpu  # this process's threads; analysis worker processes not counted
        out["records"] = records
        out["build_rss_mb"] = peak_rss_mb()
        if engine == "postgres":
            out.update(_index_size(archive, engine))
    if engine != "postgres":  # after closing: the hit store's WAL is checkpointed then
        out.update(_index_size(archive, engine))
    return out


def measure_queries(data_dir: Path, engine: str, db_url: str | None = None, profile: bool = False) -> dict:
    """The query mix through `Archive.search()` in a fresh reader process (the worker)."""
    from referat.archive import Archive

    queries = query_mix(data_dir, db_url=db_url)
    out: dict = {"engine": engine}
    reset_peak_rss()
    with Archive(data_dir, db_url, search_engine=engine) as archive:
        start = time.perf_counter()
        archive.search("budget")  # the first search opens the index and loads the analyzer (measured apart)
        out["first_query_ms"] = (time.perf_counter() - start) * 1000

        cpu: list[float] = []

        def one(q: dict) -> tuple[float, int]:
            c = time.process_time()
            t = time.perf_counter()
            result = archive.search(q["q"], sort=q["sort"], **q["filters"])
            wall = (time.perf_counter() - t) * 1000
            cpu.append((time.process_time() - c) * 1000)
            return wall, result["total"]

        for q in queries[:WARMUP]:
            one(q)
        if profile:
            import cProfile
            import io
            import pstats

            prof = cProfile.Profile()
            prof.enable()
        times, by_kind, zero = [], defaultdict(list), 0
        cpu.clear()
        for q in queries:
            ms, total = one(q)
            times.append(ms)
            by_kind[q["kind"]].append(ms)
            zero += total == 0
        if profile:
            prof.disable()
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(40)
            print(buf.getvalue(), file=sys.stderr)
        out["query_rss_mb"] = peak_rss_mb()
    out["p50"], out["p95"], out["p99"] = (percentile(times, p) for p in (50, 95, 99))
    out["cpu_p50"], out["cpu_p95"] = percentile(cpu, 50), percentile(cpu, 95)  # CPU time: what other load does not inflate
    out["mean"] = statistics.fmean(times)
    out["zero_hits"] = zero
    out["by_kind"] = {k: {"p50": percentile(v, 50), "p95": percentile(v, 95), "max": max(v)} for k, v in by_kind.items()}
    slowest = sorted(zip(times, queries), key=lambda tq: -tq[0])[:5]
    out["slowest"] = [{"ms": round(t, 1), "q": q["q"], "filters": {k: str(v) for k, v in q["filters"].items()}, "kind": q["kind"]}
                      for t, q in slowest]
    return out


def cli_end_to_end(data_dir: Path, runs: int = 10) -> dict | None:
    """`referat --data DIR search Q --format json`, process start included: median over `runs` queries."""
    exe = Path(sys.executable).parent / "referat"
    if not exe.exists():
        return None
    queries = [q for q in query_mix(data_dir) if not q["filters"] and q["q"]][:runs]
    cmd = lambda q: [str(exe), "--data", str(data_dir), "search", q, "--format", "json"]  # noqa: E731
    warm = subprocess.run(cmd("budget"), capture_output=True, text=True)
    if warm.returncode != 0:
        return {"error": (warm.stderr or warm.stdout).strip()[:300]}
    times = []
    for q in queries:
        start = time.perf_counter()
        proc = subprocess.run(cmd(q["q"]), capture_output=True, text=True)
        times.append((time.perf_counter() - start) * 1000)
        if proc.returncode not in (0, 1):
            return {"error": proc.stderr.strip()[:300]}
        json.loads(proc.stdout)
    return {"median": statistics.median(times), "max": max(times), "runs": len(times)}


# ------------------------------------------------------------------------------------ PostgreSQL copy


def postgres_copy(n_items: int) -> tuple[Path, str] | None:
    """The generated archive in a PostgreSQL schema of its own (written once, reused): (data dir, URL)."""
    base = os.environ.get("REFERAT_BENCH_PG_URL") or os.environ.get("REFERAT_TEST_PG_URL")
    if not base:
        return None
    from sqlalchemy import create_engine, text

    from bench.generate import CACHE, GENERATOR_VERSION, generate, write_archive

    schema = f"bench_{n_items}_g{GENERATOR_VERSION}"
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    data_dir = CACHE / f"pg-{schema}"
    admin = create_engine(base)
    try:
        with admin.begin() as c:
            exists = c.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).scalar()
            complete = exists and c.execute(text(
                "SELECT 1 FROM pg_tables WHERE schemaname = :s AND tablename = 'bench_complete'"), {"s": schema}).scalar()
            if not complete:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
        if not complete:
            print(f"bench: copying the {n_items:,}-item archive into PostgreSQL schema {schema} (once; kept)", file=sys.stderr, flush=True)
            start = time.perf_counter()
            data_dir.mkdir(parents=True, exist_ok=True)
            items = write_archive(data_dir, generate(n_items), db_url=url)
            print(f"bench:   stored {items:,} items in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
            with admin.begin() as c:
                c.execute(text(f'CREATE TABLE "{schema}".bench_complete (n integer)'))
    finally:
        admin.dispose()
    return data_dir, url


# ------------------------------------------------------------------------------------ the report


def run(report) -> None:
    note("search", f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start (other work on the machine skews the figures)")
    from bench.generate import ensure_archive

    data_dir = ensure_archive(ITEMS)
    results: dict[str, dict] = {}

    def engine_run(label: str, data: Path, engine: str, url: str | None = None) -> dict:
        args = [engine, str(data)] + (["--db", url] if url else [])
        r = run_worker("bench.search", ["build", *args])
        r.update(run_worker("bench.search", ["query", *args]))
        results[label] = r
        return r

    def show(label: str, r: dict, n_items: int, *, pg: bool = False) -> None:
        area = "search"
        build = r["records"] / r["build_s"]
        tag = f"{r['engine']} {n_items // 1000}k"
        report(area, f"{tag}: index build, records/s (full rebuild)", build,
               f">= {TARGET_BUILD}" if r["engine"] == "tantivy" else None,
               build >= TARGET_BUILD if r["engine"] == "tantivy" else None)
        where = f"(+ hit store {r['hits_mb']:.0f} MB)" if r["hits_mb"] else "(search tables in the database)"
        report(area, f"{tag}: index size MB {where}", r["index_mb"], None)
        if pg:
            report(area, f"{tag}: query p50 ms, 500-query mix", r["p50"], None)
            report(area, f"{tag}: query p95 ms", r["p95"], f"<= {TARGET_PG_P95:g}", r["p95"] <= TARGET_PG_P95)
        elif r["engine"] == "tantivy":  # the targets are the default engine's; Whoosh is the baseline
            report(area, f"{tag}: query p50 ms, 500-query mix", r["p50"], f"<= {TARGET_P50:g}", r["p50"] <= TARGET_P50)
            report(area, f"{tag}: query p95 ms", r["p95"], f"<= {TARGET_P95:g}", r["p95"] <= TARGET_P95)
        else:
            report(area, f"{tag}: query p50 ms, 500-query mix", r["p50"], None)
            report(area, f"{tag}: query p95 ms", r["p95"], None)
        report(area, f"{tag}: query p99 ms", r["p99"], None)
        report(area, f"{tag}: query CPU ms p50 / p95 (this process only)", f"{r['cpu_p50']:.1f} / {r['cpu_p95']:.1f}", None)
        report(area, f"{tag}: first query ms (opens index, analyzer)", r["first_query_ms"], None)
        report(area, f"{tag}: peak RSS MB, build / query process", f"{r['build_rss_mb']:.0f} / {r['query_rss_mb']:.0f}", None)
        note(area, f"{tag}: build took {r['build_s']:.0f} s wall, {r['build_cpu_s']:.0f} s CPU in the building process")
        worst = max(r["by_kind"].items(), key=lambda kv: kv[1]["p95"])
        note(area, f"{tag}: slowest kind {worst[0]} (p95 {worst[1]['p95']:.1f} ms); slowest query "
                   f"{r['slowest'][0]['q']!r} {r['slowest'][0]['filters'] or ''} {r['slowest'][0]['ms']} ms; "
                   f"{r['zero_hits']} of {N_QUERIES} queries found nothing")

    tantivy = None
    if "tantivy" in ENGINES:
        tantivy = engine_run("tantivy", data_dir, "tantivy")
        show("tantivy", tantivy, ITEMS)
        cli = cli_end_to_end(data_dir)
        if cli is None:
            note("search", "`referat search` is not installed in this environment; end-to-end figure skipped")
        elif "error" in cli:
            note("search", f"`referat search` failed: {cli['error']}; end-to-end figure skipped")
        else:
            report("search", f"tantivy {ITEMS // 1000}k: `referat search` end to end ms, median of {cli['runs']}",
                   cli["median"], f"<= {TARGET_CLI:g}", cli["median"] <= TARGET_CLI)

    if "whoosh" not in ENGINES:
        pass
    elif not _engine_available("whoosh"):
        note("search", "the Whoosh engine is not there yet (referat.index.engines.whoosh); skipped")
    else:
        n = min(WHOOSH_ITEMS, ITEMS)
        small = data_dir if n == ITEMS else ensure_archive(n)
        if n < ITEMS:
            note("search", f"Whoosh measured on a smaller archive of {n:,} items (REFERAT_BENCH_WHOOSH_ITEMS); tantivy too, for the ratio")
            t_small = engine_run("tantivy-small", small, "tantivy")
        else:
            t_small = tantivy or engine_run("tantivy", data_dir, "tantivy")
        w = engine_run("whoosh", small, "whoosh")
        show("whoosh", w, n)
        ratio_build = (t_small["records"] / t_small["build_s"]) / (w["records"] / w["build_s"])
        report("search", f"tantivy {n // 1000}k: p50 / p95 ms (builds {ratio_build:.0f}x faster than whoosh)",
               f"{t_small['p50']:.1f} / {t_small['p95']:.1f}", None)
        report("search", f"whoosh ÷ tantivy {n // 1000}k: query p50 / p95",
               f"{w['p50'] / t_small['p50']:.0f}x / {w['p95'] / t_small['p95']:.0f}x", None)

    pg_base = os.environ.get("REFERAT_BENCH_PG_URL") or os.environ.get("REFERAT_TEST_PG_URL")
    if "postgres" not in ENGINES:
        pass
    elif not pg_base:
        note("search", "PostgreSQL skipped: set REFERAT_BENCH_PG_URL (or REFERAT_TEST_PG_URL) to measure it")
    elif not _engine_available("postgres"):
        note("search", "the PostgreSQL engine is not there yet (referat.index.engines.postgres); skipped")
    else:
        copy = postgres_copy(ITEMS)
        assert copy is not None
        pg = engine_run("postgres", copy[0], "postgres", copy[1])
        show("postgres", pg, ITEMS, pg=True)

    out = ROOT / ".bench" / "search-results.json"  # every figure in detail (per query kind, slowest queries)
    try:
        earlier = json.loads(out.read_text())
    except (OSError, ValueError):
        earlier = {}
    out.write_text(json.dumps({**earlier, **results}, indent=1, default=str))


def _worker(argv: list[str]) -> int:
    """`python -m bench.search --worker build|query ENGINE DATA_DIR [--db URL]`: one JSON line."""
    what, engine, data = argv[0], argv[1], Path(argv[2])
    url = argv[argv.index("--db") + 1] if "--db" in argv else None
    if what == "build":
        result = measure_build(data, engine, url)
    else:
        result = measure_queries(data, engine, url, profile=os.environ.get("REFERAT_BENCH_PROFILE") == "1")
    print(json.dumps(result, default=str))
    return 0


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        return _worker(sys.argv[2:])
    from bench import main as bench_main

    return bench_main(["search"])


if __name__ == "__main__":
    sys.exit(main())
