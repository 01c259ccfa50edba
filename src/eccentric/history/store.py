"""The history database: one SQLite file (standard library), WAL journal, versioned schema.

WAL with ``synchronous=NORMAL`` makes every commit durable against the process dying
(``kill -9``): a committed transaction is in the WAL file in the OS cache and is replayed
at the next open. Only a power cut may lose the last commits, never corrupt the file.

The schema grows by numbered steps (``MIGRATIONS``); ``schema_version`` records which
were applied, so an older file is brought up to date when opened, in one transaction per
step.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eccentric.core.errors import EccentricError
from eccentric.core.events import Event

# Where the history lives when no path is given: $ECCENTRIC_HISTORY, else
# $XDG_DATA_HOME/eccentric/history.sqlite (~/.local/share/... when unset).
ENV_VAR = "ECCENTRIC_HISTORY"
OFF = "off"


class HistoryError(EccentricError):
    """The history database cannot be opened, read or written (names the file)."""


MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: one row per session and per decided event; ``data`` keeps the whole event.
    (
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY, athlete TEXT NOT NULL, exercise TEXT NOT NULL,
            sensor TEXT, source TEXT, target_tempo TEXT,
            started_utc TEXT NOT NULL, ended_utc TEXT, end_reason TEXT)""",
        """CREATE TABLE sets (
            id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
            number INTEGER NOT NULL, exercise TEXT NOT NULL, side TEXT, reps INTEGER,
            start_s REAL, end_s REAL, asymmetry_pct REAL, decided_s REAL, data TEXT NOT NULL)""",
        """CREATE TABLE reps (
            id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
            set_number INTEGER NOT NULL, rep_in_set INTEGER NOT NULL, exercise TEXT NOT NULL,
            side TEXT, start_s REAL, end_s REAL, decided_s REAL, eccentric_s REAL,
            concentric_s REAL, rom_deg REAL, break_angle_deg REAL, tempo TEXT,
            within_target_tempo INTEGER, data TEXT NOT NULL)""",
        """CREATE TABLE holds (
            id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
            set_number INTEGER NOT NULL, exercise TEXT NOT NULL, side TEXT,
            start_s REAL, end_s REAL, duration_s REAL, decided_s REAL, data TEXT NOT NULL)""",
        """CREATE TABLE bouts (
            id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES sessions(id),
            set_number INTEGER NOT NULL, exercise TEXT NOT NULL, side TEXT,
            start_s REAL, end_s REAL, duration_s REAL, decided_s REAL, data TEXT NOT NULL)""",
    ),
    # 2: per-rep angle curves (for the report) and the indexes the queries use.
    (
        """CREATE TABLE rep_curves (
            rep_id TEXT PRIMARY KEY REFERENCES reps(id), t_s TEXT NOT NULL,
            angle_deg TEXT NOT NULL)""",
        "CREATE INDEX sessions_athlete ON sessions(athlete, started_utc)",
        "CREATE INDEX reps_session ON reps(session_id, set_number, rep_in_set)",
        "CREATE INDEX sets_session ON sets(session_id, number)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def default_path() -> Path | None:
    """The per-user history file, or None when ``$ECCENTRIC_HISTORY`` is ``off``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return None if env == OFF else Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "eccentric" / "history.sqlite"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def connect(path: Path, *, create: bool, timeout_s: float = 1.0) -> sqlite3.Connection:
    """Open (or create) the history at ``path`` and bring its schema up to date.

    Raises HistoryError naming the file when it is not a database, is corrupt, is newer
    than this program, or stays locked by another writer for ``timeout_s``.
    """
    if not create and not path.exists():
        raise HistoryError(f"{path}: no history database here (record a session with "
                           "--history, or give --db)")
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=timeout_s, isolation_level=None,
                               check_same_thread=False)
    except (OSError, sqlite3.Error) as exc:
        raise HistoryError(f"{path}: cannot open history database: {exc}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise HistoryError(f"{path}: cannot switch the history database to WAL "
                               f"(journal mode stays {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, path)
        if create:
            # A writer checks the whole file before a session (a corrupt page would
            # otherwise surface mid-session); readers meet one through ``reading``.
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise HistoryError(f"{path}: history database is corrupt ({check})")
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise HistoryError(f"{path}: history database is locked by another program "
                               f"(waited {timeout_s:g} s)") from None
        raise HistoryError(f"{path}: cannot use history database: {exc}") from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise HistoryError(f"{path}: not a usable history database ({exc})") from None
    except HistoryError:
        conn.close()
        raise
    return conn


@contextmanager
def reading(path: Path, timeout_s: float = 1.0) -> Iterator[sqlite3.Connection]:
    """A connection for queries; any database error on the way is a HistoryError
    naming the file."""
    conn = connect(path, create=False, timeout_s=timeout_s)
    try:
        yield conn
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise HistoryError(f"{path}: history database is locked by another program "
                               f"(waited {timeout_s:g} s)") from None
        raise HistoryError(f"{path}: cannot read history database: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"{path}: history database is corrupt ({exc})") from None
    finally:
        conn.close()


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                       "AND name = 'schema_version'").fetchone()
    if row is None:
        return 0
    return int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
               .fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path, upto: int = SCHEMA_VERSION) -> int:
    """Apply the missing steps up to ``upto``, each in its own transaction; returns
    the version reached. A file already up to date is only read (no write lock)."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise HistoryError(f"{path}: history database has schema version {current}, newer "
                           f"than this program's {SCHEMA_VERSION}: upgrade eccentric")
    if current >= upto:
        return current
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                     "version INTEGER PRIMARY KEY, applied_utc TEXT NOT NULL)")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    for version in range(current + 1, upto + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) >= version:  # another process got there first
                conn.execute("COMMIT")
                continue
            for statement in MIGRATIONS[version - 1]:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, utc_now()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return upto


# ------------------------------------------------------------------ writing


def _json(ev: Event) -> str:
    return json.dumps(ev, separators=(",", ":"))


def _num(ev: Event, key: str) -> float | None:
    v = ev.get(key)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def insert_session(conn: sqlite3.Connection, *, session_id: str, athlete: str, exercise: str,
                   sensor: str | None, source: str | None, target_tempo: str | None,
                   started_utc: str) -> None:
    """A session row; a second run with the same id (a fixed ``--run-id``) starts over."""
    for table in ("rep_curves",):
        conn.execute(f"DELETE FROM {table} WHERE rep_id IN "
                     "(SELECT id FROM reps WHERE session_id = ?)", (session_id,))
    for table in ("reps", "sets", "holds", "bouts", "sessions"):
        key = "id" if table == "sessions" else "session_id"
        conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (session_id,))
    conn.execute("INSERT INTO sessions (id, athlete, exercise, sensor, source, target_tempo, "
                 "started_utc) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (session_id, athlete, exercise, sensor, source, target_tempo, started_utc))


def end_session(conn: sqlite3.Connection, session_id: str, reason: str) -> None:
    conn.execute("UPDATE sessions SET ended_utc = ?, end_reason = ? WHERE id = ? "
                 "AND ended_utc IS NULL", (utc_now(), reason, session_id))


def note_exercise(conn: sqlite3.Connection, session_id: str, exercise: str,
                  target_tempo: str | None = None) -> None:
    """What the session turned out to be: an ``auto`` session takes its first rep's
    exercise; the target tempo is the sets' when none was given."""
    conn.execute("UPDATE sessions SET exercise = ? WHERE id = ? AND exercise = 'auto'",
                 (exercise, session_id))
    if target_tempo is not None:
        conn.execute("UPDATE sessions SET target_tempo = COALESCE(target_tempo, ?) "
                     "WHERE id = ?", (target_tempo, session_id))


def insert_rep(conn: sqlite3.Connection, session_id: str, ev: Event,
               curve: tuple[Sequence[float], Sequence[float]] | None) -> None:
    """A rep and, when known, its angle curve (stream times in s, angles in deg)."""
    ok = ev.get("within_target_tempo")
    conn.execute(
        "INSERT OR REPLACE INTO reps VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (ev["id"], session_id, int(ev["set"]), int(ev["rep_in_set"]), ev["exercise"],
         ev.get("side"), _num(ev, "start_s"), _num(ev, "end_s"), _num(ev, "decided_s"),
         _num(ev, "eccentric_s"), _num(ev, "concentric_s"), _num(ev, "rom_deg"),
         _num(ev, "break_angle_deg"), ev.get("tempo"), None if ok is None else int(bool(ok)),
         _json(ev)))
    if curve is not None:
        times, angles = curve
        conn.execute("INSERT OR REPLACE INTO rep_curves VALUES (?,?,?)",
                     (ev["id"], json.dumps([round(t, 3) for t in times]),
                      json.dumps([round(a, 1) for a in angles])))


def insert_set(conn: sqlite3.Connection, session_id: str, ev: Event) -> None:
    conn.execute("INSERT OR REPLACE INTO sets VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                 (ev["id"], session_id, int(ev["set"]), ev["exercise"], ev.get("side"),
                  ev.get("reps"), _num(ev, "start_s"), _num(ev, "end_s"),
                  _num(ev, "asymmetry_pct"), _num(ev, "decided_s"), _json(ev)))


def insert_timed(conn: sqlite3.Connection, table: str, session_id: str, ev: Event) -> None:
    """A hold or a bout (``table`` is ``holds`` or ``bouts``)."""
    assert table in ("holds", "bouts")
    conn.execute(f"INSERT OR REPLACE INTO {table} VALUES (?,?,?,?,?,?,?,?,?,?)",
                 (ev["id"], session_id, int(ev["set"]), ev["exercise"], ev.get("side"),
                  _num(ev, "start_s"), _num(ev, "end_s"), _num(ev, "duration_s"),
                  _num(ev, "decided_s"), _json(ev)))


def rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, tuple(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
