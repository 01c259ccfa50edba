"""Where the strap sits on the limb and how the sensor is turned on it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim.imu_model import mounting_rotation
from eccentric.sim.storyboard import uniform as _u

rad = math.radians


@dataclass(frozen=True)
class Mount:
    lever_b_m: FloatArray  # sensor position in the segment's body frame
    r_bs: FloatArray  # sensor axes in the body frame (columns)
    around_deg: float  # where on the limb's circumference (0 = front)
    tilt_deg: float

    def as_dict(self) -> dict[str, object]:
        return {"lever_m": [round(float(v), 3) for v in self.lever_b_m],
                "around_limb_deg": round(self.around_deg, 1),
                "tilt_deg": round(self.tilt_deg, 1)}


def draw_mount(placement: str, leg_sign: float, height_m: float, misalignment: str,
               rng: np.random.Generator) -> Mount:
    """Where the strap sits and how the sensor is turned on it.

    Body frames: z runs along the segment away from its pivot (thigh: knee→hip; trunk:
    hip→shoulders; pelvis: hip joints→lumbar spine; shank: knee→ankle); x is the
    thigh/trunk/pelvis front, or the shank's back (the shin is −x); +y is to the
    athlete's left.
    """
    if placement == "thigh":
        radius, along, front, around = 0.075, _u(rng, 0.15, 0.28), 1.0, _u(rng, 0, 60)
    elif placement == "trunk":
        chest = rng.random() < 0.5  # chest strap or a clip between the shoulder blades
        radius, along, front, around = 0.12, _u(rng, 0.25, 0.40), 1.0 if chest else -1.0, 0.0
    elif placement == "pelvis":  # on the sacrum, a few cm above the hip joints' level
        radius, along, front, around = 0.10, _u(rng, 0.04, 0.12), -1.0, _u(rng, -15, 15)
    elif placement == "shank":
        radius, along, front, around = 0.05, _u(rng, 0.10, 0.20), -1.0, _u(rng, 20, 90)
    else:  # ankle: just above the malleoli
        radius, along = 0.04, 0.246 * height_m * _u(rng, 0.85, 0.92)
        front, around = -1.0, _u(rng, 40, 90)
    tilt = abs(float(rng.normal(0.0, 4.0)))
    if misalignment == "large":
        around += _u(rng, 40, 70)  # the strap has slid round the limb
        tilt = _u(rng, 15, 25)  # and sits crooked
    a = rad(around)
    normal = np.array([front * math.cos(a), leg_sign * math.sin(a), 0.0])
    lever = radius * normal + np.array([0.0, 0.0, along])
    r_bs = mounting_rotation(normal, _u(rng, 0, 2 * math.pi), rad(tilt),
                             _u(rng, 0, 2 * math.pi))
    return Mount(lever, r_bs, around, tilt)
