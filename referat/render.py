"""Every human-readable rendering: parsed documents, hits, case histories (sagsforløb) and budget
points, as text for the terminal, Markdown and HTML to paste, in Danish where a reader pastes it."""

from __future__ import annotations

import csv
import html
import json
from datetime import date
from typing import IO, Any, Iterable

from referat.errors import printable
from referat.model import Document
from referat.parsers.dates import danish_date

_OUTCOME_LABELS = {
    "approved": "godkendt",
    "approved_with_remarks": "godkendt med bemærkninger",
    "noted": "taget til efterretning",
    "recommended": "indstillet til godkendelse",
    "postponed": "udsat",
    "referred_back": "sendt tilbage",
    "rejected": "ikke godkendt",
    "other": "anden beslutning",
}


def outcome_label(outcome: str | None) -> str:
    return _OUTCOME_LABELS.get(outcome or "", "ingen beslutning")


def document_summary(doc: Document) -> str:
    """A few lines a person can read: what the document is and what it contains."""
    lines = [f"{doc.source}  [{doc.kind.value}]"]
    if doc.title:
        lines.append(f"  {doc.title}")
    if m := doc.meeting:
        when = (danish_date(m.date) if m.date else "(no date)") + (f" kl. {m.start_time}" if m.start_time else "")
        lines.append(f"  {m.committee or '(unknown committee)'}, {when}" + (f", {m.location}" if m.location else ""))
        if m.participants:
            present = sum(1 for p in m.participants if p.present)
            absent = sum(1 for p in m.participants if p.present is False)
            lines.append(f"  {len(m.participants)} participants ({present} present, {absent} absent)")
        for item in m.items:
            flags = "".join([" [tillæg]" if item.supplementary else "", " [lukket]" if item.closed else ""])
            case = f"  {item.case_number}" if item.case_number else ""
            lines.append(f"  {item.number if item.number is not None else '-':>3}. {item.title}{flags}{case}")
            lines.append(f"       → {outcome_label(item.outcome.value if item.outcome else None)}"
                         + (f" (beslutter: {item.decided_by})" if item.decided_by else ""))  # fmt: skip
            for ref in item.budget_refs:
                lines.append(f"       budgetaftale {ref.year}" + (f", punkt {ref.point}" if ref.point else ""))
    if b := doc.budget_agreement:
        lines.append(f"  Aftale om budget {b.year}: {len(b.points)} points")
        for p in b.points:
            status = " (status noted)" if p.status else ""
            lines.append(f"  {p.point:>6} {p.title}{status}")
    if doc.sections is not None:
        lines.append(f"  {len(doc.sections)} sections")
        for s in doc.sections[:12]:
            lines.append(f"    - {s.heading or '(untitled)'}")
        if len(doc.sections) > 12:
            lines.append(f"    … and {len(doc.sections) - 12} more")
    for w in doc.warnings:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def date_label(value: Any) -> str:
    """A date (or "YYYY-MM-DD…") as Danish readers write it ("11. juni 2019"); "" for none."""
    if isinstance(value, str) and value:
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return ""
    return danish_date(value) if isinstance(value, date) else ""


def hit_meta(hit: dict) -> str:
    """Where a hit comes from, in one line: the agreement, the document, or committee, date,
    item, case number and outcome."""
    if hit["kind"] == "budget_point":
        return f"Aftale om budget {hit['id'].split('-')[1]}"
    if hit["kind"] == "document":
        return f"dokument · {hit.get('source') or ''}"
    number = f"punkt {hit['item_number']}" if hit.get("item_number") else ""
    where = ", ".join(p for p in (hit.get("committee"), date_label(hit.get("meeting_date")), number) if p)
    return " · ".join(p for p in (where, hit.get("case_number") or "", outcome_label(hit.get("outcome"))) if p)


def _hit_line(hit: dict) -> str:
    when = date_label(hit.get("meeting_date"))
    return f"{hit['committee']}, {when}, punkt {hit['item_number']}: {hit['title']} — {outcome_label(hit.get('outcome'))}"


def budget_overview_text(result: dict) -> str:
    lines = [f"Aftale om budget {result['year']}" + ("" if result["in_archive"] else " (the agreement itself is not in the archive)")]
    for p in result["points"]:
        title = p["title"] or "(title unknown: cited, but not in a stored agreement)"
        lines.append(f"  {p['point']:>6}  {title}  — {p['explicit']} citing, {p['suggested']} suggested")
    if result["year_only"]:
        lines.append(f"  {result['year_only']} items cite the agreement as a whole")
    return "\n".join(lines)


def budget_markdown(result: dict) -> str:
    title = result["title"] or "(ikke i arkivet)"
    lines = [f"## Aftale om budget {result['year']}, punkt {result['point']}: {title}", ""]
    if result.get("text"):
        lines += [result["text"], ""]
    if result.get("status"):
        lines += ["**Status:** " + result["status"], ""]
    lines.append("### Sager der henviser til punktet")
    lines += [f"- {_hit_line(h)}  \n  > {h['quote']}" for h in result["explicit"]] or ["- ingen"]
    lines += ["", "### Sager om samme emne (forslag)"]
    for h in result["suggested"]:
        why = ", ".join(h["evidence"].get("matched", [])) or next(iter(h["evidence"].values()), "")
        lines.append(f"- {_hit_line(h)} (score {h['score']:.2f}; {why})")
    if not result["suggested"]:
        lines.append("- ingen")
    lines += ["", "### Sager der henviser til budgetaftalen som helhed"]
    lines += [f"- {_hit_line(h)}" for h in result["year_only"]] or ["- ingen"]
    return "\n".join(lines) + "\n"


def budget_html(result: dict) -> str:
    import html

    e = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    parts = [f"<h2>Aftale om budget {e(result['year'])}, punkt {e(result['point'])}: {e(result['title'] or '(ikke i arkivet)')}</h2>"]
    if result.get("text"):
        parts.append(f"<p>{e(result['text'])}</p>")
    if result.get("status"):
        parts.append(f"<p><strong>Status:</strong> {e(result['status'])}</p>")
    for heading, key in (("Sager der henviser til punktet", "explicit"), ("Sager om samme emne (forslag)", "suggested"),
                         ("Sager der henviser til budgetaftalen som helhed", "year_only")):  # fmt: skip
        parts.append(f"<h3>{heading}</h3><ul>")
        parts += [f"<li>{e(_hit_line(h))}</li>" for h in result[key]] or ["<li>ingen</li>"]
        parts.append("</ul>")
    return "\n".join(parts) + "\n"


# -- case histories (sagsforløb) -------------------------------------------------------------


def _decision_line(step: dict) -> str:
    decision = (step.get("decision") or "").strip()
    if not decision:
        return "Ingen beslutning i referatet."
    first = " ".join(decision.split())
    return first if first.endswith((".", "!", "?")) else first + "."


def history_markdown(history: dict[str, Any]) -> str:
    """The sagsforløb as Markdown, in the words and date format a secretariat uses."""
    heading = f"Sagsforløb: {history['title']}" + (f" ({history['case_number']})" if history.get("case_number") else "")
    lines = [f"## {heading}", ""]
    for step in history["steps"]:
        day = danish_date(date.fromisoformat(step["meeting_date"])) if step["meeting_date"] else "udateret"
        lines.append(f"- **{step['committee']}, {day}{_punkt(step['item_number'])}**: {step['title']}  ")
        lines.append(f"  Beslutning: {_decision_line(step)}")
    if history["unresolved"]:
        lines += ["", "Tidligere behandlinger, der ikke findes i arkivet:", ""]
        for t in history["unresolved"]:
            number = f", punkt {t['item_number']}" if t.get("item_number") else ""
            lines.append(f"- {t['body']}, {danish_date(date.fromisoformat(t['date']))}{number}")
    return "\n".join(lines) + "\n"


def history_html(history: dict[str, Any]) -> str:
    """The same as HTML (every piece of document text escaped), to paste into a case system."""
    e = lambda text: html.escape(str(text), quote=True)  # noqa: E731
    heading = f"Sagsforløb: {history['title']}" + (f" ({history['case_number']})" if history.get("case_number") else "")
    parts = [f"<h2>{e(heading)}</h2>", "<ol class=\"sagsforloeb\">"]
    for step in history["steps"]:
        day = danish_date(date.fromisoformat(step["meeting_date"])) if step["meeting_date"] else "udateret"
        parts.append(
            f"<li><strong>{e(step['committee'])}, {e(day)}{e(_punkt(step['item_number']))}</strong>: {e(step['title'])}"
            f"<br>Beslutning: {e(_decision_line(step))}</li>"
        )
    parts.append("</ol>")
    if history["unresolved"]:
        parts.append("<p>Tidligere behandlinger, der ikke findes i arkivet:</p><ul>")
        for t in history["unresolved"]:
            number = f", punkt {t['item_number']}" if t.get("item_number") else ""
            parts.append(f"<li>{e(t['body'])}, {e(danish_date(date.fromisoformat(t['date'])))}{e(number)}</li>")
        parts.append("</ul>")
    return "\n".join(parts) + "\n"


def _punkt(number: int | None) -> str:
    """", punkt 6", or nothing for an item printed without a number."""
    return "" if number is None else f", punkt {number}"


# -- exports and sources -----------------------------------------------------------------------

EXPORT_FIELDS = ("id", "committee", "meeting_date", "item_number", "title", "case_number", "outcome", "decision",
                 "budget_refs", "dissent", "votes_for", "votes_against", "votes_abstain", "source", "sha256")  # fmt: skip


def write_export(rows: Iterable[dict[str, Any]], out: IO[str], fmt: str) -> int:
    """Write export rows (`Archive.export_items`) to a text stream as it reads them; returns how many.

    `csv`: a header row, then one row an item (a decision's line breaks and quotes quoted as
    RFC 4180 says), budget references as "2019:5.3; 2020", positions as "kind:party:person"
    entries joined by "; ", empty cells for nothing. `jsonl`: one JSON object a line, with the
    same keys, budget references and positions as lists of objects. Open a file with
    newline="" for CSV, so its line endings are written as they are."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(EXPORT_FIELDS)
        for row in rows:
            writer.writerow(_csv_cells(row))
            count += 1
    elif fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    else:
        raise ValueError(f"unknown export format {fmt!r}; use csv or jsonl")
    return count


def _csv_cells(row: dict[str, Any]) -> list[Any]:
    cells = dict(row)
    cells["budget_refs"] = "; ".join(f"{r['year']}:{r['point']}" if r["point"] else str(r["year"]) for r in row["budget_refs"])
    cells["dissent"] = "; ".join(f"{p['kind']}:{p['party'] or ''}:{p['person'] or ''}" for p in row["dissent"])
    return ["" if cells[name] is None else cells[name] for name in EXPORT_FIELDS]


def sources_text(result: dict[str, Any]) -> str:
    """One line per fetched source: its last fetch, newest meeting and documents, and FLAGGED with
    the reason when it needs attention."""
    if not result["sources"]:
        return "No source has been fetched yet; `referat fetch SOURCE.toml` fetches one."
    lines = []
    for source in result["sources"]:
        last = source["last_fetch"]
        when = (last["started_at"] or "")[:16].replace("T", " ")
        line = (f"{printable(source['name'])}: last fetch {when} UTC {'ok' if last['ok'] else 'FAILED'}; "
                f"newest meeting {source['newest_meeting'] or 'none'}; {source['documents']} documents")  # fmt: skip
        lines.append(line + (f"; FLAGGED: {printable(source['flag'])}" if source["flag"] else ""))
    return "\n".join(lines)
