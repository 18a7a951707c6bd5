"""Positions read from decisions, stored per item and shown: the item's JSON, the party views
(CLI, web page, API), and the `--dissent` search filter. The minutes are our own invented text."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from referat.archive import Archive
from referat.cli import cli
from referat.web.server import create_app

BYRAAD = """
    Referat Byrådet 14.05.2024 kl. 18:00

    Deltagere: Mette Kjær (A), Jonas Lind (V), Pia Holm (Ø), Karsten Bæk (O)
    Fraværende: Søren Åby (Ø)

    Punkt 3: Ny skolestruktur i Nørrebyen

    17.01.00-G01-3-24

    Beslutning

    Indstillingen blev godkendt med 20 stemmer mod 5.
    Imod stemte: Ø og O.

    Punkt 4: Salg af grund ved havnen

    Beslutning

    Godkendt. Venstre tog forbehold for prisen.

    Punkt 5: Budgetopfølgning

    Beslutning

    Taget til efterretning. Ingen stemte imod.
"""
UID = "byraadet-2024-05-14-{}"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    folder = tmp_path_factory.mktemp("in")
    (folder / "byraad.txt").write_text(dedent(BYRAAD).strip() + "\n", encoding="utf-8")
    opened = Archive(tmp_path_factory.mktemp("data"))
    opened.ingest([folder])
    yield opened
    opened.close()


def test_positions_and_votes_are_stored_with_the_item(archive):
    item = archive.item(UID.format(3)).item
    assert (item.positions.votes_for, item.positions.votes_against) == (20, 5)
    assert {(p.kind.value, p.party) for p in item.positions.positions} == {("against", "Ø"), ("against", "O")}
    reservation = archive.item(UID.format(4)).item.positions.positions
    assert [(p.kind.value, p.party) for p in reservation] == [("reservation", "V")]
    assert archive.item(UID.format(5)).item.positions.positions == []  # "Ingen stemte imod" is no dissent


def test_a_party_lists_the_items_it_dissented_on_and_its_attendance(archive):
    found = archive.party("Enhedslisten")
    assert found["party"] == "Ø" and found["dissent_total"] == 1
    assert [h["id"] for h in found["dissent"]] == [UID.format(3)]
    assert found["dissent"][0]["positions"][0]["quote"].startswith("Imod stemte")
    people = {m["name"]: m for m in found["attendance"]}
    assert people["Pia Holm"]["present"] == 1 and people["Søren Åby"]["absent"] == 1
    assert archive.party("V")["dissent"][0]["id"] == UID.format(4)
    assert archive.party("Æ") is None and archive.party("no such party") is None
    assert {p["party"] for p in archive.parties()} >= {"A", "V", "Ø", "O"}


def test_party_command_text_and_json(archive):
    runner = CliRunner()
    result = runner.invoke(cli, ["--data", str(archive.data_dir), "party", "ø", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["dissent"][0]["id"] == UID.format(3)
    text = runner.invoke(cli, ["--data", str(archive.data_dir), "party", "O"])
    assert "Dansk Folkeparti (O)" in text.output and "Ny skolestruktur i Nørrebyen" in text.output
    missing = runner.invoke(cli, ["--data", str(archive.data_dir), "party", "Æ"])
    assert missing.exit_code == 2 and "no party" in missing.output


def test_item_page_api_and_party_pages(archive):
    with TestClient(create_app(lambda: archive)) as client:
        page = client.get(f"/punkt/{UID.format(3)}").text
        assert "Stemmer og forbehold" in page and "20 for, 5 imod" in page and 'href="/parti/%C3%98"' in page
        api = client.get(f"/api/item/{UID.format(3)}").json()
        assert api["positions"]["votes_against"] == 5 and {p["party"] for p in api["positions"]["positions"]} == {"Ø", "O"}
        party = client.get("/parti/%C3%98")
        assert party.status_code == 200 and "Enhedslisten (Ø)" in party.text and "Ny skolestruktur i Nørrebyen" in party.text
        assert "Søren Åby" in party.text
        assert client.get("/parti").status_code == 200
        assert client.get("/api/party/V").json()["dissent"][0]["id"] == UID.format(4)
        assert client.get("/parti/%C3%86").status_code == 404


def test_the_dissent_filter_on_every_engine(tmp_path_factory, archive):
    for engine in ("tantivy", "whoosh"):
        with Archive(archive.data_dir, search_engine=engine) as opened:
            assert [h["id"] for h in opened.search("", dissent="Ø")["hits"]] == [UID.format(3)]
            assert [h["id"] for h in opened.search("grund", dissent="Venstre")["hits"]] == [UID.format(4)]
            assert opened.search("", dissent="A")["total"] == 0


@pytest.mark.postgres
def test_the_dissent_filter_on_postgres(tmp_path, pg_url):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "byraad.txt").write_text(dedent(BYRAAD).strip() + "\n", encoding="utf-8")
    with Archive(tmp_path / "data", pg_url) as opened:
        opened.ingest([folder])
        assert [h["id"] for h in opened.search("", dissent="O")["hits"]] == [UID.format(3)]
        assert opened.search("skolestruktur", dissent="V")["total"] == 0


def test_dissent_from_the_cli_the_page_and_the_api(archive):
    runner = CliRunner()
    result = runner.invoke(cli, ["--data", str(archive.data_dir), "search", "--dissent", "Dansk Folkeparti", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [h["id"] for h in json.loads(result.output)["hits"]] == [UID.format(3)]
    bad = runner.invoke(cli, ["--data", str(archive.data_dir), "search", "skole", "--dissent", "Nogle Folk"])
    assert bad.exit_code == 2 and "not a party" in bad.output
    with TestClient(create_app(lambda: archive)) as client:
        page = client.get("/soeg?parti=%C3%98")
        assert page.status_code == 200 and "Ny skolestruktur i Nørrebyen" in page.text and "Salg af grund" not in page.text
        assert client.get("/api/search?dissent=V").json()["hits"][0]["id"] == UID.format(4)
        assert client.get("/api/search?q=skole&dissent=xyz").status_code == 400
        assert "Ukendt parti" in client.get("/soeg?q=skole&parti=xyz").text
