"""Properties of the extractors on arbitrary input: they never crash outside ExtractionError, never
hang, and what they produce is already in the one text form (normalising it again changes nothing)."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from referat.errors import ExtractionError
from referat.ingest.html import html_to_text
from referat.ingest.load import extract
from referat.ingest.sniff import sniff
from referat.ingest.text import SUSPENDED_HYPHEN_WORDS, ExtractLimits, join_wrapped, normalize_text

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_TAGS = ["p", "div", "h2", "h3", "ul", "ol", "li", "table", "tr", "td", "th", "br", "b", "nav", "script",
         "footer", "main", "article", "pre", "span"]
_markup = st.lists(
    st.one_of(
        st.sampled_from([f"<{t}>" for t in _TAGS] + [f"</{t}>" for t in _TAGS]),
        st.text(alphabet="abc æøå ÆØÅ&;<>#-•\t\n\u00a0\u00ad", max_size=12),
        st.sampled_from(['<div class="cookie-banner">', '<p style="display:none">', "&nbsp;", "&amp;", "<!--", "-->"]),
    ),
    max_size=60,
).map("".join)


@FAST
@given(_markup)
def test_html_never_crashes_and_is_normalised(markup):
    text = html_to_text(markup)
    assert normalize_text(text) == text
    assert "\u00a0" not in text and "\u00ad" not in text
    assert "\n\n\n" not in text
    assert not text.startswith("\n")
    for line in text.split("\n"):
        assert line == line.rstrip(" ")


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_give_text_or_extraction_error(data):
    assert sniff(data) in {"pdf", "html", "text", "empty", "image", "office", "zip", "binary"}
    try:
        result = extract(data, "blob", limits=ExtractLimits(isolate=False))
    except ExtractionError as error:
        assert error.source == "blob" and error.problem and "\n" not in error.problem
    else:
        assert result.text.strip()


@FAST
@given(st.text(max_size=200))
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\r" not in once


@given(st.from_regex(r"[A-Za-zæøå]{2,12}-", fullmatch=True), st.from_regex(r"[a-zæøå]{2,12}( [a-z]{1,5})?", fullmatch=True))
def test_line_end_hyphen_joins_or_keeps(prev, nxt):
    joined = join_wrapped(prev, nxt)
    first = nxt.split(" ")[0]
    if first in SUSPENDED_HYPHEN_WORDS:  # "Erhvervs-" + "og": a suspended hyphen stays
        assert joined == f"{prev} {nxt}"
    else:
        assert joined == prev[:-1] + nxt


# -- hostile inputs through the real worker: time and memory bounds (issue 11, point 9) ----------

# The limits the fuzz holds the extractors to: far below the defaults (60 s, 1536 MB), so a
# regression to quadratic time or a blow-up in memory shows as a failure, not as a slow suite.
BOUNDED = ExtractLimits(timeout_s=10, memory_mb=400)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_HOSTILE_TAGS = ["div", "span", "p", "li", "ul", "table", "tr", "td", "b", "a", "main", "article", "font",
                 "h2", "button", "select", "template", "svg", "math", "form", "frameset", "nobr", "script"]
_attributes = st.sampled_from(["", ' class="cookie"', ' id="x" hidden', " style=display:none", ' role="main"',
                               ' aria-expanded="true"', ' class="' + "x" * 5000 + '"'])
_segment = st.tuples(
    st.sampled_from(_HOSTILE_TAGS), _attributes, st.integers(1, 20_000), st.booleans(),
    st.text(alphabet="ordæøå <>&;#\n\t\u00a0", max_size=20),
)


def _hostile(segments: list[tuple[str, str, int, bool, str]]) -> bytes:
    """Runs of nested (or never-closed) tags around text, up to 6 MB: the shapes that make tree
    building slow (deep nesting, formatting elements, tables out of place, huge attributes)."""
    parts = ["<html><body>"]
    for tag, attributes, depth, closed, text in segments:
        opening = f"<{tag}{attributes}>"
        depth = min(depth, 2**20 // len(opening))  # at most 1 MB a run: 6 MB a page
        parts.append(opening * depth + (text or "ord"))
        if closed:
            parts.append(f"</{tag}>" * depth)
    return "".join(parts).encode()


def _within_bounds(data: bytes, source: str) -> None:
    started = time.monotonic()
    try:
        result = extract(data, source, limits=BOUNDED)
    except ExtractionError as error:
        assert "memory" not in error.problem and "longer than" not in error.problem, error.problem
        assert "\n" not in str(error)
    else:
        assert normalize_text(result.text) == result.text
    assert time.monotonic() - started < 5  # a 6 MB page in half the 10 s limit


_BIG = ' class="' + "x" * 5000 + '"'


@FUZZ
@given(st.lists(_segment, min_size=1, max_size=6))
@example([("div", "", 20_000, False, ""), ("td", "", 20_000, False, "ord")])  # deep, never closed
@example([("b", ' id="x" hidden', 20_000, True, "ord"), ("p", "", 20_000, False, "ord")])  # formatting elements
@example([("tr", _BIG, 20_000, False, ""), ("div", _BIG, 20_000, False, ""), ("script", _BIG, 200, False, "")])
@example([("table", "", 20_000, True, "ord"), ("select", "", 20_000, False, "<option>"), ("svg", "", 20_000, False, "")])
def test_hostile_html_is_extracted_within_time_and_memory(segments):
    _within_bounds(_hostile(segments), "fuzz.html")


@FUZZ
@given(st.lists(st.one_of(st.binary(max_size=40), st.text(max_size=40).map(str.encode),
                          st.sampled_from([b"\xff", b"\xe6\xf8\xe5", b"\r\n", b"\n" * 1000, b"ord " * 50_000])),
                max_size=30))
def test_any_text_file_is_extracted_within_time_and_memory(chunks):
    data = b"Referat\n" + b"".join(chunks)
    if sniff(data) == "text":
        _within_bounds(data, "fuzz.txt")
