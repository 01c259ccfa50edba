"""Foam-rolling sessions: sit down, lie onto the roller (thigh or shank on it, the
sensor on the rolled segment), then sets of bouts, one per spot: strokes back and forth
along the roller with short stops on tender spots, a rest on the roller between spots,
sometimes a shift of the body to the next spot, fidgets.

Geometry (ASSUMED, not measured): the rolled segment lies 5–20° from horizontal; each
stroke slides it 3–20 cm along the roller and turns it by 1.5–10° (the body is pushed
along by the hands or the other leg, so the hip and knee angles change), with a smaller
turn about its long axis. ``bout_variants="wide"`` widens every range for held-out
benchmarks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim import human
from eccentric.sim.kinematics.foam_roll import BoutPlan, Stop, foam_roll_bout
from eccentric.sim.labels import Motion
from eccentric.sim.movement import Drawn, SegmentMotion
from eccentric.sim.options import SessionOptions
from eccentric.sim.storyboard import Design, Script
from eccentric.sim.storyboard import uniform as _u
from eccentric.sim.track import Track

rad = math.radians
# Sitting before lying onto the roller: the segment is this far from its rolling pose.
SIT_POSE_DEG = 50.0


@dataclass(frozen=True)
class _Ranges:
    """What a session is drawn from (normal: the tuning ranges; wide: held-out)."""

    bout_s: tuple[float, float]
    rate_hz: tuple[float, float]
    rate_jitter: float  # per-stroke period spread (fraction)
    gain_jitter: float  # per-stroke amplitude spread (fraction)
    slide_m: tuple[float, float]
    turn_deg: tuple[float, float]
    axial_deg: tuple[float, float]
    max_stops: int
    stop_s: tuple[float, float]
    rest_s: tuple[float, float]  # on the roller between spots
    shift_prob: float  # moving the body to the next spot between bouts
    elevation_deg: tuple[float, float]


NORMAL = _Ranges(bout_s=(15.0, 35.0), rate_hz=(0.3, 1.5), rate_jitter=0.1, gain_jitter=0.15,
                 slide_m=(0.05, 0.15), turn_deg=(2.0, 8.0), axial_deg=(0.5, 3.0),
                 max_stops=1, stop_s=(1.0, 2.5), rest_s=(6.0, 15.0), shift_prob=0.3,
                 elevation_deg=(5.0, 15.0))
WIDE = _Ranges(bout_s=(10.0, 45.0), rate_hz=(0.25, 1.8), rate_jitter=0.2, gain_jitter=0.3,
               slide_m=(0.03, 0.2), turn_deg=(1.5, 10.0), axial_deg=(0.0, 5.0),
               max_stops=2, stop_s=(0.8, 3.5), rest_s=(5.0, 20.0), shift_prob=0.5,
               elevation_deg=(2.0, 20.0))
# Quiet kept on each side of a shift to the next spot (s): more than the longest stop
# inside a bout, so the shift is never part of one.
SHIFT_QUIET_S = 5.0


def draw_plan(r: _Ranges, rng: np.random.Generator) -> BoutPlan:
    """One bout: its strokes (period, amplitude), stroke size, stops."""
    target_s = _u(rng, *r.bout_s)
    f = _u(rng, *r.rate_hz)
    periods: list[float] = []
    while sum(periods) < target_s or len(periods) < 3:
        periods.append(max(1.0 / f * (1.0 + _u(rng, -r.rate_jitter, r.rate_jitter)), 0.3))
    gains = tuple(1.0 + _u(rng, -r.gain_jitter, r.gain_jitter) for _ in periods)
    stops: list[Stop] = []
    for _ in range(int(rng.integers(0, r.max_stops + 1))):
        after = int(rng.integers(1, max(len(periods) - 1, 2)))
        if after < len(periods) - 1 and all(s.after != after for s in stops):
            stops.append(Stop(after, _u(rng, *r.stop_s)))
    return BoutPlan(tuple(periods), gains, _u(rng, *r.slide_m),
                    _u(rng, *r.turn_deg) * (1 if rng.random() < 0.5 else -1),
                    _u(rng, *r.axial_deg), _u(rng, 0.0, 2 * math.pi),
                    tuple(sorted(stops, key=lambda s: s.after)))


def foam_roll_script(opts: SessionOptions, rng: np.random.Generator, dt_s: float) -> Script:
    r = WIDE if opts.bout_variants == "wide" else NORMAL
    tr = Track(dt_s, {"lift": rad(SIT_POSE_DEG), "roll": 0.0,
                      "yaw": _u(rng, -math.pi, math.pi), "slide": 0.0,
                      "e0": rad(_u(rng, *r.elevation_deg))})
    sc = Script(tr)
    tr.hold(_u(rng, 1.0, 3.0))
    tr.move({"lift": 0.0}, _u(rng, 1.5, 3.0))  # onto the roller
    # Settling on the roller before the first stroke: longer than a stop inside a bout.
    sc.hold_start_pose(_u(rng, SHIFT_QUIET_S, SHIFT_QUIET_S + 3.0))
    fidgets: dict[tuple[int, int], int] = {}
    for _ in range(opts.fidgets):
        key = (int(rng.integers(1, opts.sets + 1)), int(rng.integers(0, opts.reps)))
        fidgets[key] = fidgets.get(key, 0) + 1
    for k in range(1, opts.sets + 1):
        for j in range(opts.reps):
            for _ in range(fidgets.get((k, j), 0)):
                i0, i1 = human.fidget(tr, {"lift": rad(3.0), "roll": rad(4.0),
                                           "slide": 0.03}, rng)
                sc.designs.append(Design("fidget", k, j, i0, i1))
                sc.hold_start_pose(_u(rng, SHIFT_QUIET_S, SHIFT_QUIET_S + 3.0))
            plan = draw_plan(r, rng)
            m = foam_roll_bout(plan, dt_s)
            base = {c: tr.value(c) for c in ("slide", "lift", "roll")}
            i0, i1 = tr.append({"slide": base["slide"] + m.slide_m,
                                "lift": base["lift"] + m.turn_rad,
                                "roll": base["roll"] + m.axial_rad})
            sc.designs.append(Design("bout", k, j + 1, i0, i1,
                                     info={"strokes": plan.strokes,
                                           "pauses": len(plan.stops)}))
            if j == opts.reps - 1:
                # A moment on the roller before sitting up (the detector needs a stop
                # longer than one inside a bout to tell the two apart).
                sc.hold_start_pose(_u(rng, SHIFT_QUIET_S, SHIFT_QUIET_S + 3.0))
                continue
            rest = _u(rng, *r.rest_s)
            if rest > 2 * SHIFT_QUIET_S + 1.0 and rng.random() < r.shift_prob:
                # Move on to the next spot: lift the body off, shift, lie back down.
                sc.hold_start_pose(SHIFT_QUIET_S)
                i0, i1 = tr.move({"lift": rad(_u(rng, 15.0, 35.0)),
                                  "slide": tr.value("slide") + _u(rng, -0.25, 0.25)},
                                 _u(rng, 0.8, 1.5))
                tr.move({"lift": 0.0}, _u(rng, 0.8, 1.5))
                sc.designs.append(Design("reposition", k, j, i0, tr.n))
                sc.hold_start_pose(rest - SHIFT_QUIET_S - 2.0)
            else:
                sc.hold_start_pose(rest)
        if k < opts.sets:
            rest = _u(rng, opts.rest_min_s, opts.rest_max_s)
            tr.move({"lift": rad(SIT_POSE_DEG)}, _u(rng, 1.5, 3.0))  # sit up to rest
            tr.hold(max(rest - 10.0, 3.0))
            tr.move({"lift": 0.0}, _u(rng, 1.5, 3.0))
            sc.hold_start_pose(_u(rng, SHIFT_QUIET_S, SHIFT_QUIET_S + 3.0))
    tr.move({"lift": rad(SIT_POSE_DEG)}, _u(rng, 1.5, 3.0))
    tr.hold(_u(rng, 1.0, 3.0))
    return sc


@dataclass(frozen=True)
class FoamRollMovement:
    family: str = "plank"  # tremor class: a body held up on the hands over the roller
    single: bool = False
    main_channel: str = "lift"

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn:
        height = _u(rng, 1.55, 1.95)
        script = foam_roll_script(opts, rng, dt_s)
        # Thigh ≈ 0.245 × stature (Winter's segment proportions, NOT VERIFIED).
        return Drawn(script, height, 0.245 * height, {"height_m": round(height, 3)})

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion:
        # Body z along the segment: pitch 90° lays it horizontal, less tilts it up by the
        # elevation; the sagittal turn adds to that, the axial turn is a roll about it.
        pitch = 0.5 * math.pi - ch["e0"] - ch["lift"]
        yaw = ch["yaw"]
        along = np.stack([np.cos(yaw), np.sin(yaw), np.zeros_like(yaw)], axis=1)
        pivot = ch["slide"][:, None] * along
        return SegmentMotion(pitch, ch["roll"], yaw, pivot, np.degrees(ch["lift"]))

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
        """A bout runs from the first sample of its first stroke to the last of its last
        (the designed motion: the strokes start and end at rest)."""
        start, end = to_file(float(motion.t_s[i0])), to_file(float(motion.t_s[i1 - 1]))
        return {"start_s": round(start, 4), "end_s": round(end, 4),
                "duration_s": round(end - start, 4)}
