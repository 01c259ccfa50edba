"""Movesense with the GATT SensorData Protocol (GSP) of the ``gatt_sensordata_app``
firmware sample: subscribe to ``/Meas/IMU6/<rate>`` and decode its updates.

Commands go to ``…0001`` as ``[command, reference, payload]``; everything comes back on
``…0002`` as ``[type, reference, …]``: 1 = command result (uint16 HTTP-like status),
2 = data, 3 = the rest of a data update too long for one notification (joined to the
previous type-2 packet). IMU6 data: uint32 ms timestamp of the first sample, then N
accelerometer vectors (float32 m/s²), then N gyro vectors (float32 °/s).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from eccentric.core.units import RAD_PER_DEG
from eccentric.devices.base import (
    DecodeStats,
    DeviceError,
    DriverSpec,
    Frame,
    GattOp,
    GattRead,
    GattWrite,
    RateLimitedLog,
    Reply,
    Stream,
    Timing,
    option,
    reject,
    screen,
)

KIND = "movesense"
SENSOR = "movesense"  # the simulator's sensor key (sensors.py)
SERVICE = "34802252-7185-4d5d-b431-630e7050e8f0"
COMMAND = "34800001-7185-4d5d-b431-630e7050e8f0"
DATA = "34800002-7185-4d5d-b431-630e7050e8f0"

CMD_HELLO, CMD_SUBSCRIBE, CMD_UNSUBSCRIBE = 0, 1, 2
MSG_RESULT, MSG_DATA, MSG_DATA_PART2 = 1, 2, 3
RATES = (13.0, 26.0, 52.0, 104.0, 208.0, 416.0, 833.0)
DEFAULT_RATE_HZ = 104.0
DEFAULT_REF = 99
SAMPLES_PER_UPDATE = 8  # typical IMU6 update (official client, 104 Hz)
VECTOR = 12  # three float32
WRAP = 1 << 32  # the ms timestamp is uint32 (wraps after ~49.7 days)


def resource_path(rate_hz: float) -> str:
    """The subscribed resource, e.g. ``/Meas/IMU6/104``."""
    return f"/Meas/IMU6/{round(rate_hz)}"


class Movesense:
    """IMU6 (acc + gyro) at a chosen rate; one subscription with client reference ``ref``."""

    kind = KIND
    timing: Timing = "device"
    counter_modulus = 0
    notify_chars: tuple[str, ...] = (DATA,)
    min_mtu = 23
    streams: tuple[Stream, ...] = ("imu",)
    sensor = SENSOR

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.rate_hz = float(option(options, "rate", DEFAULT_RATE_HZ, float, RATES))
        self.ref = int(option(options, "ref", DEFAULT_REF, int))
        if not 1 <= self.ref <= 255:
            raise DeviceError("Movesense client reference must be 1–255")
        self.samples_per_packet = SAMPLES_PER_UPDATE
        self.stats = DecodeStats()
        self._warn = RateLimitedLog(KIND)
        self._pending: bytes | None = None  # first part of an update awaiting part 2
        self._last_ms: int | None = None
        self._wraps = 0

    def options(self) -> dict[str, Any]:
        return {"rate": self.rate_hz, "ref": self.ref}

    @property
    def resource(self) -> str:
        return resource_path(self.rate_hz)

    def configure(self) -> list[GattOp]:
        return []

    def start(self) -> list[GattOp]:
        data = bytes([CMD_SUBSCRIBE, self.ref]) + self.resource.encode("ascii")
        return [GattWrite(COMMAND, data, awaits_reply=True, what=f"subscribe {self.resource}")]

    def stop(self) -> list[GattOp]:
        return [GattWrite(COMMAND, bytes([CMD_UNSUBSCRIBE, self.ref]), awaits_reply=True,
                          what=f"unsubscribe {self.resource}")]

    def on_reply(self, op: GattWrite, data: bytes) -> Reply | list[GattOp]:
        if len(data) < 4 or data[0] != MSG_RESULT or data[1] != self.ref:
            return Reply.PENDING
        status = int.from_bytes(data[2:4], "little")
        if 200 <= status < 300:
            return Reply.DONE
        hint = " (no free subscription slot)" if status == 507 else ""
        raise DeviceError(f"{op.what} refused with status {status}{hint}")

    def on_read(self, op: GattRead, data: bytes) -> None:
        return None

    def decode(self, char: str, data: bytes) -> list[Frame]:
        if not screen(self.stats, self._warn, char, DATA, data, min_bytes=2):
            return []
        kind, ref = data[0], data[1]
        if kind == MSG_RESULT or ref != self.ref:
            self.stats.ignored += 1
            return []
        if kind == MSG_DATA:
            dropped = self._pending is not None
            self._pending = None
            payload = bytes(data[2:])
            if not self._complete(payload):
                self._pending = payload
                return self._dropped() if dropped else []
            out = self._update(payload)
            return self._dropped() + out if dropped else out
        if kind == MSG_DATA_PART2:
            if self._pending is None:
                return reject(self.stats, self._warn, "second part without a first part")
            payload, self._pending = self._pending + bytes(data[2:]), None
            if not self._complete(payload):
                return reject(self.stats, self._warn,
                              f"joined update of {len(payload)} bytes is not 4 + N × 24")
            return self._update(payload)
        return reject(self.stats, self._warn, f"unknown message type {kind}")

    def _dropped(self) -> list[Frame]:
        return reject(self.stats, self._warn, "first part of an update never completed")

    @staticmethod
    def _complete(payload: bytes) -> bool:
        return len(payload) > 4 and (len(payload) - 4) % (2 * VECTOR) == 0

    def _update(self, payload: bytes) -> list[Frame]:
        n = (len(payload) - 4) // (2 * VECTOR)
        (ms,) = struct.unpack_from("<I", payload)
        if self._last_ms is not None and ms < self._last_ms - WRAP // 2:
            self._wraps += 1
        self._last_ms = ms
        floats = np.frombuffer(payload, dtype="<f4", offset=4).astype(np.float64)
        acc = floats[:3 * n].reshape(n, 3)
        gyro = floats[3 * n:].reshape(n, 3) * RAD_PER_DEG
        values = np.concatenate([acc, gyro], axis=1)
        if not np.isfinite(values).all():
            return reject(self.stats, self._warn, "update holds non-finite values")
        self.stats.samples += n
        stamp = (ms + self._wraps * WRAP) * 1_000_000
        return [Frame("imu", values, stamp_ns=stamp, stamp_index=0)]


DRIVER_SPEC = DriverSpec(
    kind=KIND, title="Movesense (gatt_sensordata_app firmware, IMU6)",
    service_uuids=(SERVICE,), name_prefixes=("Movesense",), create=Movesense,
    options_help="rate=104 (Hz: 13 26 52 104 208 416 833), ref=99 (client reference)",
)
