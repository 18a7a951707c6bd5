"""Opening a database: one engine that behaves the same on SQLite and PostgreSQL, the migrations
that bring its schema up to date, and the router between a primary and its read replicas."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError

# --------------------------------------------------------------------------------------------
# Engine


def open_engine(url: str, connect_timeout: int | None = None) -> Engine:
    """An engine whose connections behave the same everywhere: real transactions, FKs enforced.

    SQLite: WAL (readers never block on the writer and never see half a document), foreign keys
    on (the ON DELETE CASCADEs replace a document in one statement), a busy timeout, and
    BEGIN emitted by us, because Python's sqlite3 would otherwise run DDL outside transactions.
    PostgreSQL: a pooled connection is pinged before use (a restarted server is reconnected to);
    `connect_timeout` (seconds) bounds connecting, unless the URL sets its own.
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
    options: dict[str, Any] = {}
    if connect_timeout and url.startswith("postgresql") and "connect_timeout" not in url:
        options["connect_args"] = {"connect_timeout": connect_timeout}
    return create_engine(url, pool_pre_ping=True, **options)


# --------------------------------------------------------------------------------------------
# Primary and read replicas

REPLICA_CONNECT_TIMEOUT = 5  # seconds: a server that is down must not hold a read up for long
REPLICA_RETRY_SECONDS = 10.0  # a replica that failed is left alone this long, then tried again


class Router:
    """The primary (every write, and every read that must see a write) and its streaming read
    replicas. `reader()` gives the next replica in turn that has not failed in the last
    `retry_after` seconds, and the primary when none is configured or every one is down;
    `failed(engine)` is how a reader that could not reach one says so."""

    def __init__(self, primary: Engine, replicas: list[Engine] | None = None, retry_after: float = REPLICA_RETRY_SECONDS):
        self.primary = primary
        self.replicas = list(replicas or [])
        self.retry_after = retry_after
        self._down_since: dict[int, float] = {}  # replica index → when it last failed
        self._next = 0
        self._lock = threading.Lock()

    def writer(self) -> Engine:
        return self.primary

    def reader(self) -> Engine:
        if not self.replicas:
            return self.primary
        now = time.monotonic()
        with self._lock:
            for _ in range(len(self.replicas)):
                index, self._next = self._next, (self._next + 1) % len(self.replicas)
                if now - self._down_since.get(index, -math.inf) >= self.retry_after:
                    self._down_since.pop(index, None)
                    return self.replicas[index]
        return self.primary

    def failed(self, engine: Engine) -> None:
        """Leave a replica alone for `retry_after` seconds (a failing primary has no stand-in)."""
        with self._lock:
            for index, replica in enumerate(self.replicas):
                if replica is engine:
                    self._down_since[index] = time.monotonic()

    def catch_up(self, timeout: float = REPLICA_CONNECT_TIMEOUT) -> None:
        """Wait, at most `timeout` seconds, until every replica that answers has replayed what the
        primary has written so far (PostgreSQL's WAL positions): after a migration, so that no read
        finds a replica without the new tables. A replica that cannot be reached is passed over."""
        if not self.replicas or self.primary.dialect.name != "postgresql":
            return
        with self.primary.connect() as connection:
            written = connection.scalar(text("SELECT CAST(pg_current_wal_lsn() AS text)"))
        deadline = time.monotonic() + timeout
        for replica in self.replicas:
            while time.monotonic() < deadline:
                try:
                    with replica.connect() as connection:  # not a standby (NULL): nothing to wait for
                        if connection.scalar(text("SELECT COALESCE(pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn), true)"),
                                             {"lsn": written}):  # fmt: skip
                            break
                except OperationalError:
                    break
                time.sleep(0.02)

    def dispose(self) -> None:
        for engine in [self.primary, *self.replicas]:
            engine.dispose()


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


def safe_url(url: Any) -> str:
    """The URL as it may be shown: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def open_database(url: str, read_urls: Iterable[str] = ()) -> tuple[Router | None, str | None]:
    """(a router over the primary `url` and its read replicas, None), or (None, the one-line
    reason one of them cannot be opened). Connecting is bounded by REPLICA_CONNECT_TIMEOUT when
    there are replicas, so a server that is down is passed over quickly; without, as ever."""
    read_urls = list(read_urls)
    timeout = REPLICA_CONNECT_TIMEOUT if read_urls else None
    engines = []
    for one in [url, *read_urls]:
        try:
            engines.append(open_engine(one, timeout))
        except ArgumentError as error:
            for engine in engines:
                engine.dispose()
            return None, f"{one} is not a database URL SQLAlchemy understands: {error}"
    return Router(engines[0], engines[1:]), None
