"""Generic-movement sessions for the ``auto`` counter: one limb segment, any movement.

Each session is a rigid segment (forearm, thigh or trunk) whose orientation and pivot
follow a drawn trajectory; the sensor sits on it with an arbitrary mounting rotation,
and its readings come from the same rigid-body physics as the main simulator
(:mod:`eccentric.sim.imu_model`), plus white noise and a constant gyro bias. The
session classes are the failure classes of ``auto`` found on independent data (issue
12, class 3) and their controls:

``plain``      smooth out-and-back reps (the control);
``hold``       square-wave reps: a flat 0.5-2.5 s pause at BOTH ends of the range, ramps of
               varied shape (minimum jerk, near-linear, half cosine, power law);
``row``        a bent-over row on the wrist: mostly a vertical translation of the hand,
               the forearm tilting only 8-25 deg;
``pendulum``   a hanging-arm pendulum that starts and ends hanging (mid-swing), in a
               plane or on an ellipse;
``walk_set``   walking (10-60 s, 1.4-2.2 steps/s) before a set, standing a few seconds,
               then the set; wrist, thigh or trunk placement;
``slow``       slow reps, periods 8-15 s;
``walk``       walking only (0 reps); ``rest``: standing/sitting sway and fidgets (0 reps).

``wide=True`` draws from wider ranges (the held-out draw of ``benchmarks/auto_classes.py``).
Truth is the number of reps the script performed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from eccentric.core.chunk import FloatArray, ImuChunk
from eccentric.sim.imu_model import (
    acceleration_mps2,
    body_rate_rads,
    rotvec_to_matrix,
    specific_force_body_mps2,
)
from eccentric.sim.primitives import min_jerk, smooth_noise

CLASSES = ("plain", "hold", "row", "pendulum", "walk_set", "slow", "walk", "rest")
SIM_HZ = 400.0  # physics grid (Hz); the sensor rate is drawn per session


@dataclass(frozen=True)
class GenericSession:
    """A simulated generic session: readings, truth and what was drawn."""

    kind: str
    seed: int
    rate_hz: float
    chunk: ImuChunk
    true_reps: int
    rep_windows_s: list[tuple[float, float]]
    drawn: dict[str, float | str] = field(default_factory=dict)


def _u(rng: np.random.Generator, lo: float, hi: float, wide: bool, grow: float = 0.0
       ) -> float:
    """Uniform in [lo, hi]; ``wide`` stretches the range by ``grow`` of its width each side."""
    if wide:
        span = hi - lo
        lo, hi = lo - grow * span, hi + grow * span
    return float(rng.uniform(lo, hi))


def _ramp(u: FloatArray, shape: str, p: float) -> FloatArray:
    """Monotone 0→1 ramp of a given shape over u in [0, 1]."""
    u = np.clip(u, 0.0, 1.0)
    if shape == "min_jerk":
        return min_jerk(u)
    if shape == "cosine":
        out: FloatArray = 0.5 - 0.5 * np.cos(math.pi * u)
        return out
    if shape == "linear":  # constant speed with short (10 %) blends at the ends
        b = 0.1
        v = np.where(u < b, u**2 / (2 * b),
                     np.where(u > 1 - b, 1 - b - (1 - u) ** 2 / (2 * b), u - b / 2))
        out = v / (1 - b)
        return out
    # power law: slow start, fast finish (a hesitant lift)
    out = min_jerk(u) ** p
    return out


def _unit(v: FloatArray) -> FloatArray:
    out: FloatArray = v / np.linalg.norm(v)
    return out


def _random_rotation(rng: np.random.Generator) -> FloatArray:
    q = _unit(rng.normal(size=4))
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


class _Script:
    """Piecewise trajectory on the physics grid: angle (rad) about the segment's swing
    axis, a second angle (rad, ellipse/twist), and the pivot's vertical offset (m)."""

    def __init__(self) -> None:
        self.angle: list[FloatArray] = []
        self.angle2: list[FloatArray] = []
        self.lift: list[FloatArray] = []
        self.n = 0

    def add(self, angle: FloatArray, angle2: FloatArray | None = None,
            lift: FloatArray | None = None) -> None:
        m = len(angle)
        self.angle.append(angle)
        self.angle2.append(np.zeros(m) if angle2 is None else angle2)
        self.lift.append(np.zeros(m) if lift is None else lift)
        self.n += m

    def still(self, seconds: float, level: float = 0.0) -> None:
        self.add(np.full(max(int(seconds * SIM_HZ), 1), level))

    @property
    def t_s(self) -> float:
        return self.n / SIM_HZ


def _grid(seconds: float) -> FloatArray:
    """Sample times of a piece lasting ``seconds``, the last one at exactly ``seconds``."""
    n = max(round(seconds * SIM_HZ), 2)
    out: FloatArray = np.arange(1, n + 1, dtype=np.float64) * (seconds / n)
    return out


def _rep_set(sc: _Script, rng: np.random.Generator, kind: str, wide: bool
             ) -> list[tuple[float, float]]:
    """Append one set of reps of ``kind`` (plain/hold/row/slow); returns truth windows."""
    windows: list[tuple[float, float]] = []
    n_reps = int(rng.integers(5, 21 if kind != "slow" else 9))
    amp = math.radians(_u(rng, 35.0, 100.0, wide, 0.2))
    shape = str(rng.choice(["min_jerk", "cosine", "linear", "power"]))
    p = _u(rng, 1.4, 2.2, wide, 0.2)
    if kind == "row":
        amp = math.radians(_u(rng, 4.0, 20.0, wide, 0.2))
        lift_m = _u(rng, 0.18, 0.4, wide, 0.2)
    # Tempo is drawn per set; each rep varies about it (people keep a rhythm in a set).
    if kind == "hold":
        base = (_u(rng, 0.4, 1.5, wide, 0.2), _u(rng, 0.4, 1.5, wide, 0.2),
                _u(rng, 0.5, 2.5, wide, 0.1), _u(rng, 0.5, 2.5, wide, 0.1))
    elif kind == "slow":
        period = _u(rng, 8.0, 15.0, wide, 0.15)
        split = _u(rng, 0.35, 0.65, wide)
        pause = _u(rng, 0.0, 0.25, wide) * period
        base = (split * (period - pause), (1 - split) * (period - pause), 0.3 * pause,
                0.7 * pause)
    else:  # plain, row
        base = (_u(rng, 0.6, 1.6, wide, 0.2), _u(rng, 0.6, 1.8, wide, 0.2),
                _u(rng, 0.0, 0.4, wide), _u(rng, 0.1, 0.8, wide))
    jitter = _u(rng, 0.03, 0.12, wide, 0.3)
    for _ in range(n_reps):
        a = amp * _u(rng, 0.85, 1.15, wide, 0.3)
        up, down, top, bottom = (max(b * (1.0 + jitter * float(rng.normal())), 0.3 * b)
                                 for b in base)
        t0 = sc.t_s
        g_up, g_top, g_down = _grid(up), _grid(top), _grid(down)
        s_up = _ramp(g_up / up, shape, p)
        s_down = 1.0 - _ramp(g_down / down, shape, p)
        prof = np.concatenate([s_up, np.ones(len(g_top)), s_down])
        if kind == "row":
            # The forearm tilts a little and twists as the elbow rises; the hand rises.
            twist = math.radians(_u(rng, 3.0, 15.0, wide)) * prof
            sc.add(a * prof, twist, lift_m * prof * _u(rng, 0.85, 1.15, wide))
        else:
            sc.add(a * prof)
        windows.append((t0, sc.t_s))
        sc.still(bottom)
    return windows


def _pendulum(sc: _Script, rng: np.random.Generator, wide: bool
              ) -> list[tuple[float, float]]:
    """A pendulum set starting and ending hanging (mid-swing); returns truth windows."""
    n = int(rng.integers(8, 21))
    period = _u(rng, 1.2, 2.6, wide, 0.15)
    amp = math.radians(_u(rng, 12.0, 35.0, wide, 0.2))
    ellipse = _u(rng, 0.0, 0.6, wide) if rng.random() < 0.5 else 0.0
    t = _grid(n * period)
    ramp_s = _u(rng, 0.3, 1.0, wide) * period
    env = min_jerk(t / ramp_s) * min_jerk((t[-1] - t) / ramp_s)
    env = np.maximum(env, 0.0)
    jitter = 1.0 + 0.05 * smooth_noise(len(t), 1 / SIM_HZ, 1.0, 0.3, rng)
    ph = 2 * math.pi * np.cumsum(jitter) / SIM_HZ / period
    ph *= 2 * math.pi * n / ph[-1]  # exactly n cycles: ends hanging again
    t0 = sc.t_s
    sc.add(amp * env * np.sin(ph), ellipse * amp * env * (1 - np.cos(ph)) * 0.5)
    return [(t0 + k * period, t0 + (k + 1) * period) for k in range(n)]


def _walk(sc: _Script, rng: np.random.Generator, seconds: float, placement: str,
          wide: bool) -> float:
    """Walking: the segment swings at the stride frequency; returns the step rate (Hz)."""
    step_hz = _u(rng, 1.4, 2.2, wide, 0.1)
    t = _grid(seconds)
    env = min_jerk(t / 1.0) * min_jerk((t[-1] - t) / 1.0)
    swing = {"wrist": _u(rng, 12.0, 35.0, wide), "thigh": _u(rng, 18.0, 30.0, wide),
             "trunk": _u(rng, 2.0, 5.0, wide)}[placement]
    ph = math.pi * step_hz * t + rng.uniform(0, 2 * math.pi)
    # The pivot (shoulder, hip) bobs at the step rate, with a sharp heel-strike jolt.
    bob = _u(rng, 0.015, 0.04, wide) * np.cos(2 * ph)
    jolt = _u(rng, 0.002, 0.006, wide) * np.maximum(np.cos(2 * ph), 0.0) ** 8
    sc.add(math.radians(swing) * env * np.sin(ph),
           math.radians(swing) * 0.15 * env * np.sin(2 * ph), env * (bob + jolt))
    return step_hz


def simulate_generic(kind: str, seed: int, *, wide: bool = False,
                     rate_hz: float | None = None) -> GenericSession:
    """One session of ``kind`` (see :data:`CLASSES`), reproducible from ``seed``."""
    if kind not in CLASSES:
        raise ValueError(f"unknown generic session kind {kind!r}; one of {', '.join(CLASSES)}")
    rng = np.random.default_rng([seed, CLASSES.index(kind), int(wide)])
    rates = (25.0, 50.0, 100.0, 200.0) if wide else (50.0, 100.0)
    rate = float(rate_hz if rate_hz is not None else rng.choice(rates))
    placement = "wrist"
    if kind in ("walk_set", "walk"):
        placement = str(rng.choice(["wrist", "thigh", "trunk"]))
    sc = _Script()
    windows: list[tuple[float, float]] = []
    drawn: dict[str, float | str] = {"placement": placement}
    sc.still(_u(rng, 1.0, 4.0, wide))
    if kind == "walk_set":
        walk_s = _u(rng, 10.0, 60.0, wide, 0.1)
        drawn["walk_s"] = walk_s
        drawn["step_hz"] = _walk(sc, rng, walk_s, placement, wide)
        sc.still(_u(rng, 2.0, 8.0, wide, 0.2))
        windows = _rep_set(sc, rng, str(rng.choice(["plain", "hold"])), wide)
        if rng.random() < 0.3:
            sc.still(_u(rng, 2.0, 6.0, wide))
            _walk(sc, rng, _u(rng, 8.0, 20.0, wide), placement, wide)
    elif kind == "walk":
        drawn["step_hz"] = _walk(sc, rng, _u(rng, 20.0, 90.0, wide, 0.1), placement, wide)
    elif kind == "rest":
        _rest(sc, rng, wide)
    elif kind == "pendulum":
        windows = _pendulum(sc, rng, wide)
    else:
        windows = _rep_set(sc, rng, kind, wide)
    sc.still(_u(rng, 1.0, 4.0, wide))
    chunk = _readings(sc, rng, rate, placement, wide)
    return GenericSession(kind, seed, rate, chunk, len(windows), windows, drawn)


def _rest(sc: _Script, rng: np.random.Generator, wide: bool) -> None:
    """Standing or sitting: slow sway with a few fidgets (adjusting the strap, a sip)."""
    total = _u(rng, 30.0, 90.0, wide)
    n = int(total * SIM_HZ)
    base = smooth_noise(n, 1 / SIM_HZ, math.radians(_u(rng, 0.3, 1.5, wide)), 0.4, rng)
    for _ in range(int(rng.integers(1, 4))):
        i = int(rng.integers(0, max(n - int(3 * SIM_HZ), 1)))
        m = int(_u(rng, 1.0, 3.0, wide) * SIM_HZ)
        u = np.arange(m) / m
        base[i:i + m] += math.radians(_u(rng, 10.0, 60.0, wide)) * np.sin(math.pi * u) ** 2
    # Starts and ends at the still pose around it, without a step.
    taper = min_jerk(np.arange(n) / SIM_HZ) * min_jerk((n - 1 - np.arange(n)) / SIM_HZ)
    sc.add(base * taper)


def _readings(sc: _Script, rng: np.random.Generator, rate: float, placement: str,
              wide: bool) -> ImuChunk:
    """Sensor readings of the scripted segment at ``rate`` (Hz)."""
    th = np.concatenate(sc.angle)
    th2 = np.concatenate(sc.angle2)
    lift = np.concatenate(sc.lift)
    n = len(th)
    dt = 1.0 / SIM_HZ
    # Swing axis horizontal in any heading; the segment hangs (wrist), stands (thigh when
    # standing is modelled as hanging from the hip) or is upright (trunk).
    yaw = rng.uniform(0, 2 * math.pi)
    swing_axis = np.array([math.cos(yaw), math.sin(yaw), 0.0])
    second_axis = np.array([-math.sin(yaw), math.cos(yaw), 0.0])
    base = rotvec_to_matrix(_unit(rng.normal(size=(1, 3))) * rng.uniform(0, 0.4))[0]
    r = rotvec_to_matrix(th[:, None] * swing_axis + th2[:, None] * second_axis) @ base
    lever = {"wrist": 0.6, "thigh": 0.25, "trunk": 0.35}[placement]
    down = -1.0 if placement != "trunk" else 1.0
    pos = np.einsum("nij,j->ni", r, np.array([0.0, 0.0, down * lever]))
    pos[:, 2] += lift
    acc_w = acceleration_mps2(pos, dt)
    mount = _random_rotation(rng)
    r_ws = r @ mount
    gyro = body_rate_rads(r_ws, dt)
    acc = specific_force_body_mps2(r_ws, acc_w)
    t_true = np.arange(n) * dt
    step = SIM_HZ / rate
    idx = np.arange(0, n, step).astype(int)
    t_s = t_true[idx]
    noise_g = _u(rng, 0.002, 0.01, wide)
    noise_a = _u(rng, 0.02, 0.08, wide)
    bias = rng.normal(0.0, 0.01, 3)
    gyro_s = gyro[idx] + bias + rng.normal(0.0, noise_g, (len(idx), 3))
    acc_s = acc[idx] + rng.normal(0.0, noise_a, (len(idx), 3))
    return ImuChunk.from_arrays(t_s, acc_s, gyro_s, source=f"generic {placement}")
