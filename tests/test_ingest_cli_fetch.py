"""Ingesting from the web: `referat fetch SOURCE.toml` and `referat ingest URL` against a real local server.

The server is the fixture site of the fetch tests (tests/fetch_site: listing pages, HTML meeting
pages, PDFs, robots.txt, and URLs that fail on purpose).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from referat.cli import cli
from referat.archive import Archive
from referat.ingest.fetch.http import FetchSettings
from test_fetch import SiteState, start_site

FAST = FetchSettings(delay=0.0, backoff=0.01, timeout=5.0, trust_env=False)


@pytest.fixture(scope="module")
def site():
    state = SiteState()
    server, base = start_site(state)
    yield state, base
    server.shutdown()
    server.server_close()


def source_toml(tmp_path: Path, base: str, name: str = "Testkommune", document_links: str = "\\.pdf$") -> Path:
    path = tmp_path / f"{name.split()[0].lower()}.toml"
    path.write_text(
        f"""
name = "{name}"
start_urls = ["{base}/dagsorden-og-referat"]
meeting_links = ['/dagsorden/[^/?#]+$']
document_links = ['{document_links}']
follow = ['/dagsorden-og-referat\\?page=\\d+$']
delay = 0
max_pages = 3
""",
        encoding="utf-8",
    )
    return path


def test_a_crawl_is_ingested_and_a_second_crawl_changes_nothing(tmp_path: Path, site) -> None:
    state, base = site
    state.reset()
    with Archive(tmp_path / "data", fetch_settings=FAST) as archive:
        first = archive.fetch(source_toml(tmp_path, base))
        assert first.ingested >= 5
        failed = {Path(p.source).name: p.error for p in first.failed}
        assert failed["mangler.pdf"] == "HTTP 404 Not Found"
        skipped = " ".join(p.error for p in first.skipped)
        assert "robots.txt" in skipped and "not in the allowed hosts" in skipped
        stats = archive.stats()
        assert stats["documents"] == first.ingested
        assert {"Økonomiudvalget", "Kommunalbestyrelsen"} <= set(stats["committees"])
        assert stats["documents_by_kind"]["budget_agreement"] == 1

        state.reset()
        second = archive.fetch(source_toml(tmp_path, base))
        assert (second.ingested, second.unchanged) == (0, first.ingested)
        assert archive.stats() == stats
        # The server said 304 for the unchanged meeting pages: nothing was downloaded twice.
        pages = [r for r in state.requests if r["path"] == "/dagsorden/okonomiudvalget-15-01-2024"]
        assert pages and all("If-None-Match" in r["headers"] for r in pages)


def test_a_changed_document_at_the_same_url_replaces_the_old_version(tmp_path: Path, site) -> None:
    state, base = site
    state.reset()
    url = f"{base}/bilag/aendres.pdf"
    with Archive(tmp_path / "data", fetch_settings=FAST) as archive:
        assert archive.ingest([url]).ingested == 1
        state.version = 2
        report = archive.ingest([url])
        assert (report.ingested, report.replaced) == (1, 1)
        assert archive.stats()["documents"] == 1


def test_ingest_urls_from_the_command_line(tmp_path: Path, site) -> None:
    _state, base = site
    result = CliRunner().invoke(
        cli,
        [
            "--data",
            str(tmp_path / "data"),
            "ingest",
            f"{base}/bilag/budgetaftale-2024.pdf",
            f"{base}/bilag/mangler.pdf",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{base}/bilag/mangler.pdf: HTTP 404 Not Found"
    report = json.loads(result.stdout)
    assert report["ingested"] == 1 and report["failed"] == [
        {"source": f"{base}/bilag/mangler.pdf", "error": "HTTP 404 Not Found"}
    ]
