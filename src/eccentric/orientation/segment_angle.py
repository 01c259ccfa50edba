"""Segment inclination relative to a calibrated start pose.

The angle is the tilt between the gravity direction now and the gravity direction
during the still start pose, both in the sensor frame. That makes it independent of
how the sensor is rotated on the limb: only the limb's inclination change matters.
For a Nordic curl calibrated upright-kneeling it is the forward lean (0 = upright,
90 = horizontal); for a ball leg curl on the shank it is the shank's rotation from the
extended start.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eccentric.chunk import STANDARD_GRAVITY_MPS2, FloatArray

_DEG = 180.0 / math.pi


def tilt_from_reference_deg(gravity: FloatArray, reference: FloatArray) -> FloatArray:
    """Angle (deg) between each unit gravity vector (n,3) and the unit reference (3,)."""
    cos = np.clip(gravity @ reference, -1.0, 1.0)
    return np.arccos(cos) * _DEG


def tilt_rate_dps(gravity: FloatArray, gyro_rads: FloatArray, reference: FloatArray,
                  angle_deg: FloatArray) -> FloatArray:
    """Signed rate of change of ``tilt_from_reference_deg`` (°/s), from the gyro.

    In the sensor frame gravity rotates as dg/dt = g × ω, so
    dθ/dt = −((g × ω)·g_ref) / sin θ. Near θ = 0 that ratio is ill-conditioned, so it is
    clipped to |g × ω|, the rate at which the gravity direction moves at all. Using the
    gyro rather than differencing the angle adds no filter lag.
    """
    gx, gy, gz = gravity[:, 0], gravity[:, 1], gravity[:, 2]
    wx, wy, wz = gyro_rads[:, 0], gyro_rads[:, 1], gyro_rads[:, 2]
    # np.cross is general but slow for small chunks; spelled out it is several times faster.
    cross = np.stack((gy * wz - gz * wy, gz * wx - gx * wz, gx * wy - gy * wx), axis=1)
    moving = np.sqrt(np.einsum("ij,ij->i", cross, cross)) * _DEG
    sin_t = np.sin(angle_deg / _DEG)
    raw = -(cross @ reference) * _DEG / np.maximum(sin_t, 1e-6)
    return np.clip(raw, -moving, moving)


def still_mask(acc_mps2: FloatArray, gyro_rads: FloatArray, max_rate_dps: float = 6.0,
               max_acc_dev_mps2: float = 0.6) -> npt.NDArray[np.bool_]:
    """Samples where the sensor is plausibly at rest (low rate, |acc| near 1 g)."""
    rate = np.sqrt(np.einsum("ij,ij->i", gyro_rads, gyro_rads)) * _DEG
    acc_dev = np.abs(np.sqrt(np.einsum("ij,ij->i", acc_mps2, acc_mps2)) - STANDARD_GRAVITY_MPS2)
    out: npt.NDArray[np.bool_] = (rate < max_rate_dps) & (acc_dev < max_acc_dev_mps2)
    return out


@dataclass
class Calibration:
    """Reference gravity direction (unit vector, sensor frame) and when it was taken."""

    reference: FloatArray
    t_s: float
    from_still: bool


class StillCalibrator:
    """Finds still periods and proposes the mean gravity during them as the start pose.

    One proposal per still streak, made at the sample where the streak first lasts
    ``min_still_s``, so proposals do not depend on how the stream is chunked. Bounded
    state: a running sum over the current streak only.
    """

    def __init__(self, min_still_s: float = 1.0) -> None:
        self.min_still_s = min_still_s
        self._streak_start: float | None = None
        self._sum = np.zeros(3)
        self._proposed = False

    def update(self, t_s: FloatArray, gravity: FloatArray, still: npt.NDArray[np.bool_]
               ) -> list[tuple[int, Calibration]]:
        """Advance over one chunk; returns (sample index, proposal) pairs in order."""
        out: list[tuple[int, Calibration]] = []
        if len(t_s) == 0:
            return out
        # Walk runs of equal stillness so the loop is per run, not per sample.
        change = np.flatnonzero(np.diff(still.astype(np.int8))) + 1
        bounds = np.concatenate(([0], change, [len(still)]))
        for a, b in itertools.pairwise(bounds.tolist()):
            if not still[a]:
                self._streak_start = None
                self._sum[:] = 0.0
                self._proposed = False
                continue
            if self._streak_start is None:
                self._streak_start = float(t_s[a])
            if self._proposed:
                continue
            reach = int(np.searchsorted(t_s[a:b], self._streak_start + self.min_still_s))
            if reach >= b - a:
                self._sum += gravity[a:b].sum(axis=0)
                continue
            k = a + reach
            self._sum += gravity[a:k + 1].sum(axis=0)
            ref = self._sum / max(float(np.linalg.norm(self._sum)), 1e-12)
            out.append((k, Calibration(ref, float(t_s[k]), True)))
            self._proposed = True
        return out
