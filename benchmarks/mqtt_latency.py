"""MQTT publish throughput and rep-event latency through a real Mosquitto on loopback.

Latency is measured from the moment a rep is handed to ``MqttSink.publish_event`` (the
rep has just been decided) to its arrival at a subscriber: it includes the disk-queue
write, the sender thread, paho, the broker and the subscriber's client. Both ends run in
this process, so one clock serves both.

    .venv/bin/python benchmarks/mqtt_latency.py [--reps 500] [--burst 5000]

Needs /usr/sbin/mosquitto (apt-get install mosquitto). Target: p99 latency <= 50 ms.
Exits 1 if the target is missed.
"""

from __future__ import annotations

import argparse
import getpass
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from eccentric.core.events import Phase, Rep, rep_event
from eccentric.mqtt.config import MqttConfig
from eccentric.mqtt.sink import MqttSink

TARGET_P99_MS = 50.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_mosquitto(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(f"user {getpass.getuser()}\nlistener {port} 127.0.0.1\n"
                    "allow_anonymous true\nmax_queued_messages 100000\n")
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.02)
    proc.kill()
    raise SystemExit("mosquitto did not start")


def make_rep(n: int) -> dict[str, Any]:
    r = Rep("nordic_curl", n * 5.0, n * 5.0 + 4, 3.0, 1.0,
            [Phase("eccentric", n * 5.0, n * 5.0 + 3), Phase("concentric", n * 5.0 + 3,
                                                               n * 5.0 + 4)], 62.0)
    return rep_event(r, number=n, set_number=1, rep_in_set=n, decided_s=n * 5.0 + 4.2,
                     session="bench", tempo="3-0-1-0", target_ok=True)


class Subscriber:
    def __init__(self, port: int) -> None:
        self.arrivals: dict[str, float] = {}
        self.cond = threading.Condition()
        self.ready = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-sub",
                                  protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda c, u, f, rc, p: (c.subscribe("eccentric/+/rep", 1),
                                                         self.ready.set())
        self.client.on_message = self.on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.ready.wait(10)
        time.sleep(0.2)

    def on_message(self, client: mqtt.Client, u: Any, m: mqtt.MQTTMessage) -> None:
        now = time.perf_counter()
        rid = json.loads(m.payload)["id"]
        with self.cond:
            self.arrivals.setdefault(rid, now)
            self.cond.notify_all()

    def wait_count(self, n: int, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while len(self.arrivals) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run(reps: int, burst: int, interval_s: float) -> int:
    work = Path(tempfile.mkdtemp(prefix="eccentric-bench-"))
    broker, port = start_mosquitto(work)
    try:
        sub = Subscriber(port)
        config = MqttConfig(broker=f"mqtt://127.0.0.1:{port}", client_id="bench-pub",
                            queue_path=str(work / "queue.sqlite3"))
        sink = MqttSink(config, athlete="bench", sensor="none")
        if not sink.publisher.wait_connected(10):
            raise SystemExit("publisher did not connect")
        # 1) Latency at a paced rate (reps are seconds apart in real training).
        sent: dict[str, float] = {}
        call_cost: list[float] = []
        for n in range(1, reps + 1):
            ev = make_rep(n)
            t0 = time.perf_counter()
            sink.publish_event(ev)
            t1 = time.perf_counter()
            sent[ev["id"]] = t0
            call_cost.append(t1 - t0)
            time.sleep(interval_s)
        if not sub.wait_count(reps, 30):
            raise SystemExit(f"only {len(sub.arrivals)} of {reps} reps arrived")
        lat_ms = [(sub.arrivals[i] - t) * 1000 for i, t in sent.items()]
        # 2) Throughput: a burst as fast as the caller can hand reps over.
        sub.arrivals.clear()
        t_start = time.perf_counter()
        burst_cost: list[float] = []
        for n in range(reps + 1, reps + burst + 1):
            t0 = time.perf_counter()
            sink.publish_event(make_rep(n))
            burst_cost.append(time.perf_counter() - t0)
        t_handed = time.perf_counter()
        if not sub.wait_count(burst, 120):
            raise SystemExit(f"only {len(sub.arrivals)} of {burst} burst reps arrived")
        t_end = max(sub.arrivals.values())
        sink.close()
        sub.client.disconnect()
        sub.client.loop_stop()
    finally:
        broker.terminate()
        broker.wait(10)
        shutil.rmtree(work, ignore_errors=True)

    p99 = pct(lat_ms, 99)
    print(f"mosquitto loopback, paho-mqtt MQTT 5, disk queue in {tempfile.gettempdir()}")
    print(f"rep latency (decided -> subscriber), {reps} reps every {interval_s * 1000:.0f} ms:")
    print(f"  p50 {pct(lat_ms, 50):.2f} ms  p95 {pct(lat_ms, 95):.2f} ms  "
          f"p99 {p99:.2f} ms  max {max(lat_ms):.2f} ms  mean {statistics.mean(lat_ms):.2f} ms")
    print(f"publish_event cost in the detection loop: p50 {pct(call_cost, 50) * 1e6:.0f} us  "
          f"p99 {pct(call_cost, 99) * 1e6:.0f} us")
    print(f"throughput, burst of {burst} reps (QoS 1, on disk until PUBACK):")
    print(f"  handed over at {burst / (t_handed - t_start):,.0f} reps/s "
          f"(p99 call {pct(burst_cost, 99) * 1e6:.0f} us); delivered at "
          f"{burst / (t_end - t_start):,.0f} reps/s end to end")
    ok = p99 <= TARGET_P99_MS
    print(f"target p99 <= {TARGET_P99_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=500, help="paced reps for latency")
    p.add_argument("--interval-ms", type=float, default=10.0, help="pace of the paced reps")
    p.add_argument("--burst", type=int, default=5000, help="reps in the throughput burst")
    a = p.parse_args()
    return run(a.reps, a.burst, a.interval_ms / 1000)


if __name__ == "__main__":
    sys.exit(main())
