"""A 200 MB PDF in a batch: one clear line naming it, the rest still go in, the store unchanged for it."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from referat.cli import cli

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def write_huge_pdf(path: Path, megabytes: int) -> None:
    """A structurally plausible PDF whose one stream is `megabytes` of zeros (written in chunks)."""
    chunk = b"\0" * (1 << 20)
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n1 0 obj\n<< /Length " + str(megabytes << 20).encode() + b" >>\nstream\n")
        for _ in range(megabytes):
            out.write(chunk)
        out.write(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def test_a_200_mb_pdf_fails_alone_with_a_clear_message(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(SAMPLES / "002_2f4229434464bb75.txt", batch / "referat.txt")
    write_huge_pdf(batch / "kæmpe.pdf", 201)
    result = CliRunner().invoke(cli, ["--data", str(tmp_path / "data"), "ingest", str(batch), "--format", "json"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "kæmpe.pdf" in line]
    assert len(errors) == 1 and "larger than" in errors[0] and "Traceback" not in result.stderr
    stats = CliRunner().invoke(cli, ["--data", str(tmp_path / "data"), "stats", "--format", "json"])
    assert '"documents": 1' in stats.output and not list((tmp_path / "data" / "raw").rglob("*" + "kæmpe"))
