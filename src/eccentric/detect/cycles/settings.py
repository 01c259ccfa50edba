"""Tuning of the ``auto`` cycle counter: one frozen dataclass, every number with its reason.

Each value has a physical or conventional reason, given beside it. The method was
developed while looking at the developer split of the real datasets (SPAR, barbell, CMU),
and a few values were compared on it: ``swing_fraction`` (0.3-0.6; leave-one-subject-out
in ``benchmarks/real_datasets.py --loso``), ``highpass_hz`` (0.05 vs 0.1),
``raw_fraction`` (0.5-1), ``refresh_hops`` (2-4, changes the barbell result by one or two
sets either way). ``min_lock_turns`` was set on synthetic fidgeting (tests) and changes no
real-data count. The gait thresholds were set between the simulated walking of
``eccentric.sim.generic`` and the real sets (none of which is walking), and
``slow_lock_score`` / ``slow_period_max_s`` against the idle test; the figures are in
``docs/accuracy.md`` ("Failure classes of auto").

Variants for experiments are made with ``dataclasses.replace(CycleSettings(), ...)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CycleSettings:
    """Every tuning value of :class:`~eccentric.detect.cycles.counter.CycleCounter`."""

    # -- rates and filters ------------------------------------------------------------
    # Working rate after decimation (Hz). Repetitions of strength/physio movements are
    # slower than 2 Hz; 25 Hz keeps >= 10 samples per half-cycle of a 1 s rep and equals
    # the slowest sensor rate we meet (MetaWear gyro, 25 Hz).
    work_rate_hz: float = 25.0
    # Low-pass before decimation (Hz): voluntary limb movement has almost no power above
    # ~3 Hz; it is also the anti-alias filter for the working rate.
    lowpass_hz: float = 3.0
    # High-pass (Hz) of the integrated rotation and of the accelerometer: removes a
    # residual gyro bias and gravity while passing cycles up to period_max_s (0.125 Hz)
    # almost unchanged.
    highpass_hz: float = 0.05

    # -- periods ----------------------------------------------------------------------
    # Plausible repetition periods (s): faster than 0.6 s per out-and-back is not a
    # strength or physio repetition; 8 s covers slow eccentric work (4 s down, 1-2 s up,
    # short pauses).
    period_min_s: float = 0.6
    period_max_s: float = 8.0
    # Slow sets (periods period_max_s-slow_period_max_s: a 5-8 s lowering, a return and
    # a pause) are looked for over a longer window (slow_window_s) only when nothing
    # faster repeats, and need more evidence: every live feature and the dominant
    # component must repeat at slow_lock_score. Moving between random poses with 1-5 s
    # holds (tests) scores 0.5-0.55 at such periods over three long "cycles", and up to
    # 0.73 at 15.5 s in one draw, which is why the range stops at 15 s; simulated slow
    # sets lock at 0.67-0.98.
    slow_period_max_s: float = 15.0
    slow_lock_score: float = 0.6

    # -- gait -----------------------------------------------------------------------------
    # Walking is not a set, whatever its period looks like. It is recognised by its heel
    # strikes: over the last gait_window_s (at least gait_min_s) of continuous data the
    # acceleration magnitude (independent of how the sensor is worn) bounces by at least
    # gait_min_std_mps2 (the body's vertical oscillation, 1-3 m/s^2 in walking), carries
    # sharp transients (jerkiness >= gait_jerkiness; a smooth swing scores < 0.2), and the
    # train of those transients repeats at a step period of 1/gait_cadence_max_hz to
    # 1/gait_cadence_min_hz s (cadences 1.25-2.5 steps/s: walking at 1.4-2.2 with margin)
    # with autocorrelation >= gait_regularity. Simulated walking on wrist, thigh and trunk
    # scores 0.48-0.98 (8 s windows), the real SPAR and barbell sets at most 0.39.
    gait_cadence_min_hz: float = 1.25
    gait_cadence_max_hz: float = 2.5
    gait_regularity: float = 0.45
    gait_jerkiness: float = 0.25
    gait_min_std_mps2: float = 0.4
    # And the rotation one step apart must not repeat: its autocorrelation at the step
    # lag is at most this (walking: the stride's swing, strongly negative one step on).
    gait_step_rotation: float = 0.0
    gait_window_s: float = 8.0
    gait_min_s: float = 4.0
    # Walking is checked on every lock_every_hops hop (2 s); walking that ends a bout or
    # bars the data before it from one must look so in this many consecutive checks
    # (count; with the 8 s window, about 10 s of walking). One look only holds off a lock.
    gait_checks: int = 2
    # Longest time (s) between two heel strikes of one walk: a stride at the slowest
    # cadence (2 / gait_cadence_min_hz), so one missed strike is tolerated.
    gait_strike_gap_s: float = 1.6

    # -- streaming cadence --------------------------------------------------------------
    # The causal feature filters run over at most this many tracking steps at once
    # (count; a memory bound for very long input chunks).
    feature_steps: int = 64
    # The period, axes and lock are (re)analysed in hops of this length (s), so the fixed
    # cost of each analysis is spread over 25-100 samples.
    hop_s: float = 1.0
    # Turning points and rep decisions are updated in steps of this length (s): it bounds
    # how long a decided rep waits to be emitted, well inside the 0.5 s latency target.
    step_s: float = 0.2
    # While counting, the period and axes are re-estimated every refresh_hops hops
    # (count); before that, locking is attempted every lock_every_hops hops (warm-up reps
    # are replayed, so this only delays the first decisions, it loses nothing).
    refresh_hops: int = 3
    lock_every_hops: int = 2

    # -- locking ------------------------------------------------------------------------
    # Minimum periodicity to start counting (autocorrelation, dimensionless): of each
    # feature at the period, and of the dominant component at the period minus its value
    # at half the period. Aperiodic movement scores near 0; sets in the real data lock at
    # 0.4-0.95.
    lock_score: float = 0.3
    # Cycles (count) the window must hold before a period is trusted for locking (2 is
    # the minimum for an autocorrelation peak; a half cycle more keeps early estimates
    # from being noise).
    lock_cycles: float = 2.5
    # The period is doubled when the autocorrelation at twice the lag is higher by this
    # much (dimensionless): consecutive cycles of a steady set differ by about 0.05 in
    # autocorrelation, so 0.1 is a clear preference, not noise.
    octave_margin: float = 0.1
    # Locking also needs this many turning points (count) in the replayed window: three
    # whole cycles (rest, far, rest, far, rest, far, rest). Slow irregular movement
    # (shifting about between sets) easily looks periodic over two 5 s "cycles" of a 16 s
    # window, not over three. At the end of the stream two cycles (min_final_turns) are
    # accepted, so a final short set still counts.
    min_lock_turns: int = 7
    min_final_turns: int = 5
    # While counting, the period is re-estimated within this factor (ratio) of its
    # current value.
    track_ratio: float = 1.4

    # -- turning points and reps ----------------------------------------------------------
    # A swing (turning point to turning point) counts when it reaches this fraction of the
    # set's typical swing (median of the last five): a partial rep must reach 40 % of the
    # usual range. SPAR alone would prefer 0.3 (see the benchmark's --loso), which lets
    # double humps and fidgets through elsewhere.
    swing_fraction: float = 0.4
    # Two turning points of the same kind closer than this fraction of the period belong
    # to one repetition (double-humped signals, e.g. a wrist over an overhead press).
    merge_fraction: float = 0.6
    # A rep must also show in the undetrended feature: its larger swing (out or back) must
    # reach this fraction of the hysteresis (see the tracker's ``moved``). 1: the same rule
    # as on the detrended component.
    raw_fraction: float = 1.0
    # Rep boundaries: leave/enter the rest zone at this fraction of the swing.
    zone_fraction: float = 0.1
    # A return that stops short of the rest zone has arrived when it has covered
    # arrive_fraction of the swing and its speed has dropped to stop_fraction of its peak
    # (the usual kinematic offset is 5 % of peak speed; 10 % because the speed here is a
    # 25 Hz difference).
    arrive_fraction: float = 0.6
    stop_fraction: float = 0.1

    # -- noise floors and bout ends ---------------------------------------------------------
    # Below these ranges a feature is treated as noise: 8 deg of rotation (stored in rad),
    # 0.8 m/s^2 (about 0.08 g) of acceleration; both are ~10x the noise of consumer IMUs
    # after filtering.
    floor_rotation_rad: float = math.radians(8.0)
    floor_acc_mps2: float = 0.8
    # A bout ends after this many periods without a turning point (and at least
    # unlock_min_s seconds).
    unlock_periods: float = 2.0
    unlock_min_s: float = 2.0
    # A hole in the data longer than this (s) ends the bout: what happened inside is
    # unknown.
    gap_reset_s: float = 5.0

    # -- derived values ---------------------------------------------------------------------

    @property
    def window_s(self) -> float:
        """Analysis window (s): two of the longest periods, the least an autocorrelation
        needs."""
        return 2.0 * self.period_max_s

    @property
    def slow_window_s(self) -> float:
        """Window (s) of the slow-set search: three of the longest slow periods, so the
        lock can see three whole cycles of turning points (min_lock_turns)."""
        return 3.0 * self.slow_period_max_s

    @property
    def peak_tolerance(self) -> float:
        """Autocorrelation peaks within this of the highest count as equally good (the
        shortest lag among them is the period); half the octave margin, so the two rules
        cannot fight."""
        return 0.5 * self.octave_margin

    @property
    def plateau_fraction(self) -> float:
        """A turning point is also confirmed when the signal has stayed near it this long
        (in periods): a pause at the start pose ends the rep without waiting for the next
        one. Equal to merge_fraction."""
        return self.merge_fraction
