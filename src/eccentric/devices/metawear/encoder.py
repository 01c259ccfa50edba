"""MetaWear notifications: packed accelerometer (``03 1C``) and gyro (``13 07``) data,
three int16 samples each, as a BMI160 board streams them (firmware_notes/metawear.md).

BMI270 boards use registers ``03 05`` and ``13 05`` for the packed data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.devices.base import Stream
from eccentric.devices.metawear.driver import (
    DATA_REGS,
    DEFAULT_CHIP,
    MODULES,
    NOTIFY,
    PACKED_SAMPLES,
)
from eccentric.devices.packets import (
    IntArray,
    Packet,
    acc_counts,
    by_time,
    gyro_counts,
    packets_of,
    runs,
)


def stream(kind: Stream, t_s: np.ndarray, counts: IntArray, rate_hz: float,
           chip: str) -> list[Packet]:
    single, packed = DATA_REGS[(chip, MODULES[kind])]
    out: list[Packet] = []
    for a, b in runs(t_s, rate_hz):
        for i, j in packets_of(a, b, PACKED_SAMPLES):
            reg = packed if j - i == PACKED_SAMPLES else single
            if reg == single:  # a leftover sample or two: one notification each
                for k in range(i, j):
                    data = bytes([MODULES[kind], single]) + counts[k].astype("<i2").tobytes()
                    out.append(Packet(float(t_s[k]), NOTIFY, data))
                continue
            data = bytes([MODULES[kind], reg]) + counts[i:j].astype("<i2").tobytes()
            out.append(Packet(float(t_s[j - 1]), NOTIFY, data))
    return out


def encode(chunk: ImuChunk, *, acc_lsb_g: float, gyro_lsb_dps: float, rate_hz: float,
           chip: str = DEFAULT_CHIP) -> list[Packet]:
    acc = stream("acc", chunk.t_s, acc_counts(chunk.acc_mps2, acc_lsb_g), rate_hz, chip)
    gyro = stream("gyro", chunk.t_s, gyro_counts(chunk.gyro_rads, gyro_lsb_dps), rate_hz,
                  chip)
    return by_time(acc, gyro)


def encode_session(chunk: ImuChunk, rate_hz: float, opts: Mapping[str, Any]) -> list[Packet]:
    """A simulated recording as the emulated MetaMotion streams it (``opts``: the
    recording's converter LSB sizes and ``chip``)."""
    return encode(chunk, acc_lsb_g=float(opts["acc_lsb_g"]),
                  gyro_lsb_dps=float(opts["gyro_lsb_dps"]), rate_hz=rate_hz,
                  chip=str(opts.get("chip", DEFAULT_CHIP)))
