"""The one Danish analyzer every search engine uses, for documents and queries alike.

- lower-case; "aa" folded to "å" (Taarnby = Tårnby, Høje-Taastrup = Høje-Tåstrup), æ/ø/å kept;
- hyphenated and split forms meet: "ikke-vestlig" gives the terms of "ikke vestlig";
- lemmas from spaCy's Danish lookup table (`spacy-lookups-data`, read directly: no spaCy pipeline,
  which is ~20x slower per token), the Snowball stemmer (PyStemmer) for words the table lacks.
  The lemma keeps "ledige" → "ledig" where the stemmer alone says "led";
- case numbers ("15.00.00-P05-4-20"), their KLE prefixes and point numbers ("5.3") stay whole.

The lemma table (~470,000 inflected forms) is copied once into a small SQLite file in the user's
cache folder, so a `referat search` process looks up its few query words in well under a
millisecond instead of spending half a second loading the whole table.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import Stemmer

# Case numbers and their prefixes, point numbers, then words (letters/digits, hyphen-joined).
# A token is a word (letters first: "ikke-vestlig" is two words, like "ikke vestlig") or a run
# starting with a digit ("15.00.00-P05-4-20", "5.3.", "2020-2024"), which `_number_terms` keeps
# whole when it is a case number, a KLE prefix or a point number and splits into parts otherwise.
# Two plain alternatives without groups: the regex is the hot path of indexing.
_TOKEN = re.compile(r"\d[\d.]*(?:-[^\W_]+)*|[^\W\d_][^\W_]*")
_WHOLE_NUMBER = re.compile(
    r"\d{2}\.\d{2}(?:\.\d{2}(?:-(?:[a-zæøå]\d{2}|\d{3})(?:-\d{1,5}(?:-\d{2,4})?)?)?)?|\d{1,2}\.\d{1,2}", re.IGNORECASE
)
_NUMBER_PART = re.compile(r"[^\W_]+")
# Snowball's Danish stop list: indexed (phrases need them) but left out of word queries.
STOP_WORDS = frozenset(
    """og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om vi min
    havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle vil blev
    kunne ind når være dog noget ville jo deres efter ned skulle denne end dette mit også under have dig
    anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange ad bliver hendes
    været thi jer sådan""".split()
)
_CACHE_VERSION = "2"


@dataclass(frozen=True, slots=True)
class Token:
    term: str  # what the index stores and queries match
    surface: str  # the word as written, for highlighting
    start: int
    end: int


def _number_parts(token: str) -> list[tuple[str, int]]:
    """A number run as terms with their offsets: whole when it is a case number, KLE prefix or
    point ("15.00.00-p05-4-20", "5.3" from "5.3."), else its parts ("2020-2024" → 2020, 2024)."""
    stripped = token.rstrip(".")
    if _WHOLE_NUMBER.fullmatch(stripped):
        return [(stripped, 0)]
    return [(m.group(), m.start()) for m in _NUMBER_PART.finditer(token)]


def fold(text: str) -> str:
    """Lower-case with "aa" read as "å": the only spelling fold search does."""
    return text.lower().replace("aa", "å")


class LemmaTable:
    """Word → lemma from spaCy's Danish lookup table, via a cached SQLite copy."""

    def __init__(self, cache_dir: Path | None = None):
        self._path = (cache_dir or _cache_dir()) / f"da_lemmas-{_CACHE_VERSION}.sqlite"
        self._local = threading.local()
        self._memory: dict[str, str] | None = None

    def _connection(self) -> sqlite3.Connection | None:
        conn = getattr(self._local, "conn", None)
        if conn is None and self._memory is None:
            try:
                if not self._path.exists():
                    _build_lemma_db(self._path)
                conn = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, check_same_thread=False)
                self._local.conn = conn
            except (OSError, sqlite3.Error):
                self._memory = _load_lemmas()  # a read-only home: keep the table in memory instead
        return conn

    def lemma(self, word: str) -> str | None:
        conn = self._connection()
        if conn is None:
            return self._memory.get(word) if self._memory is not None else None
        row = conn.execute("SELECT lemma FROM lemmas WHERE word = ?", (word,)).fetchone()
        return row[0] if row else None


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "referat"


def _load_lemmas() -> dict[str, str]:
    from importlib.resources import files

    raw = (files("spacy_lookups_data") / "data" / "da_lemma_lookup.json.gz").read_bytes()
    table = json.loads(gzip.decompress(raw))
    out: dict[str, str] = {}
    for word, lemma in table.items():
        w = fold(word)
        if w not in out:  # identities too: a known word must not fall through to the stemmer
            out[w] = fold(lemma)
    return out


def _build_lemma_db(path: Path) -> None:
    """Write the SQLite copy atomically, so concurrent processes never see half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp)
        conn.execute("CREATE TABLE lemmas (word TEXT PRIMARY KEY, lemma TEXT NOT NULL) WITHOUT ROWID")
        conn.executemany("INSERT INTO lemmas VALUES (?, ?)", _load_lemmas().items())
        conn.commit()
        conn.close()
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class Analyzer:
    """Text → index terms. One instance is shared by indexing and querying in a process."""

    def __init__(self, lemmas: LemmaTable | None = None):
        self._lemmas = lemmas or LemmaTable()
        self._stemmer = Stemmer.Stemmer("danish")
        self._terms: dict[str, str] = {}  # word → term; the vocabulary is small, texts are many

    def term(self, word: str) -> str:
        """The index term of one folded word: its lemma if the table knows it, else its stem."""
        term = self._terms.get(word)
        if term is None:
            if word.isdigit() or len(word) < 3:
                term = word
            else:
                term = self._lemmas.lemma(word) or self._stemmer.stemWord(word)
            if word[:1] > "9":  # number runs are split by terms(), never looked up whole
                self._terms[word] = term
        return term

    def tokens(self, text: str) -> list[Token]:
        """Every token of a text with its term and where it stands (for snippets)."""
        out: list[Token] = []
        for m in _TOKEN.finditer(text):
            surface, start = m.group(), m.start()
            if surface[0].isdigit():
                for part, offset in _number_parts(surface):
                    out.append(Token(part.lower(), part, start + offset, start + offset + len(part)))
            else:
                out.append(Token(self.term(fold(surface)), surface, start, m.end()))
        return out

    def terms(self, text: str) -> list[str]:
        """Index terms of a text, in order (positions matter for phrases). The hot path of
        indexing: one fold and one regex pass over the whole text, a dict hit per word."""
        known, term = self._terms, self.term
        tokens = _TOKEN.findall(fold(text))
        for word in set(tokens).difference(known):  # each new word once, however often it occurs
            if word[0] > "9":
                term(word)
        mapped = list(map(known.get, tokens))  # in C; only number runs are left unknown
        if None not in mapped:
            return mapped
        out: list[str] = []
        append = out.append
        for token, known_term in zip(tokens, mapped):
            if known_term is not None:
                append(known_term)
            else:  # a number run: digits sort before letters
                out.extend(part for part, _ in _number_parts(token))
        return out


def case_terms(case_number: str) -> list[str]:
    """A case number and its KLE prefixes as terms: "15.00.00-P05-4-20" → "15", "15.00", "15.00.00",
    "15.00.00-p05", "15.00.00-p05-4", "15.00.00-p05-4-20"; other numbers just lower-cased."""
    number = case_number.strip().lower()
    m = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{2})(?:-([a-zæøå]\d{2}|\d{3})(?:-(\d{1,5})(?:-(\d{2,4}))?)?)?", number)
    if not m:
        return [number] if number else []
    parts = [p for p in m.groups() if p is not None]
    prefixes = [parts[0], ".".join(parts[:2]), ".".join(parts[:3])]
    tail = ".".join(parts[:3])
    for p in parts[3:]:
        tail = f"{tail}-{p}"
        prefixes.append(tail)
    return prefixes


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    return Analyzer()
