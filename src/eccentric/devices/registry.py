"""The one table of sensor families, and every lookup derived from it.

Adding a sensor family means adding its folder under ``devices/`` (with its ``FAMILY``
record in ``__init__.py``, see ``family.py``) and one line in ``FAMILIES``. Drivers
(scan, live, capture replay), the simulator's hardware specs, the packet encoders and
the emulated peripherals of ``eccentric.sim.bluez`` are all found through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eccentric.core.chunk import ImuChunk
from eccentric.core.errors import EccentricError
from eccentric.devices import generic, metawear, movesense, polar_pmd, witmotion
from eccentric.devices.base import Driver, DriverSpec
from eccentric.devices.emulation import Peripheral
from eccentric.devices.family import DeviceFamily
from eccentric.devices.packets import Packet
from eccentric.devices.sensor_spec import DeviceSpec

# Scans try the families in this order (configured generic drivers go first anyway).
FAMILIES: tuple[DeviceFamily, ...] = (
    generic.FAMILY,
    metawear.FAMILY,
    movesense.FAMILY,
    polar_pmd.FAMILY,
    witmotion.FAMILY,
)


def _unique(keys: list[str], what: str) -> None:
    seen = {k for k in keys if keys.count(k) > 1}
    if seen:
        raise EccentricError(f"two device families define {what} {', '.join(sorted(seen))}")


_unique([f.kind for f in FAMILIES], "kind")
_unique([s.key for f in FAMILIES for s in f.sensors] + [k for f in FAMILIES
        for k in f.excluded_sensors], "simulator sensor")

_BY_KIND: dict[str, DeviceFamily] = {f.kind: f for f in FAMILIES}
_SPECS: dict[str, DriverSpec] = {f.kind: f.driver for f in FAMILIES}

# Simulator sensor key → hardware spec, and the sensors not simulated (with the reason).
DEVICES: dict[str, DeviceSpec] = {s.key: s for f in FAMILIES for s in f.sensors}
EXCLUDED_DEVICES: dict[str, str] = {k: why for f in FAMILIES
                                    for k, why in f.excluded_sensors.items()}


def family(kind: str) -> DeviceFamily:
    if kind not in _BY_KIND:
        raise EccentricError(f"unknown device kind {kind!r}; known: {', '.join(sorted(_BY_KIND))}")
    return _BY_KIND[kind]


# ------------------------------------------------------------------ drivers


def specs() -> dict[str, DriverSpec]:
    """kind → spec, for every sensor family."""
    return _SPECS


def get_spec(kind: str) -> DriverSpec:
    return family(kind).driver


def create(kind: str, options: Mapping[str, Any]) -> Driver:
    return get_spec(kind).create(options)


def classify(name: str | None, service_uuids: list[str],
             extra: list[DriverSpec] | None = None) -> DriverSpec | None:
    """The driver family an advertisement belongs to (configured generic drivers
    first, since a DIY band may reuse a vendor's UUIDs), or None."""
    for spec in [*(extra or []), *specs().values()]:
        if spec.kind == generic.driver.KIND and spec.match is None:
            continue  # the generic driver only matches through a configuration file
        if spec.matches(name, service_uuids):
            return spec
    return None


# ------------------------------------------------------------------ simulation


def encode(kind: str, chunk: ImuChunk, rate_hz: float, opts: Mapping[str, Any]) -> list[Packet]:
    """A simulated recording as ``kind``'s emulated device streams it. ``opts`` carries the
    recording's converter LSB sizes and ranges (every recording played must state its
    LSB sizes, whatever the protocol) and the device options."""
    for key in ("acc_lsb_g", "gyro_lsb_dps"):
        float(opts[key])  # raises for a recording that does not state it
    if kind not in _BY_KIND:
        raise EccentricError(f"no packet encoder for device kind {kind!r}")
    return _BY_KIND[kind].encode(chunk, rate_hz, opts)


def peripheral_class(kind: str) -> type[Peripheral]:
    """The emulated device of ``kind`` (played by ``eccentric.sim.bluez``)."""
    return family(kind).peripheral


def get_device(key: str) -> DeviceSpec:
    """The simulator's spec for sensor ``key``; a helpful error for unknown or excluded
    devices."""
    if key in DEVICES:
        return DEVICES[key]
    if key in EXCLUDED_DEVICES:
        raise EccentricError(f"device {key!r} is not simulated: {EXCLUDED_DEVICES[key]}")
    raise EccentricError(f"unknown device {key!r}; choose one of {', '.join(sorted(DEVICES))}")
