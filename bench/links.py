"""Case look-up, case histories and budget points on the 100,000-item generated archive.

Targets (issue 6): `case` and `history` answer in ≤ 20 ms and `budget YEAR POINT` in ≤ 200 ms
(median), measured in-process through the Archive (what `referat case/history/budget` run).
"""

from __future__ import annotations

import random
import statistics
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.common import percentile
from bench.generate import ensure_archive

N_ITEMS = 100_000
SAMPLES = 200


def _timed(call, args_list) -> list[float]:
    times = []
    for args in args_list:
        start = time.perf_counter()
        call(*args)
        times.append((time.perf_counter() - start) * 1000)
    return times


def run(report) -> None:
    from referat import store as S
    from referat.archive import Archive

    path = ensure_archive(N_ITEMS)
    rng = random.Random(7)
    with Archive(path) as archive:
        with Session(archive.db) as session:
            cases = [c for (c,) in session.execute(select(S.ItemRow.case_number).where(S.ItemRow.case_number.is_not(None)).limit(20000))]
            uids = [u for (u,) in session.execute(select(S.ItemRow.uid).limit(20000))]
            points = session.execute(select(S.BudgetAgreementRow.year, S.BudgetPointRow.point).join(S.BudgetPointRow)).all()
        case_args = [(c,) for c in rng.sample(cases, min(SAMPLES, len(cases)))]
        prefix_args = [(c.split("-")[0] + "-" + c.split("-")[1],) for (c,) in case_args[:50]]
        history_args = [(u,) for u in rng.sample(uids, min(SAMPLES, len(uids)))] + [(c,) for (c,) in case_args[:50]]
        budget_args = [(y, p) for y, p in rng.sample(points, min(60, len(points)))]
        archive.case(case_args[0][0])  # warm the connection pool
        case_ms = _timed(archive.case, case_args)
        prefix_ms = _timed(archive.case, prefix_args)
        history_ms = _timed(archive.history, history_args)
        budget_ms = _timed(archive.budget, budget_args)
    med = statistics.median
    report("links", f"case NUMBER median / p95 ms ({len(case_ms)} numbers, {N_ITEMS:,} items)", med(case_ms), "≤ 20 ms", ok=med(case_ms) <= 20)
    report("links", "case KLE-PREFIX median / p95 ms (topic+facet: many items)", med(prefix_ms), None)
    report("links", f"history ITEM-OR-NUMBER median ms ({len(history_ms)} subjects)", med(history_ms), "≤ 20 ms", ok=med(history_ms) <= 20)
    report("links", "history p95 ms", percentile(history_ms, 95), None)
    report("links", f"budget YEAR POINT median ms ({len(budget_ms)} points)", med(budget_ms), "≤ 200 ms", ok=med(budget_ms) <= 200)
    report("links", "budget p95 ms", percentile(budget_ms, 95), None)
