"""Compose a whole simulated session: lead-in, sets of reps, rests; sensor; labels.

Flow: a storyboard of body-pose channels on a fine grid (``Track``) → the sensor's
segment pose (pitch/roll/yaw + pivot) → ideal specific force and rate (``imu_model``)
→ the device's clock, errors, resolution and radio losses → ``ImuChunk`` + labels.
Determinism: every random choice comes from generators spawned from the one seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray, ImuChunk
from eccentric.devices.sensors import get_device
from eccentric.io.recording_format import RecordingHeader
from eccentric.io.recording_writer import RecordingWriter
from eccentric.sim import clock as clk
from eccentric.sim import human
from eccentric.sim.imu_model import (
    DeviceConfig,
    TissueParams,
    body_rate_rads,
    device_readings,
    draw_device_errors,
    ideal_sensor,
    mounting_rotation,
    rot_z,
    segment_rotation,
)
from eccentric.sim.kinematics.ball_curl import (
    BallGeometry,
    ball_partial,
    ball_pose,
    ball_rep,
)
from eccentric.sim.kinematics.nordic import nordic_partial, nordic_rep
from eccentric.sim.labels import Motion, ball_rep_label, movement_window, nordic_rep_label
from eccentric.sim.motion import min_jerk
from eccentric.sim.options import SessionOptions, check_exercise
from eccentric.sim.track import Track

SIMULATOR_NAME = "eccentric.sim"
SIMULATOR_VERSION = "1.0"

KNEEL_KNEE_Z_M = 0.08  # knee joint centre above the floor when kneeling on a pad
STAND_KNEE_Z_M = 0.50  # ≈ 0.285 × a 1.75 m stature (Winter proportions, NOT VERIFIED)
rad = math.radians


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


@dataclass
class Design:
    """A movement to label: grid samples [i0, i1)."""

    kind: str  # "rep" or a non-rep kind
    set: int
    rep_in_set: int
    i0: int
    i1: int


@dataclass
class Script:
    track: Track
    designs: list[Design] = field(default_factory=list)


def _schedule(opts: SessionOptions, rng: np.random.Generator) -> dict[tuple[int, int], list[str]]:
    """Where the non-reps go: (set, before rep index) → kinds, in a fixed kind order."""
    out: dict[tuple[int, int], list[str]] = {}
    for kind, count in (("aborted", opts.aborted_starts), ("partial", opts.partial_reps),
                        ("fidget", opts.fidgets), ("reposition", opts.repositions)):
        for _ in range(count):
            k = int(rng.integers(1, opts.sets + 1))
            # Aborted starts and partials may precede the first rep; fidgets and
            # repositions happen between reps.
            lo = 0 if kind in ("aborted", "partial") or opts.reps == 1 else 1
            j = int(rng.integers(lo, opts.reps))
            out.setdefault((k, j), []).append(kind)
    return out


# ---------------------------------------------------------------- Nordic storyboard


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


def _nordic_rest(tr: Track, opts: SessionOptions, rng: np.random.Generator,
                 walk_rest: bool) -> None:
    """Sit back on the heels; maybe stand up and walk about; kneel again."""
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
    tr.hold(_u(rng, 2.5, 4.0))  # still in the start pose ≥ 2 s before the set


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
    tr.hold(_u(rng, 2.5, 4.0))
    schedule = _schedule(opts, rng)
    carry = 0.0
    piking = opts.piking_deg if trunk else 0.0
    for k in range(1, opts.sets + 1):
        fatigue = carry
        for j in range(opts.reps):
            for kind in schedule.get((k, j), []):
                i0, i1 = _nordic_nonrep(tr, kind, ath, trunk, rng)
                sc.designs.append(Design(kind, k, j, i0, i1))
                tr.hold(_u(rng, 0.8, 2.0))
            plan = human.nordic_rep_plan(ath, fatigue, math.degrees(tr.value("thigh")), rng,
                                         piking)
            rep = nordic_rep(plan, dt_s)
            i0, i1 = tr.append({"thigh": rep.lean_rad, "hip": tr.value("hip") + rep.hip_flex_rad})
            sc.designs.append(Design("rep", k, j + 1, i0, i1))
            fatigue = min(1.0, carry + opts.fatigue * (j + 1) / max(opts.reps - 1, 1))
            if j < opts.reps - 1:
                tr.hold(human.pause_s(ath.pause_s, fatigue, rng))
        tr.hold(_u(rng, 1.0, 2.5))
        if k < opts.sets:
            _nordic_rest(tr, opts, rng, walk_rest)
            carry = 0.3 * fatigue  # rest recovers most, not all, of the set's fatigue
    tr.move({"thigh": rad(-_u(rng, 50, 60)), "hip": rad(_u(rng, 55, 65))}, _u(rng, 1.2, 1.6))
    tr.hold(_u(rng, 1.0, 3.0))
    return sc


# ---------------------------------------------------------------- ball-curl storyboard


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


def _ball_rest(tr: Track, opts: SessionOptions, start: BallStart, rng: np.random.Generator,
               walk_rest: bool) -> None:
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
    tr.hold(_u(rng, 2.5, 4.0))


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
    tr.hold(_u(rng, 2.5, 4.0))
    schedule = _schedule(opts, rng)
    carry = 0.0
    for k in range(1, opts.sets + 1):
        fatigue = carry
        for j in range(opts.reps):
            for kind in schedule.get((k, j), []):
                i0, i1 = _ball_nonrep(tr, kind, geom, start, rng)
                sc.designs.append(Design(kind, k, j, i0, i1))
                tr.hold(_u(rng, 0.8, 2.0))
            plan = human.ball_rep_plan(ath, fatigue, rng)
            rep = ball_rep(plan, dt_s)
            ch = _ball_channels(tr, rep.progress, geom)
            # Pelvis rocking (larger on one leg: "no rotation of the pelvis" is a cue
            # because it happens; anchors §5).
            n = len(rep.progress)
            tt = np.arange(n) * dt_s
            env = min_jerk(tt / 0.4) * min_jerk((tt[-1] - tt) / 0.4)
            ch["roll"] = tr.value("roll") + rad(ath.pelvis_roll_deg) * env * np.sin(
                2 * math.pi * _u(rng, 0.5, 1.2) * tt + _u(rng, 0, 2 * math.pi))
            i0, i1 = tr.append(ch)
            sc.designs.append(Design("rep", k, j + 1, i0, i1))
            fatigue = min(1.0, carry + opts.fatigue * (j + 1) / max(opts.reps - 1, 1))
            if j < opts.reps - 1:
                tr.hold(human.pause_s(ath.pause_s, fatigue, rng))
        tr.hold(_u(rng, 1.0, 2.5))
        if k < opts.sets:
            _ball_rest(tr, opts, start, rng, walk_rest)
            carry = 0.3 * fatigue
    tr.move({"shank": start.shank - rad(_u(rng, 10, 14)), "kz": float(start.knee[2]) - 0.10},
            _u(rng, 0.8, 1.2))
    tr.hold(_u(rng, 1.0, 3.0))
    return sc


# ---------------------------------------------------------------- sensor on the segment


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
    hip→shoulders; shank: knee→ankle); x is the thigh/trunk front, or the shank's back
    (the shin is −x); +y is to the athlete's left.
    """
    if placement == "thigh":
        radius, along, front, around = 0.075, _u(rng, 0.15, 0.28), 1.0, _u(rng, 0, 60)
    elif placement == "trunk":
        chest = rng.random() < 0.5  # chest strap or a clip between the shoulder blades
        radius, along, front, around = 0.12, _u(rng, 0.25, 0.40), 1.0 if chest else -1.0, 0.0
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


@dataclass(frozen=True)
class SegmentMotion:
    pitch: FloatArray
    roll: FloatArray
    yaw: FloatArray
    pivot: FloatArray  # (n, 3)
    label_angle_deg: FloatArray


def segment_motion(ch: dict[str, FloatArray], family: str, placement: str,
                   thigh_m: float) -> SegmentMotion:
    knee = np.stack([ch["kx"], ch["ky"], ch["kz"]], axis=1)
    if family == "nordic":
        thigh = ch["thigh"]
        if placement == "trunk":
            along = np.stack([np.sin(thigh), np.zeros_like(thigh), np.cos(thigh)], axis=1)
            hip = knee + thigh_m * np.einsum("nij,nj->ni", rot_z(ch["yaw"]), along)
            return SegmentMotion(thigh + ch["hip"], ch["roll"], ch["yaw"], hip,
                                 np.degrees(thigh))
        return SegmentMotion(thigh, ch["roll"], ch["yaw"], knee, np.degrees(thigh))
    return SegmentMotion(ch["shank"], ch["roll"], ch["yaw"], knee, np.degrees(ch["shank"]))


# ---------------------------------------------------------------- the whole session


@dataclass
class SimulatedSession:
    header: RecordingHeader
    chunk: ImuChunk
    labels: list[dict[str, Any]]


def simulate(exercise: str, seed: int, sensor: str, placement: str,
             options: SessionOptions | None = None) -> SimulatedSession:
    """Simulate one session. Same arguments → identical output."""
    opts = options or SessionOptions()
    opts.validate()
    check_exercise(exercise, placement)
    spec = get_device(sensor)
    cfg = DeviceConfig(opts.rate_hz or spec.default_rate_hz,
                       opts.acc_range_g or spec.default_acc_range_g,
                       opts.gyro_range_dps or spec.default_gyro_range_dps)
    spec.check(cfg.rate_hz, cfg.acc_range_g, cfg.gyro_range_dps)
    streams = np.random.SeedSequence(seed).spawn(5)
    rng_plan, rng_body, rng_motion, rng_dev, rng_link = (np.random.default_rng(s) for s in streams)
    grid_hz = max(1000.0, 4.0 * cfg.rate_hz)
    dt = 1.0 / grid_hz
    family = "nordic" if exercise.startswith("nordic") else "ball"
    single = exercise == "ball_leg_curl_single"
    side = opts.side or ("left" if rng_plan.random() < 0.5 else "right")
    leg_sign = 1.0 if side == "left" else -1.0

    athlete: dict[str, object]
    if family == "nordic":
        nath = human.draw_nordic_athlete(
            rng_plan, tempo=opts.tempo, band=exercise == "nordic_curl_band",
            return_mode=opts.return_mode, bpa_deg=opts.bpa_deg, no_break_prob=opts.no_break_prob)
        script = nordic_script(opts, nath, placement == "trunk", rng_plan, dt)
        height, athlete = nath.body.height_m, nath.as_dict()
        thigh_m = nath.body.thigh_length_m
    else:
        bath = human.draw_ball_athlete(rng_plan, tempo=opts.tempo, single=single)
        geom = BallGeometry(bath.height_m, bath.ball_diameter_m,
                            knee_flex_max_deg=bath.knee_flex_max_deg,
                            hip_flex_top_deg=bath.hip_flex_top_deg)
        script = ball_script(opts, bath, geom, leg_sign * 0.10, rng_plan, dt)
        height, athlete = bath.height_m, bath.as_dict()
        thigh_m = geom.thigh_m

    ch = script.track.finish()
    n = len(ch["roll"])
    # Postural sway: tiny and slow, far below the 3 °/s boundary threshold.
    main = "thigh" if family == "nordic" else "shank"
    ch[main] = ch[main] + human.sway(n, dt, 0.15, rng_motion)
    ch["roll"] = ch["roll"] + human.sway(n, dt, 0.2, rng_motion)
    if "hip" in ch:
        ch["hip"] = ch["hip"] + human.sway(n, dt, 0.3, rng_motion)
    seg = segment_motion(ch, family, placement, thigh_m)
    t_grid = np.arange(n, dtype=np.float64) * dt
    r_wb = segment_rotation(seg.pitch, seg.roll, seg.yaw)
    # Ground truth comes from this intended motion (bone, no tremor, tissue or noise).
    rate = np.gradient(np.degrees(seg.pitch), dt)
    motion = Motion(t_grid, rate, np.gradient(rate, dt), seg.label_angle_deg,
                    np.degrees(np.linalg.norm(body_rate_rads(r_wb, dt), axis=1)))

    # What the sensor rides on: the same motion plus tremor / balance corrections.
    shake = human.draw_shakiness(rng_motion, family, single)
    envelope = human.effort_envelope(
        motion.speed_dps, [(d.i0, d.i1) for d in script.designs if d.kind == "rep"], dt)
    dist = human.disturbance(envelope, dt, shake, rng_motion)
    shaken = dict(ch)
    shaken[main] = ch[main] + dist["pitch"]
    shaken["roll"] = ch["roll"] + dist["roll"]
    shaken["yaw"] = ch["yaw"] + dist["yaw"]
    seg_phys = segment_motion(shaken, family, placement, thigh_m)
    r_wb_phys = segment_rotation(seg_phys.pitch, seg_phys.roll, seg_phys.yaw)

    mount = draw_mount(placement, leg_sign, height, opts.misalignment, rng_body)
    tissue = TissueParams(freq_hz=_u(rng_body, 10.0, 20.0),
                          damping_ratio=_u(rng_body, 0.15, 0.35),
                          rocking_rad_per_m=_u(rng_body, 0.8, 2.0)) if opts.tissue else None
    ideal = ideal_sensor(t_grid, r_wb_phys, seg_phys.pivot, mount.lever_b_m, mount.r_bs, tissue)

    errors = draw_device_errors(spec, rng_dev, clock_error_ppm=opts.clock_error_ppm,
                                bias_scale=opts.bias_scale)
    sclock = clk.SampleClock(cfg.rate_hz, errors.clock_error, opts.t0_s)
    sampling = clk.sample_times(float(t_grid[-1]), sclock,
                                samples_per_packet=spec.samples_per_packet,
                                jitter_sd_s=spec.sample_jitter_s,
                                quantum_s=spec.timestamp_quantum_s, rng=rng_link)
    acc, gyro = device_readings(ideal, sampling.t_true_s, spec, cfg, errors, rng_dev)
    keep = clk.packet_loss(len(sampling.t_file_s), cfg.rate_hz, spec.samples_per_packet,
                           opts.dropouts, rng_link)
    lost_runs = clk.gaps(sampling.t_file_s, keep)
    t_out, acc, gyro = sampling.t_file_s[keep], acc[keep], gyro[keep]
    if opts.timestamp_glitches:
        order = clk.glitch_order(len(t_out), opts.timestamp_glitches, spec.samples_per_packet,
                                 rng_link)
        t_out, acc, gyro = t_out[order], acc[order], gyro[order]
    chunk = ImuChunk.from_arrays(t_out, acc, gyro, source="simulator")
    labels = _labels(script, motion, exercise, family, single, side, sclock.file_time,
                     lost_runs)

    header_side = side if single else "both"
    params: dict[str, Any] = {
        "exercise": exercise, "sensor": sensor, "placement": placement,
        "options": opts.to_dict(), "side_of_sensor": side, "athlete": athlete,
        "mount": mount.as_dict(), "shakiness": shake.as_dict(),
        "tissue": None if tissue is None else {
            "freq_hz": round(tissue.freq_hz, 2), "damping_ratio": round(tissue.damping_ratio, 3),
            "rocking_rad_per_m": round(tissue.rocking_rad_per_m, 2)},
        "device_errors": errors.as_dict(), "physics_grid_hz": grid_hz,
    }
    notes = ("SIMULATED recording (eccentric.sim), not a real athlete: rigid-body "
             "kinematics, modelled sensor errors and BLE losses; labels are exact ground truth "
             "by the project's boundary convention (docs/simulator.md).")
    if opts.timestamp_glitches:
        notes += (f" Contains {opts.timestamp_glitches} timestamp glitches (re-delivered or "
                  "swapped packets: duplicate / out-of-order samples).")
    if placement == "trunk" and opts.piking_deg:
        notes += (" The athlete pikes (hip flexion up to "
                  f"{opts.piking_deg:g}°): the trunk sensor leans further than the thigh; "
                  "angles in labels are thigh lean.")
    header = RecordingHeader(
        sensor=sensor, placement=placement, rate_hz=cfg.rate_hz, exercise=exercise,
        athlete="simulated", side=header_side, created_utc=None,
        simulated={"simulator": SIMULATOR_NAME, "version": SIMULATOR_VERSION, "seed": seed,
                   "params": params},
        sensor_info={**spec.info(cfg.rate_hz, cfg.acc_range_g, cfg.gyro_range_dps),
                     "worn_on": side},
        notes=notes,
    )
    return SimulatedSession(header, chunk, labels)


def _labels(script: Script, motion: Motion, exercise: str, family: str, single: bool,
            side: str, to_file: Any, lost_runs: list[tuple[float, float, int]]
            ) -> list[dict[str, Any]]:
    label_side = side if single else "both"
    out: list[dict[str, Any]] = []
    set_span: dict[int, list[float]] = {}
    for d in script.designs:
        if d.kind == "rep":
            body = (nordic_rep_label if family == "nordic" else ball_rep_label)(
                motion, d.i0, d.i1, to_file)
            out.append({"label": "rep", "set": d.set, "rep_in_set": d.rep_in_set, **body,
                        "side": label_side})
            span = set_span.setdefault(d.set, [body["start_s"], body["end_s"]])
            span[0] = min(span[0], body["start_s"])
            span[1] = max(span[1], body["end_s"])
        else:
            a, b = movement_window(motion, d.i0, d.i1, to_file)
            # "reason", not "kind": every line's "kind" is already "label" (and the
            # pipeline's nonrep events call it "reason" too).
            out.append({"label": "nonrep", "reason": d.kind, "start_s": a, "end_s": b,
                        "set": d.set})
    for k, (a, b) in sorted(set_span.items()):
        out.append({"label": "set", "set": k, "start_s": a, "end_s": b, "exercise": exercise,
                    "side": label_side})
    for a, b, missing in lost_runs:
        out.append({"label": "gap", "start_s": round(a, 6), "end_s": round(b, 6),
                    "samples_missing": missing})
    order = {"set": 0, "rep": 1, "nonrep": 2, "gap": 3}
    out.sort(key=lambda lab: (lab["start_s"], order[lab["label"]]))
    return out


def write_session(path: str | Path, session: SimulatedSession) -> None:
    """Write header, samples (≤ 1 s per line) and then the labels."""
    with RecordingWriter(path, session.header) as writer:
        writer.write_chunk(session.chunk)
        for label in session.labels:
            writer.write_label(label)

