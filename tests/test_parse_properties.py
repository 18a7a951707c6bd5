"""Property tests: whatever text arrives, the parser returns a Document, never raises, and never
loses an item heading it was given."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referat.model import Document
from referat.parsers import parse
from tests.test_golden import SAMPLES

SAMPLE_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåÆØÅ -", min_size=1, max_size=30)
TITLE = st.from_regex(r"[A-ZÆØÅ][a-zæøå]{2,12}( [a-zæøå]{2,12}){0,6}", fullmatch=True)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=3000))
def test_arbitrary_text_gives_a_document(text: str) -> None:
    assert isinstance(parse(text), Document)


@FAST
@given(st.lists(st.sampled_from(SAMPLE_TEXTS[1].splitlines()), max_size=300))
def test_shuffled_and_duplicated_sample_lines_give_a_document(lines: list[str]) -> None:
    doc = parse("\n".join(lines))
    assert isinstance(doc, Document)
    doc.to_dict()


@FAST
@given(st.sampled_from(SAMPLE_TEXTS), st.floats(min_value=0.0, max_value=1.0))
def test_truncated_documents_give_a_document(text: str, fraction: float) -> None:
    doc = parse(text[: int(len(text) * fraction)])
    assert isinstance(doc, Document)
    doc.to_dict()


@FAST
@given(
    headings=st.lists(st.tuples(st.integers(min_value=1, max_value=300), TITLE), min_size=1, max_size=12),
    noise=st.lists(WORDS, max_size=40),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_no_item_heading_is_lost(headings: list[tuple[int, str]], noise: list[str], seed: int) -> None:
    """Every "Punkt N: Title" line put into a text comes out as an item, whatever surrounds it."""
    rng = random.Random(seed)
    lines = [f"Referat Økonomiudvalget {rng.randint(1, 28)}.0{rng.randint(1, 9)}.2020", ""]
    body = [f"Punkt {n}: {title}" for n, title in headings] + noise
    rng.shuffle(body)
    for line in body:
        lines += [line, ""]
    doc = parse("\n".join(lines))
    assert doc.meeting is not None
    found = [(i.number, i.title) for i in doc.meeting.items]
    for heading in headings:
        assert heading in found


@FAST
@given(st.sampled_from(SAMPLE_TEXTS[1:3]), st.integers(min_value=0, max_value=10_000))
def test_sample_items_survive_duplicated_lines(text: str, seed: int) -> None:
    """Duplicating random lines of a minutes document never loses one of its item headings."""
    rng = random.Random(seed)
    lines = text.splitlines()
    for _ in range(20):
        k = rng.randrange(len(lines))
        lines.insert(k, lines[rng.randrange(len(lines))])
    before = {(i.number, i.title) for i in parse(text).meeting.items}
    after = {(i.number, i.title) for i in parse("\n".join(lines)).meeting.items}
    assert before <= after | {t for t in after}


HOSTILE = {
    "one line of dots": "....." * 400_000,
    "many toc-like lines": ("Titel ..... " * 30 + "\n") * 5_000,
    "hyphen at every line end": "abc-\nxyz-\n" * 100_000,
    "unbalanced parentheses": "(" * 50_000 + "Mødedeltagere " + "(A), " * 50_000,
    "only tabs": "\t" * 500_000,
    "a huge heading": "Punkt 1: " + "x" * 500_000 + "\n\nReferat 12.06.2018",
    "a huge decision": "Referat Økonomiudvalget 12.06.2018\n\nPunkt 1: X\n\nBeslutning\n\n" + "Godkendt med denne " * 100_000,
    "a reference over a long gap": "indsats 5.3 " + "x" * 200_000 + " i budgetaftalen 2019",
    "markup soup": "<b>" * 100_000 + "# " * 100_000 + "**" * 100_000,
    "control characters": "".join(chr(c) for c in range(32)) * 10_000,
    # the generalised parser's patterns (issue 10): layout cleaning, transcripts, attendance, headers
    "a transcript of repeated fields": "1 " + "Sagsid.: 12/34 Beslutning Godkendt. " * 5_000 + "\n\n2 " + "3. Titel Sagsnr.: 1 " * 5_000,
    "body-led decision headings in one line": "Beslutning " + "Økonomiudvalgets beslutning den 4. maj " * 20_000,
    "numbers glued to words": "abc1. Abc " * 30_000,
    "twenty thousand numbered lines": "\n".join(f"{i}. Titel {i}" for i in range(1, 20_000)),
    "upper-case words": "ØKONOMIUDVALGET " * 30_000,
    "names and parties without commas": "Fraværende: " + "Aa Bb (A) Cc Dd " * 20_000,
}


def test_hostile_strings_parse_in_linear_time() -> None:
    """Each input is a few MB at most; a regex that backtracks would take minutes, not seconds."""
    import time

    for name, text in HOSTILE.items():
        start = time.perf_counter()
        doc = parse(text)
        doc.to_dict()
        assert time.perf_counter() - start < 10, name


def test_a_page_of_one_long_line_is_parsed_in_time_proportional_to_reading_it() -> None:
    """A 50 MB page of one line (issue 11) took 6 s in the check for a page that looks like minutes,
    which ran a committee search over the whole line; header checks read only a line's start."""
    import time

    text = "ordet " * (20 * 1024 * 1024 // 6)
    start = time.perf_counter()
    doc = parse(text)
    assert doc.meeting is None
    assert time.perf_counter() - start < 3.0


def test_attendance_sentences_do_not_backtrack_on_hostile_text() -> None:
    """Capitalised words by the thousand before "var fraværende" (a name list without commas)
    are read in linear time: the attendance patterns nest no quantifiers."""
    import time

    text = "Referat Økonomiudvalget 1. marts 2021\n\nDeltagere: " + "Anne Bo (A) " * 3000 + "var fraværende\n\n" + \
        "Punkt 1: Meddelelser\n\nBeslutning\n\n" + "Aa Bb Cc (A) " * 3000 + "havde meldt afbud og udeblev.\n"
    start = time.perf_counter()
    assert parse(text).meeting is not None
    assert time.perf_counter() - start < 2.0
