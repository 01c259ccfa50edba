"""The start pose: the mean gravity direction over a still period, proposed at fixed
points of each still streak so the choice does not depend on chunking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from eccentric.attitude.stillness import equal_runs
from eccentric.attitude.vectors import row_norms
from eccentric.core.chunk import FloatArray


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
