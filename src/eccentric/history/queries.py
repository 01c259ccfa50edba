"""What the history says about an athlete: per-session figures, baseline, trend, and the
left/right asymmetry band.

Per session: the mean eccentric time (s), break-point angle (deg, Nordic curls) and
range of motion (deg) of its reps, and the L/R asymmetry (%) = 100·|L − R| / max(L, R)
of the per-side mean eccentric time (hold duration for timed holds), when both sides
were done (in the session, or one leg per session: see ``pair_sides``). Baseline: the
median of the athlete's first ``BASELINE_SESSIONS`` sessions of that exercise; trend:
the least-squares slope per session over all of them, and the latest session's change
from the baseline (%).
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from eccentric.history.store import rows

BASELINE_SESSIONS = 3
# A one-leg session pairs with the other leg's session started at most this long before.
PAIR_WINDOW_H = 12.0
# Asymmetry bands (%): below GREEN_MAX green, up to AMBER_MAX amber, above red.
GREEN_MAX_PCT = 10.0
AMBER_MAX_PCT = 25.0
# The figures followed across sessions, in display order, with their units.
METRICS: tuple[tuple[str, str], ...] = (
    ("break_angle_deg", "break angle (°)"),
    ("eccentric_s", "eccentric (s)"),
    ("rom_deg", "ROM (°)"),
    ("asymmetry_pct", "L/R asymmetry (%)"),
)


def asymmetry_band(pct: float | None) -> str | None:
    """green (< 10 %), amber (10–25 %), red (> 25 %), None when not known."""
    if pct is None:
        return None
    if pct < GREEN_MAX_PCT:
        return "green"
    return "amber" if pct <= AMBER_MAX_PCT else "red"


def asymmetry_pct(left: float | None, right: float | None) -> float | None:
    """100·|L − R| / max(L, R); None unless both sides are known and one is > 0."""
    if left is None or right is None or max(left, right) <= 0:
        return None
    return 100.0 * abs(left - right) / max(left, right)


@dataclass
class SessionSummary:
    id: str
    athlete: str
    exercise: str
    started_utc: str
    ended_utc: str | None
    end_reason: str | None
    target_tempo: str | None
    sets: int
    reps: int
    holds: int
    bouts: int
    metrics: dict[str, float | None] = field(default_factory=dict)
    # Mean eccentric time (hold duration) per side, s; None for a side not done.
    side_means: dict[str, float | None] = field(default_factory=dict)
    # The other leg's session this one's asymmetry was measured against (see pair_sides).
    paired_with: str | None = None

    @property
    def status(self) -> str:
        """ended (the stream ended), closed (stopped early), or interrupted (killed)."""
        if self.ended_utc is None:
            return "interrupted"
        return "ended" if self.end_reason == "end" else "closed"

    @property
    def band(self) -> str | None:
        return asymmetry_band(self.metrics.get("asymmetry_pct"))

    def as_row(self) -> dict[str, Any]:
        return {"athlete": self.athlete, "session": self.id, "exercise": self.exercise,
                "started_utc": self.started_utc, "status": self.status, "sets": self.sets,
                "reps": self.reps, "holds": self.holds, "bouts": self.bouts,
                **{k: _round(self.metrics.get(k)) for k, _ in METRICS},
                "asymmetry_band": self.band}


def _round(v: float | None, nd: int = 3) -> float | None:
    return None if v is None else round(v, nd)


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def sessions(conn: sqlite3.Connection, athlete: str | None = None,
             exercise: str | None = None) -> list[SessionSummary]:
    """Every session (of ``athlete``, of ``exercise``), oldest first."""
    where, params = [], []
    if athlete is not None:
        where.append("athlete = ?")
        params.append(athlete)
    if exercise is not None:
        where.append("exercise = ?")
        params.append(exercise)
    sql = ("SELECT * FROM sessions" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY started_utc, id")
    return pair_sides([_summary(conn, s) for s in rows(conn, sql, params)])


def pair_sides(summaries: list[SessionSummary]) -> list[SessionSummary]:
    """Single-leg work is often recorded one leg per session: a session of one side only
    takes its asymmetry from the latest earlier session of the same athlete and exercise
    that had only the other side, started at most ``PAIR_WINDOW_H`` before it."""
    last_single: dict[tuple[str, str, str], SessionSummary] = {}
    for s in summaries:
        sides = [k for k in ("left", "right") if s.side_means.get(k) is not None]
        if len(sides) == 1:
            other = last_single.get((s.athlete, s.exercise, "right" if sides == ["left"]
                                     else "left"))
            if other is not None and _hours_between(other.started_utc, s.started_utc) \
                    <= PAIR_WINDOW_H:
                means = {k: v for d in (other.side_means, s.side_means)
                         for k, v in d.items() if v is not None}
                s.metrics["asymmetry_pct"] = asymmetry_pct(means.get("left"), means.get("right"))
                s.paired_with = other.id
            last_single[(s.athlete, s.exercise, sides[0])] = s
    return summaries


def _hours_between(a_utc: str, b_utc: str) -> float:
    try:
        return (datetime.fromisoformat(b_utc) - datetime.fromisoformat(a_utc)
                ).total_seconds() / 3600.0
    except ValueError:
        return float("inf")


def _summary(conn: sqlite3.Connection, s: dict[str, Any]) -> SessionSummary:
    sid = s["id"]
    reps = rows(conn, "SELECT side, eccentric_s, break_angle_deg, rom_deg FROM reps "
                      "WHERE session_id = ?", [sid])
    holds = rows(conn, "SELECT side, duration_s FROM holds WHERE session_id = ?", [sid])
    n_sets = conn.execute("SELECT COUNT(*) FROM sets WHERE session_id = ?", [sid]).fetchone()[0]
    n_bouts = conn.execute("SELECT COUNT(*) FROM bouts WHERE session_id = ?",
                           [sid]).fetchone()[0]
    # A set still open when the session was killed has reps but no set row.
    open_sets = conn.execute("SELECT COUNT(DISTINCT set_number) FROM reps WHERE session_id = ? "
                             "AND set_number NOT IN (SELECT number FROM sets "
                             "WHERE session_id = ?)", [sid, sid]).fetchone()[0]
    metrics: dict[str, float | None] = {}
    for key in ("break_angle_deg", "eccentric_s", "rom_deg"):
        metrics[key] = _mean([r[key] for r in reps if r[key] is not None])
    if reps:
        key, items = "eccentric_s", reps
    else:
        key, items = "duration_s", holds
    per_side = {side: _mean([r[key] for r in items if r["side"] == side and r[key] is not None])
                for side in ("left", "right")}
    metrics["asymmetry_pct"] = asymmetry_pct(per_side["left"], per_side["right"])
    return SessionSummary(
        id=sid, athlete=s["athlete"], exercise=s["exercise"], started_utc=s["started_utc"],
        ended_utc=s["ended_utc"], end_reason=s["end_reason"], target_tempo=s["target_tempo"],
        sets=int(n_sets) + int(open_sets), reps=len(reps), holds=len(holds), bouts=int(n_bouts),
        metrics=metrics, side_means=per_side)


@dataclass(frozen=True)
class Trend:
    """One metric across sessions: baseline (median of the first sessions), latest
    value, change from baseline (%), slope per session (metric units)."""

    metric: str
    sessions: int
    baseline: float | None
    latest: float | None
    change_pct: float | None
    slope_per_session: float | None


def trend(values: list[float | None], metric: str, n_baseline: int = BASELINE_SESSIONS
          ) -> Trend:
    """The trend of one metric from its per-session values, oldest first (None: not
    measured in that session, skipped)."""
    known = [v for v in values if v is not None]
    if not known:
        return Trend(metric, 0, None, None, None, None)
    baseline = statistics.median(known[:n_baseline])
    latest = known[-1]
    change = 100.0 * (latest - baseline) / abs(baseline) if baseline else None
    slope = None
    if len(known) >= 2:
        xs = list(range(len(known)))
        slope = statistics.linear_regression(xs, known).slope
    return Trend(metric, len(known), baseline, latest, change, slope)


def trends(summaries: list[SessionSummary]) -> list[Trend]:
    """The trend of every metric over ``summaries`` (one athlete, one exercise)."""
    return [trend([s.metrics.get(k) for s in summaries], k) for k, _ in METRICS]


def resolve_session(conn: sqlite3.Connection, which: str) -> str | None:
    """A session id: exact, ``latest`` (the last started), or a unique prefix."""
    if which == "latest":
        row = conn.execute("SELECT id FROM sessions ORDER BY started_utc DESC, rowid DESC "
                           "LIMIT 1").fetchone()
        return None if row is None else str(row[0])
    row = conn.execute("SELECT id FROM sessions WHERE id = ?", [which]).fetchone()
    if row is not None:
        return str(row[0])
    found = conn.execute("SELECT id FROM sessions WHERE substr(id, 1, ?) = ?",
                         [len(which), which]).fetchall()
    return str(found[0][0]) if len(found) == 1 else None


def session_detail(conn: sqlite3.Connection, session_id: str) -> dict[str, Any]:
    """Everything a report shows of one session: its summary, sets, reps (with angle
    curves), holds, bouts, and the athlete's other sessions of the same exercise."""
    s = rows(conn, "SELECT * FROM sessions WHERE id = ?", [session_id])[0]
    summary = _summary(conn, s)
    sets = [json.loads(r["data"]) for r in rows(
        conn, "SELECT data FROM sets WHERE session_id = ? ORDER BY number", [session_id])]
    reps = []
    for r in rows(conn, "SELECT r.data, c.t_s, c.angle_deg FROM reps r LEFT JOIN rep_curves c "
                        "ON c.rep_id = r.id WHERE r.session_id = ? "
                        "ORDER BY r.set_number, r.rep_in_set", [session_id]):
        ev = json.loads(r["data"])
        if r["t_s"] is not None:
            ev["curve"] = {"t_s": json.loads(r["t_s"]), "angle_deg": json.loads(r["angle_deg"])}
        reps.append(ev)
    holds = [json.loads(r["data"]) for r in rows(
        conn, "SELECT data FROM holds WHERE session_id = ? ORDER BY set_number, start_s",
        [session_id])]
    bouts = [json.loads(r["data"]) for r in rows(
        conn, "SELECT data FROM bouts WHERE session_id = ? ORDER BY set_number, start_s",
        [session_id])]
    history = sessions(conn, summary.athlete, summary.exercise)
    # The same session as the history sees it (its asymmetry may come from a pairing).
    summary = next((h for h in history if h.id == session_id), summary)
    return {"summary": summary, "sets": sets, "reps": reps, "holds": holds, "bouts": bouts,
            "history": history}


def set_rows(conn: sqlite3.Connection, summaries: list[SessionSummary]) -> list[dict[str, Any]]:
    """One row per set of ``summaries``' sessions, from its reps (so a set the session
    stopped inside is listed too, as ``open``): side, reps, means (s, deg), reps off the
    target tempo."""
    out: list[dict[str, Any]] = []
    for s in summaries:
        closed = {int(r["number"]) for r in rows(conn, "SELECT number FROM sets "
                                                       "WHERE session_id = ?", [s.id])}
        for r in rows(conn, """SELECT set_number, GROUP_CONCAT(DISTINCT side) AS sides,
                COUNT(*) AS reps, AVG(eccentric_s) AS ecc, AVG(break_angle_deg) AS brk,
                AVG(rom_deg) AS rom, SUM(within_target_tempo = 0) AS off
                FROM reps WHERE session_id = ? GROUP BY set_number ORDER BY set_number""",
                      [s.id]):
            out.append({"athlete": s.athlete, "session": s.id, "exercise": s.exercise,
                        "set": int(r["set_number"]), "side": r["sides"], "reps": int(r["reps"]),
                        "eccentric_s": _round(r["ecc"]), "break_angle_deg": _round(r["brk"]),
                        "rom_deg": _round(r["rom"]),
                        "reps_off_target": None if r["off"] is None else int(r["off"]),
                        "status": "closed" if int(r["set_number"]) in closed else "open"})
    return out


def history_doc(conn: sqlite3.Connection, athlete: str | None = None,
                limit: int = 50) -> dict[str, Any]:
    """A compact JSON-able history per athlete and exercise (the dashboard's view): the
    last ``limit`` sessions' figures, the baseline and trend of each metric."""
    out: dict[str, Any] = {"athletes": {}}
    for s in sessions(conn, athlete):
        per = out["athletes"].setdefault(s.athlete, {}).setdefault(s.exercise, [])
        per.append(s)
    for name, by_ex in out["athletes"].items():
        for ex, items in by_ex.items():
            shown = items[-limit:]
            by_ex[ex] = {
                "sessions": [{"session": s.id, "started_utc": s.started_utc, "reps": s.reps,
                              "status": s.status,
                              **{k: _round(s.metrics.get(k)) for k, _ in METRICS},
                              "asymmetry_band": s.band} for s in shown],
                "trend": {t.metric: {"baseline": _round(t.baseline), "latest": _round(t.latest),
                                     "change_pct": _round(t.change_pct, 1),
                                     "slope_per_session": _round(t.slope_per_session)}
                          for t in trends(items)},
            }
        out["athletes"][name] = by_ex
    return out
