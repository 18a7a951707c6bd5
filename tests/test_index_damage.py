"""A damaged search index (issue 11, point 5), one file kind at a time: bytes overwritten inside
tantivy's .idx/.term/.pos/.store/.fast files, a malformed, 0-byte or incomplete hit store. Each
gives exactly one rebuild with a one-line notice and then the answer of an undamaged index —
never a traceback, a Rust panic, "Invalid data" or a total with no hits listed.

The damage is seeded and lands in the middle of each file (away from the footer tantivy checks on
open); before the fix every kind made at least one of QUERIES fail or come back empty.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from referat.archive import Archive

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
QUERIES = ["job", "budget", "fleksjob"]
EDGE = 4096  # the manifest checks a file's first and last 4 KiB; larger files are damaged between


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """An archive of the four text samples and the answers its undamaged index gives."""
    data = tmp_path_factory.mktemp("pristine")
    with Archive(data) as archive:
        assert not archive.ingest(sorted(SAMPLES.glob("*.txt"))).failed
        expected = {q: archive.search(q, kind="all", limit=50) for q in QUERIES}
    assert all(result["hits"] for result in expected.values())
    return data, expected


def _copy(pristine: tuple[Path, dict], tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(pristine[0], data)
    return data


def _generation(data: Path) -> Path:
    base = data / "index" / "tantivy"
    return base / (base / "CURRENT").read_text().strip()


def _overwrite_middle(path: Path, rnd: random.Random) -> None:
    """Random bytes over the middle of a file, its size unchanged."""
    data = bytearray(path.read_bytes())
    low, high = (EDGE, len(data) - EDGE) if len(data) > 3 * EDGE else (len(data) // 4, len(data) // 2)
    data[low:high] = bytes(rnd.randrange(256) for _ in range(high - low))
    path.write_bytes(bytes(data))


def _answers(archive: Archive) -> dict:
    return {q: archive.search(q, kind="all", limit=50) for q in QUERIES}


def _same(got: dict, expected: dict) -> None:
    for q in QUERIES:
        assert got[q]["total"] == expected[q]["total"], q
        # As sets: equal scores come back in segment order, which a rebuild with two threads may change.
        assert {h["id"] for h in got[q]["hits"]} == {h["id"] for h in expected[q]["hits"]}, q


def _one_notice(notices: list[str]) -> None:
    assert len(notices) == 1, notices
    assert "rebuilding it from the store" in notices[0] and "\n" not in notices[0]


@pytest.mark.parametrize("kind", ["idx", "term", "pos", "store", "fast"])
def test_overwritten_index_file_gives_one_rebuild_and_the_right_answers(pristine, tmp_path: Path, kind: str) -> None:
    data = _copy(pristine, tmp_path)
    files = sorted(_generation(data).glob(f"*.{kind}"))
    assert files
    rnd = random.Random(11)
    for path in files:
        _overwrite_middle(path, rnd)
    notices: list[str] = []
    with Archive(data, notice=notices.append) as archive:
        _same(_answers(archive), pristine[1])
    _one_notice(notices)
    notices.clear()
    with Archive(data, notice=notices.append) as archive:  # the rebuilt index holds
        _same(_answers(archive), pristine[1])
    assert notices == []


def _malform(path: Path) -> None:
    """Overwrite part of every page but the first (the schema stays readable)."""
    rnd = random.Random(7)
    data = bytearray(path.read_bytes())
    for page in range(4096, len(data), 4096):
        data[page + 100 : page + 400] = bytes(rnd.randrange(256) for _ in range(300))
    path.write_bytes(bytes(data))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _drop_half(path: Path) -> None:
    """Lose the records of every other document: the engine still finds them."""
    with sqlite3.connect(path) as conn:
        docs = sorted(d for (d,) in conn.execute("SELECT DISTINCT doc FROM records"))
        conn.executemany("DELETE FROM records WHERE doc = ?", [(d,) for d in docs[::2]])


@pytest.mark.parametrize("damage", [_malform, _empty, _drop_half], ids=["malformed", "0-byte", "records-lost"])
def test_damaged_hit_store_gives_one_rebuild_and_every_hit(pristine, tmp_path: Path, damage) -> None:
    data = _copy(pristine, tmp_path)
    generation = _generation(data)
    for extra in generation.glob("records-v2.sqlite-*"):  # no WAL left behind by a clean close
        extra.unlink()
    damage(generation / "records-v2.sqlite")
    notices: list[str] = []
    with Archive(data, notice=notices.append) as archive:
        _same(_answers(archive), pristine[1])
    _one_notice(notices)


@pytest.mark.parametrize("kind", ["store", "idx", "term", "pos"])
def test_the_command_line_rebuilds_a_damaged_index_once(pristine, tmp_path: Path, kind: str) -> None:
    """`referat search` first reads the index without the store; a read failure there hands over to
    the archive, which rebuilds: one notice on stderr, the full answer on stdout. A Rust panic's own
    message (written straight to file descriptor 2) is not shown: the notice is the one line."""
    data = _copy(pristine, tmp_path)
    rnd = random.Random(11)
    for path in sorted(_generation(data).glob(f"*.{kind}")):
        _overwrite_middle(path, rnd)
    run = subprocess.run([sys.executable, "-m", "referat.cli", "--data", str(data), "search", "budget", "--kind", "all", "--limit", "50"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("rebuilding it from the store") == 1 and "Traceback" not in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "panicked" not in run.stderr, run.stderr
    assert f"{pristine[1]['budget']['total']} hits for 'budget'" in run.stdout



def test_whoosh_hit_store_emptied_gives_one_rebuild(tmp_path: Path) -> None:
    """The same checks for the pure-Python engine: they live in the index's life cycle, not in tantivy."""
    data = tmp_path / "data"
    with Archive(data, search_engine="whoosh") as archive:
        assert not archive.ingest(sorted(SAMPLES.glob("*.txt"))[:2]).failed
        expected = archive.search("job", limit=50)
    assert expected["hits"]
    base = data / "index" / "whoosh"
    generation = base / (base / "CURRENT").read_text().strip()
    for extra in generation.glob("records-v2.sqlite-*"):
        extra.unlink()
    (generation / "records-v2.sqlite").write_bytes(b"")
    notices: list[str] = []
    with Archive(data, search_engine="whoosh", notice=notices.append) as archive:
        got = archive.search("job", limit=50)
    assert got["total"] == expected["total"] and {h["id"] for h in got["hits"]} == {h["id"] for h in expected["hits"]}
    _one_notice(notices)


def test_the_library_refuses_windows_past_the_bounds(pristine) -> None:
    from referat.settings import MAX_LIMIT, MAX_OFFSET, InvalidWindow

    with Archive(pristine[0]) as archive:
        for limit, offset in ((0, 0), (MAX_LIMIT + 1, 0), (10, -1), (10, MAX_OFFSET + 1), (10, 2**64)):
            with pytest.raises(InvalidWindow):
                archive.search("job", limit=limit, offset=offset)
        past = archive.search("job", kind="all", limit=MAX_LIMIT, offset=MAX_OFFSET)
        assert past["total"] == pristine[1]["job"]["total"] and past["hits"] == []
        assert archive.budget(2**70) is None and archive.budget(2**70, "5.3") is None
