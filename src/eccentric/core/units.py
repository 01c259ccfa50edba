"""Unit conversion to SI at the edges, and plausibility checks that catch a wrong unit flag."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from eccentric.core.errors import UnitError

if TYPE_CHECKING:  # the unit names are CLI choices: importing them must not load numpy
    import numpy as np
    import numpy.typing as npt

    from eccentric.core.chunk import FloatArray

AccUnit = Literal["g", "m/s2"]
GyroUnit = Literal["rad/s", "deg/s"]
ACC_UNITS: tuple[AccUnit, ...] = ("g", "m/s2")
GYRO_UNITS: tuple[GyroUnit, ...] = ("rad/s", "deg/s")

# The one definition of each constant. No sensor vendor states which g its
# accelerometer counts in, so the standard one is used (firmware_notes, §1.5).
STANDARD_GRAVITY_MPS2 = 9.80665
RAD_PER_DEG = math.pi / 180.0
DEG_PER_RAD = 180.0 / math.pi


def acc_to_mps2(values: FloatArray, unit: str) -> FloatArray:
    if unit == "g":
        return values * STANDARD_GRAVITY_MPS2
    if unit == "m/s2":
        return values
    raise UnitError(f"unknown accelerometer unit {unit!r}; use one of {', '.join(ACC_UNITS)}")


def gyro_to_rads(values: FloatArray, unit: str) -> FloatArray:
    if unit == "rad/s":
        return values
    if unit == "deg/s":
        return values * RAD_PER_DEG
    raise UnitError(f"unknown gyroscope unit {unit!r}; use one of {', '.join(GYRO_UNITS)}")


def check_plausible_units(acc_mps2: FloatArray, gyro_rads: FloatArray, source: str) -> None:
    """Raise UnitError when the data contradict the declared units.

    A body-worn sensor spends most of a session near 1 g, so the median specific-force
    magnitude tells g from m/s² apart by a factor of ~10. Human segments rarely exceed
    ~20 rad/s (1150 °/s), so a median rate above that is almost surely deg/s read as rad/s.
    """
    import numpy as np

    with np.errstate(over="ignore", invalid="ignore"):  # a corrupt 1e300 is only an outlier
        _check_medians(acc_mps2, gyro_rads, source)


def _check_medians(acc_mps2: FloatArray, gyro_rads: FloatArray, source: str) -> None:
    import numpy as np

    if len(acc_mps2) >= 10:
        med = float(np.median(np.linalg.norm(acc_mps2, axis=1)))
        if med < 3.0:
            raise UnitError(
                f"{source}: median acceleration magnitude is {med:.2f} m/s² after conversion; "
                "the data look like they are in g — check --acc-unit"
            )
        if med > 40.0:
            raise UnitError(
                f"{source}: median acceleration magnitude is {med:.1f} m/s² after conversion; "
                "the data look like m/s² declared as g — check --acc-unit"
            )
    if len(gyro_rads) >= 10:
        med_w = float(np.median(np.linalg.norm(gyro_rads, axis=1)))
        if med_w > 20.0:
            raise UnitError(
                f"{source}: median angular rate is {med_w:.0f} rad/s after conversion; "
                "the data look like deg/s declared as rad/s — check --gyro-unit"
            )


# Beyond these no body-worn IMU measures (high-g parts stop near 400 g, fast gyros near
# 6000 °/s): a sample outside them is corrupt, not motion, and is dropped.
MAX_ACC_MPS2 = 5000.0
MAX_GYRO_RADS = 500.0


def physical_mask(acc_mps2: FloatArray, gyro_rads: FloatArray) -> npt.NDArray[np.bool_]:
    """True for samples (SI units) inside what any body-worn IMU can measure."""
    import numpy as np

    with np.errstate(over="ignore", invalid="ignore"):
        ok = ((np.abs(acc_mps2) <= MAX_ACC_MPS2).all(axis=1)
              & (np.abs(gyro_rads) <= MAX_GYRO_RADS).all(axis=1))
    return np.asarray(ok, dtype=np.bool_)


class GyroUnitCheck:
    """Tells a gyro read in the wrong unit from the accelerometer alone, whatever the
    exercise: over moving stretches the gravity direction seen by the accelerometer
    turns at the rate the gyro measures about the horizontal axes. A ratio of gyro to
    gravity turning near 57 (or 1/57) is deg/s read as rad/s (or the reverse).

    Feed converted chunks (m/s², rad/s) in order with ``update``; it raises UnitError
    once the evidence is decisive and stops looking once it is decisively fine.
    """

    WINDOW_S = 0.5
    MIN_TURN_RAD = math.radians(3.0)  # per window: below it accelerometer noise dominates
    DECIDE_TURN_RAD = math.radians(60.0)  # gravity turning summed before a verdict
    MIN_WINDOWS = 5
    # Correct data give 0.5–1.5 (linear acceleration tilts the measured gravity a little);
    # a deg/s-rad/s mix-up moves it by 57.3.
    MAX_RATIO = 8.0

    def __init__(self, rate_hz: float, source: str) -> None:
        self.rate_hz = rate_hz
        self.source = source
        self.window = max(4, round(self.WINDOW_S * rate_hz))
        self.done = False
        self.ratio: float | None = None
        self._acc_turn = 0.0
        self._gyro_turn = 0.0
        self._windows = 0
        self._carry: tuple[FloatArray, FloatArray] | None = None

    def update(self, acc_mps2: FloatArray, gyro_rads: FloatArray) -> None:
        import numpy as np

        if self.done or len(acc_mps2) == 0:
            return
        if self._carry is not None:
            acc_mps2 = np.concatenate([self._carry[0], acc_mps2])
            gyro_rads = np.concatenate([self._carry[1], gyro_rads])
        w = self.window
        n_win = len(acc_mps2) // w
        self._carry = (acc_mps2[n_win * w:], gyro_rads[n_win * w:])
        if n_win == 0:
            return
        acc = acc_mps2[:n_win * w].reshape(n_win, w, 3)
        gyro = gyro_rads[:n_win * w].reshape(n_win, w, 3)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            norm = np.linalg.norm(acc, axis=2)
            near_g = ((norm > 0.6 * STANDARD_GRAVITY_MPS2)
                      & (norm < 1.4 * STANDARD_GRAVITY_MPS2)).all(axis=1)
            k = max(1, w // 5)
            a0 = acc[:, :k].mean(axis=1)
            a1 = acc[:, -k:].mean(axis=1)
            a0 /= np.linalg.norm(a0, axis=1, keepdims=True)
            a1 /= np.linalg.norm(a1, axis=1, keepdims=True)
            acc_turn = np.arccos(np.clip((a0 * a1).sum(axis=1), -1.0, 1.0))
            up = a0 + a1
            up /= np.linalg.norm(up, axis=1, keepdims=True)
            # Rotation about the gravity direction does not turn it: keep the rest.
            rot = gyro.sum(axis=1) / self.rate_hz
            rot -= (rot * up).sum(axis=1, keepdims=True) * up
            gyro_turn = np.linalg.norm(rot, axis=1)
        use = near_g & (acc_turn > self.MIN_TURN_RAD) & np.isfinite(gyro_turn)
        self._acc_turn += float(acc_turn[use].sum())
        self._gyro_turn += float(gyro_turn[use].sum())
        self._windows += int(use.sum())
        if self._windows < self.MIN_WINDOWS or self._acc_turn < self.DECIDE_TURN_RAD:
            return
        self.done = True
        self._carry = None
        ratio = self.ratio = self._gyro_turn / self._acc_turn
        if ratio > self.MAX_RATIO:
            raise UnitError(
                f"{self.source}: the gyro turns {ratio:.0f}× faster than gravity turns in the "
                "accelerometer; the data look like deg/s declared as rad/s — check --gyro-unit")
        if ratio < 1.0 / self.MAX_RATIO:
            raise UnitError(
                f"{self.source}: the gyro turns {1 / ratio:.0f}× slower than gravity turns in "
                "the accelerometer; the data look like rad/s declared as deg/s — check "
                "--gyro-unit")
