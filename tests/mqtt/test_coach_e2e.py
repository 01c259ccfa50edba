"""Coach commands end to end: a paced ``eccentric replay`` subprocess with a plan,
publishing to a real broker (Mosquitto, and the embedded one); a coach client sends each
command on ``<base>/<athlete>/command`` while it runs, and the replay's own events show
each one applied at a stream time, with its effect on the events after it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from eccentric.io.recording_format import RecordingHeader
from eccentric.io.recording_writer import RecordingWriter
from eccentric.mqtt.broker import free_port
from tests.mqtt import contract
from tests.mqtt.brokers import Mosquitto, wait_port
from tests.mqtt.subscriber import Collector
from tests.synthetic import imu_from_angle, nordic_angle

ROOT = Path(__file__).resolve().parents[2]
BASE = "eccentric/coachy"
PLAN = """
name = "test plan"
[[block]]
exercise = "nordic_curl"
sets = 5
reps = 3
rest_s = 30
[[block]]
exercise = "nordic_curl_band"
sets = 2
target_tempo = "3-0-1-0"
"""


def recording(path: Path, reps: int = 14) -> Path:
    t, angle, _ = nordic_angle(100.0, reps)
    header = RecordingHeader(sensor="synthetic-imu", placement="thigh", rate_hz=100.0,
                             exercise="nordic_curl", athlete="coachy")
    with RecordingWriter(path, header) as w:
        w.write_chunk(imu_from_angle(t, angle, noise=0.3, seed=7))
    return path


def start_replay(tmp: Path, *broker: str) -> subprocess.Popen[str]:
    (tmp / "plan.toml").write_text(PLAN)
    return subprocess.Popen(
        [sys.executable, "-m", "eccentric", "replay", str(recording(tmp / "n.jsonl")),
         "--json", "--speed", "8", "--run-id", "e2e", "--plan", str(tmp / "plan.toml"),
         "--mqtt-queue", str(tmp / "queue.sqlite3"), "--mqtt-client-id", "coach-e2e",
         *broker], cwd=ROOT, stdout=(tmp / "events.jsonl").open("w"),
        # Files, not pipes: nobody reads them while it runs, and a full pipe would
        # stall the replay.
        stderr=(tmp / "stderr.txt").open("w"), text=True)


class Coach:
    """Sends commands and waits for their results and for reps, over the broker."""

    def __init__(self, port: int) -> None:
        self.seen = Collector(port, f"{BASE}/#", client_id="coach-seen")
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="coach-send")
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def reps(self) -> int:
        return len(self.seen.on("/rep"))

    def wait_reps(self, n: int, timeout_s: float = 20.0) -> None:
        assert self.seen.wait_for(lambda ms: self.reps() >= n, timeout_s), \
            f"only {self.reps()} reps arrived"

    def send(self, raw: bytes | dict[str, Any], rid: str | None = None) -> dict[str, Any]:
        body = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
        before = len(self.seen.on("/command/result"))
        self.client.publish(f"{BASE}/command", body, qos=1).wait_for_publish(5)
        assert self.seen.wait_for(
            lambda ms: len(self.seen.on("/command/result")) > before, 10), "no result"
        reply: dict[str, Any] = self.seen.on("/command/result")[before].json()
        if rid is not None:
            assert reply["request_id"] == rid
        return reply

    def stop(self) -> None:
        self.client.loop_stop()
        self.seen.stop()


def drive_session(coach: Coach, proc: subprocess.Popen[str]) -> dict[str, dict[str, Any]]:
    """Every command once, in an order where each one's effect can be seen."""
    out: dict[str, dict[str, Any]] = {}

    def cmd(name: str, **fields: Any) -> dict[str, Any]:
        rid = f"r-{name}-{len(out)}"
        reply = coach.send({"command": name, "request_id": rid, **fields}, rid)
        out[rid] = reply
        return reply

    coach.wait_reps(1)
    assert cmd("set_target_tempo", tempo="9-9-9-9")["ok"]
    coach.wait_reps(coach.reps() + 2)
    assert cmd("set_exercise", exercise="nordic_curl_band")["ok"]
    coach.wait_reps(coach.reps() + 1)
    assert cmd("calibrate")["ok"]
    assert cmd("start_set")["ok"]
    coach.wait_reps(coach.reps() + 1)
    sets_before = len(coach.seen.on("/set"))
    stop = cmd("stop_set")
    # Closed at once, or (a rep in progress) once that rep is decided.
    assert stop["ok"] and (stop["detail"].get("closed_sets")
                           or stop["detail"].get("stop_pending")), stop
    assert coach.seen.wait_for(lambda ms: len(coach.seen.on("/set")) > sets_before, 20)
    again = cmd("stop_set")
    assert again["ok"] is False and again["error"]["code"] == "rejected"
    assert "no set is open" in again["error"]["message"]
    assert cmd("next_block")["ok"]
    bad = coach.send(b"\xff{garbage")
    assert bad["ok"] is False and bad["error"]["code"] == "invalid_json"
    wrong = coach.send({"command": "set_target_tempo", "tempo": 4, "request_id": "w"}, "w")
    assert wrong["error"]["code"] == "invalid_command"
    n = coach.reps()
    coach.wait_reps(n + 1)  # still measuring after the bad ones
    assert proc.poll() is None, "the replay ended before every command was sent"
    return out


def check_events(stdout: str, replies: dict[str, dict[str, Any]]) -> None:
    events = [json.loads(line) for line in stdout.splitlines()]
    applied = {e["request_id"]: e for e in events if e["type"] == "command"}
    assert set(applied) == set(replies)
    for rid, reply in replies.items():
        assert applied[rid]["ok"] == reply["ok"]
        assert applied[rid]["t_s"] == reply["t_s"]  # the result names the stream time
    index = {id(e): i for i, e in enumerate(events)}

    def after(rid: str, kind: str) -> list[dict[str, Any]]:
        at = index[id(applied[rid])]
        return [e for e in events[at + 1:] if e["type"] == kind]

    def before(rid: str, kind: str) -> list[dict[str, Any]]:
        at = index[id(applied[rid])]
        return [e for e in events[:at] if e["type"] == kind]

    tempo, exercise, calib, start, stop, stop2, nxt = list(replies)
    # set_target_tempo: reps before it had no target, reps after miss 9-9-9-9,
    # and two misses in a row raise an alert at once.
    assert all(r["within_target_tempo"] is False for r in after(tempo, "rep"))
    assert before(tempo, "rep")
    assert all(r.get("within_target_tempo") is None for r in before(tempo, "rep"))
    alerts = [a for a in after(tempo, "alert") if a["kind"] == "tempo_missed"]
    assert alerts and alerts[0]["target_tempo"] == "9-9-9-9"
    # set_exercise: the open set closes at the command; later reps are the new exercise.
    t_ex = applied[exercise]["t_s"]
    closed = after(exercise, "set")[0]
    assert closed["decided_s"] == t_ex and closed["exercise"] == "nordic_curl"
    assert {r["exercise"] for r in before(exercise, "rep")} == {"nordic_curl"}
    assert {r["exercise"] for r in after(exercise, "rep")} == {"nordic_curl_band"}
    # calibrate: requested at once, done at the next still start pose.
    cal = [e for e in after(calib, "status") if e.get("event") == "calibration"]
    assert cal[0]["calibration"] == "requested" and cal[0]["t_s"] == applied[calib]["t_s"]
    assert any(e["calibration"] == "done" and e["t_s"] >= cal[0]["t_s"] for e in cal)
    # start_set closes the band set (plan wins: block 1 is nordic_curl, flagged) and opens
    # a manual set that only stop_set closes, at the stop's stream time.
    band = after(start, "set")[0]
    assert band["exercise"] == "nordic_curl" and band["recognised_exercise"] == \
        "nordic_curl_band" and "plan_mismatch" in band["plan"]["flags"]
    manual = after(stop, "set")[0]
    assert manual["manual"] is True and manual["decided_s"] >= applied[stop]["t_s"]
    if not applied[stop]["detail"].get("stop_pending"):
        assert manual["decided_s"] == applied[stop]["t_s"]
    assert manual["start_s"] == applied[start]["t_s"] and manual["reps"] >= 1
    assert applied[stop2]["error"]["code"] == "rejected"
    # next_block: the plan moves to block 2 and its target tempo applies to later reps.
    plans = after(nxt, "plan")
    assert plans[0]["block"] == 2 and plans[0]["reason"] == "next_block"
    assert plans[0]["current"]["exercise"] == "nordic_curl_band"
    last = after(nxt, "set")[-1]
    assert last["plan"]["block"] == 2 and last["target_tempo"] == "3-0-1-0"


def run_case(proc: subprocess.Popen[str], port: int, tmp: Path) -> None:
    coach = Coach(port)
    try:
        try:
            replies = drive_session(coach, proc)
        except AssertionError as exc:
            proc.kill()
            proc.wait(10)
            raise AssertionError(f"{exc}; replay stderr:\n"
                                 f"{(tmp / 'stderr.txt').read_text()[-3000:]}") from None
        proc.wait(60)
        out, err = (tmp / "events.jsonl").read_text(), (tmp / "stderr.txt").read_text()
        assert proc.returncode == 0, err
        assert "Traceback" not in err, err
        check_events(out, replies)
        assert coach.seen.on("/alert"), "no alert on the alert topic"
        for m in coach.seen.messages:
            if not m.topic.endswith("/command"):
                contract.validate(m.topic, m.payload, base="eccentric")
    finally:
        coach.stop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


KEPT = ("rep", "set", "alert", "plan", "command", "nonrep")


def decided(text: str) -> list[dict[str, Any]]:
    events = [json.loads(line) for line in text.splitlines()]
    return [e for e in events if e["type"] in KEPT or e.get("event") == "calibration"]


def shape(text: str) -> list[tuple[Any, ...]]:
    """What commands decide: ids, exercises, set membership, flags and stream times.
    (Angles may differ by 0.1° between chunkings, with or without commands: the attitude
    filter's floating point, not command timing.)"""
    out: list[tuple[Any, ...]] = []
    for e in decided(text):
        kind = e["type"]
        if kind == "rep":
            out.append((kind, e["id"], e["exercise"], e.get("within_target_tempo"),
                        e["decided_s"]))
        elif kind == "set":
            out.append((kind, e["id"], e["exercise"], e["reps"], e["decided_s"],
                        e.get("manual"), json.dumps(e.get("plan"), sort_keys=True)))
        elif kind == "alert":
            out.append((kind, e["id"], e["t_s"]))
        elif kind == "nonrep":
            out.append((kind, e["reason"], e["decided_s"]))
        else:
            out.append((kind, json.dumps(e, sort_keys=True)))
    return out


def offline_replay(tmp: Path, *extra: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "eccentric", "replay", str(tmp / "n.jsonl"), "--json",
         "--run-id", "e2e", "--plan", str(tmp / "plan.toml"), *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "warning" not in out.stderr, out.stderr
    return out.stdout


def test_commands_against_replay_on_mosquitto(mosquitto: Mosquitto, tmp_path: Path) -> None:
    proc = start_replay(tmp_path, "--broker", mosquitto.url)
    # The replay subscribes once connected; its first status says it is.
    probe = Collector(mosquitto.port, f"{BASE}/status", client_id="probe")
    try:
        assert probe.wait_for(lambda ms: bool(ms), 20), "the replay never connected"
    finally:
        probe.stop()
    run_case(proc, mosquitto.port, tmp_path)
    # The run's own command events, given back as a schedule, reproduce it without a
    # broker, as fast as possible (other chunks): the same decisions at the same times.
    live = (tmp_path / "events.jsonl").read_text()
    again = offline_replay(tmp_path, "--commands", str(tmp_path / "events.jsonl"))
    assert shape(again) == shape(live)


def test_a_command_schedule_gives_the_same_events_however_chunked(tmp_path: Path) -> None:
    recording(tmp_path / "n.jsonl")
    (tmp_path / "plan.toml").write_text(PLAN)
    schedule = tmp_path / "commands.jsonl"
    schedule.write_text("\n".join(json.dumps(c) for c in [
        {"t_s": 12.0, "command": "set_target_tempo", "tempo": "9-9-9-9"},
        {"t_s": 20.5, "command": "start_set"},
        {"t_s": 33.33, "command": "stop_set", "request_id": "x"},
        {"t_s": 40.0, "command": "set_exercise", "exercise": "nordic_curl_band"},
        {"t_s": 41.0, "command": "next_block"}]) + "\n")
    fast = offline_replay(tmp_path, "--commands", str(schedule))
    paced = offline_replay(tmp_path, "--commands", str(schedule), "--speed", "60")
    assert shape(fast) == shape(paced)
    commands = [e for e in decided(fast) if e["type"] == "command"]
    assert [c["command"] for c in commands] == ["set_target_tempo", "start_set", "stop_set",
                                                "set_exercise", "next_block"]
    # Each applied at the first sample at or after its time (100 Hz samples).
    for c, want in zip(commands, (12.0, 20.5, 33.33, 40.0, 41.0), strict=True):
        assert want <= c["t_s"] < want + 0.0105 and c["ok"], c


def test_commands_against_replay_on_embedded_broker(tmp_path: Path) -> None:
    port = free_port()
    proc = start_replay(tmp_path, "--broker", "embedded", "--mqtt-port", str(port),
                        "--ws-port", "0")
    wait_port(port, 20)
    time.sleep(0.3)
    run_case(proc, port, tmp_path)
