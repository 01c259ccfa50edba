"""A test subscriber that records every message and de-duplicates events by id."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool
    qos: int
    at: float  # time.perf_counter() on arrival

    def json(self) -> Any:
        return json.loads(self.payload)


class Collector:
    """Subscribes to ``topic`` (QoS 1). ``persistent`` uses a session that survives the
    subscriber's and the broker's restarts (needs broker persistence)."""

    def __init__(self, port: int, topic: str = "eccentric/#", *, client_id: str = "collector",
                 persistent: bool = False, transport: str = "tcp",
                 protocol: int = mqtt.MQTTv311, ca_file: str | None = None,
                 username: str | None = None, password: str | None = None) -> None:
        self.topic = topic
        self.messages: list[Received] = []
        self._cond = threading.Condition()
        self.connected = threading.Event()
        self.disconnects = 0  # a clean session loses what was sent while away
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                  protocol=protocol, transport=transport,
                                  clean_session=not persistent if protocol != mqtt.MQTTv5
                                  else None)
        self.client.reconnect_delay_set(1, 2)
        if ca_file:
            self.client.tls_set(ca_certs=ca_file)
        if username:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.client.connect("127.0.0.1", port, 30)
        self.client.loop_start()
        if not self.connected.wait(10):
            raise TimeoutError("collector could not connect")

    def _on_connect(self, client: mqtt.Client, u: Any, f: Any, rc: Any, p: Any) -> None:
        client.subscribe(self.topic, 1)
        self.connected.set()

    def _on_disconnect(self, *args: Any) -> None:
        self.disconnects += 1
        self.connected.clear()

    def _on_message(self, client: mqtt.Client, u: Any, m: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.messages.append(Received(m.topic, bytes(m.payload), bool(m.retain), m.qos,
                                          time.perf_counter()))
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[list[Received]], bool],
                 timeout_s: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not predicate(self.messages):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def on(self, suffix: str) -> list[Received]:
        with self._cond:
            return [m for m in self.messages if m.topic.endswith(suffix)]

    def unique_ids(self, suffix: str) -> list[str]:
        """Event ids in order of first arrival (what a de-duplicating subscriber keeps)."""
        seen: dict[str, None] = {}
        for m in self.on(suffix):
            seen.setdefault(m.json()["id"], None)
        return list(seen)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
