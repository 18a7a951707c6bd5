"""`referat parse` from the command line: readable output, the JSON contract, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from referat.cli import cli

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_parse_text_summary_names_items_and_outcomes():
    result = run("parse", str(SAMPLES / "002_2f4229434464bb75.txt"))
    assert result.exit_code == 0
    assert "Erhvervs- og Beskæftigelsesudvalget, 11. juni 2019 kl. 13:00" in result.output
    assert "Inveseringscase om øget beskæftigelse" in result.output
    assert "udsat" in result.output


def test_parse_json_is_the_contract_shape():
    result = run("parse", str(SAMPLES / "001_8dfb3587938946f3.txt"), "--format", "json")
    data = json.loads(result.output)
    assert data["document"]["kind"] == "minutes"
    assert len(data["meeting"]["items"]) == 11


def test_empty_file_is_a_clear_one_line_error(tmp_path):
    empty = tmp_path / "tom.txt"
    empty.write_bytes(b"")
    result = CliRunner().invoke(cli, ["parse", str(empty)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {empty}: the file is empty"


def test_binary_file_is_a_clear_one_line_error(tmp_path):
    binary = tmp_path / "billede.txt"
    binary.write_bytes(bytes(range(256)) * 100)
    result = CliRunner().invoke(cli, ["parse", str(binary)])
    assert result.exit_code == 1
    assert str(binary) in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["parse", str(tmp_path / "findes-ikke.txt")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_fifty_megabyte_text_gives_a_result_in_a_real_process(tmp_path):
    """A real process on a 50 MB file: a result (or a clear error), never a traceback."""
    text = (SAMPLES / "001_8dfb3587938946f3.txt").read_bytes()
    big = tmp_path / "stor.txt"
    with big.open("wb") as out:
        while out.tell() < 50 * 1024 * 1024:
            out.write(text)
    proc = subprocess.run(
        [sys.executable, "-m", "referat.cli", "parse", str(big)], capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert "[minutes]" in proc.stdout
