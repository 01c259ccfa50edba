"""Malformed and hostile commands (hypothesis): the parser answers each with a clear,
schema-valid error, and sequences of commands applied between chunks never break the
session: refused ones change nothing and reps keep coming."""

from __future__ import annotations

import json
import time
from typing import Any

import paho.mqtt.client as mqtt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from eccentric.core.chunk import iter_chunks
from eccentric.core.errors import CommandRejected
from eccentric.mqtt.broker import EmbeddedBroker
from eccentric.mqtt.commands import (
    COMMAND_NAMES,
    Command,
    CommandError,
    parse_command,
    result_payload,
)
from eccentric.mqtt.intake import SinkCommands, apply_command
from eccentric.schemas import validator
from eccentric.session.drive import Drive
from eccentric.session.pipeline import Pipeline, PipelineConfig
from tests.mqtt import contract
from tests.mqtt.conftest import SinkFactory
from tests.mqtt.subscriber import Collector
from tests.synthetic import imu_from_angle, nordic_angle

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)
commandish = st.fixed_dictionaries(
    {"command": st.sampled_from(COMMAND_NAMES) | st.text()},
    optional={"request_id": json_values, "exercise": json_values, "tempo": json_values,
              "extra": json_values})


def check(raw: bytes) -> Command | None:
    try:
        return parse_command(raw)
    except CommandError as exc:
        payload = result_payload(athlete="a", sensor="s", ok=False, request_id=exc.request_id,
                                 command=exc.command, error_code=exc.code,
                                 error_message=exc.message)
        assert not list(validator("command_result.schema.json").iter_errors(payload))
        assert exc.message and "\n" not in exc.message
        return None


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300) | st.binary(min_size=4097, max_size=6000))
def test_garbage_bytes_get_an_error(raw: bytes) -> None:
    check(raw)


@settings(max_examples=300, deadline=None)
@given(commandish)
def test_wrong_types_and_unknown_commands_get_an_error(data: dict[str, Any]) -> None:
    command = check(json.dumps(data).encode())
    if command is not None:  # only what the schema allows gets through
        assert data["command"] in COMMAND_NAMES and command.name == data["command"]


valid_commands = st.sampled_from([
    b'{"command":"start_set"}', b'{"command":"stop_set"}', b'{"command":"calibrate"}',
    b'{"command":"next_block"}', b'{"command":"set_target_tempo","tempo":"3-1-1-0"}',
    b'{"command":"set_target_tempo","tempo":"x-0-x-0"}',
    b'{"command":"set_exercise","exercise":"nordic_curl_band"}',
    b'{"command":"set_exercise","exercise":"nordic_curl"}',
    b'{"command":"start_set","exercise":"nordic_curl"}'])
T, ANGLE, _ = nordic_angle(100.0, 5)
STREAM = imu_from_angle(T, ANGLE, noise=0.3, seed=3)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 800), valid_commands), max_size=8))
def test_command_sequences_never_break_the_session(plan: list[tuple[int, bytes]]) -> None:
    pipeline = Pipeline(PipelineConfig(exercise="nordic_curl", session_id="s"))
    at: dict[int, list[bytes]] = {}
    for k, raw in plan:
        at.setdefault(k, []).append(raw)
    events = []
    for i, chunk in enumerate(iter_chunks(STREAM, 0.05)):
        for raw in at.get(i, []):
            command = parse_command(raw)
            t_s = pipeline.last_t_s if pipeline.last_t_s is not None else float(chunk.t_s[0])
            before = (pipeline.sets.set_open, pipeline.profile.name, pipeline.sets.target)
            try:
                events.extend(apply_command(command, pipeline, t_s))
            except CommandRejected:
                # refused: nothing changed
                assert (pipeline.sets.set_open, pipeline.profile.name,
                        pipeline.sets.target) == before
        events.extend(pipeline.process(chunk))
    events.extend(pipeline.finish())
    reps = [e for e in events if e["type"] == "rep"]
    assert len(reps) >= 3  # a switch to the band variant still counts the same reps
    sets = [e for e in events if e["type"] == "set"]
    assert sum(s["reps"] for s in sets) == len(reps)  # every rep is in exactly one set


hostile = st.lists(st.binary(max_size=200) | commandish.map(lambda d: json.dumps(d).encode()),
                   min_size=5, max_size=25)


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payloads=hostile)
def test_fuzzed_commands_over_the_broker_keep_the_session_measuring(
        embedded: EmbeddedBroker, make_sink: SinkFactory, payloads: list[bytes]) -> None:
    """Through the real path: broker → sink's network thread → drive loop."""
    sink = make_sink(embedded.url, accept_commands=True)
    results = Collector(embedded.port, "eccentric/anna/command/result",
                        client_id=f"fuzz-res-{id(payloads)}")
    sender = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"fuzz-send-{id(payloads)}")
    try:
        assert sink.publisher.wait_connected(10)
        time.sleep(0.2)  # the sink's subscription settles
        sender.connect("127.0.0.1", embedded.port)
        sender.loop_start()
        for raw in payloads:
            sender.publish("eccentric/anna/command", raw, qos=1).wait_for_publish(5)
        pipeline = Pipeline(PipelineConfig(exercise="nordic_curl", session_id="f"))
        drive = Drive(pipeline, [sink], commands=SinkCommands(sink))
        events = []
        for chunk in iter_chunks(STREAM, 0.5):
            events.extend(drive.feed(chunk))
            time.sleep(0.005)  # commands still arriving are applied mid-stream
        events.extend(drive.finish())
        # One reply per command, each schema-valid; the session kept measuring.
        assert results.wait_for(lambda ms: len(ms) >= len(payloads), 10), \
            f"{len(results.messages)} replies to {len(payloads)} commands"
        for m in results.messages:
            contract.validate(m.topic, m.payload)
        reps = [e for e in events if e["type"] == "rep"]
        assert len(reps) >= 3
        assert sum(e["reps"] for e in events if e["type"] == "set") == len(reps)
    finally:
        sender.loop_stop()
        results.stop()
