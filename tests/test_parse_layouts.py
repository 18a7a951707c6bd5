"""One test per layout rule of the generalised minutes parser, each on a tiny invented fixture.

Names, committees and titles below are made up; only the layouts are real. Expectations follow
the field conventions in /work/shared/parse-accuracy.md.
"""

from __future__ import annotations

from datetime import date
from textwrap import dedent

import pytest

from referat.model import DocumentKind, Outcome
from referat.parsers import NOT_READ_AS_MINUTES, parse
from referat.parsers.decisions import classify_outcome


def minutes(text: str, source: str = "fixture.txt"):
    doc = parse(dedent(text).strip() + "\n", source=source)
    assert doc.kind in (DocumentKind.MINUTES, DocumentKind.AGENDA), doc.warnings
    return doc


def numbered_titles(doc):
    return [(i.number, i.title) for i in doc.meeting.items]


def attendance(doc):
    return {p.name: p.present for p in doc.meeting.participants}


# --- item headings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "heading, number, title",
    [
        ("Pkt. 42 Ny sti langs Møllebækken", 42, "Ny sti langs Møllebækken"),
        ("Sag nr. 342. Renovering af broen over Skovåen", 342, "Renovering af broen over Skovåen"),
        ("Nr.7 - Vinterberedskab på cykelstier", 7, "Vinterberedskab på cykelstier"),
        ("38Godkendelse af dagsorden", 38, "Godkendelse af dagsorden"),
        ("• 301. Lokal klimaplan for Nørreby", 301, "Lokal klimaplan for Nørreby"),
        ("1.  1. Godkendelse af dagsordenen", 1, "Godkendelse af dagsordenen"),
    ],
    ids=["pkt", "sag-nr-full-stop", "nr-dash", "number-glued-to-title", "bullet", "doubled-number"],
)
def test_heading_forms(heading, number, title):
    doc = minutes(f"Referat Vejudvalget 03-05-2017\n\n{heading}\nSagsfremstilling\nBroen er nedslidt.\nBeslutning\nGodkendt.\n")
    assert numbered_titles(doc) == [(number, title)]


def test_status_word_between_number_and_title_lukket_closes_the_item():
    doc = minutes("""
        Referat Økonomiudvalget 11-11-2019

        4 Åbent Tilskud til Lyngby Spejdere
        Beslutning
        Godkendt.
        5 Lukket Køb af Engvej 12
        Beslutning
        Godkendt.
    """)
    assert numbered_titles(doc) == [(4, "Tilskud til Lyngby Spejdere"), (5, "Køb af Engvej 12")]
    assert [i.closed for i in doc.meeting.items] == [False, True]


def test_title_printed_before_its_number():
    doc = minutes("""
        Referat Byrådet 12-04-2010

        Salg af byggegrund på Kærvej
        Sag nr. 130
        Beslutning
        Godkendt.
        Budgetopfølgning pr. 31. marts
        Sag nr. 131 (ØU 23/2010)
        Beslutning
        Taget til efterretning.
    """)
    assert numbered_titles(doc) == [(130, "Salg af byggegrund på Kærvej"), (131, "Budgetopfølgning pr. 31. marts")]


def test_running_numbers_of_a_councils_year():
    doc = minutes("""
        Referat Byrådet 18-12-2019

        1043. Takster for svømmehallen
        Beslutning
        Godkendt.
        1044. Nyt navn til Torvegade
        Beslutning
        Godkendt.
        1045. Eventuelt
        Beslutning
        Ingen.
    """)
    assert [i.number for i in doc.meeting.items] == [1043, 1044, 1045]


def test_a_document_with_three_thousand_items_keeps_them_all():
    body = "\n".join(f"Punkt {n}: Ansøgning nummer {n}\n\nBeslutning\n\nGodkendt.\n" for n in range(1, 3001))
    doc = parse("Referat Byrådet 18-12-2019\n\n" + body, source="fixture.txt")
    assert [i.number for i in doc.meeting.items] == list(range(1, 3001))


def test_heading_printed_as_a_bullet_and_then_as_the_heading_is_one_item():
    doc = minutes("""
        Referat Børneudvalget 09-10-2021

        • Pkt. 88 Ny skolestruktur
        Pkt. 88 Ny skolestruktur
        Beslutning
        Godkendt.
        • Pkt. 89 Eventuelt
        Pkt. 89 Eventuelt
        Beslutning
        Intet.
    """)
    assert numbered_titles(doc) == [(88, "Ny skolestruktur"), (89, "Eventuelt")]


def test_bullet_heading_with_its_attachment_names_before_the_heading_is_one_item():
    doc = minutes("""
        Referat Kulturudvalget 03-04-2019

         • Pkt. 44 Ny plan for byens museum

          Plan_2019.pdf Idekatalog.pdf

          Pkt. 44

          Ny plan for byens museum

          Sagsnr. 315000 Kulturudvalget Åbent punkt

          Resume

          Museet har en ny plan.

          Beslutning

          Drøftet.
    """)
    assert numbered_titles(doc) == [(44, "Ny plan for byens museum")]


def test_printed_list_of_items_before_the_bodies_is_not_items():
    doc = minutes("""
        Referat Børneudvalget 02-02-2022

        PUNKTER
        Pkt. 1 Godkendelse af dagsorden
        Pkt. 2 Ny struktur for dagtilbud

        Pkt. 1 Godkendelse af dagsorden
        Beslutning
        Godkendt.
        Pkt. 2 Ny struktur for dagtilbud
        Beslutning
        Godkendt.
    """)
    assert numbered_titles(doc) == [(1, "Godkendelse af dagsorden"), (2, "Ny struktur for dagtilbud")]
    assert doc.meeting.items[1].decision == "Godkendt."


def test_numbered_points_of_an_indstilling_are_not_items():
    doc = minutes("""
        Referat Kulturudvalget 07-09-2021

        1. Meddelelser
        Beslutning
        Taget til efterretning.
        2. Eventuelt
        Beslutning
        Intet.
        3. Ny kulturpolitik
        Indstilling
        Forvaltningen indstiller,

        1. at udkastet sendes i høring,
        2. Tidsplan for høringen
        Beslutning
        Godkendt.
    """)
    assert numbered_titles(doc) == [(1, "Meddelelser"), (2, "Eventuelt"), (3, "Ny kulturpolitik")]
    assert "2. Tidsplan for høringen" in doc.meeting.items[2].recommendation


def test_date_line_is_not_an_item():
    doc = minutes("""
        Referat Miljøudvalget
        27. February 2024 - kl. 16:00

        1. Godkendelse af dagsorden
        Beslutning
        Godkendt.
    """)
    assert numbered_titles(doc) == [(1, "Godkendelse af dagsorden")]
    assert doc.meeting.date == date(2024, 2, 27)


def test_sentence_about_an_item_in_a_decision_is_not_an_item():
    doc = minutes("""
        Referat Byrådet 05-05-2020

        Punkt 1: Godkendelse af dagsorden
        Beslutning
        Godkendt.
        Punkt 25 ”Ny cykelsti ved Åvej” behandles efter punkt 2.
        Punkt 2: Boligpolitik
        Beslutning
        Godkendt.
    """)
    assert [i.number for i in doc.meeting.items] == [1, 2]
    assert "behandles efter punkt 2" in doc.meeting.items[0].decision


# --- items without numbers ----------------------------------------------------------------------

ONE_ITEM_PAGE = """
    Etablering af lommepark på Lærkevej
    Indstilling
    Forvaltningen indstiller, at udvalget godkender projektet.
    Problemstilling
    Pladsen ligger i dag hen som parkering.
    Beslutning
    Indstillingen blev godkendt uden afstemning.
"""


@pytest.mark.parametrize(
    "source, number",
    [("https://politik.example.dk/Miljoeudvalget/moede-22042021/referat/punkt-10", 10), ("fixture.txt", None)],
    ids=["number-from-the-address", "no-number-anywhere"],
)
def test_page_of_one_item(source, number):
    item = minutes(ONE_ITEM_PAGE, source=source).meeting.items[0]
    assert (item.number, item.title, item.outcome) == (number, "Etablering af lommepark på Lærkevej", Outcome.APPROVED)
    assert [s.heading for s in item.sections] == ["Indstilling", "Problemstilling", "Beslutning"]


def test_several_unnumbered_items_split_where_the_sections_start_over():
    doc = minutes("""
        Referat Nordby Byråd 14-08-2019

        Ny skatepark i Nordparken
        Sagsfremstilling
        Parken får en betonbane.
        Beslutning
        Godkendt.
        Lejeaftale for Kirkevej 4
        Sagsfremstilling
        Lejen stiger med 3 pct.
        Beslutning
        Udsat.
    """)
    assert numbered_titles(doc) == [(None, "Ny skatepark i Nordparken"), (None, "Lejeaftale for Kirkevej 4")]
    assert [i.outcome for i in doc.meeting.items] == [Outcome.APPROVED, Outcome.POSTPONED]


def test_status_marker_above_the_sections_opens_each_unnumbered_item():
    doc = minutes("""
        Byrådet 24. april 2023

        Åben

        Beslutning

        Godkendt.

        Åben

        Indstilling

        Økonomiudvalget indstiller, at årsberetningen godkendes.

        Beslutning

        Godkendt.

        Åben

        Indstilling

        Økonomiudvalget indstiller, at regnskaberne godkendes.

        Beslutning

        Godkendt.
    """, source="https://www.example.dk/politik/byraadet/2023-04-24")
    assert [[s.heading for s in i.sections] for i in doc.meeting.items] == [
        ["Beslutning"], ["Indstilling", "Beslutning"], ["Indstilling", "Beslutning"]
    ]


def test_case_number_on_the_line_above_the_heading():
    doc = minutes("""
        Referat Nordby Byråd 14-08-2019

        01.02.05-P16-3-19
        Ny lokalplan for havnen
        Sagsfremstilling
        Planen giver plads til 80 boliger.
        Beslutning
        Godkendt.
        82.03.00-G01-7-19
        Salg af Fiskerhuset
        Sagsfremstilling
        Huset sælges ved udbud.
        Beslutning
        Godkendt.
    """)
    items = doc.meeting.items
    assert [(i.title, i.case_number) for i in items] == [
        ("Ny lokalplan for havnen", "01.02.05-P16-3-19"), ("Salg af Fiskerhuset", "82.03.00-G01-7-19")
    ]  # fmt: skip
    assert "82.03.00" not in items[0].decision


# --- layout cleaning ----------------------------------------------------------------------------


def test_site_chrome_is_dropped():
    doc = minutes("""
        Fold alle ud
        Referat Byrådet 12-12-2022
        Vi bruger cookies for at give dig den bedste oplevelse af hjemmesiden.

        Punkt 1: Vandplan for Ådalen
        Se alle bilag
        Sagsfremstilling
        Planen beskytter åen.
        Til toppen
        Beslutning
        Godkendt.
        Til toppen
    """)
    item = doc.meeting.items[0]
    assert item.title == "Vandplan for Ådalen"
    assert [(s.heading, s.text) for s in item.sections] == [("Sagsfremstilling", "Planen beskytter åen."), ("Beslutning", "Godkendt.")]
    assert doc.title == "Referat Byrådet 12-12-2022"


def test_chrome_printed_as_a_bullet_is_dropped_and_items_without_titles_stay_apart():
    doc = minutes("""
        Udvalg: Vejudvalget
        Mødedato: 11-08-2021
          • Udskriv
            Sagsid.: 21/10001, Sagsinitialer: ABCD

            Sagsfremstilling

            Broen over åen skal renoveres.

            Beslutning

            Godkendt.

          • Udskriv
            Sagsid.: 21/10002, Sagsinitialer: EFGH

            Sagsfremstilling

            Stien langs åen forlænges.

            Beslutning

            Godkendt.
    """)
    assert [(i.title, i.case_number) for i in doc.meeting.items] == [("", "21/10001"), ("", "21/10002")]


def test_empty_header_field_before_the_first_case_line_is_not_the_items_section():
    doc = minutes("""
        Udvalg: Vejudvalget
        Mødedato: 11-08-2021
        Bemærkninger:
        Udskriv hele dagsordnen
          • Udskriv
            Sagsid.: 21/10001, Sagsinitialer: ABCD

            Sagsfremstilling

            Broen over åen skal renoveres.

            Beslutning

            Godkendt.
    """)
    item = doc.meeting.items[0]
    assert (item.case_number, [s.heading for s in item.sections]) == ("21/10001", ["Sagsfremstilling", "Beslutning"])


def test_title_under_the_case_number_above_a_grid_of_bodies():
    doc = minutes("""
        Udvalg: Ældrerådet
        Mødedato: 11. september 2019

        Sagsnr.: 00.00.00-P19-12-19 Sagsbehandler: Eva Lund

        Godkendelse af dagsorden

        DIR
        SOS
        BYR
         x
        Øvrige sagsbehandlere: -

        Sagsresume
        Dagsordenen forelægges.
        Beslutning
        Godkendt.

        Sagsnr.: 27.42.00-G01-5-19 Sagsbehandler: Ole Berg

        Nye madruter

        DIR
        SOS
         x
        Øvrige sagsbehandlere: Eva Lund

        Sagsresume
        Ruterne lægges om.
        Beslutning
        Godkendt.
    """)
    assert [(i.title, i.case_number) for i in doc.meeting.items] == [
        ("Godkendelse af dagsorden", "00.00.00-P19-12-19"), ("Nye madruter", "27.42.00-G01-5-19")
    ]
    assert [s.heading for s in doc.meeting.items[1].sections if s.heading] == ["Sagsresume", "Beslutning"]


def test_table_of_contents_glued_to_its_first_entry():
    doc = minutes("""
        Referat Socialudvalget 01-03-2016

        Indholdsfortegnelse1. Fraværende 2
        2. Godkendelse af dagsorden 2

        1. Fraværende
        Sagsid.: 16/10
        Beslutning
        Ingen.
        2. Godkendelse af dagsorden
        Sagsid.: 16/11
        Beslutning
        Godkendt.
    """)
    assert numbered_titles(doc) == [(1, "Fraværende"), (2, "Godkendelse af dagsorden")]
    assert [i.case_number for i in doc.meeting.items] == ["16/10", "16/11"]


def test_decision_heading_and_its_text_on_one_line():
    doc = minutes("""
        Referat Nordby Byråd 21-06-2023

        Punkt 3: Takster for vinterbadning
        Sagsfremstilling
        Taksten hæves til 40 kr.
        Beslutning Tilbagesendes Magistraten med bemærkning, at byrådet på sit møde har vedtaget indstillingen.
    """)
    item = doc.meeting.items[0]
    assert [s.heading for s in item.sections] == ["Sagsfremstilling", "Beslutning"]
    assert item.decision.startswith("Tilbagesendes Magistraten")
    assert item.outcome is Outcome.APPROVED


TRANSCRIPT_HEAD = [
    "1 Referat Skoleudvalget Mødedato: 04-05-2017 Mødested: Rådhuset, mødelokale 2 "
    "Starttidspunkt for møde: 16:00 Sluttidspunkt for møde: 18:00 Fraværende: Ingen",
    "2 Indholdsfortegnelse 5. Ny skole i Østerby 3 6. Salg af Møllegården 3 "
    "Side 2 af 4 Skoleudvalget 04-05-2017 Referat med beslutninger",
]


def test_flattened_pdf_transcript_one_page_a_line():  # pages separated by blank lines
    page = (
        "3 5. Ny skole i Østerby Dok.nr.: 1201 Sagsid.: 17/120 Initialer: kbj Åben sag Beslutning "
        "Skoleudvalget den 4. maj 2017: Godkendt. 6. Salg af Møllegården Dok.nr.: 1202 "
        "Sagsid.: 17/121 Initialer: kbj Åben sag Beslutning Skoleudvalget den 4. maj 2017: Udsat."
    )
    doc = minutes("\n\n".join([*TRANSCRIPT_HEAD, page]))
    assert numbered_titles(doc) == [(5, "Ny skole i Østerby"), (6, "Salg af Møllegården")]
    assert [(i.case_number, i.outcome) for i in doc.meeting.items] == [("17/120", Outcome.APPROVED), ("17/121", Outcome.POSTPONED)]
    assert (doc.meeting.committee, doc.meeting.date) == ("Skoleudvalget", date(2017, 5, 4))


def test_flattened_pdf_transcript_section_heading_and_text_inside_a_page_line():
    page = (
        "3 5. Ny skole i Østerby Sagsid.: 17/120 Initialer: kbj Åben sag Sagsfremstilling Forvaltningen har "
        "udarbejdet et forslag til en ny skole. Beslutning Godkendt."
    )
    item = minutes("\n\n".join([*TRANSCRIPT_HEAD, page])).meeting.items[0]
    assert [s.heading for s in item.sections if s.heading] == ["Sagsfremstilling", "Beslutning"]
    assert (item.case_number, item.decision) == ("17/120", "Godkendt.")


# --- the meeting's header -----------------------------------------------------------------------

ITEM = "\n\nPunkt 1: Godkendelse af dagsorden\n\nBeslutning\n\nGodkendt.\n"


@pytest.mark.parametrize(
    "header, source, committee",
    [
        ("UDVALG\n14-17 Byrådet\nMØDEDATO\n04-06-2020", "fixture.txt", "Byrådet"),
        ("Byrådet (18-21)\nMødedato: 03-02-2020", "fixture.txt", "Byrådet"),
        ("Social og sundheds møde den 17. april 2023", "fixture.txt", "Social og sundhed"),
        ("Referat Nordby Byråd 14-08-2019", "fixture.txt", "Nordby Byråd"),
        ("Referat\nMødedato: 07-12-2021", "https://www.example.dk/dagsorden/oekonomiudvalget-07-12-2021", "Økonomiudvalget"),
        ("Referat\nUdvalg: KB\nMødedato: 07-12-2021", "fixture.txt", "KB"),
    ],
    ids=["upper-case-field-block-term-prefix", "term-suffix", "genitive-meeting-line", "town-byraad-heading", "address-only", "abbreviation-alone"],
)
def test_committee_from_the_header(header, source, committee):
    assert minutes(header + ITEM, source=source).meeting.committee == committee


@pytest.mark.parametrize(
    "header, source, day, start",
    [
        ("Referat Havneudvalget\nDato: Onsdag, April 3, 2019 - 18:00", "fixture.txt", date(2019, 4, 3), "18:00"),
        ("Referat Havneudvalget\nMødedato: 15-maj-2002", "fixture.txt", date(2002, 5, 15), None),
        ("UDVALG\nHavneudvalget\nSTARTTIDSPUNKT\n04-06-2020 09:00:00", "fixture.txt", date(2020, 6, 4), "09:00"),
        ("Referat Havneudvalget", "https://politik.example.dk/Havneudvalget/møde-22042021/referat", date(2021, 4, 22), None),
    ],
    ids=["english-month-with-weekday", "month-name-with-dashes", "upper-case-starttidspunkt", "kk-address-moede-ddmmyyyy"],
)
def test_meeting_date_and_time(header, source, day, start):
    meeting = minutes(header + ITEM, source=source).meeting
    assert (meeting.date, meeting.start_time) == (day, start)


# --- case numbers -------------------------------------------------------------------------------


def _case_number(field_lines: str) -> str | None:
    doc = minutes(f"Referat Byrådet 04-04-2016\n\nPunkt 2: Nyt fjernvarmeværk\n\n{field_lines}\n\nBeslutning\n\nGodkendt.\n")
    return doc.meeting.items[0].case_number


@pytest.mark.parametrize(
    "field_row, case_number",
    [
        ("Dok.nr.: 2231 Sagsid.: 15/77 Initialer: mhj", "15/77"),
        ("J.nr.: 01.02.05P16 - 2011/10422", "01.02.05P16 - 2011/10422"),
        ("Dok.nr.: 2231", None),
    ],
    ids=["sagsid-inside-a-field-row", "kle-code-with-case-number-kept-whole", "dok-nr-is-no-case-number"],
)
def test_case_number_forms(field_row, case_number):
    assert _case_number(field_row) == case_number


def test_sag_nr_under_the_title_is_the_item_number_not_the_case_number():
    item = minutes("Referat Byrådet 12-04-2010\n\nNyt gulv i Idrætshallen\nSag nr. 130\nBeslutning\nGodkendt.").meeting.items[0]
    assert (item.number, item.case_number) == (130, None)


# --- sections -----------------------------------------------------------------------------------


def test_label_value_lines_are_fields_but_beslutning_colon_is_a_section():
    doc = minutes("""
        Referat Byrådet 29-08-2022

        Punkt 4: Ny affaldsordning
        Sagsforløb: TMU, ØK, BY
        Kompetence: Byrådet
        Sagsfremstilling
        Ordningen indføres i 2024.
        Fraværende: Lise Holm
        Beslutning: Godkendt.
    """)
    item = doc.meeting.items[0]
    assert [s.heading for s in item.sections] == ["", "Sagsfremstilling", "Beslutning"]
    assert item.section("Sagsfremstilling").text == "Ordningen indføres i 2024.\nFraværende: Lise Holm"
    assert (item.decision, item.outcome) == ("Godkendt.", Outcome.APPROVED)


@pytest.mark.parametrize("label", ["Politisk behandling:", "Politisk behandling"])
def test_politisk_behandling_is_a_routing_field_not_a_section(label):
    doc = minutes(f"""
        Referat Kulturudvalget 03-09-2018

        104. Orientering om Kulturhuset

        Resume

        {label}

        Kulturudvalget (til efterretning), 03.09.2018

        Udvalget hører om husets aktiviteter.

        Beslutning

        Taget til efterretning.
    """)
    item = doc.meeting.items[0]
    assert [s.heading for s in item.sections] == ["Resume", "Beslutning"]
    assert item.outcome is Outcome.NOTED


def test_section_heading_keeps_its_colon_as_printed():
    doc = minutes("""
        Referat Byrådet 29-08-2022

        Punkt 5: Renovering af Strandvejen
        Sagsfremstilling:
        Vejen får ny belægning.
        Beslutning
        Godkendt.
    """)
    assert [s.heading for s in doc.meeting.items[0].sections] == ["Sagsfremstilling:", "Beslutning"]


@pytest.mark.parametrize(
    "heading",
    [
        "Retsregler og andre forskrifter",  # Vejen (Prepare)
        "Inddragelse og høring", "Alternativer", "Tidsperspektiv",  # Viborg
        "Økonomiske forhold og konsekvenser", "Juridiske og planmæssige forhold",
        "Konsekvenser for andre udvalg",  # Tårnby
        "Vurdering i forhold til økonomi", "Vurdering i forhold til miljø",  # Holbæk (2013)
    ],
)
def test_template_headings_of_other_systems_are_sections(heading):
    doc = minutes(f"""
        Referat Socialudvalget 17-01-2019

        Punkt 1: Ny indsats for pårørende
        Sagsfremstilling
        Udvalget afprøver en pårørendeindsats.
        {heading}
        Ingen bemærkninger.
        Beslutning
        Godkendt.
    """)
    item = doc.meeting.items[0]
    assert [s.heading for s in item.sections] == ["Sagsfremstilling", heading, "Beslutning"]
    assert item.section(heading).text == "Ingen bemærkninger."


@pytest.mark.parametrize(
    "heading",
    [
        "Beslutning i Klimaudvalget den 12-06-2018",
        "Kommunalbestyrelsens beslutning i mødet den 4. maj 2023",
        "Borgerrepræsentationens beslutning i mødet den 4. maj 2023",
        "Plan- og Miljøudvalget, 10. september 2019, pkt. 65:",
    ],
)
def test_dated_decision_headings_are_decision_sections(heading):
    doc = minutes(f"""
        Referat Klimaudvalget 12-06-2018

        Punkt 6: Solceller på Rådhuset
        Sagsfremstilling
        Taget kan bære 200 paneler.
        {heading}
        Godkendt.
    """)
    item = doc.meeting.items[0]
    assert [s.heading for s in item.sections] == ["Sagsfremstilling", heading]
    assert (item.decision, item.outcome) == ("Godkendt.", Outcome.APPROVED)


def test_dated_decision_heading_with_a_long_body_name_and_its_text_after_a_colon():
    text = "Referat Byrådet 04-05-2017\n\nPunkt 1: Ny skole\nSagsfremstilling\nTekst.\nBeslutning i Børne- og Ungeudvalget den 4. maj 2017: Godkendt."
    item = minutes(text).meeting.items[0]
    assert [s.heading for s in item.sections] == ["Sagsfremstilling", "Beslutning i Børne- og Ungeudvalget den 4. maj 2017"]
    assert item.outcome is Outcome.APPROVED


def test_the_last_bodys_decision_is_the_outcome():
    doc = minutes("""
        Referat Byrådet 15-05-2019

        Punkt 80: Ny busrute til Skovby
        Plan- og Miljøudvalget, 2. maj 2019, pkt. 12:
        Anbefales.
        Byrådet, 15. maj 2019, pkt. 80:
        Oversendt til Klimaudvalget.
    """)
    item = doc.meeting.items[0]
    assert [s.heading for s in item.sections] == ["Plan- og Miljøudvalget, 2. maj 2019, pkt. 12:", "Byrådet, 15. maj 2019, pkt. 80:"]
    assert (item.decision, item.outcome) == ("Oversendt til Klimaudvalget.", Outcome.REFERRED_BACK)


# --- outcomes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "decision, outcome",
    [
        ("Fremsendes til Klima- og Miljøudvalget til behandling.", Outcome.REFERRED_BACK),
        ("Fremsendes til Byrådet med bemærkning, at Magistraten anbefaler forslaget.", Outcome.RECOMMENDED),
        ("Tilbagesendes Magistraten med bemærkning, at byrådet på sit møde den 12. juni har vedtaget indstillingen.", Outcome.APPROVED),
        ("Godkendt. Sag 3 udgår.", Outcome.APPROVED_WITH_REMARKS),
        ("Punkt 16 oversendes til Teknikudvalget til fornyet behandling og udgår af dagsordenen,\n\nGodkendt.",
         Outcome.APPROVED_WITH_REMARKS),
        ("Vi ønsker at vide, hvem der har besluttet den nye skilteplan?\nBorgmesteren svarede.", Outcome.OTHER),
        ("Godkendt, idet tidsplanen forlænges med et år.", Outcome.APPROVED_WITH_REMARKS),
        ("Oversendt til Plan- og Miljøudvalget.", Outcome.REFERRED_BACK),
        ("Orientering givet.", Outcome.NOTED),
        ("Til orientering.", Outcome.NOTED),
        ("Indstillingen blev anbefalet uden afstemning.", Outcome.RECOMMENDED),
        ("Forslaget faldt.", Outcome.REJECTED),
        ("Ingen.", Outcome.OTHER),
        (
            "Fraværende med afbud: Jens Holm (Socialdemokratiet), ferie.\nMette Lund (Venstre), sygdom.\n\n"
            "Dagsordenen blev herefter godkendt.",
            Outcome.APPROVED,
        ),
    ],
)
def test_outcome_forms(decision, outcome):
    assert classify_outcome(decision) is outcome


# --- attendance ---------------------------------------------------------------------------------


def _attendance(header: str, decision: str = "Godkendt.") -> dict[str, bool | None]:
    text = f"Referat Skoleudvalget 10-10-2022\n\n{dedent(header).strip()}\n\nPunkt 1: Godkendelse af dagsorden\n\nBeslutning\n\n{decision}\n"
    return attendance(minutes(text))


@pytest.mark.parametrize(
    "header, decision, people",
    [
        pytest.param("Fraværende: Anne Holm, Bo Kjær\nI stedet mødte Carl Dahl (V).", "Godkendt.",
                     {"Anne Holm": False, "Bo Kjær": False, "Carl Dahl": True}, id="fravaerende-i-stedet-moedte"),
        pytest.param("Fraværende (med afbud):\nAnne Holm (A)\nBo Kjær (V)", "Godkendt.",
                     {"Anne Holm": False, "Bo Kjær": False}, id="fravaerende-med-afbud-a-name-a-line"),
        pytest.param("Til stede: Anne Holm (A), Bo Kjær (V)\nIkke til stede: Carl Dahl (O)", "Godkendt.",
                     {"Anne Holm": True, "Bo Kjær": True, "Carl Dahl": False}, id="til-stede-ikke-til-stede"),
        pytest.param("", "Mads Berg (C) var fraværende.\n\nGodkendt.", {"Mads Berg": False}, id="var-fravaerende-in-decision"),
        pytest.param("", "Yrsa Dam (A) mødte som stedfortræder for Mads Berg (C).\n\nGodkendt.",
                     {"Yrsa Dam": True, "Mads Berg": False}, id="moedte-som-stedfortraeder-for"),
        pytest.param("", "Yrsa Dam (A) mødte som stedfortræder for Mads Berg.\nGodkendt.",
                     {"Yrsa Dam": True, "Mads Berg": False}, id="stedfortraeder-for-name-ending-sentence"),
        pytest.param("Medlemmer\nKim Bak (V)\nOle Friis (A), Suppleant for Tove Lind (A)", "Godkendt.",
                     {"Kim Bak": True, "Ole Friis": True, "Tove Lind": False}, id="suppleant-for-marks-member-absent"),
        pytest.param("Der er afbud fra Anne Holm, Bo Kjær og Carl Dahl.", "Godkendt.",
                     {"Anne Holm": False, "Bo Kjær": False, "Carl Dahl": False}, id="der-er-afbud-fra"),
        pytest.param("Medlemmerne var mødt, bortset fra Anne Holm og Bo Kjær, der havde meldt afbud.", "Godkendt.",
                     {"Anne Holm": False, "Bo Kjær": False}, id="bortset-fra-meldt-afbud"),
        pytest.param("Medlemmerne var mødt, bortset fra Anne V. Holm, Bo Kjær og Carl M. Dahl, der havde meldt afbud.", "Godkendt.",
                     {"Anne V. Holm": False, "Bo Kjær": False, "Carl M. Dahl": False}, id="bortset-fra-names-with-initials"),
        pytest.param("Afbud fra Anne Holm stedfortræder Bo Kjær\n\nAfbud fra Carl Dahl", "Godkendt.",
                     {"Anne Holm": False, "Bo Kjær": True, "Carl Dahl": False}, id="afbud-fra-x-stedfortraeder-y"),
        pytest.param("", "Fraværende: Anne Holm (V) - Bo Kjær (V) mødte som stedfortræder.\n\nGodkendt.",
                     {"Anne Holm": False, "Bo Kjær": True}, id="fravaerende-then-dash-substitute-sentence"),
        pytest.param("Navn | Status\nAnne Holm | Deltog\nBo Kjær | Afbud", "Godkendt.",
                     {"Anne Holm": True, "Bo Kjær": False}, id="status-table-header-row-no-person"),
        # A two-column table (members | absent) flattened: both headers, then the members, then the absent.
        pytest.param("Medlemmer:\nFraværende: Borgmester: Anne Holm (A) Bo Kjær (V) Carl Dahl (O) Bo Kjær", "Godkendt.",
                     {"Anne Holm": True, "Bo Kjær": False, "Carl Dahl": True}, id="flattened-members-and-absent-columns"),
        pytest.param("Medlemmer:\nFraværende: Bo Kjær (V)", "Godkendt.", {"Bo Kjær": False}, id="empty-members-label-then-absent-list"),
    ],
)  # fmt: skip
def test_attendance_forms(header, decision, people):
    assert _attendance(header, decision) == people


def test_suppleant_for_is_never_a_person():
    people = _attendance("Medlemmer\nKim Bak (V)\nOle Friis (A), Suppleant for Tove Lind (A)")
    assert (people["Kim Bak"], people["Ole Friis"]) == (True, True)
    assert not any("uppleant" in name for name in people)


def test_deltog_and_afbud_lines_without_party_or_role_in_the_name():
    doc = minutes("""
        Referat Skoleudvalget 10-10-2022

        Deltagere
        Anne Holm (A) (borgmester) - Deltog
        Bo Kjær (V) - Deltog

        AFBUD/FRAVÆRENDE
        Carl Dahl (O) - Afbud

        Punkt 1: Godkendelse af dagsorden
        Beslutning
        Godkendt.
    """)
    people = {p.name: (p.party, p.role, p.present) for p in doc.meeting.participants}
    assert people == {"Anne Holm": ("A", "borgmester", True), "Bo Kjær": ("V", None, True), "Carl Dahl": ("O", None, False)}


# --- warnings -----------------------------------------------------------------------------------


def test_minutes_without_a_readable_item_become_a_plain_document_with_a_warning():
    doc = parse("Referat Havneudvalget\n\nMødet blev aflyst på grund af sne.\n", source="fixture.txt")
    assert doc.kind is DocumentKind.DOCUMENT
    assert any(w.startswith(NOT_READ_AS_MINUTES) for w in doc.warnings)


def test_meeting_header_without_any_item_keeps_the_meeting_with_a_warning():
    doc = minutes("Referat Havneudvalget 12-01-2022\n\nMødet blev aflyst på grund af sne.\n")
    assert (doc.meeting.committee, doc.meeting.date, doc.meeting.items) == ("Havneudvalget", date(2022, 1, 12), [])
    assert any(w.startswith(NOT_READ_AS_MINUTES) for w in doc.warnings)


def test_decision_protocol_titled_beslutninger_fra_moedet_keeps_its_meeting():
    doc = minutes("Beslutninger fra mødet. Torsdag 8.06.2006 kl. 8.15. Ordinært møde. Havneudvalget\n\nSide 1\n")
    assert (doc.meeting.committee, doc.meeting.date) == ("Havneudvalget", date(2006, 6, 8))
    assert any(w.startswith(NOT_READ_AS_MINUTES) for w in doc.warnings)


def test_labelled_heading_with_nothing_below_is_kept_with_a_warning():
    doc = minutes("""
        Referat Havneudvalget 12-01-2022

        Punkt 1: Godkendelse af dagsorden
        Beslutning
        Godkendt.
        Punkt 2: Eventuelt
    """)
    assert numbered_titles(doc) == [(1, "Godkendelse af dagsorden"), (2, "Eventuelt")]
    assert any("Item 2 (Eventuelt): no case number, section or decision follows" in w for w in doc.warnings)
