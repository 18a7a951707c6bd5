"""The store: the domain model (`referat.model`) as tables, and the one place that maps between them.

Everything else in referat talks dataclasses; only this module knows table and column names.
The schema is created and evolved by the Alembic migrations in `referat/store/migrations/`
(`migrate` applies them when an archive opens), never by `create_all`, so a file made by an older
referat upgrades in place. A test checks that the migrated schema equals these models. To add a
migration: change the models, then autogenerate a revision on a connection
(`alembic.command.revision(alembic_config(connection), message=..., autogenerate=True)`) and read it.

Rules that live here:
- **Meeting identity** is (committee slug, date, kind). Minutes supersede the agenda of the same
  meeting: the agenda's meeting rows are deleted and its document is marked `superseded_by` the
  minutes (the document and its raw/ original stay, so re-ingesting it is still "unchanged").
  Of two documents for the same meeting and kind, the one ingested later wins the same way.
- **Item uid**: committee slug + date + number ("erhvervs-og-beskaeftigelsesudvalget-2020-08-18-6"),
  readable and stable across re-parses; a second item with the same number gets "-2", and so on.
- **Text** never holds NUL characters (PostgreSQL cannot store them; SQLite is kept the same).
- **Case key**: the case number upper-cased with dashes and spaces unified, so a prefix such as
  "15.00.00-p05" finds "15.00.00-P05-4-20"; prefixes match at component boundaries only.
"""

from __future__ import annotations

from referat.store.database import *  # noqa: F403
from referat.store.documents import *  # noqa: F403
from referat.store.schema import *  # noqa: F403
from referat.store import pages  # noqa: F401 - read by Archive as store.pages
from referat.store import feeds  # noqa: F401 - read by Archive as store.feeds
from referat.store import export, freshness  # noqa: F401 - read by Archive as store.export, store.freshness
