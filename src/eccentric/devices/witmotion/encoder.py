"""WitMotion ``55 61`` packets, one sample each: int16 acc (±16 g), gyro (±2000 °/s) and
the three angles. The emulated device does no fusion, so the angles are zero."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.devices.packets import Packet, acc_counts, gyro_counts
from eccentric.devices.witmotion.driver import ACC_LSB_G, GYRO_LSB_DPS, HEAD_DATA, NOTIFY


def encode(chunk: ImuChunk) -> list[Packet]:
    acc = acc_counts(chunk.acc_mps2, ACC_LSB_G)
    gyro = gyro_counts(chunk.gyro_rads, GYRO_LSB_DPS)
    rows = np.concatenate([acc, gyro, np.zeros((len(chunk), 3), dtype=np.int64)], axis=1)
    raw = rows.astype("<i2")
    return [Packet(float(t), NOTIFY, HEAD_DATA + r.tobytes())
            for t, r in zip(chunk.t_s, raw, strict=True)]


def encode_session(chunk: ImuChunk, rate_hz: float, opts: Mapping[str, Any]) -> list[Packet]:
    """A simulated recording as the emulated WitMotion streams it (one packet a sample)."""
    return encode(chunk)
