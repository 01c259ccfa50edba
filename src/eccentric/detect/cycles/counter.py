"""Generic repetition counter (exercise ``auto``): unknown movement, unknown placement.

Method (streaming, bounded state, deterministic, no wall clock):

1. **Features.** Input is block-averaged to a working rate of about 25 Hz and turned
   into two 3-D feature vectors: *rotation* (the integrated, bias-corrected gyro, rad) and
   *acceleration* (m/s^2), both band-passed 0.05-3 Hz. Integration and high-pass are one
   stable filter, so a residual gyro bias cannot make the rotation drift.
2. **Periodicity.** Every 1-3 s the last 16 s are analysed. The autocorrelation of each
   feature vector, summed over its axes (so it does not depend on how the sensor is
   mounted), is computed by FFT; their mean gives the repetition period T. Counting starts
   ("lock") when the window holds 2.5 periods and three whole cycles of turning points,
   both features repeat at T, and the chosen feature's *dominant component* (its
   projection on the principal axis, PCA) repeats once per T, not twice (rotation is
   preferred; acceleration is the fallback for segments that hardly rotate). A period is
   doubled when twice the lag correlates clearly better (two humps per repetition).
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
4. **Warm-up.** Until the lock nothing is decided but the window is kept; at the lock the
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
the rep, from the integrated, band-passed gyro. ``extra`` adds ``cycle_s``, ``period_s``
and ``signal`` (rotation / acceleration). Once counting, a rep is decided within one
0.2 s step of its end. The reps before the lock can only be decided at the lock
(typically 3-5 s after their end), when the movement has shown it repeats.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, lfilter

from eccentric.core.chunk import FloatArray
from eccentric.core.events import Phase, Rep
from eccentric.core.units import DEG_PER_RAD
from eccentric.detect.base import MotionFrame, NonRep

# ---------------------------------------------------------------------------------------
# Constants. Each has a physical or conventional reason, given beside it. The method was
# developed while looking at the developer split of the real datasets (SPAR, barbell,
# CMU), and a few values were compared on it: SWING_FRACTION (0.3-0.6; leave-one-subject-
# out in benchmarks/real_datasets.py --loso), HIGHPASS_HZ (0.05 vs 0.1), RAW_FRACTION
# (0.5-1), REFRESH_HOPS (2-4, changes the barbell result by one or two sets either way).
# MIN_LOCK_TURNS was set on synthetic fidgeting (tests) and changes no real-data count.
# ---------------------------------------------------------------------------------------

# Working rate after decimation (Hz). Repetitions of strength/physio movements are slower
# than 2 Hz; 25 Hz keeps >= 10 samples per half-cycle of a 1 s rep and equals the slowest
# sensor rate we meet (MetaWear gyro, 25 Hz).
WORK_RATE_HZ = 25.0
# Low-pass before decimation (Hz): voluntary limb movement has almost no power above
# ~3 Hz; also the anti-alias filter for the working rate.
LOWPASS_HZ = 3.0
# High-pass (Hz) of the integrated rotation and of the accelerometer: removes residual gyro
# bias and gravity while passing cycles up to PERIOD_MAX_S (0.125 Hz) almost unchanged.
HIGHPASS_HZ = 0.05
# Plausible repetition periods (s): faster than 0.6 s per out-and-back is not a strength or
# physio repetition; 8 s covers slow eccentric work (4 s down, 1-2 s up, short pauses).
PERIOD_MIN_S = 0.6
PERIOD_MAX_S = 8.0
# Analysis window: two of the longest periods, the least an autocorrelation needs.
WINDOW_S = 2.0 * PERIOD_MAX_S
# The causal feature filters run over at most this many steps at once (memory bound for
# very long input chunks).
FEATURE_STEPS = 64
# The period, axes and lock are (re)analysed in hops of this length (s), so the fixed
# cost of each analysis is spread over 25-100 samples.
HOP_S = 1.0
# Turning points and rep decisions are updated in steps of this length (s): it bounds how
# long a decided rep waits to be emitted, well inside the 0.5 s latency target.
STEP_S = 0.2
# While counting, the period and axes are re-estimated every REFRESH_HOPS hops; before
# that, locking is attempted every LOCK_EVERY_HOPS hops (warm-up reps are replayed, so
# this only delays the first decisions, it loses nothing).
REFRESH_HOPS = 3
LOCK_EVERY_HOPS = 2
# Minimum periodicity to start counting: autocorrelation of each feature at the period,
# and the dominant component's autocorrelation at the period minus its value at half the
# period. Aperiodic movement scores near 0; sets in the real data lock at 0.4-0.95.
LOCK_SCORE = 0.3
# Cycles the window must hold before a period is trusted for locking (2 is the minimum
# for an autocorrelation peak; a half cycle more keeps early estimates from being noise).
LOCK_CYCLES = 2.5
# The period is doubled when the autocorrelation at twice the lag is higher by this much:
# consecutive cycles of a steady set differ by about 0.05 in autocorrelation, so 0.1 is
# a clear preference, not noise.
OCTAVE_MARGIN = 0.1
# Autocorrelation peaks within this of the highest count as equally good (the shortest
# lag among them is the period); half the octave margin, so the two rules cannot fight.
PEAK_TOLERANCE = 0.5 * OCTAVE_MARGIN
# Locking also needs this many turning points in the replayed window: three whole cycles
# (rest, far, rest, far, rest, far, rest). Slow irregular movement (shifting about between
# sets) easily looks periodic over two 5 s "cycles" of a 16 s window, not over three.
# At the end of the stream two cycles are accepted, so a final short set still counts.
MIN_LOCK_TURNS = 7
MIN_FINAL_TURNS = 5
# While counting, the period is re-estimated within this factor of its current value.
TRACK_RATIO = 1.4
# A swing (turning point to turning point) counts when it reaches this fraction of the
# set's typical swing (median of the last five): a partial rep must reach 40 % of the
# usual range. SPAR alone would prefer 0.3 (see the benchmark's --loso), which lets
# double humps and fidgets through elsewhere.
SWING_FRACTION = 0.4
# Two turning points of the same kind closer than this fraction of the period belong to
# one repetition (double-humped signals, e.g. a wrist over an overhead press).
MERGE_FRACTION = 0.6
# A turning point is also confirmed when the signal has stayed near it this long (in
# periods): a pause at the start pose ends the rep without waiting for the next one.
PLATEAU_FRACTION = MERGE_FRACTION
# A rep must also show in the undetrended feature: its larger swing (out or back) must
# reach this fraction of the hysteresis (see GenericRepCounter._moved). 1: the same rule
# as on the detrended component.
RAW_FRACTION = 1.0
# Rep boundaries: leave/enter the rest zone at this fraction of the swing.
ZONE_FRACTION = 0.1
# A return that stops short of the rest zone has arrived when it has covered this much of
# the swing and its speed has dropped to this fraction of its peak (the usual kinematic
# offset is 5 % of peak speed; 10 % because the speed here is a 25 Hz difference).
ARRIVE_FRACTION = 0.6
STOP_FRACTION = 0.1
# Below these ranges a feature is treated as noise: 8 deg of rotation, 0.8 m/s^2
# (about 0.08 g) of acceleration; both are ~10x the noise of consumer IMUs after filtering.
FLOOR_ROTATION_RAD = math.radians(8.0)
FLOOR_ACC_MPS2 = 0.8
# A bout ends after this many periods without a turning point (and at least UNLOCK_MIN_S).
UNLOCK_PERIODS = 2.0
UNLOCK_MIN_S = 2.0
# A hole in the data longer than this (s) ends the bout: what happened inside is unknown.
GAP_RESET_S = 5.0

# Ring columns: 0 t (s); 1-3 band-passed rotation (rad); 4-6 band-passed acceleration
# (m/s^2); 7 detrended dominant component; 8-10 plain gyro integral (rad); 11-13 raw
# acceleration (m/s^2, gravity included).
RING_WIDTH = 14
_ROTATION = 0
_ACCELERATION = 1
_SIGNAL_NAMES = ("rotation", "acceleration")


# ---------------------------------------------------------------------------------------
# Pure signal-processing helpers (arrays in, arrays out).
# ---------------------------------------------------------------------------------------

def feature_filter(work_hz: float) -> tuple[FloatArray, FloatArray]:
    """IIR part (b, a) of the two feature band-passes at the working rate.

    rotation     = integral(gyro) → high-pass → low-pass
    acceleration = acc → high-pass → low-pass
    A 2nd-order Butterworth high-pass is b0·(1 - z^-1)^2 / A_hp(z); the integrator
    T/(1 - z^-1) cancels one of its zeros. So both features share the denominator
    A_hp·A_lp and the numerator b0·B_lp, and differ only in an FIR factor applied before:
    T·(1 - z^-1) for the gyro, (1 - z^-1)^2 for the accelerometer. Both are stable
    band-passes: no drift from a residual gyro bias, no gravity offset.
    """
    b_hp, a_hp = butter(2, HIGHPASS_HZ, btype="high", fs=work_hz)
    lp_hz = min(LOWPASS_HZ, 0.4 * work_hz)
    b_lp, a_lp = butter(2, lp_hz, btype="low", fs=work_hz)
    b = np.asarray(b_lp, dtype=np.float64) * float(b_hp[0])
    a = np.convolve(np.asarray(a_hp, dtype=np.float64), np.asarray(a_lp, dtype=np.float64))
    return b, a


def vector_autocorrelation(x: FloatArray, max_lag: int, groups: int = 1) -> FloatArray:
    """Normalised autocorrelation of a (n, k) signal, summed over the axes of each group.

    The k columns form ``groups`` equal groups (e.g. rotation xyz and acceleration xyz);
    the result has shape (max_lag + 1, groups). Each lag is normalised by the energy of
    the two overlapping parts (a Pearson-style coefficient in [-1, 1]), so long lags are
    not penalised for the shorter overlap. Summing x(t)·x(t+τ) over a group's axes makes
    the result independent of how the sensor is mounted. One FFT serves all groups.
    """
    n, k = x.shape
    per = k // groups
    max_lag = min(max_lag, n - 1)
    xc = x - x.mean(axis=0)
    nfft = 1 << math.ceil(math.log2(max(2 * n, 2)))
    spec = np.fft.rfft(xc, nfft, axis=0)
    # |X|^2 summed over each group's axes: the complex array viewed as (re, im) pairs.
    power = np.square(spec.view(np.float64)).reshape(-1, groups, 2 * per).sum(axis=2)
    raw = np.fft.irfft(power, nfft, axis=0)[: max_lag + 1]
    energy = np.zeros((n + 1, groups))
    np.cumsum(np.square(xc).reshape(n, groups, per).sum(axis=2), axis=0, out=energy[1:])
    head = energy[n - max_lag: n + 1][::-1]  # energy of x[0 : n - τ], τ = 0..max_lag
    tail = energy[n] - energy[: max_lag + 1]  # energy of x[τ : n]
    out: FloatArray = raw / np.sqrt(np.maximum(head * tail, 1e-300))
    return out


def pick_period(acf: FloatArray, rate_hz: float, min_s: float, max_s: float,
                window_n: int) -> tuple[float, float]:
    """Repetition period from an autocorrelation: among its local maxima with lag in
    [min_s, max_s] and at most half the ``window_n`` samples it came from (so two cycles
    were seen), the shortest lag whose value is within PEAK_TOLERANCE of the highest.

    A periodic signal correlates almost equally at every multiple of its period, so the
    highest peak alone may land on 2T or 3T; the shortest near-best lag is T.
    Returns (period in s, acf value there), or (nan, -1) when there is no peak.
    """
    lo = max(1, math.ceil(min_s * rate_hz))
    hi = min(int(max_s * rate_hz), window_n // 2, len(acf) - 2)
    if hi <= lo:
        return math.nan, -1.0
    seg = acf[lo - 1: hi + 2]
    mid = seg[1:-1]
    peaks = np.flatnonzero((mid > seg[:-2]) & (mid >= seg[2:]))
    if peaks.size == 0:
        return math.nan, -1.0
    values = mid[peaks]
    best = int(peaks[np.flatnonzero(values >= values.max() - PEAK_TOLERANCE)[0]])
    k = lo + best
    # Parabolic interpolation of the peak for sub-sample period resolution.
    y0, y1, y2 = float(acf[k - 1]), float(acf[k]), float(acf[k + 1])
    den = y0 - 2.0 * y1 + y2
    off = 0.5 * (y0 - y2) / den if den < 0 else 0.0
    return (k + off) / rate_hz, y1


def octave_check(acf: FloatArray, period_s: float, rate_hz: float, max_s: float) -> float:
    """Double the period while the autocorrelation is clearly higher at twice the lag.

    A repetition whose signal has two similar humps (the wrist over an overhead press)
    repeats at half its period in one feature but not in the other, so the features'
    mean autocorrelation peaks higher at the true period. A plain periodic signal
    correlates about equally at T and 2T (slightly less at 2T, tempo drifts), so it
    keeps T.
    """
    for _ in range(2):
        two = 2.0 * period_s
        if two > max_s:
            break
        lo = int(0.85 * two * rate_hz)
        hi = min(math.ceil(1.15 * two * rate_hz), len(acf) - 1)
        if hi <= lo:
            break
        k = lo + int(np.argmax(acf[lo:hi + 1]))
        if float(acf[k]) < acf_at(acf, period_s * rate_hz) + OCTAVE_MARGIN:
            break
        period_s = k / rate_hz
    return period_s


def acf_at(acf: FloatArray, lag: float) -> float:
    """Linear interpolation of ``acf`` at a fractional lag (samples)."""
    if not lag >= 0 or lag > len(acf) - 1:
        return 0.0
    i = int(lag)
    f = lag - i
    j = min(i + 1, len(acf) - 1)
    return float((1.0 - f) * acf[i] + f * acf[j])


def fundamental_score(acf: FloatArray, lag: float) -> float:
    """How clearly a signal repeats once per ``lag``: r(T) - max(0, r(T/2)).

    A signal with two similar humps per repetition also correlates at half the period;
    this score is then near 0, while a clean one-cycle-per-rep signal scores near r(T).
    """
    return acf_at(acf, lag) - max(0.0, acf_at(acf, lag / 2.0))


def principal_axis_from_cov(cov: FloatArray, previous: FloatArray | None = None
                            ) -> FloatArray:
    """Unit eigenvector of the largest eigenvalue of a 3x3 scatter matrix; its sign is
    chosen to agree with ``previous`` so the projected signal does not flip."""
    _, vecs = np.linalg.eigh(cov)
    axis: FloatArray = vecs[:, -1].copy()
    if previous is not None and float(axis @ previous) < 0:
        axis = -axis
    return axis


def robust_range(x: FloatArray) -> float:
    """Spread of a 1-D signal that ignores isolated spikes (98th - 2nd percentile)."""
    if x.size == 0:
        return 0.0
    lo, hi = np.percentile(x, [2.0, 98.0])
    return float(hi - lo)


# ---------------------------------------------------------------------------------------
# Streaming pieces.
# ---------------------------------------------------------------------------------------

def _stamp(outputs: list[Rep | NonRep], t_s: float) -> None:
    """Record the stream time (s) of the newest sample each decision needed."""
    for o in outputs:
        if o.decided_s is None:
            o.decided_s = t_s


@dataclass(slots=True)
class Turn:
    """A confirmed turning point of the dominant component: ``kind`` +1 max, -1 min;
    ``value`` is the detrended component; ``raw`` the undetrended feature vector there
    (compared between turns on one axis, so an axis update cannot fake a swing); ``n``
    is the absolute working-rate sample index."""

    t_s: float
    value: float
    kind: int
    n: int
    raw: FloatArray


_NO_RAW = np.zeros(3)


class ZigZag:
    """Hysteresis turning-point tracker, fed block by block (per-sample loop on the
    decimated signal only).

    A maximum is confirmed when the signal has fallen ``delta`` below it (and a minimum
    symmetrically), or when the signal has stayed within ``delta/4`` of it for
    ``plateau_s`` (a pause). The very first turning point is the starting level itself
    once the signal has moved ``delta`` away from it.
    """

    def __init__(self) -> None:
        self.mode = 0  # 0: no turn yet, +1: seeking a max, -1: seeking a min
        self.hi = (math.inf, -math.inf, 0)  # (t, value, n) of the running max
        self.lo = (math.inf, math.inf, 0)
        self.progress_t = math.inf  # last time the running extreme moved by delta/4
        self.progress_v = 0.0
        self.last: Turn | None = None

    @property
    def candidate(self) -> tuple[float, float, int] | None:
        """The running extreme being sought (t, value, n), or None before the first turn."""
        if self.mode == 1:
            return self.hi
        if self.mode == -1:
            return self.lo
        return None

    def feed(self, t: FloatArray, v: FloatArray, n0: int, delta: float,
             plateau_s: float) -> list[Turn]:
        out: list[Turn] = []
        hi_t, hi_v, hi_n = self.hi
        lo_t, lo_v, lo_n = self.lo
        mode = self.mode
        prog_t, prog_v = self.progress_t, self.progress_v
        tol = 0.25 * delta
        # Plain floats: iterating numpy scalars would cost several times more.
        for i, (ti, x) in enumerate(zip(t.tolist(), v.tolist(), strict=True)):
            if mode == 0:
                if x > hi_v:
                    hi_t, hi_v, hi_n = ti, x, n0 + i
                if x < lo_v:
                    lo_t, lo_v, lo_n = ti, x, n0 + i
                if hi_v - lo_v >= delta:
                    if lo_n < hi_n:
                        turn = Turn(lo_t, lo_v, -1, lo_n, _NO_RAW)
                        mode = 1
                    else:
                        turn = Turn(hi_t, hi_v, 1, hi_n, _NO_RAW)
                        mode = -1
                    out.append(turn)
                    prog_t, prog_v = ti, x
                    lo_t, lo_v, lo_n = ti, x, n0 + i
                    hi_t, hi_v, hi_n = ti, x, n0 + i
                continue
            if mode == 1:
                if x > hi_v:
                    hi_t, hi_v, hi_n = ti, x, n0 + i
                    if x - prog_v > tol:
                        prog_t, prog_v = ti, x
                confirm = hi_v - x >= delta or (
                    ti - prog_t >= plateau_s and self._swing_ok(hi_v, delta, out))
                if confirm:
                    out.append(Turn(hi_t, hi_v, 1, hi_n, _NO_RAW))
                    mode = -1
                    lo_t, lo_v, lo_n = ti, x, n0 + i
                    prog_t, prog_v = ti, x
            else:
                if x < lo_v:
                    lo_t, lo_v, lo_n = ti, x, n0 + i
                    if prog_v - x > tol:
                        prog_t, prog_v = ti, x
                confirm = x - lo_v >= delta or (
                    ti - prog_t >= plateau_s and self._swing_ok(lo_v, delta, out))
                if confirm:
                    out.append(Turn(lo_t, lo_v, -1, lo_n, _NO_RAW))
                    mode = 1
                    hi_t, hi_v, hi_n = ti, x, n0 + i
                    prog_t, prog_v = ti, x
        self.mode = mode
        self.hi = (hi_t, hi_v, hi_n)
        self.lo = (lo_t, lo_v, lo_n)
        self.progress_t, self.progress_v = prog_t, prog_v
        if out:
            self.last = out[-1]
        return out

    def _swing_ok(self, value: float, delta: float, pending: list[Turn]) -> bool:
        last = pending[-1] if pending else self.last
        return last is not None and abs(value - last.value) >= delta

    def flush(self, delta: float) -> Turn | None:
        """End of a bout: the running extreme counts if it is a full swing away."""
        cand = self.candidate
        if cand is None or self.last is None:
            return None
        t, v, n = cand
        if abs(v - self.last.value) < delta:
            return None
        turn = Turn(t, v, self.mode, n, _NO_RAW)
        self.last = turn
        return turn


class _Ring:
    """Fixed-capacity ring of rows; ``window(k)`` returns the last k rows contiguously
    (the data are written twice, so no copy-on-read wrap handling is needed)."""

    def __init__(self, capacity: int, width: int) -> None:
        self.cap = capacity
        self.buf = np.zeros((2 * capacity, width))
        self.count = 0  # total rows ever written

    def push(self, rows: FloatArray) -> None:
        for start in range(0, rows.shape[0], self.cap):
            block = rows[start:start + self.cap]
            m = block.shape[0]
            pos = self.count % self.cap
            first = min(m, self.cap - pos)
            w = block.shape[1]  # may be narrower than the ring: other columns stay stale
            self.buf[pos:pos + first, :w] = block[:first]
            self.buf[pos + self.cap:pos + self.cap + first, :w] = block[:first]
            if first < m:
                rest = m - first
                self.buf[:rest, :w] = block[first:]
                self.buf[self.cap:self.cap + rest, :w] = block[first:]
            self.count += m

    def __len__(self) -> int:
        return min(self.count, self.cap)

    def window(self, k: int) -> FloatArray:
        k = min(k, len(self))
        end = self.count % self.cap + self.cap
        return self.buf[end - k:end]

    def since(self, n_abs: int) -> FloatArray:
        """Rows with absolute index >= n_abs (clipped to what is still held)."""
        return self.window(self.count - max(n_abs, self.count - len(self)))

    def oldest(self) -> int:
        return self.count - len(self)

    def set_column(self, n_from: int, col: int, values: FloatArray) -> None:
        """Overwrite column ``col`` of rows n_from, n_from+1, ... (both copies)."""
        pos = n_from % self.cap
        first = min(len(values), self.cap - pos)
        for off in (0, self.cap):
            self.buf[off + pos: off + pos + first, col] = values[:first]
            self.buf[off: off + len(values) - first, col] = values[first:]


@dataclass(slots=True)
class _Bout:
    """One run of periodic movement: chosen feature, its axis, period and turn history."""

    signal: int
    axis: FloatArray
    rot_axis: FloatArray
    period_s: float
    turns: list[Turn]
    swings: list[float]
    rest_kind: int = 0
    n_turns: int = 0  # turning points seen in this bout
    emitted: bool = False  # the rep of turns[0:2] was already emitted on its return


class GenericRepCounter:
    """Streaming counter for an unknown cyclic movement (see the module docstring).

    ``busy`` is always False: the counter does not use the calibrated start pose, so the
    pipeline may re-calibrate whenever it sees stillness.
    """

    exercise = "auto"

    def __init__(self, rate_hz: float) -> None:
        if not rate_hz > 0:
            raise ValueError(f"rate_hz must be positive, got {rate_hz}")
        self.rate_hz = float(rate_hz)
        self.decimation = max(1, round(self.rate_hz / WORK_RATE_HZ))
        self.work_hz = self.rate_hz / self.decimation
        self._b, self._a = feature_filter(self.work_hz)
        self.window_n = round(WINDOW_S * self.work_hz)
        self.step_n = max(1, round(STEP_S * self.work_hz))
        # A hop is a whole number of steps, so the analysis always sees complete steps.
        self.steps_per_hop = max(1, round(HOP_S / STEP_S))
        self.hop_n = self.step_n * self.steps_per_hop
        self._step_raw = self.step_n * self.decimation
        self._raw: list[FloatArray] = []  # input rows [t, gyro xyz, acc xyz] not yet used
        self._raw_n = 0
        self._reset_filters()
        self._ring = _Ring(self.window_n, RING_WIDTH)
        self._bout: _Bout | None = None
        self._zig = ZigZag()
        self._delta = 0.0
        self._floor_n = 0  # ring rows before this index belong to an earlier bout
        self._last_turn_t = -math.inf
        self._hops = 0
        self._steps = 0
        self._zig_next = 0  # next ring row the zig-zag has not seen
        self._hop_ranges: list[tuple[float, float]] = []  # per hop: rotation, acc range
        self._gaps: list[tuple[float, float]] = []  # recent gaps, to flag reps

    def _reset_filters(self) -> None:
        self._hist: FloatArray | None = None  # last two decimated inputs (FIR memory)
        self._zi = np.zeros((len(self._a) - 1, 6))
        self._theta = np.zeros(3)  # running plain integral of the gyro (rad)

    # -- Detector protocol ----------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return False

    @property
    def phase(self) -> str:
        """``idle`` outside a bout; ``out`` moving away from the rest side, ``back`` returning."""
        bout = self._bout
        if bout is None or self._zig.mode == 0:
            return "idle"
        return "back" if self._zig.mode == bout.rest_kind else "out"

    def on_recalibrated(self, t_s: float) -> None:
        """The counter does not use the start pose, so a new one changes nothing."""

    def update(self, frame: MotionFrame) -> list[Rep | NonRep]:
        n = len(frame)
        if n == 0:
            return []
        out: list[Rep | NonRep] = []
        resets: list[int] = []
        for gap in frame.gaps:
            self._gaps.append((gap.start_s, gap.end_s))
            del self._gaps[:-8]  # bounded: older gaps cannot overlap a pending rep
            if gap.duration_s > GAP_RESET_S:
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
                self._reset_filters()
            self._raw.append(rows[a:b])
            self._raw_n += b - a
            out.extend(self._drain(final=False))
        return out

    def finish(self) -> list[Rep | NonRep]:
        return self._close()

    def _close(self) -> list[Rep | NonRep]:
        """Decide everything buffered: the stream ends or a long hole interrupts it."""
        out = self._drain(final=True)
        if self._bout is None and self._ring.count > self._floor_n:
            # No more data will come, so a short set (three reps, say) that never filled
            # the window for a normal lock is judged on what there is.
            self._try_lock(float(self._ring.window(1)[0, 0]), out, final=True)
        out.extend(self._end_bout())
        return out

    # -- hop processing -------------------------------------------------------------------

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
        piece = FEATURE_STEPS * self._step_raw  # bounds the temporary feature array
        for p0 in range(0, usable, piece):
            p1 = min(p0 + piece, usable)
            feats = self._features(raw[p0:p1])
            for i in range(0, len(feats), self.step_n):
                decided = self._step(feats[i:i + self.step_n])
                # Stamped with the newest input sample the step consumed.
                _stamp(decided, float(raw[min(p0 + (i + self.step_n) * self.decimation,
                                              p1) - 1, 0]))
                out.extend(decided)
        self._raw = [raw[usable:]] if usable < self._raw_n else []
        self._raw_n -= usable
        return out

    def _features(self, raw: FloatArray) -> FloatArray:
        """Raw input rows → decimated rows [t, rotation xyz (rad), acceleration xyz]."""
        d = self.decimation
        m = len(raw) // d
        if m * d < len(raw):  # only at the end of a stream: a short last block
            whole = raw[: m * d].reshape(m, d, 7).mean(axis=1) if m else np.zeros((0, 7))
            dec = np.concatenate([whole, raw[m * d:].mean(axis=0, keepdims=True)], axis=0)
        else:
            # Block means: the anti-alias filter of the decimation (nulls at multiples of
            # the working rate); the 3 Hz low-pass follows at the working rate.
            if d > 1:
                dec = np.add.reduce(raw.reshape(m, d, 7), axis=1)
                dec *= 1.0 / d
            else:
                dec = raw
        if self._hist is None:
            # Before the stream the sensor is taken to be at rest: angular rate zero, and
            # the first specific force held (gravity), so neither feature starts on a step.
            self._hist = np.repeat(dec[:1], 2, axis=0)
            self._hist[:, 1:4] = 0.0
        ext = np.concatenate([self._hist, dec], axis=0)
        self._hist = ext[-2:]
        # FIR parts of the two band-passes (see feature_filter): a first difference
        # (integrator cancelled by the high-pass) for rotation, a second for acceleration.
        d1 = ext[1:, 1:] - ext[:-1, 1:]
        d1[1:, 3:] -= d1[:-1, 3:]
        d1[:, :3] *= 1.0 / self.work_hz
        y, self._zi = lfilter(self._b, self._a, d1[1:], axis=0, zi=self._zi)
        out = np.empty((len(dec), RING_WIDTH))
        out[:, 0] = dec[:, 0]
        out[:, 1:7] = y
        out[:, 7] = 0.0  # the detrended dominant component, filled in by _track
        # Unfiltered companions for the swing check of the zig-zag: the plain integral
        # of the gyro (no high-pass, so no settling after a set; its drift over the few
        # seconds between two turns is negligible) and the accelerometer itself.
        # Summed onto the running total sample by sample, so the result does not depend
        # on where the input was split.
        steps = np.concatenate([self._theta[None, :], dec[:, 1:4] * (1.0 / self.work_hz)])
        out[:, 8:11] = np.cumsum(steps, axis=0)[1:]
        self._theta = out[-1, 8:11].copy()
        out[:, 11:14] = dec[:, 4:7]
        return out

    def _step(self, block: FloatArray) -> list[Rep | NonRep]:
        """One tracking step of decimated rows; every ``steps_per_hop`` steps, a hop."""
        self._ring.push(block)
        self._steps += 1
        out: list[Rep | NonRep] = []
        if self._steps % self.steps_per_hop == 0:
            self._hop(float(block[-1, 0]), out)
        elif self._bout is not None:
            self._track(self._bout, out)
        return out

    def _hop(self, t_now: float, out: list[Rep | NonRep]) -> None:
        """Analysis hop: noise-floor ranges, lock attempts, period refresh, bout end."""
        self._hops += 1
        ranges = np.ptp(self._ring.window(self.hop_n)[:, 1:7], axis=0).tolist()
        self._hop_ranges.append((max(ranges[:3]), max(ranges[3:])))
        del self._hop_ranges[:-(self.window_n // self.hop_n + 1)]
        bout = self._bout
        if bout is None:
            if self._hops % LOCK_EVERY_HOPS == 0:
                self._try_lock(t_now, out)
            return
        if self._hops % REFRESH_HOPS == 0:
            self._refresh(bout)
        self._track(bout, out)
        if t_now - self._last_turn_t > max(UNLOCK_PERIODS * bout.period_s, UNLOCK_MIN_S):
            out.extend(self._end_bout())

    def _bout_window(self) -> FloatArray:
        """The analysis window, without rows that belonged to an earlier bout."""
        return self._ring.since(max(self._floor_n, self._ring.count - self.window_n))

    def _live(self) -> tuple[bool, bool]:
        """Whether rotation / acceleration moved more than their noise floor in the window
        (from per-hop ranges, so idle periods cost no autocorrelation)."""
        hops = self._hop_ranges[-max(1, self.window_n // self.hop_n):]
        rot = max((h[0] for h in hops), default=0.0)
        acc = max((h[1] for h in hops), default=0.0)
        return rot >= FLOOR_ROTATION_RAD, acc >= FLOOR_ACC_MPS2

    def _analyse(self, win: FloatArray, min_s: float, max_s: float, *, octave: bool
                 ) -> tuple[float, list[float], list[float]]:
        """Common period (searched in [min_s, max_s], then octave-checked if ``octave``)
        of the live features over ``win``.

        Returns (period_s, fundamental score per feature, autocorrelation at the period per
        feature), indexed by _ROTATION/_ACCELERATION; features below their noise floor
        get -inf. The common autocorrelation is the mean over the live features.
        """
        max_lag = int(PERIOD_MAX_S * self.work_hz) + 2
        alive = self._live()
        dead = [-math.inf, -math.inf]
        if not any(alive):
            return math.nan, dead, dead
        both = vector_autocorrelation(win[:, 1:7], max_lag, groups=2)
        acfs: list[FloatArray | None] = [both[:, sig] if alive[sig] else None
                                         for sig in (_ROTATION, _ACCELERATION)]
        common = both.mean(axis=1) if all(alive) else both[:, 0 if alive[0] else 1]
        period, _ = pick_period(common, self.work_hz, min_s, max_s, len(win))
        if period != period:
            return math.nan, dead, dead
        if octave:
            period = octave_check(common, period, self.work_hz,
                                  min(PERIOD_MAX_S, len(win) / (2.0 * self.work_hz)))
        lag = period * self.work_hz
        scores = [-math.inf if a is None else fundamental_score(a, lag) for a in acfs]
        at_t = [-math.inf if a is None else acf_at(a, lag) for a in acfs]
        return period, scores, at_t

    def _axes(self, win: FloatArray, bout: _Bout, period_s: float) -> None:
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
        if bout.signal == _ROTATION:
            bout.rot_axis = bout.axis
        else:
            bout.rot_axis = principal_axis_from_cov(cov[:3, :3],
                                                    bout.rot_axis if locked else None)

    def _try_lock(self, t_now: float, out: list[Rep | NonRep], *, final: bool = False
                  ) -> None:
        """Start a bout if the window shows a repetition period; replay the window.

        A period must have been seen LOCK_CYCLES times, and while the stream goes on its
        double must also fit in the window (so octave_check can reject a half period).
        At the end of the stream (``final``) that second wait is dropped: nothing more
        will come, and a short set (three reps) never fills the window.
        """
        win = self._bout_window()
        if len(win) < max(2.0 * PERIOD_MIN_S * self.work_hz, 2 * self.hop_n):
            return
        max_s = min(PERIOD_MAX_S, len(win) / (LOCK_CYCLES * self.work_hz))
        period, _, at_t = self._analyse(win, PERIOD_MIN_S, max_s, octave=True)
        if period != period:
            return
        if (not final and 2.0 * period <= PERIOD_MAX_S
                and 2.0 * period > len(win) / (2.0 * self.work_hz)):
            return  # wait until twice the period can be checked (see octave_check)
        # Rotation and acceleration come from the same limb motion, so at the true period
        # both repeat. A feature that is anti-correlated there says the lag is a half
        # period of its cycle (a harmonic of the other feature): not a repetition period.
        if any(r < 0.0 for r in at_t if r > -math.inf):
            return
        # Rotation first. Acceleration is the fallback for segments that hardly rotate:
        # it is considered when rotation is below its noise floor, or once half a window
        # has passed without rotation becoming periodic (early on, a harmonic of the
        # acceleration is easily mistaken for the period). What must repeat once per
        # period is the dominant component that will be counted, not every axis of the
        # feature (a circling pendulum repeats twice per cycle on its minor axis); the
        # feature as a whole must still repeat at the period (slow random sway can give
        # one projection a spurious single-cycle look).
        bout = _Bout(_ROTATION, np.zeros(3), np.zeros(3), period, [], [])
        score = -math.inf
        if at_t[_ROTATION] >= LOCK_SCORE:
            self._axes(win, bout, period)
            score = self._component_score(win, bout, period)
        if score < LOCK_SCORE:
            if at_t[_ACCELERATION] < LOCK_SCORE or not (
                    at_t[_ROTATION] == -math.inf or len(win) >= self.window_n // 2):
                return
            bout = _Bout(_ACCELERATION, np.zeros(3), np.zeros(3), period, [], [])
            self._axes(win, bout, period)
            if self._component_score(win, bout, period) < LOCK_SCORE:
                return
        self._bout = bout
        self._zig = ZigZag()
        last_turn_t = self._last_turn_t
        self._last_turn_t = t_now
        # Replay the buffered part of this bout, so reps of the warm-up are not lost.
        replayed: list[Rep | NonRep] = []
        self._zig_next = self._ring.count - len(win)
        self._track(bout, replayed)
        if bout.n_turns < (MIN_FINAL_TURNS if final else MIN_LOCK_TURNS):
            # Periodic-looking, but too few whole cycles of turning points in the window:
            # slow irregular movement does that. Undo and keep waiting.
            self._bout = None
            self._zig = ZigZag()
            self._last_turn_t = last_turn_t
            return
        for r in replayed:
            if isinstance(r, Rep):
                r.flags.append("warmup")
        out.extend(replayed)

    def _component_score(self, win: FloatArray, bout: _Bout, period_s: float) -> float:
        """Fundamental score of the dominant component (the feature on its axis)."""
        cols = slice(1 + 3 * bout.signal, 4 + 3 * bout.signal)
        x = (win[:, cols] @ bout.axis)[:, None]
        acf = vector_autocorrelation(x, int(period_s * self.work_hz) + 2)[:, 0]
        return fundamental_score(acf, period_s * self.work_hz)

    def _refresh(self, bout: _Bout) -> None:
        """Re-estimate the period (while still periodic) and the axes of the locked feature."""
        win = self._bout_window()
        # Track the period near its current value: a jump to a multiple (or half) of it
        # is an autocorrelation octave error far more often than a real tempo change
        # (irregular tempo can make 2T look as good as T), so no octave check here.
        period, scores, _ = self._analyse(win, bout.period_s / TRACK_RATIO,
                                          bout.period_s * TRACK_RATIO, octave=False)
        if period == period and scores[bout.signal] >= 0.5 * LOCK_SCORE:
            bout.period_s = period
        self._axes(win, bout, bout.period_s)

    def _swing_threshold(self, bout: _Bout, s_recent: FloatArray | None) -> float:
        """Hysteresis of the zig-zag: a fraction of the typical swing of this bout."""
        if len(bout.swings) >= 2:
            ordered = sorted(bout.swings)
            k = len(ordered)
            typical = 0.5 * (ordered[(k - 1) // 2] + ordered[k // 2])  # median
        else:
            typical = robust_range(s_recent) if s_recent is not None else 0.0
        floor = FLOOR_ROTATION_RAD if bout.signal == _ROTATION else FLOOR_ACC_MPS2
        return max(SWING_FRACTION * typical, 0.5 * floor)

    def _track(self, bout: _Bout, out: list[Rep | NonRep], *, final: bool = False) -> None:
        """Feed the zig-zag with the detrended dominant component and emit final reps.

        The component is the locked feature projected on its axis, minus its trailing
        moving average over one period: that removes everything slower than the
        repetition (posture changes, filter transients) and keeps the cycle itself. Over
        a steady cycle a one-period average does not depend on where the period starts,
        so the trailing average needs no look-ahead; only the first period of a bout,
        which has no full period behind it, uses the bout's first full-period average.
        """
        ring = self._ring
        width = 2 * round(0.5 * bout.period_s * self.work_hz) + 1
        start = max(ring.oldest(), self._floor_n)
        first = max(self._zig_next, start)
        last = ring.count - 1
        if last < first or (ring.count - start < width and not final):
            return
        lo = max(first - width + 1, start)
        seg = ring.since(lo)
        cols = slice(1 + 3 * bout.signal, 4 + 3 * bout.signal)
        x = seg[:, cols] @ bout.axis
        raw_cols = slice(8 + 3 * bout.signal, 11 + 3 * bout.signal)
        csum = np.cumsum(np.concatenate(([0.0], x)))
        w = min(width, len(x))
        off = first - lo
        if off >= w - 1:  # every sample has a full period behind it: one difference
            d = x[off:] - (csum[off + 1:] - csum[off + 1 - w: len(x) + 1 - w]) / w
        else:
            idx = np.arange(off, len(x))
            a = np.clip(idx - w + 1, 0, len(x) - w)
            d = x[idx] - (csum[a + w] - csum[a]) / w
        idx_t = seg[first - lo: last - lo + 1, 0]
        ring.set_column(first, 7, d)
        self._zig_next = last + 1
        recent: FloatArray | None = None
        if len(bout.swings) < 2:  # no typical swing yet: use the range of the last cycles
            n_recent = int(2.0 * bout.period_s * self.work_hz)
            recent = ring.since(max(start, last + 1 - n_recent))[: last + 1 - lo, 7]
        self._delta = self._swing_threshold(bout, recent)
        turns = self._zig.feed(idx_t, d, first, self._delta,
                               PLATEAU_FRACTION * bout.period_s)
        for turn in turns:
            turn.raw = seg[turn.n - lo, raw_cols].copy()
            self._add_turn(bout, turn)
        self._settle(bout, out, final=False)

    def _add_turn(self, bout: _Bout, turn: Turn) -> None:
        if bout.rest_kind == 0:
            bout.rest_kind = turn.kind  # the first turn of a bout is the start pose
        bout.n_turns += 1
        if bout.turns:
            bout.swings.append(abs(turn.value - bout.turns[-1].value))
            del bout.swings[:-5]
        bout.turns.append(turn)
        self._last_turn_t = turn.t_s

    def _settle(self, bout: _Bout, out: list[Rep | NonRep], *, final: bool) -> None:
        """Merge double humps, then emit each rep as soon as it is decided.

        ``turns`` always starts on the rest side: [rest, far, rest, far, ...]. A rep is
        emitted as soon as its return arrives (see _returned), which is its end;
        otherwise once its far turn is final: the next far turn is known to be at least
        MERGE_FRACTION periods later, or the bout is over.
        """
        turns = bout.turns
        merge_s = MERGE_FRACTION * bout.period_s
        while len(turns) >= 2:
            if len(turns) >= 4 and turns[3].t_s - turns[1].t_s < merge_s:
                a, b = turns[1], turns[3]
                keep = a if (a.value - b.value) * a.kind >= 0 else b
                turns[1:4] = [keep]  # an emitted rep stays emitted: the humps were one rep
                continue
            cand = self._zig.candidate
            later = cand is not None and cand[0] - turns[1].t_s >= merge_s
            if len(turns) >= 4 or final or (len(turns) == 3 and later):
                rest_b = turns[2] if len(turns) >= 3 else None
                if bout.emitted:
                    pass
                elif self._moved(bout, turns[0], turns[1], rest_b):
                    out.append(self._make_rep(bout, turns[0], turns[1], rest_b))
                elif rest_b is not None:
                    out.append(NonRep("partial", turns[0].t_s, rest_b.t_s, 0.0))
                bout.emitted = False
                del turns[:2]
                continue
            if not bout.emitted:
                end_s = self._returned(bout, turns[0], turns[1])
                if end_s is not None and self._moved(bout, turns[0], turns[1], None):
                    out.append(self._make_rep(bout, turns[0], turns[1], None, end_s=end_s))
                    bout.emitted = True
            break

    def _returned(self, bout: _Bout, rest: Turn, far: Turn) -> float | None:
        """Time (s) the return from ``far`` arrived, or None if it has not yet.

        Judged on the undetrended feature (the plain gyro integral or the accelerometer
        on the bout's axis), which shows the limb's own path: a trailing detrend moves
        within a rep whose size differs from the one before. The return has arrived when
        it is back within ZONE_FRACTION of the swing from ``rest`` (or beyond), or when it
        is ARRIVE_FRACTION of the way back and its speed has fallen to STOP_FRACTION of
        its peak (a return that ends short of the previous rest level).
        """
        rows = self._ring.since(far.n)
        axis = bout.axis
        far_v = float(far.raw @ axis)
        swing = abs(far_v - float(rest.raw @ axis))
        if len(rows) < 2 or swing <= 0.0:
            return None
        raw_cols = slice(8 + 3 * bout.signal, 11 + 3 * bout.signal)
        back = (rows[:, raw_cols] @ axis - far_v) * (-far.kind)  # distance returned
        speed = np.diff(back)
        peak = np.maximum.accumulate(speed)
        done = (back[1:] >= (1.0 - ZONE_FRACTION) * swing) | (
            (back[1:] >= ARRIVE_FRACTION * swing) & (speed <= STOP_FRACTION * peak))
        hit = np.flatnonzero(done)
        return float(rows[hit[0] + 1, 0]) if hit.size else None

    def _moved(self, bout: _Bout, rest_a: Turn, far: Turn, rest_b: Turn | None) -> bool:
        """Did the limb itself swing, not only the detrended component?

        The larger of the out and back swings of the undetrended feature (on the current
        axis) must reach RAW_FRACTION of the hysteresis. This rejects partial reps that
        detrending next to full ones enlarges, and the half swing the detrending mean
        draws when a set stops and it settles to the rest pose.
        """
        axis = bout.axis
        swing = abs(float((far.raw - rest_a.raw) @ axis))
        if rest_b is not None:
            swing = max(swing, abs(float((far.raw - rest_b.raw) @ axis)))
        return swing >= RAW_FRACTION * self._delta

    def _end_bout(self) -> list[Rep | NonRep]:
        bout = self._bout
        out: list[Rep | NonRep] = []
        if bout is None:
            return out
        self._track(bout, out, final=True)
        turn = self._zig.flush(self._delta)
        if turn is not None and turn.n >= self._ring.oldest():
            turn.raw = self._ring.since(turn.n)[0, 8 + 3 * bout.signal: 11 + 3 * bout.signal]
            turn.raw = turn.raw.copy()
            self._add_turn(bout, turn)
        self._settle(bout, out, final=True)
        self._bout = None
        self._zig = ZigZag()
        self._floor_n = self._ring.count
        return out

    # -- rep construction ---------------------------------------------------------------------

    def _make_rep(self, bout: _Bout, rest_a: Turn, far: Turn, rest_b: Turn | None, *,
                  end_s: float | None = None) -> Rep:
        """A rep from its turning points; ``end_s`` when it was decided on its return
        into the rest zone, before the next rest turn was known."""
        flags: list[str] = []
        if rest_a.n < self._ring.oldest():
            flags.append("start_outside_window")
        rows = self._ring.since(rest_a.n)
        base = self._ring.count - len(rows)
        t = rows[:, 0]
        s = rows[:, 7]
        i_far = min(max(far.n - base, 0), len(rows) - 1)
        # Leave the rest zone: last sample before the far turn within 10 % of the swing.
        thr_a = ZONE_FRACTION * abs(far.value - rest_a.value)
        near_a = np.flatnonzero(np.abs(s[: i_far + 1] - rest_a.value) <= thr_a)
        start_s = float(t[near_a[-1]]) if near_a.size else float(t[0])
        if rest_b is not None:
            i_b = min(max(rest_b.n - base, i_far), len(rows) - 1)
            thr_b = ZONE_FRACTION * abs(far.value - rest_b.value)
            near_b = np.flatnonzero(np.abs(s[i_far: i_b + 1] - rest_b.value) <= thr_b)
            end_s = float(t[i_far + near_b[0]]) if near_b.size else rest_b.t_s
            seg_end = i_b
        elif end_s is not None:
            seg_end = min(int(np.searchsorted(t, end_s)), len(rows) - 1)
        else:
            flags.append("return_not_seen")  # the stream or bout ended first
            end_s = float(t[-1])
            seg_end = len(rows) - 1
        # The far point is the extreme of the band-passed component itself between the
        # rep's ends: a trailing detrend that changes within the rep (a rep larger or
        # slower than the one before) shifts the detrended turn off the true extreme.
        i_a = int(np.searchsorted(t, start_s))
        cols = slice(1 + 3 * bout.signal, 4 + 3 * bout.signal)
        comp = (rows[i_a: seg_end + 1, cols] @ bout.axis) * far.kind
        far_s = float(t[i_a + int(np.argmax(comp))]) if comp.size else far.t_s
        rot = rows[: seg_end + 1, 1:4] @ bout.rot_axis
        rom_deg = float(np.ptp(rot)) * DEG_PER_RAD if rot.size else 0.0
        if any(g0 < end_s and g1 > start_s for g0, g1 in self._gaps):
            flags.append("gap")
        if bout.signal == _ACCELERATION:
            flags.append("acceleration_signal")
        return Rep(
            exercise=self.exercise,
            start_s=start_s,
            end_s=end_s,
            eccentric_s=max(end_s - far_s, 0.0),
            concentric_s=max(far_s - start_s, 0.0),
            phases=[Phase("out", start_s, far_s), Phase("back", far_s, end_s)],
            rom_deg=rom_deg,
            flags=flags,
            diagnostics={"cycle_s": round(end_s - start_s, 3), "period_s": round(bout.period_s, 3),
                   "signal": _SIGNAL_NAMES[bout.signal]},
        )
