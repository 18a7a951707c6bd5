"""A large archive's rebuild analyses Danish in worker processes; the index must be the same as
one built in the main process."""

from __future__ import annotations

import shutil
from pathlib import Path

from referat.archive import Archive
from referat.index import search_index as manager

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
QUERIES = ["budgetopfølgningen", '"ikke-vestlig baggrund"', "15.00.00-P05", "Inveseringscase", "fleksjob -autisme", "lommepeng*"]


def test_parallel_rebuild_gives_the_same_hits(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy(sample, folder / sample.name)
    with Archive(tmp_path / "data") as archive:
        archive.ingest([folder])
        serial = {q: archive.search(q, limit=50, kind="all") for q in QUERIES}
        monkeypatch.setattr(manager, "PARALLEL_FROM_DOCUMENTS", 1)  # the samples count as a large archive
        assert archive.reindex() > 0
        parallel = {q: archive.search(q, limit=50, kind="all") for q in QUERIES}
    for q in QUERIES:
        # equal scores may come in either order: compare who is found, and with what score
        assert {h["id"]: round(h["score"], 3) for h in parallel[q]["hits"]} == {h["id"]: round(h["score"], 3) for h in serial[q]["hits"]}, q
        assert parallel[q]["total"] == serial[q]["total"] and parallel[q]["total"] > 0, q


def test_a_record_found_in_several_forms_is_indexed_once(tmp_path):
    """The budget agreement as text, PDF and web page gives one budget point, even in a rebuild."""
    with Archive(tmp_path / "data") as archive:
        archive.ingest([SAMPLES])  # .txt, pdf/ and html/ forms: the first ingest builds the index from scratch
        assert archive.search("flere indvandrere", kind="budget_point")["total"] == 1
        archive.reindex()
        assert archive.search("flere indvandrere", kind="budget_point")["total"] == 1
