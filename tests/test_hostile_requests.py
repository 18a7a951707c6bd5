"""Hostile numbers and subjects (issue 11, points 2, 5 and 7): against a live `referat serve` (a
subprocess on 127.0.0.1, every request with a timeout, stopped at the end), on the command line,
and a Rust panic inside a view. Before the fix one GET with offset=2147483648 aborted the server,
huge offsets and years gave 500s, and a blank subject listed every item without a case number.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from referat.cli import cli
from referat.archive import Archive
from referat.settings import MAX_OFFSET
from referat.web.server import SECURITY_HEADERS, create_app

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HEADERS = [name.decode() for name, _ in SECURITY_HEADERS]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("data")
    with Archive(data) as archive:
        assert not archive.ingest(sorted(SAMPLES.glob("*.txt"))).failed
    return data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(data: Path, log: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    """`referat serve` on a free port, its stderr in `log`; waits at most 30 s for it to listen,
    and stops it afterwards (SIGINT, then SIGKILL after 10 s)."""
    port = _free_port()
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "referat.cli", "--data", str(data), "serve", "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=err)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield proc, port
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen, int]]:
    with serving(data_dir, tmp_path_factory.mktemp("log") / "serve.log") as running:
        yield running


def fetch(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """One GET of a raw path (nothing normalised on the way), with a 30 s timeout."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


HOSTILE = [
    # (path, status): windows past every bound, years past SQLite's integer range, blank subjects
    ("/api/search?q=job&offset=2147483648", 400),
    ("/api/search?q=job&offset=18446744073709551616", 400),
    ("/api/search?q=job&offset=-1", 400),
    ("/api/search?q=job&limit=99999999999999999999", 400),
    ("/api/search?q=job&limit=1e3", 400),
    ("/soeg?q=job&side=99999999999999999999", 400),
    ("/soeg?q=job&side=abc", 400),
    ("/sag/15.00.00-P05?side=0", 400),
    ("/budget/9223372036854775808", 404),
    ("/budget/99999999999999999999/5.3", 404),
    ("/budget/1066", 404),
    ("/api/budget/99999999999999999999999", 404),
    ("/api/budget/99999999999999999999999/5.3", 404),
    ("/sag/.md", 404),
    ("/sag/%20.html", 404),
    ("/sag/%20", 404),
    ("/api/history/%20", 404),
    ("/api/case/%20", 404),
    ("/moede/x/99999999999-01-01", 404),
]


def test_hostile_requests_against_a_live_server(server) -> None:
    proc, port = server
    for path, status in HOSTILE:
        code, headers, body = fetch(port, path)
        assert code == status, (path, code, body[:300])
        assert all(name in headers for name in HEADERS), (path, headers)
        if path.startswith("/api/"):
            assert json.loads(body)["error"], path
        assert b"Traceback" not in body and b"OverflowError" not in body, path
        assert proc.poll() is None, f"the server died on {path}"
    # A window past the result set but inside the bounds: tantivy is never asked for it.
    code, _, body = fetch(port, f"/api/search?q=job&offset={MAX_OFFSET}&limit=100")
    assert code == 200 and json.loads(body)["total"] > 0 and json.loads(body)["hits"] == []
    code, _, body = fetch(port, "/api/search?q=job&limit=100")
    answer = json.loads(body)
    assert code == 200 and answer["total"] == len(answer["hits"]) > 0
    assert proc.poll() is None


def test_a_damaged_index_under_a_live_server_is_rebuilt_once(data_dir: Path, tmp_path: Path) -> None:
    """The index of a running server is damaged on disk before its first search (nothing of it in
    tantivy's caches yet); that search rebuilds it, answers in full, and the server's log says so once."""
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    with Archive(data) as archive:
        expected = archive.search("budget", kind="all", limit=100)
    assert expected["hits"]
    log = tmp_path / "serve.log"
    with serving(data, log) as (proc, port):
        base = data / "index" / "tantivy"
        generation = base / (base / "CURRENT").read_text().strip()
        rnd = random.Random(11)
        for path in sorted(generation.glob("*.store")):  # rewritten in place, as a disk error would
            content = bytearray(path.read_bytes())
            low, high = len(content) // 4, len(content) // 2
            content[low:high] = bytes(rnd.randrange(256) for _ in range(high - low))
            path.write_bytes(bytes(content))
        for _ in range(2):
            code, headers, body = fetch(port, "/api/search?q=budget&kind=all&limit=100")
            assert code == 200, body[:300]
            answer = json.loads(body)
            assert answer["total"] == expected["total"]
            assert {h["id"] for h in answer["hits"]} == {h["id"] for h in expected["hits"]}  # ties may reorder
        assert proc.poll() is None
    assert log.read_text().count("rebuilding it from the store") == 1, log.read_text()


def _real_panic() -> type[BaseException]:
    """pyo3's PanicException, from a real tantivy panic (a search for 0 hits)."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("t")
    try:
        tantivy.Index(builder.build()).searcher().search(tantivy.Query.all_query(), 0)
    except BaseException as error:  # noqa: BLE001 - the panic is what we want
        assert not isinstance(error, Exception)
        return type(error)
    raise AssertionError("tantivy did not panic")


def test_a_rust_panic_is_a_logged_500_page_with_the_security_headers(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    panic = _real_panic()
    app = create_app(data_dir=data_dir)
    with TestClient(app) as client:

        def broken(*args, **kwargs):
            raise panic("index out of bounds: the len is 1 but the index is 1")

        app.state.web.archive.item = broken
        app.state.web.archive.budget = broken
        with caplog.at_level(logging.ERROR, logger="referat.web"):
            for url, kind in (("/punkt/x", "text/html"), ("/api/budget/2019", "application/json"), ("/budget/2019", "text/html")):
                r = client.get(url)
                assert r.status_code == 500 and r.headers["content-type"].startswith(kind), url
                assert all(name in r.headers for name in HEADERS), url
                assert "index out of bounds" not in r.text and "Traceback" not in r.text
                assert kind == "application/json" or "Der skete en fejl" in r.text
        assert client.get("/api/search?q=job").status_code == 200  # the app goes on
    logged = [r.getMessage() for r in caplog.records if r.name == "referat.web"]
    assert len(logged) == 3 and all("PanicException" in line and "\n" not in line for line in logged), logged


# --- the command line --------------------------------------------------------------------------------


def referat(*args: str) -> subprocess.CompletedProcess:
    """The command line in its own process: a regression that aborts must not take pytest along."""
    return subprocess.run([sys.executable, "-m", "referat.cli", *args], capture_output=True, text=True, timeout=60)


def test_cli_offsets_past_the_bound_are_refused_in_one_line(data_dir: Path) -> None:
    for args in (["--offset", "2147483648"], ["--offset", "18446744073709551616"], ["--offset", "-1"], ["--limit", "0"], ["--limit", "1001"]):
        run = referat("--data", str(data_dir), "search", "job", *args)
        assert run.returncode == 2, (args, run.returncode, run.stderr[-300:])
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("Error: Invalid value for '--"), (args, run.stderr)
    run = referat("--data", str(data_dir), "budget", "99999999999999999999")
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "1900<=x<=2099" in run.stderr, run.stderr


def test_cli_offset_past_the_results_never_reaches_tantivy(data_dir: Path) -> None:
    """At the bound the window is clamped to the index (once, 1,100,000,000 aborted the process)."""
    run = referat("--data", str(data_dir), "search", "job", "--offset", str(MAX_OFFSET), "--format", "json")
    assert run.returncode == 0, (run.returncode, run.stderr[-500:])
    answer = json.loads(run.stdout)
    assert answer["total"] > 0 and answer["hits"] == []


def test_a_blank_subject_is_refused_not_answered_with_everything(data_dir: Path) -> None:
    runner = CliRunner()
    for command in (["history", " "], ["case", " "], ["history", ""]):
        result = runner.invoke(cli, ["--data", str(data_dir), *command])
        assert result.exit_code == 2 and result.output.count("\n") == 1 and result.output.startswith("Error: give"), (command, result.output)
    with Archive(data_dir) as archive:
        assert archive.history(" ") is None and archive.history("") is None


def test_json_read_commands_print_an_error_object_when_they_cannot_answer(data_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "referat.db").write_bytes(os.urandom(8192))  # not a database
    runner = CliRunner()
    cases = [
        (broken, ["search", "job"], 1),
        (broken, ["case", "15.00"], 1),
        (broken, ["history", "15.00.00-P05-4-20"], 1),
        (broken, ["budget", "2019"], 1),
        (broken, ["stats"], 1),
        (data_dir, ["history", "nope"], 2),
        (data_dir, ["budget", "2031"], 2),
        (data_dir, ["history", " "], 2),
    ]
    for data, command, code in cases:
        result = runner.invoke(cli, ["--data", str(data), *command, "--format", "json"])
        assert result.exit_code == code, (command, result.output)
        answer = json.loads(result.stdout)
        assert set(answer) == {"error"} and answer["error"] and "\n" not in answer["error"], (command, answer)
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), (command, result.stderr)
