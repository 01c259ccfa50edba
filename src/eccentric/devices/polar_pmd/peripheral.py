"""The emulated Polar Verity Sense: PMD control point, ACC + GYRO frames, Battery Service."""

from __future__ import annotations

import struct
from typing import Any

from eccentric.devices.emulation import NOTIFY, GattChar, GattService, Peripheral
from eccentric.devices.packets import Packet

PMD_SERVICE = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
PMD_CP = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
PMD_DATA = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"
HEART_RATE_SERVICE = "0000180d-0000-1000-8000-00805f9b34fb"
BATTERY_SERVICE = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"


class PolarPeripheral(Peripheral):
    """A Verity Sense in normal mode: ACC and GYRO at 52 Hz, delta frames with FACTOR."""

    advertised = (HEART_RATE_SERVICE,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate = int(self.options.get("rate", 52))
        self.factor = {2: float(self.options["acc_lsb_g"]),
                       5: float(self.options["gyro_lsb_dps"])}
        self.ranges = {2: int(self.options.get("acc_range_g", 8)),
                       5: int(self.options.get("gyro_range_dps", 2000))}
        self.measuring: set[int] = set()  # survives a dropped link (H10 known issue)

    def gatt(self) -> list[GattService]:
        return [GattService(HEART_RATE_SERVICE, [GattChar(
                    "00002a37-0000-1000-8000-00805f9b34fb", NOTIFY)]),
                GattService(BATTERY_SERVICE, [GattChar(BATTERY_LEVEL, ["read", "notify"])]),
                GattService(PMD_SERVICE, [GattChar(PMD_CP, ["read", "write", "indicate"]),
                                          GattChar(PMD_DATA, NOTIFY)])]

    def read(self, char: str) -> bytes:
        if char == BATTERY_LEVEL:
            return bytes([int(self.options.get("battery_pct", 87))])
        return bytes([0x0F, 0x6E, 0x00]) if char == PMD_CP else b""

    def _settings(self, kind: int) -> bytes:
        out = struct.pack("<BBH", 0, 1, self.rate) + struct.pack("<BBH", 1, 1, 16)
        out += struct.pack("<BBH", 2, 1, self.ranges.get(kind, 8)) + bytes([4, 1, 3])
        return out

    def write(self, char: str, data: bytes) -> None:
        if char != PMD_CP or len(data) < 2:
            return
        op, kind = data[0], data[1]
        if op == 0x01:
            self._answer(op, kind, 0, self._settings(kind) if kind in self.factor else b"")
        elif op == 0x02:
            if self.faults.silent_start:
                self.record("ignored_start", hex=data.hex())
                return
            if kind not in self.factor:
                self._answer(op, kind, 3)  # NOT_SUPPORTED
            elif kind in self.measuring:
                self._answer(op, kind, 6)  # ALREADY_IN_STATE
            elif struct.unpack_from("<H", data, 4)[0] != self.rate:
                self._answer(op, kind, 8)  # INVALID_SAMPLE_RATE
            else:
                self.measuring.add(kind)
                self.playing = True
                self._answer(op, kind, 0, bytes([5, 1]) + struct.pack("<f", self.factor[kind]))
        elif op == 0x03:
            was = kind in self.measuring
            self.measuring.discard(kind)
            self.record("stopped", measurement=kind)
            self._answer(op, kind, 0 if was else 6)
        else:
            self._answer(op, kind, 1)  # INVALID_OP_CODE

    def _answer(self, op: int, kind: int, status: int, params: bytes = b"") -> None:
        self.notify(PMD_CP, bytes([0xF0, op, kind, status, 0]) + params)

    def sends(self, packet: Packet) -> bool:
        return packet.data[0] in self.measuring
