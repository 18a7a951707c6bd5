"""Alembic migrations of the store; `referat.index.store.migrate` applies them when an archive opens."""
