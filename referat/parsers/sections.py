"""The headings that open a section of an agenda item.

Only these start a section; any other short line inside an item ("COVID-19", "Målgruppen") is a
sub-heading of the section it stands in and stays in its text. The list covers the headings
Danish minutes systems (First Agenda, eDoc, Acadre, Prepare, …) print; a municipality using
another one needs a line here, nothing else.
"""

from __future__ import annotations

import re
from functools import lru_cache

from referat.parsers.text import fold_key, uncapitalised

SECTION_HEADINGS = [
    "Tidligere behandling", "Tidligere beslutninger", "Sagens tidligere behandling",
    "Sammendrag", "Resumé", "Resume", "Kort om sagen", "Hvad skal der tages stilling til",
    "Baggrund", "Sagens baggrund", "Sagsfremstilling", "Sagsbeskrivelse", "Sagens indhold",
    "Sagen", "Beskrivelse", "Problemstilling", "Løsning", "Vurdering", "Administrationens vurdering",
    "Forvaltningens vurdering", "Forvaltningens bemærkninger", "Høring", "Høringssvar", "Kommunikation",
    "Lovgrundlag", "Retsgrundlag", "Lovgivning", "Juridiske forhold", "Tidsplan", "Videre proces",
    "Den videre proces", "Proces", "Handicappolitik", "Miljøvurdering", "Klimavurdering",
    "Bæredygtighed", "Personalemæssige konsekvenser",
    "Økonomiske konsekvenser og finansiering", "Økonomiske konsekvenser", "Økonomi",
    "Økonomi og finansiering", "Bevillingsmæssige konsekvenser", "Finansiering", "Økonomisk vurdering",
    "Bilag", "Bilagsoversigt", "Beslutningen træffes af", "Beslutningskompetence", "Kompetence",
    "Indstilling", "Indstillinger", "Forslag til beslutning", "Administrationens indstilling",
    "Forvaltningens indstilling", "Direktionens indstilling", "Indstilling fra direktionen",
    "Beslutning", "Beslutninger", "Afgørelse", "Protokol", "Bemærkninger", "Fraværende", "Afbud",
    "Supplerende sagsfremstilling", "Behandling",
    # other systems' headings (København, Aarhus, First Agenda, eDoc, Prepare, older PDF systems)
    "Beslutningstema", "Beskrivelse af sagen", "Sagsgang og sagstype", "Sagsgang", "Sagens forløb",
    "Sagsforløb", "Indledning", "Konklusion", "Anbefaling", "Indstilling og beslutning", "Sagsresumé",
    "Resumé og indstilling", "Formål", "Borgerinddragelse", "Økonomiske forhold",
    "Økonomi og administrative konsekvenser", "Konsekvenser", "Risikovurdering", "Lovhjemmel", "Bevilling",
    "Udvalgets beslutning", "Udvalgets indstilling", "Beslutninger i", "Borgmesterens Afdeling påtegning",
    "Indstilling fra forvaltningen", "Forvaltningens forslag", "Administrationens forslag",
    "Forvaltningens indstilling til beslutning", "Beslutning truffet", "Høringsparter", "Bilagsfortegnelse",
    "Bilag i sagen", "Vedhæftede bilag", "Relaterede bilag", "Tidligere beslutning",
    "Tidligere politisk behandling", "Sagens tidligere behandling", "Tidligere politiske beslutninger",
    "Opfølgning", "Handleplan", "Indhold", "Sagsfremstilling og vurdering", "Baggrund og vurdering",
    "Forventet sagsgang", "Anledning", "Personale", "Sagsprocedure", "Hovedindstilling", "Alternativ indstilling",
    "Sagsbeskrivelse af hovedindstilling", "Sagsbeskrivelse af alternativ indstilling", "Sagsbeskrivelse",
    "Beslutning fra", "Økonomiske og personalemæssige konsekvenser", "Effekt", "Udvalgets kompetence",
    "Sagens kerne", "Administrativ indstilling", "Retligt grundlag", "Handlemuligheder", "Økonomiske konsekvenser",
    "Personalemæssige konsekvenser", "Sundhedsmæssige konsekvenser", "Miljømæssige konsekvenser",
    "Historik", "Sagen behandles i", "Forslag", "Sagsresume", "Sagsresumé",
    "Retsgrundlag og vurdering", "Miljømæssige konsekvenser", "Kommunikation og inddragelse",
    "Retsregler og andre forskrifter", "Inddragelse og høring", "Alternativer", "Tidsperspektiv",
    "Økonomiske forhold og konsekvenser", "Juridiske og planmæssige forhold", "Konsekvenser for andre udvalg",
    "Vurdering i forhold til økonomi", "Vurdering i forhold til administrative forhold",
    "Vurdering i forhold til miljø", "Vurdering i forhold til sundhed",
    "Vurdering i forhold til andre afledte konsekvenser",
]  # fmt: skip
_KEYS = {fold_key(h): h for h in SECTION_HEADINGS if fold_key(h) not in {"indhold", "beslutninger i"}}
# "Beslutning i Økonomiudvalget den 12-06-2018", "Beslutning Byrådet 28.05.2018", "Indstilling fra
# Teknik- og Miljøudvalget": the body that decided or recommended is part of the heading.
_BODY_HEADING = re.compile(
    r"^(?P<kind>Beslutning(?:er)?|Indstilling|Anbefaling|Udvalgets beslutning|Protokol)\s+(?:i|fra|på|af)?\s*"
    r"(?P<rest>[A-ZÆØÅ][\w\s,.\-–&/]{2,120})$"
)
# "Borgerrepræsentationens beslutning i mødet den 4. maj 2023", "Økonomiudvalgets beslutning den
# 12-01-2019", "Teknik- og Miljøudvalget, 10. september 2019, pkt. 65:": a body's decision heading.
_BODY_FIRST_HEADING = re.compile(
    r"^(?P<body>[A-ZÆØÅ][\w\-–, ]{2,80}?s)\s+(?P<kind>beslutning|indstilling|anbefaling)\b[\w\s,.\-–/]{0,60}$"
)
_FIELD_LABELS = {"fraværende", "afbud"}
_LONGEST_PLAIN_HEADING = max(len(h) for h in SECTION_HEADINGS) + 1
_BODY_HEADING_WORDS = ("Beslutning", "Indstilling", "Anbefaling", "Udvalgets beslutning", "Protokol")
WRAPPER_HEADINGS = {"indhold"}  # "Indhold" wraps the sections in Ballerup's layout; not a section itself

DECISION = "beslutning"
RECOMMENDATION = "indstilling"
DECIDED_BY = "beslutningen træffes af"
PREVIOUS = "tidligere behandling"
ATTACHMENTS = "bilag"

# Which role a heading plays, by its folded key.
_ROLES = {
    "beslutning": DECISION, "beslutninger": DECISION, "referat": DECISION, "afgørelse": DECISION, "protokol": DECISION,
    "indstilling": RECOMMENDATION, "indstillinger": RECOMMENDATION, "forslag til beslutning": RECOMMENDATION,
    "administrationens indstilling": RECOMMENDATION, "forvaltningens indstilling": RECOMMENDATION,
    "direktionens indstilling": RECOMMENDATION, "indstilling fra direktionen": RECOMMENDATION,
    "beslutningen træffes af": DECIDED_BY, "beslutningskompetence": DECIDED_BY, "kompetence": DECIDED_BY,
    "tidligere behandling": PREVIOUS, "tidligere beslutninger": PREVIOUS, "sagens tidligere behandling": PREVIOUS,
    "bilag": ATTACHMENTS, "bilagsoversigt": ATTACHMENTS,
}  # fmt: skip


def inline_section(text: str) -> tuple[str, str] | None:
    """("Beslutning", "Godkendt.") for "Beslutning: Godkendt." on one line, as web pages print it."""
    colon = text.find(":", 0, 141)
    if colon < 0 or colon > 140 or (colon > 46 and not text.startswith(_BODY_HEADING_WORDS)):
        return None  # a long label only for "Beslutning i Børne- og Ungeudvalget den 4. maj 2017: …"
    rest = text[colon + 1 :].strip()
    if not rest or not text[:1].isupper():
        return None
    heading = section_heading(text[:colon].strip())
    return (heading, rest) if heading else None




def may_be_heading(text: str) -> bool:
    """A cheap pre-check for the hot loop: most lines are paragraphs far longer than any heading."""
    n = len(text)
    if n <= _LONGEST_PLAIN_HEADING:
        return True
    return n <= 140 and (text.startswith(_BODY_HEADING_WORDS) or _names_decision(text) or text.isupper())


_DIGIT = re.compile(r"\d")


def _names_decision(text: str) -> bool:
    """"Byrådets beslutning den …", "Økonomiudvalgets indstilling …": a long heading led by a body."""
    return len(text) <= 140 and (
        "s beslutning" in text or "s indstilling" in text or "s anbefaling" in text or ", pkt" in text
        or (("udvalg" in text or "råd" in text or "bestyrelse" in text or "repræsentation" in text) and _DIGIT.search(text) is not None)
    )


@lru_cache(maxsize=16384)
def section_heading(text: str) -> str | None:
    """The heading as printed when `text` is a section heading line, else None."""
    if len(text) > 140 or "\t" in text or not text[:1].isupper():
        return None  # a bullet ("- Sammendrag"), a wrapped title line ("miljøvurdering") or a table row
    if len(text) > _LONGEST_PLAIN_HEADING and not text.startswith(_BODY_HEADING_WORDS) and not _names_decision(text) and not text.isupper():
        return None
    printed = text.strip()  # as printed, a closing colon included ("Sagsfremstilling:")
    stripped = text.rstrip(":").strip()
    key = fold_key(stripped)
    if key in _FIELD_LABELS and printed.endswith(":"):
        return None  # "Fraværende:" (empty, or names below) is a field of the decision, not a section
    if key in _KEYS or key in WRAPPER_HEADINGS:
        return printed
    if stripped.isupper() and not stripped.isdigit():  # "BESLUTNING", "SAGSFREMSTILLING" in field blocks
        if key in _KEYS:
            return printed
        cased = uncapitalised(stripped)
        if (m := _BODY_HEADING.match(cased)) and _names_a_body(m.group("rest")):
            return printed
        return None
    if (m := _BODY_HEADING.match(stripped)) and _names_a_body(m.group("rest")):
        return printed
    if (m := _BODY_FIRST_HEADING.match(stripped)) and _names_a_body(m.group("body")):
        return printed
    # Only with a colon: without one the same words are a line of a Tidligere behandling section.
    if text[-1] == ":" and len(stripped) <= 120 and (_body_and_date(stripped) or _ANY_BODY_DATE_ITEM.match(stripped)):
        return printed
    return None


# "Social og Sundhed, 6. januar 2020, pkt. 123:", "Beslutning fra Plan, Miljø og Teknik, 30. november
# 2021, pkt. 563:": a body named without "udvalg" (Stevns), made sure of by the date and item number.
_ANY_BODY_DATE_ITEM = re.compile(
    r"^(?:Beslutning\s+fra\s+)?[A-ZÆØÅ][\w ,\-–&]{1,60}?,\s+(?:den\s+)?\d{1,2}\.\s*[a-zæøå]+\s+\d{4},\s+(?:pkt|punkt)\.?\s*\d{1,5}$"
)


def body_and_date_line(text: str) -> bool:
    """"Kultur- og Idrætsudvalget, 03-04-2019, pkt. 42" without a colon: a decision heading in
    Roskilde's layout, but a line of a Tidligere behandling section elsewhere (the caller knows)."""
    return (
        10 < len(text) <= 120
        and text[:1].isupper()
        and ("udvalg" in text or "råd" in text or "bestyrelse" in text or "repræsentation" in text or "Magistrat" in text)
        and _DIGIT.search(text) is not None
        and _body_and_date_cached(text.rstrip(":"))
    )


@lru_cache(maxsize=4096)
def _body_and_date_cached(text: str) -> bool:
    return _body_and_date(text)


def _body_and_date(text: str) -> bool:
    """"Teknik- og Miljøudvalget, 10. september 2019, pkt. 65:" / "Økonomiudvalget den 12-06-2018:":
    an earlier (or this) body's decision, headed by the body and the meeting's date only."""
    from referat.parsers.committees import find_committees
    from referat.parsers.dates import find_dates

    found = find_committees(text)
    if not found or found[0].start() != 0:
        return False
    dates = find_dates(text)
    if not dates:
        return False
    rest = text[dates[0][1].end() :].strip(" ,.:")
    between = text[found[0].end() : dates[0][1].start()].strip(" ,.:")
    return between in ("", "den", "d", "mødet den", "møde den", "i mødet den", "i møde den", "møde", "mødet") and (
        rest == "" or bool(re.fullmatch(r"(?:(?:pkt|punkt|sag)\.?\s*(?:nr\.?\s*)?\d{1,5}|kl\.?\s*[\d.:]+)\.?", rest, re.I))
    )


def _names_a_body(rest: str) -> bool:
    from referat.parsers.committees import find_committees

    return bool(find_committees(rest)) and not rest.rstrip().endswith(".")


@lru_cache(maxsize=1024)
def section_role(heading: str) -> str | None:
    """DECISION, RECOMMENDATION, DECIDED_BY, PREVIOUS, ATTACHMENTS or None."""
    heading = heading.rstrip(": ")
    key = fold_key(heading)
    if key in _ROLES:
        return _ROLES[key]
    if key.startswith("indstilling og beslutning") or key in {"beslutning truffet", "udvalgets beslutning"}:
        return DECISION
    if key in {"forslag", "hovedindstilling", "administrativ indstilling", "udvalgets indstilling", "indstilling fra forvaltningen", "forvaltningens forslag", "administrationens forslag", "forvaltningens indstilling til beslutning", "anbefaling"}:
        return RECOMMENDATION
    if key in {"tidligere beslutning", "tidligere politisk behandling", "tidligere politiske beslutninger"}:
        return PREVIOUS
    if key in {"bilagsfortegnelse", "bilag i sagen", "vedhæftede bilag", "relaterede bilag"}:
        return ATTACHMENTS
    if _body_and_date(heading.rstrip(":")) or _ANY_BODY_DATE_ITEM.match(heading.rstrip(":")):
        return DECISION
    cased = uncapitalised(heading) if heading.isupper() else heading
    if m := _BODY_HEADING.match(cased):
        return RECOMMENDATION if m.group("kind") in {"Indstilling", "Anbefaling"} else DECISION
    if m := _BODY_FIRST_HEADING.match(cased):
        return RECOMMENDATION if m.group("kind") in {"indstilling", "anbefaling"} else DECISION
    return None
