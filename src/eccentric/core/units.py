"""Unit conversion to SI at the edges, and plausibility checks that catch a wrong unit flag."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from eccentric.core.errors import UnitError

if TYPE_CHECKING:  # the unit names are CLI choices: importing them must not load numpy
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
