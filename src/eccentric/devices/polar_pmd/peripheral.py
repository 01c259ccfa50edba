"""The emulated Polar Verity Sense: PMD control point, ACC + GYRO frames, Battery Service."""

from __future__ import annotations

import struct
from typing import Any

from eccentric.devices.base import (
    BATTERY_LEVEL,
    BATTERY_SERVICE,
    HEART_RATE_MEASUREMENT,
    HEART_RATE_SERVICE,
)
from eccentric.devices.emulation import NOTIFY_FLAGS, GattChar, GattService, Peripheral
from eccentric.devices.packets import Packet
from eccentric.devices.polar_pmd.driver import (
    CP_RESPONSE,
    DEFAULT_ACC_RANGE_G,
    DEFAULT_GYRO_RANGE_DPS,
    DEFAULT_RATES_HZ,
    FEATURE_READ,
    MEAS_ACC,
    MEAS_GYRO,
    MEAS_MAG,
    MEAS_PPG,
    MEAS_PPI,
    OP_GET_SETTINGS,
    OP_START,
    OP_STOP,
    PMD_CP,
    PMD_DATA,
    PMD_SERVICE,
    SETTING_CHANNELS,
    SETTING_FACTOR,
    SETTING_RANGE,
    SETTING_RESOLUTION,
    SETTING_SAMPLE_RATE,
    STATUS_NAMES,
)

STATUS = {name: code for code, name in STATUS_NAMES.items()}
# The measurements a Verity Sense offers (feature bit per measurement type): 0x6E.
FEATURES = sum(1 << m for m in (MEAS_PPG, MEAS_ACC, MEAS_PPI, MEAS_GYRO, MEAS_MAG))


class PolarPeripheral(Peripheral):
    """A Verity Sense in normal mode: ACC and GYRO at 52 Hz, delta frames with FACTOR."""

    advertised = (HEART_RATE_SERVICE,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate = int(self.options.get("rate", DEFAULT_RATES_HZ["verity"]))
        self.factor = {MEAS_ACC: float(self.options["acc_lsb_g"]),
                       MEAS_GYRO: float(self.options["gyro_lsb_dps"])}
        self.ranges = {MEAS_ACC: int(self.options.get("acc_range_g", DEFAULT_ACC_RANGE_G)),
                       MEAS_GYRO: int(self.options.get("gyro_range_dps", DEFAULT_GYRO_RANGE_DPS))}
        self.measuring: set[int] = set()  # survives a dropped link (H10 known issue)

    def gatt(self) -> list[GattService]:
        return [GattService(HEART_RATE_SERVICE, [GattChar(HEART_RATE_MEASUREMENT, NOTIFY_FLAGS)]),
                GattService(BATTERY_SERVICE, [GattChar(BATTERY_LEVEL, ["read", "notify"])]),
                GattService(PMD_SERVICE, [GattChar(PMD_CP, ["read", "write", "indicate"]),
                                          GattChar(PMD_DATA, NOTIFY_FLAGS)])]

    def read(self, char: str) -> bytes:
        if char == BATTERY_LEVEL:
            return bytes([int(self.options.get("battery_pct", 87))])
        return bytes([FEATURE_READ, FEATURES, 0x00]) if char == PMD_CP else b""

    def _settings(self, kind: int) -> bytes:
        out = struct.pack("<BBH", SETTING_SAMPLE_RATE, 1, self.rate)
        out += struct.pack("<BBH", SETTING_RESOLUTION, 1, 16)
        out += struct.pack("<BBH", SETTING_RANGE, 1, self.ranges[kind])
        return out + bytes([SETTING_CHANNELS, 1, 3])

    def write(self, char: str, data: bytes) -> None:
        if char != PMD_CP or len(data) < 2:
            return
        op, kind = data[0], data[1]
        if op == OP_GET_SETTINGS:
            self._answer(op, kind, STATUS["SUCCESS"],
                         self._settings(kind) if kind in self.factor else b"")
        elif op == OP_START:
            if self.faults.silent_start:
                self.record("ignored_start", hex=data.hex())
                return
            if kind not in self.factor:
                self._answer(op, kind, STATUS["NOT_SUPPORTED"])
            elif kind in self.measuring:
                self._answer(op, kind, STATUS["ALREADY_IN_STATE"])
            elif struct.unpack_from("<H", data, 4)[0] != self.rate:
                self._answer(op, kind, STATUS["INVALID_SAMPLE_RATE"])
            else:
                self.measuring.add(kind)
                self.playing = True
                self._answer(op, kind, STATUS["SUCCESS"], bytes([SETTING_FACTOR, 1])
                             + struct.pack("<f", self.factor[kind]))
        elif op == OP_STOP:
            was = kind in self.measuring
            self.measuring.discard(kind)
            self.record("stopped", measurement=kind)
            self._answer(op, kind, STATUS["SUCCESS" if was else "ALREADY_IN_STATE"])
        else:
            self._answer(op, kind, STATUS["INVALID_OP_CODE"])

    def _answer(self, op: int, kind: int, status: int, params: bytes = b"") -> None:
        self.notify(PMD_CP, bytes([CP_RESPONSE, op, kind, status, 0]) + params)

    def sends(self, packet: Packet) -> bool:
        return packet.data[0] in self.measuring
