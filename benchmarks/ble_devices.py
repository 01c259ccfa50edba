"""How many emulated 100 Hz BLE devices one ``eccentric live`` process keeps up with.

For each device count N the benchmark starts a private D-Bus, the emulated BlueZ with N
devices that each stream the same simulated set (~17.6 s, 2 reps), and one ``eccentric
live`` process subscribed to all of them through the real bleak (no MQTT unless
``--mqtt``). It reports, per N:

* delivery delay: notification arrival in ``live`` minus the time the emulator was due
  to send it (both on CLOCK_MONOTONIC), p50 / p99 / max over all data notifications;
* handling lag: arrival → processed (capture, decode, pipeline) in the consumer;
* rep latency: arrival of the notification that completed a rep → rep event emitted
  (the pipeline's own decision delay after the motion is not included);
* losses: samples missing or duplicated by the timeline, reps found (2 per device);
* CPU seconds used by ``live`` and by the emulator (the test rig).

"Keeps up" means: every device got all its samples without a timeline gap, found its 2
reps, and the p99 delivery delay stayed under 100 ms. Target: ≥ 20 devices on this
2-core machine. The emulator (Python, like ``live``) shares those two cores and is far
heavier than BlueZ in C, so the figures are pessimistic.

    .venv/bin/python benchmarks/ble_devices.py [--kind metawear|witmotion]
        [--counts 10 20 30] [--mqtt]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from eccentric.devices.metawear import driver as metawear
from eccentric.devices.witmotion import driver as witmotion
from eccentric.sim.bluez.bus import PrivateBus
from eccentric.sim.bluez.server import encode_recording
from eccentric.sim.bluez.short_sets import short_set
from eccentric.sim.recording import write_recording

SENSORS = {metawear.KIND: metawear.SENSORS[metawear.DEFAULT_CHIP],
           witmotion.KIND: witmotion.SENSOR}
DATA_CHAR = {metawear.KIND: metawear.NOTIFY, witmotion.KIND: witmotion.NOTIFY}
TARGET_DEVICES = 20
MAX_P99_DELAY_S = 0.100


def quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    a = np.asarray(values)
    return {"p50_ms": round(1000 * float(np.percentile(a, 50)), 1),
            "p99_ms": round(1000 * float(np.percentile(a, 99)), 1),
            "max_ms": round(1000 * float(a.max()), 1)}


def start_mosquitto(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    import getpass
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    conf = tmp / "mosquitto.conf"
    conf.write_text(f"user {getpass.getuser()}\nlistener {port} 127.0.0.1\n"
                    "allow_anonymous true\nmax_queued_messages 100000\n")
    proc = subprocess.Popen(["/usr/sbin/mosquitto", "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc, f"mqtt://127.0.0.1:{port}"


def run_once(kind: str, n: int, recording: Path, tmp: Path, mqtt: str | None
             ) -> dict[str, Any]:
    work = tmp / f"{kind}-{n}"
    work.mkdir()
    devices = [{"kind": kind, "name": f"{'MetaWear' if kind == 'metawear' else 'WT901BLE'}"
                f"-{i:02d}", "address": f"C0:FF:EE:00:{i // 256:02X}:{i % 256:02X}",
                "recording": str(recording)} for i in range(n)]
    (work / "scenario.json").write_text(json.dumps({"devices": devices}))
    with PrivateBus() as bus:
        emu = subprocess.Popen([sys.executable, "-m", "eccentric.sim.bluez",
                                str(work / "scenario.json"), "--log", str(work / "emu.jsonl")],
                               env=bus.env(), stdout=subprocess.PIPE, text=True)
        assert emu.stdout is not None
        if emu.stdout.readline().strip() != "ready":
            raise RuntimeError("emulator did not start")
        args = [sys.executable, "-m", "eccentric", "live", "--exercise", "ball_leg_curl",
                "--json", "--capture-dir", str(work / "cap"), "--scan-timeout", "20",
                "--stats-json", str(work / "stats.json"),
                # Simulated athletes stay out of the user's history.
                "--history", str(work / "history.sqlite")]
        for i, d in enumerate(devices):
            args += ["--device", f"{d['address']},athlete=a{i:02d}"]
        if mqtt:
            args += ["--broker", mqtt, "--mqtt-queue", str(work / "q.sqlite"),
                     "--mqtt-live-hz", "0"]
        with (work / "live.out").open("w") as out, (work / "live.err").open("w") as err:
            live = subprocess.Popen(args, env=bus.env(), stdout=out, stderr=err)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                done = [json.loads(x) for x in (work / "emu.jsonl").read_text().splitlines()
                        if '"playback_done"' in x]
                if len(done) == n:
                    break
                time.sleep(0.2)
            time.sleep(1.0)
            live.send_signal(signal.SIGINT)
            _, status, usage = os.wait4(live.pid, 0)
            live.returncode = os.waitstatus_to_exitcode(status)
        live_cpu = usage.ru_utime + usage.ru_stime
        live_rss_mb = usage.ru_maxrss // 1024
        emu.send_signal(signal.SIGTERM)
        _, _, emu_usage = os.wait4(emu.pid, 0)
        emu.stdout.close()
    result = summarise(kind, n, work, recording, live.returncode, live_cpu,
                       emu_usage.ru_utime + emu_usage.ru_stime)
    result["live_max_rss_mb"] = live_rss_mb
    return result


def summarise(kind: str, n: int, work: Path, recording: Path, rc: int, live_cpu: float,
              emu_cpu: float) -> dict[str, Any]:
    emu_log = [json.loads(x) for x in (work / "emu.jsonl").read_text().splitlines()]
    started = {e["device"]: e["monotonic"] for e in emu_log
               if e.get("event") == "playback_started"}
    emu_late = [e["late_p99_s"] for e in emu_log if e.get("event") == "playback_done"]
    packets, _ = encode_recording(kind, str(recording), {})
    delays: list[float] = []
    for cap in sorted((work / "cap").glob("*.jsonl")):
        lines = [json.loads(x) for x in cap.read_text().splitlines()]
        ble = lines[0]["sensor_info"]["ble"]
        t0_live, t0_play = ble["host_monotonic_t0"], started[ble["name"]]
        data = [x for x in lines[1:] if x.get("char") == DATA_CHAR[kind]]
        # Packets go out in schedule order; the k-th notification is the k-th packet.
        for x, p in zip(data, packets, strict=False):
            delays.append(t0_live + x["host_t_s"] - (t0_play + p.t_s))
    stats = json.loads((work / "stats.json").read_text())
    events = [json.loads(x) for x in (work / "live.out").read_text().splitlines()
              if x.startswith('{"type":"rep"')]
    missing = sum(s["timeline"]["missing"] for s in stats)
    gaps = sum(s["timeline"]["gaps"] for s in stats)
    samples = [s["timeline"]["samples"] for s in stats]
    handling = [v for s in stats for v in [s["handling_lag"].get("p99_s")] if v is not None]
    rep_lat = [s["rep_latency"].get("max_s") for s in stats if s["rep_latency"]["n"]]
    result = {
        "kind": kind, "devices": n, "exit": rc, "reps": len(events), "reps_expected": 2 * n,
        "samples_min": min(samples), "samples_max": max(samples), "missing": missing,
        "gaps": gaps, "delivery_delay": quantiles(delays),
        "handling_lag_p99_ms_worst_device": round(1000 * max(handling), 1) if handling else None,
        "rep_latency_max_ms": round(1000 * max(rep_lat), 1) if rep_lat else None,
        "queue_max": max(s["queue_max"] for s in stats),
        "live_cpu_s": round(live_cpu, 1), "emulator_cpu_s": round(emu_cpu, 1),
        "emulator_late_p99_ms_worst": round(1000 * max(emu_late), 1) if emu_late else None,
    }
    p99 = result["delivery_delay"].get("p99_ms", 1e9) / 1000
    result["keeps_up"] = bool(rc == 0 and missing == 0 and gaps == 0
                              and len(events) == 2 * n and p99 < MAX_P99_DELAY_S)
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kind", choices=sorted(SENSORS), default="metawear")
    p.add_argument("--counts", type=int, nargs="+", default=[10, 20, 30])
    p.add_argument("--mqtt", action="store_true", help="also publish to a local Mosquitto")
    p.add_argument("--keep", type=Path, default=None, metavar="DIR",
                   help="keep captures and logs in DIR (must not exist)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="ble-bench-") as d:
        tmp = Path(d) if args.keep is None else args.keep
        tmp.mkdir(parents=True, exist_ok=args.keep is None)
        recording = tmp / "set.jsonl"
        write_recording(recording, short_set(SENSORS[args.kind]))
        broker = start_mosquitto(tmp) if args.mqtt else None
        results = []
        try:
            for n in args.counts:
                r = run_once(args.kind, n, recording, tmp, broker[1] if broker else None)
                results.append(r)
                print(json.dumps(r), flush=True)
        finally:
            if broker:
                broker[0].terminate()
                broker[0].wait(10)
    ok = [r["devices"] for r in results if r["keeps_up"]]
    best = max(ok) if ok else 0
    cores = len(os.sched_getaffinity(0))
    print(f"{args.kind}: one live process kept up with {best} of the counts tried "
          f"({', '.join(map(str, args.counts))}) at 100 Hz on {cores} cores "
          f"(target ≥ {TARGET_DEVICES})")
    return 0 if best >= TARGET_DEVICES else 1


if __name__ == "__main__":
    sys.exit(main())
