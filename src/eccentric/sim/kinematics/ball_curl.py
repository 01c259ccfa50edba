"""Swiss-ball leg curl: supine hip bridge, heels on the ball, knees flexing to roll it in.

Planar model (x along the body towards the feet, z up): shoulders rest on the floor;
shoulder→hip (trunk) and hip→knee (thigh) are rigid links, the heel rides on top of the
ball. A curl is one progress variable s ∈ [0, 1]: knee flexion κ = s·κ_max, with a little
hip flexion as the ball comes in. For each s, the bridge's elevation about the
shoulders is solved so the heel stays on the ball top; knee position and shank angle
follow. The shank's pitch (0 = pointing up, 90° = horizontal towards the feet) is what a
shank or ankle sensor rotates through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim.primitives import hold, min_jerk


@dataclass(frozen=True)
class BallGeometry:
    """Body and ball sizes (m). Segment lengths as fractions of height (Winter, as in
    kinematics_nordic, NOT VERIFIED); 55–75 cm balls are the common gym sizes (ASSUMED)."""

    height_m: float
    ball_diameter_m: float
    shoulder_height_m: float = 0.08  # shoulder joint above the floor when supine
    knee_flex_max_deg: float = 100.0  # knee flexion at a full curl
    hip_flex_top_deg: float = 15.0  # hips flex a little as the heels come in

    @property
    def trunk_m(self) -> float:
        return 0.288 * self.height_m

    @property
    def thigh_m(self) -> float:
        return 0.245 * self.height_m

    @property
    def shank_m(self) -> float:
        # knee → heel contact: shank length 0.246 H plus ankle-to-heel ≈ 0.039 H
        return 0.285 * self.height_m


@dataclass
class BallPose:
    """Shank pitch (rad) and knee position (n, 3) in metres for each progress value."""

    shank_pitch_rad: FloatArray
    knee_m: FloatArray


def ball_pose(s: FloatArray, geom: BallGeometry) -> BallPose:
    """Solve the bridge elevation for each curl progress ``s`` (vectorised Newton)."""
    kappa = np.radians(geom.knee_flex_max_deg) * s
    chi = np.radians(geom.hip_flex_top_deg) * s
    heel_z = geom.ball_diameter_m  # heel on the ball's top
    lt, lh, ls = geom.trunk_m, geom.thigh_m, geom.shank_m

    def heel_height(e: FloatArray) -> FloatArray:
        out: FloatArray = (geom.shoulder_height_m + lt * np.sin(e) + lh * np.sin(e - chi)
                           + ls * np.sin(e - chi - kappa))
        return out

    e = np.full_like(s, 0.5)
    for _ in range(30):
        f = heel_height(e) - heel_z
        df = lt * np.cos(e) + lh * np.cos(e - chi) + ls * np.cos(e - chi - kappa)
        e = e - f / df
    knee_x = lt * np.cos(e) + lh * np.cos(e - chi)
    knee_z = geom.shoulder_height_m + lt * np.sin(e) + lh * np.sin(e - chi)
    shank_elev = e - chi - kappa  # elevation of the knee→heel direction
    knee = np.stack([knee_x, np.zeros_like(knee_x), knee_z], axis=1)
    return BallPose(0.5 * math.pi - shank_elev, knee)


@dataclass(frozen=True)
class BallRepPlan:
    """One curl: durations in s; ``depth`` is the fraction of a full curl reached."""

    curl_s: float  # concentric: rolling the ball in
    hold_s: float  # squeeze at the top
    extend_s: float  # eccentric: rolling back out
    depth: float


@dataclass
class BallRepTrack:
    progress: FloatArray
    marks: dict[str, int] = field(default_factory=dict)


def ball_rep(plan: BallRepPlan, dt_s: float) -> BallRepTrack:
    """Curl progress on the grid: in (min-jerk), hold, out (min-jerk)."""
    t_in = np.arange(1, round(plan.curl_s / dt_s) + 1) * dt_s
    curl = plan.depth * min_jerk(t_in / plan.curl_s)
    top = plan.depth
    held = hold(top, plan.hold_s, dt_s)
    t_out = np.arange(1, round(plan.extend_s / dt_s) + 1) * dt_s
    out = top * (1.0 - min_jerk(t_out / plan.extend_s))
    progress = np.concatenate(([0.0], curl, held, out))
    # "onset" / "back_onset": the last still sample before the curl and before the
    # roll-out — the kinematic onsets the labels start those phases at (sim/labels.py).
    marks = {"onset": 0, "top_design": len(curl) + 1, "back_onset": len(curl) + len(held),
             "extend_design": len(curl) + len(held) + 1, "end": len(progress)}
    return BallRepTrack(progress, marks)


def ball_partial(depth: float, go_s: float, hold_s: float, back_s: float,
                 dt_s: float) -> FloatArray:
    """A shallow curl that is abandoned (partial rep) — progress values."""
    t1 = np.arange(1, round(go_s / dt_s) + 1) * dt_s
    t2 = np.arange(1, round(back_s / dt_s) + 1) * dt_s
    return np.concatenate((depth * min_jerk(t1 / go_s), hold(depth, hold_s, dt_s),
                           depth * (1.0 - min_jerk(t2 / back_s))))
