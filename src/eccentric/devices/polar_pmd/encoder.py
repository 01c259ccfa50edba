"""Polar PMD data frames: delta-compressed ACC and GYRO (frame type 0x80) with FACTOR.

Layout (firmware_notes/polar_pmd.md): ``type | uint64 ns since 2000 of the LAST sample |
0x80 | reference sample (3 × int16) | blocks of (bits, count, deltas packed least
significant bit first)``. The emulated device answers the start command with a FACTOR
equal to the simulated converter's LSB, so decoded values equal the simulated ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.devices.packets import (
    IntArray,
    Packet,
    acc_counts,
    by_time,
    gyro_counts,
    runs,
    signed_bits,
)
from eccentric.devices.polar_pmd.driver import MEAS_ACC, MEAS_GYRO, PMD_DATA

# H10 default clock after power-off is 2019-01-01 (notes §1.6); any epoch works.
DEFAULT_BASE_NS = 599_616_000_000_000_000


def pack_lsb_first(values: IntArray, bits: int) -> bytes:
    """Two's-complement ``bits``-wide values, bit 0 first, bytes in order."""
    flat = values.reshape(-1) & ((1 << bits) - 1)
    bit_matrix = (flat[:, None] >> np.arange(bits)) & 1
    return np.packbits(bit_matrix.astype(np.uint8).reshape(-1), bitorder="little").tobytes()


def compress(samples: IntArray, block: int = 16) -> bytes:
    """Reference sample (int16 LE per channel) + delta blocks of ≤ ``block`` samples,
    each with the narrowest width that holds its deltas."""
    ref = samples[0].astype("<i2").tobytes()
    deltas = np.diff(samples, axis=0)
    out = bytearray(ref)
    for a in range(0, len(deltas), block):
        part = deltas[a:a + block]
        bits = signed_bits(part)
        out += bytes([bits, len(part)]) + pack_lsb_first(part, bits)
    return bytes(out)


def frame(measurement: int, stamp_ns: int, samples: IntArray, block: int = 16) -> bytes:
    return (bytes([measurement]) + stamp_ns.to_bytes(8, "little") + b"\x80"
            + compress(samples, block))


def stream_frames(measurement: int, t_s: np.ndarray, counts: IntArray, rate_hz: float,
                  base_ns: int, max_bytes: int) -> list[Packet]:
    """Greedy frames: as many samples as fit ``max_bytes`` (real Verity frames hold
    ~36–71 samples, notes §1.8)."""
    out: list[Packet] = []
    for a, b in runs(t_s, rate_hz):
        i = a
        while i < b:
            n = min(80, b - i)
            while True:
                stamp = base_ns + round(float(t_s[i + n - 1]) * 1e9)
                data = frame(measurement, stamp, counts[i:i + n])
                if len(data) <= max_bytes or n == 1:
                    break
                n = max(1, n - 4)
            out.append(Packet(float(t_s[i + n - 1]), PMD_DATA, data))
            i += n
    return out


def encode(chunk: ImuChunk, *, acc_lsb_g: float, gyro_lsb_dps: float, rate_hz: float,
           base_ns: int = DEFAULT_BASE_NS, max_bytes: int = 229) -> list[Packet]:
    """ACC and GYRO frame streams for a Verity Sense, merged in send order.

    ``max_bytes`` defaults to MTU 232 − 3, the smallest link PMD accepts.
    """
    acc = stream_frames(MEAS_ACC, chunk.t_s, acc_counts(chunk.acc_mps2, acc_lsb_g), rate_hz,
                        base_ns, max_bytes)
    gyro = stream_frames(MEAS_GYRO, chunk.t_s, gyro_counts(chunk.gyro_rads, gyro_lsb_dps),
                         rate_hz, base_ns, max_bytes)
    return by_time(acc, gyro)


def encode_session(chunk: ImuChunk, rate_hz: float, opts: Mapping[str, Any]) -> list[Packet]:
    """A simulated recording as the emulated Verity Sense streams it (``opts``: the
    recording's converter LSB sizes)."""
    return encode(chunk, acc_lsb_g=float(opts["acc_lsb_g"]),
                  gyro_lsb_dps=float(opts["gyro_lsb_dps"]), rate_hz=rate_hz)
