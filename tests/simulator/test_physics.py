"""Physics sanity: gravity at rest, rate integrates to the angle, lever-arm terms."""

from __future__ import annotations

import math

import numpy as np

from eccentric.core.units import STANDARD_GRAVITY_MPS2
from eccentric.sim.imu_model import (
    TissueParams,
    ideal_sensor,
    mounting_rotation,
    pivot_specific_force_mps2,
    segment_rotation,
    tissue_motion,
)
from eccentric.sim.primitives import min_jerk
from eccentric.sim.recording import SimulatedRecording


def _pitch_motion(pitch: np.ndarray, dt: float, lever: np.ndarray, r_bs: np.ndarray):
    n = len(pitch)
    t = np.arange(n) * dt
    zeros = np.zeros(n)
    r_wb = segment_rotation(pitch, zeros, zeros)
    pivot = np.zeros((n, 3))
    return t, ideal_sensor(t, r_wb, pivot, lever, r_bs, None)


def test_ideal_sensor_at_rest_reads_one_g_in_any_pose() -> None:
    r_bs = mounting_rotation(np.array([1.0, 0.3, 0.0]), 1.1, 0.2, 0.7)
    for pitch_deg in (0.0, 37.0, 90.0, 150.0):
        pitch = np.full(200, math.radians(pitch_deg))
        _, ideal = _pitch_motion(pitch, 1e-3, np.array([0.07, 0.0, 0.25]), r_bs)
        norms = np.linalg.norm(ideal.acc_mps2[5:-5], axis=1)
        assert np.allclose(norms, STANDARD_GRAVITY_MPS2, atol=1e-6)
        assert np.allclose(ideal.gyro_rads[5:-5], 0.0, atol=1e-9)


def test_specific_force_has_tangential_and_centripetal_terms() -> None:
    # Constant acceleration in pitch: ω and α both non-zero; compare numeric vs analytic.
    dt, alpha = 1e-3, 3.0
    t = np.arange(2000) * dt
    pitch = 0.2 + 1.5 * t + 0.5 * alpha * t**2
    lever = np.array([0.05, 0.0, 0.6])
    _, ideal = _pitch_motion(pitch, dt, lever, np.eye(3))
    for k in (300, 1000, 1700):
        expected = pivot_specific_force_mps2(float(pitch[k]), 1.5 + alpha * t[k], alpha, lever)
        assert np.allclose(ideal.acc_mps2[k], expected, atol=2e-3)
        # Without the centripetal term (ω² r ≈ 2–30 m/s² here) the reading would differ.
        w = 1.5 + alpha * t[k]
        gravity_only = pivot_specific_force_mps2(float(pitch[k]), 0.0, 0.0, lever)
        assert np.linalg.norm(ideal.acc_mps2[k] - gravity_only) > 0.9 * w * w * 0.6


def test_gyro_integrates_to_the_angle_through_any_mounting() -> None:
    dt = 1e-3
    pitch = math.radians(85.0) * min_jerk(np.linspace(0, 1, 3000))
    r_bs = mounting_rotation(np.array([0.2, -1.0, 0.0]), 2.0, 0.4, 1.0)
    _, ideal = _pitch_motion(pitch, dt, np.array([0.0, -0.05, 0.2]), r_bs)
    total = np.degrees(np.linalg.norm(ideal.gyro_rads.sum(axis=0) * dt))
    assert abs(total - 85.0) < 0.2


def test_tissue_rings_at_its_natural_frequency() -> None:
    dt = 1e-3
    step = np.zeros((3000, 3))
    step[500:, 0] = 10.0  # a sudden 10 m/s² across the limb
    p = TissueParams(freq_hz=15.0, damping_ratio=0.1)
    delta, rock = tissue_motion(step, np.array([0.0, 0.0, 1.0]), dt, p)
    x = delta[500:1500, 0] - delta[-1, 0]
    crossings = np.flatnonzero(np.diff(np.sign(x)) != 0)
    freq = 1.0 / (2.0 * np.median(np.diff(crossings)) * dt)
    assert abs(freq - 15.0 * math.sqrt(1 - 0.1**2)) < 1.0
    assert abs(delta[-1, 0] + 10.0 / (2 * math.pi * 15.0) ** 2) < 1e-5  # static sag
    assert np.abs(rock).max() > 0.0


def _still_before_first_rep(s: SimulatedRecording) -> np.ndarray:
    # The still start pose: before the first rep or non-rep of the session.
    first = min(lab["start_s"] for lab in s.labels if lab["label"] in ("rep", "nonrep"))
    t = s.chunk.t_s
    return (t > first - 1.8) & (t < first - 0.3)


def test_device_reads_gravity_and_noise_at_rest(nordic_session: SimulatedRecording) -> None:
    m = _still_before_first_rep(nordic_session)
    norms = np.linalg.norm(nordic_session.chunk.acc_mps2[m], axis=1)
    # Bias (≤ ~3 × 20 mg) and scale errors (~0.5 %) move the mean. Sensor noise is ~1 mg
    # and ~0.05 °/s; resting tremor adds ~10 mg and ~1–2 °/s, about what a real foot
    # standing on the floor shows (docs/simulator.md, validation).
    assert abs(norms.mean() - STANDARD_GRAVITY_MPS2) < 0.6
    assert norms.std() < 0.25
    gyro_sd = np.degrees(nordic_session.chunk.gyro_rads[m].std(axis=0))
    assert (gyro_sd < 3.0).all()


def test_gyro_over_a_rep_matches_the_labelled_range(clean_nordic: SimulatedRecording) -> None:
    t, gyro = clean_nordic.chunk.t_s, clean_nordic.chunk.gyro_rads
    for rep in (lab for lab in clean_nordic.labels if lab["label"] == "rep"):
        bottom = next(p for p in rep["phases"] if p["name"] == "bottom")
        m = (t >= rep["start_s"] - 0.2) & (t <= 0.5 * (bottom["start_s"] + bottom["end_s"]))
        dt = np.gradient(t[m])
        turned = np.degrees(np.linalg.norm((gyro[m] * dt[:, None]).sum(axis=0)))
        # Scale errors (~1 %), sway and sampling leave a few degrees at most.
        assert abs(turned - rep["rom_deg"]) < 4.0, (turned, rep["rom_deg"])
