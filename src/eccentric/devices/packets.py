"""Raw notification streams of real device protocols, built from simulated sessions.

Each module encodes an :class:`~eccentric.core.chunk.ImuChunk` the way one sensor family would
send it over BLE (packet layout, samples per notification, device timestamps), so the
BLE drivers and the emulated BlueZ (``eccentric.sim.bluez``) can be tested
end to end without hardware. Decoding is the drivers' job (``eccentric.ble``);
the encoders here are written independently from the same protocol notes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eccentric.core.chunk import FloatArray
from eccentric.core.units import STANDARD_GRAVITY_MPS2

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Packet:
    """One notification: sent at session time ``t_s`` (its newest sample's time)."""

    t_s: float
    char: str
    data: bytes


def acc_counts(acc_mps2: FloatArray, lsb_g: float, bits: int = 16) -> IntArray:
    """Integer counts of a converter with ``lsb_g`` g per count (clipped to ``bits``)."""
    lim = (1 << (bits - 1)) - 1
    out: IntArray = np.clip(np.rint(acc_mps2 / (lsb_g * STANDARD_GRAVITY_MPS2)),
                            -lim - 1, lim).astype(np.int64)
    return out


def gyro_counts(gyro_rads: FloatArray, lsb_dps: float, bits: int = 16) -> IntArray:
    lim = (1 << (bits - 1)) - 1
    out: IntArray = np.clip(np.rint(np.degrees(gyro_rads) / lsb_dps), -lim - 1,
                            lim).astype(np.int64)
    return out


def runs(t_s: FloatArray, rate_hz: float) -> list[tuple[int, int]]:
    """[start, stop) index ranges without gaps (spacing ≤ 1.5 periods): a device never
    puts a loss inside one packet, so packets are cut at gaps."""
    if len(t_s) == 0:
        return []
    cut = np.flatnonzero(np.diff(t_s) > 1.5 / rate_hz) + 1
    edges = [0, *cut.tolist(), len(t_s)]
    return list(itertools.pairwise(edges))


def packets_of(start: int, stop: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, stop)) for a in range(start, stop, size)]


def by_time(*streams: list[Packet]) -> list[Packet]:
    """Merge packet lists in send order (stable: equal times keep argument order)."""
    merged = [p for s in streams for p in s]
    order = sorted(range(len(merged)), key=lambda i: (merged[i].t_s, i))
    return [merged[i] for i in order]


def signed_bits(values: IntArray) -> int:
    """Smallest two's-complement width holding every value (at least 1)."""
    if values.size == 0:
        return 1
    hi = int(max(values.max(), -values.min() - 1, 0))
    return hi.bit_length() + 1 if hi else 1
