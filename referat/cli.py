"""The `referat` command line: thin wrappers around the library.

Every command is a few lines that call `referat.parsers`, `referat.ingest` or `referat.index`.
Library errors (`referat.errors`) become one-line messages here and nowhere else.
Exit codes: 0 success; 1 the command ran but some inputs failed; 2 bad usage or nothing to do.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import click

from referat import __version__
from referat.errors import ReferatError


def default_data_dir() -> Path:
    """The per-user data folder (XDG): $XDG_DATA_HOME/referat or ~/.local/share/referat."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "referat"


@dataclass
class Settings:
    """Global options, resolved once and handed to every command."""

    data: Path
    db: str | None
    engine: str | None
    debug: bool

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{self.data / 'referat.db'}"


def output_format(*choices: str, default: str = "text") -> Callable:
    """The shared `--format` option: one decorator, the same spelling on every command."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help="Output format.",
    )


def reports_errors(command: Callable) -> Callable:
    """Turn library errors into a one-line message and exit code 1 (a traceback only with --debug)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ReferatError as error:
            settings = click.get_current_context().find_object(Settings)
            if settings is not None and settings.debug:
                raise
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)

    return wrapper


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="referat")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="REFERAT_DATA",
    default=default_data_dir,
    show_default="$XDG_DATA_HOME/referat",
    help="Folder holding the SQLite store, the search index and raw/ originals.",
)
@click.option("--db", envvar="REFERAT_DB", default=None, help="SQLAlchemy URL of the store (default: SQLite in --data).")
@click.option(
    "--engine",
    envvar="REFERAT_ENGINE",
    type=click.Choice(["tantivy", "whoosh", "postgres"]),
    default=None,
    help="Full-text engine (default: tantivy, or postgres for a PostgreSQL store).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, data: Path, db: str | None, engine: str | None, debug: bool) -> None:
    """Turn Danish municipal committee minutes into a searchable, linked archive."""
    ctx.obj = Settings(data=Path(data), db=db, engine=engine, debug=debug)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@output_format("text", "json")
@reports_errors
def parse(file: Path, fmt: str) -> None:
    """Parse one file into meetings, items, sections and references, without touching the store.

    FILE is a text, Markdown, PDF or HTML file. `--format json` prints the contract's parse
    shape (see referat/contract/parse.schema.json).
    """
    from referat.ingest.load import load_text
    from referat.parsers import parse as parse_text
    from referat.render import document_summary

    data = file.read_bytes()
    text = load_text(data, source=str(file))
    document = parse_text(text, source=str(file), sha256=hashlib.sha256(data).hexdigest())
    if fmt == "json":
        print_json(document.to_dict())
    else:
        click.echo(document_summary(document))


def main() -> None:
    cli(prog_name="referat")


if __name__ == "__main__":  # pragma: no cover
    main()
