"""From what the user names (files, folders, URLs) to parsed documents, in parallel where it pays.

The stages: `expand` turns arguments into inputs (folders recursively, choosing files by their
bytes, not their names, and not following symbolic links out of the folder unless asked: a link to
/etc/passwd in a folder of minutes must not end up stored and served); `read_original` gets one input's bytes and sha256 (so unchanged
originals are skipped before any extraction); `Extractor.map` extracts and parses originals in
worker processes, yielding results in input order so storing stays deterministic. Storing is
not done here: it belongs to the main process and `referat.archive`.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from referat import model
from referat.errors import FetchError, InputError, path_name
from referat.ingest import sniff as sniffing
from referat.ingest.load import extract

ParseFn = Callable[..., model.Document]

# File names that are documents even when their bytes are broken: those are failures to report,
# not files to skip (an empty "referat.pdf" in a folder is something the user wants to hear about).
DOCUMENT_SUFFIXES = {".pdf", ".html", ".htm", ".txt", ".md", ".text", ".xhtml"}
# Text that is not a document: data, configuration and code found next to documents in a folder
# (a crawl's cache, a source config, golden files). Named on the command line they are still read.
DATA_SUFFIXES = {
    ".json", ".jsonl", ".toml", ".yaml", ".yml", ".ini", ".cfg", ".conf", ".csv", ".tsv", ".xml", ".sql",
    ".py", ".js", ".css", ".sh", ".log", ".lock", ".db", ".sqlite", ".db-wal", ".db-shm",
}
_SKIP_REASONS = {
    sniffing.IMAGE: "an image",
    sniffing.ZIP: "a ZIP archive",
    sniffing.OFFICE: "an Office file (save it as PDF to ingest it)",
    sniffing.BINARY: "not a document (binary data)",
    sniffing.EMPTY: "empty",
}


@dataclass(frozen=True)
class Input:
    """One thing to ingest; `source` is its identity: a new version of the same source replaces the old."""

    source: str
    path: Path | None = None
    url: str | None = None


@dataclass(frozen=True)
class Problem:
    source: str
    error: str


@dataclass
class Expanded:
    inputs: list[Input] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)


@dataclass
class Original:
    """The bytes of one input and what is known about them before parsing."""

    source: str
    data: bytes
    sha256: str
    fetched_at: datetime | None = None


@dataclass
class Parsed:
    """What a worker sends back: the document, or the one-line reason there is none."""

    original: Original | None = None  # attached in the parent; the bytes need not travel back
    document: model.Document | None = None
    content_type: str | None = None
    error: str | None = None


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def expand(arguments: Iterable[str | Path], follow_symlinks: bool = False) -> Expanded:
    """Files and URLs as given; folders walked recursively in name order, hidden entries left out.

    A symbolic link in a folder that leads outside it is skipped with a note unless
    `follow_symlinks`; links that stay inside are read (a file named on the command line is read
    wherever it leads: the user named it). Sources are names as valid text (see `path_name`).
    """
    out = Expanded()
    seen: set[str] = set()

    def add(item: Input) -> None:
        if item.source not in seen:
            seen.add(item.source)
            out.inputs.append(item)

    for argument in arguments:
        text = str(argument)
        if is_url(text):
            add(Input(source=text, url=text))
            continue
        path = Path(text).expanduser()
        if path.is_dir():
            for file, outside in _walk(path, follow_symlinks):
                if outside:
                    out.skipped.append(Problem(path_name(file), "a symbolic link leading outside the folder"
                                               " (pass --follow-symlinks to read it)"))
                    continue
                reason = _not_a_document(file)
                if reason:
                    out.skipped.append(Problem(path_name(file), reason))
                else:
                    add(Input(source=path_name(file), path=file))
        elif path.is_file():
            add(Input(source=path_name(path.resolve()), path=path.resolve()))
        elif path.exists():
            out.failed.append(Problem(path_name(text), "not a regular file or folder"))
        else:
            out.failed.append(Problem(path_name(text), "no such file or folder"))
    return out


def _walk(folder: Path, follow_symlinks: bool) -> Iterator[tuple[Path, bool]]:
    """(file, leads outside) in name order. Folders are entered once by their real path, so a
    link cycle ends; a link that stays inside the folder is walked (or read) where it leads."""
    top = folder.resolve()
    entered: set[Path] = set()
    for root, dirs, files in os.walk(top, followlinks=follow_symlinks):
        real = Path(root).resolve()
        if real in entered:
            dirs[:] = []
            continue
        entered.add(real)
        kept = []
        for name in sorted(d for d in dirs if not d.startswith(".")):
            entry = Path(root) / name
            if entry.is_symlink() and not follow_symlinks:
                if not _inside(entry, top):
                    yield entry, True  # the folder is not walked; say so once
                continue  # a link to a folder inside is walked where it is
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if not name.startswith("."):
                file = Path(root) / name
                yield file, file.is_symlink() and not follow_symlinks and not _inside(file, top)


def _inside(link: Path, top: Path) -> bool:
    try:
        return link.resolve().is_relative_to(top)
    except (OSError, RuntimeError):  # a loop of links
        return False


def _not_a_document(path: Path) -> str | None:
    """Why a file found in a folder is skipped, or None to ingest it (and report it if broken)."""
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        return None
    if suffix in DATA_SUFFIXES or path.name.endswith(("-wal", "-shm", "-journal")):
        return f"a data or code file ({suffix or path.name}), not a document"
    try:
        with path.open("rb") as f:
            head = f.read(8192)
    except OSError as error:
        return f"unreadable ({error.strerror})"
    kind = sniffing.sniff(head)
    if kind in (sniffing.PDF, sniffing.HTML, sniffing.TEXT):
        return None
    return _SKIP_REASONS.get(kind, f"not a document ({kind})")


def read_original(item: Input, fetcher: Any = None) -> Original:
    """The bytes of one input; InputError (FetchError for URLs) naming it when they cannot be had."""
    if item.url is not None:
        if fetcher is None:
            raise FetchError(item.url, "fetching URLs is not available")
        fetched = fetcher.fetch(item.url, conditional=False)
        data = fetched.content or b""
        return Original(item.source, data, hashlib.sha256(data).hexdigest(), datetime.now(timezone.utc))
    assert item.path is not None
    try:
        data = item.path.read_bytes()
        mtime = datetime.fromtimestamp(item.path.stat().st_mtime, timezone.utc)
    except OSError as error:
        raise InputError(item.source, f"cannot be read ({error.strerror or error})") from None
    return Original(item.source, data, hashlib.sha256(data).hexdigest(), mtime)


def default_parse() -> ParseFn:
    from referat.parsers import parse

    return parse


def parser_version() -> str:
    """Stored with every document so `reparse` can tell what an older parser produced."""
    import referat
    from referat import parsers

    return str(getattr(parsers, "PARSER_VERSION", None) or getattr(parsers, "__version__", None) or referat.__version__)


def extract_and_parse(original: Original, ocr: bool, parse: ParseFn | None) -> Parsed:
    """Bytes → text → Document; pure, so it runs in a worker. Never raises: errors come back as text."""
    parsed = _extract_and_parse(original, ocr, parse)
    parsed.original = original
    return parsed


def _extract_and_parse(original: Original, ocr: bool, parse: ParseFn | None) -> Parsed:
    try:
        extracted = extract(original.data, original.source, ocr=ocr)
        text, content_type, warnings = extracted.text, extracted.content_type, list(extracted.warnings)
    except InputError as error:
        return Parsed(error=error.problem)
    except Exception as error:  # noqa: BLE001 - one broken file must never stop the batch
        return Parsed(error=f"could not be read: {type(error).__name__}: {error}")
    try:
        document = (parse or default_parse())(text, source=original.source, sha256=original.sha256)
    except Exception as error:  # noqa: BLE001 - the parser promises not to raise; if it does, report it
        return Parsed(error=f"the parser failed: {type(error).__name__}: {error}")
    if warnings:
        document.warnings = [*warnings, *document.warnings]
    return Parsed(document=document, content_type=content_type)


def _worker_init(parent: int) -> None:
    """Ignore Ctrl-C (the parent handles it once) and exit when the parent is gone.

    A parent killed with SIGKILL cannot shut its pool down; without this watch its workers (and
    through them the fork server) would wait for work forever.
    """
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="referat-parent-watch").start()


class Extractor:
    """Extract and parse in `jobs` worker processes (inline when jobs is 1), results in input order.

    Workers come from a fork server: forking the parent directly would copy its open database
    connections into the children, which SQLite forbids. At most `jobs * 4` originals are in
    flight, so a folder of large PDFs does not sit in memory at once.
    """

    def __init__(self, jobs: int = 1, ocr: bool = False, parse: ParseFn | None = None):
        self.jobs = max(1, jobs)
        self.ocr = ocr
        self.parse = parse
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Extractor:
        if self.jobs > 1:
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            self._pool = ProcessPoolExecutor(
                self.jobs, mp_context=multiprocessing.get_context(method),
                initializer=_worker_init,
                initargs=(os.getpid(),),
            )
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=exc_info[0] is None, cancel_futures=True)
            self._pool = None

    def map(self, originals: Iterable[Original]) -> Iterator[Parsed]:
        if self._pool is None:
            for original in originals:
                yield extract_and_parse(original, self.ocr, self.parse)
            return
        window: deque[tuple[Original, Future]] = deque()
        for original in originals:
            window.append((original, self._pool.submit(_extract_and_parse, original, self.ocr, self.parse)))
            if len(window) >= self.jobs * 4:
                yield self._result(*window.popleft())
        while window:
            yield self._result(*window.popleft())

    @staticmethod
    def _result(original: Original, future: Future) -> Parsed:
        try:
            parsed = future.result()
        except Exception as error:  # noqa: BLE001 - a worker that died (killed, out of memory)
            parsed = Parsed(error=f"extraction failed in a worker process: {type(error).__name__}: {error}")
        parsed.original = original
        return parsed
