"""The embedded broker when clients come and go: a client that vanishes at any point of
its session (before CONNECT, before the SUBACK, among its retained messages, mid-stream)
ends its session with a debug line, never a warning, error or traceback; a client that
does not acknowledge is dropped the same way; and how its ports are chosen."""

from __future__ import annotations

import argparse
import gc
import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from websockets.sync.client import connect as ws_connect

from eccentric.mqtt.args import add_broker_arguments, resolve_args, start_embedded_broker
from eccentric.mqtt.broker import EmbeddedBroker, EmbeddedBrokerError, ListenPort
from tests.mqtt.subscriber import Collector

BASE = "eccentric"
DASHBOARD_FILTERS = [(f"{BASE}/bridge/state", 1), (f"{BASE}/+/status", 1),
                     (f"{BASE}/+/set", 1), (f"{BASE}/+/rep", 1), (f"{BASE}/+/live", 0)]


def _s(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("!H", len(raw)) + raw


def _length(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def connect_packet(client_id: str) -> bytes:
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + _s(client_id)  # 3.1.1, clean, keepalive 60
    return b"\x10" + _length(len(body)) + body


def subscribe_packet(filters: list[tuple[str, int]], packet_id: int = 1) -> bytes:
    body = struct.pack("!H", packet_id) + b"".join(_s(f) + bytes([q]) for f, q in filters)
    return b"\x82" + _length(len(body)) + body


class Publisher:
    """A paho client publishing retained statuses, then a live stream, until stopped."""

    def __init__(self, port: int, n_athletes: int = 30) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-publisher")
        self.client.connect("127.0.0.1", port, 30)
        self.client.loop_start()
        for i in range(n_athletes):
            self.client.publish(f"{BASE}/a{i}/status", b'{"online": true}', qos=1, retain=True)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._live, daemon=True)
        self._thread.start()

    def _live(self) -> None:
        while not self._stop.wait(0.004):
            self.client.publish(f"{BASE}/a0/live", b'{"angle_deg": 1.0}', qos=0)
            self.client.publish(f"{BASE}/a0/rep", b'{"rep": 1}', qos=1)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def broker() -> Iterator[EmbeddedBroker]:
    b = EmbeddedBroker(0, 0).start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING)
    caplog.set_level(logging.DEBUG, logger="eccentric.mqtt.broker")
    return caplog


def assert_quiet(logs: pytest.LogCaptureFixture) -> None:
    gc.collect()  # an unretrieved task exception is reported when the task is freed
    time.sleep(0.2)
    loud = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in logs.records
            if r.levelno >= logging.WARNING or r.exc_info]
    assert loud == []


def wait_clients(broker: EmbeddedBroker, expected: list[str], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while broker.connected_clients() != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert broker.connected_clients() == expected


def vanish_over_websocket(port: int, client_id: str, stage: str) -> None:
    # close_timeout: while messages pour in, the closing handshake waits behind them.
    with ws_connect(f"ws://127.0.0.1:{port}/mqtt", subprotocols=["mqtt"],  # type: ignore[list-item]
                    close_timeout=0.5) as ws:
        if stage == "before CONNECT":
            return
        ws.send(connect_packet(client_id))
        if stage == "before CONNACK":
            return
        ws.recv(timeout=5)
        ws.send(subscribe_packet(DASHBOARD_FILTERS))
        if stage == "before SUBACK":
            return
        ws.recv(timeout=5)  # the SUBACK; the retained statuses are on their way
        if stage == "among retained messages":
            return
        for _ in range(50):  # retained ones, then the live stream
            ws.recv(timeout=5)


def vanish_over_tcp(port: int, client_id: str, stage: str) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        # Reset, not FIN: the harshest way a connection can end.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if stage == "before CONNECT":
            return
        s.sendall(connect_packet(client_id))
        s.recv(4)
        s.sendall(subscribe_packet(DASHBOARD_FILTERS))
        if stage == "mid-stream":
            s.recv(65536)
            s.recv(65536)


def test_clients_that_vanish_end_their_sessions_quietly(
        broker: EmbeddedBroker, logs: pytest.LogCaptureFixture) -> None:
    assert broker.ws_port
    pub = Publisher(broker.port)
    try:
        time.sleep(0.3)
        for round_ in range(3):
            for stage in ("before CONNECT", "before CONNACK", "before SUBACK",
                          "among retained messages", "mid-stream"):
                vanish_over_websocket(broker.ws_port, f"ws-{round_}-{stage[:10]}", stage)
            for stage in ("before CONNECT", "before SUBACK", "mid-stream"):
                vanish_over_tcp(broker.port, f"tcp-{round_}-{stage[:10]}", stage)
            # A port probe on the WebSocket listener: no HTTP request at all.
            socket.create_connection(("127.0.0.1", broker.ws_port), timeout=5).close()
        # Every vanished client's session is over (none left subscribed and "connected")...
        wait_clients(broker, ["test-publisher"])
        # ...and the broker serves the next client as usual.
        collector = Collector(broker.port, f"{BASE}/#", client_id="after")
        try:
            assert collector.wait_for(lambda ms: len({m.topic for m in ms if m.retain}) >= 30
                                      and any(m.topic.endswith("/live") for m in ms), 10)
        finally:
            collector.stop()
    finally:
        pub.close()
    assert_quiet(logs)
    closed = [r for r in logs.records if "connection closed" in r.getMessage()]
    assert len(closed) >= 12, "each departed client is one debug line"


def test_a_client_that_does_not_acknowledge_is_dropped_quietly(
        broker: EmbeddedBroker, logs: pytest.LogCaptureFixture) -> None:
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-publisher")
    pub.connect("127.0.0.1", broker.port, 30)
    pub.loop_start()
    try:
        with socket.create_connection(("127.0.0.1", broker.port), timeout=5) as s:
            s.sendall(connect_packet("never-acks"))
            s.recv(4)
            s.sendall(subscribe_packet([(f"{BASE}/#", 1)]))
            s.recv(5)
            for n in range(3):
                pub.publish(f"{BASE}/a0/rep", f'{{"rep": {n}}}', qos=1).wait_for_publish(5)
            time.sleep(6.0)  # amqtt waits 5 s for each PUBACK
            assert "never-acks" in broker.connected_clients()  # slow, not gone
    finally:
        pub.disconnect()
        pub.loop_stop()
    assert_quiet(logs)
    assert any("did not acknowledge" in r.getMessage() for r in logs.records)


def listening(port: int = 0) -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.listen()
    return s


def test_a_taken_default_port_moves_up_and_a_chosen_one_is_an_error() -> None:
    with listening() as taken:
        port = taken.getsockname()[1]
        b = EmbeddedBroker(ListenPort(port, default=True), None).start()
        try:
            assert b.port > port
            assert b.moved() == [f"MQTT port {port} is in use; using {b.port}"]
        finally:
            b.stop()
        with pytest.raises(EmbeddedBrokerError) as exc:
            EmbeddedBroker(ListenPort(port, "--mqtt-port"), None).start()
        message = str(exc.value)
        assert f"port {port} " in message and "--mqtt-port" in message
        assert "\n" not in message
        # The WebSocket port the same way; the TCP one bound before is released.
        with pytest.raises(EmbeddedBrokerError, match=f"WebSocket port {port} .*--ws-port"):
            EmbeddedBroker(0, ListenPort(port, "--ws-port")).start()


def test_port_flags_name_themselves_in_errors(tmp_path: object) -> None:
    p = argparse.ArgumentParser()
    add_broker_arguments(p)
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    with listening() as taken:
        port = taken.getsockname()[1]
        for argv, env_extra, named in (
                (["--mqtt-port", str(port)], {}, "--mqtt-port"),
                (["--embedded-port", str(port)], {}, "--embedded-port"),
                ([], {"ECCENTRIC_MQTT_EMBEDDED_PORT": str(port)},
                 "ECCENTRIC_MQTT_EMBEDDED_PORT")):
            args = p.parse_args(["--broker", "embedded", "--ws-port", "0", *argv])
            config, given = resolve_args(args, env | env_extra)
            with pytest.raises(EmbeddedBrokerError, match=f"port {port} .*{named} a free port"):
                start_embedded_broker(args, config, given, env | env_extra)
