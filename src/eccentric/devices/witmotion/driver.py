"""WitMotion BWT901BLE / WT901BLECL (Bluetooth 5.0 versions): ``55 61`` packets.

Data streams as soon as notifications are on (``…ffe4``); commands are 5-byte
``FF AA reg lo hi`` writes to ``…ffe9``. Note the vendor's non-standard UUID base
``…805f9a34fb``. Each 20-byte packet holds one sample: int16 ax ay az wx wy wz roll
pitch yaw; no checksum and no timestamp, so ``timeline`` counts samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from eccentric.core.units import RAD_PER_DEG, STANDARD_GRAVITY_MPS2
from eccentric.devices.base import (
    DecodeStats,
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


def wit_uuid(short: int) -> str:
    return f"0000{short:04x}-0000-1000-8000-00805f9a34fb"


KIND = "witmotion"
SENSOR = "witmotion"  # the simulator's sensor key (sensors.py)
SERVICE, NOTIFY, WRITE = wit_uuid(0xFFE5), wit_uuid(0xFFE4), wit_uuid(0xFFE9)
PACKET = 20
HEAD_DATA = b"\x55\x61"
HEAD_REGISTER = b"\x55\x71"  # answer to a register read: not sensor data
COMMAND = b"\xff\xaa"  # every write is FF AA reg lo hi
REG_RATE = 0x03
UNLOCK = bytes.fromhex("FFAA6988B5")
RATE_CODES = {1.0: 0x03, 5.0: 0x05, 10.0: 0x06, 50.0: 0x08, 100.0: 0x09, 200.0: 0x0B}
DEFAULT_RATE_HZ = 100.0
ACC_RANGE_G, GYRO_RANGE_DPS = 16.0, 2000.0  # fixed
ACC_LSB_G = ACC_RANGE_G / 32768.0  # g per count
GYRO_LSB_DPS = GYRO_RANGE_DPS / 32768.0  # °/s per count
ACC_SCALE = ACC_LSB_G * STANDARD_GRAVITY_MPS2  # m/s² per count
GYRO_SCALE = GYRO_LSB_DPS * RAD_PER_DEG  # rad/s per count


class WitMotion:
    """Sets the output rate (register 0x03, not saved to flash) and streams."""

    kind = KIND
    timing: Timing = "arrival"
    counter_modulus = 0
    notify_chars: tuple[str, ...] = (NOTIFY,)
    min_mtu = 23
    streams: tuple[Stream, ...] = ("imu",)
    sensor = SENSOR
    samples_per_packet = 1

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.rate_hz = float(option(options, "rate", DEFAULT_RATE_HZ, float, tuple(RATE_CODES)))
        self.stats = DecodeStats()
        self._warn = RateLimitedLog(KIND)

    def options(self) -> dict[str, Any]:
        return {"rate": self.rate_hz}

    def configure(self) -> list[GattOp]:
        rate = COMMAND + bytes([REG_RATE, RATE_CODES[self.rate_hz], 0x00])
        return [GattWrite(WRITE, UNLOCK, response=False, what="unlock configuration"),
                GattWrite(WRITE, rate, response=False, what=f"output rate {self.rate_hz:g} Hz")]

    def start(self) -> list[GattOp]:
        return []  # data flows once notifications are on

    def stop(self) -> list[GattOp]:
        return []  # stopping notifications (done by the session) stops the flow

    def on_reply(self, op: GattWrite, data: bytes) -> Reply | list[GattOp]:
        return Reply.DONE

    def on_read(self, op: GattRead, data: bytes) -> None:
        return None

    def decode(self, char: str, data: bytes) -> list[Frame]:
        if not screen(self.stats, self._warn, char, NOTIFY, data):
            return []
        data = bytes(data)
        rows: list[bytes] = []
        junk = 0
        pos = data.find(HEAD_DATA)
        skipped = data if pos < 0 else data[:pos]
        while pos >= 0 and pos + PACKET <= len(data):
            rows.append(data[pos + 2:pos + PACKET])
            nxt = data.find(HEAD_DATA, pos + PACKET)
            junk += (nxt if nxt >= 0 else len(data)) - (pos + PACKET)
            pos = nxt
        if pos >= 0 and pos + PACKET > len(data):
            junk += len(data) - pos  # a cut-off packet
        junk += len(skipped)
        if not rows:
            if data.startswith(HEAD_REGISTER) and len(data) == PACKET:
                self.stats.ignored += 1
                return []
            return reject(self.stats, self._warn,
                          f"{len(data)} bytes without a whole 55 61 packet")
        if junk:
            # Resynchronised on the header, as the vendor parser does; count the rest.
            reject(self.stats, self._warn, f"{junk} stray bytes around 55 61 packets")
        raw = np.frombuffer(b"".join(rows), dtype="<i2").astype(np.float64).reshape(-1, 9)
        values = np.concatenate([raw[:, 0:3] * ACC_SCALE, raw[:, 3:6] * GYRO_SCALE], axis=1)
        self.stats.samples += len(values)
        return [Frame("imu", values)]


DRIVER_SPEC = DriverSpec(
    kind=KIND, title="WitMotion BWT901BLE / WT901BLECL (BLE 5.0, 0x61 packets)",
    service_uuids=(SERVICE,), name_prefixes=("WT901", "BWT901"), create=WitMotion,
    options_help="rate=100 (Hz: 1 5 10 50 100 200)",
)
