"""The golden files are the specification: each sample parses to exactly its hand-checked JSON,
and every parse output is valid against the contract schema."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from referat.ingest.load import extract
from referat.parsers import parse

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "referat" / "contract" / "parse.schema.json").read_text())
NAMES = sorted(p.stem for p in SAMPLES.glob("*.txt"))


def parse_sample(name: str) -> dict:
    data = (SAMPLES / f"{name}.txt").read_bytes()
    doc = parse(extract(data, name).text, source=f"samples/{name}.txt", sha256=hashlib.sha256(data).hexdigest())
    return doc.to_dict()


@pytest.mark.parametrize("name", NAMES)
def test_sample_matches_golden(name: str) -> None:
    expected = json.loads((SAMPLES / f"{name}.golden.json").read_text(encoding="utf-8"))
    assert parse_sample(name) == expected


@pytest.mark.parametrize("name", NAMES)
def test_output_is_valid_against_the_contract(name: str) -> None:
    jsonschema.validate(parse_sample(name), SCHEMA, format_checker=jsonschema.FormatChecker())


def test_samples_cover_every_document_kind() -> None:
    kinds = {name: parse_sample(name)["document"]["kind"] for name in NAMES}
    assert kinds == {
        "000_d215b7b932a6dcdc": "budget_agreement",
        "001_8dfb3587938946f3": "minutes",
        "002_2f4229434464bb75": "minutes",
        "003_f8ee0eeeabf466e4": "document",
    }


def test_golden_items_as_a_reader_sees_them() -> None:
    """A few facts a careful reader checks first, spelled out so a wrong golden file cannot hide them."""
    m2020 = parse_sample("001_8dfb3587938946f3")["meeting"]
    assert [i["number"] for i in m2020["items"]] == list(range(1, 12))
    item6 = m2020["items"][5]
    assert item6["title"] == "Indsatser for ledige med ikke-vestlig baggrund"
    assert item6["case_number"] == "15.00.00-P05-4-20"
    assert item6["previous_treatments"] == [{"body": "Erhvervs- og Beskæftigelsesudvalget", "date": "2020-05-12", "item_number": 3}]
    assert m2020["items"][3]["outcome"] == "recommended" and m2020["items"][3]["decided_by"] == "Kommunalbestyrelsen"
    assert m2020["items"][9]["decided_by"] == "Erhvervs- og Beskæftigelsesudvalget"  # printed "Erhverv- og …"
    assert m2020["items"][1]["budget_refs"] == []  # only the national "Aftale om kommunernes økonomi"
    absent = {p["name"] for p in m2020["participants"] if p["present"] is False}
    assert "Jette Rau" in absent and "Dennis Sørensen" not in absent

    m2019 = parse_sample("002_2f4229434464bb75")["meeting"]
    by_number = {i["number"]: i for i in m2019["items"]}
    assert by_number[9]["case_number"] == by_number[10]["case_number"] == "15.00.00-Ø00-1-18"
    assert by_number[3]["outcome"] == "postponed"
    assert by_number[10]["outcome"] == "referred_back"
    assert by_number[6]["budget_refs"][0]["point"] == "5.3"
    assert by_number[5]["budget_refs"][0]["point"] == "4.23"
    assert by_number[10]["budget_refs"][0] | {"quote": ""} == {"year": 2017, "point": "5.09", "quote": ""}

    points = parse_sample("000_d215b7b932a6dcdc")["budget_agreement"]["points"]
    assert [p["point"] for p in points] == ["1.21", "3.15", "3.16", "4.23", "5.3", "5.4", "5.5", "5.6", "5.7"]
    p56 = next(p for p in points if p["point"] == "5.6")
    assert p56["meeting_refs"] == [
        {"body": "Erhvervs- og Beskæftigelsesudvalget", "date": "2019-01-15", "item_number": 7},
        {"body": "Erhvervs- og Beskæftigelsesudvalget", "date": "2018-06-12", "item_number": 3},
    ]
