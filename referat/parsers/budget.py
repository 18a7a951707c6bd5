"""Budget-agreement documents: "Aftale om budget 2019" and its numbered points.

Points print as a heading "5.3. Flere indvandrere i job" (the number as written: "5.3", "4.23",
"5.09"), then the text. Accounts documents follow a point with a status note after a line of
dashes ("-----"). A point's text ends at the next point or at a heading that is not a point
(in Markdown-ish text: a heading of the agreement's level or higher, such as
"## Økonomisk driftsramme og bemærkninger").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from referat.model import BudgetAgreement, BudgetPoint
from referat.parsers.committees import canonical_committee, find_committees
from referat.parsers.references import find_meeting_refs
from referat.parsers.text import Line, join_block

POINT_HEADING = re.compile(r"^(?P<point>\d{1,2}\.\d{1,2})\.?\s+(?P<title>[A-ZÆØÅ\"“«].{1,150})$")
AGREEMENT_HEADING = re.compile(
    r"^[\"“«]?(?:Aftale om budget(?:tet)?|Budgetaftale(?:n)?)\s+(?:for\s+)?(?P<year>(?:19|20)\d{2})(?:[-–]\d{2,4})?[\"”»]?\s*:?$",
    re.I,
)
STATUS_RULE = re.compile(r"^-{3,}\s*$")
_RESPONSIBLE = re.compile(r"^(?:Ansvarligt udvalg|Udvalg)\s*:?\s*(?P<name>.*)$", re.I)


@dataclass
class BudgetResult:
    agreement: BudgetAgreement
    title: str | None
    warnings: list[str] = field(default_factory=list)


def parse_budget_agreement(lines: list[Line]) -> BudgetResult | None:
    """The agreement and its points, or None when the text has no agreement heading with points."""
    starts = [i for i, line in enumerate(lines) if AGREEMENT_HEADING.match(line.text)]
    for start in starts:
        year = int(AGREEMENT_HEADING.match(lines[start].text).group("year"))
        level = lines[start].level
        points, warnings = _points_after(lines, start + 1, level)
        if points:
            for point in points:
                point.meeting_refs = find_meeting_refs(
                    "\n".join(filter(None, [point.text, point.status])), default_body=_responsible_committee(lines)
                )
            return BudgetResult(BudgetAgreement(year, points), _title(lines), warnings)
    return None


def _points_after(lines: list[Line], start: int, level: int) -> tuple[list[BudgetPoint], list[str]]:
    points: list[BudgetPoint] = []
    warnings: list[str] = []
    current: tuple[str, str, list[Line]] | None = None

    def close() -> None:
        if current is not None:
            points.append(_point(*current))

    for line in lines[start:]:
        m = POINT_HEADING.match(line.text)
        is_point = bool(m) and (line.level > 0 or _looks_like_heading(m.group("title")))
        if is_point:
            close()
            current = (m.group("point"), m.group("title").strip(), [])
            continue
        if line.level and (level == 0 or line.level <= level) and not AGREEMENT_HEADING.match(line.text):
            break  # a heading of the agreement's level or higher: the points are over
        if AGREEMENT_HEADING.match(line.text):
            break
        if current is None:
            continue
        current[2].append(line)
    close()
    return points, warnings


def _looks_like_heading(title: str) -> bool:
    return not title.rstrip().endswith((".", ",", ";")) and len(title) <= 120


def _point(number: str, title: str, body: list[Line]) -> BudgetPoint:
    rule = next((i for i, line in enumerate(body) if STATUS_RULE.match(line.text)), None)
    if rule is None:
        return BudgetPoint(point=number, title=title, text=join_block(body) or None)
    return BudgetPoint(
        point=number,
        title=title,
        text=join_block(body[:rule]) or None,
        status=join_block(body[rule + 1 :]) or None,
    )


def _responsible_committee(lines: list[Line]) -> str | None:
    for i, line in enumerate(lines):
        if m := _RESPONSIBLE.match(line.text):
            rest = m.group("name") or next((l.text for l in lines[i + 1 : i + 4] if l.text), "")
            if found := find_committees(rest):
                return canonical_committee(found[0].group(0))
    return None


def _title(lines: list[Line]) -> str | None:
    """Accounts documents open "Bevillingsramme / 20.02 …": name them by that; else the first heading."""
    for i, line in enumerate(lines[:10]):
        if line.text.casefold() == "bevillingsramme":
            following = next((l.text for l in lines[i + 1 : i + 4] if l.text), None)
            if following:
                return f"Bevillingsramme {following}"
    top = min((line.level for line in lines if line.level), default=0)
    if top:
        return next(line.text for line in lines if line.level == top)
    return next((line.text for line in lines if line.text), None)
