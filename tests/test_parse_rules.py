"""One test per parser rule, each on a small fixture showing the layout variant it handles."""

from __future__ import annotations

from datetime import date
from textwrap import dedent

import pytest

from referat.model import DocumentKind, Outcome
from referat.parsers import parse
from referat.parsers.casenumbers import case_number_in_line, decompose
from referat.parsers.committees import canonical_committee
from referat.parsers.dates import parse_date, parse_time
from referat.parsers.decisions import classify_outcome, repair_numbered_points
from referat.parsers.references import find_budget_refs, find_meeting_refs, parse_treatment_line


def minutes(text: str):
    doc = parse(dedent(text).strip() + "\n", source="fixture.txt")
    assert doc.kind in (DocumentKind.MINUTES, DocumentKind.AGENDA), doc.warnings
    return doc


# --- headings ---------------------------------------------------------------------------------


def test_punkt_heading_with_colon():
    doc = minutes("""
        REFERAT Økonomiudvalget d. 06-02-2018

        Punkt 1: Meddelelser

        Beslutning

        Taget til efterretning
    """)
    assert [(i.number, i.title) for i in doc.meeting.items] == [(1, "Meddelelser")]


def test_punkt_heading_without_colon_title_wrapped_over_three_lines():
    doc = minutes("""
        Referat Teknik- og Miljøudvalget 12. juni 2018

        Punkt 3 Forslag til lokalplan 112 for et nyt boligområde ved
        Hedegården med tilhørende kommuneplantillæg og
        miljøvurdering

        Sagsnr.: 01.02.05-P16-3-17

        Sagsfremstilling

        Lokalplanen muliggør 40 boliger.

        Beslutning

        Godkendt
    """)
    item = doc.meeting.items[0]
    assert item.number == 3
    assert item.title == (
        "Forslag til lokalplan 112 for et nyt boligområde ved Hedegården med tilhørende kommuneplantillæg og miljøvurdering"
    )
    assert item.case_number == "01.02.05-P16-3-17"


def test_wrapped_title_joined_across_a_blank_line_when_the_toc_shows_it():
    doc = minutes("""
        Dagsorden Børne- og Skoleudvalget 3. marts 2021 kl. 16.00

        Indholdsfortegnelse
        Punkt 1 Skoledistrikter i Ballerup Kommune - høring af forslag til ny struktur ..... 3

        Punkt 1 Skoledistrikter i Ballerup Kommune - høring af forslag

        til ny struktur

        Sagsfremstilling

        Forslaget sendes i høring.
    """)
    assert doc.meeting.items[0].title == "Skoledistrikter i Ballerup Kommune - høring af forslag til ny struktur"
    assert doc.kind == DocumentKind.AGENDA


def test_numbered_items_on_a_web_page():
    doc = minutes("""
        Referat - Kultur- og Fritidsudvalget - 5. november 2019

        1. Meddelelser

        Beslutning

        Til efterretning

        2. Frivillighedspolitik

        Indstilling

        Center for Kultur indstiller, at

        1. Politikken sendes i høring.
        2. Tidsplanen godkendes.

        Beslutning

        Tiltrådt

        3. Eventuelt

        Beslutning

        Intet.
    """)
    items = doc.meeting.items
    assert [(i.number, i.title) for i in items] == [(1, "Meddelelser"), (2, "Frivillighedspolitik"), (3, "Eventuelt")]
    assert items[0].outcome is Outcome.NOTED
    assert items[1].outcome is Outcome.APPROVED
    assert items[1].recommendation == "Center for Kultur indstiller, at\n\n1. Politikken sendes i høring.\n2. Tidsplanen godkendes."


def test_table_of_contents_is_never_an_item_and_cross_checks_titles():
    doc = minutes("""
        REFERAT Erhvervs- og Beskæftigelsesudvalget d. 11-06-2019

        Indholdsfortegnelse

        Meddelelser.....	3
        Investeringscase om øget beskæftigelse.....	4

        Punkt 1: Meddelelser

        Beslutning

        Taget til efterretning

        Punkt 2: Inveseringscase om øget beskæftigelse

        Beslutning

        Indstillingen godkendt
    """)
    assert [i.title for i in doc.meeting.items] == ["Meddelelser", "Inveseringscase om øget beskæftigelse"]
    assert any("differs from the table of contents 'Investeringscase" in w for w in doc.warnings)


def test_supplementary_item_marked_tillaegsdagsorden():
    doc = minutes("""
        Referat Økonomiudvalget 06.02.2018 kl. 13:00

        Punkt 1: Budgetopfølgning

        Beslutning

        Godkendt

        TILLÆGSDAGSORDEN

        Punkt 2: Salg af grund

        Beslutning

        Godkendt

        Punkt 3: TILLÆGSDAGSORDEN: Ekstra bevilling

        Beslutning

        Godkendt
    """)
    items = doc.meeting.items
    assert [i.supplementary for i in items] == [False, True, True]
    assert items[2].title == "Ekstra bevilling"
    assert items[0].decision == "Godkendt"  # the marker is not part of the previous decision


def test_closed_part_of_the_meeting():
    doc = minutes("""
        Referat Økonomiudvalget 06.02.2018 kl. 13:00

        Punkt 1: Åbent punkt

        Beslutning

        Godkendt

        Lukket møde

        Punkt 2: Køb af ejendom

        Beslutning

        Godkendt
    """)
    assert [i.closed for i in doc.meeting.items] == [False, True]


def test_no_case_number_at_all():
    doc = minutes("""
        Referat Økonomiudvalget 06.02.2018

        Punkt 1: Eventuelt

        Beslutning

        Intet
    """)
    assert doc.meeting.items[0].case_number is None


@pytest.mark.parametrize(
    "line, expected",
    [
        ("15.00.00-P05-4-20", "15.00.00-P05-4-20"),
        ("15.00.00-Ø00-1-18", "15.00.00-Ø00-1-18"),
        ("15.00.00-000-1-18", "15.00.00-000-1-18"),
        ("Sagsnr.: 2019-012345", "2019-012345"),
        ("Sag nr. 19/12345", "19/12345"),
        ("Journalnr. 27.00.00-A00-1-20", "27.00.00-A00-1-20"),
        ("2019-012345", "2019-012345"),
        ("18-08-2020", None),
        ("Sammendrag", None),
    ],
)
def test_case_number_line_forms(line, expected):
    assert case_number_in_line(line) == expected


def test_case_number_label_after_the_title():
    doc = minutes("""
        Referat Økonomiudvalget 06.02.2018

        Punkt 4: Salg af Vestervej 3 (Sagsnr. 2018-004512)

        Beslutning

        Godkendt
    """)
    item = doc.meeting.items[0]
    assert (item.title, item.case_number) == ("Salg af Vestervej 3", "2018-004512")


def test_kle_decomposition():
    kle = decompose("15.00.00-P05-4-20")
    assert (kle.topic, kle.facet, kle.serial, kle.year) == ("15.00.00", "P05", 4, 2020)
    assert decompose("15.00.00-P05").facet == "P05"
    assert decompose("15.00").topic == "15.00"
    assert decompose("2019-012345") is None


# --- the meeting heading ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected_date, expected_time",
    [
        ("Tirsdag den 12. juni 2018 - kl. 13:00", date(2018, 6, 12), "13:00"),
        ("06.02.2018 kl. 13:00", date(2018, 2, 6), "13:00"),
        ("Mødedato Tirsdag d. 18. august 2020 kl. 13:00", date(2020, 8, 18), "13:00"),
        ("REFERAT Erhvervs- og Beskæftigelsesudvalget d. 18-08-2020", date(2020, 8, 18), None),
        ("Mødet den 5. dec. 2017 kl. 16.30", date(2017, 12, 5), "16:30"),
        ("2020-08-18", date(2020, 8, 18), None),
    ],
)
def test_date_and_time_forms(text, expected_date, expected_time):
    assert parse_date(text) == expected_date
    assert parse_time(text) == expected_time


def test_case_number_is_not_a_date():
    assert parse_date("15.00.00-P05-4-20") is None


@pytest.mark.parametrize(
    "printed, canonical",
    [
        ("Erhverv- og Beskæftigelsesudvalget", "Erhvervs- og Beskæftigelsesudvalget"),
        ("Erhvervs- og beskæftigelsesudvalget", "Erhvervs- og Beskæftigelsesudvalget"),
        ("Erhvervs- og Beskæftigelsesudvalgets møde", "Erhvervs- og Beskæftigelsesudvalget"),
        ("Kommunalbestyrelsens", "Kommunalbestyrelsen"),
        ("ØU", "Økonomiudvalget"),
    ],
)
def test_committee_names_fold_to_one_spelling(printed, canonical):
    assert canonical_committee(printed) == canonical


def test_meeting_heading_fields_in_another_layout():
    doc = minutes("""
        Dagsorden med beslutninger
        Udvalg: Social- og sundhedsudvalget
        Dato: Tirsdag den 12. juni 2018 - kl. 13:00
        Sted: Rådhuset, mødelokale 2

        Punkt 1: Meddelelser

        Beslutning

        Taget til efterretning
    """)
    m = doc.meeting
    assert (m.committee, m.date, m.start_time, m.location) == (
        "Social- og Sundhedsudvalget", date(2018, 6, 12), "13:00", "Rådhuset, mødelokale 2"
    )
    assert doc.kind == DocumentKind.MINUTES  # decisions were taken


def test_attendance_inline_with_fravaer():
    doc = minutes("""
        REFERAT Erhvervs- og Beskæftigelsesudvalget d. 18-08-2020

        Mødedeltagere Jette Rau (erhvervschef) (Fravær), Eik Møller (kommunaldirektør), Sussie Wandel (V) (Fravær), Dennis Sørensen (A)

        Punkt 1: Meddelelser

        Beslutning

        Taget til efterretning
    """)
    people = {p.name: (p.party, p.role, p.present) for p in doc.meeting.participants}
    assert people == {
        "Jette Rau": (None, "erhvervschef", False),
        "Eik Møller": (None, "kommunaldirektør", True),
        "Sussie Wandel": ("V", None, False),
        "Dennis Sørensen": ("A", None, True),
    }


def test_attendance_as_lines_deltog_afbud():
    doc = minutes("""
        Referat Byrådet 28.05.2018 kl. 17:00

        Deltagere
        Jens Jensen (A) - Deltog
        Hanne Hansen (V) - Afbud
        Ole Olsen (Ø) - Deltog

        Afbud/Fraværende
        Peter Pedersen (C)

        Punkt 1: Meddelelser

        Beslutning

        Taget til efterretning
    """)
    people = {p.name: (p.party, p.present) for p in doc.meeting.participants}
    assert people == {
        "Jens Jensen": ("A", True),
        "Hanne Hansen": ("V", False),
        "Ole Olsen": ("Ø", True),
        "Peter Pedersen": ("C", False),
    }


# --- sections -----------------------------------------------------------------------------------


def test_every_section_kept_in_order_and_indhold_is_a_wrapper():
    doc = minutes("""
        Referat Økonomiudvalget 06.02.2018

        Punkt 2: Budget

        00.30.14-G01-1-20

        Tidligere behandling

        Økonomiudvalget den 9. januar 2018 Punkt 4

        Indhold

        Sammendrag

        Kort.

        Baggrund

        Lang.

        COVID-19

        En underoverskrift bliver i teksten.

        Økonomiske konsekvenser og finansiering

        Ingen økonomiske konsekvenser

        Bilag

        2 bilag

        Beslutningskompetence

        Kommunalbestyrelsen

        Indstilling

        Direktionen indstiller, at

        1. Budgettet godkendes.

        Beslutning

        Indstilles til godkendelse

        Bilag

        Budgetnotat 2018
    """)
    item = doc.meeting.items[0]
    assert [s.heading for s in item.sections] == [
        "Tidligere behandling", "Sammendrag", "Baggrund", "Økonomiske konsekvenser og finansiering",
        "Bilag", "Beslutningskompetence", "Indstilling", "Beslutning", "Bilag",
    ]  # fmt: skip
    assert item.section("Baggrund").text == "Lang.\n\nCOVID-19\n\nEn underoverskrift bliver i teksten."
    assert item.decided_by == "Kommunalbestyrelsen"
    assert item.attachments == ["Budgetnotat 2018"]
    assert item.outcome is Outcome.RECOMMENDED


def test_bullet_that_reads_like_a_heading_is_not_a_section():
    doc = minutes("""
        Referat Økonomiudvalget 06.02.2018

        Punkt 3: Mål og rammer

        Sagsfremstilling

        Beskrivelserne indeholder:

        - Sammendrag
        - Beskrivelse af opgaver

        Beslutning

        Godkendt
    """)
    assert [s.heading for s in doc.meeting.items[0].sections] == ["Sagsfremstilling", "Beslutning"]


def test_several_decisions_the_last_is_this_meetings():
    doc = minutes("""
        Referat Byrådet 28.05.2018

        Punkt 5: Takster 2019

        Beslutning i Økonomiudvalget den 15-05-2018

        Anbefales.

        Beslutning i Byrådet den 28-05-2018

        Godkendt.
    """)
    item = doc.meeting.items[0]
    assert [s.heading for s in item.sections] == ["Beslutning i Økonomiudvalget den 15-05-2018", "Beslutning i Byrådet den 28-05-2018"]
    assert item.decision == "Godkendt."
    assert item.outcome is Outcome.APPROVED


# --- Tidligere behandling ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, body, when, number",
    [
        ("Erhvervs- og Beskæftigelsesudvalget den 14. april 2020 Punkt 3", "Erhvervs- og Beskæftigelsesudvalget", date(2020, 4, 14), 3),
        ("Erhvervs- og Beskæftigelsesudvalgets møde den 5. december 2017 Punkt 4", "Erhvervs- og Beskæftigelsesudvalget", date(2017, 12, 5), 4),
        ("Erhvervs- og beskæftigelsesudvalget den 12. marts 2019 Punkt 4", "Erhvervs- og Beskæftigelsesudvalget", date(2019, 3, 12), 4),
        ("Økonomiudvalget, 12.06.2018, pkt. 5", "Økonomiudvalget", date(2018, 6, 12), 5),
        ("Kommunalbestyrelsen den 28. maj 2018", "Kommunalbestyrelsen", date(2018, 5, 28), None),
    ],
)
def test_previous_treatment_lines(line, body, when, number):
    t = parse_treatment_line(line)
    assert (t.body, t.date, t.item_number) == (body, when, number)


def test_several_previous_treatments_and_an_unreadable_one_warns():
    doc = minutes("""
        Referat Kommunalbestyrelsen 22.06.2020

        Punkt 7: Frivillighedspolitik

        Tidligere behandling

        Kultur- og Fritidsudvalget den 5. november 2019 Punkt 8
        Økonomiudvalget den 9. juni 2020 Punkt 12
        Behandlet flere gange

        Beslutning

        Godkendt
    """)
    item = doc.meeting.items[0]
    assert [(t.body, t.item_number) for t in item.previous_treatments] == [("Kultur- og Fritidsudvalget", 8), ("Økonomiudvalget", 12)]
    assert any("Behandlet flere gange" in w for w in doc.warnings)


# --- Indstilling and Beslutning -----------------------------------------------------------------


def test_numbered_points_glued_to_the_end_of_a_line_are_repaired():
    text = "Center for Arbejdsmarked indstiller, at\n\n1. Orienteringen tages til efterretning.2.\nDer udarbejdes en procesplan."
    assert repair_numbered_points(text) == (
        "Center for Arbejdsmarked indstiller, at\n\n1. Orienteringen tages til efterretning.\n2. Der udarbejdes en procesplan."
    )


def test_number_alone_on_a_line_joins_its_text():
    assert repair_numbered_points("indstiller, at\n1.\nSagen godkendes.") == "indstiller, at\n1. Sagen godkendes."


@pytest.mark.parametrize(
    "decision, outcome",
    [
        ("Indstillingen godkendt", Outcome.APPROVED),
        ("Godkendt.", Outcome.APPROVED),
        ("Tiltrådt", Outcome.APPROVED),
        ("Indstillingen godkendt med denne bemærkning: Sagen genoptages i 2021.", Outcome.APPROVED_WITH_REMARKS),
        ("Taget til efterretning", Outcome.NOTED),
        ("Til efterretning", Outcome.NOTED),
        ("Indstilles til godkendelse", Outcome.RECOMMENDED),
        ("Udsættes", Outcome.POSTPONED),
        ("Udsat", Outcome.POSTPONED),
        ("Undersøges. Ny sag forelægges.", Outcome.REFERRED_BACK),
        ("Ikke godkendt", Outcome.REJECTED),
        ("Indstillingen blev forkastet", Outcome.REJECTED),
        ("Forkastet", Outcome.REJECTED),
        ("Drøftet", Outcome.OTHER),
        ("", None),
        (None, None),
    ],
)
def test_outcome_vocabulary(decision, outcome):
    assert classify_outcome(decision) is outcome


def test_decision_with_remarks_keeps_the_full_text():
    doc = minutes("""
        Referat Økonomiudvalget 06.02.2018

        Punkt 1: Budget

        Beslutning

        Indstillingen godkendt med denne bemærkning:

        Udvalget ønsker en status i efteråret.
    """)
    item = doc.meeting.items[0]
    assert item.decision == "Indstillingen godkendt med denne bemærkning:\n\nUdvalget ønsker en status i efteråret."
    assert item.outcome is Outcome.APPROVED_WITH_REMARKS


# --- budget references --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, refs",
    [
        ('Der henvises til Ballerup Kommunes "Aftale om budget 2019", punkt 5.3.', [(2019, "5.3")]),
        ("For at følge indsatsen tæt er der i budgetaftalen for 2019, indsats 4.23, ønsket forslag.", [(2019, "4.23")]),
        ("Se også indsats 2.3. Psykiatrisamarbejdet – tværsektoriel i budgetaftalen 2019.", [(2019, "2.3")]),
        ("Der er ikke en sammenhæng med Aftale om budget 2017, punkt 5.09 og denne businesscase.", [(2017, "5.09")]),
        ("Status på økonomien til FGU jf. budgetaftale 2019.", [(2019, None)]),
        ("I aftale om budget 2018 blev det besluttet at investere.", [(2018, None)]),
        ('Dette fremgår af "Aftale om kommunernes økonomi for budget 2021".', []),
        ("Parterne bag budgetaftalen 2019 ønsker mere. Der henvises til Aftale om budget 2019, punkt 5.3.", [(2019, "5.3")]),
    ],
)
def test_budget_reference_forms(text, refs):
    assert [(r.year, r.point) for r in find_budget_refs(text)] == refs


def test_budget_reference_quotes_the_sentence():
    refs = find_budget_refs("Indledning. Af budgetaftalen for 2019, punkt 1.15, fremgår det, at der ønskes en politik. Næste sætning.")
    assert refs[0].quote == "Af budgetaftalen for 2019, punkt 1.15, fremgår det, at der ønskes en politik."


# --- budget agreements --------------------------------------------------------------------------


def test_budget_agreement_points_status_and_meeting_refs():
    doc = parse(dedent("""
        Aftale om budget 2019

        5.3. Flere indvandrere i job

        Parterne ønsker en business case.

        -----

        Erhvervs- og Beskæftigelsesudvalget har på et møde den 15. januar 2019, Punkt 7, godkendt sagen.

        5.09. Aktivitetsparate borgere

        Der investeres 2 mio. kr.

        4.23. Lommepengeprojekter

        Indsatsen følges tæt.
    """))
    assert doc.kind == DocumentKind.BUDGET_AGREEMENT
    points = doc.budget_agreement.points
    assert doc.budget_agreement.year == 2019
    assert [(p.point, p.title) for p in points] == [
        ("5.3", "Flere indvandrere i job"), ("5.09", "Aktivitetsparate borgere"), ("4.23", "Lommepengeprojekter")
    ]  # fmt: skip
    assert points[0].text == "Parterne ønsker en business case."
    assert points[0].status.startswith("Erhvervs- og Beskæftigelsesudvalget har på et møde")
    assert [(r.body, r.date, r.item_number) for r in points[0].meeting_refs] == [
        ("Erhvervs- og Beskæftigelsesudvalget", date(2019, 1, 15), 7)
    ]
    assert points[1].status is None


def test_meeting_ref_resolves_to_the_committee_named_before_it():
    refs = find_meeting_refs("Der er ikke grundlag jf. tidligere sag på Økonomiudvalget den 12. juni 2018, Punkt 3.")
    assert [(r.body, r.date, r.item_number) for r in refs] == [("Økonomiudvalget", date(2018, 6, 12), 3)]


# --- other documents ------------------------------------------------------------------------------


def test_other_document_title_and_sections():
    doc = parse("# Aktiveringsstrategi 2015\n\n## 1. Baggrund\n\nTekst om baggrund.\n\n## 2. Mål\n\nTekst om mål.\n")
    assert doc.kind == DocumentKind.DOCUMENT
    assert doc.title == "Aktiveringsstrategi 2015"
    assert [(s.heading, s.text) for s in doc.sections] == [("1. Baggrund", "Tekst om baggrund."), ("2. Mål", "Tekst om mål.")]


def test_plain_text_document_with_numbered_headings():
    doc = parse("Strategi for unge\n\n1. Baggrund\n\nTekst.\n\n2. Indsatser\n\nMere tekst.\n")
    assert doc.kind == DocumentKind.DOCUMENT
    assert [s.heading for s in doc.sections] == ["", "1. Baggrund", "2. Indsatser"]


def test_word_broken_over_a_page_break_is_joined_but_suspended_hyphen_kept():
    doc = parse("# Notat\n\nDer skal skabes flexi-\n\nbilitet i Erhvervs-\nog Beskæftigelsesudvalget.\n")
    text = doc.sections[0].text
    assert "flexibilitet" in text and "Erhvervs-\nog Beskæftigelsesudvalget" in text


def test_danish_letters_survive_everything():
    doc = minutes("""
        REFERAT Børne- og Skoleudvalget d. 03-03-2021

        Punkt 1: Øget trivsel på Ålholm Skole – ÆØÅ æøå

        Beslutning

        Godkendt
    """)
    assert doc.meeting.items[0].title == "Øget trivsel på Ålholm Skole – ÆØÅ æøå"
    assert doc.meeting.committee == "Børne- og Skoleudvalget"


def test_kle_number_with_two_digit_year_is_not_a_date():
    assert parse_date("Sagsnummer: 17.01.00-Ø00-2-24") is None


def test_heading_and_content_on_one_line_as_web_pages_print_them():
    doc = minutes("""
        # Referat – Kommunalbestyrelsen 29.01.2024

        ## Punkt 4: Budgetopfølgning pr. 31. december 2023

        Tidligere behandling: Økonomiudvalget den 15. januar 2024 Punkt 1

        Beslutning: Taget til efterretning.
    """)
    item = doc.meeting.items[0]
    assert [(t.body, t.item_number) for t in item.previous_treatments] == [("Økonomiudvalget", 1)]
    assert item.decision == "Taget til efterretning." and item.outcome is Outcome.NOTED


def test_meeting_date_from_the_address_when_the_heading_has_none():
    text = "# Referat – Børne- og Skoleudvalget\n\n## Punkt 2: Skolestruktur\n\n### Beslutning\n\nUdsættes.\n"
    doc = parse(text, source="https://ballerup.dk/dagsorden/boerne-og-skoleudvalget-05-02-2024")
    assert doc.meeting.date == date(2024, 2, 5)
    assert any("name" in w for w in doc.warnings)
