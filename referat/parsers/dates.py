"""Danish dates and times as minutes print them.

"18. august 2020", "Tirsdag den 12. juni 2018 - kl. 13:00", "d. 18-08-2020", "06.02.2018 kl. 13:00",
"5. dec. 2017", "2020-08-18", "14/4 2020".
"""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "marts": 3, "mar": 3, "april": 4, "apr": 4,
    "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
    # English month names, as some publishing systems print them ("Onsdag, April 3, 2019", "4. May 2020")
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "oct": 10,
}  # fmt: skip
MONTH_NAMES = [
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
]  # fmt: skip

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_RE = re.compile(
    rf"(?<![\w.\-/])(?P<d1>\d{{1,2}})\.?(?:\s*|-)(?P<month>{_MONTH})\.?(?:\s+|-)(?P<y1>\d{{4}})(?!\d)"
    # "April 3, 2019"
    rf"|(?<![\w.\-/])(?P<month4>{_MONTH})\.?\s+(?P<d4>\d{{1,2}}),?\s+(?P<y4>\d{{4}})(?!\d)"
    r"|(?<![\w.\-/])(?P<y2>\d{4})-(?P<m2>\d{2})-(?P<d2>\d{2})(?!\d)"
    # not "17.01.00-Ø00-2-24": a KLE case number is no date
    r"|(?<![\w.\-/])(?P<d3>\d{1,2})[.\-/](?P<m3>\d{1,2})[.\-/ ](?P<y3>\d{4}|\d{2})(?!\d|-\w|\.\d)",
    re.IGNORECASE,
)
TIME_RE = re.compile(r"\b[Kk]l\.?\s*(?P<h>[0-2]?\d)(?:[:.](?P<m>[0-5]\d))?(?!\d)")


def find_dates(text: str) -> list[tuple[date, re.Match[str]]]:
    """Every valid date in `text` with its match, in order."""
    found = []
    for m in DATE_RE.finditer(text):
        if value := _to_date(m):
            found.append((value, m))
    return found


def parse_date(text: str) -> date | None:
    """The first date in `text`, or None."""
    dates = find_dates(text)
    return dates[0][0] if dates else None


_NAME_DATE = re.compile(
    r"(?<!\d)(?:(?P<d>\d{1,2})[-_.](?P<m>\d{1,2})[-_.](?P<y>(?:19|20)\d{2})|(?P<y2>(?:19|20)\d{2})[-_.](?P<m2>\d{2})[-_.](?P<d2>\d{2}))(?!\d)"
    # kk.dk: ".../møde-22042021/referat/punkt-10", ".../modemateriale/22032018/edoc-agenda/…"
    r"|(?:møde-|moede-|mode-|/)(?P<d3>[0-3]\d)(?P<m3>[01]\d)(?P<y3>(?:19|20)\d{2})(?=/|$|\?)"
)


def date_in_name(name: str) -> date | None:
    """The last date in a file name or URL ("…/okonomiudvalget-15-01-2024", "referat_2024-01-15.pdf",
    "…/Moede-i-regionsraadet-den-22.marts-2022.aspx")."""
    found = None
    for m in _NAME_DATE.finditer(name):
        try:
            if m.group("y3"):
                found = date(int(m.group("y3")), int(m.group("m3")), int(m.group("d3")))
            elif m.group("y"):
                found = date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
            else:
                found = date(int(m.group("y2")), int(m.group("m2")), int(m.group("d2")))
        except ValueError:
            continue
    if found is None and (spelled := find_dates(re.sub(r"[-_/]+", " ", name))):
        found = spelled[-1][0]
    return found


def parse_time(text: str) -> str | None:
    """The first "kl. 13:00"-style time as "HH:MM", or None."""
    for m in TIME_RE.finditer(text):
        hour, minute = int(m.group("h")), int(m.group("m") or 0)
        if hour < 24:
            return f"{hour:02d}:{minute:02d}"
    return None


def danish_date(value: date) -> str:
    """'18. august 2020', as a secretariat writes it."""
    return f"{value.day}. {MONTH_NAMES[value.month - 1]} {value.year}"


def _to_date(m: re.Match[str]) -> date | None:
    try:
        if m.group("month"):
            return date(int(m.group("y1")), MONTHS[m.group("month").lower()], int(m.group("d1")))
        if m.group("month4"):
            return date(int(m.group("y4")), MONTHS[m.group("month4").lower()], int(m.group("d4")))
        if m.group("y2"):
            return date(int(m.group("y2")), int(m.group("m2")), int(m.group("d2")))
        year = int(m.group("y3"))
        if year < 100:
            year += 2000 if year < 70 else 1900
        return date(year, int(m.group("m3")), int(m.group("d3")))
    except ValueError:
        return None
