"""References from text to other meetings and to the municipal budget agreement.

- Earlier treatments: "Erhvervs- og Beskæftigelsesudvalget den 14. april 2020 Punkt 3",
  "Erhvervs- og Beskæftigelsesudvalgets møde den 5. december 2017 Punkt 4",
  "Økonomiudvalget, 12.06.2018, pkt. 5".
- Meeting references in running text: "… har på et møde den 15. januar 2019, Punkt 7, godkendt …".
- Budget-agreement references: "Aftale om budget 2019, punkt 5.3", "budgetaftalen for 2019, indsats
  4.23", "indsats 2.3. … i budgetaftalen 2019", and year-only ones ("jf. budgetaftale 2019"); never
  the national "Aftale om kommunernes økonomi for budget 2021".
"""

from __future__ import annotations

import re

from referat.model import BudgetRef, Treatment
from referat.parsers.committees import canonical_committee, find_committees
from referat.parsers.dates import find_dates

_BEFORE_DATE = re.compile(r"(?:s?\s+møde)?\s*(?:,|\bden\b|\bd\.)?\s*$", re.IGNORECASE)
_ITEM_NUMBER = re.compile(r"\b(?:Punkt|punkt|Pkt|pkt|Dagsordenspunkt|dagsordenspunkt|Sag|sag)\.?\s*(?:nr\.?\s*)?(\d{1,3})\b")


def parse_treatment_line(line: str, default_body: str | None = None) -> Treatment | None:
    """One "Tidligere behandling" line → (body, date, item number), or None if it names no date."""
    dates = find_dates(line)
    if not dates:
        return None
    when, date_match = dates[0]
    committees = find_committees(line[: date_match.start()]) or find_committees(line)
    if committees:
        body = canonical_committee(committees[0].group(0))
    else:  # a body the name pattern does not know, or misspelled ("Teknik- og Miljøudvalet"): the words before the date
        before = _BEFORE_DATE.sub("", line[: date_match.start()]).strip(" ,.:;-–")
        body = canonical_committee(before) if re.match(r"^[A-ZÆØÅ]", before) and len(before) <= 80 else default_body
    if not body:
        return None
    number = _ITEM_NUMBER.search(line, date_match.end())
    return Treatment(body=body, date=when, item_number=int(number.group(1)) if number else None)


def parse_previous_treatments(text: str, default_body: str | None = None) -> tuple[list[Treatment], list[str]]:
    """Every treatment a "Tidligere behandling" section lists, and the lines it could not read."""
    treatments, unread = [], []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if (treatment := parse_treatment_line(line, default_body)) is not None:
            treatments.append(treatment)
        else:
            unread.append(line.strip())
    return treatments, unread


# "den 15. januar 2019, Punkt 7" / "den 12. juni 2018, Punkt 3" inside a sentence.
_MEETING_REF = re.compile(r"\bden\s+(?P<date>\d{1,2}\.\s*[a-zæøå]+\.?\s+\d{4}|\d{1,2}[.\-/]\d{1,2}[.\-/]\d{2,4}),?\s+(?:Punkt|punkt|pkt\.?)\s*(?P<item>\d{1,3})\b")


def find_meeting_refs(text: str, default_body: str | None = None) -> list[Treatment]:
    """Meetings a running text names with an item number, each resolved to the committee named
    nearest before it in the same sentence (or anywhere in that sentence)."""
    refs: list[Treatment] = []
    for sentence_start, sentence in _sentences(text):
        for m in _MEETING_REF.finditer(sentence):
            dates = find_dates(m.group("date"))
            if not dates:
                continue
            before = find_committees(sentence[: m.start()])
            anywhere = before or find_committees(sentence)
            body = canonical_committee((before[-1] if before else anywhere[0]).group(0)) if anywhere else default_body
            if body:
                ref = Treatment(body=body, date=dates[0][0], item_number=int(m.group("item")))
                if ref not in refs:
                    refs.append(ref)
    return refs


_YEAR = r"(?P<year>(?:19|20)\d{2})"
_POINT = r"(?P<point>\d{1,2}(?:\.\d{1,2})?)"  # "5.3", "4.23", and a plain "punkt 7"
_AGREEMENT = r"(?:aftale(?:n)?\s+om\s+budget(?:tet)?|budgetaftale(?:n)?|budgetforlig(?:et)?)"
_POINT_WORD = r"(?:punkt|pkt\.?|indsats|initiativ)"
_BUDGET_PATTERNS = [
    # "Aftale om budget 2019", punkt 5.3 / budgetaftalen for 2019, indsats 4.23
    re.compile(rf"{_AGREEMENT}\s+(?:for\s+)?{_YEAR}[\"”»]?,?\s+(?:under\s+)?{_POINT_WORD}\s+{_POINT}(?!\d)", re.I),
    # indsats 2.3. Psykiatrisamarbejdet – tværsektoriel i budgetaftalen 2019
    re.compile(rf"\b{_POINT_WORD}\s+{_POINT}(?!\d)\.?[^.;]{{0,120}}?\bi\s+[\"“«]?{_AGREEMENT}\s+(?:for\s+)?{_YEAR}", re.I),
    # punkt 5.3 i "Aftale om budget 2019"
    re.compile(rf"\b{_POINT_WORD}\s+{_POINT}(?!\d)\s+(?:i|fra)\s+[\"“«]?{_AGREEMENT}\s+(?:for\s+)?{_YEAR}", re.I),
]
_YEAR_ONLY = re.compile(rf"(?<![\w])(?<!kommunernes\s){_AGREEMENT}\s+(?:for\s+)?{_YEAR}(?!\d)", re.I)
_NATIONAL = re.compile(r"aftale(?:n)?\s+om\s+kommunernes\s+økonomi", re.I)


def find_budget_refs(text: str) -> list[BudgetRef]:
    """References to the municipality's budget agreement, with the sentence that makes each.

    A year-only reference is dropped when the same text also names a point of that year's
    agreement: the point says more.
    """
    refs: list[BudgetRef] = []
    seen: set[tuple[int, str | None]] = set()
    # Every form names an agreement ("aftale"); skip the rest of the text cheaply.
    if "ftale" not in text and "FTALE" not in text and "forlig" not in text:  # "aftale", "budgetaftale", "budgetforlig"
        return []
    paragraphs = [p for p in text.split("\n") if "ftale" in p or "FTALE" in p or "forlig" in p]
    sentences = [s for p in paragraphs for _, s in _sentences(p) if "ftale" in s or "FTALE" in s or "forlig" in s]
    for sentence in sentences:
        quote = re.sub(r"\s+", " ", sentence).strip()
        spans: list[tuple[int, int]] = []
        for pattern in _BUDGET_PATTERNS:
            for m in pattern.finditer(sentence):
                if _NATIONAL.search(sentence[max(0, m.start() - 40) : m.end()]):
                    continue
                key = (int(m.group("year")), m.group("point"))
                spans.append(m.span())
                if key not in seen:
                    seen.add(key)
                    refs.append(BudgetRef(year=key[0], point=key[1], quote=quote))
        for m in _YEAR_ONLY.finditer(sentence):
            if any(s <= m.start() < e for s, e in spans):
                continue
            key = (int(m.group("year")), None)
            if key not in seen:
                seen.add(key)
                refs.append(BudgetRef(year=key[0], point=None, quote=quote))
    pointed_years = {r.year for r in refs if r.point is not None}
    return [r for r in refs if r.point is not None or r.year not in pointed_years]


# A sentence ends at . ! ? followed by space and an upper-case letter, a digit or a quote, but not
# after abbreviations Danish minutes use all the time ("jf.", "bl.a.", "mio.", "kr.", "pkt.").
_ABBREVIATIONS = ("jf", "bl.a", "f.eks", "fx", "mio", "mia", "kr", "pkt", "nr", "ca", "mv", "m.v", "m.fl", "evt", "inkl", "ekskl", "pga", "vedr", "st", "dvs", "d", "tlf", "årg", "stk")
_POINT_NUMBER = re.compile(r"\d{1,2}(?:\.\d{1,2})?")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”»]?\s+(?=[A-ZÆØÅ0-9\"“«])|\n+")


def _sentences(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        head = text[start : m.start()]
        if "\n" not in m.group(0):
            words = head.rsplit(None, 1)
            last_word = words[-1].rstrip("\"”»")[:-1] if words else ""
            if last_word.casefold() in _ABBREVIATIONS or _POINT_NUMBER.fullmatch(last_word):
                continue  # "jf. budgetaftale", "punkt 5.3. Flere" and "den 12. juni" go on
        if head.strip():
            out.append((start, head))
        start = m.end()
    if text[start:].strip():
        out.append((start, text[start:]))
    return out
