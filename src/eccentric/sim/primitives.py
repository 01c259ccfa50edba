"""Smooth motion primitives on a uniform time grid (angles in rad unless named _deg)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from eccentric.core.chunk import FloatArray


def min_jerk(u: npt.ArrayLike) -> FloatArray:
    """Minimum-jerk position shape s(u) for u in [0, 1]: s(0)=0, s(1)=1, zero vel/acc ends.

    The classic 10u³ − 15u⁴ + 6u⁵ (Flash & Hogan 1985) is the usual model of a smooth,
    unhurried point-to-point human movement; its peak speed is 1.875 × mean speed.
    """
    v = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
    out: FloatArray = v**3 * (10.0 - 15.0 * v + 6.0 * v**2)
    return out


def grid(duration_s: float, dt_s: float) -> FloatArray:
    """Sample times 0, dt, … covering ``duration_s`` (at least one sample)."""
    n = max(round(duration_s / dt_s), 1)
    return np.arange(n, dtype=np.float64) * dt_s


def move(start: float, end: float, duration_s: float, dt_s: float) -> FloatArray:
    """A minimum-jerk move from ``start`` to ``end``; excludes the start sample itself."""
    t = grid(duration_s, dt_s) + dt_s
    return start + (end - start) * min_jerk(t / duration_s)


def hold(value: float, duration_s: float, dt_s: float) -> FloatArray:
    return np.full(max(round(duration_s / dt_s), 0), value, dtype=np.float64)


def integrate(rate: FloatArray, start: float, dt_s: float) -> FloatArray:
    """Trapezoid integral of ``rate`` sampled on the grid, value ``start`` before sample 0."""
    inc = 0.5 * (rate + np.concatenate(([rate[0] if len(rate) else 0.0], rate[:-1]))) * dt_s
    out: FloatArray = start + np.cumsum(inc)
    return out


def smooth_noise(n: int, dt_s: float, sd: float, corner_hz: float,
                 rng: np.random.Generator) -> FloatArray:
    """Band-limited Gaussian noise with standard deviation ``sd`` (any unit).

    White noise through a 4th-order low-pass (two passes of a 2nd-order Butterworth),
    so its derivatives are small and smooth — used for postural sway.
    """
    from scipy import signal

    if n == 0:
        return np.zeros(0)
    pad = int(2.0 / (corner_hz * dt_s))
    raw = rng.normal(0.0, 1.0, n + pad)
    sos = signal.butter(2, corner_hz, fs=1.0 / dt_s, output="sos")
    y = signal.sosfiltfilt(sos, raw)[pad:]
    scale = float(np.std(y))
    out: FloatArray = y * (sd / scale) if scale > 0 else y
    return out


def band_noise(n: int, dt_s: float, lo_hz: float, hi_hz: float, sd: float,
               rng: np.random.Generator) -> FloatArray:
    """Gaussian noise confined to [lo_hz, hi_hz] with standard deviation ``sd``."""
    from scipy import signal

    if n == 0:
        return np.zeros(0)
    pad = int(2.0 / (lo_hz * dt_s))
    raw = rng.normal(0.0, 1.0, n + 2 * pad)
    sos = signal.butter(2, [lo_hz, hi_hz], btype="bandpass", fs=1.0 / dt_s, output="sos")
    y = signal.sosfiltfilt(sos, raw)[pad:pad + n]
    scale = float(np.std(y))
    out: FloatArray = y * (sd / scale) if scale > 0 else y
    return out
