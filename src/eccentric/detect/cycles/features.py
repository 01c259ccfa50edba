"""Feature extraction of the cycle counter: decimation and the causal feature filters.

Input rows ``[t, gyro xyz (rad/s), acc xyz (m/s^2)]`` at the sensor rate become ring rows
at the working rate (see the column layout below). The filter state carries over exactly
from call to call, so how the input is split never changes the output.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from eccentric.core.chunk import FloatArray
from eccentric.detect.cycles.dsp import feature_filter
from eccentric.detect.cycles.settings import CycleSettings

# Ring columns: 0 t (s); 1-3 band-passed rotation (rad); 4-6 band-passed acceleration
# (m/s^2); 7 detrended dominant component; 8-10 plain gyro integral (rad); 11-13 raw
# acceleration (m/s^2, gravity included).
RING_WIDTH = 14
DETRENDED = 7
# The two features (``signal`` of a bout): index into the column groups above.
ROTATION = 0
ACCELERATION = 1
SIGNAL_NAMES = ("rotation", "acceleration")


def band_columns(signal: int) -> slice:
    """Ring columns of a feature, band-passed (rotation 1-3, acceleration 4-6)."""
    return slice(1 + 3 * signal, 4 + 3 * signal)


def plain_columns(signal: int) -> slice:
    """Ring columns of a feature, undetrended (gyro integral 8-10, raw acc 11-13)."""
    return slice(8 + 3 * signal, 11 + 3 * signal)


class FeatureStage:
    """Block-average decimation to about ``work_rate_hz`` and the two feature band-passes
    (see :func:`~eccentric.detect.cycles.dsp.feature_filter`)."""

    def __init__(self, rate_hz: float, settings: CycleSettings) -> None:
        self.decimation = max(1, round(rate_hz / settings.work_rate_hz))
        self.work_hz = rate_hz / self.decimation
        self._b, self._a = feature_filter(self.work_hz, settings.highpass_hz,
                                          settings.lowpass_hz)
        self.reset()

    def reset(self) -> None:
        """Forget the filter state: the next input starts a new stream (after a long gap)."""
        self._hist: FloatArray | None = None  # last two decimated inputs (FIR memory)
        self._zi = np.zeros((len(self._a) - 1, 6))
        self._theta = np.zeros(3)  # running plain integral of the gyro (rad)

    def process(self, raw: FloatArray) -> FloatArray:
        """Raw input rows → decimated ring rows [t, rotation xyz (rad), acceleration xyz, ...]."""
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
        out[:, DETRENDED] = 0.0  # the detrended dominant component, filled in by the tracker
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
