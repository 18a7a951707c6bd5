"""The headings that open a section of an agenda item.

Only these start a section; any other short line inside an item ("COVID-19", "Målgruppen") is a
sub-heading of the section it stands in and stays in its text. The list covers the headings
Danish minutes systems (First Agenda, eDoc, Acadre, Prepare, …) print; a municipality using
another one needs a line here, nothing else.
"""

from __future__ import annotations

import re
from functools import lru_cache

from referat.parsers.text import fold_key

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
]  # fmt: skip
_KEYS = {fold_key(h): h for h in SECTION_HEADINGS}
# "Beslutning i Økonomiudvalget den 12-06-2018", "Beslutning Byrådet 28.05.2018", "Indstilling fra
# Teknik- og Miljøudvalget": the body that decided or recommended is part of the heading.
_BODY_HEADING = re.compile(
    r"^(?P<kind>Beslutning(?:er)?|Indstilling|Anbefaling|Udvalgets beslutning)\s+(?:i|fra|på)?\s*"
    r"(?P<rest>[A-ZÆØÅ][\w\s,.\-–&/]{2,120})$"
)
_LONGEST_PLAIN_HEADING = max(len(h) for h in SECTION_HEADINGS) + 1
_BODY_HEADING_WORDS = ("Beslutning", "Indstilling", "Anbefaling", "Udvalgets beslutning")
WRAPPER_HEADINGS = {"indhold"}  # "Indhold" wraps the sections in Ballerup's layout; not a section itself

DECISION = "beslutning"
RECOMMENDATION = "indstilling"
DECIDED_BY = "beslutningen træffes af"
PREVIOUS = "tidligere behandling"
ATTACHMENTS = "bilag"

# Which role a heading plays, by its folded key.
_ROLES = {
    "beslutning": DECISION, "beslutninger": DECISION, "afgørelse": DECISION, "protokol": DECISION,
    "indstilling": RECOMMENDATION, "indstillinger": RECOMMENDATION, "forslag til beslutning": RECOMMENDATION,
    "administrationens indstilling": RECOMMENDATION, "forvaltningens indstilling": RECOMMENDATION,
    "direktionens indstilling": RECOMMENDATION, "indstilling fra direktionen": RECOMMENDATION,
    "beslutningen træffes af": DECIDED_BY, "beslutningskompetence": DECIDED_BY, "kompetence": DECIDED_BY,
    "tidligere behandling": PREVIOUS, "tidligere beslutninger": PREVIOUS, "sagens tidligere behandling": PREVIOUS,
    "bilag": ATTACHMENTS, "bilagsoversigt": ATTACHMENTS,
}  # fmt: skip


def may_be_heading(text: str) -> bool:
    """A cheap pre-check for the hot loop: most lines are paragraphs far longer than any heading."""
    return len(text) <= _LONGEST_PLAIN_HEADING or text.startswith(_BODY_HEADING_WORDS)


@lru_cache(maxsize=16384)
def section_heading(text: str) -> str | None:
    """The heading as printed when `text` is a section heading line, else None."""
    if len(text) > 140 or "\t" in text or not text[:1].isupper():
        return None  # a bullet ("- Sammendrag"), a wrapped title line ("miljøvurdering") or a table row
    if len(text) > _LONGEST_PLAIN_HEADING and not text.startswith(_BODY_HEADING_WORDS):
        return None
    stripped = text.rstrip(":").strip()
    if fold_key(stripped) in _KEYS or fold_key(stripped) in WRAPPER_HEADINGS:
        return stripped
    if (m := _BODY_HEADING.match(stripped)) and _names_a_body(m.group("rest")):
        return stripped
    return None


def _names_a_body(rest: str) -> bool:
    from referat.parsers.committees import find_committees

    return bool(find_committees(rest)) and not rest.rstrip().endswith(".")


@lru_cache(maxsize=1024)
def section_role(heading: str) -> str | None:
    """DECISION, RECOMMENDATION, DECIDED_BY, PREVIOUS, ATTACHMENTS or None."""
    key = fold_key(heading)
    if key in _ROLES:
        return _ROLES[key]
    if m := _BODY_HEADING.match(heading):
        return RECOMMENDATION if m.group("kind") in {"Indstilling", "Anbefaling"} else DECISION
    return None
