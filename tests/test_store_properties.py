"""Whatever a parser produces, the store gives it back unchanged (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from referat import model
from referat import store
from referat.archive import Archive
from test_store_support import archive, data_dir, db_url  # noqa: F401 - fixtures

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
some_text = st.one_of(st.none(), text)
dates = st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31))
small = st.integers(min_value=0, max_value=10_000)

sections = st.lists(st.builds(model.Section, heading=text, text=text), max_size=3)
treatments = st.lists(
    st.builds(model.Treatment, body=text, date=dates, item_number=st.one_of(st.none(), small)), max_size=2
)
items = st.builds(
    model.AgendaItem,
    number=small,
    title=text,
    case_number=st.one_of(st.none(), st.from_regex(r"\d\d\.\d\d\.\d\d-[A-ZÆØÅ]\d\d-\d{1,3}-\d\d", fullmatch=True), text),
    supplementary=st.booleans(),
    closed=st.booleans(),
    previous_treatments=treatments,
    sections=sections,
    recommendation=some_text,
    decision=some_text,
    outcome=st.one_of(st.none(), st.sampled_from(model.Outcome)),
    decided_by=some_text,
    attachments=st.lists(text, max_size=2),
    budget_refs=st.lists(
        st.builds(model.BudgetRef, year=st.integers(1990, 2100), point=st.one_of(st.none(), text), quote=text),
        max_size=2,
    ),
)
meetings = st.builds(
    model.Meeting,
    committee=text.filter(str.strip),
    date=dates,
    start_time=st.one_of(st.none(), st.from_regex(r"\d\d:\d\d", fullmatch=True)),
    location=some_text,
    participants=st.lists(
        st.builds(model.Participant, name=text, party=st.one_of(st.none(), st.sampled_from(["A", "V", "Ø"])),
                  role=some_text, present=st.one_of(st.none(), st.booleans())),
        max_size=3,
    ),
    items=st.lists(items, max_size=4),
)
budget = st.builds(
    model.BudgetAgreement,
    year=st.integers(1990, 2100),
    points=st.lists(
        st.builds(model.BudgetPoint, point=text, title=text, text=some_text, status=some_text, meeting_refs=treatments),
        max_size=3,
    ),
)


@st.composite
def documents(draw: st.DrawFn) -> model.Document:
    kind = draw(st.sampled_from(model.DocumentKind))
    doc = model.Document(
        kind=kind,
        source=draw(text),
        sha256=draw(st.from_regex(r"[0-9a-f]{64}", fullmatch=True)),
        title=draw(some_text),
        warnings=draw(st.lists(text, max_size=2)),
    )
    if kind in (model.DocumentKind.MINUTES, model.DocumentKind.AGENDA):
        doc.meeting = draw(meetings)
    elif kind is model.DocumentKind.BUDGET_AGREEMENT:
        doc.budget_agreement = draw(budget)
    else:
        doc.sections = draw(sections)
    return doc


def expected(doc: model.Document) -> model.Document:
    """NUL cannot be stored in PostgreSQL text; the store drops it from text columns on both engines
    (warnings are JSON, which keeps it escaped)."""
    data = doc.to_dict()
    warnings = data["document"]["warnings"]
    data = _without_nul(data)
    data["document"]["warnings"] = warnings
    return model.document_from_dict(data)


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=documents())
def test_every_document_round_trips(archive: Archive, doc: model.Document) -> None:
    with Session(archive.db) as session:
        session.begin()
        written = store.write_document(session, doc)
        session.expire_all()
        back = store.to_document(session.get(store.DocumentRow, written.document_id))
        session.rollback()
    assert back == expected(doc)
