"""Streaming attitude estimation with x-io's Fusion AHRS (``imufusion``).

We keep only what the detectors need from the attitude: the gravity direction in the
sensor frame (a unit vector) and the bias-corrected angular rate. Heading is never
used, so no magnetometer is needed and yaw drift is harmless.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import imufusion
import numpy as np
import numpy.typing as npt

from eccentric.attitude.settings import FusionSettings
from eccentric.attitude.stillness import StillDetector, equal_runs
from eccentric.attitude.vectors import cross_rows, row_norms
from eccentric.core.chunk import FloatArray, ImuChunk
from eccentric.core.units import DEG_PER_RAD, STANDARD_GRAVITY_MPS2

BIAS_DECIMATION = 8
# Relative deviation of a sample period from nominal that the filter is told about.
PERIOD_TOLERANCE = 0.25
# At or above this rate the filter runs on pairs of samples (see AttitudeFilter._stretch).
PAIR_MIN_HZ = 80.0


def _turned(g: FloatArray, gyro_dps: FloatArray, dt: float | FloatArray) -> FloatArray:
    """Unit gravity vectors (sensor frame) after turning by the gyro over dt (first order).

    ``dt`` (s) is one period for all rows or an (m, 1) column, one per row."""
    out = g + cross_rows(g, gyro_dps * (dt / DEG_PER_RAD))
    out /= row_norms(out)
    return out


def _norm(v: FloatArray) -> float:
    """Euclidean norm of a contiguous vector, as np.linalg.norm computes it."""
    return math.sqrt(float(v.dot(v)))


def _stacked(rows: list[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
    """The library's float32 3-vectors as one (m, 3) array.

    Joining their bytes costs a fraction of numpy's conversion of a list of arrays,
    which inspects every element.
    """
    # numpy's stubs declare the buffer protocol of arrays only for Python >= 3.12.
    joined = b"".join(rows)  # type: ignore[arg-type]
    return np.frombuffer(joined, dtype=np.float32).reshape(-1, 3)


class _PairBlock(NamedTuple):
    """Pairs whose first samples still need their turned gravity (see ``_stretch``)."""

    start: int  # index of the first sample of the first pair
    pairs: int
    gravity_before: FloatArray  # the filter's output just before ``start``
    dt: float


# Gaps longer than this many periods and GAP_RESTART_MIN_S restart the attitude from
# the accelerometer. Shorter ones are integrated over: a restart mid-movement trusts an
# accelerometer that also measures the movement, and costs more than it saves.
GAP_RESTART_FACTOR = 2.5
GAP_RESTART_MIN_S = 0.5
# At rest, check the attitude against the accelerometer every RESYNC_S and snap to it
# when they differ by more than RESYNC_DEG (the filter's own error at rest is ~0.1°;
# the start pose is learnt from the accelerometer, so this bounds their disagreement).
RESYNC_S = 1.0
RESYNC_DEG = 0.5


class AttitudeFilter:
    """Feed chunks in order; returns gravity direction and corrected gyro per sample."""

    def __init__(self, rate_hz: float, settings: FusionSettings | None = None) -> None:
        s = settings or FusionSettings()
        self.settings = s
        self.rate_hz = rate_hz
        self._nominal_dt = 1.0 / rate_hz
        self._ahrs = imufusion.Ahrs()
        ahrs_settings = imufusion.AhrsSettings()
        ahrs_settings.sample_rate = rate_hz
        ahrs_settings.gain = s.gain
        ahrs_settings.gyroscope_range = s.gyro_range_dps
        ahrs_settings.acceleration_rejection = s.acceleration_rejection_deg
        ahrs_settings.rejection_timeout = s.rejection_timeout_s
        self._ahrs.set_settings(ahrs_settings)
        self._bias = imufusion.Bias()
        bias_settings = imufusion.BiasSettings()
        bias_settings.sample_rate = rate_hz / BIAS_DECIMATION
        bias_settings.stationary_threshold = s.bias_stationary_threshold_dps
        bias_settings.stationary_period = s.bias_stationary_period_s
        self._bias.set_settings(bias_settings)
        self._filter_period = self._nominal_dt
        self._data_period = self._nominal_dt
        self._pair = rate_hz >= PAIR_MIN_HZ
        self._pending: tuple[FloatArray, FloatArray, float] | None = None
        self._last_gravity = np.array([0.0, 0.0, 1.0])
        self._last_t: float | None = None
        self._offset_dps = np.zeros(3)
        self._samples_seen = 0
        self._still = StillDetector(rate_hz)
        self._acc_tail = np.zeros((0, 3))
        self._still_run_start: float | None = None
        self._next_resync = 0.0
        self._gate = (None if s.accel_gate_dps is None
                      else (s.accel_gate_dps, s.accel_gate_mps2 / STANDARD_GRAVITY_MPS2))

    def _start_from(self, acc_g: FloatArray) -> None:
        """Begin at the attitude the first accelerometer sample implies.

        Fusion otherwise starts at identity and converges during a 3 s gain ramp, during
        which the segment angle would be meaningless; a still start pose is the norm.
        """
        norm = _norm(acc_g)
        if norm < 1e-6:
            return
        a = acc_g / norm
        # Shortest rotation taking the sensor's "up" reading onto the earth z axis.
        z = np.array([0.0, 0.0, 1.0])
        v = cross_rows(a[None, :], z[None, :])[0]
        c = float(a @ z)
        if c < -0.999999:
            q = np.array([0.0, 1.0, 0.0, 0.0])
        else:
            q = np.array([1.0 + c, v[0], v[1], v[2]])
            q /= _norm(q)
        self._ahrs.set_quaternion(q)
        self._ahrs.skip_startup()
        self._last_gravity = self._ahrs.get_gravity().copy()

    def _resync_points(self, t: FloatArray, acc_g: FloatArray, gyro_dps: FloatArray,
                       after_gap: npt.NDArray[np.bool_]
                       ) -> tuple[dict[int, FloatArray], npt.NDArray[np.bool_]]:
        """Where to check the attitude against gravity: every RESYNC_S of a still run.

        Returns ({index just after the check point: mean accelerometer direction}, the
        still mask). The still test and the mean use a trailing window carried across
        chunks.
        """
        still = self._still.update(acc_g * STANDARD_GRAVITY_MPS2, gyro_dps / DEG_PER_RAD)
        if after_gap.any():
            # Stillness before a gap says nothing about the pose after it.
            k = int(after_gap.nonzero()[0][-1])
            still[after_gap] = False
            self._acc_tail = self._acc_tail[:0] if k == 0 else self._acc_tail
        x = np.concatenate((self._acc_tail, acc_g))
        csum = np.concatenate((np.zeros((1, 3)), x)).cumsum(axis=0)
        off = len(self._acc_tail)
        w = self._still.width
        out: dict[int, FloatArray] = {}
        for a, b in equal_runs(still):
            if not still[a]:
                self._still_run_start = None
                continue
            if self._still_run_start is None:
                self._still_run_start = float(t[a])
                self._next_resync = self._still_run_start + RESYNC_S
            due = np.arange(self._next_resync, float(t[b - 1]) + 1e-12, RESYNC_S)
            for d in due.tolist():
                k = min(a + int(t[a:b].searchsorted(d)), b - 1)
                hi = off + k + 1
                mean = (csum[hi] - csum[max(hi - w, 0)]) / max(min(w, hi), 1)
                out[k + 1] = mean
            if len(due):
                self._next_resync = float(due[-1]) + RESYNC_S
        self._acc_tail = x[-w:]
        return out, still

    def _maybe_resync(self, gravity: FloatArray, acc_mean_g: FloatArray) -> None:
        """At rest the accelerometer *is* gravity: snap to it if the attitude disagrees.

        Fusion corrects slowly (gain 0.5) and not at all while it rejects the
        accelerometer, so after a fast lead-in movement the attitude can stay several
        degrees off through the still start pose that the angle is calibrated from.
        """
        norms = math.sqrt(float(acc_mean_g @ acc_mean_g) * float(gravity @ gravity))
        if norms < 1e-12:
            return
        cos = float(acc_mean_g @ gravity) / norms
        if math.degrees(math.acos(max(-1.0, min(1.0, cos)))) > RESYNC_DEG:
            self._start_from(acc_mean_g)

    def _gated(self, acc_g: FloatArray, gyro_dps: FloatArray) -> FloatArray:
        """The accelerometer rows Fusion may correct from (``FusionSettings.accel_gate_dps``);
        the others zeroed, which Fusion reads as "no accelerometer" (gyro only)."""
        assert self._gate is not None
        max_dps, max_dev_g = self._gate
        rate = row_norms(gyro_dps)[:, 0]
        dev = np.abs(row_norms(acc_g)[:, 0] - 1.0)
        out: FloatArray = np.where(((rate < max_dps) & (dev < max_dev_g))[:, None], acc_g, 0.0)
        return out

    def _set_period(self, period_s: float) -> None:
        if period_s != self._filter_period:
            self._ahrs.set_sample_period(period_s)
            self._filter_period = period_s

    def _run(self, gyro_dps: FloatArray, acc_g: FloatArray) -> npt.NDArray[np.float32]:
        """Update the filter with each row in turn; the gravity estimate after each (m, 3).

        This is the per-sample loop, so it is kept to the library calls. Fusion computes
        in float32 and casts each float64 argument to a new array on every call: casting
        the whole block here gives it the same values for about half the cost per call.
        """
        update = self._ahrs.update_no_magnetometer  # returns the filter itself
        return _stacked([update(w, a).get_gravity()
                         for w, a in zip(gyro_dps.astype(np.float32), acc_g.astype(np.float32),
                                         strict=True)])

    def _stretch(self, gyro_dps: FloatArray, acc_g: FloatArray, dt: float, lo: int, hi: int,
                 gravity: FloatArray, blocks: list[_PairBlock], *, ends_chunk: bool) -> None:
        """Run the filter over samples [lo, hi), which share the sample period ``dt``.

        Above PAIR_MIN_HZ the filter is updated once per *pair* of samples with their
        mean rate and acceleration over the pair's duration, which halves the cost of
        the library calls. The first sample of each pair gets the previous gravity
        turned by its own gyro sample (first order, dg/dt = g × ω): its error is
        (ω·dt)²/2, below 0.01° even at 200 °/s and 100 Hz. A pair may straddle two
        chunks (``_pending``); an odd sample before a break in the stream (gap, period
        change, resync) is fed on its own. Either way its output is the turned value, so
        chunking never changes the result.

        Nothing else reads the turned first samples of whole pairs, so they are left to
        ``_turn_first_samples`` (appended to ``blocks``), once per chunk; a lone sample
        is turned here because the next stretch may start from it.
        """
        if self._pending is not None and (hi <= lo or not self._pair):
            self._flush_pending()
        if hi <= lo:
            return
        if not self._pair:
            self._set_period(dt)
            gravity[lo:hi] = self._run(gyro_dps[lo:hi], acc_g[lo:hi])
            self._last_gravity = gravity[hi - 1].copy()
            return
        i = lo
        if self._pending is not None:
            w0, a0, dt0 = self._pending
            self._pending = None
            self._set_period(dt0 + dt)
            a_pair = 0.5 * (a0 + acc_g[i])
            if self._gate is not None and not (a0.any() and acc_g[i].any()):
                a_pair *= 0.0
            self._ahrs.update_no_magnetometer(0.5 * (w0 + gyro_dps[i]), a_pair)
            gravity[i] = self._ahrs.get_gravity()
            self._last_gravity = gravity[i].copy()
            i += 1
        m = (hi - i) // 2
        if m:
            w2 = 0.5 * (gyro_dps[i:i + 2 * m:2] + gyro_dps[i + 1:i + 2 * m:2])
            a2 = 0.5 * (acc_g[i:i + 2 * m:2] + acc_g[i + 1:i + 2 * m:2])
            if self._gate is not None:
                # A pair is quasi-static only if both its samples are (gated rows are 0).
                a2[~(acc_g[i:i + 2 * m:2].any(axis=1) & acc_g[i + 1:i + 2 * m:2].any(axis=1))] = 0.0
            self._set_period(2.0 * dt)
            gravity[i + 1:i + 2 * m:2] = self._run(w2, a2)
            blocks.append(_PairBlock(i, m, self._last_gravity, dt))
            i += 2 * m
            self._last_gravity = gravity[i - 1].copy()
        if i < hi:
            # One sample left: the first of a pair whose second is not here yet.
            gravity[i] = _turned(self._last_gravity[None, :], gyro_dps[i:i + 1], dt)[0]
            self._pending = (gyro_dps[i].copy(), acc_g[i].copy(), dt)
            self._last_gravity = gravity[i].copy()
            if not ends_chunk:
                self._flush_pending()

    @staticmethod
    def _turn_first_samples(gravity: FloatArray, gyro_dps: FloatArray,
                            blocks: list[_PairBlock]) -> None:
        """First sample of each pair: the previous output turned by its own gyro sample."""
        if not blocks:
            return
        # Gathered block by block with strided slices (a few per chunk), which copy
        # rows several times faster than indexing them one by one.
        before: list[FloatArray] = []
        gyro: list[FloatArray] = []
        for b in blocks:
            end = b.start + 2 * b.pairs
            # A block's first pair follows whatever came before it (a resync, a restart,
            # the previous chunk); each later pair follows the second sample of the one
            # before it.
            before += [b.gravity_before[None, :], gravity[b.start + 1:end - 2:2]]
            gyro.append(gyro_dps[b.start:end:2])
        dt = np.repeat([b.dt for b in blocks], [b.pairs for b in blocks])[:, None]
        out = _turned(np.concatenate(before), np.concatenate(gyro), dt)
        k = 0
        for b in blocks:
            gravity[b.start:b.start + 2 * b.pairs:2] = out[k:k + b.pairs]
            k += b.pairs

    def _flush_pending(self) -> None:
        """Feed a lone first-of-pair sample on its own (a break follows it)."""
        assert self._pending is not None
        w0, a0, dt0 = self._pending
        self._pending = None
        self._set_period(dt0)
        self._ahrs.update_no_magnetometer(w0, a0)

    def process(self, chunk: ImuChunk
                ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """Return gravity unit vectors (n,3), bias-corrected gyro in rad/s (n,3), and
        where the sensor is at rest (``segment_angle.StillDetector``; False right after a
        long gap)."""
        n = len(chunk)
        if n == 0:
            return np.empty((0, 3)), np.empty((0, 3)), np.zeros(0, dtype=bool)
        gyro_dps = chunk.gyro_rads * DEG_PER_RAD
        acc_g = chunk.acc_mps2 * (1.0 / STANDARD_GRAVITY_MPS2)
        t = chunk.t_s
        t_prev = t[0] - self._nominal_dt if self._last_t is None else self._last_t
        dts = t - np.concatenate(([t_prev], t[:-1]))
        # Sample-clock jitter within a quarter period is integrated at the nominal period:
        # the error is ω·Δt (0.25° at 100 °/s and 100 Hz, and it averages out), and
        # every period change splits the fast loop.
        tolerance = PERIOD_TOLERANCE * self._nominal_dt
        if self._last_t is None:
            self._start_from(acc_g[0])
        # The bias estimate moves slowly (it averages over ≥ 1 s still periods), so it is
        # updated on every BIAS_DECIMATION-th sample only, which saves ~2 µs per sample.
        # The phase of the decimation runs across chunks, so chunking changes nothing.
        first = (-self._samples_seen) % BIAS_DECIMATION
        learnt: list[npt.NDArray[np.float32]] = []
        # float32 rows for the same reason as in _run.
        for w in gyro_dps[first::BIAS_DECIMATION].astype(np.float32):
            self._bias.update(w)
            learnt.append(self._bias.get_offset())
        offsets = np.empty((n, 3))
        offsets[:first] = self._offset_dps
        if learnt:
            # Each estimate holds until the next update.
            offsets[first:] = np.repeat(_stacked(learnt), BIAS_DECIMATION, axis=0)[:n - first]
        self._offset_dps = offsets[-1].copy()
        self._samples_seen += n
        gyro_dps = gyro_dps - offsets
        # Most samples sit on the nominal grid; the loop is split only where the period
        # changes (jitter beyond PERIOD_TOLERANCE, a gap, and back after it), so that the
        # per-sample Python work stays at the library calls.
        nominal = self._nominal_dt
        # Across a long gap (dropped packets) the gyro says nothing about the missing
        # motion: integrating one sample's rate over a 1.4 s Polar frame loss turned a
        # 100 °/s Nordic fall into a 40° attitude error. Such samples restart the
        # attitude from gravity.
        restart = dts > max(GAP_RESTART_FACTOR * nominal, GAP_RESTART_MIN_S)
        wanted = np.where(np.abs(dts - nominal) > tolerance, dts.clip(1e-4, 1.0), nominal)
        wanted[restart] = nominal
        prev = np.concatenate(([self._data_period], wanted[:-1]))
        changes = ((wanted != prev) | restart).nonzero()[0].tolist()
        resync, still = self._resync_points(t, acc_g, gyro_dps, restart)
        gravity = np.empty((n, 3))
        blocks: list[_PairBlock] = []
        lo = 0
        fed_acc = acc_g if self._gate is None else self._gated(acc_g, gyro_dps)
        for k in sorted({*changes, *resync, n}):
            self._stretch(gyro_dps, fed_acc, float(wanted[lo]) if lo < n else nominal,
                          lo, k, gravity, blocks, ends_chunk=k == n)
            if k in resync:
                self._maybe_resync(gravity[k - 1], resync[k])
            if k == n:
                break
            if restart[k]:
                self._start_from(acc_g[k])
            lo = k
        self._turn_first_samples(gravity, gyro_dps, blocks)
        self._data_period = float(wanted[-1])
        gyro_out = gyro_dps
        self._last_t = float(t[-1])
        norms = row_norms(gravity)
        gravity /= np.where(norms > 0, norms, 1.0)
        gyro_out *= 1.0 / DEG_PER_RAD
        return gravity, gyro_out, still
