"""Freshness of fetched sources (issue 13): every `referat fetch` is recorded, and `referat sources`
says per source when it was last fetched, whether that worked, its newest meeting, and flags a
source that failed or has delivered nothing new for longer than twice its usual interval.

Against real HTTP servers on 127.0.0.1: the fetch tests' site (tests/fetch_site), and a site made
here of one municipality's regular meetings, so the usual interval has gaps to measure.
"""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from referat.archive import Archive
from referat.cli import cli
from referat.ingest.fetch.http import FetchSettings
from referat.store.freshness import DEFAULT_INTERVAL_DAYS, usual_interval
from referat.web.server import create_app
from test_fetch import SiteState, start_site
from test_ingest_cli_fetch import source_toml

FAST = FetchSettings(delay=0.0, backoff=0.01, timeout=5.0, trust_env=False)
# The fetch site's meetings: Økonomiudvalget 15.01.2024, Kommunalbestyrelsen 29.01.2024 and
# Børne- og Skoleudvalget 05.02.2024, three committees that meet once each: no gap to measure.
NEWEST = date(2024, 2, 5)


def fixture_source(tmp_path: Path, base: str, name: str = "Testkommune") -> Path:
    """The fetch site as a source, without the PDFs that fail or retry (they only cost time here)."""
    return source_toml(tmp_path, base, name, document_links="/bilag/(?!ustabil|altid-fejl|mangler)[^/]+\\.pdf$")


@pytest.fixture
def site():
    """A fetch site of the test's own, so a test may stop it."""
    state = SiteState()
    server, base = start_site(state)
    yield server, base, state
    server.shutdown()
    server.server_close()


def run(data: Path, *args: str):
    return CliRunner().invoke(cli, ["--data", str(data), *args])


def sources_json(data: Path, *args: str) -> dict:
    result = run(data, "sources", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- the rule ----------------------------------------------------------------------------------


def test_the_usual_interval_is_the_median_gap_within_each_committee():
    days = lambda start, gap, n: [start + timedelta(days=gap * k) for k in range(n)]  # noqa: E731
    meetings = [("oekonomiudvalget", d) for d in days(date(2024, 1, 8), 14, 5)]  # gaps 14, 14, 14, 14
    meetings += [("teknik-og-miljoeudvalget", d) for d in days(date(2024, 1, 10), 35, 3)]  # gaps 35, 35
    assert usual_interval(meetings) == 14
    # Gaps are taken within a committee: two committees meeting a day apart are not a 1-day rhythm.
    meetings += [("kommunalbestyrelsen", date(2024, 1, 9))]
    assert usual_interval(meetings) == 14
    # A meeting listed twice (agenda and minutes) is one date.
    assert usual_interval(meetings + [("oekonomiudvalget", date(2024, 1, 8))]) == 14
    # Too little to go on: fewer than three meetings, or no committee that met twice.
    assert usual_interval(meetings[:2]) == DEFAULT_INTERVAL_DAYS == 45
    assert usual_interval([("a", date(2024, 1, 1)), ("b", date(2024, 1, 2)), ("c", date(2024, 1, 3))]) == 45


# --- fetch, then sources ------------------------------------------------------------------------


def test_a_fetch_is_recorded_and_sources_lists_it(tmp_path: Path, site):
    _server, base, _state = site
    data = tmp_path / "data"
    fetched = run(data, "fetch", str(fixture_source(tmp_path, base)), "--format", "json")
    assert fetched.exit_code == 0, fetched.output
    ingested = json.loads(fetched.stdout)["ingested"]
    assert ingested >= 5

    # Three weeks after the newest meeting: well within twice the usual interval (45 days here).
    report = sources_json(data, "--today", "2024-02-26")
    assert report["today"] == "2024-02-26"
    [source] = report["sources"]
    assert source["name"] == "Testkommune"
    last = source["last_fetch"]
    assert last["ok"] is True and last["error"] is None
    assert (last["documents"], last["failed"]) == (ingested, 0)
    assert last["started_at"] <= last["finished_at"]
    assert source["newest_meeting"] == NEWEST.isoformat()
    assert source["documents"] == ingested
    assert source["usual_interval_days"] == DEFAULT_INTERVAL_DAYS  # no committee met twice
    assert source["days_since_newest"] == 21
    assert (source["stale"], source["failed"], source["flag"]) == (False, False, None)

    text = run(data, "sources", "--today", "2024-02-26")
    assert text.exit_code == 0
    [line] = text.stdout.splitlines()
    assert line.startswith("Testkommune: last fetch ") and " ok; newest meeting 2024-02-05; " in line
    assert f"{ingested} documents" in line and "FLAGGED" not in line

    # A second run that finds nothing new keeps the newest meeting and stores nothing.
    again = run(data, "fetch", str(fixture_source(tmp_path, base)), "--format", "json")
    assert json.loads(again.stdout)["ingested"] == 0
    [source] = sources_json(data, "--today", "2024-02-26")["sources"]
    assert source["last_fetch"]["documents"] == 0 and source["last_fetch"]["ok"]
    assert (source["newest_meeting"], source["documents"]) == (NEWEST.isoformat(), ingested)


def test_a_source_is_stale_after_twice_its_usual_interval(tmp_path: Path, site):
    _server, base, _state = site
    data = tmp_path / "data"
    with Archive(data, fetch_settings=FAST) as archive:
        archive.fetch(fixture_source(tmp_path, base))
        edge = NEWEST + timedelta(days=2 * DEFAULT_INTERVAL_DAYS)
        [fresh] = archive.sources(today=edge)["sources"]
        [stale] = archive.sources(today=edge + timedelta(days=1))["sources"]
        [today] = archive.sources()["sources"]  # the real today is years later
    assert (fresh["stale"], fresh["flag"]) == (False, None)
    assert stale["stale"] and not stale["failed"]
    assert stale["flag"] == "no new meeting for 91 days (usual interval 45 days)"
    assert today["stale"] and today["days_since_newest"] == (date.today() - NEWEST).days

    text = run(data, "sources", "--today", "2024-06-01")
    assert "FLAGGED: no new meeting for 117 days (usual interval 45 days)" in text.stdout


def test_a_failing_source_is_flagged_with_its_error(tmp_path: Path, site):
    server, base, _state = site
    data = tmp_path / "data"
    with Archive(data, fetch_settings=FAST) as archive:
        first = archive.fetch(fixture_source(tmp_path, base))
    server.shutdown()
    server.server_close()

    with Archive(data, fetch_settings=FAST) as archive:
        report = archive.fetch(fixture_source(tmp_path, base))  # the server is gone
        assert report.ingested == 0 and report.failed
        [source] = archive.sources(today=NEWEST + timedelta(days=3))["sources"]
    last = source["last_fetch"]
    assert not last["ok"] and source["failed"] and not source["stale"]
    assert last["error"].startswith(f"no listing page could be read ({base}/dagsorden-og-referat: ")
    assert source["flag"] == "last fetch failed: " + last["error"]
    # What the source gave before is kept: its newest meeting and its documents.
    assert (source["newest_meeting"], source["documents"]) == (NEWEST.isoformat(), first.ingested)

    text = run(data, "sources", "--today", "2024-02-08")
    assert text.exit_code == 0
    assert "Testkommune: last fetch " in text.stdout and " FAILED; " in text.stdout
    assert "FLAGGED: last fetch failed: no listing page could be read" in text.stdout


def test_a_source_that_answers_500_is_flagged(tmp_path: Path, site):
    _server, base, _state = site
    path = tmp_path / "fejl.toml"
    path.write_text(f'name = "Fejlkommune"\nstart_urls = ["{base}/bilag/altid-fejl.pdf"]\ndocument_links = \'\\.pdf$\'\n',
                    encoding="utf-8")  # fmt: skip
    with Archive(tmp_path / "data", fetch_settings=FAST) as archive:
        archive.fetch(path)
        [source] = archive.sources()["sources"]
    assert source["name"] == "Fejlkommune" and source["failed"] and source["stale"]
    assert "server error 503 Service Unavailable after 3 attempts" in source["last_fetch"]["error"]
    assert source["newest_meeting"] is None and source["documents"] == 0
    assert source["flag"].startswith("last fetch failed: ") and source["flag"].endswith("; no meeting fetched yet")


def test_an_interrupted_fetch_is_recorded_and_leaves_whole_documents(tmp_path: Path, site):
    _server, base, _state = site

    def stop_after_two(done: int, _total: int, _source: str) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with Archive(tmp_path / "data", fetch_settings=FAST) as archive:
        with pytest.raises(KeyboardInterrupt):
            archive.fetch(fixture_source(tmp_path, base), progress=stop_after_two)
        [source] = archive.sources()["sources"]
        stored = archive.stats()["documents"]
    assert source["last_fetch"]["error"] == "interrupted" and source["failed"]
    assert 1 <= source["last_fetch"]["documents"] == stored == source["documents"] <= 2


def test_a_busy_archive_is_a_failed_run(tmp_path: Path, site):
    _server, base, _state = site
    data = tmp_path / "data"
    with Archive(data, fetch_settings=FAST) as holder, holder.writing():
        with Archive(data, fetch_settings=FAST, lock_timeout=0) as archive:
            from referat.errors import ArchiveBusy

            with pytest.raises(ArchiveBusy):
                archive.fetch(fixture_source(tmp_path, base))
    with Archive(data) as archive:
        [source] = archive.sources()["sources"]
    assert source["last_fetch"]["error"].startswith(f"the archive at {data} is busy")
    assert source["last_fetch"]["documents"] == 0


def test_one_archive_reads_the_sources_again_when_the_store_changes(tmp_path: Path, site, regular_site: Path):
    _server, base, state = site
    with Archive(tmp_path / "data", fetch_settings=FAST) as archive:
        first = archive.fetch(fixture_source(tmp_path, base))
        [before] = archive.sources(today=NEWEST)["sources"]
        assert archive.sources(today=NEWEST)["sources"] == [before]  # unchanged store: the same answer
        state.version = 2  # one document changes on the site
        archive.fetch(fixture_source(tmp_path, base))
        archive.fetch(regular_site)
        found = archive.sources(today=NEWEST)["sources"]
    assert [s["name"] for s in found] == ["Regelmæssig Kommune", "Testkommune"]
    after = found[1]
    assert (before["last_fetch"]["documents"], after["last_fetch"]["documents"]) == (first.ingested, 1)
    assert after["documents"] == before["documents"] == first.ingested  # the new version replaced the old


def test_sources_of_an_archive_never_fetched(tmp_path: Path):
    result = run(tmp_path / "data", "sources")
    assert result.exit_code == 0
    assert "No source has been fetched yet" in result.stdout
    assert sources_json(tmp_path / "data")["sources"] == []
    bad = run(tmp_path / "data", "sources", "--today", "2024-13-01")
    assert bad.exit_code == 2


# --- a site of regular meetings: the interval is measured ---------------------------------------

MEETINGS = {  # Økonomiudvalget every 14 days, Teknik- og Miljøudvalget every 28
    "Økonomiudvalget": [date(2024, 1, 8) + timedelta(days=14 * k) for k in range(5)],
    "Teknik- og Miljøudvalget": [date(2024, 1, 10) + timedelta(days=28 * k) for k in range(3)],
}


@pytest.fixture
def regular_site(tmp_path: Path):
    root = tmp_path / "site"
    (root / "moeder").mkdir(parents=True)
    links = []
    for committee, days in MEETINGS.items():
        for n, day in enumerate(days, 1):
            name = f"{committee.split()[0].lower()}-{day.isoformat()}.txt"
            (root / "moeder" / name).write_text(
                f"Referat {committee} {day:%d.%m.%Y} kl. 16:00\n\nPunkt {n}: Budgetopfølgning nr. {n}\n\n"
                f"Sagsfremstilling\n\nOpfølgning på budgettet for {committee}.\n\nBeslutning\n\nGodkendt\n",
                encoding="utf-8",
            )
            links.append(f'<li><a href="/moeder/{name}">{committee} {day}</a></li>')
    (root / "index.html").write_text(f"<!doctype html><html><body><ul>{''.join(links)}</ul></body></html>", encoding="utf-8")
    handler = partial(type("Quiet", (SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}), directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    source = tmp_path / "regular.toml"
    source.write_text(f'name = "Regelmæssig Kommune"\nstart_urls = ["{base}/index.html"]\nmeeting_links = \'/moeder/\'\ndelay = 0\n',
                      encoding="utf-8")  # fmt: skip
    yield source
    server.shutdown()
    server.server_close()


def test_the_interval_comes_from_the_sources_own_meetings(tmp_path: Path, regular_site: Path, site):
    _server, base, _state = site
    newest = max(max(days) for days in MEETINGS.values())  # 2024-03-06 (Teknik- og Miljøudvalget)
    with Archive(tmp_path / "data", fetch_settings=FAST) as archive:
        report = archive.fetch(regular_site)
        assert report.ingested == 8 and not report.failed
        archive.fetch(fixture_source(tmp_path, base))  # another municipality's Økonomiudvalget too
        found = {s["name"]: s for s in archive.sources(today=newest + timedelta(days=28))["sources"]}
        later = {s["name"]: s for s in archive.sources(today=newest + timedelta(days=29))["sources"]}
    regular = found["Regelmæssig Kommune"]
    # Gaps 14, 14, 14, 14 and 28, 28: the median is 14, so the source is late after 28 days.
    assert regular["usual_interval_days"] == 14 and regular["documents"] == 8
    assert regular["newest_meeting"] == newest.isoformat() and not regular["stale"]
    assert later["Regelmæssig Kommune"]["stale"]
    assert later["Regelmæssig Kommune"]["flag"] == "no new meeting for 29 days (usual interval 14 days)"
    # The other source's Økonomiudvalget meeting does not change this source's figures, nor the reverse.
    assert found["Testkommune"]["usual_interval_days"] == DEFAULT_INTERVAL_DAYS
    assert found["Testkommune"]["newest_meeting"] == NEWEST.isoformat()


# --- the web: a line on the front page, /kilder and /api/sources -------------------------------


def test_the_web_front_page_kilder_and_api(tmp_path: Path, site):
    _server, base, _state = site
    data = tmp_path / "data"
    with TestClient(create_app(data_dir=data)) as client:
        assert "/kilder" not in client.get("/").text  # nothing fetched: no line about sources
        assert "Ingen kilder er hentet endnu" in client.get("/kilder").text
    with Archive(data, fetch_settings=FAST) as archive:
        archive.fetch(fixture_source(tmp_path, base))
        archive.fetch(fixture_source(tmp_path, "http://127.0.0.1:9", name="Lukket <b>Kommune</b>"))

    with TestClient(create_app(data_dir=data)) as client:
        front = client.get("/")
        assert front.status_code == 200
        assert '<a href="/kilder">2 kilder; 2 kræver opmærksomhed</a>' in front.text

        page = client.get("/kilder")
        assert page.status_code == 200
        assert "<h1>Kilder</h1>" in page.text
        assert "Testkommune" in page.text and "5. februar 2024" in page.text
        assert "Lukket &lt;b&gt;Kommune&lt;/b&gt;" in page.text and "<b>Kommune</b>" not in page.text
        assert "Seneste hentning fejlede" in page.text and "Intet nyt møde i" in page.text
        assert "Kræver opmærksomhed" in page.text

        api = client.get("/api/sources")
        assert api.status_code == 200 and api.headers["content-type"] == "application/json"
        body = api.json()
        assert [s["name"] for s in body["sources"]] == ["Lukket <b>Kommune</b>", "Testkommune"]
        assert body == json.loads(run(data, "sources", "--format", "json").stdout)
        assert "/api/sources" in client.get("/api").text


def test_sources_on_a_postgresql_store(pg_url: str, tmp_path: Path, site):
    from tests.conftest import pg_schema

    _server, base, _state = site
    with pg_schema(pg_url) as url:
        with Archive(tmp_path / "data", url, fetch_settings=FAST) as archive:
            report = archive.fetch(fixture_source(tmp_path, base))
            archive.fetch(fixture_source(tmp_path, "http://127.0.0.1:9", name="Lukket Kommune"))
            found = {s["name"]: s for s in archive.sources(today=NEWEST + timedelta(days=10))["sources"]}
    fetched, closed = found["Testkommune"], found["Lukket Kommune"]
    assert fetched["last_fetch"]["ok"] and (fetched["documents"], fetched["newest_meeting"]) == (report.ingested, NEWEST.isoformat())
    assert fetched["last_fetch"]["started_at"].endswith("+00:00") and fetched["flag"] is None
    assert closed["failed"] and closed["flag"].startswith("last fetch failed: no listing page could be read")
