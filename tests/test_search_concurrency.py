"""Searching while an ingest runs (real processes): every search answers, and no hit belongs to a
half-stored document. A second writer waits, then says clearly that the archive is busy."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from tests.test_store_support import minutes_text

ITEMS_PER_MEETING = 6


def _referat(data: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "referat.cli", "--data", str(data), *args], capture_output=True, text=True, timeout=timeout)


def test_search_during_ingest_sees_only_whole_documents(tmp_path):
    data, batch = tmp_path / "data", tmp_path / "batch"
    batch.mkdir()
    first = batch / "first.txt"
    first.write_text(minutes_text("Teknik- og Miljøudvalget", date(2021, 1, 4), ITEMS_PER_MEETING), encoding="utf-8")
    assert _referat(data, "ingest", str(first)).returncode == 0
    for k in range(120):
        day = date(2021, 1, 5) + timedelta(days=k)
        (batch / f"m{k:03d}.txt").write_text(minutes_text("Teknik- og Miljøudvalget", day, ITEMS_PER_MEETING, words=400), encoding="utf-8")
    writer = subprocess.Popen([sys.executable, "-m", "referat.cli", "--data", str(data), "ingest", str(batch)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    searches = 0
    try:
        deadline = time.monotonic() + 90
        while writer.poll() is None and time.monotonic() < deadline:
            result = _referat(data, "search", "vejbelysning", "--limit", "1000", "--format", "json")
            assert result.returncode == 0, result.stderr
            found = json.loads(result.stdout)
            hits = found["hits"]
            assert found["total"] == len(hits) and found["total"] % ITEMS_PER_MEETING == 0
            per_meeting: dict[str, int] = {}
            for hit in hits:
                per_meeting[hit["meeting_date"]] = per_meeting.get(hit["meeting_date"], 0) + 1
            assert all(n == ITEMS_PER_MEETING for n in per_meeting.values()), per_meeting
            searches += 1
        assert writer.wait(timeout=120) == 0, writer.stderr.read() if writer.stderr else ""
    finally:
        if writer.poll() is None:
            writer.kill()
    assert searches >= 1
    final = json.loads(_referat(data, "search", "vejbelysning", "--limit", "1", "--format", "json").stdout)
    assert final["total"] == 121 * ITEMS_PER_MEETING


def test_a_second_writer_says_the_archive_is_busy(tmp_path):
    data, batch = tmp_path / "data", tmp_path / "batch"
    batch.mkdir()
    for k in range(150):
        day = date(2022, 1, 3) + timedelta(days=k)
        (batch / f"m{k:03d}.txt").write_text(minutes_text("Økonomiudvalget", day, 8, words=600), encoding="utf-8")
    writer = subprocess.Popen([sys.executable, "-m", "referat.cli", "--data", str(data), "ingest", str(batch)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (data / "write.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        other = _referat(data, "reindex", "--wait", "0.2")
        if writer.poll() is None:  # the first writer still holds the lock
            assert other.returncode == 1
            assert "busy" in other.stderr and "another referat process is writing" in other.stderr
            assert "Traceback" not in other.stderr
        assert writer.wait(timeout=180) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
