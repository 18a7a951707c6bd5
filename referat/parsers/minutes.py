"""Minutes (referat) and agendas (dagsorden): the meeting, its attendance and its agenda items.

The layouts of Danish municipalities differ mostly in how an item heading looks; those rules live
in headings.py, the meeting header in header.py, page furniture in layout.py and attendance in
attendance.py. This module puts them together:
- the table of contents is read but never mistaken for items; its titles cross-check the headings;
- a case number near the heading, KLE-shaped or labelled ("Sagsnr.: …", "Sag: …");
- TILLÆGSDAGSORDEN (supplementary) and "Lukket møde" (closed part) markers;
- a text with no recognisable item gets NOT_READ_AS_MINUTES rather than a guess.

Section headings come from a vocabulary (sections.py), not from the look of a short line: the
samples' golden files keep a Sagsfremstilling's own subheadings ("Målgrupper og målsætning") in its
text, and a shape rule tried on the corpus split them off.

Each layout family is described in docs/layouts.md, with rule tests in
tests/test_parse_layouts.py and measured documents in tests/corpus/ (`make eval`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from referat.model import AgendaItem, Meeting, Outcome, Section
from referat.parsers import sections as S
from referat.parsers.attendance import parse_attendance
from referat.parsers.casenumbers import CASE_LABEL_ALONE, LABELLED_CASE_RE, any_case_number_in_line, case_number_in_line, case_number_label_in_line
from referat.parsers.committees import canonical_committee, find_committees
from referat.parsers.dates import find_dates
from referat.parsers.decisions import classify_outcome, repair_numbered_points
from referat.parsers.header import date_in_source, find_committee, find_location, find_meeting_date, find_start_time
from referat.parsers.headings import RECORD_FIELD, Heading, find_item_headings, find_unnumbered_items, item_number_in_source
from referat.parsers.layout import clean_minutes_lines
from referat.parsers.positions import positions as read_positions
from referat.parsers.references import find_budget_refs, parse_previous_treatments
from referat.parsers.text import Line, fold_key, join_block

TOC_HEADING = re.compile(r"^(?:Indholdsfortegnelse|Indhold|Dagsordensoversigt|Oversigt over punkter)\s*:?$", re.I)
# "Meddelelser.....\t3", "Punkt 2: Budget ....... 4", "3. Title  7"
_LONGEST_TOC_LINE = 400
TOC_LEADER_ENTRY = re.compile(r"^(?P<title>[^\t]+?)\s*(?:\.{3,}|…+|_{3,})\s*\t?\s*(?P<page>\d{1,4})$")
# Inside a table of contents only: "Title<TAB>3", "Title 3" (elsewhere these are table rows).
TOC_PLAIN_ENTRY = re.compile(r"^(?P<title>[^\t]+?\S)(?:\t+|\s+)(?P<page>\d{1,4})$")
SUPPLEMENTARY = re.compile(r"^\s*(?:TILLÆGSDAGSORDEN|Tillægsdagsorden|Tillægspunkt|TILLÆGSPUNKT)\b\s*[:\-–]?\s*", re.I)
CLOSED_MARKER = re.compile(r"^(?:Lukket møde|LUKKET MØDE|Lukket punkt|LUKKET PUNKT|Lukket dagsorden|Fortroligt punkt|Lukket)\s*:?$", re.I)
_OPEN_ITEM = re.compile(r"^(?:Åben|Åbent|ÅBEN|ÅBENT)(?:\s+(?:sag|punkt))?$")
OPEN_MARKER = re.compile(r"^(?:Åbent møde|ÅBENT MØDE|Åben dagsorden)\s*:?$", re.I)
_LETTERED_GROUP = re.compile(r"^[A-ZÆØÅ]\.\s+\S")  # "A. Sager til afgørelse i byrådet" groups items (odense.dk)
_CLOSED_SUFFIX = re.compile(r"\s*\(\s*lukket( punkt| sag)?\s*\)\s*$", re.IGNORECASE)
_TITLE_CASE_PREFIX = re.compile(r"^(?P<number>[A-ZÆØÅ]{1,4}\s\d{1,5}/\d{2,4})\.\s+(?=[A-ZÆØÅ\"“])")
# An empty type-mark slot "( )" and a stray Markdown "#" that some exports leave after a title.
_TITLE_LEFTOVERS = re.compile(r"\s*(?:\(\s*\)|#+)\s*$")
_INLINE_ROLES = (S.DECISION, S.RECOMMENDATION, S.PREVIOUS)
_TITLE_CASE_SUFFIX = re.compile(r"\s*\(?\b(?:Sagsnr|Sag nr|Journalnr|J\.\s?nr)\.?\s*:?\s*(?P<number>[\wÆØÅæøå][\wÆØÅæøå./-]*[\wÆØÅæøå])\)?\s*$", re.I)

_PARTICIPANT_LABEL = re.compile(
    r"^(?P<label>Mødedeltagere|Deltagere|Til stede|Tilstede|Fremmødte|Medlemmer|Afbud\s*/\s*Fraværende|"
    r"Afbud|Fraværende|Fravær|Ikke til stede)\s*:?\s*(?P<rest>.*)$",
    re.I,
)
_ABSENT_LABELS = {"afbud", "fraværende", "fravær", "ikke til stede"}
_LOCATION = re.compile(r"^(?:Mødested|Sted|Mødelokale|Lokale|Lokation)\s*:?\s+(?P<place>.+)$", re.I)
_DATE_LABEL = re.compile(r"^(?:Mødedato|Dato|Mødetidspunkt|Tidspunkt|Tid|Afholdt)\s*:?\s+", re.I)
_COMMITTEE_LABEL = re.compile(r"^(?:Udvalg|Forum|Organ)\s*:?\s+(?P<name>.+)$", re.I)
_ABSENT_WORDS = re.compile(r"^(?:fravær|fraværende|afbud|deltog ikke|ikke til stede|ikke mødt|forfald)$", re.I)
_PRESENT_WORDS = re.compile(r"^(?:deltog|til stede|mødt|tilstede)$", re.I)
_PARTY = re.compile(r"^(?:[A-ZÆØÅ]{1,2}|UP)$")
_ROLE_WORDS = re.compile(r"^(?:formand|næstformand|borgmester|viceborgmester|sekretær|referent)$", re.I)


@dataclass
class _TocEntry:
    number: int | None
    title: str


@dataclass
class MinutesResult:
    meeting: Meeting
    kind: str  # "minutes" | "agenda"
    title: str | None
    warnings: list[str] = field(default_factory=list)


def find_toc(lines: list[Line]) -> tuple[set[int], list[_TocEntry]]:
    """Line indexes that belong to a table of contents, and its entries in order."""
    toc_lines: set[int] = set()
    entries: list[_TocEntry] = []
    in_toc = False
    for i, line in enumerate(lines):
        text = line.text
        if not text:
            continue
        if len(text) > _LONGEST_TOC_LINE:  # also keeps the leader regex linear on hostile input
            in_toc = False
            continue
        if text[0] in "IiDdOo" and TOC_HEADING.match(text) and not in_toc and _next_is_toc_entry(lines, i):
            in_toc = True
            toc_lines.add(i)
            continue
        if not text:
            continue
        m = TOC_LEADER_ENTRY.match(text) if ("..." in text or "…" in text or "___" in text) else None
        if m is None and in_toc:
            m = TOC_PLAIN_ENTRY.match(text)
        if m is not None:
            title = m.group("title").strip()
            toc_lines.add(i)
            number = None
            if head := re.match(r"^(?:Punkt\s*|Pkt\.\s*)?(\d{1,5})\s*[.:\-–]?\s+(?=\S)", title):
                number, title = int(head.group(1)), title[head.end() :]
            entries.append(_TocEntry(number, title.strip(" .")))
        else:
            in_toc = False
    return toc_lines, entries


def _next_is_toc_entry(lines: list[Line], i: int) -> bool:
    for line in lines[i + 1 : i + 4]:
        if line.text:
            return bool(TOC_LEADER_ENTRY.match(line.text) or TOC_PLAIN_ENTRY.match(line.text))
    return False


def parse_minutes(lines: list[Line], source: str = "") -> MinutesResult | None:
    """The meeting a minutes/agenda text describes, or None when it has no agenda items.

    `source` (a path or URL) is only read for a date when the text's heading has none: web pages
    such as ballerup.dk/dagsorden/<committee>-<dd-mm-yyyy> put the date in the address."""
    lines = clean_minutes_lines(lines)
    toc_lines, toc = find_toc(lines)
    headings = find_item_headings(lines, toc_lines, {fold_key(e.title) for e in toc})
    if len(headings) <= 3:
        # Few numbered headings may be numbered points inside items printed without numbers
        # (sermersooq.gl: "1. HHWJ orienterede …" under "Sagsfremstilling"): the reading with
        # clearly more items wins.
        meeting_page = item_number_in_source(source) is not None or bool(_AGENDA_ADDRESS.search(source)) or any(
            re.match(r"^(?:Mødedato|Dato|Mødested)\s*:", line.text) for line in lines[:40]
        )
        unnumbered = find_unnumbered_items(lines, toc_lines, meeting_page)
        if not headings or len(unnumbered) >= 2 * len(headings) + 2:
            headings = unnumbered
        if len(headings) == 1 and (number := item_number_in_source(source)) is not None:
            headings[0].number = number  # kk.dk/…/referat/punkt-10: one item, its number only in the address
    if not headings:
        return _meeting_without_item_text(lines, toc_lines, source)
    warnings: list[str] = []
    first = headings[0]
    header_end = first.header_end if first.header_end is not None else first.index
    header = [line for i, line in enumerate(lines[:header_end]) if i not in toc_lines and i != first.index]
    title = next((line.text for line in header if line.text), None)

    items: list[AgendaItem] = []
    closed = False
    supplementary_next = False
    case_above = _case_numbers_above(lines, headings)
    unnumbered = first.form == "unnumbered"
    for k, heading in enumerate(headings):
        end = headings[k + 1].index if k + 1 < len(headings) else len(lines)
        if k + 1 < len(headings) and case_above[k + 1] is not None:
            end = case_above[k + 1][0]
        body = [line for j, line in enumerate(lines[heading.body_start : end], heading.body_start) if j not in toc_lines]
        body, trailing_markers = _split_trailing_markers(body)
        item, closed = _parse_item(heading, body, closed, toc, k, warnings)
        if item.case_number is None and case_above[k] is not None:
            item.case_number = case_above[k][1]
        if unnumbered and item.decision is None and (short := _decision_as_the_only_text(item)) is not None:
            item.decision, item.outcome = short, classify_outcome(short)
        item.supplementary = item.supplementary or supplementary_next
        items.append(item)
        # A marker standing right before the next heading belongs to that item.
        supplementary_next = False
        for marker in trailing_markers:
            if CLOSED_MARKER.match(marker):
                closed = True
            elif OPEN_MARKER.match(marker):
                closed = False
            elif SUPPLEMENTARY.match(marker):
                supplementary_next = True

    for heading, item in zip(headings, items):
        if not heading.confirmed and heading.form != "unnumbered":
            warnings.append(f"Item {item.number} ({item.title}): no case number, section or decision follows the heading; kept as an item.")
    _check_numbering(items, warnings)
    _check_toc(items, toc, warnings)

    decision_headings = [
        sec.heading for item in items for sec in item.sections if sec.heading and S.section_role(sec.heading) == S.DECISION
    ]
    committee = find_committee(header, source, decision_headings)
    if committee is None:
        warnings.append("No committee name found in the document's heading.")
    meeting_date = find_meeting_date(header)
    start_time = find_start_time(header)
    if meeting_date is None and (meeting_date := date_in_source(source)):
        warnings.append(f"No meeting date in the heading; used the date in the document's name ({meeting_date.isoformat()}).")
    if meeting_date is None:
        # A dated decision heading ("Beslutning i Byrådet den 29-06-2016") names the meeting's day;
        # otherwise the first date of a whole document, but never the body of a page of one item
        # without a number (it mentions other dates): that page keeps no date.
        dates = [d for heading in decision_headings for d, _ in find_dates(heading)]
        if not dates and first.form != "unnumbered":
            dates = [d for d, _ in find_dates("\n".join(line.text for line in lines))]
        if dates:
            meeting_date = dates[0]
            warnings.append(f"No meeting date in the heading; used the first date in the text ({meeting_date.isoformat()}).")
        elif any(h.confirmed for h in headings) and (
            first.form == "unnumbered" or _calls_itself_minutes(header) or _AGENDA_ADDRESS.search(source)
        ):
            warnings.append("No meeting date anywhere in the document.")
        else:
            return None
    for item in items:
        item.positions = read_positions(item.decision)
    has_decisions = any(item.decision for item in items)
    is_minutes = has_decisions or any(re.search(r"\breferat\b", line.text, re.I) for line in header[:5])
    if is_minutes:
        for item in items:
            if item.decision is None:
                warnings.append(f"Item {item.number} ({item.title}) has no decision.")
    meeting = Meeting(
        committee=committee or "",
        date=meeting_date,
        start_time=start_time,
        location=find_location(header),
        participants=parse_attendance(header, _attendance_texts(items), minutes=is_minutes),
        items=items,
    )
    return MinutesResult(meeting, "minutes" if is_minutes else "agenda", title, warnings)


def _meeting_without_item_text(lines: list[Line], toc_lines: set[int], source: str) -> MinutesResult | None:
    """A page that is a meeting's minutes or agenda by its header (it calls itself Referat or
    Dagsorden, names the body and the day) but holds none of its items' text: the list of items
    only, or attendance before a cut. The meeting is kept, with its attendance and a warning."""
    head = [line for i, line in enumerate(lines[:80]) if i not in toc_lines]
    if not _calls_itself_minutes(head) or _lists_meetings(head) or any("Nyhed" in line.text for line in head[:4]):
        return None  # a news page about a meeting ("Hjem > Nyheder > Byrådet har besluttet") is no minutes
    committee = find_committee(head, source, [])
    meeting_date = find_meeting_date(head) or date_in_source(source)
    if committee is None or meeting_date is None:
        return None
    is_minutes = any(re.search(r"\b(?:referat|beslutning)", line.text, re.I) for line in head[:25])
    meeting = Meeting(
        committee=committee, date=meeting_date, start_time=find_start_time(head), location=find_location(head),
        participants=parse_attendance(head, [], minutes=is_minutes), items=[],
    )  # fmt: skip
    warning = f"{NOT_READ_AS_MINUTES}: the meeting is kept without items."
    title = next((line.text for line in head if line.text), None)
    return MinutesResult(meeting, "minutes" if is_minutes else "agenda", title, [warning])


# An address that says the page is part of an agenda or minutes ("…/agenda_item/…", "ShowAgenda.asp").
_AGENDA_ADDRESS = re.compile(r"agenda|dagsorden|referat|moede|møde|m%c3%b8de|edoc", re.IGNORECASE)


def _calls_itself_minutes(head: list[Line]) -> bool:
    return any(_MINUTES_WORDS.search(line.text[:300]) for line in head[:25] if line.text)


def _lists_meetings(head: list[Line]) -> bool:
    """An index of meetings ("Referat Økonomiudvalget tirsdag den 7. september 2010" line after
    line), not one meeting."""
    dated = [line.text for line in head if line.text and _MINUTES_WORDS.search(line.text) and find_dates(line.text)]
    return len(set(dated)) >= 3


# How a document that looks like minutes but yielded no agenda item says so (counted by `stats`).
NOT_READ_AS_MINUTES = "This looks like minutes or an agenda, but no agenda item could be read"
_MINUTES_WORDS = re.compile(r"\b(?:referat|dagsorden|beslutningsprotokol|mødedato|mødested|beslutninger fra mødet)\b", re.IGNORECASE)


def looks_like_minutes(lines: list[Line]) -> bool:
    """A document that calls itself minutes or an agenda near its top, names a body that meets, or
    has decision headings: when no item was read from it, the user should hear about it."""
    # A header line is short: only its start is read, so a page that is one 50 MB line costs no more.
    head = [line.text[:300] for line in lines[:40] if line.text][:15]
    named = any(_MINUTES_WORDS.search(text) for text in head) and any(find_committees(text) for text in head)
    decisions = sum(
        1 for line in lines
        if line.text and S.may_be_heading(line.text) and S.section_heading(line.text) and S.section_role(line.text) == S.DECISION
    )  # fmt: skip
    return named or decisions >= 2


def _case_numbers_above(lines: list[Line], headings: list[Heading]) -> list[tuple[int, str] | None]:
    """A case number standing alone right above a heading belongs to that item (SBSYS prints the
    KLE number first: "85.02.02-G01-5-17" / "131. Godkendelse af dagsorden")."""
    out: list[tuple[int, str] | None] = []
    for heading in headings:
        j = heading.index - 1
        while j >= 0 and not lines[j].text:
            j -= 1
        number = any_case_number_in_line(lines[j].text) if j >= 0 and heading.form != "title_first" else None
        out.append((j, number) if number and not find_dates(lines[j].text) else None)
    return out


def _split_trailing_markers(body: list[Line]) -> tuple[list[Line], list[str]]:
    end = len(body)
    markers: list[str] = []
    while end > 0:
        text = body[end - 1].text
        if not text:
            end -= 1
            continue
        if CLOSED_MARKER.match(text) or OPEN_MARKER.match(text) or _is_bare_supplementary(text):
            markers.insert(0, text)
            end -= 1
            continue
        break
    return body[:end], markers


def _is_bare_supplementary(text: str) -> bool:
    return bool(SUPPLEMENTARY.match(text)) and not SUPPLEMENTARY.sub("", text).strip()


def _parse_item(
    heading: Heading, body: list[Line], closed: bool, toc: list[_TocEntry], position: int, warnings: list[str]
) -> tuple[AgendaItem, bool]:
    title = heading.title
    supplementary = False
    case_number = None
    if SUPPLEMENTARY.match(title):
        supplementary, title = True, SUPPLEMENTARY.sub("", title).strip()
    if m := _CLOSED_SUFFIX.search(title):
        closed_item, title = True, title[: m.start()]
    else:
        closed_item = False
    if m := _TITLE_CASE_SUFFIX.search(title):
        case_number, title = m.group("number"), title[: m.start()].strip()
    if m := _TITLE_CASE_PREFIX.match(title):  # "BR 263/07. Garanti for lån …" (København's old protocol)
        case_number, title = m.group("number"), title[m.end() :]
    title = _TITLE_LEFTOVERS.sub("", title)

    if heading.status and heading.status.casefold().startswith("lukket"):
        closed_item = True
    toc_title = _toc_title_for(heading, toc, position)
    title, i = _whole_title(heading, title, body, toc_title)

    sections: list[Section] = []
    label_waiting = False
    pre: list[Line] = []
    current: tuple[str, list[Line]] | None = None
    for line in body[i:]:
        text = line.text
        if current is None:
            if not text:
                pre.append(line)
                continue
            if SUPPLEMENTARY.match(text) and _is_bare_supplementary(text):
                supplementary = True
                continue
            if CLOSED_MARKER.match(text):
                closed_item = True
                continue
            if _OPEN_ITEM.match(text):
                continue  # "Åben" (aalborg.dk): the item's status, not its text
            if case_number is None and sum(1 for p in pre if p.text) <= 2 and (number := case_number_in_line(text)):
                case_number = number
                continue
            if case_number is None and len(pre) < 8 and (number := case_number_label_in_line(text)):
                case_number = number  # "Sagsnr.: 330-2018-3619 Dok.nr.: 330-2018-500301 Åbent" (a field row)
                continue
            if case_number is None and label_waiting and (number := case_number_in_line(f"Sagsnr. {text}")):
                case_number, label_waiting = number, False  # "SAGSNR" / "08/0112": the value under its label
                continue
            if case_number is None and len(pre) < 8 and CASE_LABEL_ALONE.match(text):
                label_waiting = True
                continue
        heading_text, inline = _line_heading(text, current) if text else (None, None)
        if heading_text is not None:
            if current is not None:
                sections.append(_section(current))
            current = None if fold_key(heading_text) in S.WRAPPER_HEADINGS else (heading_text, [inline] if inline else [])
            continue
        if current is None:
            pre.append(line)
        else:
            current[1].append(line)
    if current is not None:
        sections.append(_section(current))
    if lead := join_block(pre):
        sections.insert(0, Section("", lead))

    item = AgendaItem(
        number=heading.number,
        title=title,
        case_number=case_number,
        supplementary=supplementary,
        closed=closed or closed_item,
        sections=sections,
    )
    _derive_fields(item, warnings)
    if toc_title and fold_key(toc_title) != fold_key(title):
        warnings.append(
            f"Item {item.number}: the heading '{title}' differs from the table of contents '{toc_title}'; kept the heading."
        )
    return item, closed


def _line_heading(text: str, current: tuple[str, list[Line]] | None) -> tuple[str | None, Line | None]:
    """The section heading a line of an item's body opens, and the text standing on it.

    "Beslutning: Godkendt." on one line, as web pages print it, opens a section; other "Label:
    value" lines ("Sagsforløb: BY", "Fraværende: X", "Kompetence: Byrådet") are fields. Every
    line of every item passes here: the cheap tests (length, a colon) decide which checks run."""
    n = len(text)
    if n <= 140 and S.may_be_heading(text) and (heading := S.section_heading(text)):
        return heading, None
    if text == "Referat":
        return text, None  # eDoc item pages print the decision under "Referat"
    colon = text.find(":", 0, 141)
    if colon > 0:
        if (found := S.inline_section(text)) and S.section_role(found[0]) in _INLINE_ROLES:
            return found[0], Line(found[1])
    elif n <= 120 and (current is None or S.section_role(current[0]) != S.PREVIOUS) and S.body_and_date_line(text):
        return text, None  # "Plan- og Teknikudvalget, 06-10-2020, pkt. 88" heads that body's decision
    return None, None


def _whole_title(heading: Heading, title: str, body: list[Line], toc_title: str | None) -> tuple[str, int]:
    """The title joined over the lines it wraps onto, and where the item's body starts.

    The title goes on over lines that follow without a blank line, or, guided by the table of
    contents, over the next block ("Punkt 3 Title" wrapped over two or three lines). A title found
    above its sections (an item without a number) is one line."""
    if heading.form == "unnumbered":
        return title, 0
    i = 0
    if not title:  # "Punkt 3" alone: the title is on the next line
        while i < len(body) and not body[i].text:
            i += 1
        if i < len(body) and not _ends_title(body[i].text):
            title, i = body[i].text, i + 1
    while i < len(body) and body[i].text and not _ends_title(body[i].text) and len(body[i].text) <= 150:
        candidate = f"{title} {body[i].text}"
        if toc_title and not _fits_toc(candidate, toc_title):
            break
        title, i = candidate, i + 1
    if toc_title:
        j = i
        while j < len(body) and not body[j].text:
            j += 1
        while j < len(body) and body[j].text and not _ends_title(body[j].text):
            candidate = f"{title} {body[j].text}"
            if not _fits_toc(candidate, toc_title):
                break
            title, j = candidate, j + 1
            i = j
    return title, i


def _ends_title(text: str) -> bool:
    return bool(
        text.startswith(("- ", "• ", "* ", "– "))
        or text == "Referat"
        or _LETTERED_GROUP.match(text)
        or RECORD_FIELD.match(text)
        or case_number_label_in_line(text)
        or CASE_LABEL_ALONE.match(text)
        or S.inline_section(text)
        or S.section_heading(text)
        or case_number_in_line(text)
        or LABELLED_CASE_RE.match(text)
        or SUPPLEMENTARY.match(text)
        or CLOSED_MARKER.match(text)
        or len(text) > 200
    )


def _fits_toc(candidate: str, toc_title: str) -> bool:
    """Whether a title joined so far is the start of its table-of-contents title (typos allowed)."""
    want, got = fold_key(toc_title), fold_key(candidate)
    if want.startswith(got):
        return True
    return len(got) <= len(want) and SequenceMatcher(None, want[: len(got)], got).ratio() >= 0.9


def _toc_title_for(heading: Heading, toc: list[_TocEntry], position: int) -> str | None:
    """The table-of-contents title of an item: by number where the TOC prints numbers, otherwise
    the entry the heading starts like (duplicated or missing items must not shift the pairing)."""
    numbered = [e for e in toc if e.number == heading.number]
    if numbered:
        return numbered[0].title
    if not toc or any(e.number is not None for e in toc):
        return None
    if not heading.title:
        return toc[position].title if position < len(toc) else None
    # The entry at the same position usually is the one; then one that starts like the heading;
    # only then the fuzzy comparison (a typo in the heading), which is the slow one.
    if position < len(toc) and _fits_toc(heading.title, toc[position].title):
        return toc[position].title
    key = fold_key(heading.title)
    for entry in toc:
        if fold_key(entry.title).startswith(key):
            return entry.title
    for entry in toc:
        if _fits_toc(heading.title, entry.title):
            return entry.title
    return None


def _section(current: tuple[str, list[Line]]) -> Section:
    heading, lines = current
    return Section(heading, join_block(lines))


def _derive_fields(item: AgendaItem, warnings: list[str]) -> None:
    """Fill recommendation, decision, outcome, decided_by, attachments, earlier treatments and
    budget references from the sections."""
    decisions: list[str] = []
    for section in item.sections:
        role = S.section_role(section.heading) if section.heading else None
        if role == S.RECOMMENDATION and item.recommendation is None and section.text:
            item.recommendation = repair_numbered_points(section.text)
        elif role == S.DECISION and section.text:
            decisions.append(section.text)
        elif role == S.DECIDED_BY and item.decided_by is None and section.text:
            bodies = find_committees(section.text)
            item.decided_by = canonical_committee(bodies[0].group(0) if bodies else section.text.split("\n")[0])
        elif role == S.ATTACHMENTS:
            item.attachments.extend(_attachment_titles(section.text))
        elif role == S.PREVIOUS:
            treatments, unread = parse_previous_treatments(section.text)
            item.previous_treatments.extend(treatments)
            for line in unread:
                warnings.append(f"Item {item.number}: could not read the earlier treatment '{line}'.")
    if decisions:
        item.decision = decisions[-1]  # with several ("Beslutning i Økonomiudvalget …"), the last is this meeting's
        item.outcome = classify_outcome(item.decision)

    texts = [item.title] + [s.text for s in item.sections if S.section_role(s.heading) not in {S.ATTACHMENTS, S.DECIDED_BY}]
    item.budget_refs = find_budget_refs("\n".join(texts))


def _decision_as_the_only_text(item: AgendaItem) -> str | None:
    """sermersooq.gl's meeting pages give each item one "Sagsfremstilling" holding one short
    sentence, which is the decision ("Indstillingen godkendes.", "Udvalget afviser ansøgningen.")."""
    headed = [s for s in item.sections if s.heading]
    if len(headed) != 1 or fold_key(headed[0].heading) != "sagsfremstilling":
        return None
    text = headed[0].text.strip()
    if not text or len(text) > 150 or "indstill" in text or "forelægge" in text or "\n" in text:
        return None
    return text if classify_outcome(text) not in (Outcome.OTHER, None) else None


_ATTACHMENT_COUNT = re.compile(r"^(?:\d+|ingen|intet)\s+bilag\.?$|^ingen\.?$|^-$", re.I)


def _attachment_titles(text: str) -> list[str]:
    titles = []
    for line in text.split("\n"):
        line = line.strip().lstrip("•-* ").strip()
        if line and not _ATTACHMENT_COUNT.match(line):
            titles.append(line)
    return titles


def _check_numbering(items: list[AgendaItem], warnings: list[str]) -> None:
    seen: set[int] = set()
    for previous, item in zip([None, *items], items):
        if item.number is None:
            continue
        if item.number in seen:
            warnings.append(f"Item number {item.number} appears more than once.")
        elif previous is not None and previous.number is not None and item.number != previous.number + 1:
            warnings.append(f"Item {item.number} follows item {previous.number}; numbers are not consecutive.")
        seen.add(item.number)


def _check_toc(items: list[AgendaItem], toc: list[_TocEntry], warnings: list[str]) -> None:
    if toc and len(toc) != len(items):
        warnings.append(f"The table of contents lists {len(toc)} items but the document has {len(items)}.")


_ATTENDANCE_WORDS = re.compile("fravær|afbud|fremmøde|deltag|til stede|stedfortræder", re.IGNORECASE)


_MEMBER_LIST = re.compile(r"(?:^|\n)(?:Medlemmer|Deltagere)\s*:?\s*\n")  # a member list inside a page's first item


def _about_attendance(text: str) -> bool:
    return _ATTENDANCE_WORDS.search(text) is not None


def _attendance_texts(items: list[AgendaItem]) -> list[str]:
    """Item text that may say who attended: every decision (København puts "Fraværende med afbud"
    in item 1's), and the whole of an item or section about attendance ("1. Fraværende")."""
    texts = []
    for item in items:
        if _about_attendance(item.title):
            texts.extend(section.text for section in item.sections)
            continue
        for section in item.sections:  # every decision: the first body's may hold the attendance
            heading = section.heading
            if heading and (S.section_role(heading) == S.DECISION or heading[:1] in "FADfad" and _about_attendance(heading)):
                texts.append(section.text)
    if items:  # a member list in a page's first item (sermersooq.gl prints it under the first heading)
        texts.extend(s.text for s in items[0].sections if _MEMBER_LIST.search(s.text))
    return texts
