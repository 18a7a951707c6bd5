"""`referat export` (issue 13): every item the filters select, oldest first, as CSV or JSON Lines,
read back with the csv and json modules; filters as `referat search` checks them; a file written
whole or not at all; flat memory on a 5,000-item generated archive."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import tracemalloc
from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from referat import store
from referat.archive import Archive, FilterError, atomic_file
from referat.cli import cli
from referat.render import EXPORT_FIELDS, write_export

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
UID_2019 = "erhvervs-og-beskaeftigelsesudvalget-2019-06-11-{}"
UID_2020 = "erhvervs-og-beskaeftigelsesudvalget-2020-08-18-{}"
QUOTED_UID = "oekonomiudvalget-2021-03-02-3"
QUOTED = dedent("""
    Referat Økonomiudvalget 02.03.2021 kl. 16:00

    Punkt 3: Åbningstider på rådhuset og "Borgerservice, ø-kontoret"

    Sagsfremstilling

    Borgerservice ønsker længere åbningstid om torsdagen.

    Beslutning

    Godkendt med denne bemærkning: "Åbningstiden evalueres, når året er gået".
    Udvalget ønsker en status; "særligt" for øerne, 'Fanø' og Læsø.
""")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("in")
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy(sample, folder / sample.name)
    (folder / "quoted.txt").write_text(QUOTED, encoding="utf-8")
    data = tmp_path_factory.mktemp("data")
    with Archive(data) as archive:
        assert not archive.ingest([folder]).failed
        # Positions and vote counts are read from decisions by another part of the parser; here they
        # are written as that part stores them, to see them come out.
        with Session(archive.db) as session, session.begin():
            item_id = session.scalar(select(store.ItemRow.id).where(store.ItemRow.uid == UID_2019.format(6)))
            session.execute(insert(store.PositionRow), [
                {"item_id": item_id, "position": 0, "kind": "against", "party": "V", "person": None, "quote": "V stemte imod."},
                {"item_id": item_id, "position": 1, "kind": "reservation", "party": None, "person": "Åse Ørsted", "quote": "…"},
            ])  # fmt: skip
            session.execute(update(store.ItemRow).where(store.ItemRow.id == item_id).values(votes_for=7, votes_against=2, votes_abstain=0))
    return data


def export(data: Path, *args: str):
    return CliRunner().invoke(cli, ["--data", str(data), "export", *args])


def csv_rows(text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames) == EXPORT_FIELDS
    return list(reader)


def jsonl_rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_csv_and_jsonl_hold_every_item_oldest_first(data_dir: Path):
    with Archive(data_dir) as archive:
        items = archive.stats()["items"]
        stored = archive.item(UID_2019.format(6))
    as_csv = export(data_dir)  # CSV is the default
    assert as_csv.exit_code == 0, as_csv.output
    rows = csv_rows(as_csv.stdout)
    as_jsonl = export(data_dir, "--format", "jsonl")
    assert as_jsonl.exit_code == 0
    lines = jsonl_rows(as_jsonl.stdout)
    assert len(rows) == len(lines) == items == 22
    assert [r["id"] for r in rows] == [line["id"] for line in lines]
    assert [r["meeting_date"] for r in rows] == sorted(r["meeting_date"] for r in rows)
    assert rows[0]["id"] == UID_2019.format(1) and rows[-1]["id"] == QUOTED_UID
    assert [r["item_number"] for r in rows[:3]] == ["1", "2", "3"]  # agenda order within a meeting
    assert set(lines[0]) == set(EXPORT_FIELDS)

    row = next(r for r in rows if r["id"] == UID_2019.format(6))
    line = next(line for line in lines if line["id"] == UID_2019.format(6))
    assert row["committee"] == line["committee"] == "Erhvervs- og Beskæftigelsesudvalget"  # æ intact
    assert (row["meeting_date"], line["meeting_date"]) == ("2019-06-11", "2019-06-11")
    assert (row["item_number"], line["item_number"]) == ("6", 6)
    assert row["title"] == line["title"] == stored.item.title
    assert row["case_number"] == line["case_number"] == "15.00.00-P05-1-19"
    assert row["outcome"] == line["outcome"] == "approved"
    assert row["decision"] == line["decision"] == "Indstillingen godkendt"
    assert (row["source"], row["sha256"]) == (line["source"], line["sha256"]) == (stored.source, stored.sha256)
    assert row["dissent"] == "against:V:; reservation::Åse Ørsted"
    assert line["dissent"] == [{"kind": "against", "party": "V", "person": None},
                               {"kind": "reservation", "party": None, "person": "Åse Ørsted"}]  # fmt: skip
    assert (row["votes_for"], row["votes_against"], row["votes_abstain"]) == ("7", "2", "0")
    assert (line["votes_for"], line["votes_against"], line["votes_abstain"]) == (7, 2, 0)

    cited = {r["id"]: r["budget_refs"] for r in rows}
    assert (cited[UID_2019.format(6)], cited[UID_2019.format(4)], cited[UID_2019.format(1)]) == ("2019:5.3", "2019", "")
    assert line["budget_refs"] == [{"year": 2019, "point": "5.3"}]
    assert all(r["dissent"] == "" and r["votes_for"] == "" for r in rows if r["id"] != UID_2019.format(6))
    assert all(line["dissent"] == [] and line["votes_for"] is None for line in lines if line["id"] != UID_2019.format(6))


def test_a_decision_with_newlines_and_quotes_survives_both_formats(data_dir: Path):
    with Archive(data_dir) as archive:
        decision = archive.item(QUOTED_UID).item.decision
    assert "\n" in decision and '"' in decision and "'" in decision and "ø" in decision
    [row] = csv_rows(export(data_dir, "--committee", "økonomiudvalget").stdout)
    [line] = jsonl_rows(export(data_dir, "--committee", "Økonomiudvalgets", "--format", "jsonl").stdout)
    assert row["decision"] == line["decision"] == decision
    assert row["title"] == line["title"] == 'Åbningstider på rådhuset og "Borgerservice, ø-kontoret"'
    assert (row["committee"], row["outcome"]) == ("Økonomiudvalget", "approved_with_remarks")


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--committee", "Erhverv- og beskæftigelsesudvalget"], {UID_2019.format(n) for n in range(1, 11)} | {UID_2020.format(n) for n in range(1, 12)}),
        (["--from", "2020-01-01", "--to", "2020-12-31", "--outcome", "noted"], {UID_2020.format(n) for n in (1, 5, 7, 8)}),
        (["--to", "2019-06-11", "--case", "15.00.00-Ø00"], {UID_2019.format(9), UID_2019.format(10)}),
        (["--case", "15.00.00-P05"], {UID_2019.format(3), UID_2019.format(6), UID_2020.format(5), UID_2020.format(6), UID_2020.format(9)}),
        (["--outcome", "none"], {UID_2020.format(11)}),
        (["--from", "2021-03-03"], set()),
    ],
)  # fmt: skip
def test_filters_select_what_search_would(data_dir: Path, args: list[str], expected: set[str]):
    result = export(data_dir, *args, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert {line["id"] for line in jsonl_rows(result.stdout)} == expected
    with Archive(data_dir) as archive:  # the same filters, the same items as a search lists
        names = {"--committee": "committee", "--from": "date_from", "--to": "date_to", "--outcome": "outcome", "--case": "case"}
        options = {names[name]: value for name, value in zip(args[::2], args[1::2])}
        hits = archive.search("", sort="date", limit=100, **options)
    assert {hit["id"] for hit in hits["hits"]} == expected


def test_bad_filters_are_refused_before_anything_is_written(data_dir: Path, tmp_path: Path):
    out = tmp_path / "items.csv"
    for args in (["--from", "2020-13-01"], ["--outcome", "maybe"], ["--format", "xml"]):
        result = export(data_dir, *args, "--output", str(out))
        assert result.exit_code == 2 and "Error" in result.output
        assert not out.exists()
    with Archive(data_dir) as archive:
        with pytest.raises(FilterError, match="'2020-13-01' is not a date"):
            archive.export_items(date_from="2020-13-01")
        with pytest.raises(FilterError, match="is not an outcome"):
            archive.export_items(outcome="maybe")


def test_output_file_is_written_whole(data_dir: Path, tmp_path: Path):
    out = tmp_path / "udtræk.jsonl"
    result = export(data_dir, "--format", "jsonl", "--output", str(out), "--outcome", "postponed")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr.strip() == f"Exported 1 item to {out}."
    assert [line["id"] for line in jsonl_rows(out.read_text(encoding="utf-8"))] == [UID_2019.format(3)]
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left beside it


def test_a_failed_export_leaves_no_half_file(data_dir: Path, tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(data_dir, data)
    with sqlite3.connect(data / "referat.db") as db:  # the store loses a table the export reads
        db.execute("DROP TABLE budget_refs")
    out = tmp_path / "items.csv"
    out.write_text("the previous export\n", encoding="utf-8")
    result = export(data, "--output", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the archive database ") and "budget_refs" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "items.csv"]

    def rows_then_failure():
        yield {field: "x" for field in EXPORT_FIELDS} | {"budget_refs": [], "dissent": []}
        raise RuntimeError("the source of the rows failed")

    target = tmp_path / "direct.csv"
    with pytest.raises(RuntimeError):
        with atomic_file(target, "w", encoding="utf-8", newline="") as stream:
            write_export(rows_then_failure(), stream, "csv")
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["data", "items.csv"]


def test_5000_items_export_in_bounded_memory(tmp_path: Path):
    from bench.generate import generate, write_archive

    data = tmp_path / "data"
    assert write_archive(data, generate(5000, seed=3)) == 5000

    class Counting(io.TextIOBase):
        """A sink that keeps nothing: what is measured is the export, not its output."""

        chars = 0

        def write(self, text: str) -> int:
            self.chars += len(text)
            return len(text)

    def export_peak(archive: Archive, fmt: str, **filters) -> tuple[int, int, int]:
        sink = Counting()
        tracemalloc.start()
        try:
            count = write_export(archive.export_items(**filters), sink, fmt)
            return count, sink.chars, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    with Archive(data) as archive:
        export_peak(archive, "csv", date_to="2005-12-31")  # SQLAlchemy compiles and caches its statements once
        for fmt in ("csv", "jsonl"):
            half, _, half_peak = export_peak(archive, fmt, date_to="2014-12-31")
            count, chars, peak = export_peak(archive, fmt)
            assert count == 5000 and 2000 <= half < 4000
            # Flat: twice the items (and the output, 1.6 MB of CSV) in the same memory, a batch or
            # two, where holding every row would take twice as much (and 7.6 MB).
            assert peak < 1.3 * half_peak, f"{fmt}: {peak / 1e6:.1f} MB for {count} items, {half_peak / 1e6:.1f} MB for {half}"
            assert peak < 5_000_000 and chars > 1_000_000


def test_the_same_export_from_a_postgresql_store(pg_url: str, data_dir: Path, tmp_path: Path):
    from tests.conftest import pg_schema

    folder = tmp_path / "in"
    folder.mkdir()
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy(sample, folder / sample.name)
    (folder / "quoted.txt").write_text(QUOTED, encoding="utf-8")
    with pg_schema(pg_url) as url:
        with Archive(tmp_path / "data", url) as archive:
            assert not archive.ingest([folder]).failed
        result = CliRunner().invoke(cli, ["--data", str(tmp_path / "data"), "--db", url, "export", "--format", "jsonl"])
        assert result.exit_code == 0, result.output
        filtered = CliRunner().invoke(cli, ["--data", str(tmp_path / "data"), "--db", url, "export", "--case", "15.00.00-Ø00"])
    on_postgres = jsonl_rows(result.stdout)
    on_sqlite = jsonl_rows(export(data_dir, "--format", "jsonl").stdout)
    same = ("id", "committee", "meeting_date", "item_number", "title", "case_number", "outcome", "decision", "budget_refs", "sha256")
    assert [{k: r[k] for k in same} for r in on_postgres] == [{k: r[k] for k in same} for r in on_sqlite]
    assert [r["id"] for r in csv_rows(filtered.stdout)] == [UID_2019.format(9), UID_2019.format(10)]
