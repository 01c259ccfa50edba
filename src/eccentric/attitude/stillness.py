"""When is the sensor at rest? Per-sample stillness from gyro rate and |acc|, and the
streak bookkeeping that carries it across chunks."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from eccentric.core.chunk import FloatArray
from eccentric.core.units import DEG_PER_RAD, STANDARD_GRAVITY_MPS2


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
