"""``eccentric demo``: the looping players in-process, and the command as a user runs it."""

from __future__ import annotations

import http.client
import itertools
import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from eccentric.app.cli import build_parser
from eccentric.app.demo.player import AthletePlayer
from eccentric.app.demo.roster import RECORDINGS_DIR, ROSTER, DemoAthlete, resolve
from eccentric.core.errors import EccentricError
from tests.mqtt.subscriber import Collector

SHORT = RECORDINGS_DIR / "ball_single_right_shank_witmotion.jsonl.gz"


class FakeSink:
    """Stands in for MqttSink: records what the player publishes."""

    def __init__(self) -> None:
        self.athlete = "zoe"
        self.sensor = "simulated"
        self.events: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []

    def publish_event(self, ev: dict[str, Any]) -> None:
        self.events.append(ev)

    def set_status(self, **fields: Any) -> None:
        self.statuses.append(fields)


def test_roster_recordings_exist_and_missing_ones_are_named(tmp_path: Path) -> None:
    cast = resolve(RECORDINGS_DIR, len(ROSTER))
    assert [a.name for a, _ in cast] == ["anna", "ben", "carla"]
    sides = {p.name.split("_")[2] for p in cast[2][1]}
    assert sides == {"left", "right"}  # carla feeds the left/right comparison
    with pytest.raises(EccentricError, match="nordic_trunk_movesense_fatigue"):
        resolve(tmp_path, 1)


def test_loops_give_fresh_rep_ids_and_the_same_reps() -> None:
    sink = FakeSink()
    athlete = DemoAthlete("zoe", (SHORT.name,), "2-3-1-x")
    player = AthletePlayer(athlete, [SHORT], sink, stop=threading.Event(),  # type: ignore[arg-type]
                           run_id="t1", speed=None, loops=2, live_hz=5.0)
    player.run()  # in this thread: bounded by loops=2
    assert player.error is None
    reps = [e for e in sink.events if e["type"] == "rep"]
    assert len(reps) >= 8 and len(reps) % 2 == 0
    half = len(reps) // 2
    # A dashboard de-duplicates by id: the second loop must not look like duplicates...
    assert len({r["id"] for r in reps}) == len(reps)
    assert all("@t1.1" in r["id"] for r in reps[:half])
    assert all("@t1.2" in r["id"] for r in reps[half:])
    # ...while replaying exactly the same reps, with the athlete's target applied.
    strip = ("id",)
    assert [{k: v for k, v in r.items() if k not in strip} for r in reps[:half]] == \
           [{k: v for k, v in r.items() if k not in strip} for r in reps[half:]]
    assert all(isinstance(r["within_target_tempo"], bool) for r in reps)
    assert sum(e["type"] == "set" for e in sink.events) == 2
    assert any(e["type"] == "live" for e in sink.events)
    assert sink.statuses[0]["target_tempo"] == "2-3-1-x" and sink.statuses[0]["reps"] == 0
    assert sink.sensor == "witmotion"  # switched to the recording's sensor


def test_stop_ends_a_paced_player_promptly() -> None:
    sink = FakeSink()
    stop = threading.Event()
    player = AthletePlayer(DemoAthlete("zoe", (SHORT.name,), "2-3-1-x"), [SHORT],
                           sink, stop=stop, run_id="t2", speed=1.0)  # type: ignore[arg-type]
    player.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    stop.set()
    player.join(5)
    assert not player.is_alive()
    assert time.monotonic() - t0 < 1.5
    assert player.error is None


def test_live_samples_leave_spread_out_not_in_bursts() -> None:
    """Recordings come in 1 s chunks; the sink caps the live rate in wall-clock time, so
    a chunk's samples sent in one burst would be thinned to one per second."""
    times: list[float] = []

    class TimingSink(FakeSink):
        def publish_event(self, ev: dict[str, Any]) -> None:
            if ev["type"] == "live":
                times.append(time.monotonic())

    stop = threading.Event()
    player = AthletePlayer(DemoAthlete("zoe", (SHORT.name,), "2-3-1-x"), [SHORT],
                           TimingSink(), stop=stop, run_id="t3", speed=2.0,  # type: ignore[arg-type]
                           live_hz=10.0)
    player.start()
    time.sleep(2.0)
    stop.set()
    player.join(5)
    gaps = sorted(b - a for a, b in itertools.pairwise(times))
    assert len(times) >= 25  # 10 Hz of stream at 2x: about 20 per second
    # Expected spacing 1/(10 Hz * 2) = 50 ms; bursts would make most gaps ~0.
    assert gaps[len(gaps) // 2] > 0.03
    assert gaps[len(gaps) // 10] > 0.01


class CliProcess:
    """``python -m eccentric ARGS`` with its stdout read line by line."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "eccentric", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._pump, daemon=True),
                         threading.Thread(target=self._pump_err, daemon=True)]
        for t in self._readers:
            t.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def _pump_err(self) -> None:
        assert self.proc.stderr is not None
        self.err.extend(self.proc.stderr)

    def wait_line(self, pattern: str, timeout_s: float = 20.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        for line in self.seen:
            if m := re.search(pattern, line):
                return m
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if m := re.search(pattern, line):
                return m
        raise AssertionError(f"no line matching {pattern!r}; got {self.seen}")

    def finish(self, timeout_s: float = 20.0) -> tuple[int, str, str]:
        """Wait for the exit; returns (exit code, all stdout, all stderr)."""
        rc = self.proc.wait(timeout_s)
        for t in self._readers:
            t.join(5)  # pipes reach EOF once the process is gone
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return rc, "".join(self.seen), "".join(self.err)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def demo_process(*args: str, ports: tuple[str, ...] = ("--mqtt-port", "0", "--ws-port", "0"),
                 ) -> CliProcess:
    """The demo on any free ports (``ports=()``: the default ones, or the next free)."""
    return CliProcess("demo", "--no-browser", "--port", "0", *ports, *args)


BANNER_MQTT = r"MQTT:\s+mqtt://127\.0\.0\.1:(\d+) and ws://127\.0\.0\.1:(\d+)/mqtt"


def http_get(url: str) -> tuple[int, bytes]:
    m = re.match(r"http://127\.0\.0\.1:(\d+)(/.*)", url)
    assert m, url
    conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=5)
    try:
        conn.request("GET", m.group(2))
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_demo_serves_dashboard_publishes_and_stops_cleanly_on_sigint() -> None:
    demo = demo_process("--speed", "20", "--athletes", "2", "--duration", "60")
    try:
        url = demo.wait_line(r"Dashboard:\s+(http://127\.0\.0\.1:\d+/)").group(1)
        mqtt = demo.wait_line(r"MQTT:\s+mqtt://127\.0\.0\.1:(\d+) and (ws://\S+)")
        demo.wait_line(r"Press Ctrl-C")
        status, body = http_get(url)
        assert status == 200 and b"eccentric" in body and b"vendor/mqtt.min.js" in body
        status, body = http_get(url + "config.json")
        assert status == 200 and json.loads(body)["broker"] == mqtt.group(2)
        assert http_get(url + "vendor/mqtt.min.js")[0] == 200

        collector = Collector(int(mqtt.group(1)), "eccentric/#", client_id="demo-smoke")
        try:
            # 20x: the first reps come ~15-19 s into the recordings, about 1 s of wall time.
            assert collector.wait_for(
                lambda ms: {m.topic for m in ms} >= {"eccentric/anna/rep", "eccentric/ben/rep"},
                timeout_s=20), sorted({m.topic for m in collector.messages})
            assert collector.wait_for(lambda ms: any(m.topic.endswith("/live") for m in ms), 5)
            demo.wait_line(r"anna\s+rep\s+1 ")  # the terminal shows reps too
            # A coach command from the dashboard's topic is applied by the demo session.
            sets_before = len(collector.on("eccentric/anna/set"))
            collector.client.publish("eccentric/anna/command",
                                     b'{"command":"stop_set","request_id":"d1"}', qos=1)
            assert collector.wait_for(lambda ms: any(
                m.topic == "eccentric/anna/command/result" for m in ms), 10)
            result = collector.on("eccentric/anna/command/result")[0].json()
            assert result["ok"] is True and result["request_id"] == "d1", result
            assert result["detail"]["closed_sets"]
            assert collector.wait_for(
                lambda ms: len(collector.on("eccentric/anna/set")) > sets_before, 5)
            demo.wait_line(r"anna\s+coach stop_set applied")
            demo.proc.send_signal(signal.SIGINT)
            rc, out, err = demo.finish(20)
            assert rc == 0, err
            assert "stopped" in out and "Traceback" not in err
            # Publishers closed before the broker: subscribers saw them go offline.
            assert collector.wait_for(lambda ms: any(
                m.topic == "eccentric/bridge/state" and m.payload == b"offline" for m in ms), 5)
            statuses = [m.json() for m in collector.on("eccentric/anna/status")]
            assert statuses and statuses[-1]["online"] is False
        finally:
            collector.client.loop_stop()
            collector.client.disconnect()
        with pytest.raises(OSError):
            http_get(url)  # the web server is gone too
    finally:
        demo.kill()


def test_demo_duration_ends_it_by_itself() -> None:
    demo = demo_process("--athletes", "1", "--duration", "2", "--quiet")
    try:
        demo.wait_line(r"Dashboard:\s+http://127\.0\.0\.1:\d+/")
        t0 = time.monotonic()
        rc, out, err = demo.finish(25)
        assert rc == 0, err
        assert "demo finished" in out and "stopped" in out
        assert time.monotonic() - t0 < 12
        assert "rep " not in out  # --quiet
    finally:
        demo.kill()


def test_dashboard_command_serves_until_sigint() -> None:
    dash = CliProcess("dashboard", "--no-browser", "--port", "0", "--broker",
                      "ws://127.0.0.1:9/ws", "--mqtt-base", "gym/eccentric")
    try:
        url = dash.wait_line(r"eccentric dashboard: (http://127\.0\.0\.1:\d+/)").group(1)
        dash.wait_line(r"Press Ctrl-C")
        status, body = http_get(url + "config.json")
        assert status == 200
        assert json.loads(body) | {"version": None} == {
            "broker": "ws://127.0.0.1:9/ws", "base": "gym/eccentric", "stale_after_s": 65.0,
            "version": None, "history": True}  # the per-user history file by default
        dash.proc.send_signal(signal.SIGINT)
        rc, out, err = dash.finish(10)
        assert rc == 0 and "stopped" in out, err
    finally:
        dash.kill()


def test_demo_rejects_bad_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    args = parser.parse_args(["demo", "--loops", "2", "--live-hz", "0", "--speed", "max"])
    assert (args.loops, args.live_hz, args.speed, args.port) == (2, 0.0, None, None)
    for bad in (["--loops", "-1"], ["--live-hz", "500"], ["--duration", "0"],
                ["--athletes", "4"], ["--port", "65536"], ["--speed", "0"]):
        with pytest.raises(SystemExit) as exc:  # a usage error before anything starts
            parser.parse_args(["demo", *bad])
        assert exc.value.code == 2, bad
    assert "--loops" in capsys.readouterr().err


def test_a_second_demo_beside_a_running_one() -> None:
    """With the default ports the second one moves to free ones and works; given the
    first one's port, it stops at once with one line naming the port and the flag."""
    first = demo_process("--athletes", "1", "--speed", "20", "--duration", "40", "--quiet",
                         ports=())
    second = third = None
    try:
        port1, ws1 = map(int, first.wait_line(BANNER_MQTT).groups())
        first.wait_line(r"Press Ctrl-C")
        second = demo_process("--athletes", "1", "--speed", "20", "--duration", "40",
                              "--quiet", ports=())
        port2, ws2 = map(int, second.wait_line(BANNER_MQTT).groups())
        assert port2 != port1 and ws2 != ws1
        if (port1, ws1) == (1883, 9001):  # the defaults: the banner says why they moved
            second.wait_line(r"MQTT port 1883 is in use; using \d+")
        second.wait_line(r"Press Ctrl-C")
        collector = Collector(port2, "eccentric/#", client_id="second-demo")
        try:  # the second demo's broker carries its athlete's stream
            assert collector.wait_for(lambda ms: any(m.topic == "eccentric/anna/live"
                                                     for m in ms), 15)
        finally:
            collector.stop()

        third = demo_process("--athletes", "1", "--duration", "40",
                             ports=("--mqtt-port", str(port1)))
        rc, out, err = third.finish(20)
        assert rc != 0
        assert len(err.strip().splitlines()) == 1, err
        assert f"port {port1} " in err and "--mqtt-port" in err and "Traceback" not in err
        assert "Dashboard:" not in out  # it stopped before serving anything

        for demo in (second, first):
            demo.proc.send_signal(signal.SIGINT)
            rc, _, err = demo.finish(20)
            assert rc == 0 and "Traceback" not in err, err
    finally:
        for demo in (first, second, third):
            if demo is not None:
                demo.kill()
