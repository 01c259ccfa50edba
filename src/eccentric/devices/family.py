"""A sensor family as one record: everything the registry knows of a family folder.

A family folder ``devices/<family>/`` holds ``driver.py`` (the protocol: UUIDs, codes,
packet layout, decoder — the one place for the family's identities), ``encoder.py`` (a
simulated recording as the device would send it), ``peripheral.py`` (the emulated
device), optionally ``sensors.py`` (the simulator's hardware specs of its models), a
``README.md`` linking its firmware note, and in ``__init__.py`` one ``FAMILY`` record.
``registry.FAMILIES`` lists the records; every lookup is derived from that tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from eccentric.core.chunk import ImuChunk
from eccentric.devices.base import DriverSpec
from eccentric.devices.emulation import Peripheral
from eccentric.devices.packets import Packet
from eccentric.devices.sensor_spec import DeviceSpec

# (chunk, rate_hz, options) → notifications; options: the recording's converter LSB
# sizes and ranges, plus the scenario's device options.
Encode = Callable[[ImuChunk, float, Mapping[str, Any]], list[Packet]]


@dataclass(frozen=True)
class DeviceFamily:
    """One sensor family; its ``kind`` is its driver's."""

    driver: DriverSpec  # scan matching and the driver factory (driver.py)
    encode: Encode  # the emulated device's stream of a simulated recording (encoder.py)
    peripheral: type[Peripheral]  # the emulated device (peripheral.py)
    sensors: tuple[DeviceSpec, ...] = ()  # simulator hardware specs (sensors.py)
    excluded_sensors: Mapping[str, str] = field(default_factory=dict)  # not simulated: why

    @property
    def kind(self) -> str:
        return self.driver.kind
