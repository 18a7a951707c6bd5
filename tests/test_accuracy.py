"""Parse accuracy on the layout corpus can only go up: every field stays at or above its floor
(the figures `make eval` printed when the floor was last raised), and the samples stay exact."""

from __future__ import annotations

import pytest

from bench.accuracy import CORPUS, FIELDS, FLOORS, evaluate, fixtures


@pytest.fixture(scope="module")
def scores():
    return evaluate([CORPUS])


@pytest.mark.parametrize("field", FIELDS)
def test_field_accuracy_stays_at_its_floor(scores, field: str) -> None:
    total, _ = scores
    assert total.share(field) >= FLOORS[field], [m for m in total.misses if f": {field}: " in m][:20]


def test_all_fields_together_stay_at_their_floor(scores) -> None:
    total, _ = scores
    assert total.share() >= FLOORS["all"]


def test_the_samples_are_read_exactly(scores) -> None:
    _, families = scores
    assert families["samples"].share() == 1.0, families["samples"].misses


def test_the_corpus_covers_the_layout_families() -> None:
    """At least 120 fixture documents, every family folder holding minutes and one listed in docs/layouts.md."""
    pairs = fixtures([CORPUS])
    assert len(pairs) >= 120
    layouts = (CORPUS.parent.parent / "docs" / "layouts.md").read_text(encoding="utf-8")
    for family in sorted({doc.parent.name for doc, _ in pairs}):
        assert f"`{family}`" in layouts, f"docs/layouts.md does not describe the family {family}"
