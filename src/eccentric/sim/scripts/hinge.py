"""Hinge and lift sessions: one segment swings out about one joint, holds, comes back.

Single-leg deadlift (trunk, or the free leg's thigh rising behind), single-leg bridge
(working thigh), Roman-chair hip hinge and ankle-anchored sit-up (trunk). Each differs
only in data (``HINGES``): start pose, range, tempo and hold of its coaching cues,
posture between sets. Pitch conventions (imu_model.segment_rotation): 0 = the
segment's body z (away from its pivot) points up, +90° = it points forward (+x); the
athlete faces +x, so every exercise here swings its segment to larger pitch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim import human
from eccentric.sim.kinematics.hinge import HingeRepPlan, hinge_partial, hinge_rep
from eccentric.sim.labels import Motion, excursion_rep_label
from eccentric.sim.movement import Drawn, SegmentMotion
from eccentric.sim.options import SessionOptions
from eccentric.sim.storyboard import Script, play_sets
from eccentric.sim.storyboard import uniform as _u
from eccentric.sim.track import Track

rad = math.radians
Range = tuple[float, float]


@dataclass(frozen=True)
class HingeDesign:
    """How one exercise moves (angles in degrees, durations in s, normal tempo).

    Ranges are drawn per athlete; ASSUMED from the coaching cues unless noted.
    """

    main: str  # "trunk" or "thigh": the segment whose pitch the exercise swings
    posture: str  # "standing", "lying" or "bench": the start pose and the rests
    start_deg: float  # pitch of ``main`` in the start pose
    range_deg: Range  # full excursion from the start pose
    out_s: Range
    hold_s: Range  # at the far position
    back_s: Range
    pause_s: Range  # between reps, in the start pose (a top pause for the Roman chair)
    pivot_z_frac: float  # pivot height / stature in the start pose
    # Phase names and which way is eccentric, as the exercise profile reports them.
    phases: tuple[str, str, str]
    eccentric: str
    single: bool = False
    # Tremor class (human.draw_shakiness): "supported" (lying, on a bench) has no
    # balance corrections; standing or bridging on one leg has.
    family: str = "hinge"
    # Free-leg thigh pitch / trunk pitch (single-leg deadlift: the leg rises behind,
    # roughly in line with the trunk).
    free_thigh_gain: Range = (0.8, 1.05)


HINGES: dict[str, HingeDesign] = {
    # Cue: hinge to about 45° (often further), hold 1–2 s at the bottom, slow lowering.
    "single_leg_deadlift": HingeDesign(
        main="trunk", posture="standing", start_deg=0.0, range_deg=(40.0, 85.0),
        out_s=(1.5, 3.0), hold_s=(0.5, 2.5), back_s=(1.0, 2.0), pause_s=(0.8, 2.5),
        pivot_z_frac=0.53, phases=("eccentric", "bottom", "concentric"), eccentric="out",
        single=True),
    # Thigh from ~45° below the horizontal (knee up, foot flat) to near the trunk line;
    # cue: hold 1–2 s at the top, lower slowly.
    "single_leg_bridge": HingeDesign(
        main="thigh", posture="lying", start_deg=-135.0, range_deg=(25.0, 45.0),
        out_s=(0.8, 1.6), hold_s=(0.5, 2.8), back_s=(1.5, 3.0), pause_s=(0.8, 2.5),
        pivot_z_frac=0.25, phases=("concentric", "top", "eccentric"), eccentric="back",
        single=True),
    # 45° bench: body in line at 45°, lowered towards hanging, raised back to the line.
    "roman_chair_hinge": HingeDesign(
        main="trunk", posture="bench", start_deg=45.0, range_deg=(50.0, 90.0),
        out_s=(1.5, 3.0), hold_s=(0.1, 0.8), back_s=(1.0, 2.0), pause_s=(0.8, 3.0),
        pivot_z_frac=0.55, phases=("eccentric", "bottom", "concentric"), eccentric="out",
        family="supported"),
    # Lying, ankles anchored: the trunk curls up to 70–95° and lowers back.
    "situp": HingeDesign(
        main="trunk", posture="lying", start_deg=-90.0, range_deg=(65.0, 95.0),
        out_s=(0.9, 2.0), hold_s=(0.1, 0.8), back_s=(1.5, 3.0), pause_s=(0.5, 2.0),
        pivot_z_frac=0.06, phases=("concentric", "top", "eccentric"), eccentric="back",
        family="supported"),
}

TEMPO_GAIN = {"normal": (1.0, 1.0), "slow": (1.8, 1.6), "fast": (0.6, 0.6)}  # (out, back)
POWER_ONSET = (1.3, 2.0)  # exponent range of a "power" onset (as for the Nordic)


@dataclass(frozen=True)
class HingeAthlete:
    height_m: float
    range_deg: float
    out_s: float
    hold_s: float
    back_s: float
    pause_s: float
    free_thigh_gain: float

    def as_dict(self) -> dict[str, object]:
        return {k: round(v, 3) for k, v in self.__dict__.items()}


def draw_athlete(d: HingeDesign, opts: SessionOptions, rng: np.random.Generator
                 ) -> HingeAthlete:
    g_out, g_back = TEMPO_GAIN[opts.tempo]
    return HingeAthlete(
        height_m=_u(rng, 1.55, 1.95), range_deg=_u(rng, *d.range_deg),
        out_s=g_out * _u(rng, *d.out_s), hold_s=_u(rng, *d.hold_s),
        back_s=g_back * _u(rng, *d.back_s), pause_s=_u(rng, *d.pause_s),
        free_thigh_gain=_u(rng, *d.free_thigh_gain))


def rep_plan(a: HingeAthlete, fatigue: float, onset: str, rng: np.random.Generator
             ) -> HingeRepPlan:
    """Fatigue (ASSUMED): a slower way out (+30 %), a shorter hold, less range (−15 %)."""
    def jit(sd: float) -> float:
        return math.exp(rng.normal(0.0, sd))

    extra: dict[str, Any] = {}
    if onset == "power":
        extra = {"onset": "power", "onset_power": _u(rng, *POWER_ONSET)}
    elif onset == "linear":
        extra = {"onset": "linear", "linear_ramp_s": _u(rng, 0.05, 0.12)}
    elif onset == "hesitant":
        # 1–3° either way, as for the Nordic (ASSUMED).
        extra = {"onset": "hesitant", "hesitation": (1 if rng.random() < 0.5 else -1)
                 * _u(rng, 1.0, 3.0) / a.range_deg, "hesitation_pause_s": _u(rng, 0.3, 1.0)}
    return HingeRepPlan(
        out_s=a.out_s * (1.0 + 0.3 * fatigue) * jit(0.1),
        hold_s=max(a.hold_s * (1.0 - 0.3 * fatigue) * jit(0.2), 0.05),
        back_s=a.back_s * jit(0.1),
        depth=float(np.clip(rng.normal(1.0 - 0.15 * fatigue, 0.04), 0.65, 1.05)), **extra)


class _Session:
    """The storyboard of one session for one design."""

    def __init__(self, d: HingeDesign, a: HingeAthlete, opts: SessionOptions, leg_y: float,
                 rng: np.random.Generator, dt_s: float) -> None:
        self.d, self.a, self.opts, self.rng = d, a, opts, rng
        hip_z = 0.53 * a.height_m
        self.stand = {"trunk": 0.0, "thigh": 0.0, "kx": 0.0, "ky": leg_y, "kz": hip_z}
        self.start = {d.main: rad(d.start_deg), "kz": d.pivot_z_frac * a.height_m}
        if d.posture == "lying":  # the other segment lies too
            other = "thigh" if d.main == "trunk" else "trunk"
            self.start[other] = rad(-135.0 if other == "thigh" else -90.0)
        self.tr = Track(dt_s, {**self.stand, "roll": 0.0, "yaw": 0.0,
                               "gain": a.free_thigh_gain})
        self.sc = Script(self.tr)

    def channel(self, progress: FloatArray) -> dict[str, FloatArray]:
        d, tr = self.d, self.tr
        pieces = {d.main: rad(d.start_deg) + rad(self.a.range_deg) * progress}
        if d.main == "thigh":
            # Hips lift with the thigh: the trunk rises from the floor about the shoulders.
            pieces["trunk"] = tr.value("trunk") + 0.6 * rad(self.a.range_deg) * progress
        return pieces

    def get_into_position(self) -> None:
        tr, rng = self.tr, self.rng
        if self.d.posture == "lying":
            tr.move({"trunk": rad(-30.0), "thigh": rad(-80.0), "kz": 0.35}, _u(rng, 1.5, 2.5))
        tr.move(self.start, _u(rng, 1.5, 2.5))
        self.sc.hold_start_pose(_u(rng, 2.5, 4.0))

    def get_out(self) -> None:
        tr, rng = self.tr, self.rng
        if self.d.posture == "lying":
            tr.move({"trunk": rad(-30.0), "thigh": rad(-80.0), "kz": 0.35}, _u(rng, 1.5, 2.5))
        tr.move(self.stand, _u(rng, 1.5, 2.5))

    def walk(self, duration_s: float) -> None:
        human.walk(self.tr, duration_s, "thigh", 0.0, rad(_u(self.rng, 15, 22)), self.rng)
        self.tr.hold(_u(self.rng, 0.5, 1.5))

    def rep(self, fatigue: float) -> tuple[int, int]:
        plan = rep_plan(self.a, fatigue, self.opts.onset, self.rng)
        return self.tr.append(self.channel(hinge_rep(plan, self.tr.dt_s)))

    def nonrep(self, kind: str) -> tuple[int, int]:
        tr, rng = self.tr, self.rng
        if kind in ("aborted", "partial"):
            depth = _u(rng, 0.05, 0.12) if kind == "aborted" else _u(rng, 0.2, 0.35)
            prog = hinge_partial(depth, _u(rng, 0.4, 0.9), _u(rng, 0.0, 0.4), _u(rng, 0.5, 1.2),
                                 tr.dt_s)
            return tr.append(self.channel(prog))
        if kind == "fidget":
            return human.fidget(tr, {"roll": rad(5), "yaw": rad(6), self.d.main: rad(4)}, rng)
        start = tr.value(self.d.main)
        i0, _ = tr.move({self.d.main: start - rad(_u(rng, 6, 10))}, _u(rng, 0.6, 1.0))
        tr.hold(_u(rng, 0.5, 1.5))
        _, i1 = tr.move({self.d.main: start}, _u(rng, 0.6, 1.0))
        return i0, i1

    def rest(self, walk_rest: bool) -> None:
        tr, rng, opts = self.tr, self.rng, self.opts
        total = _u(rng, opts.rest_min_s, opts.rest_max_s)
        t0 = tr.t_s
        if walk_rest or self.d.posture != "lying":
            self.get_out()
            if walk_rest:
                self.walk(_u(rng, 8.0, 18.0))
            left = max(total - (tr.t_s - t0) - 5.0, 2.0)
            tr.hold(0.5 * left)
            if rng.random() < 0.5:
                human.fidget(tr, {"roll": rad(6), "yaw": rad(8), "thigh": rad(5)}, rng)
            tr.hold(0.5 * left)
            self.get_into_position()
            return
        tr.hold(0.5 * total)
        if rng.random() < 0.5:
            human.fidget(tr, {"roll": rad(6), "yaw": rad(8), self.d.main: rad(5)}, rng)
        tr.hold(0.5 * total)
        self.sc.hold_start_pose(_u(rng, 2.5, 4.0))


def hinge_script(d: HingeDesign, a: HingeAthlete, opts: SessionOptions, leg_y: float,
                 rng: np.random.Generator, dt_s: float) -> Script:
    s = _Session(d, a, opts, leg_y, rng, dt_s)
    walk_rest = opts.walk_in_rest if opts.walk_in_rest is not None else bool(rng.random() < 0.5)
    s.tr.hold(_u(rng, 1.0, 3.0))
    if rng.random() < 0.7:
        s.walk(_u(rng, 5.0, 8.0))
    s.get_into_position()
    play_sets(s.sc, opts, rng, a.pause_s, rep=s.rep, nonrep=s.nonrep,
              rest=lambda: s.rest(walk_rest))
    s.get_out()
    s.tr.hold(_u(rng, 1.0, 3.0))
    return s.sc


def _direction(pitch: FloatArray, yaw: FloatArray) -> FloatArray:
    """Unit vectors along a segment's body z (world frame) for pitch and heading."""
    return np.stack([np.sin(pitch) * np.cos(yaw), np.sin(pitch) * np.sin(yaw),
                     np.cos(pitch)], axis=1)


@dataclass(frozen=True)
class HingeMovement:
    exercise: str

    @property
    def design(self) -> HingeDesign:
        return HINGES[self.exercise]

    @property
    def family(self) -> str:
        return self.design.family

    @property
    def single(self) -> bool:
        return self.design.single

    @property
    def main_channel(self) -> str:
        return self.design.main

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn:
        d = self.design
        ath = draw_athlete(d, opts, rng)
        script = hinge_script(d, ath, opts, leg_sign * 0.10, rng, dt_s)
        return Drawn(script, ath.height_m, 0.245 * ath.height_m, ath.as_dict())

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion:
        pivot = np.stack([ch["kx"], ch["ky"], ch["kz"]], axis=1)
        if self.design.main == "trunk" and placement == "thigh":
            # The free leg's thigh: its pivot (the knee) hangs below the hip.
            # It follows the trunk (times a per-athlete gain) and swings when walking.
            pitch = ch["gain"] * ch["trunk"] + ch["thigh"]
            knee = pivot - thigh_m * _direction(pitch, ch["yaw"])
            return SegmentMotion(pitch, ch["roll"], ch["yaw"], knee, np.degrees(pitch))
        pitch = ch[self.design.main]
        return SegmentMotion(pitch, ch["roll"], ch["yaw"], pivot, np.degrees(pitch))

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
        d = self.design
        return excursion_rep_label(motion, i0, i1, to_file, d.phases, d.eccentric)
