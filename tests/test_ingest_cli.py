"""`referat ingest`, `reparse`, `stats` as a user runs them: real files, real processes, real signals."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from referat.cli import cli
from test_store_support import db_url, minutes_text  # noqa: F401 - fixture

COMMITTEE = "Teknik- og Miljøudvalget"
BUSY = "is busy: another referat process is writing; try again when it finishes"


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "referat.cli", *map(str, args)], capture_output=True, text=True, timeout=120
    )


def invoke(*args: str | Path):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def good_minutes(folder: Path, name: str = "good.txt", day: date = date(2021, 2, 3), items: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(minutes_text(COMMITTEE, day, items), encoding="utf-8")
    return path


def test_ingest_the_samples_then_again(tmp_path: Path, samples_dir: Path, db_url: str | None) -> None:
    base = ["--data", tmp_path / "data"] + (["--db", db_url] if db_url else [])
    samples = sorted(samples_dir.glob("*.txt"))
    result = invoke(*base, "ingest", *samples, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("ingested", "unchanged", "failed", "meetings", "items")} == {
        "ingested": 4,
        "unchanged": 0,
        "failed": [],
        "meetings": 2,
        "items": 21,
    }
    again = invoke(*base, "ingest", *samples, "--format", "json")
    assert json.loads(again.stdout)["unchanged"] == 4 and json.loads(again.stdout)["ingested"] == 0

    text = invoke(*base, "ingest", *samples)
    assert text.stdout.strip() == "0 ingested (0 meetings, 0 items), 4 unchanged, 0 failed."

    stats = json.loads(invoke(*base, "stats", "--format", "json").stdout)
    assert (stats["documents"], stats["meetings"], stats["items"]) == (4, 2, 21)
    assert stats["documents_by_kind"]["budget_agreement"] == 1 and stats["documents_by_kind"]["document"] == 1
    assert stats["date_range"] == {"from": "2019-06-11", "to": "2020-08-18"}
    assert "Meetings:   2, 2019-06-11 to 2020-08-18" in invoke(*base, "stats").stdout

    reparsed = invoke(*base, "reparse", "--format", "json")
    assert reparsed.exit_code == 0
    assert json.loads(reparsed.stdout) == {"reparsed": 4, "failed": [], "meetings": 2, "items": 21}


def test_bad_inputs_are_named_one_line_each_and_the_rest_go_in(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    good = good_minutes(inputs)
    (inputs / "zero.txt").write_bytes(b"")
    (inputs / "data.bin").write_bytes(bytes(range(256)) * 8)
    (inputs / "fake.pdf").write_text("<html><body>Not found</body></html>")
    bad = [inputs / "zero.txt", inputs / "data.bin", inputs / "fake.pdf"]

    result = invoke("--data", tmp_path / "data", "ingest", good, *bad)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    for line, path in zip(lines, bad):
        assert line.startswith(f"{path}: ")
    assert "empty" in lines[0] and "binary" in lines[1] and "not a PDF" in lines[2]
    assert "Traceback" not in result.output
    assert result.stdout.strip() == "1 ingested (1 meetings, 3 items), 0 unchanged, 3 failed."

    # A folder: the binary file is skipped as not a document; the broken documents still fail.
    folder = invoke("--data", tmp_path / "data2", "ingest", inputs, "--format", "json")
    assert folder.exit_code == 1
    report = json.loads(folder.stdout)
    assert report["ingested"] == 1
    assert sorted(Path(f["source"]).name for f in report["failed"]) == ["fake.pdf", "zero.txt"]
    assert [Path(s["source"]).name for s in report["skipped"]] == ["data.bin"]


def test_nothing_to_do_is_exit_code_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke("--data", tmp_path / "data", "ingest", tmp_path / "empty")
    assert result.exit_code == 2 and "Nothing to ingest" in result.stderr
    assert invoke("--data", tmp_path / "data", "reparse").exit_code == 2
    missing = invoke("--data", tmp_path / "data", "ingest", tmp_path / "nope.pdf")
    assert missing.exit_code == 1 and missing.stderr.startswith(f"{tmp_path / 'nope.pdf'}: no such file")


def test_every_command_explains_itself() -> None:
    for name, command in cli.commands.items():
        result = invoke(name, "--help")
        assert result.exit_code == 0, name
        assert command.help and len(command.help.split()) > 8, name
        assert "Usage: " in result.stdout


def test_errors_are_one_line_without_a_traceback(tmp_path: Path) -> None:
    result = run("--data", tmp_path / "data", "--db", "nonsense://x", "stats")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: nonsense://x is not a database URL")
    assert "Traceback" not in result.stderr
    debug = run("--debug", "--data", tmp_path / "data", "--db", "nonsense://x", "stats")
    assert "Traceback" in debug.stderr


HOLD_LOCK = """
import sys, time
from referat.archive import Archive
archive = Archive(sys.argv[1])
with archive.writing():
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_lock(data: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(data), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_writer_waits_then_gives_up_with_a_clear_message(tmp_path: Path) -> None:
    data, good = tmp_path / "data", good_minutes(tmp_path / "in")
    holder = hold_lock(data, 30)
    try:
        started = time.monotonic()
        busy = run("--data", data, "ingest", good, "--wait", "0.5")
        assert busy.returncode == 1
        assert busy.stderr.strip() == f"Error: the archive at {data} {BUSY}"
        assert time.monotonic() - started < 10
        assert json.loads(run("--data", data, "stats", "--format", "json").stdout)["documents"] == 0  # readers go on
    finally:
        holder.kill()
        holder.wait()
    assert run("--data", data, "ingest", good).returncode == 0


def test_a_second_writer_goes_ahead_when_the_first_finishes_in_time(tmp_path: Path) -> None:
    data, good = tmp_path / "data", good_minutes(tmp_path / "in")
    holder = hold_lock(data, 1.0)
    try:
        started = time.monotonic()
        result = run("--data", data, "ingest", good, "--wait", "20")
        assert result.returncode == 0, result.stderr
        assert time.monotonic() - started >= 0.5
    finally:
        holder.wait()


def expected_items(path: Path) -> int:
    return 3 + int(path.stem[1:]) % 5


def check_consistent(db: Path, data: Path, integrity: bool = True) -> int:
    """Every stored document is complete, seen in one read transaction; returns how many there are.

    Run while a writer is busy, this is what a reader sees: never half a document.
    """
    connection = sqlite3.connect(db, isolation_level=None, timeout=10)
    try:
        if integrity:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        connection.execute("BEGIN")
        documents = connection.execute("SELECT id, source, sha256, raw_path FROM documents").fetchall()
        for doc_id, source, sha, raw in documents:
            meeting = connection.execute("SELECT id FROM meetings WHERE document_id = ?", (doc_id,)).fetchall()
            assert len(meeting) == 1, source
            items = connection.execute("SELECT id FROM items WHERE meeting_id = ?", meeting[0]).fetchall()
            assert len(items) == expected_items(Path(source)), source
            sections = connection.execute(
                "SELECT count(*) FROM sections JOIN items ON items.id = sections.item_id WHERE meeting_id = ?",
                meeting[0],
            ).fetchone()[0]
            assert sections == 2 * len(items), source
            assert (data / raw).is_file() and (data / raw).name == sha
        connection.execute("COMMIT")
        return len(documents)
    finally:
        connection.close()


def descendants(pid: int) -> set[int]:
    """Child processes, recursively, from /proc (workers, the fork server, the resource tracker)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_sigkill_midway_leaves_a_consistent_store_and_a_rerun_completes(tmp_path: Path, jobs: int) -> None:
    inputs, data = tmp_path / "in", tmp_path / "data"
    for i in range(200):
        good_minutes(inputs, f"m{i:03d}.txt", date(2015, 1, 1) + timedelta(days=3 * i), items=3 + i % 5)
    total_items = sum(3 + i % 5 for i in range(200))

    process = subprocess.Popen(
        [sys.executable, "-m", "referat.cli", "--data", str(data), "ingest", str(inputs), "--jobs", str(jobs)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = data / "referat.db"
    stored = readings = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if db.exists():
            try:
                stored = check_consistent(db, data, integrity=False)
                readings += 1
            except sqlite3.OperationalError:
                stored = 0  # the schema is still being created
        if stored >= 20:
            helpers = descendants(process.pid)
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    # Worker processes notice that their parent is gone and exit.
    assert helpers or jobs == 1
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in helpers)

    assert readings >= 2
    before = check_consistent(db, data)
    assert 20 <= before < 200

    rerun = run("--data", data, "ingest", inputs, "--format", "json")
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert (report["ingested"], report["unchanged"], report["failed"]) == (200 - before, before, [])
    assert check_consistent(db, data) == 200
    stats = json.loads(run("--data", data, "stats", "--format", "json").stdout)
    assert (stats["documents"], stats["meetings"], stats["items"]) == (200, 200, total_items)


def test_a_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    import pty

    inputs = tmp_path / "in"
    for i in range(3):
        good_minutes(inputs, f"m{i}.txt", date(2021, 1, 1 + i))
    master, slave = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "referat.cli", "--data", str(tmp_path / "data"), "ingest", str(inputs)],
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=60,
        )
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
    assert result.returncode == 0
    assert b"Ingesting" in shown and b"3/3" in shown
    piped = run("--data", tmp_path / "data2", "ingest", inputs)
    assert piped.returncode == 0 and piped.stderr == ""


def test_one_meeting_published_as_text_pdf_and_web_page_is_stored_once(tmp_path: Path, samples_dir: Path) -> None:
    formats = [samples_dir / "pdf", samples_dir / "html", *sorted(samples_dir.glob("*.txt"))]
    result = invoke("--data", tmp_path / "data", "ingest", *formats, "--jobs", "2", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["ingested"] == 12
    stats = json.loads(invoke("--data", tmp_path / "data", "stats", "--format", "json").stdout)
    assert (stats["documents"], stats["meetings"], stats["items"]) == (12, 2, 21)
    assert stats["documents_by_kind"]["minutes"] == 6
