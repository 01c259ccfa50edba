"""MQTT sink: topic tree, payloads, durable publishing, commands, Home Assistant
discovery. See docs/mqtt.md.

``MqttSink`` is imported on first use: it pulls in paho-mqtt and jsonschema, which the
CLI should not load just to build its argument parser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eccentric.mqtt.args import add_broker_arguments, open_sink_from_args

if TYPE_CHECKING:
    from eccentric.mqtt.sink import MqttSink

__all__ = ["MqttSink", "add_broker_arguments", "open_sink_from_args"]


def __getattr__(name: str) -> Any:
    if name == "MqttSink":
        from eccentric.mqtt.sink import MqttSink

        return MqttSink
    raise AttributeError(name)
