"""Hanging pelvic tilts / small knee raises: the athlete hangs from a bar, the body
swings as a pendulum, and the pelvis (or the thighs) tilts slowly by 8–35° relative to
the body line, holds briefly and returns. The sensor sits on a thigh or the pelvis
(sacrum).

The swing is continuous: amplitude a few to ~15° (``A(t)``), period 1.5–2.5 s, decaying
with a time constant of 8–60 s and re-excited now and then by a rep (the centre of mass
moves) or a re-grip. Between sets the athlete drops off the bar, stands, and jumps back
up (a fresh swing). Ranges are ASSUMED from coaching cues and the physics of a hanging
body (a compound pendulum of ~2.2 m: T ≈ 2.4 s; bent knees and a shorter grip shorten
it); ``hanging_variants="wide"`` widens every range for held-out benchmarks.

Geometry: the trunk hangs from the bar at pitch φ (the swing; 0 = body line vertical);
the hip is ``hip_m`` below the bar along it. The working segment's pitch is φ − tilt
(knees forward / pelvis tucked: negative pitch). The label angle is the tilt: the
segment's angle to the body line, which the swing does not change.
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
from eccentric.sim.primitives import min_jerk
from eccentric.sim.storyboard import Script, play_sets
from eccentric.sim.storyboard import uniform as _u
from eccentric.sim.track import Track

rad = math.radians
# Grip to hip joint ≈ 0.72 × stature with the arms overhead (ASSUMED from Winter's
# segment proportions); hanging lifts the hip ~0.1 m above its standing height.
HIP_BELOW_BAR = 0.72
HANG_LIFT_M = 0.10
Range = tuple[float, float]


@dataclass(frozen=True)
class _Ranges:
    tilt_deg: Range
    out_s: Range
    hold_s: Range
    back_s: Range
    pause_s: Range
    swing_deg: Range  # amplitude when hanging starts
    period_s: Range
    decay_s: Range  # amplitude time constant
    kick_deg: Range  # re-excitation by a rep or a re-grip
    kick_prob: float  # per rep


NORMAL = _Ranges(tilt_deg=(10.0, 30.0), out_s=(0.9, 2.0), hold_s=(0.3, 1.5),
                 back_s=(1.0, 2.2), pause_s=(0.8, 2.5), swing_deg=(3.0, 12.0),
                 period_s=(1.6, 2.4), decay_s=(10.0, 40.0), kick_deg=(1.0, 5.0),
                 kick_prob=0.3)
WIDE = _Ranges(tilt_deg=(8.0, 35.0), out_s=(0.7, 2.6), hold_s=(0.1, 2.0),
               back_s=(0.8, 3.0), pause_s=(0.5, 3.0), swing_deg=(2.0, 16.0),
               period_s=(1.5, 2.6), decay_s=(8.0, 60.0), kick_deg=(1.0, 8.0),
               kick_prob=0.5)
TEMPO_GAIN = {"normal": 1.0, "slow": 1.5, "fast": 0.75}


@dataclass(frozen=True)
class HangingAthlete:
    height_m: float
    tilt_deg: float
    out_s: float
    hold_s: float
    back_s: float
    pause_s: float
    period_s: float
    decay_s: float

    def as_dict(self) -> dict[str, object]:
        return {k: round(v, 3) for k, v in self.__dict__.items()}


class _Session:
    def __init__(self, r: _Ranges, opts: SessionOptions, rng: np.random.Generator,
                 dt_s: float) -> None:
        self.r, self.opts, self.rng = r, opts, rng
        g = TEMPO_GAIN[opts.tempo]
        self.a = HangingAthlete(
            height_m=_u(rng, 1.55, 1.95), tilt_deg=_u(rng, *r.tilt_deg),
            out_s=g * _u(rng, *r.out_s), hold_s=_u(rng, *r.hold_s),
            back_s=g * _u(rng, *r.back_s), pause_s=_u(rng, *r.pause_s),
            period_s=_u(rng, *r.period_s), decay_s=_u(rng, *r.decay_s))
        # "hang": 1 on the bar, 0 standing; "kick": re-excitation events (deg, added).
        self.tr = Track(dt_s, {"tilt": 0.0, "roll": 0.0, "yaw": _u(rng, -math.pi, math.pi),
                               "hang": 0.0, "swing": 0.0})
        self.sc = Script(self.tr)
        self.kicks: list[tuple[int, float]] = []

    def jump_up(self) -> None:
        self.tr.hold(_u(self.rng, 1.0, 2.0))
        i0, _ = self.tr.move({"hang": 1.0}, _u(self.rng, 0.4, 0.7))
        self.kicks.append((i0, _u(self.rng, *self.r.swing_deg)))
        self.sc.hold_start_pose(_u(self.rng, 2.0, 4.0))

    def drop_off(self) -> None:
        self.tr.move({"tilt": 0.0}, 0.3)
        self.tr.move({"hang": 0.0}, _u(self.rng, 0.4, 0.7))

    def rep(self, fatigue: float) -> tuple[int, int]:
        a, rng = self.a, self.rng

        def jit(sd: float) -> float:
            return math.exp(rng.normal(0.0, sd))

        onset = self.opts.onset
        extra: dict[str, Any] = {}
        if onset == "power":
            extra = {"onset": "power", "onset_power": _u(rng, 1.3, 2.0)}
        elif onset == "linear":
            extra = {"onset": "linear", "linear_ramp_s": _u(rng, 0.05, 0.12)}
        elif onset == "hesitant":
            extra = {"onset": "hesitant", "hesitation": (1 if rng.random() < 0.5 else -1)
                     * _u(rng, 0.5, 1.5) / a.tilt_deg, "hesitation_pause_s": _u(rng, 0.3, 1.0)}
        plan = HingeRepPlan(
            out_s=a.out_s * (1.0 + 0.2 * fatigue) * jit(0.1),
            hold_s=max(a.hold_s * (1.0 - 0.3 * fatigue) * jit(0.2), 0.05),
            back_s=a.back_s * jit(0.1),
            depth=float(np.clip(rng.normal(1.0 - 0.08 * fatigue, 0.04), 0.85, 1.08)), **extra)
        i0, i1 = self.tr.append({"tilt": rad(a.tilt_deg) * hinge_rep(plan, self.tr.dt_s)})
        if rng.random() < self.r.kick_prob:
            self.kicks.append((i0 + int(rng.integers(0, max(i1 - i0, 1))),
                               _u(rng, *self.r.kick_deg)))
        return i0, i1

    def nonrep(self, kind: str) -> tuple[int, int]:
        tr, rng = self.tr, self.rng
        if kind in ("aborted", "partial"):
            # Under the profile's 6° minimum: a twitch of the hips, not a tilt.
            depth = rad(_u(rng, 1.0, 1.5) if kind == "aborted" else _u(rng, 1.5, 3.0))
            prog = hinge_partial(1.0, _u(rng, 0.5, 1.0), _u(rng, 0.0, 0.4), _u(rng, 0.6, 1.2),
                                 tr.dt_s)
            return tr.append({"tilt": depth * prog})
        # A re-grip: a hand shifts on the bar, the body rolls and turns a little.
        i0, i1 = human.fidget(tr, {"roll": rad(4), "yaw": rad(6), "tilt": rad(1.5)}, rng)
        self.kicks.append((i0, _u(rng, *self.r.kick_deg)))
        return i0, i1

    def rest(self) -> None:
        tr, rng, opts = self.tr, self.rng, self.opts
        total = _u(rng, opts.rest_min_s, opts.rest_max_s)
        self.drop_off()
        tr.hold(0.5 * total)
        if rng.random() < 0.5:
            human.fidget(tr, {"roll": rad(6), "yaw": rad(8), "tilt": rad(5)}, rng)
        tr.hold(0.5 * total)
        self.jump_up()

    def swing_rad(self, n: int, dt_s: float) -> FloatArray:
        """The pendulum angle φ on the whole grid: A(t)·sin(phase), A decaying and
        re-excited (smoothly, over one period) at the kicks; zero off the bar."""
        a, rng = self.a, self.rng
        t = np.arange(n) * dt_s
        amp = np.zeros(n)
        decay = np.exp(-dt_s / a.decay_s)
        # Amplitude: each kick adds its size, ramped in over one period, then decays.
        ramp_n = max(round(a.period_s / dt_s), 2)
        ramp = min_jerk(np.arange(1, ramp_n + 1) / ramp_n)
        for i0, size in self.kicks:
            m = min(ramp_n, n - i0)
            if m <= 0:
                continue
            env = np.concatenate((ramp[:m], np.ones(n - i0 - m)))
            k = np.arange(n - i0) - np.arange(n - i0).clip(max=m)  # samples after the ramp
            amp[i0:] += rad(size) * env * decay ** k
        amp = np.minimum(amp, rad(18.0))
        # The period wanders by a few per cent (the body's shape changes with the tilt).
        drift = 1.0 + 0.03 * np.sin(2 * np.pi * t / _u(rng, 20.0, 40.0))
        phase = 2 * np.pi * np.cumsum(drift) * dt_s / a.period_s + _u(rng, 0, 2 * np.pi)
        out: FloatArray = amp * np.sin(phase)
        return out


def hanging_script(r: _Ranges, opts: SessionOptions, rng: np.random.Generator,
                   dt_s: float) -> _Session:
    s = _Session(r, opts, rng, dt_s)
    s.tr.hold(_u(rng, 1.0, 2.0))
    s.jump_up()
    play_sets(s.sc, opts, rng, s.a.pause_s, rep=s.rep, nonrep=s.nonrep, rest=s.rest)
    s.drop_off()
    s.tr.hold(_u(rng, 1.0, 3.0))
    return s


def _direction(pitch: FloatArray, yaw: FloatArray) -> FloatArray:
    return np.stack([np.sin(pitch) * np.cos(yaw), np.sin(pitch) * np.sin(yaw),
                     np.cos(pitch)], axis=1)


@dataclass(frozen=True)
class HangingTiltMovement:
    family: str = "supported"  # hanging: no balance corrections
    single: bool = False
    main_channel: str = "tilt"

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn:
        r = WIDE if opts.hanging_variants == "wide" else NORMAL
        s = hanging_script(r, opts, rng, dt_s)
        s.tr.replace("swing", s.swing_rad(s.tr.n, dt_s))
        return Drawn(s.sc, s.a.height_m, 0.245 * s.a.height_m, s.a.as_dict())

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion:
        height = thigh_m / 0.245
        hip_m = HIP_BELOW_BAR * height
        stand_z = 0.53 * height
        hang = ch["hang"]
        phi = hang * ch["swing"]  # the body line's pitch; no swing off the bar
        zeros = np.zeros_like(phi)
        body = _direction(phi, ch["yaw"])
        bar = np.array([0.0, 0.0, stand_z + HANG_LIFT_M + hip_m])
        hanging_hip = bar - hip_m * body
        standing_hip = np.stack([zeros, zeros, zeros + stand_z], axis=1)
        hip = hang[:, None] * hanging_hip + (1.0 - hang[:, None]) * standing_hip
        pitch = phi - ch["tilt"]
        # The thigh's body z runs knee → hip (the knee is its pivot); the pelvis tilts
        # about the hip joints.
        pivot = hip - thigh_m * _direction(pitch, ch["yaw"]) if placement == "thigh" else hip
        return SegmentMotion(pitch, ch["roll"], ch["yaw"], pivot, np.degrees(ch["tilt"]))

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
        """Out–hold–back on the tilt (the label angle), not on the swinging pitch."""
        a = motion.angle_deg
        rate = np.gradient(a, motion.t_s)
        m = Motion(motion.t_s, rate, np.gradient(rate, motion.t_s), a, motion.speed_dps)
        return excursion_rep_label(m, i0, i1, to_file, ("concentric", "top", "eccentric"),
                                   "back")
