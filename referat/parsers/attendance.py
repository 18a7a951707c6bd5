"""Who attended: present and absent people, by name, without party, role or status words.

Minutes print attendance in many ways, in the header and often in the first item's decision too:
- a label and a list: "Mødedeltagere: A (V), B (A)", "Fraværende: X, Y", "Afbud: X (Løsgænger)",
  "Ikke til stede: X (C)", "Fraværende (med afbud):" with one name per line under it;
- one line a person: "Name (A) (borgmester) - Deltog" / "- Afbud" (Ballerup's web pages), a
  "Navn | Status" table with "Deltog"/"Afbud" cells (the header row is not a person);
- "(Fravær)" after a name in a member list;
- sentences: "Der er afbud fra X, Y og Z.", "X var fraværende.", "Medlemmerne var mødt, bortset fra
  X og Y", "X havde meldt afbud", "I stedet mødte Y", "Y mødte som stedfortræder for X", "Suppleant
  for X".
A person named absent anywhere is absent; one listed as a member and nowhere absent is present
(in an agenda, whose member list says nothing about the meeting, presence stays unknown).
"""

from __future__ import annotations

import re

from referat.model import Participant
from referat.parsers.text import Line

_PRESENT_LABELS = (
    r"I mødet deltog|Følgende deltog|Mødedeltagere|Deltagere|Indkaldelse|Indkaldte|Til stede i øvrigt|Til stede|Tilstede|Fremmødte|Medlemmer|Udvalgsmedlemmer|Derudover deltog|"
    r"Øvrige deltagere|Desuden deltog|Endvidere deltog|Deltog(?=\s*:)|Mødeliste"  # not "Deltog ikke under punkt 20"
)
_ABSENT_LABELS = (
    r"Følgende havde meldt afbud|Følgende var fraværende|Afbud\s*/\s*Fraværende|Fraværende\s*\(?(?:med|uden)\s+afbud\)?|Afbud fra|Afbud|Fraværende|Fravær|Ikke til stede|Ikke mødt|"
    r"Forfald"
)
_LABEL = re.compile(rf"^(?:(?P<absent>{_ABSENT_LABELS})|(?P<present>{_PRESENT_LABELS}))\s*(?::|\s?-\s|(?=\s)|$)\s*(?P<rest>.*)$", re.I)
_INLINE_PRESENT_IN_ITEM = re.compile(r"^(?:Til stede i øvrigt|I mødet deltog|Følgende deltog|Desuden deltog|Endvidere deltog)\b", re.I)
_STOP_LABEL = re.compile(
    r"^(?:Bemærkninger|Mødested|Sted|Dato|Mødedato|Tidspunkt|Starttidspunkt|Sluttidspunkt|Indholdsfortegnelse|Indhold|"
    r"Dagsorden|Punkter|Referat|Sager|Lokale|Mødelokale|Note|Noter)\b",
    re.I,
)
_ABSENT_WORDS = re.compile(r"^(?:fravær|fraværende|afbud|meldt afbud|deltog ikke|ikke til stede|ikke mødt|forfald|syg|ferie)$", re.I)
_PRESENT_WORDS = re.compile(r"^(?:deltog|til stede|mødt|tilstede|deltager|fremmødt)$", re.I)
_PARTY = re.compile(r"^(?:[A-ZÆØÅ]{1,2}|UP|LA|Løsgænger|[A-ZÆØÅ][a-zæøå]+(?:\s[A-Za-zæøå]+)?(?:partiet|listen|demokraterne|lige|alternativet|venstre))$")
_ROLE_PREFIX = re.compile(
    r"^(?:(?:\d\.\s*)?(?:viceborgmester|næstformand|formand|borgmester|overborgmester|rådmand|regionsrådsformand|udvalgsformand|"
    r"kommunaldirektør|direktør|sekretær|referent|suppleant|stedfortræder|medlem|kommunalbestyrelsesmedlem|byrådsmedlem))\s+",
    re.I,
)
_ROLE_WORDS = re.compile(r"^(?:formand|næstformand|borgmester|viceborgmester|sekretær|referent|\d\.\s*viceborgmester)$", re.I)
_NOT_A_NAME = re.compile(
    r"\b(?:sag|sager|punkt|pkt|ingen|alle|der|kl|mødet|møde|udvalg\w*|kommune\w*|byråd\w*|afbud|fraværende|bilag|dagsorden\w*|"
    r"status|navn|deltog|referat|behandling\w*|ferie|sygdom|orlov|mødte|var|havde|i stedet|efter|under|fra|til)\b",
    re.I,
)
# Sentences about attendance, anywhere. Names *after* a phrase: "afbud fra X, Y og Z", "bortset
# fra X", "I stedet mødte Y", "suppleant for X". Names *before* a phrase ("X og Y var fraværende",
# "X havde meldt afbud", "Y mødte som stedfortræder") are read back to the sentence's start; no
# pattern here nests quantifiers, so a hostile page cannot make one backtrack for long.
# A run of names up to the sentence's end; an initial's full stop ("Anne V. Kristensen") is no end.
_NAME_RUN = r"(?:[^.;:\n]|(?<=\s[A-ZÆØÅ])\.)"
_NAMES_AFTER = [
    # "Afbud fra X stedfortræder Y" (hvidovre.dk): the run ends where the substitute is named.
    (re.compile(rf"\b(?:der\s+(?:er|var)\s+)?afbud\s+fra\s+(?P<names>{_NAME_RUN}{{1,400}}?)(?=\s+(?:stedfortræder|suppleant)\s|(?<!\s[A-ZÆØÅ])\.|[;:\n]|$)", re.I), False),
    (re.compile(r"\b(?i:afbud\s+fra)\s+[^.;:\n]{1,200}?\s(?i:stedfortræder|suppleant)\s+(?!for\b)(?P<names>[A-ZÆØÅ][\w\-]*\.?(?:[ ]+[A-ZÆØÅ][\w\-]*\.?){0,4})"), True),
    (re.compile(rf"\b(?:bortset\s+fra|undtagen)\s+(?P<names>{_NAME_RUN}{{1,400}}?)(?:,\s*der\s+havde\s+meldt\s+afbud|(?<!\s[A-ZÆØÅ])\.|;|:|\n|$)", re.I), False),
    (re.compile(r"\b(?i:suppleant|stedfortræder)\s+for\s+(?P<names>[A-ZÆØÅ][\w\-]*\.?(?:[ ]+[A-ZÆØÅ][\w\-]*\.?){0,4})"), False),
    (re.compile(r"\bsuppleant\s+(?P<names>[A-ZÆØÅ][\w\-]*\.?(?:[ ]+[A-ZÆØÅ][\w\-]*\.?){0,4})\s+var\s+indkaldt,\s+men\s+mødte\s+ikke", re.I), False),
    (re.compile(r"\b(?i:I\s+stedet)\s+(?:mødte|deltog)\s+(?P<names>[^.;:\n]{1,300})"), True),
    (re.compile(r"\bI\s+stedet\s+for\s+[A-ZÆØÅ][\w\-]*(?:[ ]+[A-ZÆØÅ][\w\-]*){0,4}\s+(?:mødte|deltog)\s+(?P<names>[^.;:\n]{1,200})"), True),
    (re.compile(r"\bI\s+stedet\s+for\s+(?P<names>[A-ZÆØÅ][\w\-]*(?:[ ]+[A-ZÆØÅ][\w\-]*){0,4})\s+(?:mødte|deltog)\b"), False),
    (re.compile(r"\((?:[Ss]tedfortræder|[Ss]uppleant)\s*:?\s+(?P<names>[A-ZÆØÅ][\w.\-]*(?:\s+[A-ZÆØÅ][\w.\-]*){0,4})\)"), True),
]
_GLUED_SENTENCE = re.compile(r"(?<=[a-zæøå])\.(?=[A-ZÆØÅ][a-zæøå])")  # "…Petersen.Rådmand Jane …"
_NAMES_BEFORE = [
    (re.compile(r"\s(?:var|er)\s+fraværende\b"), False),
    (re.compile(r"\s(?:havde|har)\s+meldt\s+afbud\b"), False),
    (re.compile(r"\sudeblev\b"), False),
    (re.compile(r"\s(?:mødte|deltog)\s+(?:som\s+stedfortræder|i\s+stedet)\b"), True),
    (re.compile(r"\s(?:ankom|forlod\s+mødet)\b"), True),  # came late or left early: attended
    (re.compile(r"\sdeltog\s+ikke\s+i\s+(?:behandlingen|sagens\s+behandling)\b"), True),  # attended, not that item
    (re.compile(r",\s+(?i:i\s+stedet)\s+(?:deltog|mødte)\b"), False),  # "Mogens Raun, i stedet deltog Peder Aaby"
]
_SENTENCE_START = re.compile(r"(?:[.!?:;]\s|\n|\bi\s+stedet\s+(?:mødte|deltog)\s|,\s+og\s)", re.I)
_TRAILING_NAME = re.compile(r"(?:[A-ZÆØÅ][\w.\-]*\s+){1,4}[A-ZÆØÅ][\w.\-]*(?:\s*\([^()]{1,40}\))?\s*$")
_MAY_HOLD_SENTENCE = re.compile("afbud|fraværende|bortset fra|undtagen|i stedet|stedfortræder|suppleant|udeblev|ankom|forlod mødet|deltog ikke", re.IGNORECASE)
_MAY_HOLD_LABEL = re.compile(
    r"(?:^|\n)\s*(?:afbud|fravær|ikke til stede|ikke mødt|forfald|i mødet deltog|følgende|medlemmer\s*:?\s*\n|deltagere\s*:?\s*\n)", re.IGNORECASE
)
_TABLE_HEADER = re.compile(r"^Navn\s*(?:\t|\|)\s*(?:Status|Fremmøde|Deltagelse)", re.I)
_TABLE_RULE = re.compile(r"^[\s|:\-]+$")  # "|---|---|" under a Markdown table's header


def parse_attendance(header: list[Line], item_texts: list[str], minutes: bool) -> list[Participant]:
    """Attendance from the header's lists and tables, and sentences in the header or the items."""
    people: dict[str, Participant] = {}
    _read_lists(header, minutes, people)
    for text in [line.text for line in header] + item_texts:
        if text and _MAY_HOLD_SENTENCE.search(text):
            _read_sentences(_GLUED_SENTENCE.sub(". ", text), people)
    for text in item_texts:
        if _MAY_HOLD_LABEL.search(text):  # "I mødet deltog:" / "Følgende havde meldt afbud:" lists in a decision
            _read_lists([Line(line.strip()) for line in text.split("\n")], True, people, in_item=True)
    return list(people.values())


def _read_lists(header: list[Line], minutes: bool, people: dict[str, Participant], in_item: bool = False) -> None:
    """Labelled lists, one name a line or several on the label's line, and status tables. In an
    item's text only lists under an attendance label count, and only absences on the label's line."""
    default: bool | None = None
    collecting = False
    table = False
    misses = 0  # lines in a row under a label that name nobody: two end the list
    for line in header:
        text = line.text.strip(" •*-|")
        if not text or _TABLE_RULE.match(text):
            continue
        if _TABLE_HEADER.match(text):
            collecting, table, default = True, True, True if minutes else None
            continue
        if (m := _LABEL.match(text)) and not (in_item and m.group("present") and m.group("rest").strip(" |:") and not _INLINE_PRESENT_IN_ITEM.match(text)):
            absent = m.group("absent") is not None
            rest = m.group("rest").strip(" |:")
            if absent and rest and collecting and default and not in_item and not people and _add_flattened_columns(people, rest):
                collecting = False  # "Medlemmer:" / "Fraværende: A (A) B (V) … B"
                continue
            default = False if absent else (True if minutes else None)
            collecting, table, misses = not rest, False, 0
            # "Fraværende: X (V) - Y (V) mødte som stedfortræder.": the list ends at the dash (the
            # sentence after it is read as a sentence); "X (V) - Afbud" is a status and stays.
            rest = _DASH_BEFORE_A_NAME.split(rest, maxsplit=1)[0]
            if rest and not re.fullmatch(r"(?:ingen|-|intet)\.?", rest, re.I):
                _add_all(people, rest, default)
            continue
        if not collecting:
            if text.endswith(":") and len(text) <= 40 and default is not None and not in_item:
                collecting = True  # "Fra forvaltningen:" – a group of the same list
            continue
        if _STOP_LABEL.match(text) or (len(text) > 300 and text.count(",") < 3):  # a long line is prose, unless a list
            collecting = table = False
            continue
        if text.endswith(":") and len(text) <= 40:
            continue  # "Borgerrepræsentanter:" heads a group of the list
        if table:
            cells = [c.strip() for c in re.split(r"\t|\|", text) if c.strip()]
            if cells:
                status = cells[1] if len(cells) > 1 else ""
                present = False if _ABSENT_WORDS.match(status) else True if _PRESENT_WORDS.match(status) else default
                _add_all(people, cells[0], present)
            continue
        if _add_all(people, text, default) or re.fullmatch(r"(?:ingen|intet|-)\.?", text, re.I):
            misses = 0
        else:
            misses += 1
            collecting = misses < 2


_ROLE_LABEL = re.compile(r"(?:\b\d\.\s*)?\b(?:Borgmester|Viceborgmester|Formand|Næstformand|Udvalgsformand)\s*:\s*", re.I)


_DASH_BEFORE_A_NAME = re.compile(r"(?<=\))\s+[-–]\s+(?=[A-ZÆØÅ][a-zæøå]+\s+[A-ZÆØÅ])")


def _add_flattened_columns(people: dict[str, Participant], text: str) -> bool:
    """A members | absent table whose two headers and cells were flattened into one line: the
    members come first, then the absent column repeats the names of the members who were absent.
    Without a repeated name it is an ordinary absence list, and nothing is added."""
    found = participants_in(_ROLE_LABEL.sub(", ", text), True)
    keys = [person.name.casefold() for person in found]
    if len(set(keys)) == len(keys):
        return False
    for key, person in zip(keys, found):
        if key in people:
            people[key].present = False
        else:
            people[key] = person
    return True


def _read_sentences(text: str, people: dict[str, Participant]) -> None:
    for pattern, present in _NAMES_AFTER:
        for m in pattern.finditer(text):
            _add_all(people, m.group("names"), present, sentence=True)
    for pattern, present in _NAMES_BEFORE:
        for m in pattern.finditer(text):
            chunk = text[max(0, m.start() - 400) : m.start()]
            starts = [b.end() for b in _SENTENCE_START.finditer(chunk)]
            chunk = chunk[starts[-1] :] if starts else chunk
            people_found = participants_in(chunk, present, sentence=True)
            if not people_found and (tail := _TRAILING_NAME.search(chunk[-120:])):
                people_found = participants_in(tail.group(0), present, sentence=True)  # "… (C) Gitte Hald (A)"
            for person in people_found:
                _add_all(people, _format(person), present, sentence=True)


def _format(person: Participant) -> str:
    return person.name + (f" ({person.party})" if person.party else "")


def _add_all(people: dict[str, Participant], text: str, present: bool | None, sentence: bool = False) -> int:
    """Add the people `text` names; how many it named."""
    found = participants_in(text, present, sentence)
    for person in found:
        key = person.name.casefold()
        known = people.get(key)
        if known is None:
            people[key] = person
            continue
        known.party = known.party or person.party
        known.role = known.role or person.role
        if person.present is False or known.present is None:
            known.present = person.present
    return len(found)


def participants_in(text: str, present: bool | None, sentence: bool = False) -> list[Participant]:
    """The people a list names: "A (V), B (A) (Fravær) og C", "Name (A) - Afbud"."""
    out: list[Participant] = []
    parts = _split_top_level(text)
    for token in parts:
        for piece in _split_on_and(token):
            piece = piece.strip(" .;:")
            if not piece:
                continue
            if _ROLE_WORDS.match(piece) and out:
                out[-1].role = out[-1].role or piece.lower()
                continue
            if person := _participant(piece, present):
                out.append(person)
    return out


def _split_on_and(token: str) -> list[str]:
    """"A og B" is two people; "(centerchef for By, Erhverv og Miljø)" is one role."""
    masked = _PARENS.sub(lambda m: "\x00" * len(m.group(0)), token)
    pieces, start = [], 0
    for m in _AND.finditer(masked):
        pieces.append(token[start : m.start()])
        start = m.end()
    pieces.append(token[start:])
    return pieces


# A comma not inside "(…)", or the space after a party when names run on without commas:
# "Henrik Iversen (C) Gitte Hald (A)".
_TOP_LEVEL_SEPARATOR = re.compile(r"[,;](?![^()]*\))|(?<=\))\s+(?=[A-ZÆØÅ][a-zæøå]+\s+[A-ZÆØÅ])")


def _split_top_level(text: str) -> list[str]:
    """Split on commas and semicolons outside parentheses; "Name, A, (ferie)" stays one person."""
    parts = _TOP_LEVEL_SEPARATOR.split(text)
    # "Anette Holst, A, (ferie)": a party letter or a reason after a comma belongs to the name before.
    merged: list[str] = []
    for part in parts:
        bare = part.strip()
        if merged and (re.fullmatch(r"[A-ZÆØÅ]{1,2}|\([^)]*\)|[a-zæøå][a-zæøå .]*|sag\s[\d\s\-–,og]+|(?:\d\.\s*)?(?:viceborgmester|næstformand|formand)", bare)):
            merged[-1] += "," + part
        else:
            merged.append(part)
    return merged


_PARENS = re.compile(r"\([^()]*\)")
_PARENS_INNER = re.compile(r"\(([^()]*)\)")
_AND = re.compile(r"\s+(?:og|samt)\s+")
_PARTY_LETTER = re.compile(r"[A-ZÆØÅ]{1,2}")
_STATUS_AFTER = re.compile(r"(?:\s+[-–]|:)\s+(?P<word>[A-Za-zæøåÆØÅ ]+)(?=\s*(?:\(|$))")


def _participant(token: str, present: bool | None) -> Participant | None:
    # "Name (A) - Deltog" / "Name - Afbud" / "Name: Deltog", and "Name (A), ferie" / "Name, A, (sygdom)"
    if m := _STATUS_AFTER.search(token):
        word = m.group("word").strip()
        if _ABSENT_WORDS.match(word):
            present, token = False, token[: m.start()]
        elif _PRESENT_WORDS.match(word):
            present, token = True, token[: m.start()]
    party = role = None
    for group in _PARENS_INNER.findall(token):
        value = group.strip()
        if _PARTY.match(value):
            party = party or value
        elif _ABSENT_WORDS.match(value):
            present = False
        elif _PRESENT_WORDS.match(value):
            present = True
        elif value:
            role = role or value
    name = _PARENS.sub("", token)
    pieces = [p.strip() for p in name.split(",")]
    name = pieces[0]
    for extra in pieces[1:]:
        if _PARTY_LETTER.fullmatch(extra):
            party = party or extra
    if m := _ROLE_PREFIX.match(name):
        role = role or m.group(0).strip().lower()
        name = name[m.end() :]
    name = " ".join(name.split()).strip(" -–.:")
    if not _looks_like_a_name(name):
        return None
    return Participant(name=name, party=party, role=role, present=present)


def _looks_like_a_name(name: str) -> bool:
    words = name.split(" ")
    if not (2 <= len(words) <= 6) or len(name) > 60 or any(ch.isdigit() for ch in name):
        return False
    if _NOT_A_NAME.search(name):
        return False
    return all(w[:1].isupper() or w in {"von", "van", "de", "la", "af", "du", "le", "el", "bin"} for w in words)
