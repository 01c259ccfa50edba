"""One side-plank hold as a lift angle over time: hips up from side-lying, held with
sway, hip dips and slow fatigue sag, hips down. Angles in degrees unless named _rad."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim.primitives import band_noise, min_jerk


@dataclass(frozen=True)
class Dip:
    """A hip dip ``at_s`` after the hold began: down by ``depth_deg`` and back over
    ``duration_s`` (a raised-cosine shape)."""

    at_s: float
    depth_deg: float
    duration_s: float


@dataclass(frozen=True)
class HoldPlan:
    """What one hold looks like (all drawn by the storyboard)."""

    lift_deg: float  # tilt of the plank from the side-lying start pose
    up_s: float  # getting into the pose (hips up)
    hold_s: float  # time fully up (between the end of the lift and the start of lowering)
    down_s: float  # getting out (hips down)
    sway_deg: float  # sway RMS in the lift direction
    sway_hz: tuple[float, float]  # sway band
    rock_deg: float  # sway RMS about the segment's long axis (chest to floor/ceiling)
    sag_deg: float  # fatigue: lift lost linearly over the hold
    dips: tuple[Dip, ...] = ()
    # A hesitant lift stops part-way (fraction of the lift) for a while before going on.
    hesitate_at: float | None = None
    hesitate_s: float = 0.0


@dataclass(frozen=True)
class HoldMotion:
    lift_rad: FloatArray
    rock_rad: FloatArray


def side_plank_hold(plan: HoldPlan, dt_s: float, rng: np.random.Generator) -> HoldMotion:
    """The lift (rad, + = hips up, 0 = the start pose) and rock (rad) of one hold, from
    the first sample of the lift to the last of the lowering."""
    up: list[FloatArray] = []
    if plan.hesitate_at is None:
        up.append(_ramp(0.0, plan.lift_deg, plan.up_s, dt_s))
    else:
        mid = plan.hesitate_at * plan.lift_deg
        up.append(_ramp(0.0, mid, plan.up_s * plan.hesitate_at, dt_s))
        up.append(np.full(round(plan.hesitate_s / dt_s), mid))
        up.append(_ramp(mid, plan.lift_deg, plan.up_s * (1 - plan.hesitate_at), dt_s))
    rise = np.concatenate(up)
    n_hold = max(round(plan.hold_s / dt_s), 1)
    t = np.arange(n_hold) * dt_s
    held = plan.lift_deg - plan.sag_deg * t / max(plan.hold_s, dt_s)
    for d in plan.dips:
        inside = (t >= d.at_s) & (t < d.at_s + d.duration_s)
        phase = (t[inside] - d.at_s) / d.duration_s
        held[inside] -= d.depth_deg * 0.5 * (1 - np.cos(2 * math.pi * phase))
    fall = _ramp(float(held[-1]), 0.0, plan.down_s, dt_s)
    lift = np.concatenate([rise, held, fall])
    # Sway lives in the hold (faded in and out over 0.5 s), not in the lift and drop.
    env = np.zeros(len(lift))
    a, b = len(rise), len(rise) + n_hold
    k = max(min(round(0.5 / dt_s), n_hold // 3), 1)
    e = np.ones(n_hold)
    e[:k] = min_jerk(np.arange(1, k + 1) / k)
    e[n_hold - k:] = np.minimum(e[n_hold - k:], e[:k][::-1])
    env[a:b] = e
    lo, hi = plan.sway_hz
    sway = band_noise(len(lift), dt_s, lo, hi, plan.sway_deg, rng) * env
    rock = band_noise(len(lift), dt_s, lo, hi, plan.rock_deg, rng) * env
    return HoldMotion(np.radians(lift + sway), np.radians(rock))


def _ramp(a_deg: float, b_deg: float, duration_s: float, dt_s: float) -> FloatArray:
    n = max(round(duration_s / dt_s), 1)
    out: FloatArray = a_deg + (b_deg - a_deg) * min_jerk(np.arange(1, n + 1) / n)
    return out
