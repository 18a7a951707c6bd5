"""Properties of the extractors on arbitrary input: they never crash outside ExtractionError, never
hang, and what they produce is already in the one text form (normalising it again changes nothing)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referat.errors import ExtractionError
from referat.ingest.html import html_to_text
from referat.ingest.load import ExtractLimits, extract, normalize_text
from referat.ingest.pdf import _SUSPENDED, _join
from referat.ingest.sniff import sniff

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
    joined = _join(prev, nxt)
    first = nxt.split(" ")[0]
    if first in _SUSPENDED:  # "Erhvervs-" + "og": a suspended hyphen stays
        assert joined == f"{prev} {nxt}"
    else:
        assert joined == prev[:-1] + nxt
