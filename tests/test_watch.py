"""Watches (issue 13): `referat watch add/list/remove/run` on a real archive built from the samples,
each kind of watch, what a run remembers, and the digest mailed to a real SMTP server.

The archive starts with the budget agreement (sample 000), the 2019 minutes (002) and a plain
document (003); the watches are added; then the 2020 minutes (001) arrive, so a run must deliver
exactly the items of 001 each watch asks about, and a second run nothing.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from referat.archive import Archive
from referat.cli import cli
from tests.conftest import SAMPLES, pg_schema

BUDGET, MINUTES_2020, MINUTES_2019, DOCUMENT = sorted(SAMPLES.glob("*.txt"))
UID_2020 = "erhvervs-og-beskaeftigelsesudvalget-2020-08-18-{}"
UID_2019 = "erhvervs-og-beskaeftigelsesudvalget-2019-06-11-{}"
ALL_2020 = {UID_2020.format(n) for n in range(1, 12)}


def invoke(base: list, *args: str | Path, input: str | None = None):
    return CliRunner().invoke(cli, [*map(str, base), *map(str, args)], input=input)


def ok(result) -> str:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout


def copy(sample: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(sample, folder / sample.name))


@pytest.fixture
def base(tmp_path: Path) -> list:
    """The global options of an archive holding samples 000, 002 and 003 (not yet the 2020 minutes)."""
    options = ["--data", tmp_path / "data"]
    ok(invoke(options, "ingest", *(copy(s, tmp_path / "in") for s in (BUDGET, MINUTES_2019, DOCUMENT))))
    return options


def add(base: list, *args: str) -> dict:
    return json.loads(ok(invoke(base, "watch", "add", *args, "--format", "json")))


def run(base: list, *args: str) -> dict:
    return json.loads(ok(invoke(base, "watch", "run", *args, "--format", "json")))


def new_ids(report: dict) -> dict[str, set[str]]:
    """label → the ids a run delivered for that watch."""
    return {w["label"]: {h["id"] for h in w["new"]} for w in report["watches"]}


def search_ids(base: list, *args: str) -> set[str]:
    out = ok(invoke(base, "search", *args, "--limit", "1000", "--format", "json"))
    return {h["id"] for h in json.loads(out)["hits"]}


def add_every_kind(base: list) -> None:
    add(base, "ledige", "--label", "ledige")
    add(base, "beskæftigelse", "--outcome", "approved", "--label", "godkendt beskæftigelse")
    add(base, "--case", "15.00.00-P05", "--label", "sag")
    add(base, "--budget", "2019", "5.3", "--label", "budget")
    add(base, "--committee", "erhvervs- og beskæftigelsesudvalgets", "--label", "udvalg")


# --- the kinds of watch ---------------------------------------------------------------------------


def test_a_run_delivers_exactly_the_new_items_of_every_kind_then_nothing(base: list, tmp_path: Path) -> None:
    add_every_kind(base)
    assert run(base)["total_new"] == 0  # the archive that was there when the watches were made is not news

    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    report = run(base)
    got = new_ids(report)
    # Search watches: what `referat search` finds, restricted to the newly stored items.
    assert got["ledige"] == search_ids(base, "ledige") & ALL_2020 and UID_2020.format(6) in got["ledige"]
    assert search_ids(base, "ledige") - ALL_2020, "the 2019 minutes match too, and must not be delivered"
    assert got["godkendt beskæftigelse"] == search_ids(base, "beskæftigelse", "--outcome", "approved") & ALL_2020
    assert got["godkendt beskæftigelse"] and all(
        h["outcome"] == "approved" for w in report["watches"] if w["label"] == "godkendt beskæftigelse" for h in w["new"])
    # A KLE prefix: the 2020 items under 15.00.00-P05, not the 2019 ones (15.00.00-P05-1-19).
    assert got["sag"] == {UID_2020.format(n) for n in (5, 6, 9)}
    # Budget point 5.3: item 6 of 2020 deals with it (suggested); 2019's item 6 cites it but is old.
    assert got["budget"] == {UID_2020.format(6)}
    # The committee, named in another spelling.
    assert got["udvalg"] == ALL_2020
    assert report["total_new"] == sum(len(v) for v in got.values())
    assert report["mailed"] is False

    hit = next(h for w in report["watches"] if w["label"] == "udvalg" for h in w["new"] if h["id"] == UID_2020.format(6))
    assert set(hit) >= {"id", "kind", "meeting_date", "committee", "item_number", "title", "case_number", "outcome",
                        "decision", "score", "snippet", "source"}
    assert hit["title"] == "Indsatser for ledige med ikke-vestlig baggrund" and hit["meeting_date"] == "2020-08-18"
    kinds = {w["label"]: (w["kind"], w["query"]) for w in report["watches"]}
    assert kinds["sag"] == ("case", {"case": "15.00.00-P05"})
    assert kinds["budget"] == ("budget", {"year": 2019, "point": "5.3"})
    assert kinds["udvalg"] == ("committee", {"committee": "Erhvervs- og Beskæftigelsesudvalget"})
    assert kinds["godkendt beskæftigelse"] == ("search", {"q": "beskæftigelse", "outcome": "approved"})

    assert run(base)["total_new"] == 0
    assert "No new items" in ok(invoke(base, "watch", "run"))


def test_the_text_of_a_run_is_the_danish_digest(base: list, tmp_path: Path) -> None:
    add(base, "--committee", "Erhvervs- og Beskæftigelsesudvalget")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    out = ok(invoke(base, "watch", "run"))
    assert out.startswith("referat: 11 nye punkter i 1 overvågning\n")
    assert "Udvalg: Erhvervs- og Beskæftigelsesudvalget" in out
    assert "Indsatser for ledige med ikke-vestlig baggrund" in out
    assert "18. august 2020, punkt 6 · 15.00.00-P05-4-20 · godkendt" in out
    assert "No new items" in ok(invoke(base, "watch", "run"))


def test_a_search_watch_delivers_only_items_with_every_word(base: list, tmp_path: Path) -> None:
    add(base, "ledige vindmøllepark", "--label", "begge")  # `referat search` would show the items without one word
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    assert json.loads(ok(invoke(base, "search", "ledige vindmøllepark", "--format", "json")))["left_out"]
    assert new_ids(run(base)) == {"begge": set()}


def test_a_run_without_watches_says_so(tmp_path: Path) -> None:
    assert "No watches yet" in ok(invoke(["--data", tmp_path / "data"], "watch", "run"))


def test_a_watch_made_on_an_empty_archive_reports_what_arrives(tmp_path: Path) -> None:
    base = ["--data", tmp_path / "data"]
    add(base, "--case", "15.00.00-P05-1-19")
    ok(invoke(base, "ingest", copy(MINUTES_2019, tmp_path / "in")))
    assert new_ids(run(base)) == {"15.00.00-P05-1-19": {UID_2019.format(3), UID_2019.format(6)}}


# --- what a run remembers -------------------------------------------------------------------------


def test_a_reingested_document_is_not_delivered_again(base: list, tmp_path: Path) -> None:
    add(base, "--committee", "Erhvervs- og Beskæftigelsesudvalget", "--label", "udvalg")
    path = copy(MINUTES_2020, tmp_path / "in")
    ok(invoke(base, "ingest", path))
    assert new_ids(run(base))["udvalg"] == ALL_2020
    path.write_text(path.read_text(encoding="utf-8") + "\n\nRettet udgave.\n", encoding="utf-8")  # a new version: new item ids, the same uids
    assert "1 replaced" in ok(invoke(base, "ingest", path))
    assert run(base)["total_new"] == 0


def test_a_new_version_that_now_matches_is_delivered_even_when_sqlite_reuses_its_item_ids(base: list, tmp_path: Path) -> None:
    """SQLite gives a new row the highest id + 1, so a new version of the newest document gets the
    ids of the one it replaced, all at or below the watermark; its items are new all the same."""
    add(base, "vindmøllepark", "--label", "vind")
    add(base, "--committee", "Erhvervs- og Beskæftigelsesudvalget", "--label", "udvalg")
    path = copy(MINUTES_2020, tmp_path / "in")
    ok(invoke(base, "ingest", path))
    assert new_ids(run(base)) == {"vind": set(), "udvalg": ALL_2020}
    highest = "SELECT max(id) FROM items"
    with sqlite3.connect(tmp_path / "data" / "referat.db") as db:
        before = db.execute(highest).fetchone()[0]
    text = path.read_text(encoding="utf-8").replace("Indsatser for ledige med ikke-vestlig baggrund",
                                                      "Indsatser for ledige med ikke-vestlig baggrund ved vindmølleparken")
    path.write_text(text, encoding="utf-8")
    assert "1 replaced" in ok(invoke(base, "ingest", path))
    with sqlite3.connect(tmp_path / "data" / "referat.db") as db:
        assert db.execute(highest).fetchone()[0] == before, "the new version's items have the ids of the old"
    assert new_ids(run(base)) == {"vind": {UID_2020.format(6)}, "udvalg": set()}


def test_a_reparse_delivers_nothing(base: list, tmp_path: Path) -> None:
    add(base, "--committee", "Erhvervs- og Beskæftigelsesudvalget", "--label", "udvalg")
    add(base, "--budget", "2019", "5.3", "--label", "budget")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    assert new_ids(run(base)) == {"udvalg": ALL_2020, "budget": {UID_2020.format(6)}}
    ok(invoke(base, "reparse"))  # every item is written again, with new ids: none of them is new
    assert run(base)["total_new"] == 0


def test_dry_run_records_nothing(base: list, tmp_path: Path) -> None:
    add(base, "--case", "15.00.00-P05", "--label", "sag")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    first = run(base, "--dry-run")
    assert new_ids(first) == {"sag": {UID_2020.format(n) for n in (5, 6, 9)}} and first["dry_run"] is True
    assert new_ids(run(base, "--dry-run")) == new_ids(first)
    assert new_ids(run(base)) == new_ids(first)
    assert run(base)["total_new"] == 0


# --- add, list, remove --------------------------------------------------------------------------


def test_add_list_remove(base: list) -> None:
    first = add(base, "ledige", "--committee", "Erhvervs- og Beskæftigelsesudvalget", "--from", "2020-01-01")
    assert first["kind"] == "search" and first["query"] == {"q": "ledige", "committee": "Erhvervs- og Beskæftigelsesudvalget",
                                                            "date_from": "2020-01-01"}  # fmt: skip
    assert first["label"] == '"ledige", Erhvervs- og Beskæftigelsesudvalget, fra 1. januar 2020'
    second = add(base, "--budget", "2019", "5.3.")
    assert second["label"] == "Aftale om budget 2019, punkt 5.3" and second["query"] == {"year": 2019, "point": "5.3"}
    listed = json.loads(ok(invoke(base, "watch", "list", "--format", "json")))["watches"]
    assert [(w["id"], w["kind"], w["sent"], w["last_run_at"]) for w in listed] == [(first["id"], "search", 0, None), (second["id"], "budget", 0, None)]
    text = ok(invoke(base, "watch", "list"))
    assert '"ledige", Erhvervs- og Beskæftigelsesudvalget' in text and "Aftale om budget 2019, punkt 5.3" in text

    assert "Removed watch" in ok(invoke(base, "watch", "remove", str(first["id"])))
    assert [w["id"] for w in json.loads(ok(invoke(base, "watch", "list", "--format", "json")))["watches"]] == [second["id"]]
    missing = invoke(base, "watch", "remove", str(first["id"]))
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1 and f"no watch with id {first['id']}" in missing.stderr
    assert "No watches" in ok(invoke(["--data", base[1].parent / "empty"], "watch", "list"))


@pytest.mark.parametrize("args, says", [
    ([], "exactly one"),
    (["--case", "15.00", "--committee", "Økonomiudvalget"], "exactly one"),
    (["--outcome", "approved"], "exactly one"),
    (["ledige", "--budget", "2019", "5.3"], "--budget"),
    (["--case", "   "], "--case"),
    (["ledige", "--kind", "budget_point"], "agenda items"),
    (["--budget", "1492", "1"], "1492"),
])  # fmt: skip
def test_add_refuses_what_is_not_one_subject(base: list, args: list[str], says: str) -> None:
    result = invoke(base, "watch", "add", *args)
    assert result.exit_code == 2, result.output
    assert says in result.stderr and result.stderr.startswith("Error:") and result.stderr.count("\n") == 1
    assert json.loads(ok(invoke(base, "watch", "list", "--format", "json")))["watches"] == []


# --- one run at a time ----------------------------------------------------------------------------


def test_a_run_takes_the_write_lock(base: list, tmp_path: Path) -> None:
    add(base, "--case", "15.00.00-P05", "--label", "sag")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    with Archive(tmp_path / "data") as other, other.writing():
        busy = invoke(base, "watch", "run", "--wait", "0.2")
        assert busy.exit_code == 1 and busy.stderr.count("\n") == 1 and "is busy" in busy.stderr
        assert busy.stdout == ""
    waited = invoke(base, "watch", "run", "--wait", "5", "--format", "json")
    assert new_ids(json.loads(ok(waited))) == {"sag": {UID_2020.format(n) for n in (5, 6, 9)}}


def test_a_run_waits_for_a_writer_to_finish(base: list, tmp_path: Path) -> None:
    add(base, "--case", "15.00.00-P05", "--label", "sag")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    other = Archive(tmp_path / "data")
    held = threading.Event()

    def hold() -> None:
        with other.writing():
            held.set()
            time.sleep(1.0)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait()
    start = time.monotonic()
    report = json.loads(ok(invoke(base, "watch", "run", "--wait", "10", "--format", "json")))
    assert time.monotonic() - start >= 0.5
    thread.join()
    other.close()
    assert report["total_new"] == 3


# --- the digest by mail ---------------------------------------------------------------------------


class Inbox:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[list[str], bytes]] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"

    def stop(self) -> None:
        self.controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox():
    pytest.importorskip("aiosmtpd")
    box = Inbox()
    yield box
    box.stop()


def mail_options(port: int) -> list[str]:
    return ["--mail-to", "jens@example.dk", "--mail-to", "Åse Ærø <aase@example.dk>", "--smtp-host", "127.0.0.1",
            "--smtp-port", str(port), "--smtp-from", "referat@example.dk"]  # fmt: skip


def test_the_digest_is_one_mail_with_a_text_and_an_html_part(base: list, tmp_path: Path, inbox: Inbox) -> None:
    add_every_kind(base)
    add(base, "--case", "15.00.00-P05-4-20", "--label", '<script>alert("x")</script> på én sag')
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    report = run(base, *mail_options(inbox.port))
    assert report["mailed"] is True and report["total_new"] > 0
    assert len(inbox.messages) == 1
    recipients, raw = inbox.messages[0]
    assert recipients == ["jens@example.dk", "aase@example.dk"]
    message = message_from_bytes(raw, policy=policy.default)
    watches_with_news = sum(1 for w in report["watches"] if w["new"])
    assert message["Subject"] == f"referat: {report['total_new']} nye punkter i {watches_with_news} overvågninger"
    assert message["From"] == "referat@example.dk" and message["To"] == "jens@example.dk, Åse Ærø <aase@example.dk>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Indsatser for ledige med ikke-vestlig baggrund" in part
        assert "Erhvervs- og Beskæftigelsesudvalget" in part and "Anden budgetopfølgning for 2020 på" in part
        assert f"{report['total_new']} nye punkter i {watches_with_news} overvågninger" in part
    assert "<li>" in html and "<mark>ledige</mark>" in html
    assert "<script" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; på én sag" in html
    assert '<script>alert("x")</script> på én sag' in text
    assert "18. august 2020, punkt 6" in text
    assert run(base, *mail_options(inbox.port))["total_new"] == 0
    assert len(inbox.messages) == 1, "nothing new: no mail"

    out = ok(invoke(base, "watch", "run", *mail_options(inbox.port)))
    assert "No new items" in out and len(inbox.messages) == 1


def test_one_new_item_in_one_watch_is_said_in_the_singular(base: list, tmp_path: Path, inbox: Inbox) -> None:
    add(base, "--budget", "2019", "5.3")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    out = ok(invoke(base, "watch", "run", *mail_options(inbox.port)))
    assert "Mailed 1 new item" in out
    message = message_from_bytes(inbox.messages[0][1], policy=policy.default)
    assert message["Subject"] == "referat: 1 nyt punkt i 1 overvågning"


def test_settings_come_from_the_environment(base: list, tmp_path: Path, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    add(base, "--budget", "2019", "5.3")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    for name, value in {"REFERAT_SMTP_HOST": "127.0.0.1", "REFERAT_SMTP_PORT": str(inbox.port),
                        "REFERAT_SMTP_FROM": "byraad@example.dk", "REFERAT_MAIL_TO": "a@example.dk, b@example.dk"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    assert run(base)["mailed"] is True
    recipients, raw = inbox.messages[0]
    assert recipients == ["a@example.dk", "b@example.dk"]
    assert message_from_bytes(raw, policy=policy.default)["From"] == "byraad@example.dk"


def test_a_failed_mail_records_nothing_and_the_next_run_delivers_the_same(base: list, tmp_path: Path, inbox: Inbox) -> None:
    add_every_kind(base)
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    closed = free_port()  # nothing listens there
    failed = invoke(base, "watch", "run", *mail_options(closed))
    assert failed.exit_code == 1
    assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("Error: could not mail the digest")
    assert f"127.0.0.1:{closed}" in failed.stderr and "nothing was recorded as sent" in failed.stderr
    assert failed.stdout == ""
    as_json = invoke(base, "watch", "run", *mail_options(closed), "--format", "json")
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["error"].startswith("could not mail the digest")

    delivered = run(base, *mail_options(inbox.port))
    assert delivered["mailed"] is True and new_ids(delivered)["udvalg"] == ALL_2020
    assert len(inbox.messages) == 1


def test_a_server_that_goes_away_records_nothing(base: list, tmp_path: Path) -> None:
    pytest.importorskip("aiosmtpd")
    add(base, "--case", "15.00.00-P05", "--label", "sag")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    box = Inbox()
    box.stop()  # it was there, and is stopped
    failed = invoke(base, "watch", "run", *mail_options(box.port))
    assert failed.exit_code == 1 and failed.stderr.count("\n") == 1 and "could not mail the digest" in failed.stderr
    assert new_ids(run(base, "--dry-run")) == {"sag": {UID_2020.format(n) for n in (5, 6, 9)}}


def test_a_refused_message_records_nothing(base: list, tmp_path: Path) -> None:
    pytest.importorskip("aiosmtpd")

    class Refusing(Inbox):
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            return "554 5.7.1 Message rejected"

    add(base, "--case", "15.00.00-P05", "--label", "sag")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    box = Refusing()
    try:
        failed = invoke(base, "watch", "run", *mail_options(box.port))
    finally:
        box.stop()
    assert failed.exit_code == 1 and failed.stderr.count("\n") == 1 and "Message rejected" in failed.stderr
    assert run(base, "--dry-run")["total_new"] == 3


def test_a_recipient_the_server_refuses_is_named_and_the_others_get_the_digest(base: list, tmp_path: Path) -> None:
    pytest.importorskip("aiosmtpd")

    class Picky(Inbox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
            if address.startswith("nobody@"):
                return "550 5.1.1 No such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    add(base, "--case", "15.00.00-P05", "--label", "sag")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    box = Picky()
    try:
        partly = invoke(base, "watch", "run", "--mail-to", "jens@example.dk, nobody@example.dk", "--smtp-host", "127.0.0.1",
                        "--smtp-port", str(box.port))  # fmt: skip
    finally:
        box.stop()
    assert partly.exit_code == 1 and "Mailed 3 new items in 1 watch to jens@example.dk, nobody@example.dk." in partly.stdout
    assert partly.stderr == "Not delivered to nobody@example.dk: 550 5.1.1 No such user\n"
    assert [r for r, _ in box.messages] == [["jens@example.dk"]]
    assert run(base, "--dry-run")["total_new"] == 0, "the digest went out: it is recorded"


def test_dry_run_with_mail_mails_nothing(base: list, tmp_path: Path, inbox: Inbox) -> None:
    add(base, "--case", "15.00.00-P05")
    ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
    report = run(base, "--dry-run", *mail_options(inbox.port))
    assert report["mailed"] is False and report["total_new"] == 3 and inbox.messages == []
    assert run(base, *mail_options(inbox.port))["total_new"] == 3


def test_bad_mail_settings_are_one_line(base: list) -> None:
    for address in ("not an address", "a@", " "):
        bad = invoke(base, "watch", "run", "--mail-to", address)
        assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "--mail-to" in bad.stderr
    both = invoke(base, "watch", "run", "--mail-to", "a@example.dk", "--smtp-starttls", "--smtp-ssl")
    assert both.exit_code == 2 and both.stderr.count("\n") == 1
    nopass = invoke(base, "watch", "run", "--mail-to", "a@example.dk", "--smtp-user", "u", "--smtp-password-env", "REFERAT_TEST_NO_SUCH_VAR")
    assert nopass.exit_code == 2 and "REFERAT_TEST_NO_SUCH_VAR" in nopass.stderr


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_watches_on_postgresql(pg_url: str, tmp_path: Path, inbox: Inbox) -> None:
    with pg_schema(pg_url, "watch") as url:
        base = ["--data", tmp_path / "data", "--db", url]
        ok(invoke(base, "ingest", *(copy(s, tmp_path / "in") for s in (BUDGET, MINUTES_2019, DOCUMENT))))
        add_every_kind(base)
        ok(invoke(base, "ingest", copy(MINUTES_2020, tmp_path / "in")))
        report = run(base, *mail_options(inbox.port))
        got = new_ids(report)
        assert got["sag"] == {UID_2020.format(n) for n in (5, 6, 9)}
        assert got["budget"] == {UID_2020.format(6)} and got["udvalg"] == ALL_2020
        assert UID_2020.format(6) in got["ledige"] and not got["ledige"] - ALL_2020
        assert report["mailed"] is True and len(inbox.messages) == 1
        assert run(base)["total_new"] == 0

        # Another machine running the watches of this database holds the server's lock, not this file lock.
        from referat.store.watches import run_lock

        with Archive(tmp_path / "elsewhere", url) as other, run_lock(other.db, 0) as got:
            assert got
            busy = invoke(base, "watch", "run", "--wait", "0.2")
        assert busy.exit_code == 1 and busy.stderr == ("Error: another referat process is running the watches of this "
                                                       "database; try again when it finishes\n")  # fmt: skip
