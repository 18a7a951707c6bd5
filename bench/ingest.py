"""Ingest end to end: reading, extraction, parsing, storing and keeping the index (and links) in step.

Figures:
- the samples (4 text, 4 PDF, 4 HTML forms of the same documents) into a fresh archive, in process
  and as `referat ingest` (process start included);
- PDF pages/s end to end on generated fixture PDFs (the sample PDFs as `tests/fixtures/make_fixtures.py`
  renders them, in variants with shifted years so each is a document and meeting of its own) with
  `--jobs 1` and `--jobs 2`, each into a fresh archive. Target: ≥ 100 pages/s per core.
Fixture PDFs are cached in .bench/ingest (`make clean` removes it).

    python -m bench ingest
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.common import ROOT, note

SAMPLES = ROOT / "samples"
CACHE = ROOT / ".bench" / "ingest"
TARGET_PAGES_PER_S = 100  # per core, end to end
VARIANTS = int(os.environ.get("REFERAT_BENCH_PDF_VARIANTS", "10"))  # × 4 sample PDFs
_YEAR = re.compile(r"\b(19[89]\d|20[0-3]\d)\b")


def fixture_pdfs(variants: int = VARIANTS) -> tuple[Path, int]:
    """A folder of `4 × variants` distinct PDFs (built once) and their page count."""
    import pypdfium2 as pdfium

    sys.path.insert(0, str(ROOT))
    from tests.fixtures import make_fixtures

    folder = CACHE / f"pdfs-{variants}"
    done = CACHE / f"pdfs-{variants}.pages"  # outside the folder, which is ingested whole
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        pages = 0
        for stem, header in make_fixtures.HEADERS.items():
            blocks = make_fixtures.sample_blocks(stem)
            for k in range(variants):  # variant k: every year k years earlier, so dates and meetings differ
                shift = lambda text, k=k: _YEAR.sub(lambda m: str(int(m.group()) - k), text)  # noqa: E731
                shifted = [replace(b, lines=[shift(line) for line in b.lines]) for b in blocks]
                data = make_fixtures.render_pdf(shifted, shift(header))
                (folder / f"{stem}-{k:02d}.pdf").write_bytes(data)
                pages += len(pdfium.PdfDocument(data))
        done.write_text(str(pages))
    return folder, int(done.read_text())


def _ingest(paths: list[Path], jobs: int) -> tuple[float, dict]:
    from referat.archive import Archive

    with tempfile.TemporaryDirectory(prefix="referat-bench-ingest-") as tmp:
        with Archive(Path(tmp) / "data") as archive:
            start = time.perf_counter()
            report = archive.ingest(paths, jobs=jobs)
            elapsed = time.perf_counter() - start
    return elapsed, report.to_dict()


def _cli_ingest(paths: list[Path]) -> tuple[float, dict] | None:
    exe = Path(sys.executable).parent / "referat"
    if not exe.exists():
        return None
    with tempfile.TemporaryDirectory(prefix="referat-bench-ingest-") as tmp:
        start = time.perf_counter()
        proc = subprocess.run([str(exe), "--data", str(Path(tmp) / "data"), "ingest", *map(str, paths), "--format", "json"],
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        return elapsed, {"error": proc.stderr.strip()[:300]}
    return elapsed, json.loads(proc.stdout)


def measure(rounds: int = 3) -> dict:
    samples = sorted(SAMPLES.glob("*.txt")) + sorted((SAMPLES / "pdf").glob("*.pdf")) + sorted((SAMPLES / "html").glob("*.html"))
    out: dict = {"sample_files": len(samples)}
    _ingest(samples[:1], 1)  # imports, analyzer and lemma cache warm
    best = min((_ingest(samples, 1) for _ in range(rounds)), key=lambda r: r[0])
    out["samples_s"], out["samples_report"] = best
    out["samples_cli"] = _cli_ingest(samples)

    folder, pages = fixture_pdfs()
    out["pdf_files"], out["pdf_pages"] = len(list(folder.glob("*.pdf"))), pages
    for jobs in (1, 2):
        elapsed, report = min((_ingest([folder], jobs) for _ in range(2)), key=lambda r: r[0])
        out[f"jobs{jobs}_s"], out[f"jobs{jobs}_report"] = elapsed, report
        out[f"jobs{jobs}_pages_per_s"] = pages / elapsed
    return out


def run(report) -> None:
    note("ingest", f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start (other work on the machine skews the figures)")
    f = measure()
    r = f["samples_report"]
    report("ingest", f"samples ({f['sample_files']} files: text, PDF, HTML) into a fresh archive, s", f["samples_s"], None)
    note("ingest", f"samples: ingested {r['ingested']}, failed {len(r['failed'])}, meetings {r['meetings']}, items {r['items']}")
    if f["samples_cli"] is None:
        note("ingest", "`referat` is not installed in this environment; the CLI figure is skipped")
    else:
        elapsed, cli = f["samples_cli"]
        if "error" in cli:
            note("ingest", f"`referat ingest` failed: {cli['error']}")
        else:
            report("ingest", "samples as `referat ingest` (process start included), s", elapsed, None)
    for jobs in (1, 2):
        rate = f[f"jobs{jobs}_pages_per_s"]
        rj = f[f"jobs{jobs}_report"]
        target = TARGET_PAGES_PER_S * jobs
        report("ingest", f"PDF pages/s end to end, --jobs {jobs} ({f['pdf_pages']} pages, {f['pdf_files']} PDFs)", rate,
               f">= {target}", rate >= target)
        if rj["failed"]:
            note("ingest", f"--jobs {jobs}: {len(rj['failed'])} failed, e.g. {rj['failed'][0]}")
    note("ingest", f"--jobs 2 is {f['jobs2_pages_per_s'] / f['jobs1_pages_per_s']:.2f}x --jobs 1 "
                   f"(items stored: {f['jobs1_report']['items']} / {f['jobs2_report']['items']})")


def main() -> int:
    from bench import main as bench_main

    return bench_main(["ingest"])


if __name__ == "__main__":
    sys.exit(main())
