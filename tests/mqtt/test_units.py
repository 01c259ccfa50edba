"""Topic sanitising, payload wrapping, the disk queue, settings precedence, commands,
and the AsyncAPI document itself."""

from __future__ import annotations

import argparse
import json
import logging
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eccentric.core.events import SCHEMA_VERSION
from eccentric.mqtt.args import add_broker_arguments, config_from_args
from eccentric.mqtt.commands import (
    Calibrate,
    ChooseExercise,
    CommandError,
    SetTargetTempo,
    StartSet,
    parse_command,
    result_payload,
)
from eccentric.mqtt.config import MqttConfig, MqttConfigError, parse_broker_url, resolve
from eccentric.mqtt.discovery import discovery_messages
from eccentric.mqtt.payloads import encode, iso_utc, wrap_event
from eccentric.mqtt.queue import DiskQueue, QueueLockedError
from eccentric.mqtt.topics import Topics, ha_id, sanitize_base, sanitize_segment
from eccentric.schemas import SCHEMA_FILES, load, validator
from tests.mqtt import contract
from tests.mqtt.events import live, rep, set_summary

FIXED = datetime(2025, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


# --- topics -------------------------------------------------------------------------

@given(st.text(max_size=100))
def test_sanitized_segments_are_single_safe_levels(text: str) -> None:
    s = sanitize_segment(text)
    assert s and not any(c in s for c in "+#/\x00") and not s.startswith("$")
    assert len(s) <= 64


def test_topic_tree() -> None:
    t = Topics.build("gym//eccentric/", "Anna/#1+")
    assert t.athlete == "Anna__1_"
    assert t.bridge_state == "gym/eccentric/bridge/state"
    assert t.rep == "gym/eccentric/Anna__1_/rep"
    assert t.command_result == "gym/eccentric/Anna__1_/command/result"
    assert t.imu("MetaWear C4:1F/+") == "gym/eccentric/Anna__1_/imu/MetaWear C4:1F__"
    assert sanitize_base("  ") == "eccentric"
    assert ha_id("anna müller/1") == "anna_m_ller_1"


# --- payloads -----------------------------------------------------------------------

def test_iso_time_is_utc_with_milliseconds() -> None:
    assert iso_utc(FIXED) == "2025-03-01T09:30:00.123Z"


@pytest.mark.parametrize("event,topic", [
    (rep(3), "eccentric/anna/rep"),
    (set_summary(1, 5), "eccentric/anna/set"),
    (live(2.5, 1), "eccentric/anna/live"),
])
def test_wrapped_events_match_their_schema(event: dict[str, object], topic: str) -> None:
    original = dict(event)
    payload = wrap_event(event, athlete="anna", sensor="mw1", clock=lambda: FIXED)
    assert event == original  # the pipeline's dict is not modified
    assert payload["schema"] == SCHEMA_VERSION and payload["time"].endswith(".123Z")
    for key, value in event.items():
        assert payload[key] == value
    contract.validate(topic, encode(payload))


def test_rep_schema_rejects_missing_core_fields_and_wrong_types() -> None:
    payload = wrap_event(rep(1), athlete="anna", sensor="mw1")
    v = validator("rep.schema.json")
    assert not list(v.iter_errors(payload))
    for broken in ({k: x for k, x in payload.items() if k != "id"},
                   payload | {"rep": "1"}, payload | {"time": "yesterday"},
                   payload | {"eccentric_s": -1.0}, payload | {"athlete": "a/b"}):
        assert list(v.iter_errors(broken))


def test_non_finite_numbers_become_null() -> None:
    data = json.loads(encode({"a": math.nan, "b": [math.inf, 1.0], "c": {"d": -math.inf}}))
    assert data == {"a": None, "b": [None, 1.0], "c": {"d": None}}


# --- disk queue ---------------------------------------------------------------------

def test_queue_keeps_order_across_reopen_and_drops_oldest_when_full(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    q = DiskQueue(path, max_messages=5)
    for i in range(7):
        q.put("t", f"m{i}".encode())
    assert len(q) == 5 and q.dropped == 2
    first = q.peek(limit=2)
    assert [m.payload for m in first] == [b"m2", b"m3"]
    q.remove([first[0].seq])
    q.close()
    q = DiskQueue(path, max_messages=5)
    assert [m.payload for m in q.peek(limit=10)] == [b"m3", b"m4", b"m5", b"m6"]
    assert [m.payload for m in q.peek(after_seq=first[1].seq, limit=10)] == [b"m4", b"m5",
                                                                             b"m6"]
    q.close()


def test_queue_file_has_one_owner(tmp_path: Path) -> None:
    q = DiskQueue(tmp_path / "q.sqlite3")
    with pytest.raises(QueueLockedError):
        DiskQueue(tmp_path / "q.sqlite3")
    q.close()
    DiskQueue(tmp_path / "q.sqlite3").close()


# --- settings -----------------------------------------------------------------------

def test_broker_urls() -> None:
    a = parse_broker_url("mqtts://user@broker.example:8884")
    assert (a.host, a.port, a.tls, a.transport, a.username) == ("broker.example", 8884, True,
                                                                 "tcp", "user")
    w = parse_broker_url("ws://127.0.0.1:9001/ws")
    assert (w.transport, w.port, w.ws_path, w.tls) == ("websockets", 9001, "/ws", False)
    assert parse_broker_url("mqtt://h").port == 1883
    for bad in ("http://h", "mqtt://", "mqtt://u:secret@h"):
        with pytest.raises(MqttConfigError):
            parse_broker_url(bad)


def test_precedence_flags_over_env_over_file(tmp_path: Path) -> None:
    conf = tmp_path / "mqtt.toml"
    conf.write_text('[mqtt]\nbroker = "mqtt://file:1883"\nbase = "filebase"\n'
                    'live_hz = 5\nha_discovery = true\n')
    env = {"ECCENTRIC_MQTT_BASE": "envbase", "ECCENTRIC_MQTT_LIVE_HZ": "10"}
    c = resolve({"live_hz": 15.0, "base": None}, env, str(conf))
    assert (c.broker, c.base, c.live_hz, c.ha_discovery) == ("mqtt://file:1883", "envbase",
                                                             15.0, True)
    c = resolve({}, {"ECCENTRIC_MQTT_CONFIG": str(conf)})
    assert c.base == "filebase"
    c = resolve({}, {"XDG_CONFIG_HOME": str(tmp_path / "none")})
    assert c == MqttConfig()


def test_password_comes_from_env_or_file_and_is_never_shown(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("s3cr3t-file\n")
    none = {"XDG_CONFIG_HOME": str(tmp_path)}
    c = resolve({"password_file": str(secret_file)}, none)
    assert c.password == "s3cr3t-file"
    env = none | {"ECCENTRIC_MQTT_PASSWORD": "Env-Secret-42"}
    c = resolve({"password_file": str(secret_file)}, env)
    assert c.password == "Env-Secret-42"  # env wins over the file
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("x").info("config %r %s", c, c)
    assert "Env-Secret-42" not in caplog.text and "s3cr3t" not in caplog.text
    conf = tmp_path / "bad.toml"
    conf.write_text('password = "oops"\n')
    with pytest.raises(MqttConfigError, match="password"):
        resolve({}, none, str(conf))
    conf.write_text('brokr = "mqtt://x"\n')
    with pytest.raises(MqttConfigError, match="brokr"):
        resolve({}, none, str(conf))


def test_cli_flags_and_broker_request(tmp_path: Path) -> None:
    p = argparse.ArgumentParser()
    add_broker_arguments(p)
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    config, requested = config_from_args(p.parse_args([]), env)
    assert not requested
    args = p.parse_args(["--broker", "ws://127.0.0.1:9001", "--mqtt-base", "gym",
                         "--ha-discovery", "--mqtt-live-hz", "12"])
    config, requested = config_from_args(args, env)
    assert requested and config.base == "gym" and config.ha_discovery and config.live_hz == 12
    _, requested = config_from_args(p.parse_args([]), env | {"ECCENTRIC_MQTT_BROKER": "embedded"})
    assert requested
    # There is no password flag (it would show in ps), only a password file.
    assert not [a for a in p._actions if a.dest == "mqtt_password"]


# --- commands -----------------------------------------------------------------------

def test_valid_commands_become_typed_objects() -> None:
    assert parse_command(b'{"command":"set_exercise","exercise":"nordic_curl",'
                         b'"request_id":"7"}') == ChooseExercise("nordic_curl", "7")
    assert parse_command(b'{"command":"set_target_tempo","tempo":"4-1-X-0"}') == \
        SetTargetTempo("4-1-X-0")
    assert parse_command(b'{"command":"start_set"}') == StartSet()
    assert parse_command(b'{"command":"calibrate"}') == Calibrate()


@pytest.mark.parametrize("raw,code", [
    (b"{nope", "invalid_json"),
    (b"\xff\xfe", "invalid_json"),
    (b'"start"', "invalid_command"),
    (b'{"command":"jump"}', "invalid_command"),
    (b'{"command":"set_exercise"}', "invalid_command"),
    (b'{"command":"set_exercise","exercise":7}', "invalid_command"),
    (b'{"command":"set_target_tempo","tempo":"slow"}', "invalid_command"),
    (b'{"command":"calibrate","force":true}', "invalid_command"),
    (b'{"command":"set_exercise","exercise":"yoga"}', "unknown_exercise"),
    (b'{"command":"calibrate","pad":"' + b"x" * 5000 + b'"}', "too_large"),
])
def test_invalid_commands_are_rejected_with_a_code(raw: bytes, code: str) -> None:
    with pytest.raises(CommandError) as info:
        parse_command(raw)
    assert info.value.code == code
    reply = result_payload(athlete="anna", sensor="mw1", ok=False,
                           request_id=info.value.request_id, command=info.value.command,
                           error_code=code, error_message=info.value.message)
    contract.validate("eccentric/anna/command/result", encode(reply))


# --- Home Assistant discovery ---------------------------------------------------------

def test_discovery_configs() -> None:
    msgs = discovery_messages(Topics.build("eccentric", "anna"), "ha", expire_after_s=60,
                              status_expire_s=90)
    ids = set()
    for topic, raw in msgs:
        cfg = json.loads(raw)
        parts = topic.split("/")
        assert parts[0] == "ha" and parts[-1] == "config" and len(parts) == 5
        assert all(c.isalnum() or c in "_-" for c in parts[2] + parts[3])
        assert cfg["availability_mode"] == "all"
        assert [a["topic"] for a in cfg["availability"]] == ["eccentric/bridge/state",
                                                            "eccentric/anna/status"]
        ids.add(cfg["unique_id"])
    assert len(ids) == len(msgs)
    by_id = {json.loads(raw)["unique_id"]: json.loads(raw) for _, raw in msgs}
    assert by_id["eccentric_anna_angle_deg"]["expire_after"] == 60
    assert by_id["eccentric_anna_battery_pct"]["expire_after"] == 90


# --- the contract documents ----------------------------------------------------------

def test_every_schema_is_valid_and_every_channel_has_one() -> None:
    for name in SCHEMA_FILES:
        validator(name)  # check_schema raises on an invalid schema
        assert load(name)["$id"].endswith(name)
    doc = contract.asyncapi()
    assert doc["asyncapi"] == "3.0.0"
    names = {c.name for c in contract.channels()}
    assert names == set(doc["channels"])
    used = {c.schema_file for c in contract.channels()}
    assert used == set(SCHEMA_FILES) - {"envelope.schema.json"}


def test_asyncapi_examples_validate_against_the_schemas() -> None:
    checked = 0
    for message in contract.asyncapi()["components"]["messages"].values():
        schema = validator(message["payload"]["$ref"].removeprefix("./"))
        for example in message.get("examples", []):
            errors = [e.message for e in schema.iter_errors(example["payload"])]
            assert not errors, (message["name"], errors)
            checked += 1
    assert checked >= 7


def test_topics_map_to_exactly_one_channel() -> None:
    t = Topics.build("eccentric", "anna")
    expected = {t.bridge_state: "bridgeState", t.status: "status", t.rep: "rep",
                t.set: "set", t.live: "live", t.live_slow: "liveSlow", t.recent: "recent",
                t.imu("mw1"): "imu", t.command: "command",
                t.command_result: "commandResult"}
    for topic, channel in expected.items():
        assert contract.channel_for(topic).name == channel
