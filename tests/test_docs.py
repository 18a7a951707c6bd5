"""The docs cannot rot: every command has --help, and the README documents every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from referat.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
CHANGELOG = (Path(__file__).resolve().parent.parent / "CHANGELOG.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) > 3
    assert f"referat {name}" in README, f"README.md does not document `referat {name}`"


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:1500]
    assert "make demo" in head and "make test" in head


def test_every_global_option_is_documented() -> None:
    for option in ("--data", "--db", "--read-db", "--engine", "--debug", "REFERAT_DATA", "REFERAT_DB", "REFERAT_READ_DB",
                   "REFERAT_ENGINE"):  # fmt: skip
        assert option in README


def test_changelog_has_an_entry_per_issue() -> None:
    for issue in ("Issue 3", "Issue 4", "Issue 5", "Issue 6", "Issue 7"):
        assert issue in CHANGELOG
