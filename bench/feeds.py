"""Atom feeds at scale: server time of `referat serve`'s four kinds of feed on the generated archive
(`bench.generate`, 100,000 agenda items, cached in .bench/), against the issue's target of 100 ms p95.

As in `bench.web`, the app runs in this process (Starlette's TestClient, no network): a figure is
the time from the request entering the app to the last byte of the feed (the Archive call, the 50
newest items and the XML). Measured, each over ~50 requests after a warm-up pass:
- **search** `/soeg/feed?…`: the search benchmark's seeded query mix as the page's parameters;
- **case** `/sag/<number>/feed`: full case numbers and KLE prefixes (a prefix is answered from
  the index, like the case page);
- **committee** `/udvalg/<slug>/feed`: every committee, round after round;
- **budget point** `/budget/<year>/<point>/feed`: cited and suggested items of sampled points.
`REFERAT_BENCH_ITEMS` changes the archive size.

    python -m bench feeds
"""

from __future__ import annotations

import os
import random
import sqlite3
from urllib.parse import quote, urlencode

from bench.common import percentile
from bench.web import ITEMS, _page_params, _timed

TARGET_P95 = 100.0  # ms, every kind of feed
REQUESTS = 50
WARMUP = 10


def feed_urls(data) -> dict[str, list[str]]:
    """About `REQUESTS` feed addresses of each kind, seeded."""
    from bench.search import query_mix

    rng = random.Random(13)
    searches = [u for u in ("/soeg/feed?" + urlencode(_page_params(q)) for q in query_mix(data)) if u != "/soeg/feed?"]
    with sqlite3.connect(data / "referat.db") as db:
        cases = [r[0] for r in db.execute("SELECT DISTINCT case_number FROM items WHERE case_number IS NOT NULL LIMIT 5000")]
        committees = [r[0] for r in db.execute("SELECT DISTINCT committee_slug FROM meetings ORDER BY committee_slug")]
        points = db.execute("SELECT a.year, p.point FROM budget_points p JOIN budget_agreements a ON p.agreement_id = a.id").fetchall()
    full = rng.sample(cases, min(REQUESTS * 3 // 4, len(cases)))
    prefixes = [c.split("-")[0] for c in rng.sample(cases, min(REQUESTS - len(full), len(cases)))]  # a KLE topic: thousands of items
    return {
        "search": rng.sample(searches, min(REQUESTS, len(searches))),
        "case": ["/sag/" + quote(c, safe="") + "/feed" for c in full + prefixes],
        "committee": [f"/udvalg/{quote(committees[k % len(committees)], safe='')}/feed" for k in range(REQUESTS)] if committees else [],
        "budget point": [f"/budget/{y}/{quote(p, safe='')}/feed" for y, p in rng.sample(points, min(REQUESTS, len(points)))],
    }


def run(report) -> None:
    from starlette.testclient import TestClient

    from bench.generate import ensure_archive
    from referat.web.server import create_app

    data = ensure_archive(ITEMS)
    urls = feed_urls(data)
    n = f"{ITEMS // 1000}k"
    with TestClient(create_app(data_dir=data)) as client:
        for kind, addresses in urls.items():
            if not addresses:
                continue
            _timed(client, addresses[:WARMUP])
            times = _timed(client, addresses)
            p95 = percentile(times, 95)
            report("feeds", f"{kind} feed p50, {len(times)} requests, {n} items, ms", percentile(times, 50), None)
            report("feeds", f"{kind} feed p95, {len(times)} requests, {n} items, ms", p95, f"<= {TARGET_P95:.0f}", p95 <= TARGET_P95)


if __name__ == "__main__":  # pragma: no cover
    from bench import main

    raise SystemExit(main(["feeds"]))
