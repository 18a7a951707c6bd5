"""Fixtures and input generators shared by the store, pipeline and ingest tests (no tests here).

`db_url` gives every test a fresh, empty database: a SQLite file in the test's data folder, or a
schema of its own on the real PostgreSQL server (dropped afterwards). `json_parse` is a stand-in
parser that reads a Document from its contract JSON, so a test can store exactly the document it
needs, including broken ones; it is module-level so worker processes can import it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest

from referat import model
from referat.archive import Archive
from tests.conftest import pg_schema

DBS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DBS)
def db_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (the archive's own SQLite file) or a PostgreSQL URL whose search_path is a fresh schema."""
    if request.param == "sqlite":
        yield None
        return
    with pg_schema(request.getfixturevalue("pg_url")) as url:
        yield url


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def archive(data_dir: Path, db_url: str | None) -> Iterator[Archive]:
    with Archive(data_dir, db_url, parse=json_parse) as opened:
        yield opened


def json_parse(text: str, source: str = "", sha256: str = "") -> model.Document:
    """A parser for tests: the input is `Document.to_dict()` JSON (in files named .txt: folder walks skip .json)."""
    return model.document_from_dict(json.loads(text))


def json_parse_shouting(text: str, source: str = "", sha256: str = "") -> model.Document:
    """A "newer parser" for reparse tests: the same documents with upper-case item titles."""
    doc = json_parse(text)
    if doc.meeting:
        for item in doc.meeting.items:
            item.title = item.title.upper()
    return doc


def minutes(
    committee: str = "Erhvervs- og Beskæftigelsesudvalget",
    day: date = date(2020, 8, 18),
    numbers: list[int] | None = None,
    kind: model.DocumentKind = model.DocumentKind.MINUTES,
    title_prefix: str = "Sag",
    case_numbers: list[str | None] | None = None,
) -> model.Document:
    numbers = numbers if numbers is not None else [1, 2, 3]
    cases = case_numbers or [f"15.00.00-P05-{n}-20" for n in numbers]
    items = [
        model.AgendaItem(
            number=n,
            title=f"{title_prefix} {n}",
            case_number=case,
            sections=[model.Section("Sagsfremstilling", f"Tekst {n}."), model.Section("Beslutning", "Godkendt")],
            decision="Godkendt" if kind is model.DocumentKind.MINUTES else None,
            outcome=model.Outcome.APPROVED if kind is model.DocumentKind.MINUTES else None,
        )
        for n, case in zip(numbers, cases)
    ]
    return model.Document(
        kind=kind,
        source="",
        sha256="",
        title=f"{kind.value} {committee} {day}",
        meeting=model.Meeting(committee=committee, date=day, start_time="13:00", items=items),
    )


def full_document() -> model.Document:
    """Every field of the model filled in, for round trips."""
    doc = minutes(numbers=[1, 2, 2])
    doc.warnings = ["a warning", "another"]
    doc.meeting.location = "Lokale 32"
    doc.meeting.participants = [
        model.Participant("Dennis Sørensen", "A", None, True),
        model.Participant("Jette Rau", None, "erhvervschef", False),
    ]
    item = doc.meeting.items[1]
    item.supplementary, item.closed = True, True
    item.recommendation = "1. at sagen godkendes"
    item.decided_by = "Kommunalbestyrelsen"
    item.attachments = ["Bilag 1.pdf", "Bilag 2.pdf"]
    item.previous_treatments = [model.Treatment("Økonomiudvalget", date(2020, 4, 14), 3)]
    item.budget_refs = [model.BudgetRef(2019, "5.3", "punkt 5.3"), model.BudgetRef(2020, None, "budgetaftalen")]
    return doc


def budget_document(year: int = 2019) -> model.Document:
    return model.Document(
        kind=model.DocumentKind.BUDGET_AGREEMENT,
        source="",
        sha256="",
        title=f"Aftale om budget {year}",
        budget_agreement=model.BudgetAgreement(
            year=year,
            points=[
                model.BudgetPoint("5.3", "Flere indvandrere i job", "Tekst", "I gang", [
                    model.Treatment("Erhvervs- og Beskæftigelsesudvalget", date(2018, 6, 12), 3)
                ]),
                model.BudgetPoint("4.23", "Virksomhedsrettet indsats"),
            ],
        ),
    )


def other_document() -> model.Document:
    return model.Document(
        kind=model.DocumentKind.DOCUMENT,
        source="",
        sha256="",
        title="Aktiveringsstrategi",
        sections=[model.Section("", "Indledning"), model.Section("Mål", "Flere i job")],
    )


def write_doc(path: Path, doc: model.Document) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc.to_dict(), ensure_ascii=False), encoding="utf-8")
    return path


def minutes_text(committee: str, day: date, items: int, words: int = 40) -> str:
    """Minutes in the layout of samples/001 that the real parser reads: `items` agenda items."""
    lines = [
        f"REFERAT {committee} d. {day:%d-%m-%Y}",
        "",
        f"Mødedato {day.day}. {_MONTHS[day.month - 1]} {day.year} kl. 16:00",
        "",
        "Mødested Rådhuset",
        "",
    ]
    for n in range(1, items + 1):
        lines += [
            f"Punkt {n}: Sag nummer {n} om vejbelysning",
            "",
            f"06.00.00-P20-{n}-21",
            "",
            "Sagsfremstilling",
            "",
            " ".join(["Administrationen foreslår ny belysning på Hovedgaden."] * (words // 6 + 1)),
            "",
            "Beslutning",
            "",
            "Indstillingen godkendt",
            "",
        ]
    return "\n".join(lines)


_MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december"]
