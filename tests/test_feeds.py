"""Atom feeds (issue 13): a search, a case or KLE prefix, a committee and a budget point, each read
back with a real feed parser (feedparser), against the four samples plus a hostile item whose
title and decision carry markup, "]]>" and control characters that XML 1.0 cannot hold."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from textwrap import dedent
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from starlette.testclient import TestClient

from referat.archive import Archive
from referat.render import ATOM_MEDIA_TYPE, FEED_ENTRIES, atom_feed
from referat.web.server import create_app

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
UID_2020 = "erhvervs-og-beskaeftigelsesudvalget-2020-08-18-{}"
UID_2019 = "erhvervs-og-beskaeftigelsesudvalget-2019-06-11-{}"
EBU = "Erhvervs- og Beskæftigelsesudvalget"
HOSTILE_UID = "oekonomiudvalget-2021-03-19-1"
HOSTILE_TITLE = "Sikkerhed <script>alert(1)</script> ]]> \x01\x0b\x0c\x1b\ufffe æøå ÆØÅ"
HOSTILE_DECISION = 'Godkendt <b>fed</b> & ]]> "citat" \x08\x1f æøå'
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
HOSTILE = """
    Referat Økonomiudvalget 19.03.2021 kl. 16:00

    Punkt 1: Sikkerhed i budgetopfølgning

    27.00.00-A00-1-21

    Sagsfremstilling

    Om budgetopfølgning og indvandrere i job. Jf. "Aftale om budget 2019", punkt 5.3.

    Beslutning

    Godkendt
"""


def hostile_parse(text: str, **kwargs):
    """The real parser, then a title and a decision no parser would give, on the hostile item."""
    from referat.ingest.pipeline import default_parse

    doc = default_parse()(text, **kwargs)
    if doc.meeting is not None and "hostile" in kwargs.get("source", ""):
        doc.meeting.items[0].title = HOSTILE_TITLE
        doc.meeting.items[0].decision = HOSTILE_DECISION
    return doc


def make_archive(folder: Path, data: Path) -> Path:
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy(sample, folder / sample.name)
    (folder / "hostile.txt").write_text(dedent(HOSTILE).strip() + "\n", encoding="utf-8")
    with Archive(data, parse=hostile_parse) as archive:
        report = archive.ingest([folder])
        assert not report.failed, report.failed
    return data


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_archive(tmp_path_factory.mktemp("in"), tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def client(data_dir: Path):
    with TestClient(create_app(data_dir=data_dir)) as client:
        yield client


@pytest.fixture(scope="module")
def archive(client: TestClient) -> Archive:
    """The archive the app serves: the feeds must list what its methods answer."""
    return client.app.state.web.archive


def feed(client: TestClient, url: str, **kwargs) -> feedparser.FeedParserDict:
    """The feed at `url`, parsed; it must be well-formed Atom with the right content type."""
    r = client.get(url, **kwargs)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    assert r.headers["content-type"] == ATOM_MEDIA_TYPE
    parsed = feedparser.parse(r.content)
    assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
    assert parsed.version == "atom10", url
    assert NOT_XML.search(r.content.decode("utf-8")) is None
    return parsed


def uids(parsed) -> list[str]:
    return [e.id.removeprefix("tag:referat,2024:item/") for e in parsed.entries]


def assert_newest_first(parsed) -> None:
    days = [e.updated for e in parsed.entries]
    assert days == sorted(days, reverse=True), days


def links(parsed, rel: str) -> list[str]:
    return [link.href for link in parsed.feed.links if link.rel == rel]


# --- the four kinds of feed ----------------------------------------------------------------------


def test_search_feed_is_atom_newest_first_with_absolute_links(client, archive):
    parsed = feed(client, "/soeg/feed?q=job")
    assert parsed.feed.title == "Søgning: »job«"
    assert parsed.feed.id == "tag:referat,2024:feed/search?q=job"
    assert links(parsed, "self") == ["http://testserver/soeg/feed?q=job"]
    assert links(parsed, "alternate") == ["http://testserver/soeg?q=job&sort=dato"]
    expected = archive.search("job", sort="date", limit=FEED_ENTRIES)["hits"]
    assert set(uids(parsed)) == {h["id"] for h in expected} and len(parsed.entries) == len(expected) > 3
    assert_newest_first(parsed)
    for entry, uid in zip(parsed.entries, uids(parsed)):
        assert entry.link == f"http://testserver/punkt/{uid}"
    assert parsed.feed.updated == parsed.entries[0].updated


def test_the_same_search_is_one_feed_by_every_address(client):
    first = feed(client, "/soeg/feed?q=job&udvalg=" + EBU)
    for url in ("/soeg?q=job&udvalg=" + EBU + "&format=atom", "/api/search?q=job&committee=" + EBU + "&format=atom",
                "/soeg?q=job&udvalg=" + EBU + "&sort=dato&side=2&format=atom"):  # fmt: skip
        other = feed(client, url)
        assert other.feed.id == first.feed.id and uids(other) == uids(first), url
    assert first.feed.title == f"Søgning: »job«, {EBU}"


def test_entry_carries_title_committee_date_number_case_decision_and_outcome(client, archive):
    parsed = feed(client, "/soeg/feed?q=indvandrere")
    entry = next(e for e in parsed.entries if e.id == f"tag:referat,2024:item/{UID_2020.format(6)}")
    item = archive.item(UID_2020.format(6)).item
    assert entry.title == "Indsatser for ledige med ikke-vestlig baggrund"
    assert entry.updated == "2020-08-18T00:00:00Z"
    assert entry.author == EBU
    assert entry.summary == f"{EBU}, 18. august 2020, punkt 6 · 15.00.00-P05-4-20 · godkendt"
    assert entry.content[0].value == item.decision.strip() and entry.content[0].type == "text/plain"
    assert {(t.scheme, t.term) for t in entry.tags} >= {("tag:referat,2024:outcome", "approved"), ("tag:referat,2024:committee", EBU)}
    assert (entry.referat_committee, entry.referat_meeting_date, entry.referat_item_number) == (EBU, "2020-08-18", "6")
    assert (entry.referat_case_number, entry.referat_outcome) == ("15.00.00-P05-4-20", "approved")


def test_case_feed_lists_the_case_and_a_kle_prefix_newest_first(client, archive):
    parsed = feed(client, "/sag/15.00.00-Ø00-1-18/feed")
    assert parsed.feed.title == "Sag 15.00.00-Ø00-1-18"
    assert set(uids(parsed)) == {UID_2019.format(9), UID_2019.format(10)}
    assert uids(parsed) == [UID_2019.format(9), UID_2019.format(10)]  # same meeting: agenda order
    assert links(parsed, "alternate") == ["http://testserver/sag/15.00.00-%C3%9800-1-18"]
    prefix = feed(client, "/sag/15.00.00-P05/feed")
    assert set(uids(prefix)) == {h["id"] for h in archive.case("15.00.00-P05")["items"]} and len(prefix.entries) == 5
    assert_newest_first(prefix)
    assert feed(client, "/sag/15.00.00-p05/feed").feed.id == prefix.feed.id
    assert client.get("/sag/99.99.99-X99-1-99/feed").status_code == 404


def test_committee_feed(client, archive):
    parsed = feed(client, "/udvalg/erhvervs-og-beskaeftigelsesudvalget/feed")
    assert parsed.feed.title == EBU
    assert parsed.feed.id == "tag:referat,2024:feed/committee/erhvervs-og-beskaeftigelsesudvalget"
    assert {e.author for e in parsed.entries} == {EBU}
    assert len(parsed.entries) == archive.search("", committee=EBU, limit=100)["total"]
    assert_newest_first(parsed)
    same_day = [int(e.referat_item_number) for e in parsed.entries if e.updated.startswith("2020-08-18")]
    assert same_day == sorted(same_day) and len(same_day) > 1
    assert uids(feed(client, "/udvalg/oekonomiudvalget/feed")) == [HOSTILE_UID]
    assert client.get("/udvalg/ingen-saadan/feed").status_code == 404


def test_budget_point_feed_has_the_explicit_and_suggested_items(client, archive):
    parsed = feed(client, "/budget/2019/5.3/feed")
    b = archive.budget(2019, "5.3")
    assert parsed.feed.title == "Aftale om budget 2019, punkt 5.3: Flere indvandrere i job"
    assert set(uids(parsed)) == {h["id"] for h in b["explicit"] + b["suggested"]}
    assert {UID_2019.format(6), UID_2020.format(6), HOSTILE_UID} <= set(uids(parsed))
    assert uids(parsed)[0] == HOSTILE_UID  # 2021: the newest
    assert_newest_first(parsed)
    assert client.get("/budget/2019/9.99/feed").status_code == 404


def test_api_feed_refuses_what_a_feed_cannot_be(client):
    for url, word in (("/api/search?format=atom", "q"), ("/api/search?q=job&kind=all&format=atom", "kind"),
                      ("/api/search?q=job&format=rss", "format"), ("/api/search?q=job&limit=51&format=atom", "limit")):  # fmt: skip
        r = client.get(url)
        assert r.status_code == 400 and r.json()["error"].startswith(word), (url, r.text)
    assert len(feed(client, "/api/search?q=job&limit=2&format=atom").entries) == 2


# --- stable ids, escaping, Danish letters ---------------------------------------------------------


FEEDS = ["/soeg/feed?q=job", "/soeg/feed?q=sikkerhed", "/sag/15.00.00-P05/feed", "/udvalg/erhvervs-og-beskaeftigelsesudvalget/feed",
         "/budget/2019/5.3/feed"]  # fmt: skip


def test_ids_are_stable_across_requests_hosts_and_a_reparse(tmp_path):
    (tmp_path / "in").mkdir()
    data = make_archive(tmp_path / "in", tmp_path / "data")

    def read_all(host: str = "testserver") -> dict[str, bytes]:
        with TestClient(create_app(data_dir=data), base_url=f"http://{host}") as client:
            return {url: client.get(url).content for url in FEEDS}

    before = read_all()
    assert read_all() == before  # byte for byte: no clock in a feed
    elsewhere = read_all("referat.example.dk")
    for url in FEEDS:
        a, b = feedparser.parse(before[url]), feedparser.parse(elsewhere[url])
        assert a.feed.id == b.feed.id and [e.id for e in a.entries] == [e.id for e in b.entries], url
        assert all(e.link.startswith("http://referat.example.dk/punkt/") for e in b.entries), url
    with Archive(data, parse=hostile_parse) as archive:
        assert archive.ingest([tmp_path / "in"]).unchanged == 5  # the same bytes again: nothing changes
        assert archive.reparse().reparsed == 5  # every document stored again, its rows made anew
    assert read_all() == before


def test_hostile_text_is_escaped_and_control_characters_dropped(client):
    r = client.get("/soeg/feed?q=sikkerhed")
    raw = r.content.decode("utf-8")
    assert "<script>" not in raw and "<b>" not in raw and "]]>" not in raw
    parsed = feed(client, "/soeg/feed?q=sikkerhed")
    entry = next(e for e in parsed.entries if e.id.endswith(HOSTILE_UID))
    assert entry.title == NOT_XML.sub("", HOSTILE_TITLE)
    assert entry.content[0].value == NOT_XML.sub("", HOSTILE_DECISION)
    assert "æøå ÆØÅ" in entry.title and "æøå" in entry.content[0].value


def test_danish_letters_survive_in_titles_and_links(client):
    parsed = feed(client, "/soeg/feed?q=beskæftigelse&udvalg=" + EBU)
    assert parsed.feed.title == f"Søgning: »beskæftigelse«, {EBU}"
    assert any("æ" in e.title for e in parsed.entries)
    assert parse_qs(urlsplit(links(parsed, "self")[0]).query) == {"q": ["beskæftigelse"], "udvalg": [EBU]}


def test_at_most_fifty_entries_newest_first():
    hits = [{"id": f"u-{n}", "kind": "item", "title": f"Punkt {n}", "committee": "Økonomiudvalget", "item_number": n % 7,
             "meeting_date": f"20{10 + n % 13:02d}-0{1 + n % 9}-1{n % 10}", "case_number": None, "outcome": None, "decision": None,
             "url": f"http://h/punkt/u-{n}"} for n in range(60)]  # fmt: skip
    parsed = feedparser.parse(atom_feed({"key": "test", "title": "T", "self_url": "http://h/f", "alternate_url": "http://h/", "entries": hits}))
    assert parsed.bozo == 0 and len(parsed.entries) == FEED_ENTRIES
    assert_newest_first(parsed)
    kept = {e.id for e in parsed.entries}
    oldest_kept = min(e.updated[:10] for e in parsed.entries)
    assert all(h["meeting_date"] <= oldest_kept for h in hits if f"tag:referat,2024:item/{h['id']}" not in kept)
    empty = feedparser.parse(atom_feed({"key": "none", "title": "T", "self_url": "http://h/f", "alternate_url": "http://h/", "entries": []}))
    assert empty.bozo == 0 and empty.entries == [] and empty.feed.updated


# --- the pages link to their feeds -----------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.in_head, self.alternate, self.anchors, self._anchor = False, [], [], None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "head":
            self.in_head = True
        if tag == "link" and a.get("rel") == "alternate" and a.get("type") == "application/atom+xml":
            assert self.in_head
            self.alternate.append(a["href"])
        if tag == "a":
            self._anchor = [a.get("href"), ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        if tag == "a" and self._anchor:
            self.anchors.append(tuple(self._anchor))
            self._anchor = None

    def handle_data(self, data: str) -> None:
        if self._anchor:
            self._anchor[1] += data


@pytest.mark.parametrize("page, feed_url", [
    ("/soeg?q=job&udvalg=" + EBU, "/soeg/feed?q=job&udvalg=Erhvervs-+og+Besk%C3%A6ftigelsesudvalget"),
    ("/sag/15.00.00-P05-4-20", "/sag/15.00.00-P05-4-20/feed"),
    ("/sag/15.00.00-P05", "/sag/15.00.00-P05/feed"),
    ("/budget/2019/5.3", "/budget/2019/5.3/feed"),
    ("/moede/erhvervs-og-beskaeftigelsesudvalget/2020-08-18", "/udvalg/erhvervs-og-beskaeftigelsesudvalget/feed"),
])  # fmt: skip
def test_pages_link_to_their_feed_in_the_head_and_visibly(client, page, feed_url):
    found = _Links()
    found.feed(client.get(page).text)
    assert found.alternate == [feed_url], page
    assert (feed_url, "Abonnér (Atom)") in found.anchors, page
    assert feed(client, feed_url).entries, feed_url
