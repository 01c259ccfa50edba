"""Generic repetition counter (exercise ``auto``): unknown movement, unknown placement.

Method (streaming, bounded state, deterministic, no wall clock):

1. **Features.** Input is block-averaged to a working rate of about 25 Hz and turned
   into two 3-D feature vectors: *rotation* (the integrated, bias-corrected gyro, rad) and
   *acceleration* (m/s^2), both band-passed 0.05-3 Hz. Integration and high-pass are one
   stable filter, so a residual gyro bias cannot make the rotation drift.
2. **Periodicity.** Every 1-3 s the last 16 s are analysed (periods 0.6-8 s; when
   nothing faster repeats, the last 45 s for slow sets up to 15 s, with stricter
   scores). The autocorrelation of each feature vector, summed over its axes (so it
   does not depend on how the sensor is mounted), is computed by FFT; their mean gives
   the repetition period T. Counting starts
   ("lock") when the window holds 2.5 periods and three whole cycles of turning points,
   both features repeat at T, and the chosen feature's *dominant component* (its
   projection on the principal axis, PCA) repeats once per T, not twice (rotation is
   preferred; acceleration is the fallback for segments that hardly rotate). A period is
   doubled when twice the lag correlates clearly better and the features disagree at the
   lag (two humps per repetition in one of them).
3. **Counting.** The dominant component minus its trailing one-period moving mean (which
   removes posture drift without look-ahead) feeds a hysteresis turning-point tracker
   ("zig-zag"), updated every 0.2 s: a swing counts when it reaches 40 % of the set's
   typical swing, in the detrended and in the plain component, so fidgets and partial
   movements do not count. Turning points of one
   kind closer than 0.6 T are merged (two humps in one rep). The first turning point of a
   bout is the rest side; each rest -> far -> rest triple is a rep, and a far turning point
   whose return is cut off by the end of the stream still counts. A rep is emitted as
   soon as its return arrives (see below), not when the next turning point confirms it;
   which reps count does not depend on that timing.
4. **Walking** is recognised by its heel strikes (see the gait rule in settings.py): it
   holds off a lock, ends a bout it interrupts, and nothing up to its last heel strike is
   replayed into the next bout.
5. **Warm-up.** Until the lock nothing is decided but the window is kept; at the lock the
   buffered part of the bout is replayed (reps flagged ``warmup``), so no rep is lost.
   At the end of the stream a short set is judged on what there is.

Rep fields: ``start_s`` is where the dominant component leaves the rest zone (within 10 %
of the swing of the rest turning point); ``end_s`` is where the return arrives: back in
that zone, or, for a return that stops short, 60 % of the way back with its speed down to
10 % of its peak. The cycle is split at the far point (the component's extreme between
the two). By convention the first half (moving away from the start pose) is
reported as ``concentric_s`` and phase ``out``, the return as ``eccentric_s`` and phase
``back``: for an unknown movement nobody knows which half loads the muscle eccentrically.
``rom_deg`` is the peak-to-peak rotation (degrees) about the dominant rotation axis within
the rep, from the integrated, band-passed gyro. ``diagnostics`` adds ``cycle_s``, ``period_s``
and ``signal`` (rotation / acceleration). Once counting, a rep is decided within one
0.2 s step of its end. The reps before the lock can only be decided at the lock
(typically 3-5 s after their end), when the movement has shown it repeats.

The pieces (each in its own module): ``settings`` (every tuning value), ``dsp`` (pure
signal processing), ``features`` (decimation and the causal feature filters, the ring row
layout), ``ring`` (the bounded window), ``periodicity`` (period, axes, lock decision),
``zigzag`` (turning points), ``tracker`` (the bout: detrend, turns, rep decisions) and
``reps`` (rep boundaries and fields). This module streams input through them.
"""

from __future__ import annotations

import itertools

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.core.events import Rep
from eccentric.detect.base import MotionFrame, NonRep
from eccentric.detect.cycles.features import RING_WIDTH, FeatureStage
from eccentric.detect.cycles.periodicity import Periodicity
from eccentric.detect.cycles.reps import RepMaker
from eccentric.detect.cycles.ring import Ring
from eccentric.detect.cycles.settings import CycleSettings
from eccentric.detect.cycles.tracker import Tracker


def _stamp(outputs: list[Rep | NonRep], t_s: float) -> None:
    """Record the stream time (s) of the newest sample each decision needed."""
    for o in outputs:
        if o.decided_s is None:
            o.decided_s = t_s


class CycleCounter:
    """Streaming counter for an unknown cyclic movement (see the module docstring).

    ``settings`` holds every tuning value; ``exercise`` names the reps it emits.
    ``busy`` is always False: the counter does not use the calibrated start pose, so the
    pipeline may re-calibrate whenever it sees stillness.
    """

    def __init__(self, rate_hz: float, settings: CycleSettings = CycleSettings(),
                 exercise: str = "auto") -> None:
        if not rate_hz > 0:
            raise ValueError(f"rate_hz must be positive, got {rate_hz}")
        self.settings = settings
        self.exercise = exercise
        self.rate_hz = float(rate_hz)
        self._features = FeatureStage(self.rate_hz, settings)
        self.decimation = self._features.decimation
        self.work_hz = self._features.work_hz
        self.window_n = round(settings.window_s * self.work_hz)
        self.step_n = max(1, round(settings.step_s * self.work_hz))
        # A hop is a whole number of steps, so the analysis always sees complete steps.
        self.steps_per_hop = max(1, round(settings.hop_s / settings.step_s))
        self.hop_n = self.step_n * self.steps_per_hop
        self._step_raw = self.step_n * self.decimation
        self._raw: list[FloatArray] = []  # input rows [t, gyro xyz, acc xyz] not yet used
        self._raw_n = 0
        # The ring holds the longer window of the slow-set search.
        self.slow_window_n = max(self.window_n, round(settings.slow_window_s * self.work_hz))
        self._ring = Ring(self.slow_window_n, RING_WIDTH)
        self.gait_n = round(settings.gait_window_s * self.work_hz)
        self._gaps: list[tuple[float, float]] = []  # recent gaps, to flag reps
        self._periodicity = Periodicity(settings, self.work_hz, self.window_n, self.hop_n,
                                        self.slow_window_n)
        self._tracker = Tracker(self._ring, settings, self.work_hz,
                                RepMaker(self._ring, settings, exercise, self._gaps))
        self._hops = 0
        self._walk_checks = 0  # consecutive walking checks that looked like walking
        self._strike_n: int | None = None  # ring row of the walk's last heel strike
        self.strike_gap_n = round(settings.gait_strike_gap_s * self.work_hz)
        self._steps = 0

    # -- Detector protocol ----------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return False

    @property
    def phase(self) -> str:
        """``idle`` outside a bout; ``out`` moving away from the rest side, ``back`` returning."""
        return self._tracker.phase

    def on_recalibrated(self, t_s: float) -> None:
        """The counter does not use the start pose, so a new one changes nothing."""

    def settle(self, t_s: float, still_s: float) -> list[Rep | NonRep]:
        return []

    def update(self, frame: MotionFrame) -> list[Rep | NonRep]:
        n = len(frame)
        if n == 0:
            return []
        out: list[Rep | NonRep] = []
        resets: list[int] = []
        for gap in frame.gaps:
            self._gaps.append((gap.start_s, gap.end_s))
            del self._gaps[:-8]  # bounded: older gaps cannot overlap a pending rep
            if gap.duration_s > self.settings.gap_reset_s:
                resets.append(int(np.searchsorted(frame.t_s, gap.end_s, side="left")))
        rows = np.concatenate([frame.t_s[:, None], frame.gyro_rads, frame.acc_mps2], axis=1)
        if not resets:
            self._raw.append(rows)
            self._raw_n += n
            out.extend(self._drain(final=False))
            return out
        bounds = sorted({0, n, *resets})
        for a, b in itertools.pairwise(bounds):
            if a in resets:
                # A long hole: decide the bout before it and start afresh after it.
                closed = self._close()
                _stamp(closed, float(rows[a, 0]))  # known once data resumes
                out.extend(closed)
                self._features.reset()
            self._raw.append(rows[a:b])
            self._raw_n += b - a
            out.extend(self._drain(final=False))
        return out

    def finish(self) -> list[Rep | NonRep]:
        return self._close()

    def _close(self) -> list[Rep | NonRep]:
        """Decide everything buffered: the stream ends or a long hole interrupts it."""
        out = self._drain(final=True)
        tracker = self._tracker
        if (tracker.bout is None and self._ring.count > tracker.floor_n
                and self._periodicity.walking(self._ring.window(self.gait_n), final=True)
                is None):
            # No more data will come, so a short set (three reps, say) that never filled
            # the window for a normal lock is judged on what there is.
            self._try_lock(float(self._ring.window(1)[0, 0]), out, final=True)
        out.extend(tracker.end_bout())
        return out

    # -- input, steps and hops -------------------------------------------------------------

    def _drain(self, *, final: bool) -> list[Rep | NonRep]:
        """Process whole steps of buffered input (and, if ``final``, the remainder).

        Steps are counted in samples, never in chunks, so any chunking gives the same
        output. The causal feature filters run over many steps at once (their state
        carries over exactly); the turning-point tracking then goes step by step.
        """
        out: list[Rep | NonRep] = []
        usable = self._raw_n if final else self._raw_n - self._raw_n % self._step_raw
        if usable <= 0:
            return out
        raw = self._raw[0] if len(self._raw) == 1 else np.concatenate(self._raw, axis=0)
        # Bounds the temporary feature array.
        piece = self.settings.feature_steps * self._step_raw
        for p0 in range(0, usable, piece):
            p1 = min(p0 + piece, usable)
            feats = self._features.process(raw[p0:p1])
            for i in range(0, len(feats), self.step_n):
                decided = self._step(feats[i:i + self.step_n])
                # Stamped with the newest input sample the step consumed.
                _stamp(decided, float(raw[min(p0 + (i + self.step_n) * self.decimation,
                                              p1) - 1, 0]))
                out.extend(decided)
        self._raw = [raw[usable:]] if usable < self._raw_n else []
        self._raw_n -= usable
        return out

    def _step(self, block: FloatArray) -> list[Rep | NonRep]:
        """One tracking step of decimated rows; every ``steps_per_hop`` steps, a hop."""
        self._ring.push(block)
        self._steps += 1
        out: list[Rep | NonRep] = []
        if self._steps % self.steps_per_hop == 0:
            self._hop(float(block[-1, 0]), out)
        elif self._tracker.bout is not None:
            self._tracker.track(self._tracker.bout, out)
        return out

    def _hop(self, t_now: float, out: list[Rep | NonRep]) -> None:
        """Analysis hop: noise-floor ranges, lock attempts, period refresh, bout end."""
        self._hops += 1
        self._periodicity.note_hop(self._ring.window(self.hop_n))
        tracker = self._tracker
        bout = tracker.bout
        if self._hops % self.settings.lock_every_hops == 0:
            # Walking is judged on the hops where a lock may be tried.
            after_walk_n = self._periodicity.walking(self._ring.window(self.gait_n))
            if after_walk_n is not None:
                if self._walked(after_walk_n, out) or bout is None:
                    return
            else:
                self._walk_checks, self._strike_n = 0, None
            if bout is None:
                self._try_lock(t_now, out)
                return
        if bout is None:
            return
        if self._hops % self.settings.refresh_hops == 0:
            self._periodicity.refresh(self._bout_window(), bout)
        tracker.track(bout, out)
        if tracker.expired(t_now):
            out.extend(tracker.end_bout())

    def _walked(self, after_walk_n: int, out: list[Rep | NonRep]) -> bool:
        """The window ends in walking, its last heel strike ``after_walk_n`` rows ago.
        Returns whether the walk has lasted gait_checks checks (and then bars it from a
        bout); a single look of walking only holds off a lock: sharp reps can look
        step-like over one window, walking does so check after check."""
        self._walk_checks += 1
        strike_n = self._ring.count - 1 - after_walk_n
        # Heel strikes are never further apart than gait_strike_gap_s while walking goes
        # on, so between two checks the last one moves on by at most that plus the time
        # between checks: a "strike" later still is the next movement's transient, seen
        # while the window still holds the end of the walk, and walking has ended.
        check_n = self.settings.lock_every_hops * self.hop_n
        if self._strike_n is not None and strike_n - self._strike_n > self.strike_gap_n + check_n:
            return False
        self._strike_n = strike_n
        if self._walk_checks < self.settings.gait_checks:
            return False
        # Walking is no bout and must not be replayed into one: nothing up to its last
        # heel strike (and half a slow stride more: the fading steps of stopping) can
        # start a bout, and a bout it interrupts ends.
        tracker = self._tracker
        if tracker.bout is not None:
            out.extend(tracker.end_bout())
        tracker.floor_n = max(tracker.floor_n, min(strike_n + 1 + self.strike_gap_n // 2,
                                                   self._ring.count))
        return True

    def _bout_window(self, n: int | None = None) -> FloatArray:
        """The last ``n`` rows (default: the analysis window; while counting, at least 2.5
        periods of the bout), without rows that belonged to an earlier bout."""
        if n is None:
            n = self.window_n
            bout = self._tracker.bout
            if bout is not None:
                n = max(n, round(self.settings.lock_cycles * bout.period_s * self.work_hz))
        return self._ring.since(max(self._tracker.floor_n, self._ring.count - n))

    def _try_lock(self, t_now: float, out: list[Rep | NonRep], *, final: bool = False
                  ) -> None:
        """Start a bout if the window shows a repetition period (see
        Periodicity.lock_candidate), else if the longer window shows a slow one (see
        Periodicity.slow_candidate); the tracker then replays the window."""
        win = self._bout_window()
        bout = self._periodicity.lock_candidate(win, final=final)
        if bout is not None:
            # The replay must be able to hold three whole cycles of turning points
            # (min_lock_turns), which a 16 s window cannot for periods over ~5 s.
            # Such a lock is judged as a slow one, over the longer window.
            need = round(3.5 * bout.period_s * self.work_hz)
            if need > len(win):
                win = self._bout_window(min(need, self.slow_window_n))
                bout = self._periodicity.slow_candidate(
                    win, final=final, min_s=bout.period_s / self.settings.track_ratio)
        elif self.slow_window_n > self.window_n and (
                final or self._hops % (3 * self.settings.lock_every_hops) == 0):
            # Slow locks are tried on every third attempt: their periods are 6-16 s, and
            # warm-up reps are replayed, so this only delays the first decisions.
            win = self._bout_window(self.slow_window_n)
            bout = self._periodicity.slow_candidate(win, final=final)
        if bout is not None:
            self._tracker.start(bout, t_now, self._ring.count - len(win), out, final=final)
