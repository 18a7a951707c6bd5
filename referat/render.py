"""Human-readable renderings of parsed documents (the CLI's `--format text`)."""

from __future__ import annotations

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


def _hit_line(hit: dict) -> str:
    from datetime import date

    when = danish_date(date.fromisoformat(hit["meeting_date"])) if hit.get("meeting_date") else ""
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
