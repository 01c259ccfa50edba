"""The gateway's on-disk spool: every chunk is written here first and deleted once the
cluster acknowledged it, so nothing is lost while the broker is away and the backlog
leaves in the order it came in."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Spooled:
    row: int
    subject: str
    msg_id: str
    headers: dict[str, str]
    body: bytes


class Spool:
    """An append-only SQLite table (WAL); rows leave in insertion order."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS spool (row INTEGER PRIMARY KEY "
                        "AUTOINCREMENT, subject TEXT, msg_id TEXT, headers TEXT, body BLOB)")
        self.db.commit()

    def add(self, subject: str, msg_id: str, headers: dict[str, str], body: bytes) -> None:
        self.db.execute("INSERT INTO spool (subject, msg_id, headers, body) VALUES (?,?,?,?)",
                        (subject, msg_id, json.dumps(headers), body))

    def commit(self) -> None:
        self.db.commit()

    def oldest(self, n: int, after_row: int = 0) -> list[Spooled]:
        rows = self.db.execute("SELECT row, subject, msg_id, headers, body FROM spool "
                               "WHERE row > ? ORDER BY row LIMIT ?", (after_row, n))
        return [Spooled(r[0], r[1], r[2], json.loads(r[3]), bytes(r[4])) for r in rows]

    def remove_through(self, row: int) -> None:
        self.db.execute("DELETE FROM spool WHERE row <= ?", (row,))
        self.db.commit()

    def __len__(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM spool").fetchone()[0])

    def close(self) -> None:
        self.db.commit()
        self.db.close()
