"""Where agenda items start: heading candidates found by their form, kept by what follows them.

Municipalities print an item heading in many forms, and the same forms occur inside items (the
numbered points of an Indstilling, "punkt 5" in a sentence, a table of contents). So a line is
first a *candidate* by its form, and only becomes an item heading on evidence that holds across
layouts: a case number, a section heading or a decision follows before the next candidate, or the
table of contents lists it. Forms (each has a fixture under tests/corpus and a rule test):

- labelled: "Punkt 3: Title", "Punkt 3 Title", "Pkt. 42 Title", "Dagsordenspunkt 7", "Sag nr. 342.
  Title", "Nr.7 - Title" (the label names the number, so these need no further evidence when the
  title follows on the line);
- numbered: "3. Title", "3) Title", "129 Title", "4 Åbent Title" / "5 Lukket Title" (a status word
  between number and title);
- title first: "Title" then "Sag nr. 130" (or "Punkt 130") alone on the next line;
- no heading at all: a page showing one item (title, then sections) is handled by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from referat.parsers import sections as S
from referat.parsers.casenumbers import LABELLED_CASE_RE, any_case_number_in_line, case_number_in_line, case_number_label_in_line
from referat.parsers.text import Line, fold_key

# Item numbers are running numbers of any size in practice (1043 in a council's year): five digits.
_NUMBER = r"(?P<number>\d{1,5})"
LABELLED_HEADING = re.compile(
    rf"^(?:Punkt|PUNKT|Pkt\.?|PKT\.?|Dagsordenspunkt|DAGSORDENSPUNKT|Dagsordenpunkt|Sag\s+nr\.?|SAG\s+NR\.?|Sagsnr\.?(?=\s*\d{{1,5}}\.)|Nr\.?)\s*{_NUMBER}"
    r"(?:\s*[:.\-–)]\s*(?P<title>.*)|\s+(?P<bare>[A-ZÆØÅ0-9\"“”«'(].*)|\s*)$"
)
# "3. Title", "3) Title", "129 Title", "4 Åbent Title": the title starts with a capital or a quote.
NUMBERED_HEADING = re.compile(
    rf"^{_NUMBER}(?P<sep>\s*[.):]\s*|\s+|(?=[A-ZÆØÅ][a-zæøå]))(?:(?P<status>Åbent|Åben|Lukket|ÅBENT|LUKKET)\s+(?:-\s+)?)?"
    r"(?P<title>(?:[A-ZÆØÅ\"“”«'(]|\d{1,2}\.\s+[a-zæøå]).{1,250})$"  # "1. 4. kvartal - økonomirapport"
)
# What a labelled heading starts with: a cheap test before the patterns run on a line.
_LABEL_STARTS = ("Punkt", "PUNKT", "Pkt", "PKT", "Dagsorden", "DAGSORDEN", "Sag nr", "Sag  nr", "Sagnr", "Sagsnr", "SAG NR", "Nr", "NR")
# "Sag nr. 130" / "Punkt 130" alone on the line under its title.
NUMBER_ALONE = re.compile(rf"^(?:Sag\s+nr\.?|Sagnr\.?|Punkt|Pkt\.?|Dagsordenspunkt|Nr\.?)\s*{_NUMBER}\.?(?:\s*\([^()]{{1,30}}\))?$")
_STATUS_WORD = re.compile(r"^(?:Åbent|Åben|Lukket|ÅBENT|LUKKET)\s+(?:-\s+)?(?=[A-ZÆØÅ0-9\"“«])")  # not "Lukket punkt: …"
# Lines that say an item's record starts: "Dok.nr.: 1965", "Sagsid.: 14/40", "Åben sag", "Initialer:".
RECORD_FIELD = re.compile(
    r"^(?:Dok\.?\s?nr|Sagsid|Sags-?id|Sagsnr|Sags\s?nr|Sag\s?nr|J\.\s?nr|Journal\s?nr|Journalnummer|Initialer|Sagsbehandler|Sagsgang|SAGSGANG|Beslutningstema|Kompetence|Beslutningskompetence|Resumé|Resume)\b"
    r"|^(?:Åben|Lukket)\s+sag\b|^(?:ÅBEN|LUKKET)\s+SAG\b",
    re.IGNORECASE,
)
# How far below a candidate the evidence may stand (non-blank lines).
_LOOKAHEAD = 14


@dataclass
class Heading:
    index: int  # the line where the item starts
    number: int | None
    title: str
    form: str  # "labelled", "numbered", "title_first"
    body_start: int  # the first line after the heading (after "Sag nr. 130" in the title-first form)
    status: str | None = None  # "Åbent" / "Lukket" printed between number and title
    header_end: int | None = None  # where the meeting's header ends, when the title stands inside it
    confirmed: bool = True  # False: kept for its form alone, nothing below it says it opens an item


def find_item_headings(lines: list[Line], skip: set[int], toc_titles: set[str]) -> list[Heading]:
    """Item headings in order, from the form with the most confirmed headings."""
    candidates = _candidates(lines, skip)
    if not candidates:
        return []
    starts = {c.index for c in candidates} | {c.body_start - 1 for c in candidates}
    evidence = {c.index: _has_body_evidence(lines, c.body_start, starts) for c in candidates}
    by_form: dict[str, list[Heading]] = {}
    for c in candidates:
        by_form.setdefault(_family(c), []).append(c)
    best: list[Heading] = []
    for family, found in by_form.items():
        kept = _confirm(found, evidence, toc_titles, lines, family)
        if len(kept) > len(best):
            best = kept
    return best


def _family(c: Heading) -> str:
    return "labelled" if c.form in ("labelled", "title_first") else c.form


def _candidates(lines: list[Line], skip: set[int]) -> list[Heading]:
    out: list[Heading] = []
    for i, line in enumerate(lines):
        text = line[0]
        if not text or not ("0" <= text[0] <= "9" or text.startswith(_LABEL_STARTS)) or i in skip:
            continue
        if text[0] > "9":
            if (m := NUMBER_ALONE.match(text)) and not text.startswith(("Punkt", "Pkt", "PUNKT", "Dagsorden")):
                title_line = i - 1 if i and lines[i - 1].text and i - 1 not in skip else None  # "Title" / "Sag nr. 130"
                if title_line is not None and _may_be_title(lines[title_line].text):
                    if out and out[-1].index == title_line:
                        out.pop()  # the title line looked like a heading of its own
                    out.append(Heading(title_line, int(m.group("number")), lines[title_line].text, "title_first", i + 1))
                    continue
            if m := LABELLED_HEADING.match(text):
                title = (m.group("title") if m.group("title") is not None else m.group("bare")) or ""
                status = None
                if sm := _STATUS_WORD.match(title):
                    status, title = sm.group(0).strip(" -"), title[sm.end() :]
                out.append(Heading(i, int(m.group("number")), title.strip(), "labelled", i + 1, status))
            continue
        if (m := NUMBERED_HEADING.match(text)) and not _starts_with_date(text):
            status = m.group("status")
            out.append(Heading(i, int(m.group("number")), m.group("title").strip(), "numbered", i + 1, status))
    return out


def _starts_with_date(text: str) -> bool:
    """"27. February 2024 -", "4. maj 2021 kl. 16": a date line, not item 27 or item 4."""
    from referat.parsers.dates import DATE_RE

    return bool((m := DATE_RE.match(text)) and m.start() == 0)


def _previous_text_line(lines: list[Line], i: int, skip: set[int]) -> int | None:
    """The nearest line above with text, across at most three blank lines."""
    j = i - 1
    while j >= 0 and j >= i - 4 and not lines[j].text:
        j -= 1
    if j < 0 or j in skip or not lines[j].text:
        return None
    return j


def _may_be_title(text: str) -> bool:
    return (
        len(text) <= 250
        and (text[:1].isupper() or text[:1] in "\"“«'(")
        and not S.section_heading(text)
        and not case_number_in_line(text)
    )


def _has_body_evidence(lines: list[Line], start: int, starts: set[int]) -> bool:
    """A case number, a record field, a section heading or a decision below the heading, before
    the next candidate heading."""
    seen = 0
    for j in range(start, len(lines)):
        text = lines[j].text
        if not text:
            continue
        if j in starts:
            return False
        if seen == 0 and text == "Referat":
            return True  # eDoc's item pages: the heading, then "Referat" and the decision
        if (
            S.section_heading(text)
            or S.inline_section(text)
            or case_number_in_line(text)
            or LABELLED_CASE_RE.match(text)
            or RECORD_FIELD.match(text)
            or case_number_label_in_line(text)
        ):
            return True
        seen += 1
        if seen >= _LOOKAHEAD:
            return False
    return False


def _confirm(found: list[Heading], evidence: dict[int, bool], toc_titles: set[str], lines: list[Line], family: str) -> list[Heading]:
    """The candidates of one form that are item headings.

    A labelled heading with its title on the line needs nothing more, unless the form also has
    confirmed headings and this one is only a line of a list (a printed agenda or table of
    contents before the items) whose item comes again with its body. Other forms need evidence or a table-of-contents entry, and their
    numbers must run upwards (an Indstilling's "1. …", "2. …" inside item 3 go back down)."""
    for c in found:
        c.confirmed = evidence[c.index] or fold_key(c.title) in toc_titles
    confirmed = [c for c in found if c.confirmed]
    # 'Punkt 25 ”Foranalyse af …” behandles efter punkt 2.': a sentence about an item, not its heading.
    found = [c for c in found if evidence[c.index] or not _sentence_about_an_item(c.title)]
    if family == "labelled":
        if not confirmed:
            return [c for c in found if c.title or c.form == "title_first"] or found
        # A line of a printed list whose item comes again further down with its body.
        with_body = {(c.number, fold_key(c.title)) for c in found if evidence[c.index]}
        listed = {
            c.index for c in found
            if not evidence[c.index] and (c.number, fold_key(c.title)) in with_body and _next_text_is_candidate(lines, c, found)
        }  # fmt: skip
        listed |= _doubled(found, evidence, lines)
        return [c for c in found if c.index not in listed]
    plausible = [
        c for c in confirmed
        if not (family == "numbered" and c.title.endswith((".", ":", ";", ",")) and fold_key(c.title) not in toc_titles)
        or _record_follows(lines, c.body_start)  # "44. Orientering: Status." with its Sagsid. below is a title
    ]  # fmt: skip
    return _longest_rising(plausible)


def _longest_rising(headings: list[Heading]) -> list[Heading]:
    """The longest run of headings whose numbers rise (an Indstilling's "1. …" inside item 3, or a
    contents line that looks confirmed, falls out wherever it stands). Patience sorting."""
    tails: list[int] = []  # tails[k]: index of the smallest last number of a rising run of length k+1
    previous: list[int] = [-1] * len(headings)
    for i, h in enumerate(headings):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if headings[tails[mid]].number < h.number:
                lo = mid + 1
            else:
                hi = mid
        previous[i] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(i)
        else:
            tails[lo] = i
    run, k = [], tails[-1] if tails else -1
    while k != -1:
        run.append(headings[k])
        k = previous[k]
    return run[::-1]


def _record_follows(lines: list[Line], start: int) -> bool:
    for j in range(start, min(len(lines), start + 4)):
        if lines[j].text:
            text = lines[j].text
            return bool(RECORD_FIELD.match(text) or any_case_number_in_line(text))
    return False


def _sentence_about_an_item(title: str) -> bool:
    return bool(re.search(r"[”\"»]\s+[a-zæøå]", title)) or bool(re.match(r"^[a-zæøå]", title))


def _doubled(found: list[Heading], evidence: dict[int, bool], lines: list[Line]) -> set[int]:
    """"• Pkt. 88 Title" right above "Pkt. 88" / "Title": one heading printed twice (as a bullet,
    then as the heading); the first copy is no item of its own."""
    by_index = {c.index: c for c in found}
    out = set()
    for c in found:
        if evidence[c.index]:
            continue
        looked = 0
        for j in range(c.body_start, min(len(lines), c.body_start + 8)):
            if not lines[j].text:
                continue
            nxt = by_index.get(j)
            if nxt is not None and nxt.number == c.number:
                out.add(c.index)
            # Only the item's attachment names may stand between the two ("Plan.pdf Idekatalog.pdf").
            if nxt is not None or looked or not _ATTACHMENT_NAMES.search(lines[j].text):
                break
            looked += 1
    return out


_ATTACHMENT_NAMES = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?)\b", re.IGNORECASE)


def _next_text_is_candidate(lines: list[Line], c: Heading, found: list[Heading]) -> bool:
    indexes = {h.index for h in found}
    for j in range(c.body_start, min(len(lines), c.body_start + 4)):
        if lines[j].text:
            return j in indexes
    return False


# Lines of a meeting's header that are never an item's title.
_HEADER_LINE = re.compile(
    r"^(?:Referat|Dagsorden|Beslutningsprotokol|Protokol|Mødedato|Mødested|Mødetidspunkt|Mødelokale|Lokale|Sted|Dato|"
    r"Tidspunkt|Starttidspunkt|Sluttidspunkt|Udvalg|Møde|Medlemmer|Deltagere|Fraværende|Afbud|Åbent|Lukket|Ekstraordinært)\b",
    re.IGNORECASE,
)


def find_unnumbered_items(lines: list[Line], skip: set[int], meeting_page: bool = False) -> list[Heading]:
    """Items printed without numbers: a page of one item (kk.dk, Ishøj) or several (aarhus.dk),
    each a title followed by its sections. A new item starts where the sections start over (a
    heading already seen in the current item), titled by the line before that heading.

    The page must look like an agenda item: two or more different section headings, one of them
    a decision, a recommendation or a case presentation."""
    headings: list[tuple[int, str, str | None]] = []
    for i, line in enumerate(lines):
        if i in skip or not line.text:
            continue
        text = line.text
        heading = S.section_heading(text) if S.may_be_heading(text) else None
        if heading is None and (inline := S.inline_section(text)):
            heading = inline[0]
        if heading is not None and not _opens_an_item_next(lines, i, skip):
            headings.append((i, fold_key(heading), S.section_role(heading)))
    keys = {k for _, k, _ in headings}
    roles = {role for _, _, role in headings}
    if not (roles & {S.DECISION, S.RECOMMENDATION} or keys & {"sagsfremstilling", "beslutningstema"}):
        return []
    if len(keys) < 2 and not (meeting_page or any(RECORD_FIELD.match(line.text) for line in lines[: headings[0][0]])):
        return []  # one heading is enough only on a page that shows it is a meeting's (kk.dk "Mødedato:")
    items: list[Heading] = []
    first = headings[0][0]
    opening = _item_opening(lines, first, skip)  # "Åben" / "Sagsnr.: 19/7724" open a page's first item too
    if opening == first:
        title_line = _first_title_line(lines, 0, opening, skip)
    elif (below := _title_below_case(lines, opening, first)) is not None:
        title_line = below
    else:  # a page whose items open with a marker or a case number prints no titles above them
        above = _previous_text_line(lines, opening, skip)
        title_line = above if above is not None and _is_item_title(lines[above].text) and not lines[above].text.endswith("|") else None
    if title_line is not None:
        items.append(Heading(title_line, None, lines[title_line].text, "unnumbered", title_line + 1, header_end=opening))
    else:
        items.append(Heading(opening, None, "", "unnumbered", opening, header_end=opening))
    seen: dict[str, str | None] = {}
    for i, key, role in headings:
        # The sections start over: a heading seen already in this item, or earlier treatments
        # after a decision (each item of ballerup.dk's web pages starts with "Tidligere behandling").
        starts_over = (
            (key in seen and key != "bilag" and _role_starts_over(key, role))
            or (role == S.PREVIOUS and S.DECISION in seen.values())
            or (bool(seen) and _status_marker_above(lines, i, skip))  # "Åben" opens each item (aalborg.dk)
        )
        if starts_over:
            opening = _item_opening(lines, i, skip)
            previous = _previous_text_line(lines, opening, skip)
            if (below := _title_below_case(lines, opening, i)) is not None:
                items.append(Heading(below, None, lines[below].text, "unnumbered", below + 1))
            elif previous is not None and _is_item_title(lines[previous].text):
                items.append(Heading(previous, None, lines[previous].text, "unnumbered", previous + 1))
            else:
                items.append(Heading(opening, None, "", "unnumbered", opening))  # the page lost the item's title
            seen = {}
        seen[key] = role
    return items


def _opens_an_item_next(lines: list[Line], heading: int, skip: set[int]) -> bool:
    """An empty field of the meeting's header ("Bemærkninger:") right before an item's case line."""
    j = heading + 1
    while j < len(lines) and (j in skip or not lines[j].text):
        j += 1
    return j < len(lines) and bool(_STATUS_ALONE.match(lines[j].text) or case_number_label_in_line(lines[j].text))


def _status_marker_above(lines: list[Line], heading: int, skip: set[int]) -> bool:
    above = _previous_text_line(lines, heading, skip)
    return above is not None and bool(_STATUS_ALONE.match(lines[above].text))


def _item_opening(lines: list[Line], heading: int, skip: set[int]) -> int:
    """Where an item printed without a heading begins: at the status marker ("Åben", aalborg.dk)
    or the case number ("Sagsnr.: 19/170", kolding.dk) standing right above its first section."""
    start, j, looked = heading, heading - 1, 0
    while j >= 0 and looked < 3:
        text = lines[j].text
        if text:
            if not (_STATUS_ALONE.match(text) or any_case_number_in_line(text)):
                break
            start, looked = j, looked + 1
        j -= 1
    if start == heading and (case_line := _case_line_above_grid(lines, heading)) is not None:
        return case_line
    return start


# Between an item's case number and its first section some systems print a grid of the bodies
# that will treat it ("DIR", "TMU", "BYR", an "x" under each) and fields ("Øvrige sagsbehandlere: -").
_GRID_CELL = re.compile(r"^(?:[A-ZÆØÅ]{2,4}|[xX])$")
_FIELD_LINE = re.compile(r"^[A-ZÆØÅ][\w .\-]{1,40}:(?:\s|$)")


def _case_line_above_grid(lines: list[Line], heading: int) -> int | None:
    """The case-number line over a title, a grid and fields standing above the first section."""
    j, grid, title = heading - 1, 0, 0
    while j >= 0 and grid + title <= 30:
        text = lines[j].text
        if text:
            if _GRID_CELL.match(text):
                grid += 1
            elif any_case_number_in_line(text):
                return j if grid >= 2 and title == 1 else None
            elif not _FIELD_LINE.match(text):
                title += 1
                if title > 1:
                    return None
        j -= 1
    return None


def _title_below_case(lines: list[Line], opening: int, first_section: int) -> int | None:
    """The title printed under the case number, above the grid of bodies ("Sagsnr.: … Sagsbehandler: …" / title / "DIR" …)."""
    if _case_line_above_grid(lines, first_section) != opening:
        return None
    j = opening + 1
    while j < first_section and not lines[j].text:
        j += 1
    return j if j < first_section and _is_item_title(lines[j].text) else None


_STATUS_ALONE = re.compile(r"^(?:Åben|Åbent|Lukket|ÅBEN|ÅBENT|LUKKET)(?:\s+(?:sag|punkt))?$")


def _role_starts_over(key: str, role: str | None) -> bool:
    return role in (S.DECISION, S.RECOMMENDATION) or key in ("sagsfremstilling", "resumé", "resume", "sagsresume", "sagsresumé", "beslutningstema")


def _first_title_line(lines: list[Line], start: int, end: int, skip: set[int]) -> int | None:
    """The item's title: the line right above its sections when that is a title, else the first
    line before them that is neither the meeting's header (a date, "Referat", "Mødested: …", the
    committee, an attendance list) nor a sentence. None when the page prints no title."""
    above = _previous_text_line(lines, end, skip)
    if above is not None and _is_item_title(lines[above].text):
        return above
    in_list = False
    for j in range(start, end):
        text = lines[j].text
        if not text:
            in_list = False
            continue
        if _ATTENDANCE_LABEL.match(text):
            in_list = True
        if j in skip or in_list:
            continue
        if _is_item_title(text):
            return j
    return None


_DECISION_WORDS = re.compile(
    r"^(?:intet|ingen|godkendt|tiltrådt|vedtaget|anbefales|udsat|udsættes|taget til efterretning|til efterretning|"
    r"indstillingen godkendt|orientering givet|til orientering)\.?$",
    re.IGNORECASE,
)
_LOCATION_WORDS = re.compile(r"\b(?:mødesal|mødelokale|byrådssal(?:en)?|rådssal(?:en)?)\b", re.IGNORECASE)
_ATTENDANCE_LABEL = re.compile(r"^(?:Deltagere|Mødedeltagere|Medlemmer|Afbud|Fraværende|Fravær|Til stede|AFBUD|DELTAGERE)\b", re.IGNORECASE)
_MARKER = re.compile(r"^(?:Åben|Åbent|Lukket)(?:\s+(?:dagsorden|møde|punkt|sag)\b|$)|^(?:ÅBEN|LUKKET)\s+(?:DAGSORDEN|MØDE)", re.IGNORECASE)


def _is_item_title(text: str) -> bool:
    from referat.parsers.committees import find_committees
    from referat.parsers.dates import find_dates

    if (
        _HEADER_LINE.match(text) or _MARKER.match(text) or _ATTENDANCE_LABEL.match(text) or _LOCATION_WORDS.search(text)
        or len(text) > 200 or text.endswith((".", ":"))
    ):  # fmt: skip
        return False
    if not (text[:1].isupper() or text[:1] in "\"“«'("):
        return False
    if find_dates(text) and len(text) < 120:
        return False  # "Referat Aarhus Byråd 14-08-2019", "Teknik- og Bygningsudvalget tirsdag den 16. april 2024"
    if (found := find_committees(text)) and found[0].group(0) == text.rstrip(" .:"):
        return False  # the committee's name alone heads the page
    if S.section_heading(text) or case_number_label_in_line(text) or RECORD_FIELD.match(text):
        return False
    if len(text) <= 40 and _DECISION_WORDS.match(text):
        return False  # "Intet", "Godkendt", "Taget til efterretning": the end of the decision above
    return not re.search(r"\([A-ZÆØÅ]{1,2}\)|\s-\s(?:Deltog|Afbud)\b", text)  # a participant line



_NUMBER_IN_ADDRESS = re.compile(r"(?:punkt|pkt|item|dagsordenspunkt)[-_/=]?(\d{1,5})(?:\D*$|[/?#.])", re.IGNORECASE)


def item_number_in_source(source: str) -> int | None:
    """The item number a page's address gives: ".../referat/punkt-10", "...?pkt=7"."""
    found = _NUMBER_IN_ADDRESS.findall(source or "")
    return int(found[-1]) if found else None
