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
        when = danish_date(m.date) + (f" kl. {m.start_time}" if m.start_time else "")
        lines.append(f"  {m.committee or '(unknown committee)'}, {when}" + (f", {m.location}" if m.location else ""))
        if m.participants:
            present = sum(1 for p in m.participants if p.present)
            absent = sum(1 for p in m.participants if p.present is False)
            lines.append(f"  {len(m.participants)} participants ({present} present, {absent} absent)")
        for item in m.items:
            flags = "".join([" [tillæg]" if item.supplementary else "", " [lukket]" if item.closed else ""])
            case = f"  {item.case_number}" if item.case_number else ""
            lines.append(f"  {item.number:>3}. {item.title}{flags}{case}")
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
