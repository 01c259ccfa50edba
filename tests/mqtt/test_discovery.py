"""Home Assistant discovery over a real broker: retained configs, and re-announcement
when Home Assistant publishes ``online`` on its status topic."""

from __future__ import annotations

import json
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.mqtt.brokers import Mosquitto
from tests.mqtt.conftest import SinkFactory
from tests.mqtt.subscriber import Collector


def test_discovery_is_retained_and_reannounced(mosquitto: Mosquitto,
                                               make_sink: SinkFactory) -> None:
    sink = make_sink(mosquitto.url, ha_discovery=True, ha_prefix="hass")
    assert sink.publisher.wait_connected(10)
    probe = Collector(mosquitto.port, "hass/#", client_id="probe")
    assert probe.wait_for(lambda ms: len(ms) >= 10, 10)  # announced
    probe.stop()
    ha = Collector(mosquitto.port, "hass/#", client_id="ha")
    try:
        # Retained: a Home Assistant that starts later still finds every entity.
        assert ha.wait_for(lambda ms: len(ms) >= 10, 10)
        time.sleep(0.3)
        first = list(ha.messages)
        assert all(m.retain for m in first)
        configs = {m.topic: json.loads(m.payload) for m in first}
        assert "hass/sensor/eccentric_anna/angle_deg/config" in configs
        assert "hass/binary_sensor/eccentric_anna/sensor_connected/config" in configs
        # Home Assistant restarts and announces itself (not retained, as by default).
        birth = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="ha-birth")
        birth.connect("127.0.0.1", mosquitto.port)
        birth.loop_start()
        birth.publish("hass/status", b"online", qos=1).wait_for_publish(5)
        birth.loop_stop()
        # Wait for the whole set again (arrival order and batching vary with load).
        assert ha.wait_for(
            lambda ms: {m.topic for m in ms[len(first):]} >= set(configs), 10)
        again = ha.messages[len(first):]
        assert {m.topic for m in again} >= set(configs)
        assert not any(m.retain for m in again)  # live re-publications, not replays
    finally:
        ha.stop()


def test_no_discovery_unless_asked(mosquitto: Mosquitto, make_sink: SinkFactory) -> None:
    sink = make_sink(mosquitto.url)
    assert sink.publisher.wait_connected(10)
    watcher = Collector(mosquitto.port, "homeassistant/#", client_id="ha")
    try:
        assert not watcher.wait_for(lambda ms: len(ms) > 0, 1.0)
    finally:
        watcher.stop()
