"""Mixed sessions: 3–5 catalogue exercises in a row, one sensor, rests in between.

One sensor stays on one segment for the whole session (thigh, trunk or shank), so the
exercises are drawn among those the catalogue allows there. Each exercise is one set
simulated by its own storyboard (lead-in, reps, lead-out); between two exercises the
athlete rests: walks to the next station, sits, lies down, fidgets, stands. Every piece
shares the session's hardware seed (one strap, one device), so the sensor's mount and
errors are the same throughout. Where a piece ends in one pose and the next begins in
another (e.g. sitting up from the side plank, then standing), a short transition turns
the measured gravity direction from one to the other at a plausible body speed.

Labels: the pieces' own labels (sets renumbered across the session, each carrying its
exercise) plus a ``rest`` label per gap between two sets, with the activities in it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray, ImuChunk
from eccentric.devices.registry import get_device
from eccentric.exercises.catalogue import get_profile
from eccentric.sim import human
from eccentric.sim.labels import Motion
from eccentric.sim.movement import Drawn, SegmentMotion
from eccentric.sim.options import SessionOptions
from eccentric.sim.recording import SimulatedRecording, simulate
from eccentric.sim.storyboard import Script
from eccentric.sim.storyboard import uniform as _u
from eccentric.sim.track import Track

rad = math.radians

# Exercises the simulator has, per placement the sensor stays on (catalogue placements).
PLACEMENT_EXERCISES: dict[str, tuple[str, ...]] = {
    "thigh": ("nordic_curl", "nordic_curl_band", "single_leg_deadlift", "single_leg_bridge",
              "side_plank", "foam_roll"),
    "trunk": ("nordic_curl", "nordic_curl_band", "single_leg_deadlift", "roman_chair_hinge",
              "situp", "side_plank"),
    "shank": ("ball_leg_curl", "ball_leg_curl_single", "foam_roll"),
}
# Segment pitch when standing (body z runs away from the pivot, sim/mount.py: the shank
# points down from the knee).
STAND_PITCH_RAD = {"thigh": 0.0, "trunk": 0.0, "shank": math.pi}
# Segment pitch when sitting on a bench and lying on the back (ASSUMED typical poses).
SIT_PITCH_RAD = {"thigh": rad(85.0), "trunk": rad(10.0), "shank": math.pi - rad(10.0)}
LIE_PITCH_RAD = {"thigh": rad(-90.0), "trunk": rad(-90.0), "shank": rad(90.0)}
# The wide draw (``simulate_mixed(wide=True)``): sensor families and rates (Hz), the
# share of sessions whose strap has slid round the limb and sits crooked, and the share
# of rests without any walk (the athlete sits or lies down where the set ended).
WIDE_SENSOR_RATES = (("witmotion", 50.0), ("metamotion", 100.0), ("movesense", 208.0),
                     ("polar_verity_sense", 52.0), ("metamotion_s", 200.0),
                     ("movesense", 104.0))
WIDE_LARGE_MISALIGNMENT = 0.4
WIDE_NO_WALK_REST = 0.3
TRANSITION_DPS = (40.0, 90.0)  # mean turning speed of a posture change between pieces
NOISE_ACC_MPS2 = 0.03  # transition samples: white noise of a consumer IMU at rest
NOISE_GYRO_RADS = math.radians(0.15)


@dataclass(frozen=True)
class RestMovement:
    """A rest between two exercises, as a storyboard the simulator can render."""

    placement: str
    activities: tuple[tuple[str, float], ...]  # (kind, duration s) in order

    family: str = "hinge"  # standing about: balance corrections, like a standing hinge
    single: bool = False
    main_channel: str = "seg"

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn:
        height = _u(rng, 1.55, 1.95)
        stand = STAND_PITCH_RAD[self.placement]
        tr = Track(dt_s, {"seg": stand, "roll": 0.0, "yaw": _u(rng, -math.pi, math.pi),
                          "kx": 0.0, "ky": leg_sign * 0.1, "kz": 0.5 * height})
        sc = Script(tr)
        tr.hold(_u(rng, 0.8, 1.5))
        for kind, duration in self.activities:
            if kind == "walk":
                human.walk(tr, duration, "seg", stand, rad(_u(rng, 15, 22)), rng)
            elif kind in ("sit", "lie"):
                pose = (SIT_PITCH_RAD if kind == "sit" else LIE_PITCH_RAD)[self.placement]
                kz = 0.45 * height if kind == "sit" else 0.15
                tr.move({"seg": pose, "kz": kz}, _u(rng, 1.5, 2.5))
                tr.hold(0.5 * duration)
                human.fidget(tr, {"roll": rad(6), "yaw": rad(8), "seg": rad(5)}, rng)
                tr.hold(0.5 * duration)
                tr.move({"seg": stand, "kz": 0.5 * height}, _u(rng, 1.5, 2.5))
            elif kind == "fidget":
                human.fidget(tr, {"roll": rad(6), "yaw": rad(10), "seg": rad(8)}, rng)
                tr.hold(duration)
            else:  # stand
                tr.hold(duration)
        tr.hold(_u(rng, 0.8, 1.5))
        return Drawn(sc, height, 0.245 * height, {"rest": [list(a) for a in self.activities]})

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion:
        pivot = np.stack([ch["kx"], ch["ky"], ch["kz"]], axis=1)
        return SegmentMotion(ch["seg"], ch["roll"], ch["yaw"], pivot, np.degrees(ch["seg"]))

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
        raise AssertionError("a rest has no reps")


def draw_rest(rng: np.random.Generator, walk: bool = True) -> tuple[tuple[str, float], ...]:
    """What the athlete does between two exercises: walks to the next station (unless
    ``walk`` is False); maybe sits, lies down, fidgets, stands (ASSUMED mix), in random
    order."""
    acts: list[tuple[str, float]] = [("walk", _u(rng, 6.0, 16.0))] if walk else []
    if not walk:
        acts.append(("sit", _u(rng, 8.0, 30.0)) if rng.random() < 0.5
                    else ("lie", _u(rng, 8.0, 25.0)))
    if rng.random() < 0.5:
        acts.append(("sit", _u(rng, 8.0, 30.0)))
    if rng.random() < 0.35:
        acts.append(("lie", _u(rng, 8.0, 25.0)))
    if rng.random() < 0.6:
        acts.append(("fidget", _u(rng, 1.0, 4.0)))
    if rng.random() < 0.6:
        acts.append(("stand", _u(rng, 3.0, 15.0)))
    order = rng.permutation(len(acts))
    out = [acts[i] for i in order]
    if walk and rng.random() < 0.5 and out[-1][0] != "walk":
        out.append(("walk", _u(rng, 4.0, 10.0)))  # and walks over to the next exercise
    return tuple(out)


@dataclass
class MixedSession:
    recording: SimulatedRecording  # header of the first piece, updated; all samples
    exercises: list[str]
    placement: str


def _unit(v: FloatArray) -> FloatArray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def _transition(t0_s: float, rate_hz: float, g_from: FloatArray, g_to: FloatArray,
                rng: np.random.Generator) -> ImuChunk:
    """Samples turning the measured gravity direction from ``g_from`` to ``g_to`` (unit
    vectors, sensor frame) along a great circle at a minimum-jerk speed profile."""
    a, b = _unit(g_from), _unit(g_to)
    angle = math.acos(float(np.clip(a @ b, -1.0, 1.0)))
    duration = max(angle / rad(_u(rng, *TRANSITION_DPS)), 0.5)
    n = max(int(duration * rate_hz), 2)
    t = t0_s + np.arange(1, n + 1) / rate_hz
    s = np.arange(1, n + 1) / n
    prog = 10 * s**3 - 15 * s**4 + 6 * s**5
    dprog = (30 * s**2 - 60 * s**3 + 30 * s**4) / duration
    axis = np.cross(a, b)
    if np.linalg.norm(axis) < 1e-9:
        axis = np.cross(a, np.array([1.0, 0.0, 0.0]))
        if np.linalg.norm(axis) < 1e-9:
            axis = np.cross(a, np.array([0.0, 1.0, 0.0]))
    axis = _unit(axis)
    th = angle * prog
    perp = np.cross(axis, a)
    g = np.cos(th)[:, None] * a + np.sin(th)[:, None] * perp
    # A world-fixed vector seen from a body turning at ω (sensor frame) moves as
    # dv/dt = −ω × v: turning it about +axis needs ω = −rate · axis.
    gyro = -(angle * dprog)[:, None] * axis[None, :]
    acc = 9.80665 * g + rng.normal(0.0, NOISE_ACC_MPS2, g.shape)
    gyro = gyro + rng.normal(0.0, NOISE_GYRO_RADS, gyro.shape)
    return ImuChunk.from_arrays(t, acc, gyro, source="simulator")


def _edge_dir(chunk: ImuChunk, first: bool, span_s: float = 0.3) -> FloatArray:
    t = chunk.t_s
    sel = t <= t[0] + span_s if first else t >= t[-1] - span_s
    return _unit(chunk.acc_mps2[sel].mean(axis=0))


def simulate_mixed(seed: int, sensor: str = "movesense", placement: str | None = None,
                   n_exercises: int | None = None,
                   exercises: list[str] | None = None, wide: bool = False) -> MixedSession:
    """One mixed session; the same arguments give identical output. ``wide`` also draws
    the sensor family and rate, a strap slid round the limb, and rests without a walk
    (from a random stream of its own: the default draw is unchanged)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7331]))
    wide_rng = np.random.default_rng(np.random.SeedSequence([seed, 7331, 1]))
    rate_opt: float | None = None
    misalignment = "normal"
    if wide:
        sensor, rate_opt = WIDE_SENSOR_RATES[int(wide_rng.integers(len(WIDE_SENSOR_RATES)))]
        if wide_rng.random() < WIDE_LARGE_MISALIGNMENT:
            misalignment = "large"
    if placement is None:
        placement = str(rng.choice(list(PLACEMENT_EXERCISES)))
    pool = PLACEMENT_EXERCISES[placement]
    if exercises is None:
        k = n_exercises or int(rng.integers(3, 6))
        # Distinct where the placement allows it (the shank has three exercises).
        picks = list(rng.choice(pool, size=min(k, len(pool)), replace=False))
        while len(picks) < k:
            picks.append(str(rng.choice(pool)))
        exercises = [str(e) for e in picks]
    side = "left" if rng.random() < 0.5 else "right"
    hardware_seed = int(rng.integers(0, 2**31))
    rate_hz = rate_opt or get_device(sensor).default_rate_hz
    pieces: list[ImuChunk] = []
    labels: list[dict[str, Any]] = []
    header = None
    prev_set_end: float | None = None
    for i, ex in enumerate(exercises):
        rest_acts: list[dict[str, Any]] = []
        if i > 0:
            acts = draw_rest(rng, walk=not (wide and wide_rng.random() < WIDE_NO_WALK_REST))
            rest_seed = int(rng.integers(0, 2**31))
            rest = _placed(pieces, rng, rate_hz, partial(
                _rest_piece, rest_seed, sensor, placement, side, hardware_seed, acts,
                rate_opt, misalignment))
            pieces.append(rest.chunk)
            rest_acts = [{"activity": a, "duration_s": round(d, 2)} for a, d in acts]
        opts = replace(_piece_options(ex, rng, side), rate_hz=rate_opt,
                       misalignment=misalignment)
        piece_seed = int(rng.integers(0, 2**31))
        piece = _placed(pieces, rng, rate_hz, partial(
            _exercise_piece, ex, piece_seed, sensor, placement, opts, hardware_seed))
        pieces.append(piece.chunk)
        if header is None:
            header = piece.header
        set_no = i + 1
        first_set = None
        for lab in piece.labels:
            lab = dict(lab)
            if "set" in lab:
                lab["set"] = set_no
            if lab["label"] in ("rep", "hold", "bout", "set"):
                lab["exercise"] = ex
            if lab["label"] == "set" and first_set is None:
                first_set = lab
                # When the exercise's storyboard ended: the athlete has got out of the
                # pose (lead-out done) by then.
                lab["piece_end_s"] = round(float(piece.chunk.t_s[-1]), 4)
            labels.append(lab)
        assert first_set is not None, f"{ex}: the piece has no set"
        if prev_set_end is not None:
            labels.append({"label": "rest", "set_before": set_no - 1, "set_after": set_no,
                           "start_s": prev_set_end, "end_s": first_set["start_s"],
                           "activities": rest_acts})
        prev_set_end = max(lab["end_s"] for lab in piece.labels if lab["label"] == "set")
    assert header is not None
    chunk = ImuChunk.from_arrays(np.concatenate([p.t_s for p in pieces]),
                                 np.concatenate([p.acc_mps2 for p in pieces]),
                                 np.concatenate([p.gyro_rads for p in pieces]),
                                 source="simulator")
    order = {"set": 0, "rest": 0, "rep": 1, "hold": 1, "bout": 1, "nonrep": 2, "gap": 3}
    labels.sort(key=lambda lab: (lab["start_s"], order[lab["label"]]))
    sim = dict(header.simulated or {})
    sim["params"] = {"mixed": {"seed": seed, "placement": placement, "side": side,
                               "exercises": exercises, "hardware_seed": hardware_seed}}
    if wide:
        sim["params"]["mixed"].update(wide=True, sensor=sensor, misalignment=misalignment)
    header = replace(header, exercise="any", side=side, simulated=sim,
                     notes="SIMULATED mixed session (eccentric.simulator): "
                           f"{', '.join(exercises)} with rests; labels are exact ground truth.")
    return MixedSession(SimulatedRecording(header, chunk, labels), exercises, placement)


def _rest_piece(seed: int, sensor: str, placement: str, side: str, hardware_seed: int,
                acts: tuple[tuple[str, float], ...], rate_hz: float | None,
                misalignment: str, t0_s: float) -> SimulatedRecording:
    return simulate("rest", seed, sensor, placement,
                    SessionOptions(sets=1, reps=1, side=side, t0_s=t0_s, rate_hz=rate_hz,
                                   misalignment=misalignment),
                    hardware_seed=hardware_seed, movement=RestMovement(placement, acts))


def _exercise_piece(exercise: str, seed: int, sensor: str, placement: str,
                    opts: SessionOptions, hardware_seed: int, t0_s: float
                    ) -> SimulatedRecording:
    return simulate(exercise, seed, sensor, placement, replace(opts, t0_s=t0_s),
                    hardware_seed=hardware_seed)


def _piece_options(exercise: str, rng: np.random.Generator, side: str) -> SessionOptions:
    """One set of ``exercise`` with a wide draw of reps, tempo and distractions."""
    kind = type(get_profile(exercise).detector).__name__
    if kind == "HoldSettings":
        reps = int(rng.integers(1, 4))
    elif kind == "BoutSettings":
        reps = int(rng.integers(2, 5))
    else:
        reps = int(rng.integers(3, 9))
    return SessionOptions(
        sets=1, reps=reps, side=side,
        tempo=str(rng.choice(["normal", "normal", "slow", "fast"])),
        fatigue=_u(rng, 0.0, 0.6), fidgets=int(rng.integers(0, 2)),
        dropouts=str(rng.choice(["none", "light"])),
        hold_variants="wide", bout_variants="wide")


def _placed(pieces: list[ImuChunk], rng: np.random.Generator, rate_hz: float,
            make: Callable[[float], SimulatedRecording]) -> SimulatedRecording:
    """The next piece, made by ``make(t0_s)``, placed after the last one with a posture
    transition from its end pose to the new piece's start pose (appended to
    ``pieces``). Simulated twice: once to see where it starts, once at its time (the
    same seed gives the same motion whatever the first timestamp)."""
    if not pieces:
        return make(0.0)
    last = pieces[-1]
    probe = make(0.0)
    trans = _transition(float(last.t_s[-1]), rate_hz, _edge_dir(last, first=False),
                        _edge_dir(probe.chunk, first=True), rng)
    pieces.append(trans)
    return make(float(trans.t_s[-1]) + 1.0 / rate_hz)
