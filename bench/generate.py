"""A synthetic archive for the search and link benchmarks: realistic minutes at any size, seeded.

`generate(n_items, seed)` yields `referat.model.Document`s in date order: minutes of ~12 committees
over 20 years (10-30 agenda items each) and one budget agreement a year ("Aftale om budget YYYY",
numbered points). What makes it realistic enough to measure search and linking on:

- **Text** is the samples' own sentences (samples/*.txt), recombined at shared function words
  ("at", "som", "til", ...), with inflected forms swapped among those the samples contain
  ("budgetopfølgning"/"budgetopfølgningen"), years and amounts varied, some items in the old "aa"
  spelling, hyphenated words and æøå as written. ~300-700 words an item.
- **Cases** carry KLE numbers (`15.00.00-P05-4-20`, facets such as `Ø00` and `000`). Some cases
  recur in the same committee (budget follow-ups) and some travel committee → Økonomiudvalget →
  Kommunalbestyrelsen ("Indstilles til godkendelse" twice, then "Godkendt"), each step listing
  its earlier treatments, which always name an item generated earlier (so they resolve).
- **Outcomes** follow a realistic mix; decision texts are the phrasings the parser classifies.
- **Budget references** quote "Aftale om budget 2019, punkt 5.3" (a point that exists) or the
  agreement as a whole.

`ensure_archive(n_items)` writes the documents into a real archive (SQLite store + tantivy index)
once, cached in `.bench/archive-<n>-g<GENERATOR_VERSION>/`, and reuses it afterwards.

    python -m bench.generate 100000        # build (or reuse) the 100,000-item archive
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from referat.model import (
    AgendaItem,
    BudgetAgreement,
    BudgetPoint,
    BudgetRef,
    Document,
    DocumentKind,
    Meeting,
    Outcome,
    Participant,
    Section,
    Treatment,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CACHE = ROOT / ".bench"
GENERATOR_VERSION = "3"  # bump when the output changes: cached archives are rebuilt
FIRST_YEAR, YEARS = 2005, 20

KB, OU = "Kommunalbestyrelsen", "Økonomiudvalget"
# committee → (meeting weight, KLE topics it files cases under, subjects its items deal with)
COMMITTEES: dict[str, tuple[float, list[str], list[str]]] = {
    KB: (1.3, ["00.01.00", "00.01.10", "00.22.00", "00.30.00"], ["kommunens styrelse", "valg til udvalg", "kommunalvalget"]),
    OU: (1.3, ["00.30.10", "00.30.14", "00.32.00", "81.00.00", "00.01.00"], ["budgetlægningen", "den økonomiske politik", "anlægsprogrammet", "digitaliseringsstrategien", "indkøbspolitikken"]),
    "Erhvervs- og Beskæftigelsesudvalget": (1.0, ["15.00.00", "15.20.00", "32.18.00", "24.10.00", "27.12.00", "00.30.14"], [
        "indsatser for ledige med ikke-vestlig baggrund", "sygedagpenge og jobafklaring", "virksomhedsservice",
        "ungeindsatsen", "fleksjob og løntilskud", "beskæftigelsesplanen", "erhvervsudvikling og turisme",
        "arbejdsgiverens sociale ansvar", "aktiveringsstrategien", "integrationsindsatsen", "jobcentrets drift"]),
    "Børne- og Skoleudvalget": (1.0, ["17.01.00", "17.02.00", "17.11.00", "28.00.00", "00.30.14"], [
        "skolestrukturen", "inklusion i folkeskolen", "skolernes kvalitetsrapport", "specialundervisning",
        "skolebuskørsel", "SFO-taksterne", "madordningen i daginstitutionerne", "dagtilbudsstrukturen", "ungdomsskolen"]),
    "Social- og Sundhedsudvalget": (1.0, ["27.24.00", "29.00.00", "29.30.00", "27.20.00", "00.30.14"], [
        "sundhedspolitikken", "forebyggelsesindsatsen", "misbrugsbehandlingen", "botilbud for voksne",
        "socialpsykiatrien", "genoptræningen", "hjemmesygeplejen"]),
    "Kultur- og Fritidsudvalget": (0.9, ["18.00.00", "18.15.00", "20.00.00", "20.12.00", "00.30.14"], [
        "folkeoplysningspolitikken", "bibliotekerne", "idrætsfaciliteterne", "frivillighedspolitikken",
        "kulturhuset", "musikskolen", "lokaletildelingen"]),
    "Teknik- og Miljøudvalget": (1.0, ["05.00.00", "05.01.08", "06.00.00", "07.00.00", "13.00.00", "00.30.14"], [
        "trafiksikkerhedsplanen", "vejvedligeholdelsen", "affaldsplanen", "spildevandsplanen",
        "vintertjenesten", "cykelstierne", "parkeringsstrategien", "kollektiv trafik"]),
    "Plan- og Boligudvalget": (0.9, ["01.02.05", "01.00.00", "02.00.00", "03.00.00", "00.30.14"], [
        "kommuneplanen", "lokalplanen for bymidten", "almene boliger", "byfornyelsen", "boligsociale helhedsplaner",
        "byggesagsbehandlingen"]),
    "Ældre- og Handicapudvalget": (0.9, ["27.20.00", "27.36.00", "29.09.00", "00.30.14"], [
        "plejeboligerne", "hjemmeplejen", "demensindsatsen", "handicappolitikken", "madservice til ældre",
        "aktivitetscentrene", "værdighedspolitikken"]),
    "Børne- og Ungeudvalget": (0.9, ["27.18.00", "28.00.00", "28.03.00", "27.12.00", "00.30.14"], [
        "udsatte børn og unge", "forebyggende foranstaltninger", "PPR", "familieafdelingen",
        "anbringelser", "sundhedsplejen"]),
    "Klima- og Miljøudvalget": (0.8, ["09.00.00", "09.02.00", "09.17.00", "06.02.00", "00.30.14"], [
        "klimaplanen", "naturbeskyttelsen", "jordforureningen", "klimatilpasningen", "grundvandsbeskyttelsen",
        "energirenoveringen"]),
    "Udvalget for Digitalisering og Innovation": (0.6, ["00.01.00", "00.05.00", "85.00.00", "00.30.14"], [
        "digitaliseringsstrategien", "velfærdsteknologien", "it-sikkerheden", "den digitale selvbetjening"]),
}
FACETS = ["G01", "P05", "P19", "P20", "A00", "K07", "S00", "G00", "P15", "Ø00", "000", "Å00"]
FACET_WEIGHTS = [12, 12, 6, 5, 8, 4, 5, 6, 4, 5, 6, 1]
# Outcome of an ordinary item (items in the committee → ØU → KB flow are set by the flow)
OUTCOMES = [
    (Outcome.APPROVED, 46), (Outcome.NOTED, 26), (Outcome.APPROVED_WITH_REMARKS, 6), (Outcome.POSTPONED, 5),
    (Outcome.REFERRED_BACK, 3), (Outcome.REJECTED, 3), (Outcome.OTHER, 4), (None, 2),
]
DECISIONS = {
    Outcome.APPROVED: ["Indstillingen godkendt", "Godkendt", "Tiltrådt", "Indstillingen tiltrådt", "Godkendt som indstillet"],
    Outcome.NOTED: ["Taget til efterretning", "Orienteringen taget til efterretning", "Sagen taget til efterretning"],
    Outcome.RECOMMENDED: ["Indstilles til godkendelse", "Anbefales godkendt", "Indstillingen anbefales godkendt"],
    Outcome.POSTPONED: ["Udsættes", "Udsat", "Sagen udsættes til næste møde"],
    Outcome.REFERRED_BACK: ["Undersøges. Ny sag forelægges.", "Sagen sendes tilbage til administrationen"],
    Outcome.REJECTED: ["Ikke godkendt", "Forkastet", "Indstillingen ikke godkendt"],
    Outcome.OTHER: ["Drøftet", "Drøftet. Administrationen arbejder videre med sagen.", "Udvalget drøftede sagen"],
}
MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"]
FIRST_NAMES = ["Anja", "Allan", "Dennis", "Jette", "Per", "Musa", "Sussie", "Johan", "Mette", "Lone", "Kim", "Henrik",
               "Birgit", "Søren", "Åse", "Jørgen", "Karina", "Ole", "Pia", "Niels", "Hanne", "Bjørn", "Louise", "Rasmus"]
LAST_NAMES = ["Holtze", "Kristensen", "Sørensen", "Rau", "Mortensen", "Kekec", "Wandel", "Müller", "Nielsen", "Jensen",
              "Hansen", "Pedersen", "Andersen", "Larsen", "Møller", "Aagaard", "Løkke", "Thomsen", "Poulsen", "Østergaard"]
PARTIES = "AAAAVVVCFØOBIÅ"
NEIGHBOURS = ["Høje-Taastrup", "Høje-Tåstrup", "Albertslund", "Herlev", "Furesø", "Egedal", "Gladsaxe", "Tårnby", "Aabenraa", "Aarhus"]
ORGS = ["Centrene for Arbejdsmarked samt By, Erhverv og Miljø", "Center for Økonomi og Personale", "Center for Skole",
        "Center for Social og Sundhed", "Center for Kultur og Fritid", "Center for Miljø og Teknik", "Direktionen"]
PIVOTS = frozenset("at som og til for med i på af der om fra når så hvor".split())
SECTION_SIZES = {  # heading → (min, max) sentences
    "Sammendrag": (2, 4),
    "Baggrund": (3, 7),
    "Sagsfremstilling": (7, 18),
    "Økonomiske konsekvenser og finansiering": (1, 4),
}
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
_AMOUNT = re.compile(r"\b\d{1,3},\d mio\. kr\.")


# ------------------------------------------------------------------------------------ vocabulary


@dataclass
class Vocabulary:
    """Sentences, titles and list lines of the samples, and variants of them."""

    sentences: list[str]
    economy: list[str]  # sentences with amounts, for Økonomiske konsekvenser
    bullets: list[str]
    titles: list[str]
    pivots: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # word → (sentence, word index)
    words: list[list[str]] = field(default_factory=list)

    def words_by_frequency(self) -> list[str]:
        counts: dict[str, int] = defaultdict(int)
        for s in self.sentences:
            for w in re.findall(r"[^\W\d_][\w-]*", s):
                counts[w.lower()] += 1
        return sorted(counts, key=lambda w: (-counts[w], w))


def _clean(line: str) -> str:
    line = re.sub(r"</?(?:b|i|u|strong|em)>", "", line)
    line = line.replace("**", "").replace("\\*", "*")
    line = re.sub(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])", r"\1", line)
    line = re.sub(r"<https?://[^>]*>|https?://\S+", "", line)
    return re.sub(r"\s+", " ", line).strip()


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    sentences: list[str] = []
    economy: list[str] = []
    bullets: list[str] = []
    titles: list[str] = []
    for path in sorted(SAMPLES.glob("*.txt")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            if "\t" in raw or not raw.strip():
                continue
            line = _clean(raw.lstrip("#").strip())
            if m := re.match(r"^Punkt \d+:\s*(.+)$", line):
                titles.append(m.group(1))
                continue
            if raw.lstrip().startswith("#"):
                title = re.sub(r"^[\d.]+\s*", "", line)
                if 3 <= len(title.split()) <= 12:
                    titles.append(title)
                continue
            if m := re.match(r"^(?:[-•]|\d{1,2}\.)\s+(.+)$", line):
                if 3 <= len(m.group(1).split()) <= 30:
                    bullets.append(m.group(1))
                line = m.group(1)
            for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÆØÅ\"])", line):
                n = len(s.split())
                if 6 <= n <= 60 and s[-1:] in ".!?:" and not s.startswith(("Side ", "Punkt ")):
                    (economy if _AMOUNT.search(s) else sentences).append(s)
    titles = sorted(set(titles), key=titles.index)
    vocab = Vocabulary(sentences, economy or sentences[:10], bullets, titles)
    vocab.words = [s.split(" ") for s in sentences]
    for i, words in enumerate(vocab.words):
        for j, w in enumerate(words):
            if 3 <= j <= len(words) - 4 and w in PIVOTS:
                vocab.pivots.setdefault(w, []).append((i, j))
    return vocab


@lru_cache(maxsize=1)
def inflections() -> dict[str, tuple[str, ...]]:
    """Word → the forms of it the samples contain ("budget" → budget, budgettet, budgetter ...)."""
    words = set(w for s in vocabulary().sentences for w in re.findall(r"[^\W\d_]{4,}", s.lower()))
    suffixes = ("en", "et", "er", "erne", "ene", "s", "ens", "ets", "e", "ne", "t", "te", "de", "r", "rne")
    groups: dict[str, tuple[str, ...]] = {}
    for w in sorted(words):
        forms = tuple(sorted({w, *(w + s for s in suffixes if w + s in words)}))
        if len(forms) > 1:
            for f in forms:
                groups[f] = forms
    return groups


# ------------------------------------------------------------------------------------ text


class Writer:
    """Builds sentences and sections; all randomness from one seeded `random.Random`."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.v = vocabulary()
        self.forms = inflections()
        variants = [self._variant(s) for s in self.v.sentences for _ in range(3)]
        self.pool = self.v.sentences + variants
        self.economy = self.v.economy + [self._variant(s) for s in self.v.economy]

    def _variant(self, sentence: str) -> str:
        """A sentence with some words in another inflected form and, rarely, a spelling variant."""
        rng = self.rng
        words = sentence.split(" ")
        for k in rng.sample(range(len(words)), k=min(3, len(words))):
            w = words[k]
            core = w.strip(".,;:!?\"()")
            forms = self.forms.get(core.lower())
            if forms:
                new = rng.choice(forms)
                if core[:1].isupper():
                    new = new[:1].upper() + new[1:]
                words[k] = w.replace(core, new)
        out = " ".join(words)
        if rng.random() < 0.05:
            out = out.replace("å", "aa")
        return out

    def sentence(self) -> str:
        rng = self.rng
        if rng.random() < 0.45:
            pivot = rng.choice(_PIVOT_CHOICES)
            places = self.v.pivots.get(pivot)
            if places and len(places) > 1:
                (a, i), (b, j) = rng.choice(places), rng.choice(places)
                return " ".join(self.v.words[a][:i] + self.v.words[b][j:])
        return rng.choice(self.pool)

    def paragraph(self, n: int, year: int) -> str:
        text = " ".join(self.sentence() for _ in range(n))
        return self._years(text, year)

    def _years(self, text: str, year: int) -> str:
        shift = year - 2020
        return _YEAR.sub(lambda m: str(min(2035, max(1995, int(m.group()) + shift))), text)

    def amount(self) -> str:
        return f"{self.rng.randint(0, 99)},{self.rng.randint(0, 9)} mio. kr."

    def economy_text(self, year: int) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            return rng.choice(["Ingen økonomiske konsekvenser.", "Sagen har ingen økonomiske konsekvenser.",
                               "Udgiften afholdes inden for udvalgets eksisterende budgetramme."])
        text = " ".join(rng.choice(self.economy) for _ in range(rng.randint(1, 3)))
        text = _AMOUNT.sub(lambda m: self.amount(), text)
        return self._years(text, year)

    def bullets(self, n: int) -> str:
        return "\n".join(f"- {self.rng.choice(self.v.bullets)}" for _ in range(n))


_PIVOT_CHOICES = sorted(PIVOTS)


def danish_date(d: date) -> str:
    return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"


def treatment_line(t: Treatment) -> str:
    return f"{t.body} den {danish_date(t.date)} Punkt {t.item_number}"


# ------------------------------------------------------------------------------------ the archive


@dataclass
class _Case:
    number: str
    title: str
    subject: str
    treatments: list[Treatment]
    stage: str  # "committee" | "ou" | "kb" | "open"
    due: date
    origin: str
    points: list[str]


@dataclass
class _Agreement:
    year: int
    points: list[tuple[str, str]]  # (point, title)


def _meeting_plan(n_items: int, rng: random.Random) -> list[tuple[date, str, int]]:
    """(date, committee, number of items) of every meeting, in date order, items summing to n_items."""
    counts: list[int] = []
    left = n_items
    while left > 0:
        counts.append(min(left, rng.randint(10, 30)))
        left -= counts[-1]
    names = list(COMMITTEES)
    weights = [COMMITTEES[c][0] for c in names]
    total_w = sum(weights)
    quotas = [len(counts) * w / total_w for w in weights]
    per_committee = [int(q) for q in quotas]
    by_remainder = sorted(range(len(names)), key=lambda i: (per_committee[i] - quotas[i], i))
    for i in by_remainder[: len(counts) - sum(per_committee)]:
        per_committee[i] += 1
    start, days = date(FIRST_YEAR, 1, 5), YEARS * 365
    meetings: list[tuple[date, str]] = []
    for name, m in zip(names, per_committee):
        taken: set[date] = set()
        step = days / max(1, m)
        for k in range(m):
            d = start + timedelta(days=int(k * step + rng.uniform(0, max(1.0, step * 0.6))))
            if d.month == 7:
                d = d.replace(day=1) + timedelta(days=31 + rng.randint(0, 10))
            while d.weekday() > 3 or d in taken:
                d += timedelta(days=1)
            taken.add(d)
            meetings.append((d, name))
    meetings.sort()
    assert len(meetings) == len(counts)
    return [(d, c, n) for (d, c), n in zip(meetings, counts)]


def generate(n_items: int, seed: int = 1) -> Iterator[Document]:
    """`n_items` agenda items in minutes, plus one budget agreement a year, in date order."""
    rng = random.Random(seed)
    writer = Writer(random.Random(seed * 7919 + 1))
    plan = _meeting_plan(n_items, rng)
    serials: dict[tuple[str, int], int] = defaultdict(int)
    open_cases: dict[str, list[_Case]] = defaultdict(list)
    pending = {"ou": [], "kb": []}
    agreements: dict[int, _Agreement] = {}
    rosters = {c: _roster(rng) for c in COMMITTEES}
    outcome_values = [o for o, _ in OUTCOMES]
    outcome_weights = [w for _, w in OUTCOMES]
    next_agreement_year = FIRST_YEAR
    doc_no = 0

    def new_case(committee: str, day: date) -> str:
        topic = rng.choice(COMMITTEES[committee][1])
        facet = rng.choices(FACETS, FACET_WEIGHTS)[0]
        yy = day.year % 100
        serials[(topic + facet, yy)] += 1
        return f"{topic}-{facet}-{serials[(topic + facet, yy)]}-{yy:02d}"

    for day, committee, n in plan:
        # the budget agreement for next year is made in the autumn
        while next_agreement_year <= FIRST_YEAR + YEARS - 1 and day >= date(next_agreement_year - 1, 10, 1):
            y = next_agreement_year
            agreement, doc = _budget_agreement(y, writer, rng, seed, doc_no)
            doc_no += 1
            agreements[y] = agreement
            next_agreement_year += 1
            yield doc
        items: list[AgendaItem] = []
        subjects = COMMITTEES[committee][2]
        number = 0

        def add(item: AgendaItem) -> None:
            items.append(item)

        # 1. Meddelelser
        if n >= 3 and rng.random() < 0.8:
            number += 1
            text = "\n".join(f"{k}. {writer.sentence()}" for k in range(1, rng.randint(2, 6)))
            add(AgendaItem(number, "Meddelelser", sections=[Section("", writer._years(text, day.year)),
                           Section("Beslutning", "Taget til efterretning")], decision="Taget til efterretning",
                           outcome=Outcome.NOTED, decided_by=committee))
        # cases sent on from the committees below
        stage = "ou" if committee == OU else "kb" if committee == KB else None
        if stage:
            queue = pending[stage]
            ready = [c for c in queue if c.due <= day][: max(0, int((n - number) * 0.6))]
            for case in ready:
                queue.remove(case)
                number += 1
                item = _item(writer, rng, committee, day, number, case, agreements)
                if stage == "ou":
                    item.outcome, item.decision = Outcome.RECOMMENDED, rng.choice(DECISIONS[Outcome.RECOMMENDED])
                    case.stage, case.due = "kb", day + timedelta(days=rng.randint(5, 20))
                    pending["kb"].append(case)
                else:
                    item.outcome = rng.choices([Outcome.APPROVED, Outcome.APPROVED_WITH_REMARKS, Outcome.REJECTED], [90, 8, 2])[0]
                    item.decision = "Godkendt" if item.outcome is Outcome.APPROVED else _decision(writer, rng, item.outcome, day.year)
                item.decided_by = KB
                _finish(item, committee, day)
                case.treatments.append(Treatment(committee, day, number))
                add(item)
        signature = n > 8 and rng.random() < 0.3  # the last item: approving the minutes, no case
        while number < n:
            number += 1
            if signature and number == n:
                add(AgendaItem(number, "Godkendelse af referat (underskriftside)", sections=[Section("Beslutning", "Godkendt")],
                               decision="Godkendt", outcome=Outcome.APPROVED, decided_by=committee))
                break
            closed = rng.random() < 0.02
            recurring = open_cases[committee]
            case = rng.choice(recurring) if recurring and rng.random() < 0.15 else None
            if case is not None and case.treatments and case.treatments[-1].date == day:
                case = None  # not twice in one meeting
            if case is not None:
                if rng.random() < 0.5:
                    recurring.remove(case)
            else:
                subject = rng.choice(subjects)
                case = _Case(new_case(committee, day), _title(writer, rng, committee, subject, day, agreements),
                             subject, [], "committee", day, committee, [])
                if rng.random() < 0.2:
                    recurring.append(case)
                    del recurring[:-30]
            item = _item(writer, rng, committee, day, number, case, agreements, closed=closed)
            sends_on = committee not in (KB, OU) and rng.random() < 0.11
            if committee == OU and rng.random() < 0.15:
                sends_on = True
            if sends_on:
                item.outcome, item.decision = Outcome.RECOMMENDED, rng.choice(DECISIONS[Outcome.RECOMMENDED])
                item.decided_by = KB
                flow = _Case(case.number, case.title, case.subject, list(case.treatments), "", day, committee, [])
                target = "kb" if committee == OU else "ou"
                flow.due = day + timedelta(days=rng.randint(7, 35))
                pending[target].append(flow)
                flow.treatments.append(Treatment(committee, day, number))
            else:
                item.outcome = rng.choices(outcome_values, outcome_weights)[0]
                item.decision = _decision(writer, rng, item.outcome, day.year) if item.outcome else None
                item.decided_by = committee
            item.supplementary = rng.random() < 0.02
            _finish(item, committee, day)
            case.treatments.append(Treatment(committee, day, number))
            add(item)
        yield _minutes(committee, day, items, rosters[committee], rng, seed, doc_no)
        doc_no += 1


def _roster(rng: random.Random) -> list[tuple[str, str]]:
    names = set()
    while len(names) < rng.randint(7, 9):
        names.add((f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", rng.choice(PARTIES)))
    return sorted(names)


def _title(writer: Writer, rng: random.Random, committee: str, subject: str, day: date, agreements: dict) -> str:
    y = day.year
    r = rng.random()
    if r < 0.12:
        return rng.choice(writer.v.titles).replace("2020", str(y)).replace("2021", str(y + 1))
    if r < 0.22:
        n = rng.choice(["Første", "Anden", "Tredje"])
        return f"{n} budgetopfølgning for {y} på bevillingsrammerne under {committee}"
    if r < 0.27:
        return f"Mål- og rammebeskrivelser for budget {y + 1} på bevillingsrammerne under {committee}"
    if r < 0.31 and (a := agreements.get(y)):
        point, title = rng.choice(a.points)
        return f"Udmøntning af Aftale om budget {y}, punkt {point}: {title}"
    templates = ["Høring om {s}", "Status på {s}", "Orientering om {s}", "Evaluering af {s}", "Forslag til ændring af {s}",
                 "Ansøgning om tillægsbevilling til {s}", "Godkendelse af {s}", "Temadrøftelse om {s}",
                 "Udbud vedrørende {s}", "Handleplan for {s} {y}-{y2}", "Regnskab {y0} for {s}", "Kvalitetsrapport for {s}",
                 "Samarbejde med {n} Kommune om {s}"]
    return rng.choice(templates).format(s=subject, y=y, y2=y + 3, y0=y - 1, n=rng.choice(NEIGHBOURS))


def _decision(writer: Writer, rng: random.Random, outcome: Outcome, year: int) -> str:
    if outcome is Outcome.APPROVED_WITH_REMARKS:
        text = f"Indstillingen godkendt med denne bemærkning: {writer.sentence()}"
        text = writer._years(text, year)
    else:
        text = rng.choice(DECISIONS[outcome])
    if rng.random() < 0.1:
        text += f"\n\nFor stemte: A, F og Ø. Imod stemte: {rng.choice(['V og C', 'O', 'V, C og O'])}."
    return text


def _item(writer: Writer, rng: random.Random, committee: str, day: date, number: int, case: _Case,
          agreements: dict[int, _Agreement], closed: bool = False) -> AgendaItem:
    item = AgendaItem(number, case.title, case_number=case.number, closed=closed)
    item.previous_treatments = list(case.treatments)
    y = day.year
    sections: list[Section] = []
    if item.previous_treatments:
        sections.append(Section("Tidligere behandling", "\n".join(treatment_line(t) for t in item.previous_treatments)))
    if closed:
        item.title = "Lukket punkt: " + rng.choice(["Personalesag", "Køb af ejendom", "Udbud", "Klagesag"])
        sections.append(Section("Sagsfremstilling", writer.paragraph(rng.randint(2, 5), y)))
        item.sections = sections
        return item
    for heading, (lo, hi) in SECTION_SIZES.items():
        if heading == "Økonomiske konsekvenser og finansiering":
            text = writer.economy_text(y)
        else:
            parts = [writer.paragraph(rng.randint(1, 3), y) for _ in range(max(1, rng.randint(lo, hi) // 2))]
            if heading == "Sagsfremstilling":
                if rng.random() < 0.3:
                    parts.insert(rng.randint(0, len(parts)), writer.bullets(rng.randint(2, 5)))
                if rng.random() < 0.08:
                    parts.append(f"Der er indgået samarbejde med {rng.choice(NEIGHBOURS)} Kommune om {case.subject}.")
                if rng.random() < 0.5:
                    parts.insert(0, f"Sagen vedrører {case.subject}.")
            text = "\n\n".join(parts)
        if heading == "Sagsfremstilling" and (ref := _budget_ref(rng, y, agreements)):
            item.budget_refs.append(ref)
            text += "\n\n" + ref.quote
        sections.append(Section(heading, text))
    org = rng.choice(ORGS)
    n_points = rng.randint(1, 3)
    points = [f"{k}. {_recommendation_point(writer, rng, committee, case)}" for k in range(1, n_points + 1)]
    item.recommendation = f"{org} indstiller, at\n\n" + "\n".join(points)
    if rng.random() < 0.7:
        item.attachments = [f"{rng.choice(writer.v.titles)} - bilag {k}" for k in range(1, rng.randint(2, 4))]
        sections.append(Section("Bilag", f"{len(item.attachments)} bilag"))
    item.sections = sections
    if rng.random() < 0.04:  # an old document in the "aa" spelling
        for s in item.sections:
            s.text = s.text.replace("å", "aa").replace("Å", "Aa")
    return item


def _recommendation_point(writer: Writer, rng: random.Random, committee: str, case: _Case) -> str:
    r = rng.random()
    if r < 0.35:
        return f"{case.title} godkendes"
    if r < 0.55:
        return "orienteringen tages til efterretning"
    if r < 0.75:
        return f"{committee} anbefaler over for Økonomiudvalget og Kommunalbestyrelsen, at sagen godkendes"
    text = writer.sentence().rstrip(".")
    return text[:1].lower() + text[1:]


def _budget_ref(rng: random.Random, year: int, agreements: dict[int, _Agreement]) -> BudgetRef | None:
    r = rng.random()
    if r > 0.1:
        return None
    y = rng.choice([year, year, year - 1])
    agreement = agreements.get(y)
    if agreement is None:
        return None
    if r < 0.07:
        point, title = rng.choice(agreement.points)
        quote = rng.choice([
            f"Det fremgår af Aftale om budget {y}, punkt {point}, at der skal arbejdes med {title.lower()}.",
            f"I Aftale om budget {y}, punkt {point} \"{title}\" er det besluttet at afsætte midler til indsatsen.",
            f"Sagen udmønter Aftale om budget {y}, punkt {point}: {title}.",
        ])
        return BudgetRef(y, point, quote)
    quote = rng.choice([
        f"Foretages der ændringer i forbindelse med indgåelse af \"Aftale om budget {y}\", tilrettes sagen uden yderligere politisk behandling.",
        f"Indsatsen er en del af Aftale om budget {y}.",
    ])
    return BudgetRef(y, None, quote)


def _finish(item: AgendaItem, committee: str, day: date) -> None:
    """The sections the parser puts after the text: who decides, the Indstilling, the Beslutning."""
    tail = [Section("Beslutningen træffes af", item.decided_by or committee)]
    if item.recommendation:
        tail.append(Section("Indstilling", item.recommendation))
    if item.decision:
        tail.append(Section("Beslutning", item.decision))
    bilag = [s for s in item.sections if s.heading == "Bilag"]
    item.sections = [s for s in item.sections if s.heading != "Bilag"] + tail[:1] + bilag + tail[1:]


def _sha(seed: int, doc_no: int) -> str:
    return hashlib.sha256(f"referat-bench:{GENERATOR_VERSION}:{seed}:{doc_no}".encode()).hexdigest()


def _minutes(committee: str, day: date, items: list[AgendaItem], roster, rng: random.Random, seed: int, doc_no: int) -> Document:
    from referat.store import slug

    participants = [Participant(name, party, None, rng.random() > 0.1) for name, party in roster]
    participants.append(Participant(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", None, "kommunaldirektør", True))
    meeting = Meeting(committee, day, f"{rng.choice([8, 13, 15, 16, 17])}:{rng.choice(['00', '30'])}",
                      rng.choice(["Mødecenter C - Lokale 32 på Ballerup Rådhus", "Rådhuset, mødelokale 1", "Byrådssalen"]),
                      participants, items)
    return Document(DocumentKind.MINUTES, f"https://bench.referat.invalid/{slug(committee)}/{day.isoformat()}.pdf",
                    _sha(seed, doc_no), f"REFERAT {committee} d. {day.strftime('%d-%m-%Y')}", meeting=meeting)


POINT_TITLES = ["Flere indvandrere i job", "Integrationspris", "En sammenhængende ungeindsats", "Styrket erhvervsservice",
                "Bedre skoleveje", "Flere hænder i ældreplejen", "Klimatilpasning i boligområderne", "Grøn omstilling af bilparken",
                "Løft af folkeskolen", "Frivillighed og foreningsliv", "Tryghed i boligområderne", "Digital velfærd",
                "Styrket sundhedspleje", "Renovering af svømmehallen", "Cykelstier til skolerne", "Byfornyelse i bymidten",
                "Færre på sygedagpenge", "Flere unge i uddannelse", "Demensvenlig kommune", "Bæredygtigt byggeri"]


def _budget_agreement(year: int, writer: Writer, rng: random.Random, seed: int, doc_no: int) -> tuple[_Agreement, Document]:
    points: list[BudgetPoint] = []
    for chapter in range(1, rng.randint(5, 7)):
        for sub in range(1, rng.randint(3, 9)):
            number = f"{chapter}.{sub:02d}" if rng.random() < 0.1 else f"{chapter}.{sub}"
            subject = rng.choice(rng.choice(list(COMMITTEES.values()))[2])
            title = rng.choice(POINT_TITLES) if rng.random() < 0.5 else subject[:1].upper() + subject[1:]
            text = writer.paragraph(rng.randint(2, 4), year) + (
                f"\n\nDerfor afsættes der {writer.amount()} i hvert af årene {year}-{year + 3} til {subject}.")
            status = rng.choice(["Gennemført.", f"Igangsat. Forventes afsluttet i {year + 1}.", "Ikke igangsat.",
                                 f"Udmøntet i {rng.choice(list(COMMITTEES))}."])
            points.append(BudgetPoint(number, title, text, status))
    doc = Document(DocumentKind.BUDGET_AGREEMENT, f"https://bench.referat.invalid/budget/aftale-om-budget-{year}.pdf",
                   _sha(seed, doc_no), f"Aftale om budget {year}", budget_agreement=BudgetAgreement(year, points))
    return _Agreement(year, [(p.point, p.title) for p in points]), doc


# ------------------------------------------------------------------------------------ the cached archive


def archive_dir(n_items: int, seed: int = 1) -> Path:
    suffix = "" if seed == 1 else f"-s{seed}"
    return CACHE / f"archive-{n_items}{suffix}-g{GENERATOR_VERSION}"


def write_archive(data_dir: Path, docs: Iterator[Document], *, db_url: str | None = None, batch: int = 200,
                  progress=None) -> int:
    """Store documents directly (no raw/ originals, no parsing), `batch` documents a transaction."""
    from sqlalchemy.orm import Session

    from referat import store
    from referat.archive import Archive

    items = 0
    with Archive(data_dir, db_url) as archive, archive.writing():
        pending: list[Document] = []

        def flush() -> None:
            with Session(archive.db) as session, session.begin():
                for doc in pending:
                    store.write_document(session, doc, content_type="application/pdf", parser_version="bench-generated")
            pending.clear()

        for doc in docs:
            pending.append(doc)
            items += len(doc.meeting.items) if doc.meeting else 0
            if len(pending) >= batch:
                flush()
                if progress:
                    progress(items)
        if pending:
            flush()
    return items


def ensure_archive(n_items: int, data_dir: Path | None = None, *, seed: int = 1, index: bool = True,
                   verbose: bool = True) -> Path:
    """The data folder of a generated archive of `n_items` items (built once, then reused)."""
    from referat.archive import Archive

    path = Path(data_dir) if data_dir is not None else archive_dir(n_items, seed)
    done = path / "bench-complete"
    if done.exists():
        if index:
            ensure_links(path, say=lambda s: print(s, file=sys.stderr, flush=True) if verbose else None)
        return path
    shutil.rmtree(path, ignore_errors=True)
    say = (lambda s: print(s, file=sys.stderr, flush=True)) if verbose else (lambda s: None)
    say(f"bench: generating a {n_items:,}-item archive in {path} (once; cached)")
    start = time.perf_counter()
    items = write_archive(path, generate(n_items, seed))
    stored = time.perf_counter() - start
    say(f"bench:   stored {items:,} items in {stored:.1f} s ({items / stored:,.0f} items/s)")
    if index:
        start = time.perf_counter()
        with Archive(path) as archive, archive.writing():
            records = archive.search_index("tantivy").rebuild()
        say(f"bench:   tantivy index: {records:,} records in {time.perf_counter() - start:.1f} s")
    done.write_text(f"{n_items} {seed} {GENERATOR_VERSION} stored_s={stored:.1f}\n")
    if index:
        ensure_links(path, say)
    return path


def ensure_links(path: Path, say=lambda s: None) -> bool:
    """The derived links (case histories, treatments, budget references), built once per archive.
    A failure is reported and tried again next time: the search benchmarks do not need links."""
    marker = path / "bench-links"
    if marker.exists():
        return True
    try:
        from referat.archive import Archive
        from referat.links.build import rebuild_links
    except ImportError:
        return False
    start = time.perf_counter()
    try:
        with Archive(path) as archive, archive.writing():
            rebuild_links(archive.db, archive.search_index())
    except Exception as error:  # noqa: BLE001 - another module's bug must not stop the benchmarks
        say(f"bench:   links could not be built ({type(error).__name__}: {str(error)[:200]}); the archive is kept without them")
        return False
    say(f"bench:   links built in {time.perf_counter() - start:.1f} s")
    marker.write_text("ok\n")
    return True


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 100_000
    print(ensure_archive(n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
