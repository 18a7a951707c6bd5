"""Positions and dissent read from decision texts: one case per phrasing, on invented text.

Every name, party line-up and sentence here is made up in the form real minutes print; none is copied.
`docs/positions.md` lists the same phrasings.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referat.model import PositionKind, Positions, _positions_dict, _positions_from_dict
from referat.parsers.positions import positions


def found(text: str | None) -> list[tuple[str, str | None, str | None]]:
    """(kind, party, name) of every position read, in printed order."""
    return [(p.kind.value, p.party, p.name) for p in positions(text).positions]


def counts(text: str) -> tuple[int | None, int | None, int | None]:
    result = positions(text)
    return result.votes_for, result.votes_against, result.votes_abstain


def parties(kind: str, letters: str) -> list[tuple[str, str, None]]:
    """Positions of one kind taken by list letters: parties("against", "AOØ")."""
    return [(kind, letter, None) for letter in letters]


PHRASINGS = [
    # --- against ---
    pytest.param("Indstillingen blev godkendt. Et mindretal (Ø) stemte imod.", parties("against", "Ø"), id="et mindretal (Ø) stemte imod"),
    pytest.param("Godkendt.\nImod stemte: A, O og Ø.", parties("against", "AOØ"), id="Imod stemte: list"),
    pytest.param("Indstillingen godkendt. Imod stemte A, O og Ø.", parties("against", "AOØ"), id="Imod stemte list, no colon"),
    pytest.param("Anbefales. Ø stemmer imod.", parties("against", "Ø"), id="letter stemmer imod"),
    pytest.param("Enhedslisten kan ikke tiltræde indstillingen.", parties("against", "Ø"), id="party name kan ikke tiltræde"),
    pytest.param("Anbefales over for Byrådet. V og O kunne ikke anbefale indstillingen.", parties("against", "VO"), id="kunne ikke anbefale"),
    pytest.param("Anbefales. Alternativet tiltræder ikke indstillingen.", parties("against", "Å"), id="tiltræder ikke"),
    pytest.param("Godkendt. V og O var imod.", parties("against", "VO"), id="var imod"),
    pytest.param("Godkendt. Mette Lindqvist (V) stemte imod.", [("against", "V", "Mette Lindqvist")], id="person (party) stemte imod"),
    pytest.param("Godkendt. Borgmester Henrik Dalsgaard (A) stemte imod.", [("against", "A", "Henrik Dalsgaard")], id="title before a name"),
    pytest.param(
        "Godkendt, idet Karsten Bødker og Lone Winther (Ø) stemte imod.",
        [("against", None, "Karsten Bødker"), ("against", "Ø", "Lone Winther")],
        id="people with and without a party",
    ),
    pytest.param(
        "Tiltrådt, idet Peter V. Hansen (C) og Anne-Mette Dahl-Sørensen (Ø) stemte imod.",
        [("against", "C", "Peter V. Hansen"), ("against", "Ø", "Anne-Mette Dahl-Sørensen")],
        id="an initial and hyphenated names",
    ),
    pytest.param("Godkendt. Liste F og Ø stemte imod, idet de ønsker en anden placering.", parties("against", "FØ"), id="Liste F og Ø"),
    pytest.param("Forslaget blev vedtaget. Derfor stemte Venstre og Dansk Folkeparti imod.", parties("against", "VO"), id="stemte parties imod"),
    pytest.param("Mindretallet bestående af SF og Radikale Venstre stemte imod.", parties("against", "FB"), id="mindretallet bestående af"),
    pytest.param("Anbefales mod Ø's stemme.", parties("against", "Ø"), id="mod Ø's stemme"),
    pytest.param("Godkendt. Dansk Folkepartis medlemmer stemte imod.", parties("against", "O"), id="a party's members"),
    pytest.param("Godkendt. Ø ønsker sin stemme imod ført til protokol.", parties("against", "Ø"), id="sin stemme imod"),
    pytest.param("Både Venstre og Ø stemte imod.", parties("against", "VØ"), id="a capital word before a party is no person"),
    # --- abstain ---
    pytest.param("Godkendt. C og I undlader at stemme.", parties("abstain", "CI"), id="undlader at stemme"),
    pytest.param("Godkendt. Nye Borgerlige undlod at stemme.", parties("abstain", "D"), id="party name undlod at stemme"),
    pytest.param("Vedtaget.\nHverken for eller imod: Kristendemokraterne og M.", parties("abstain", "KM"), id="Hverken for eller imod: list"),
    pytest.param("Godkendt.\nUndlod: Alternativet.", parties("abstain", "Å"), id="Undlod: party"),
    pytest.param("Ved afstemningen undlod Liberal Alliance at stemme.", parties("abstain", "I"), id="undlod party at stemme"),
    pytest.param("Godkendt. Peter Hjorth (V) stemte hverken for eller imod.", [("abstain", "V", "Peter Hjorth")], id="stemte hverken for eller imod"),
    # --- reservation ---
    pytest.param("Godkendt. V tog forbehold.", parties("reservation", "V"), id="tog forbehold"),
    pytest.param("Anbefales. Dansk Folkeparti tager forbehold for finansieringen.", parties("reservation", "O"), id="tager forbehold for"),
    pytest.param("Indstillingen anbefales med forbehold fra O.", parties("reservation", "O"), id="med forbehold fra"),
    pytest.param("Godkendt. B og Ø tager forbehold.", parties("reservation", "BØ"), id="two letters tager forbehold"),
    pytest.param("Godkendt. Det Konservative Folkeparti forbeholder sig ret til at vende tilbage til sagen.", parties("reservation", "C"), id="forbeholder sig"),
    pytest.param("Godkendt.\nForbehold: V og O.", parties("reservation", "VO"), id="Forbehold: list"),
    pytest.param("Godkendt. Venstres gruppe tog forbehold for finansieringen.", parties("reservation", "V"), id="a party's group"),
    pytest.param("Godkendt med V's forbehold for anlægsudgiften.", parties("reservation", "V"), id="med V's forbehold"),
    # --- to the council ---
    pytest.param("Godkendt. A begærede sagen i byrådet.", parties("to_council", "A"), id="begærede sagen i byrådet"),
    pytest.param("Godkendt. Sagen begæres i Kommunalbestyrelsen af F.", parties("to_council", "F"), id="sagen begæres … af"),
    pytest.param("Godkendt. C ønsker sagen behandlet i byrådet.", parties("to_council", "C"), id="ønsker sagen behandlet"),
    pytest.param("Socialdemokratiet kræver sagen forelagt byrådet.", parties("to_council", "A"), id="kræver sagen forelagt"),
    pytest.param("Godkendt. Sagen blev begæret i Byrådet af Jonas Kjærgaard (Ø).", [("to_council", "Ø", "Jonas Kjærgaard")], id="begæret … af a person"),
    pytest.param("Ø begærer, at sagen behandles i kommunalbestyrelsen.", parties("to_council", "Ø"), id="begærer, at sagen behandles"),
    pytest.param("Godkendt. V standsede beslutningen, jf. styrelseslovens § 23.", parties("to_council", "V"), id="standsede beslutningen"),
    pytest.param(
        "Ø kunne ikke støtte forslaget og begærede sagen i byrådet.",
        [("against", "Ø", None), ("to_council", "Ø", None)],
        id="a second verb shares the subject",
    ),
    # --- for ---
    pytest.param("Vedtaget.\nFor stemte: A, B og F (12)", parties("for", "ABF"), id="For stemte: list (count)"),
    pytest.param("A, B, F og Ø stemte for. V og O stemte imod.", parties("for", "ABFØ") + parties("against", "VO"), id="stemte for, stemte imod"),
    pytest.param("Et flertal (A, V) stemte for, et mindretal (Ø) stemte imod.", parties("for", "AV") + parties("against", "Ø"), id="flertal and mindretal"),
    pytest.param("Forslaget blev ikke godkendt, idet kun O stemte for.", parties("for", "O"), id="kun O stemte for"),
    pytest.param("Godkendt. Også Ø stemte for, mens alene C undlod at stemme.", parties("for", "Ø") + parties("abstain", "C"), id="an adverb before a letter"),
    pytest.param(
        "For: 3 (Anne Holm (A), Bent Krog (F), Carla Mørch (Ø))\nImod: 2 (Dorte Vang (V), Erik Lund (O))",
        [("for", "A", "Anne Holm"), ("for", "F", "Bent Krog"), ("for", "Ø", "Carla Mørch"), ("against", "V", "Dorte Vang"), ("against", "O", "Erik Lund")],
        id="For: and Imod: with people",
    ),
    pytest.param("For stemte 9 (SF, EL og DF), imod stemte 6 (KF, RV og LA).", parties("for", "FØO") + parties("against", "CBI"), id="abbreviations"),
    # --- with the counts ---
    pytest.param("Godkendt med 6 stemmer mod 1 (Ø).", parties("against", "Ø"), id="the minority's party after its count"),
    pytest.param("Forslaget blev forkastet med 3 stemmer (V, O) mod 4 (A, F, Ø).", parties("for", "VO") + parties("against", "AFØ"), id="forkastet, smaller side first"),
    pytest.param("Forslaget blev forkastet med 4 stemmer (A, F, Ø) mod 3 (V, O).", parties("against", "AFØ") + parties("for", "VO"), id="forkastet, larger side first"),
    pytest.param(
        "For stemte 9 (A, F og Ø), imod stemte 6 (C, O og V), hverken for eller imod stemte 1 (Å).",
        parties("for", "AFØ") + parties("against", "COV") + parties("abstain", "Å"),
        id="three labels after commas",
    ),
    pytest.param(
        "Indstillingen blev godkendt efter følgende afstemning:\n\nFor stemte: 15 (A, C, V)\n\nImod stemte: 0\n\nUndlod at stemme: 2 (Løsgænger)",
        parties("for", "ACV"),
        id="labels on separate lines, an independent is no party",
    ),
    pytest.param(
        "Beslutning i Økonomiudvalget den 12-01-2021\nAnbefales. Ø stemte imod.\n\nBeslutning i Byrådet den 27-01-2021\nGodkendt. O og Ø stemte imod.",
        parties("against", "ØO"),
        id="two bodies in one decision text",
    ),
]


@pytest.mark.parametrize("text, expected", PHRASINGS)
def test_phrasing(text: str, expected: list[tuple[str, str | None, str | None]]):
    assert found(text) == expected


COUNTS = [
    pytest.param("Indstillingen blev vedtaget med 20 stemmer mod 5.", (20, 5, None), id="vedtaget med N stemmer mod M"),
    pytest.param("Godkendt med 7 stemmer for og 2 imod.", (7, 2, None), id="N stemmer for og M imod"),
    pytest.param("Forslaget blev vedtaget: 3 stemte for, 4 imod, 1 undlod.", (3, 4, 1), id="N stemte for, M imod, K undlod"),
    pytest.param("Indstillingen blev godkendt med 49 stemmer imod 4.", (49, 4, None), id="N stemmer imod M"),
    pytest.param("Indstillingen blev tiltrådt med 25 stemmer for, 3 imod og 2 der undlod at stemme.", (25, 3, 2), id="K der undlod"),
    pytest.param("Forslaget blev forkastet med 3 stemmer (V, O) mod 4 (A, F, Ø).", (3, 4, None), id="forkastet, smaller side first"),
    pytest.param("Forslaget blev forkastet med 4 stemmer (A, F, Ø) mod 3 (V, O).", (3, 4, None), id="forkastet, larger side first"),
    pytest.param("Vedtaget.\nFor stemte: A, B og F (12)", (12, None, None), id="the count after the list"),
    pytest.param(
        "Indstillingen blev godkendt efter følgende afstemning:\n\nFor stemte: 15 (A, C, V)\n\nImod stemte: 0\n\nUndlod at stemme: 2 (Løsgænger)",
        (15, 0, 2),
        id="labels on separate lines make one vote",
    ),
    pytest.param("For stemte 9 (A, F og Ø), imod stemte 6 (C, O og V), hverken for eller imod stemte 1 (Å).", (9, 6, 1), id="three labels after commas"),
    pytest.param("For: 3 (Anne Holm (A), Bent Krog (F), Carla Mørch (Ø))\nImod: 2 (Dorte Vang (V), Erik Lund (O))", (3, 2, None), id="For: and Imod:"),
    pytest.param("Indstillingen blev ikke godkendt.\nFor stemte 3 medlemmer: C og V.\nImod stemte 8 medlemmer: A, B, F og Ø.", (3, 8, None), id="N medlemmer: list"),
    pytest.param("Forslaget blev ikke godkendt. For stemte: 2. Imod stemte: 3.", (2, 3, None), id="bare counts in two sentences"),
    pytest.param(
        "Ændringsforslag fra O: For stemte 2 (O). Imod stemte 9 (A, B, C, V). Forkastet.\nHerefter blev indstillingen godkendt med 9 stemmer mod 2.",
        (9, 2, None),
        id="the last vote gives the counts",
    ),
    pytest.param("Godkendt med fem stemmer mod to.", (5, 2, None), id="numbers as words"),
    pytest.param("Godkendt. Et medlem stemte imod.", (None, 1, None), id="et medlem stemte imod"),
    pytest.param("Ingen stemte imod.", (None, None, None), id="ingen is no count"),
    pytest.param("Enstemmigt godkendt.", (None, None, None), id="enstemmigt is no count"),
    pytest.param("Lokalplan 12 for området vedtages med 2 ændringer.", (None, None, None), id="a number before for is no count"),
]


@pytest.mark.parametrize("text, expected", COUNTS)
def test_counts(text: str, expected: tuple[int | None, int | None, int | None]):
    assert counts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ingen stemte imod.",
        "Enstemmigt godkendt.",
        "Udvalget anbefaler enstemmigt indstillingen.",
        "Godkendt uden forbehold.",
        "Punktet blev udsat.",
        "Godkendt under forbehold af finansiering.",
        "Tilskuddet gives under forbehold af, at byrådet bevilger midlerne. Forvaltningen tager forbehold for prisudviklingen.",
        "Teknisk Forvaltning tager forbehold for tidsplanen.",
        "Administrationen tager forbehold for ændringer i tidsplanen.",
        "Alle medlemmer af bestyrelsen har stemmeret.",
        "Anbefales over for Byrådet.",
        "Sagen sendes til byrådet.",
        "Udvalget ønsker sagen behandlet i byrådet.",
        "Udvalget kan ikke tiltræde ansøgningen.",
        "Ansøgningen kan ikke imødekommes.",
        "Godkendt. Et mindretal stemte imod.",
        "Beboerne i område B stemte imod lokalplanen ved høringen.",
        "Lokalplan 12 for området ved Bakkegården vedtages.",
        "Godkendt med den bemærkning, at 2 for 1-tilbud ikke indgår.",
        "Midlerne udbetales mod dokumentation for afholdte udgifter.",
        "Der blev ikke stemt om punktet, da de bestemte forhold ikke var belyst.",
        "",
        None,
    ],
)
def test_no_position_is_read_from(text: str | None):
    assert found(text) == []


# --- the result -------------------------------------------------------------------------------


def test_a_nameless_decision_is_an_empty_result():
    assert positions(None) == Positions() and positions("Godkendt.") == Positions()


def test_the_quote_is_the_sentence_the_position_came_from():
    result = positions("Indstillingen blev godkendt. Et mindretal (Ø) stemte imod.\nV tog forbehold.")
    assert [p.quote for p in result.positions] == ["Et mindretal (Ø) stemte imod.", "V tog forbehold."]


def test_the_same_position_twice_is_kept_once_with_its_first_quote():
    result = positions("Ø stemte imod. Enhedslisten stemte imod punkt 2.")
    assert [(p.party, p.quote) for p in result.positions] == [("Ø", "Ø stemte imod.")]


def test_danish_letters_are_kept_in_names_and_quotes():
    result = positions("Godkendt. Søren Ærø Åkjær (Æ) tog forbehold.")
    assert [(p.kind.value, p.party, p.name, p.quote) for p in result.positions] == [
        ("reservation", "Æ", "Søren Ærø Åkjær", "Søren Ærø Åkjær (Æ) tog forbehold.")
    ]


def test_of_kind_keeps_printed_order():
    result = positions("Godkendt. V tog forbehold. C og I undlader at stemme. Ø stemte imod.")
    assert [p.party for p in result.of(PositionKind.ABSTAIN)] == ["C", "I"]
    assert [p.party for p in result.of(PositionKind.RESERVATION)] == ["V"]
    assert [p.party for p in result.of(PositionKind.AGAINST)] == ["Ø"]
    assert result.of(PositionKind.TO_COUNCIL) == [] and result.of(PositionKind.FOR) == []


def test_round_trip_through_json():
    result = positions("For: 3 (Anne Holm (A), Bent Krog (F), Carla Mørch (Ø))\nImod: 2 (V, O)\nØ begærede sagen i byrådet.")
    data = json.loads(json.dumps(_positions_dict(result), ensure_ascii=False))
    assert _positions_from_dict(data) == result
    assert data["positions"][0] == {"kind": "for", "party": "A", "name": "Anne Holm", "quote": "For: 3 (Anne Holm (A), Bent Krog (F), Carla Mørch (Ø))"}
    assert (data["votes_for"], data["votes_against"], data["votes_abstain"]) == (3, 2, None)


_PIECES = list("AVOØÆÅ ,.:()\n0123456789") + [
    "og ", "stemte ", "imod", "for ", "undlod ", "forbehold ", "Imod stemte:", "For:", "med ", "mod ", "stemmer ", "Peter Holm ",
    "Imod ", "Godkendt ", "Byrådet ", "Venstre", "Dansk Folkeparti ", "(V)", "(Løsgænger)", "Liste ", "fem ", "forkastet ", "sagen ", "begærede ",
]  # fmt: skip


@given(st.lists(st.sampled_from(_PIECES), max_size=80).map("".join))
def test_any_text_gives_quotes_from_the_text(text: str):
    result = positions(text)
    flat = " ".join(text.split())
    for p in result.positions:
        assert p.quote and p.quote in flat
        assert p.party is not None or p.name is not None
