"""The store and the Archive, on a real SQLite file and on the real PostgreSQL server."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referat import model
from referat.errors import StoreError
from referat import store
from referat.archive import Archive
from referat.store import DocumentRow, ItemRow, MeetingRow
from test_store_support import (  # noqa: F401 - fixtures
    archive,
    budget_document,
    data_dir,
    db_url,
    full_document,
    json_parse,
    json_parse_shouting,
    minutes,
    other_document,
    write_doc,
)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_counts(archive: Archive) -> dict[str, int]:
    with Session(archive.db) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in store.Base.metadata.sorted_tables
        }


def snapshot(archive: Archive) -> list[tuple]:
    """Every document's identity and timestamps: an unchanged snapshot means nothing was written."""
    with Session(archive.db) as session:
        return session.execute(
            select(DocumentRow.id, DocumentRow.sha256, DocumentRow.ingested_at, DocumentRow.parsed_at).order_by(
                DocumentRow.id
            )
        ).all()


# -- schema ------------------------------------------------------------------------------------


def test_migrated_schema_equals_the_models(archive: Archive) -> None:
    with archive.db.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, store.Base.metadata) == []
        assert context.get_current_revision() is not None


def test_migrations_go_down_and_up_again(archive: Archive) -> None:
    from alembic import command

    with archive.db.begin() as connection:
        command.downgrade(store.alembic_config(connection), "base")
    assert store.needs_migration(archive.db)
    store.migrate(archive.db)
    with archive.db.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), store.Base.metadata) == []


def test_opening_again_does_not_migrate_again(data_dir: Path, db_url: str | None) -> None:
    with Archive(data_dir, db_url) as first:
        assert not store.needs_migration(first.db)
    with Archive(data_dir, db_url) as second:
        assert second.stats()["documents"] == 0


def test_sqlite_file_is_wal_with_foreign_keys(data_dir: Path) -> None:
    with Archive(data_dir) as opened:
        assert (data_dir / "referat.db").is_file()
        with opened.db.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_an_unusable_database_url_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Archive(tmp_path, "nonsense://")
    with pytest.raises(StoreError, match="cannot open the archive database"):
        Archive(tmp_path, "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")


# -- mapping -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [full_document, budget_document, other_document])
def test_a_document_comes_back_as_it_was_stored(archive: Archive, tmp_path: Path, make) -> None:
    doc = make()
    path = write_doc(tmp_path / "in" / "doc.txt", doc)
    report = archive.ingest([path])
    assert report.ingested == 1 and not report.failed
    stored = archive.get_document(sha(path))
    assert stored == dataclasses.replace(doc, source=str(path.resolve()), sha256=sha(path))
    assert archive.get_document("0" * 64) is None


def test_item_uids_are_readable_and_unique(archive: Archive, tmp_path: Path) -> None:
    doc = minutes("Børne- og Ældreudvalget", date(2021, 3, 4), numbers=[1, 2, 2, 2])
    archive.ingest([write_doc(tmp_path / "a.txt", doc)])
    uids = [i.uid for i in archive.meeting_items("Børne- og Ældreudvalget", date(2021, 3, 4))]
    assert uids == [
        "boerne-og-aeldreudvalget-2021-03-04-1",
        "boerne-og-aeldreudvalget-2021-03-04-2",
        "boerne-og-aeldreudvalget-2021-03-04-2-2",
        "boerne-og-aeldreudvalget-2021-03-04-2-3",
    ]
    found = archive.item("boerne-og-aeldreudvalget-2021-03-04-2-2")
    assert found is not None and found.item.number == 2 and found.committee == "Børne- og Ældreudvalget"
    assert archive.item("no-such-uid") is None


def test_slug_folds_danish_letters() -> None:
    assert store.slug("Erhvervs- og Beskæftigelsesudvalget") == "erhvervs-og-beskaeftigelsesudvalget"
    assert store.slug("Udvalget for Klima, Miljø og Åbne Områder") == "udvalget-for-klima-miljoe-og-aabne-omraader"
    assert store.slug("Café-udvalget") == "cafe-udvalget"
    assert store.slug("!!!") == "udvalg"
    assert len(store.slug("Udvalget for " + "meget " * 100)) <= 120


def test_text_a_parser_got_wrong_still_fits(archive: Archive, tmp_path: Path) -> None:
    doc = minutes("Udvalget for " + "meget lange navne " * 40, case_numbers=["Sagsnr. " + "x" * 300, None, None])
    doc.meeting.participants = [model.Participant("Navn", party="(Fravær, men også en lang forklaring)")]
    assert archive.ingest([write_doc(tmp_path / "a.txt", doc)]).ingested == 1


def test_case_numbers_match_exactly_and_by_prefix_at_boundaries(archive: Archive, tmp_path: Path) -> None:
    cases = ["15.00.00-P05-4-20", "15.00.00-P05-12-19", "15.00.10-Ø00-1-20", "15.001.00-A00-1-20", "00.30.14-G01-1-20"]
    doc = minutes(numbers=[1, 2, 3, 4, 5], case_numbers=cases)
    archive.ingest([write_doc(tmp_path / "a.txt", doc)])

    def numbers(query: str, **kw) -> list[str]:
        return sorted(i.item.case_number for i in archive.items_by_case(query, **kw))

    assert numbers("15.00.00-P05-4-20", exact=True) == ["15.00.00-P05-4-20"]
    assert numbers("15.00.00-p05-4-20", exact=True) == ["15.00.00-P05-4-20"]
    assert numbers("15.00.00-P05") == ["15.00.00-P05-12-19", "15.00.00-P05-4-20"]
    assert numbers("15.00.00-P05-1") == []  # not "-12-19": prefixes end at a component boundary
    assert numbers("15.00") == ["15.00.00-P05-12-19", "15.00.00-P05-4-20", "15.00.10-Ø00-1-20"]
    assert numbers("15.00.10-ø00") == ["15.00.10-Ø00-1-20"]
    assert numbers("15") == sorted(cases[:4])
    assert numbers("15%") == []
    assert len(archive.items_by_case("15", limit=2)) == 2


# -- ingest promises ---------------------------------------------------------------------------


def test_the_same_bytes_again_are_unchanged_and_write_nothing(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_doc(folder / "a.txt", minutes(day=date(2020, 1, 1)))
    write_doc(folder / "b.txt", budget_document())
    first = archive.ingest([folder])
    assert (first.ingested, first.unchanged, first.meetings, first.items) == (2, 0, 1, 3)
    before, counts = snapshot(archive), table_counts(archive)
    again = archive.ingest([folder, folder / "a.txt"])
    assert (again.ingested, again.unchanged, again.meetings, again.items, again.failed) == (0, 2, 0, 0, [])
    assert snapshot(archive) == before and table_counts(archive) == counts
    # The same bytes under another name are the same document.
    (tmp_path / "copy.txt").write_bytes((folder / "a.txt").read_bytes())
    assert archive.ingest([tmp_path / "copy.txt"]).unchanged == 1
    assert snapshot(archive) == before


def test_a_new_version_of_a_source_replaces_the_old_one(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "minutes.txt"
    write_doc(path, minutes(numbers=[1, 2, 3], title_prefix="Gammel"))
    old_sha = sha(path)
    archive.ingest([path])
    old_raw = archive.raw_path(old_sha)
    assert old_raw.read_bytes() == path.read_bytes()

    write_doc(path, minutes(numbers=[1, 2], title_prefix="Ny"))
    report = archive.ingest([path])
    assert (report.ingested, report.replaced, report.items) == (1, 1, 2)
    assert archive.get_document(old_sha) is None and not old_raw.exists()
    titles = [i.item.title for i in archive.meeting_items("Erhvervs- og Beskæftigelsesudvalget", date(2020, 8, 18))]
    assert titles == ["Ny 1", "Ny 2"]
    counts = table_counts(archive)
    assert (counts["documents"], counts["meetings"], counts["items"], counts["sections"]) == (1, 1, 2, 4)


def test_a_failure_while_writing_a_document_leaves_nothing_of_it(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_doc(folder / "1.txt", minutes(day=date(2020, 1, 1)))
    broken = minutes(day=date(2020, 2, 2), numbers=[1, 2, 3, 4])
    broken.meeting.items[2].title = None  # NOT NULL: fails after the document, meeting and two items
    write_doc(folder / "2.txt", broken)
    write_doc(folder / "3.txt", minutes(day=date(2020, 3, 3)))

    report = archive.ingest([folder])
    assert report.ingested == 2 and report.items == 6
    assert [p.source for p in report.failed] == [str((folder / "2.txt").resolve())]
    assert "could not be stored" in report.failed[0].error
    assert archive.get_document(sha(folder / "2.txt")) is None
    assert not archive.raw_path(sha(folder / "2.txt")).exists()
    assert archive.meeting_items("Erhvervs- og Beskæftigelsesudvalget", date(2020, 2, 2)) == []
    counts = table_counts(archive)
    assert (counts["documents"], counts["meetings"], counts["items"], counts["sections"]) == (2, 2, 6, 12)


def test_a_failed_new_version_keeps_the_old_one(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "minutes.txt"
    write_doc(path, minutes(title_prefix="Gammel"))
    archive.ingest([path])
    broken = minutes(title_prefix="Ny")
    broken.meeting.items[1].title = None
    write_doc(path, broken)
    report = archive.ingest([path])
    assert report.ingested == 0 and len(report.failed) == 1
    titles = [i.item.title for i in archive.meeting_items("Erhvervs- og Beskæftigelsesudvalget", date(2020, 8, 18))]
    assert titles == ["Gammel 1", "Gammel 2", "Gammel 3"]


def test_a_parser_crash_is_reported_and_the_rest_go_in(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_doc(folder / "1.txt", minutes())
    (folder / "2.txt").write_text("{not json", encoding="utf-8")
    report = archive.ingest([folder])
    assert report.ingested == 1
    assert len(report.failed) == 1 and report.failed[0].error.startswith("the parser failed: JSONDecodeError")


@pytest.mark.parametrize("order", ["agenda first", "minutes first"])
def test_minutes_supersede_the_agenda_of_the_same_meeting(archive: Archive, tmp_path: Path, order: str) -> None:
    agenda = write_doc(tmp_path / "agenda.txt", minutes(kind=model.DocumentKind.AGENDA, numbers=[1, 2, 3, 4]))
    referat = write_doc(tmp_path / "minutes.txt", minutes(numbers=[1, 2, 3]))
    for path in ([agenda, referat] if order == "agenda first" else [referat, agenda]):
        assert archive.ingest([path]).ingested == 1
    items = archive.meeting_items("Erhvervs- og Beskæftigelsesudvalget", date(2020, 8, 18))
    assert [(i.uid, i.meeting_kind) for i in items] == [
        (f"erhvervs-og-beskaeftigelsesudvalget-2020-08-18-{n}", "minutes") for n in (1, 2, 3)
    ]
    assert all(i.item.decision == "Godkendt" for i in items)
    with Session(archive.db) as session:
        rows = {r.sha256: r for r in session.scalars(select(DocumentRow))}
        assert rows[sha(agenda)].superseded_by_id == rows[sha(referat)].id
        assert rows[sha(referat)].superseded_by_id is None
    stats = archive.stats()
    assert (stats["documents"], stats["meetings"], stats["items"]) == (2, 1, 3)
    # Both originals stay known: ingesting them again changes nothing.
    assert archive.ingest([agenda, referat]).unchanged == 2


def test_of_two_minutes_of_one_meeting_the_later_wins(archive: Archive, tmp_path: Path) -> None:
    first = write_doc(tmp_path / "web.txt", minutes(title_prefix="Web"))
    second = write_doc(tmp_path / "pdf.txt", minutes(title_prefix="PDF"))
    archive.ingest([first])
    archive.ingest([second])
    titles = [i.item.title for i in archive.meeting_items("Erhvervs- og Beskæftigelsesudvalget", date(2020, 8, 18))]
    assert titles == ["PDF 1", "PDF 2", "PDF 3"]
    # Reparsing keeps the order of ingestion, so the same document holds the meeting.
    assert archive.reparse().reparsed == 2
    titles = [i.item.title for i in archive.meeting_items("Erhvervs- og Beskæftigelsesudvalget", date(2020, 8, 18))]
    assert titles == ["PDF 1", "PDF 2", "PDF 3"]


# -- reparse, stats ----------------------------------------------------------------------------


def test_reparse_applies_the_current_parser_to_every_original(
    data_dir: Path, db_url: str | None, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    write_doc(folder / "a.txt", minutes(day=date(2020, 1, 1)))
    write_doc(folder / "b.txt", minutes(day=date(2020, 2, 2)))
    write_doc(folder / "c.txt", budget_document())
    with Archive(data_dir, db_url, parse=json_parse) as first:
        first.ingest([folder])
        ids_before = [row[0] for row in snapshot(first)]
        first.raw_path(sha(folder / "b.txt")).unlink()  # a lost original is reported, its parse kept
    with Archive(data_dir, db_url, parse=json_parse_shouting) as newer:
        report = newer.reparse()
        assert (report.reparsed, report.meetings, report.items) == (2, 1, 3)
        assert [p.source for p in report.failed] == [str((folder / "b.txt").resolve())]
        assert "missing" in report.failed[0].error
        assert [i.item.title for i in newer.meeting_items("Erhvervs- og Beskæftigelsesudvalget", date(2020, 1, 1))] == [
            "SAG 1",
            "SAG 2",
            "SAG 3",
        ]
        assert [i.item.title for i in newer.meeting_items("Erhvervs- og Beskæftigelsesudvalget", date(2020, 2, 2))] == [
            "Sag 1",
            "Sag 2",
            "Sag 3",
        ]
        assert [row[0] for row in snapshot(newer)] == ids_before
        counts = table_counts(newer)
        assert (counts["documents"], counts["meetings"], counts["items"], counts["budget_points"]) == (3, 2, 6, 2)


def test_stats_describe_the_archive(archive: Archive, tmp_path: Path) -> None:
    assert archive.stats()["documents"] == 0
    folder = tmp_path / "in"
    undecided = minutes(day=date(2019, 6, 11))
    undecided.meeting.items[0].decision = None
    undecided.warnings = ["one", "two"]
    write_doc(folder / "a.txt", undecided)
    write_doc(folder / "b.txt", minutes("Økonomiudvalget", date(2021, 1, 5)))
    write_doc(folder / "c.txt", budget_document())
    write_doc(folder / "d.txt", other_document())
    archive.ingest([folder])
    stats = archive.stats()
    assert stats["documents"] == 4
    assert stats["documents_by_kind"] == {"minutes": 2, "agenda": 0, "budget_agreement": 1, "document": 1}
    assert (stats["meetings"], stats["items"], stats["items_without_decision"]) == (2, 6, 1)
    assert stats["committees"] == {"Erhvervs- og Beskæftigelsesudvalget": 1, "Økonomiudvalget": 1}
    assert stats["date_range"] == {"from": "2019-06-11", "to": "2021-01-05"}
    assert (stats["budget_agreements"], stats["budget_points"], stats["warnings"]) == (1, 2, 2)


# -- the real parser on the samples --------------------------------------------------------------


def test_the_samples_give_the_expected_counts(data_dir: Path, db_url: str | None, samples_dir: Path) -> None:
    with Archive(data_dir, db_url) as opened:
        samples = sorted(samples_dir.glob("*.txt"))
        report = opened.ingest(samples)
        assert report.failed == []
        assert (report.ingested, report.meetings, report.items) == (4, 2, 21)
        stats = opened.stats()
        assert stats["documents_by_kind"] == {"minutes": 2, "agenda": 0, "budget_agreement": 1, "document": 1}
        by_date = {
            day: len(opened.meeting_items("Erhvervs- og Beskæftigelsesudvalget", day))
            for day in (date(2020, 8, 18), date(2019, 6, 11))
        }
        assert by_date == {date(2020, 8, 18): 11, date(2019, 6, 11): 10}
        for sample in samples:
            assert opened.get_document(sha(sample)) is not None
        assert opened.ingest(samples).unchanged == 4


def test_the_meeting_rows_and_items_hang_together(archive: Archive, tmp_path: Path) -> None:
    archive.ingest([write_doc(tmp_path / "a.txt", minutes())])
    with Session(archive.db) as session:
        meeting = session.scalar(select(MeetingRow))
        assert meeting.committee_slug == "erhvervs-og-beskaeftigelsesudvalget" and meeting.kind == "minutes"
        keys = session.scalars(select(ItemRow.case_key).order_by(ItemRow.position)).all()
        assert keys == ["15.00.00-P05-1-20", "15.00.00-P05-2-20", "15.00.00-P05-3-20"]


@pytest.mark.postgres
def test_two_writers_on_one_postgresql_server_never_collide(tmp_path: Path, pg_url: str) -> None:
    """Different machines share no lock file; the database's advisory lock keeps them apart."""
    import threading
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{pg_url}?options=-csearch_path%3D{schema}"
    try:
        folder = tmp_path / "in"
        paths = [write_doc(folder / f"{n:02d}.txt", minutes(day=date(2020, 1, 1 + n))) for n in range(25)]
        # Two versions of one meeting from two sources: exactly one may hold it.
        paths.append(write_doc(folder / "web.txt", minutes(day=date(2021, 5, 5), title_prefix="Web")))
        paths.append(write_doc(folder / "pdf.txt", minutes(day=date(2021, 5, 5), title_prefix="PDF")))
        archives = [Archive(tmp_path / f"machine{n}", url, parse=json_parse) for n in range(2)]
        reports = [None, None]

        def work(n: int) -> None:
            reports[n] = archives[n].ingest(paths if n == 0 else list(reversed(paths)))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(r.failed == [] for r in reports)
        assert sum(r.ingested for r in reports) == 27 and sum(r.unchanged for r in reports) == 27
        stats = archives[0].stats()
        assert (stats["documents"], stats["meetings"], stats["items"]) == (27, 26, 78)
        for opened in archives:
            opened.close()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_schema_head_constant_is_alembics_head():
    """`store.SCHEMA_HEAD` lets an archive open without importing Alembic; it must name the newest migration."""
    from alembic.script import ScriptDirectory

    from referat import store

    assert store.SCHEMA_HEAD == ScriptDirectory.from_config(store.alembic_config()).get_current_head()
