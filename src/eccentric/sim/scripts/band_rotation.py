"""Band trunk rotations: standing side-on to the band's anchor, the trunk turns away
from it about the vertical, holds briefly, and lets the band pull it back; one side per
set or alternating (a band in each hand, or a turn each way), the sensor on the trunk.

Ranges (ASSUMED from coaching cues, not measured): 25–60° of turn, out in 0.6–1.5 s,
hold 0–1 s, back in 1–2.5 s, pauses 0.6–2.5 s; the trunk tilts only 1–4° with the turn
(a slight lean and side bend). ``rotation_variants="wide"`` widens every range for
held-out benchmarks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim import human
from eccentric.sim.labels import Motion, excursion_rep_label
from eccentric.sim.movement import Drawn, SegmentMotion
from eccentric.sim.options import SessionOptions
from eccentric.sim.primitives import min_jerk
from eccentric.sim.storyboard import Script, play_sets
from eccentric.sim.storyboard import uniform as _u
from eccentric.sim.track import Track

rad = math.radians
Range = tuple[float, float]


@dataclass(frozen=True)
class _Ranges:
    rom_deg: Range
    out_s: Range
    hold_s: Range
    back_s: Range
    pause_s: Range
    tilt_deg: Range


NORMAL = _Ranges(rom_deg=(25.0, 60.0), out_s=(0.6, 1.5), hold_s=(0.0, 1.0),
                 back_s=(1.0, 2.5), pause_s=(0.6, 2.5), tilt_deg=(1.0, 4.0))
WIDE = _Ranges(rom_deg=(20.0, 75.0), out_s=(0.5, 2.0), hold_s=(0.0, 1.5),
               back_s=(0.8, 3.0), pause_s=(0.5, 3.0), tilt_deg=(0.5, 6.0))
TEMPO_GAIN = {"normal": 1.0, "slow": 1.5, "fast": 0.75}


class _Session:
    def __init__(self, r: _Ranges, opts: SessionOptions, rng: np.random.Generator,
                 dt_s: float, height_m: float) -> None:
        self.r, self.opts, self.rng = r, opts, rng
        self.tr = Track(dt_s, {"trunk": 0.0, "roll": 0.0, "yaw": _u(rng, -math.pi, math.pi),
                               "kx": 0.0, "ky": 0.0, "kz": 0.53 * height_m})
        self.sc = Script(self.tr)
        g = TEMPO_GAIN[opts.tempo]
        self.rom = _u(rng, *r.rom_deg)
        self.out_s, self.back_s = g * _u(rng, *r.out_s), g * _u(rng, *r.back_s)
        self.hold_s, self.pause = _u(rng, *r.hold_s), _u(rng, *r.pause_s)
        self.tilt = _u(rng, *r.tilt_deg)
        self.alternating = bool(rng.random() < 0.5)
        self.set_sign = 1.0 if rng.random() < 0.5 else -1.0
        self.done = 0
        self.sides: list[str] = []

    def rep(self, fatigue: float) -> tuple[int, int]:
        rng, tr = self.rng, self.tr
        sign = self.set_sign * (-1.0 if self.alternating and self.done % 2 else 1.0)
        self.done += 1
        self.sides.append("left" if sign > 0 else "right")
        jit = math.exp(rng.normal(0.0, 0.1))
        rom = rad(self.rom * float(np.clip(rng.normal(1.0 - 0.1 * fatigue, 0.05), 0.7, 1.1)))
        yaw0, trunk0, roll0 = tr.value("yaw"), tr.value("trunk"), tr.value("roll")
        tilt = rad(self.tilt)
        n_out = max(round(self.out_s * jit * (1 + 0.2 * fatigue) / tr.dt_s), 2)
        n_hold = round(self.hold_s * _u(rng, 0.7, 1.3) / tr.dt_s)
        n_back = max(round(self.back_s * jit / tr.dt_s), 2)
        prog = np.concatenate((min_jerk(np.arange(1, n_out + 1) / n_out), np.ones(n_hold),
                               1.0 - min_jerk(np.arange(1, n_back + 1) / n_back)))
        pieces = {"yaw": yaw0 + sign * rom * prog, "trunk": trunk0 + tilt * prog,
                  "roll": roll0 + sign * 0.5 * tilt * prog}
        return tr.append(pieces)

    def nonrep(self, kind: str) -> tuple[int, int]:
        return human.fidget(self.tr, {"roll": rad(3), "yaw": rad(5), "trunk": rad(3)},
                            self.rng)

    def rest(self) -> None:
        tr, rng, opts = self.tr, self.rng, self.opts
        total = _u(rng, opts.rest_min_s, opts.rest_max_s)
        # Step round to the other side of the anchor, or walk about.
        human.walk(tr, _u(rng, 6.0, 10.0), "trunk", 0.0, rad(2.0), rng)
        tr.hold(max(total - 10.0, 3.0))
        self.set_sign = -self.set_sign
        self.sc.hold_start_pose(_u(rng, 2.0, 4.0))


def rotation_script(opts: SessionOptions, rng: np.random.Generator, dt_s: float,
                    height_m: float) -> Script:
    r = WIDE if opts.rotation_variants == "wide" else NORMAL
    s = _Session(r, opts, rng, dt_s, height_m)
    s.sc.hold_start_pose(_u(rng, 2.0, 4.0))
    play_sets(s.sc, opts, rng, s.pause, rep=s.rep, nonrep=s.nonrep, rest=s.rest)
    s.tr.hold(_u(rng, 1.0, 3.0))
    reps = [d for d in s.sc.designs if d.kind == "rep"]
    for d, side in zip(reps, s.sides, strict=True):
        d.info["side"] = side
    return s.sc


@dataclass(frozen=True)
class BandRotationMovement:
    family: str = "hinge"  # standing: balance corrections
    single: bool = True
    main_channel: str = "trunk"

    def draw(self, opts: SessionOptions, placement: str, leg_sign: float,
             rng: np.random.Generator, dt_s: float) -> Drawn:
        height = _u(rng, 1.55, 1.95)
        script = rotation_script(opts, rng, dt_s, height)
        return Drawn(script, height, 0.245 * height, {"height_m": round(height, 3)})

    def segment_motion(self, ch: dict[str, FloatArray], placement: str,
                       thigh_m: float) -> SegmentMotion:
        pivot = np.stack([ch["kx"], ch["ky"], ch["kz"]], axis=1)
        return SegmentMotion(ch["trunk"], ch["roll"], ch["yaw"], pivot, np.degrees(ch["yaw"]))

    def rep_label(self, motion: Motion, i0: int, i1: int, to_file: Any) -> dict[str, Any]:
        """Out–hold–back on the heading (the label angle), signed so the turn is +."""
        a = motion.angle_deg - motion.angle_deg[i0]
        sign = -1.0 if -float(a[i0:i1].min()) > float(a[i0:i1].max()) else 1.0
        rate = np.gradient(sign * a, motion.t_s)
        m = Motion(motion.t_s, rate, np.gradient(rate, motion.t_s), sign * a, motion.speed_dps)
        lab = excursion_rep_label(m, i0, i1, to_file, ("concentric", "hold", "eccentric"),
                                  "back")
        lab["yaw_rom_deg"] = lab["rom_deg"]
        return lab
