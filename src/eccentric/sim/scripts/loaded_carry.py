"""Loaded carries (farmer's walk, suitcase carry): bouts of walking with a load, rests
standing (sometimes putting the load down and picking it up again), the sensor on a
thigh or on the trunk.

Walking (ASSUMED from gait-textbook figures, not measured here): 1.5–2.0 steps/s, a
carried load slows it to 1.3–1.9; the thigh swings ±15–25° about vertical once per
stride (two steps); the trunk turns about the vertical ±3–8° once per stride, rolls
±2–5° once per stride and pitches ±1–2° once per step. A carry walks 10–25 m, turns
180° (1.5–2.5 s) and walks back. Every bout is a whole number of strides and starts and
ends standing still: the first swing is half of a full one, as is the last.
``bout_variants="wide"`` widens every range for held-out benchmarks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim import human
from eccentric.sim.labels import Motion
from eccentric.sim.movement import Drawn, SegmentMotion
from eccentric.sim.options import SessionOptions
from eccentric.sim.primitives import min_jerk
from eccentric.sim.storyboard import Design, Script
from eccentric.sim.storyboard import uniform as _u
from eccentric.sim.track import Track

rad = math.radians
Range = tuple[float, float]
# Standing still between bouts (s): the athlete stops, stands, maybe sets the load down.
QUIET_S = 5.0


@dataclass(frozen=True)
class _Ranges:
    cadence_spm: Range
    cadence_jitter: float  # stride-to-stride spread of the period (fraction)
    thigh_deg: Range  # swing amplitude about vertical
    trunk_yaw_deg: Range
    trunk_roll_deg: Range
    trunk_pitch_deg: Range
    bout_s: Range
    leg_s: Range  # walking time between turns
    turn_s: Range
    rest_s: Range
    put_down_prob: float


NORMAL = _Ranges(cadence_spm=(80.0, 115.0), cadence_jitter=0.05, thigh_deg=(15.0, 25.0),
                 trunk_yaw_deg=(3.0, 8.0), trunk_roll_deg=(2.0, 5.0),
                 trunk_pitch_deg=(1.0, 2.0), bout_s=(15.0, 45.0), leg_s=(8.0, 15.0),
                 turn_s=(1.5, 2.5), rest_s=(8.0, 25.0), put_down_prob=0.4)
WIDE = _Ranges(cadence_spm=(70.0, 125.0), cadence_jitter=0.1, thigh_deg=(10.0, 30.0),
               trunk_yaw_deg=(2.0, 10.0), trunk_roll_deg=(1.0, 6.0),
               trunk_pitch_deg=(0.5, 3.0), bout_s=(10.0, 60.0), leg_s=(6.0, 20.0),
               turn_s=(1.2, 3.0), rest_s=(6.0, 35.0), put_down_prob=0.6)


def swing_shape(n_half: int, half_s: list[float], dt_s: float) -> FloatArray:
    """A swing of ``n_half`` half-swings (even), each min-jerk, from rest to rest: 0 → +1
    (half), then ∓1 alternately, the last back to 0 (half). Values in units of the
    amplitude, on the grid."""
    targets = [1.0 if k % 2 == 0 else -1.0 for k in range(n_half - 1)] + [0.0]
    pieces: list[FloatArray] = []
    cur = 0.0
    for target, dur in zip(targets, half_s, strict=True):
        n = max(round(dur / dt_s), 2)
        s = min_jerk(np.arange(1, n + 1) / n)
        pieces.append(cur + (target - cur) * s)
        cur = target
    return np.concatenate(pieces)


class _Session:
    def __init__(self, r: _Ranges, opts: SessionOptions, rng: np.random.Generator,
                 dt_s: float, height_m: float) -> None:
        self.r, self.opts, self.rng, self.dt = r, opts, rng, dt_s
        self.hip_z = 0.53 * height_m
        self.tr = Track(dt_s, {"thigh": 0.0, "trunk": 0.0, "roll": 0.0,
                               "yaw": _u(rng, -math.pi, math.pi), "kx": 0.0, "ky": 0.0,
                               "kz": self.hip_z})
        self.sc = Script(self.tr)
        self.cadence = _u(rng, *r.cadence_spm)
        self.thigh_amp = rad(_u(rng, *r.thigh_deg))
        self.yaw_amp = rad(_u(rng, *r.trunk_yaw_deg))
        self.roll_amp = rad(_u(rng, *r.trunk_roll_deg))
        self.pitch_amp = rad(_u(rng, *r.trunk_pitch_deg))

    def bout(self) -> tuple[int, int, int]:
        """One carry: returns the grid range and the number of steps."""
        r, rng, tr, dt = self.r, self.rng, self.tr, self.dt
        target_s = _u(rng, *r.bout_s)
        stride_s = 120.0 / self.cadence
        strides = max(round(target_s / stride_s), 3)
        half = [0.5 * stride_s * (1.0 + _u(rng, -r.cadence_jitter, r.cadence_jitter))
                for _ in range(2 * strides)]
        # The first and last half-swings are half as far: half as long.
        half[0] *= 0.5
        half[-1] *= 0.5
        shape = swing_shape(2 * strides, half, dt)
        n = len(shape)
        t = np.arange(1, n + 1) * dt
        # Stride phase for the per-step trunk pitch: twice the swing's rate.
        phase = np.cumsum(np.abs(np.gradient(shape))) * math.pi / 2.0
        yaw0 = tr.value("yaw")
        heading = np.full(n, yaw0)
        leg = _u(rng, *r.leg_s)
        turn_s = _u(rng, *r.turn_s)
        k = leg
        while k + turn_s < t[-1] - 1.0:
            heading += math.pi * min_jerk((t - k) / turn_s)
            k += turn_s + leg
        speed = 0.7 * self.cadence / 60.0 * np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.8)
        kx = tr.value("kx") + np.cumsum(speed * np.cos(heading)) * dt
        ky = tr.value("ky") + np.cumsum(speed * np.sin(heading)) * dt
        i0, i1 = tr.append({
            "thigh": self.thigh_amp * shape,
            "trunk": self.pitch_amp * np.sin(2.0 * phase),
            "roll": tr.value("roll") + self.roll_amp * shape,
            "yaw": heading + self.yaw_amp * shape,
            "kx": kx, "ky": ky,
            "kz": self.hip_z + 0.02 * np.sin(2.0 * phase),
        })
        return i0, i1, 2 * strides

    def put_down(self) -> tuple[int, int]:
        """Squat to set the load down and stand up (the thigh flexes, the trunk leans)."""
        tr, rng = self.tr, self.rng
        i0, _ = tr.move({"thigh": rad(-_u(rng, 50.0, 80.0)), "trunk": rad(_u(rng, 20.0, 40.0)),
                         "kz": self.hip_z - 0.3}, _u(rng, 0.8, 1.5))
        tr.hold(_u(rng, 0.3, 1.0))
        _, i1 = tr.move({"thigh": 0.0, "trunk": 0.0, "kz": self.hip_z}, _u(rng, 0.8, 1.5))
        return i0, i1


def carry_script(opts: SessionOptions, rng: np.random.Generator, dt_s: float,
                 height_m: float) -> Script:
    r = WIDE if opts.bout_variants == "wide" else NORMAL
    s = _Session(r, opts, rng, dt_s, height_m)
    tr, sc = s.tr, s.sc
    sc.hold_start_pose(_u(rng, 2.0, 4.0))
    for k in range(1, opts.sets + 1):
        for j in range(opts.reps):
            if rng.random() < r.put_down_prob:  # picking the load up
                a, b = s.put_down()
                sc.designs.append(Design("pick_up", k, j, a, b))
                sc.hold_start_pose(_u(rng, QUIET_S, QUIET_S + 2.0))
            i0, i1, steps = s.bout()
            sc.designs.append(Design("bout", k, j + 1, i0, i1, info={"steps": steps}))
            sc.hold_start_pose(_u(rng, QUIET_S, QUIET_S + 2.0))
            if rng.random() < r.put_down_prob:
                a, b = s.put_down()
                sc.designs.append(Design("put_down", k, j, a, b))
            if j < opts.reps - 1:
                sc.hold_start_pose(_u(rng, *r.rest_s))
        if k < opts.sets:
            rest = _u(rng, opts.rest_min_s, opts.rest_max_s)
            tr.hold(0.5 * rest)
            if rng.random() < 0.5:
                i0, i1 = human.fidget(tr, {"roll": rad(5), "yaw": rad(10), "thigh": rad(5)},
                                      rng)
                sc.designs.append(Design("fidget", k, opts.reps, i0, i1))
            tr.hold(0.5 * rest)
            sc.hold_start_pose(_u(rng, QUIET_S, QUIET_S + 2.0))
    tr.hold(_u(rng, 2.0, 4.0))
    return sc


def _direction(pitch: FloatArray, yaw: FloatArray) -> FloatArray:
    return np.stack([np.sin(pitch) * np.cos(yaw), np.sin(pitch) * np.sin(yaw),
                     np.cos(pitch)], axis=1)


@dataclass(frozen=True)
class LoadedCarryMovement:
    family: str = "hinge"  # standing, walking: balance corrections
    single: bool = False
    main_channel: str = "trunk"

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn:
        height = _u(rng, 1.55, 1.95)
        script = carry_script(opts, rng, dt_s, height)
        return Drawn(script, height, 0.245 * height, {"height_m": round(height, 3)})

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion:
        hip = np.stack([ch["kx"], ch["ky"], ch["kz"]], axis=1)
        if placement == "thigh":
            # The thigh turns with the pelvis (heading) and swings in the sagittal plane;
            # its body z points from the knee up to the hip (the knee is its pivot).
            knee = hip - thigh_m * _direction(ch["thigh"], ch["yaw"])
            return SegmentMotion(ch["thigh"], 0.3 * ch["roll"], ch["yaw"], knee,
                                 np.degrees(ch["thigh"]))
        return SegmentMotion(ch["trunk"], ch["roll"], ch["yaw"], hip, np.degrees(ch["trunk"]))

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
        """A bout runs from its first moving sample to its last (it starts and ends
        standing still)."""
        start, end = to_file(float(motion.t_s[i0])), to_file(float(motion.t_s[i1 - 1]))
        return {"start_s": round(start, 4), "end_s": round(end, 4),
                "duration_s": round(end - start, 4)}
