"""End to end: the same sample as .txt, as a rendered PDF and as a web page parses to the same result.

This is what the extractors are for: the parser must not be able to tell where the text came from.
Items are compared on what a user searches and links by (number, title, case number, outcome,
decision, recommendation, section headings); budget points and document sections by their text.
"""

from __future__ import annotations

import re

import pytest

from referat.ingest.load import extract
from tests.conftest import SAMPLES
from tests.fixtures import make_fixtures
from tests.fixtures.make_fixtures import STEMS

parsers = pytest.importorskip("referat.parsers")


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory):
    return make_fixtures.build(tmp_path_factory.getbasetemp() / "extract-fixtures")["001.pdf"].parent


def _plain(text: str | None) -> str | None:
    """Markdown emphasis that exists only in the .txt samples ("*Borgernes*") is not content."""
    return None if text is None else re.sub(r"(?<![\w*])\*(?!\))([^*\s][^*]*?)\*(?![\w*])", r"\1", text)


def summary(doc) -> dict:
    out: dict = {"kind": doc.kind.value, "title": doc.title}
    if doc.meeting is not None:
        out["committee"] = doc.meeting.committee
        out["date"] = doc.meeting.date.isoformat()
        out["items"] = [
            {
                "number": item.number,
                "title": item.title,
                "case_number": item.case_number,
                "outcome": item.outcome.value if item.outcome else None,
                "decision": item.decision,
                "recommendation": item.recommendation,
                "sections": [section.heading for section in item.sections],
            }
            for item in doc.meeting.items
        ]
    if doc.budget_agreement is not None:
        out["points"] = [(p.point, p.title, _plain(p.text), _plain(p.status)) for p in doc.budget_agreement.points]
    if doc.sections is not None:
        out["sections"] = [(s.heading, _plain(s.text)) for s in doc.sections]
    return out


@pytest.fixture(scope="module")
def from_txt():
    return {
        stem: summary(parsers.parse(extract(path.read_bytes(), str(path)).text, source=str(path), sha256=""))
        for stem in STEMS
        for path in SAMPLES.glob(f"{stem}_*.txt")
    }


@pytest.mark.parametrize("kind", ["pdf", "html"])
@pytest.mark.parametrize("stem", STEMS)
def test_same_parse_as_the_text_sample(fixtures_dir, from_txt, stem, kind):
    data = (fixtures_dir / f"{stem}.{kind}").read_bytes()
    got = summary(parsers.parse(extract(data, f"{stem}.{kind}").text, source=f"{stem}.{kind}", sha256=""))
    assert got == from_txt[stem]


def test_minutes_items_are_all_there(from_txt):
    """Guard against comparing two empty results: the samples do parse into items."""
    assert len(from_txt["001"]["items"]) == 11
    assert from_txt["002"]["items"][0]["title"] == "Meddelelser"
