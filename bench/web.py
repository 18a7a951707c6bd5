"""The web interface at scale: server time of `referat serve`'s pages on the generated archive
(`bench.generate`, 100,000 agenda items, cached in .bench/).

The app runs in this process (Starlette's TestClient, no network), so a figure is the time from the
request entering the app to the last byte of the rendered page: the search itself (hits, facets,
snippets), the store queries and the Jinja2 rendering. Measured:
- **search page** `/soeg?…`: p50/p95 over the search benchmark's seeded 500-query mix (words,
  phrases, filters by committee/period/outcome/case, typos, case numbers, prefixes, OR/NOT),
  turned into the page's own parameters, after a warm-up pass over the first 50;
- **item, case, budget-point and front pages**: p95 over a sample of each.
`REFERAT_BENCH_ITEMS` changes the archive size.

    python -m bench web
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from urllib.parse import quote, urlencode

from bench.common import percentile

ITEMS = int(os.environ.get("REFERAT_BENCH_ITEMS", "100000"))
TARGET_P95 = 150.0  # ms, search page
WARMUP = 50


def _page_params(query: dict) -> dict:
    f = query["filters"]
    params = {"q": query["q"]}
    if f.get("committee"):
        params["udvalg"] = f["committee"]
    if f.get("date_from"):
        params["fra"] = f["date_from"].isoformat()
    if f.get("date_to"):
        params["til"] = f["date_to"].isoformat()
    if f.get("outcome"):
        params["beslutning"] = f["outcome"]
    if f.get("case"):
        params["sag"] = f["case"]
    if query.get("sort") == "date":
        params["sort"] = "dato"
    return {k: v for k, v in params.items() if v}


def _timed(client, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code not in (200, 404):
            raise RuntimeError(f"bench web: {url} answered {response.status_code}")
    return times


def run(report) -> None:
    from starlette.testclient import TestClient

    from bench.generate import ensure_archive
    from bench.search import query_mix
    from referat.web.server import create_app

    data = ensure_archive(ITEMS)
    mix = query_mix(data)
    search_urls = ["/soeg?" + urlencode(_page_params(q)) for q in mix]
    search_urls = [u for u in search_urls if u != "/soeg?"]
    rng = random.Random(7)
    with sqlite3.connect(data / "referat.db") as db:
        uids = [r[0] for r in db.execute("SELECT uid FROM items ORDER BY id")]
        cases = [r[0] for r in db.execute("SELECT DISTINCT case_number FROM items WHERE case_number IS NOT NULL LIMIT 5000")]
        points = db.execute(
            "SELECT a.year, p.point FROM budget_points p JOIN budget_agreements a ON p.agreement_id = a.id"
        ).fetchall()  # fmt: skip
    item_urls = ["/punkt/" + quote(u, safe="") for u in rng.sample(uids, min(200, len(uids)))]
    case_urls = ["/sag/" + quote(c, safe="") for c in rng.sample(cases, min(100, len(cases)))]
    point_urls = [f"/budget/{y}/{quote(p, safe='')}" for y, p in rng.sample(points, min(50, len(points)))]

    start = time.perf_counter()
    with TestClient(create_app(data_dir=data)) as client:
        opened = (time.perf_counter() - start) * 1000
        _timed(client, search_urls[:WARMUP])
        search = _timed(client, search_urls)
        item = _timed(client, item_urls)
        case = _timed(client, case_urls)
        point = _timed(client, point_urls) if point_urls else []
        front = _timed(client, ["/"] * 10)
    n = f"{ITEMS // 1000}k"
    report("web", f"app start (archive and index opened), {n} items, ms", opened, None)
    report("web", f"search page p50, {len(search)} queries, {n} items, ms", percentile(search, 50), None)
    p95 = percentile(search, 95)
    report("web", f"search page p95, {len(search)} queries, {n} items, ms", p95, f"<= {TARGET_P95:.0f}", p95 <= TARGET_P95)
    report("web", f"item page p95, {len(item)} items, ms", percentile(item, 95), None)
    report("web", f"case page p95 (history + items), {len(case)} cases, ms", percentile(case, 95), None)
    if point:
        report("web", f"budget point page p95, {len(point)} points, ms", percentile(point, 95), None)
    report("web", "front page p95 (counts, latest meetings, budget years), ms", percentile(front, 95), None)


if __name__ == "__main__":  # pragma: no cover
    from bench import main

    raise SystemExit(main(["web"]))
