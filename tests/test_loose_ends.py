"""Loose ends: budget points nothing is linked to, postponed or returned items that did not come
back, and earlier treatments naming meetings the archive lacks. Minutes of our own invention."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from referat.archive import Archive
from referat.cli import cli
from referat.errors import FilterError
from referat.links.loose_ends import months_before
from referat.web.server import create_app

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FIRST = """
    Referat Teknik- og Miljøudvalget 04.03.2024 kl. 16:00

    Punkt 1: Cykelsti langs Ringvejen

    05.01.00-P20-1-24

    Beslutning

    Udsat til næste møde.

    Punkt 2: Ny legeplads i Søparken

    05.05.00-P20-3-24

    Beslutning

    Sendt tilbage til forvaltningen.

    Punkt 3: Trafiksikkerhedsplan

    Tidligere behandling

    Teknik- og Miljøudvalget den 8. januar 2024 Punkt 7

    Beslutning

    Godkendt
"""
SECOND = """
    Referat Teknik- og Miljøudvalget 06.05.2024 kl. 16:00

    Punkt 4: Cykelsti langs Ringvejen

    05.01.00-P20-1-24

    Beslutning

    Godkendt
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    folder = tmp_path_factory.mktemp("in")
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy(sample, folder / sample.name)
    for name, text in (("first.txt", FIRST), ("second.txt", SECOND)):
        (folder / name).write_text(dedent(text).strip() + "\n", encoding="utf-8")
    opened = Archive(tmp_path_factory.mktemp("data"))
    opened.ingest([folder])
    yield opened
    opened.close()


def test_a_postponed_item_that_came_back_is_no_loose_end(archive):
    found = archive.loose_ends(today=date(2024, 12, 1), committee="Teknik- og Miljøudvalget")
    assert [h["title"] for h in found["not_back"]] == ["Ny legeplads i Søparken"]  # the cycle path came back in May
    assert found["not_back"][0]["outcome"] == "referred_back"
    assert archive.item("teknik-og-miljoeudvalget-2024-03-04-1").item.outcome.value == "postponed"


def test_an_item_is_not_late_before_its_months_have_passed(archive):
    assert archive.loose_ends(today=date(2024, 5, 1), committee="Teknik- og Miljøudvalget")["not_back"] == []
    late = archive.loose_ends(today=date(2024, 7, 1), months=3, committee="Teknik- og Miljøudvalget")["not_back"]
    assert [h["title"] for h in late] == ["Ny legeplads i Søparken"]


def test_meetings_cited_but_missing_are_listed_with_their_citing_items(archive):
    missing = archive.loose_ends(year=2024)["missing_meetings"]
    entry = next(m for m in missing if m["date"] == "2024-01-08")
    assert entry["body"] == "Teknik- og Miljøudvalget" and entry["item_number"] == 7
    assert [c["title"] for c in entry["cited_by"]] == ["Trafiksikkerhedsplan"]


def test_unlinked_budget_points_are_those_without_any_link(archive):
    points = archive.loose_ends(year=2019)["budget_points"]
    assert points and all(p["year"] == 2019 for p in points)
    assert "5.3" not in {p["point"] for p in points}  # cited by the 2019-06-11 item 6
    for p in points[:5]:
        view = archive.budget(2019, p["point"])
        assert not view["explicit"] and not view["suggested"]


def test_bad_filters_are_refused(archive):
    with pytest.raises(FilterError):
        archive.loose_ends(year=1066)
    with pytest.raises(FilterError):
        archive.loose_ends(months=-1)


def test_months_before_keeps_the_day_or_the_last_of_the_month():
    assert months_before(date(2024, 5, 31), 3) == date(2024, 2, 29)
    assert months_before(date(2024, 1, 15), 1) == date(2023, 12, 15)


def test_cli_web_and_api(archive):
    runner = CliRunner()
    result = runner.invoke(cli, ["--data", str(archive.data_dir), "loose-ends", "--committee", "Teknik- og Miljøudvalget", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "Ny legeplads i Søparken" in {h["title"] for h in json.loads(result.output)["not_back"]}
    text = runner.invoke(cli, ["--data", str(archive.data_dir), "loose-ends", "--year", "2024"])
    assert "Earlier treatments at meetings not in the archive" in text.output and "8. januar 2024" in text.output
    assert runner.invoke(cli, ["--data", str(archive.data_dir), "loose-ends", "--year", "3000"]).exit_code == 2
    with TestClient(create_app(lambda: archive)) as client:
        page = client.get("/loese-ender?aar=2024&udvalg=Teknik-+og+Milj%C3%B8udvalget")
        assert page.status_code == 200 and "Løse ender" in page.text and "Trafiksikkerhedsplan" in page.text
        assert client.get("/api/loose-ends?year=2024").json()["missing_meetings"]
        assert client.get("/api/loose-ends?year=abc").status_code == 400
        assert client.get("/loese-ender?maaneder=99999").status_code == 400


def test_an_agreement_stored_three_times_lists_each_point_once(archive, tmp_path):
    """The module's archive holds the 2019 agreement as text; its PDF rendering is the same
    agreement: its points are listed once, and a point linked in any copy is followed up."""
    pdf = SAMPLES / "pdf" / "000_d215b7b932a6dcdc.pdf"
    before = archive.loose_ends(year=2019)["budget_points"]
    archive.ingest([pdf])
    after = archive.loose_ends(year=2019)["budget_points"]
    points = [p["point"] for p in after]
    assert len(points) == len(set(points))
    assert {p["point"] for p in after} == {p["point"] for p in before}
