"""`referat serve`: the archive as a read-only web site, in Danish, server-rendered.

- Pages: search (`/`, `/soeg`), an agenda item (`/punkt/<uid>`), a case and its history
  (`/sag/<number>`, also `.md`/`.html` downloads), budget agreements (`/budget`, `/budget/<year>`,
  `/budget/<year>/<point>`), a meeting (`/moede/<committee-slug>/<yyyy-mm-dd>`), the original
  document (`/dokument/<sha256>`), the fetched sources and their freshness (`/kilder`), and the JSON
  API under `/api/` (the CLI contract's shapes), documented at `/api`.
- Loose ends (`/loese-ender`), parties with their dissent and attendance (`/parti`, `/parti/<letter>`).
- Atom feeds of the newest items: a search (`/soeg/feed?…`, `/soeg?…&format=atom`,
  `/api/search?…&format=atom`), a case or KLE prefix (`/sag/<number>/feed`), a committee
  (`/udvalg/<committee-slug>/feed`) and a budget point (`/budget/<year>/<point>/feed`).
- GET (and HEAD) only; everything from the minutes is escaped by Jinja2's autoescape (the search
  snippet, already escaped with `<mark>`, is the one field rendered as markup); a strict
  Content-Security-Policy on every response; errors are Danish pages, never tracebacks.
- One `Archive` per app, opened at start-up and closed at shutdown. SQLAlchemy reads run
  concurrently; searches go through one lock, as the embedded index reopens itself when another
  process swaps in a new generation.
"""

from __future__ import annotations

import json
import logging
import math
import mimetypes
import re
import threading
import time
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from referat.archive import Archive, FilterError, search_request
from referat.errors import ReferatError
from referat.model import KIND_FILTERS, OUTCOME_FILTERS, item_dict, slug
from referat.render import (ATOM_MEDIA_TYPE, FEED_ENTRIES, atom_feed, date_label, history_html, history_markdown, outcome_label,
                            party_name, position_label)
from referat.settings import BUDGET_YEARS, Settings

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 20
CASE_PAGE = 50  # items per page under a KLE prefix
API_MAX_LIMIT = 100
MAX_PAGE = 10_000  # ?side=N on search and case pages: 200,000 hits deep is past any reader
MAX_QUERY = 500  # characters; a search box, not a document
VIA_LABELS = {"case_number": "samme sagsnummer", "previous_treatment": "tidligere behandling", "referenced_by": "henvist fra"}
CONTENT_TYPES = {"text": "text/plain; charset=utf-8", "pdf": "application/pdf", "html": "text/html; charset=utf-8"}
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                                 b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]  # fmt: skip
log = logging.getLogger("referat.web")
# The search page's fields a reader may get wrong: the mistake is shown and the field left out.
_LENIENT = {
    "from": "Datoen i »fra« er ikke en gyldig dato (brug åååå-mm-dd); den er ignoreret.",
    "to": "Datoen i »til« er ikke en gyldig dato (brug åååå-mm-dd); den er ignoreret.",
    "outcome": "Ukendt beslutningstype; den er ignoreret.",
    "dissent": "Ukendt parti (brug listebogstavet, fx Ø, eller partiets navn); det er ignoreret.",
}


# ------------------------------------------------------------------------------------- helpers


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def whole_number(value: str | None, low: int, high: int, default: int) -> int | None:
    """A query parameter as a whole number within [low, high] (`default` when absent), else None:
    the caller answers 400, so no unchecked number ever reaches the store or an engine."""
    if value is None or value == "":
        return default
    if not re.fullmatch(r"[0-9]{1,12}", value.strip()):
        return None
    number = int(value)
    return number if low <= number <= high else None


def dansk_dato(value: Any) -> str:
    return date_label(value)


def udfald(outcome: str | None) -> str:
    label = outcome_label(outcome)
    return label[:1].upper() + label[1:]


def urlpart(value: Any) -> str:
    """One path segment: every reserved character (even "/") percent-encoded."""
    return quote(str(value), safe="")


def item_url(uid: str) -> str:
    return "/punkt/" + urlpart(uid)


def case_url(number: str) -> str:
    return "/sag/" + urlpart(number)


def meeting_url(committee_slug: str, day: Any) -> str:
    return f"/moede/{urlpart(committee_slug)}/{_as_date(day) or day}"


def party_url(letter: str) -> str:
    return "/parti/" + urlpart(letter)


def budget_url(year: Any, point: str | None = None) -> str:
    return f"/budget/{urlpart(year)}" + (f"/{urlpart(point)}" if point else "")


def committee_feed_url(committee_slug: str) -> str:
    return f"/udvalg/{urlpart(committee_slug)}/feed"


def search_url(request: Any, path: str = "/soeg") -> str:
    """The search page's address for a checked search request (newest first), or, with another
    path, its feed's ("/soeg/feed") or the feed's key ("search"): the same search gives the same
    feed whether asked for by the page's or the API's parameter names."""
    f = request.filters
    pairs = [("q", request.query), ("udvalg", f.committee), ("fra", f.date_from.isoformat() if f.date_from else None),
             ("til", f.date_to.isoformat() if f.date_to else None), ("beslutning", f.outcome), ("sag", f.case_prefix),
             ("parti", f.dissent)]  # fmt: skip
    if path == "/soeg":
        pairs.append(("sort", "dato"))
    query = urlencode([(k, v) for k, v in pairs if v])
    return path + ("?" + query if query else "")


def search_feed_title(request: Any) -> str:
    """A search in words: "Søgning: »budget«, Økonomiudvalget, fra 1. januar 2020"."""
    f = request.filters
    parts = [f"»{request.query}«" if request.query else "", f.committee or "", f"fra {dansk_dato(f.date_from)}" if f.date_from else "",
             f"til {dansk_dato(f.date_to)}" if f.date_to else "", udfald(None if f.outcome == "none" else f.outcome) if f.outcome else "",
             f"sag {f.case_prefix}" if f.case_prefix else "", f"afvigende holdning: {f.dissent}" if f.dissent else ""]  # fmt: skip
    shown = ", ".join(p for p in parts if p)
    return f"Søgning: {shown}" if shown else "Nyeste dagsordenspunkter"


def budget_feed_title(point: dict[str, Any]) -> str:
    return f"Aftale om budget {point['year']}, punkt {point['point']}" + (f": {point['title']}" if point.get("title") else "")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.filters.update(dansk_dato=dansk_dato, udfald=udfald, urlpart=urlpart)
    env.globals.update(item_url=item_url, case_url=case_url, meeting_url=meeting_url, budget_url=budget_url,
                       via_label=lambda via: VIA_LABELS.get(via, via), slug=slug, party_url=party_url,
                       party_name=party_name, position_label=position_label)  # fmt: skip
    return env


class SecurityHeaders:
    """Pure ASGI middleware around the whole app: the same protective headers on every HTTP
    response, the time the app took (`Server-Timing: app;dur=<ms>`), and the last line of defence.

    It sits outside Starlette's own error handling, so its headers reach the 500 page too, and it
    turns what that handling lets through into a logged 500 page: tantivy's Rust panics arrive as
    pyo3's PanicException, a BaseException, which once gave a plain-text 500 without these
    headers. Only interruptions (cancellation, shutdown) pass on."""

    def __init__(self, app: Any, failure_page: Callable[[Request], Response] | None = None):
        self.app = app
        self.failure_page = failure_page

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        start = time.perf_counter()
        started = False

        async def send_with_headers(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name.lower() for name, _ in message.get("headers", [])}
                timing = f"app;dur={(time.perf_counter() - start) * 1000:.1f}".encode()
                message["headers"] = list(message.get("headers", [])) + [h for h in SECURITY_HEADERS if h[0] not in names] + [
                    (b"server-timing", timing)
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except BaseException as error:  # noqa: BLE001 - see the class docstring
            if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
                raise  # CancelledError, KeyboardInterrupt, SystemExit: not a failed request
            if started and isinstance(error, Exception):
                return  # Starlette's handler has logged it and sent the 500 page
            log.error("error on %s: %s: %s", scope.get("path", ""), type(error).__name__, _one_line(error))
            if not started:
                await self._failure(scope, receive, send_with_headers)

    async def _failure(self, scope: dict, receive: Callable, send: Callable) -> None:
        request = Request(scope, receive)
        try:
            response = self.failure_page(request) if self.failure_page else None
        except Exception:  # noqa: BLE001 - the error page itself must never fail with a traceback
            response = None
        if response is None:
            response = HTMLResponse("<!doctype html><title>Fejl</title><p>Der skete en fejl.</p>", status_code=500)
        await response(scope, receive, send)


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else ""


class _App(Starlette):
    """Starlette with `SecurityHeaders` outside its whole middleware stack, error handling included."""

    failure_page: Callable[[Request], Response] | None = None

    def build_middleware_stack(self) -> Any:
        return SecurityHeaders(super().build_middleware_stack(), self.failure_page)


# ------------------------------------------------------------------------------------- the app


class Web:
    """The views, around one archive."""

    def __init__(self, archive_factory: Callable[[], Archive]):
        self.archive_factory = archive_factory
        self._archive: Archive | None = None
        self._open_lock = threading.Lock()
        self.search_lock = threading.Lock()
        self.env = _environment()

    # -- the archive ------------------------------------------------------------------------

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            with self._open_lock:
                if self._archive is None:
                    archive = self.archive_factory()
                    with self.search_lock:
                        archive.open_search_index()
                    self._archive = archive
        return self._archive

    def close(self) -> None:
        with self._open_lock:
            if self._archive is not None:
                self._archive.close()
                self._archive = None

    def search(self, query: str, **kwargs: Any) -> dict[str, Any]:
        archive = self.archive
        with self.search_lock:
            return archive.search(query, **kwargs)

    # -- rendering --------------------------------------------------------------------------

    def page(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("title", "")
        context.setdefault("feed", None)  # {"url", "title"}: the page's Atom feed, linked in the head
        html = self.env.get_template(template).render(request_path=request.url.path, **context)
        return HTMLResponse(html, status_code=status_code)

    def not_found(self, request: Request, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=404)
        return self.page(request, "error.html", 404, title="Ikke fundet", heading="Siden findes ikke", message=message)

    def bad_request(self, request: Request, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=400)
        return self.page(request, "error.html", 400, title="Ugyldig forespørgsel", heading="Ugyldig forespørgsel", message=message)

    # -- search -----------------------------------------------------------------------------

    def page_search(self, p: Any, **window: Any) -> tuple[Any, dict[str, Any], list[str], dict[str, str]]:
        """The search page's parameters (q, udvalg, fra, til, beslutning, sag, sort) as a checked
        request: (the request, what was asked, the problems pointed out, the page's URL state).
        `window` (limit, offset, sort) overrides what the parameters ask. A reader's mistake in one
        field is pointed out and that field left out; the rest still searches."""
        asked = dict(query=p.get("q", "").strip()[:MAX_QUERY], committee=p.get("udvalg") or None, date_from=p.get("fra") or None,
                     date_to=p.get("til") or None, outcome=p.get("beslutning") or None, case=p.get("sag") or None,
                     dissent=p.get("parti") or None, sort="date" if p.get("sort") == "dato" else "relevance")  # fmt: skip
        asked.update(window)
        problems: list[str] = []
        while True:
            try:
                request_ = search_request(**asked)
                break
            except FilterError as error:
                if error.source not in _LENIENT:
                    raise
                problems.append(_LENIENT[error.source])
                asked[{"from": "date_from", "to": "date_to"}.get(error.source, error.source)] = None
        f = request_.filters
        state = {k: v for k, v in (("q", request_.query), ("udvalg", asked["committee"] or ""), ("fra", f.date_from.isoformat() if f.date_from else ""),
                                   ("til", f.date_to.isoformat() if f.date_to else ""), ("beslutning", f.outcome or ""),
                                   ("sag", asked["case"] or ""), ("parti", f.dissent or ""),
                                   ("sort", "dato" if request_.sort == "date" else "")) if v}  # fmt: skip
        return request_, asked, problems, state

    def search_page(self, request: Request) -> Response:
        p = request.query_params
        if p.get("format") == "atom":
            return self.search_feed(request)
        page_no = whole_number(p.get("side"), 1, MAX_PAGE, 1)
        if page_no is None:
            return self.bad_request(request, f"Sidetallet skal være et helt tal fra 1 til {MAX_PAGE}.")
        request_, asked, problems, state = self.page_search(p, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        q, f = request_.query, request_.filters
        committee, case, outcome, sort = asked["committee"], asked["case"], f.outcome, request_.sort
        date_from, date_to = f.date_from, f.date_to

        def link(**changes: str | None) -> str:
            new = dict(state)
            new.pop("side", None)
            for key, value in changes.items():
                if value:
                    new[key] = value
                else:
                    new.pop(key, None)
            return "/soeg" + ("?" + urlencode(new) if new else "")

        filtered = any((committee, date_from, date_to, outcome, case, f.dissent))
        if not q and not filtered:
            front = self.archive.overview()
            return self.page(request, "home.html", title="Søg i referaterne", state=state, problems=problems,
                             recent=front["recent"], years=front["years"], stats=front, outcomes=OUTCOME_FILTERS,
                             feed={"url": "/soeg/feed", "title": search_feed_title(request_)},
                             sources=self.archive.source_counts())  # fmt: skip
        result = self.search(request_)
        pages = max(1, math.ceil(result["total"] / PAGE_SIZE))

        def page_link(n: int) -> str:
            return link() + ("&" if "?" in link() else "?") + f"side={n}" if n > 1 else link()

        years = sorted(result["facets"].get("year", {}).items(), key=lambda kv: kv[0], reverse=True)
        feed = {"url": search_url(request_, "/soeg/feed"), "title": search_feed_title(request_)}
        return self.page(
            request, "search.html", title=(f"{q} – søgning" if q else "Søgning"), state=state, q=q, result=result,
            problems=problems, committee=committee, date_from=date_from, date_to=date_to, outcome=outcome, case=case,
            sort=sort, page_no=page_no, pages=pages, page_link=page_link, link=link, year_facet=years,
            outcomes=OUTCOME_FILTERS, did_you_mean_link=link(q=result["did_you_mean"]) if result.get("did_you_mean") else None,
            feed=feed,
        )  # fmt: skip

    # -- items, meetings, documents ------------------------------------------------------------

    def item_page(self, request: Request) -> Response:
        uid = request.path_params["uid"]
        stored = self.archive.item(uid)
        context = self.archive.item_context(uid) if stored else None
        if stored is None or context is None:
            return self.not_found(request, "Dagsordenspunktet findes ikke i arkivet.")
        item = stored.item
        decision_section = {"beslutning"}
        return self.page(request, "item.html", title=item.title, stored=stored, item=item, ctx=context,
                         outcome=item.outcome.value if item.outcome else None, decision_section=decision_section)  # fmt: skip

    def meeting_page(self, request: Request) -> Response:
        day = _as_date(request.path_params["day"])
        found = self.archive.meeting(request.path_params["committee"], day) if day else None
        if found is None:
            return self.not_found(request, "Mødet findes ikke i arkivet.")
        return self.page(request, "meeting.html", title=f"{found['committee']}, {dansk_dato(found['date'])}", meeting=found,
                         feed={"url": committee_feed_url(found["committee_slug"]), "title": found["committee"]})  # fmt: skip

    def document(self, request: Request) -> Response:
        sha = request.path_params["sha256"].lower()
        info = self.archive.document_file(sha) if re.fullmatch(r"[0-9a-f]{64}", sha) else None
        path = info["path"] if info is not None else None
        if info is None or path is None or not path.is_file():
            return self.not_found(request, "Det originale dokument findes ikke i arkivet.")
        source = info["source"] or sha
        name = re.split(r"[/\\]", source.split("?")[0].rstrip("/"))[-1] or sha
        media = CONTENT_TYPES.get(info["content_type"] or "") or info["content_type"]
        if not media or "/" not in media:
            media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media, filename=name,
                            headers={"content-security-policy": "sandbox; default-src 'none'"})  # fmt: skip

    # -- cases ----------------------------------------------------------------------------------

    def case_page(self, request: Request) -> Response:
        number = request.path_params["number"].strip()
        for suffix, fmt in ((".md", "md"), (".html", "html")):
            if number.endswith(suffix):
                return self.case_download(request, number[: -len(suffix)].strip(), fmt)
        if not number:
            return self.not_found(request, "Angiv et sagsnummer.")
        history = self.archive.history(number) if number else None
        kle = self.archive.case_number_parts(number) if number else None
        listing = None
        if kle is not None and kle["year"] is None:
            # A KLE prefix may hold thousands of cases: list them a page at a time through the index.
            page_no = whole_number(request.query_params.get("side"), 1, MAX_PAGE, 1)
            if page_no is None:
                return self.bad_request(request, f"Sidetallet skal være et helt tal fra 1 til {MAX_PAGE}.")
            found = self.search("", case=number, sort="date", limit=CASE_PAGE, offset=(page_no - 1) * CASE_PAGE)
            case = {"kle": kle, "items": found["hits"]}
            listing = {"total": found["total"], "page": page_no, "pages": max(1, math.ceil(found["total"] / CASE_PAGE)),
                       "search": "/soeg?" + urlencode({"sag": number, "sort": "dato"})}  # fmt: skip
        else:
            case = self.archive.case(number) if number else {"items": [], "kle": None}
        if not history and not case["items"]:
            return self.not_found(request, "Sagen findes ikke i arkivet.")
        title = (history or {}).get("title") or f"Sag {number}"
        return self.page(request, "case.html", title=f"Sag {number}", number=number, heading=title, history=history,
                         case=case, listing=listing, feed={"url": case_url(number) + "/feed", "title": f"Sag {number}"})  # fmt: skip

    def case_download(self, request: Request, number: str, fmt: str) -> Response:
        history = self.archive.history(number) if number else None
        if not history:
            return self.not_found(request, "Sagen findes ikke i arkivet, så der er intet sagsforløb at hente.")
        name = "sagsforloeb-" + (re.sub(r"[^A-Za-z0-9._-]+", "_", number).strip("_") or "sag")
        if fmt == "md":
            body, media = history_markdown(history), "text/markdown; charset=utf-8"
        else:
            body = ("<!doctype html>\n<html lang=\"da\"><head><meta charset=\"utf-8\"><title>Sagsforløb</title></head><body>\n"
                    + history_html(history) + "</body></html>\n")  # fmt: skip
            media = "text/html; charset=utf-8"
        disposition = f"attachment; filename=\"{name}.{fmt}\"; filename*=UTF-8''{quote(name)}.{fmt}"
        return Response(body, media_type=media, headers={"content-disposition": disposition})

    # -- budget ---------------------------------------------------------------------------------

    def budget_years(self, request: Request) -> Response:
        return self.page(request, "budget_years.html", title="Budgetaftaler", years=self.archive.budget_years())

    def budget_year(self, request: Request) -> Response:
        year = request.path_params["year"]
        overview = self.archive.budget(year)
        if not overview or (not overview["in_archive"] and not overview["points"] and not overview["year_only"]):
            return self.not_found(request, f"Der er ingen budgetaftale for {year} i arkivet.")
        return self.page(request, "budget_year.html", title=f"Aftale om budget {year}", overview=overview)

    def budget_point(self, request: Request) -> Response:
        year, point = request.path_params["year"], request.path_params["point"].strip().rstrip(".")
        result = self.archive.budget(year, point) if re.fullmatch(r"\d+(\.\d+)*", point) else None
        if not result:
            return self.not_found(request, f"Punkt {point} i aftalen om budget {year} findes ikke i arkivet.")
        return self.page(request, "budget_point.html", title=f"Budget {year}, punkt {point}", b=result,
                         feed={"url": budget_url(year, point) + "/feed", "title": budget_feed_title(result)})  # fmt: skip

    # -- Atom feeds -----------------------------------------------------------------------------
    # Every feed is the newest agenda items of something a page shows, read through the same
    # Archive method as that page; `referat.render.atom_feed` writes it.

    def feed(self, request: Request, key: str, title: str, alternate: str, hits: list[dict]) -> Response:
        """An Atom feed of these hits (items only: the others have no item page), linking to pages
        under the request's own base URL."""
        base = str(request.base_url).rstrip("/")
        entries = [{**h, "url": base + item_url(h["id"])} for h in hits if h.get("kind", "item") == "item"]
        body = atom_feed({"key": key, "title": title, "self_url": str(request.url), "alternate_url": base + alternate, "entries": entries})
        return Response(body, media_type=ATOM_MEDIA_TYPE)

    def search_feed(self, request: Request) -> Response:
        """`/soeg/feed?…` and `/soeg?…&format=atom`: the search page's search, newest first."""
        request_, _, _, _ = self.page_search(request.query_params, sort="date", limit=FEED_ENTRIES, offset=0)
        return self.search_results_feed(request, request_)

    def search_results_feed(self, request: Request, request_: Any) -> Response:
        hits = self.search(request_)["hits"]
        return self.feed(request, search_url(request_, "search"), search_feed_title(request_), search_url(request_), hits)

    def case_feed(self, request: Request) -> Response:
        """`/sag/<number>/feed`: the items under a case number or KLE prefix, as the case page lists them."""
        number = request.path_params["number"].strip()
        kle = self.archive.case_number_parts(number) if number else None
        if kle is not None and kle["year"] is None:  # a prefix may hold thousands: the newest through the index
            hits = self.search("", case=number, sort="date", limit=FEED_ENTRIES)["hits"]
        else:
            hits = self.archive.case(number)["items"] if number else []
        if not hits:
            return self.not_found(request, "Sagen findes ikke i arkivet.")
        key = "case/" + re.sub(r"\s+", "", number).upper()  # "15.00.00-p05" is the same feed as "15.00.00-P05"
        return self.feed(request, key, f"Sag {number}", case_url(number), hits)

    def committee_feed(self, request: Request) -> Response:
        """`/udvalg/<committee-slug>/feed`: the committee's newest items (there is no committee page:
        the alternate link is the search filtered to it)."""
        committee_slug = request.path_params["committee"]
        name = self.archive.committee_name(committee_slug)
        if name is None:
            return self.not_found(request, "Udvalget findes ikke i arkivet.")
        request_ = search_request("", committee=name, sort="date", limit=FEED_ENTRIES)
        hits = self.search(request_)["hits"]
        return self.feed(request, f"committee/{committee_slug}", name, search_url(request_), hits)

    def budget_feed(self, request: Request) -> Response:
        """`/budget/<year>/<point>/feed`: the items that cite the point and those about its subject."""
        year, point = request.path_params["year"], request.path_params["point"].strip().rstrip(".")
        result = self.archive.budget(year, point) if re.fullmatch(r"\d+(\.\d+)*", point) else None
        if not result:
            return self.not_found(request, f"Punkt {point} i aftalen om budget {year} findes ikke i arkivet.")
        return self.feed(request, f"budget/{year}/{point}", budget_feed_title(result), budget_url(year, point),
                         result["explicit"] + result["suggested"])  # fmt: skip

    # -- loose ends -----------------------------------------------------------------------------

    def _loose_ends(self, request: Request, year_key: str, committee_key: str, months_key: str) -> dict[str, Any] | Response:
        p = request.query_params
        year = whole_number(p.get(year_key), BUDGET_YEARS.start, BUDGET_YEARS.stop - 1, 0)
        months = whole_number(p.get(months_key), 0, 1200, 3)
        if year is None or months is None:
            danish = not request.url.path.startswith("/api/")
            return self.bad_request(request, "Året skal være et årstal, og måneder et helt tal fra 0 til 1200." if danish
                                    else f"{year_key} must be a year and {months_key} a whole number from 0 to 1200.")  # fmt: skip
        return self.archive.loose_ends(year=year or None, committee=p.get(committee_key) or None, months=months)

    def loose_ends_page(self, request: Request) -> Response:
        found = self._loose_ends(request, "aar", "udvalg", "maaneder")
        if isinstance(found, Response):
            return found
        return self.page(request, "loose_ends.html", title="Løse ender", r=found)

    def api_loose_ends(self, request: Request) -> Response:
        found = self._loose_ends(request, "year", "committee", "months")
        return found if isinstance(found, Response) else _json(found)

    # -- parties --------------------------------------------------------------------------------

    def parties_page(self, request: Request) -> Response:
        return self.page(request, "parties.html", title="Partier", parties=self.archive.parties())

    def party_page(self, request: Request) -> Response:
        page_no = whole_number(request.query_params.get("side"), 1, MAX_PAGE, 1)
        if page_no is None:
            return self.bad_request(request, f"Sidetallet skal være et helt tal fra 1 til {MAX_PAGE}.")
        found = self.archive.party(request.path_params["party"], limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        if found is None:
            return self.not_found(request, "Arkivet kender ikke partiet fra deltagerlister eller beslutninger.")
        return self.page(request, "party.html", title=party_name(found["party"]), p=found, page_no=page_no,
                         pages=max(1, math.ceil(found["dissent_total"] / PAGE_SIZE)))  # fmt: skip

    def api_party(self, request: Request) -> Response:
        limit = whole_number(request.query_params.get("limit"), 1, API_MAX_LIMIT, 50)
        offset = whole_number(request.query_params.get("offset"), 0, MAX_PAGE * PAGE_SIZE, 0)
        if limit is None or offset is None:
            return self.bad_request(request, f"limit must be a whole number from 1 to {API_MAX_LIMIT}, offset one from 0.")
        found = self.archive.party(request.path_params["party"], limit=limit, offset=offset)
        if found is None:
            return self.not_found(request, "no such party in the archive's attendance or decisions.")
        return _json(found)

    # -- fetched sources ------------------------------------------------------------------------

    def sources_page(self, request: Request) -> Response:
        result = self.archive.sources()
        return self.page(request, "kilder.html", title="Kilder", today=result["today"], sources=result["sources"])

    def api_sources(self, request: Request) -> Response:
        return _json(self.archive.sources())

    # -- API ------------------------------------------------------------------------------------

    def api_page(self, request: Request) -> Response:
        return self.page(request, "api.html", title="API", outcomes=OUTCOME_FILTERS, kinds=KIND_FILTERS)

    def api_search(self, request: Request) -> Response:
        p = request.query_params
        fmt = p.get("format") or "json"
        if fmt not in ("json", "atom"):
            return self.bad_request(request, f"format: {fmt!r} is not a format; use json or atom.")
        if fmt == "atom" and p.get("kind") not in (None, "", "item"):
            return self.bad_request(request, "kind: an Atom feed lists agenda items; leave kind out or use kind=item.")
        # A feed is the newest items (at most FEED_ENTRIES): sort and offset do not apply to it.
        window = dict(sort="date", limit=p.get("limit") or FEED_ENTRIES, offset=0, max_limit=FEED_ENTRIES) if fmt == "atom" else \
            dict(sort=p.get("sort"), limit=p.get("limit"), offset=p.get("offset"), max_limit=API_MAX_LIMIT)  # fmt: skip
        try:
            asked = search_request(p.get("q", ""), committee=p.get("committee"), date_from=p.get("from"), date_to=p.get("to"),
                                   outcome=p.get("outcome"), case=p.get("case"), kind=p.get("kind"), max_query=MAX_QUERY,
                                   dissent=p.get("dissent"),
                                   require_subject=True, **window)  # fmt: skip
        except FilterError as error:
            return self.bad_request(request, f"{error.source}: {error.problem}.")
        if fmt == "atom":
            return self.search_results_feed(request, asked)
        return _json(self.search(asked))

    def api_case(self, request: Request) -> Response:
        query = request.path_params["q"].strip()
        result = self.archive.case(query) if query else {"items": []}
        if not result["items"]:
            return self.not_found(request, "no items are filed under that case number or prefix.")
        return _json(result)

    def api_history(self, request: Request) -> Response:
        subject = request.path_params["subject"].strip()
        result = self.archive.history(subject) if subject else None
        if not result:
            return self.not_found(request, "neither a stored case number nor an item id.")
        return _json(result)

    def api_budget(self, request: Request) -> Response:
        year = request.path_params["year"]
        point = request.path_params.get("point")
        if year not in BUDGET_YEARS:
            return self.not_found(request, f"no budget agreement can exist for {year}; years are {BUDGET_YEARS.start}-{BUDGET_YEARS.stop - 1}.")
        result = self.archive.budget(year, point.strip()) if point else self.archive.budget(year)
        if not result or (point is None and not result["in_archive"] and not result["points"] and not result["year_only"]):
            return self.not_found(request, "no such budget agreement or point in the archive.")
        return _json(result)

    def api_item(self, request: Request) -> Response:
        uid = request.path_params["uid"]
        stored = self.archive.item(uid)
        context = self.archive.item_context(uid) if stored else None
        if stored is None or context is None:
            return self.not_found(request, "no item with that id.")

        out = {"id": stored.uid, "kind": "item", "committee": stored.committee, "meeting_date": stored.meeting_date.isoformat() if stored.meeting_date else None,
               "item_number": stored.item.number, "meeting_kind": stored.meeting_kind, "source": stored.source,
               "sha256": stored.sha256, "document_url": f"/dokument/{stored.sha256}"}  # fmt: skip
        out.update(item_dict(stored.item))
        resolved = {(t["body"], t["date"].isoformat(), t["item_number"]): t["uid"] for t in context["treatments"]}
        for t in out["previous_treatments"]:
            t["resolved_id"] = resolved.get((t["body"], t["date"], t["item_number"]))
            t["in_archive"] = t["resolved_id"] is not None
        out["cited_by"] = [c["uid"] for c in context["cited_by"]]
        return _json(out)


def _json(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, default=str), media_type="application/json")


def create_app(
    archive_factory: Callable[[], Archive] | None = None,
    *,
    data_dir: Path | str | None = None,
    db_url: str | None = None,
    engine: str | None = None,
    read_urls: tuple[str, ...] | list[str] = (),
) -> Starlette:
    """The web app over one archive: from `archive_factory`, or opened from data_dir/db_url/engine
    (and read_urls, the database's read replicas)."""
    if archive_factory is None:
        if data_dir is None:
            raise ValueError("create_app needs archive_factory or data_dir")
        settings = Settings(Path(data_dir), db_url, engine, read_urls=tuple(read_urls))
        archive_factory = lambda: Archive.open(settings, notice=log.warning)  # noqa: E731
    web = Web(archive_factory)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        _ = web.archive  # open at start-up, so the first visitor does not wait
        try:
            yield
        finally:
            web.close()

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return web.not_found(request, "Adressen findes ikke.")
        if exc.status_code == 405:
            if request.url.path.startswith("/api/"):
                return JSONResponse({"error": "read-only: only GET is allowed"}, 405, headers={"allow": "GET, HEAD"})
            return web.page(request, "error.html", 405, title="Ikke tilladt", heading="Ikke tilladt",
                            message="Arkivet kan kun læses her; kun GET er tilladt.")  # fmt: skip
        return web.page(request, "error.html", exc.status_code, title="Fejl", heading="Fejl", message=str(exc.detail))

    def failure_page(request: Request) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "internal error; see the server log"}, status_code=500)
        try:
            return web.page(request, "error.html", 500, title="Fejl", heading="Der skete en fejl",
                            message="Siden kunne ikke vises. Prøv igen om lidt; fejlen er skrevet i serverens log.")  # fmt: skip
        except Exception:  # noqa: BLE001 - the error page itself must never fail with a traceback
            return HTMLResponse("<!doctype html><title>Fejl</title><p>Der skete en fejl.</p>", status_code=500)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("error on %s: %s: %s", request.url.path, type(exc).__name__, _one_line(exc))
        return failure_page(request)

    def get(path: str, endpoint: Callable) -> Route:
        return Route(path, endpoint, methods=["GET"])

    routes = [
        get("/", web.search_page),
        get("/soeg", web.search_page),
        get("/soeg/feed", web.search_feed),
        get("/punkt/{uid:path}", web.item_page),
        get("/sag/{number:path}/feed", web.case_feed),
        get("/sag/{number:path}", web.case_page),
        get("/udvalg/{committee}/feed", web.committee_feed),
        get("/budget", web.budget_years),
        get("/budget/{year:int}", web.budget_year),
        get("/budget/{year:int}/{point:path}/feed", web.budget_feed),
        get("/budget/{year:int}/{point:path}", web.budget_point),
        get("/moede/{committee}/{day}", web.meeting_page),
        get("/dokument/{sha256}", web.document),
        get("/favicon.ico", lambda request: RedirectResponse("/static/favicon.svg", 301)),
        get("/loese-ender", web.loose_ends_page),
        get("/api/loose-ends", web.api_loose_ends),
        get("/parti", web.parties_page),
        get("/parti/{party}", web.party_page),
        get("/kilder", web.sources_page),
        get("/api", web.api_page),
        get("/api/party/{party}", web.api_party),
        get("/api/search", web.api_search),
        get("/api/case/{q:path}", web.api_case),
        get("/api/history/{subject:path}", web.api_history),
        get("/api/budget/{year:int}", web.api_budget),
        get("/api/budget/{year:int}/{point:path}", web.api_budget),
        get("/api/item/{uid:path}", web.api_item),
        get("/api/sources", web.api_sources),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = _App(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error, Exception: server_error})
    app.failure_page = failure_page
    app.state.web = web
    return app


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the archive the settings name until interrupted."""
    import sys

    import uvicorn

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("referat: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        archive = Archive.open(settings, notice=lambda m: print(m, file=sys.stderr))
    except ReferatError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(1)
    app = create_app(lambda: archive)
    shown = f"[{host}]" if ":" in host else host
    print(f"referat: serving {settings.data} on http://{shown}:{port}/ (Ctrl+C stops)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)


__all__ = ["create_app", "run"]
