"""Periodicity analysis of the cycle counter: noise floors, the repetition period, the
dominant axes, and whether the window shows a repetition to lock on.

Works on the analysis window (ring rows, see features.py) that the counter hands in; its
only state is the per-hop feature ranges that tell a live feature from noise.
"""

from __future__ import annotations

import math

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.detect.cycles.bout import Bout
from eccentric.detect.cycles.dsp import (
    acf_at,
    fundamental_score,
    impact_train,
    jerkiness,
    octave_check,
    pick_period,
    principal_axis_from_cov,
    step_regularity,
    vector_autocorrelation,
)
from eccentric.detect.cycles.features import (
    ACCELERATION,
    ROTATION,
    band_columns,
    plain_columns,
)
from eccentric.detect.cycles.settings import CycleSettings


class Periodicity:
    """Period, axes and lock decisions over windows of ring rows at ``work_hz``."""

    def __init__(self, settings: CycleSettings, work_hz: float, window_n: int,
                 hop_n: int, slow_window_n: int | None = None) -> None:
        self.settings = settings
        self.work_hz = work_hz
        self.window_n = window_n
        self.slow_window_n = slow_window_n or window_n
        self.hop_n = hop_n
        self.hop_ranges: list[tuple[float, float]] = []  # per hop: rotation, acc range

    def note_hop(self, rows: FloatArray) -> None:
        """Record the feature ranges of the last hop's ring rows (bounded history)."""
        ranges = np.ptp(rows[:, 1:7], axis=0).tolist()
        self.hop_ranges.append((max(ranges[:3]), max(ranges[3:])))
        del self.hop_ranges[:-(self.slow_window_n // self.hop_n + 1)]

    def slow_candidate(self, win: FloatArray, *, final: bool = False,
                       min_s: float | None = None) -> Bout | None:
        """A new bout of a slow set (periods the normal window cannot show, up to
        slow_period_max_s) over the long
        window ``win``, or None: every live feature and the dominant component must
        repeat at slow_lock_score, over lock_cycles periods. ``min_s``: the shortest
        period searched (default: the longest the normal window can show)."""
        s = self.settings
        max_s = min(s.slow_period_max_s, len(win) / (s.lock_cycles * self.work_hz))
        # From the longest period the normal window can show (lock_cycles of it).
        if min_s is None:
            min_s = min(s.period_max_s, self.window_n / (s.lock_cycles * self.work_hz))
        if max_s <= min_s:
            return None
        period, _, at_t = self.analyse(win, min_s, max_s, octave=False, live_n=len(win))
        if period != period or any(-math.inf < r < s.slow_lock_score for r in at_t):
            return None
        for signal in (ROTATION, ACCELERATION):
            if at_t[signal] == -math.inf:
                continue
            bout = Bout(signal, np.zeros(3), np.zeros(3), period, [], [])
            self.axes(win, bout, period)
            if self.component_score(win, bout, period) >= s.slow_lock_score:
                return bout
        return None

    def lock_candidate(self, win: FloatArray, *, final: bool = False) -> Bout | None:
        """A new bout if the window ``win`` shows a repetition period, else None.

        A period must have been seen lock_cycles times, and while the stream goes on its
        double must also fit in the window (so octave_check can reject a half period).
        At the end of the stream (``final``) that second wait is dropped: nothing more
        will come, and a short set (three reps) never fills the window.
        """
        s = self.settings
        if len(win) < max(2.0 * s.period_min_s * self.work_hz, 2 * self.hop_n):
            return None
        max_s = min(s.period_max_s, len(win) / (s.lock_cycles * self.work_hz))
        period, _, at_t = self.analyse(win, s.period_min_s, max_s, octave=True)
        if period != period:
            return None
        if (not final and 2.0 * period <= s.period_max_s
                and 2.0 * period > len(win) / (2.0 * self.work_hz)):
            return None  # wait until twice the period can be checked (see octave_check)
        # Rotation and acceleration come from the same limb motion, so at the true period
        # both repeat. A feature that is anti-correlated there says the lag is a half
        # period of its cycle (a harmonic of the other feature): not a repetition period.
        if any(r < 0.0 for r in at_t if r > -math.inf):
            return None
        # Rotation first. Acceleration is the fallback for segments that hardly rotate:
        # it is considered when rotation is below its noise floor, or once half a window
        # has passed without rotation becoming periodic (early on, a harmonic of the
        # acceleration is easily mistaken for the period). What must repeat once per
        # period is the dominant component that will be counted, not every axis of the
        # feature (a circling pendulum repeats twice per cycle on its minor axis); the
        # feature as a whole must still repeat at the period (slow random sway can give
        # one projection a spurious single-cycle look).
        bout = Bout(ROTATION, np.zeros(3), np.zeros(3), period, [], [])
        score = -math.inf
        if at_t[ROTATION] >= s.lock_score:
            self.axes(win, bout, period)
            score = self.component_score(win, bout, period)
        if score < s.lock_score:
            if at_t[ACCELERATION] < s.lock_score or not (
                    at_t[ROTATION] == -math.inf or len(win) >= self.window_n // 2):
                return None
            bout = Bout(ACCELERATION, np.zeros(3), np.zeros(3), period, [], [])
            self.axes(win, bout, period)
            if self.component_score(win, bout, period) < s.lock_score:
                return None
        return bout

    def walking(self, win: FloatArray, *, final: bool = False) -> int | None:
        """Whether the end of ``win`` looks like walking (the gait rule in settings.py):
        None if not, else how many rows at the end of ``win`` follow the last heel strike.

        Judged on the last gait_window_s of continuous rows; on fewer (at least
        gait_min_s) while the stream goes on, so a lock that could be walking waits until
        there is enough to tell. At the end of the stream a short stretch is not walking
        (a few step-ups are not a walk).
        """
        s = self.settings
        n = round(s.gait_window_s * self.work_hz)
        rows = win[-n:]
        if len(rows) < n and (final or len(rows) < s.gait_min_s * self.work_hz):
            return None
        # Cheap gate first: a magnitude with a standard deviation of gait_min_std_mps2
        # moves at least that much on some axis of the acceleration within some hop.
        hops = self.hop_ranges[-max(1, n // self.hop_n):]
        if max((h[1] for h in hops), default=math.inf) < s.gait_min_std_mps2:
            return None
        if rows[-1, 0] - rows[0, 0] > 1.2 * len(rows) / self.work_hz:
            return None  # holes in the data: not continuous walking
        acc = rows[:, plain_columns(ACCELERATION)]
        mag = np.sqrt(np.einsum("ij,ij->i", acc, acc))
        if float(np.std(mag)) < s.gait_min_std_mps2 or jerkiness(mag) < s.gait_jerkiness:
            return None
        step_s, regularity = step_regularity(mag, self.work_hz, 1.0 / s.gait_cadence_max_hz,
                                             1.0 / s.gait_cadence_min_hz, impacts=True)
        if not regularity >= s.gait_regularity:
            return None
        # Limbs and trunk turn once per stride (two steps): their rotation is opposite
        # one step apart. A set of quick reps with a sharp turn once per rep repeats at
        # the same lag as its transients instead.
        rot = rows[:, band_columns(ROTATION)]
        k = round(step_s * self.work_hz)
        a, b = rot[:-k] - rot[:-k].mean(axis=0), rot[k:] - rot[k:].mean(axis=0)
        den = math.sqrt(float(np.einsum("ij,ij->", a, a)) * float(np.einsum("ij,ij->", b, b)))
        if den > 0.0 and float(np.einsum("ij,ij->", a, b)) / den > s.gait_step_rotation:
            return None
        # The last heel strike: the last transient of at least a fifth of the typical one.
        train = impact_train(mag)
        strong = np.flatnonzero(train >= 0.2 * float(np.percentile(train, 95.0)))
        return len(rows) - 1 - int(strong[-1]) if strong.size else 0

    def refresh(self, win: FloatArray, bout: Bout) -> None:
        """Re-estimate the period (while still periodic) and the axes of the locked feature
        over the window ``win``."""
        s = self.settings
        # Track the period near its current value: a jump to a multiple (or half) of it
        # is an autocorrelation octave error far more often than a real tempo change
        # (irregular tempo can make 2T look as good as T), so no octave check here.
        top = s.slow_period_max_s if bout.period_s > s.period_max_s else s.period_max_s
        period, scores, _ = self.analyse(win, bout.period_s / s.track_ratio,
                                         min(bout.period_s * s.track_ratio, top),
                                         octave=False)
        if period == period and scores[bout.signal] >= 0.5 * s.lock_score:
            bout.period_s = period
        self.axes(win, bout, bout.period_s)

    def live(self, n: int | None = None) -> tuple[bool, bool]:
        """Whether rotation / acceleration moved more than their noise floor in the last
        ``n`` rows (default: the window), from per-hop ranges, so idle periods cost no
        autocorrelation."""
        hops = self.hop_ranges[-max(1, (n or self.window_n) // self.hop_n):]
        rot = max((h[0] for h in hops), default=0.0)
        acc = max((h[1] for h in hops), default=0.0)
        return rot >= self.settings.floor_rotation_rad, acc >= self.settings.floor_acc_mps2

    def analyse(self, win: FloatArray, min_s: float, max_s: float, *, octave: bool,
                live_n: int | None = None) -> tuple[float, list[float], list[float]]:
        """Common period (searched in [min_s, max_s], then octave-checked if ``octave``)
        of the live features over ``win``.

        Returns (period_s, fundamental score per feature, autocorrelation at the period per
        feature), indexed by ROTATION/ACCELERATION; features below their noise floor
        get -inf. The common autocorrelation is the mean over the live features.
        """
        s = self.settings
        # Lags up to max_s, and up to the longest doubled period octave_check looks at.
        max_lag = int(max(max_s, 1.15 * min(s.period_max_s, 2.0 * max_s)) * self.work_hz) + 2
        alive = self.live(live_n or len(win))
        dead = [-math.inf, -math.inf]
        if not any(alive):
            return math.nan, dead, dead
        both = vector_autocorrelation(win[:, 1:7], max_lag, groups=2)
        acfs: list[FloatArray | None] = [both[:, sig] if alive[sig] else None
                                         for sig in (ROTATION, ACCELERATION)]
        common = both.mean(axis=1) if all(alive) else both[:, 0 if alive[0] else 1]
        period, _ = pick_period(common, self.work_hz, min_s, max_s, len(win),
                                s.peak_tolerance)
        if period != period:
            return math.nan, dead, dead
        lag = period * self.work_hz
        # A period is doubled only when the features disagree at it: a two-humped rep
        # repeats at half its period in one feature and not in the other. When every live
        # feature repeats cleanly once per lag, the lag is the repetition; a higher
        # correlation at twice the lag is then the window's chance (held reps with sharp
        # edges decorrelate with any tempo jitter, and a lag of 2T overlaps few cycles).
        if octave and min(fundamental_score(a, lag) for a in acfs if a is not None
                          ) < s.lock_score:
            period = octave_check(common, period, self.work_hz,
                                  min(s.period_max_s, len(win) / (2.0 * self.work_hz)),
                                  s.octave_margin)
            lag = period * self.work_hz
        scores = [-math.inf if a is None else fundamental_score(a, lag) for a in acfs]
        at_t = [-math.inf if a is None else acf_at(a, lag) for a in acfs]
        return period, scores, at_t

    def axes(self, win: FloatArray, bout: Bout, period_s: float) -> None:
        """Principal axes of the locked feature and of rotation over the last 3 periods.

        Computed on sample-to-sample differences, which removes slow drift (posture
        changes) that would otherwise tilt the axis; a movement that swings along an axis
        also changes along it.
        """
        recent = win[-int(min(len(win), 3.0 * period_s * self.work_hz)):, 1:7]
        step = recent[1:] - recent[:-1]
        cov = step.T @ step
        locked = bool(bout.axis.any())  # all zeros until the first estimate
        k = 3 * bout.signal
        bout.axis = principal_axis_from_cov(cov[k:k + 3, k:k + 3],
                                            bout.axis if locked else None)
        if bout.signal == ROTATION:
            bout.rot_axis = bout.axis
        else:
            bout.rot_axis = principal_axis_from_cov(cov[:3, :3],
                                                    bout.rot_axis if locked else None)

    def component_score(self, win: FloatArray, bout: Bout, period_s: float) -> float:
        """Fundamental score of the dominant component (the feature on its axis)."""
        cols = band_columns(bout.signal)
        x = (win[:, cols] @ bout.axis)[:, None]
        acf = vector_autocorrelation(x, int(period_s * self.work_hz) + 2)[:, 0]
        return fundamental_score(acf, period_s * self.work_hz)
