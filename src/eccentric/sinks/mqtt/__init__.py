"""MQTT sink: topic tree, payloads, durable publishing, commands, Home Assistant
discovery. See docs/mqtt.md."""

from eccentric.sinks.mqtt.args import add_broker_arguments, open_sink_from_args
from eccentric.sinks.mqtt.sink import MqttSink

__all__ = ["MqttSink", "add_broker_arguments", "open_sink_from_args"]
