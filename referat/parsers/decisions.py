"""What a Beslutning amounts to, and how the Indstilling's numbered points are repaired."""

from __future__ import annotations

import re

from referat.model import Outcome

# A decision is read sentence by sentence; the first sentence that says what was decided gives the
# outcome. Lines that only frame the decision come first in many systems and are passed over:
# "Borgerrepræsentationens beslutning i mødet den 4. maj 2023", "Økonomiudvalget den 12-01-2019:",
# "Fraværende med afbud: …", "Sagen blev behandlet sammen med sag 4."
_FRAME = re.compile(
    r"^(?:(?i:[\w\-–, ]{0,80}?s\s+beslutning\b.*|beslutning\s+i\s+.*|[\w\-–, ]{3,80}?,?\s+(?:den\s+)?\d{1,2}[.\-/]\s?(?:\d{1,2}|[a-zæøå]+)\.?[.\-/ ]\s?\d{2,4}\s*(?:,\s*(?:pkt|punkt)\.?\s*\d+)?\s*:?"
    r"|(?:fraværende|afbud|ikke til stede|fremmøde|mødt|til stede|deltog ikke|inhabil|sagen blev behandlet sammen|behandlet sammen med)\b.*"
    r"|[\w\-–, .]{3,120}\b(?:var|er) fraværende\b.*)"
    r"|[A-ZÆØÅ][\w\-–.]*(?:\s[A-ZÆØÅ][\w\-–.]*){1,5}\s*\([^)]{1,40}\),?\s*[\w ]{0,40}\.?"  # "Karen Holst (Socialdemokratiet), ferie."
    r"|(?i:.{0,80}\b(?:ankom|forlod\s+mødet|deltog\s+ikke|indkaldt\s+som\s+stedfortræder|mødte\s+som\s+stedfortræder)\b.*))$",
)
_SENTENCE_BREAK = re.compile(r"(?<=[a-zæøå)][.!?])\s+(?=[a-zæøå0-9])")
_NO_REMARK = re.compile(r"\bikke\s+\w+\s+bemærkning")
_ABOUT_THE_ITEM = re.compile(r"^(?:dagsorden(?:en)?|indstilling(?:en|erne)?|forslaget|sagen|referatet|punktet|anbefalingen)\b")
_SPACES = re.compile(r"\s+")
_LEAD = re.compile(r"^(?:beslutning\s*:\s*|\d{1,2}\.\s+)", re.IGNORECASE)
_REJECTED = re.compile(r"\b(?:ikke\s+(?:godkendt|godkendes|tiltrådt|tiltrådes|tiltræde|vedtaget|vedtages|anbefalet|anbefales|bevilget|imødekommet)|forkastet|forkastes|afvist|afvises|afviste|nedstemt|nedstemmes|faldt|bortfaldt)\b")
_REMARKS = re.compile(
    r"\b(?:med\s+(?:denne|følgende|de|den|disse)\s+(?:bemærkning|bemærkninger|tilføjelse|tilføjelser|ændring|ændringer|præcisering|præciseringer|justering|justeringer|tilretning|tilretninger)"
    r"|(?:godkendt|godkendes|tiltrådt|tiltrådes|vedtaget|vedtages|godkendte|tiltrådte|vedtog),?\s+idet\b|\budgår\b"
    r"|(?:godkendt|tiltrådt|vedtaget)\s+med\s+(?:en|et|den|de)?\s*\w*\s*(?:ændring|tilføjelse|bemærkning)"
    r"|dog\s+(?:således|sådan|med)\b|bortset\s+fra\b)"
)
_ITEM_REMOVED = re.compile(r"\budgår\b|\btages\s+af\s+dagsordenen\b")
_REMARK_AFTER = re.compile(r"^(?:dog\b|idet\b|med\s+den\s+(?:tilføjelse|ændring|bemærkning)|(?:sag|punkt|pkt\.?)\s*\d+\s+udgår|.{0,60}\budgår\b|med\s+følgende\b|under\s+forudsætning\s+af\b)")
_KEYWORDS: list[tuple[Outcome, re.Pattern[str]]] = [
    (Outcome.POSTPONED, re.compile(r"\b(?:udsættes|udsat|udskudt|udskydes|blev\s+udsat)\b")),
    (Outcome.RECOMMENDED, re.compile(r"\b(?:anbefales|anbefalet|anbefaler|anbefalede|indstilles|indstillede|videresendes|sendes\s+videre)\b")),
    (Outcome.REFERRED_BACK, re.compile(
        r"\b(?:undersøges|tilbagesendt|tilbagesendes|sendes\s+tilbage|sendt\s+tilbage|sende\s+(?:sagen\s+)?tilbage|sendt\s+videre|oversendes|oversendt|oversende|oversendte|fremsendes|fremsendt|"
        r"sendes\s+til|sendt\s+til|henvist|henvises|henviste|ny\s+sag\s+forelægges|genoptages|videregives)\b")),
    (Outcome.NOTED, re.compile(
        r"\b(?:til\s+efterretning|til\s+orientering|orientering(?:en)?\s+(?:givet|taget|blev)|orienteringen|orienterede|blev\s+orienteret|"
        r"tog\s+\w*\s*til\s+efterretning|taget\s+til\s+orientering)\b")),
    (Outcome.APPROVED, re.compile(
        r"\b(?:godkendt|godkendes|godkendte|godkender|godkende|tiltrådt|tiltrådes|tiltrådte|tiltræder|vedtaget|vedtages|vedtog|bevilget|bevilges|"
        r"bevilgede|imødekommet|besluttet|enig|enige|som\s+indstillet|følger\s+indstillingen|sendes\s+i\s+(?:offentlig\s+)?høring)\b")),
]
# "Tilbagesendes … med bemærkning, at byrådet har vedtaget …" (aarhus.dk): sent back to the
# administration *because* it was decided; "Fremsendes til Byrådet … anbefaler": recommended.
_DECIDED_ON_RETURN = re.compile(r"\bhar\s+(?:vedtaget|godkendt|tiltrådt)\b")
_RECOMMENDED_ON_RETURN = re.compile(r"\banbefal")


def classify_outcome(decision: str | None) -> Outcome | None:
    """The outcome vocabulary value of a Beslutning text; None when nothing was decided."""
    if decision is None or not decision.strip():
        return None
    sentences = _decision_sentences(decision)
    # A sentence about the item itself ("Dagsordenen blev godkendt", "Indstillingen tiltrådt") is the
    # decision even after another that decides something on the way ("Dialogen blev taget til efterretning").
    about_item = [k for k, sentence in enumerate(sentences) if _ABOUT_THE_ITEM.match(sentence) and _sentence_outcome(sentence)]
    if about_item and about_item[0] > 0:
        sentences = sentences[about_item[0] :]
    for k, sentence in enumerate(sentences):
        if _ITEM_REMOVED.search(sentence) and any(_sentence_outcome(later) is Outcome.APPROVED for later in sentences[k + 1 :]):
            return Outcome.APPROVED_WITH_REMARKS  # "Punkt 16 … udgår af dagsordenen. Godkendt."
        if outcome := _sentence_outcome(sentence):
            # "Godkendt. Sag 3 udgår." / "Godkendt. Dog således at …": the remark follows.
            if outcome is Outcome.APPROVED and k + 1 < len(sentences) and _REMARK_AFTER.match(sentences[k + 1]):
                return Outcome.APPROVED_WITH_REMARKS
            return outcome
    return Outcome.OTHER  # "Ingen", "Foretoges", "Mødet er aflyst", names of people appointed


def _decision_sentences(decision: str) -> list[str]:
    out = []
    for line in decision.strip().split("\n"):
        line = _SPACES.sub(" ", line).strip(" •-*")
        line = _LEAD.sub("", line)
        if not line or _FRAME.match(line):
            continue
        line = line.casefold()
        out.extend(part for part in _SENTENCE_BREAK.split(line) if part)
    return out


def _sentence_outcome(sentence: str) -> Outcome | None:
    if sentence.endswith("?"):
        return None  # a question put in Spørgetid decides nothing ("hvem har besluttet …?")
    if _REJECTED.search(sentence) and not _NO_REMARK.search(sentence):
        return Outcome.REJECTED
    first: tuple[int, Outcome] | None = None
    for outcome, pattern in _KEYWORDS:
        if (m := pattern.search(sentence)) and (first is None or m.start() < first[0]):
            first = (m.start(), outcome)
    if first is None:
        return None
    outcome = first[1]
    if outcome is Outcome.REFERRED_BACK:
        if _DECIDED_ON_RETURN.search(sentence):
            return Outcome.APPROVED
        if _RECOMMENDED_ON_RETURN.search(sentence):
            return Outcome.RECOMMENDED
    if outcome in (Outcome.APPROVED, Outcome.NOTED) and _REMARKS.search(sentence):
        return Outcome.APPROVED_WITH_REMARKS if outcome is Outcome.APPROVED else outcome
    if outcome is Outcome.RECOMMENDED and re.search(r"\bmed\s+(?:denne|følgende|de|den)\s+(?:bemærkning|ændring|tilføjelse)", sentence):
        return Outcome.RECOMMENDED
    return outcome


# "… tages til efterretning.1." : a PDF glued the next point's number to the end of a sentence.
_GLUED_NUMBER = re.compile(r"(?<=[.:;!?)])\s*(\d{1,2})\.(?=\s|$)")
_POINT_LINE = re.compile(r"^(\d{1,2})\.\s*(\S.*)?$")


def repair_numbered_points(text: str) -> str:
    """Give every numbered point its own line: "…efterretning.1.\\nDer udarbejdes" → "…efterretning.\\n1. Der udarbejdes"."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = _GLUED_NUMBER.sub(lambda m: f"\n{m.group(1)}. ", raw)
        lines.extend(part.rstrip() for part in line.split("\n"))
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _POINT_LINE.match(line)
        if m and not m.group(2):  # "1." alone: its text is on the next non-blank line
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and not _POINT_LINE.match(lines[j]):
                out.append(f"{m.group(1)}. {lines[j].strip()}")
                i = j + 1
                continue
        out.append(line)
        i += 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
