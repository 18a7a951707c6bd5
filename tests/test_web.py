"""The web interface (issue 7), view by view with Starlette's TestClient, against an archive of the
four samples plus a hostile fixture whose title, sections, decision, case number, earlier treatment,
budget quote and a budget point carry markup that must never come out live."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from textwrap import dedent
from urllib.parse import quote

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from referat.archive import Archive
from referat.web.server import create_app

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
UID_2020 = "erhvervs-og-beskaeftigelsesudvalget-2020-08-18-{}"
UID_2019 = "erhvervs-og-beskaeftigelsesudvalget-2019-06-11-{}"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = SCRIPT + IMG
HOSTILE_CASE = "27.00.00-A00-" + HOSTILE
HOSTILE_UID = "oekonomiudvalget-2021-03-19-1"
EARLIER_UID = "oekonomiudvalget-2021-02-02-4"

FIXTURES = {
    "hostile.txt": f"""
        Referat Økonomiudvalget 19.03.2021 kl. 16:00

        Punkt 1: Sikkerhed {SCRIPT} {IMG} i budgetopfølgning

        Tidligere behandling

        Økonomiudvalget den 2. februar 2021 Punkt 4

        Sagsfremstilling

        Teksten indeholder {SCRIPT} og {IMG} om budgetopfølgning. Jf. "Aftale om budget 2019", punkt 5.3.

        Beslutning

        Godkendt {SCRIPT} {IMG}
    """,
    "earlier.txt": """
        Referat Økonomiudvalget 02.02.2021 kl. 16:00

        Punkt 4: Budgetopfølgning før sikkerhed

        Sagsfremstilling

        Den første behandling af budgetopfølgningen.

        Beslutning

        Indstillingen godkendt
    """,
}


def hostile_parse(text: str, **kwargs):
    """The real parser, then hostile values where the parser would not produce them from text."""
    from referat.ingest.pipeline import default_parse
    from referat.model import BudgetPoint

    doc = default_parse()(text, **kwargs)
    if doc.meeting is not None and "hostile" in kwargs.get("source", ""):
        for item in doc.meeting.items:
            item.case_number = HOSTILE_CASE
            item.attachments.append("Bilag " + HOSTILE)
    if doc.budget_agreement is not None and doc.budget_agreement.year == 2019:
        doc.budget_agreement.points.append(BudgetPoint("9.9", "Løfte " + HOSTILE, text="Tekst " + HOSTILE, status="Status " + HOSTILE))
    return doc


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("in")
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy(sample, folder / sample.name)
    for name, text in FIXTURES.items():
        (folder / name).write_text(dedent(text).strip() + "\n", encoding="utf-8")
    data = tmp_path_factory.mktemp("data")
    with Archive(data, parse=hostile_parse) as archive:
        report = archive.ingest([folder])
        assert not report.failed, report.failed
    return data


@pytest.fixture(scope="module")
def archive(data_dir: Path):
    with Archive(data_dir) as archive:
        yield archive


@pytest.fixture(scope="module")
def client(data_dir: Path):
    with TestClient(create_app(data_dir=data_dir)) as client:
        yield client


# --- helpers -------------------------------------------------------------------------------------


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of the first <h1>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(body: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(body)
    return parser.tags


def esc(text: str) -> str:
    """As Jinja2's autoescape writes it."""
    return str(escape(text))


def get(client: TestClient, url: str, status: int = 200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:500])
    return r


def assert_no_live_markup(body: str, url: str, own_script: int = 1) -> None:
    """No script but the site's own file, no img, no event handler anywhere."""
    for tag, attrs in tags(body):
        if tag == "script":
            assert attrs == {"src": "/static/referat.js", "defer": None}, (url, attrs)
        assert tag not in ("img", "iframe", "object"), (url, tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (url, tag, attrs)
    assert SCRIPT not in body and "<img" not in body and body.count("<script") == own_script, url


def assert_accessible(body: str, url: str) -> None:
    found = tags(body)
    names = [t for t, _ in found]
    assert names.count("h1") == 1, url
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in names, (url, landmark)
    labelled = {a.get("for") for t, a in found if t == "label"}
    for tag, attrs in found:
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            assert attrs.get("id") in labelled, (url, tag, attrs)
    assert '<html lang="da">' in body


# --- search --------------------------------------------------------------------------------------


def test_front_page_has_one_search_box_and_the_ways_in(client):
    r = get(client, "/")
    assert_accessible(r.text, "/")
    assert 'action="/soeg"' in r.text and 'name="q"' in r.text
    assert 'href="/budget/2019"' in r.text  # the budget agreement is two clicks from here
    assert "/moede/erhvervs-og-beskaeftigelsesudvalget/2020-08-18" in r.text


def test_search_shows_hits_with_danish_date_case_badge_and_highlight(client):
    r = get(client, "/soeg?q=indvandrere")
    assert_accessible(r.text, "/soeg")
    body = r.text
    assert "Indsatser for ledige med ikke-vestlig baggrund" in body
    assert f'href="/punkt/{UID_2020.format(6)}"' in body
    assert "18. august 2020" in body and "punkt 6" in body
    assert 'href="/sag/15.00.00-P05-4-20"' in body
    assert 'class="badge badge-approved">Godkendt<' in body
    assert "<mark>indvandreres</mark>" in body
    assert "Indstillingen godkendt" in body
    assert 'value="indvandrere"' in body  # the query stays in the box


def test_facets_are_links_that_add_a_filter_and_show_counts(client):
    body = get(client, "/soeg?q=job").text
    assert "/soeg?q=job&amp;udvalg=Erhvervs-+og+Besk%C3%A6ftigelsesudvalget" in body
    assert "/soeg?q=job&amp;fra=2020-01-01&amp;til=2020-12-31" in body
    assert re.search(r'beslutning=approved">Godkendt</a> <span class="count">\d+</span>', body)
    filtered = get(client, "/soeg?q=job&beslutning=noted").text
    assert 'class="badge badge-approved"' not in filtered and 'class="badge badge-noted"' in filtered
    assert "Beslutning: Taget til efterretning ✕" in filtered  # the active filter, removable


def test_date_range_filters_and_invalid_dates_are_explained(client):
    body = get(client, "/soeg?q=job&fra=2020-01-01&til=2020-12-31").text
    assert "11. juni 2019" not in body and "2020" in body
    bad = get(client, "/soeg?q=job&fra=2020-13-45").text
    assert "ikke en gyldig dato" in bad


def test_filters_alone_list_items_and_page(client, archive):
    committee = quote("Erhvervs- og Beskæftigelsesudvalget")
    total = archive.search("", committee="Erhvervs- og Beskæftigelsesudvalget")["total"]
    assert total > 20
    first = get(client, f"/soeg?udvalg={committee}").text
    assert f"{total} resultater" in first and "side 1 af 2" in first and 'rel="next"' in first
    second = get(client, f"/soeg?udvalg={committee}&side=2").text
    assert "side 2 af 2" in second and 'rel="prev"' in second
    assert second.count('class="hit"') == total - 20


def test_did_you_mean_is_a_link(client):
    body = get(client, "/soeg?q=frivilighedspolitik").text
    assert 'Mente du <a href="/soeg?q=frivillighedspolitik">frivillighedspolitik</a>?' in body


def test_sort_by_date(client):
    body = get(client, "/soeg?q=job&sort=dato").text
    dates = re.findall(r'<time datetime="(\d{4}-\d\d-\d\d)"', body)
    assert dates and dates == sorted(dates, reverse=True)


# --- item, meeting, document -----------------------------------------------------------------------


def test_item_page_has_everything_a_reader_needs(client, archive):
    uid = UID_2020.format(6)
    body = get(client, f"/punkt/{uid}").text
    assert_accessible(body, uid)
    item = archive.item(uid).item
    positions, at = [], 0
    for section in item.sections:  # every section, in order
        at = body.index(esc(section.text[:60]), at)
        positions.append(at)
    assert len(positions) >= 4
    assert body.index('id="h-beslutning"') < positions[0]  # the decision comes first
    assert "Indstillingen godkendt" in body and "badge-approved" in body
    assert 'href="/sag/15.00.00-P05-4-20"' in body
    assert "12. maj 2020, punkt 3" in body and "ikke i arkivet" in body  # an earlier treatment not stored
    assert "Mødedeltagere" in body and "Til stede:" in body
    sha = archive.item(uid).sha256
    assert f'href="/dokument/{sha}"' in body


def test_resolved_earlier_treatment_links_to_its_item(client):
    body = get(client, f"/punkt/{HOSTILE_UID}").text
    assert f'href="/punkt/{EARLIER_UID}"' in body
    earlier = get(client, f"/punkt/{EARLIER_UID}").text
    assert f'href="/punkt/{HOSTILE_UID}"' in earlier  # and back: treated again later


def test_budget_references_link_to_the_point(client):
    body = get(client, f"/punkt/{UID_2019.format(6)}").text
    assert 'href="/budget/2019/5.3"' in body and "Aftale om budget 2019, punkt 5.3" in body


def test_original_document_downloads_with_its_type(client, archive):
    stored = archive.item(UID_2020.format(6))
    r = get(client, f"/dokument/{stored.sha256}")
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.content == Path(stored.source).read_bytes()
    get(client, "/dokument/" + "0" * 64, 404)
    get(client, "/dokument/../../etc/passwd", 404)


def test_meeting_page_lists_the_agenda_with_outcomes(client):
    body = get(client, "/moede/erhvervs-og-beskaeftigelsesudvalget/2020-08-18").text
    assert_accessible(body, "meeting")
    assert "Erhvervs- og Beskæftigelsesudvalget, 18. august 2020" in body
    assert f'href="/punkt/{UID_2020.format(6)}"' in body and f'href="/punkt/{UID_2020.format(10)}"' in body
    assert body.count('class="badge') >= 10


# --- cases ----------------------------------------------------------------------------------------


def test_case_page_has_timeline_items_and_downloads(client):
    body = get(client, "/sag/15.00.00-P05-4-20").text
    assert_accessible(body, "case")
    assert "Sagsforløb" in body and "via samme sagsnummer" in body
    assert f'href="/punkt/{UID_2020.format(6)}"' in body
    assert 'href="/sag/15.00.00-P05-4-20.md"' in body and 'href="/sag/15.00.00-P05-4-20.html"' in body
    assert "12. maj 2020" in body and "ikke i arkivet" in body


def test_history_via_labels_are_danish(client):
    body = get(client, f"/sag/{quote(HOSTILE_CASE, safe='')}").text
    assert "via samme sagsnummer" in body and "via tidligere behandling" in body


def test_a_kle_prefix_lists_every_case_under_it(client, archive):
    body = get(client, "/sag/15.00.00-P05").text
    for hit in archive.case("15.00.00-P05")["items"]:
        assert f'href="/punkt/{hit["id"]}"' in body


def test_history_downloads(client, archive):
    r = get(client, "/sag/15.00.00-P05-4-20.md")
    assert r.headers["content-type"].startswith("text/markdown")
    assert r.headers["content-disposition"].startswith('attachment; filename="sagsforloeb-15.00.00-P05-4-20.md"')
    from referat.render import history_markdown

    assert r.text == history_markdown(archive.history("15.00.00-P05-4-20"))
    r = get(client, "/sag/15.00.00-P05-4-20.html")
    assert r.headers["content-disposition"].startswith("attachment") and "<h2>Sagsforløb:" in r.text


# --- budget ---------------------------------------------------------------------------------------


def test_budget_years_and_year_overview(client):
    body = get(client, "/budget").text
    assert_accessible(body, "/budget")
    assert 'href="/budget/2019"' in body
    year = get(client, "/budget/2019").text
    assert_accessible(year, "/budget/2019")
    assert 'href="/budget/2019/5.3"' in year and "Flere indvandrere i job" in year
    assert "status noteret" in year


def test_budget_year_lists_the_items_citing_the_agreement_as_a_whole(client, archive):
    body = get(client, "/budget/2018").text
    assert_accessible(body, "/budget/2018")
    assert "Dagsordenspunkter, der henviser til aftalen som helhed" in body
    assert f'href="/punkt/{UID_2019.format(8)}"' in body and "Beskæftigelsesindsats for borgere med autisme" in body
    year = get(client, "/budget/2019").text
    for hit in archive.budget(2019)["year_only_items"]:
        assert f'href="/punkt/{hit["id"]}"' in year


def test_budget_point_page(client, archive):
    body = get(client, "/budget/2019/5.3").text
    assert_accessible(body, "5.3")
    b = archive.budget(2019, "5.3")
    assert "Flere indvandrere i job" in body and esc(b["status"]) in body
    assert f'href="/punkt/{UID_2019.format(6)}"' in body  # explicit
    assert esc(b["explicit"][0]["quote"]) in body
    assert f'href="/punkt/{UID_2020.format(6)}"' in body  # suggested
    assert "fælles ord" in body and '<span class="word">indvandrere</span>' in body
    for hit in b["year_only"]:
        assert f'href="/punkt/{hit["id"]}"' in body
    assert get(client, "/budget/2019/5.3.").text == body  # a trailing dot as printed in minutes


def test_a_cited_point_without_its_agreement(client):
    body = get(client, "/budget/2017/5.09").text
    assert "ikke i arkivet" in body and f'href="/punkt/{UID_2019.format(10)}"' in body


# --- API ------------------------------------------------------------------------------------------


def test_api_mirrors_the_library(client, archive):
    def same(url: str, expected) -> None:
        r = get(client, url)
        assert r.headers["content-type"] == "application/json"
        assert r.json() == json.loads(json.dumps(expected, default=str)), url

    same("/api/search?q=indvandrere", archive.search("indvandrere"))
    same("/api/search?q=job&committee=Erhvervs-+og+Besk%C3%A6ftigelsesudvalget&from=2020-01-01&to=2020-12-31&outcome=approved&sort=date&limit=5&offset=1",
         archive.search("job", committee="Erhvervs- og Beskæftigelsesudvalget", date_from=__import__("datetime").date(2020, 1, 1),
                        date_to=__import__("datetime").date(2020, 12, 31), outcome="approved", sort="date", limit=5, offset=1))  # fmt: skip
    same("/api/search?q=budget&kind=all", archive.search("budget", kind="all"))
    same("/api/case/15.00.00-P05", archive.case("15.00.00-P05"))
    same("/api/history/15.00.00-P05-4-20", archive.history("15.00.00-P05-4-20"))
    same(f"/api/history/{UID_2020.format(6)}", archive.history(UID_2020.format(6)))
    same("/api/budget/2019", archive.budget(2019))
    same("/api/budget/2019/5.3", archive.budget(2019, "5.3"))


def test_api_item(client, archive):
    data = get(client, f"/api/item/{HOSTILE_UID}").json()
    assert data["id"] == HOSTILE_UID and data["case_number"] == HOSTILE_CASE
    assert data["previous_treatments"][0]["resolved_id"] == EARLIER_UID
    assert [s["heading"] for s in data["sections"]] == [s.heading for s in archive.item(HOSTILE_UID).item.sections]
    assert data["document_url"].startswith("/dokument/")


@pytest.mark.parametrize("query", ["", "q=job&from=18-08-2020", "q=job&outcome=maybe", "q=job&limit=0", "q=job&limit=x", "q=job&sort=up", "q=job&kind=memo"])
def test_api_bad_requests_are_400_json(client, query):
    r = get(client, f"/api/search?{query}", 400)
    assert r.headers["content-type"] == "application/json" and r.json()["error"]


@pytest.mark.parametrize("url", ["/api/item/nope", "/api/case/99.99.99", "/api/history/nope", "/api/budget/1999", "/api/budget/2019/9.99"])
def test_api_not_found_is_404_json(client, url):
    assert get(client, url, 404).json()["error"]


def test_api_page_documents_every_endpoint(client):
    body = get(client, "/api").text
    assert_accessible(body, "/api")
    for path in ("/api/search", "/api/case/", "/api/history/", "/api/budget/", "/api/item/"):
        assert path in body


# --- errors, safety, life cycle --------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/punkt/nope", "/sag/99.99.99-X00-1-99", "/sag/nope.md", "/budget/2019/9.99", "/budget/1999",
                                 "/moede/ingen/2020-01-01", "/moede/ingen/not-a-date", "/noget-andet"])  # fmt: skip
def test_unknown_pages_are_danish_404s(client, url):
    r = get(client, url, 404)
    assert "findes ikke" in r.text and r.headers["content-type"].startswith("text/html")
    assert_accessible(r.text, url)


def test_read_only(client):
    for method in ("post", "put", "delete"):
        r = getattr(client, method)("/soeg")
        assert r.status_code == 405 and "kun GET" in r.text
    assert client.post("/api/search").status_code == 405


def test_security_headers(client):
    r = get(client, "/")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert re.fullmatch(r"app;dur=\d+\.\d", r.headers["server-timing"])


def test_errors_never_show_a_traceback(data_dir):
    app = create_app(data_dir=data_dir)
    with TestClient(app, raise_server_exceptions=False) as client:
        web = app.state.web

        def broken(uid):
            raise RuntimeError("secret internals")

        web.archive.item = broken
        for url in (f"/punkt/{UID_2020.format(6)}", f"/api/item/{UID_2020.format(6)}"):
            r = client.get(url)
            assert r.status_code == 500
            assert "Traceback" not in r.text and "secret internals" not in r.text and "RuntimeError" not in r.text
        assert "Der skete en fejl" in client.get(f"/punkt/{UID_2020.format(6)}").text


def test_one_archive_per_app_closed_at_shutdown(data_dir):
    opened: list[Archive] = []
    closed: list[Archive] = []

    def factory() -> Archive:
        archive = Archive(data_dir)
        original = archive.close
        archive.close = lambda: (closed.append(archive), original())[1]  # type: ignore[method-assign]
        opened.append(archive)
        return archive

    with TestClient(create_app(factory)) as client:
        for url in ("/", "/soeg?q=job", f"/punkt/{UID_2020.format(6)}", "/budget/2019/5.3", "/api/search?q=job"):
            get(client, url)
        assert len(opened) == 1 and not closed
    assert closed == opened


def hostile_pages(archive: Archive) -> list[str]:
    sha = archive.item(HOSTILE_UID).sha256
    case = quote(HOSTILE_CASE, safe="")
    return [
        "/soeg?q=budgetopf%C3%B8lgning",
        "/soeg?q=" + quote(HOSTILE),
        "/soeg?q=sikkerhed&udvalg=" + quote(HOSTILE) + "&sag=" + quote(HOSTILE),
        f"/punkt/{HOSTILE_UID}",
        f"/punkt/{EARLIER_UID}",
        f"/sag/{case}",
        "/sag/27.00.00",
        "/moede/oekonomiudvalget/2021-03-19",
        "/budget",
        "/budget/2019",
        "/budget/2019/9.9",
        "/budget/2019/5.3",
        "/",
        f"/punkt/{quote(HOSTILE, safe='')}",
        f"/sag/{quote(HOSTILE, safe='')}x",
        f"/dokument/{sha}",
    ]


def test_hostile_text_is_escaped_on_every_page(client, archive):
    seen = {"title": False, "section": False, "decision": False, "case": False, "budget": False, "attachment": False}
    for url in hostile_pages(archive):
        r = client.get(url)
        assert r.status_code in (200, 404), url
        if url.startswith("/dokument/"):  # the original, as it was: a download, never rendered
            assert r.headers["content-disposition"].startswith("attachment") and "sandbox" in r.headers["content-security-policy"]
            continue
        assert_no_live_markup(r.text, url)
        escaped = esc(SCRIPT)
        seen["title"] |= f"Sikkerhed {escaped}" in r.text
        seen["section"] |= f"Teksten indeholder {escaped}" in r.text
        seen["decision"] |= f"Godkendt {escaped}" in r.text
        seen["case"] |= esc(HOSTILE_CASE) in r.text
        seen["budget"] |= f"Løfte {escaped}" in r.text
        seen["attachment"] |= f"Bilag {escaped}" in r.text
    assert all(seen.values()), seen


def test_hostile_text_in_downloads_and_json(client):
    case = quote(HOSTILE_CASE, safe="")
    r = get(client, f"/sag/{case}.html")
    assert r.headers["content-disposition"].startswith("attachment")
    assert_no_live_markup(r.text, "history.html", own_script=0)
    data = get(client, f"/api/item/{HOSTILE_UID}")
    assert data.headers["content-type"] == "application/json" and data.headers["x-content-type-options"] == "nosniff"
    assert SCRIPT in data.json()["title"]  # JSON carries the text as it is; escaping is the reader's job


def test_concurrent_requests_share_one_archive(client):
    from concurrent.futures import ThreadPoolExecutor

    urls = ["/soeg?q=job", "/soeg?q=indvandrere&beslutning=approved", f"/punkt/{UID_2020.format(6)}", "/sag/15.00.00-P05-4-20",
            "/budget/2019/5.3", "/api/search?q=budget", "/moede/erhvervs-og-beskaeftigelsesudvalget/2019-06-11"] * 6  # fmt: skip
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda url: client.get(url).status_code, urls))
    assert codes == [200] * len(urls)


def test_a_running_server_sees_what_another_process_ingests(tmp_path):
    first, second = sorted(SAMPLES.glob("*.txt"))[1:3]
    data = tmp_path / "data"
    with Archive(data) as writer:
        writer.ingest([first])
    with TestClient(create_app(data_dir=data)) as client:
        before = client.get("/api/search?q=fleksjob").json()["total"]
        with Archive(data) as writer:  # `referat ingest` beside `referat serve`
            writer.ingest([second])
            writer.reindex()  # a new index generation is swapped in
        after = client.get("/api/search?q=fleksjob").json()["total"]
        assert after > before
        assert client.get("/soeg?q=fleksjob").status_code == 200


@pytest.mark.postgres
def test_the_same_pages_on_a_postgresql_store(pg_url, tmp_path):
    from tests.conftest import pg_schema

    folder = tmp_path / "in"
    folder.mkdir()
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy(sample, folder / sample.name)
    with pg_schema(pg_url, "w") as url:
        with Archive(tmp_path / "data", url, search_engine="postgres") as archive:
            assert not archive.ingest([folder]).failed
        with TestClient(create_app(data_dir=tmp_path / "data", db_url=url, engine="postgres")) as client:
            body = get(client, "/soeg?q=indvandrere").text
            assert f'href="/punkt/{UID_2020.format(6)}"' in body and "<mark>indvandreres</mark>" in body
            assert "Flere indvandrere i job" in get(client, "/budget/2019/5.3").text
            assert "via samme sagsnummer" in get(client, "/sag/15.00.00-P05-4-20").text
            assert get(client, "/sag/15.00.00-P05").status_code == 200
            found = get(client, "/api/search?q=indvandrere").json()
            # the 2020 item in its own words, and the 2019 item citing point 5.3, "Flere indvandrere i job"
            assert found["total"] == 2 and found["hits"][0]["id"] == UID_2020.format(6)
