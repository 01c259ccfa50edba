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
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eccentric.attitude.vectors import cross_rows, row_norms
from eccentric.core.chunk import FloatArray
from eccentric.core.units import DEG_PER_RAD, STANDARD_GRAVITY_MPS2


def tilt_from_reference_deg(gravity: FloatArray, reference: FloatArray) -> FloatArray:
    """Angle (deg) between each unit gravity vector (n,3) and the unit reference (3,)."""
    # Array methods rather than np.clip, np.cumsum, ... in the per-chunk code here and
    # in fusion.py: the same operations without the function wrappers' overhead.
    cos = (gravity @ reference).clip(-1.0, 1.0)
    out: FloatArray = np.arccos(cos) * DEG_PER_RAD
    return out


def tilt_rate_dps(gravity: FloatArray, gyro_rads: FloatArray, reference: FloatArray,
                  angle_deg: FloatArray) -> FloatArray:
    """Signed rate of change of ``tilt_from_reference_deg`` (°/s), from the gyro.

    In the sensor frame gravity rotates as dg/dt = g × ω, so
    dθ/dt = −((g × ω)·g_ref) / sin θ. Near θ = 0 that ratio is ill-conditioned, so it is
    clipped to |g × ω|, the rate at which the gravity direction moves at all. Using the
    gyro rather than differencing the angle adds no filter lag.
    """
    cross = cross_rows(gravity, gyro_rads)
    moving = np.sqrt(np.einsum("ij,ij->i", cross, cross)) * DEG_PER_RAD
    sin_t = np.sin(angle_deg / DEG_PER_RAD)
    raw = -(cross @ reference) * DEG_PER_RAD / np.maximum(sin_t, 1e-6)
    out: FloatArray = raw.clip(-moving, moving)
    return out


def equal_runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, stop) of each run of equal values in a non-empty mask, in order."""
    change = (mask[1:] != mask[:-1]).nonzero()[0] + 1
    return list(itertools.pairwise([0, *change.tolist(), len(mask)]))


def still_mask(acc_mps2: FloatArray, gyro_rads: FloatArray, max_rate_dps: float = 4.5,
               max_acc_dev_mps2: float = 1.5) -> npt.NDArray[np.bool_]:
    """Samples where the sensor is plausibly at rest (low rate, |acc| near 1 g).

    4.5 °/s leaves room for an unlearnt gyro bias of ~2 °/s plus the tremor of a
    single-leg bridge; slow movements that pass it are caught by the calibrator's
    creep limit (a pose must not turn by more than MAX_CREEP_DEG while it is learnt).
    1.5 m/s² (~150 mg) around 1 g tolerates the zero-g offsets of cheap accelerometers
    (±40–100 mg) without letting a walking step pass.
    """
    rate = np.sqrt(np.einsum("ij,ij->i", gyro_rads, gyro_rads)) * DEG_PER_RAD
    acc_dev = np.abs(np.sqrt(np.einsum("ij,ij->i", acc_mps2, acc_mps2)) - STANDARD_GRAVITY_MPS2)
    out: npt.NDArray[np.bool_] = (rate < max_rate_dps) & (acc_dev < max_acc_dev_mps2)
    return out


class StillDetector:
    """``still_mask`` on a trailing 0.25 s mean of the signals, streamed.

    Averaging the gyro *vector* removes sensor noise (which would break a still streak
    at random) but keeps any real rotation and the uncorrected part of the bias.
    """

    def __init__(self, rate_hz: float, window_s: float = 0.25) -> None:
        self.width = max(1, round(window_s * rate_hz))
        self._acc_tail = np.zeros((0, 3))
        self._gyro_tail = np.zeros((0, 3))

    def update(self, acc_mps2: FloatArray, gyro_rads: FloatArray) -> npt.NDArray[np.bool_]:
        # Each signal on its own: interleaving them into one (n, 6) array costs more than
        # the window sums, and every column's running sum is the same either way.
        acc_mean, self._acc_tail = self._trailing_mean(self._acc_tail, acc_mps2)
        gyro_mean, self._gyro_tail = self._trailing_mean(self._gyro_tail, gyro_rads)
        return still_mask(acc_mean, gyro_mean)

    def _trailing_mean(self, tail: FloatArray, new: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Mean of the last ``width`` rows up to each new row, and the tail to carry on."""
        x = np.concatenate((tail, new))
        c = np.concatenate((np.zeros((1, x.shape[1])), x)).cumsum(axis=0)
        # c[i] sums x[:i]; the new rows' windows end at rows first..len(x) of c.
        first = len(x) - len(new) + 1
        if first >= self.width:
            # A full window behind every new row (always, once the tail is filled):
            # plain slices instead of gathering rows by index.
            mean = (c[first:] - c[first - self.width:len(c) - self.width]) / self.width
        else:
            hi = np.arange(first, len(c))
            lo = np.maximum(hi - self.width, 0)
            mean = (c[hi] - c[lo]) / (hi - lo)[:, None]
        return mean, x[-(self.width - 1):] if self.width > 1 else x[:0]


@dataclass
class Calibration:
    """Reference gravity direction (unit vector, sensor frame) and when it was taken."""

    reference: FloatArray
    t_s: float


# Largest tilt change (deg) between the first and last fifth of a calibration window;
# ~0.5 °/s of sway passes, the start of a slow lean does not.
MAX_CREEP_DEG = 0.7


class StillCalibrator:
    """Finds still periods and proposes the mean gravity during them as the start pose.

    Proposals come at fixed points of a still streak (after ``min_still_s``, then every
    ``repeat_s``), so they do not depend on how the stream is chunked; the pipeline
    accepts one only while no rep is in progress. Each is the mean over the last
    ``min_still_s``, which follows the attitude filter while it is still settling after
    a large movement. Bounded state: at most ``min_still_s`` of samples.
    """

    def __init__(self, min_still_s: float = 1.0, repeat_s: float = 0.5) -> None:
        self.min_still_s = min_still_s
        self.repeat_s = repeat_s
        self._streak_start: float | None = None
        self._next_due = 0.0
        self._t: FloatArray = np.zeros(0)
        self._g: FloatArray = np.zeros((0, 3))

    def _proposals(self, due: FloatArray) -> list[tuple[int, Calibration]]:
        """Proposals at the due times (indices into the streak buffer), vectorised.

        Each is the mean over the last ``min_still_s``; one whose first and last fifths
        differ by more than MAX_CREEP_DEG is dropped — a pose is only "still" if it did
        not creep (the very start of a slow Nordic lean passes the rate test but turns
        the thigh by degrees).
        """
        t, g = self._t, self._g
        cs = np.concatenate((np.zeros((1, 3)), g.cumsum(axis=0)))
        k = np.minimum(t.searchsorted(due), len(t) - 1)
        lo = t.searchsorted(t[k] - self.min_still_s, side="right")
        q = np.maximum((k + 1 - lo) // 5, 1)
        first = cs[lo + q] - cs[lo]
        last = cs[k + 1] - cs[k + 1 - q]
        mean = cs[k + 1] - cs[lo]
        cos = np.einsum("ij,ij->i", first, last) / np.maximum(
            row_norms(first)[:, 0] * row_norms(last)[:, 0], 1e-12)
        creep = np.degrees(np.arccos(cos.clip(-1.0, 1.0)))
        ref = mean / np.maximum(row_norms(mean), 1e-12)
        return [(int(k[j]), Calibration(ref[j], float(t[k[j]])))
                for j in (creep <= MAX_CREEP_DEG).nonzero()[0]]

    def update(self, t_s: FloatArray, gravity: FloatArray, still: npt.NDArray[np.bool_]
               ) -> list[tuple[int, Calibration]]:
        """Advance over one chunk; returns (sample index, proposal) pairs in order.

        ``gravity``: unit "up" vectors in the sensor frame (accelerometer direction).
        """
        out: list[tuple[int, Calibration]] = []
        if len(t_s) == 0:
            return out
        # Walk runs of equal stillness so the loop is per run, not per sample.
        for a, b in equal_runs(still):
            if not still[a]:
                self._streak_start = None
                self._t = self._t[:0]
                self._g = self._g[:0]
                continue
            if self._streak_start is None:
                self._streak_start = float(t_s[a])
                self._next_due = self._streak_start + self.min_still_s
            base = len(self._t)
            self._t = np.concatenate((self._t, t_s[a:b]))
            self._g = np.concatenate((self._g, gravity[a:b]))
            due = np.arange(self._next_due, float(t_s[b - 1]) + 1e-12, self.repeat_s)
            if len(due):
                out.extend((a + k - base, cal) for k, cal in self._proposals(due))
            if len(due):
                self._next_due = float(due[-1]) + self.repeat_s
            keep = self._t.searchsorted(float(self._t[-1]) - self.min_still_s - 1e-9)
            self._t = self._t[keep:]
            self._g = self._g[keep:]
        return out
