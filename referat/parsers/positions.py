"""Who took which position in a decision, and the vote counts where the minutes print them.

A decision names its dissenters in a few families of phrasing (`docs/positions.md` lists them):
- a subject before a verb: "Ø stemte imod", "Et mindretal (Ø) stemte imod", "Enhedslisten kan ikke
  tiltræde indstillingen", "C og I undlader at stemme", "V tog forbehold", "A begærede sagen i
  byrådet", "A, B, F og Ø stemte for", "Peter Hansen (V) stemte imod";
- the same with the subject after the verb: "Derfor stemte V imod", "undlod C at stemme";
- a label and a list: "Imod stemte: A, O og Ø", "For stemte: 41 (A, B, C)", "Undlod: C",
  "Hverken for eller imod: …", "For: 3 (Anne Holm (A), …)";
- a phrase that names them after it: "med forbehold fra O", "sagen begæres i Kommunalbestyrelsen af F";
- the counts: "vedtaget med 20 stemmer mod 5", "med 7 stemmer for og 2 imod", "3 stemte for, 4
  imod, 1 undlod", "forkastet med 3 stemmer (V, O) mod 4 (A, F, Ø)".
Only a party or a person counts as a subject: "Udvalget ønsker sagen behandlet i byrådet",
"Forvaltningen tager forbehold", "under forbehold af finansiering" and "Ingen stemte imod" name no one.
A kind is relative to what the sentence put to the vote: in "Forslaget blev forkastet med 3 stemmer
(V, O) mod 4", V and O voted for the proposal that fell.

The text is read sentence by sentence; a sentence without a trigger word is passed over before any
party or name is looked for, and a decision without one returns at once.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import NamedTuple

from referat.model import Position, PositionKind, Positions

AGAINST, ABSTAIN, RESERVATION, TO_COUNCIL, FOR = (
    PositionKind.AGAINST,
    PositionKind.ABSTAIN,
    PositionKind.RESERVATION,
    PositionKind.TO_COUNCIL,
    PositionKind.FOR,
)

# Party names and the abbreviations used for them (Folketing style: SF, EL, DF …), by list letter.
# An article may stand before a name ("Det Radikale Venstre", "De Konservative"). A single capital
# letter is a list letter as printed (local lists have their own letters).
PARTY_LETTERS: dict[str, str] = {
    "Socialdemokratiet": "A", "Socialdemokraterne": "A",
    "Radikale Venstre": "B", "Radikale": "B", "RV": "B",
    "Konservative Folkeparti": "C", "Konservative": "C", "KF": "C",
    "Nye Borgerlige": "D", "NB": "D",
    "Socialistisk Folkeparti": "F", "SF": "F",
    "Liberal Alliance": "I", "LA": "I",
    "Kristendemokraterne": "K", "Kristeligt Folkeparti": "K", "KD": "K",
    "Moderaterne": "M",
    "Dansk Folkeparti": "O", "DF": "O",
    "Frie Grønne": "Q", "FG": "Q",
    "Slesvigsk Parti": "S",
    "Venstre": "V",
    "Danmarksdemokraterne": "Æ", "DD": "Æ",
    "Enhedslisten": "Ø", "EL": "Ø",
    "Alternativet": "Å", "ALT": "Å",
}  # fmt: skip


_FOLDED_PARTIES = {name.casefold(): letter for name, letter in PARTY_LETTERS.items()}


def party_letter(name: str) -> str | None:
    """A party's list letter from the letter itself ("ø" → "Ø") or a name this module knows
    ("Enhedslisten" → "Ø"); None for anything else."""
    name = " ".join(name.split())
    if 1 <= len(name) <= 2 and name.isalpha():
        return name.upper()
    return _FOLDED_PARTIES.get(name.casefold())


_PARTY_NAMES = "|".join(re.escape(n) for n in sorted(PARTY_LETTERS, key=len, reverse=True))
_GENITIVE = r"(?:'s|’s|s)?"
_WORD = r"[A-ZÆØÅ][a-zæøåéèëüöäá]+(?:-[A-ZÆØÅa-zæøå][a-zæøåéèëüöäá]+)*"
_INITIAL = r"[A-ZÆØÅ]\."
_TITLE = r"(?:(?:Borgmester|Viceborgmester|Overborgmester|Rådmand|Udvalgsformand|Næstformand|Formand|Regionsrådsformand|Byrådsmedlem|Medlem)(?:en)?\s+)?"
_PARTY_IN_PARENS = rf"\((?:[A-ZÆØÅ]{{1,3}}|{_PARTY_NAMES}|Løsgænger|[^()]{{1,40}})\)"
_PERSON = (
    rf"(?:{_WORD}|{_INITIAL})(?:\s+(?:{_WORD}|{_INITIAL}|von|van)){{0,4}}\s+{_WORD}"
    rf"|{_WORD}(?=\s*\((?:[A-ZÆØÅ]{{1,3}}|{_PARTY_NAMES})\))"  # "Hansen (V)"
)
# One party or person. Tried in this order: a party name, a person (with a party in parentheses),
# a list letter ("Liste F", "Ø's"). Only a capital, "de(t)" or "liste" can start one.
_ACTOR = re.compile(
    rf"(?<![\w\-])(?=[A-ZÆØÅdl])(?:"
    rf"(?:[Dd]e[t]?\s+)?(?P<party>{_PARTY_NAMES}){_GENITIVE}(?:\s*\([A-ZÆØÅ]{{1,3}}\))?"
    rf"|{_TITLE}(?P<name>{_PERSON})(?:\s*(?P<pp>{_PARTY_IN_PARENS}))?"
    rf"|(?:[Ll]iste(?:rne|n)?\s+)?(?P<letter>[A-ZÆØÅ])(?:'s|’s)?"
    rf")(?![\w\-])"
)
# Words a person's name does not hold: a party ("Både Venstre og Ø" is no person), a body or a thing
# ("Teknisk Forvaltning", "Byrådet"), and, first, a word that opens a sentence or a clause.
_PARTY_WORDS = frozenset(word for name in PARTY_LETTERS for word in name.split())
_NOT_A_NAME_WORD = re.compile(
    r"(?i:forvaltning|udvalg|afdeling|direktion|kommune|byråd|bestyrelse|sekretariat|center|centret|styrelse|ministeri"
    r"|indstilling|beslutning|forslag|sagen|punkt|bilag|lokalplan|område|administration)"
)
_NOT_FIRST = frozenset(
    "Både Herefter Derefter Dernæst Endvidere Desuden Derudover Samtidig Derfor Dog Men Også Endelig Hvor Da Når Idet "
    "Mens Ved Efter For Imod Undlod Godkendt Vedtaget Anbefales Tiltrådt Mindretallet Flertallet".split()
)
_WORDS = re.compile(r"\S+")

# What may stand between two parties of one list, before the verb after a list, and between a label
# and the list after it.
_BETWEEN = re.compile(r"\s*(?:,\s*(?:og|samt)?|og|samt|&|/)\s*")
_BEFORE_VERB = re.compile(
    r"\s*\)?\s*(?:,\s*(?:der|som)\s+)?(?:(?:\d+|to|tre|fire|fem|seks|begge|alle|de)\s+)?"
    r"(?:(?:byråds|udvalgs|kommunalbestyrelses)?medlem\w*|repræsentant\w*|gruppe\w*|byrådsgruppe\w*)?\s*"
)
_AFTER_LABEL = re.compile(r"\s*\(?\s*")
# What a list letter that opens a subject may follow: punctuation, or a word that opens a clause.
_LETTER_MAY_FOLLOW = re.compile(
    r"(?:[(,;:.!?–-]|(?<!\w)(?i:og|samt|idet|at|mens|men|dog|da|hvor|hvorefter|hvorimod|derfor|af|fra|endvidere|desuden|herefter|også|således|kun|alene|blot|netop|ligeledes))\s*$"
)

_N = r"\d{1,3}|[Ee]n|[Éé]n|[Ee]t|[Éé]t|to|tre|fire|fem|seks|syv|otte|ni|ti|elleve|tolv"
_NUMBER_WORDS = {w: k for k, w in enumerate("nul en to tre fire fem seks syv otte ni ti elleve tolv".split())} | {"én": 1, "et": 1, "ét": 1}
_COUNCIL = r"(?i:byråd|kommunalbestyrelse|borgerrepræsentation|regionsråd)\w*"
_TO_COUNCIL_TAIL = (
    rf"(?:sagen|beslutningen)\s+(?:(?:behandlet|forelagt|indbragt|optaget|afgjort|sendt|videresendt)\s+)?"
    rf"(?:til\s+(?:behandling|afgørelse)\s+)?(?:(?:i|for|til|på)\s+)?(?:det\s+)?{_COUNCIL}"
)
_LABEL_AT = r"(?:^|[,;:]\s*)"
_LABEL_COUNT = rf"\s*:?\s*(?:(?P<n>{_N})\b\s*(?:medlem\w*|stemmer)?\s*:?)?"  # "For stemte 3 medlemmer:"


class _Rule(NamedTuple):
    """A phrasing: where its subject stands, the words one of which a sentence must hold for it to
    be tried (lower case), and the pattern. `kind` None: the group `how` tells ("stemte V imod").
    A "before" or "inside" pattern starts with plain words, without a leading \\b, so that the
    regex engine can skip to its first letters; the reader checks that a match starts a word."""

    kind: PositionKind | None
    subject: str  # "before" the match, "inside" it (the group `mid`), or "after" it
    gate: tuple[str, ...]
    pattern: re.Pattern[str]


_RULES: list[_Rule] = [
    # "Ø stemte imod", "Enhedslisten kan ikke tiltræde indstillingen", "V og O var imod"
    _Rule(AGAINST, "before", ("imod", "mod ", "nej", "ikke"), re.compile(
        r"(?:stemte|stemmer|stemmede|har\s+stemt|vil\s+stemme|ville\s+stemme)\s+(?:imod|mod|nej)\b"
        r"|(?:er|var)\s+imod\b"
        r"|(?:ønsker|ønskede|fik)\s+(?:sin|sine|deres)\s+stemmer?\s+imod\b"
        r"|(?:kan|kunne)\s+ikke\s+(?:tiltræde|godkende|anbefale|støtte|tilslutte\s+sig|gå\s+ind\s+for|medvirke\s+til)\b"
        r"|(?:tiltræder|tiltrådte|godkender|godkendte|anbefaler|anbefalede|støtter|støttede)\s+ikke\b"
        r"|(?:tilslutter|tilsluttede)\s+sig\s+ikke\b"
        r"|(?:ønsker|ønskede)\s+ikke\s+at\s+(?:tiltræde|godkende|anbefale|støtte)\b")),
    # "C og I undlader at stemme", "Peter Hjorth (V) stemte hverken for eller imod"
    _Rule(ABSTAIN, "before", ("undl", "afstod", "hverken", "blank"), re.compile(
        r"(?:undlod|undlader|har\s+undladt|afstod\s+fra)(?:\s+at\s+stemme\b|(?=\s*[.,;)]|\s*$|\s+(?:og|men|mens|idet)\b))"
        r"|(?:stemte|stemmer)\s+(?:hverken\s+for\s+eller\s+imod|blankt)\b")),
    # "V tog forbehold", "Dansk Folkeparti tager forbehold for …", "C forbeholder sig …"
    _Rule(RESERVATION, "before", ("forbehold",), re.compile(
        r"(?:tog|tager|har\s+taget|havde\s+taget)\s+(?:et\s+|sit\s+|sine\s+|deres\s+)?(?:generelt\s+)?forbehold\b"
        r"|forbeholder\s+sig\b")),
    # "A begærede sagen i byrådet", "C ønsker sagen behandlet i byrådet", "kræver sagen forelagt
    # byrådet", "Ø begærer, at sagen behandles i kommunalbestyrelsen", "V standsede beslutningen"
    _Rule(TO_COUNCIL, "before", ("sagen", "beslutningen", "stands"), re.compile(
        rf"(?:begærede|begærer|har\s+begæret|vil\s+begære|ønsker|ønskede|kræver|krævede|forlanger|forlangte|indbringer|indbragte)\s+{_TO_COUNCIL_TAIL}"
        rf"|(?:begærer|begærede|ønsker|ønskede|kræver|krævede|forlanger|forlangte),?\s+at\s+sagen\s+(?:behandles|forelægges|indbringes|afgøres|sendes)\s+(?:(?:i|for|til|på)\s+)?{_COUNCIL}"
        r"|(?:standsede|standser|har\s+standset)\s+(?:udvalgets\s+)?(?:beslutning(?:en)?|sagen)\b")),
    # "A, B, F og Ø stemte for"
    _Rule(FOR, "before", ("stem",), re.compile(r"(?:stemte|stemmer|stemmede|har\s+stemt)\s+(?:for|ja)\b(?!\s+eller)")),
    # The subject after the verb: "Derfor stemte V og O imod", "undlod C at stemme", "tog V forbehold",
    # "med V's forbehold", "Anbefales mod Ø's stemme".
    _Rule(None, "inside", ("stemte", "stemmer"), re.compile(
        r"(?:stemte|stemmer)\s+(?P<mid>[^.;:\n]{1,120}?)\s+(?P<how>imod|nej|for|hverken\s+for\s+eller\s+imod)\b")),
    _Rule(ABSTAIN, "inside", ("undl",), re.compile(r"(?:undlod|undlader)\s+(?P<mid>[^.;:\n]{1,120}?)\s+at\s+stemme\b")),
    _Rule(RESERVATION, "inside", ("forbehold",), re.compile(r"(?:tog|tager|med)\s+(?P<mid>[^.;:\n]{1,120}?)\s+forbehold\b")),
    _Rule(AGAINST, "inside", ("mod ",), re.compile(r"mod\s+(?P<mid>[^.;:\n\d]{1,80}?)\s+stemme(?:r|n|rne)?\b")),
    # A label and the list after it; a vote label may carry its count: "For stemte: 41 (A, B, C)",
    # "Imod stemte 8 medlemmer: A, B, F og Ø", "Hverken for eller imod: …", "Undlod: C".
    _Rule(FOR, "after", ("for stemte", "for:", "ja:"), re.compile(rf"{_LABEL_AT}(?i:for\s+stemte|for(?=\s*:)|ja(?=\s*:)){_LABEL_COUNT}")),
    _Rule(AGAINST, "after", ("imod stemte", "imod:", "nej:"), re.compile(rf"{_LABEL_AT}(?i:imod\s+stemte|imod(?=\s*:)|nej(?=\s*:)){_LABEL_COUNT}")),
    _Rule(ABSTAIN, "after", ("undl", "hverken", "blank"), re.compile(
        rf"{_LABEL_AT}(?i:undl(?:od|ader)\s+at\s+stemme|hverken\s+for\s+eller\s+imod(?:\s+stemte)?|undl(?:od|ader)(?=\s*:)|blanke?(?=\s*:)){_LABEL_COUNT}")),
    # "med forbehold fra O", "Forbehold: V", "forbehold blev taget af C"
    _Rule(RESERVATION, "after", ("forbehold",), re.compile(
        rf"\b(?:med|under)\s+forbehold\s+fra\s+|{_LABEL_AT}(?i:forbehold)\s*:\s*|\bforbehold\s+(?:blev\s+)?taget\s+af\s+")),
    # "Sagen begæres i Kommunalbestyrelsen af F", "Sagen blev begæret i Byrådet af …"
    _Rule(TO_COUNCIL, "after", ("begær", "kræve", "ønske", "indbr"), re.compile(
        rf"\b(?:(?i:sagen)\s+(?:blev\s+|er\s+)?)?(?:begæres|begæret|begæredes|kræves|krævet|ønskes|indbringes|indbragt|indbragtes)\s+"
        rf"(?:(?:behandlet|forelagt|indbragt|optaget|afgjort)\s+)?(?:(?:i|for|til|på)\s+)?(?:det\s+)?{_COUNCIL}\s+af\s+")),
]
_HOW = {"imod": AGAINST, "nej": AGAINST, "for": FOR, "hverken": ABSTAIN}
_COUNT_AFTER_LIST = re.compile(r"\s*\)?\s*\((\d{1,3})\)")  # "For stemte: A, B og F (12)"
# A second verb shares the first one's subject: "Ø kunne ikke støtte forslaget og begærede sagen i byrådet".
_AND_BEFORE = re.compile(r"(?:,\s*|\s)(?:og|samt)\s+$")

# Counts: "med 20 stemmer mod 5", with the parties of each side in parentheses; then the counts
# printed one by one, outside such a phrase: "7 stemmer for og 2 imod", "3 stemte for, 4 imod, 1 undlod".
_COUNT_GATE = ("stem", "imod", "mod ", "undl", "hverken", "blank")
_GROUP = r"\((?P<g{k}>(?:[^()]|\([^()]*\)){{1,400}})\)"
_N_MOD_M = re.compile(
    rf"(?P<n1>{_N})\s+stemmer?\s*(?:{_GROUP.format(k=1)}\s*)?i?mod\s+(?P<n2>{_N})\b(?:\s+stemmer?)?\s*(?:{_GROUP.format(k=2)})?"
)
_REJECTED = re.compile(r"\b(?:forkast\w*|afvist|afvises|afviste|nedstemt\w*|faldt|bortfaldt|ikke\s+(?:vedtaget|godkendt|tiltrådt|anbefalet))\b", re.I)
_VOTE = r"(?:stemmer?|stemte|medlem(?:mer)?(?:\s+stemte)?)"
_COUNTS: list[tuple[PositionKind, re.Pattern[str]]] = [
    (FOR, re.compile(rf"(?<!\w)(?P<n>{_N})\s+{_VOTE}\s+for\b(?!\s+eller)|(?<!\w)(?P<m>\d{{1,3}})\s+for(?=\s*(?:,|og)\s*\d{{1,3}}\s+i?mod\b)")),
    (AGAINST, re.compile(rf"(?<!\w)(?P<n>{_N})\s+(?:{_VOTE}\s+(?:i?mod|nej)|imod)\b")),
    (ABSTAIN, re.compile(
        rf"(?<!\w)(?P<n>{_N})\s+(?:{_VOTE}\s+)?(?:(?:der|som)\s+)?(?:undl(?:od|ader|adelse)\w*|(?:stemte\s+)?hverken\s+for\s+eller\s+imod|(?:stemte\s+)?blank\w*)")),
]
_DIGITS = re.compile(r"\d+")
_NUMBER_WORD = re.compile(rf"(?<!\w)(?:{_N})(?!\w)")

# The gate words of all phrasings; a decision is read only if it holds one of the shortest of them
# (a word that holds another is left out of that first test).
_GATES = tuple(sorted({word for rule in _RULES for word in rule.gate} | set(_COUNT_GATE)))
_TRIGGER_WORDS = tuple(word for word in _GATES if not any(other != word and other in word for other in _GATES))

# A sentence ends at . ! ? before a capital, a digit or a quote; not after an initial in a name
# ("Anne V. Kristensen") or an abbreviation ("pkt. 3").
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-ZÆØÅ0-9\"“(])")
_NO_END_AFTER = re.compile(r"(?:\b[A-ZÆØÅ][a-zæøå]+\s+[A-ZÆØÅ]\.|\b(?i:pkt|nr|jf|stk|kr|ca|bl\.a|f\.eks|evt|mio|mia|inkl|ekskl|vedr|ang|iflg|jvf)\.)$")


def positions(decision_text: str | None) -> Positions:
    """The positions and vote counts a decision text records; empty when it records none."""
    result = Positions()
    if not decision_text:
        return result
    lowered = decision_text.lower()
    if not any(word in lowered for word in _TRIGGER_WORDS):
        return result
    seen: set[tuple[PositionKind, str | None, str | None]] = set()
    vote: dict[PositionKind, int] = {}
    last_vote: dict[PositionKind, int] = {}
    for sentence in _sentences(decision_text):
        lowered = sentence.lower()
        gates = frozenset(word for word in _GATES if word in lowered)
        if not gates:
            continue
        found, counted = _read_sentence(sentence, lowered, gates)
        for kind, party, name in found:
            if (kind, party, name) not in seen:
                seen.add((kind, party, name))
                result.positions.append(Position(kind=kind, party=party, name=name, quote=sentence))
        if counted:
            if any(kind in vote for kind in counted):
                vote = {}  # a count printed again: another vote
            vote.update(counted)
            last_vote = vote
    result.votes_for = last_vote.get(FOR)
    result.votes_against = last_vote.get(AGAINST)
    result.votes_abstain = last_vote.get(ABSTAIN)
    return result


def _sentences(text: str) -> list[str]:
    """Sentences with their whitespace folded; a label alone on its line ("For stemte:") takes the next line."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split()).strip(" •*-–")
        if not line:
            continue
        if lines and lines[-1].endswith(":") and len(lines[-1]) <= 40:
            lines[-1] += " " + line
        else:
            lines.append(line)
    out: list[str] = []
    for line in lines:
        start = 0
        for m in _SENTENCE_END.finditer(line):
            end = m.start() + 1
            if not _NO_END_AFTER.search(line, max(start, end - 30), end):
                out.append(line[start:end])
                start = m.end()
        out.append(line[start:])
    return out


_Actor = tuple[int, int, str | None, str | None]  # start, end, party, name


class _Actors(NamedTuple):
    """The parties and people of a sentence in printed order, with their starts and ends to bisect."""

    items: list[_Actor]
    starts: list[int]
    ends: list[int]

    def within(self, start: int, end: int) -> list[_Actor]:
        i = bisect_left(self.starts, start)
        return self.items[i : bisect_right(self.ends, end, lo=i)]


def _read_sentence(
    sentence: str, lowered: str, gates: frozenset[str]
) -> tuple[list[tuple[PositionKind, str | None, str | None]], dict[PositionKind, int]]:
    """The positions one sentence records, in printed order, and the counts it prints; `gates` are
    the gate words it holds."""
    hits: list[tuple[int, PositionKind, list[_Actor]]] = []
    counted: dict[PositionKind, int] = {}
    actors: _Actors | None = None
    verbs: list[tuple[int, int, PositionKind]] = []  # subject-before matches, read in printed order below
    for rule in _RULES:
        if gates.isdisjoint(rule.gate):
            continue
        for m in rule.pattern.finditer(sentence):
            if rule.subject != "after" and m.start() and sentence[m.start() - 1].isalnum():
                continue  # "bestemte for": not a word of its own
            if rule.subject == "before":
                verbs.append((m.start(), m.end(), rule.kind))
                continue
            if actors is None:
                actors = _actors(sentence)
            if rule.subject == "inside":
                kind = rule.kind or _HOW[m.group("how").split()[0].lower()]
                if run := _run_exactly(actors, sentence, m.start("mid"), m.end("mid")):
                    hits.append((run[0][0], kind, run))
                continue
            if m.groupdict().get("n"):
                counted[rule.kind] = _number(m.group("n"))
            if run := _run_after(actors, sentence, m.end()):
                hits.append((run[0][0], rule.kind, run))
                if rule.kind in (FOR, AGAINST, ABSTAIN) and (c := _COUNT_AFTER_LIST.match(sentence, run[-1][1])):
                    counted[rule.kind] = int(c.group(1))
    if verbs:
        if actors is None:
            actors = _actors(sentence)
        previous: tuple[int, list[_Actor]] | None = None  # the last verb's end and its subject
        for start, end, kind in sorted(verbs, key=lambda verb: verb[0]):
            run = _run_before(actors, sentence, start)
            if not run and previous and _AND_BEFORE.search(sentence, max(previous[0], start - 12), start):
                if not actors.within(previous[0], start):
                    run = previous[1]
            if run:
                hits.append((start, kind, run))
                previous = (end, run)
    if not gates.isdisjoint(_COUNT_GATE) and (numbers := _numbers_at(sentence, lowered)):
        _read_counts(sentence, numbers, counted, hits, actors if actors is not None else _actors(sentence))
    hits.sort(key=lambda hit: hit[0])
    return [(kind, party, name) for _, kind, run in hits for _, _, party, name in run], counted


def _numbers_at(sentence: str, lowered: str) -> list[int]:
    """Where the numbers of a sentence start: digits, and number words ("med fem stemmer mod to")."""
    at = [m.start() for m in _DIGITS.finditer(sentence)]
    if not _NUMBER_WORDS.keys().isdisjoint(word.strip(".,;:()") for word in lowered.split()):
        at.extend(m.start() for m in _NUMBER_WORD.finditer(sentence))
    return sorted(set(at))


def _read_counts(
    sentence: str, numbers: list[int], counted: dict[PositionKind, int], hits: list[tuple[int, PositionKind, list[_Actor]]], actors: _Actors
) -> None:
    """Counts printed as numbers: "med 20 stemmer mod 5 (V)", "7 stemmer for og 2 imod", "1 undlod"."""
    taken = 0  # the end of the last "N stemmer mod M": the numbers in it are read
    for at in numbers:
        if at < taken:
            continue
        if m := _N_MOD_M.match(sentence, at):
            taken = m.end()
            first, second = _number(m.group("n1")), _number(m.group("n2"))
            sides = [(FOR, first, "g1"), (AGAINST, second, "g2")]
            if first > second and _REJECTED.search(sentence, max(0, at - 150), at):
                sides = [(AGAINST, first, "g1"), (FOR, second, "g2")]  # "forkastet med 4 stemmer mod 3"
            for kind, count, group in sides:
                counted[kind] = count
                if m.group(group) and (run := actors.within(m.start(group), m.end(group))):
                    hits.append((run[0][0], kind, run))
            continue
        for kind, pattern in _COUNTS:
            if kind not in counted and (m := pattern.match(sentence, at)):
                counted[kind] = _number(m.group("n") or m.group("m"))


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_WORDS[text.lower()]


def _actors(sentence: str) -> _Actors:
    """The parties and people a sentence names, in order."""
    out: list[_Actor] = []
    pos = 0
    while m := _ACTOR.search(sentence, pos):
        pos = m.end()
        if m.group("party"):
            out.append((m.start(), m.end(), PARTY_LETTERS[m.group("party")], None))
        elif m.group("letter"):
            out.append((m.start(), m.end(), m.group("letter"), None))
        else:
            name, at = m.group("name"), m.start("name")
            words = list(_WORDS.finditer(name))
            bad = next((i for i, w in enumerate(words) if _not_a_name_word(w.group(), i == 0)), None)
            if bad is None:
                out.append((m.start(), m.end(), _party(m.group("pp")), name))
                continue
            if bad >= 2:  # "Anne Holm Venstre": the name ends before the word that is none
                out.append((m.start(), at + words[bad - 1].end(), None, name[: words[bad - 1].end()]))
            again = bad or 1  # look again from the word that is none, or the one after a first word
            pos = at + (words[again].start() if again < len(words) else words[-1].end())
    return _Actors(out, [a[0] for a in out], [a[1] for a in out])


def _not_a_name_word(word: str, first: bool) -> bool:
    bare = word.removesuffix("'s").removesuffix("’s")
    return (
        bare in _PARTY_WORDS
        or bare.removesuffix("s") in _PARTY_WORDS
        or (first and bare in _NOT_FIRST)
        or _NOT_A_NAME_WORD.search(bare) is not None
    )


def _party(printed: str | None) -> str | None:
    """The list letter of a party printed in parentheses after a name; None for "(Løsgænger)", "(UFG)"."""
    if not printed:
        return None
    value = printed.strip("() ")
    if len(value) == 1 and value.isupper():
        return value
    return PARTY_LETTERS.get(value)


def _run_before(found: _Actors, sentence: str, at: int) -> list[_Actor]:
    """The list of parties that ends right before `at`: "Liste F og Ø| stemte imod"."""
    actors = found.items
    k = bisect_right(found.ends, at) - 1
    if k < 0 or not _BEFORE_VERB.fullmatch(sentence, actors[k][1], at):
        return []
    start = k
    while start > 0 and _BETWEEN.fullmatch(sentence, actors[start - 1][1], actors[start][0]):
        start -= 1
    first = actors[start]
    if first[3] is None and first[1] - first[0] <= 3 and first[0] and not _LETTER_MAY_FOLLOW.search(sentence, max(0, first[0] - 20), first[0]):
        return []  # "Beboerne i område B stemte imod": a letter after a noun is no list letter
    return actors[start : k + 1]


def _run_after(found: _Actors, sentence: str, at: int) -> list[_Actor]:
    """The list of parties that starts right after `at`: "Imod stemte: |A, O og Ø"."""
    actors = found.items
    k = bisect_left(found.starts, at)
    if k == len(actors) or not _AFTER_LABEL.fullmatch(sentence, at, actors[k][0]):
        return []
    end = k
    while end + 1 < len(actors) and _BETWEEN.fullmatch(sentence, actors[end][1], actors[end + 1][0]):
        end += 1
    return actors[k : end + 1]


def _run_exactly(found: _Actors, sentence: str, start: int, end: int) -> list[_Actor]:
    """The list of parties that fills `start`–`end` and nothing else: "stemte |V og O| imod"."""
    run = found.within(start, end)
    if not run or run[0][0] != start or run[-1][1] != end:
        return []
    if all(_BETWEEN.fullmatch(sentence, a[1], b[0]) for a, b in zip(run, run[1:])):
        return run
    return []
