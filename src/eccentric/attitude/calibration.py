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
    """Reference gravity direction (unit vector, sensor frame) and when it was taken.

    ``quasi``: learnt from a swaying pose (``SwayCalibrator``), not a still one."""

    reference: FloatArray
    t_s: float
    quasi: bool = False
    # How long the segment had been still when this was proposed (s).
    still_s: float = 0.0


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
        since = self._streak_start if self._streak_start is not None else float(t[0])
        return [(int(k[j]), Calibration(ref[j], float(t[k[j]]),
                                        still_s=float(t[k[j]]) - since))
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


# A pose held on an unstable support sways: one leg on a Swiss ball, a wobbly kneel.
# Its gravity direction oscillates (0.3–1 Hz, a few degrees, up to ~15 °/s) about a mean
# that does not move, so the sensor is never still and StillCalibrator never proposes.
# Measured on simulated sway of 10–15 °/s (benchmarks/onset_sway.py): over 2 s windows
# the halves' means differ by up to ~4°, every sample stays within ~5° of the mean, the
# net rotation rate (mean gyro vector) stays under ~3.5 °/s and |acc| within ~2 m/s² of 1 g.
SWAY_WINDOW_S = 2.0
SWAY_REPEAT_S = 0.5
SWAY_MAX_DRIFT_DEG = 4.5  # halves' mean directions
SWAY_MAX_SPREAD_DEG = 7.0  # any sample from the window's mean
SWAY_MAX_NET_DPS = 4.0  # |mean gyro vector|: sway turns back, a movement does not
SWAY_MAX_ACC_DEV_MPS2 = 2.5  # mean | |acc| − g |: no walking, no big dynamic acceleration
# With this much strict stillness in the window, StillCalibrator had its chance: a slow
# lean below the still rate limit is never taken for sway.
SWAY_MAX_STILL_S = 1.0
# A held pose persists: the window before (SWAY_REPEAT_S earlier) must have passed too,
# with a mean within this (deg). Getting into position (kneeling down, bridging up) does
# not hold one mean for 2.5 s without being still.
SWAY_AGREE_DEG = 2.0


class SwayCalibrator:
    """Proposes the mean gravity of a swaying but held pose ("quasi-still").

    Windows of SWAY_WINDOW_S end at fixed stream times (multiples of SWAY_REPEAT_S), so
    proposals do not depend on chunking; a window is a pose if its gravity direction
    neither drifts nor spreads far, its net rotation is small, |acc| stays near 1 g and
    it was not mostly still. The pose is the mean accelerometer direction over it (sway
    averages out). Bounded state: one window of samples.
    """

    def __init__(self, by_longest_run: bool = False) -> None:
        # How a window's strict stillness is measured against SWAY_MAX_STILL_S: its
        # total (default), or its longest run (ExerciseProfile.sway_still_by_run).
        self.by_longest_run = by_longest_run
        self._t: FloatArray = np.zeros(0)
        self._acc: FloatArray = np.zeros((0, 3))  # accelerometer direction
        self._smooth: FloatArray = np.zeros((0, 3))  # attitude gravity
        self._gyro: FloatArray = np.zeros((0, 3))  # °/s
        self._dev: FloatArray = np.zeros(0)  # | |acc| − g |
        self._still: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        self._next_due: float | None = None
        self._last: tuple[float, FloatArray] | None = None  # last window that passed

    def update(self, t_s: FloatArray, acc_dir: FloatArray, smooth: FloatArray,
               gyro_dps: FloatArray, acc_dev_mps2: FloatArray, still: npt.NDArray[np.bool_]
               ) -> list[tuple[int, Calibration]]:
        """Advance over one chunk; returns (sample index, proposal) pairs in order."""
        out: list[tuple[int, Calibration]] = []
        if len(t_s) == 0:
            return out
        base = len(self._t)
        self._t = np.concatenate((self._t, t_s))
        self._acc = np.concatenate((self._acc, acc_dir))
        self._smooth = np.concatenate((self._smooth, smooth))
        self._gyro = np.concatenate((self._gyro, gyro_dps))
        self._dev = np.concatenate((self._dev, acc_dev_mps2))
        self._still = np.concatenate((self._still, still))
        if self._next_due is None:
            self._next_due = (np.floor(float(t_s[0]) / SWAY_REPEAT_S) + 1) * SWAY_REPEAT_S
        t = self._t
        while self._next_due <= float(t[-1]):
            due = self._next_due
            self._next_due = due + SWAY_REPEAT_S
            if self._next_due == due:  # a time so large (1e92 s) that 0.5 s is lost in it
                self._next_due = float("inf")
                break
            k = int(t.searchsorted(due, side="right")) - 1
            if (k < 0 or float(t[k]) <= due - SWAY_WINDOW_S) and k + 1 < len(t):
                # No sample in this window: neither in any window before the next
                # sample. Skip to it (a long gap, or a corrupt time far ahead, would
                # otherwise cost one empty turn per SWAY_REPEAT_S).
                nxt = float(t[k + 1])
                self._next_due = max(self._next_due,
                                     np.floor(nxt / SWAY_REPEAT_S) * SWAY_REPEAT_S)
                continue
            lo = int(t.searchsorted(due - SWAY_WINDOW_S, side="right"))
            if k - lo < 8 or float(t[lo]) > due - 0.9 * SWAY_WINDOW_S or k < base:
                continue  # not a full window (stream start, gap) or already judged
            cal = self._judge(lo, k)
            last, self._last = self._last, None if cal is None else (due, cal.reference)
            if cal is None or last is None or due - last[0] > 1.5 * SWAY_REPEAT_S:
                continue
            if float(np.degrees(np.arccos(min(1.0, float(last[1] @ cal.reference))))) \
                    <= SWAY_AGREE_DEG:
                out.append((k - base, cal))
        keep = int(t.searchsorted(float(t[-1]) - SWAY_WINDOW_S - 1e-9))
        for name in ("_t", "_acc", "_smooth", "_gyro", "_dev", "_still"):
            setattr(self, name, getattr(self, name)[keep:])
        return out

    def _longest_still_s(self, lo: int, k: int) -> float:
        """The longest run of still samples in [lo, k] (s): StillCalibrator needs one
        run of its min_still_s. Sway that breaks the stillness every few tenths of a
        second gives it none, however much of the window is still."""
        still = self._still[lo:k + 1]
        t = self._t[lo:k + 1]
        best = 0.0
        for a, b in equal_runs(still):
            if still[a]:
                best = max(best, float(t[b - 1] - t[a]))
        return best

    def _judge(self, lo: int, k: int) -> Calibration | None:
        t = self._t[lo:k + 1]
        if self.by_longest_run:
            still_s = self._longest_still_s(lo, k)
        else:
            dt = np.diff(t, append=t[-1])
            still_s = float(dt[self._still[lo:k + 1]].sum())
        if still_s >= SWAY_MAX_STILL_S:
            return None
        if float(self._dev[lo:k + 1].mean()) > SWAY_MAX_ACC_DEV_MPS2:
            return None
        if float(np.linalg.norm(self._gyro[lo:k + 1].mean(axis=0))) > SWAY_MAX_NET_DPS:
            return None
        g = self._smooth[lo:k + 1]
        mean = g.mean(axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-12)
        half = len(g) // 2
        a, b = g[:half].mean(axis=0), g[half:].mean(axis=0)
        cos_ab = float(a @ b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12)
        if np.degrees(np.arccos(min(1.0, max(-1.0, cos_ab)))) > SWAY_MAX_DRIFT_DEG:
            return None
        cos = (g @ mean) / np.maximum(row_norms(g)[:, 0], 1e-12)
        if float(np.degrees(np.arccos(np.clip(cos.min(), -1.0, 1.0)))) > SWAY_MAX_SPREAD_DEG:
            return None
        ref = self._acc[lo:k + 1].mean(axis=0)
        ref /= max(float(np.linalg.norm(ref)), 1e-12)
        return Calibration(ref, float(self._t[k]), quasi=True)
