"""End to end: a simulated side plank replayed to the embedded broker; a subscriber
receives exactly the hold events the replay decided, on the hold topic, schema-valid."""

from __future__ import annotations

import json
from pathlib import Path

from eccentric.app import cli
from eccentric.mqtt.broker import free_port
from tests.mqtt import contract
from tests.mqtt.brokers import wait_port
from tests.mqtt.subscriber import Collector
from tests.mqtt.test_replay_e2e import _replay


def test_holds_are_published_on_the_hold_topic(tmp_path: Path) -> None:
    recording = tmp_path / "plank.jsonl.gz"
    assert cli.main(["simulate", "--exercise", "side_plank", "--placement", "trunk",
                     "--seed", "11", "--reps", "2", "--side", "right",
                     "--out", str(recording)]) == 0
    port = free_port()
    # Paced (8x real time) so the subscriber is in before the first hold is decided.
    proc = _replay(recording, tmp_path, "--broker", "embedded", "--mqtt-port", str(port),
                   "--ws-port", "0", "--speed", "8")
    collector = None
    try:
        wait_port(port, 20)
        collector = Collector(port)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        decided = [json.loads(line) for line in out.splitlines()]
        holds = [e for e in decided if e["type"] == "hold"]
        assert len(holds) == 2
        assert collector.wait_for(lambda ms: len(collector.on("/hold")) >= len(holds), 10)
        received = collector.on("/hold")
        assert all(m.topic == "eccentric/simulated/hold" for m in received)
        assert [m.json()["id"] for m in received] == [h["id"] for h in holds]
        for m, ev in zip(received, holds, strict=True):
            body = m.json()
            assert {k: body[k] for k in ev} == ev and body["side"] == "right"
        for m in collector.messages:
            contract.validate(m.topic, m.payload)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if collector is not None:
            collector.stop()
