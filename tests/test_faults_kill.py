"""Fault suite (issue 11): an ingest killed with SIGKILL at thirteen named moments, on SQLite and on
PostgreSQL, and the next command run as a user would. Afterwards the archive must hold the same
items, links and search results as a clean ingest of the same folder: no kill may lose links.

The moments are named steps (`referat.faults`), not timers, so every run kills in the same
place: a fixed schedule instead of a seed. Real processes, a real SQLite file, a real server.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from textwrap import dedent
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text

from referat.archive import Archive
from test_links import KB, TMU, ØU
from test_store_support import minutes_text
from tests.conftest import SAMPLES, pg_schema

GENERATED = 12
FILES = 4 + 3 + GENERATED  # the samples, a case climbing three bodies, minutes sharing case numbers
QUERIES = ["vejbelysning", "affaldsordning", "ledige ikke-vestlig baggrund", "budget"]


def make_folder(folder: Path) -> list[Path]:
    """The folder every scenario ingests; returns its files in the order an ingest takes them."""
    folder.mkdir(parents=True, exist_ok=True)
    for sample in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(sample, folder / sample.name)
    for name, minutes in (("tmu", TMU), ("oeu", ØU), ("kb", KB)):
        (folder / f"climb-{name}.txt").write_text(dedent(minutes).strip() + "\n", encoding="utf-8")
    for i in range(GENERATED):
        day = date(2021, 1, 4) + timedelta(days=14 * i)
        (folder / f"m{i:02d}.txt").write_text(minutes_text("Teknik- og Miljøudvalget", day, 2 + i % 3), encoding="utf-8")
    return sorted(folder.iterdir())


class Place:
    """Where one archive lives: a data folder and, for PostgreSQL, a schema of its own."""

    def __init__(self, data: Path, db: str | None):
        self.data, self.db = data, db

    def args(self) -> list[str]:
        return ["--data", str(self.data)] + (["--db", self.db] if self.db else [])

    def cli(self, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k != "REFERAT_FAULT"}
        if fault:
            env["REFERAT_FAULT"] = fault
        return subprocess.run([sys.executable, "-m", "referat.cli", *self.args(), *args], env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    def owed(self) -> int:
        """Owed-work rows, read without opening an Archive (whose reads would finish them)."""
        engine = create_engine(self.db or f"sqlite:///{self.data / 'referat.db'}")
        try:
            with engine.connect() as connection:
                return connection.execute(text("SELECT count(*) FROM owed_work")).scalar()
        finally:
            engine.dispose()


def snapshot(place: Place) -> dict[str, Any]:
    """What a user sees of an archive: documents, items, treatments, links (by uid, with scores
    and evidence) and search results, without the database's own ids."""
    with Archive(place.data, place.db) as archive:
        searches = {q: _hits(archive.search(q, limit=200, kind="all")) for q in QUERIES}
        with archive.db.connect() as c:
            documents = sorted(c.execute(text("SELECT d.sha256, d.kind, s.sha256 FROM documents d LEFT JOIN documents s ON s.id = d.superseded_by_id")).all())
            items = sorted(c.execute(text("SELECT uid, title, case_number, decision, outcome FROM items")).all())
            treatments = sorted(c.execute(text(
                "SELECT i.uid, t.position, r.uid FROM treatments t JOIN items i ON i.id = t.item_id LEFT JOIN items r ON r.id = t.resolved_item_id"
            )).all())  # fmt: skip
            links = sorted(
                (kind, source, target, year, point, round(score or 0, 6), json.dumps(evidence if isinstance(evidence, dict) else json.loads(evidence or "null"), sort_keys=True))
                for kind, source, target, year, point, score, evidence in c.execute(text(
                    "SELECT l.kind, f.uid, t.uid, a.year, p.point, l.score, l.evidence FROM links l JOIN items f ON f.id = l.from_item_id"
                    " LEFT JOIN items t ON t.id = l.to_item_id LEFT JOIN budget_points p ON p.id = l.to_budget_point_id"
                    " LEFT JOIN budget_agreements a ON a.id = p.agreement_id"
                ))
            )  # fmt: skip
    return {"documents": documents, "items": items, "treatments": treatments, "links": links, "search": searches}


def _hits(result: dict) -> tuple[int, list[tuple[float, str]]]:
    """The total and every hit with its score; hits of equal score may come in either order (the
    engine indexes on several threads), so they are compared as a sorted list."""
    return result["total"], sorted((round(h["score"], 4), h["id"]) for h in result["hits"])


# The schedule: (kill moment, base, then). `base`: the first half of the folder was ingested
# cleanly before (so the killed run updates links instead of building them all); `then`: the
# next command, "ingest" (the re-run) or "search" (a read, after a kill that came once every
# document was stored). "kill@x|kill@y": the re-run is itself killed at y before the read.
SCHEDULE = [
    ("raw-kept:3", False, "ingest"),
    ("document-written:3", False, "ingest"),
    ("document-stored:1", False, "ingest"),
    ("document-stored:10", False, "ingest"),
    (f"document-stored:{FILES}", False, "search"),
    ("hits-added", True, "search"),
    ("engine-committed", True, "search"),
    ("index-synced", False, "search"),
    ("links-written", False, "search"),
    ("links-committed", False, "ingest"),
    ("document-stored:10|links-written", False, "search"),
    ("index-synced", True, "search"),
    ("links-written", True, "ingest"),
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    path = tmp_path_factory.mktemp("kill-input")
    return path, make_folder(path / "in")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for SQLite, else the server's URL (each archive gets a schema of its own)."""
    if request.param == "sqlite":
        yield None
    else:
        yield request.getfixturevalue("pg_url")


def _place(tmp_path: Path, base_url: str | None, stack) -> Place:
    db = stack.enter_context(pg_schema(base_url, "kill")) if base_url else None
    return Place(tmp_path / "data", db)


def _ingest_base(place: Place, files: list[Path]) -> None:
    with Archive(place.data, place.db) as archive:
        report = archive.ingest(files[: len(files) // 2])
        assert not report.failed


@pytest.fixture(scope="module")
def clean(folder, backend, tmp_path_factory) -> Iterator[dict[bool, dict]]:
    """Snapshots of clean ingests: straight into an empty archive, and after the base half."""
    from contextlib import ExitStack

    folder_path, files = folder
    out = {}
    with ExitStack() as stack:
        for base in (False, True):
            place = _place(tmp_path_factory.mktemp("clean"), backend, stack)
            if base:
                _ingest_base(place, files)
            result = place.cli("ingest", str(folder_path / "in"))
            assert result.returncode == 0, result.stderr
            assert place.owed() == 0
            out[base] = snapshot(place)
        yield out


@pytest.mark.slow
@pytest.mark.parametrize("moment, base, then", SCHEDULE, ids=[f"{m}{'+base' if b else ''}->{t}" for m, b, t in SCHEDULE])
def test_a_kill_at_any_moment_loses_nothing(folder, backend, clean, tmp_path: Path, moment: str, base: bool, then: str) -> None:
    from contextlib import ExitStack

    folder_path, files = folder
    with ExitStack() as stack:
        place = _place(tmp_path, backend, stack)
        if base:
            _ingest_base(place, files)
        for step in moment.split("|"):
            killed = place.cli("ingest", str(folder_path / "in"), fault=f"kill@{step}")
            assert killed.returncode == -signal.SIGKILL, f"not killed at {step}: {killed.stderr}"

        if then == "search":  # every document was stored: a read alone must bring back the rest
            read = place.cli("search", *QUERIES[0].split(), "--format", "json", "--limit", "200", "--kind", "all")
            assert read.returncode == 0, read.stderr
            assert "Traceback" not in read.stderr
            assert place.owed() == 0, "the read left the owed work undone"
            assert _hits(json.loads(read.stdout)) == clean[base]["search"][QUERIES[0]]
        else:
            rerun = place.cli("ingest", str(folder_path / "in"), "--format", "json")
            assert rerun.returncode == 0, rerun.stderr
            report = json.loads(rerun.stdout)
            assert report["ingested"] + report["unchanged"] == FILES and not report["failed"]
            assert place.owed() == 0
        assert snapshot(place) == clean[base]


@pytest.mark.slow
def test_a_killed_reparse_is_finished_by_the_next_read(folder, backend, clean, tmp_path: Path) -> None:
    """A reparse changes documents in place (same sha256, new items): it owes the whole index and every link."""
    from contextlib import ExitStack

    folder_path, _files = folder
    with ExitStack() as stack:
        place = _place(tmp_path, backend, stack)
        assert place.cli("ingest", str(folder_path / "in")).returncode == 0
        killed = place.cli("reparse", fault="kill@document-reparsed:5")
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert place.owed() == 1
        read = place.cli("case", "06.00.00-P20-1-21", "--format", "json")
        assert read.returncode == 0, read.stderr
        assert "interrupted write" in read.stderr
        assert place.owed() == 0
        assert snapshot(place) == clean[False]


@pytest.mark.slow
def test_two_readers_finish_owed_work_once(folder, backend, clean, tmp_path: Path) -> None:
    """Two commands open an archive with owed work at the same moment: one finishes it, the other
    reads on (it never redoes it beside the first). On PostgreSQL the second has a data folder of
    its own, as on another machine, so only the server's advisory lock stands between them."""
    from contextlib import ExitStack

    folder_path, _files = folder
    with ExitStack() as stack:
        place = _place(tmp_path, backend, stack)
        killed = place.cli("ingest", str(folder_path / "in"), fault="kill@links-written")
        assert killed.returncode == -signal.SIGKILL
        other = Place(tmp_path / "other", place.db) if place.db else place
        readers = [
            subprocess.Popen([sys.executable, "-m", "referat.cli", *p.args(), "budget", "2019", "5.3", "--format", "json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
            for p in (place, other)
        ]
        outputs = [r.communicate(timeout=120) for r in readers]
        assert [r.returncode for r in readers] == [0, 0], outputs
        assert sum("Finished the index entries and links" in err for _out, err in outputs) == 1, outputs
        assert place.owed() == 0
        assert snapshot(place) == clean[False]
