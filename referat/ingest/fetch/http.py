"""Polite, safe HTTP fetching of minutes and their attachments.

Why it looks like this:

- Municipal web sites are small public services, so referat behaves like a well-mannered crawler:
  it names itself in the User-Agent, obeys robots.txt, sends one request at a time per host with a
  delay between them (robots.txt's Crawl-delay can only make that longer), and backs off
  exponentially when a server struggles (5xx, 429, timeouts, dropped connections).
- Links and redirects come from pages referat does not control, so every hop is checked: only
  http/https, only allowed hosts, robots.txt per hop, a bounded number of redirects, a loop is
  named as such, and bodies are streamed against a size cap that aborts as soon as it is exceeded.
- A server can keep a request alive for ever by sending one byte every few seconds (a read timeout
  only limits each read), so every request has a total deadline (`FetchSettings.deadline`, every
  redirect, retry and wait included) and a crawl can pass its own, earlier one.
- Archives are re-fetched often and rarely change, so a `FetchCache` remembers ETag, Last-Modified
  and sha256 per URL; a re-fetch is a conditional request and a 304 means "unchanged".

Every failure is a `referat.errors.FetchError(url, problem)` with a one-line English problem; the
subclass `FetchRefused` marks URLs that were not fetched on purpose (scheme, host, robots.txt), so
a caller can report them as skipped rather than failed.

Typical use (the CLI wires this to the store)::

    with open_fetcher(data_dir, FetchSettings()) as fetcher:
        fetched = fetcher.fetch("https://ballerup.dk/dagsorden/okonomiudvalget-15-01-2024")
        if fetched.not_modified: ...      # nothing to do (content is None after a 304)
        else: ...                         # fetched.content holds the bytes

A 304 only helps if the bytes from last time were kept (the store keeps every original in raw/
by sha256, `Fetched.sha256` names it). A caller that finds the original missing asks again with
`fetch(url, conditional=False)`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from referat import __version__
from referat.errors import FetchError
from referat.ingest.fetch.robots import RobotsRules

log = logging.getLogger(__name__)

USER_AGENT = f"referat/{__version__} (+https://github.com/referat)"
CACHE_FILE_NAME = "fetch-cache.json"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Statuses worth another try: the server says "not now", not "never".
RETRY_STATUSES = frozenset({408, 429})
# RFC 9309: crawlers must parse at least 500 KiB of robots.txt; more is ignored, not an error.
MAX_ROBOTS_BYTES = 512 * 1024
# Longest wait a server may ask for (Retry-After, Crawl-delay) before referat stops obliging.
MAX_WAIT = 60.0
# A robots.txt that could not be fetched blocks its site for this long before it is tried again.
ROBOTS_RETRY_AFTER = 120.0
_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchRefused(FetchError):
    """A URL was not fetched on purpose (scheme, host allow-list, robots.txt): skip, don't retry."""


@dataclass(frozen=True)
class FetchSettings:
    """Everything that decides how politely and how defensively referat fetches, in one place.

    `allowed_hosts` None means any host (a single URL given by the user); a crawl narrows it to its
    source's hosts. Entries are host names ("ballerup.dk") or "*.ballerup.dk" for any subdomain.
    `attempts` counts every try, the first included (1 disables retries); the wait before try n+1
    is `backoff * 2**(n-1)` seconds, or longer if the server sends Retry-After. `timeout` bounds
    each connect and read; `deadline` bounds one `fetch` as a whole (redirects and retries included).
    """

    user_agent: str = USER_AGENT
    delay: float = 1.0
    timeout: float = 30.0
    deadline: float = 300.0  # 200 MB at 1 MB/s fits; a server dripping bytes does not
    attempts: int = 3
    backoff: float = 1.0
    max_bytes: int = 200 * 2**20
    max_redirects: int = 5
    allowed_hosts: frozenset[str] | None = None
    # Use HTTP(S)_PROXY / NO_PROXY / SSL_CERT_FILE from the environment, as users behind a proxy need.
    trust_env: bool = True

    def __post_init__(self) -> None:
        if self.delay < 0 or self.timeout <= 0 or self.backoff < 0 or self.deadline <= 0:
            raise ValueError("delay and backoff must be >= 0, timeout and deadline > 0")
        if self.attempts < 1 or self.max_bytes < 1 or self.max_redirects < 0:
            raise ValueError("attempts and max_bytes must be >= 1, max_redirects >= 0")
        if isinstance(self.allowed_hosts, str):  # one host given bare, not its letters
            object.__setattr__(self, "allowed_hosts", (self.allowed_hosts,))
        if self.allowed_hosts is not None:
            hosts = frozenset(h.strip().lower().rstrip(".") for h in self.allowed_hosts if h.strip())
            object.__setattr__(self, "allowed_hosts", hosts)


@dataclass(frozen=True)
class Fetched:
    """One fetched URL. After a 304 `content` is None and `sha256` names the bytes seen last time.

    `not_modified` is True after a 304, and also when a server without validators sent the very
    bytes it sent last time (then `content` is there too). `referrer` is the page that linked here
    (set by a crawl), e.g. the meeting page a PDF belongs to.
    """

    url: str
    final_url: str
    status: int
    content: bytes | None
    content_type: str | None
    not_modified: bool
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    referrer: str | None = None

    @property
    def media_type(self) -> str:
        """"text/html" from "text/html; charset=utf-8"; "" when the server sent no Content-Type."""
        return (self.content_type or "").split(";", 1)[0].strip().lower()


class FetchCache:
    """Validators and sha256 per URL in one JSON file, so a re-fetch can ask "changed since?".

    The file is replaced atomically (temporary file, fsync, rename): a crash leaves the old or the
    new file, never half of one. Rewriting the whole file is O(entries), so changes are saved at
    most every `autosave_seconds` and by `save()`/close; losing unsaved entries only costs a full
    re-fetch. An unreadable file is set aside, not fatal:
    the cache is an optimisation, never the truth. `path` None keeps it in memory only.
    """

    VERSION = 1

    def __init__(self, path: Path | None, autosave_seconds: float = 10.0):
        self.path = Path(path) if path is not None else None
        self.autosave_seconds = autosave_seconds
        self._entries: dict[str, dict] = {}
        self._unsaved = 0
        self._saved_at = time.monotonic()
        self._lock = threading.Lock()
        if self.path is not None and self.path.exists():
            self._entries = self._read(self.path)

    @staticmethod
    def _read(path: Path) -> dict[str, dict]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != FetchCache.VERSION or not isinstance(data.get("entries"), dict):
                raise ValueError(f"unknown format version {data.get('version')!r}")
            return data["entries"]
        except (OSError, ValueError, AttributeError) as exc:
            aside = path.with_name(path.name + ".unreadable")
            log.warning("%s: unreadable fetch cache (%s); moved to %s, starting empty", path, exc, aside)
            try:
                os.replace(path, aside)
            except OSError:
                pass
            return {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, url: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(url)
            return dict(entry) if entry is not None else None

    def put(self, url: str, entry: dict) -> None:
        """Replace what is known about `url` (stale links and validators go with the old entry)."""
        with self._lock:
            self._entries[url] = dict(entry)
            self._changed()

    def forget(self, url: str) -> None:
        with self._lock:
            if self._entries.pop(url, None) is not None:
                self._changed()

    def links(self, url: str, key: str) -> list[str] | None:
        """Links a crawl found on `url` last time it had the page's bytes, if found with `key`."""
        with self._lock:
            entry = self._entries.get(url) or {}
            if entry.get("links_key") == key and isinstance(entry.get("links"), list):
                return list(entry["links"])
            return None

    def set_links(self, url: str, key: str, links: list[str]) -> None:
        """Remember a page's links so a 304 for it still tells a crawl where its documents are."""
        with self._lock:
            if url in self._entries:
                self._entries[url].update(links=list(links), links_key=key)
                self._changed()

    def _changed(self) -> None:
        self._unsaved += 1
        if self.path is not None and time.monotonic() - self._saved_at >= self.autosave_seconds:
            self._save_locked()

    def save(self) -> None:
        with self._lock:
            if self._unsaved:
                self._save_locked()

    def _save_locked(self) -> None:
        if self.path is None:
            self._unsaved = 0
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"version": self.VERSION, "entries": self._entries}, ensure_ascii=False, indent=0)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        self._unsaved = 0
        self._saved_at = time.monotonic()


@dataclass(frozen=True)
class _Deadline:
    """When one fetch must be over (time.monotonic()), and the limit that says so, for the message."""

    at: float
    started: float
    limit: str

    def left(self) -> float:
        return self.at - time.monotonic()

    def check(self, source: str) -> None:
        if self.left() <= 0:
            raise FetchError(source, f"stopped after {time.monotonic() - self.started:.0f} s ({self.limit})")


@dataclass
class _Response:
    """The parts of one HTTP response referat uses; the connection is already closed."""

    status: int
    reason: str
    headers: httpx.Headers
    content: bytes | None


@dataclass
class _HostSlot:
    """Serialises requests to one host and remembers when the last one finished."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    last_finished: float = float("-inf")


@dataclass
class _Robots:
    rules: RobotsRules | None  # None: no usable robots.txt (404 etc.), everything allowed
    failure: str | None = None  # robots.txt could not be fetched: the site is blocked for now
    checked: float = 0.0


def normalize_url(url: str) -> str:
    """One spelling per resource (so "each URL at most once" holds): no fragment, lower-case scheme
    and host, no default port, "/" for an empty path. Refuses anything but http/https."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchError(url, f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        what = f"{scheme}:" if scheme else "a relative URL"
        raise FetchRefused(url, f"only http and https URLs are fetched, not {what}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError(url, "the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused(url, "URLs with a user name or password are not fetched")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def host_allowed(host: str, allowed: Collection[str]) -> bool:
    """Exact host names, or "*.example.dk" for example.dk and every subdomain of it."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.lower().rstrip(".")
        if entry.startswith("*."):
            if host == entry[2:] or host.endswith(entry[1:]):
                return True
        elif host == entry:
            return True
    return False


def format_size(n: int) -> str:
    """200 MB, 97.7 KB, 512 bytes: sizes as a user reads them in an error message."""
    if n >= 2**20:
        return f"{n / 2**20:.1f}".removesuffix(".0") + " MB"
    if n >= 1024:
        return f"{n / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{n} bytes"


def _one_line(text: str) -> str:
    return " ".join(str(text).split()) or "no details"


def _describe_status(status: int, reason: str) -> str:
    text = f"HTTP {status} {reason}".strip()
    return f"server error {status} {reason}".strip() if status >= 500 else text


def _retry_after(headers: httpx.Headers) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None if absent/garbled."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class Fetcher:
    """Fetches URLs one at a time per host, politely and within the limits of its `FetchSettings`.

    Thread-safe: requests to different hosts may run in parallel threads, requests to one host wait
    for each other plus the delay. Use as a context manager (or call `close()`) so the connection
    pool is closed and the cache saved.
    """

    def __init__(self, settings: FetchSettings | None = None, cache: FetchCache | None = None):
        self.settings = settings or FetchSettings()
        self.cache = cache if cache is not None else FetchCache(None)
        self._client = httpx.Client(
            headers={"User-Agent": self.settings.user_agent},
            timeout=httpx.Timeout(self.settings.timeout),
            follow_redirects=False,  # followed by hand so every hop is checked
            trust_env=self.settings.trust_env,
        )
        self._lock = threading.Lock()
        self._slots: dict[str, _HostSlot] = {}
        self._host_delays: dict[str, float] = {}
        self._crawl_delays: dict[str, float] = {}
        self._robots: dict[str, _Robots] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()
        self.cache.save()

    def set_host_delay(self, host: str, seconds: float) -> None:
        """Delay between requests to `host` instead of `settings.delay` (a source's own setting)."""
        if seconds < 0:
            raise ValueError("a delay cannot be negative")
        with self._lock:
            self._host_delays[host.lower()] = float(seconds)

    def host_delay(self, host: str) -> float:
        """The delay used for `host`: its own or the default, lengthened by robots.txt Crawl-delay."""
        host = host.lower()
        with self._lock:
            base = self._host_delays.get(host, self.settings.delay)
            return max(base, self._crawl_delays.get(host, 0.0))

    # -- the public entry point -------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        conditional: bool = True,
        remember: bool = True,
        allowed_hosts: Collection[str] | None = None,
        referrer: str | None = None,
        deadline: tuple[float, str] | None = None,
    ) -> Fetched:
        """Fetch one URL (following checked redirects) or raise FetchError / FetchRefused.

        `conditional` sends the validators remembered for `url` (a 304 gives not_modified);
        `remember` records this response's validators for next time (a crawl's listing pages,
        which must be read every time, skip both). `allowed_hosts` narrows the settings' list.
        `deadline` (a time.monotonic() and the limit's name) ends the fetch earlier than
        `settings.deadline` would, e.g. when a crawl's own time is up.
        """
        url = normalize_url(url)
        until = self._deadline(deadline)
        entry = self.cache.get(url) if conditional else None
        headers: dict[str, str] = {}
        if entry:
            if entry.get("etag"):
                headers["If-None-Match"] = entry["etag"]
            if entry.get("last_modified"):
                headers["If-Modified-Since"] = entry["last_modified"]
        if not headers:
            entry = None  # nothing to be conditional on
        final_url, response = self._follow(url, headers, allowed_hosts, robots=True, until=until)
        status = response.status
        if status == 304:
            if entry is None:
                raise FetchError(url, "HTTP 304 Not Modified to a request that was not conditional")
            return Fetched(
                url=url,
                final_url=final_url,
                status=304,
                content=None,
                content_type=entry.get("content_type"),
                not_modified=True,
                etag=response.headers.get("etag") or entry.get("etag"),
                last_modified=entry.get("last_modified"),
                sha256=entry.get("sha256"),
                referrer=referrer,
            )
        if not 200 <= status < 300:
            raise FetchError(url, _describe_status(status, response.reason))
        content = response.content or b""
        digest = hashlib.sha256(content).hexdigest()
        unchanged = conditional and (entry or self.cache.get(url) or {}).get("sha256") == digest
        fetched = Fetched(
            url=url,
            final_url=final_url,
            status=status,
            content=content,
            content_type=response.headers.get("content-type"),
            not_modified=bool(unchanged),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            sha256=digest,
            referrer=referrer,
        )
        if remember:
            record = {
                "final_url": final_url,
                "etag": fetched.etag,
                "last_modified": fetched.last_modified,
                "sha256": digest,
                "content_type": fetched.content_type,
                "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            previous = self.cache.get(url) or {}
            if previous.get("sha256") == digest and "links" in previous:  # same page, same links
                record.update(links=previous["links"], links_key=previous.get("links_key"))
            self.cache.put(url, record)
        return fetched

    def _deadline(self, deadline: tuple[float, str] | None = None) -> _Deadline:
        now = time.monotonic()
        own = _Deadline(now + self.settings.deadline, now, f"the time limit for one request, {self.settings.deadline:g} s")
        if deadline is not None and deadline[0] < own.at:
            return _Deadline(deadline[0], now, deadline[1])
        return own

    # -- redirects, hosts, robots.txt --------------------------------------------------------

    def _follow(
        self,
        url: str,
        headers: dict[str, str],
        allowed_hosts: Collection[str] | None,
        *,
        robots: bool,
        max_bytes: int | None = None,
        truncate: bool = False,
        until: _Deadline | None = None,
    ) -> tuple[str, _Response]:
        """Request `url`, following at most `max_redirects` redirects, each hop checked first."""
        current = url
        seen = {url}
        until = until or self._deadline()
        for _ in range(self.settings.max_redirects + 1):
            self._check(current, url, allowed_hosts, robots=robots)
            response = self._request(current, url, headers, max_bytes, truncate, until)
            if response.status not in REDIRECT_STATUSES:
                return current, response
            location = response.headers.get("location", "").strip()
            if not location:
                raise FetchError(url, f"HTTP {response.status} redirect without a Location header")
            try:
                target = normalize_url(urljoin(current, location))
            except FetchError as exc:
                raise type(exc)(url, f"redirected to {location}: {exc.problem}") from None
            if target in seen:
                raise FetchError(url, f"redirect loop ({current} redirects back to {target})")
            seen.add(target)
            current = target
        raise FetchError(url, f"more than {self.settings.max_redirects} redirects")

    def _check(self, current: str, url: str, allowed_hosts: Collection[str] | None, *, robots: bool) -> None:
        """Host allow-lists first (robots.txt would already contact the host), then robots.txt."""
        host = urlsplit(current).hostname or ""
        via = "" if current == url else f"redirected to {current}: "
        for allowed in (self.settings.allowed_hosts, allowed_hosts):
            if allowed is not None and not host_allowed(host, allowed):
                raise FetchRefused(url, f"{via}host {host} is not in the allowed hosts")
        if robots:
            rules = self._robots_for(current)
            if rules.failure is not None:
                raise FetchError(url, f"{via}robots.txt could not be fetched ({rules.failure})")
            if rules.rules is not None and not rules.rules.allowed(current):
                raise FetchRefused(url, f"{via}disallowed by robots.txt")

    def _robots_for(self, url: str) -> _Robots:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            rules = self._robots.get(origin)
        if rules is not None and (rules.failure is None or time.monotonic() - rules.checked < ROBOTS_RETRY_AFTER):
            return rules
        rules = self._load_robots(origin)
        with self._lock:
            self._robots[origin] = rules
        return rules

    def _load_robots(self, origin: str) -> _Robots:
        """RFC 9309: 4xx means no rules; 5xx or unreachable means "do not crawl" (for now)."""
        url = origin + "/robots.txt"
        now = time.monotonic()
        try:
            _, response = self._follow(
                url, {}, None, robots=False, max_bytes=MAX_ROBOTS_BYTES, truncate=True
            )
        except FetchRefused as exc:  # redirected off the allowed hosts: treat as unavailable
            log.info("%s: %s; no robots.txt rules apply", url, exc.problem)
            return _Robots(None, checked=now)
        except FetchError as exc:
            return _Robots(None, failure=exc.problem, checked=now)
        if 200 <= response.status < 300:
            text = (response.content or b"").decode("utf-8", errors="replace")
            rules = RobotsRules.parse(text, self.settings.user_agent)
            if rules.crawl_delay:
                host = urlsplit(origin).hostname or ""
                with self._lock:
                    self._crawl_delays[host] = min(rules.crawl_delay, MAX_WAIT)
            return _Robots(rules, checked=now)
        if 400 <= response.status < 500:
            return _Robots(None, checked=now)
        return _Robots(None, failure=_describe_status(response.status, response.reason), checked=now)

    # -- one request, with retries -----------------------------------------------------------

    def _request(
        self, url: str, source: str, headers: dict[str, str], max_bytes: int | None, truncate: bool, until: _Deadline
    ) -> _Response:
        """GET `url` with up to `attempts` tries; errors name `source`, the URL the caller asked for."""
        attempts = self.settings.attempts
        problem = ""
        wait = 0.0
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                if wait >= until.left():
                    raise FetchError(source, f"{problem}; no time left for another attempt ({until.limit})")
                time.sleep(wait)
            wait = self.settings.backoff * 2 ** (attempt - 1)
            until.check(source)
            try:
                response = self._attempt(url, source, headers, max_bytes, truncate, until)
            except httpx.TimeoutException:
                until.check(source)  # the read was cut short by the deadline, not by a slow read
                problem = "timed out"
                continue
            except httpx.ConnectError as exc:
                problem = f"could not connect ({_one_line(exc)})"
                continue
            except httpx.TransportError as exc:
                problem = f"connection broken ({_one_line(exc)})"
                continue
            except httpx.DecodingError as exc:
                raise FetchError(source, f"could not decode the response ({_one_line(exc)})") from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise FetchError(source, _one_line(exc)) from None
            if response.status >= 500 or response.status in RETRY_STATUSES:
                problem = _describe_status(response.status, response.reason)
                asked = _retry_after(response.headers)
                if asked is not None:
                    wait = max(wait, min(asked, MAX_WAIT))
                continue
            return response
        tries = "attempt" if attempts == 1 else "attempts"
        raise FetchError(source, f"{problem} after {attempts} {tries}")

    @contextmanager
    def _host_slot(self, url: str, until: _Deadline | None = None) -> Iterator[None]:
        """One request at a time per host, starting at least the host's delay after the last ended."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            slot = self._slots.setdefault(host, _HostSlot())
        with slot.lock:
            wait = slot.last_finished + self.host_delay(host) - time.monotonic()
            if wait > 0:
                time.sleep(min(wait, max(0.0, until.left())) if until else wait)
            try:
                yield
            finally:
                slot.last_finished = time.monotonic()

    def _attempt(
        self, url: str, source: str, headers: dict[str, str], max_bytes: int | None, truncate: bool, until: _Deadline
    ) -> _Response:
        """One GET; the body is read only for 2xx, streamed against the size cap and the deadline.

        Each read waits at most the time left, and the deadline is checked after every chunk, so
        a server dripping one byte at a time is cut off at the deadline (plus at most one read).
        """
        cap = max_bytes if max_bytes is not None else self.settings.max_bytes
        with self._host_slot(url, until):
            until.check(source)
            timeout = httpx.Timeout(max(0.001, min(self.settings.timeout, until.left())))
            with self._client.stream("GET", url, headers=headers, timeout=timeout) as r:
                return self._read(r, source, cap, truncate, until)

    @staticmethod
    def _read(r: httpx.Response, source: str, cap: int, truncate: bool, until: _Deadline) -> _Response:
        """The body of a 2xx response (None for others)."""
        content = None
        if 200 <= r.status_code < 300:
            declared = r.headers.get("content-length", "").strip()
            if not truncate and declared.isdigit() and int(declared) > cap:
                raise FetchError(
                    source, f"larger than {format_size(cap)} (Content-Length {format_size(int(declared))})"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in r.iter_bytes():
                until.check(source)
                size += len(chunk)
                if size > cap:
                    if truncate:
                        chunks.append(chunk[: len(chunk) - (size - cap)])
                        break
                    raise FetchError(source, f"larger than {format_size(cap)}")
                chunks.append(chunk)
            content = b"".join(chunks)
        return _Response(r.status_code, r.reason_phrase, r.headers, content)


def open_fetcher(data_dir: Path, settings: FetchSettings | None = None) -> Fetcher:
    """A Fetcher whose cache lives in `<data_dir>/fetch-cache.json` (created on first save)."""
    return Fetcher(settings, FetchCache(Path(data_dir) / CACHE_FILE_NAME))
