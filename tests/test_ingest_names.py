"""File names, symbolic links and errors as the write commands report them (issue 11, points 6 and 7).

Before: a file name that is not UTF-8 made `--format json` emit invalid UTF-8; a newline in a file
name forged a second error line; a symlink to /etc/passwd inside an ingested folder was stored and
served; a busy archive or an aborted run printed no JSON; a malformed SQLite file printed the SQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_ingest_cli import COMMITTEE, good_minutes, hold_lock  # noqa: F401

if sys.platform != "linux":  # pragma: no cover
    pytest.skip("file names as bytes and symbolic links as Linux has them", allow_module_level=True)


def run(*args: str | Path | bytes) -> subprocess.CompletedProcess:
    """The real command, with bytes kept as bytes: stdout must be valid UTF-8 by itself."""
    args = [a if isinstance(a, bytes) else os.fsencode(str(a)) for a in args]
    return subprocess.run([sys.executable.encode(), b"-m", b"referat.cli", *args], capture_output=True, timeout=120)


def test_a_file_name_that_is_not_utf8_gives_valid_json(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bad = os.fsencode(folder) + b"/m\xf8de-\xe6.txt"  # a Latin-1 name, as an old Windows share writes it
    good = good_minutes(tmp_path / "tmp")
    with open(bad, "wb") as f:
        f.write(good.read_bytes())
    with open(os.fsencode(folder) + b"/tom-\xe6.txt", "wb"):
        pass  # an empty document: a failure that names the file
    result = run("--data", tmp_path / "data", "ingest", folder, "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout.decode("utf-8"))  # strict: raises on invalid UTF-8
    assert report["ingested"] == 1
    assert [f["source"].rsplit("/", 1)[1] for f in report["failed"]] == ["tom-\\xe6.txt"]
    assert result.stderr.decode("utf-8").endswith("tom-\\xe6.txt: the file is empty\n")


def test_a_newline_in_a_file_name_cannot_forge_an_error_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.txt\nError: everything is fine.txt").write_bytes(b"")
    result = run("--data", tmp_path / "data", "ingest", folder)
    lines = result.stderr.decode().splitlines()
    assert lines == [f"{folder}/x.txt\\nError: everything is fine.txt: the file is empty"]


def test_a_symlink_out_of_the_folder_is_skipped_unless_asked(tmp_path: Path) -> None:
    outside = good_minutes(tmp_path / "elsewhere", "secret.txt")
    folder = tmp_path / "in"
    good_minutes(folder, "own.txt", items=2)
    (folder / "passwd.txt").symlink_to(outside)
    (folder / "inside.txt").symlink_to(folder / "own.txt")  # stays inside: read (and unchanged)
    (folder / "sub").symlink_to(outside.parent, target_is_directory=True)
    data = tmp_path / "data"
    report = json.loads(run("--data", data, "ingest", folder, "--format", "json").stdout)
    assert report["ingested"] == 1 and report["unchanged"] == 1
    skipped = {Path(s["source"]).name: s["reason"] for s in report["skipped"]}
    note = "a symbolic link leading outside the folder (pass --follow-symlinks to read it)"
    assert skipped == {"passwd.txt": note, "sub": note}
    text = run("--data", tmp_path / "data2", "ingest", folder).stderr.decode()
    assert text.startswith("2 files skipped:\n") and f"\n  {folder}/passwd.txt: {note}\n" in text

    followed = json.loads(run("--data", data, "ingest", folder, "--follow-symlinks", "--format", "json").stdout)
    assert followed["ingested"] == 1 and followed["skipped"] == []  # secret.txt, via the link and the folder


def test_a_busy_archive_still_prints_a_json_report(tmp_path: Path) -> None:
    data, good = tmp_path / "data", good_minutes(tmp_path / "in")
    holder = hold_lock(data, 30)
    try:
        for command in (["ingest", good], ["reparse"]):
            result = run("--data", data, *command, "--wait", "0.2", "--format", "json")
            assert result.returncode == 1
            report = json.loads(result.stdout)
            assert report["error"].startswith(f"the archive at {data} is busy")
            assert report["failed"] == [] and report.get("ingested", report.get("reparsed")) is None
            assert len(result.stderr.decode().splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()


def test_a_malformed_sqlite_file_is_one_line_and_json(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("--data", data, "ingest", good_minutes(tmp_path / "in")).returncode == 0
    db = data / "referat.db"
    with open(db, "r+b") as f:  # keep the header, damage the pages
        f.seek(4096)
        f.write(b"\xff" * (db.stat().st_size - 4096))
    other = good_minutes(tmp_path / "in", "other.txt", items=2)
    result = run("--data", data, "ingest", other, "--format", "json")
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert len(stderr.splitlines()) == 1 and "SQL" not in stderr, stderr
    report = json.loads(result.stdout)
    assert "malformed" in report["error"] or "not a database" in report["error"]


def test_a_lost_postgresql_connection_is_one_line(pg_url: str) -> None:
    """The real error of a connection the server dropped: psycopg words it over several lines and
    SQLAlchemy appends the SQL; the user sees the driver's first line."""
    from sqlalchemy import create_engine, text

    from referat.errors import one_line

    engine = create_engine(pg_url)
    try:
        with engine.connect() as victim, engine.connect() as killer:
            pid = victim.execute(text("SELECT pg_backend_pid()")).scalar()
            killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(Exception) as info:
                victim.execute(text("SELECT 1 FROM pg_class WHERE relname = :name"), {"name": "documents"})
    finally:
        engine.dispose()
    assert "\n" in str(info.value)  # what used to be printed
    message = one_line(info.value)
    assert message.startswith("the database failed: ") and "\n" not in message and "SELECT" not in message
