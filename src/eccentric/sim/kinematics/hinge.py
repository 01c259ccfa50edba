"""One segment swinging about one joint: out to the far position, a hold, back.

The common shape of the hinge and lift exercises (single-leg deadlift, single-leg
bridge, Roman-chair hinge, sit-up). Progress runs 0 (start pose) → ``depth`` → 0; the
script turns it into the segment's pitch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betainc

from eccentric.core.chunk import FloatArray
from eccentric.sim.primitives import hold, min_jerk


@dataclass(frozen=True)
class HingeRepPlan:
    """Durations in s; ``depth`` is the fraction of the athlete's full range reached."""

    out_s: float
    hold_s: float  # at the far position
    back_s: float
    depth: float
    # How the way out leaves the start pose (sim/options.py ONSETS).
    onset: str = "min_jerk"
    onset_power: float = 1.6  # "power": speed ∝ t^(p−1) at the start
    linear_ramp_s: float = 0.08  # "linear": time to reach the constant speed
    hesitation: float = 0.0  # "hesitant": creep (+) or dip (−), as a fraction of depth
    hesitation_pause_s: float = 0.0


def out_shape(u: FloatArray, plan: HingeRepPlan, duration_s: float) -> FloatArray:
    """Progress 0 → 1 over u ∈ [0, 1] for the way out, by onset shape."""
    if plan.onset == "power":
        # Regularised incomplete beta I_u(p, 3): speed ∝ u^(p−1)(1−u)², a start whose
        # speed rises from zero as a power law and a smooth stop at the far position.
        out: FloatArray = betainc(plan.onset_power, 3.0, np.clip(u, 0.0, 1.0))
        return out
    if plan.onset == "linear":
        # Constant speed between short min-jerk-like ramps at both ends.
        r = float(np.clip(plan.linear_ramp_s / duration_s, 0.01, 0.3))
        speed = np.clip(np.minimum(u, 1.0 - u) / r, 0.0, 1.0)
        speed = speed * speed * (3.0 - 2.0 * speed)
        cum = np.cumsum(speed)
        return cum / cum[-1] if cum[-1] > 0 else min_jerk(u)
    return min_jerk(u)


def hinge_rep(plan: HingeRepPlan, dt_s: float) -> FloatArray:
    """Progress on the grid for one rep (the start sample itself excluded)."""
    pieces: list[FloatArray] = []
    if plan.onset == "hesitant" and plan.hesitation != 0.0:
        # A small creep forward (kept) or dip back (undone), then a pause: slower than
        # the movement proper (peak speed ≤ 40 % of the way out's min-jerk peak), as a
        # shift of weight is, so the movement's start stays where the speed rises.
        h = plan.depth * plan.hesitation
        out_peak = 1.875 * plan.depth / plan.out_s  # progress per s
        dur = max(0.6, abs(h) * math.pi / (0.4 * out_peak))
        n = max(round(dur / dt_s), 2)
        u = np.arange(1, n + 1) / n
        shape = min_jerk(u) if h > 0 else np.sin(np.pi * min_jerk(u)) ** 2
        pieces += [h * shape, hold(h if h > 0 else 0.0, plan.hesitation_pause_s, dt_s)]
        base = h if h > 0 else 0.0
    else:
        base = 0.0
    n_out = max(round(plan.out_s / dt_s), 2)
    u = np.arange(1, n_out + 1) / n_out
    pieces.append(base + (plan.depth - base) * out_shape(u, plan, plan.out_s))
    pieces.append(hold(plan.depth, plan.hold_s, dt_s))
    n_back = max(round(plan.back_s / dt_s), 2)
    pieces.append(plan.depth * (1.0 - min_jerk(np.arange(1, n_back + 1) / n_back)))
    return np.concatenate(pieces)


def hinge_partial(depth: float, go_s: float, hold_s: float, back_s: float,
                  dt_s: float) -> FloatArray:
    """A shallow attempt that is abandoned (a partial rep): progress values."""
    n1, n2 = max(round(go_s / dt_s), 2), max(round(back_s / dt_s), 2)
    return np.concatenate((depth * min_jerk(np.arange(1, n1 + 1) / n1),
                           hold(depth, hold_s, dt_s),
                           depth * (1.0 - min_jerk(np.arange(1, n2 + 1) / n2))))
