"""Opening a database: one engine that behaves the same on SQLite and PostgreSQL, and the
migrations that bring its schema up to date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError

# --------------------------------------------------------------------------------------------
# Engine


def open_engine(url: str) -> Engine:
    """An engine whose connections behave the same everywhere: real transactions, FKs enforced.

    SQLite: WAL (readers never block on the writer and never see half a document), foreign keys
    on (the ON DELETE CASCADEs replace a document in one statement), a busy timeout, and
    BEGIN emitted by us, because Python's sqlite3 would otherwise run DDL outside transactions.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # With WAL, NORMAL survives a killed process; a power cut may lose the last commits, never consistency.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x7265_6661  # "refa": serialises concurrent migrations on a shared server


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# The newest migration in migrations/versions/. A test checks it against Alembic's own head, so
# opening an archive can compare revisions without importing Alembic (a tenth of a second).
SCHEMA_HEAD = "0004_follow"


def needs_migration(engine: Engine) -> bool:
    """Whether the schema is older than this referat (or missing); cheap, so every open asks."""
    from sqlalchemy import inspect

    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return True
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() != SCHEMA_HEAD


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration, in one transaction (SQLite and PostgreSQL both have transactional DDL)."""
    from alembic import command

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        command.upgrade(alembic_config(connection), "head")




# --------------------------------------------------------------------------------------------
# Errors


def is_database_error(error: BaseException) -> bool:
    return isinstance(error, SQLAlchemyError)


def database_failed(error: BaseException) -> bool:
    """Whether the database itself failed (server gone, file damaged or full) rather than one
    document's rows: SQLAlchemy's OperationalError, or a bare DatabaseError ("malformed")."""
    return isinstance(error, OperationalError) or type(error) is DatabaseError


def first_line(error: BaseException) -> str:
    """A database error's first line as the driver words it (no SQL, no parameters)."""
    message = str(getattr(error, "orig", None) or error)
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__


def describe(error: BaseException) -> str:
    """A database error's first line; anything else with its type, as it is a bug."""
    return first_line(error) if isinstance(error, SQLAlchemyError) else f"{type(error).__name__}: {error}"


def one_line(error: BaseException) -> str:
    if isinstance(error, SQLAlchemyError):
        return first_line(error)
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def safe_url(url: str) -> str:
    """The URL as it may be shown: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def open_database(url: str) -> tuple[Engine | None, str | None]:
    """(engine, None), or (None, the one-line reason it cannot be opened)."""
    try:
        return open_engine(url), None
    except ArgumentError as error:
        return None, f"{url} is not a database URL SQLAlchemy understands: {error}"
