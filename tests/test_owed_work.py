"""The owed-work record (issue 11) in process: written with the document, cleared with its links,
and finishing it twice never doubles a link. The kills themselves are in test_faults_kill.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from referat import model
from referat import store
from referat.archive import OWED_MARKER
from referat.archive import Archive
from referat.links.build import update_links
from test_store_support import (  # noqa: F401 - fixtures
    archive,
    budget_document,
    data_dir,
    db_url,
    json_parse,
    minutes,
    write_doc,
)


def links(archive: Archive) -> list[tuple]:
    with archive.db.connect() as c:
        return sorted(c.execute(text("SELECT kind, from_item_id, to_item_id, to_budget_point_id FROM links")).all())


def owed(archive: Archive) -> list[int | None]:
    with Session(archive.db) as session:
        return list(session.scalars(select(store.OwedWorkRow.document_id)))


def citing_two_agreements() -> model.Document:
    doc = minutes(day=date(2019, 3, 5), numbers=[1])
    doc.meeting.items[0].budget_refs = [model.BudgetRef(2019, "5.3", "punkt 5.3"), model.BudgetRef(2018, "5.3", "punkt 5.3 (2018)")]
    return doc


def test_an_ingest_leaves_nothing_owed_and_no_marker(archive: Archive, tmp_path: Path) -> None:
    write_doc(tmp_path / "in" / "m.txt", minutes())
    archive.ingest([tmp_path / "in"])
    assert owed(archive) == []
    assert not (archive.data_dir / OWED_MARKER).exists()


def test_a_document_that_fails_owes_nothing(archive: Archive, tmp_path: Path) -> None:
    broken = minutes()
    broken.meeting.items[1].title = None  # NOT NULL: the document's transaction rolls back
    write_doc(tmp_path / "in" / "broken.txt", broken)
    report = archive.ingest([tmp_path / "in"])
    assert len(report.failed) == 1 and owed(archive) == []


def test_owed_work_is_committed_with_the_document_and_finished_by_a_read(archive: Archive, tmp_path: Path) -> None:
    """What a kill between storing and linking leaves, made by hand: the next read finishes it."""
    write_doc(tmp_path / "a.txt", budget_document(2019))
    write_doc(tmp_path / "b.txt", citing_two_agreements())
    archive.ingest([tmp_path / "a.txt", tmp_path / "b.txt"])
    expected = links(archive)
    assert any(kind == "budget_explicit" for kind, *_ in expected)
    with Session(archive.db) as session, session.begin():
        session.execute(store.LinkRow.__table__.delete())
        for doc_id in session.scalars(select(store.DocumentRow.id)):
            store.owe_document(session, doc_id)
    (archive.data_dir / OWED_MARKER).touch()

    notices: list[str] = []
    with Archive(archive.data_dir, archive.db_url, parse=json_parse, notice=notices.append) as reader:
        assert reader.budget(2019, "5.3")["explicit"]
        assert owed(reader) == [] and links(reader) == expected
    assert notices == ["Finished the index entries and links an interrupted write left (2 documents)."]
    assert not (archive.data_dir / OWED_MARKER).exists()


def test_finishing_the_same_work_twice_does_not_double_a_link(archive: Archive, tmp_path: Path) -> None:
    """An item citing agreements of two years, the second agreement stored later: its links are
    made again whole, not added beside the ones it had (they were, before issue 11)."""
    write_doc(tmp_path / "2018.txt", budget_document(2018))
    write_doc(tmp_path / "m.txt", citing_two_agreements())
    archive.ingest([tmp_path / "2018.txt", tmp_path / "m.txt"])
    write_doc(tmp_path / "2019.txt", budget_document(2019))
    archive.ingest([tmp_path / "2019.txt"])
    once = links(archive)
    assert len(once) == len(set(once))
    assert sum(kind == "budget_explicit" for kind, *_ in once) == 2
    with Session(archive.db) as session:
        ids = list(session.scalars(select(store.DocumentRow.id)))
    update_links(archive.db, archive.search_index(), ids[1:])
    update_links(archive.db, archive.search_index(), ids[1:])
    assert links(archive) == once
