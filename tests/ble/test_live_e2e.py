"""End to end with the real bleak against the emulated BlueZ: scan → connect → stream a
simulated set → the rep events equal those of replaying the same session.

One live process streams every device at once (the multi-device case), so the whole
module costs one simulated set of wall time. Ctrl-C (SIGINT) ends the run.
"""

from __future__ import annotations

import itertools
import json
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eccentric.devices.metawear import driver as metawear
from eccentric.devices.movesense import driver as movesense
from eccentric.devices.polar_pmd import driver as polar_pmd
from eccentric.devices.witmotion import driver as witmotion
from tests.ble.emulated import (
    Device,
    Emulator,
    LiveRun,
    eccentric,
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
# kind, simulator sensor, advertised name, address, athlete, emulator faults
DEVICES = [
    ("polar_pmd", "polar_verity_sense", "Polar Sense 0A1B2C3D", "A0:9E:1A:00:00:01", "ana", {}),
    # Junk notifications between real ones: they must be counted and change nothing.
    ("metawear", "metamotion", "MetaWear", "D1:60:00:00:00:02", "bo", {"garbage_every": 9}),
    ("movesense", "movesense", "Movesense 220330000123", "0C:8C:DC:00:00:03", "cy", {}),
    ("witmotion", "witmotion", "WT901BLE68", "E4:A1:00:00:00:04", "di", {}),
    # A DIY band: its TOML file is all the "driver" it has; it sends MetaMotion data.
    ("generic", "metamotion", "DIY-IMU 7", "24:0A:C4:00:00:05", "ed", {}),
]
GENERIC_TOML = """
name = "diy_band"
match_names = ["DIY-IMU"]
service = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
notify = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
write = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
start = ["01"]
stop = ["00"]
rate_hz = 100

[packet]
header = "<H"
header_fields = ["counter"]
sample = "<6h"
sample_fields = ["ax", "ay", "az", "gx", "gy", "gz"]
samples = 4

[scale]
acc = 0.000244140625
acc_unit = "g"
gyro = 0.030487804878048783
gyro_unit = "dps"
"""
DATA_CHARS = (polar_pmd.PMD_DATA, metawear.NOTIFY, movesense.DATA, witmotion.NOTIFY,
              tomllib.loads(GENERIC_TOML)["notify"])
UNKNOWN = {"name": "JBL Flip 5", "address": "11:22:33:44:55:66",
           "uuids": ["0000110b-0000-1000-8000-00805f9b34fb"]}


@dataclass
class Run:
    live: LiveRun
    emu_events: list[dict[str, Any]]
    scan: list[dict[str, Any]]
    scan_all: list[dict[str, Any]]
    recordings: dict[str, Path]
    captures: dict[str, Path]
    mqtt: Collector
    history: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("ble_e2e")
    generic_toml = tmp / "diy.toml"
    generic_toml.write_text(GENERIC_TOML)
    devices, recordings = [], {}
    for kind, sensor, name, address, _, faults in DEVICES:
        if sensor not in recordings:
            recordings[sensor], _ = make_recording(tmp, sensor)
        options = {"config": tomllib.loads(GENERIC_TOML)} if kind == "generic" else {}
        devices.append(Device(kind, name, address, recordings[sensor], faults=faults,
                              options=options))
    (tmp / "mosquitto").mkdir()
    broker = Mosquitto(tmp / "mosquitto", persistence=False).start()
    collector = Collector(broker.port, client_id="ble-e2e")
    try:
        with emulated(tmp, devices, [UNKNOWN]) as emu:
            scan = _scan(emu, "--generic-config", str(generic_toml))
            scan_all = _scan(emu, "--all")
            args = ["--exercise", EXERCISE, "--json", "--run-id", RUN_ID,
                    "--capture-dir", str(tmp / "captures"),
                    "--broker", broker.url, "--mqtt-queue", str(tmp / "queue.sqlite"),
                    "--generic-config", str(generic_toml),
                    "--history", str(tmp / "history.sqlite")]
            for _, _, name, address, athlete, _ in DEVICES:
                # One by name prefix, one by address, as a user would.
                target = name.split()[0] if name.startswith("Polar") else address
                args += ["--device", f"{target},athlete={athlete}"]
            coach = threading.Thread(target=_coach, args=(broker.port, collector), daemon=True)
            coach.start()
            live = live_until(emu, args, playback_done([d[2] for d in DEVICES]), 60)
            coach.join(5)
            emu_events = emu.events()
        collector.wait_for(lambda ms: sum(m.topic.endswith("bridge/state")
                                          and m.payload == b"offline" for m in ms) >= 1, 10)
        captures = {}
        for _, _, _, _, athlete, _ in DEVICES:
            [captures[athlete]] = sorted((tmp / "captures").glob(f"{athlete}-*.jsonl"))
        by_athlete = {d[4]: recordings[d[1]] for d in DEVICES}
        yield Run(live, emu_events, scan, scan_all, by_athlete, captures, collector,
                  tmp / "history.sqlite")
    finally:
        collector.client.loop_stop()
        collector.client.disconnect()
        broker.stop()


COACHED = "cy"  # the athlete a coach sends commands to while live runs


def _coach(port: int, collector: Collector) -> None:
    """Once the athlete's first rep is out: a command the session refuses (no plan, so
    nothing changes and the rep events still equal the replay's) and a malformed one."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    if not collector.wait_for(lambda ms: any(m.topic == f"eccentric/{COACHED}/rep"
                                             for m in ms), 40):
        return
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="ble-e2e-coach")
    client.connect("127.0.0.1", port)
    client.loop_start()
    topic = f"eccentric/{COACHED}/command"
    client.publish(topic, b'{"command":"next_block","request_id":"n1"}', qos=1
                   ).wait_for_publish(5)
    client.publish(topic, b'{"command":', qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


def test_live_applies_coach_commands_in_the_session(run: Run) -> None:
    results = [m.json() for m in run.mqtt.messages
               if m.topic == f"eccentric/{COACHED}/command/result"]
    by_id = {r["request_id"]: r for r in results}
    # Refused by the session itself (the drive loop), at a stream time: not by the sink.
    assert by_id["n1"]["ok"] is False and by_id["n1"]["error"]["code"] == "rejected"
    assert "no plan" in by_id["n1"]["error"]["message"]
    assert isinstance(by_id["n1"]["t_s"], float)
    assert by_id[None]["error"]["code"] == "invalid_json"
    events = [e for e in run.live.events() if e.get("athlete") == COACHED
              and e["type"] == "command"]
    assert [(e["command"], e["ok"], e["t_s"]) for e in events] == [
        ("next_block", False, by_id["n1"]["t_s"])]


def _scan(emu: Emulator, *extra: str) -> list[dict[str, Any]]:
    r = eccentric(emu, "scan", "--timeout", "1.5", "--json", *extra)
    assert r.returncode == 0, r.stderr
    return [json.loads(x) for x in r.stdout.splitlines()]


def test_scan_recognises_supported_sensors_and_hides_others(run: Run) -> None:
    kinds = {d["address"]: d["kind"] for d in run.scan}
    assert kinds == {address: kind for kind, _, _, address, _, _ in DEVICES}
    assert all(isinstance(d["rssi"], int) and d["rssi"] < 0 for d in run.scan)
    assert {d["name"] for d in run.scan} == {d[2] for d in DEVICES}
    others = {d["name"]: d["kind"] for d in run.scan_all if d["kind"] is None}
    # Without its config file the DIY band is just another unknown device.
    assert others == {"JBL Flip 5": None, "DIY-IMU 7": None}


def test_ctrl_c_stops_streams_and_exits_cleanly(run: Run) -> None:
    assert run.live.rc == 0, run.live.stderr
    stops = [e for e in run.emu_events if e.get("event") == "stopped"]
    # Polar: ACC (2) and GYRO (5) stopped on the device; MetaWear: both modules off.
    assert {e.get("measurement") for e in stops if e["device"].startswith("Polar")} == {2, 5}
    assert {e.get("module") for e in stops if e["device"] == "MetaWear"} == {0x03, 0x13}
    # Movesense unsubscribed, WitMotion notifications off, DIY band sent its stop command.
    assert {e["device"] for e in stops} == {d[2] for d in DEVICES}
    assert sum(e.get("event") == "disconnected" and e.get("by") == "central"
               for e in run.emu_events) == len(DEVICES)


@pytest.mark.parametrize("athlete", [d[4] for d in DEVICES])
def test_rep_events_equal_replaying_the_session(run: Run, athlete: str) -> None:
    live = [e for e in pipeline_events(run.live.events(), athlete) if e["type"] == "rep"]
    ref = [e for e in replay(run.recordings[athlete], "--exercise", EXERCISE)
           if e["type"] == "rep"]
    assert len(ref) == 2 and len(live) == len(ref)
    for got, want in zip(live, ref, strict=True):
        assert (got["set"], got["rep_in_set"], got["tempo"]) == (
            want["set"], want["rep_in_set"], want["tempo"])
        # Same samples, decoded from the device's integers: only float rounding differs.
        for key in ("start_s", "end_s", "eccentric_s", "concentric_s"):
            assert got[key] == pytest.approx(want[key], abs=0.021), key
        assert got["rom_deg"] == pytest.approx(want["rom_deg"], abs=0.3)


@pytest.mark.parametrize("athlete", [d[4] for d in DEVICES])
def test_replaying_the_capture_yields_the_live_events(run: Run, athlete: str) -> None:
    live = pipeline_events(run.live.events(), athlete)
    # The same run id: ids then match too (a replay draws a fresh one by default).
    again = pipeline_events(replay(run.captures[athlete], "--run-id", RUN_ID))
    assert [e["type"] for e in live].count("rep") == 2
    assert again == live


def test_history_keeps_every_live_rep(run: Run) -> None:
    from eccentric.history import queries, store

    conn = store.connect(run.history, create=False)
    try:
        found = {s.athlete: s for s in queries.sessions(conn)}
        curves = conn.execute("SELECT COUNT(*) FROM rep_curves").fetchone()[0]
        stored = {r[0] for r in conn.execute("SELECT id FROM reps")}
    finally:
        conn.close()
    assert set(found) == {d[4] for d in DEVICES}
    live = {e["id"] for d in DEVICES for e in pipeline_events(run.live.events(), d[4])
            if e["type"] == "rep"}
    assert stored == live and curves == len(live) == 2 * len(DEVICES)
    assert all(s.reps == 2 and s.status == "ended" and s.exercise == EXERCISE
               for s in found.values())


def test_capture_holds_every_notification(run: Run) -> None:
    sent = {e["device"]: e["sent"] for e in run.emu_events if e.get("event") == "playback_done"}
    for kind, _, name, _, athlete, faults in DEVICES:
        lines = [json.loads(x) for x in run.captures[athlete].read_text().splitlines()]
        header, raw = lines[0], [x for x in lines[1:] if "char" in x]
        assert header["sensor_info"]["ble"]["driver"] == kind
        data = [x for x in raw if x["char"].endswith(DATA_CHARS)
                and not (kind == "movesense" and x["hex"].startswith("01"))]  # not results
        junk = (sent[name] + faults["garbage_every"] - 1) // faults["garbage_every"] \
            if faults.get("garbage_every") else 0
        assert len(data) == sent[name] + junk
        assert all(b["host_t_s"] >= a["host_t_s"] for a, b in itertools.pairwise(raw))


def test_mqtt_reps_status_and_offline(run: Run) -> None:
    msgs = run.mqtt.messages
    for athlete in (d[4] for d in DEVICES):
        reps = [m.json() for m in msgs if m.topic == f"eccentric/{athlete}/rep"]
        assert len({r["id"] for r in reps}) == 2
        status = [m.json() for m in msgs if m.topic == f"eccentric/{athlete}/status"]
        streaming = [s for s in status if s.get("sensor_connected")]
        assert streaming, f"{athlete}: no status while streaming"
        assert all(s["packet_loss_pct"] == 0 for s in streaming)
        assert max(s["sample_rate_hz"] for s in streaming) > 30
        assert status[-1]["online"] is False
    # The Polar emulation has a standard Battery Service (87 %); the others have none.
    assert [m.json() for m in msgs if m.topic == "eccentric/ana/status"][-1][
        "battery_pct"] == 87
    assert [m.json() for m in msgs if m.topic == "eccentric/bo/status"][-1][
        "battery_pct"] is None
    garbage = [m.json() for m in msgs if m.topic == "eccentric/bo/status"]
    assert garbage[-1]["ble_malformed_packets"] > 0
    assert msgs[-1].topic.endswith("bridge/state") or any(
        m.topic == "eccentric/bridge/state" and m.payload == b"offline" for m in msgs)
