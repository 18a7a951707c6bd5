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

from referat.index.search.record import SearchRecord

FILENAME = "records-v2.sqlite"  # the version in the name: an older hit store is rebuilt, not misread


class HitStore:
    """uid → record, one column per field (no JSON of the long texts: a rebuild writes them all)."""

    _FIELDS = "uid, doc, kind, title, decision, body, committee, day, outcome, case_number, extra"

    def __init__(self, folder: Path):
        self.path = folder / FILENAME
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS records (uid TEXT PRIMARY KEY, doc TEXT NOT NULL, kind TEXT, title TEXT,"
            " decision TEXT, body TEXT, committee TEXT, day TEXT, outcome TEXT, case_number TEXT, extra TEXT)"
        )
        self.conn.execute("CREATE INDEX IF NOT EXISTS records_doc ON records (doc)")

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
        self.conn.executemany("DELETE FROM records WHERE doc = ?", [(sha,) for sha in shas])

    def commit(self) -> None:
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
