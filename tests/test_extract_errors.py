"""Every unusable input gives an ExtractionError naming the file and the problem; hostile PDFs are
stopped by the worker's time and memory limits; sniffing decides by content, not by name."""

from __future__ import annotations

import time

import pytest

from referat.errors import ExtractionError
from referat.ingest.load import extract
from referat.ingest.sniff import sniff
from referat.ingest.text import ExtractLimits
from referat.ingest.worker import Worker, WorkerTimeout
from tests.fixtures import make_fixtures


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory):
    return make_fixtures.build(tmp_path_factory.getbasetemp() / "extract-fixtures")["001.pdf"].parent


@pytest.mark.parametrize(
    "name, problem",
    [
        ("empty.pdf", "the file is empty"),
        ("truncated.pdf", "this PDF is damaged or truncated"),
        ("encrypted.pdf", "this PDF is encrypted; decrypt it first"),
        ("not-a-pdf.pdf", "a file named .pdf that is not a PDF (it looks like HTML)"),
        ("scan.pdf", "no text layer; install tesseract-ocr-dan and pass --ocr"),
        ("zip.bin", "this is a ZIP archive; unpack it first"),
    ],
)
def test_bad_inputs(fixtures_dir, name, problem):
    with pytest.raises(ExtractionError) as caught:
        extract((fixtures_dir / name).read_bytes(), f"inbox/{name}").text
    error = caught.value
    assert error.source == f"inbox/{name}"
    assert error.problem.startswith(problem)
    assert str(error).startswith(f"inbox/{name}: ")
    assert "\n" not in str(error)


def test_owner_password_only_is_readable(fixtures_dir):
    """Permissions-only encryption (no user password) is common on municipal PDFs: read it."""
    text = extract((fixtures_dir / "owner-locked.pdf").read_bytes(), "owner-locked.pdf").text
    assert text == "Offentligt referat fra Økonomiudvalget\n"


def test_damaged_pdf_with_end_marker():
    data = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ngarbage\n%%EOF\n"
    with pytest.raises(ExtractionError, match=r"^junk.pdf: this PDF is damaged or truncated"):
        extract(data, "junk.pdf").text


def test_binary_and_office_files():
    with pytest.raises(ExtractionError, match="binary file"):
        extract(b"\x00\x01\x02" * 100, "blob").text
    with pytest.raises(ExtractionError, match="Office file"):
        extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.doc").text
    with pytest.raises(ExtractionError, match="image"):
        extract(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "scan.png").text


def test_size_limit(fixtures_dir):
    data = (fixtures_dir / "001.pdf").read_bytes()
    with pytest.raises(ExtractionError, match="larger than the 0 MB limit"):
        extract(data, "001.pdf", limits=ExtractLimits(max_bytes=len(data) - 1))


def test_page_limit(fixtures_dir):
    data = (fixtures_dir / "001.pdf").read_bytes()
    with pytest.raises(ExtractionError, match=r"has \d+ pages, more than the limit of 5"):
        extract(data, "001.pdf", limits=ExtractLimits(max_pages=5))


def test_hostile_pdf_is_stopped_by_the_time_limit(fixtures_dir):
    """bomb.pdf: 5 KB of nested forms that expand to 10^9 glyphs; PDFium would run for hours."""
    data = (fixtures_dir / "bomb.pdf").read_bytes()
    start = time.monotonic()
    with pytest.raises(ExtractionError, match=r"^bomb.pdf: extraction took longer than 1.5 s$"):
        extract(data, "bomb.pdf", limits=ExtractLimits(timeout_s=1.5, memory_mb=4096))
    assert time.monotonic() - start < 5


def test_hostile_pdf_is_stopped_by_the_memory_limit(fixtures_dir):
    data = (fixtures_dir / "bomb.pdf").read_bytes()
    with pytest.raises(ExtractionError, match=r"^bomb.pdf: .*more than 400 MB of memory"):
        extract(data, "bomb.pdf", limits=ExtractLimits(timeout_s=60, memory_mb=400))


def test_the_pool_recovers_after_a_killed_worker(fixtures_dir):
    limits = ExtractLimits(timeout_s=1, memory_mb=4096)
    with pytest.raises(ExtractionError):
        extract((fixtures_dir / "bomb.pdf").read_bytes(), "bomb.pdf", limits=limits)
    text = extract((fixtures_dir / "002.pdf").read_bytes(), "002.pdf", limits=limits).text
    assert "Punkt 1: Meddelelser" in text


def test_worker_kills_a_hung_job_and_starts_afresh():
    worker = Worker(memory_mb=0)
    try:
        assert worker.run(pow, 2, 10, timeout=30) == 1024
        first = worker.pid
        with pytest.raises(WorkerTimeout):
            worker.run(time.sleep, 30, timeout=0.5)
        assert worker.run(pow, 3, 3, timeout=30) == 27
        assert worker.pid != first
    finally:
        worker.close()


def test_worker_memory_limit_is_real():
    """A Python allocation beyond RLIMIT_AS fails in the child, not in the caller."""
    from referat.ingest.worker import WorkerOutOfMemory

    worker = Worker(memory_mb=500)
    try:
        with pytest.raises(WorkerOutOfMemory):
            worker.run(bytearray, 800 * 2**20, timeout=30)
        assert worker.run(len, "abc", timeout=30) == 3
    finally:
        worker.close()


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"", "empty"),
        (b"%PDF-1.4\n...", "pdf"),
        (b"junk before\n%PDF-1.4\n", "pdf"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "html"),
        (b"\xef\xbb\xbf  <html lang='da'>", "html"),
        (b"<!-- comment -->\n<div class='x'>hej</div>", "html"),
        (b"# Referat\n\nTabel\t<b>fed</b>\t2\n", "text"),
        ("Møde på Rådhuset\n".encode("cp1252"), "text"),
        (b"\xff\xfeR\x00e\x00", "text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image"),
        (b"PK\x03\x04\x14\x00word/document.xml", "office"),
        (b"\x00\x01\x02\x03", "binary"),
    ],
)
def test_sniff(data, kind):
    assert sniff(data) == kind


def test_text_decoding():
    assert extract("Æble\r\npære\u00a0og\u00adså".encode("cp1252", "ignore"), "a.txt").text == "Æble\npære også"
    assert extract("\ufeffØkonomi\rudvalg".encode("utf-8"), "b.md").text == "Økonomi\nudvalg"
    assert extract("Årsag".encode("utf-16"), "c.txt").text == "Årsag"


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line for line in status)
    except FileNotFoundError:
        return False


def test_worker_dies_with_its_parent(tmp_path):
    """A killed `referat` must not leave a worker spinning on a hostile PDF."""
    import os
    import signal
    import subprocess
    import sys

    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from referat.ingest.worker import Worker\n"
        "w = Worker(0)\n"
        "w.run(os.getpid, timeout=30)\n"
        "print(w.pid, flush=True)\n"
        "w.run(time.sleep, 300, timeout=600)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    worker_pid = int(parent.stdout.readline())
    assert _alive(worker_pid)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker_pid)
