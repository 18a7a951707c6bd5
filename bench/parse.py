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


def run(report) -> None:
    r = measure()
    report("parse", "agenda items/s, minutes samples repeated, one core", r["items_per_s"], f"≥ {TARGET_ITEMS_PER_S}",
           ok=r["items_per_s"] >= TARGET_ITEMS_PER_S)  # fmt: skip
    report("parse", "text MB/s, all four samples repeated, one core", r["mb_per_s"], None)


if __name__ == "__main__":
    from bench import main

    main(["parse"])
