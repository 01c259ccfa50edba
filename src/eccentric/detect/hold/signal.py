"""Pure signal helpers of the hold detector: block means, crossings, sway, hip dips.

Angles in degrees, times in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eccentric.core.chunk import FloatArray


@dataclass(frozen=True)
class Blocks:
    """Means of consecutive blocks of ``k`` samples: time (s), tilt (deg) and the unit
    direction of the mean specific force (sensor frame)."""

    t_s: FloatArray
    angle_deg: FloatArray
    acc_dir: FloatArray  # (m, 3)
    gyro_rads: FloatArray  # (m, 3), block mean


def block_means(t_s: FloatArray, angle_deg: FloatArray, acc_mps2: FloatArray,
                gyro_rads: FloatArray, k: int, carry: Blocks | None) -> tuple[Blocks, Blocks]:
    """Full blocks of ``k`` samples (``carry``: the samples left over last time, first)
    and the samples left over now (their ``acc_dir`` holds raw m/s²)."""
    if carry is not None and len(carry.t_s):
        t_s = np.concatenate([carry.t_s, t_s])
        angle_deg = np.concatenate([carry.angle_deg, angle_deg])
        acc_mps2 = np.concatenate([carry.acc_dir, acc_mps2])
        gyro_rads = np.concatenate([carry.gyro_rads, gyro_rads])
    m = len(t_s) // k
    n = m * k
    acc = acc_mps2[:n].reshape(m, k, 3).mean(axis=1)
    acc /= np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-9)
    done = Blocks(t_s[:n].reshape(m, k).mean(axis=1), angle_deg[:n].reshape(m, k).mean(axis=1),
                  acc, gyro_rads[:n].reshape(m, k, 3).mean(axis=1))
    return done, Blocks(t_s[n:].copy(), angle_deg[n:].copy(), acc_mps2[n:].copy(),
                        gyro_rads[n:].copy())


Vec3 = tuple[float, float, float]


def unit(v: Vec3) -> Vec3:
    """``v`` scaled to length 1 (unchanged if it is nearly zero)."""
    n = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    if n < 1e-12:
        return v
    return (v[0] / n, v[1] / n, v[2] / n)


def complementary_step(g: Vec3, gyro_rads: Vec3, acc_dir: Vec3, dt_s: float,
                       tau_s: float) -> Vec3:
    """One step of a complementary filter of the gravity direction (sensor frame): turn
    ``g`` by the gyro over ``dt_s`` (dg/dt = −ω × g), then pull it toward the measured
    specific-force direction with time constant ``tau_s`` (the accelerometer's sway and
    tremor accelerations average out over it; gyro bias drifts it by at most bias × tau).
    Plain floats: it runs once per block, where numpy's per-call cost would dominate."""
    wx, wy, wz = gyro_rads
    gx, gy, gz = g
    tx = gx - (wy * gz - wz * gy) * dt_s
    ty = gy - (wz * gx - wx * gz) * dt_s
    tz = gz - (wx * gy - wy * gx) * dt_s
    a = min(dt_s / tau_s, 1.0)
    return unit((tx + a * (acc_dir[0] - tx), ty + a * (acc_dir[1] - ty),
                 tz + a * (acc_dir[2] - tz)))


def angle_between_deg(u: Vec3, v: Vec3) -> float:
    """Angle (deg) between two unit vectors, accurate for small angles too."""
    d = math.sqrt((u[0] - v[0]) ** 2 + (u[1] - v[1]) ** 2 + (u[2] - v[2]) ** 2)
    s = math.sqrt((u[0] + v[0]) ** 2 + (u[1] + v[1]) ** 2 + (u[2] + v[2]) ** 2)
    return math.degrees(2.0 * math.atan2(d, s))


def crossing_time(t0: float, x0: float, t1: float, x1: float, level: float) -> float:
    """Where the line from (t0, x0) to (t1, x1) crosses ``level`` (clipped to [t0, t1])."""
    if x1 == x0:
        return t1
    frac = min(max((level - x0) / (x1 - x0), 0.0), 1.0)
    return t0 + frac * (t1 - t0)


def rise_after_low_s(t_s: Sequence[float], x: Sequence[float], level: float,
                     low: float) -> float | None:
    """Time of the first upward crossing of ``level`` after x was last below ``low``: a
    lift that pauses near ``level`` (a hesitant lift) starts where it first got there,
    while a lift that fell back down first starts again. None if x never was below
    ``level``."""
    start = 0
    for i in range(len(x) - 1, -1, -1):
        if x[i] < low:
            start = i
            break
    for i in range(start + 1, len(x)):
        if x[i - 1] < level <= x[i]:
            return crossing_time(t_s[i - 1], x[i - 1], t_s[i], x[i], level)
    return None


def rms_about_mean(total: float, total_sq: float, n: int) -> float:
    """RMS of n values about their mean, from their sum and sum of squares."""
    if n <= 0:
        return 0.0
    mean = total / n
    return math.sqrt(max(total_sq / n - mean * mean, 0.0))


def ema_step(previous: float, x: float, dt_s: float, tau_s: float) -> float:
    """One step of an exponential moving average with time constant ``tau_s``."""
    a = 1.0 - math.exp(-dt_s / tau_s) if tau_s > 0 else 1.0
    return previous + a * (x - previous)


@dataclass(frozen=True)
class DipState:
    """In a dip since ``since_s`` (None: not in one)."""

    since_s: float | None = None


def dip_step(state: DipState, t_s: float, depth_deg: float, threshold_deg: float,
             max_dip_s: float) -> tuple[DipState, bool, bool]:
    """One step of the hip-dip counter. ``depth_deg``: running level minus tilt.

    Returns (new state, a dip was completed, a dip turned out to be sag). A dip starts at
    ``threshold_deg`` below the level and completes when back within half of it; one that
    lasts over ``max_dip_s`` is slow sag, not a dip.
    """
    if state.since_s is None:
        if depth_deg >= threshold_deg:
            return DipState(t_s), False, False
        return state, False, False
    if depth_deg <= 0.5 * threshold_deg:
        return DipState(), True, False
    if t_s - state.since_s > max_dip_s:
        return DipState(), False, True
    return state, False, False
