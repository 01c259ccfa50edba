"""Clustered detection at club scale: N emulated athletes at real time over W workers.

    python benchmarks/cluster.py                    # 60 athletes, 3 workers, 3 nodes
    python benchmarks/cluster.py --athletes 30      # a smaller club

Starts a 3-node nats-server cluster on loopback, W ``eccentric worker`` processes and
one ``eccentric gateway`` replaying recordings (one athlete each, cycled over
RECORDINGS, paced at real time, 0.1 s chunks: the rate a BLE gateway hands them on).
Measures, per rep event, the end-to-end latency from the moment the gateway had the
chunk that completed the rep to the moment a subscriber received the re-published event;
the CPU time of every process (from /proc); and whether every rep of an offline run of
the same streams arrived exactly once. "Holds" means: every rep arrived, once, and the
p99 latency stayed under HOLD_P99_S.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from eccentric.cluster.gateway import recording_stream  # noqa: E402
from eccentric.cluster.nats_cluster import LocalCluster  # noqa: E402
from eccentric.cluster.subjects import (  # noqa: E402
    DEFAULT_PARTITIONS,
    LEASE_BUCKET,
    SENT_HEADER,
    stream_id,
)
from eccentric.cluster.worker import stream_config  # noqa: E402
from eccentric.session.pipeline import run  # noqa: E402

RECORDINGS = ["nordic_thigh_polar104", "ball_double_shank_movesense_fast",
              "nordic_thigh_witmotion", "ball_double_ankle_metamotion",
              "nordic_trunk_movesense_fatigue", "ball_single_right_shank_witmotion"]
HOLD_P99_S = 1.0
TICK_S = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK_S


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def reference(athletes: int, run_id: str) -> set[str]:
    """Rep ids of an offline run of every athlete stream. The events of a stream do not
    depend on the athlete's name except through the stream id inside the event ids, so
    each recording is run once and its ids re-labelled per athlete."""
    per_recording: dict[str, list[str]] = {}
    for rec in RECORDINGS[:athletes]:
        s = recording_stream(ROOT / "recordings" / f"{rec}.jsonl.gz", "ref")
        s.stream_id = stream_id("ref", run_id)
        per_recording[rec] = [ev["id"] for ev in run(s.chunks,
                                                      stream_config("ref", s.descriptor()))
                              if ev["type"] == "rep"]
    ids: set[str] = set()
    for i in range(athletes):
        name = f"a{i + 1:03d}"
        ids.update(x.replace(f"@{stream_id('ref', run_id)}:", f"@{stream_id(name, run_id)}:")
                   for x in per_recording[RECORDINGS[i % len(RECORDINGS)]])
    return ids


def eccentric(*args: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-m", "eccentric", *args], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def wait_leases(urls: list[str], workers: int, partitions: int = DEFAULT_PARTITIONS,
                      timeout_s: float = 60.0) -> None:
    import nats

    nc = await nats.connect(servers=urls)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            try:
                kv = await nc.jetstream().key_value(LEASE_BUCKET)
                held = collections.Counter([(await kv.get(k)).value for k in await kv.keys()])
                # Balanced: every worker holds its share and every partition is held.
                if (len(held) == workers and sum(held.values()) == partitions
                        and max(held.values()) - min(held.values()) <= 1):
                    return
            except Exception:
                pass
            await asyncio.sleep(0.3)
        raise SystemExit("workers did not share the partitions in time")
    finally:
        await nc.close()


Reps = list[tuple[str, float, float]]  # id, latency s, received s after the start


async def measure(urls: list[str], gateway: subprocess.Popen[bytes],
                  pids: dict[str, int]) -> tuple[Reps, dict[str, float], float]:
    import nats

    nc = await nats.connect(servers=urls)
    got: list[tuple[str, float, float]] = []
    t0 = time.time()

    async def on_rep(msg: object) -> None:
        now = time.time()
        sent = float((msg.headers or {}).get(SENT_HEADER, "nan"))  # type: ignore[attr-defined]
        got.append((json.loads(msg.data)["id"], now - sent,  # type: ignore[attr-defined]
                    now - t0))

    await nc.subscribe("eccentric.*.rep", cb=on_rep)
    cpu0 = {k: cpu_s(p) for k, p in pids.items()}
    last = dict(cpu0)
    wall0 = time.monotonic()
    while gateway.poll() is None:
        for k, p in pids.items():
            with contextlib.suppress(OSError):  # the gateway ends between two samples
                last[k] = cpu_s(p)
        await asyncio.sleep(0.2)
    wall = time.monotonic() - wall0
    cpu = {k: last[k] - cpu0[k] for k in pids}
    await asyncio.sleep(3.0)  # the last reps
    await nc.close()
    return got, cpu, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--athletes", type=int, default=60)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", type=Path, default=None, help="copy logs and stores here")
    args = ap.parse_args()
    run_id = "bench"
    print(f"reference: offline run of {args.athletes} athlete streams ...", file=sys.stderr)
    expected = reference(args.athletes, run_id)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        cluster = LocalCluster(d / "nats").start()
        urls = ",".join(cluster.urls)
        workers = {f"w{i}": eccentric("-v", "worker", "--nats", urls, "--id", f"w{i}",
                                      log=d / f"w{i}.log") for i in range(args.workers)}
        gateway = None
        try:
            asyncio.run(wait_leases(cluster.urls, args.workers))
            recs = [str(ROOT / "recordings" / f"{r}.jsonl.gz") for r in RECORDINGS]
            gateway = eccentric("gateway", "--nats", urls, "--spool", str(d / "gw.spool"),
                                "--replay", *recs, "--athletes", str(args.athletes),
                                "--speed", "1", "--run-id", run_id, log=d / "gateway.log")
            time.sleep(0.5)
            pids = {**{k: w.pid for k, w in workers.items()}, "gateway": gateway.pid,
                    **{n.name: n.proc.pid for n in cluster.nodes if n.proc}}
            got, cpu, wall = asyncio.run(measure(cluster.urls, gateway, pids))
            # Taken over while the athletes streamed (not the hand-overs at shutdown).
            handovers = sum(log.read_text().count("took partition")
                            for log in d.glob("w*.log"))
        finally:
            for w in workers.values():
                w.terminate()
            for w in workers.values():
                w.wait(20)
            if gateway is not None and gateway.poll() is None:
                gateway.kill()
            cluster.stop()
        if args.keep is not None:
            shutil.copytree(d, args.keep, dirs_exist_ok=True)
    counts = collections.Counter(i for i, _, _ in got)
    lat = [x for _, x, _ in got if math.isfinite(x)]
    windows = collections.defaultdict(list)
    for _, x, at in got:
        windows[int(at // 10) * 10].append(x)
    worker_cores = sum(v for k, v in cpu.items() if k.startswith("w")) / wall
    per_core = args.athletes / worker_cores if worker_cores > 0 else float("nan")
    holds = (set(counts) == expected and max(counts.values(), default=0) == 1
             and bool(lat) and pct(lat, 0.99) < HOLD_P99_S)
    # Sizing: worker cores for 100 athletes at the measured rate, run at most 60 % busy
    # (head-room for a failover's replay burst), on 2-core worker machines.
    cores_100 = 100 / per_core / 0.6
    result = {
        "athletes": args.athletes, "workers": args.workers, "wall_s": round(wall, 1),
        "reps_expected": len(expected), "reps_received": len(counts),
        "reps_duplicated": sum(1 for c in counts.values() if c > 1),
        "missing": len(expected - set(counts)),
        "latency_p50_ms": round(1000 * pct(lat, 0.5), 1) if lat else None,
        "latency_p99_ms": round(1000 * pct(lat, 0.99), 1) if lat else None,
        "latency_max_ms": round(1000 * max(lat), 1) if lat else None,
        "cpu_cores": {k: round(v / wall, 3) for k, v in cpu.items()},
        "worker_cores_total": round(worker_cores, 3),
        "athletes_per_worker_core": round(per_core, 1),
        "sizing_100_athletes_worker_cores_at_60pct": round(cores_100, 1),
        "partition_takes": handovers,
        "latency_p99_ms_per_10s": {k: round(1000 * pct(v, 0.99)) for k, v in
                                   sorted(windows.items())},
        "holds": holds,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"cluster benchmark: {args.athletes} athletes at real time, {args.workers} workers, "
          f"3 nats-server nodes, one machine ({os.cpu_count()} cores), {wall:.0f} s")
    print(f"  reps: {len(counts)} of {len(expected)} expected received, "
          f"{result['reps_duplicated']} duplicated, {result['missing']} missing")
    print(f"  end-to-end latency chunk -> rep event: p50 {result['latency_p50_ms']} ms, "
          f"p99 {result['latency_p99_ms']} ms, max {result['latency_max_ms']} ms")
    print("  CPU (cores busy): " + ", ".join(f"{k} {v}" for k, v in
                                              result["cpu_cores"].items()))
    print(f"  workers: {worker_cores:.2f} cores for {args.athletes} athletes = "
          f"{per_core:.0f} athletes per worker core")
    print(f"  sizing for 100 athletes: {100 / per_core:.1f} worker cores at 100 %, "
          f"{cores_100:.1f} at 60 % busy -> {math.ceil(cores_100 / 2)} two-core worker "
          f"machines (+1 to survive losing one)")
    print(f"  p99 per 10 s of the run (ms): {result['latency_p99_ms_per_10s']}; "
          f"partition takes (workers' logs): {handovers}")
    print(f"  holds (all reps once, p99 < {HOLD_P99_S * 1000:.0f} ms): "
          f"{'yes' if holds else 'NO'}")


if __name__ == "__main__":
    main()
