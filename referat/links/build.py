"""Making the links: `rebuild_links` recomputes all of them from the store (`referat reindex`,
a reparse, a rebuilt index), `update_links` only what new documents change (after an ingest).

Each run is one transaction (`referat.store.links.links_transaction`): the earlier treatments and
same-case chains of `referat.links.cases`, then the explicit and suggested budget links of
`referat.links.budget`. Every link says why it exists (kind, score, evidence; see `kinds`).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from referat.links.budget import explicit_links, suggested_links
from referat.links.cases import resolve_treatments, same_case_chain
from referat.links.kinds import EXPLICIT, LINK_KINDS, PREVIOUS, SAME_CASE, SUGGESTED, LinkReport  # noqa: F401 - the vocabulary
from referat.store import links as rows

Finished = Callable[[Any], None]  # runs inside the links' transaction, just before it commits


def rebuild_links(db, search_index, finished: Finished | None = None) -> LinkReport:
    """Recompute every link from the store.

    `finished` runs in the same transaction, so the caller can mark its owed work done atomically
    with the links: a kill before the commit leaves both the old links and the debt."""
    report = LinkReport()
    with rows.links_transaction(db) as session:
        rows.clear_links(session)
        resolve_treatments(session, rows.all_treatments(session), report)
        same_case_chain(session, None, report)
        explicit_links(session, None, report)
        suggested_links(session, search_index, None, report)
        if finished is not None:
            finished(session)
    return report


def update_links(db, search_index, document_ids: Iterable[int], finished: Finished | None = None) -> LinkReport:
    """Links that new documents add or change: their items' treatments and budget references,
    unresolved treatments that name their meetings, same-case chains of their case numbers, and
    suggestions for the budget years their meetings (or their agreements) touch.

    Links these documents' items already have are replaced, not added twice, so finishing the
    same owed work again (another process got there first) does no harm. `finished`: as in
    `rebuild_links`."""
    report = LinkReport()
    doc_ids = sorted(set(document_ids))
    if not doc_ids:
        return report
    with rows.links_transaction(db) as session:
        new_items = rows.items_of_documents(session, doc_ids)
        item_ids = [item_id for item_id, _, _ in new_items]
        new_set = set(item_ids)
        new_dates = {day for _, _, day in new_items}
        rows.delete_links_from(session, (PREVIOUS, EXPLICIT), item_ids)
        own = rows.treatments_of(session, item_ids)
        waiting = [t for t in rows.unresolved_treatments_on(session, new_dates) if t.item_id not in new_set]
        if waiting:
            rows.delete_links_from(session, [PREVIOUS], {t.item_id for t in waiting}, to_item_ids=item_ids)
        resolve_treatments(session, list(own) + list(waiting), report)
        same_case_chain(session, {key for _, key, _ in new_items if key}, report)
        explicit_links(session, item_ids, report)
        years = {d.year + k for d in new_dates if d for k in (-3, -2, -1, 0, 1)}
        agreement_years = rows.agreement_years(session, doc_ids)
        years |= agreement_years
        if years & rows.agreement_years(session):
            suggested_links(session, search_index, years, report)
            if agreement_years:  # explicit links to points of a newly stored agreement
                citing = sorted(set(rows.items_citing_years(session, agreement_years)) - new_set)
                for start in range(0, len(citing), rows.CHUNK):  # made again whole: an item may cite other years too
                    chunk = citing[start : start + rows.CHUNK]
                    rows.delete_links_from(session, [EXPLICIT], chunk)
                    explicit_links(session, chunk, report)
        if finished is not None:
            finished(session)
    return report
