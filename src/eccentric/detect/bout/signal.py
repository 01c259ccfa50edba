"""Pure signal helpers of the bout detector. Rates in rad/s unless named _dps, times in
seconds."""

from __future__ import annotations

import math

import numpy as np

from eccentric.core.chunk import FloatArray


def block_means(t_s: FloatArray, gyro_rads: FloatArray, k: int,
                carry: tuple[FloatArray, FloatArray] | None
                ) -> tuple[FloatArray, FloatArray, tuple[FloatArray, FloatArray]]:
    """Means of full blocks of ``k`` samples (time, gyro (m, 3)), after the samples
    ``carry`` left over last time; and the samples left over now."""
    if carry is not None and len(carry[0]):
        t_s = np.concatenate([carry[0], t_s])
        gyro_rads = np.concatenate([carry[1], gyro_rads])
    m = len(t_s) // k
    n = m * k
    return (t_s[:n].reshape(m, k).mean(axis=1), gyro_rads[:n].reshape(m, k, 3).mean(axis=1),
            (t_s[n:].copy(), gyro_rads[n:].copy()))


def principal_axis(rates: FloatArray) -> FloatArray:
    """Unit axis (3,) along which the rate vectors (m, 3) vary most: the stroke axis,
    whatever way the sensor sits on the segment."""
    centred = rates - rates.mean(axis=0)
    _, vecs = np.linalg.eigh(centred.T @ centred)
    axis: FloatArray = vecs[:, -1]
    return axis


def moving_mean(x: FloatArray, n: int) -> FloatArray:
    """Centred moving mean over ``n`` samples (shorter at the ends)."""
    if n <= 1 or len(x) == 0:
        return x.copy()
    c = np.concatenate([[0.0], np.cumsum(x)])
    i = np.arange(len(x))
    lo = np.maximum(i - n // 2, 0)
    hi = np.minimum(i + (n - n // 2), len(x))
    out: FloatArray = (c[hi] - c[lo]) / (hi - lo)
    return out


def count_lobes(p: FloatArray, threshold: float) -> tuple[int, list[int]]:
    """Cycles of a signal oscillating about zero: each rise above ``threshold`` after a
    fall below ``-threshold`` (or the first rise) is one cycle. Returns the count and
    the index where each counted cycle's positive lobe began."""
    state = 0
    starts: list[int] = []
    for i, v in enumerate(p.tolist()):
        if v > threshold and state <= 0:
            state = 1
            starts.append(i)
        elif v < -threshold and state >= 0:
            state = -1
    return len(starts), starts


def cycle_count(p: FloatArray, threshold: float) -> int:
    """Full back-and-forth cycles of ``p``: whichever sign leads, the lobes of the more
    numerous sign (a bout that starts and ends on the same way has one more of it)."""
    pos, _ = count_lobes(p, threshold)
    neg, _ = count_lobes(-p, threshold)
    return max(pos, neg)


def sine_lead_s(fraction: float, freq_hz: float) -> float:
    """Time a sinusoidal rate starting from rest needs to reach ``fraction`` of its
    peak (s): asin(fraction) / (2π f)."""
    if freq_hz <= 0:
        return 0.0
    return math.asin(min(max(fraction, 0.0), 1.0)) / (2 * math.pi * freq_hz)


def first_last_above(x: FloatArray, level: float) -> tuple[int, int] | None:
    """Indices of the first and last element of ``x`` above ``level`` (None if none)."""
    idx = np.flatnonzero(x > level)
    if len(idx) == 0:
        return None
    return int(idx[0]), int(idx[-1])


def count_stops(quiet: np.ndarray, min_len: int) -> int:
    """Runs of at least ``min_len`` consecutive True values in ``quiet``."""
    runs = 0
    length = 0
    for q in quiet.tolist():
        if q:
            length += 1
            if length == min_len:
                runs += 1
        else:
            length = 0
    return runs
