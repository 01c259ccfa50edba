"""A subscriber receives exactly the rep events, schema-valid and in order, through a
real Mosquitto and through the embedded broker, over TCP and WebSockets."""

from __future__ import annotations

import json
import time

import pytest

from eccentric.mqtt.broker import EmbeddedBroker
from tests.mqtt import contract
from tests.mqtt.brokers import Mosquitto
from tests.mqtt.conftest import SinkFactory
from tests.mqtt.events import live, rep, set_summary
from tests.mqtt.subscriber import Collector

N_REPS = 12


def _session(sink_factory: SinkFactory, url: str, collector: Collector, **kw: object) -> None:
    sink = sink_factory(url, **kw)
    assert sink.publisher.wait_connected(10), "publisher did not connect"
    for n in range(1, N_REPS + 1):
        sink.publish_event(rep(n))
        sink.publish_event(live(5.0 * n))
    sink.publish_event(set_summary(1, N_REPS))
    assert collector.wait_for(lambda ms: any(m.topic.endswith("/set") for m in ms), 10)
    sink.close()
    assert collector.wait_for(
        lambda ms: any(m.topic.endswith("bridge/state") and m.payload == b"offline"
                       for m in ms), 5)


def _check(collector: Collector) -> None:
    reps = collector.on("/rep")
    assert [m.json()["id"] for m in reps] == [f"s1@t1:1:{n}" for n in range(1, N_REPS + 1)]
    assert all(m.qos == 1 for m in reps)
    for m in collector.messages:
        contract.validate(m.topic, m.payload)
    sets = collector.on("/set")
    assert [m.json()["reps"] for m in sets] == [N_REPS]
    status = [m.json() for m in collector.on("/status")]
    assert status[-1]["online"] is False and status[-1]["queued_messages"] == 0


@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_mosquitto_delivers_every_rep_in_order(mosquitto: Mosquitto, make_sink: SinkFactory,
                                               transport: str) -> None:
    port = mosquitto.port if transport == "tcp" else mosquitto.ws_port
    collector = Collector(port, transport=transport)
    try:
        url = mosquitto.url if transport == "tcp" else mosquitto.ws_url
        _session(make_sink, url, collector)
        _check(collector)
    finally:
        collector.stop()


@pytest.mark.parametrize("transport", ["tcp", "websockets"])
def test_embedded_broker_delivers_every_rep_in_order(embedded: EmbeddedBroker,
                                                     make_sink: SinkFactory,
                                                     transport: str) -> None:
    port = embedded.port if transport == "tcp" else embedded.ws_port
    assert port is not None
    collector = Collector(port, transport=transport)
    try:
        url = embedded.url if transport == "tcp" else embedded.ws_url
        assert url is not None
        _session(make_sink, url, collector, protocol="3.1.1")
        _check(collector)
    finally:
        collector.stop()


def test_mqtt5_is_used_with_mosquitto_and_3_1_1_fallback_with_amqtt(
        mosquitto: Mosquitto, embedded: EmbeddedBroker, make_sink: SinkFactory) -> None:
    with_v5 = make_sink(mosquitto.url)
    assert with_v5.publisher.wait_connected(10)
    assert with_v5.publisher.stats.protocol == "5"
    fallback = make_sink(embedded.url)  # protocol auto: amqtt has no MQTT 5
    assert fallback.publisher.wait_connected(10)
    assert fallback.publisher.stats.protocol == "3.1.1"


def test_late_subscriber_sees_retained_state_and_last_set(mosquitto: Mosquitto,
                                                         make_sink: SinkFactory) -> None:
    sink = make_sink(mosquitto.url)
    assert sink.publisher.wait_connected(10)
    sink.set_status(sensor_connected=True, sample_rate_hz=100.0, packet_loss_pct=0.5,
                    battery_pct=81)
    sink.publish_event(rep(1))
    sink.publish_event(set_summary(1, 1))
    sink.publish_event(set_summary(2, 1))
    assert sink.publisher.wait_drained(10)
    late = Collector(mosquitto.port, client_id="late")
    try:
        assert late.wait_for(lambda ms: {m.topic.rsplit("/", 1)[-1] for m in ms}
                             >= {"state", "status", "set"}, 5)
        retained = {m.topic: m for m in late.messages if m.retain}
        assert retained["eccentric/bridge/state"].payload == b"online"
        status = json.loads(retained["eccentric/anna/status"].payload)
        assert (status["sensor_connected"], status["battery_pct"]) == (True, 81)
        assert json.loads(retained["eccentric/anna/set"].payload)["set"] == 2
        assert "eccentric/anna/rep" not in retained  # reps are events, not state
        for m in late.messages:
            contract.validate(m.topic, m.payload)
    finally:
        late.stop()


def test_raw_imu_only_when_enabled(mosquitto: Mosquitto, make_sink: SinkFactory) -> None:
    import numpy as np

    from eccentric.core.chunk import ImuChunk

    t = np.arange(450) / 100.0
    chunk = ImuChunk.from_arrays(t, np.tile([0.0, 0.0, 9.81], (450, 1)),
                                 np.zeros((450, 3)))
    collector = Collector(mosquitto.port, "eccentric/+/imu/#")
    try:
        off = make_sink(mosquitto.url, athlete="off")
        on = make_sink(mosquitto.url, athlete="on", raw_imu=True)
        assert off.publisher.wait_connected(10) and on.publisher.wait_connected(10)
        off.publish_imu(chunk)
        on.publish_imu(chunk)
        assert collector.wait_for(lambda ms: len(ms) >= 3, 10)
        time.sleep(0.3)
        assert {m.topic for m in collector.messages} == {"eccentric/on/imu/mw1"}
        batches = [m.json() for m in collector.messages]
        assert [len(b["samples_t_s"]) for b in batches] == [200, 200, 50]
        assert batches[1]["t_s"] == 2.0 and batches[0]["acc_mps2"][0] == [0.0, 0.0, 9.81]
        for m in collector.messages:
            contract.validate(m.topic, m.payload)
    finally:
        collector.stop()
