"""Small analytic IMU streams for unit tests (independent of the simulator package).

A rigid segment rotates about a horizontal axis through a pivot; the sensor sits at
``lever_m`` from the pivot with a fixed mounting rotation. Angles in degrees.
"""

from __future__ import annotations

import numpy as np

from eccentric.core.chunk import ImuChunk
from eccentric.core.units import STANDARD_GRAVITY_MPS2


def min_jerk(n: int) -> np.ndarray:
    s = np.linspace(0.0, 1.0, n)
    return 10 * s**3 - 15 * s**4 + 6 * s**5


def rotation(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle_rad) * k + (1 - np.cos(angle_rad)) * (k @ k)


def imu_from_angle(t_s: np.ndarray, angle_deg: np.ndarray, *, lever_m: float = 0.4,
                   mount: np.ndarray | None = None, noise: float = 0.0,
                   seed: int = 0) -> ImuChunk:
    """Sensor readings for a segment whose inclination follows ``angle_deg``."""
    th = np.radians(angle_deg)
    dt = np.gradient(t_s)
    w = np.gradient(th) / dt
    a = np.gradient(w) / dt
    g = STANDARD_GRAVITY_MPS2
    # Segment frame: z along the segment (away from pivot), rotation about x.
    acc = np.stack([np.zeros_like(th), g * np.sin(th) + lever_m * a,
                    g * np.cos(th) - lever_m * w**2], axis=1)
    gyro = np.stack([w, np.zeros_like(w), np.zeros_like(w)], axis=1)
    m = mount if mount is not None else np.eye(3)
    acc = acc @ m.T
    gyro = gyro @ m.T
    if noise:
        rng = np.random.default_rng(seed)
        acc = acc + rng.normal(0, 0.05 * noise, acc.shape)
        gyro = gyro + rng.normal(0, 0.003 * noise, gyro.shape)
    return ImuChunk.from_arrays(t_s, acc, gyro)


def nordic_angle(rate_hz: float = 100.0, reps: int = 3, *, controlled_deg: float = 40.0,
                 controlled_s: float = 3.0, bottom_deg: float = 88.0, rest_s: float = 2.0,
                 lead_s: float = 3.0) -> tuple[np.ndarray, np.ndarray, list[dict[str, float]]]:
    """A simple Nordic: constant-speed lean, gravity-like fall, catch, push back up."""
    dt = 1.0 / rate_hz
    pieces = [np.zeros(int(lead_s * rate_hz))]
    truth: list[dict[str, float]] = []
    t_cursor = lead_s
    for _ in range(reps):
        n_lean = int(controlled_s * rate_hz)
        lean = controlled_deg * min_jerk(n_lean) ** 1.0
        # fall: pendulum-like acceleration from the controlled speed
        th, om = controlled_deg, 0.0
        fall = []
        while th < bottom_deg:
            om += (600.0 * np.sin(np.radians(th))) * dt  # °/s², gravity torque ∝ sin(lean)
            th += om * dt
            fall.append(min(th, bottom_deg))
        n_ret = int(2.0 * rate_hz)
        back = bottom_deg * (1 - min_jerk(n_ret))
        bottom = np.full(int(0.8 * rate_hz), bottom_deg)
        rest = np.zeros(int(rest_s * rate_hz))
        rep = np.concatenate([lean, fall, bottom, back, rest])
        truth.append({"start_s": t_cursor, "fall_start_s": t_cursor + n_lean * dt,
                      "catch_s": t_cursor + (n_lean + len(fall)) * dt,
                      "end_s": t_cursor + (n_lean + len(fall) + len(bottom) + n_ret) * dt})
        pieces.append(rep)
        t_cursor += len(rep) * dt
    angle = np.concatenate(pieces)
    t = np.arange(len(angle)) * dt
    return t, angle, truth
