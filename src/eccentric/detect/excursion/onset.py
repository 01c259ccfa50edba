"""Kinematic onset of a movement: the instant the segment left its pose.

The rate rule (``phases.crossing``) starts a movement where its speed passes a threshold
(3 °/s for a Nordic lean). A movement whose speed rises from zero — a lean that follows
θ ∝ t^1.4–1.9, or a minimum-jerk curl — has begun well before that: up to ~2 s and ~3°
earlier for a slow power-law lean. A coach with a stopwatch starts it when the lean
begins, so the start is placed there.

The angle turned about the movement's axis (the rate integrated from a little before
the crossing) is fitted by "a₀ + b·t, then a₀ + b·t + c·s(t − t₀) from t₀ on" (c > 0),
where s is a power law (p from 1 to 4) or a minimum-jerk speed ramp (0.2–1.3 s), and t₀
of the best fit is the onset. The integrated rate is smooth where the attitude's angle
is not (a trunk sensor's accelerometer moves by ~1° at rest), and b takes up what is
left of the gyro offset (a few tenths of °/s, ~1° over the fit). Only ``PRE_S`` of the
still pose before each candidate t₀ enters its fit, and t₀ lies within ``MAX_WALK_S``
of the crossing and after ``lo_i`` — where the caller found the last earlier movement
(a hesitation, a sway, the previous phase) stopped.
"""

from __future__ import annotations

import numpy as np

from eccentric.core.chunk import FloatArray

# The onset lies at most this long before the rate crossing (s): a t^1.9 lean reaching
# a 30–45° break in 5 s passes 3 °/s ~1.9 s after it began.
MAX_WALK_S = 2.5
# Still pose the fit sees before a candidate onset (s): long enough to tell the offset
# drift b from the onset; and the least it may see when the previous movement ended
# closer than that (a short hold before a roll-out, a pause after a hesitation).
PRE_S = 1.0
MIN_PRE_S = 0.15
# The fit runs until the segment has turned this far (deg) beyond the crossing, and at
# most this long after it (s): the early part of the movement, which one shape fits.
FIT_SPAN_DEG = 4.0
FIT_MAX_S = 1.5
# The drift b is held towards 0 by a ridge of (NOISE_DEG / OFFSET_DPS)² per sample:
# unbounded, it takes up the first, slow second of a power-law lean as "offset"; held
# too tightly (OFFSET_DPS 0.3–1 °/s), the offset Fusion leaves shifts min-jerk onsets
# late (tuning draw of benchmarks/onset_sway.py: 2 °/s was best of 0.1–4).
NOISE_DEG = 0.1
OFFSET_DPS = 2.0
# Candidate onsets every COARSE_S (s), then every STEP_S around the best; samples
# thinned to about FIT_HZ (Hz): the onset is a slow trend (and each rep's fit stays
# ~1 ms, so the replay keeps over 1000× real time).
COARSE_S = 0.06
STEP_S = 0.01
FIT_HZ = 25.0
# Onset shapes: a power law (t − t₀)^p, and a speed that ramps up as a minimum-jerk
# profile over T s and then holds (the usual model of a voluntary movement's start).
POWERS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0)
RAMPS_S = (0.2, 0.3, 0.45, 0.6, 0.8, 1.0, 1.3)


def _ramp_distance(lag_s: FloatArray, ramp_s: float) -> FloatArray:
    """Distance covered (in units of the final speed × 1 s) ``lag_s`` after a speed that
    rises as a minimum-jerk profile over ``ramp_s`` began; 0 before."""
    u = np.clip(lag_s / ramp_s, 0.0, 1.0)
    inside = u * u * u * u * (2.5 - 3.0 * u + u * u)
    out: FloatArray = ramp_s * inside + np.clip(lag_s - ramp_s, 0.0, None)
    return out


def _shapes(pos: FloatArray) -> list[FloatArray]:
    return [pos ** p for p in POWERS] + [_ramp_distance(pos, r) for r in RAMPS_S]


def _best_onset(t: FloatArray, y: FloatArray, t0: FloatArray) -> float | None:
    """The candidate onset (s, on ``t``'s axis) whose fit of ``y`` is best, if any."""
    lag = t[None, :] - t0[:, None]  # (candidates, samples)
    w = (lag >= -PRE_S).astype(np.float64)
    pos = np.clip(lag, 0.0, None)
    wt = w * t
    s1, st, stt = w.sum(axis=1), wt.sum(axis=1), wt @ t
    sy, sty, syy = w @ y, wt @ y, w @ (y * y)
    ridge = s1 * (NOISE_DEG / OFFSET_DPS) ** 2
    best_mse, best_t0 = np.inf, None
    for shape in _shapes(pos):
        # Least squares of y ≈ a₀ + b·t + c·shape over each candidate's window, by its
        # normal equations (3 × 3, one per candidate), the drift b held by the ridge.
        x = shape * w
        sx, sxx, sxy, stx = x.sum(axis=1), (x * shape).sum(axis=1), x @ y, x @ t
        m = np.stack([np.stack([s1, st, sx], -1), np.stack([st, stt + ridge, stx], -1),
                      np.stack([sx, stx, sxx], -1)], -2)
        rhs = np.stack([sy, sty, sxy], -1)
        ok = np.abs(np.linalg.det(m)) > 1e-9
        m[~ok] = np.eye(3)
        coef = np.linalg.solve(m, rhs[..., None])[..., 0]
        sse = syy - (coef * rhs).sum(axis=1)
        mse = np.where(ok & (coef[:, 2] > 0.0), sse / s1, np.inf)
        k = int(np.argmin(mse))
        if mse[k] < best_mse:
            best_mse, best_t0 = float(mse[k]), float(t0[k])
    return best_t0


def kinematic_onset(t_s: FloatArray, rate_dps: FloatArray, cross_i: int, lo_i: int,
                    hi_i: int) -> int:
    """Index of the onset of a movement that turns the segment from a still pose.

    ``rate_dps``: the segment's rate about the movement's axis, positive its way;
    ``cross_i``: where it crossed the start threshold; ``lo_i``: the earliest index the
    onset may have; ``hi_i``: the last index the fit may use (the movement's peak
    speed). Returns ``cross_i`` when no onset fits.
    """
    n = len(t_s)
    if n < 3 or cross_i <= lo_i:
        return cross_i
    hi_i = min(max(hi_i, cross_i), n - 1)
    t_cross = float(t_s[cross_i])
    a = max(lo_i, int(t_s.searchsorted(t_cross - MAX_WALK_S - PRE_S)))
    b = min(hi_i, int(t_s.searchsorted(t_cross + FIT_MAX_S)))
    seg_t, r = t_s[a:b + 1], rate_dps[a:b + 1]
    turned = np.concatenate(([0.0], np.cumsum(0.5 * (r[1:] + r[:-1]) * np.diff(seg_t))))
    turned -= turned[cross_i - a]
    ahead = np.flatnonzero(turned[cross_i - a:] >= FIT_SPAN_DEG)
    if ahead.size:
        b = cross_i + int(ahead[0])
    dt = float(t_s[-1] - t_s[0]) / (n - 1)
    stride = max(1, round(1.0 / (FIT_HZ * dt)))
    if b - a < 4 * stride:
        return cross_i
    t = seg_t[:b - a + 1:stride] - t_cross
    y = turned[:b - a + 1:stride]
    first = max(float(t[0]) + MIN_PRE_S, -MAX_WALK_S)
    if first > 0.0:
        return cross_i
    # Coarse candidates, then fine ones around the best coarse one.
    coarse = np.arange(first, COARSE_S / 2, COARSE_S)
    best_t0 = _best_onset(t, y, coarse)
    if best_t0 is None:
        return cross_i
    fine = np.arange(max(best_t0 - COARSE_S, first), min(best_t0 + COARSE_S, 0.0) + STEP_S / 2,
                     STEP_S)
    best_t0 = _best_onset(t, y, fine)
    if best_t0 is None:
        return cross_i
    return max(min(int(t_s.searchsorted(t_cross + best_t0)), cross_i), lo_i)
