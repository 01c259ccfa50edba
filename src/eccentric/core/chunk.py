"""Timed IMU chunks: the one data type every source produces and every stage consumes.

Units are SI throughout: time in seconds, specific force in m/s², angular rate in rad/s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eccentric.core.errors import InputFormatError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ImuChunk:
    """A block of consecutive samples.

    ``t_s`` has shape (n,), ``acc_mps2`` and ``gyro_rads`` shape (n, 3).
    """

    t_s: FloatArray
    acc_mps2: FloatArray
    gyro_rads: FloatArray

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @classmethod
    def from_arrays(
        cls,
        t_s: npt.ArrayLike,
        acc_mps2: npt.ArrayLike,
        gyro_rads: npt.ArrayLike,
        source: str = "chunk",
    ) -> ImuChunk:
        """Build a chunk, checking shapes and finiteness; ``source`` names it in errors."""
        t = np.ascontiguousarray(t_s, dtype=np.float64).reshape(-1)
        acc = np.ascontiguousarray(acc_mps2, dtype=np.float64)
        gyro = np.ascontiguousarray(gyro_rads, dtype=np.float64)
        n = t.shape[0]
        for name, arr in (("acc_mps2", acc), ("gyro_rads", gyro)):
            if arr.ndim != 2 or arr.shape != (n, 3):
                raise InputFormatError(
                    f"{source}: {name} has shape {arr.shape}, expected ({n}, 3) to match t_s"
                )
        if not (np.isfinite(t).all() and np.isfinite(acc).all() and np.isfinite(gyro).all()):
            bad = ~(np.isfinite(t) & np.isfinite(acc).all(axis=1)
                    & np.isfinite(gyro).all(axis=1))
            i = int(np.flatnonzero(bad)[0])
            raise InputFormatError(f"{source}: sample {i} has a non-finite value")
        return cls(t, acc, gyro)

    def slice(self, start: int, stop: int | None = None) -> ImuChunk:
        return ImuChunk(self.t_s[start:stop], self.acc_mps2[start:stop], self.gyro_rads[start:stop])

    def select(self, mask: npt.NDArray[np.bool_]) -> ImuChunk:
        return ImuChunk(self.t_s[mask], self.acc_mps2[mask], self.gyro_rads[mask])


def concat(chunks: list[ImuChunk]) -> ImuChunk:
    """Join chunks end to end (no re-ordering)."""
    if not chunks:
        empty = np.zeros((0, 3))
        return ImuChunk(np.zeros(0), empty, empty.copy())
    return ImuChunk(
        np.concatenate([c.t_s for c in chunks]),
        np.concatenate([c.acc_mps2 for c in chunks]),
        np.concatenate([c.gyro_rads for c in chunks]),
    )


def iter_chunks(chunk: ImuChunk, chunk_s: float = 0.5) -> Iterator[ImuChunk]:
    """Cut a long chunk into stream-sized pieces of about ``chunk_s`` seconds."""
    t = chunk.t_s
    if len(t) == 0:
        return
    # Cut where the piece index changes: unlike a grid of cut times, this costs nothing
    # when a corrupt time stamp (1e300) makes the span absurd.
    with np.errstate(over="ignore", invalid="ignore"):
        piece = np.floor((t - t[0]) / chunk_s)
    edges = np.append(np.flatnonzero(piece[1:] != piece[:-1]) + 1, len(t))
    start = 0
    for stop in edges:
        if stop > start:
            yield chunk.slice(start, int(stop))
            start = int(stop)
