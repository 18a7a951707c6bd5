"""The records behind the hits of an embedded index, beside it in the same generation folder.

A page of hits needs titles, decisions and text for snippets. Reading them from this small SQLite
file (Python's own sqlite3) instead of the store lets `referat search` answer without importing
SQLAlchemy. It is written in step with the engine (same generation, same commits) and, like the
index, derived from the store and rebuilt with it.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from referat.index.records import SearchRecord

FILENAME = "records-v2.sqlite"  # the version in the name: an older hit store is rebuilt, not misread


class HitStoreDamaged(Exception):
    """The hit store of a generation is missing, empty or not a database: rebuild the generation."""


class HitStore:
    """uid → record, one column per field (no JSON of the long texts: a rebuild writes them all)."""

    _FIELDS = "uid, doc, kind, title, decision, body, committee, day, outcome, case_number, extra"

    def __init__(self, folder: Path, *, create: bool = False):
        """Open the hit store of a generation (`create`: of a new one). An existing one is checked
        cheaply and never written to: a missing, 0-byte or overwritten file raises
        `HitStoreDamaged` here rather than giving an empty answer later."""
        self.path = folder / FILENAME
        self._deleted: list[str] = []
        if not create and not self.path.is_file():
            raise HitStoreDamaged(f"{self.path.name} is missing")
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        try:
            if create:
                self.conn.execute("PRAGMA journal_mode=WAL")  # persistent: readers use it too
                self.conn.execute(
                    "CREATE TABLE IF NOT EXISTS records (uid TEXT PRIMARY KEY, doc TEXT NOT NULL, kind TEXT, title TEXT,"
                    " decision TEXT, body TEXT, committee TEXT, day TEXT, outcome TEXT, case_number TEXT, extra TEXT)"
                )
                self.conn.execute("CREATE INDEX IF NOT EXISTS records_doc ON records (doc)")
            elif self.conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'records'").fetchone()[0] != 1:
                raise HitStoreDamaged(f"{self.path.name} has no records table")
        except sqlite3.DatabaseError as error:
            self.conn.close()
            raise HitStoreDamaged(f"{self.path.name}: {error}") from None
        except HitStoreDamaged:
            self.conn.close()
            raise

    def holds_records(self) -> bool:
        """Whether any record is stored (an index with records over an empty hit store is damaged)."""
        return self.conn.execute("SELECT 1 FROM records LIMIT 1").fetchone() is not None

    def put(self, records: list[SearchRecord]) -> None:
        self.conn.executemany(
            f"INSERT OR REPLACE INTO records ({self._FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (r.uid, r.document, r.kind, r.title, r.decision, r.body, r.committee, r.date.isoformat() if r.date else None,
                 r.outcome, r.case_number, json.dumps(r.extra, ensure_ascii=False))  # fmt: skip
                for r in records
            ],
        )

    def delete_documents(self, shas: list[str]) -> None:
        """Forget these documents' records at the next `commit` (after the engine has forgotten them)."""
        self._deleted.extend(shas)

    def commit_additions(self) -> None:
        """Make the records put so far visible, before the engine that lists them commits."""
        self.conn.commit()

    def commit(self) -> None:
        if self._deleted:
            self.conn.executemany("DELETE FROM records WHERE doc = ?", [(sha,) for sha in self._deleted])
            self._deleted.clear()
        self.conn.commit()

    def get(self, uids: list[str]) -> dict[str, SearchRecord]:
        if not uids:
            return {}
        marks = ",".join("?" * len(uids))
        rows = self.conn.execute(f"SELECT {self._FIELDS} FROM records WHERE uid IN ({marks})", uids).fetchall()
        return {
            uid: SearchRecord(uid=uid, document=doc, kind=kind, title=title, decision=decision, body=body, committee=committee,
                              date=date.fromisoformat(day) if day else None, outcome=outcome, case_number=case_number,
                              extra=json.loads(extra))  # fmt: skip
            for uid, doc, kind, title, decision, body, committee, day, outcome, case_number, extra in rows
        }

    def close(self) -> None:
        self.conn.close()
