"""Lunge sessions, the sensor on ONE thigh: alternating legs or one side, forward or
reverse lunges.

The sensor's thigh either leads (its hip flexes: the thigh swings forward to near
horizontal at the bottom) or trails (the other leg leads: the thigh stays behind). Shapes
follow the CMU SUB22 lunges (benchmarks/real_lunge.py, 100 Hz thigh IMUs):

* leading, forward lunge: the knee lifts for the step (30–45°), the foot lands (the
  thigh settles back 8–15°), the body sinks to the bottom (60–95°), rises, and the knee
  lifts again to step back (a small bump) before standing; a reverse lunge has no step
  on the front leg: a smooth swing out and back;
* trailing: the thigh swings back as the other leg steps out (12–28° of extension),
  comes near vertical at the bottom (the back knee drops), swings back again as the
  body pushes up and back, then returns to standing.

Pitch convention: 0 = thigh vertical; negative = knee forward (hip flexion), positive =
knee behind (hip extension). Ranges are ASSUMED from that one subject and coaching
cues; ``lunge_variants="wide"`` widens them for held-out benchmarks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim import human
from eccentric.sim.kinematics.hinge import HingeRepPlan, out_shape
from eccentric.sim.labels import Motion, lunge_rep_label
from eccentric.sim.movement import Drawn, SegmentMotion
from eccentric.sim.options import SessionOptions
from eccentric.sim.primitives import min_jerk
from eccentric.sim.storyboard import Script, play_sets
from eccentric.sim.storyboard import uniform as _u
from eccentric.sim.track import Track

rad = math.radians
Range = tuple[float, float]
PATTERNS = ("alternating", "sensor_leg", "other_leg")
STYLES = ("forward", "reverse")


@dataclass(frozen=True)
class _Ranges:
    depth_deg: Range  # leading thigh at the bottom
    lift_deg: Range  # knee lift of a forward step
    trail_deg: Range  # trailing thigh's first swing back
    trail_dip: Range  # trailing thigh at the bottom, as a fraction of that swing
    trail_second: Range  # its second swing, as a fraction of the first
    descend_s: Range
    bottom_s: Range
    rise_s: Range
    step_s: Range
    pause_s: Range


NORMAL = _Ranges(depth_deg=(60.0, 90.0), lift_deg=(30.0, 45.0), trail_deg=(14.0, 26.0),
                 trail_dip=(0.3, 0.6), trail_second=(0.85, 1.15), descend_s=(0.7, 1.4),
                 bottom_s=(0.0, 0.6), rise_s=(0.7, 1.2), step_s=(0.4, 0.6),
                 pause_s=(0.6, 2.0))
WIDE = _Ranges(depth_deg=(52.0, 98.0), lift_deg=(25.0, 50.0), trail_deg=(12.0, 32.0),
               trail_dip=(0.3, 0.65), trail_second=(0.8, 1.2), descend_s=(0.6, 2.0),
               bottom_s=(0.0, 1.2), rise_s=(0.6, 1.6), step_s=(0.35, 0.8),
               pause_s=(0.4, 3.0))
TEMPO_GAIN = {"normal": 1.0, "slow": 1.6, "fast": 0.7}


@dataclass(frozen=True)
class LungeAthlete:
    height_m: float
    depth_deg: float
    lift_deg: float
    trail_deg: float
    descend_s: float
    bottom_s: float
    rise_s: float
    step_s: float
    pause_s: float
    pattern: str
    style: str

    def as_dict(self) -> dict[str, object]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def draw_athlete(r: _Ranges, opts: SessionOptions, rng: np.random.Generator) -> LungeAthlete:
    g = TEMPO_GAIN[opts.tempo]
    return LungeAthlete(
        height_m=_u(rng, 1.55, 1.95), depth_deg=_u(rng, *r.depth_deg),
        lift_deg=_u(rng, *r.lift_deg), trail_deg=_u(rng, *r.trail_deg),
        descend_s=g * _u(rng, *r.descend_s), bottom_s=_u(rng, *r.bottom_s),
        rise_s=g * _u(rng, *r.rise_s), step_s=_u(rng, *r.step_s),
        pause_s=_u(rng, *r.pause_s),
        pattern=PATTERNS[int(rng.integers(len(PATTERNS)))],
        style=STYLES[int(rng.integers(len(STYLES)))])


class _Session:
    def __init__(self, r: _Ranges, a: LungeAthlete, opts: SessionOptions, leg_y: float,
                 rng: np.random.Generator, dt_s: float) -> None:
        self.r, self.a, self.opts, self.rng = r, a, opts, rng
        self.hip_z = 0.53 * a.height_m
        self.tr = Track(dt_s, {"thigh": 0.0, "roll": 0.0, "yaw": 0.0, "kx": 0.0, "ky": leg_y,
                               "kz": self.hip_z})
        self.sc = Script(self.tr)
        self.reps_done = 0
        self.sensor_side = "left" if leg_y > 0 else "right"
        self.first_lead = bool(rng.random() < 0.5)  # alternating: who goes first

    def _piece(self, thigh_deg: float, duration_s: float, shape: str = "min_jerk",
               hip: tuple[float, float] | None = None) -> None:
        """One smooth move of the thigh (and the hip: forward, down in m) to a target."""
        tr = self.tr
        n = max(round(duration_s / tr.dt_s), 2)
        u = np.arange(1, n + 1) / n
        if shape == "min_jerk":
            s = min_jerk(u)
        else:
            plan = HingeRepPlan(out_s=duration_s, hold_s=0.0, back_s=duration_s, depth=1.0,
                                onset=shape, onset_power=_u(self.rng, 1.3, 2.0),
                                linear_ramp_s=_u(self.rng, 0.05, 0.12))
            s = out_shape(u, plan, duration_s)
        pieces = {"thigh": tr.value("thigh") + (rad(thigh_deg) - tr.value("thigh")) * s}
        if hip is not None:
            x, z = hip
            pieces["kx"] = tr.value("kx") + (x - tr.value("kx")) * s
            pieces["kz"] = tr.value("kz") + (self.hip_z - z - tr.value("kz")) * s
        tr.append(pieces)

    def _onset(self) -> str:
        onset = self.opts.onset
        if onset == "hesitant":
            # A small shift of weight (1–3° of thigh either way) and a pause first.
            self._piece(_u(self.rng, -3.0, 3.0), _u(self.rng, 0.6, 1.0))
            self.tr.hold(_u(self.rng, 0.3, 1.0))
            return "min_jerk"
        return onset

    def leads(self) -> bool:
        p = self.a.pattern
        if p == "alternating":
            return (self.reps_done % 2 == 0) == self.first_lead
        return p == "sensor_leg"

    def rep(self, fatigue: float) -> tuple[int, int]:
        a, r, rng = self.a, self.r, self.rng
        lead = self.leads()
        self.reps_done += 1
        i0 = self.tr.n
        jit = math.exp(rng.normal(0.0, 0.08))
        step = a.step_s * jit
        down, up = a.descend_s * (1 + 0.3 * fatigue) * jit, a.rise_s * jit
        sink = 0.30 * a.height_m / 1.75 * _u(rng, 0.85, 1.1)
        fwd = 0.35 * _u(rng, 0.8, 1.2) * (1.0 if a.style == "forward" else -1.0)
        shape = self._onset()
        if lead:
            depth = a.depth_deg * float(np.clip(rng.normal(1.0 - 0.1 * fatigue, 0.04),
                                                0.8, 1.05))
            if a.style == "forward":
                lift = a.lift_deg * _u(rng, 0.9, 1.1)
                self._piece(-lift, step, shape, hip=(0.4 * fwd, 0.0))
                self._piece(-(lift - _u(rng, 8.0, 15.0)), 0.25 * step, hip=(0.6 * fwd, 0.03))
                self._piece(-depth, down, hip=(fwd, sink))
            else:
                self._piece(-depth, down + step, shape, hip=(fwd, sink))
            self.tr.hold(a.bottom_s * _u(rng, 0.7, 1.3))
            if a.style == "forward":
                back = _u(rng, 25.0, 40.0)
                self._piece(-back, up, hip=(0.5 * fwd, 0.04))
                self._piece(-(back + _u(rng, 5.0, 12.0)), 0.4 * step, hip=(0.3 * fwd, 0.01))
                self._piece(0.0, step, hip=(0.0, 0.0))
            else:
                self._piece(0.0, up + step, hip=(0.0, 0.0))
        else:
            h1 = a.trail_deg * _u(rng, 0.9, 1.1)
            dip = h1 * _u(rng, *r.trail_dip)
            h2 = h1 * _u(rng, *r.trail_second)
            self._piece(h1, step + 0.3 * down, shape, hip=(0.5 * fwd, 0.2 * sink))
            self._piece(dip, 0.7 * down, hip=(fwd, sink))
            self.tr.hold(a.bottom_s * _u(rng, 0.7, 1.3))
            self._piece(h2, up, hip=(0.5 * fwd, 0.2 * sink))
            self._piece(0.0, step * _u(rng, 1.0, 1.4), hip=(0.0, 0.0))
        i1 = self.tr.n
        return i0, i1

    def side_of(self, lead: bool) -> str:
        other = "right" if self.sensor_side == "left" else "left"
        return self.sensor_side if lead else other

    def nonrep(self, kind: str) -> tuple[int, int]:
        # Fidgets only (partial lunges are not drawn: see docs/accuracy.md).
        return human.fidget(self.tr, {"roll": rad(5), "yaw": rad(8), "thigh": rad(4)},
                            self.rng)

    def walk(self, duration_s: float) -> None:
        human.walk(self.tr, duration_s, "thigh", 0.0, rad(_u(self.rng, 15, 22)), self.rng)
        self.tr.hold(_u(self.rng, 1.0, 2.0))

    def rest(self, walk_rest: bool) -> None:
        tr, rng, opts = self.tr, self.rng, self.opts
        total = _u(rng, opts.rest_min_s, opts.rest_max_s)
        t0 = tr.t_s
        if walk_rest:
            self.walk(_u(rng, 8.0, 18.0))
        left = max(total - (tr.t_s - t0), 2.0)
        tr.hold(0.5 * left)
        if rng.random() < 0.5:
            human.fidget(tr, {"roll": rad(6), "yaw": rad(8), "thigh": rad(5)}, rng)
        tr.hold(0.5 * left)
        self.sc.hold_start_pose(_u(rng, 2.5, 4.0))


def lunge_script(r: _Ranges, a: LungeAthlete, opts: SessionOptions, leg_y: float,
                 rng: np.random.Generator, dt_s: float) -> tuple[Script, list[bool]]:
    s = _Session(r, a, opts, leg_y, rng, dt_s)
    walk_rest = opts.walk_in_rest if opts.walk_in_rest is not None else bool(rng.random() < 0.5)
    s.tr.hold(_u(rng, 1.0, 3.0))
    if rng.random() < 0.7:
        s.walk(_u(rng, 5.0, 8.0))
    s.sc.hold_start_pose(_u(rng, 2.5, 4.0))
    leads: list[bool] = []

    def rep(fatigue: float) -> tuple[int, int]:
        leads.append(s.leads())
        return s.rep(fatigue)

    play_sets(s.sc, opts, rng, a.pause_s, rep=rep, nonrep=s.nonrep,
              rest=lambda: s.rest(walk_rest))
    s.tr.hold(_u(rng, 1.0, 3.0))
    # Each rep's leading leg goes into its label.
    reps = [d for d in s.sc.designs if d.kind == "rep"]
    for d, lead in zip(reps, leads, strict=True):
        d.info["side"] = s.side_of(lead)
    return s.sc, leads


def _direction(pitch: FloatArray, yaw: FloatArray) -> FloatArray:
    return np.stack([np.sin(pitch) * np.cos(yaw), np.sin(pitch) * np.sin(yaw),
                     np.cos(pitch)], axis=1)


@dataclass(frozen=True)
class LungeMovement:
    family: str = "hinge"  # standing on one or two legs: balance corrections
    single: bool = True
    main_channel: str = "thigh"

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn:
        r = WIDE if opts.lunge_variants == "wide" else NORMAL
        ath = draw_athlete(r, opts, rng)
        script, _ = lunge_script(r, ath, opts, leg_sign * 0.10, rng, dt_s)
        return Drawn(script, ath.height_m, 0.245 * ath.height_m, ath.as_dict())

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion:
        hip = np.stack([ch["kx"], ch["ky"], ch["kz"]], axis=1)
        # The thigh's body z points from the knee up to the hip; the knee is its pivot.
        knee = hip - thigh_m * _direction(ch["thigh"], ch["yaw"])
        return SegmentMotion(ch["thigh"], ch["roll"], ch["yaw"], knee,
                             np.degrees(ch["thigh"]))

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
        return lunge_rep_label(motion, i0, i1, to_file, ("eccentric", "bottom", "concentric"))
