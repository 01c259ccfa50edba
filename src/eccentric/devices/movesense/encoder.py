"""Movesense GSP ``/Meas/IMU6`` updates: uint32 ms stamp of the first sample, N
accelerometer then N gyro float32 vectors (m/s², °/s), split into a DATA (type 2) and a
DATA_PART2 (type 3) notification when longer than the link allows (the firmware
sample's MTU is 161, i.e. 158-byte notifications)."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.devices.movesense.driver import (
    DATA,
    DEFAULT_REF,
    MSG_DATA,
    MSG_DATA_PART2,
    SAMPLES_PER_UPDATE,
)
from eccentric.devices.packets import Packet, packets_of, runs


def encode(chunk: ImuChunk, *, rate_hz: float, per_update: int = SAMPLES_PER_UPDATE,
           ref: int = DEFAULT_REF, max_bytes: int = 158, base_ms: int = 0) -> list[Packet]:
    out: list[Packet] = []
    for a, b in runs(chunk.t_s, rate_hz):
        for i, j in packets_of(a, b, per_update):
            stamp = base_ms + round(float(chunk.t_s[i]) * 1000.0)
            acc = chunk.acc_mps2[i:j].astype("<f4").tobytes()
            gyro = np.degrees(chunk.gyro_rads[i:j]).astype("<f4").tobytes()
            payload = struct.pack("<I", stamp) + acc + gyro
            room = max_bytes - 2
            t = float(chunk.t_s[j - 1])
            out.append(Packet(t, DATA, bytes([MSG_DATA, ref]) + payload[:room]))
            if len(payload) > room:
                out.append(Packet(t, DATA, bytes([MSG_DATA_PART2, ref]) + payload[room:]))
    return out


def encode_session(chunk: ImuChunk, rate_hz: float, opts: Mapping[str, Any]) -> list[Packet]:
    """A simulated recording as the emulated Movesense streams it (``opts``: ``ref``)."""
    return encode(chunk, rate_hz=rate_hz, ref=int(opts.get("ref", DEFAULT_REF)))
