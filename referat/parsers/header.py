"""The meeting's header: which body met, when, and where.

Systems print these as labelled fields ("Udvalg: Byrådet", "Mødedato: 06-10-2014", an upper-case
field block "UDVALG" / "14-17 Byrådet" / "STARTTIDSPUNKT" / "29-06-2016 17:30:00", a table row
"Udvalg: | Byrådet |"), in a heading line ("REFERAT Økonomiudvalget d. 06-02-2018", "Referat Aarhus
Byråd 14-08-2019", "Social og sundheds møde den 17. april 2023", "Møde i Kommunalbestyrelsen den 28.
november 2005"), or nowhere on the page but in its address (".../oekonomiudvalget-07-12-2021",
".../Borgerrepr%C3%A6sentationen/m%C3%B8de-22042021/referat/punkt-10"). Each is tried in that
order; the items' dated decision headings ("Beslutning i Byrådet den 29-06-2016") are the last
resort for the body.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote

from referat.parsers.committees import canonical_committee, find_committees
from referat.parsers.dates import date_in_name, find_dates, parse_date, parse_time
from referat.parsers.text import Line, uncapitalised

_LABEL_VALUE = re.compile(r"^\|?\s*(?P<label>[A-ZÆØÅa-zæøå][A-ZÆØÅa-zæøå ]{1,30}?)\s*:?\s*\|?\s*:?\s+(?P<value>\S.*?)\s*\|?$")
COMMITTEE_LABELS = {"udvalg", "forum", "organ", "mødeforum", "mødeorgan", "udvalgsnavn", "politisk udvalg"}
DATE_LABELS = {"mødedato", "dato", "mødetidspunkt", "tidspunkt", "tid", "afholdt", "starttidspunkt", "mødestart", "møde dato"}
LOCATION_LABELS = {"mødested", "sted", "mødelokale", "lokale", "lokation", "mødelokation"}
_ALL_LABELS = COMMITTEE_LABELS | DATE_LABELS | LOCATION_LABELS | {"møde", "sluttidspunkt", "punkter"}
# "14-17 Byrådet", "Byrådet (18-21)", "Økonomiudvalget 2022-2025": the council term is no part of the name.
_TERM_PREFIX = re.compile(r"^(?:\d{2}|\d{4})\s*[-–/]\s*(?:\d{2}|\d{4})\s+")
_MUNICIPALITY_PREFIX = re.compile(r"^(?:[A-ZÆØÅ][\w\-]+\s+Kommune|Region\s+[A-ZÆØÅ][\w\-]+)\s*[.,:\-–]?\s+(?=[A-ZÆØÅ])")
_TERM_SUFFIX = re.compile(r"\s*(?:\(\s*(?:\d{2}|\d{4})\s*[-–/]\s*(?:\d{2}|\d{4})\s*\)|(?:\d{4})\s*[-–]\s*(?:\d{4}))$")
# Words around a body's name in a heading line.
_KIND_WORDS = re.compile(
    r"^(?:(?:Referat|REFERAT|Dagsorden|DAGSORDEN|Beslutningsprotokol|Protokol|Dagsorden med beslutninger|Åbent referat|Åben dagsorden|Beslutninger)"
    r"(?:\s+(?:fra|for|af|til))?(?:\s+(?:mødet|møde)\s+i)?\s*[-–:]?\s*)+"
)
_KIND_SUFFIX = re.compile(
    r"\s*[-–:,]?\s*(?:Referat|REFERAT|Dagsorden|DAGSORDEN|Beslutningsprotokol)(?:\s+(?:fra|af|for|til))?(?:\s+(?:mødet|møde))?\s*$"
)
_MEETING_OF = re.compile(r"^(?:[Mm]øde|[Mm]ødet|Ekstraordinært møde|Ordinært møde)\s+i\s+(?P<name>.+?)(?:\s+(?:den|d\.)\b.*)?$")
_GENITIVE_MEETING = re.compile(r"^(?P<name>[A-ZÆØÅ][\w\-–, ]{2,80}?)s\s+(?:ekstraordinære\s+|ordinære\s+)?møde\b")
_BODY_NOUN = re.compile(
    r"(?:udvalg(?:et)?|bestyrelse(?:n)?|råd(?:et)?|repræsentation(?:en)?|nævn(?:et)?|magistrat(?:en)?|forum|komit[eé](?:en)?|"
    r"lokaludvalg|samråd|byråd|regionsråd)\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(?:mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag)\b", re.IGNORECASE)


def find_committee(header: list[Line], source: str, items_text: list[str]) -> str | None:
    """The body that met, normalised: labelled field, heading line, address, decision headings."""
    texts = [line.text for line in header if line.text]
    for label, value in _labelled(header):
        if label in COMMITTEE_LABELS and (name := _clean_name(value)):
            return name
    for text in texts[:12]:
        if name := _name_in_heading(text):
            return name
    for text in texts[:12]:
        if len(text) <= 200 and (found := find_committees(text)) and not _is_attendance_line(text):
            return _clean_name(found[0].group(0))
    if name := committee_in_source(source, texts + items_text):
        return name
    for text in items_text:
        if found := find_committees(text):
            return _clean_name(found[0].group(0))
    return None


def find_meeting_date(header: list[Line]) -> date | None:
    texts = [line.text for line in header if line.text]
    for label, value in _labelled(header):
        if label in DATE_LABELS and (day := parse_date(value)):
            return day
    for text in texts[:15]:
        if day := parse_date(text):
            return day
    return None


def date_in_source(source: str) -> date | None:
    return date_in_name(unquote(source or ""))


def find_start_time(header: list[Line]) -> str | None:
    for label, value in _labelled(header):
        if label in DATE_LABELS | {"starttidspunkt"} and (time := parse_time(value) or _clock(value)):
            return time
    for line in header[:20]:
        if time := parse_time(line.text):
            return time
    return None


def find_location(header: list[Line]) -> str | None:
    for label, value in _labelled(header):
        if label in LOCATION_LABELS and value.strip(" |"):
            return value.strip(" |")
    return None


def _labelled(header: list[Line]) -> list[tuple[str, str]]:
    """(label, value) pairs: "Label: value" on one line, or an upper-case label alone with its
    value on the next line ("UDVALG" / "14-17 Byrådet")."""
    out: list[tuple[str, str]] = []
    texts = [line.text for line in header if line.text]
    for k, text in enumerate(texts):
        bare = text.strip(" |:").casefold()
        if bare in _ALL_LABELS and k + 1 < len(texts) and texts[k + 1].strip(" |:").casefold() not in _ALL_LABELS:
            out.append((bare, texts[k + 1]))
            continue
        if ":" in text[:40] or "|" in text[:40]:
            if (m := _LABEL_VALUE.match(text)) and m.group("label").strip().casefold() in _ALL_LABELS:
                out.append((m.group("label").strip().casefold(), m.group("value")))
                continue
        first, _, rest = text.partition(" ")
        if rest and first.casefold() in (DATE_LABELS | LOCATION_LABELS):  # "Mødested Mødecenter C" without a colon
            out.append((first.casefold(), rest))
    return out


def _clock(text: str) -> str | None:
    """"04-06-2020 09:00:00" → "09:00"."""
    m = re.search(r"(?<![\d:])([01]?\d|2[0-3])[:.]([0-5]\d)(?::[0-5]\d)?(?![\d])", text)
    return f"{int(m.group(1)):02d}:{m.group(2)}" if m else None


def _name_in_heading(text: str) -> str | None:
    """A body named by a heading line: "Referat Aarhus Byråd 14-08-2019", "Byrådet - Referat",
    "Social og sundheds møde den 17. april 2023", "Møde i Kommunalbestyrelsen den …"."""
    if len(text) > 160:
        return None
    if text.isupper():  # "BYRÅDET", "THISTED BYRÅD", "REFERAT ØKONOMIUDVALGET 12-03-2019"
        text = uncapitalised(text)
    unkinded = _KIND_WORDS.sub("", text)
    if (m := _GENITIVE_MEETING.match(unkinded)) and (_is_body_name(m.group("name")) or len(m.group("name").split()) <= 4):
        return _clean_name(m.group("name"))  # "Referat fra Økonomiudvalgets møde", "Social og sundheds møde"
    if m := _MEETING_OF.match(unkinded):  # "Møde i Teknisk Udvalg den …", "mødet i Odense Byråd"
        name = re.sub(r"\s+(?:kl\.?|på|i)\b.*$", "", m.group("name"))
        if _is_body_name(name):
            return _clean_name(name)
        if found := find_committees(m.group("name")):
            return _clean_name(found[0].group(0))
    stripped = _KIND_WORDS.sub("", text)
    dates = find_dates(stripped)
    if dates:
        stripped = stripped[: dates[0][1].start()]
    stripped = _WEEKDAY.sub("", stripped)
    stripped = re.sub(r"\s+(?:den|d\.|kl\.?)\s*$", "", stripped.strip(" -–,:"))
    stripped = _KIND_SUFFIX.sub("", stripped)
    stripped = re.sub(r"\s*[-–:,]\s*$", "", stripped)
    if (stripped != text or len(text.split()) <= 3) and 3 <= len(stripped) <= 80 and stripped[:1].isupper() and _is_body_name(stripped):
        return _clean_name(stripped)  # also a line that is the name alone: "Odense Byråd"
    return None


_BODY_NAME_END = re.compile(
    r"(?:udvalg(?:et)?|bestyrelse(?:n)?|råd(?:et)?|repræsentation(?:en)?|nævn(?:et)?|magistrat(?:en)?|forum|komit[eé](?:en)?)$", re.I
)


def _is_body_name(text: str) -> bool:
    """"Aarhus Byråd", "Udvalg for regional udvikling", "14-17 Byrådet": a name, not a sentence about a meeting."""
    words = text.split()
    if len(words) > 7 or re.search(r"\b(?:fra|mødet|møde|kl|den|af|til|referater|dagsordener|politiske)\b", text, re.I):
        return False  # a sentence, or a site's section ("Dagsordener og referater byråd og politiske udvalg")
    return bool(_BODY_NAME_END.search(text) or re.match(r"^Udvalg(?:et)?\s+for\s+", text))


def _clean_name(name: str) -> str | None:
    name = re.sub(r"\s+", " ", name).strip(" |-–:,.")
    if re.fullmatch(r"[A-ZÆØÅ]{2,4}", name):
        return name  # "KB" where nothing else is printed stays "KB"
    name = _TERM_PREFIX.sub("", name)
    name = _MUNICIPALITY_PREFIX.sub("", name)  # "Egebjerg Kommune. Kommunalbestyrelsen"
    name = _TERM_SUFFIX.sub("", name).strip()
    return canonical_committee(name) if name else None


def _is_attendance_line(text: str) -> bool:
    return text.count("(") >= 2 and text.count(",") >= 2


_ASCII_FOLDS = (("oe", "ø"), ("ae", "æ"), ("aa", "å"))


def committee_in_source(source: str, texts: list[str]) -> str | None:
    """The body an address names (".../kultur-og-idraetsudvalget-03-04-2019-kl-1800",
    ".../%C3%98konomiudvalget/m%C3%B8de-23082017/..."): spelled as the page spells it where the
    page names it, else rebuilt from the address."""
    if not source:
        return None
    path = unquote(source.split("?")[0])
    for segment in reversed([s for s in re.split(r"[/]", path) if s]):
        words = re.sub(r"(?:[-_]\d+)+(?:[-_]kl[-_]?\d+)?$", "", segment)
        words = re.sub(r"\.\w+$", "", words)
        if not _BODY_NOUN.search(words) or len(words) > 80 or not re.search(r"[A-Za-zæøåÆØÅ]{4}", words):
            continue
        if "udvalg" not in words.casefold() and not re.search(r"(?:bestyrelsen|rådet|raadet|repræsentationen|repraesentationen|nævnet|naevnet|magistraten)$", words, re.I):
            continue
        key = _slug_key(words)
        for text in texts:
            for m in find_committees(text):
                if _slug_key(m.group(0)) == key:
                    return _clean_name(m.group(0))
        name = _unslug(words)
        return _clean_name(name) if _is_body_name(name) or len(name.split()) <= 4 else None
    return None


def _slug_key(text: str) -> str:
    text = text.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]+", "", text)


def _unslug(words: str) -> str:
    """"teknik--og-bygningsudvalget" → "Teknik- og Bygningsudvalget"; "oekonomiudvalget" → "Økonomiudvalget"."""
    if " " in words.strip():
        return words.strip()  # an address with the name as printed: "Børne- og Ungdomsudvalget"
    text = words.replace("_", "-")
    if not any(ch in text for ch in "æøåÆØÅ"):
        for ascii_, letter in _ASCII_FOLDS:
            text = text.replace(ascii_, letter)
    text = " ".join(part for part in text.split("-") if part)
    text = re.sub(r"(\w+) og (\w*(?:udvalg|udvalget))\b", lambda m: f"{m.group(1)}- og {m.group(2)[:1].upper()}{m.group(2)[1:]}", text)
    return text[:1].upper() + text[1:]
