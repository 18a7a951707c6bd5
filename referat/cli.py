"""The `referat` command line: thin wrappers around the library.

Every command parses its options, makes one call to the application (`referat.archive.Archive`,
or `referat.parsers` / `referat.ingest` for `referat parse`) and prints the answer with
`referat.render`. Settings come from `referat.settings`. Library errors (`referat.errors`) become
one-line messages here and nowhere else.
Exit codes: 0 success; 1 the command ran but some inputs failed; 2 bad usage or nothing to do.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable

import click

from referat import __version__
from referat.errors import ReferatError, one_line, printable
from referat.model import KIND_FILTERS, OUTCOME_FILTERS
from referat.settings import BUDGET_YEARS, MAX_LIMIT, MAX_OFFSET, SEARCH_ENGINES, Settings, default_data_dir, resolve_read_urls


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
    """Turn errors into a one-line message and exit code 1 (a traceback only with --debug)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        settings = click.get_current_context().find_object(Settings)
        debug = settings is not None and settings.debug
        try:
            return command(*args, **kwargs)
        except ReferatError as error:
            if debug:
                raise
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # usage errors: click prints them with exit code 2
        except KeyboardInterrupt:
            if debug:
                raise
            click.echo("Interrupted; every document stored so far is complete.", err=True)
            sys.exit(130)
        except Exception as error:  # noqa: BLE001 - the promise is: no traceback without --debug
            if debug:
                raise
            click.echo(f"Error: {type(error).__name__}: {error} (run with --debug for the details)", err=True)
            sys.exit(1)

    return wrapper


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


class OneLineUsageError(click.UsageError):
    """Bad usage shown as one line (`Error: …`, exit code 2), without click's usage block."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


class BoundedInt(click.IntRange):
    """A whole number within bounds, refused in one line: a window or year past them never
    reaches the archive (an offset of 2^31 once aborted tantivy; 2^64 gave an OverflowError)."""

    def fail(self, message: str, param: click.Parameter | None = None, ctx: click.Context | None = None) -> Any:
        name = param.get_error_hint(ctx) if param is not None and ctx is not None else "value"
        raise OneLineUsageError(f"Invalid value for {name}: {message}", ctx)


def _error_line(error: BaseException) -> str:
    """An error as the one line a script reads in `{"error": …}`."""
    if isinstance(error, ReferatError):
        text = str(error)
    elif isinstance(error, click.ClickException):
        text = error.format_message()
    elif isinstance(error, KeyboardInterrupt):
        text = "interrupted"
    else:
        text = f"{type(error).__name__}: {error}"
    return " ".join(text.split())


def json_errors(command: Callable) -> Callable:
    """With `--format json`, a read command that cannot answer (busy or broken archive, bad
    subject, interruption) still prints a JSON object, `{"error": "…"}`, on stdout; the one-line
    message on stderr and the exit code follow as usual."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (SystemExit, click.exceptions.Exit):
            raise
        except BaseException as error:
            if kwargs.get("fmt") == "json":
                print_json({"error": _error_line(error)})
            raise

    return wrapper


def print_report_json(data: Any) -> None:
    """A write command's report as JSON that is valid UTF-8 whatever it holds: a lone surrogate
    (a file name that is not UTF-8) becomes its JSON escape instead of invalid bytes."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    click.echo(text.encode("utf-8", "backslashreplace").decode("utf-8"))


# The shapes of the write commands' JSON reports when the run could not complete (counts unknown).
INGEST_UNFINISHED = {"ingested": None, "unchanged": None, "replaced": None, "failed": [], "skipped": [],
                     "meetings": None, "items": None}
REPARSE_UNFINISHED = {"reparsed": None, "failed": [], "meetings": None, "items": None}


def reports_run_errors(unfinished: dict[str, Any]) -> Callable:
    """For the write commands (ingest, fetch, reparse): every error in one line on stderr, and with
    `--format json` a JSON report on stdout even when the run could not complete (a busy archive,
    a database gone, Ctrl-C): the `unfinished` shape with `error` saying why, so a script that
    reads stdout always gets JSON."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            settings = click.get_current_context().find_object(Settings)
            debug = settings is not None and settings.debug
            try:
                return command(*args, **kwargs)
            except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
                raise  # usage errors: click prints them with exit code 2
            except KeyboardInterrupt:
                if debug:
                    raise
                message, code, line = "interrupted", 130, "Interrupted; every document stored so far is complete."
            except Exception as error:  # noqa: BLE001 - the promise is: no traceback without --debug
                if debug:
                    raise
                message, code = one_line(error), 1
                hint = "" if isinstance(error, ReferatError) or message.startswith("the database") else " (run with --debug for the details)"
                line = f"Error: {message}{hint}"
            if kwargs.get("fmt") == "json":
                print_report_json({**unfinished, "error": message})
            click.echo(line, err=True)
            sys.exit(code)

        return wrapper

    return decorate


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
    "--read-db",
    "read_db",
    multiple=True,
    metavar="URL",
    help="A streaming replica of --db to read from (repeatable; default: $REFERAT_READ_DB, several URLs "
    "separated by whitespace or commas). Searches and pages read a replica; writes go to --db.",
)
@click.option(
    "--engine",
    envvar="REFERAT_ENGINE",
    type=click.Choice(SEARCH_ENGINES),
    default=None,
    help="Full-text engine (default: tantivy, or postgres for a PostgreSQL store).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, data: Path, db: str | None, read_db: tuple[str, ...], engine: str | None, debug: bool) -> None:
    """Turn Danish municipal committee minutes into a searchable, linked archive."""
    ctx.obj = Settings(data=Path(data), db=db, engine=engine, debug=debug, read_urls=resolve_read_urls(read_db))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ocr", is_flag=True, help="Run OCR (Tesseract) on PDF pages without a text layer.")
@click.option(
    "--source",
    metavar="URL",
    default=None,
    help="The address the file was saved from: a page of one item may give its number or date only there "
    "(…/punkt-10, …/oekonomiudvalget-07-12-2021).",
)
@output_format("text", "json")
@reports_errors
def parse(file: Path, ocr: bool, source: str | None, fmt: str) -> None:
    """Parse one file into meetings, items, sections and references, without touching the store.

    FILE is a text, Markdown, PDF or HTML file (recognised by its content). `--format json`
    prints the contract's parse shape (see referat/contract/parse.schema.json); what the
    extractor or the parser could not make sense of is listed under document.warnings.
    """
    from referat.ingest import extract
    from referat.parsers import parse as parse_text
    from referat.render import document_summary

    data = file.read_bytes()
    extracted = extract(data, source=str(file), ocr=ocr)
    document = parse_text(extracted.text, source=source or str(file), sha256=hashlib.sha256(data).hexdigest())
    document.warnings[:0] = extracted.warnings
    if fmt == "json":
        print_json(document.to_dict())
    else:
        click.echo(document_summary(document))


def open_archive(settings: Settings, wait: float = 10.0, check_parser: bool = True) -> Any:
    from referat.archive import Archive

    archive = Archive(
        settings.data,
        settings.db,
        lock_timeout=wait,
        search_engine=settings.engine,
        notice=lambda message: click.echo(message, err=True),
        read_urls=settings.read_urls,
    )
    if check_parser and (outdated := archive.outdated_documents()):
        click.echo(
            f"Note: {outdated} stored document{'s were' if outdated != 1 else ' was'} read by an older parser; "
            "run `referat reparse` to read them with this one.",
            err=True,
        )
    return archive


jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Extract and parse in this many worker processes.",
)
ocr_option = click.option("--ocr", is_flag=True, help="Run OCR (Tesseract) on PDF pages without a text layer.")
wait_option = click.option(
    "--wait",
    type=click.FloatRange(0),
    default=10.0,
    show_default=True,
    help="Seconds to wait while another referat process is writing to the archive.",
)


class ProgressBar:
    """Progress on stderr, only when stderr is a terminal (logs and pipes stay clean).

    A bar when the number of inputs is known (ingest, reparse); a running count when it is not
    (a crawl finds its documents as it goes).
    """

    def __init__(self, label: str):
        self.label = label
        self.bar: Any = None
        self.counted = 0
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int, source: str) -> None:
        if not self.enabled:
            return
        if not total:
            self.counted = done
            click.echo(f"\r{self.label}: {done} done", nl=False, err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(1)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc_info)
        elif self.counted:
            click.echo(err=True)


def _failures_then_json(report: Any, fmt: str) -> bool:
    """Each failed input as one line on stderr (names escaped: a newline in a file name must not
    forge a second line); the report as JSON if asked. True if it printed JSON."""
    for problem in report.failed:
        click.echo(f"{printable(problem.source)}: {printable(problem.error)}", err=True)
    if fmt == "json":
        print_report_json(report.to_dict())
        return True
    return False


def report_ingest(report: Any, fmt: str, what: str) -> None:
    """Print an ingest or fetch report; failures one line each on stderr; exit 1 if any failed."""
    if not _failures_then_json(report, fmt):
        click.echo(
            f"{report.ingested} ingested ({report.meetings} meetings, {report.items} items), "
            f"{report.unchanged} unchanged, {len(report.failed)} failed"
            + (f", {report.replaced} replaced an earlier version" if report.replaced else "")
            + "."
        )
        if report.skipped:
            click.echo(f"{len(report.skipped)} {what} skipped:", err=True)
            for problem in report.skipped[:10]:
                click.echo(f"  {printable(problem.source)}: {printable(problem.error)}", err=True)
            if len(report.skipped) > 10:
                click.echo(f"  ... and {len(report.skipped) - 10} more (--format json lists them all)", err=True)
    if report.failed:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@jobs_option
@ocr_option
@wait_option
@click.option("--follow-symlinks", is_flag=True,
              help="Follow symbolic links in folders that lead outside them (skipped with a note otherwise).")
@output_format("text", "json")
@click.pass_obj
@reports_run_errors(INGEST_UNFINISHED)
def ingest(settings: Settings, paths: tuple[str, ...], jobs: int, ocr: bool, wait: float, follow_symlinks: bool,
           fmt: str) -> None:
    """Add documents to the archive: files, folders (recursively) or http(s) URLs.

    Files in folders are chosen by their content (PDF, HTML, text); images, archives and other
    non-documents are skipped with a note, and so are symbolic links leading out of the folder
    (unless --follow-symlinks). Ingesting the same bytes again changes nothing; a
    changed file (same path or URL) replaces its earlier version. Each document is stored
    completely or not at all, and one bad file never stops the rest: it is named on stderr and
    the exit code is 1. Exit code 2 means there was nothing to ingest.

    \b
    Examples:
      referat ingest minutes/ --jobs 4
      referat ingest https://example.dk/referat.pdf --format json
    """
    with open_archive(settings, wait) as archive, ProgressBar("Ingesting") as progress:
        report = archive.ingest(paths, jobs=jobs, ocr=ocr, progress=progress, follow_symlinks=follow_symlinks)
    if report.nothing_to_do:
        click.echo("Nothing to ingest: no documents found in " + ", ".join(map(printable, paths)) + ".", err=True)
        if fmt == "json":
            print_report_json(report.to_dict())
        sys.exit(2)
    report_ingest(report, fmt, "files")


@cli.command()
@jobs_option
@ocr_option
@wait_option
@output_format("text", "json")
@click.pass_obj
@reports_run_errors(REPARSE_UNFINISHED)
def reparse(settings: Settings, jobs: int, ocr: bool, wait: float, fmt: str) -> None:
    """Parse every stored original again (from raw/) with the current parser.

    Use it after upgrading referat: nothing is fetched again. Each document is replaced
    atomically; one that fails keeps its earlier parse and is named on stderr (exit code 1).
    """
    with open_archive(settings, wait, check_parser=False) as archive, ProgressBar("Reparsing") as progress:
        report = archive.reparse(jobs=jobs, ocr=ocr, progress=progress)
    if not _failures_then_json(report, fmt):
        click.echo(
            f"{report.reparsed} reparsed ({report.meetings} meetings, {report.items} items), "
            f"{len(report.failed)} failed."
        )
    if report.failed:
        sys.exit(1)
    if not report.reparsed:
        click.echo("Nothing to reparse: the archive is empty.", err=True)
        sys.exit(2)


@cli.command()
@output_format("text", "json")
@click.pass_obj
@reports_errors
@json_errors
def stats(settings: Settings, fmt: str) -> None:
    """What the archive holds: documents by kind, meetings, items, committees, dates, warnings."""
    with open_archive(settings) as archive:
        data = archive.stats()
    if fmt == "json":
        print_json(data)
        return
    kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in data["documents_by_kind"].items() if n)
    dates = data["date_range"]
    lines = [
        f"Documents:  {data['documents']}" + (f" ({kinds})" if kinds else ""),
        f"Meetings:   {data['meetings']}" + (f", {dates['from']} to {dates['to']}" if dates["from"] else ""),
        f"Items:      {data['items']} ({data['items_without_decision']} in minutes without a decision)",
        f"Budget:     {data['budget_agreements']} agreements, {data['budget_points']} points",
        f"Warnings:   {data['warnings']}",
        f"Not read as minutes: {data['plain_documents']} plain documents"
        + (f", {data['looks_like_minutes']} of them look like minutes (see their warnings)" if data["looks_like_minutes"] else ""),
    ]
    if data["outdated_documents"]:
        lines.append(f"Outdated:   {data['outdated_documents']} documents read by an older parser (run `referat reparse`)")
    lines.append(f"Committees: {len(data['committees'])}")
    lines += [f"  {n:4d}  {name}" for name, n in data["committees"].items()]
    lines.append(f"Database:   {data['database']}")
    click.echo("\n".join(lines))


@cli.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="SOURCE.toml")
@jobs_option
@ocr_option
@wait_option
@output_format("text", "json")
@click.pass_obj
@reports_run_errors(INGEST_UNFINISHED)
def fetch(settings: Settings, source: Path, jobs: int, ocr: bool, wait: float, fmt: str) -> None:
    """Crawl a municipality's site as described by SOURCE.toml and ingest what it publishes.

    The crawl is polite (robots.txt, one request at a time per host, a delay between requests)
    and incremental: pages and documents the server reports unchanged are not downloaded again.
    Output and exit codes are those of `referat ingest`. Every run is recorded, also one that
    fails: `referat sources` shows how each source is doing.

    \b
    A minimal SOURCE.toml:
      name = "Ballerup Kommune"
      start_urls = ["https://ballerup.dk/dagsorden-og-referat"]
      meeting_links = ['^https://ballerup\\.dk/dagsorden/[^/?#]+$']
      document_links = ['(?i)\\.pdf$']
    """
    with open_archive(settings, wait) as archive, ProgressBar("Fetching") as progress:
        report = archive.fetch(source, jobs=jobs, ocr=ocr, progress=progress)
    report_ingest(report, fmt, "URLs")


def _marks_to_terminal(snippet: str) -> str:
    """A snippet's <mark> as bold on a terminal; entities back to characters (it is not HTML here)."""
    import html

    parts = re.split(r"</?mark>", snippet)
    return "".join(click.style(html.unescape(p), bold=True) if i % 2 else html.unescape(p) for i, p in enumerate(parts))


def render_hit(hit: dict) -> str:
    from referat.render import hit_meta

    return f"{click.style(hit['title'], bold=True)}\n  {hit_meta(hit)}\n  {_marks_to_terminal(hit['snippet'])}\n  id: {hit['id']}"


def item_filters(command: Callable) -> Callable:
    """The filters `search` and `export` share: --committee, --from, --to, --outcome, --case."""
    for option in reversed((
        click.option("--committee", help="Only this committee (any spelling: folded to its canonical name)."),
        click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Meetings on or after this date (YYYY-MM-DD)."),
        click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Meetings on or before this date (YYYY-MM-DD)."),
        click.option("--outcome", type=click.Choice(OUTCOME_FILTERS), help="Only items with this decision outcome ('none': no decision)."),
        click.option("--case", "case", metavar="PREFIX", help="Only items under this case number or KLE prefix (e.g. 15.00.00-P05)."),
    )):  # fmt: skip
        command = option(command)
    return command


def _filter_usage(error: Any) -> click.UsageError:
    """A `FilterError` as the options the command line spells."""
    return click.UsageError(error.problem.replace("(committee, from, to", "(--committee, --from, --to"))


@cli.command()
@click.argument("query", nargs=-1)
@item_filters
@click.option("--dissent", metavar="PARTY", help="Only items where this party (Ø, V, … or its name) voted against, abstained, "
              "took a reservation or sent the case to the council.")
@click.option("--kind", type=click.Choice(KIND_FILTERS), default="item", show_default=True, help="What to search.")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@click.option("--limit", type=BoundedInt(1, MAX_LIMIT), default=10, show_default=True, help=f"Hits to show (at most {MAX_LIMIT}).")
@click.option("--offset", type=BoundedInt(0, MAX_OFFSET), default=0, show_default=True, help=f"Hits to skip (at most {MAX_OFFSET:,}).")
@output_format("text", "json")
@click.pass_obj
@reports_errors
@json_errors
def search(settings: Settings, query: tuple[str, ...], committee, date_from, date_to, outcome, case, dissent, kind, sort, limit, offset, fmt) -> None:
    """Search the archive in Danish: inflections, aa/å, hyphens and typos are understood.

    \b
    Query language:
      flere indvandrere i job        all words must match
      "ikke-vestlig baggrund"        an exact phrase
      fleksjob -autisme              leave out items with a word
      FGU OR frivillighedspolitik    either word
      budget*                        a prefix
      title:autisme decision:udsat   one field only
      15.00.00-P05-4-20              a case number (or a KLE prefix such as 15.00.00-P05)
    """
    from referat.archive import FilterError, search_index_only, search_request

    text = " ".join(query)
    try:
        request = search_request(text, committee=committee, date_from=date_from, date_to=date_to, outcome=outcome,
                                 case=case, kind=kind, sort=sort, limit=limit, offset=offset, require_subject=True,
                                 dissent=dissent)  # fmt: skip
    except FilterError as error:
        raise _filter_usage(error) from None
    result = search_index_only(settings, request)
    if result is None:  # no usable index yet, or a PostgreSQL store: the archive builds what is missing
        with open_archive(settings) as archive:
            result = archive.search(request)
    if fmt == "json":
        print_json(result)
        return
    shown = f"{offset + 1}-{offset + len(result['hits'])} of " if result["hits"] else ""
    click.echo(f"{shown}{result['total']} hits for {text!r}" + (f" (did you mean {result['did_you_mean']!r}?)" if result["did_you_mean"] else ""))
    if result.get("left_out"):
        click.echo("No item has every word; showing items without: " + ", ".join(repr(w) for w in result["left_out"]))
    for hit in result["hits"]:
        click.echo("\n" + render_hit(hit))


@cli.command()
@wait_option
@click.pass_obj
@reports_errors
def reindex(settings: Settings, wait: float) -> None:
    """Rebuild the search index from the store (the store is the truth; the index is derived).

    The new index is built beside the old one and swapped in at the end, so searches keep
    working meanwhile. Choose the engine with the global --engine option.
    """
    import time as _time

    with open_archive(settings, wait) as archive:
        start = _time.perf_counter()
        count = archive.reindex()
        click.echo(f"Indexed {count} records with {archive.search_engine_name} in {_time.perf_counter() - start:.1f} s.")


def _not_found(message: str, fmt: str = "text") -> None:
    if fmt == "json":
        print_json({"error": message})
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@cli.command()
@click.argument("number", metavar="NUMBER-OR-PREFIX")
@output_format("text", "json")
@click.pass_obj
@reports_errors
@json_errors
def case(settings: Settings, number: str, fmt: str) -> None:
    """Every agenda item filed under a case number, oldest first, with its decision.

    A full number (15.00.00-P05-4-20) matches exactly; a prefix (15.00, 15.00.00,
    15.00.00-P05) matches every case under it. The number is decomposed into KLE topic, facet,
    serial and year.
    """
    if not number.strip():
        raise OneLineUsageError("give a case number or a KLE prefix, e.g. 15.00.00-P05")
    with open_archive(settings) as archive:
        result = archive.case(number)
    if fmt == "json":
        print_json(result)
        return
    kle = result["kle"]
    if kle:
        click.echo(f"KLE {kle['topic']}" + "".join(f", {k} {v}" for k, v in kle.items() if k != "topic" and v is not None))
    click.echo(f"{len(result['items'])} items under {number!r}")
    for hit in result["items"]:
        click.echo("\n" + render_hit(hit))


@cli.command()
@click.argument("subject", metavar="NUMBER-OR-ITEM")
@output_format("text", "json", "md", "html", default="text")
@click.pass_obj
@reports_errors
@json_errors
def history(settings: Settings, subject: str, fmt: str) -> None:
    """The life of a case across meetings and bodies (sagsforløb).

    SUBJECT is a case number or an item id (as `referat search` prints it). Steps are items with
    the same case number, the earlier treatments they cite, and later items that cite them; each
    says `via` what linked it. `--format md` or `html` gives the history in Danish, ready to
    paste into a new case; earlier treatments whose meeting is not in the archive are listed.
    """
    from referat.render import history_html, history_markdown

    if not subject.strip():
        raise OneLineUsageError("give a case number or an item id (as `referat search` prints it)")
    with open_archive(settings) as archive:
        result = archive.history(subject)
    if result is None:
        _not_found(f"no item or case number {subject!r} in the archive; try `referat case` with a prefix or `referat search`", fmt)
    if fmt == "json":
        print_json(result)
    elif fmt == "html":
        click.echo(history_html(result), nl=False)
    elif fmt == "md":
        click.echo(history_markdown(result), nl=False)
    else:
        click.echo(history_markdown(result).replace("**", ""), nl=False)


@cli.command()
@click.argument("year", type=BoundedInt(BUDGET_YEARS.start, BUDGET_YEARS.stop - 1))
@click.argument("point", required=False)
@output_format("text", "json", "md", "html", default="text")
@click.pass_obj
@reports_errors
@json_errors
def budget(settings: Settings, year: int, point: str | None, fmt: str) -> None:
    """Follow the municipal budget agreement ("Aftale om budget YEAR") into the decisions.

    Without POINT: the agreement's points, each with how many items cite it and relate to it,
    and the items citing the agreement as a whole (`year_only_items`; `year_only` counts them).
    With POINT (e.g. 5.3): the point's text and status, the items that cite it (`explicit`,
    with the quote), items about its subject that do not cite it (`suggested`, with a score and
    the words that matched), and items citing the year's agreement as a whole (`year_only`).
    """
    from referat.render import budget_html, budget_markdown, budget_overview_html, budget_overview_markdown, budget_overview_text

    with open_archive(settings) as archive:
        result = archive.budget(year, point)
    if result is None or (point is None and not result["points"] and not result["year_only"]):
        what = f"point {point} of " if point else ""
        _not_found(f"nothing about {what}Aftale om budget {year} in the archive; ingest the agreement or minutes citing it", fmt)
    if fmt == "json":
        print_json(result)
    elif point is None:
        overview = {"text": budget_overview_text, "md": budget_overview_markdown, "html": budget_overview_html}[fmt]
        click.echo(overview(result), nl=fmt == "text")
    elif fmt == "html":
        click.echo(budget_html(result), nl=False)
    else:
        click.echo(budget_markdown(result), nl=False)


@cli.command("loose-ends")
@click.option("--year", type=BoundedInt(BUDGET_YEARS.start, BUDGET_YEARS.stop - 1), help="Only this year (meetings, cited meetings, the agreement).")
@click.option("--committee", help="Only items of this committee (any spelling).")
@click.option("--months", type=BoundedInt(0, 1200), default=3, show_default=True,
              help="A postponed or returned item is a loose end when nothing took it up again within this many months.")
@output_format("text", "json")
@click.pass_obj
@reports_errors
@json_errors
def loose_ends(settings: Settings, year: int | None, committee: str | None, months: int, fmt: str) -> None:
    """What has not been followed up: budget points no item cites or deals with, items postponed
    or sent back that did not come back within --months, and earlier treatments naming meetings
    the archive lacks (what to fetch next)."""
    from referat.render import loose_ends_text

    with open_archive(settings) as archive:
        result = archive.loose_ends(year=year, committee=committee, months=months)
    if fmt == "json":
        print_json(result)
    else:
        click.echo(loose_ends_text(result))


@cli.command()
@click.argument("name", required=False, metavar="[PARTY]")
@click.option("--limit", type=BoundedInt(1, MAX_LIMIT), default=50, show_default=True, help="Items to show.")
@output_format("text", "json")
@click.pass_obj
@reports_errors
@json_errors
def party(settings: Settings, name: str | None, limit: int, fmt: str) -> None:
    """Where a party disagreed, and who of it came to the meetings.

    PARTY is a list letter (Ø, V, …) or a party name (Enhedslisten). Shows the items whose decision
    records the party voting against, abstaining, taking a reservation or asking for the case to go
    to the council, newest first, with the sentence that says so, and each member's attendance
    (present, absent, not recorded) from the minutes' attendance lists. Without PARTY: every party
    the archive knows, with its counts.
    """
    from referat.render import party_name, position_label

    with open_archive(settings) as archive:
        result = archive.party(name, limit=limit) if name else {"parties": archive.parties()}
    if result is None:
        _not_found(f"no party {name!r} in the archive's attendance lists or decisions; `referat party` lists them", fmt)
    if fmt == "json":
        print_json(result)
        return
    if not name:
        for p in result["parties"]:
            click.echo(f"{party_name(p['party'])}: {p['dissent_items']} items with dissent, {p['members']} members in attendance lists")
        return
    click.echo(click.style(party_name(result["party"]), bold=True))
    click.echo(f"{result['dissent_total']} items where the party dissented" + (f" (showing {len(result['dissent'])})" if result["dissent_total"] > len(result["dissent"]) else ""))
    for hit in result["dissent"]:
        click.echo("\n" + render_hit({**hit, "kind": "item", "snippet": ""}).rstrip())
        for x in hit["positions"]:
            click.echo(f"  {position_label(x['kind'])}: {x['quote']}")
    if result["attendance"]:
        click.echo("\nAttendance (meetings present / absent / not recorded):")
        for m in result["attendance"]:
            click.echo(f"  {m['name']}: {m['present']} / {m['absent']} / {m['unknown']}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True,
              help="CSV with a header row, or JSON Lines (one object a line).")
@item_filters
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path), metavar="FILE",
              help="Write to FILE (whole or not at all) instead of standard output.")
@click.pass_obj
@reports_errors
def export(settings: Settings, fmt: str, committee, date_from, date_to, outcome, case, output: Path | None) -> None:
    """Every agenda item the filters select, oldest first, as CSV or JSON Lines (UTF-8).

    Each item: id, committee, meeting_date, item_number, title, case_number, outcome, decision,
    budget_refs ("2019:5.3; 2020" in CSV, a list of {year, point} in JSON), dissent (who voted
    against, abstained or took a reservation: "kind:party:person" entries in CSV, a list in
    JSON), votes_for, votes_against, votes_abstain, source and sha256 of the original. The
    filters are those of `referat search`. The store is read in batches, so memory stays flat
    however many items there are; with --output the file appears only when the export is complete.

    \b
    Examples:
      referat export --committee Økonomiudvalget --from 2024-01-01 > items.csv
      referat export --format jsonl --case 15.00.00-P05 --output cases.jsonl
    """
    import io
    import os

    from referat.archive import FilterError, atomic_file
    from referat.render import write_export

    with open_archive(settings) as archive:
        try:
            rows = archive.export_items(committee=committee, date_from=date_from, date_to=date_to, outcome=outcome, case=case)
        except FilterError as error:
            raise _filter_usage(error) from None
        if output is not None:
            try:
                with atomic_file(output, "w", private=False, encoding="utf-8", newline="") as stream:
                    count = write_export(rows, stream, fmt)
            except OSError as error:  # a folder that is not there or not ours, a full disk
                raise click.FileError(printable(str(output)), error.strerror or str(error)) from None
            click.echo(f"Exported {count} item{'s' if count != 1 else ''} to {printable(str(output))}.", err=True)
            return
        # UTF-8 whatever the terminal's locale says, line endings as written.
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            write_export(rows, stream, fmt)
            stream.flush()
        except BrokenPipeError:  # the reader stopped reading (`| head`): what it wanted, it has
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # and no second error at exit
        finally:
            stream.detach()


@cli.command()
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Judge staleness as of this date (YYYY-MM-DD) instead of today.")
@output_format("text", "json")
@click.pass_obj
@reports_errors
@json_errors
def sources(settings: Settings, today, fmt: str) -> None:
    """Every source `referat fetch` has fetched: its last fetch, newest meeting and documents.

    A source is FLAGGED when its last fetch failed (every start URL failed, the store failed, the
    run was interrupted) or when it is stale: no new meeting for more than twice its usual
    interval, the median gap between consecutive meetings of each of its committees (45 days
    with fewer than 3 meetings or no committee that met twice). JSON: {"today", "sources": [{"name", "last_fetch": {"started_at",
    "finished_at", "ok", "error", "documents", "failed"}, "newest_meeting", "days_since_newest",
    "documents", "usual_interval_days", "stale", "failed", "flag"}]}.
    """
    from referat.render import sources_text

    with open_archive(settings) as archive:
        result = archive.sources(today.date() if today else None)
    if fmt == "json":
        print_json(result)
    else:
        click.echo(sources_text(result))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.pass_obj
@reports_errors
def serve(settings: Settings, host: str, port: int) -> None:
    """Serve the archive as a read-only web site: search, items, cases, budget points, meetings.

    Danish labels; a JSON API under /api/ mirrors the command-line contract (see /api), and
    Atom feeds follow a search, a case, a committee or a budget point (…/feed).
    Binds to 127.0.0.1 unless told otherwise.
    """
    from referat.web.server import run

    run(settings, host=host, port=port)


# -- watches ----------------------------------------------------------------------------------------

WATCH_RUN_UNFINISHED = {"watches": [], "total_new": None, "mailed": False}


def _usage(error: Any) -> OneLineUsageError:
    """A `FilterError` from a watch's options as a one-line usage error naming the option."""
    return OneLineUsageError(error.problem if error.source == "q" else f"--{error.source}: {error.problem}")


@cli.group()
def watch() -> None:
    """Standing questions: be told about new items on a search, a case, a budget point or a committee.

    A watch sees the items stored after it was made. `referat watch run` prints (or mails, as
    one digest) what is new to every watch since its last run and remembers what it delivered,
    so a new version of a document is not delivered again. Safe to run from cron.

    \b
    Examples:
      referat watch add "ledige" --committee "Erhvervs- og Beskæftigelsesudvalget"
      referat watch add --case 15.00.00-P05
      referat watch add --budget 2019 5.3
      referat watch add --committee Økonomiudvalget
      referat watch run --mail-to jens@example.dk --smtp-host mail.example.dk --smtp-starttls
    """


@watch.command("add")
@click.argument("query", nargs=-1)
@click.option("--committee", help="With QUERY: only this committee. Alone: every item of this committee.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="With QUERY: meetings on or after this date.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="With QUERY: meetings on or before this date.")
@click.option("--outcome", type=click.Choice(OUTCOME_FILTERS), help="With QUERY: only items with this decision outcome.")
@click.option("--case", "case", metavar="NUMBER-OR-PREFIX", help="With QUERY: only under this case prefix. Alone: every item filed under it.")
@click.option("--kind", type=click.Choice(KIND_FILTERS), default=None, help="With QUERY: `item` (a watch follows agenda items).")
@click.option("--budget", nargs=2, type=(BoundedInt(BUDGET_YEARS.start, BUDGET_YEARS.stop - 1), str), default=None,
              metavar="YEAR POINT", help="The items that cite a budget agreement's point or deal with it (e.g. 2019 5.3).")
@click.option("--label", help="What to call the watch in lists and mails (default: its subject).")
@wait_option
@output_format("text", "json")
@click.pass_obj
@reports_errors
@json_errors
def watch_add(settings: Settings, query: tuple[str, ...], committee, date_from, date_to, outcome, case, kind, budget,
              label: str | None, wait: float, fmt: str) -> None:  # fmt: skip
    """Watch one subject: a QUERY with any filters, or one of --case, --budget YEAR POINT, --committee.

    Items stored from now on are what the watch reports; the archive as it stands is not news.
    """
    from referat.archive import FilterError

    with open_archive(settings, wait, check_parser=False) as archive:
        try:
            added = archive.add_watch(" ".join(query), committee=committee, date_from=date_from, date_to=date_to,
                                      outcome=outcome, case=case, kind=kind, budget=budget, label=label)  # fmt: skip
        except FilterError as error:
            raise _usage(error) from None
    if fmt == "json":
        print_json(added)
    else:
        click.echo(f"Added watch {added['id']} ({added['kind']}): {added['label']}")


@watch.command("list")
@output_format("text", "json")
@click.pass_obj
@reports_errors
@json_errors
def watch_list(settings: Settings, fmt: str) -> None:
    """Every watch: its id, kind, label, when it was made and last run, how many items it delivered."""
    from referat.render import watch_list_text

    with open_archive(settings, check_parser=False) as archive:
        watches = archive.watches()
    if fmt == "json":
        print_json({"watches": watches})
    else:
        click.echo(watch_list_text(watches))


@watch.command("remove")
@click.argument("watch_id", metavar="ID", type=BoundedInt(1, MAX_OFFSET))
@wait_option
@click.pass_obj
@reports_errors
def watch_remove(settings: Settings, watch_id: int, wait: float) -> None:
    """Remove a watch (ID as `referat watch list` shows it) and its record of what it delivered."""
    with open_archive(settings, wait, check_parser=False) as archive:
        removed = archive.remove_watch(watch_id)
    if removed is None:
        _not_found(f"no watch with id {watch_id}; `referat watch list` shows them")
    click.echo(f"Removed watch {watch_id} ({removed['kind']}): {removed['label']}")


@watch.command("run")
@click.option("--dry-run", is_flag=True, help="Show what is new; mail nothing and remember nothing.")
@click.option("--mail-to", multiple=True, metavar="ADDR",
              help="Mail the digest here instead of printing it; repeat for more (env REFERAT_MAIL_TO, comma-separated).")
@click.option("--smtp-host", metavar="HOST", help="SMTP server (env REFERAT_SMTP_HOST; default localhost).")
@click.option("--smtp-port", type=click.IntRange(1, 65535), help="(env REFERAT_SMTP_PORT; default 25, 587 with --smtp-starttls, 465 with --smtp-ssl)")
@click.option("--smtp-user", metavar="USER", help="Log in as this user (env REFERAT_SMTP_USER).")
@click.option("--smtp-password-env", metavar="VAR", default="REFERAT_SMTP_PASSWORD", show_default=True,
              help="The environment variable holding the SMTP password (never an option: it would show in the process list).")
@click.option("--smtp-from", metavar="ADDR", help="The sender (env REFERAT_SMTP_FROM; default referat@<this host>).")
@click.option("--smtp-starttls", is_flag=True, help="Encrypt the connection with STARTTLS.")
@click.option("--smtp-ssl", is_flag=True, help="Connect with TLS from the start (SMTPS).")
@wait_option
@output_format("text", "json")
@click.pass_obj
@reports_run_errors(WATCH_RUN_UNFINISHED)
def watch_run(settings: Settings, dry_run: bool, mail_to: tuple[str, ...], smtp_host, smtp_port, smtp_user, smtp_password_env,
              smtp_from, smtp_starttls: bool, smtp_ssl: bool, wait: float, fmt: str) -> None:  # fmt: skip
    """Deliver what is new to every watch since its last run, and remember it.

    Prints the items (a digest in Danish, or JSON), or with --mail-to mails them as one digest
    with a text and an HTML part (nothing is mailed when nothing is new). Only a printed or
    accepted digest is recorded: after a failed mail (exit code 1) the next run delivers the
    same items. A second run at the same time waits --wait seconds, then fails with one line.
    """
    from referat.render import watch_digest_text
    from referat.settings import MailSettings

    if smtp_starttls and smtp_ssl:
        raise OneLineUsageError("choose one of --smtp-starttls and --smtp-ssl")
    security = "starttls" if smtp_starttls else "ssl" if smtp_ssl else "none"
    try:
        mail = MailSettings.resolve(mail_to, host=smtp_host, port=smtp_port, user=smtp_user, password_env=smtp_password_env,
                                    sender=smtp_from, security=security)  # fmt: skip
    except ReferatError as error:
        raise _usage(error) from None

    def show(report: dict[str, Any]) -> None:
        if fmt == "json":
            print_report_json(report)
        elif report["total_new"]:
            click.echo(watch_digest_text(report), nl=False)
        else:
            n = len(report["watches"])
            click.echo(f"No new items in {n} watch{'es' if n != 1 else ''}." if n else "No watches yet; add one with `referat watch add`.")

    with open_archive(settings, wait, check_parser=False) as archive:
        report = archive.run_watches(dry_run=dry_run, deliver=show, mail=mail)
    if dry_run:
        click.echo("Dry run: nothing was mailed or recorded.", err=True)
    if not report["mailed"]:
        return
    if fmt == "json":
        print_report_json(report)
    else:
        watches = sum(1 for w in report["watches"] if w["new"])
        click.echo(f"Mailed {report['total_new']} new item{'s' if report['total_new'] != 1 else ''} in {watches} "
                   f"watch{'es' if watches != 1 else ''} to {', '.join(mail.to)}.")  # fmt: skip
    for refused in report["refused"]:
        click.echo(f"Not delivered to {printable(refused['address'])}: {printable(refused['error'])}", err=True)
    if report["refused"]:
        sys.exit(1)


def main() -> None:
    cli(prog_name="referat")


if __name__ == "__main__":  # pragma: no cover
    main()
