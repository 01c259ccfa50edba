"""End to end: ``eccentric replay <recording> --broker ...`` in its own process; a
subscriber receives exactly the rep events the replay decided, schema-valid, in order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from eccentric.app.inputs import open_source
from eccentric.io.recording_format import RecordingHeader
from eccentric.io.recording_writer import RecordingWriter
from eccentric.mqtt.broker import free_port
from tests.mqtt import contract
from tests.mqtt.brokers import Mosquitto, wait_port
from tests.mqtt.subscriber import Collector
from tests.synthetic import imu_from_angle, nordic_angle

ROOT = Path(__file__).resolve().parents[2]


def _recording(path: Path, reps: int = 4) -> Path:
    t, angle, _ = nordic_angle(100.0, reps)
    header = RecordingHeader(sensor="synthetic-imu", placement="thigh", rate_hz=100.0,
                             exercise="nordic_curl", athlete="Bo/Test+1")
    with RecordingWriter(path, header) as w:
        w.write_chunk(imu_from_angle(t, angle, noise=0.3, seed=4))
    return path


def _replay(recording: Path, tmp: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "eccentric", "replay", str(recording), "--json",
         "--mqtt-queue", str(tmp / "queue.sqlite3"), "--mqtt-client-id", "e2e", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _check(proc: subprocess.Popen[str], collector: Collector, athlete: str = "Bo_Test_1",
           sensor: str = "synthetic-imu") -> list[dict[str, object]]:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "ERROR" not in err, err
    decided = [json.loads(line) for line in out.splitlines()]
    rep_ids = [e["id"] for e in decided if e["type"] == "rep"]
    assert len(rep_ids) >= 3, "the replay decided too few reps to be a useful test"
    assert collector.wait_for(lambda ms: len(collector.on("/rep")) >= len(rep_ids), 10)
    received = collector.on("/rep")
    assert all(m.topic == f"eccentric/{athlete}/rep" for m in received)
    assert [m.json()["id"] for m in received] == rep_ids  # exactly these, in order
    for m, event in zip(received, (e for e in decided if e["type"] == "rep"), strict=True):
        body = m.json()
        assert {k: body[k] for k in event} == event  # the event itself, unchanged
        assert body["athlete"] == athlete and body["sensor"] == sensor
    for m in collector.messages:
        contract.validate(m.topic, m.payload)
    set_ids = [e["id"] for e in decided if e["type"] == "set"]
    assert set_ids and collector.wait_for(lambda ms: len(collector.on("/set")) >= len(set_ids))
    assert [m.json()["id"] for m in collector.on("/set")] == set_ids
    return decided


@pytest.mark.parametrize("name", ["nordic_thigh_polar52_basic",
                                  "ball_double_shank_movesense_3sets"])
def test_replay_of_library_recording_to_mosquitto(mosquitto: Mosquitto, tmp_path: Path,
                                                  name: str) -> None:
    recording = ROOT / "recordings" / f"{name}.jsonl.gz"
    header = open_source(recording).header
    collector = Collector(mosquitto.port)
    try:
        proc = _replay(recording, tmp_path, "--broker", mosquitto.url)
        _check(proc, collector, athlete=header.athlete, sensor=header.sensor)
        assert collector.on("/live"), "no live gauge messages"
    finally:
        collector.stop()


def test_replay_with_embedded_broker(tmp_path: Path) -> None:
    """Also checks that a header athlete with '/' and '+' becomes a safe topic level."""
    recording = _recording(tmp_path / "nordic.jsonl", reps=3)
    port = free_port()
    # Paced (8x real time) so the subscriber is in before the first rep is decided.
    proc = _replay(recording, tmp_path, "--broker", "embedded", "--mqtt-port", str(port),
                   "--ws-port", "0", "--speed", "8")
    collector = None
    try:
        wait_port(port, 20)
        collector = Collector(port)
        _check(proc, collector)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if collector is not None:
            collector.stop()
