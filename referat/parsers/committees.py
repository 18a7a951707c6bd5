"""Committee (udvalg) names: finding them in text and folding their spellings to one name.

Minutes spell one committee several ways: "Erhvervs- og Beskæftigelsesudvalget", "Erhverv- og
Beskæftigelsesudvalget" (Punkt 10 in the 2020 sample), "Erhvervs- og beskæftigelsesudvalget"
(lower case after "og"), "Erhvervs- og Beskæftigelsesudvalgets møde" (genitive). Links between
meetings only work when all of these become the same canonical name.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PART = r"[A-ZÆØÅ][a-zæøå]+"
_NOUN = r"(?:udvalg(?:et|ets)?|bestyrelse(?:n|ns)?|råd(?:et|ets)?|repræsentation(?:en|ens)?|nævn(?:et|ets)?)"
COMMITTEE_RE = re.compile(
    # "Børne-, Unge- og Familieudvalget", "Erhvervs- og beskæftigelsesudvalget"
    rf"(?<![\w-])(?:{_PART}-,?\s+)*{_PART}-\s+(?:og|&)\s+[A-ZÆØÅa-zæøå][a-zæøå]*{_NOUN}(?![\w-])"
    # "Udvalget for Klima og Miljø", "Udvalg for regional udvikling", "Lokaludvalget for Nordkvarteret"
    rf"|(?<![\w-])(?:Udvalg(?:et)?|Lokaludvalg(?:et)?)\s+for\s+[A-ZÆØÅa-zæøå][a-zæøå]+(?:(?:,\s*|\s+og\s+|\s+)(?!og\b|den\b|d\.|mødet?\b|har\b|er\b|i\b|på\b|til\b|kl\b)[A-ZÆØÅa-zæøå][a-zæøå]+){{0,4}}"
    # "Økonomiudvalget", "Kommunalbestyrelsen", "Byrådet"
    rf"|(?<![\w-]){_PART}{_NOUN}(?![\w-])"
    # "Magistraten", "Borgerrepræsentationen" stand alone
    rf"|(?<![\w-])(?:Magistraten|Magistratens)(?![\w-])"
)

# Abbreviations minutes use for the bodies above the committees.
_ABBREVIATIONS = {"øu": "Økonomiudvalget", "kb": "Kommunalbestyrelsen", "br": "Byrådet"}
# First parts that are written with and without the linking s.
_FIRST_PART_VARIANTS = {"erhverv": "Erhvervs"}
_TRAILING_WORDS = re.compile(r"\s+(?:møde|mødet|den|d\.)\b.*$", re.IGNORECASE)


@lru_cache(maxsize=4096)
def canonical_committee(name: str) -> str:
    """One spelling per committee: genitive and case folded, known variants unified.

    >>> canonical_committee("Erhverv- og beskæftigelsesudvalgets møde")
    'Erhvervs- og Beskæftigelsesudvalget'
    """
    text = re.sub(r"\s+", " ", name).strip(" .,:;")
    if not text:
        return text
    if (abbr := _ABBREVIATIONS.get(text.casefold())) is not None:
        return abbr
    text = _TRAILING_WORDS.sub("", text)
    # Case as printed, except the first word, and the last part of a compound name after "og"
    # ("Erhvervs- og beskæftigelsesudvalget" is "Erhvervs- og Beskæftigelsesudvalget"): the
    # words of "Udvalg for regional udvikling" keep their case.
    words = text.split(" ")
    out = []
    for k, word in enumerate(words):
        stem = word.rstrip(",-")
        stem = _FIRST_PART_VARIANTS.get(stem.casefold(), stem) if k == 0 or word.endswith("-") else stem
        compound_tail = k >= 2 and words[k - 1] in {"og", "&"} and words[k - 2].endswith("-")
        if k == 0 or compound_tail or word.endswith("-"):
            stem = stem[:1].upper() + stem[1:]
        out.append(stem + word[len(word.rstrip(",-")):])
    return _singular_definite(" ".join(out))


def _singular_definite(text: str) -> str:
    """'Økonomiudvalgets' → 'Økonomiudvalget'; 'Kommunalbestyrelsens' → 'Kommunalbestyrelsen'."""
    for genitive, base in (("udvalgets", "udvalget"), ("bestyrelsens", "bestyrelsen"), ("rådets", "rådet"),
                           ("repræsentationens", "repræsentationen"), ("nævnets", "nævnet"), ("Magistratens", "Magistraten")):  # fmt: skip
        if text.endswith(genitive):
            return text[: -len(genitive)] + base
    return text


def find_committees(text: str) -> list[re.Match[str]]:
    """Committee names in running text, in order."""
    return [m for m in COMMITTEE_RE.finditer(text) if not _is_generic(m.group(0))]


def _is_generic(name: str) -> bool:
    # "Fagudvalgene", "Udvalget" alone are not names of a body.
    return name.casefold() in {"fagudvalget", "fagudvalg", "udvalget", "rådet", "bestyrelsen"}


def committee_slug(name: str) -> str:
    """An ASCII identifier: 'Erhvervs- og Beskæftigelsesudvalget' → 'erhvervs-og-beskaeftigelsesudvalget'."""
    text = name.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")
