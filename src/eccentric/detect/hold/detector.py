"""The online hold detector: rest in the start pose → away → hold → away/rest.

It runs on block means (``decimate_hz``) of the segment tilt from the start pose,
smoothed over ``smooth_s``. The tilt comes from its own complementary filter (gyro,
pulled toward the accelerometer over ``gravity_tau_s``): a hold is nearly still, so the
accelerometer is gravity on average, while the pipeline's attitude filter rejects it
under plank sway and tremor and its gyro integration drifted by up to 20° over a minute
of simulated hold. The start pose for it is the direction learnt while the pipeline's
angle says "at rest". Each smoothed value is stamped with the mean time of its window,
so crossings carry no smoothing delay. A hold is recognised once the smoothed tilt is
steady inside the hold range, and decided as soon as the tilt is back near the start
pose after falling below ``boundary_fraction`` of its running level (or stays below it
longer than a hip dip, or leaves for another pose); its end is that crossing. Memory
is bounded: a ring of recent blocks, a handful of sums per hold.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from eccentric.core.events import Hold, Rep
from eccentric.detect.base import MotionFrame, NonRep, RepSpec
from eccentric.detect.hold.settings import HoldSettings
from eccentric.detect.hold.signal import (
    Blocks,
    DipState,
    Vec3,
    angle_between_deg,
    block_means,
    complementary_step,
    crossing_time,
    dip_step,
    ema_step,
    rise_after_low_s,
    rms_about_mean,
    unit,
)

Output = Rep | NonRep | Hold
# Entry history kept while away from the start pose (s): getting into a side plank
# from side-lying takes 1–5 s; 20 s leaves room for a slow, hesitant one.
HISTORY_S = 20.0


@dataclass(slots=True)
class _Sample:
    """One smoothed block: the window's mean time and tilt, and the block's own values."""

    t_s: float
    s_deg: float
    block_t_s: float
    block_deg: float


@dataclass(slots=True)
class _Open:
    """The hold being timed."""

    recognised_s: float
    entry: list[_Sample]  # history before recognition (for the start boundary)
    level_deg: float  # running level (EMA of the smoothed tilt), frozen in a dip
    level_sum: float = 0.0  # smoothed tilt summed over the first level_s
    level_n: int = 0
    dips: int = 0
    dip: DipState = field(default_factory=DipState)
    n: int = 0  # blocks folded into the sway sums
    angle_sum: float = 0.0
    angle_sq_sum: float = 0.0
    pending: deque[_Sample] | None = None  # blocks not yet folded into the sums
    gap: bool = False
    below_s: float | None = None  # when the tilt fell below the end level (if still below)


class HoldDetector:
    """Streaming detector of timed holds (Detector protocol; outputs are Hold/NonRep)."""

    def __init__(self, settings: HoldSettings, spec: RepSpec, rate_hz: float) -> None:
        self.settings = settings
        self.exercise = spec.exercise
        self._k = max(1, round(rate_hz / settings.decimate_hz))
        self._dt = self._k / rate_hz
        self._carry: Blocks | None = None
        n_smooth = max(1, round(settings.smooth_s / self._dt))
        self._window: deque[tuple[float, float, Vec3]] = deque(maxlen=n_smooth)
        # Running sums over the window: the pipeline's angle, the gravity direction.
        self._sum_f = 0.0
        self._sum_g: Vec3 = (0.0, 0.0, 0.0)
        self._history: deque[_Sample] = deque(maxlen=max(2, round(HISTORY_S / self._dt)))
        self._state = "rest"
        self._away_since: float | None = None
        self._settled_off_since: float | None = None
        self._open: _Open | None = None
        self._last: _Sample | None = None
        # The start pose as a unit specific-force direction (sensor frame); None until
        # learnt from a block at rest.
        self._ref: Vec3 | None = None
        # It follows slow changes of the rest pose with this time constant (s).
        self._ref_tau_s = 2.0
        self._g: Vec3 | None = None  # the complementary filter's gravity direction

    # --- protocol --------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """In a hold, or away from the start pose no further than a hold pose may be.
        Further away (sitting up, rolling over) is a new pose to learn, not a hold."""
        if self._state == "hold":
            return True
        return (self._state == "away" and self._last is not None
                and self._last.s_deg <= self.settings.max_level_deg)

    @property
    def phase(self) -> str:
        return self._state

    def settle(self, t_s: float, still_s: float) -> list[Rep | NonRep]:
        return []  # a hold *is* a still pose kept: stillness never ends an attempt

    def on_recalibrated(self, t_s: float) -> None:
        if self._state == "hold":
            return  # the pipeline does not move the start pose while busy
        self._state = "rest"
        self._clear_window()
        self._history.clear()
        self._away_since = self._settled_off_since = None
        self._ref = None

    def update(self, frame: MotionFrame) -> Sequence[Output]:
        if len(frame) == 0:
            return []
        if frame.gaps and self._open is not None:
            self._open.gap = True
        blocks, self._carry = block_means(frame.t_s, frame.angle_deg, frame.acc_mps2,
                                          frame.gyro_rads, self._k, self._carry)
        out: list[Output] = []
        tau = self.settings.gravity_tau_s
        for t_b, a_b, acc, gyro in zip(blocks.t_s.tolist(), blocks.angle_deg.tolist(),
                                       blocks.acc_dir.tolist(), blocks.gyro_rads.tolist(),
                                       strict=True):
            acc3: Vec3 = (acc[0], acc[1], acc[2])
            self._g = acc3 if self._g is None else complementary_step(
                self._g, (gyro[0], gyro[1], gyro[2]), acc3, self._dt, tau)
            out.extend(self._step(t_b, a_b, self._g))
        return out

    def finish(self) -> Sequence[Output]:
        if self._open is None or self._last is None:
            return []
        return self._close(self._last.t_s, self._last.t_s, flag="stream_end")

    # --- one smoothed block ----------------------------------------------------------

    def _clear_window(self) -> None:
        self._window.clear()
        self._sum_f = 0.0
        self._sum_g = (0.0, 0.0, 0.0)

    def _tilt(self, filter_deg: float, g: Vec3) -> float:
        """Tilt (deg) of a smoothed gravity direction from the start pose."""
        at_rest = self._state == "rest" and filter_deg < self.settings.onset_deg
        if self._ref is None:
            if not at_rest:
                return filter_deg  # no pose of its own yet: the pipeline's angle
            self._ref = g
        tilt = angle_between_deg(g, self._ref)
        if at_rest and tilt < self.settings.onset_deg:
            a = self._dt / self._ref_tau_s
            r = self._ref
            self._ref = unit((r[0] + a * (g[0] - r[0]), r[1] + a * (g[1] - r[1]),
                              r[2] + a * (g[2] - r[2])))
        return tilt

    def _step(self, t_block: float, filter_deg: float, g: Vec3) -> list[Output]:
        s = self.settings
        if len(self._window) == self._window.maxlen:
            _, f_old, g_old = self._window[0]
            self._sum_f -= f_old
            self._sum_g = (self._sum_g[0] - g_old[0], self._sum_g[1] - g_old[1],
                           self._sum_g[2] - g_old[2])
        self._window.append((t_block, filter_deg, g))
        self._sum_f += filter_deg
        self._sum_g = (self._sum_g[0] + g[0], self._sum_g[1] + g[1], self._sum_g[2] + g[2])
        n = len(self._window)
        t_s = (self._window[0][0] + self._window[-1][0]) / 2.0  # evenly spaced blocks
        x = self._tilt(self._sum_f / n, unit(self._sum_g))
        sample = _Sample(t_s, x, t_block, x)
        previous, self._last = self._last, sample
        if self._state == "hold":
            return self._in_hold(sample, previous)
        if self._state == "released":
            if x < s.onset_deg:
                self._state = "rest"
            return []
        if self._state == "rest":
            if x > s.onset_deg:
                self._state, self._away_since = "away", t_s
                self._history.clear()
                if previous is not None:
                    self._history.append(previous)
            else:
                return []
        self._history.append(sample)
        if x < s.onset_deg:
            self._state = "rest"
            self._settled_off_since = None
            return []
        return self._away(sample)

    def _away(self, sample: _Sample) -> list[Output]:
        """Away from the start pose: recognise a steady hold pose, or give up on one
        that is steady outside the hold range."""
        s = self.settings
        n = max(2, round(s.steady_s / self._dt))
        if len(self._history) < n:
            return []
        recent = [self._history[-i].s_deg for i in range(1, n + 1)]
        if max(recent) - min(recent) > s.steady_range_deg:
            self._settled_off_since = None
            return []
        level = sum(recent) / n
        if s.min_level_deg <= level <= s.max_level_deg:
            self._settled_off_since = None
            self._begin(sample, level)
            return []
        if self._settled_off_since is None:
            self._settled_off_since = sample.t_s
            return []
        settled_s = sample.t_s - self._settled_off_since
        if level > s.max_level_deg and settled_s > s.max_settle_away_s:
            # Settled far from any hold pose (sat up, rolled over): that is the pose to
            # measure the next hold from. Learnt here at once, not left to the
            # pipeline's still calibrator, which may need longer than the athlete lies
            # still before lifting the hips.
            self._state = "rest"
            self._settled_off_since = None
            self._ref = self._g
            self._clear_window()
            self._history.clear()
        elif level < s.min_level_deg and settled_s > s.max_settle_low_s:
            # Settled just off the start pose, too low for a plank: not busy, so the
            # pipeline may learn the pose there; say why nothing was counted.
            self._state = "released"
            self._settled_off_since = None
            assert self._away_since is not None
            return [NonRep("not_hold_pose", self._away_since, sample.t_s, level,
                           decided_s=sample.t_s)]
        return []

    def _begin(self, sample: _Sample, level: float) -> None:
        self._state = "hold"
        hold = _Open(recognised_s=sample.t_s, entry=list(self._history), level_deg=level,
                     pending=deque())
        self._open = hold
        self._history.clear()

    def _in_hold(self, sample: _Sample, previous: _Sample | None) -> list[Output]:
        s = self.settings
        hold = self._open
        assert hold is not None and hold.pending is not None
        x = sample.s_deg
        if sample.t_s - hold.recognised_s <= s.level_s:
            hold.level_sum += x
            hold.level_n += 1
        end_level = s.boundary_fraction * hold.level_deg
        if abs(x - hold.level_deg) > s.leave_deg:
            return self._close(previous.t_s if previous is not None else sample.t_s,
                               sample.t_s)
        if x < end_level:
            if hold.below_s is None:
                hold.below_s = sample.t_s if previous is None else crossing_time(
                    previous.t_s, previous.s_deg, sample.t_s, x, end_level)
            # Down below half the level: the hold ended where it crossed, once the tilt
            # is nearly back (hips on the mat) or stays down longer than a dip would.
            if (x < 0.5 * end_level or sample.t_s - hold.below_s > s.max_dip_s):
                return self._close(hold.below_s, sample.t_s)
        else:
            hold.below_s = None
        hold.pending.append(sample)
        # Fold blocks into the sway sums once they are a smoothing window old, so the
        # blocks of the way out (after the end boundary) never enter them.
        while hold.pending and sample.t_s - hold.pending[0].block_t_s > 2 * s.smooth_s:
            self._fold(hold, hold.pending.popleft())
        hold.dip, done, sag = dip_step(hold.dip, sample.t_s, hold.level_deg - x,
                                       s.hip_dip_deg, s.max_dip_s)
        if done:
            hold.dips += 1
        if sag:
            hold.level_deg = x
        elif hold.dip.since_s is None:
            hold.level_deg = ema_step(hold.level_deg, x, self._dt, s.level_tau_s)
        if sample.t_s - hold.recognised_s > s.max_hold_s:
            return self._close(sample.t_s, sample.t_s, flag="max_hold")
        return []

    @staticmethod
    def _fold(hold: _Open, b: _Sample) -> None:
        hold.n += 1
        hold.angle_sum += b.block_deg
        hold.angle_sq_sum += b.block_deg * b.block_deg

    def _close(self, end_s: float, decided_s: float, flag: str | None = None
               ) -> list[Output]:
        s = self.settings
        hold = self._open
        assert hold is not None and hold.pending is not None
        self._open = None
        self._state = "away"
        self._history.clear()
        level = hold.level_sum / hold.level_n if hold.level_n else hold.level_deg
        half = s.boundary_fraction * level
        start = rise_after_low_s([e.t_s for e in hold.entry], [e.s_deg for e in hold.entry],
                                 half, 0.5 * half)
        if start is None:
            start = hold.entry[0].t_s if hold.entry else hold.recognised_s
        for b in hold.entry:
            if b.block_t_s >= start:
                self._fold(hold, b)
        for b in hold.pending:
            if b.block_t_s <= end_s:
                self._fold(hold, b)
        if end_s - start < s.min_hold_s:
            return [NonRep("short_hold", start, end_s, level, decided_s=decided_s)]
        flags = [f for f in (flag, "gap" if hold.gap else None) if f]
        mean_angle = hold.angle_sum / hold.n if hold.n else level
        sway = rms_about_mean(hold.angle_sum, hold.angle_sq_sum, hold.n)
        return [Hold(self.exercise, start, end_s, sway, hold.dips, mean_angle, flags=flags,
                     decided_s=decided_s)]
