"""OCR of scanned PDF pages with Debian's `tesseract` (Danish model), one process per page in parallel.

Older minutes are often scans: pages with no text layer, only an image. PDFium renders each such
page to a grayscale PGM (no Pillow needed) and `tesseract -l dan` reads it. Tesseract runs as a
subprocess with OMP_THREAD_LIMIT=1, because its own OpenMP threads fight each other when several
pages run at once; parallelism over pages is what scales. The tesseract output (hard-wrapped lines,
blank lines between paragraphs) is turned into the plain-text form: one line per paragraph, line-end
hyphenation joined.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from referat.errors import ExtractionError
from referat.ingest.text import ExtractLimits, join_wrapped, normalize_text

MAX_PIXELS = 40_000_000  # a render larger than this (huge page sizes) is scaled down
_LIST_START = re.compile(r"^(?:[•\-–·▪]|\d{1,2}[.)])\s")


def tesseract_problem() -> str | None:
    """Why OCR cannot run here, as a message for the user, or None when it can."""
    exe = shutil.which("tesseract")
    if exe is None:
        return "OCR needs tesseract, which is not installed; install tesseract-ocr and tesseract-ocr-dan"
    try:
        listed = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"tesseract does not run ({error})"
    langs = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
    if "dan" not in langs:
        return "tesseract has no Danish language data; install tesseract-ocr-dan"
    return None


def ocr_pages(doc, page_indexes: list[int], source: str, limits: ExtractLimits) -> dict[int, list[str]]:
    """Paragraphs of each scanned page (page index → paragraphs), read by tesseract."""
    problem = tesseract_problem()
    if problem:
        raise ExtractionError(source, problem)
    processes = limits.ocr_processes or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="referat-ocr-") as tmp:
        images: dict[int, Path] = {}
        for i in page_indexes:  # PDFium is not thread-safe: render one page at a time
            images[i] = _render_pgm(doc, i, limits.ocr_dpi, Path(tmp))
        with ThreadPoolExecutor(max_workers=processes) as pool:
            futures = {i: pool.submit(_tesseract, path, limits.ocr_timeout_s, source) for i, path in images.items()}
            return {i: paragraphs(f.result()) for i, f in futures.items()}


def _render_pgm(doc, index: int, dpi: int, folder: Path) -> Path:
    """Render page `index` in grayscale at `dpi` (capped at MAX_PIXELS) to a binary PGM file."""
    page = doc[index]
    try:
        w, h = page.get_size()
        scale = dpi / 72
        if w * h * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / (w * h)) ** 0.5
        bitmap = page.render(scale=scale, grayscale=True)
        try:
            width, height, stride = bitmap.width, bitmap.height, bitmap.stride
            buffer = memoryview(bitmap.buffer)
            path = folder / f"page-{index:05d}.pgm"
            with open(path, "wb") as out:
                out.write(f"P5\n{width} {height}\n255\n".encode("ascii"))
                if stride == width:
                    out.write(buffer[: width * height])
                else:
                    for row in range(height):
                        out.write(buffer[row * stride : row * stride + width])
            return path
        finally:
            bitmap.close()
    finally:
        page.close()


def _tesseract(image: Path, timeout: float, source: str) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        done = subprocess.run(
            ["tesseract", str(image), "stdout", "-l", "dan", "--psm", "3"],
            capture_output=True, timeout=timeout, env=env,
        )
    except subprocess.TimeoutExpired:
        raise ExtractionError(source, f"OCR of one page took longer than {timeout:g} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionError(source, f"tesseract failed: {message[-1] if message else done.returncode}")
    return done.stdout.decode("utf-8", "replace")


def paragraphs(text: str) -> list[str]:
    """Tesseract's output → paragraphs on one line each; list items stay separate."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", normalize_text(text).replace("\f", "\n")):
        current = ""
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        longest = max((len(ln) for ln in lines), default=0)
        block_lines: list[str] = []
        previous = ""
        for line in lines:
            # a physical line well short of the longest one ended its paragraph (no wrap happened)
            wrapped = len(previous) >= 0.7 * longest or previous.endswith("-")
            if current and wrapped and not _LIST_START.match(line):
                current = join_wrapped(current, line)
            else:
                if current:
                    block_lines.append(current)
                current = line
            previous = line
        if current:
            block_lines.append(current)
        if block_lines:
            out.append("\n".join(block_lines))
    return out
