"""Loose ends: what the archive's links say has not been followed up.

- budget points that no item cites and none deals with (no explicit or suggested link);
- cases whose last step was postponed or sent back and that have not come back within `months`
  (no later item under the same case number, no later item citing it as an earlier treatment);
- earlier treatments naming meetings that are not in the archive (what to fetch next).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from referat.model import Outcome
from referat.store import loose_ends as queries

NOT_BACK = (Outcome.POSTPONED.value, Outcome.REFERRED_BACK.value)
DEFAULT_MONTHS = 3


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day where that day does not exist)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def loose_ends(db, *, year: int | None = None, committee: str | None = None, months: int = DEFAULT_MONTHS,
               today: date | None = None) -> dict[str, Any]:  # fmt: skip
    """The contract of `referat loose-ends --format json`."""
    today = today or date.today()
    before = months_before(today, months)
    return {
        "today": today.isoformat(),
        "months": months,
        "filters": {"year": year, "committee": committee},
        "budget_points": queries.unlinked_points(db, year),
        "not_back": queries.items_not_back(db, NOT_BACK, before, year, committee),
        "missing_meetings": queries.missing_meetings(db, year, committee),
    }
