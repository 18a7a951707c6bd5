"""The records behind the hits of an embedded index, beside it in the same generation folder.

A page of hits needs titles, decisions and text for snippets. Reading them from this small SQLite
file (Python's own sqlite3) instead of the store lets `referat search` answer without importing
SQLAlchemy. It is written in step with the engine (same generation, same commits) and, like the
index, derived from the store and rebuilt with it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from referat.index.search.record import SearchRecord

FILENAME = "records.sqlite"


class HitStore:
    def __init__(self, folder: Path):
        self.path = folder / FILENAME
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS records (uid TEXT PRIMARY KEY, doc TEXT NOT NULL, data TEXT NOT NULL)")
        self.conn.execute("CREATE INDEX IF NOT EXISTS records_doc ON records (doc)")

    def put(self, records: list[SearchRecord]) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO records (uid, doc, data) VALUES (?, ?, ?)",
            [(r.uid, r.document, r.to_json()) for r in records],
        )

    def delete_documents(self, shas: list[str]) -> None:
        self.conn.executemany("DELETE FROM records WHERE doc = ?", [(sha,) for sha in shas])

    def commit(self) -> None:
        self.conn.commit()

    def get(self, uids: list[str]) -> dict[str, SearchRecord]:
        if not uids:
            return {}
        marks = ",".join("?" * len(uids))
        rows = self.conn.execute(f"SELECT uid, data FROM records WHERE uid IN ({marks})", uids).fetchall()
        return {uid: SearchRecord.from_json(data) for uid, data in rows}

    def close(self) -> None:
        self.conn.close()
