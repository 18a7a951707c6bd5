"""`referat export` on the 100,000-item generated archive (`bench.generate`, cached in .bench/):
items a second written as CSV and as JSON Lines (to /dev/null: the store read, the rows built and
rendered), and the memory it took (the process's peak resident memory above where it began).

The archive is not built here: when the search benchmarks (`make bench`) or `python -m
bench.generate` have not built it yet, this says so in a note and measures nothing.

    python -m bench export
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench.common import note, peak_rss_mb, reset_peak_rss

N_ITEMS = 100_000


def run(report) -> None:
    from bench.generate import archive_dir

    data = archive_dir(N_ITEMS)
    if not (data / "bench-complete").exists():
        note("export", f"skipped: no {N_ITEMS:,}-item archive in {data} yet (`python -m bench.generate` builds it)")
        return
    measure(data, report)


def measure(data: Path, report) -> None:
    from referat.archive import Archive
    from referat.render import write_export

    with Archive(data) as archive:
        for fmt in ("csv", "jsonl"):
            reset_peak_rss()
            before = peak_rss_mb()
            start = time.perf_counter()
            with open(os.devnull, "w", encoding="utf-8", newline="") as sink:
                count = write_export(archive.export_items(), sink, fmt)
            seconds = time.perf_counter() - start
            grown = peak_rss_mb() - before
            report("export", f"{fmt}: items/s, all {count:,} items", count / seconds, None)
            report("export", f"{fmt}: peak memory above the start, MB (flat: batches of 1,000)", grown, None)


if __name__ == "__main__":  # pragma: no cover
    from bench import main

    raise SystemExit(main(["export"]))
