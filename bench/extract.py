"""PDF text extraction: pages per second end to end (worker process included) and worker memory.

Figures:
- pages/s on the four rendered sample PDFs through `extract()` as the CLI runs it (one worker, then
  two workers in parallel), and in-process for comparison (what the worker isolation costs);
- peak RSS of a worker process after those runs;
- pages/s and the worker's peak RSS on a generated 500-page PDF (the samples repeated).
Fixture PDFs are cached in .bench/extract (`make clean` removes it).
"""

from __future__ import annotations

import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench" / "extract"
TARGET_PAGES_PER_S = 100  # per core, end to end
TARGET_WORKER_MB = 300  # peak RSS of one worker on a 500-page PDF


def _peak_rss_mb() -> float:
    """Run inside the worker: its own peak resident memory."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fixtures() -> tuple[list[bytes], Path]:
    sys.path.insert(0, str(ROOT))
    from tests.fixtures import make_fixtures

    paths = make_fixtures.build(CACHE, bad=False)
    pdfs = [paths[f"{stem}.pdf"].read_bytes() for stem in make_fixtures.STEMS]
    large = make_fixtures.build_large(CACHE / "large-500.pdf", 500)
    return pdfs, large


def measure(rounds: int = 5) -> dict:
    from referat.ingest import ExtractLimits, extract
    from referat.ingest.pdf import extract_pdf
    from referat.ingest.worker import Worker
    import referat.ingest.worker as worker_module

    pdfs, large = _fixtures()
    limits = ExtractLimits()
    pages = sum(extract(d, "warmup.pdf", limits=ExtractLimits(isolate=False)).pages for d in pdfs)

    def timed(fn) -> float:
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        return best

    def serial(isolate: bool = True) -> None:
        for data in pdfs:
            extract(data, "bench.pdf", limits=ExtractLimits(isolate=isolate))

    figures: dict = {"pages": pages}
    figures["in_process"] = pages / timed(lambda: serial(False))
    serial()  # start the worker before timing
    figures["one_worker"] = pages / timed(serial)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: serial(), range(2)))  # start two workers
        figures["two_workers"] = 2 * pages / timed(lambda: list(pool.map(lambda _: serial(), range(2))))
    idle = worker_module.POOL._idle.get(limits.memory_mb, [])
    figures["worker_rss_mb"] = max((w.run(_peak_rss_mb, timeout=30) for w in idle), default=0.0)

    data = large.read_bytes()
    worker = Worker(limits.memory_mb)
    try:
        worker.run(_peak_rss_mb, timeout=60)  # started and imported before the clock runs
        start = time.perf_counter()
        result = worker.run(extract_pdf, data, "large.pdf", limits=limits, timeout=600)
        elapsed = time.perf_counter() - start
        figures["large_pages"] = result.pages
        figures["large_pages_per_s"] = result.pages / elapsed
        figures["large_rss_mb"] = worker.run(_peak_rss_mb, timeout=60)
    finally:
        worker.close()
    worker_module.POOL.close()
    return figures


def run(report) -> None:
    f = measure()
    report("extract", f"PDF pages/s in process ({f['pages']} pages, 4 sample PDFs)", f["in_process"], None)
    report("extract", "PDF pages/s end to end, 1 worker process", f["one_worker"], f">= {TARGET_PAGES_PER_S}",
           f["one_worker"] >= TARGET_PAGES_PER_S)
    report("extract", "PDF pages/s end to end, 2 worker processes", f["two_workers"], f">= {2 * TARGET_PAGES_PER_S}",
           f["two_workers"] >= 2 * TARGET_PAGES_PER_S)
    report("extract", "worker peak RSS MB after the sample runs", f["worker_rss_mb"], None)
    report("extract", f"PDF pages/s on a {f['large_pages']}-page PDF, 1 worker", f["large_pages_per_s"],
           f">= {TARGET_PAGES_PER_S}", f["large_pages_per_s"] >= TARGET_PAGES_PER_S)
    report("extract", f"worker peak RSS MB on the {f['large_pages']}-page PDF", f["large_rss_mb"],
           f"< {TARGET_WORKER_MB}", f["large_rss_mb"] < TARGET_WORKER_MB)


def main() -> int:
    from bench import main as bench_main

    return bench_main(["extract"])


if __name__ == "__main__":
    sys.exit(main())
