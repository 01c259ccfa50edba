"""The history database: bad files give one clear error naming them and never stop a
session; locked files are waited out without blocking measurement; old schemas are
migrated; the history command's CSV and the bands say what the data says."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from eccentric.history import queries, store
from eccentric.history.sink import HistorySink
from tests.history.helpers import ROOT, cli

RECORDING = ROOT / "recordings" / "nordic_thigh_polar52_basic.jsonl.gz"


def _rep(session: str, set_no: int, n: int, side: str | None, ecc_s: float,
         t_s: float, brk: float | None = None) -> dict[str, object]:
    ev: dict[str, object] = {
        "type": "rep", "id": f"{session}:{set_no}:{n}", "exercise": "nordic_curl",
        "set": set_no, "rep_in_set": n, "start_s": t_s, "end_s": t_s + 4.0,
        "eccentric_s": ecc_s, "concentric_s": 1.5, "tempo": "3-1-2-0", "rom_deg": 80.0,
        "within_target_tempo": ecc_s > 2.5, "flags": [], "decided_s": t_s + 4.0}
    if brk is not None:
        ev["break_angle_deg"] = brk
    if side is not None:
        ev["side"] = side
    return ev


def _session(db: Path, sid: str, athlete: str, reps: list[dict[str, object]],
             end: bool = True) -> None:
    sink = HistorySink(db, session_id=sid, athlete=athlete, exercise="nordic_curl",
                       target_tempo="3-1-2-0")
    for i, ev in enumerate(reps):
        t = float(ev["start_s"])  # type: ignore[arg-type]
        for k in range(41):  # live samples at 10 Hz over the rep: its angle curve
            sink.publish_event({"type": "live", "t_s": t + k * 0.1, "angle_deg": 2.0 * k,
                                "rate_dps": 0.0, "phase": "x", "reps": i})
        sink.publish_event(ev)
    sink.publish_event({"type": "set", "id": f"{sid}:set:1", "exercise": "nordic_curl",
                        "set": 1, "reps": len(reps), "decided_s": 99.0})
    if end:
        sink.publish_event({"type": "status", "event": "end", "t_s": 100.0})
    sink.close()


def test_corrupt_file_is_named_and_never_stops_a_replay(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    junk = os.urandom(8192)
    db.write_bytes(junk)
    with pytest.raises(store.HistoryError, match=str(db)):
        store.connect(db, create=True)
    plain = cli("replay", str(RECORDING), "--json", "--run-id", "a")
    out = cli("replay", str(RECORDING), "--json", "--run-id", "a", "--history", str(db))
    assert out.returncode == 0, out.stderr
    assert out.stdout == plain.stdout  # measurement unchanged, no live samples shown
    warning = [ln for ln in out.stderr.splitlines() if "history" in ln]
    assert len(warning) == 1 and str(db) in warning[0] and "without history" in warning[0]
    assert db.read_bytes() == junk  # never written over
    for args in (("history",), ("report", "latest")):
        res = cli(*args, "--db", str(db))
        assert res.returncode == 1
        assert res.stderr.count("\n") == 1 and str(db) in res.stderr
        assert "Traceback" not in res.stderr


def test_locked_at_start_warns_and_measures(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    store.connect(db, create=True).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO schema_version VALUES (99, 'x')")  # takes the lock
    try:
        plain = cli("replay", str(RECORDING), "--json", "--run-id", "b")
        out = cli("replay", str(RECORDING), "--json", "--run-id", "b", "--history", str(db))
        assert out.returncode == 0, out.stderr
        assert out.stdout == plain.stdout
        assert "locked" in out.stderr and str(db) in out.stderr
        res = cli("history", "--db", str(db))
        assert res.returncode == 1 and "locked" in res.stderr and str(db) in res.stderr
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_lock_during_a_session_never_blocks_and_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    warnings: list[str] = []
    sink = HistorySink(db, session_id="s@1", athlete="ana", exercise="nordic_curl",
                       warn=warnings.append)
    holder = sqlite3.connect(db, isolation_level=None, timeout=0.1, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the file for 2.5 s
    t0 = time.perf_counter()
    for n in range(1, 6):
        for k in range(41):  # its angle samples arrive while the file is locked too
            sink.publish_event({"type": "live", "t_s": 10.0 * n + 0.1 * k,
                                "angle_deg": float(k), "rate_dps": 0.0, "phase": "x",
                                "reps": n})
        sink.publish_event(_rep("s@1", 1, n, None, 3.0, 10.0 * n))
    publish_s = time.perf_counter() - t0
    time.sleep(2.5)
    holder.execute("ROLLBACK")
    conn = store.connect(db, create=False)
    deadline = time.monotonic() + 3.0  # the writer retries every 0.5 s
    while conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0] < 5:
        assert time.monotonic() < deadline, "the writer did not catch up after the lock"
        time.sleep(0.05)
    conn.close()
    # Locked again while the session closes: close() keeps trying until it is free.
    sink.publish_event(_rep("s@1", 1, 6, None, 3.0, 60.0))
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(1.5, holder.execute, ["ROLLBACK"])
    release.start()
    sink.close()
    release.join()
    holder.close()
    assert publish_s < 0.1  # 210 events queued, none waiting for the lock
    assert any("locked" in w and str(db) in w for w in warnings)
    conn = store.connect(db, create=False)
    assert conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0] == 6
    assert conn.execute("SELECT COUNT(*) FROM rep_curves").fetchone()[0] == 5
    assert conn.execute("SELECT end_reason FROM sessions").fetchone()[0] == "closed"
    conn.close()


def test_migration_from_version_1_keeps_the_data(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    assert store.migrate(conn, db, upto=1) == 1
    conn.execute("INSERT INTO sessions (id, athlete, exercise, started_utc, ended_utc, "
                 "end_reason) VALUES ('old@1', 'bo', 'nordic_curl', '2025-01-01', "
                 "'2025-01-01', 'end')")
    ev = _rep("old@1", 1, 1, None, 3.2, 5.0, brk=30.0)
    conn.execute("INSERT INTO reps (id, session_id, set_number, rep_in_set, exercise, "
                 "eccentric_s, break_angle_deg, data) VALUES (?,?,?,?,?,?,?,?)",
                 (ev["id"], "old@1", 1, 1, "nordic_curl", 3.2, 30.0, json.dumps(ev)))
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'rep_curves'"
                        ).fetchone() is None
    conn.close()
    conn = store.connect(db, create=False)
    assert store.schema_version(conn) == store.SCHEMA_VERSION == 2
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
    assert versions == [1, 2]
    (s,) = queries.sessions(conn, "bo")
    assert s.reps == 1 and s.metrics["break_angle_deg"] == 30.0
    conn.execute("SELECT rep_id FROM rep_curves").fetchall()  # the new table is there
    conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    store.connect(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO schema_version VALUES (7, 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(store.HistoryError, match="newer than this program"):
        store.connect(db, create=False)


@pytest.mark.parametrize(("pct", "band"), [(0.0, "green"), (9.99, "green"), (10.0, "amber"),
                                           (25.0, "amber"), (25.01, "red"), (None, None)])
def test_asymmetry_bands(pct: float | None, band: str | None) -> None:
    assert queries.asymmetry_band(pct) == band


def test_csv_export_baseline_and_trend(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    # Four sessions: left/right eccentric times give 5 %, 20 %, 40 % asymmetry, then one
    # side only; break angles 30, 32, 34, 40 (deg).
    plans = [(3.0, 2.85, 30.0), (3.0, 2.4, 32.0), (3.0, 1.8, 34.0), (3.0, None, 40.0)]
    for k, (left, right, brk) in enumerate(plans):
        sid = f"s{k}@r"
        reps = [_rep(sid, 1, 1, "left", left, 10.0, brk), _rep(sid, 1, 2, "left", left, 20.0, brk)]
        if right is not None:
            reps.append(_rep(sid, 1, 3, "right", right, 30.0, brk))
        _session(db, sid, "ana", reps, end=k != 3)
    _session(db, "x@r", "bo", [_rep("x@r", 1, 1, None, 4.0, 10.0, 50.0)])
    out = cli("history", "ana", "--db", str(db), "--csv", "-")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["session"] for r in rows] == ["s0@r", "s1@r", "s2@r", "s3@r"]
    assert [r["asymmetry_band"] for r in rows] == ["green", "amber", "red", ""]
    assert [float(r["asymmetry_pct"]) for r in rows[:3]] == pytest.approx([5.0, 20.0, 40.0])
    assert [float(r["break_angle_deg"]) for r in rows] == [30.0, 32.0, 34.0, 40.0]
    assert [r["status"] for r in rows] == ["ended", "ended", "ended", "closed"]
    assert [int(r["reps"]) for r in rows] == [3, 3, 3, 2]
    target = tmp_path / "ana.csv"
    assert cli("history", "ana", "--db", str(db), "--csv", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8").replace("\r\n", "\n") == out.stdout.replace(
        "\r\n", "\n")
    conn = store.connect(db, create=False)
    brk = next(t for t in queries.trends(queries.sessions(conn, "ana"))
               if t.metric == "break_angle_deg")
    conn.close()
    assert brk.baseline == 32.0 and brk.latest == 40.0  # median of the first three
    assert brk.change_pct == pytest.approx(25.0)
    assert brk.slope_per_session == pytest.approx(3.2)
    table = cli("history", "ana", "--db", str(db))
    assert table.returncode == 0 and "s2@r" in table.stdout and "red" in table.stdout
    assert "x@r" not in table.stdout
    none = cli("history", "nobody", "--db", str(db))
    assert none.returncode == 1 and "no sessions for athlete 'nobody'" in none.stderr


def test_dashboard_history_json(tmp_path: Path) -> None:
    from http import HTTPStatus

    from eccentric.app.dashboard.server import history_json

    assert history_json(None)[0] == HTTPStatus.NOT_FOUND
    db = tmp_path / "history.sqlite"
    assert history_json(db) == (HTTPStatus.OK, b'{"athletes": {}}')  # nothing recorded yet
    _session(db, "s@1", "Ana/B+", [_rep("s@1", 1, 1, "left", 3.0, 10.0, 35.0),
                                   _rep("s@1", 1, 2, "right", 2.0, 20.0, 37.0)])
    status, body = history_json(db)
    # Keyed as the page knows the athlete: by the MQTT topic level.
    doc = json.loads(body)["athletes"]["Ana_B_"]["nordic_curl"]
    assert status == HTTPStatus.OK
    (s,) = doc["sessions"]
    assert (s["reps"], s["break_angle_deg"], s["asymmetry_band"]) == (2, 36.0, "red")
    assert doc["trend"]["break_angle_deg"]["baseline"] == 36.0
    db.write_bytes(os.urandom(4096))
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    status, body = history_json(db)
    assert status == HTTPStatus.SERVICE_UNAVAILABLE and str(db) in json.loads(body)["error"]


def test_history_changes_nothing_a_replay_prints(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    plain = cli("replay", str(RECORDING), "--json", "--run-id", "c")
    kept = cli("replay", str(RECORDING), "--json", "--run-id", "c", "--history", str(db))
    assert kept.returncode == 0 and kept.stderr == ""
    # The rep curves need angle samples: the pipeline makes them, the output hides them.
    assert kept.stdout == plain.stdout
    reps = [json.loads(line) for line in plain.stdout.splitlines()
            if json.loads(line)["type"] == "rep"]
    conn = store.connect(db, create=False)
    try:
        stored = {json.loads(r[0])["id"]: json.loads(r[0])
                  for r in conn.execute("SELECT data FROM reps")}
        curves = {r[0]: (json.loads(r[1]), json.loads(r[2]))
                  for r in conn.execute("SELECT rep_id, t_s, angle_deg FROM rep_curves")}
    finally:
        conn.close()
    assert len(reps) >= 5 and stored == {r["id"]: r for r in reps}  # each event, unchanged
    assert set(curves) == set(stored)
    for rep in reps:  # each curve is its own rep's stretch, at about 10 Hz
        t, angle = curves[rep["id"]]
        assert rep["start_s"] <= t[0] < rep["start_s"] + 0.15
        assert rep["end_s"] - 0.15 < t[-1] <= rep["end_s"]
        steps = [b - a for a, b in itertools.pairwise(t) if b - a < 0.2]  # not gaps
        assert len(steps) > 20 and 0.095 < sum(steps) / len(steps) < 0.105
        assert abs(max(angle) - min(angle) - rep["rom_deg"]) < 5.0


def test_corrupt_pages_in_a_good_file(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    reps = [_rep("s@1", 1, n, None, 3.0, 10.0 * n, 40.0) for n in range(1, 41)]
    _session(db, "s@1", "ana", reps)
    assert not Path(str(db) + "-wal").exists() or Path(str(db) + "-wal").stat().st_size == 0
    size = db.stat().st_size
    assert size >= 6 * 4096
    with db.open("r+b") as f:  # the header stays, pages further in are garbage
        f.seek(2 * 4096)
        f.write(os.urandom(size - 3 * 4096))
    for args in (("history",), ("report", "latest"), ("history", "--csv", "-")):
        res = cli(*args, "--db", str(db))
        assert res.returncode == 1, res.stdout
        assert res.stderr.count("\n") == 1 and str(db) in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
    out = cli("replay", str(RECORDING), "--json", "--history", str(db))
    assert out.returncode == 0 and "rep" in out.stdout
    assert str(db) in out.stderr and "without history" in out.stderr
