"""Pure signal-processing helpers of the cycle counter (arrays in, arrays out).

No state and no tuning globals: every tuning value a function needs comes in as an
argument (the counter passes it from its :class:`~.settings.CycleSettings`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import butter

from eccentric.core.chunk import FloatArray


def feature_filter(work_hz: float, highpass_hz: float, lowpass_hz: float
                   ) -> tuple[FloatArray, FloatArray]:
    """IIR part (b, a) of the two feature band-passes at the working rate ``work_hz``,
    high-pass at ``highpass_hz``, low-pass at ``lowpass_hz`` (at most 0.4 ``work_hz``).

    rotation     = integral(gyro) → high-pass → low-pass
    acceleration = acc → high-pass → low-pass
    A 2nd-order Butterworth high-pass is b0·(1 - z^-1)^2 / A_hp(z); the integrator
    T/(1 - z^-1) cancels one of its zeros. So both features share the denominator
    A_hp·A_lp and the numerator b0·B_lp, and differ only in an FIR factor applied before:
    T·(1 - z^-1) for the gyro, (1 - z^-1)^2 for the accelerometer. Both are stable
    band-passes: no drift from a residual gyro bias, no gravity offset.
    """
    b_hp, a_hp = butter(2, highpass_hz, btype="high", fs=work_hz)
    lp_hz = min(lowpass_hz, 0.4 * work_hz)
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
                window_n: int, peak_tolerance: float) -> tuple[float, float]:
    """Repetition period from an autocorrelation: among its local maxima with lag in
    [min_s, max_s] and at most half the ``window_n`` samples it came from (so two cycles
    were seen), the shortest lag whose value is within ``peak_tolerance`` of the highest.

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
    best = int(peaks[np.flatnonzero(values >= values.max() - peak_tolerance)[0]])
    k = lo + best
    # Parabolic interpolation of the peak for sub-sample period resolution.
    y0, y1, y2 = float(acf[k - 1]), float(acf[k]), float(acf[k + 1])
    den = y0 - 2.0 * y1 + y2
    off = 0.5 * (y0 - y2) / den if den < 0 else 0.0
    return (k + off) / rate_hz, y1


def octave_check(acf: FloatArray, period_s: float, rate_hz: float, max_s: float,
                 margin: float) -> float:
    """Double the period (at most ``max_s``) while the autocorrelation is clearly higher
    at twice the lag: by at least ``margin``.

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
        if float(acf[k]) < acf_at(acf, period_s * rate_hz) + margin:
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


def jerkiness(x: FloatArray) -> float:
    """Energy of the second difference of ``x`` over its variance (dimensionless, per
    sample): near (2 pi f / rate)^4 for a smooth oscillation at f, far larger with sharp
    transients such as heel strikes."""
    d = x - x.mean()
    d2 = np.diff(d, 2)
    return float(d2 @ d2) / max(float(d @ d), 1e-300)


def impact_train(acc_norm: FloatArray) -> FloatArray:
    """The train of sharp transients of an acceleration magnitude: its squared second
    difference, smoothed over three samples (same length as the input)."""
    x = acc_norm - acc_norm.mean()
    d2 = np.zeros_like(x)
    d2[1:-1] = np.square(x[2:] - 2.0 * x[1:-1] + x[:-2])
    out: FloatArray = np.convolve(d2, np.ones(3) / 3.0, mode="same")
    return out


def step_regularity(acc_norm: FloatArray, rate_hz: float, min_s: float, max_s: float,
                    *, impacts: bool = False) -> tuple[float, float]:
    """Step lag (s) and autocorrelation there of the acceleration magnitude ``acc_norm``
    (m/s^2), or with ``impacts`` of its train of sharp transients (the squared second
    difference): the highest local maximum with lag in [min_s, max_s], or (nan, 0).

    The magnitude does not depend on how the sensor is worn; while walking its heel
    strikes come once per step wherever the sensor sits, even where the limb's own
    swing (once per stride) dominates the magnitude itself.
    """
    x = impact_train(acc_norm) if impacts else acc_norm
    x = x - x.mean()
    n = len(x)
    lo = max(1, math.floor(min_s * rate_hz))
    hi = min(math.ceil(max_s * rate_hz) + 1, n // 2)
    if hi <= lo + 1:
        return math.nan, 0.0
    e = np.concatenate(([0.0], np.cumsum(x * x)))
    lags = np.arange(lo - 1, hi + 1)
    raw = np.correlate(x, x, mode="full")[n - 1 + lags]  # sum x[t] x[t + k]
    r = raw / np.sqrt(np.maximum(e[n - lags] * (e[n] - e[lags]), 1e-300))
    mid = r[1:-1]
    peaks = np.flatnonzero((mid > r[:-2]) & (mid >= r[2:]))
    if peaks.size == 0:
        return math.nan, 0.0
    best = int(peaks[np.argmax(mid[peaks])])
    return float(lags[best + 1] / rate_hz), float(mid[best])
