"""Sources: where a municipality publishes its minutes, and a bounded crawl that collects them.

A source is a small TOML file, so adding a municipality means writing a config, not code::

    name = "Ballerup Kommune"
    # Listing pages where the crawl starts (the municipality's "Dagsorden og referat" page).
    start_urls = ["https://ballerup.dk/dagsorden-og-referat"]
    # Links to meeting pages: HTML minutes, themselves documents, which link the PDFs.
    meeting_links = ['^https://ballerup\\.dk/dagsorden/[^/?#]+-\\d{2}-\\d{2}-\\d{4}/?$']
    # Links to documents (PDFs) on listing or meeting pages.
    document_links = ['(?i)\\.pdf(\\?.*)?$']
    # Optional: links to more listing pages (pagination); at most max_pages listing pages are read.
    follow = ['^https://ballerup\\.dk/dagsorden-og-referat\\?(.*&)?page=\\d+$']
    allowed_hosts = ["ballerup.dk"]   # optional; default: the start URLs' hosts; "*.x.dk" allowed
    delay = 2.0                        # optional; seconds between requests, default the fetcher's
    max_pages = 20                     # optional; default 10
    max_documents = 5000               # optional; default 5000, a bound on meeting pages + documents
    max_seconds = 3600                 # optional; default 3600, a bound on the whole crawl's time

Patterns are Python regular expressions, found anywhere (`re.search`) in the absolute link URL
(as written in the page, fragment removed, scheme and host lower-case); anchor them with ^ and $
to be strict. Use TOML literal strings ('...') so backslashes need no escaping. Each of
meeting_links, document_links and follow may be one string or a list; a link matching several
counts as a meeting page first, then a document, then a listing page.

The crawl reads listing pages (every time: they are how new meetings are found), follows meeting
pages (conditionally: an unchanged page is reported as not_modified and its remembered links are
used) and documents, each URL at most once, never leaving the allowed hosts. Meeting pages and
pagination are found on listing pages only; on a meeting page only document links are followed,
which keeps a crawl from wandering through "previous meeting" links. Per-URL problems are
yielded as FetchError values and the crawl goes on; nothing is retried beyond the fetcher's own
retries. A crawl that stops at one of its bounds says so: max_documents and max_seconds as a
failure (documents were left out), max_pages as a FetchRefused notice (listing pages not read).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import tomllib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from referat.errors import ExtractionError, FetchError, InputError
from referat.ingest.fetch.http import Fetched, Fetcher, FetchRefused, host_allowed, normalize_url
from referat.ingest.html import cap_depth
from referat.ingest.load import run_limited
from referat.ingest.text import ExtractLimits, decode

log = logging.getLogger(__name__)

_KEYS = {
    "name",
    "start_urls",
    "meeting_links",
    "document_links",
    "follow",
    "allowed_hosts",
    "delay",
    "max_pages",
    "max_documents",
    "max_seconds",
}
_SKIP_SCHEMES = ("mailto:", "javascript:", "tel:", "data:", "about:")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    """One municipality's publication site, as described by its TOML config."""

    name: str
    start_urls: tuple[str, ...]
    meeting_links: tuple[re.Pattern[str], ...]
    document_links: tuple[re.Pattern[str], ...]
    follow: tuple[re.Pattern[str], ...] = ()
    allowed_hosts: frozenset[str] = frozenset()
    delay: float | None = None
    max_pages: int = 10
    max_documents: int = 5000
    max_seconds: float = 3600.0

    def classify(self, url: str) -> str | None:
        """"meeting", "document", "listing" or None (not followed)."""
        for kind, patterns in (
            ("meeting", self.meeting_links),
            ("document", self.document_links),
            ("listing", self.follow),
        ):
            if any(p.search(url) for p in patterns):
                return kind
        return None

    @property
    def links_key(self) -> str:
        """Fingerprint of the document patterns: remembered links are reused only if they match."""
        text = "\n".join(p.pattern for p in self.document_links)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_source(path: Path) -> Source:
    """Read and check a source config; InputError names the file and what is wrong in it."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read the source config ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"not valid TOML ({exc})") from None
    return parse_source(data, str(path))


def parse_source(data: dict, origin: str = "source") -> Source:
    """A Source from already-parsed TOML; `origin` names it in errors."""

    def fail(problem: str) -> InputError:
        return InputError(origin, problem)

    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(_KEYS))}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("'name' must be a non-empty string")

    def strings(key: str) -> list[str]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail(f"'{key}' must be a string or a list of non-empty strings")
        return value

    def patterns(key: str) -> tuple[re.Pattern[str], ...]:
        compiled = []
        for text in strings(key):
            try:
                compiled.append(re.compile(text))
            except re.error as exc:
                raise fail(f"'{key}': invalid regular expression {text!r} ({exc})") from None
        return tuple(compiled)

    start_urls = []
    for url in strings("start_urls"):
        try:
            start_urls.append(normalize_url(url))
        except FetchError as exc:
            raise fail(f"'start_urls': {exc.problem}: {url}") from None
    if not start_urls:
        raise fail("'start_urls' must list at least one listing page URL")
    meeting_links, document_links = patterns("meeting_links"), patterns("document_links")
    if not meeting_links and not document_links:
        raise fail("give 'meeting_links' or 'document_links' (or both): otherwise nothing is fetched")
    hosts = [h.strip().lower().rstrip(".") for h in strings("allowed_hosts")]
    allowed = frozenset(hosts or (urlsplit(u).hostname or "" for u in start_urls))
    for url in start_urls:
        if not host_allowed(urlsplit(url).hostname or "", allowed):
            raise fail(f"start URL {url} is not on the allowed hosts ({', '.join(sorted(allowed))})")

    def number(key: str, default, kind, minimum):
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
            raise fail(f"'{key}' must be a{'' if kind is float else 'n integer'} number, not {value!r}")
        if value < minimum:
            raise fail(f"'{key}' must be at least {minimum}")
        return kind(value)

    return Source(
        name=name.strip(),
        start_urls=tuple(dict.fromkeys(start_urls)),
        meeting_links=meeting_links,
        document_links=document_links,
        follow=patterns("follow"),
        allowed_hosts=allowed,
        delay=number("delay", None, float, 0),
        max_pages=number("max_pages", 10, int, 1),
        max_documents=number("max_documents", 5000, int, 1),
        max_seconds=number("max_seconds", 3600.0, float, 1),
    )


def decode_html(content: bytes, content_type: str | None) -> str:
    """Text of an HTML page: the charset the server or a <meta> names, else UTF-8, else cp1252."""
    charset = None
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    if charset is None:
        match = _META_CHARSET.search(content[:4096])
        if match:
            charset = match.group(1).decode("ascii", errors="replace")
    if charset:
        try:
            return content.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(content)


def extract_links(content: bytes, base_url: str, content_type: str | None = None) -> list[str]:
    """Absolute link targets of an HTML page, in page order, each once, without fragments.

    Reads <a>/<area> href and <iframe>/<embed> src (some sites embed the PDF viewer), resolved
    against <base href> if the page has one. mailto:, javascript: and the like are dropped; other
    schemes (ftp:, file:) are kept so a crawl can refuse them visibly if a pattern matches them.
    """
    tree = LexborHTMLParser(cap_depth(decode_html(content, content_type))[0])  # see html.cap_depth
    base = base_url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = urljoin(base_url, (base_node.attributes.get("href") or "").strip())
    links: dict[str, None] = {}
    for node in tree.css("a[href], area[href], iframe[src], embed[src]"):
        raw = (node.attributes.get("href") or node.attributes.get("src") or "").strip()
        if not raw or raw.startswith("#") or raw.lower().startswith(_SKIP_SCHEMES):
            continue
        try:
            absolute = urldefrag(urljoin(base, raw)).url
        except ValueError:  # e.g. a malformed IPv6 host
            continue
        links.setdefault(absolute, None)
    return list(links)


def _is_html(fetched: Fetched) -> bool:
    media = fetched.media_type
    if media in ("text/html", "application/xhtml+xml"):
        return True
    head = (fetched.content or b"")[:512].lstrip().lower()
    return not media and (head.startswith(b"<!doctype html") or head.startswith(b"<html"))


@dataclass
class CrawlTally:
    """What a crawl got through, for the record its caller keeps of the run (`referat sources`):
    the listing pages it could read. None read means the crawl failed as a whole (every start URL
    failed), however many per-URL errors say so."""

    listing_pages: int = 0


def crawl(source: Source, fetcher: Fetcher, tally: CrawlTally | None = None) -> Iterator[Fetched | FetchError]:
    """Yield every meeting page and document of `source` (unchanged ones as not_modified) and every
    per-URL FetchError; listing pages are read for links, not yielded. Bounded by max_pages
    listing pages, max_documents meeting pages plus documents, and max_seconds. `tally`, if
    given, counts what was read as the crawl goes."""
    return _Crawl(source, fetcher, tally or CrawlTally()).run()


class _OutOfTime(Exception):
    """The crawl's max_seconds are up."""


class _Crawl:
    """The state of one crawl: URLs seen, listing pages queued, how many documents are left."""

    def __init__(self, source: Source, fetcher: Fetcher, tally: CrawlTally):
        self.source = source
        self.fetcher = fetcher
        self.tally = tally
        self.seen: set[str] = set(source.start_urls)
        self.budget = source.max_documents  # meeting pages and documents still allowed
        self.stopped = False  # a wanted link was left out because the budget ran out
        self.until = time.monotonic() + source.max_seconds

    def run(self) -> Iterator[Fetched | FetchError]:
        try:
            yield from self._run()
        except _OutOfTime:
            yield FetchError(
                self.source.start_urls[0],
                f"crawl stopped after {self.source.max_seconds:g} s (max_seconds); run it again to fetch the rest",
            )

    def _run(self) -> Iterator[Fetched | FetchError]:
        source = self.source
        if source.delay is not None:
            for host in source.allowed_hosts:
                self.fetcher.set_host_delay(host.removeprefix("*."), source.delay)
        listings: deque[str] = deque(source.start_urls)
        pages = 0
        while listings and pages < source.max_pages:
            page_url = listings.popleft()
            pages += 1
            page = self.get(page_url, None, conditional=False, remember=False)
            if isinstance(page, FetchError):
                yield page
                continue
            if not _is_html(page):
                kind = page.media_type or "unknown content"
                yield FetchError(page_url, f"a listing page must be HTML, not {kind}")
                continue
            try:
                links = self.links_of(page)
            except FetchError as error:
                yield error
                continue
            self.tally.listing_pages += 1
            for link in links:
                kind, target = self.new(link)
                if kind is None:
                    continue
                if kind != "listing" and self.budget <= 0:
                    self.stopped = True
                elif isinstance(target, FetchError):
                    yield target
                elif kind == "listing":
                    listings.append(target)
                elif kind == "meeting":
                    yield from self.meeting(target, page_url)
                else:
                    yield from self.document(target, page_url)
                if self.stopped:
                    yield FetchError(
                        source.start_urls[0],
                        f"crawl stopped after {source.max_documents} meeting pages and documents"
                        " (max_documents)",
                    )
                    return
        if listings:
            more = len(listings)
            yield FetchRefused(
                source.start_urls[0],
                f"crawl stopped after {pages} listing page{'s' if pages > 1 else ''} (max_pages); {more} more listing"
                f" page{'s' if more > 1 else ''} not read",
            )

    def get(self, url: str, referrer: str | None, **options) -> Fetched | FetchError:
        if time.monotonic() >= self.until:
            raise _OutOfTime()
        deadline = (self.until, f"the source's max_seconds, {self.source.max_seconds:g} s")
        try:
            return self.fetcher.fetch(
                url, allowed_hosts=self.source.allowed_hosts, referrer=referrer, deadline=deadline, **options
            )
        except FetchError as exc:
            return exc

    def new(self, link: str) -> tuple[str | None, str | FetchError | None]:
        """(kind, normalized URL) for a wanted link not seen before, (kind, error) if it cannot be
        fetched at all (another scheme), (None, None) otherwise."""
        kind = self.source.classify(link)
        if kind is None:
            return None, None
        try:
            url = normalize_url(link)
        except FetchError as exc:
            url, error = link, exc
        else:
            error = None
        if url in self.seen:
            return None, None
        self.seen.add(url)
        return kind, error or url

    def document(self, url: str, referrer: str) -> Iterator[Fetched | FetchError]:
        self.budget -= 1
        yield self.get(url, referrer)

    @staticmethod
    def links_of(fetched: Fetched) -> list[str]:
        """`extract_links` in the extractors' worker, under their time and memory limits: a listing
        page is as untrusted as any other (FetchError naming it when it is over them)."""
        limits = ExtractLimits()
        try:
            return run_limited(extract_links, (fetched.content or b"", fetched.final_url, fetched.content_type), {},
                               source=fetched.url, limits=limits, timeout=limits.timeout_s,
                               damaged="reading the links of the page crashed: it is damaged")
        except ExtractionError as error:
            raise FetchError(fetched.url, error.problem) from None

    def document_links(self, fetched: Fetched) -> list[str]:
        if not _is_html(fetched):
            return []
        return [link for link in self.links_of(fetched) if self.source.classify(link) == "document"]

    def meeting(self, url: str, referrer: str) -> Iterator[Fetched | FetchError]:
        """The meeting page itself (a document), then the documents it links to."""
        self.budget -= 1
        result = self.get(url, referrer)
        yield result
        if isinstance(result, FetchError):
            return
        key = self.source.links_key
        if result.content is not None:
            try:
                links = self.document_links(result)
            except FetchError as error:
                yield error
                return
            self.fetcher.cache.set_links(url, key, links)
        else:  # 304: the links remembered from last time, or read the page again to find them
            links = self.fetcher.cache.links(url, key)
            if links is None:
                again = self.get(url, referrer, conditional=False)
                if isinstance(again, FetchError):
                    yield again
                    return
                try:
                    links = self.document_links(again)
                except FetchError as error:
                    yield error
                    return
                self.fetcher.cache.set_links(url, key, links)
        for link in links:
            kind, target = self.new(link)
            if kind is None:
                continue
            if self.budget <= 0:
                self.stopped = True
                return
            if isinstance(target, FetchError):
                yield target
            else:
                yield from self.document(target, url)
