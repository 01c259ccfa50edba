"""Issue 16, the MQTT half: bad MQTT input ends in one clear line and a failing exit code
(or a correct result), never a traceback or a silent loss. One table per line of the
issue, each row building its input, with the exit code and message fragment expected:

1. TLS files (``--mqtt-ca`` and friends) that are missing, not files, or not PEM;
2. brokers that cannot be reached: wrong password, connection refused, unknown host,
   TLS to a plain port (Mosquitto and the embedded broker), for ``replay`` (fails at
   once) and ``live`` (retries with one warning, fails on Ctrl-C if never connected);
3. replaying one file twice: rep and set ids carry a run id, so a de-duplicating
   subscriber keeps both runs; ``--run-id`` makes a replay byte-identical;
4. ``watch``'s rep count restarts with a new session, and the retained ``recent``
   message gives a late subscriber the run's last reps;
5. Home Assistant discovery uses ``default_entity_id``, and its angle and phase entities
   read the slow live topic (≤ 1 Hz, or on a change of phase or rep count).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eccentric.app.commands import watch
from eccentric.io.recording_format import RecordingHeader
from eccentric.io.recording_writer import RecordingWriter
from eccentric.mqtt.broker import EmbeddedBroker, free_port
from eccentric.mqtt.discovery import discovery_messages
from eccentric.mqtt.payloads import encode, wrap_event
from eccentric.mqtt.sink import RECENT_REPS, SlowGate
from eccentric.mqtt.topics import Topics
from tests.mqtt import contract
from tests.mqtt.brokers import Mosquitto
from tests.mqtt.conftest import SinkFactory
from tests.mqtt.events import live, rep
from tests.mqtt.subscriber import Collector
from tests.synthetic import imu_from_angle, nordic_angle

ROOT = Path(__file__).resolve().parents[2]
ATHLETE = "ana"
N_REPS = 6


def _recording(path: Path, reps: int = N_REPS) -> Path:
    t, angle, _ = nordic_angle(100.0, reps)
    header = RecordingHeader(sensor="synthetic-imu", placement="thigh", rate_hz=100.0,
                             exercise="nordic_curl", athlete=ATHLETE)
    with RecordingWriter(path, header) as w:
        w.write_chunk(imu_from_angle(t, angle, noise=0.3, seed=4))
    return path


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _recording(tmp_path_factory.mktemp("bad_mqtt") / "session-a.jsonl")


def _eccentric(*argv: str, env: dict[str, str] | None = None,
               timeout_s: float = 60.0) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "eccentric", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout_s,
                          env={**os.environ, **(env or {})})


def _one_clear_line(err: str) -> str:
    """The whole of stderr: one line, no traceback."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def _pem_free(path: Path) -> str:
    path.write_text("this is not a certificate\n")
    return str(path)


# --- 1. TLS files -------------------------------------------------------------------------

@dataclass(frozen=True)
class TlsCase:
    name: str
    make: Callable[[Path], tuple[list[str], dict[str, str]]]  # -> extra argv, env
    fragment: str  # {tmp} is the test's directory


TLS_CASES = [
    TlsCase("missing CA", lambda d: (["--mqtt-ca", str(d / "nope.pem")], {}),
            "--mqtt-ca {tmp}/nope.pem: no such file"),
    TlsCase("CA is a directory", lambda d: (["--mqtt-ca", str(d)], {}),
            "--mqtt-ca {tmp}: not a file"),
    TlsCase("CA is not PEM", lambda d: (["--mqtt-ca", _pem_free(d / "ca.pem")], {}),
            "--mqtt-ca {tmp}/ca.pem: not a PEM CA certificate file"),
    TlsCase("client certificate is not PEM",
            lambda d: (["--mqtt-cert", _pem_free(d / "me.pem")], {}),
            "--mqtt-cert {tmp}/me.pem: not a PEM certificate with its key"),
    TlsCase("missing CA from the environment",
            lambda d: ([], {"ECCENTRIC_MQTT_CA_FILE": str(d / "env.pem")}),
            "ECCENTRIC_MQTT_CA_FILE {tmp}/env.pem: no such file"),
]


@pytest.mark.parametrize("command", ["replay", "live", "watch"])
@pytest.mark.parametrize("case", TLS_CASES, ids=lambda c: c.name)
def test_tls_files_are_named_in_one_line(case: TlsCase, command: str, recording: Path,
                                         tmp_path: Path) -> None:
    extra, env = case.make(tmp_path)
    queue = ["--mqtt-queue", str(tmp_path / "q.sqlite3")]
    head = {"replay": ["replay", str(recording), *queue],
            # Checked before the BLE scan: no Bluetooth is needed to get this error.
            "live": ["live", "--device", "AA:BB:CC:DD:EE:FF", "--scan-timeout", "0.1", *queue],
            "watch": ["watch", "--duration", "1"]}[command]
    t0 = time.monotonic()
    r = _eccentric(*head, "--broker", "mqtts://127.0.0.1:8883", *extra,
                   env={**env, "XDG_CONFIG_HOME": str(tmp_path)})
    assert r.returncode == 1, r.stderr
    line = _one_clear_line(r.stderr)
    assert line.startswith(f"eccentric {command}: ")
    assert case.fragment.format(tmp=tmp_path) in line
    assert time.monotonic() - t0 < 20


def test_tls_files_with_a_plain_broker_are_refused(recording: Path, tmp_path: Path) -> None:
    """A CA file with an mqtt:// broker would be ignored without a word."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=test-ca"],
                   cwd=tmp_path, check=True, capture_output=True)
    r = _eccentric("replay", str(recording), "--mqtt-queue", str(tmp_path / "q.sqlite3"),
                   "--broker", "mqtt://127.0.0.1:1883", "--mqtt-ca", str(tmp_path / "ca.crt"),
                   env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert r.returncode == 1, r.stderr
    line = _one_clear_line(r.stderr)
    assert "--mqtt-ca is for a TLS broker" in line and "mqtt://127.0.0.1:1883" in line


# --- 2. brokers that cannot be reached ----------------------------------------------------

@dataclass(frozen=True)
class BrokerCase:
    name: str
    broker: str  # mosquitto | password | embedded | none
    url: str  # {port} is the broker's MQTT port
    extra: tuple[str, ...]
    fragment: str


WRONG_PASSWORD = "not-the-password"
BROKER_CASES = [
    BrokerCase("wrong password", "password", "mqtt://127.0.0.1:{port}",
               ("--mqtt-username", "coach"), "the broker refused the login"),
    BrokerCase("connection refused", "none", "mqtt://127.0.0.1:{port}", (),
               "connection refused"),
    BrokerCase("unknown host", "none", "mqtt://no-such-host.invalid:{port}", (),
               "unknown host 'no-such-host.invalid'"),
    BrokerCase("TLS to Mosquitto's plain port", "mosquitto", "mqtts://127.0.0.1:{port}", (),
               "TLS handshake failed: is this a plain MQTT port? (then use mqtt://"),
    BrokerCase("TLS to the embedded broker's plain port", "embedded",
               "mqtts://127.0.0.1:{port}", (), "is this a plain MQTT port?"),
]


@pytest.fixture
def broker_for(tmp_path: Path) -> Iterator[Callable[[str], int]]:
    """Start the broker a case names; returns its MQTT port."""
    stops: list[Callable[[], None]] = []

    def start(kind: str) -> int:
        if kind == "none":
            return free_port()
        if kind == "embedded":
            embedded = EmbeddedBroker(0, 0).start()
            stops.append(embedded.stop)
            return embedded.port
        d = tmp_path / kind
        d.mkdir()
        custom: Callable[[int], list[str]] | None = None
        if kind == "password":
            subprocess.run(["mosquitto_passwd", "-b", "-c", str(d / "passwd"), "coach",
                            "Correct-Horse-7"], check=True, capture_output=True)

            def custom(port: int) -> list[str]:
                return [f"listener {port} 127.0.0.1", "allow_anonymous false",
                        f"password_file {d / 'passwd'}"]
        broker = Mosquitto(d, persistence=False, custom=custom).start()
        stops.append(broker.stop)
        return broker.port

    yield start
    for stop in stops:
        stop()


@pytest.mark.parametrize("case", BROKER_CASES, ids=lambda c: c.name)
def test_a_replay_that_can_deliver_nothing_fails_at_once(
        case: BrokerCase, broker_for: Callable[[str], int], recording: Path,
        tmp_path: Path) -> None:
    port = broker_for(case.broker)
    url = case.url.format(port=port)
    password = tmp_path / "password.txt"
    password.write_text(WRONG_PASSWORD + "\n")
    t0 = time.monotonic()
    r = _eccentric("replay", str(recording), "--json", "--broker", url, *case.extra,
                   "--mqtt-password-file", str(password),
                   "--mqtt-queue", str(tmp_path / "q.sqlite3"))
    wall_s = time.monotonic() - t0
    assert r.returncode == 1, r.stderr
    line = _one_clear_line(r.stderr)
    host = url.split("//")[1]
    assert line.startswith(f"eccentric replay: cannot deliver to MQTT broker {host}: "), line
    assert case.fragment in line
    assert r.stdout == ""  # failed before replaying: nothing was queued for later
    assert wall_s < 20


def test_a_replay_that_lost_its_broker_says_what_it_kept(mosquitto: Mosquitto,
                                                         make_sink: SinkFactory) -> None:
    sink = make_sink(mosquitto.url)
    sink.require_connection()
    mosquitto.kill()
    for n in (1, 2, 3):
        sink.publish_event(rep(n))
    sink.close(drain_timeout_s=1.0)
    problem = sink.undelivered()
    assert problem is not None
    assert problem.startswith(f"3 messages not delivered to MQTT broker 127.0.0.1:"
                              f"{mosquitto.port} (")
    assert str(sink.publisher.queue.path) in problem and "for the next run" in problem


def test_live_retries_with_one_warning_and_fails_if_never_connected(tmp_path: Path) -> None:
    from tests.ble.emulated import Device, emulated, live_until, make_recording, playback_done

    path, _ = make_recording(tmp_path, "metamotion")
    device = Device("metawear", "MetaWear", "D1:60:00:00:00:31", path)
    port = free_port()  # nothing listens there
    with emulated(tmp_path, [device]) as emu:
        run = live_until(emu, ["--device", device.address, "--exercise", "ball_leg_curl",
                               "--json", "--capture-dir", str(tmp_path / "cap"),
                               "--broker", f"mqtt://127.0.0.1:{port}",
                               "--mqtt-queue", str(tmp_path / "q.sqlite3")],
                         playback_done([device.name]), 60)
    assert run.rc == 1, run.stderr
    assert "Traceback" not in run.stderr
    warnings = [x for x in run.stderr.splitlines() if "cannot connect to" in x]
    # Retried all along (backoff 0.5 s doubling), but said so once: one line per phase.
    assert len(warnings) == 1, run.stderr
    assert f"127.0.0.1:{port}: connection refused" in warnings[0]
    assert "retrying" in warnings[0]
    last = [x for x in run.stderr.splitlines() if x.strip()][-1]
    assert last.startswith(f"eccentric live: never connected to MQTT broker 127.0.0.1:{port}: "
                           "connection refused"), run.stderr
    assert re.search(r"; \d+ messages kept in .*q\.sqlite3 for the next run$", last), last
    reps = [e for e in run.events() if e.get("type") == "rep"]
    assert len(reps) == 2  # the session itself still ran and was counted


# --- 3. the same file replayed twice ------------------------------------------------------

@dataclass(frozen=True)
class RunIdCase:
    name: str
    first: tuple[str, ...]
    second: tuple[str, ...]
    distinct: bool  # the two runs' ids differ


RUN_ID_CASES = [
    RunIdCase("fresh run ids by default", (), (), True),
    RunIdCase("two given run ids", ("--run-id", "monday"), ("--run-id", "tuesday"), True),
    RunIdCase("one run id given twice", ("--run-id", "r1"), ("--run-id", "r1"), False),
]
ID = re.compile(r"^session-a@(?P<run>[A-Za-z0-9_.-]{1,32}):(?P<set>\d+):(?P<rep>\d+)$")
SET_ID = re.compile(r"^session-a@(?P<run>[A-Za-z0-9_.-]{1,32}):set:(?P<set>\d+)$")


@pytest.mark.parametrize("case", RUN_ID_CASES, ids=lambda c: c.name)
def test_replaying_a_file_twice_keeps_both_runs(case: RunIdCase, mosquitto: Mosquitto,
                                                recording: Path, tmp_path: Path) -> None:
    collector = Collector(mosquitto.port, client_id="twice")
    outs = []
    try:
        for n, extra in enumerate((case.first, case.second)):
            r = _eccentric("replay", str(recording), "--json", "--broker", mosquitto.url,
                           "--mqtt-queue", str(tmp_path / f"q{n}.sqlite3"),
                           "--mqtt-live-hz", "0", *extra)
            assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
            outs.append([json.loads(x) for x in r.stdout.splitlines()])
        reps = [[e for e in out if e["type"] == "rep"] for out in outs]
        assert [len(x) for x in reps] == [N_REPS, N_REPS]
        runs = [{m["run"] for e in x if (m := ID.match(e["id"]))} for x in reps]
        assert all(len(r) == 1 for r in runs), reps  # every id has the shape, one run each
        sets = [e["id"] for out in outs for e in out if e["type"] == "set"]
        assert all(SET_ID.match(s) for s in sets) and len(sets) == 2
        assert (runs[0] != runs[1]) is case.distinct
        if not case.distinct:  # deterministic: the same run id gives the same output
            assert outs[0] == outs[1]
        # What a de-duplicating subscriber (watch) keeps of what the broker delivered.
        want = 2 * N_REPS if case.distinct else N_REPS
        assert collector.wait_for(lambda ms: len([m for m in ms if m.topic.endswith("/rep")])
                                  >= 2 * N_REPS, 10)
        state = watch.WatchState("eccentric")
        kept = [e for m in collector.messages
                for e in state.feed(m.topic, m.payload, m.retain) if e.get("type") == "rep"]
        assert len(kept) == want
        for m in collector.messages:
            contract.validate(m.topic, m.payload)
    finally:
        collector.stop()


@pytest.mark.parametrize("bad", ["a b", "", "x" * 33, "run/1", "r:1"])
def test_a_bad_run_id_is_refused_by_name(bad: str, recording: Path) -> None:
    r = _eccentric("replay", str(recording), "--run-id", bad)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--run-id" in r.stderr and "a run id is 1 to 32 letters" in r.stderr


# --- 4. watch per session, history for late subscribers -----------------------------------

def _msg(event: dict[str, Any]) -> bytes:
    return encode(wrap_event(event, athlete=ATHLETE, sensor="mw1"))


def _reps(session: str, n: int) -> list[tuple[str, bytes, bool]]:
    return [(f"eccentric/{ATHLETE}/rep", _msg(rep(k, session=session)), False)
            for k in range(1, n + 1)]


def _live(t_s: float, reps: int) -> list[tuple[str, bytes, bool]]:
    return [(f"eccentric/{ATHLETE}/live", _msg(live(t_s, reps=reps)), False)]


def _recent(session: str, n: int, retained: bool) -> list[tuple[str, bytes, bool]]:
    body = {"schema": 1, "type": "recent", "athlete": ATHLETE, "sensor": "mw1",
            "time": "2025-03-01T09:30:04.210Z",
            "reps": [wrap_event(rep(k, session=session), athlete=ATHLETE, sensor="mw1")
                     for k in range(1, n + 1)]}
    return [(f"eccentric/{ATHLETE}/recent", json.dumps(body).encode(), retained)]


WATCH_CASES = [
    # name, messages, reps column, rows in the rep table
    ("one session", _reps("a@r1", 8), 8, 8),
    ("a new run's reps restart the count", _reps("a@r1", 8) + _reps("a@r2", 2), 2, 8),
    ("a new file's reps restart the count", _reps("a@r1", 8) + _reps("b@r1", 3), 3, 8),
    ("live stream time restarting restarts the count",
     _reps("a@r1", 8) + _live(60.0, 8) + _live(1.5, 0), 0, 8),
    ("retained history fills the table", _recent("a@r1", 5, True), 5, 5),
    ("history and its live copies count once",
     _recent("a@r1", 3, True) + _reps("a@r1", 4) + _recent("a@r1", 4, False), 4, 4),
    ("a live copy of the history is not history",
     _live(1.0, 0) + _recent("a@r1", 3, False), 0, 0),
]


@pytest.mark.parametrize(("name", "messages", "count", "rows"), WATCH_CASES,
                         ids=[c[0] for c in WATCH_CASES])
def test_watch_counts_the_current_session(name: str, messages: list[tuple[str, bytes, bool]],
                                          count: int, rows: int) -> None:
    state = watch.WatchState("eccentric")
    for topic, payload, retained in messages:
        state.feed(topic, payload, retained)
    view = state.athletes[ATHLETE]
    assert view.shown_reps == count
    assert len(state.recent) == min(rows, watch.RECENT_REPS)
    from rich.console import Console

    console = Console(record=True, width=160)
    console.print(state.render())
    row = next(x for x in console.export_text().splitlines() if f"│ {ATHLETE} " in x)
    assert [c.strip() for c in row.split("│")][6] == str(count)  # the reps column


@pytest.mark.parametrize("where", ["mosquitto", "embedded"])
def test_a_late_subscriber_gets_the_runs_recent_reps(where: str, make_sink: SinkFactory,
                                                     request: pytest.FixtureRequest) -> None:
    broker = request.getfixturevalue(where)
    url = broker.url if where == "mosquitto" else f"mqtt://127.0.0.1:{broker.port}"
    sink = make_sink(url, athlete=ATHLETE, protocol="3.1.1")
    sink.require_connection()
    n = RECENT_REPS + 5
    for k in range(1, n + 1):
        sink.publish_event(rep(k))
    assert sink.publisher.wait_drained(10)
    time.sleep(0.3)
    late = Collector(broker.port, f"eccentric/{ATHLETE}/recent", client_id=f"late-{where}")
    try:
        assert late.wait_for(lambda ms: len(ms) >= 1, 10)
        (m,) = late.messages
        assert m.retain
        body = contract.validate(m.topic, m.payload)
        assert [r["rep"] for r in body["reps"]] == list(range(n - RECENT_REPS + 1, n + 1))
        assert all(r["id"].startswith("s1@t1:1:") for r in body["reps"])
    finally:
        late.stop()


# --- 5. Home Assistant ---------------------------------------------------------------------

def test_discovery_names_default_entity_ids_not_object_ids() -> None:
    msgs = discovery_messages(Topics.build("eccentric", ATHLETE), "homeassistant",
                              expire_after_s=60, status_expire_s=90)
    assert len(msgs) == 10
    for topic, raw in msgs:
        cfg = json.loads(raw)
        component = topic.split("/")[1]
        assert "object_id" not in cfg
        assert cfg["default_entity_id"] == f"{component}.{cfg['unique_id']}"
        # Only ids HA allows, after the domain.
        assert re.fullmatch(r"(sensor|binary_sensor)\.[a-zA-Z0-9_-]+", cfg["default_entity_id"])
    by_id = {json.loads(raw)["unique_id"]: json.loads(raw) for _, raw in msgs}
    for gauge in ("angle_deg", "phase"):
        assert by_id[f"eccentric_{ATHLETE}_{gauge}"]["state_topic"] == \
            f"eccentric/{ATHLETE}/live/slow"


@dataclass(frozen=True)
class GateCase:
    name: str
    samples: list[tuple[float, str, int]]  # (clock s, phase, reps), 20 Hz unless said
    admitted: int


def _steady(seconds: float, phase: str = "still", reps: int = 0, t0: float = 0.0
            ) -> list[tuple[float, str, int]]:
    return [(t0 + k / 20.0, phase, reps) for k in range(int(seconds * 20))]


GATE_CASES = [
    # 10 s at 20 Hz, nothing changes: one a second.
    GateCase("steady", _steady(10.0), 10),
    # A phase change goes out at once (at 2.5 s, half-way between two heartbeats), and
    # the heartbeats count from it: 0, 1, 2, 2.5, 3.5, 4.5 s.
    GateCase("one phase change", _steady(2.5, "eccentric") + _steady(3.0, "concentric",
                                                                     t0=2.5), 6),
    # A phase flickering at 20 Hz for 2 s: at most one message per 0.25 s.
    GateCase("flicker", [(k / 20.0, "eccentric" if k % 2 else "bottom", 0)
                         for k in range(40)], 8),
    # A rep counted: a change too.
    GateCase("rep counted", [*_steady(2.5, reps=1), (2.55, "still", 2)], 4),
]


@pytest.mark.parametrize("case", GATE_CASES, ids=lambda c: c.name)
def test_home_assistant_gets_at_most_one_state_a_second_or_a_change(case: GateCase) -> None:
    now = [0.0]
    gate = SlowGate(clock=lambda: now[0])
    admitted = 0
    for t, phase, reps in case.samples:
        now[0] = t
        admitted += gate.admit(phase, reps)
    assert admitted == case.admitted


def test_slow_live_topic_is_throttled_and_the_dashboard_topic_is_not(
        mosquitto: Mosquitto, make_sink: SinkFactory) -> None:
    sink = make_sink(mosquitto.url, athlete=ATHLETE, ha_discovery=True, live_hz=20.0)
    sink.require_connection()
    collector = Collector(mosquitto.port, f"eccentric/{ATHLETE}/live/#", client_id="ha-live")
    try:
        t_end = time.monotonic() + 3.0
        t_s = 0.0
        while time.monotonic() < t_end:  # 3 s of 20 Hz samples, one phase
            sink.publish_event({**live(t_s), "phase": "still"})
            t_s += 0.05
            time.sleep(0.05)
        sink.publish_event({**live(t_s), "phase": "eccentric"})  # a change: at once
        time.sleep(0.5)
        fast = collector.on("/live")
        slow = collector.on("/live/slow")
        assert len(fast) >= 40  # the dashboard's stream keeps its rate
        assert 3 <= len(slow) <= 5  # ~1 Hz plus the change
        assert slow[-1].json()["phase"] == "eccentric"
        for m in slow:
            contract.validate(m.topic, m.payload)
    finally:
        collector.stop()
