"""Read replicas: a primary for writes, streaming replicas for reads, on REAL PostgreSQL servers.

The module starts its own servers on 127.0.0.1 (a primary with `wal_level=replica`, two hot
standbys made with `pg_basebackup -R`), since the tests stop and start them. Before asserting
what a replica shows, a test waits until it has replayed the primary's WAL. Pausing the replay
(`pg_wal_replay_pause`) makes a replica lag on purpose: what a read shows then says which server
answered it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from starlette.testclient import TestClient

from referat.archive import Archive
from referat.cli import cli
from referat.errors import StoreError
from referat.settings import Settings
from referat.web.server import create_app
from tests.conftest import require

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
MEETING_2020, MEETING_2019, PLAIN = (SAMPLES / name for name in
                                     ("001_8dfb3587938946f3.txt", "002_2f4229434464bb75.txt", "003_f8ee0eeeabf466e4.txt"))  # fmt: skip
UID = "erhvervs-og-beskaeftigelsesudvalget-2020-08-18-6"  # "Indsatser for ledige med ikke-vestlig baggrund" (2020)
CASE = "15.00.00-P05-4-20"


def _postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's programs (Debian's layout), else those on PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("pg_basebackup") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*command: str) -> None:
    """A PostgreSQL program, as the postgres user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        command = ("runuser", "-u", "postgres", "--", *command)
    subprocess.run(command, check=True, cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Server:
    def __init__(self, bin_dir: Path, folder: Path, port: int):
        self.bin, self.folder, self.port = bin_dir, folder, port
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/referat"

    def start(self) -> None:
        _run(str(self.bin / "pg_ctl"), "-D", str(self.folder), "-l", str(self.folder / "server.log"), "-w",
             "-o", f"-p {self.port} -k {self.folder}", "start")  # fmt: skip

    def stop(self) -> None:
        _run(str(self.bin / "pg_ctl"), "-D", str(self.folder), "-m", "fast", "-w", "stop")

    def query(self, sql: str) -> object:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="referat", autocommit=True) as conn:
            return conn.execute(sql).fetchone()[0]


class Cluster:
    """A primary and its streaming replicas."""

    def __init__(self, bin_dir: Path, root: Path):
        self.bin, self.root = bin_dir, root
        self.primary = Server(bin_dir, root / "primary", _free_port())
        self.replicas = [Server(bin_dir, root / f"replica{n}", _free_port()) for n in (1, 2)]
        self.data = root / "archive"  # the app servers' data folder (raw/ originals)

    def create(self) -> None:
        p = self.primary
        _run(str(self.bin / "initdb"), "-D", str(p.folder), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
             "--no-sync")  # fmt: skip
        with open(p.folder / "postgresql.conf", "a") as conf:  # the replicas copy it
            conf.write("listen_addresses = '127.0.0.1'\nwal_level = replica\nmax_wal_senders = 10\nhot_standby = on\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                       "wal_retrieve_retry_interval = 200ms\n")  # a replica reconnects soon after the primary is back
        p.start()
        _run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(p.port), "-U", "postgres", "referat")
        for replica in self.replicas:
            _run(str(self.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(p.port), "-U", "postgres",
                 "-D", str(replica.folder), "-R", "-X", "fetch", "-c", "fast", "--no-sync")  # fmt: skip
            replica.start()

    def caught_up(self, timeout: float = 20.0) -> None:
        """Wait until every replica has replayed the primary's WAL as it stands now."""
        target = self.primary.query("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        for replica in self.replicas:
            while True:
                try:
                    if replica.query(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
                        break
                except Exception:  # noqa: BLE001 - just restarted: not accepting connections yet
                    pass
                assert time.monotonic() < deadline, f"replica on port {replica.port} did not catch up with {target}"
                time.sleep(0.05)

    def pause(self) -> None:
        for replica in self.replicas:
            replica.query("SELECT pg_wal_replay_pause()::text")

    def resume(self) -> None:
        for replica in self.replicas:
            replica.query("SELECT pg_wal_replay_resume()::text")
        self.caught_up()

    def stop_all(self) -> None:
        for server in [*self.replicas, self.primary]:
            try:
                server.stop()
            except subprocess.CalledProcessError:
                pass  # already stopped


@pytest.fixture(scope="module")
def cluster():
    bin_dir = _postgres_bin()
    require("PostgreSQL", bin_dir is not None, "install Debian's postgresql package (initdb, pg_ctl, pg_basebackup)")
    root = Path(tempfile.mkdtemp(prefix="referat-replicas-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    cluster = Cluster(bin_dir, root)
    try:
        cluster.create()
        with Archive(cluster.data, cluster.primary.url) as archive:
            assert archive.ingest([MEETING_2020]).ingested == 1
        cluster.caught_up()
        yield cluster
    finally:
        cluster.stop_all()
        shutil.rmtree(root, ignore_errors=True)


def replicated(cluster: Cluster, **options) -> Archive:
    return Archive(cluster.data, cluster.primary.url, read_urls=[r.url for r in cluster.replicas], **options)


def server_port(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT inet_server_port()"))


# ------------------------------------------------------------------------------------ settings


def test_read_urls_come_from_the_options_or_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REFERAT_READ_DB", " postgresql://r1/db, postgresql://r2/db\npostgresql://r3/db ,")
    assert Settings.resolve(tmp_path).read_urls == ("postgresql://r1/db", "postgresql://r2/db", "postgresql://r3/db")
    assert Settings.resolve(tmp_path, read_urls=["postgresql://o/db"]).read_urls == ("postgresql://o/db",)
    monkeypatch.delenv("REFERAT_READ_DB")
    assert Settings.resolve(tmp_path).read_urls == ()


# ------------------------------------------------------------------------------------ replicas


@pytest.mark.postgres
def test_what_the_primary_stores_is_found_through_a_replica(cluster):
    with replicated(cluster) as archive, TestClient(create_app(lambda: archive)) as client:
        assert archive.search("ikke-vestlig baggrund")["hits"][0]["id"] == UID
        assert client.get("/api/search?q=indvandrere").json()["hits"][0]["id"] == UID
        page = client.get(f"/punkt/{UID}")
        assert page.status_code == 200 and "Indsatser for ledige med ikke-vestlig baggrund" in page.text

        cluster.pause()  # the replicas lag: what a read shows now tells which server answered it
        try:
            assert archive.ingest([MEETING_2019]).ingested == 1  # on the primary
            assert archive.search("autisme")["total"] == 0  # the search reads a replica ...
            assert client.get("/api/search?q=autisme").json()["total"] == 0
            assert client.get("/punkt/erhvervs-og-beskaeftigelsesudvalget-2019-06-11-8").status_code == 404
            with archive.writing():  # ... a read inside a write reads the primary
                assert archive.search("autisme")["total"] == 1
            with Archive(cluster.data, cluster.primary.url) as primary_only:
                assert primary_only.search("autisme")["total"] == 1
        finally:
            cluster.resume()
        assert archive.search("autisme")["total"] == 1
        assert client.get("/punkt/erhvervs-og-beskaeftigelsesudvalget-2019-06-11-8").status_code == 200


@pytest.mark.postgres
def test_with_the_primary_stopped_reads_go_on_and_a_write_names_the_primary(cluster):
    primary = cluster.primary
    with replicated(cluster) as archive, TestClient(create_app(lambda: archive)) as client:
        assert client.get("/api/search?q=indvandrere").json()["total"] == 1
        primary.stop()
        try:
            body = client.get("/soeg?q=indvandrere")
            assert body.status_code == 200 and f'href="/punkt/{UID}"' in body.text
            assert client.get(f"/punkt/{UID}").status_code == 200
            assert "Indsatser for ledige" in client.get(f"/sag/{CASE}").text
            assert client.get(f"/api/item/{UID}").json()["case_number"] == CASE
            # An app server started while the primary is down serves reads too.
            with TestClient(create_app(data_dir=cluster.data, db_url=primary.url, read_urls=[r.url for r in cluster.replicas])) as fresh:
                assert fresh.get("/api/search?q=indvandrere").json()["hits"][0]["id"] == UID
                assert fresh.get(f"/sag/{CASE}").status_code == 200

            with pytest.raises(StoreError) as failed:
                archive.ingest([PLAIN])
            message = str(failed.value)
            assert "primary" in message and f"127.0.0.1:{primary.port}" in message and "\n" not in message

            result = CliRunner().invoke(cli, ["--data", str(cluster.data), "--db", primary.url,
                                              "--read-db", cluster.replicas[0].url, "ingest", str(PLAIN)])  # fmt: skip
            assert result.exit_code == 1
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and "primary" in lines[0] and f"127.0.0.1:{primary.port}" in lines[0], result.stderr
        finally:
            primary.start()
        cluster.caught_up()


@pytest.mark.postgres
def test_a_stopped_replica_is_skipped_and_the_primary_answers_when_none_is_up(cluster):
    first, second = cluster.replicas
    with replicated(cluster) as archive:
        ports = [server_port(archive.read_db) for _ in range(4)]  # round robin over the replicas
        assert sorted(ports) == sorted([first.port, second.port] * 2) and ports[0] != ports[1]

        first.stop()
        try:
            for _ in range(4):  # every read answered; the one that met the stopped replica went on to the other
                assert archive.item(UID) is not None
                assert archive.search("indvandrere")["total"] == 1
            assert {server_port(archive.read_db) for _ in range(4)} == {second.port}  # skipped while it is down

            second.stop()
            try:  # no replica up: the primary answers
                assert archive.case(CASE)["items"][0]["id"] == UID
                assert archive.search("indvandrere")["total"] == 1
                assert server_port(archive.read_db) == cluster.primary.port
            finally:
                second.start()
        finally:
            first.start()
        cluster.caught_up()
        archive.databases.retry_after = 0  # look at the stopped ones again at once (10 s by default)
        assert archive.search("indvandrere")["total"] == 1
        assert {server_port(archive.read_db) for _ in range(4)} == {first.port, second.port}


@pytest.mark.postgres
def test_stats_and_search_from_the_command_line_read_a_replica(cluster, monkeypatch):
    runner = CliRunner()
    base = ["--data", str(cluster.data), "--db", cluster.primary.url]
    reads = [arg for r in cluster.replicas for arg in ("--read-db", r.url)]

    def documents(*args: str) -> int:
        result = runner.invoke(cli, [*args, "stats", "--format", "json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)["documents"]

    before = documents(*base, *reads)
    found = runner.invoke(cli, [*base, *reads, "search", "indvandrere", "--format", "json"])
    assert found.exit_code == 0 and json.loads(found.stdout)["hits"][0]["id"] == UID
    cluster.pause()
    try:
        assert runner.invoke(cli, [*base, "ingest", str(PLAIN)]).exit_code == 0
        assert documents(*base) == before + 1  # the primary has it
        assert documents(*base, *reads) == before  # the replicas do not yet: stats read them
        monkeypatch.setenv("REFERAT_READ_DB", " , ".join(r.url for r in cluster.replicas))
        assert documents(*base) == before
        monkeypatch.delenv("REFERAT_READ_DB")
    finally:
        cluster.resume()
    assert documents(*base, *reads) == before + 1
