"""Segment tilt relative to a swinging body (hanging exercises), without the swing.

Hanging from a bar, the body swings as a pendulum about the grip, and the working
segment (pelvis, thigh) tilts relative to the body line. The gyro sees both turns, the
swing φ and the tilt τ, about the same (sagittal) axis: θ' = φ' + τ'. The accelerometer
mostly does not see the swing: on a pendulum the specific force stays near the line
to the grip, turning only by a share (1 − ρ) of φ, where ρ = r·ω²/g depends on the
sensor's distance r from the bar and the swing frequency ω. So the accelerometer's
angle is α = τ + (1 − ρ)φ, and D = θ − α = ρφ is the swing alone, the tilt gone. The
tilt follows as τ = α + k·D (its fast part from the gyro), with k = −(1 − ρ)/ρ fitted
by least squares (the tilt is unrelated to the swing) over the last ``window_s`` of
samples where the segment is not tilting. Angles in degrees, rates in °/s.

Both α and D need a little future (centred smoothing, the high-pass of D), so frames
come out ``lag_s`` late; the excursion detector decides reps after the fact anyway.
"""

from __future__ import annotations

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.core.timing import Gap
from eccentric.detect.base import MotionFrame
from eccentric.detect.excursion.settings import SwingRule


def moving_mean(x: FloatArray, width: int) -> FloatArray:
    """Centred moving mean along axis 0 (odd ``width``; edges use the shorter window)."""
    n = x.shape[0]
    if width <= 1 or n == 0:
        return x.copy()
    if width > n:
        width = n if n % 2 else n - 1
        if width <= 1:
            return x.copy()
    half = width // 2
    c = np.concatenate((np.zeros((1, *x.shape[1:])), np.cumsum(x, axis=0)))
    shape = (-1,) + (1,) * (x.ndim - 1)
    # Slices, not index arrays: this runs a dozen times per block on every sample.
    head = c[half + 1:width] / np.arange(half + 1, width).reshape(shape)
    body = (c[width:] - c[:n + 1 - width]) / width
    tail = (c[n] - c[n - width + 1:n - half]) / np.arange(width - 1, half, -1).reshape(shape)
    out: FloatArray = np.concatenate((head, body, tail))
    return out


def swing_free_tilt(t_s: FloatArray, acc: FloatArray, gyro_dps: FloatArray,
                    ref: FloatArray, axis: FloatArray, rule: SwingRule, dt_s: float
                    ) -> tuple[FloatArray, float]:
    """(tilt τ in degrees from ``ref`` about ``axis``, fitted k) over one buffer."""
    f = moving_mean(acc, max(1, round(rule.smooth_s / dt_s)) | 1)
    f = f / np.maximum(np.linalg.norm(f, axis=1), 1e-9)[:, None]
    # The specific force turns the other way round the axis from the sensor.
    alpha = -np.degrees(np.arctan2(np.cross(ref, f) @ axis, f @ ref))
    w = gyro_dps @ axis
    step_s = np.diff(t_s)
    dtheta = 0.5 * (w[1:] + w[:-1]) * step_s
    # Across a data gap the gyro's integral misses the swing (and the tilt): take the
    # accelerometer's change instead, so that D = θ − α does not step there (a step in
    # D passes the high-pass and reaches the tilt for seconds: extra reps).
    gap = step_s > rule.gap_periods * dt_s
    dtheta[gap] = np.diff(alpha)[gap]
    theta = np.concatenate(([0.0], np.cumsum(dtheta)))
    d = theta - alpha
    hp = max(1, round(rule.highpass_s / dt_s)) | 1
    d_hp = d - moving_mean(d, hp)
    a_hp = alpha - moving_mean(alpha, hp)
    blend = max(1, round(rule.blend_s / dt_s)) | 1
    # Complementary: the accelerometer's angle below ~1/blend_s, the gyro's above it
    # (where tremor shakes the specific force by several degrees: α × lever arm).
    base = moving_mean(alpha, blend) + theta - moving_mean(theta, blend)
    d_lp = moving_mean(d_hp, blend)
    a_lp = moving_mean(a_hp, blend)
    k = -float(a_lp @ d_lp) / (float(d_lp @ d_lp) + rule.ridge_deg2 * len(d))
    tilt = base + k * d_lp
    # Refit where the segment is not tilting: there α carries the swing's share alone.
    rate = np.abs(moving_mean(np.gradient(tilt, t_s), max(1, round(0.3 / dt_s)) | 1))
    rest = rate < rule.rest_dps
    if rest.sum() * dt_s >= rule.min_rest_s:
        k = -float(a_lp[rest] @ d_lp[rest]) / (float(d_lp[rest] @ d_lp[rest])
                                               + rule.ridge_deg2 * int(rest.sum()))
        tilt = base + k * d_lp
    return tilt, k


class SwingRemover:
    """Frames in, the same frames ``lag_s`` later out, with ``angle_deg`` and
    ``rate_dps`` taken from the swing-free tilt (positive away from the rest level)."""

    def __init__(self, rule: SwingRule, rate_hz: float) -> None:
        self.rule = rule
        self.dt_s = 1.0 / rate_hz
        self._t: FloatArray = np.zeros(0)
        self._acc: FloatArray = np.zeros((0, 3))
        self._gyro: FloatArray = np.zeros((0, 3))
        self._gravity: FloatArray = np.zeros((0, 3))
        self._still = np.zeros(0, dtype=bool)
        self._gaps: list[Gap] = []
        self._done_t = -np.inf  # last sample handed on
        self._ref: FloatArray | None = None
        self._axis: FloatArray | None = None
        self._sign = 0.0  # which way of tilt is "out" (0: not yet known)
        self._block_end: float | None = None
        self._level: float | None = None
        # (t, angle, rate) the last block computed beyond what it handed on.
        self._prev: tuple[FloatArray, FloatArray, FloatArray] | None = None

    def update(self, frame: MotionFrame) -> MotionFrame | None:
        if not len(frame):
            return None
        self._t = np.concatenate((self._t, frame.t_s))
        self._acc = np.concatenate((self._acc, frame.acc_mps2))
        self._gyro = np.concatenate((self._gyro, np.degrees(frame.gyro_rads)))
        self._gravity = np.concatenate((self._gravity, frame.gravity))
        self._still = np.concatenate((self._still, frame.still))
        self._gaps.extend(frame.gaps)
        if self._block_end is None:
            self._block_end = float(self._t[0]) + self.rule.block_s
        # Blocks on a fixed time grid, each computed from the samples up to ``lag_s``
        # past its end: the output does not depend on how the stream was chunked.
        parts: list[MotionFrame] = []
        while float(self._t[-1]) >= self._block_end + self.rule.lag_s:
            hi = int(self._t.searchsorted(self._block_end + self.rule.lag_s, side="right"))
            part = self._emit(self._block_end, hi)
            if part is not None:
                parts.append(part)
            self._block_end += self.rule.block_s
        self._trim()
        return _join(parts)

    def flush(self) -> MotionFrame | None:
        if not len(self._t) or self._t[-1] <= self._done_t:
            return None
        return self._emit(float(self._t[-1]), len(self._t))

    def _emit(self, upto_t: float, hi: int) -> MotionFrame | None:
        rule = self.rule
        lo = int(self._t.searchsorted(self._t[hi - 1] - rule.window_s))
        t, acc, g = self._t[lo:hi], self._acc[lo:hi], self._gyro[lo:hi]
        if self._ref is None:
            m = acc[t <= t[0] + rule.ref_s].mean(axis=0)
            self._ref = m / max(float(np.linalg.norm(m)), 1e-9)
        # The swing's and the tilt's axis: the gyro's principal direction.
        _, vecs = np.linalg.eigh(g.T @ g)
        axis = vecs[:, -1]
        if self._axis is not None and float(axis @ self._axis) < 0:
            axis = -axis
        self._axis = axis
        if len(t) < 3:  # too little to differentiate: no tilt yet
            tilt = np.zeros(len(t))
        else:
            tilt, _ = swing_free_tilt(t, acc, g, self._ref, axis, rule, self.dt_s)
        self._update_sign(tilt)
        s = self._sign or 1.0
        x = s * tilt
        low = _kth(x, rule.rest_percentile)
        # The rest cluster's middle: its lower tail is ``low``, its spread the noise.
        target = _kth(x[x <= low + rule.rest_band_deg], 50.0)
        # The rest level creeps (slower than any tilt): a posture or a window edge that
        # moves the percentile at once must not move the angle at once.
        step = rule.level_dps * rule.block_s
        level = target if self._level is None else \
            self._level + float(np.clip(target - self._level, -step, step))
        self._level = level
        sel = np.flatnonzero((t > self._done_t) & (t <= upto_t))
        if sel.size == 0:
            return None
        a, b = int(sel[0]), int(sel[-1]) + 1
        angle_all = s * tilt - level
        rate_all = s * np.gradient(tilt, t) if len(t) > 1 else np.zeros(len(t))
        angle, rate = self._blend(t[a:b], angle_all[a:b], rate_all[a:b])
        self._prev = (t[b:], angle_all[b:], rate_all[b:])
        t1 = float(t[b - 1])
        gaps = [gp for gp in self._gaps if self._done_t < gp.end_s <= t1]
        out = MotionFrame(t[a:b], acc[a:b], np.radians(g[a:b]), self._gravity[lo + a:lo + b],
                          self._still[lo + a:lo + b], angle, rate, gaps)
        self._done_t = t1
        return out

    def _blend(self, t: FloatArray, angle: FloatArray, rate: FloatArray
               ) -> tuple[FloatArray, FloatArray]:
        """Fade from what the previous block computed for these samples to this block's
        values: each refit (k, rest level) shifts the tilt a little, and a step in the
        angle would look like a knock, not a tilt."""
        if self._prev is None:
            return angle, rate
        pt, pa, pr = self._prev
        n = min(len(pt), len(t))
        if n == 0 or not np.array_equal(pt[:n], t[:n]):
            return angle, rate
        w = np.zeros(len(t))
        w[:n] = np.linspace(1.0, 0.0, n + 1)[:n] if n > 1 else 1.0
        diff = np.zeros(len(t))
        diff[:n] = pa[:n] - angle[:n]
        dw = np.gradient(w, t) if len(t) > 1 else np.zeros(len(t))
        return angle + w * diff, rate + w * (np.pad(pr[:n], (0, len(t) - n)) - rate) \
            * (np.arange(len(t)) < n) + dw * diff

    def _update_sign(self, tilt: FloatArray) -> None:
        """Tilts go one way from the reference (the body line at the start: knees up,
        pelvis tucked): the side that reaches clearly further, once one does."""
        lo, hi = np.percentile(tilt, (2.0, 98.0))
        up, down = float(hi), -float(lo)
        need = self.rule.sign_ratio
        if up > need * max(down, 0.0) and up > self.rule.sign_min_deg:
            self._sign = 1.0
        elif down > need * max(up, 0.0) and down > self.rule.sign_min_deg:
            self._sign = -1.0

    def _trim(self) -> None:
        keep = int(self._t.searchsorted(self._t[-1] - self.rule.window_s
                                        - self.rule.lag_s - self.rule.block_s))
        if keep > 0:
            self._t, self._acc = self._t[keep:], self._acc[keep:]
            self._gyro, self._gravity = self._gyro[keep:], self._gravity[keep:]
            self._still = self._still[keep:]
        self._gaps = [gp for gp in self._gaps if gp.end_s > self._done_t]


def _kth(x: FloatArray, percent: float) -> float:
    """The ``percent`` percentile by rank (no interpolation): a partition, not a sort."""
    k = min(int(percent / 100.0 * len(x)), len(x) - 1)
    return float(np.partition(x, k)[k])


def _join(parts: list[MotionFrame]) -> MotionFrame | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    def cat(name: str) -> FloatArray:
        out: FloatArray = np.concatenate([getattr(p, name) for p in parts])
        return out

    return MotionFrame(cat("t_s"), cat("acc_mps2"), cat("gyro_rads"), cat("gravity"),
                       np.concatenate([p.still for p in parts]), cat("angle_deg"), cat("rate_dps"),
                       [g for p in parts for g in p.gaps])
