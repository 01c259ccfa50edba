"""Swiss-ball leg curl sessions: get on the ball, bridge, sets of curls with pelvis
rocking, rests lying down or walking about; the shank (or ankle) is the segment."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim import human
from eccentric.sim.kinematics.ball_curl import (
    BallGeometry,
    ball_partial,
    ball_pose,
    ball_rep,
)
from eccentric.sim.labels import Motion, ball_rep_label
from eccentric.sim.movement import Drawn, SegmentMotion
from eccentric.sim.options import SessionOptions
from eccentric.sim.primitives import min_jerk
from eccentric.sim.storyboard import STAND_KNEE_Z_M, Script, play_sets
from eccentric.sim.storyboard import uniform as _u
from eccentric.sim.track import Track

rad = math.radians


@dataclass(frozen=True)
class BallStart:
    shank: float  # rad
    knee: FloatArray  # (3,)


def _get_on_ball(tr: Track, start: BallStart, rng: np.random.Generator) -> None:
    """Sit down, lie back with the heels on the ball, bridge up into the start pose."""
    k = start.knee
    tr.move({"shank": rad(_u(rng, 120, 130)), "kx": float(k[0]) - 0.15, "kz": 0.42,
             "yaw": 0.0}, _u(rng, 1.5, 2.2))
    tr.move({"shank": start.shank - rad(_u(rng, 10, 14)), "kx": float(k[0]),
             "kz": float(k[2]) - 0.10}, _u(rng, 1.5, 2.2))
    tr.move({"shank": start.shank, "kz": float(k[2]), "ky": float(k[1]), "roll": 0.0},
            _u(rng, 1.0, 1.5))


def _ball_nonrep(tr: Track, kind: str, geom: BallGeometry, start: BallStart,
                 rng: np.random.Generator) -> tuple[int, int]:
    dt = tr.dt_s
    if kind in ("aborted", "partial"):
        if kind == "aborted":
            prog = ball_partial(_u(rng, 0.06, 0.12), _u(rng, 0.3, 0.5), _u(rng, 0, 0.2),
                                _u(rng, 0.4, 0.7), dt)
        else:
            prog = ball_partial(_u(rng, 0.22, 0.38), _u(rng, 0.5, 0.9), _u(rng, 0, 0.4),
                                _u(rng, 0.8, 1.5), dt)
        return tr.append(_ball_channels(tr, prog, geom))
    if kind == "fidget":
        return human.fidget(tr, {"roll": rad(4), "yaw": rad(5), "shank": rad(3)}, rng)
    # reposition: hips sag to the floor and the bridge is re-set
    shank, kz = tr.value("shank"), tr.value("kz")
    drop = rad(_u(rng, 8, 12))
    i0, _ = tr.move({"shank": shank - drop, "kz": kz - 0.08}, _u(rng, 0.8, 1.2))
    tr.hold(_u(rng, 0.5, 1.5))
    _, i1 = tr.move({"shank": shank, "kz": kz}, _u(rng, 0.8, 1.2))
    return i0, i1


def _ball_channels(tr: Track, progress: FloatArray, geom: BallGeometry) -> dict[str, FloatArray]:
    """Shank pitch and knee position for curl progress, relative to the current pose."""
    pose = ball_pose(progress, geom)
    ref = ball_pose(np.zeros(1), geom)
    dk = pose.knee_m - ref.knee_m[0]
    yaw = tr.value("yaw")
    c, s = math.cos(yaw), math.sin(yaw)
    return {"shank": tr.value("shank") + pose.shank_pitch_rad - ref.shank_pitch_rad[0],
            "kx": tr.value("kx") + c * dk[:, 0] - s * dk[:, 1],
            "ky": tr.value("ky") + s * dk[:, 0] + c * dk[:, 1],
            "kz": tr.value("kz") + dk[:, 2]}


def _ball_rest(sc: Script, opts: SessionOptions, start: BallStart, rng: np.random.Generator,
               walk_rest: bool) -> None:
    tr = sc.track
    total = _u(rng, opts.rest_min_s, opts.rest_max_s)
    t0 = tr.t_s
    tr.move({"shank": start.shank - rad(_u(rng, 10, 14)), "kz": float(start.knee[2]) - 0.10},
            _u(rng, 0.8, 1.2))
    walk_s = _u(rng, 8.0, 18.0) if walk_rest else 0.0
    moves_s = 10.0 if walk_rest else 1.5
    lie_s = max(total - (tr.t_s - t0) - walk_s - moves_s, 3.0)
    tr.hold(0.5 * lie_s)
    if rng.random() < 0.5:
        human.fidget(tr, {"roll": rad(6), "yaw": rad(8), "shank": rad(5)}, rng)
    tr.hold(0.5 * lie_s)
    if walk_rest:
        tr.move({"shank": rad(_u(rng, 120, 130)), "kx": float(start.knee[0]) - 0.15,
                 "kz": 0.42}, _u(rng, 1.5, 2.0))
        tr.move({"shank": math.pi, "kz": STAND_KNEE_Z_M}, _u(rng, 1.2, 1.8))
        human.walk(tr, walk_s, "shank", math.pi, rad(_u(rng, 20, 28)), rng)
        tr.hold(_u(rng, 0.5, 1.5))
        _get_on_ball(tr, start, rng)
    else:
        tr.move({"shank": start.shank, "kz": float(start.knee[2]), "roll": 0.0},
                _u(rng, 1.0, 1.5))
    sc.hold_start_pose(_u(rng, 2.5, 4.0))


def ball_script(opts: SessionOptions, ath: human.BallAthlete, geom: BallGeometry,
                leg_y: float, rng: np.random.Generator, dt_s: float) -> Script:
    ref = ball_pose(np.zeros(1), geom)
    start = BallStart(float(ref.shank_pitch_rad[0]),
                      ref.knee_m[0] + np.array([0.0, leg_y, 0.0]))
    tr = Track(dt_s, {"shank": math.pi, "roll": 0.0, "yaw": 0.0,
                      "kx": float(start.knee[0]) + 0.6, "ky": leg_y, "kz": STAND_KNEE_Z_M})
    sc = Script(tr)
    walk_rest = opts.walk_in_rest if opts.walk_in_rest is not None else bool(rng.random() < 0.5)
    tr.hold(_u(rng, 1.0, 3.0))
    if rng.random() < 0.7:
        human.walk(tr, _u(rng, 5.0, 8.0), "shank", math.pi, rad(_u(rng, 20, 28)), rng)
        tr.hold(_u(rng, 0.5, 1.5))
    _get_on_ball(tr, start, rng)
    sc.hold_start_pose(_u(rng, 2.5, 4.0))

    def rep(fatigue: float) -> tuple[int, int]:
        curl = ball_rep(human.ball_rep_plan(ath, fatigue, rng), dt_s)
        ch = _ball_channels(tr, curl.progress, geom)
        # Pelvis rocking (larger on one leg: "no rotation of the pelvis" is a cue
        # because it happens; anchors §5).
        n = len(curl.progress)
        tt = np.arange(n) * dt_s
        env = min_jerk(tt / 0.4) * min_jerk((tt[-1] - tt) / 0.4)
        ch["roll"] = tr.value("roll") + rad(ath.pelvis_roll_deg) * env * np.sin(
            2 * math.pi * _u(rng, 0.5, 1.2) * tt + _u(rng, 0, 2 * math.pi))
        i0, i1 = tr.append(ch)
        sc.mark(i0, curl.marks, ("onset", "back_onset"))
        return i0, i1

    play_sets(sc, opts, rng, ath.pause_s, rep=rep,
              nonrep=lambda kind: _ball_nonrep(tr, kind, geom, start, rng),
              rest=lambda: _ball_rest(sc, opts, start, rng, walk_rest))
    tr.move({"shank": start.shank - rad(_u(rng, 10, 14)), "kz": float(start.knee[2]) - 0.10},
            _u(rng, 0.8, 1.2))
    tr.hold(_u(rng, 1.0, 3.0))
    return sc


@dataclass(frozen=True)
class BallCurlMovement:
    single: bool = False
    family: str = "ball"
    main_channel: str = "shank"

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn:
        ath = human.draw_ball_athlete(rng, tempo=opts.tempo, single=self.single)
        geom = BallGeometry(ath.height_m, ath.ball_diameter_m,
                            knee_flex_max_deg=ath.knee_flex_max_deg,
                            hip_flex_top_deg=ath.hip_flex_top_deg)
        script = ball_script(opts, ath, geom, leg_sign * 0.10, rng, dt_s)
        return Drawn(script, ath.height_m, geom.thigh_m, ath.as_dict())

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion:
        knee = np.stack([ch["kx"], ch["ky"], ch["kz"]], axis=1)
        return SegmentMotion(ch["shank"], ch["roll"], ch["yaw"], knee, np.degrees(ch["shank"]))

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
        return ball_rep_label(motion, i0, i1, to_file)
