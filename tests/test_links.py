"""Case histories and budget-agreement tracking (issue 6): the quality list on the samples, and a
case that climbs from a committee through Økonomiudvalget to Kommunalbestyrelsen with a renumbered
item and a misspelled committee name."""

from __future__ import annotations

import shutil
from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referat.cli import cli
from referat import store as S
from referat.archive import Archive

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
UID_2020 = "erhvervs-og-beskaeftigelsesudvalget-2020-08-18-{}"
UID_2019 = "erhvervs-og-beskaeftigelsesudvalget-2019-06-11-{}"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    folder = tmp_path_factory.mktemp("in")
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy(sample, folder / sample.name)
    archive = Archive(tmp_path_factory.mktemp("data"))
    archive.ingest([folder])
    yield archive
    archive.close()


def ids(hits: list[dict]) -> list[str]:
    return [h["id"] for h in hits]


# --- the quality list on the samples ----------------------------------------------------------------


def test_point_5_3_explicit_and_suggested(samples):
    b = samples.budget(2019, "5.3")
    assert b["title"] == "Flere indvandrere i job"
    assert ids(b["explicit"]) == [UID_2019.format(6)]
    assert b["explicit"][0]["quote"].endswith('"Aftale om budget 2019", punkt 5.3.')
    assert UID_2020.format(6) in ids(b["suggested"])[:3]
    top = b["suggested"][0]
    assert top["score"] > 0 and top["evidence"]["matched"]


@pytest.mark.parametrize("year, point, uid", [(2019, "4.23", UID_2019.format(5)), (2019, "1.15", UID_2020.format(10)), (2017, "5.09", UID_2019.format(10))])
def test_cited_points_find_their_items(samples, year, point, uid):
    b = samples.budget(year, point)
    assert ids(b["explicit"]) == [uid]


def test_a_cited_point_whose_agreement_is_not_stored_still_answers(samples):
    b = samples.budget(2017, "5.09")
    assert b["in_archive"] is False and b["title"] is None and b["explicit"]


def test_point_3_16_fgu_suggests_the_fgu_status_item(samples):
    b = samples.budget(2019, "3.16")
    assert ids(b["suggested"])[0] == UID_2019.format(4)
    assert "fgu" in b["suggested"][0]["evidence"]["matched"]


def test_year_only_references(samples):
    b = samples.budget(2019, "5.3")
    assert set(ids(b["year_only"])) == {UID_2019.format(4), UID_2020.format(7)}


def test_national_agreement_is_not_linked(samples):
    with Session(samples.db) as session:
        item = session.scalar(select(S.ItemRow).where(S.ItemRow.uid == UID_2020.format(2)))
        assert item.budget_refs == []
        links = session.scalar(select(func.count()).select_from(S.LinkRow).where(S.LinkRow.from_item_id == item.id, S.LinkRow.to_budget_point_id.is_not(None)))
        assert links == 0


def test_two_items_sharing_a_case_number_come_back_together(samples):
    c = samples.case("15.00.00-Ø00-1-18")
    assert ids(c["items"]) == [UID_2019.format(9), UID_2019.format(10)]
    assert c["kle"] == {"topic": "15.00.00", "facet": "Ø00", "serial": 1, "year": 2018}
    h = samples.history("15.00.00-Ø00-1-18")
    assert [s["id"] for s in h["steps"]] == [UID_2019.format(9), UID_2019.format(10)]
    assert all(s["via"] == "case_number" for s in h["steps"])


def test_case_prefix_oldest_first(samples):
    c = samples.case("15.00.00-P05")
    dates = [h["meeting_date"] for h in c["items"]]
    assert dates == sorted(dates) and len(dates) == 5
    assert samples.case("15.00")["items"] and samples.case("15.00")["kle"]["facet"] is None


def test_overview_counts(samples):
    o = samples.budget(2019)
    by_point = {p["point"]: p for p in o["points"]}
    assert by_point["5.3"]["explicit"] == 1 and by_point["5.3"]["suggested"] >= 1
    assert by_point["2.3"]["title"] is None  # cited, but not a point of the stored accounts document


AUTISM = "Beskæftigelsesindsats for borgere med autisme"  # cites "budget 2018" without a point


def test_year_overview_lists_the_items_citing_the_agreement_as_a_whole(samples):
    o = samples.budget(2018)
    assert o["year_only"] == 1  # the count scripts read stays beside the list
    assert ids(o["year_only_items"]) == [UID_2019.format(8)]
    assert o["year_only_items"][0]["title"] == AUTISM and o["year_only_items"][0]["committee"]
    assert samples.budget(2019)["year_only_items"] == samples.budget(2019, "5.3")["year_only"]  # the same HIT dicts


def test_budget_year_command_lists_its_year_only_items(samples):
    import json

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--data", str(samples.data_dir), "budget", "2018", *args])
        assert result.exit_code == 0, result.output
        return result.output

    text = run()
    assert "1 item cites the agreement as a whole:" in text
    assert f"Erhvervs- og Beskæftigelsesudvalget, 11. juni 2019, punkt 8: {AUTISM}" in text
    data = json.loads(run("--format", "json"))
    assert data["year_only"] == 1 and [h["id"] for h in data["year_only_items"]] == [UID_2019.format(8)]
    md = run("--format", "md")
    assert md.startswith("## Aftale om budget 2018\n")
    assert f"### Sager der henviser til budgetaftalen som helhed\n- Erhvervs- og Beskæftigelsesudvalget, 11. juni 2019, punkt 8: {AUTISM}" in md
    html = run("--format", "html")
    assert html.startswith("<h2>Aftale om budget 2018</h2>") and f"<li>Erhvervs- og Beskæftigelsesudvalget, 11. juni 2019, punkt 8: {AUTISM}" in html
    points = CliRunner().invoke(cli, ["--data", str(samples.data_dir), "budget", "2019", "--format", "md"]).output
    assert "| 5.3 | Flere indvandrere i job | 1 | 1 |" in points


def test_unresolved_treatments_say_they_are_not_in_the_archive(samples):
    h = samples.history("15.00.00-P05-4-20")
    assert h["unresolved"] == [{"body": "Erhvervs- og Beskæftigelsesudvalget", "date": "2020-05-12", "item_number": 3,
                                "cited_by": UID_2020.format(6), "in_archive": False}]  # fmt: skip


def test_reindex_rebuilds_the_same_links(samples):
    def links():
        with Session(samples.db) as session:
            return sorted(session.execute(select(S.LinkRow.kind, S.LinkRow.from_item_id, S.LinkRow.to_item_id, S.LinkRow.to_budget_point_id)).all())

    before = links()
    samples.reindex()
    assert links() == before and before


# --- a case climbing three bodies ------------------------------------------------------------------

TMU = """
    Referat Teknik- og Miljøudvalget 03.03.2021 kl. 16:00

    Punkt 4: Ny affaldsordning for etageboliger

    07.00.00-P20-2-21

    Sagsfremstilling

    Forslag om en ny ordning for sortering af affald i etageboliger.

    Beslutningen træffes af

    Kommunalbestyrelsen

    Beslutning

    Indstilles til godkendelse
"""
ØU = """
    Referat Økonomiudvalget 16.03.2021 kl. 15:00

    Punkt 4: Meddelelser

    Beslutning

    Taget til efterretning

    TILLÆGSDAGSORDEN

    Punkt 5: Salg af grund ved Måløv Station

    Beslutning

    Godkendt

    Punkt 6: Ny affaldsordning for etageboliger

    07.00.00-P20-2-21

    Tidligere behandling

    Teknik- og Miljøudvalget den 3. marts 2021 Punkt 4

    Beslutning

    Anbefales
"""
KB = """
    Referat Kommunalbestyrelsen 29.03.2021 kl. 17:00

    Punkt 9: Ny affaldsordning for etageboliger

    Tidligere behandling

    Økonomiudvalget den 16. marts 2021 Punkt 5
    Teknik- og Miljøudvalet den 3. marts 2021 Punkt 4
    Kultur- og Fritidsudvalget den 1. februar 2021 Punkt 2

    Beslutning

    Godkendt
"""
TMU_UID = "teknik-og-miljoeudvalget-2021-03-03-4"
ØU_UID = "oekonomiudvalget-2021-03-16-6"
KB_UID = "kommunalbestyrelsen-2021-03-29-9"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(dedent(text).strip() + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("order", [("tmu", "øu", "kb"), ("kb", "øu", "tmu")], ids=["in order", "newest first"])
def test_case_climbs_committee_oekonomiudvalget_kommunalbestyrelsen(tmp_path, order):
    texts = {"tmu": TMU, "øu": ØU, "kb": KB}
    with Archive(tmp_path / "data") as archive:
        for name in order:  # one ingest per document: links must be updated incrementally
            archive.ingest([_write(tmp_path, f"{name}.txt", texts[name])])
        h = archive.history(KB_UID)
        steps = [(s["id"], s["via"]) for s in h["steps"]]
        assert [uid for uid, _ in steps] == [TMU_UID, ØU_UID, KB_UID]
        assert dict(steps)[ØU_UID] == "previous_treatment"
        # renumbered (KB cites "punkt 5"; the supplementary agenda moved it to 6) and misspelled body
        evidence = [e for s in h["steps"] for e in s.get("evidence", [])]
        assert any(e.get("renumbered", {}).get("printed_number") == 5 for e in evidence)
        assert any("committee_matched" in e for e in evidence)
        assert h["unresolved"] == [{"body": "Kultur- og Fritidsudvalget", "date": "2021-02-01", "item_number": 2,
                                    "cited_by": KB_UID, "in_archive": False}]  # fmt: skip
        # From the committee's side the same case reaches the council: by case number, then by reference.
        up = archive.history(TMU_UID)
        assert [(s["id"], s["via"]) for s in up["steps"]] == [(TMU_UID, "case_number"), (ØU_UID, "case_number"), (KB_UID, "referenced_by")]


def test_history_markdown_reads_like_a_secretariat_wrote_it(tmp_path):
    for name, text in (("tmu", TMU), ("øu", ØU), ("kb", KB)):
        _write(tmp_path, f"{name}.txt", text)
    data = tmp_path / "data"
    runner = CliRunner()
    assert runner.invoke(cli, ["--data", str(data), "ingest", str(tmp_path)]).exit_code == 0
    md = runner.invoke(cli, ["--data", str(data), "history", KB_UID, "--format", "md"]).output
    assert md.splitlines()[0] == "## Sagsforløb: Ny affaldsordning for etageboliger"
    assert "- **Teknik- og Miljøudvalget, 3. marts 2021, punkt 4**: Ny affaldsordning for etageboliger" in md
    assert "Beslutning: Indstilles til godkendelse." in md
    assert "- **Økonomiudvalget, 16. marts 2021, punkt 6**" in md
    assert "- **Kommunalbestyrelsen, 29. marts 2021, punkt 9**" in md
    assert "Tidligere behandlinger, der ikke findes i arkivet:\n\n- Kultur- og Fritidsudvalget, 1. februar 2021, punkt 2" in md
    html = runner.invoke(cli, ["--data", str(data), "history", KB_UID, "--format", "html"]).output
    assert html.startswith("<h2>Sagsforløb: Ny affaldsordning for etageboliger</h2>") and "<ol" in html
    missing = runner.invoke(cli, ["--data", str(data), "history", "99.99.99-X99-1-99"])
    assert missing.exit_code == 2 and "no item or case number" in missing.output


def test_history_html_escapes_document_text(tmp_path):
    _write(tmp_path, "x.txt", """
        Referat Økonomiudvalget 16.03.2021

        Punkt 1: <script>alert(1)</script> Budget

        01.01.01-A00-1-21

        Beslutning

        Godkendt "><img src=x onerror=alert(1)>
    """)
    with Archive(tmp_path / "data") as archive:
        archive.ingest([tmp_path / "x.txt"])
        from referat.render import history_html

        html = history_html(archive.history("01.01.01-A00-1-21"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html


def test_a_promise_s_words_find_the_item_that_cites_it_whatever_came_first(tmp_path):
    """The item citing "punkt 5.3" files the point's title, also when the agreement arrives later."""
    agreement = SAMPLES / "000_d215b7b932a6dcdc.txt"  # the 2019 agreement (its golden file says so)
    minutes = [p for p in SAMPLES.glob("*.txt") if p != agreement]
    with Archive(tmp_path / "data") as archive:
        archive.ingest(minutes)  # the agreement comes second
        assert UID_2019.format(6) not in ids(archive.search("flere indvandrere i job", limit=5)["hits"])
        archive.ingest([agreement])
        hits = archive.search("flere indvandrere i job", limit=5)["hits"]
        assert UID_2019.format(6) in ids(hits)
        hit = next(h for h in hits if h["id"] == UID_2019.format(6))
        assert "Henviser til Aftale om budget 2019, punkt 5.3" in hit["snippet"]
