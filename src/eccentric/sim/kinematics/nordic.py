"""Nordic hamstring curl: thigh (+ trunk) rotating forward about the knees.

The shanks are held flat, so the thigh's forward lean from upright kneeling is 90° minus
the knee flexion angle (anchors note §4.1). One repetition:

1. controlled lowering — the hamstrings brake the lean to a slow, gently varying speed;
2. break — hamstring torque no longer matches the gravitational moment, which grows as
   sin(lean); the body accelerates (a gravity-driven fall, damped by the still-active
   muscle's force–velocity behaviour);
3. hand catch — the arms brake the body to a stop within a fraction of a second;
4. bottom pause, then the return (hamstring pull, hands push-off, or band assistance).

Everything is a function of the lean angle on a fine grid; the IMU model turns the lean
into sensor readings. Angles are in degrees in the plan, radians in the arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from eccentric.core.chunk import FloatArray
from eccentric.core.units import STANDARD_GRAVITY_MPS2
from eccentric.sim.primitives import hold, integrate, min_jerk, move

ReturnMode = Literal["pull", "push", "band"]
OnsetShape = Literal["min_jerk", "power", "linear", "hesitant"]

_MAX_UNRESISTED = 0.75  # largest share of the gravitational moment left unresisted (ASSUMED)



@dataclass(frozen=True)
class NordicBody:
    """Mass properties of everything above the knees, from body mass and height.

    Segment proportions are the standard anthropometric table (Winter, *Biomechanics
    and Motor Control of Human Movement*, table 4.1, quoted from memory — NOT VERIFIED
    against a stored copy): thigh 0.100 of body mass each, length 0.245 H, centre of mass
    0.433 from the hip, radius of gyration 0.323; head–arms–trunk (HAT) 0.678 of mass,
    hip-to-shoulder length 0.288 H, centre of mass 0.626 from the hip, gyration 0.496.
    """

    mass_kg: float
    height_m: float

    @property
    def thigh_length_m(self) -> float:
        return 0.245 * self.height_m

    @property
    def trunk_length_m(self) -> float:
        return 0.288 * self.height_m

    def gravity_gain_rads2(self) -> float:
        """m·g·l / I about the knee: angular acceleration per unit sin(lean) if unresisted."""
        lt, lh = self.thigh_length_m, self.trunk_length_m
        m_thigh, m_hat = 0.200 * self.mass_kg, 0.678 * self.mass_kg
        c_thigh = (1.0 - 0.433) * lt  # knee → thigh centre of mass
        c_hat = lt + 0.626 * lh
        inertia = (m_thigh * (c_thigh**2 + (0.323 * lt) ** 2)
                   + m_hat * (c_hat**2 + (0.496 * lh) ** 2))
        moment = (m_thigh * c_thigh + m_hat * c_hat) * STANDARD_GRAVITY_MPS2
        return moment / inertia


@dataclass(frozen=True)
class NordicRepPlan:
    """Everything that shapes one repetition. Lean angles in degrees from upright."""

    start_lean_deg: float
    onset_s: float  # time to reach the lowering speed from still
    lower_rate_dps: float  # mean controlled lowering speed
    rate_trend: float  # fractional speed-up from lean onset to the break
    rate_mod_frac: float  # amplitude of slow speed fluctuation (fraction of the mean)
    rate_mod_hz: float
    rate_mod_phase_rad: float
    break_lean_deg: float | None  # None: controlled all the way to the floor
    fall_accel_dps2: float  # net angular acceleration just after the break
    break_ramp_s: float  # how quickly the hamstrings "give"
    fall_damping_per_s: float  # force–velocity braking during the fall
    gravity_gain_rads2: float
    catch_lean_deg: float  # lean at which the hands reach the floor
    catch_s: float  # time the arms take to stop the body
    bottom_pause_s: float
    return_mode: ReturnMode
    return_s: float
    end_lean_deg: float
    hip_flex_max_deg: float = 0.0  # piking: extra trunk flexion reached at the bottom
    # How the lowering leaves the start pose (options.ONSETS). "min_jerk": the speed
    # ramps up over onset_s, then follows the trend and fluctuation above. "power": lean
    # ∝ t^onset_power, reaching the break (or the catch) after power_lower_s — the speed
    # rises from zero, and the lowering has no other trend or fluctuation. "linear":
    # constant speed (with the fluctuation) after a short onset_s. "hesitant": the
    # hesitation below, then a min-jerk lowering.
    onset_shape: OnsetShape = "min_jerk"
    onset_power: float = 1.0
    power_lower_s: float = 0.0
    # Hesitation before the lowering: a forward creep of hesitation_deg (> 0) that stays,
    # or a backward dip of |hesitation_deg| (< 0) and back, each way over hesitation_s,
    # then still for hesitation_pause_s.
    hesitation_deg: float = 0.0
    hesitation_s: float = 0.0
    hesitation_pause_s: float = 0.0


@dataclass
class NordicRepTrack:
    """Thigh lean (rad) and hip flexion (rad) on the grid, plus design marks (indices)."""

    lean_rad: FloatArray
    hip_flex_rad: FloatArray
    marks: dict[str, int] = field(default_factory=dict)


def _controlled_lowering(plan: NordicRepPlan, target_deg: float, stop_smoothly: bool,
                         dt_s: float) -> FloatArray:
    """Lean rate (rad/s) from still until the lean reaches ``target_deg``.

    With ``stop_smoothly`` the speed ramps back to zero so the lean ends at the target
    (a controlled descent onto the hands); otherwise it ends still moving.
    """
    span = math.radians(target_deg - plan.start_lean_deg)
    v_mean = math.radians(plan.lower_rate_dps)
    rate: FloatArray
    if plan.onset_shape == "power":
        # θ = span·(t/T)^p, so θ̇ = (p·span/T)·(t/T)^(p−1): from zero, ever faster.
        p, big_t = plan.onset_power, plan.power_lower_s
        v_mean = span / big_t
        t = np.arange(int((big_t * 1.5 + 2.0) / dt_s)) * dt_s
        rate = np.asarray(p * v_mean * (t / big_t) ** (p - 1.0), dtype=np.float64)
    else:
        expected_s = span / v_mean + 0.5 * plan.onset_s
        t = np.arange(int((expected_s * 3.0 + 2.0) / dt_s)) * dt_s
        ramp = min_jerk(t / plan.onset_s)
        trend = 1.0 + plan.rate_trend * (np.clip(t / expected_s, 0.0, 1.2) - 0.5)
        if plan.onset_shape == "linear":
            trend = np.ones_like(t)
        mod = 1.0 + plan.rate_mod_frac * np.sin(2 * math.pi * plan.rate_mod_hz * t
                                                + plan.rate_mod_phase_rad)
        rate = np.asarray(v_mean * ramp * trend * mod, dtype=np.float64)
    angle = integrate(rate, 0.0, dt_s)
    if not stop_smoothly:
        stop = int(np.searchsorted(angle, span))
        return rate[: stop + 1]
    # Ramp down over ~0.8 s; a min-jerk slowdown covers half the distance a constant
    # speed would, so start it that much before the target.
    down_s = 0.8
    first = int(np.searchsorted(angle, span - 0.5 * v_mean * down_s))
    v_est = float(rate[min(first, len(rate) - 1)])
    start = int(np.searchsorted(angle, span - 0.5 * v_est * down_s))
    v0 = float(rate[min(start, len(rate) - 1)])
    td = np.arange(1, int(down_s / dt_s) + 1) * dt_s
    down = v0 * (1.0 - min_jerk(td / down_s))
    return np.concatenate((rate[:start], down))


def _fall_and_catch(plan: NordicRepPlan, lean0_rad: float, rate0_rads: float,
                    dt_s: float) -> tuple[FloatArray, int]:
    """Lean (rad) from the break through the hand catch until still; and contact index.

    Fall: θ̈ = w(t)·[(1−ρ)·G·sin θ − c·(θ̇ − θ̇_break)], where w ramps from 0 to 1 over
    ``break_ramp_s`` (the hamstrings give way smoothly), (1−ρ) is chosen so the net
    acceleration right after the break is ``fall_accel_dps2``, and c models the muscle's
    force–velocity braking. Catch: once the lean reaches ``catch_lean_deg`` the palms hit
    the floor and the arms brake hardest at first, then ease off — speed falls as
    (1 − u)³ over ``catch_s`` — so the body stops a few degrees lower without rebounding.
    """
    g = plan.gravity_gain_rads2
    # (1 − ρ) is the share of the gravitational moment the hamstrings no longer resist;
    # capped at 0.75: even a weak athlete's hamstrings keep resisting after the break,
    # so the fall never approaches free rotation.
    excess = min(math.radians(plan.fall_accel_dps2) / (g * math.sin(max(lean0_rad, 0.05))),
                 _MAX_UNRESISTED)
    # Early breaks have little gravitational moment to spare; the muscle's braking is
    # scaled down with it so the fall is still a clear acceleration.
    c = plan.fall_damping_per_s * min(1.0, math.sin(lean0_rad) / math.sin(math.radians(35.0)))
    theta_c = math.radians(plan.catch_lean_deg)
    theta, omega = lean0_rad, rate0_rads
    out: list[float] = []
    t = 0.0
    for _ in range(int(6.0 / dt_s)):
        if theta >= theta_c:
            break
        w = float(min_jerk(np.array([t / plan.break_ramp_s]))[0])
        alpha = w * (excess * g * math.sin(theta) - c * (omega - rate0_rads))
        omega += alpha * dt_s  # semi-implicit Euler
        theta += omega * dt_s
        out.append(theta)
        t += dt_s
    contact = len(out)
    u = np.arange(1, round(plan.catch_s / dt_s) + 1) * dt_s / plan.catch_s
    catch = theta + omega * plan.catch_s * (1.0 - (1.0 - u) ** 4) / 4.0
    return np.concatenate((np.asarray(out, dtype=np.float64), catch)), contact


def _return(plan: NordicRepPlan, bottom_rad: float, dt_s: float) -> FloatArray:
    """Lean (rad) from the bottom back to upright; excludes the first (bottom) sample."""
    end = math.radians(plan.end_lean_deg)
    span = end - bottom_rad
    t = np.arange(1, round(plan.return_s / dt_s) + 1) * dt_s
    if plan.return_mode == "push":
        # Hands shove the trunk up fast (first ~35 % of the range in ~0.45 s) while the
        # hamstrings take over; two overlapping min-jerk moves keep it one movement.
        push_s = min(0.45, 0.4 * plan.return_s)
        pull_start = 0.5 * push_s
        shape = (0.35 * min_jerk(t / push_s)
                 + 0.65 * min_jerk((t - pull_start) / (plan.return_s - pull_start)))
    else:
        shape = min_jerk(t / plan.return_s)
    out: FloatArray = bottom_rad + span * shape
    return out


def _hesitation(plan: NordicRepPlan, dt_s: float) -> FloatArray:
    """Lean (rad) of the hesitation before the lowering; empty when there is none."""
    if not plan.hesitation_s:
        return np.zeros(0)
    a = math.radians(plan.start_lean_deg)
    b = math.radians(plan.start_lean_deg + plan.hesitation_deg)
    parts = [move(a, b, plan.hesitation_s, dt_s)]
    if plan.hesitation_deg < 0:  # a dip comes back to where it began
        parts.append(move(b, a, plan.hesitation_s, dt_s))
    end = float(parts[-1][-1])
    parts.append(hold(end, plan.hesitation_pause_s, dt_s))
    return np.concatenate(parts)


def nordic_rep(plan: NordicRepPlan, dt_s: float) -> NordicRepTrack:
    """One full repetition starting and ending still. Marks are design indices."""
    pre = _hesitation(plan, dt_s)
    # The commanded lowering begins here (after any hesitation and its pause): the
    # rep's kinematic onset, its labelled start (sim/labels.py).
    marks: dict[str, int] = {"onset": len(pre)}
    if len(pre):
        plan = replace(plan, start_lean_deg=math.degrees(float(pre[-1])))
    start = math.radians(plan.start_lean_deg)
    if plan.break_lean_deg is None:
        rate = _controlled_lowering(plan, plan.catch_lean_deg, True, dt_s)
        lower = np.concatenate((pre, integrate(rate, start, dt_s)))
        marks["contact"] = len(lower) - 1
        pieces = [lower]
    else:
        rate = _controlled_lowering(plan, plan.break_lean_deg, False, dt_s)
        lower = np.concatenate((pre, integrate(rate, start, dt_s)))
        marks["break_design"] = len(lower) - 1
        fall, contact = _fall_and_catch(plan, float(lower[-1]), float(rate[-1]), dt_s)
        marks["contact"] = len(lower) + contact
        pieces = [lower, fall]
    bottom = float(pieces[-1][-1])
    pieces.append(hold(bottom, plan.bottom_pause_s, dt_s))
    marks["return_design"] = sum(len(p) for p in pieces)
    pieces.append(_return(plan, bottom, dt_s))
    lean = np.concatenate(pieces)
    marks["end"] = len(lean)
    hip = np.zeros_like(lean)
    if plan.hip_flex_max_deg:
        # Piking: the hips flex as the lean deepens (more past the break), so a trunk
        # sensor over-reads the knee angle (anchors §4.1, N7: 0.4–44.7° trunk-to-thigh).
        frac = np.clip((lean - start) / max(bottom - start, 1e-6), 0.0, 1.0)
        hip = math.radians(plan.hip_flex_max_deg) * min_jerk(frac)
    return NordicRepTrack(lean, hip, marks)


def nordic_partial(start_lean_deg: float, depth_deg: float, rate_dps: float, hold_s: float,
                   return_s: float, dt_s: float) -> FloatArray:
    """A lean that stops short (partial rep or aborted start) and comes back up."""
    go_s = max(1.875 * depth_deg / rate_dps, 0.4)  # min-jerk peak = 1.875 × mean
    a = math.radians(start_lean_deg)
    b = math.radians(start_lean_deg + depth_deg)
    return np.concatenate((move(a, b, go_s, dt_s), hold(b, hold_s, dt_s),
                           move(b, a, return_s, dt_s)))
