"""Settings: where an archive lives, which database and search engine it uses, and the bounds on
every number a user can send. Resolved here once for the CLI, the web and library users.

- The data folder: `--data`, else `$REFERAT_DATA`, else `$XDG_DATA_HOME/referat`
  (`~/.local/share/referat`).
- The database: `--db`, else `$REFERAT_DB`, else SQLite in the data folder.
- Its read replicas (streaming replicas of a PostgreSQL primary, for the reads): every `--read-db`,
  else `$REFERAT_READ_DB` (several URLs separated by whitespace or commas), else none.
- The search engine: `--engine`, else `$REFERAT_ENGINE`, else tantivy (postgres for a PostgreSQL store).

The bounds: a number past them is refused with a clear message before it reaches the store or
an engine: a search offset of 2^31 once made tantivy reserve room for 2^31 hits and abort the
process, 2^64 and budget years past SQLite's integer range raised OverflowError (a 500 on the web).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from referat.errors import FilterError

SEARCH_ENGINES = ("tantivy", "whoosh", "postgres")
MAX_LIMIT = 1000  # hits on one page of a search (the web API allows 100)
MAX_OFFSET = 2**31 - 1  # hits skipped: the largest 32-bit integer, inside every engine and database
# The years an agreement can be stored or cited under: the parsers read "(19|20)\d{2}".
BUDGET_YEARS = range(1900, 2100)


def default_data_dir() -> Path:
    """The per-user data folder (XDG): $XDG_DATA_HOME/referat or ~/.local/share/referat."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "referat"


def default_engine(db_url: str) -> str:
    """The search engine that suits a store: PostgreSQL's own index in PostgreSQL, else tantivy."""
    return "postgres" if db_url.startswith("postgresql") else "tantivy"


@dataclass(frozen=True)
class Settings:
    """Where one archive lives and how it is read; `debug` shows tracebacks instead of one line."""

    data: Path
    db: str | None = None
    engine: str | None = None
    debug: bool = False
    read_urls: tuple[str, ...] = ()  # replicas the reads go to; `db` takes the writes

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{self.data / 'referat.db'}"

    @property
    def engine_name(self) -> str:
        return self.engine or default_engine(self.db_url)

    @classmethod
    def resolve(cls, data: Path | str | None = None, db: str | None = None, engine: str | None = None,
                debug: bool = False, read_urls: Iterable[str] = ()) -> Settings:  # fmt: skip
        """Options first, then the environment, then the defaults (the CLI's click options read
        the same environment variables, so both ways in agree)."""
        data = data or os.environ.get("REFERAT_DATA") or default_data_dir()
        return cls(Path(data).expanduser(), db or os.environ.get("REFERAT_DB") or None,
                   engine or os.environ.get("REFERAT_ENGINE") or None, debug, resolve_read_urls(read_urls))  # fmt: skip


def resolve_read_urls(options: Iterable[str] = ()) -> tuple[str, ...]:
    """The read replicas' URLs: the options (one URL each), else `$REFERAT_READ_DB`, which holds
    several separated by whitespace or commas (a URL has neither unescaped)."""
    given = tuple(url.strip() for url in options if url.strip())
    return given or tuple(url for url in re.split(r"[\s,]+", os.environ.get("REFERAT_READ_DB", "")) if url)


class InvalidWindow(FilterError, ValueError):
    """A limit or offset outside what a search answers (the message says the allowed range)."""


def check_window(limit: int, offset: int, max_limit: int = MAX_LIMIT) -> None:
    """Refuse a page of hits outside 1 ≤ limit ≤ max_limit (at most MAX_LIMIT), 0 ≤ offset ≤ MAX_OFFSET."""
    max_limit = min(max_limit, MAX_LIMIT)
    if not 1 <= limit <= max_limit:
        raise InvalidWindow("limit", f"must be a whole number from 1 to {max_limit}, not {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidWindow("offset", f"must be a whole number from 0 to {MAX_OFFSET}, not {offset}")


# -- mail: where `referat watch run` sends its digest ----------------------------------------------

SMTP_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class MailSettings:
    """An SMTP server and the digest's addresses. `resolve` takes the options first, then the
    environment (REFERAT_MAIL_TO, REFERAT_SMTP_HOST, REFERAT_SMTP_PORT, REFERAT_SMTP_USER, the
    password in REFERAT_SMTP_PASSWORD or the variable named instead, REFERAT_SMTP_FROM)."""

    to: tuple[str, ...]  # as the To: header shows them ("Åse Hansen <aase@example.dk>")
    sender: str
    host: str = "localhost"
    port: int = 25
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    security: str = "none"  # none | starttls | ssl
    timeout: float = 30.0  # seconds for connecting and for each reply

    @property
    def addresses(self) -> list[str]:
        """The recipients' bare addresses, for the envelope."""
        from email.utils import getaddresses

        return [address for _name, address in getaddresses(list(self.to))]

    @classmethod
    def resolve(cls, to: tuple[str, ...] | list[str] = (), *, host: str | None = None, port: int | None = None,
                user: str | None = None, password_env: str = "REFERAT_SMTP_PASSWORD", sender: str | None = None,
                security: str = "none", environ: dict[str, str] | None = None) -> MailSettings | None:  # fmt: skip
        """The settings, or None when no recipient is given (nothing is mailed then). A value that
        cannot be used raises `FilterError` naming its option."""
        env = os.environ if environ is None else environ
        recipients = [r for value in (to or [env.get("REFERAT_MAIL_TO", "")]) for r in _addresses("mail-to", value)]
        if not recipients:
            if to:
                raise FilterError("mail-to", "give a mail address")
            return None
        host = host or env.get("REFERAT_SMTP_HOST") or "localhost"
        if port is None and env.get("REFERAT_SMTP_PORT"):
            text = env["REFERAT_SMTP_PORT"].strip()
            if not text.isdigit() or not 1 <= int(text) <= 65535:
                raise FilterError("smtp-port", f"REFERAT_SMTP_PORT={text!r} is not a port number (1-65535)")
            port = int(text)
        user = user or env.get("REFERAT_SMTP_USER") or None
        password = env.get(password_env) if user else None
        if user and not password:
            raise FilterError("smtp-password-env", f"set {password_env} to the SMTP password of {user!r}")
        if user and security == "none" and host not in _LOOPBACK:
            raise FilterError("smtp-user", f"the password would travel unencrypted to {host}; add --smtp-starttls or --smtp-ssl")
        senders = _addresses("smtp-from", sender or env.get("REFERAT_SMTP_FROM") or f"referat@{_hostname()}")
        if len(senders) != 1:
            raise FilterError("smtp-from", "give one sender address")
        return cls(tuple(recipients), senders[0], host, port or SMTP_PORTS[security], user, password, security)


def _addresses(option: str, value: str) -> list[str]:
    """Comma-separated addresses, each checked ("name@domain", with or without a display name)."""
    from email.headerregistry import Address
    from email.utils import getaddresses

    if any(c in value for c in "\r\n"):
        raise FilterError(option, "an address cannot hold a line break")
    value = re.sub(r"\s*,[\s,]*", ", ", value).strip(" ,")  # "a@x.dk, , b@y.dk," lists two
    found = []
    for name, address in getaddresses([value]) if value else []:
        local, at, domain = address.partition("@")
        if not (local and at and domain) or any(c.isspace() for c in address):
            raise FilterError(option, f"{value.strip()!r} is not a mail address")
        found.append(str(Address(display_name=name, addr_spec=address)) if name else address)
    return found


def _hostname() -> str:
    import socket

    return socket.gethostname() or "localhost"
