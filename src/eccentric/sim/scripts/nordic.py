"""Nordic hamstring curl sessions: walk in, kneel, sets of leans with falls and catches,
rests sitting on the heels or walking about; the thigh (or trunk) is the segment."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim import human
from eccentric.sim.imu_model import rot_z
from eccentric.sim.kinematics.nordic import nordic_partial, nordic_rep
from eccentric.sim.labels import Motion, nordic_rep_label
from eccentric.sim.movement import Drawn, SegmentMotion
from eccentric.sim.options import SessionOptions
from eccentric.sim.storyboard import (
    KNEEL_KNEE_Z_M,
    STAND_KNEE_Z_M,
    Script,
    play_sets,
)
from eccentric.sim.storyboard import uniform as _u
from eccentric.sim.track import Track

rad = math.radians


def _kneel_down(tr: Track, rng: np.random.Generator) -> None:
    """Standing → one knee then both knees down → upright kneeling (thigh vertical)."""
    tr.move({"thigh": rad(_u(rng, 30, 45)), "hip": rad(-_u(rng, 20, 35)), "kz": 0.30},
            _u(rng, 0.9, 1.3))
    tr.move({"thigh": rad(_u(rng, 3, 8)), "hip": 0.0, "kz": KNEEL_KNEE_Z_M}, _u(rng, 0.8, 1.2))
    tr.move({"thigh": 0.0, "roll": 0.0}, _u(rng, 0.5, 0.8))


def _stand_up(tr: Track, rng: np.random.Generator) -> None:
    tr.move({"thigh": rad(_u(rng, 30, 45)), "hip": rad(-_u(rng, 20, 35)), "kz": 0.30},
            _u(rng, 0.9, 1.3))
    tr.move({"thigh": 0.0, "hip": 0.0, "kz": STAND_KNEE_Z_M}, _u(rng, 0.9, 1.3))


def _nordic_nonrep(tr: Track, kind: str, ath: human.NordicAthlete, trunk: bool,
                   rng: np.random.Generator) -> tuple[int, int]:
    dt = tr.dt_s
    start = math.degrees(tr.value("thigh"))
    if kind == "aborted":
        lean = nordic_partial(start, _u(rng, 3, 7), _u(rng, 6, 10), _u(rng, 0, 0.3),
                              _u(rng, 0.6, 1.0), dt)
        return tr.append({"thigh": lean})
    if kind == "partial":
        lean = nordic_partial(start, _u(rng, 12, 28), ath.lower_rate_dps * _u(rng, 0.8, 1.2),
                              _u(rng, 0.1, 0.6), _u(rng, 1.0, 2.0), dt)
        return tr.append({"thigh": lean})
    if kind == "fidget":
        return human.fidget(tr, {"thigh": rad(4), "roll": rad(4), "yaw": rad(6),
                                 "hip": rad(8 if trunk else 3)}, rng)
    # reposition: shuffle the knees on the pad, then settle a little to one side
    i0, _ = human.fidget(tr, {"kx": 0.04, "ky": 0.05, "thigh": rad(7), "roll": rad(6),
                              "hip": rad(10)}, rng)
    _, i1 = tr.move({"kx": tr.value("kx") + _u(rng, -0.02, 0.02),
                     "ky": tr.value("ky") + _u(rng, -0.03, 0.03)}, _u(rng, 0.4, 0.7))
    return i0, i1


def _nordic_rest(sc: Script, opts: SessionOptions, rng: np.random.Generator,
                 walk_rest: bool) -> None:
    """Sit back on the heels; maybe stand up and walk about; kneel again."""
    tr = sc.track
    total = _u(rng, opts.rest_min_s, opts.rest_max_s)
    t0 = tr.t_s
    tr.move({"thigh": rad(-_u(rng, 50, 60)), "hip": rad(_u(rng, 55, 65))}, _u(rng, 1.2, 1.6))
    walk_s = _u(rng, 8.0, 18.0) if walk_rest else 0.0
    moves_s = 8.0 if walk_rest else 1.5
    sit_s = max(total - (tr.t_s - t0) - walk_s - moves_s, 3.0)
    tr.hold(0.5 * sit_s)
    if rng.random() < 0.5:  # shift about while sitting (unlabelled: it is rest)
        human.fidget(tr, {"thigh": rad(6), "roll": rad(5), "yaw": rad(10), "hip": rad(8)}, rng)
    tr.hold(0.5 * sit_s)
    tr.move({"thigh": 0.0, "hip": 0.0}, _u(rng, 1.0, 1.4))
    if walk_rest:
        _stand_up(tr, rng)
        human.walk(tr, walk_s, "thigh", 0.0, rad(_u(rng, 15, 22)), rng, counter_channel="hip")
        tr.hold(_u(rng, 0.5, 1.5))
        _kneel_down(tr, rng)
    tr.move({"thigh": 0.0, "hip": 0.0, "roll": 0.0}, 0.6)
    sc.hold_start_pose(_u(rng, 2.5, 4.0))  # in the start pose ≥ 2 s before the set


def nordic_script(opts: SessionOptions, ath: human.NordicAthlete, trunk: bool,
                  rng: np.random.Generator, dt_s: float) -> Script:
    yaw0 = _u(rng, -math.pi, math.pi)
    tr = Track(dt_s, {"thigh": 0.0, "hip": 0.0, "roll": 0.0, "yaw": yaw0, "kx": 0.0,
                      "ky": 0.0, "kz": STAND_KNEE_Z_M})
    sc = Script(tr)
    walk_rest = opts.walk_in_rest if opts.walk_in_rest is not None else bool(rng.random() < 0.5)
    tr.hold(_u(rng, 1.0, 3.0))
    if rng.random() < 0.7:
        human.walk(tr, _u(rng, 5.0, 8.0), "thigh", 0.0, rad(_u(rng, 15, 22)), rng,
                   counter_channel="hip")
        tr.hold(_u(rng, 0.5, 1.5))
    _kneel_down(tr, rng)
    sc.hold_start_pose(_u(rng, 2.5, 4.0))
    piking = opts.piking_deg if trunk else 0.0

    def rep(fatigue: float) -> tuple[int, int]:
        plan = human.nordic_rep_plan(ath, fatigue, math.degrees(tr.value("thigh")), rng,
                                     piking, opts.onset, opts.tempo)
        lean = nordic_rep(plan, dt_s)
        i0, i1 = tr.append({"thigh": lean.lean_rad, "hip": tr.value("hip") + lean.hip_flex_rad})
        sc.mark(i0, lean.marks, ("onset",))
        return i0, i1

    play_sets(sc, opts, rng, ath.pause_s, rep=rep,
              nonrep=lambda kind: _nordic_nonrep(tr, kind, ath, trunk, rng),
              rest=lambda: _nordic_rest(sc, opts, rng, walk_rest))
    tr.move({"thigh": rad(-_u(rng, 50, 60)), "hip": rad(_u(rng, 55, 65))}, _u(rng, 1.2, 1.6))
    tr.hold(_u(rng, 1.0, 3.0))
    return sc


@dataclass(frozen=True)
class NordicMovement:
    band: bool = False
    family: str = "nordic"
    single: bool = False
    main_channel: str = "thigh"

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn:
        ath = human.draw_nordic_athlete(
            rng, tempo=opts.tempo, band=self.band, return_mode=opts.return_mode,
            bpa_deg=opts.bpa_deg, no_break_prob=opts.no_break_prob)
        script = nordic_script(opts, ath, placement == "trunk", rng, dt_s)
        return Drawn(script, ath.body.height_m, ath.body.thigh_length_m, ath.as_dict())

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion:
        knee = np.stack([ch["kx"], ch["ky"], ch["kz"]], axis=1)
        thigh = ch["thigh"]
        if placement == "trunk":
            along = np.stack([np.sin(thigh), np.zeros_like(thigh), np.cos(thigh)], axis=1)
            hip = knee + thigh_m * np.einsum("nij,nj->ni", rot_z(ch["yaw"]), along)
            return SegmentMotion(thigh + ch["hip"], ch["roll"], ch["yaw"], hip,
                                 np.degrees(thigh))
        return SegmentMotion(thigh, ch["roll"], ch["yaw"], knee, np.degrees(thigh))

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
        return nordic_rep_label(motion, i0, i1, to_file)
