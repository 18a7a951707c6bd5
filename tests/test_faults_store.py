"""Fault suite (issue 11): the database goes away or goes bad under referat.

- A throw-away PostgreSQL server (scripts/start-postgres on a port and folder of its own) is
  stopped while an ingest stores documents, and while it writes links: the ingest ends with one
  clear line, and once the server is back a re-run completes with every link.
- The SQLite file is damaged in several ways (fixed seed): every command answers with one line,
  never a traceback or SQL.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

import pytest

from referat.archive import Archive
from test_faults_kill import Place, make_folder, snapshot
from test_store_support import minutes_text
from tests.conftest import ROOT, SAMPLES, pg_schema

# --- a PostgreSQL server of the test's own --------------------------------------------------------


class Server:
    """A throw-away PostgreSQL server that the test may stop and start again."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        # Not under pytest's tmp_path: the postgres user must be able to reach the folder.
        self.dir = Path(f"/tmp/referat-pg-fault-{uuid.uuid4().hex[:8]}")
        self.env = {**os.environ, "REFERAT_PG_PORT": str(self.port), "REFERAT_PG_DIR": str(self.dir)}
        versions = Path("/usr/lib/postgresql").glob("*/bin")  # as scripts/start-postgres picks: the newest
        self.bin = max(versions, key=lambda p: [int(n) for n in p.parent.name.split(".") if n.isdigit()])

    def start_fresh(self) -> str:
        out = subprocess.run([str(ROOT / "scripts" / "start-postgres")], env=self.env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def _pg_ctl(self, *args: str) -> None:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.dir), *args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, cwd="/", capture_output=True, timeout=120, check=True)

    def stop(self) -> None:
        """As a crash or a pulled cable looks to the client: no goodbye."""
        self._pg_ctl("-m", "immediate", "stop")

    def start(self) -> None:
        self._pg_ctl("-l", str(self.dir / "server.log"), "-w", "-o",
                     f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off", "start")  # fmt: skip

    def schema(self, url: str) -> str:
        """A schema of its own for one archive (not dropped: the whole server goes at the end)."""
        from sqlalchemy import create_engine, text

        name = f"lost_{uuid.uuid4().hex[:12]}"
        admin = create_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {name}"))
        admin.dispose()
        return f"{url}?options=-csearch_path%3D{name}"

    def remove(self) -> None:
        subprocess.run([str(ROOT / "scripts" / "stop-postgres")], env=self.env, capture_output=True, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def server(pg_url: str) -> Iterator[tuple[Server, str]]:
    """Needs the machine's PostgreSQL (REFERAT_TEST_PG_URL says the suite has it), not its server."""
    own = Server()
    try:
        yield own, own.start_fresh()
    finally:
        own.remove()


def stopped(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"
    except OSError:
        return False


def one_line_error(stderr: str, prefix: str) -> None:
    """The error is the last line and the only one (a notice of what was under way may precede it)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]
    assert len(errors) == 1 and lines[-1] == errors[0] and errors[0].startswith(prefix), stderr
    assert "Traceback" not in stderr and "[SQL" not in stderr and "Background on this error" not in stderr


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("moment", ["document-stored:5", "links-written"])
def test_the_server_lost_mid_ingest_is_one_line_and_a_rerun_completes(server, pg_url: str, tmp_path: Path, moment: str) -> None:
    own, url = server
    folder = tmp_path / "in"
    make_folder(folder)
    with pg_schema(pg_url, "lostclean") as clean_db:
        place = Place(tmp_path / "data", own.schema(url))
        env = {**os.environ, "REFERAT_FAULT": f"stop@{moment}"}
        process = subprocess.Popen([sys.executable, "-m", "referat.cli", *place.args(), "ingest", str(folder)], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not stopped(process.pid) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert stopped(process.pid), "the ingest did not reach " + moment
            own.stop()
            os.kill(process.pid, signal.SIGCONT)
            _out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            own.start()
        assert process.returncode == 1
        one_line_error(err, f"Error: the archive database postgresql+psycopg://postgres@127.0.0.1:{own.port}/referat_test")
        assert " failed: " in err

        rerun = place.cli("ingest", str(folder), "--format", "json")
        assert rerun.returncode == 0, rerun.stderr
        report = json.loads(rerun.stdout)
        assert not report["failed"] and report["ingested"] + report["unchanged"] == len(list(folder.iterdir()))
        if moment == "links-written":
            assert report["ingested"] == 0  # every document was stored: only the links were owed
        assert place.owed() == 0

        clean = Place(tmp_path / "clean", clean_db)
        assert clean.cli("ingest", str(folder)).returncode == 0
        assert snapshot(place) == snapshot(clean)


# --- a damaged SQLite file ------------------------------------------------------------------------


def _garbage(data: bytearray, rng: random.Random) -> bytearray:
    return bytearray(rng.randbytes(len(data)))


def _pages(data: bytearray, rng: random.Random) -> bytearray:
    """Random pages of the second half overwritten: the file opens and its schema reads, the
    tables' b-trees lie ("database disk image is malformed" in the middle of a command)."""
    page = int.from_bytes(data[16:18], "big") or 65536
    pages = len(data) // page
    for n in rng.sample(range(pages // 2, pages), max(1, pages // 4)):
        data[n * page : (n + 1) * page] = rng.randbytes(page)
    return data


def _truncated(data: bytearray, rng: random.Random) -> bytearray:
    return data[: len(data) // 3]


def _header(data: bytearray, rng: random.Random) -> bytearray:
    data[:100] = bytes(100)
    return data


DAMAGE = {"garbage": _garbage, "pages": _pages, "truncated": _truncated, "header": _header}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("pristine") / "data"
    with Archive(data) as archive:
        archive.ingest(sorted(SAMPLES.glob("*.txt")))
    return data


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_sqlite_file_is_one_line_never_a_traceback(pristine: Path, tmp_path: Path, kind: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    for extra in ("referat.db-wal", "referat.db-shm"):
        (data / extra).unlink(missing_ok=True)
    db = data / "referat.db"
    db.write_bytes(DAMAGE[kind](bytearray(db.read_bytes()), random.Random(11)))
    new = tmp_path / "new.txt"
    new.write_text(minutes_text("Teknik- og Miljøudvalget", date(2022, 5, 2), 2), encoding="utf-8")

    place = Place(data, None)
    results = {
        "stats": place.cli("stats"),
        "case": place.cli("case", "15.00.00-P05"),
        "budget": place.cli("budget", "2019", "5.3"),
        "ingest": place.cli("ingest", str(new)),
        "reindex": place.cli("reindex"),
    }
    for command, result in results.items():
        assert "Traceback" not in result.stderr and "[SQL" not in result.stderr, (command, result.stderr)
        if result.returncode != 0:
            assert result.returncode == 1, (command, result.returncode, result.stderr)
            one_line_error(result.stderr, "Error: ")
    assert results["stats"].returncode == 1, results["stats"].stdout  # every kind of damage shows in the counts
