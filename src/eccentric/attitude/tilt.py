"""Segment inclination relative to a calibrated start pose.

The angle is the tilt between the gravity direction now and the gravity direction
during the still start pose, both in the sensor frame. That makes it independent of
how the sensor is rotated on the limb: only the limb's inclination change matters.
For a Nordic curl calibrated upright-kneeling it is the forward lean (0 = upright,
90 = horizontal); for a ball leg curl on the shank it is the shank's rotation from the
extended start.
"""

from __future__ import annotations

import numpy as np

from eccentric.attitude.vectors import cross_rows
from eccentric.core.chunk import FloatArray
from eccentric.core.units import DEG_PER_RAD


def tilt_from_reference_deg(gravity: FloatArray, reference: FloatArray) -> FloatArray:
    """Angle (deg) between each unit gravity vector (n,3) and the unit reference (3,)."""
    # Array methods rather than np.clip, np.cumsum, ... in the per-chunk code here and
    # in fusion.py: the same operations without the function wrappers' overhead.
    cos = (gravity @ reference).clip(-1.0, 1.0)
    out: FloatArray = np.arccos(cos) * DEG_PER_RAD
    return out


def tilt_rate_dps(gravity: FloatArray, gyro_rads: FloatArray, reference: FloatArray,
                  angle_deg: FloatArray) -> FloatArray:
    """Signed rate of change of ``tilt_from_reference_deg`` (°/s), from the gyro.

    In the sensor frame gravity rotates as dg/dt = g × ω, so
    dθ/dt = −((g × ω)·g_ref) / sin θ. Near θ = 0 that ratio is ill-conditioned, so it is
    clipped to |g × ω|, the rate at which the gravity direction moves at all. Using the
    gyro rather than differencing the angle adds no filter lag.
    """
    cross = cross_rows(gravity, gyro_rads)
    moving = np.sqrt(np.einsum("ij,ij->i", cross, cross)) * DEG_PER_RAD
    sin_t = np.sin(angle_deg / DEG_PER_RAD)
    raw = -(cross @ reference) * DEG_PER_RAD / np.maximum(sin_t, 1e-6)
    out: FloatArray = raw.clip(-moving, moving)
    return out
