"""Nothing lost, nothing duplicated after de-duplication, order kept: when the broker
is killed mid-session, and when the publisher is killed while the broker is down."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.mqtt import contract
from tests.mqtt.brokers import Mosquitto
from tests.mqtt.conftest import SinkFactory
from tests.mqtt.events import live, rep, set_summary
from tests.mqtt.subscriber import Collector

ROOT = Path(__file__).resolve().parents[2]


def _has_ids(collector: Collector, suffix: str, ids: list[str]):  # type: ignore[no-untyped-def]
    return lambda ms: set(ids) <= set(collector.unique_ids(suffix))


def test_broker_killed_and_restarted_mid_session(mosquitto: Mosquitto,
                                                 make_sink: SinkFactory) -> None:
    # A dashboard with a persistent session, so the broker keeps its subscription (and
    # queues for it) across the restart; Mosquitto saves it to disk on every change.
    dash = Collector(mosquitto.port, client_id="dashboard", persistent=True)
    sink = make_sink(mosquitto.url)
    assert sink.publisher.wait_connected(10)
    n_reps = 40
    try:
        for n in range(1, n_reps + 1):
            sink.publish_event(rep(n))
            sink.publish_event(live(5.0 * n, reps=n))
            if n == 15:
                mosquitto.kill()  # SIGKILL mid-stream: no clean shutdown
            if n == 30:
                mosquitto.start()
            time.sleep(0.03)
        sink.publish_event(set_summary(1, n_reps))
        expected = [f"s1@t1:1:{n}" for n in range(1, n_reps + 1)]
        assert dash.wait_for(_has_ids(dash, "/rep", expected), 30), dash.unique_ids("/rep")
        assert dash.wait_for(lambda ms: len(dash.on("/set")) >= 1, 10)
        assert dash.unique_ids("/rep") == expected  # exactly once each, in order
        assert dash.unique_ids("/set") == ["s1@t1:set:1"]
        assert sink.publisher.stats.connects >= 2  # it really reconnected
        for m in dash.messages:
            contract.validate(m.topic, m.payload)
        # The status told the dashboard that delivery was catching up, then that it was not.
        stale = [m.json()["stale"] for m in dash.on("/status")]
        assert True in stale and stale[-1] is False
    finally:
        dash.stop()


def _start_publisher(url: str, queue: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.mqtt.publisher_proc", url, str(queue), "pub-restart"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _send(proc: subprocess.Popen[str], line: str) -> str:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    return proc.stdout.readline().strip()


def test_publisher_killed_while_broker_down_delivers_queue_after_restart(
        mosquitto: Mosquitto, tmp_path: Path) -> None:
    dash = Collector(mosquitto.port, client_id="dashboard", persistent=True)
    queue = tmp_path / "queue.sqlite3"
    first = _start_publisher(mosquitto.url, queue)
    second: subprocess.Popen[str] | None = None
    try:
        for n in (1, 2, 3):
            assert _send(first, f"rep {n}") == f"queued {n}"
        assert dash.wait_for(_has_ids(dash, "/rep", ["s1@t1:1:1", "s1@t1:1:2", "s1@t1:1:3"]), 10)
        mosquitto.kill()
        for n in (4, 5, 6, 7):  # broker down: these only reach the disk queue
            assert _send(first, f"rep {n}") == f"queued {n}"
        first.kill()  # SIGKILL the publisher too
        first.wait(10)
        mosquitto.start()
        second = _start_publisher(mosquitto.url, queue)
        assert _send(second, "rep 8") == "queued 8"
        assert _send(second, "set 1 8") == "queued set 1"
        assert _send(second, "close") == "closed"
        expected = [f"s1@t1:1:{n}" for n in range(1, 9)]
        assert dash.wait_for(_has_ids(dash, "/rep", expected), 20), dash.unique_ids("/rep")
        assert dash.unique_ids("/rep") == expected
        assert dash.wait_for(lambda ms: dash.unique_ids("/set") == ["s1@t1:set:1"], 10)
        for m in dash.messages:
            contract.validate(m.topic, m.payload)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
        dash.stop()


def test_last_will_marks_bridge_offline_when_publisher_dies(mosquitto: Mosquitto,
                                                           tmp_path: Path) -> None:
    watcher = Collector(mosquitto.port, client_id="watcher")
    proc = _start_publisher(mosquitto.url, tmp_path / "q.sqlite3")
    try:
        assert watcher.wait_for(lambda ms: any(
            m.topic == "eccentric/bridge/state" and m.payload == b"online" for m in ms), 10)
        proc.kill()
        proc.wait(10)
        assert watcher.wait_for(lambda ms: ms[-1].topic == "eccentric/bridge/state"
                                and ms[-1].payload == b"offline", 10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        watcher.stop()
