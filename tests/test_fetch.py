"""Fetching against a real HTTP server on 127.0.0.1 serving tests/fetch_site (no mocks, no internet).

The PDFs are real (rendered once with reportlab, Danish text), so the same site can drive an
end-to-end test of `referat fetch`. The server counts and timestamps every request, so retries, delays, robots.txt and conditional
requests are checked from the server's side: what a municipality's web server would see.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from referat.errors import FetchError
from referat.ingest.fetch.http import (
    FetchCache,
    Fetched,
    Fetcher,
    FetchRefused,
    FetchSettings,
    normalize_url,
    open_fetcher,
)
from referat.ingest.fetch.sources import crawl, extract_links, parse_source

SITE = Path(__file__).resolve().parent / "fetch_site"
LAST_MODIFIED = "Mon, 15 Jan 2024 10:00:00 GMT"
HUGE = 64 * 2**20  # far more than loopback socket buffers hold, so an early abort shows
CHUNK = 64 * 1024


@dataclass
class SiteState:
    """What the server has seen, and the knobs a test turns (the changing document's version)."""

    robots: str | None = (SITE / "robots.txt").read_text(encoding="utf-8")
    version: int = 1
    requests: list[dict] = field(default_factory=list)
    huge_sent: int = 0
    huge_finished: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.version = 1
            self.requests.clear()
            self.huge_sent = 0
            self.huge_finished = False

    def paths(self) -> list[str]:
        with self.lock:
            return [r["path"] for r in self.requests]

    def count(self, path: str) -> int:
        return self.paths().count(path)

    def times(self, path: str | None = None) -> list[float]:
        with self.lock:
            return [r["time"] for r in self.requests if path is None or r["path"] == path]


class Handler(BaseHTTPRequestHandler):
    """The fixture site: static files from tests/fetch_site plus routes that misbehave on purpose."""

    server_version = "Testkommune/1.0"
    state: SiteState  # set on the subclass made per server

    def log_message(self, format, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 (http.server's naming)
        state = self.state
        with state.lock:
            state.requests.append({"path": self.path, "headers": dict(self.headers), "time": time.monotonic()})
            attempt = sum(1 for r in state.requests if r["path"] == self.path)
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        try:
            self.route(path, query, attempt)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up (timeout, size cap): that is what some tests want

    def route(self, path: str, query: dict, attempt: int) -> None:
        state = self.state
        if path == "/robots.txt" and state.robots is None:
            return self.send(500, b"Internal error", "text/plain")
        if path == "/robots.txt":
            return self.send(200, state.robots.encode(), "text/plain")
        if path == "/dagsorden-og-referat":
            page = int(query.get("page", ["1"])[0])
            if page == 1:
                return self.static("dagsorden-og-referat.html")
            links = f'<a href="/dagsorden-og-referat?page={page + 1}">Næste side</a>'
            if page == 2:
                links += '<a href="/dagsorden/boerne-og-skoleudvalget-05-02-2024">Børne- og Skoleudvalget</a>'
            return self.send(200, f"<html><body>Side {page} {links}</body></html>".encode(), "text/html")
        if path.startswith("/dagsorden/"):
            return self.static(path.lstrip("/") + ".html")
        if path == "/bilag/aendres.pdf":  # changes when a test bumps the version
            body = (SITE / "bilag" / f"aendres-v{state.version}.pdf").read_bytes()
            return self.send(200, body, "application/pdf", etag=f'"v{state.version}"')
        if path == "/bilag/ustabil.pdf" and attempt <= 2:
            return self.send(500, b"Internal error", "text/plain")
        if path == "/bilag/altid-fejl.pdf":
            return self.send(503, b"Service Unavailable", "text/plain")
        if path == "/travlt" and attempt == 1:
            return self.send(429, b"", "text/plain", extra={"Retry-After": "0"})
        if path == "/travlt":
            return self.send(200, b"%PDF-1.4 travlt", "application/pdf")
        if path == "/bilag/referat-okonomiudvalget.pdf":
            return self.static(path.lstrip("/"), etag=False)  # Last-Modified only
        if path.startswith("/bilag/"):
            return self.static(path.lstrip("/"))
        if path == "/dyb-liste":  # a listing page nested a million levels deep, its link at the bottom
            body = "<html><body>" + "<div>" * 1_000_000 + '<a href="/bilag/budgetopfoelgning.pdf">x</a>'
            return self.send(200, body.encode(), "text/html")
        if path == "/drypper":  # one byte every 0.3 s for up to 30 s: no read ever times out
            return self.drip(0.3, 100)
        if path == "/langsom":
            time.sleep(1.0)
            return self.send(200, b"%PDF-1.4 too late", "application/pdf")
        redirects = {
            "/loop-a": "/loop-b",
            "/loop-b": "/loop-a",
            "/flyttet.pdf": "/bilag/budgetopfoelgning.pdf",
            "/til-fremmed": "http://evil.example/bilag/x.pdf",
            "/til-ftp": "ftp://127.0.0.1/bilag/x.pdf",
            "/til-lukket": "/lukket/x.pdf",
            "/uden-location": "",
        }
        if path in redirects:
            return self.send(302, b"", "text/plain", extra={"Location": redirects[path]} if redirects[path] else {})
        if path.startswith("/kaede/"):
            n = int(path.rsplit("/", 1)[1])
            if n < 50:  # bounded even if a client followed forever
                return self.send(302, b"", "text/plain", extra={"Location": f"/kaede/{n + 1}"})
        if path in ("/stor", "/stor-erklaeret"):
            return self.huge(declared=path == "/stor-erklaeret")
        return self.send(404, b"<h1>Siden findes ikke</h1>", "text/html")

    def static(self, name: str, etag: bool = True) -> None:
        file = SITE / name
        if not file.is_file() or SITE not in file.resolve().parents:
            return self.send(404, b"Not Found", "text/plain")
        body = file.read_bytes()
        ctype = "text/html; charset=utf-8" if name.endswith(".html") else "application/pdf"
        tag = f'"{hashlib.sha256(body).hexdigest()[:16]}"' if etag else None
        return self.send(200, body, ctype, etag=tag, last_modified=LAST_MODIFIED)

    def send(self, status, body, ctype, etag=None, last_modified=None, extra=None) -> None:
        if status == 200 and etag and self.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        elif status == 200 and last_modified and not etag and self.headers.get("If-Modified-Since") == last_modified:
            status, body = 304, b""
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        if last_modified:
            self.send_header("Last-Modified", last_modified)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def drip(self, every: float, count: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(count))
        self.end_headers()
        for _ in range(count):
            self.wfile.write(b"%")
            self.wfile.flush()
            time.sleep(every)

    def huge(self, declared: bool) -> None:
        """HUGE bytes in 64 KB chunks; HTTP/1.0 without Content-Length ends the body by closing."""
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        if declared:
            self.send_header("Content-Length", str(HUGE))
        self.end_headers()
        chunk = b"%PDF" + b"x" * (CHUNK - 4)
        for _ in range(HUGE // CHUNK):
            self.wfile.write(chunk)
            with self.state.lock:
                self.state.huge_sent += len(chunk)
        self.state.huge_finished = True


def start_site(state: SiteState):
    handler = type("SiteHandler", (Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def server():
    state = SiteState()
    srv, base = start_site(state)
    yield state, base
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def site(server):
    state, base = server
    state.reset()
    return state, base


def settings(**overrides) -> FetchSettings:
    """Fast settings for tests: no delay, tiny back-off, never a proxy (only 127.0.0.1 is contacted)."""
    values = dict(delay=0.0, backoff=0.01, timeout=2.0, attempts=3, trust_env=False)
    values.update(overrides)
    return FetchSettings(**values)


def problem_of(call) -> FetchError:
    with pytest.raises(FetchError) as info:
        call()
    return info.value


# -- single URLs ------------------------------------------------------------------------------


def test_fetch_document_identifies_itself_and_returns_bytes(site):
    state, base = site
    with Fetcher(settings()) as fetcher:
        fetched = fetcher.fetch(f"{base}/bilag/budgetopfoelgning.pdf")
    assert fetched.status == 200 and fetched.content.startswith(b"%PDF")
    assert fetched.media_type == "application/pdf" and not fetched.not_modified
    assert fetched.sha256 == hashlib.sha256(fetched.content).hexdigest()
    request = state.requests[-1]
    assert request["headers"]["User-Agent"].startswith("referat/")
    assert "+https://github.com/referat" in request["headers"]["User-Agent"]


def test_404_is_a_clear_error_and_not_retried(site):
    state, base = site
    with Fetcher(settings()) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/bilag/mangler.pdf"))
    assert error.problem == "HTTP 404 Not Found"
    assert str(error) == f"{base}/bilag/mangler.pdf: HTTP 404 Not Found"
    assert state.count("/bilag/mangler.pdf") == 1


def test_server_error_is_retried_with_exponential_backoff(site):
    state, base = site
    with Fetcher(settings(backoff=0.1)) as fetcher:
        fetched = fetcher.fetch(f"{base}/bilag/ustabil.pdf")
    assert fetched.status == 200 and fetched.content.startswith(b"%PDF")
    times = state.times("/bilag/ustabil.pdf")
    assert len(times) == 3
    assert times[1] - times[0] >= 0.09  # backoff
    assert times[2] - times[1] >= 0.19  # backoff * 2


def test_server_error_that_never_recovers_gives_up(site):
    state, base = site
    with Fetcher(settings()) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/bilag/altid-fejl.pdf"))
    assert error.problem == "server error 503 Service Unavailable after 3 attempts"
    assert state.count("/bilag/altid-fejl.pdf") == 3


def test_too_many_requests_is_retried(site):
    state, base = site
    with Fetcher(settings()) as fetcher:
        assert fetcher.fetch(f"{base}/travlt").content == b"%PDF-1.4 travlt"
    assert state.count("/travlt") == 2


def test_slow_server_times_out(site):
    state, base = site
    started = time.monotonic()
    with Fetcher(settings(timeout=0.3, attempts=2)) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/langsom"))
    assert error.problem == "timed out after 2 attempts"
    assert state.count("/langsom") == 2
    assert time.monotonic() - started < 1.5


def test_a_server_dripping_bytes_is_cut_off_at_the_request_deadline(site):
    """One byte every 0.3 s keeps every read under its 2 s timeout; the deadline still ends it."""
    state, base = site
    started = time.monotonic()
    with Fetcher(settings(timeout=2.0, deadline=1.5, attempts=3)) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/drypper"))
    elapsed = time.monotonic() - started
    assert error.problem == "stopped after 2 s (the time limit for one request, 1.5 s)"
    assert 1.5 <= elapsed < 2.5
    assert state.count("/drypper") == 1  # not retried: the time is up


def test_a_caller_deadline_ends_a_fetch_earlier(site):
    _, base = site
    started = time.monotonic()
    with Fetcher(settings(timeout=2.0, deadline=60)) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/drypper", deadline=(time.monotonic() + 0.8, "the test's limit")))
    assert error.problem == "stopped after 1 s (the test's limit)"
    assert time.monotonic() - started < 1.5


def test_no_retry_that_cannot_finish_before_the_deadline(site):
    state, base = site
    with Fetcher(settings(backoff=5.0, deadline=2.0)) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/bilag/altid-fejl.pdf"))
    assert error.problem == ("server error 503 Service Unavailable; no time left for another attempt"
                             " (the time limit for one request, 2 s)")
    assert state.count("/bilag/altid-fejl.pdf") == 1


def test_connection_refused_is_an_error(site):
    free = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = free.server_address[1]
    free.server_close()  # nothing listens on this port now
    with Fetcher(settings(attempts=2)) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"http://127.0.0.1:{port}/x.pdf"))
    assert error.problem.startswith("robots.txt could not be fetched (could not connect")


def test_huge_response_is_aborted_while_streaming(site):
    state, base = site
    with Fetcher(settings(max_bytes=100_000)) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/stor"))
    assert error.problem == "larger than 97.7 KB"
    time.sleep(0.2)  # let the server notice the closed connection
    assert not state.huge_finished and state.huge_sent < HUGE


def test_declared_huge_response_is_refused_before_reading(site):
    state, base = site
    with Fetcher(settings(max_bytes=100_000)) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/stor-erklaeret"))
    assert error.problem == "larger than 97.7 KB (Content-Length 64 MB)"
    assert state.count("/stor-erklaeret") == 1  # a size problem is not retried


def test_default_size_cap_is_200_mb():
    assert FetchSettings().max_bytes == 200 * 2**20
    assert FetchSettings().attempts == 3 and FetchSettings().max_redirects == 5


# -- redirects, hosts, schemes, robots.txt ---------------------------------------------------


def test_redirect_is_followed_and_reported(site):
    _, base = site
    with Fetcher(settings()) as fetcher:
        fetched = fetcher.fetch(f"{base}/flyttet.pdf")
    assert fetched.url == f"{base}/flyttet.pdf"
    assert fetched.final_url == f"{base}/bilag/budgetopfoelgning.pdf"


def test_redirect_loop_is_named(site):
    state, base = site
    with Fetcher(settings()) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/loop-a"))
    assert error.problem.startswith("redirect loop")
    assert state.count("/loop-a") == 1 and state.count("/loop-b") == 1


def test_too_many_redirects(site):
    state, base = site
    with Fetcher(settings(max_redirects=5)) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/kaede/0"))
    assert error.problem == "more than 5 redirects"
    assert sum(p.startswith("/kaede/") for p in state.paths()) == 6


def test_redirect_without_location(site):
    _, base = site
    with Fetcher(settings()) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/uden-location"))
    assert error.problem == "HTTP 302 redirect without a Location header"


def test_redirect_to_another_host_is_refused(site):
    _, base = site
    with Fetcher(settings(allowed_hosts=frozenset({"127.0.0.1"}))) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/til-fremmed"))
    assert isinstance(error, FetchRefused)
    assert error.problem == "redirected to http://evil.example/bilag/x.pdf: host evil.example is not in the allowed hosts"


def test_redirect_to_another_scheme_is_refused(site):
    _, base = site
    with Fetcher(settings()) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/til-ftp"))
    assert isinstance(error, FetchRefused)
    assert error.problem == "redirected to ftp://127.0.0.1/bilag/x.pdf: only http and https URLs are fetched, not ftp:"


@pytest.mark.parametrize(
    "url, problem",
    [
        ("file:///etc/passwd", "only http and https URLs are fetched, not file:"),
        ("ftp://127.0.0.1/bilag/x.pdf", "only http and https URLs are fetched, not ftp:"),
        ("/bilag/x.pdf", "only http and https URLs are fetched, not a relative URL"),
        ("http://user:secret@127.0.0.1/x.pdf", "URLs with a user name or password are not fetched"),
    ],
)
def test_other_schemes_are_refused_without_a_request(site, url, problem):
    state, _ = site
    with Fetcher(settings()) as fetcher:
        error = problem_of(lambda: fetcher.fetch(url))
    assert isinstance(error, FetchRefused) and error.problem == problem
    assert state.requests == []


def test_host_not_allowed_is_refused_without_a_request(site):
    state, base = site
    with Fetcher(settings(allowed_hosts=frozenset({"ballerup.dk"}))) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/bilag/budgetopfoelgning.pdf"))
        other = problem_of(lambda: fetcher.fetch("https://evil.example/x.pdf"))
    assert error.problem == "host 127.0.0.1 is not in the allowed hosts"
    assert other.problem == "host evil.example is not in the allowed hosts"
    assert state.requests == []


def test_robots_txt_is_obeyed_and_read_once(site):
    state, base = site
    with Fetcher(settings()) as fetcher:
        error = problem_of(lambda: fetcher.fetch(f"{base}/lukket/dagsorden/personaleudvalget-01-02-2024"))
        redirected = problem_of(lambda: fetcher.fetch(f"{base}/til-lukket"))
        fetcher.fetch(f"{base}/bilag/budgetopfoelgning.pdf")
    assert isinstance(error, FetchRefused) and error.problem == "disallowed by robots.txt"
    assert redirected.problem == f"redirected to {base}/lukket/x.pdf: disallowed by robots.txt"
    assert not any(p.startswith("/lukket/") for p in state.paths())
    assert state.count("/robots.txt") == 1


def test_robots_txt_that_fails_blocks_the_site(site):
    state, base = site
    state.robots = None  # the handler then fails with 500
    try:
        with Fetcher(settings(attempts=2)) as fetcher:
            error = problem_of(lambda: fetcher.fetch(f"{base}/bilag/budgetopfoelgning.pdf"))
    finally:
        state.robots = (SITE / "robots.txt").read_text(encoding="utf-8")
    assert error.problem.startswith("robots.txt could not be fetched")
    assert "/bilag/budgetopfoelgning.pdf" not in state.paths()


def test_delay_between_requests_to_one_host(site):
    state, base = site
    with Fetcher(settings(delay=0.2)) as fetcher:
        for name in ("budgetopfoelgning", "skolestruktur", "budgetaftale-2024"):
            fetcher.fetch(f"{base}/bilag/{name}.pdf")
    times = state.times()  # robots.txt + 3 documents
    assert len(times) == 4
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(gap >= 0.19 for gap in gaps), gaps


def test_robots_crawl_delay_lengthens_the_delay():
    state = SiteState(robots="User-agent: referat\nCrawl-delay: 0.5\nDisallow: /lukket/\n")
    srv, base = start_site(state)
    try:
        with Fetcher(settings(delay=0.0)) as fetcher:
            fetcher.fetch(f"{base}/bilag/budgetopfoelgning.pdf")
            fetcher.fetch(f"{base}/bilag/skolestruktur.pdf")
            assert fetcher.host_delay("127.0.0.1") == 0.5
    finally:
        srv.shutdown()
        srv.server_close()
    times = state.times()
    assert len(times) == 3 and times[2] - times[1] >= 0.48


# -- conditional requests and the cache --------------------------------------------------------


def test_etag_gives_not_modified(site, tmp_path):
    state, base = site
    url = f"{base}/bilag/budgetopfoelgning.pdf"
    with open_fetcher(tmp_path, settings()) as fetcher:
        first = fetcher.fetch(url)
        second = fetcher.fetch(url)
    assert first.etag and not first.not_modified
    assert second.not_modified and second.status == 304 and second.content is None
    assert second.sha256 == first.sha256 and second.etag == first.etag
    assert state.requests[-1]["headers"]["If-None-Match"] == first.etag


def test_last_modified_gives_not_modified(site, tmp_path):
    state, base = site
    url = f"{base}/bilag/referat-okonomiudvalget.pdf"
    with open_fetcher(tmp_path, settings()) as fetcher:
        first = fetcher.fetch(url)
        second = fetcher.fetch(url)
    assert first.etag is None and first.last_modified == LAST_MODIFIED
    assert second.not_modified and second.status == 304
    assert state.requests[-1]["headers"]["If-Modified-Since"] == LAST_MODIFIED


def test_unconditional_fetch_gets_the_bytes_again(site, tmp_path):
    _, base = site
    url = f"{base}/bilag/budgetopfoelgning.pdf"
    with open_fetcher(tmp_path, settings()) as fetcher:
        fetcher.fetch(url)
        again = fetcher.fetch(url, conditional=False)
    assert again.status == 200 and again.content and not again.not_modified


def test_cache_survives_a_new_fetcher_and_is_written_atomically(site, tmp_path):
    _, base = site
    url = f"{base}/bilag/budgetopfoelgning.pdf"
    with Fetcher(settings(), FetchCache(tmp_path / "fetch-cache.json")) as fetcher:
        fetcher.fetch(url)
    assert (tmp_path / "fetch-cache.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["fetch-cache.json"]  # no temporary files left
    with Fetcher(settings(), FetchCache(tmp_path / "fetch-cache.json")) as fetcher:
        second = fetcher.fetch(url)
    assert second.not_modified


def test_unreadable_cache_is_set_aside(tmp_path):
    path = tmp_path / "fetch-cache.json"
    path.write_text("{ not json", encoding="utf-8")
    cache = FetchCache(path)
    assert len(cache) == 0 and (tmp_path / "fetch-cache.json.unreadable").exists()


def test_changed_document_is_fetched_again(site, tmp_path):
    state, base = site
    url = f"{base}/bilag/aendres.pdf"
    with open_fetcher(tmp_path, settings()) as fetcher:
        first = fetcher.fetch(url)
        state.version = 2
        second = fetcher.fetch(url)
        third = fetcher.fetch(url)
    assert first.content == (SITE / "bilag" / "aendres-v1.pdf").read_bytes()
    assert second.content == (SITE / "bilag" / "aendres-v2.pdf").read_bytes()
    assert not second.not_modified and second.sha256 != first.sha256
    assert third.not_modified


# -- crawling a source -----------------------------------------------------------------------


def source_for(base: str, **overrides):
    config = {
        "name": "Testkommune",
        "start_urls": [f"{base}/dagsorden-og-referat"],
        "meeting_links": [r"/dagsorden/[^/?#]+-\d{2}-\d{2}-\d{4}$"],
        "document_links": [r"\.pdf$"],
        "follow": [r"/dagsorden-og-referat\?page=\d+$"],
        "max_pages": 4,
    }
    config.update(overrides)
    return parse_source(config, "test source")


def split(results):
    fetched = {r.url: r for r in results if isinstance(r, Fetched)}
    errors = {r.source: r for r in results if isinstance(r, FetchError)}
    assert len(fetched) + len(errors) == len(results), "each URL at most once"
    return fetched, errors


def test_crawl_twice(site, tmp_path):
    state, base = site
    source = source_for(base)
    with open_fetcher(tmp_path, settings()) as fetcher:
        first = list(crawl(source, fetcher))
    fetched, errors = split(first)

    meetings = {
        f"{base}/dagsorden/okonomiudvalget-15-01-2024",
        f"{base}/dagsorden/kommunalbestyrelsen-29-01-2024",
        f"{base}/dagsorden/boerne-og-skoleudvalget-05-02-2024",
    }
    documents = {
        f"{base}/bilag/{name}.pdf"
        for name in (
            "budgetaftale-2024",
            "budgetopfoelgning",
            "referat-okonomiudvalget",
            "ustabil",
            "aendres",
            "skolestruktur",
        )
    }
    assert set(fetched) == meetings | documents
    assert not any(f.not_modified for f in fetched.values())
    assert "Økonomiudvalget" in fetched[f"{base}/dagsorden/okonomiudvalget-15-01-2024"].content.decode()
    assert fetched[f"{base}/bilag/ustabil.pdf"].referrer == f"{base}/dagsorden/okonomiudvalget-15-01-2024"
    assert all(f.content.startswith(b"%PDF") for u, f in fetched.items() if u in documents)

    problems = {url: e.problem for url, e in errors.items()}
    assert problems == {
        f"{base}/lukket/dagsorden/personaleudvalget-01-02-2024": "disallowed by robots.txt",
        "http://evil.example/dagsorden/fremmed-udvalg-01-01-2024": "host evil.example is not in the allowed hosts",
        f"{base}/bilag/mangler.pdf": "HTTP 404 Not Found",
        f"{base}/bilag/altid-fejl.pdf": "server error 503 Service Unavailable after 3 attempts",
        "ftp://127.0.0.1/bilag/gammelt.pdf": "only http and https URLs are fetched, not ftp:",
        "file:///etc/passwd.pdf": "only http and https URLs are fetched, not file:",
        "http://evil.example/bilag/fremmed.pdf": "host evil.example is not in the allowed hosts",
        # the listing pages go on for ever: the crawl says where it stopped
        f"{base}/dagsorden-og-referat": "crawl stopped after 4 listing pages (max_pages); 1 more listing page not read",
    }
    assert all(isinstance(errors[u], FetchRefused) for u in problems if "evil" in u or "lukket" in u or "referat" in u)

    paths = state.paths()
    assert not any(p.startswith("/lukket/") for p in paths)
    assert paths.count("/bilag/budgetopfoelgning.pdf") == 1  # linked from two meetings, fetched once
    assert paths.count("/dagsorden/okonomiudvalget-15-01-2024") == 1  # linked twice on the listing
    listing = [p for p in paths if p.startswith("/dagsorden-og-referat")]
    assert listing == ["/dagsorden-og-referat"] + [f"/dagsorden-og-referat?page={n}" for n in (2, 3, 4)]

    # Second crawl, with a new fetcher reading the saved cache: everything unchanged but one.
    state.reset()
    state.version = 2
    with open_fetcher(tmp_path, settings()) as fetcher:
        second = list(crawl(source, fetcher))
    fetched2, errors2 = split(second)
    assert set(fetched2) == set(fetched)
    assert set(errors2) == set(errors)
    changed = {u for u, f in fetched2.items() if not f.not_modified}
    assert changed == {f"{base}/bilag/aendres.pdf"}
    assert fetched2[f"{base}/bilag/aendres.pdf"].content == (SITE / "bilag" / "aendres-v2.pdf").read_bytes()
    assert all(f.status == 304 and f.content is None for u, f in fetched2.items() if u in meetings)
    paths = state.paths()
    for meeting in meetings:  # the links remembered from the first crawl were used
        assert paths.count(urlsplit(meeting).path) == 1
    assert paths.count("/bilag/ustabil.pdf") == 3  # the reset server fails twice again, then 304


def test_crawl_respects_max_documents(site):
    _, base = site
    source = source_for(base, max_documents=2, max_pages=1)
    with Fetcher(settings()) as fetcher:
        results = list(crawl(source, fetcher))
    assert len([r for r in results if isinstance(r, Fetched)]) == 2
    assert results[-1].problem == "crawl stopped after 2 meeting pages and documents (max_documents)"


def test_crawl_stops_at_max_seconds_and_says_so(site):
    state, base = site
    source = source_for(base, max_seconds=1, delay=0.3)
    started = time.monotonic()
    with Fetcher(settings()) as fetcher:
        results = list(crawl(source, fetcher))
    assert time.monotonic() - started < 2.0
    assert results[-1].problem == "crawl stopped after 1 s (max_seconds); run it again to fetch the rest"
    assert not isinstance(results[-1], FetchRefused)  # documents were left out: a failure


def test_crawl_stopped_by_max_pages_says_so(site):
    _, base = site
    source = source_for(base, max_pages=1, max_documents=1000)
    with Fetcher(settings()) as fetcher:
        results = list(crawl(source, fetcher))
    notice = results[-1]
    assert isinstance(notice, FetchRefused)  # reported as skipped, not as a failure
    assert notice.problem == "crawl stopped after 1 listing page (max_pages); 1 more listing page not read"


def test_a_hostile_listing_page_is_read_in_the_worker_in_seconds(site):
    """Before, its links were extracted in the crawling process, by a parser quadratic in depth."""
    _, base = site
    source = source_for(base, start_urls=[f"{base}/dyb-liste"])
    started = time.monotonic()
    with Fetcher(settings()) as fetcher:
        results = list(crawl(source, fetcher))
    assert time.monotonic() - started < 10
    assert not [r.problem for r in results if not isinstance(r, Fetched)]
    assert [r.url for r in results if isinstance(r, Fetched)] == [f"{base}/bilag/budgetopfoelgning.pdf"]


def test_crawl_reports_a_failing_start_page_and_ends(site):
    _, base = site
    source = source_for(base, start_urls=[f"{base}/findes-ikke"])
    with Fetcher(settings()) as fetcher:
        results = list(crawl(source, fetcher))
    assert [r.problem for r in results] == ["HTTP 404 Not Found"]


def test_crawl_uses_the_source_delay(site):
    state, base = site
    source = source_for(base, delay=0.2, max_pages=1, max_documents=2)
    with Fetcher(settings(delay=0.0)) as fetcher:
        list(crawl(source, fetcher))
    times = state.times()
    assert len(times) >= 4
    assert all(b - a >= 0.19 for a, b in zip(times, times[1:]))


# -- helpers ---------------------------------------------------------------------------------


def test_extract_links_resolves_and_skips():
    html = """<html><head><base href="https://kommune.dk/dagsorden/"></head><body>
        <a href="okonomiudvalget-15-01-2024#punkt-3">ØU</a> <a href="/bilag/a.pdf?download=1&amp;v=2">PDF</a>
        <a href="mailto:x@y.dk">mail</a> <a href="#top">top</a> <a href="javascript:void(0)">js</a>
        <iframe src="/viewer/b.pdf"></iframe> <a href="/bilag/a.pdf?download=1&v=2">igen</a>
        <a href="ftp://kommune.dk/c.pdf">ftp</a></body></html>"""
    assert extract_links(html.encode(), "https://kommune.dk/x") == [
        "https://kommune.dk/dagsorden/okonomiudvalget-15-01-2024",
        "https://kommune.dk/bilag/a.pdf?download=1&v=2",
        "https://kommune.dk/viewer/b.pdf",
        "ftp://kommune.dk/c.pdf",
    ]


def test_extract_links_reads_windows_1252_pages():
    html = '<a href="/bilag/børn.pdf">Børn</a>'.encode("cp1252")
    assert extract_links(html, "https://kommune.dk/", "text/html; charset=windows-1252") == [
        "https://kommune.dk/bilag/børn.pdf"
    ]


def test_normalize_url():
    assert normalize_url("HTTPS://Ballerup.DK:443/dagsorden#punkt") == "https://ballerup.dk/dagsorden"
    assert normalize_url("http://ballerup.dk") == "http://ballerup.dk/"
    assert normalize_url("http://ballerup.dk:8080/a?b=1") == "http://ballerup.dk:8080/a?b=1"


def test_crawl_reads_a_meeting_page_again_when_its_links_are_not_remembered(site, tmp_path):
    state, base = site
    meeting = f"{base}/dagsorden/okonomiudvalget-15-01-2024"
    with open_fetcher(tmp_path, settings()) as fetcher:
        list(crawl(source_for(base, max_pages=1), fetcher))
        fetcher.fetch(meeting, conditional=False)  # what the archive does when an original is missing
        assert fetcher.cache.links(meeting, source_for(base).links_key)  # same bytes: links kept
    state.reset()
    changed = source_for(base, max_pages=1, document_links=[r"(?i)\.pdf$"])  # other patterns
    with open_fetcher(tmp_path, settings()) as fetcher:
        fetched, _ = split(list(crawl(changed, fetcher)))
    assert fetched[meeting].not_modified
    assert f"{base}/bilag/budgetopfoelgning.pdf" in fetched
    assert state.count("/dagsorden/okonomiudvalget-15-01-2024") == 2  # 304, then read for its links


def test_cache_autosaves(tmp_path):
    cache = FetchCache(tmp_path / "fetch-cache.json", autosave_seconds=0)
    cache.put("https://k.dk/a.pdf", {"etag": '"x"', "sha256": "0" * 64})
    assert FetchCache(tmp_path / "fetch-cache.json").get("https://k.dk/a.pdf")["etag"] == '"x"'


def test_settings_normalise_allowed_hosts():
    assert FetchSettings(allowed_hosts="Ballerup.DK").allowed_hosts == {"ballerup.dk"}
    assert FetchSettings(allowed_hosts=["a.dk", "B.dk."]).allowed_hosts == {"a.dk", "b.dk"}
    with pytest.raises(ValueError):
        FetchSettings(attempts=0)
