"""MbientLab MetaWear / MetaMotion (BMI160: R, RL, C; BMI270: MetaMotion S).

Register writes go to the command characteristic ``…9001`` without response; all data
comes on ``…9006`` as ``[module, register, payload]``. Samples are int16 little-endian;
packed registers carry three samples per notification. Streams carry no device time, so
``timeline`` places samples by count at the configured rate and uses arrival times only
to find lost packets (firmware_notes/metawear.md).
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
    parse_bool,
    reject,
    screen,
)

KIND = "metawear"
SERVICE = "326a9000-85cb-9195-d9dd-464cfbbae75a"
COMMAND = "326a9001-85cb-9195-d9dd-464cfbbae75a"
NOTIFY = "326a9006-85cb-9195-d9dd-464cfbbae75a"

ACC, GYRO = 0x03, 0x13  # module ids
MODULES: dict[Stream, int] = {"acc": ACC, "gyro": GYRO}
REG_POWER, REG_INTERRUPT, REG_CONFIG = 0x01, 0x02, 0x03

# Output data rate code shared by both chips' accelerometer and gyro (12.5 Hz = 5 …
# 1600 Hz = 12); the config byte adds filter bits: BMI160 0x20 (normal bandwidth),
# BMI270 0xA0 (filter performance + normal bandwidth; MetaWear-SDK-Cpp tests).
ODR_CODE = {12.5: 5, 25.0: 6, 50.0: 7, 100.0: 8, 200.0: 9, 400.0: 10, 800.0: 11}
ODR_FLAGS = {"bmi160": 0x20, "bmi270": 0xA0}
# Accelerometer range → (BMI160 code, BMI270 code, LSB per g).
ACC_RANGES = {2: (0x03, 0x00, 16384.0), 4: (0x05, 0x01, 8192.0), 8: (0x08, 0x02, 4096.0),
              16: (0x0C, 0x03, 2048.0)}
# Gyro range → (code, LSB per °/s), both chips.
GYRO_RANGES = {2000: (0, 16.4), 1000: (1, 32.8), 500: (2, 65.6), 250: (3, 131.2),
               125: (4, 262.4)}
# Data registers: (single, packed) per chip and module.
DATA_REGS = {("bmi160", ACC): (0x04, 0x1C), ("bmi270", ACC): (0x04, 0x05),
             ("bmi160", GYRO): (0x05, 0x07), ("bmi270", GYRO): (0x04, 0x05)}
CHIPS = ("bmi160", "bmi270")
DEFAULT_CHIP = "bmi160"
SENSORS = {"bmi160": "metamotion", "bmi270": "metamotion_s"}  # the simulator's sensor keys
DEFAULT_RATE_HZ, DEFAULT_ACC_RANGE_G, DEFAULT_GYRO_RANGE_DPS = 100.0, 8, 1000
PACKED_SAMPLES = 3  # samples per notification of a packed data register


def scale_int16(payload: bytes, lsb_per_unit: float) -> np.ndarray:
    """(n, 3) values from n × 3 int16 LE counts, divided by ``lsb_per_unit``."""
    return np.frombuffer(payload, dtype="<i2").astype(np.float64).reshape(-1, 3) / lsb_per_unit


class MetaWear:
    """Accelerometer + gyro streaming, packed (3 samples per notification) by default."""

    kind = KIND
    timing: Timing = "arrival"
    counter_modulus = 0
    notify_chars: tuple[str, ...] = (NOTIFY,)
    min_mtu = 23  # every message fits 20 bytes
    streams: tuple[Stream, ...] = ("acc", "gyro")

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.chip: str = option(options, "chip", DEFAULT_CHIP, str, CHIPS)
        self.rate_hz = float(option(options, "rate", DEFAULT_RATE_HZ, float, tuple(ODR_CODE)))
        self.acc_range_g = int(option(options, "acc_range", DEFAULT_ACC_RANGE_G, int,
                                      tuple(ACC_RANGES)))
        self.gyro_range_dps = int(option(options, "gyro_range", DEFAULT_GYRO_RANGE_DPS, int,
                                         tuple(GYRO_RANGES)))
        self.packed = bool(option(options, "packed", True, parse_bool))
        self.sensor = SENSORS[self.chip]
        self.samples_per_packet = PACKED_SAMPLES if self.packed else 1
        self.stats = DecodeStats()
        self._warn = RateLimitedLog(f"{KIND} {self.sensor}")
        self._acc_lsb = ACC_RANGES[self.acc_range_g][2] / STANDARD_GRAVITY_MPS2  # counts per m/s²
        self._gyro_lsb = GYRO_RANGES[self.gyro_range_dps][1] / RAD_PER_DEG  # counts per rad/s
        # (module, register) → (stream, samples per notification)
        self._data: dict[tuple[int, int], tuple[Stream, int]] = {}
        for stream, module in MODULES.items():
            single, packed = DATA_REGS[(self.chip, module)]
            self._data[(module, single)] = (stream, 1)
            self._data[(module, packed)] = (stream, PACKED_SAMPLES)

    def options(self) -> dict[str, Any]:
        return {"chip": self.chip, "rate": self.rate_hz, "acc_range": self.acc_range_g,
                "gyro_range": self.gyro_range_dps, "packed": self.packed}

    def _w(self, *data: int, what: str = "") -> GattWrite:
        return GattWrite(COMMAND, bytes(data), response=False, what=what)

    def _reg(self, module: int) -> int:
        single, packed = DATA_REGS[(self.chip, module)]
        return packed if self.packed else single

    def configure(self) -> list[GattOp]:
        odr = ODR_FLAGS[self.chip] | ODR_CODE[self.rate_hz]
        acc_code = int(ACC_RANGES[self.acc_range_g][0 if self.chip == "bmi160" else 1])
        gyro_code = GYRO_RANGES[self.gyro_range_dps][0]
        return [self._w(ACC, REG_CONFIG, odr, acc_code, what="accelerometer rate/range"),
                self._w(GYRO, REG_CONFIG, odr, gyro_code, what="gyro rate/range")]

    def start(self) -> list[GattOp]:
        return [self._w(ACC, self._reg(ACC), 1, what="subscribe accelerometer"),
                self._w(GYRO, self._reg(GYRO), 1, what="subscribe gyro"),
                self._w(ACC, REG_INTERRUPT, 1, 0, what="enable accelerometer data"),
                self._w(GYRO, REG_INTERRUPT, 1, 0, what="enable gyro data"),
                self._w(GYRO, REG_POWER, 1, what="start gyro"),
                self._w(ACC, REG_POWER, 1, what="start accelerometer")]

    def stop(self) -> list[GattOp]:
        return [self._w(ACC, REG_POWER, 0, what="stop accelerometer"),
                self._w(GYRO, REG_POWER, 0, what="stop gyro"),
                self._w(ACC, REG_INTERRUPT, 0, 1), self._w(GYRO, REG_INTERRUPT, 0, 1),
                self._w(ACC, self._reg(ACC), 0), self._w(GYRO, self._reg(GYRO), 0)]

    def on_reply(self, op: GattWrite, data: bytes) -> Reply | list[GattOp]:
        return Reply.DONE  # nothing here waits for an answer

    def on_read(self, op: GattRead, data: bytes) -> None:
        return None

    def decode(self, char: str, data: bytes) -> list[Frame]:
        if not screen(self.stats, self._warn, char, NOTIFY, data, min_bytes=2):
            return []
        key = (data[0], data[1])
        if key not in self._data:
            self.stats.ignored += 1  # replies to reads, other modules
            return []
        stream, n = self._data[key]
        if len(data) != 2 + 6 * n:
            return reject(self.stats, self._warn,
                          f"{stream} register 0x{data[1]:02x} with {len(data) - 2} payload "
                          f"bytes, expected {6 * n}")
        lsb = self._acc_lsb if stream == "acc" else self._gyro_lsb
        values = scale_int16(bytes(data[2:]), lsb)
        self.stats.samples += n
        return [Frame(stream, values)]


DRIVER_SPEC = DriverSpec(
    kind=KIND, title="MbientLab MetaWear / MetaMotion (BMI160, BMI270)",
    service_uuids=(SERVICE,), name_prefixes=("MetaWear", "MetaMotion"),
    create=MetaWear,
    options_help="chip=bmi160|bmi270, rate=100 (Hz), acc_range=8 (g), gyro_range=1000 (°/s), "
                 "packed=true",
)
