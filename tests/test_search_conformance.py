"""One conformance suite for every full-text engine: the same archive and query give the same hits.

The archive is the four samples plus a few small fixtures written for a rule each (a Tårnby
item, a hostile one with <script>, a long one that mentions a word once). Every test runs on
tantivy, Whoosh and PostgreSQL (the real server that .ci/run starts).
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path
from textwrap import dedent
from typing import Iterator

import pytest
from referat.archive import Archive
from tests.conftest import pg_schema

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ENGINES = ["tantivy", "whoosh", pytest.param("postgres", marks=pytest.mark.postgres)]

EXTRA = {
    "taarnby.txt": """
        Referat Økonomiudvalget 12.03.2021 kl. 16:00

        Punkt 1: Lommepenge til unge i Tårnby

        27.00.00-A00-3-21

        Sagsfremstilling

        Tårnby Kommune og Ballerup deler erfaringer om lommepengejob.

        Beslutning

        Godkendt
    """,
    "hostile.txt": """
        Referat Økonomiudvalget 19.03.2021 kl. 16:00

        Punkt 1: Sikkerhed <script>alert("x")</script> i budgetopfølgning

        Sagsfremstilling

        Teksten indeholder <script>alert('budget')</script> og "><img src=x onerror=alert(1)> om budgetopfølgning.

        Beslutning

        Taget til efterretning
    """,
    "ranking.txt": """
        Referat Kultur- og Fritidsudvalget 20.04.2021 kl. 17:00

        Punkt 1: Svømmehal

        Sagsfremstilling

        """ + " ".join(["Renovering af svømmehallen i Skovlunde med nye bassiner og omklædning."] * 30) + """ Der nævnes også beskæftigelsesstrategi én gang.

        Beslutning

        Godkendt

        Punkt 2: Beskæftigelsesstrategi for Ballerup

        Sagsfremstilling

        Oplæg til ny strategi.

        Beslutning

        Godkendt
    """,
}


@pytest.fixture(scope="module", params=ENGINES)
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    engine = request.param
    folder = tmp_path_factory.mktemp(f"in-{engine}")
    for sample in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(sample, folder / sample.name)
    for name, body in EXTRA.items():
        (folder / name).write_text(dedent(body).strip() + "\n", encoding="utf-8")
    with ExitStack() as stack:
        db_url = stack.enter_context(pg_schema(request.getfixturevalue("pg_url"), "s")) if engine == "postgres" else None
        opened = stack.enter_context(Archive(tmp_path_factory.mktemp(f"data-{engine}"), db_url, search_engine=engine))
        report = opened.ingest([folder])
        assert not report.failed, report.failed
        yield opened


def ids(result: dict) -> list[str]:
    return [hit["id"] for hit in result["hits"]]


def titles(result: dict) -> list[str]:
    return [hit["title"] for hit in result["hits"]]


UID_2020 = "erhvervs-og-beskaeftigelsesudvalget-2020-08-18-{}"
UID_2019 = "erhvervs-og-beskaeftigelsesudvalget-2019-06-11-{}"


# --- Danish analysis ---------------------------------------------------------------------------


def test_inflection_finds_base_form(archive):
    r = archive.search("budgetopfølgningen", limit=50)
    assert UID_2020.format(2) in ids(r)  # its title has "budgetopfølgning"


def test_base_form_finds_inflection(archive):
    r = archive.search("ledig", limit=50)
    assert UID_2020.format(6) in ids(r)  # "ledige med ikke-vestlig baggrund"


def test_aa_and_å_are_one_letter(archive):
    a = archive.search("Taarnby")
    b = archive.search("Tårnby")
    assert ids(a) == ids(b) and len(ids(a)) == 1


def test_høje_taastrup_finds_høje_tåstrup(archive):
    assert ids(archive.search("Høje-Tåstrup")) == ids(archive.search("Høje-Taastrup"))
    assert UID_2020.format(4) in ids(archive.search("Høje-Tåstrup"))


def test_hyphen_and_split_forms_meet(archive):
    assert set(ids(archive.search("ikke-vestlig", limit=50))) == set(ids(archive.search('"ikke vestlig"', limit=50)))
    assert UID_2020.format(6) in ids(archive.search("ikke-vestlig", limit=50))


def test_a_typo_still_finds_something_and_suggests(archive):
    r = archive.search("Investeringscase")
    assert UID_2019.format(6) in ids(r)
    typo = archive.search("Inveseringscase")  # the 2019 heading's own typo, in the other direction
    assert UID_2019.format(6) in ids(typo)
    r = archive.search("lommepengeprojektter")
    assert r["total"] >= 1 and r["did_you_mean"]


def test_did_you_mean_for_a_misspelled_word(archive):
    r = archive.search("frivilighedspolitik")
    assert r["did_you_mean"] == "frivillighedspolitik"
    assert UID_2020.format(10) in ids(r)


# --- query language ------------------------------------------------------------------------------


def test_phrase(archive):
    r = archive.search('"Udvikling i fleksjob II"')
    assert ids(r)[0] == UID_2019.format(9)
    assert UID_2019.format(10) not in ids(r)


def test_exclusion(archive):
    with_ = set(ids(archive.search("businesscase", limit=50)))
    without = set(ids(archive.search("businesscase -autisme", limit=50)))
    assert UID_2019.format(8) in with_ and UID_2019.format(8) not in without
    assert without < with_


def test_or(archive):
    a = set(ids(archive.search("FGU", limit=50)))
    b = set(ids(archive.search("frivillighedspolitik", limit=50)))
    assert set(ids(archive.search("FGU OR frivillighedspolitik", limit=50))) == a | b


def test_prefix(archive):
    r = archive.search("lommepeng*", limit=50)
    assert UID_2019.format(5) in ids(r)


def test_field_filter_title(archive):
    r = archive.search("title:autisme", limit=50)
    assert ids(r) == [UID_2019.format(8)]


def test_field_filter_decision(archive):
    r = archive.search("decision:udsættes", limit=50)
    assert ids(r) == [UID_2019.format(3)]


def test_pasted_case_number(archive):
    r = archive.search("15.00.00-P05-4-20")
    assert ids(r) == [UID_2020.format(6)]


def test_pasted_case_prefix(archive):
    r = archive.search("15.00.00-P05", limit=50)
    assert set(ids(r)) == {UID_2020.format(5), UID_2020.format(6), UID_2020.format(9), UID_2019.format(3), UID_2019.format(6)}


def test_two_items_sharing_a_case_number(archive):
    r = archive.search("15.00.00-Ø00-1-18", limit=50)
    assert set(ids(r)) == {UID_2019.format(9), UID_2019.format(10)}


# --- filters and facets ----------------------------------------------------------------------------


def test_committee_filter(archive):
    r = archive.search("budgetopfølgning", committee="Økonomiudvalget", limit=50)
    assert r["total"] >= 1 and all(h["committee"] == "Økonomiudvalget" for h in r["hits"])


def test_committee_filter_folds_spelling(archive):
    a = archive.search("fleksjob", committee="Erhverv- og beskæftigelsesudvalget", limit=50)
    b = archive.search("fleksjob", committee="Erhvervs- og Beskæftigelsesudvalget", limit=50)
    assert ids(a) == ids(b) and a["total"] > 0


def test_date_filters(archive):
    from datetime import date

    r = archive.search("beskæftigelse", date_from=date(2020, 1, 1), limit=50)
    assert r["total"] > 0 and all(h["meeting_date"] >= "2020-01-01" for h in r["hits"])
    r = archive.search("beskæftigelse", date_to=date(2019, 12, 31), limit=50)
    assert r["total"] > 0 and all(h["meeting_date"] <= "2019-12-31" for h in r["hits"])


def test_outcome_filter(archive):
    r = archive.search("sag", outcome="postponed", limit=50)
    assert ids(r) == [UID_2019.format(3)]


def test_case_prefix_filter(archive):
    r = archive.search("beskæftigelse", case="15.00.00", limit=50)
    assert r["total"] > 0 and all(h["case_number"].startswith("15.00.00") for h in r["hits"])


def test_kind_filter(archive):
    r = archive.search("indvandrere", kind="budget_point")
    assert ids(r) == ["budget-2019-5.3"] and r["hits"][0]["kind"] == "budget_point"
    r = archive.search("aktiveringstilbud", kind="document")
    assert r["total"] >= 1 and all(h["kind"] == "document" for h in r["hits"])
    assert archive.search("aktiveringstilbud")["total"] == 0 or all(h["kind"] == "item" for h in archive.search("aktiveringstilbud")["hits"])


def test_facets_cover_the_whole_result_set_and_add_up(archive):
    r = archive.search("beskæftigelse", limit=2)
    assert len(r["hits"]) == 2 and r["total"] > 2
    for name in ("committee", "year", "outcome"):
        assert sum(r["facets"][name].values()) == r["total"], name
    assert r["facets"]["year"].keys() <= {"2019", "2020", "2021"}


def test_sort_by_date_and_paging(archive):
    r = archive.search("beskæftigelse", sort="date", limit=50)
    dates = [h["meeting_date"] for h in r["hits"]]
    assert dates == sorted(dates, reverse=True)
    page1 = ids(archive.search("beskæftigelse", limit=3))
    page2 = ids(archive.search("beskæftigelse", limit=3, offset=3))
    assert len(page2) == 3 and not set(page1) & set(page2)


# --- snippets and ranking ------------------------------------------------------------------------


def test_snippet_marks_matched_words_in_their_own_spelling(archive):
    hit = archive.search("budgetopfølgning")["hits"][0]
    assert "<mark>" in hit["snippet"]
    r = archive.search("Taarnby")
    assert "<mark>Tårnby</mark>" in r["hits"][0]["snippet"]


def test_snippet_is_escaped(archive):
    r = archive.search("budgetopfølgning", committee="Økonomiudvalget", date_from=__import__("datetime").date(2021, 3, 19))
    hit = r["hits"][0]
    assert "<script>" not in hit["snippet"] and "&lt;script&gt;" in hit["snippet"]
    assert "<img" not in hit["snippet"]
    assert hit["snippet"].replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_title_match_beats_a_single_mention(archive):
    r = archive.search("beskæftigelsesstrategi", committee="Kultur- og Fritidsudvalget")
    assert titles(r)[0] == "Beskæftigelsesstrategi for Ballerup"


def test_stop_words_do_not_dominate(archive):
    a = ids(archive.search("ledige med ikke-vestlig baggrund", limit=5))
    assert a[0] == UID_2020.format(6)


# --- the samples' own questions ------------------------------------------------------------------

QUESTIONS = [
    ("Indsatser for ledige med ikke-vestlig baggrund", UID_2020.format(6)),
    ("frivillighedspolitik", UID_2020.format(10)),
    ("UUV afsluttende regnskab", UID_2020.format(4)),
    ("COVID-19 arbejdsmarkedet", UID_2020.format(5)),
    ("sygedagpenge jobafklaring", UID_2020.format(7)),
    ("arbejdsgiverens sociale ansvar", UID_2020.format(8)),
    ("borgertilfredshedsundersøgelse", UID_2020.format(9)),
    ("fokusgruppeinterviews", UID_2020.format(9)),
    ("mål- og rammebeskrivelser", UID_2020.format(3)),
    ("nye virksomheder første kvartal", UID_2019.format(2)),
    ("nøgletal beskæftigelsesområdet", UID_2019.format(3)),
    ("Forberedende Grunduddannelse", UID_2019.format(4)),
    ("lommepengeprojekter boligselskaber", UID_2019.format(5)),
    ("investeringscase ikke-vestlig", UID_2019.format(6)),
    ("tilbudsviften unge 13-30 år", UID_2019.format(7)),
    ("autisme Specialisterne", UID_2019.format(8)),
    ('"Udvikling i fleksjob II"', UID_2019.format(9)),
    ('"Flere skal med"', UID_2019.format(10)),
    ("Proowned", UID_2019.format(1)),
    ("Cardcoin", UID_2020.format(1)),
    ("15.00.00-A00-6-19", UID_2020.format(7)),
    ("omstillingscasen EBU-03", UID_2020.format(7)),
]


@pytest.mark.parametrize("query, expected", QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_sample_questions(archive, query, expected):
    r = archive.search(query, limit=3)
    assert expected in ids(r)[:3], (query, titles(r))


def test_no_item_has_every_word_then_all_but_the_commonest(archive):
    r = archive.search("indvandrere i job og uddannelse")
    assert r["left_out"] == ["uddannelse"] and UID_2019.format(6) in ids(r)


def test_a_promise_s_words_find_the_item_that_cites_the_promise(archive):
    """Point 5.3 of the 2019 agreement is "Flere indvandrere i job"; the 2019-06-11 item 6 cites
    "punkt 5.3" in other words. Its record files the point's title, weighted below its own text."""
    r = archive.search("flere indvandrere i job", limit=5)
    assert r["left_out"] == [] and UID_2019.format(6) in ids(r)
    hit = next(h for h in r["hits"] if h["id"] == UID_2019.format(6))
    assert "punkt 5.3" in hit["snippet"]
    assert archive.search("frivillighedspolitik")["left_out"] == []
