"""Alembic environment: runs on the connection `referat.store.migrate` hands over.

There is no alembic.ini; the configuration is built in code so an installed referat can upgrade
any archive it opens. From a shell, use `referat.store.alembic_config()` with a connection.
"""

from alembic import context
from sqlalchemy.types import TypeDecorator

from referat.store import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - offline SQL generation is not supported
    raise RuntimeError("referat's migrations run on a connection passed in config.attributes['connection']")



def render_item(kind, obj, autogen_context):
    """Migrations name plain SQL types (sa.Text), never referat's column classes, so they never break."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


context.configure(
    connection=connection,
    render_item=render_item,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
