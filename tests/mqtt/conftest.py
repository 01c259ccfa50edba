from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from eccentric.mqtt.broker import EmbeddedBroker
from eccentric.mqtt.config import MqttConfig
from eccentric.mqtt.sink import MqttSink


@pytest.fixture
def embedded() -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(0, 0).start()
    try:
        yield broker
    finally:
        broker.stop()


SinkFactory = Callable[..., MqttSink]


@pytest.fixture
def make_sink(tmp_path: Path) -> Iterator[SinkFactory]:
    """Sinks with a private queue file and quick reconnects; closed after the test."""
    sinks: list[MqttSink] = []

    def factory(url: str, *, athlete: str = "anna", sensor: str = "mw1",
                **overrides: Any) -> MqttSink:
        accept = overrides.pop("accept_commands", False)
        config = MqttConfig(broker=url, queue_path=str(tmp_path / f"q{len(sinks)}.sqlite3"),
                            client_id=f"test-pub-{len(sinks)}", reconnect_min_s=0.1,
                            reconnect_max_s=0.5, connack_timeout_s=1.0)
        config = replace(config, **overrides)
        sink = MqttSink(config, athlete=athlete, sensor=sensor, accept_commands=accept)
        sinks.append(sink)
        return sink

    yield factory
    for sink in sinks:
        sink.close(drain_timeout_s=1.0)
