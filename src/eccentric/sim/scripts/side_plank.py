"""Side-plank sessions: sit on the mat, lie on the side propped on the forearm (the
start pose), then sets of timed holds (hips up, held with sway, hip dips and fatigue
sag, hips down), lying between holds and sitting up to rest between sets. The trunk or
the top thigh carries the sensor.

Geometry (ASSUMED from body proportions, not measured): side-lying on the forearm the
shoulder is ~0.3 m up and the hip joint ~0.12 m, so the trunk rises ~20–35° from the hip
and the thigh ~3–8° from the knee; lifting the hips (~0.1–0.3 m) into a forearm or
straight-arm plank turns the trunk ~12–28° towards horizontal and the thigh ~11–18°
upwards. ``hold_variants="wide"`` widens every range for held-out benchmarks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim import human
from eccentric.sim.imu_model import segment_rotation
from eccentric.sim.kinematics.side_plank import Dip, HoldPlan, side_plank_hold
from eccentric.sim.labels import Motion
from eccentric.sim.movement import Drawn, SegmentMotion
from eccentric.sim.options import SessionOptions
from eccentric.sim.storyboard import Design, Script
from eccentric.sim.storyboard import uniform as _u
from eccentric.sim.track import Track

rad = math.radians
# The profile's hip-dip threshold (exercises/catalogue.py, HoldSettings.hip_dip_deg):
# designed dips are well deeper, so the labelled count is unambiguous.
DIP_MIN_DEG = 5.0
# Sitting up (trunk) or turning the thigh flat (thigh) moves the segment this far from
# the start pose (deg): a rest pose, far outside any hold.
SIT_POSE_DEG = 60.0


@dataclass(frozen=True)
class _Ranges:
    """What a session is drawn from (normal: the tuning ranges; wide: held-out)."""

    hold_s: tuple[float, float]
    lift_trunk_deg: tuple[float, float]
    lift_thigh_deg: tuple[float, float]
    sway_deg: tuple[float, float]
    sway_band_hz: tuple[float, float]
    rock_deg: tuple[float, float]
    sag_frac: tuple[float, float]  # of the lift, at full fatigue
    max_dips: int
    dip_s: tuple[float, float]
    hesitant_prob: float
    move_s: dict[str, tuple[float, float]]  # getting in/out, by tempo


NORMAL = _Ranges(hold_s=(10.0, 60.0), lift_trunk_deg=(12.0, 28.0),
                 lift_thigh_deg=(11.0, 18.0), sway_deg=(0.3, 1.0), sway_band_hz=(0.3, 1.5),
                 rock_deg=(0.3, 1.0), sag_frac=(0.0, 0.15), max_dips=2, dip_s=(1.0, 3.0),
                 hesitant_prob=0.1,
                 move_s={"fast": (0.4, 0.8), "normal": (0.8, 2.5), "slow": (2.5, 3.5)})
WIDE = _Ranges(hold_s=(8.0, 75.0), lift_trunk_deg=(10.0, 32.0),
               lift_thigh_deg=(9.0, 22.0), sway_deg=(0.2, 1.5), sway_band_hz=(0.2, 2.5),
               rock_deg=(0.2, 2.0), sag_frac=(0.0, 0.3), max_dips=4, dip_s=(0.8, 3.5),
               hesitant_prob=0.3,
               move_s={"fast": (0.3, 0.8), "normal": (0.6, 3.0), "slow": (2.5, 4.5)})


def draw_plan(r: _Ranges, placement: str, tempo: str, fatigue: float,
              rng: np.random.Generator) -> HoldPlan:
    """One hold's plan: lift, timing, sway, sag and dips."""
    lift = _u(rng, *(r.lift_trunk_deg if placement == "trunk" else r.lift_thigh_deg))
    hold_s = _u(rng, *r.hold_s)
    lo, hi = r.sway_band_hz
    f0 = _u(rng, lo, hi - 0.3 * (hi - lo))
    dips: list[Dip] = []
    sag = lift * _u(rng, *r.sag_frac) * (0.5 + fatigue)
    # Dips stay above half the (sagged) lift: deeper is the hips back on the mat.
    deepest = min(9.0, 0.4 * (lift - sag))
    if deepest >= DIP_MIN_DEG:
        for _ in range(int(rng.integers(0, r.max_dips + 1))):
            dur = _u(rng, *r.dip_s)
            at = _u(rng, 4.0, max(hold_s - 4.0 - dur, 4.0))
            if at + dur > hold_s - 4.0 or any(abs(at - d.at_s) < 5.0 + d.duration_s
                                              for d in dips):
                continue  # no room: fewer dips in a short hold
            dips.append(Dip(at, _u(rng, DIP_MIN_DEG, deepest), dur))
    hesitant = rng.random() < r.hesitant_prob
    move = r.move_s[tempo]
    return HoldPlan(
        lift_deg=lift, up_s=_u(rng, *move), hold_s=hold_s, down_s=_u(rng, *move),
        sway_deg=_u(rng, *r.sway_deg), sway_hz=(f0, min(hi, f0 + _u(rng, 0.3, 1.0))),
        rock_deg=_u(rng, *r.rock_deg),
        sag_deg=sag,
        dips=tuple(sorted(dips, key=lambda d: d.at_s)),
        # Below or above half the lift, never at it: a pause right at the half-way
        # boundary makes the hold's start ambiguous by the pause (docs/accuracy.md).
        hesitate_at=(_u(rng, 0.2, 0.4) if rng.random() < 0.5 else _u(rng, 0.6, 0.8))
        if hesitant else None,
        hesitate_s=_u(rng, 0.3, 1.5) if hesitant else 0.0)


def _distractor(tr: Track, kind: str, placement: str, rng: np.random.Generator
                ) -> tuple[int, int]:
    """Not a hold: a lift dropped at once (aborted), a lift too low to be a plank
    (partial), or shifting on the mat (fidget, reposition)."""
    if kind in ("aborted", "partial"):
        lift = 15.0 if kind == "aborted" else _u(rng, 2.0, 3.5)
        plan = HoldPlan(lift_deg=lift, up_s=_u(rng, 0.6, 1.2),
                        hold_s=_u(rng, 0.5, 1.5) if kind == "aborted" else _u(rng, 3, 8),
                        down_s=_u(rng, 0.6, 1.2), sway_deg=0.3, sway_hz=(0.3, 1.0),
                        rock_deg=0.3, sag_deg=0.0)
        m = side_plank_hold(plan, tr.dt_s, rng)
        return tr.append({"lift": tr.value("lift") + m.lift_rad, "roll": m.rock_rad})
    return human.fidget(tr, {"lift": rad(2.5), "roll": rad(4), "yaw": rad(5)}, rng)


def side_plank_script(opts: SessionOptions, placement: str, rng: np.random.Generator,
                      dt_s: float) -> Script:
    r = WIDE if opts.hold_variants == "wide" else NORMAL
    e0 = _u(rng, 20, 35) if placement == "trunk" else _u(rng, 3, 8)
    tr = Track(dt_s, {"lift": 0.0, "roll": 0.0, "yaw": _u(rng, -math.pi, math.pi),
                      "pose": rad(SIT_POSE_DEG), "e0": rad(e0)})
    sc = Script(tr)
    tr.hold(_u(rng, 1.0, 3.0))
    tr.move({"pose": 0.0}, _u(rng, 1.5, 3.0))  # lie down on the side, onto the forearm
    sc.hold_start_pose(_u(rng, 2.0, 4.0))
    nonreps: dict[tuple[int, int], list[str]] = {}
    for kind, count in (("aborted", opts.aborted_starts), ("partial", opts.partial_reps),
                        ("fidget", opts.fidgets), ("reposition", opts.repositions)):
        for _ in range(count):
            key = (int(rng.integers(1, opts.sets + 1)), int(rng.integers(0, opts.reps)))
            nonreps.setdefault(key, []).append(kind)
    for k in range(1, opts.sets + 1):
        for j in range(opts.reps):
            for kind in nonreps.get((k, j), []):
                i0, i1 = _distractor(tr, kind, placement, rng)
                sc.designs.append(Design(kind, k, j, i0, i1))
                sc.hold_start_pose(_u(rng, 2.0, 4.0))
            fatigue = opts.fatigue * (j + 1) / opts.reps
            plan = draw_plan(r, placement, opts.tempo, fatigue, rng)
            m = side_plank_hold(plan, dt_s, rng)
            i0, i1 = tr.append({"lift": tr.value("lift") + m.lift_rad, "roll": m.rock_rad})
            sc.designs.append(Design("hold", k, j + 1, i0, i1,
                                     info={"hip_dips": len(plan.dips)}))
            # Hips down on the mat between holds of a set (5–12 s: breathe, lift again).
            sc.hold_start_pose(_u(rng, 5.0, 12.0))
        if k < opts.sets:
            rest = _u(rng, opts.rest_min_s, opts.rest_max_s)
            if rng.random() < 0.5:  # sit up for the rest, lie down again before the set
                tr.move({"pose": rad(SIT_POSE_DEG)}, _u(rng, 1.5, 3.0))
                tr.hold(max(rest - 10.0, 3.0))
                tr.move({"pose": 0.0}, _u(rng, 1.5, 3.0))
                sc.hold_start_pose(_u(rng, 2.0, 4.0))
            else:
                sc.hold_start_pose(rest)
    tr.move({"pose": rad(SIT_POSE_DEG)}, _u(rng, 1.5, 3.0))
    tr.hold(_u(rng, 1.0, 3.0))
    return sc


def _gravity_in_body(pitch: FloatArray, roll: FloatArray) -> FloatArray:
    """Unit 'down' in the segment frame (yaw does not change it)."""
    r = segment_rotation(pitch, roll, np.zeros_like(pitch))
    down: FloatArray = np.einsum("nji,j->ni", r, np.array([0.0, 0.0, -1.0]))
    return down


@dataclass(frozen=True)
class SidePlankMovement:
    family: str = "plank"
    single: bool = True  # the side is labelled
    main_channel: str = "lift"

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn:
        height = _u(rng, 1.55, 1.95)
        script = side_plank_script(opts, placement, rng, dt_s)
        # Thigh ≈ 0.245 × stature (Winter's segment proportions, NOT VERIFIED).
        return Drawn(script, height, 0.245 * height, {"height_m": round(height, 3)})

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion:
        # Body z along the segment; lying on the side, roll = 90° − elevation turns it
        # horizontal with the side up, and pitch then turns it about its long axis.
        trunk = placement == "trunk"
        elevation = ch["e0"] + (ch["pose"] - ch["lift"] if trunk else ch["lift"])
        roll = 0.5 * math.pi - elevation
        pitch = ch["roll"] + (0.0 if trunk else ch["pose"])
        down = _gravity_in_body(pitch, roll)
        start = _gravity_in_body(np.zeros(1), 0.5 * math.pi - ch["e0"][:1])[0]
        tilt = np.degrees(np.arccos(np.clip(down @ start, -1.0, 1.0)))
        return SegmentMotion(pitch, roll, ch["yaw"], np.zeros((len(roll), 3)), tilt)

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
        return hold_label(motion, i0, i1, to_file)


def hold_label(m: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
    """A hold runs from where the tilt from the start pose first rises through half the
    hold's level to where it last falls back through it (the detector's convention);
    the level is the median tilt over the designed hold. Sway: RMS tilt about the mean
    in between."""
    x = m.angle_deg[i0:i1]
    half = 0.5 * float(np.median(x))
    above = np.flatnonzero(x >= half)
    a, b = int(above[0]), int(above[-1])
    t = m.t_s[i0:i1]
    t_a = _cross(t, x, half, a)
    t_b = _cross(t, x, half, b + 1) if b + 1 < len(x) else float(t[b])
    inside = x[a:b + 1]
    start, end = to_file(t_a), to_file(t_b)
    return {"start_s": round(start, 4), "end_s": round(end, 4),
            "duration_s": round(end - start, 4),
            "sway_deg": round(float(np.std(inside)), 2),
            "level_deg": round(float(np.mean(inside)), 2)}


def _cross(t: FloatArray, x: FloatArray, level: float, k: int) -> float:
    if k <= 0:
        return float(t[0])
    x0, x1 = float(x[k - 1]), float(x[k])
    frac = 0.0 if x1 == x0 else (level - x0) / (x1 - x0)
    return float(t[k - 1] + min(max(frac, 0.0), 1.0) * (t[k] - t[k - 1]))
