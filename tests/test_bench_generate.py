"""The benchmark archive generator (bench/generate.py) at small N: valid, deterministic, linked."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.generate import COMMITTEES, KB, OU, generate, write_archive
from referat import store
from referat.model import DocumentKind, Outcome, document_from_dict
from referat.parsers.committees import canonical_committee
from referat.parsers.decisions import classify_outcome

N = 300
CASE = re.compile(r"^\d{2}\.\d{2}\.\d{2}-(?:[A-ZÆØÅ]\d{2}|\d{3})-\d{1,5}-\d{2}$")


@pytest.fixture(scope="module")
def docs():
    return list(generate(N, seed=1))


def _items(docs):
    return [(d.meeting, i) for d in docs if d.meeting for i in d.meeting.items]


def test_size_kinds_and_round_trip(docs):
    pairs = _items(docs)
    assert len(pairs) == N
    assert {d.kind for d in docs} == {DocumentKind.MINUTES, DocumentKind.BUDGET_AGREEMENT}
    assert len({d.sha256 for d in docs}) == len(docs) and len({d.source for d in docs}) == len(docs)
    for d in docs:
        data = d.to_dict()
        assert document_from_dict(json.loads(json.dumps(data, ensure_ascii=False))).to_dict() == data
    # meetings: canonical committee names, a unique (committee, date), 1-30 items, in date order
    meetings = [d.meeting for d in docs if d.meeting]
    assert all(canonical_committee(m.committee) == m.committee and m.committee in COMMITTEES for m in meetings)
    assert len({(m.committee, m.date) for m in meetings}) == len(meetings)
    assert all(1 <= len(m.items) <= 30 for m in meetings)
    assert [m.date for m in meetings] == sorted(m.date for m in meetings)
    assert (meetings[-1].date - meetings[0].date).days > 10 * 365  # ~14 meetings over 20 years


def test_deterministic_for_a_seed(docs):
    assert [d.to_dict() for d in generate(N, seed=1)] == [d.to_dict() for d in docs]
    assert [d.sha256 for d in generate(N, seed=2)] != [d.sha256 for d in docs]


def test_text_cases_and_outcomes(docs):
    pairs = _items(docs)
    words = [sum(len(s.text.split()) for s in i.sections) for _, i in pairs if not i.closed and i.case_number]
    assert 300 <= sum(words) / len(words) <= 700
    text = " ".join(s.text for _, i in pairs for s in i.sections)
    assert re.search(r"[æøå]", text) and re.search(r"\w+-\w+", text)
    assert all(CASE.match(i.case_number) for _, i in pairs if i.case_number)
    # the decision text is what the parser would classify as the recorded outcome
    assert all(classify_outcome(i.decision) is i.outcome for _, i in pairs)
    outcomes = Counter(i.outcome for _, i in pairs)
    assert outcomes[Outcome.APPROVED] > outcomes[Outcome.NOTED] > outcomes[Outcome.POSTPONED]
    assert len(outcomes) >= 6
    headings = {s.heading for _, i in pairs for s in i.sections}
    assert {"Sammendrag", "Baggrund", "Sagsfremstilling", "Økonomiske konsekvenser og finansiering", "Indstilling",
            "Beslutning", "Beslutningen træffes af"} <= headings


def test_shared_cases_and_resolvable_treatments(docs):
    pairs = _items(docs)
    by_key = {(m.committee, m.date, i.number): i for m, i in pairs}
    treated = [(m, i, t) for m, i in pairs for t in i.previous_treatments]
    assert treated
    for m, item, t in treated:
        earlier = by_key.get((t.body, t.date, t.item_number))
        assert earlier is not None, f"{t} does not name a generated item"
        assert t.date < m.date or (t.date == m.date and t.body != m.committee)
        assert earlier.case_number == item.case_number
    committees_by_case = defaultdict(set)
    for m, i in pairs:
        if i.case_number:
            committees_by_case[i.case_number].add(m.committee)
    assert sum(1 for c in committees_by_case.values() if len(c) > 1) >= 1  # a case travels up
    flow = [i for m, i in pairs if m.committee in (OU, KB) and i.previous_treatments]
    assert flow and any(i.outcome is Outcome.RECOMMENDED for m, i in pairs if m.committee not in (OU, KB))


def test_budget_agreements_and_references(docs):
    agreements = {d.budget_agreement.year: d.budget_agreement for d in docs if d.budget_agreement}
    assert len(agreements) >= 15
    assert all(re.fullmatch(r"\d\.\d{1,2}", p.point) for a in agreements.values() for p in a.points)
    refs = [r for _, i in _items(docs) for r in i.budget_refs]
    assert refs
    for r in refs:
        assert r.year in agreements and f"budget {r.year}" in r.quote
        if r.point is not None:
            assert r.point in {p.point for p in agreements[r.year].points} and f"punkt {r.point}" in r.quote


def test_stores_in_an_archive(docs, tmp_path):
    from referat.archive import Archive

    assert write_archive(tmp_path, iter(docs)) == N
    with Archive(tmp_path) as archive:
        with Session(archive.db) as session:
            assert session.scalar(select(func.count()).select_from(store.ItemRow)) == N
        first = next(d for d in docs if d.meeting)
        assert archive.get_document(first.sha256).to_dict() == first.to_dict()
        number = next(i.case_number for _, i in _items(docs) if i.previous_treatments)
        assert len(archive.items_by_case(number, exact=True)) >= 2
