"""Parse throughput on the samples, repeated, on one core.

Two figures: agenda items per second over the minutes samples (the documents that carry items),
and text megabytes per second over all four samples (budget agreement and strategy included).
"""

from __future__ import annotations

import time
from pathlib import Path

from referat.parsers import parse

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TARGET_ITEMS_PER_S = 3000


def _best_time(texts: list[str], rounds: int, repeat: int) -> tuple[float, int]:
    best, items = float("inf"), 0
    for _ in range(rounds):
        start = time.perf_counter()
        items = 0
        for _ in range(repeat):
            for text in texts:
                doc = parse(text)
                items += len(doc.meeting.items) if doc.meeting else 0
        best = min(best, time.perf_counter() - start)
    return best, items


def measure(rounds: int = 7, repeat: int = 20) -> dict:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    minutes = [t for t in texts if parse(t).meeting]
    t_min, items = _best_time(minutes, rounds, repeat)
    t_all, _ = _best_time(texts, rounds, repeat)
    total_bytes = sum(len(t.encode()) for t in texts) * repeat
    return {"items_per_s": items / t_min, "mb_per_s": total_bytes / t_all / 1e6}


def long_minutes(items: int = 3000) -> str:
    """One meeting of `items` items in a layout of another municipality (running numbers, a case
    number, sections and a dated decision), so the evidence checks run on every heading."""
    parts = ["Referat", "", "Byrådet", "", "Mødedato: 12-03-2024", ""]
    for n in range(1, items + 1):
        parts += [
            f"{n}. Sag om vejvedligeholdelse på strækning {n}", "", f"Sagsnr.: 24/{n:05d}", "",
            "Sagsfremstilling", "", f"Forvaltningen foreslår, at strækning {n} asfalteres i år.", "",
            "Beslutning i Byrådet den 12-03-2024", "", "Godkendt.", "",
        ]  # fmt: skip
    return "\n".join(parts)


def measure_long(rounds: int = 3) -> dict:
    text = long_minutes()
    best, items = float("inf"), 0
    for _ in range(rounds):
        start = time.perf_counter()
        items = len(parse(text).meeting.items)
        best = min(best, time.perf_counter() - start)
    return {"items": items, "items_per_s": items / best}


def run(report) -> None:
    r = measure()
    report("parse", "agenda items/s, minutes samples repeated, one core", r["items_per_s"], f"≥ {TARGET_ITEMS_PER_S}",
           ok=r["items_per_s"] >= TARGET_ITEMS_PER_S)  # fmt: skip
    report("parse", "text MB/s, all four samples repeated, one core", r["mb_per_s"], None)
    long = measure_long()
    report("parse", "items read from one 3,000-item minutes document", long["items"], "= 3000", ok=long["items"] == 3000)
    report("parse", "agenda items/s, that document, one core", long["items_per_s"], f"≥ {TARGET_ITEMS_PER_S}",
           ok=long["items_per_s"] >= TARGET_ITEMS_PER_S)  # fmt: skip


if __name__ == "__main__":
    from bench import main

    main(["parse"])
