"""The one table of sensor families: kind → driver spec.

Adding a sensor family means adding its folder under ``devices/`` and one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import EccentricError
from eccentric.devices.base import Driver, DriverSpec
from eccentric.devices.emulation import Peripheral
from eccentric.devices.generic import driver as generic
from eccentric.devices.generic import encoder as generic_encoder
from eccentric.devices.generic.peripheral import GenericPeripheral
from eccentric.devices.metawear import driver as metawear
from eccentric.devices.metawear import encoder as metawear_encoder
from eccentric.devices.metawear.peripheral import MetaWearPeripheral
from eccentric.devices.metawear.sensors import METAMOTION, METAMOTION_S
from eccentric.devices.movesense import driver as movesense
from eccentric.devices.movesense import encoder as movesense_encoder
from eccentric.devices.movesense.peripheral import MovesensePeripheral
from eccentric.devices.movesense.sensors import MOVESENSE
from eccentric.devices.packets import Packet
from eccentric.devices.polar_pmd import driver as polar_pmd
from eccentric.devices.polar_pmd import encoder as polar_pmd_encoder
from eccentric.devices.polar_pmd.peripheral import PolarPeripheral
from eccentric.devices.polar_pmd.sensors import EXCLUDED as POLAR_EXCLUDED
from eccentric.devices.polar_pmd.sensors import POLAR_VERITY_SENSE
from eccentric.devices.sensor_spec import DeviceSpec
from eccentric.devices.witmotion import driver as witmotion
from eccentric.devices.witmotion import encoder as witmotion_encoder
from eccentric.devices.witmotion.peripheral import WitMotionPeripheral
from eccentric.devices.witmotion.sensors import WITMOTION

FAMILIES: dict[str, DriverSpec] = {
    spec.kind: spec for spec in (
        generic.DRIVER_SPEC,
        metawear.DRIVER_SPEC,
        movesense.DRIVER_SPEC,
        polar_pmd.DRIVER_SPEC,
        witmotion.DRIVER_SPEC,
    )
}

# kind → packet encoder of a simulated recording (the emulated devices' streams).
ENCODERS: dict[str, Callable[[ImuChunk, float, Mapping[str, Any]], list[Packet]]] = {
    "generic": generic_encoder.encode_session,
    "metawear": metawear_encoder.encode_session,
    "movesense": movesense_encoder.encode_session,
    "polar_pmd": polar_pmd_encoder.encode_session,
    "witmotion": witmotion_encoder.encode_session,
}

# kind → emulated peripheral class (the emulated BlueZ of eccentric.sim.bluez).
PERIPHERALS: dict[str, type[Peripheral]] = {
    cls.kind: cls for cls in (PolarPeripheral, MetaWearPeripheral, MovesensePeripheral,
                              WitMotionPeripheral, GenericPeripheral)
}

# Simulator sensor key → hardware spec, and the sensors not simulated (with the reason).
DEVICES: dict[str, DeviceSpec] = {
    d.key: d for d in (POLAR_VERITY_SENSE, METAMOTION, METAMOTION_S, MOVESENSE, WITMOTION)
}
EXCLUDED_DEVICES: dict[str, str] = dict(POLAR_EXCLUDED)


def specs() -> dict[str, DriverSpec]:
    """kind → spec, for every sensor family."""
    return FAMILIES


def get_spec(kind: str) -> DriverSpec:
    known = specs()
    if kind not in known:
        raise EccentricError(f"unknown device kind {kind!r}; known: {', '.join(sorted(known))}")
    return known[kind]


def create(kind: str, options: Mapping[str, Any]) -> Driver:
    return get_spec(kind).create(options)


def classify(name: str | None, service_uuids: list[str],
             extra: list[DriverSpec] | None = None) -> DriverSpec | None:
    """The driver family an advertisement belongs to (configured generic drivers
    first, since a DIY band may reuse a vendor's UUIDs), or None."""
    for spec in [*(extra or []), *specs().values()]:
        if spec.kind == "generic" and spec.match is None:
            continue  # the generic driver only matches through a configuration file
        if spec.matches(name, service_uuids):
            return spec
    return None


def encode(kind: str, chunk: ImuChunk, rate_hz: float, opts: Mapping[str, Any]) -> list[Packet]:
    """A simulated recording as ``kind``'s emulated device streams it. ``opts`` carries the
    recording's converter LSB sizes and ranges (every recording played must state its
    LSB sizes, whatever the protocol) and the device options."""
    for key in ("acc_lsb_g", "gyro_lsb_dps"):
        float(opts[key])  # raises for a recording that does not state it
    if kind not in ENCODERS:
        raise EccentricError(f"no packet encoder for device kind {kind!r}")
    return ENCODERS[kind](chunk, rate_hz, opts)


def get_device(key: str) -> DeviceSpec:
    """The simulator's spec for sensor ``key``; a helpful error for unknown or excluded
    devices."""
    if key in DEVICES:
        return DEVICES[key]
    if key in EXCLUDED_DEVICES:
        raise EccentricError(f"device {key!r} is not simulated: {EXCLUDED_DEVICES[key]}")
    raise EccentricError(f"unknown device {key!r}; choose one of {', '.join(sorted(DEVICES))}")
