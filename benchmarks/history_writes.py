"""How fast the history sink makes reps durable, and what it costs the measuring thread.

    PYTHONPATH=src python benchmarks/history_writes.py [--reps 2000]

Prints, for reps with a 4 s angle curve (40 live samples at 10 Hz before each rep):
the time ``publish_event`` takes on the caller's thread (the pipeline's), the time from
publishing a rep to its commit (what a ``kill -9`` can lose), and the cost of one commit
with ``synchronous=NORMAL`` (the sink's setting) against ``FULL``, on this machine's disk.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from eccentric.history import store
from eccentric.history.sink import HistorySink


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def rep(n: int, t: float) -> dict[str, object]:
    return {"type": "rep", "id": f"bench@1:1:{n}", "exercise": "nordic_curl", "set": 1,
            "rep_in_set": n, "start_s": t, "end_s": t + 4.0, "eccentric_s": 3.0,
            "concentric_s": 1.0, "rom_deg": 80.0, "break_angle_deg": 40.0, "tempo": "3-0-1-0",
            "flags": [], "decided_s": t + 4.0}


def sink_latency(db: Path, reps: int, paced_s: float) -> None:
    sent: dict[str, float] = {}
    stored: dict[str, float] = {}

    def on_stored(ev: dict[str, object]) -> None:
        if ev["type"] == "rep":
            stored[str(ev["id"])] = time.perf_counter()

    sink = HistorySink(db, session_id="bench@1", athlete="bench", exercise="nordic_curl",
                       on_stored=on_stored)
    call_s: list[float] = []
    for n in range(1, reps + 1):
        t = 5.0 * n
        for k in range(40):
            t0 = time.perf_counter()
            sink.publish_event({"type": "live", "t_s": t + 0.1 * k, "angle_deg": float(k),
                                "rate_dps": 0.0, "phase": "x", "reps": n})
            call_s.append(time.perf_counter() - t0)
        ev = rep(n, t)
        t0 = time.perf_counter()
        sink.publish_event(ev)
        sent[str(ev["id"])] = t0
        call_s.append(time.perf_counter() - t0)
        if paced_s:
            time.sleep(paced_s)
    sink.close()
    lat = [stored[k] - sent[k] for k in sent]
    mode = f"one rep every {paced_s * 1000:.0f} ms" if paced_s else "as fast as possible"
    print(f"sink, {reps} reps, {mode}:")
    print(f"  publish_event on the caller's thread: median {statistics.median(call_s) * 1e6:.1f}"
          f" µs, p99 {pct(call_s, 0.99) * 1e6:.1f} µs, max {max(call_s) * 1e3:.2f} ms")
    print(f"  rep published → committed: median {statistics.median(lat) * 1e3:.2f} ms, "
          f"p95 {pct(lat, 0.95) * 1e3:.2f} ms, max {max(lat) * 1e3:.2f} ms")


def commit_cost(db: Path, sync: str, n: int = 300) -> float:
    conn = store.connect(db, create=True)
    conn.execute(f"PRAGMA synchronous = {sync}")
    store.insert_session(conn, session_id=f"c{sync}", athlete="b", exercise="nordic_curl",
                         sensor=None, source=None, target_tempo=None, started_utc="x")
    times = []
    for i in range(n):
        ev = rep(i, float(i))
        ev["id"] = f"c{sync}:1:{i}"
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        store.insert_rep(conn, f"c{sync}", ev, ([0.1 * k for k in range(40)], [1.0] * 40))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t0)
    conn.close()
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sink_latency(Path(tmp) / "a.sqlite", args.reps, 0.0)
        sink_latency(Path(tmp) / "b.sqlite", 200, 0.005)
        for sync in ("NORMAL", "FULL"):
            cost = commit_cost(Path(tmp) / f"{sync}.sqlite", sync)
            print(f"one rep + curve per commit, WAL, synchronous={sync}: median "
                  f"{cost * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
