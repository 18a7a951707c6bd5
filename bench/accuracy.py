"""`make eval`: parse accuracy per field on the layout corpus and the samples.

The corpus (`tests/corpus/<family>/NAME.txt` + `NAME.gold.json`, see its README) holds documents of
our own in the layouts of many municipalities; the samples' golden files give gold for the four real
documents. Every field is scored in the conventions of the shared `parse-accuracy.md`, so the figure
printed here and the one measured on unseen real pages mean the same thing.

`python -m bench.accuracy [PATH ...]` scores other folders of `.txt`/`.html` + `.gold.json` pairs
(real pages kept in a scratch folder outside the repository, for instance); `--misses` lists every
field that is wrong.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from referat.parsers import parse
from referat.parsers.text import fold_key

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SAMPLES = ROOT / "samples"
# The accuracy `make eval` reached, per field, when the floor was last raised; tests/test_accuracy.py
# fails if a change takes any field below it. Raise the floors when the parser gets better.
FLOORS = {
    "recognised": 0.995, "committee": 0.97, "date": 0.995, "items": 0.96, "titles": 0.965, "case_numbers": 0.98,
    "outcomes": 0.945, "sections": 0.94, "attendance": 0.91, "budget_refs": 0.97, "all": 0.958,
}  # fmt: skip
FIELDS = ["recognised", "committee", "date", "items", "titles", "case_numbers", "outcomes", "sections", "attendance", "budget_refs"]


@dataclass
class Score:
    right: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def add(self, name: str, ok: bool, where: str, what: str = "") -> None:
        self.total[name] += 1
        if ok:
            self.right[name] += 1
        else:
            self.misses.append(f"{where}: {name}: {what}")

    def merge(self, other: "Score") -> None:
        self.right.update(other.right)
        self.total.update(other.total)
        self.misses.extend(other.misses)

    def share(self, name: str | None = None) -> float:
        right = sum(self.right.values()) if name is None else self.right[name]
        total = sum(self.total.values()) if name is None else self.total[name]
        return right / total if total else 1.0


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _name_key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def read_document(path: Path, source: str | None) -> dict:
    """The parse of one fixture as the contract's JSON."""
    data = path.read_bytes()
    if path.suffix == ".html":
        from referat.ingest import extract

        text = extract(data, str(path)).text
    else:
        text = data.decode("utf-8")
    return parse(text, source=source or str(path)).to_dict()


def gold_from_golden(golden: dict) -> dict:
    """The samples' full golden parses in the corpus's gold form."""
    meeting = golden.get("meeting")
    if not meeting:
        return {"recognised": False}
    people = meeting.get("participants") or []
    return {
        "source": golden["document"]["source"],
        "recognised": True,
        "committee": meeting["committee"],
        "date": meeting["date"],
        "items": [
            {"number": i["number"], "title": i["title"], "case_number": i["case_number"], "outcome": i["outcome"],
             "sections": [s["heading"] for s in i["sections"] if s["heading"]]}
            for i in meeting["items"]
        ],
        "attendance": {"present": [p["name"] for p in people if p["present"] is not False],
                       "absent": [p["name"] for p in people if p["present"] is False]},
        "budget_refs": [{"year": r["year"], "point": r["point"]} for i in meeting["items"] for r in i["budget_refs"]],
    }  # fmt: skip


def _match_items(gold: list[dict], got: list[dict]) -> list[dict | None]:
    """For each gold item, the parsed item that stands for it: same number, else same title."""
    used: set[int] = set()
    matched: list[dict | None] = []
    for g in gold:
        pick = None
        for k, item in enumerate(got):
            if k in used:
                continue
            if g.get("number") is not None and item.get("number") == g["number"]:
                pick = k
                break
        if pick is None:
            for k, item in enumerate(got):
                if k not in used and fold_key(_norm(item.get("title"))) == fold_key(_norm(g.get("title"))):
                    pick = k
                    break
        if pick is not None:
            used.add(pick)
        matched.append(got[pick] if pick is not None else None)
    return matched


def score_document(gold: dict, parsed: dict, where: str) -> Score:
    score = Score()
    meeting = parsed.get("meeting")
    recognised = meeting is not None
    score.add("recognised", recognised == gold["recognised"], where, f"expected {gold['recognised']}, got {recognised}")
    if not gold["recognised"]:
        return score
    meeting = meeting or {"committee": None, "date": None, "items": [], "participants": []}
    if "committee" in gold:
        got = _norm(meeting.get("committee")) or None
        score.add("committee", (got or "").casefold() == _norm(gold["committee"]).casefold() if gold["committee"] else got is None,
                  where, f"expected {gold['committee']!r}, got {got!r}")  # fmt: skip
    if "date" in gold:
        score.add("date", meeting.get("date") == gold["date"], where, f"expected {gold['date']}, got {meeting.get('date')}")
    items = meeting.get("items") or []
    gold_items = gold.get("items") or []
    matched = _match_items(gold_items, items)
    for g, item in zip(gold_items, matched):
        label = f"item {g.get('number')} {g.get('title', '')[:50]!r}"
        score.add("items", item is not None, where, f"{label} not found")
        item = item or {}
        score.add("titles", _norm(item.get("title")) == _norm(g.get("title")), where, f"{label}: got {item.get('title')!r}")
        score.add("case_numbers", (item.get("case_number") or None) == (g.get("case_number") or None), where,
                  f"{label}: expected {g.get('case_number')!r}, got {item.get('case_number')!r}")  # fmt: skip
        score.add("outcomes", item.get("outcome") == g.get("outcome"), where,
                  f"{label}: expected {g.get('outcome')}, got {item.get('outcome')} ({_norm(item.get('decision'))[:60]!r})")  # fmt: skip
        if "sections" in g:
            got_sections = [s["heading"] for s in item.get("sections") or [] if s["heading"]]
            score.add("sections", [_norm(s) for s in got_sections] == [_norm(s) for s in g["sections"]], where,
                      f"{label}: expected {g['sections']}, got {got_sections}")  # fmt: skip
    used = {id(item) for item in matched if item is not None}
    for item in items:
        if id(item) not in used:
            score.add("items", False, where, f"extra item {item.get('number')} {_norm(item.get('title'))[:60]!r}")
    if "attendance" in gold:
        _score_attendance(score, gold["attendance"], meeting.get("participants") or [], where)
    if "budget_refs" in gold:
        want = Counter((r["year"], r.get("point")) for r in gold["budget_refs"])
        got_refs = Counter((r["year"], r.get("point")) for i in items for r in i.get("budget_refs") or [])
        for ref, n in want.items():
            for k in range(n):
                score.add("budget_refs", got_refs[ref] > k, where, f"missing {ref}")
        for ref, n in got_refs.items():
            for _ in range(max(0, n - want[ref])):
                score.add("budget_refs", False, where, f"extra {ref}")
    return score


def _score_attendance(score: Score, gold: dict, people: list[dict], where: str) -> None:
    got = {}
    for p in people:
        got.setdefault(_name_key(p["name"]), "absent" if p.get("present") is False else "present")
    seen = set()
    for state in ("present", "absent"):
        for name in gold.get(state) or []:
            key = _name_key(name)
            seen.add(key)
            score.add("attendance", got.get(key) == state, where, f"{name!r} expected {state}, got {got.get(key, 'nothing')}")
    for key, state in got.items():
        if key not in seen:
            score.add("attendance", False, where, f"extra person {key!r} ({state})")


def fixtures(folders: list[Path]) -> list[tuple[Path, Path]]:
    """(document, gold) pairs below the folders."""
    pairs = []
    for folder in folders:
        for gold in sorted(folder.rglob("*.gold.json")):
            stem = gold.name[: -len(".gold.json")]
            for suffix in (".txt", ".html"):
                if (doc := gold.with_name(stem + suffix)).exists():
                    pairs.append((doc, gold))
                    break
    return pairs


def evaluate(folders: list[Path], with_samples: bool = True) -> tuple[Score, dict[str, Score]]:
    """The whole score and one per family (folder)."""
    total, families = Score(), {}
    for doc, gold_path in fixtures(folders):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        where = str(doc.relative_to(ROOT)) if doc.is_relative_to(ROOT) else str(doc)
        score = score_document(gold, read_document(doc, gold.get("source")), where)
        total.merge(score)
        families.setdefault(doc.parent.name, Score()).merge(score)
    if with_samples:
        for golden in sorted(SAMPLES.glob("*.golden.json")):
            doc = golden.with_name(golden.name.replace(".golden.json", ".txt"))
            gold = gold_from_golden(json.loads(golden.read_text(encoding="utf-8")))
            score = score_document(gold, read_document(doc, gold.get("source")), f"samples/{doc.name}")
            total.merge(score)
            families.setdefault("samples", Score()).merge(score)
    return total, families


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="folders of fixtures (default: the corpus and the samples)")
    parser.add_argument("--misses", action="store_true", help="list every wrong field")
    parser.add_argument("--families", action="store_true", help="accuracy per family (folder)")
    args = parser.parse_args(argv)
    total, families = evaluate(args.paths or [CORPUS], with_samples=not args.paths)
    if args.misses:
        for miss in total.misses:
            print(miss)
        print()
    docs = len(fixtures(args.paths or [CORPUS]))
    print(f"{'field':<14} {'right':>7} {'of':>7} {'accuracy':>9}")
    for name in FIELDS:
        if total.total[name]:
            print(f"{name:<14} {total.right[name]:>7} {total.total[name]:>7} {total.share(name):>9.1%}")
    print(f"{'all fields':<14} {sum(total.right.values()):>7} {sum(total.total.values()):>7} {total.share():>9.1%}"
          f"   ({docs} documents{'' if args.paths else ' + the samples'})")  # fmt: skip
    if args.families:
        print()
        for name, score in sorted(families.items()):
            print(f"{name:<40} {score.share():>7.1%}  ({sum(score.total.values())} fields)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
