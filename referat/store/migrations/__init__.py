"""Alembic migrations of the store; `referat.store.migrate` applies them when an archive opens."""
