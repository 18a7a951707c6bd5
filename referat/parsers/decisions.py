"""What a Beslutning amounts to, and how the Indstilling's numbered points are repaired."""

from __future__ import annotations

import re

from referat.model import Outcome

# Checked in order: the first rule whose pattern matches the start of the decision wins, so the
# narrower phrasings ("Ikke godkendt", "… med denne bemærkning") stand before the wider ones.
_OUTCOME_RULES: list[tuple[Outcome, re.Pattern[str]]] = [
    (Outcome.REJECTED, re.compile(r"(indstillingen\s+|sagen\s+|forslaget\s+)?(blev\s+)?(ikke\s+(godkendt|tiltrådt|vedtaget|anbefalet)|forkastet|afvist|nedstemt)\b")),
    (Outcome.APPROVED_WITH_REMARKS, re.compile(r".{0,200}?\bmed\s+(denne|følgende|de|den|disse)\s+(bemærkning|bemærkninger|tilføjelse|tilføjelser|ændring|ændringer)\b", re.S)),
    (Outcome.RECOMMENDED, re.compile(r"(indstillingen\s+)?(indstilles|anbefales|oversendes|videresendes|sendes\s+videre)\b")),
    (Outcome.POSTPONED, re.compile(r"(sagen\s+|punktet\s+)?(udsættes|udsat|blev\s+udsat)\b")),
    (Outcome.REFERRED_BACK, re.compile(r"(undersøges|sagen\s+sendes\s+tilbage|tilbagesendt|sendes\s+tilbage|ny\s+sag\s+forelægges|genoptages)\b")),
    (Outcome.NOTED, re.compile(r"(orienteringen\s+|sagen\s+|indstillingen\s+)?(blev\s+)?(taget|tages)?\s*til\s+efterretning\b")),
    (Outcome.APPROVED, re.compile(r"(indstillingen\s+|sagen\s+|anbefalingen\s+|forslaget\s+)?(blev\s+)?(godkendt|godkendes|tiltrådt|tiltrådes|vedtaget|vedtages|bevilget)\b")),
]


def classify_outcome(decision: str | None) -> Outcome | None:
    """The outcome vocabulary value of a Beslutning text; None when nothing was decided."""
    if decision is None or not decision.strip():
        return None
    text = re.sub(r"\s+", " ", decision.strip().casefold())
    text = re.sub(r"^(beslutning\s*:\s*|\d+\.\s*)", "", text)
    for outcome, pattern in _OUTCOME_RULES:
        if pattern.match(text):
            return outcome
    return Outcome.OTHER


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
