"""Every human-readable rendering: parsed documents, hits, case histories (sagsforløb) and budget
points, as text for the terminal, Markdown and HTML to paste, in Danish where a reader pastes it,
and Atom feeds of agenda items."""

from __future__ import annotations

import csv
import html
import json
import re
from datetime import date
from typing import IO, Any, Iterable

from referat.errors import printable
from referat.model import Document
from referat.parsers.dates import danish_date
from referat.parsers.positions import PARTY_LETTERS

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
    return f"{hit['committee']}, {when}{_punkt(hit['item_number'])}: {hit['title']} — {outcome_label(hit.get('outcome'))}"


_YEAR_ONLY_HEADING = "Sager der henviser til budgetaftalen som helhed"


def _items_citing(count: int) -> str:
    return f"{count} item cites" if count == 1 else f"{count} items cite"


def budget_overview_text(result: dict) -> str:
    """A year's agreement for the terminal: its points with their counts, then the items citing
    the agreement as a whole."""
    lines = [f"Aftale om budget {result['year']}" + ("" if result["in_archive"] else " (the agreement itself is not in the archive)")]
    for p in result["points"]:
        title = p["title"] or "(title unknown: cited, but not in a stored agreement)"
        lines.append(f"  {p['point']:>6}  {title}  — {p['explicit']} citing, {p['suggested']} suggested")
    if result["year_only"]:
        lines.append(f"  {_items_citing(result['year_only'])} the agreement as a whole:")
        lines += [f"    {_hit_line(h)}" for h in result["year_only_items"]]
    return "\n".join(lines)


def budget_overview_markdown(result: dict) -> str:
    """A year's agreement as Markdown: a table of its points, then the items citing it as a whole."""
    lines = [f"## Aftale om budget {result['year']}", ""]
    if not result["in_archive"]:
        lines += ["Selve aftalen er ikke i arkivet; punkterne kendes, fordi dagsordenspunkter henviser til dem.", ""]
    if result["points"]:
        lines += ["| Punkt | Titel | Henvisninger | Forslag |", "|---|---|---:|---:|"]
        lines += [f"| {p['point']} | {_cell(p['title'] or '(titel ukendt)')} | {p['explicit']} | {p['suggested']} |" for p in result["points"]]
        lines.append("")
    return "\n".join(lines + _hits_markdown(_YEAR_ONLY_HEADING, result["year_only_items"])) + "\n"


def budget_overview_html(result: dict) -> str:
    """The same as HTML (every piece of document text escaped)."""
    e = _escape
    parts = [f"<h2>Aftale om budget {e(result['year'])}</h2>"]
    if not result["in_archive"]:
        parts.append("<p>Selve aftalen er ikke i arkivet; punkterne kendes, fordi dagsordenspunkter henviser til dem.</p>")
    if result["points"]:
        parts.append("<table><thead><tr><th>Punkt</th><th>Titel</th><th>Henvisninger</th><th>Forslag</th></tr></thead><tbody>")
        parts += [f"<tr><td>{e(p['point'])}</td><td>{e(p['title'] or '(titel ukendt)')}</td><td>{p['explicit']}</td><td>{p['suggested']}</td></tr>"
                  for p in result["points"]]  # fmt: skip
        parts.append("</tbody></table>")
    return "\n".join(parts + _hits_html(_YEAR_ONLY_HEADING, result["year_only_items"])) + "\n"


def _cell(text: str) -> str:
    """Text in a Markdown table cell: one line, its pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _escape(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _hits_markdown(heading: str, hits: list[dict]) -> list[str]:
    return [f"### {heading}", *([f"- {_hit_line(h)}" for h in hits] or ["- ingen"])]


def _hits_html(heading: str, hits: list[dict]) -> list[str]:
    return [f"<h3>{heading}</h3><ul>", *([f"<li>{_escape(_hit_line(h))}</li>" for h in hits] or ["<li>ingen</li>"]), "</ul>"]


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
    lines += ["", *_hits_markdown(_YEAR_ONLY_HEADING, result["year_only"])]
    return "\n".join(lines) + "\n"


def budget_html(result: dict) -> str:
    e = _escape
    parts = [f"<h2>Aftale om budget {e(result['year'])}, punkt {e(result['point'])}: {e(result['title'] or '(ikke i arkivet)')}</h2>"]
    if result.get("text"):
        parts.append(f"<p>{e(result['text'])}</p>")
    if result.get("status"):
        parts.append(f"<p><strong>Status:</strong> {e(result['status'])}</p>")
    for heading, key in (("Sager der henviser til punktet", "explicit"), ("Sager om samme emne (forslag)", "suggested"),
                         (_YEAR_ONLY_HEADING, "year_only")):  # fmt: skip
        parts += _hits_html(heading, result[key])
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


# -- positions and parties ---------------------------------------------------------------------------

_POSITION_LABELS = {"against": "Imod", "abstain": "Undlod at stemme", "reservation": "Forbehold",
                    "to_council": "Begærede sagen i byrådet", "for": "For"}  # fmt: skip
# A party's name for its list letter: the first (the full) name the positions parser knows it by.
_PARTY_NAMES = {letter: name for name, letter in reversed(list(PARTY_LETTERS.items())) if len(name) > 3}


def position_label(kind: str) -> str:
    return _POSITION_LABELS.get(kind, kind)


def party_name(letter: str | None) -> str:
    """"Enhedslisten (Ø)" for a known list letter, else the letter as printed."""
    if not letter:
        return ""
    return f"{_PARTY_NAMES[letter]} ({letter})" if letter in _PARTY_NAMES else letter


def positions_text(positions: dict[str, Any]) -> str:
    """An item's positions and vote counts in one line each, for the terminal."""
    lines = []
    counts = [f"{positions[k]} {w}" for k, w in (("votes_for", "for"), ("votes_against", "imod"), ("votes_abstain", "undlod"))
              if positions.get(k) is not None]  # fmt: skip
    if counts:
        lines.append("Stemmer: " + ", ".join(counts))
    for x in positions.get("positions") or []:
        who = " ".join(p for p in (x.get("name") or "", f"({x['party']})" if x.get("party") and x.get("name") else x.get("party") or "") if p)
        lines.append(f"{position_label(x['kind'])}: {who}")
    return "\n".join(lines)


# -- loose ends --------------------------------------------------------------------------------------


def loose_ends_text(result: dict[str, Any]) -> str:
    """`referat loose-ends` for the terminal: three short lists with what each item is."""
    lines = []
    points = result["budget_points"]
    lines.append(f"Budget points no item cites or deals with: {len(points)}")
    lines += [f"  Aftale om budget {p['year']}, punkt {p['point']}: {p['title']}" for p in points]
    waiting = result["not_back"]
    lines.append(f"\nPostponed or sent back, not taken up again within {result['months']} months: {len(waiting)}")
    for hit in waiting:
        number = f", punkt {hit['item_number']}" if hit.get("item_number") is not None else ""
        case = f" ({hit['case_number']})" if hit.get("case_number") else ""
        lines.append(f"  {hit['committee']}, {date_label(hit['meeting_date'])}{number}: {hit['title']}{case} — {outcome_label(hit['outcome'])}")
    missing = result["missing_meetings"]
    lines.append(f"\nEarlier treatments at meetings not in the archive: {len(missing)}")
    for m in missing:
        number = f", punkt {m['item_number']}" if m.get("item_number") is not None else ""
        lines.append(f"  {m['body']}, {date_label(m['date'])}{number} — cited by {len(m['cited_by'])} item(s)")
    return "\n".join(lines)


# -- Atom feeds (RFC 4287) ---------------------------------------------------------------------

ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
FEED_ENTRIES = 50  # a feed is the newest items, not an archive
TAG = "tag:referat,2024:"  # ids are tag URIs (RFC 4151): not addresses, so a new host name keeps them
_ATOM = "http://www.w3.org/2005/Atom"
_REFERAT = TAG + "ns"  # the namespace of the item fields a program may want one by one
_NO_TIME = "1970-01-01T00:00:00Z"
# XML 1.0 forbids every control character but tab and the line ends (and U+FFFE/FFFF, surrogates):
# a minuted text with a stray form feed or NUL would make the whole feed unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def atom_feed(feed: dict[str, Any]) -> bytes:
    """An Atom feed of agenda items, UTF-8 bytes.

    `feed` is a plain dict: `key` (what the feed follows, e.g. "case/15.00.00-P05-4-20": its id is
    `tag:referat,2024:feed/<key>`, the same on every host and request), `title`, `self_url` (the
    feed's own absolute address), `alternate_url` (the page it mirrors) and `entries`: HIT dicts
    (`referat search --format json`'s hits) each with `url`, the absolute address of its page.

    Entries are the newest `FEED_ENTRIES` items by meeting date (committee and item number break
    ties), each with the title, the committee as author, a summary line (committee, date, item
    number, case number, outcome), the decision as escaped text content, the outcome and
    committee as categories, and the same fields one by one in the referat namespace. An entry's
    id is `tag:referat,2024:item/<item uid>`, and the uid is made of committee, date and number,
    so it survives a re-ingest or a reparse.

    `updated` is the meeting date (midnight UTC), never the time a document was ingested: a
    re-ingest, a reparse or a `reindex` would otherwise make every reader show old decisions as
    new. The feed's own `updated` is its newest entry's (the epoch for an empty feed), so two
    requests of an unchanged archive give the same bytes. ElementTree writes the XML, so every
    text is escaped; control characters XML 1.0 cannot carry are dropped first."""
    from xml.etree.ElementTree import Element, SubElement, indent, tostring

    entries = sorted(feed["entries"], key=lambda h: (h.get("committee") or "", h.get("item_number") or 0, h["id"]))
    entries = sorted(entries, key=lambda h: h.get("meeting_date") or "", reverse=True)[:FEED_ENTRIES]
    root = Element("feed", {"xmlns": _ATOM, "xmlns:referat": _REFERAT, "xml:lang": "da"})

    def add(parent: Element, tag: str, text: Any = None, **attrs: Any) -> Element:
        element = SubElement(parent, tag, {k.rstrip("_"): _xml(v) for k, v in attrs.items() if v is not None})
        if text is not None:
            element.text = _xml(text)
        return element

    add(root, "id", TAG + "feed/" + _tag_part(feed["key"]))
    add(root, "title", feed["title"], type="text")
    add(root, "updated", _atom_time(entries[0].get("meeting_date")) if entries else _NO_TIME)
    add(root, "link", rel="self", type="application/atom+xml", href=feed["self_url"])
    add(root, "link", rel="alternate", type="text/html", href=feed["alternate_url"])
    add(add(root, "author"), "name", "referat")
    add(root, "generator", "referat")
    for hit in entries:
        entry = add(root, "entry")
        add(entry, "id", TAG + _tag_part(f"{hit.get('kind') or 'item'}/{hit['id']}"))
        add(entry, "title", hit["title"], type="text")
        add(entry, "link", rel="alternate", type="text/html", href=hit["url"])
        add(entry, "updated", _atom_time(hit.get("meeting_date")))
        if hit.get("committee"):
            add(add(entry, "author"), "name", hit["committee"])
            add(entry, "category", scheme=TAG + "committee", term=hit["committee"])
        add(entry, "category", scheme=TAG + "outcome", term=hit.get("outcome") or "none", label=outcome_label(hit.get("outcome")))
        add(entry, "summary", hit_meta(hit), type="text")
        add(entry, "content", (hit.get("decision") or "").strip() or "Ingen beslutning i referatet.", type="text")
        for name in ("committee", "meeting_date", "item_number", "case_number", "outcome"):
            if hit.get(name) is not None:
                add(entry, "referat:" + name, hit[name])
    indent(root)  # a person reading the feed sees its structure; no element holds mixed content
    return tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _xml(value: Any) -> str:
    return _NOT_XML.sub("", str(value))


def _tag_part(text: str) -> str:
    """The specific part of a tag URI: characters a URI may not hold, percent-encoded."""
    from urllib.parse import quote

    return quote(_xml(text), safe="/?=&,.:-_~")


def _atom_time(day: str | None) -> str:
    """A meeting date ("2020-08-18") as an RFC 3339 time; the epoch for an item without a date."""
    return f"{day[:10]}T00:00:00Z" if day else _NO_TIME


# -- watches: the digest of `referat watch run` ------------------------------------------------------

WATCH_KINDS = {"search": "Søgning", "case": "Sag", "budget": "Budgetpunkt", "committee": "Udvalg"}
_WINDOW_FULL = ("Bemærk: søgningen fandt flere punkter i perioden, end én kørsel kan se igennem; "
                "nye punkter kan mangle. Gør søgningen snævrere.")  # fmt: skip


def _number_of(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _new_items(count: int) -> str:
    return _number_of(count, "nyt punkt", "nye punkter")


def watch_digest_subject(report: dict[str, Any]) -> str:
    """"referat: 7 nye punkter i 3 overvågninger" (the watches with news)."""
    with_news = sum(1 for w in report["watches"] if w["new"])
    return f"referat: {_new_items(report['total_new'])} i {_number_of(with_news, 'overvågning', 'overvågninger')}"


def _shorten(text: str, length: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"


def _plain_snippet(snippet: str) -> str:
    return html.unescape(snippet.replace("<mark>", "").replace("</mark>", ""))


def _watch_heading(watch: dict[str, Any]) -> str:
    return f"{WATCH_KINDS.get(watch['kind'], watch['kind'])}: {watch['label']}"


def watch_digest_text(report: dict[str, Any]) -> str:
    """The digest as plain text (the mail's text part, and what a run prints), in Danish."""
    lines = [watch_digest_subject(report)]
    for watch in (w for w in report["watches"] if w["new"]):
        lines += ["", f"{_watch_heading(watch)} ({_new_items(len(watch['new']))})"]
        if watch.get("window_full"):
            lines.append(_WINDOW_FULL)
        for hit in watch["new"]:
            lines += ["", f"- {hit['title']}", f"  {hit_meta(hit)}"]
            if snippet := _plain_snippet(hit.get("snippet") or ""):
                lines.append(f"  {_shorten(snippet)}")
            lines += [f"  Beslutning: {_shorten(_decision_line(hit))}", f"  id: {hit['id']}"]
    return "\n".join(lines) + "\n"


def _marked(snippet: str) -> str:
    """A hit's snippet as HTML: its text escaped again whatever it holds, its <mark>s kept."""
    parts = snippet.replace("</mark>", "<mark>").split("<mark>")
    return "".join(f"<mark>{html.escape(html.unescape(p))}</mark>" if i % 2 else html.escape(html.unescape(p)) for i, p in enumerate(parts))


def watch_digest_html(report: dict[str, Any]) -> str:
    """The digest as an HTML page (the mail's HTML part), every piece of document text escaped."""
    e = lambda text: html.escape(str(text), quote=True)  # noqa: E731
    subject = watch_digest_subject(report)
    parts = ['<!DOCTYPE html>\n<html lang="da">\n<head><meta charset="utf-8"><title>' + e(subject) + "</title></head>\n<body>",
             f"<h1>{e(subject)}</h1>"]  # fmt: skip
    for watch in (w for w in report["watches"] if w["new"]):
        parts.append(f"<h2>{e(_watch_heading(watch))} <small>({e(_new_items(len(watch['new'])))})</small></h2>")
        if watch.get("window_full"):
            parts.append(f"<p><em>{e(_WINDOW_FULL)}</em></p>")
        parts.append("<ul>")
        for hit in watch["new"]:
            snippet = f"<br>{_marked(hit['snippet'])}" if hit.get("snippet") else ""
            parts.append(f"<li><strong>{e(hit['title'])}</strong><br>{e(hit_meta(hit))}{snippet}"
                         f"<br>Beslutning: {e(_shorten(_decision_line(hit)))}<br><small>id: {e(hit['id'])}</small></li>")  # fmt: skip
        parts.append("</ul>")
    parts.append("</body>\n</html>")
    return "\n".join(parts) + "\n"


def watch_list_text(watches: list[dict[str, Any]]) -> str:
    """`referat watch list` for a person: one watch in two lines."""
    if not watches:
        return "No watches yet; add one with `referat watch add`."
    lines = []
    for w in watches:
        lines.append(f"{w['id']:>4}  {w['kind']:<9}  {w['label']}")
        lines.append(f"{'':>4}  {'':<9}  added {w['created_at']}, last run {w['last_run_at'] or 'never'}, "
                     f"{w['sent']} item{'s' if w['sent'] != 1 else ''} delivered")  # fmt: skip
    return "\n".join(lines)


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
