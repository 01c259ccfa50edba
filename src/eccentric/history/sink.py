"""A sink that keeps a session's decided events in the history database.

Measurement never waits for the database: ``publish_event`` only queues the event; a
writer thread stores what has queued and commits at once (one transaction per batch, so
a ``kill -9`` loses only what was queued in the last few milliseconds). When the file is
locked by another writer the batch is kept and retried; a database that fails at start
(corrupt, locked, not a database) is reported once by the caller and the session goes on
without history.

Reps carry no angle trace, so the sink also takes the pipeline's ``live`` samples and
keeps, per rep, its angle curve from ``start_s`` to ``end_s`` decimated to ``curve_hz``.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from eccentric.core.events import Event
from eccentric.history import store

log = logging.getLogger(__name__)

# Per-rep angle curves are kept at this rate (Hz): enough to draw a rep (2–8 s) smoothly.
CURVE_HZ = 10.0
# The live-sample rate to ask the pipeline for when nothing else does (Hz): its throttle
# takes the first sample after each period, so twice the curve rate lets the sink keep
# 10 Hz on its own grid whatever the sensor's rate (52 Hz data at 10 Hz gives 8.7 Hz).
TRACE_HZ = 2 * CURVE_HZ
# Live samples kept back for the next rep's curve (s of stream): longer than any rep.
TRACE_KEEP_S = 60.0
# Live samples are dropped while this many events wait in the queue (a writer thread
# starved of CPU; a locked file does not fill it). Decided events are never dropped.
LIVE_BACKLOG_MAX = 20000
# How long to wait before retrying a batch the database refused as locked (s), and for
# how long to go on retrying once the session is closed (s; close() waits 5 s).
RETRY_S = 0.5
CLOSE_RETRY_S = 3.5

Warn = Callable[[str], None]
# A rep's angle curve: stream times (s) and angles (deg).
Curve = tuple[list[float], list[float]]
_STOP = object()


class HistorySink:
    """Stores one session (``session_id``, as in the event ids) for ``athlete``.

    Opening the database happens here, synchronously, so a bad file is known before the
    stream starts: :class:`store.HistoryError` is raised naming the file.
    """

    def __init__(self, path: Path, *, session_id: str, athlete: str, exercise: str,
                 sensor: str | None = None, source: str | None = None,
                 target_tempo: str | None = None, warn: Warn | None = None,
                 on_stored: Callable[[Event], None] | None = None,
                 open_timeout_s: float = 1.0) -> None:
        self.path = path
        self.session_id = session_id
        self.athlete = athlete
        self._warn = warn or (lambda msg: log.warning("%s", msg))
        self._on_stored = on_stored
        self._conn = store.connect(path, create=True, timeout_s=open_timeout_s)
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            store.insert_session(self._conn, session_id=session_id, athlete=athlete,
                                 exercise=exercise, sensor=sensor, source=source,
                                 target_tempo=target_tempo, started_utc=store.utc_now())
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._conn.close()
            raise store.HistoryError(f"{path}: cannot record the session: {exc}") from None
        self._queue: queue.Queue[object] = queue.Queue()
        self._trace: deque[tuple[float, float]] = deque()
        self._next_trace_t = float("-inf")
        self._dropped = 0
        self._warned: set[str] = set()
        self.stored = 0
        self._thread = threading.Thread(target=self._write_loop, name="history-writer",
                                        daemon=True)
        self._thread.start()

    # -------------------------------------------------------------- Sink protocol

    def publish_event(self, event: Event) -> None:
        kind = event.get("type")
        if kind not in ("rep", "set", "hold", "bout", "live", "status"):
            return
        if kind == "live" and self._queue.qsize() >= LIVE_BACKLOG_MAX:
            # Behind (a locked file, a replay far faster than real time): angle samples
            # give way, so memory stays bounded; decided events are always kept.
            self._dropped += 1
            self._warn_once("behind", f"{self.path}: history writer is behind; some rep "
                                      "angle curves will be missing (measurement goes on)")
            return
        self._queue.put_nowait(event)

    def close(self, timeout_s: float = 5.0) -> None:
        """Store what is queued, mark the session ended, close the file."""
        if not self._thread.is_alive():
            return
        self._queue.put(_STOP)
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self._warn(f"{self.path}: history writer did not finish in {timeout_s:g} s; "
                       "the last events may be missing")

    # -------------------------------------------------------------- writer thread

    def _write_loop(self) -> None:
        stopping = False
        # Decided events waiting for the database, each rep with its curve taken when it
        # arrived: angle samples are used at once and never wait, so a long lock costs
        # memory only for the (few) decided events.
        pending: list[tuple[Event, Curve | None]] = []
        give_up = float("inf")
        while not stopping or (pending and time.monotonic() < give_up):
            batch: list[object] = []
            # With a batch waiting for a locked database, retry it every RETRY_S.
            with contextlib.suppress(queue.Empty):
                batch.append(self._queue.get(timeout=RETRY_S if pending else None))
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            for it in batch:
                if it is _STOP:
                    # Closing on a locked file: keep trying for most of close()'s wait.
                    stopping, give_up = True, time.monotonic() + CLOSE_RETRY_S
                    continue
                assert isinstance(it, dict)
                kind = it.get("type")
                if kind == "live":
                    self._keep_trace(it)
                elif kind != "status" or it.get("event") == "end":
                    pending.append((it, self._curve(it) if kind == "rep" else None))
            pending = self._store(pending, final=stopping)
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def _store(self, events: list[tuple[Event, Curve | None]], final: bool
               ) -> list[tuple[Event, Curve | None]]:
        """Write ``events`` in one transaction; returns them when it must be retried."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for ev, curve in events:
                self._write(ev, curve)
            if final:
                store.end_session(self._conn, self.session_id, "closed")
            self._conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._rollback()
            if "locked" in str(exc) or "busy" in str(exc):
                self._warn_once("locked", f"{self.path}: history database is locked by "
                                          "another program; will retry (measurement goes on)")
                return events
            self._warn_once("error", f"{self.path}: cannot write history: {exc}")
            return []
        except sqlite3.Error as exc:
            self._rollback()
            self._warn_once("error", f"{self.path}: cannot write history: {exc}")
            return []
        self.stored += len(events)
        if self._on_stored is not None:
            for ev, _ in events:
                self._on_stored(ev)
        return []

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")

    def _write(self, ev: Event, curve: Curve | None) -> None:
        kind = ev.get("type")
        if kind == "rep":
            store.insert_rep(self._conn, self.session_id, ev, curve)
            store.note_exercise(self._conn, self.session_id, str(ev["exercise"]))
        elif kind == "set":
            store.insert_set(self._conn, self.session_id, ev)
            store.note_exercise(self._conn, self.session_id, str(ev["exercise"]),
                                ev.get("target_tempo"))
        elif kind == "hold":
            store.insert_timed(self._conn, "holds", self.session_id, ev)
        elif kind == "bout":
            store.insert_timed(self._conn, "bouts", self.session_id, ev)
        elif kind == "status":
            store.end_session(self._conn, self.session_id, "end")

    def _keep_trace(self, ev: Event) -> None:
        t, angle = ev.get("t_s"), ev.get("angle_deg")
        if not isinstance(t, (int, float)) or not isinstance(angle, (int, float)):
            return
        if t < self._next_trace_t:
            return  # decimated to CURVE_HZ on a fixed grid
        step = 1.0 / CURVE_HZ
        # On a grid of CURVE_HZ from the first sample; restarted after a gap.
        due = self._next_trace_t
        self._next_trace_t = t + step if t >= due + step else due + step
        self._trace.append((float(t), float(angle)))
        while self._trace and self._trace[0][0] < t - TRACE_KEEP_S:
            self._trace.popleft()

    def _curve(self, ev: Event) -> Curve | None:
        start, end = ev.get("start_s"), ev.get("end_s")
        if not isinstance(start, (int, float)) or not isinstance(end, (int, float)):
            return None
        pts = [(t, a) for t, a in self._trace if start <= t <= end]
        if len(pts) < 2:
            return None
        return [t for t, _ in pts], [a for _, a in pts]

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self._warn(message)
