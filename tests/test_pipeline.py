"""Walking inputs, choosing files by content, and extracting in worker processes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from referat.ingest import pipeline
from referat.ingest.pipeline import Extractor, Original
from test_store_support import json_parse, minutes, minutes_text, write_doc

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ZIP = b"PK\x03\x04" + b"\x00" * 64


def test_folders_are_walked_and_files_chosen_by_content(tmp_path: Path) -> None:
    (tmp_path / "sub" / ".hidden").mkdir(parents=True)
    (tmp_path / "b.txt").write_text("Punkt 1: Meddelelser\n")
    (tmp_path / "sub" / "referat").write_text("Punkt 1: Meddelelser\n")  # text without an extension
    (tmp_path / "sub" / "side.dat").write_bytes(b"<!DOCTYPE html><html><body>x</body></html>")
    (tmp_path / "sub" / "logo.dat").write_bytes(PNG)
    (tmp_path / "bilag.zip").write_bytes(ZIP)
    (tmp_path / "tom.pdf").write_bytes(b"")  # named as a document: ingested, so it is reported
    (tmp_path / "sub" / ".hidden" / "x.txt").write_text("hidden")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / "001.golden.json").write_text('{"document": {}}')
    (tmp_path / "kommune.toml").write_text("name = 'K'")

    expanded = pipeline.expand([tmp_path])
    names = [Path(i.source).relative_to(tmp_path.resolve()).as_posix() for i in expanded.inputs]
    assert names == ["b.txt", "tom.pdf", "sub/referat", "sub/side.dat"]
    skipped = {Path(p.source).name: p.error for p in expanded.skipped}
    assert skipped == {
        "bilag.zip": "a ZIP archive",
        "logo.dat": "an image",
        "001.golden.json": "a data or code file (.json), not a document",
        "kommune.toml": "a data or code file (.toml), not a document",
    }
    assert expanded.failed == []


def test_files_given_by_name_are_taken_as_they_are(tmp_path: Path) -> None:
    png = tmp_path / "logo.png"
    png.write_bytes(PNG)
    expanded = pipeline.expand([png, png, "https://example.dk/a.pdf", tmp_path / "missing.txt"])
    assert [i.source for i in expanded.inputs] == [str(png.resolve()), "https://example.dk/a.pdf"]
    assert expanded.inputs[1].url == "https://example.dk/a.pdf"
    assert [(p.source, p.error) for p in expanded.failed] == [(str(tmp_path / "missing.txt"), "no such file or folder")]


def test_read_original_hashes_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    original = pipeline.read_original(pipeline.Input(str(path), path=path))
    assert original.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert original.data == b"abc" and original.fetched_at is not None


def originals(tmp_path: Path, n: int) -> list[Original]:
    out = []
    for i in range(n):
        data = json.dumps(minutes(day=date(2020, 1, 1 + i)).to_dict()).encode()
        out.append(Original(f"doc{i}", data, f"{i:064x}"))
    return out


def test_workers_return_results_in_input_order(tmp_path: Path) -> None:
    batch = originals(tmp_path, 12)
    batch[5] = Original("broken", b"{oops", "f" * 64)
    batch[7] = Original("empty", b"", "e" * 64)
    with Extractor(jobs=3, parse=json_parse) as extractor:
        results = list(extractor.map(iter(batch)))
    assert [r.original.source for r in results] == [o.source for o in batch]
    assert results[5].error.startswith("the parser failed: JSONDecodeError")
    assert results[7].error == "the file is empty"
    ok = [r for r in results if r.document is not None]
    assert len(ok) == 10 and all(r.content_type == "text" for r in ok)
    assert [r.document.meeting.date.day for r in ok][:3] == [1, 2, 3]


def test_inline_and_parallel_extraction_agree(tmp_path: Path) -> None:
    data = minutes_text("Teknik- og Miljøudvalget", date(2021, 2, 3), items=4).encode()
    original = Original("t.txt", data, "a" * 64)
    with Extractor(jobs=1) as inline:
        one = next(inline.map([original]))
    with Extractor(jobs=2) as parallel:
        two = next(parallel.map([original]))
    assert one.document == two.document
    assert len(one.document.meeting.items) == 4


def test_write_doc_helper_round_trips(tmp_path: Path) -> None:
    doc = minutes()
    path = write_doc(tmp_path / "x.json", doc)
    assert json_parse(path.read_text()) == doc
