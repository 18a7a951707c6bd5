"""The one query behind the Atom feeds that the search index does not answer: the committee a
feed's address names by its slug (`/udvalg/oekonomiudvalget/feed`). The feeds' items come through
`Archive.search`, `Archive.case` and `Archive.budget`, like the pages they mirror."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from referat.store.schema import MeetingRow


def committee_name(db: Engine, committee_slug: str) -> str | None:
    """The committee's name as its latest meeting spells it, or None when no meeting has the slug
    (read along the meetings' (committee_slug, date, kind) key)."""
    with Session(db) as session:
        return session.scalar(
            select(MeetingRow.committee).where(MeetingRow.committee_slug == committee_slug).order_by(MeetingRow.date.desc()).limit(1)
        )
