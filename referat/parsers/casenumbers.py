"""Case (journal) numbers.

KLE-based journal numbers print as ``15.00.00-P05-4-20``: KLE topic ``15.00.00``, facet ``P05``
(a letter, Æ/Ø/Å included, and two digits, or ``000``), serial ``4``, year ``20``. Other
case-management systems print plain serials or numbers with the year ("2019-012345",
"19/12345"), often behind a label ("Sagsnr.", "Sag nr.", "Journalnr.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KLE_CASE_RE = re.compile(
    r"(?<![\w.])(?P<topic>\d{2}\.\d{2}\.\d{2})-(?P<facet>[A-ZÆØÅ]\d{2}|\d{3})-(?P<serial>\d{1,5})-(?P<year>\d{2}|\d{4})(?![\w])"
)
# A KLE number or a prefix of one, as a user types it: "15", "15.00", "15.00.00-P05", "15.00.00-P05-4".
KLE_PREFIX_RE = re.compile(r"^\d{2}(?:\.\d{2}(?:\.\d{2}(?:-(?:[A-ZÆØÅ]\d{2}|\d{3})(?:-\d{1,5}(?:-\d{2,4})?)?)?)?)?$")
# The labels systems print before a case number ("Sagsnr.:", "Sagsid.:", "Journal nr.:", "J.nr.",
# "SAGSNR"); "Sag nr." too, unless what follows is a short item number ("Sag nr. 130").
_CASE_LABEL = (
    r"(?:Sagsnr|Sags\s?nr|Sagsnummer|Sags-?nummer|Journalnr|Journal\s?nr|Journalnummer|J\.\s?nr|Jnr|Sags-?ID|Sagsid|"
    r"Sag\s?nr(?!\.?\s*[:.]?\s*\d{1,4}(?:[.)]|\s|$))"
    r"|Sag(?=\s*:?\s+\d+[-/.]\d))"  # "Sag 307-2021-4410", "Sag: 01.02.05-P16-4-20", not "Sag 130" (an item number)
)
# A KLE code printed with the case number is part of it: "00.01.00A04 - 2007/34364".
_CASE_VALUE = r"(?P<number>(?:\d{2}\.\d{2}\.\d{2}[A-ZÆØÅ]\d{2}\s+-\s+)?[\wÆØÅæøå][\wÆØÅæøå./-]*[\wÆØÅæøå])"
LABELLED_CASE_RE = re.compile(rf"^{_CASE_LABEL}\.?\s*[:.]?\s*{_CASE_VALUE}\s*$", re.IGNORECASE)
# The label alone, its value on the next line ("SAGSNR" / "22/3310", "Sagsnr:" / "08/0112").
CASE_LABEL_ALONE = re.compile(r"^(?:Sagsnr|Sags\s?nr|Sagsnummer|Journalnr|Journal\s?nr|J\.\s?nr|Sagsid|Sags-?ID)\.?\s*:?$", re.IGNORECASE)
# A labelled number inside a longer line: "Dok.nr.: 2005 Sagsid.: 14/19290 Initialer: anba".
_LABELLED_CASE_INSIDE = re.compile(rf"(?:(?<![\w.])|(?<=[a-zæøå])(?=[A-Z])){_CASE_LABEL}\.?\s*[:.]?\s*{_CASE_VALUE}", re.IGNORECASE)
# An unlabelled number alone on the line under a heading: "2019-012345", "19/12345", "EMN-2020-01234".
BARE_CASE_RE = re.compile(r"^(?:[A-ZÆØÅ]{1,5}-)?\d[\d./-]{3,}[\dA-ZÆØÅ](?:-[A-ZÆØÅ0-9]+)*$")


# A KLE code with its facet glued on, alone or with a serial: "00.01.00P35-0198", "81.02.00G01"
# (Bornholm's and older systems' numbering).
KLE_CODE_RE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\s?[A-ZÆØÅ]\d{2}(?:[-/]\d{2,6})*$")


@dataclass(frozen=True, slots=True)
class KLE:
    topic: str
    facet: str | None
    serial: int | None
    year: int | None

    def to_dict(self) -> dict:
        return {"topic": self.topic, "facet": self.facet, "serial": self.serial, "year": self.year}


def case_number_in_line(line: str) -> str | None:
    """The case number a line under an item heading states, or None."""
    line = line.strip()
    if (m := LABELLED_CASE_RE.match(line)) and any(ch.isdigit() for ch in m.group("number")):
        return m.group("number")
    if m := KLE_CASE_RE.fullmatch(line):
        return m.group(0)
    if BARE_CASE_RE.match(line) and not _looks_like_date_or_year(line):
        return line
    if KLE_CODE_RE.match(line):
        return line
    if m := _INITIALS_CASE_RE.match(line):
        return m.group("number")
    if m := _STATUS_CASE_RE.match(line):
        return m.group("number")
    return None


# "Åbent - 00.01.00A04 - 2007/34364" (odense.dk 2008): the item's status, then its case number.
_STATUS_CASE_RE = re.compile(r"^(?:Åben|Åbent|Lukket)\s*-\s*(?P<number>\d[\dA-ZÆØÅ./\- ]{4,40}\d)$")


# "ØKDIKA / 08/2211": older systems print the caseworker's initials before the case number.
_INITIALS_CASE_RE = re.compile(r"^[A-ZÆØÅ]{2,10}\s*/\s*(?P<number>\d{2,4}/\d{2,6})$")


def any_case_number_in_line(text: str) -> str | None:
    """A case number the line is, or one labelled inside it ("Sagsnr.: 19/170 Sagsbehandler: …")."""
    return case_number_in_line(text) or case_number_label_in_line(text)


def case_number_label_in_line(line: str) -> str | None:
    """A labelled case number anywhere in a line (field blocks flattened into one line)."""
    if "nr" not in line.casefold() and "id" not in line.casefold() and "nummer" not in line.casefold():
        return None
    for m in _LABELLED_CASE_INSIDE.finditer(line):
        number = m.group("number")
        if any(ch.isdigit() for ch in number):
            return number
    return None


def _looks_like_date_or_year(text: str) -> bool:
    return bool(re.fullmatch(r"\d{1,2}[.\-/]\d{1,2}[.\-/]\d{2,4}|\d{4}(?:-\d{4})?", text))


def decompose(number: str) -> KLE | None:
    """KLE topic, facet, serial and year of a full number or a prefix; None when not KLE-shaped."""
    number = number.strip().upper()
    if not KLE_PREFIX_RE.match(number):
        return None
    head, *rest = number.split("-")
    topic = head
    facet = rest[0] if len(rest) >= 1 else None
    serial = int(rest[1]) if len(rest) >= 2 else None
    year = None
    if len(rest) >= 3:
        year = int(rest[2])
        if year < 100:
            year += 2000 if year < 70 else 1900
    return KLE(topic, facet, serial, year)


def normalize_case_number(number: str) -> str:
    """A key for exact and prefix matching: upper case, no spaces."""
    return re.sub(r"\s+", "", number).upper()
