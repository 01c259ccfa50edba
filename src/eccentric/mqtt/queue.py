"""A bounded, ordered, on-disk queue of messages that must not be lost (reps and sets).

SQLite in WAL mode with ``synchronous=NORMAL``: a commit is an append to the WAL without
an fsync, so an insert costs tens of microseconds and survives a crash or kill of the
process (not a power cut before the next checkpoint). Rows leave the queue only when the
broker has acknowledged them, so delivery is at least once; subscribers de-duplicate by
the event ``id``.

One process owns a queue file at a time (an advisory lock next to it), because two
publishers draining the same rows would both deliver them.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from eccentric.core.errors import EccentricError

log = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGES = 100_000


class QueueLockedError(EccentricError):
    """Another process is using the same queue file (same client id?)."""


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    seq: int
    topic: str
    payload: bytes
    qos: int
    retain: bool


class DiskQueue:
    """FIFO of MQTT messages; thread-safe (one connection guarded by a lock)."""

    def __init__(self, path: str | Path, max_messages: int = DEFAULT_MAX_MESSAGES) -> None:
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        self.path = Path(path)
        self.max_messages = max_messages
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fh: IO[bytes] | None = self._acquire_file_lock()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS messages ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " topic TEXT NOT NULL, payload BLOB NOT NULL,"
            " qos INTEGER NOT NULL, retain INTEGER NOT NULL)"
        )
        row = self._db.execute("SELECT COUNT(*) FROM messages").fetchone()
        self._count = int(row[0])
        self.dropped = 0

    def _acquire_file_lock(self) -> IO[bytes]:
        fh = open(str(self.path) + ".lock", "ab")  # noqa: SIM115 - held for the queue's life
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise QueueLockedError(
                f"MQTT queue {self.path} is in use by another process; give each "
                "publisher its own --mqtt-client-id or --mqtt-queue"
            ) from None
        return fh

    def __len__(self) -> int:
        return self._count

    def put(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> int:
        """Append a message; when full, the oldest message is dropped (and counted)."""
        with self._lock:
            if self._count >= self.max_messages:
                excess = self._count - self.max_messages + 1
                self._db.execute(
                    "DELETE FROM messages WHERE seq IN "
                    "(SELECT seq FROM messages ORDER BY seq LIMIT ?)", (excess,))
                self._count -= excess
                self.dropped += excess
                log.warning("MQTT queue full (%d messages): dropped the oldest %d",
                            self.max_messages, excess)
            cur = self._db.execute(
                "INSERT INTO messages (topic, payload, qos, retain) VALUES (?, ?, ?, ?)",
                (topic, payload, qos, int(retain)))
            self._count += 1
            return int(cur.lastrowid or 0)

    def peek(self, after_seq: int = 0, limit: int = 100) -> list[QueuedMessage]:
        """The oldest messages with ``seq > after_seq``, in order, without removing them."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, topic, payload, qos, retain FROM messages WHERE seq > ? "
                "ORDER BY seq LIMIT ?", (after_seq, limit)).fetchall()
        return [QueuedMessage(int(r[0]), str(r[1]), bytes(r[2]), int(r[3]), bool(r[4]))
                for r in rows]

    def remove(self, seqs: list[int]) -> None:
        """Forget acknowledged messages."""
        if not seqs:
            return
        with self._lock:
            self._db.execute("BEGIN")
            removed = 0
            for seq in seqs:
                removed += self._db.execute("DELETE FROM messages WHERE seq = ?",
                                            (seq,)).rowcount
            self._db.execute("COMMIT")
            self._count -= removed

    def close(self) -> None:
        with self._lock:
            self._db.close()
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None


def default_queue_path(client_id: str) -> Path:
    """``$XDG_STATE_HOME/eccentric/mqtt-<client id>.sqlite3`` (state, not cache: losing it
    loses reps)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in client_id)
    return Path(state) / "eccentric" / f"mqtt-{safe}.sqlite3"
