"""The human: who the athlete is, how reps vary and tire, and what happens between them.

Sources for the numbers (anchors = /work/shared/reference/rep_counting_anchors.md):

* Break-point angle: Soga et al. 2021 (anchors N8) report 57.75 ± 13.28° knee flexion
  for the standard Nordic; with the shanks flat, lean = 90° − knee flexion (anchors
  §4.1), i.e. 32.25 ± 13.28° forward lean. Sconce 2021's 121.5° knee angle (N7) reads
  as ≈31.5° lean under the same mapping (inference flagged NOT VERIFIED in the note).
* Nordic eccentric duration: coaching 2–5 s ("keep it to two seconds", "3–5 seconds"),
  test protocols "within 3 s" (anchors §4.3). Controlled lowering speed is set so a
  30–60° lean at 9–16 °/s takes 2–5 s, and kept under ~18 °/s (brief; anchors §4.3
  estimate of 10–20 °/s).
* Fall: anchors §4.2 — the synthetic benchmark's fall (60→95° in 0.45 s, peak ≈145 °/s)
  is an assumption, not a measurement; knee velocity at the break-torque angle ranged
  3.6–93.4 °/s (N7). Here: net acceleration 220–400 °/s² right after the break, so the
  N9 rule (> 20 °/s and > 150 °/s²) fires within a few degrees of it; peaks come out
  ≈90–180 °/s.
* Ball leg curl tempo: "Tempo 311" (3 s eccentric, 1 s pause, 1 s concentric; anchors
  §5) — used as the centre of the drawn durations.
* Pauses between reps 0.5–4 s and rests between sets 20–90 s: project brief.
* Fatigue: break point falls and tempo slows across a set (brief; NordBord's
  "% decline" research metric, anchors D1). Magnitudes are ASSUMED.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.sim.kinematics.ball_curl import BallRepPlan
from eccentric.sim.kinematics.nordic import NordicBody, NordicRepPlan, ReturnMode
from eccentric.sim.primitives import band_noise, min_jerk, smooth_noise
from eccentric.sim.track import Track

Tempo = str  # "normal" | "slow" | "fast"

# Soga 2021 (anchors N8), converted to forward lean.
BPA_LEAN_MEAN_DEG = 90.0 - 57.75
BPA_LEAN_SD_DEG = 13.28


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


# ---------------------------------------------------------------- Nordic athlete


@dataclass(frozen=True)
class NordicAthlete:
    body: NordicBody
    bpa_fresh_deg: float  # lean at the break when fresh
    lower_rate_dps: float
    fall_accel_dps2: float
    fall_damping_per_s: float
    onset_s: tuple[float, float]
    catch_lean_deg: float
    catch_s: float
    return_mode: str  # pull | push | band | mixed
    return_s: float
    pause_s: float  # typical pause between reps
    no_break_prob: float
    band: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "mass_kg": round(self.body.mass_kg, 1), "height_m": round(self.body.height_m, 3),
            "bpa_fresh_deg": round(self.bpa_fresh_deg, 1),
            "lower_rate_dps": round(self.lower_rate_dps, 2),
            "fall_accel_dps2": round(self.fall_accel_dps2, 0),
            "catch_lean_deg": round(self.catch_lean_deg, 1),
            "return_mode": self.return_mode, "return_s": round(self.return_s, 2),
            "pause_s": round(self.pause_s, 2), "no_break_prob": round(self.no_break_prob, 2),
        }


def draw_nordic_athlete(rng: np.random.Generator, *, tempo: Tempo, band: bool,
                        return_mode: str, bpa_deg: float | None,
                        no_break_prob: float | None) -> NordicAthlete:
    body = NordicBody(mass_kg=_u(rng, 60.0, 95.0), height_m=_u(rng, 1.62, 1.95))
    if bpa_deg is not None:
        bpa = bpa_deg
    elif tempo == "slow":
        bpa = _u(rng, 45.0, 55.0)  # a slow 6–8 s lowering needs a strong, late break
    elif tempo == "fast":
        bpa = _u(rng, 8.0, 12.0)  # a 1–1.5 s eccentric is mostly fall
    else:
        bpa = float(np.clip(rng.normal(BPA_LEAN_MEAN_DEG, BPA_LEAN_SD_DEG), 20.0, 60.0))
    if band:
        # The band carries part of the gravitational moment: the break comes later.
        bpa = min(bpa + _u(rng, 12.0, 22.0), 68.0)
    rate = {"slow": _u(rng, 8.0, 9.5), "fast": _u(rng, 18.0, 19.0)}.get(tempo, _u(rng, 9.0, 16.0))
    fall = _u(rng, 130.0, 240.0) if band else _u(rng, 220.0, 400.0)
    damping = _u(rng, 2.5, 3.5)
    onset = (0.4, 0.8)
    if tempo == "fast":
        fall, damping, onset = _u(rng, 400.0, 450.0), _u(rng, 1.0, 1.5), (0.2, 0.3)
    if return_mode == "mixed":
        mode = "band" if band else ("push" if rng.random() < 0.5 else "pull")
    else:
        mode = return_mode
    ret = {"pull": _u(rng, 1.6, 2.8), "push": _u(rng, 1.0, 1.8), "band": _u(rng, 1.0, 1.6)}[mode]
    if no_break_prob is None:
        no_break_prob = 0.35 if band else (0.25 if bpa >= 52.0 and tempo == "normal" else 0.0)
    return NordicAthlete(
        body=body, bpa_fresh_deg=bpa, lower_rate_dps=rate, fall_accel_dps2=fall,
        fall_damping_per_s=damping, onset_s=onset, catch_lean_deg=_u(rng, 78.0, 87.0),
        catch_s=_u(rng, 0.12, 0.22), return_mode=mode, return_s=ret,
        pause_s=_u(rng, 1.0, 2.5), no_break_prob=no_break_prob, band=band,
    )


# Time from the start of a power-law lowering to the break (s), by tempo: the issue's
# "3–5 s" for a normal tempo (ASSUMED for the others).
POWER_LOWER_S = {"normal": (3.0, 5.0), "slow": (5.0, 8.0), "fast": (1.2, 2.0)}


def _onset_fields(onset: str, tempo: Tempo, rng: np.random.Generator) -> dict[str, Any]:
    """Per-rep draws of a non-default onset shape (none for "min_jerk", so sessions with
    the default draw exactly the random numbers they always did)."""
    if onset == "power":
        return {"onset_shape": "power", "onset_power": _u(rng, 1.3, 2.0),
                "power_lower_s": _u(rng, *POWER_LOWER_S.get(tempo, POWER_LOWER_S["normal"]))}
    if onset == "linear":
        return {"onset_shape": "linear", "onset_s": _u(rng, 0.05, 0.12)}
    if onset == "hesitant":
        # Half creep forward 1–3° and stop, half dip back 1–3° and return (ASSUMED).
        sign = 1.0 if rng.random() < 0.5 else -1.0
        return {"onset_shape": "hesitant", "hesitation_deg": sign * _u(rng, 1.0, 3.0),
                "hesitation_s": _u(rng, 0.3, 0.7), "hesitation_pause_s": _u(rng, 0.3, 1.0)}
    return {}


def nordic_rep_plan(a: NordicAthlete, fatigue: float, start_lean_deg: float,
                    rng: np.random.Generator, piking_deg: float = 0.0,
                    onset: str = "min_jerk", tempo: Tempo = "normal") -> NordicRepPlan:
    """One rep's plan. ``fatigue`` in [0, 1]: the break comes earlier, control loosens,
    the return slows (magnitudes ASSUMED: −14° of break lean, +20 % lowering speed and
    +60 % return time at full fatigue). ``onset``: options.ONSETS."""
    bpa = a.bpa_fresh_deg - 14.0 * fatigue + rng.normal(0.0, 2.5)
    bpa = float(np.clip(bpa, 10.0, 70.0))
    no_break = rng.random() < a.no_break_prob * (1.0 - fatigue)
    rate = a.lower_rate_dps * (1.0 + 0.2 * fatigue) * math.exp(rng.normal(0.0, 0.08))
    rate = min(rate, 19.0)
    mode: ReturnMode
    if a.return_mode == "band":
        mode = "band"
    elif a.return_mode in ("pull", "push"):
        mode = "pull" if a.return_mode == "pull" else "push"
        if fatigue > 0.5 and rng.random() < 0.3:
            mode = "push"  # tired athletes use their hands more
    else:
        mode = "push" if rng.random() < 0.5 else "pull"
    ret = a.return_s * (1.0 + 0.6 * fatigue) * math.exp(rng.normal(0.0, 0.1))
    plan = NordicRepPlan(
        start_lean_deg=start_lean_deg,
        onset_s=_u(rng, *a.onset_s),
        lower_rate_dps=rate,
        rate_trend=_u(rng, 0.1, 0.4),
        rate_mod_frac=_u(rng, 0.05, 0.15),
        rate_mod_hz=_u(rng, 0.3, 0.9),
        rate_mod_phase_rad=_u(rng, 0.0, 2 * math.pi),
        break_lean_deg=None if no_break else bpa,
        fall_accel_dps2=a.fall_accel_dps2 * math.exp(rng.normal(0.0, 0.1)),
        break_ramp_s=_u(rng, 0.08, 0.18),
        fall_damping_per_s=a.fall_damping_per_s,
        gravity_gain_rads2=a.body.gravity_gain_rads2(),
        catch_lean_deg=(_u(rng, 72.0, 85.0) if no_break else a.catch_lean_deg
                        + rng.normal(0.0, 1.5)),
        catch_s=a.catch_s * _u(rng, 0.85, 1.15),
        bottom_pause_s=_u(rng, 0.3, 1.4) * (1.0 + 0.5 * fatigue),
        return_mode=mode,
        return_s=ret,
        end_lean_deg=float(np.clip(rng.normal(0.0, 0.8), -2.0, 2.0)),
        hip_flex_max_deg=piking_deg * _u(rng, 0.6, 1.0) if piking_deg else 0.0,
    )
    shape = _onset_fields(onset, tempo, rng)
    return replace(plan, **shape) if shape else plan


# ---------------------------------------------------------------- ball-curl athlete


@dataclass(frozen=True)
class BallAthlete:
    height_m: float
    ball_diameter_m: float
    knee_flex_max_deg: float
    hip_flex_top_deg: float
    curl_s: float
    hold_s: float
    extend_s: float
    pause_s: float
    pelvis_roll_deg: float  # single-leg wobble amplitude

    def as_dict(self) -> dict[str, object]:
        return {k: round(v, 3) for k, v in self.__dict__.items()}


def draw_ball_athlete(rng: np.random.Generator, *, tempo: Tempo, single: bool) -> BallAthlete:
    height = _u(rng, 1.60, 1.95)
    # Ball chosen by height (55 / 65 / 75 cm), as gyms usually advise (ASSUMED).
    ball = 0.55 if height < 1.68 else (0.65 if height < 1.85 else 0.75)
    # Tempo 311 centre (anchors §5): 1 s curl, 1 s squeeze, 3 s out.
    curl, hold_s, extend = _u(rng, 0.8, 1.5), _u(rng, 0.4, 1.4), _u(rng, 2.2, 3.5)
    if tempo == "slow":
        curl, extend = _u(rng, 1.8, 2.5), _u(rng, 5.0, 7.0)
    elif tempo == "fast":
        curl, hold_s, extend = _u(rng, 0.6, 0.9), _u(rng, 0.1, 0.3), _u(rng, 1.0, 1.5)
    return BallAthlete(
        height_m=height, ball_diameter_m=ball, knee_flex_max_deg=_u(rng, 90.0, 115.0),
        hip_flex_top_deg=_u(rng, 5.0, 25.0), curl_s=curl, hold_s=hold_s, extend_s=extend,
        pause_s=_u(rng, 0.8, 2.5),
        pelvis_roll_deg=_u(rng, 1.5, 3.5) if single else _u(rng, 0.3, 0.8),
    )


def ball_rep_plan(a: BallAthlete, fatigue: float, rng: np.random.Generator) -> BallRepPlan:
    """Fatigue (ASSUMED magnitudes): slower curl (+50 %), shorter squeeze (−40 %), a
    slightly hurried roll-out (−15 %) and less depth (−15 %)."""
    def jit(sd: float) -> float:
        return math.exp(rng.normal(0.0, sd))

    return BallRepPlan(
        curl_s=a.curl_s * (1.0 + 0.5 * fatigue) * jit(0.1),
        hold_s=max(a.hold_s * (1.0 - 0.4 * fatigue) * jit(0.2), 0.05),
        extend_s=a.extend_s * (1.0 - 0.15 * fatigue) * jit(0.1),
        depth=float(np.clip(rng.normal(1.0 - 0.15 * fatigue, 0.04), 0.6, 1.05)),
    )


def pause_s(base_s: float, fatigue: float, rng: np.random.Generator) -> float:
    """Pause between reps, 0.5–4 s (brief), longer when tired."""
    return float(np.clip(base_s * (1.0 + fatigue) * math.exp(rng.normal(0.0, 0.3)), 0.5, 4.0))


# ---------------------------------------------------------------- everyday motions


def walk(track: Track, duration_s: float, swing_channel: str, swing_centre_rad: float,
         swing_amp_rad: float, rng: np.random.Generator,
         counter_channel: str | None = None) -> tuple[int, int]:
    """Walk away, turn round, walk back and turn again, ending where it started.

    The segment swings at the stride frequency (~0.9 Hz, ramped in and out); the pivot
    (knee/hip) advances along the heading and bobs at twice the stride frequency.
    ``counter_channel`` (e.g. hip flexion for a trunk sensor) cancels the thigh swing so
    the trunk stays near upright.
    """
    dt = track.dt_s
    n = max(round(duration_s / dt), 2)
    t = np.arange(1, n + 1) * dt
    stride_hz = _u(rng, 0.8, 1.0)
    env = min_jerk(t / 1.0) * min_jerk((duration_s - t) / 1.0)
    phase = 2 * math.pi * stride_hz * t
    swing = swing_centre_rad + swing_amp_rad * env * np.sin(phase)
    yaw0 = track.value("yaw")
    # Heading: straight out, a 180° turn mid-way, straight back, 180° turn at the end.
    # A 180° turn over ~1.6 s peaks near 210 °/s (1.875 × mean, min-jerk).
    turn_s = _u(rng, 1.4, 1.8)
    turn = math.pi * (min_jerk((t - 0.45 * duration_s) / turn_s)
                      + min_jerk((t - (duration_s - turn_s)) / turn_s))
    yaw = yaw0 + turn
    speed = _u(rng, 0.9, 1.3) * env
    # Speed profile symmetric about the middle, so out and back distances match.
    vx = speed * np.cos(yaw)
    vy = speed * np.sin(yaw)
    kx = track.value("kx") + np.cumsum(vx) * dt
    ky = track.value("ky") + np.cumsum(vy) * dt
    # Close the loop exactly (the turns are not perfectly symmetric).
    ramp = t / duration_s
    kx -= (kx[-1] - track.value("kx")) * ramp
    ky -= (ky[-1] - track.value("ky")) * ramp
    kz = track.value("kz") + 0.02 * env * np.sin(2 * phase)
    pieces: dict[str, FloatArray] = {swing_channel: swing, "yaw": yaw, "kx": kx, "ky": ky,
                                     "kz": kz}
    if counter_channel is not None:
        pieces[counter_channel] = (track.value(counter_channel)
                                   - (swing - swing_centre_rad) * 0.9)
    return track.append(pieces)


def fidget(track: Track, channels: dict[str, float], rng: np.random.Generator) -> tuple[int, int]:
    """A few small, quick adjustments on ``channels`` (amplitudes in rad/m), then back."""
    start = {k: track.value(k) for k in channels}
    i0 = track.n
    for _ in range(int(rng.integers(2, 4))):
        target = {k: start[k] + amp * _u(rng, -1.0, 1.0) for k, amp in channels.items()}
        track.move(target, _u(rng, 0.25, 0.6))
    track.move(start, _u(rng, 0.3, 0.6))
    return i0, track.n


def sway(n: int, dt_s: float, sd_deg: float, rng: np.random.Generator) -> FloatArray:
    """Postural sway (rad): slow (< 0.5 Hz) and tiny, well below the 3 °/s boundary."""
    return smooth_noise(n, dt_s, math.radians(sd_deg), 0.5, rng)


def rest_sway(n: int, holds: list[tuple[int, int]], dt_s: float, amp_dps: float,
              rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
    """Sway of the working leg (pitch, roll in rad) while it holds the start pose.

    An unstable support (one leg on the ball) or a wobbly kneel: random motion in
    0.3–1 Hz, a few degrees, split between pitch and roll at random. ``amp_dps`` is the
    amplitude of a sine of equal power: the sway's angular-speed RMS is amp/√2 inside
    the holds, so its peaks reach about amp, and at most 1.5 × amp. It fades in and out
    over up to 0.4 s at each end of a hold (min-jerk), so the session stays smooth and
    every rep still starts from the mean pose. Zero outside ``holds`` (ASSUMED shape).
    """
    env = np.zeros(n)
    for a, b in holds:
        m = b - a
        if m < 4:
            continue
        k = max(min(round(0.4 / dt_s), m // 3), 1)
        ramp = min_jerk(np.arange(1, k + 1) / k)
        e = np.ones(m)
        e[:k] = ramp
        e[m - k:] = np.minimum(e[m - k:], ramp[::-1])
        env[a:b] = e
    share = _u(rng, 0.3, 0.7)  # of the sway's power in pitch
    x = np.stack([band_noise(n, dt_s, 0.3, 1.0, math.sqrt(share), rng),
                  band_noise(n, dt_s, 0.3, 1.0, math.sqrt(1.0 - share), rng)]) * env
    speed = np.hypot(*np.gradient(x, dt_s, axis=1))
    inside = env >= 1.0
    rms = float(np.sqrt(np.mean(speed[inside] ** 2))) if inside.any() else 0.0
    scale = math.radians(amp_dps) / math.sqrt(2.0) / rms if rms > 0 else 0.0
    x *= scale
    # No hold's sway faster than 1.5 × amp at its peak (a bout of random sway would
    # otherwise reach 2.5 × now and then); each hold fades to zero, so this stays smooth.
    cap = 1.5 * math.radians(amp_dps)
    for a, b in holds:
        peak = float(speed[a:b].max(initial=0.0)) * scale
        if peak > cap:
            x[:, a:b] *= cap / peak
    return x[0], x[1]


# ---------------------------------------------------------------- shakiness


@dataclass(frozen=True)
class Shakiness:
    """Small, fast, unintended motion on top of the intended movement (rate RMS, °/s).

    * tremor: the 8–12 Hz physiological tremor band (textbook range, not from the
      anchors note), stronger under load and fatigue;
    * balance: 1.5–5 Hz corrections on an unstable surface (the ball), mostly sideways
      (roll/yaw), larger on one leg.

    Amplitudes are ASSUMED and were tuned against real lower-limb recordings (CMU SUB22;
    benchmarks/validate_simulator.py): the share of rate power above 5 Hz in simulated
    reps should fall inside the range of the real exercises. Like tissue wobble, this is
    a disturbance of the sensor signal, not part of the labelled segment motion.
    """

    tremor_dps: float
    balance_dps: float

    def as_dict(self) -> dict[str, float]:
        return {"tremor_dps": round(self.tremor_dps, 2), "balance_dps": round(self.balance_dps, 2)}


def draw_shakiness(rng: np.random.Generator, family: str, single: bool) -> Shakiness:
    if family in ("nordic", "supported"):  # kneeling, lying or on a bench: no balancing
        return Shakiness(_u(rng, 2.0, 4.0), 0.0)
    if single:
        return Shakiness(_u(rng, 3.0, 5.0), _u(rng, 5.0, 8.0))
    return Shakiness(_u(rng, 1.5, 3.0), _u(rng, 2.5, 4.5))


def effort_envelope(speed_dps: FloatArray, rep_windows: list[tuple[int, int]],
                    dt_s: float) -> FloatArray:
    """0.25 when still, 0.5 while moving otherwise, 1 during reps; smoothed over 0.3 s.

    The still level was set so the simulated rest noise is of the order of a real foot
    standing on the floor (benchmarks/validate_simulator.py, comparison A)."""
    env = np.where(speed_dps > 3.0, 0.5, 0.25)
    for i0, i1 in rep_windows:
        env[i0:i1] = 1.0
    k = max(round(0.3 / dt_s), 1)
    out: FloatArray = np.convolve(env, np.ones(k) / k, mode="same")
    return out


def disturbance(envelope: FloatArray, dt_s: float, shake: Shakiness,
                rng: np.random.Generator) -> dict[str, FloatArray]:
    """Pitch/roll/yaw disturbances (rad) scaled by the effort envelope."""
    n = len(envelope)
    out: dict[str, FloatArray] = {}
    for axis, tremor_w, balance_w in (("pitch", 1.0, 0.5), ("roll", 0.7, 1.0),
                                      ("yaw", 0.5, 0.8)):
        # Angle RMS = rate RMS / (2π f) at the band's centre frequency.
        x = band_noise(n, dt_s, 8.0, 12.0, math.radians(shake.tremor_dps * tremor_w)
                       / (2 * math.pi * 10.0), rng)
        if shake.balance_dps > 0.0:
            x = x + band_noise(n, dt_s, 1.5, 5.0, math.radians(shake.balance_dps * balance_w)
                               / (2 * math.pi * 3.0), rng)
        out[axis] = envelope * x
    return out
