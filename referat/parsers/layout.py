"""Undo what web sites and PDF converters do to minutes before the minutes parser reads them.

- Site chrome around the text ("Til toppen", "Fold alle ud", "Se alle bilag", cookie notices,
  "Vælg", logo captions) is dropped.
- Words a page glued together are parted: "Indholdsfortegnelse1. Fraværende", "…handlingsplaner174.
  Godkendelse af dagsorden", "38Godkendelse af dagsorden" stays (the heading finder reads it),
  "Beslutning Tilbagesendes …" (a section heading with its text on one line, as aarhus.dk prints it).
- "Transcripts" of PDFs, where each page became one long line ("3 1. Godkendelse af dagsorden
  Dok.nr.: 1965 Sagsid.: 14/40 Initialer: dosko Åben sag Beslutning Økonomiudvalget den …"), are
  broken into lines again before the labels and headings that stood on lines of their own.
"""

from __future__ import annotations

import re

from referat.parsers import sections as S
from referat.parsers.text import Line

_CHROME = {
    "til toppen", "til top", "top", "fold alle ud", "fold alle punkter", "fold alle punkter ud", "fold alle sammen",
    "fold ud", "fold sammen", "se alle bilag", "vælg", "søg", "print", "udskriv", "download", "del", "luk",
    "tilbage", "gå til indhold", "spring til indhold", "til indholdsfortegnelse", "vis alle", "åbn alle", "luk alle",
    "læs mere", "hent som pdf", "hent dagsorden", "hent referat", "download pdf", "print punkt", "udskriv punkt",
    "del på facebook", "del på twitter", "del på linkedin", "abonner", "accepter", "afvis", "ok", "…..",
    "størrelse: px", "starte visningen fra side", "transkript", "relaterede dokumenter", "mere information",
    "byråd og udvalg", "politik", "dagsordener og referater", "få siden oplæst", "agenda", "you are here",
    "word png txt jpg", "save this pdf as", "skip til hoved indholdet", "skip til indhold", "gå til hovedindhold", "hent pdf-version", "hent pdf", "se dagsorden", "se referat",
    "udskriv hele dagsordenen", "udskriv hele dagsordnen", "udskriv hele referatet", "print hele dagsordenen",
}  # fmt: skip
_CHROME_START = ("Vi bruger cookies", "Denne hjemmeside bruger cookies", "Dette websted bruger cookies",
                 "Se vores \"cookiepolitik\"", "Gå ikke glip af vigtig Digital Post", "Download \"", "Hjemmesiden bruger cookies")  # fmt: skip
_CHROME_FIRST = {start[0] for start in _CHROME_START}
_LONGEST_CHROME = max(len(c) for c in _CHROME) + 2
# Chrome as sites print it (lower case, capitalised, upper case, each word capitalised): a set look-up
# per short line instead of case folding every one of them.
_CHROME_AS_PRINTED = {form for c in _CHROME for form in (c, c.capitalize(), c.upper(), c.title())}
# "…handlingsplaner174. Godkendelse", "Indholdsfortegnelse1. Fraværende": a number glued to a word.
# "…den 12.03.201321. Godkendelse": a list's last date glued to the first heading's number.
_GLUED_NUMBERED = re.compile(r"(?:(?<=[a-zæøå)\]\"”:])|(?<=\d\d\.\d\d\.\d{4}))(?=\d{1,5}\.\s+[A-ZÆØÅ])")
_GLUABLE = ("Beslutning", "Sagsfremstilling", "Indstilling", "Bilag", "Resume", "Resumé", "Baggrund", "Økonomi")
_GLUED_HEADING_START = re.compile(r"^(Beslutning|Sagsfremstilling|Indstilling|Bilag|Resumé|Resume|Baggrund|Økonomi)(?=[A-ZÆØÅ][a-zæøå])")
_GLUED_LABELS = ("Referat", "Beslutning", "Dagsorden")
_GLUED_LABEL_END = re.compile(r"(?<=[a-zæøå)])(Referat|Beslutning|Dagsorden)$")
_DOUBLED_NUMBER = re.compile(r"^(\d{1,5}\.)\s+\1\s")
_LIST_STARTS = ("Indhold", "INDHOLD", "Dagsorden", "DAGSORDEN", "Punkter", "PUNKTER")
# "Beslutning Tilbagesendes …", "Sagens forløb 12-08-2019 Magistraten": a heading and its text.
_ONE_WORD_HEADINGS = sorted(
    (h for h in S.SECTION_HEADINGS if len(h) >= 5 and not h.startswith("Bilag")), key=len, reverse=True
)
_HEADING_FIRST_WORDS = {h.split(" ", 1)[0] for h in _ONE_WORD_HEADINGS}
_HEADING_THEN_TEXT = re.compile(
    r"^(?P<heading>" + "|".join(re.escape(h) for h in _ONE_WORD_HEADINGS) + r")\s+(?P<rest>[A-ZÆØÅ\"“«].{20,})$"
    # "Sagens forløb 12-08-2019 Magistraten": a heading of several words may be followed by a date
    r"|^(?P<heading2>" + "|".join(re.escape(h) for h in _ONE_WORD_HEADINGS if " " in h) + r")\s+(?P<rest2>\d.{20,})$"
)

# In a transcript page line: where a line of its own began.
_FIELD_LABELS = (
    r"Dok\.\s?nr\.?:|Sagsid\.?:|Sags-?ID:|Sagsnr\.?:|Sags\s?nr\.?:|J\.\s?nr\.?:|Journal\s?nr\.?:|Initialer:|"
    r"Åben sag|Lukket sag|Mødedato:|Mødested:|Mødetidspunkt:|Starttidspunkt for møde:|Sluttidspunkt for møde:|"
    r"Afbud fra:|Afbud:|Fraværende:|Mødedeltagere:|Deltagere:|Dato:|Tidspunkt:|Sted:|Bemærkninger:|Starttidspunkt:|Sluttidspunkt:|"
    r"Medlemmer:|Til stede:|Beslutningskompetence:|Kompetence:|Beslutning(?:\s+i\s+[^:\n]{3,80})?:|Indstilling:|Resumé:|"
    # "ØKDIKA / 08/2211": the caseworker's initials and the case number after an old heading
    r"[A-ZÆØÅ]{3,10}\s/\s\d{2}/\d{3,6}\b"
)
_SHORT_HEADINGS = [h for h in _ONE_WORD_HEADINGS if h.count(" ") <= 3]
_TRANSCRIPT_BREAK = re.compile(
    rf"\s+(?=(?:{_FIELD_LABELS}))"
    r"|\s+(?=(?:" + "|".join(re.escape(h) for h in _SHORT_HEADINGS) + r")\s+[A-ZÆØÅ0-9])"
    # upper-case field blocks: "SAGSNR 17/120 SAGSBEHANDLER Ida Nørgaard INDSTILLING Direktøren …"
    r"|\s+(?=(?:SAGSNR|SAGS NR|SAGSBEHANDLER|SAGSGANG|J\.NR\.|" + "|".join(re.escape(h.upper()) for h in _SHORT_HEADINGS) + r")\s)"
    r"|\s+(?=Side \d{1,4}(?:\s|$))"
)
# "3 1. Godkendelse af dagsorden Dok.nr.: 1965": an item heading inside a page line is a number,
# a title, and (within a few words) a field that starts an item's record.
_TRANSCRIPT_ITEM = re.compile(
    r"(?:(?<=\s)|^)(?=(?:Punkt\s+|Pkt\.\s*|Sag\s+nr\.\s*)?\d{1,5}\.?\s+[A-ZÆØÅ\"“][^\n]{2,250}?\s(?:Dok\.\s?nr|Sagsid|Sags-?ID|Sagsnr|J\.\s?nr|Journal\s?nr|Åben sag|Lukket sag|SAGSNR|SAGS NR|J\.NR|[A-ZÆØÅ]{3,10}\s/\s\d{2}/\d))"
)
_BULLETS = "•◦▪●○■□➢►"
# First characters that make a long line worth the slower checks: a bullet, a digit, a chrome start, a list.
_SPECIAL_FIRST = frozenset(_BULLETS + "0123456789IDP") | {start[0] for start in (
    "Vi bruger cookies", "Denne hjemmeside", "Dette websted", "Se vores", "Gå ikke glip", "Download", "Hjemmesiden")}
_PAGE_NUMBER = re.compile(r"^\d{1,4}(?=\s+\S)")
_LONG_LINE = 600
_PAGE_LINE = 120


def clean_minutes_lines(lines: list[Line]) -> list[Line]:
    """The lines with chrome dropped, glued headings parted and transcript pages unfolded.

    Every line of every document passes here, so the cheap tests (length, first character) go
    first and a regex runs only on the few lines that can match it."""
    out: list[Line] = []
    append = out.append
    transcript = _is_transcript(lines)
    for line in lines:
        text = line[0]
        if not text:
            append(line)
            continue
        n, first = len(text), text[0]
        if n > 200 and first not in _SPECIAL_FIRST and not transcript:  # a paragraph: the common case, decided fast
            if text[: text.find(" ")] in _HEADING_FIRST_WORDS and (m := _HEADING_THEN_TEXT.match(text)) and not S.section_heading(text):
                append(Line(m.group("heading") or m.group("heading2"), line.level))
                append(Line(m.group("rest") or m.group("rest2")))
            else:
                append(line)
            continue
        if n <= _LONGEST_CHROME and text.rstrip(" :›»>") in _CHROME_AS_PRINTED or first in _CHROME_FIRST and text.startswith(_CHROME_START):
            continue
        if n <= 60 and text.endswith(" logo"):
            continue
        if first in _BULLETS:  # "• 301. Planstrategi", "• Pkt. 42 Title", "• Beslutning": a list on a web page
            text = text.lstrip(_BULLETS + " ")
            if not text or len(text) <= _LONGEST_CHROME and text.rstrip(" :›»>") in _CHROME_AS_PRINTED:
                continue  # "• Udskriv": a button of the page
            line, n, first = Line(text, line.level), len(text), text[0]
        if transcript and "0" <= first <= "9" and _PAGE_NUMBER.match(text) and (n > _PAGE_LINE or not out or not out[-1][0] or n > 80):
            out.extend(_unfold_page(text))  # a short page too: "1 Beslutninger fra mødet …"
            continue
        if "0" <= first <= "9" and (m := _DOUBLED_NUMBER.match(text)):
            text = text[m.end(1) :].lstrip()  # " 1.  1. Godkendelse af dagsordenen" (Glostrup's list of items)
            line, n, first = Line(text, line.level), len(text), text[0]
        if (n <= 150 or "0" <= first <= "9" or text.startswith(_LIST_STARTS)) and _may_be_glued(text) and _GLUED_NUMBERED.search(text):
            out.extend(Line(p.strip(), line.level) for p in _GLUED_NUMBERED.split(text) if p.strip())
            continue
        if n <= 200 and text.endswith(_GLUED_LABELS) and (m := _GLUED_LABEL_END.search(text)) and m.start() > 3:
            append(Line(text[: m.start()], line.level))  # "1. Meddelelse fra formandenReferat" (eDoc)
            append(Line(m.group(1)))
            continue
        if n > 10 and text.startswith(_GLUABLE) and (m := _GLUED_HEADING_START.match(text)):
            append(Line(m.group(1), line.level))  # "BeslutningGodkendt." (rksk.dk): a label glued to its text
            append(Line(text[m.end(1) :]))
            continue
        if n > 25 and text[: text.find(" ")] in _HEADING_FIRST_WORDS and (m := _HEADING_THEN_TEXT.match(text)) and not S.section_heading(text):
            append(Line(m.group("heading") or m.group("heading2"), line.level))
            append(Line(m.group("rest") or m.group("rest2")))
            continue
        append(line)
    return out


def _may_be_glued(text: str) -> bool:
    """A cheap look before the glued-number search: a digit right before a ". " somewhere."""
    k = text.find(". ")
    while k > 0:
        if "0" <= text[k - 1] <= "9":
            return True
        k = text.find(". ", k + 2)
    return False


def _is_transcript(lines: list[Line]) -> bool:
    """Pages flattened to lines: lines after a blank that start with running page numbers
    ("1 …", "2 …", "3 …"), one of them a long page."""
    numbers, longest, last_page = [], 0, -1
    for k, line in enumerate(lines):
        text = line[0]
        if "0" <= text[:1] <= "9" and (m := _PAGE_NUMBER.match(text)):
            number = int(m.group(0))
            # a page starts after a blank line, or right under the page before it ("1 …" / "2 …")
            if k == 0 or not lines[k - 1][0] or (last_page == k - 1 and numbers and number == numbers[-1] + 1):
                numbers.append(number)
                longest = max(longest, len(text))
                last_page = k
    if longest <= _PAGE_LINE or not numbers:
        return False
    if len(numbers) == 1:
        return numbers[0] == 1 and longest > _LONG_LINE
    return numbers[0] <= 3 and all(b == a + 1 for a, b in zip(numbers, numbers[1:3]))


def _unfold_page(text: str) -> list[Line]:
    """One page of a flattened PDF as the lines it had."""
    text = _PAGE_NUMBER.sub("", text, count=1).lstrip()
    text = _TRANSCRIPT_ITEM.sub("\n", text)
    text = _TRANSCRIPT_BREAK.sub("\n", text)
    text = _INITIALS_AND_CASE.sub("\\1\n", text)
    if "s møde " in text:
        text = _MEETING_ITEM_DECISION.sub(lambda m: "\n" + m.group("heading") + "\n", text)
    text = _CAPS_BEFORE_HEADING.sub("\n", text)
    text = _EARLIER_TREATMENT.sub("\n", text)
    text = _HEADING_ENDS_PAGE.sub("\n", text)
    text = _TRANSCRIPT_HEADING_TEXT.sub("\\1\n", text)  # "Beslutning Godkendt." → heading, text
    out = [Line(part.strip()) for part in text.split("\n") if part.strip() and not _PAGE_FOOTER.match(part.strip())]
    out.append(Line(""))
    return out


_INITIALS_AND_CASE = re.compile(r"^([A-ZÆØÅ]{2,10}\s/\s\d{2,4}/\d{2,6})\s+", re.MULTILINE)
_TRANSCRIPT_HEADING_TEXT = re.compile(
    r"^(" + "|".join(re.escape(h) for h in _SHORT_HEADINGS) + "|" + "|".join(re.escape(h.upper()) for h in _SHORT_HEADINGS)
    + r")\s+(?=[A-ZÆØÅ0-9\"“«])",
    re.MULTILINE,
)
# Ballerup's PDFs of 2005: "… Kommunalbestyrelsens møde 30. januar 2006 Punkt 2: Godkendt. BØRNE- OG
# UNGEUDVALGET 3. Udvidelse af …": the decision's heading, and the committee in capitals before a heading.
_MEETING_ITEM_DECISION = re.compile(
    r"\s*(?P<heading>\b[A-ZÆØÅ][\wæøå\-]+s møde \d{1,2}\.\s*[a-zæøå]+ \d{4},? (?:Punkt|punkt|pkt\.) \d{1,5}:)\s*"
)
# "… husholdningsaffald Teknik- og Miljøudvalget den 10. januar 2006, pkt. 4 Økonomiudvalget den …":
# each earlier treatment stood on a line of its own under the heading.
_EARLIER_TREATMENT = re.compile(
    r"\s+(?=(?:[A-ZÆØÅ][\wæøå]*-\s+og\s+)?[A-ZÆØÅ][\wæøå]*(?:udvalget|bestyrelsen|rådet)\s+den\s+\d{1,2}\.\s+[a-zæøå]+\s+\d{4},\s+pkt\.)"
)
# "… Ældrerådet7 1. Meddelelser": the first item's heading at the very end of a page.
_HEADING_ENDS_PAGE = re.compile(r"\s+(?=\d{1,4}\.\s+[A-ZÆØÅ][\wæøå,\- ]{2,80}$)")
_CAPS_BEFORE_HEADING = re.compile(r"(?<=[A-ZÆØÅ]{4})\s+(?=\d{1,5}\.\s+[A-ZÆØÅ\"“][a-zæøå])")
_PAGE_FOOTER = re.compile(r"^Side\s+(?:\d{1,4}|[ivxlc]{1,6})$")
