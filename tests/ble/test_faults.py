"""Fault tests against the emulated BlueZ: a device that drops the link mid-set and comes
back, devices that never answer or never stream, a device that is not there."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.ble.emulated import (
    Device,
    Emulator,
    LiveRun,
    emulated,
    live_until,
    make_recording,
    pipeline_events,
    playback_done,
    replay,
)
from tests.mqtt.brokers import Mosquitto
from tests.mqtt.subscriber import Collector

RUN_ID = "e2e1"  # live and the capture replays share it, so their event ids match
EXERCISE = "ball_leg_curl"
DROP_AT_S = 8.6  # playback time: after rep 1 ends (8.2 s), before rep 2 starts (10.1 s)
AWAY_S = 0.5
# kind, sensor, name, address, athlete: device stamps, arrival timing, re-subscription.
DEVICES = [
    ("polar_pmd", "polar_verity_sense", "Polar Sense 0A1B2C3D", "A0:9E:1A:00:00:11", "ana"),
    ("metawear", "metamotion", "MetaWear", "D1:60:00:00:00:12", "bo"),
    ("movesense", "movesense", "Movesense 220330000777", "0C:8C:DC:00:00:13", "cy"),
]


@dataclass
class Dropped:
    live: LiveRun
    emu_events: list[dict[str, Any]]
    captures: dict[str, Path]
    status: dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def dropped(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("ble_drop")
    devices = []
    for kind, sensor, name, address, _ in DEVICES:
        path, _ = make_recording(tmp, sensor)
        devices.append(Device(kind, name, address, path,
                              faults={"drop_at_s": DROP_AT_S, "away_s": AWAY_S}))
    (tmp / "mosquitto").mkdir()
    broker = Mosquitto(tmp / "mosquitto", persistence=False).start()
    collector = Collector(broker.port, client_id="ble-faults")
    try:
        with emulated(tmp, devices) as emu:
            args = ["--exercise", EXERCISE, "--json", "--run-id", RUN_ID,
                    "--capture-dir", str(tmp / "cap"),
                    "--broker", broker.url, "--mqtt-queue", str(tmp / "q.sqlite"),
                    "--mqtt-live-hz", "0"]
            for _, _, _, address, athlete in DEVICES:
                args += ["--device", f"{address},athlete={athlete}"]
            live = live_until(emu, args, playback_done([d[2] for d in DEVICES]), 60)
            events = emu.events()
        collector.wait_for(lambda ms: any(m.payload == b"offline" for m in ms), 10)
        status = {a: [m.json() for m in collector.messages if m.topic == f"eccentric/{a}/status"]
                  for *_, a in DEVICES}
        captures = {a: next((tmp / "cap").glob(f"{a}-*.jsonl")) for *_, a in DEVICES}
        yield Dropped(live, events, captures, status)
    finally:
        collector.client.loop_stop()
        collector.client.disconnect()
        broker.stop()


def test_link_drop_reconnects_and_restarts_the_stream(dropped: Dropped) -> None:
    assert dropped.live.rc == 0, dropped.live.stderr
    for _, _, name, _, _ in DEVICES:
        mine = [e for e in dropped.emu_events if e.get("device") == name]
        kinds = [e["event"] for e in mine]
        assert "dropped_link" in kinds
        after = kinds[kinds.index("dropped_link"):]
        assert "connected" in after, f"{name} never reconnected: {after}"
    # The emulated Polar kept measuring (like an H10): the restart was refused with
    # ALREADY_IN_STATE and the driver stopped and started again.
    polar = [e for e in dropped.emu_events if e.get("device", "").startswith("Polar")]
    i = [e["event"] for e in polar].index("dropped_link")
    writes = [e["hex"] for e in polar[i:] if e["event"] == "write"]
    assert writes[:3] == ["0102", "0105", "0202000134000101100002010800040103"]
    assert "0302" in writes and writes.count("0202000134000101100002010800040103") == 2


@pytest.mark.parametrize("athlete", [d[4] for d in DEVICES])
def test_set_continues_and_the_gap_is_flagged(dropped: Dropped, athlete: str) -> None:
    events = pipeline_events(dropped.live.events(), athlete)
    reps = [e for e in events if e["type"] == "rep"]
    assert [(r["set"], r["rep_in_set"]) for r in reps] == [(1, 1), (1, 2)]
    gaps = [e for e in events if e.get("event") == "gap"]
    assert len(gaps) == 1
    # The link was down ≥ 0.5 s (plus reconnecting), between the two reps' starts. Polar
    # frames hold ~1 s, so its gap can reach back into rep 1, which then says so.
    gap = gaps[0]
    assert 0.5 <= gap["gap_s"] < 4.0
    assert reps[0]["start_s"] < gap["start_s"] and gap["end_s"] < reps[1]["start_s"]
    if reps[0]["end_s"] > gap["start_s"]:
        assert any(f.startswith("gap:") for f in reps[0]["flags"])
    assert not reps[1]["flags"]
    ble = [e["event"] for e in dropped.live.events()
           if e["type"] == "ble" and e["device"].startswith(("Polar", "MetaWear", "Movesense"))]
    assert ble.count("stream_start") == 2 * len(DEVICES)


@pytest.mark.parametrize("athlete", [d[4] for d in DEVICES])
def test_status_reports_the_outage(dropped: Dropped, athlete: str) -> None:
    status = dropped.status[athlete]
    states = [s.get("ble_state") for s in status]
    assert "reconnecting" in states
    i = states.index("reconnecting")
    assert status[i]["sensor_connected"] is False
    assert "streaming" in states[i:]
    final = status[-1]
    assert final["ble_reconnects"] == 1 and final["ble_gaps"] >= 1
    assert 0 < final["packet_loss_pct"] < 30


@pytest.mark.parametrize("athlete", [d[4] for d in DEVICES])
def test_capture_replay_reproduces_the_interrupted_run(dropped: Dropped, athlete: str) -> None:
    live = pipeline_events(dropped.live.events(), athlete)
    # The same run id: ids then match too (a replay draws a fresh one by default).
    assert pipeline_events(replay(dropped.captures[athlete], "--run-id", RUN_ID)) == live
    lines = [json.loads(x) for x in dropped.captures[athlete].read_text().splitlines()[1:]]
    assert [x["event"] for x in lines if "event" in x] == [
        "stream_start", "disconnected", "stream_start", "disconnected"]


# ------------------------------------------------------------------ devices that misbehave

SILENT = [Device("polar_pmd", "Polar Sense 5111E47", "A0:9E:1A:00:00:21",
                 faults={"silent_start": True},
                 options={"acc_lsb_g": 8 / 32768, "gyro_lsb_dps": 2000 / 32768}),
          Device("metawear", "MetaWear", "D1:60:00:00:00:22", faults={"silent_start": True})]


@pytest.fixture(scope="module")
def silent(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("ble_silent")
    with emulated(tmp, SILENT) as emu:
        yield emu, tmp


def _quick(emu: Emulator, tmp: Path, *args: str) -> LiveRun:
    return live_until(emu, ["--exercise", EXERCISE, "--capture-dir", str(tmp / "cap"),
                            "--reply-timeout", "1.5", "--data-timeout", "1.5",
                            "--scan-timeout", "3", *args],
                      lambda ev: False, timeout_s=30, sigint=False)


def test_no_answer_to_the_start_command(silent: tuple[Emulator, Path]) -> None:
    emu, tmp = silent
    run = _quick(emu, tmp, "--device", "Polar Sense 5111E47")
    assert run.rc == 1
    assert "no answer to 'start ACC' within 1.5 s" in run.stderr
    assert run.wall_s < 15
    ev = [e for e in emu.events() if e.get("device") == "Polar Sense 5111E47"]
    assert [e["event"] for e in ev][-1] == "disconnected"  # we hung up, not the device


def test_started_but_no_data(silent: tuple[Emulator, Path]) -> None:
    emu, tmp = silent
    run = _quick(emu, tmp, "--device", "D1:60:00:00:00:22")
    assert run.rc == 1
    assert "started, but no data arrived within 1.5 s" in run.stderr
    assert run.wall_s < 15


def test_device_not_found(silent: tuple[Emulator, Path]) -> None:
    emu, tmp = silent
    run = live_until(emu, ["--device", "Polar Sense NOPE", "--scan-timeout", "1",
                           "--capture-dir", str(tmp / "cap")], lambda ev: False, 20,
                     sigint=False)
    assert run.rc == 1
    assert "not found within 1 s: Polar Sense NOPE" in run.stderr
    assert "Polar Sense 5111E47 (A0:9E:1A:00:00:21)" in run.stderr  # what it did see
