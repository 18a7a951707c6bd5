"""The query language, parsed once into a plan every engine executes the same way.

    flere indvandrere i job          all words must match (Danish stop words left out)
    "ikke-vestlig baggrund"          an exact phrase
    -covid                           must not match
    fleksjob OR løntilskud           either
    budget*                          a prefix
    title:frivillighed  decision:udsættes   one field only
    15.00.00-P05-4-20  or  15.00.00-P05     a pasted case number or KLE prefix

Words become analyzer terms here, so engines never analyse Danish on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as _field

from referat.index.analysis import STOP_WORDS, Analyzer, case_terms, fold

FIELDS = ("title", "decision", "body")
FIELD_ALIASES = {"title": "title", "titel": "title", "decision": "decision", "beslutning": "decision", "body": "body", "tekst": "body"}
CASE_RE = re.compile(r"^\d{2}\.\d{2}(?:\.\d{2}(?:-(?:[A-ZÆØÅa-zæøå]\d{2}|\d{3})(?:-\d{1,5}(?:-\d{2,4})?)?)?)?$")
_TOKEN = re.compile(r'(?P<neg>-)?(?:(?P<field>[a-zæøå]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')


@dataclass
class Clause:
    """One condition. `groups` lists alternatives (OR); each alternative is a list of terms that
    must stand together as a phrase (a single term for a plain word)."""

    kind: str  # "terms" | "phrase" | "prefix" | "case"
    terms: list[str]
    field: str | None = None  # None: title, decision and body
    negated: bool = False
    surface: str = ""  # as the user typed it, for did_you_mean
    alternatives: list["Clause"] = _field(default_factory=list)  # OR'ed clauses


@dataclass
class QueryPlan:
    text: str
    clauses: list[Clause]

    @property
    def positive(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]

    def highlight_terms(self) -> set[str]:
        out: set[str] = set()
        for c in self.positive:
            for alt in [c, *c.alternatives]:
                if alt.kind in ("terms", "phrase", "case"):
                    out.update(alt.terms)
        return out

    def highlight_prefixes(self) -> list[str]:
        return [t for c in self.positive for alt in [c, *c.alternatives] if alt.kind == "prefix" for t in alt.terms]

    @property
    def empty(self) -> bool:
        return not self.positive


def parse_query(text: str, analyzer: Analyzer) -> QueryPlan:
    clauses: list[Clause] = []
    pending_or = False
    for m in _TOKEN.finditer(text):
        word, phrase = m.group("word"), m.group("phrase")
        if word == "OR":
            pending_or = bool(clauses)
            continue
        field_name = FIELD_ALIASES.get(m.group("field") or "")
        if m.group("field") and field_name is None:  # "kl:13" is text, not a field
            word = f"{m.group('field')}:{word or phrase or ''}"
        clause = _clause(word, phrase, field_name, bool(m.group("neg")), analyzer)
        if clause is None:
            continue
        if pending_or and not clause.negated and clauses and not clauses[-1].negated:
            clauses[-1].alternatives.append(clause)
        else:
            clauses.append(clause)
        pending_or = False
    return QueryPlan(text, clauses)


def _clause(word: str | None, phrase: str | None, field_name: str | None, negated: bool, analyzer: Analyzer) -> Clause | None:
    if phrase is not None:
        terms = analyzer.terms(phrase)
        if not terms:
            return None
        kind = "phrase" if len(terms) > 1 else "terms"
        return Clause(kind, terms, field_name, negated, phrase)
    if not word:
        return None
    stripped = word.strip(".,;:!?()")
    if CASE_RE.match(stripped):
        return Clause("case", case_terms(stripped)[-1:], None, negated, stripped)
    if stripped.endswith("*") and len(stripped) > 1:
        prefix = fold(stripped.rstrip("*"))
        terms = [t for t in re.split(r"[^\wæøå.]+", prefix) if t]
        if terms:
            return Clause("prefix", terms[-1:], field_name, negated, stripped)
        return None
    terms = analyzer.terms(stripped)
    if not terms:
        return None
    if len(terms) > 1:  # "ikke-vestlig": the parts stand together, like a phrase
        return Clause("phrase", terms, field_name, negated, stripped)
    if not negated and fold(stripped) in STOP_WORDS:
        return None  # "i", "og", "for" would match nearly everything
    return Clause("terms", terms, field_name, negated, stripped)
