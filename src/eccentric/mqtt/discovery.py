"""Home Assistant MQTT discovery: one retained config message per entity.

Topics follow ``<prefix>/<component>/<node_id>/<object_id>/config``; ids may only use
``[a-zA-Z0-9_-]``. The entity id Home Assistant should give an entity is
``default_entity_id`` (``<component>.<node>_<object>``): the ``object_id`` key it
replaces is deprecated from Home Assistant 2025.10 (a warning per entity in its log) and
stops working in 2026.4. Angle and phase come from the slow live topic (≤ 1 Hz, or on a
change of phase or rep count), not the ~20 Hz gauge stream: the recorder stores every
state it is sent. Availability needs both the bridge (Last Will) and the athlete's
status to say online (``availability_mode: all``). Gauge-like values carry
``expire_after`` so Home Assistant greys them out when the stream stops instead of
showing the last angle forever. Configs are retained and also re-sent whenever Home
Assistant announces ``online`` on ``<prefix>/status``, because its birth message is
not retained by default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from eccentric import __version__
from eccentric.mqtt.topics import Topics, ha_id


@dataclass(frozen=True, slots=True)
class Entity:
    component: str  # sensor | binary_sensor
    object_id: str
    name: str
    state_topic: str
    value_template: str
    extra: tuple[tuple[str, Any], ...] = ()


def _entities(topics: Topics, expire_after_s: int, status_expire_s: int) -> list[Entity]:
    live_exp = (("expire_after", expire_after_s),)
    status_exp = (("expire_after", status_expire_s),)
    return [
        Entity("sensor", "reps", "Reps", topics.rep, "{{ value_json.rep }}",
               (("state_class", "total_increasing"), ("icon", "mdi:counter"))),
        Entity("sensor", "eccentric_s", "Last eccentric", topics.rep,
               "{{ value_json.eccentric_s }}",
               (("unit_of_measurement", "s"), ("device_class", "duration"),
                ("state_class", "measurement"))),
        Entity("sensor", "tempo", "Last tempo", topics.rep, "{{ value_json.tempo }}"),
        Entity("sensor", "set_reps", "Reps in last set", topics.set, "{{ value_json.reps }}",
               (("state_class", "measurement"),)),
        Entity("sensor", "angle_deg", "Segment angle", topics.live_slow,
               "{{ value_json.angle_deg }}",
               (("unit_of_measurement", "°"), ("state_class", "measurement"), *live_exp)),
        Entity("sensor", "phase", "Phase", topics.live_slow, "{{ value_json.phase }}",
               live_exp),
        Entity("sensor", "battery_pct", "Sensor battery", topics.status,
               "{{ value_json.battery_pct if value_json.battery_pct is not none else none }}",
               (("unit_of_measurement", "%"), ("device_class", "battery"),
                ("state_class", "measurement"), *status_exp)),
        Entity("sensor", "sample_rate_hz", "Sample rate", topics.status,
               "{{ value_json.sample_rate_hz if value_json.sample_rate_hz is not none "
               "else none }}",
               (("unit_of_measurement", "Hz"), ("device_class", "frequency"),
                ("state_class", "measurement"), *status_exp)),
        Entity("sensor", "packet_loss_pct", "Packet loss", topics.status,
               "{{ value_json.packet_loss_pct if value_json.packet_loss_pct is not none "
               "else none }}",
               (("unit_of_measurement", "%"), ("state_class", "measurement"), *status_exp)),
        Entity("binary_sensor", "sensor_connected", "Sensor connected", topics.status,
               "{{ 'ON' if value_json.sensor_connected else 'OFF' }}",
               (("device_class", "connectivity"), *status_exp)),
    ]


def discovery_messages(topics: Topics, prefix: str, *, expire_after_s: int,
                       status_expire_s: int) -> list[tuple[str, bytes]]:
    """(topic, payload) of every entity config for one athlete."""
    node = ha_id(f"{topics.base}_{topics.athlete}")
    device = {
        "identifiers": [node],
        "name": f"eccentric {topics.athlete}",
        "manufacturer": "eccentric",
        "model": "IMU rep and tempo coach",
        "sw_version": __version__,
    }
    availability = [
        {"topic": topics.bridge_state},
        {"topic": topics.status,
         "value_template": "{{ 'online' if value_json.online else 'offline' }}"},
    ]
    out: list[tuple[str, bytes]] = []
    for e in _entities(topics, expire_after_s, status_expire_s):
        config: dict[str, Any] = {
            "name": e.name,
            "unique_id": f"{node}_{e.object_id}",
            "default_entity_id": f"{e.component}.{node}_{e.object_id}",
            "state_topic": e.state_topic,
            "value_template": e.value_template,
            "availability": availability,
            "availability_mode": "all",
            "device": device,
            "origin": {"name": "eccentric", "sw_version": __version__},
        }
        config.update(dict(e.extra))
        topic = f"{prefix.strip('/')}/{e.component}/{node}/{e.object_id}/config"
        out.append((topic, json.dumps(config, separators=(",", ":"),
                                      ensure_ascii=False).encode()))
    return out
