"""Watch runs on the 100,000-item generated archive.

Target (issue 13): a watch run answers in ≤ 100 ms p95. The cached archive (`bench.generate`,
built once in .bench/) is copied to a temporary folder, so it stays as it is; five watches of
different kinds (two searches, one with a committee filter; a KLE prefix; a budget point; a
committee) are added to the copy, then 20 new items are stored (meetings of a year after the
archive's last), and `Archive.run_watches(dry_run=True)` is timed 20 times in-process (a dry run
records nothing, so every run finds the same new items). The first run, which also makes the new
items' index entries and links, is left out.

    python -m bench watches
"""

from __future__ import annotations

import hashlib
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from itertools import islice
from pathlib import Path

from bench.common import note, percentile
from bench.generate import ensure_archive, generate

N_ITEMS = 100_000
NEW_ITEMS = 20
RUNS = 20
TARGET_P95 = 100.0  # ms


def new_minutes(count: int) -> list:
    """Generated minutes holding `count` items in all, dated in 2025 (after the archive's last
    meeting, so no stored meeting is superseded), with bytes of their own."""
    from referat.model import DocumentKind

    docs, items = [], 0
    for doc in islice(generate(2_000, seed=2), 400):
        if doc.kind is not DocumentKind.MINUTES or not doc.meeting or not doc.meeting.items:
            continue
        doc.meeting.items = doc.meeting.items[: count - items]
        doc.meeting.date = date(2025, 1, 6) + timedelta(days=len(docs))
        doc.sha256 = hashlib.sha256(f"bench-watches-{len(docs)}".encode()).hexdigest()
        doc.source = f"https://bench.referat.invalid/watches/{len(docs)}.pdf"
        docs.append(doc)
        items += len(doc.meeting.items)
        if items >= count:
            return docs
    raise RuntimeError("the generator gave too few minutes")


def _subjects(docs: list, archive) -> list[dict]:
    """Five watches of different kinds, each with something to find among the new items."""
    from referat.index.analysis import STOP_WORDS

    items = [(doc.meeting, item) for doc in docs for item in doc.meeting.items]
    words = [w.strip(".,:;()\"").lower() for _, item in items for w in item.title.split()]
    words = [w for w in words if len(w) >= 6 and w.isalpha() and w not in STOP_WORDS]
    meeting, item = next((m, i) for m, i in items if i.case_number)
    cited = next(((r.year, r.point) for _, i in items for r in i.budget_refs if r.point), None)
    if cited is None:
        points = archive.budget(2024)["points"]
        cited = (2024, points[0]["point"])
    return [
        {"query": words[0]},
        {"query": words[len(words) // 2], "committee": meeting.committee},
        {"case": "-".join(item.case_number.split("-")[:2])},
        {"budget": cited},
        {"committee": docs[-1].meeting.committee},
    ]


def run(report) -> None:
    from referat import store
    from referat.archive import Archive

    source = ensure_archive(N_ITEMS)
    with tempfile.TemporaryDirectory(prefix="referat-bench-watches-") as tmp:
        data = Path(tmp) / "data"
        start = time.perf_counter()
        shutil.copytree(source, data)
        note("watches", f"copied the {N_ITEMS:,}-item archive in {time.perf_counter() - start:.1f} s")
        with Archive(data) as archive:
            docs = new_minutes(NEW_ITEMS)
            for subject in _subjects(docs, archive):
                archive.add_watch(subject.pop("query", ""), **subject)
            with archive.writing():
                for doc in docs:
                    store.store_document(archive.db, doc, raw_path="", content_type="application/pdf", size=0,
                                         fetched_at=None, parser_version="bench-generated")  # fmt: skip
            start = time.perf_counter()
            first = archive.run_watches(dry_run=True)  # also indexes and links the new items
            first_ms = (time.perf_counter() - start) * 1000
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                found = archive.run_watches(dry_run=True)
                times.append((time.perf_counter() - start) * 1000)
            assert found["total_new"] == first["total_new"]
            per_kind = ", ".join(f"{w['kind']} {len(w['new'])}" for w in found["watches"])
    p95 = percentile(times, 95)
    report("watches", f"run of 5 watches, {NEW_ITEMS} new items, {N_ITEMS // 1000}k archive: p50 ms", statistics.median(times), None)
    report("watches", f"run of 5 watches: p95 ms ({RUNS} dry runs)", p95, f"<= {TARGET_P95:g}", p95 <= TARGET_P95)
    note("watches", f"new items found per watch: {per_kind}; the first run (making their index entries and links) took {first_ms:.0f} ms")
