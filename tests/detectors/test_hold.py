"""The timed-hold detector kind: its pure signal helpers, and the online detector on a
synthetic tilt stream (hips up from a still start pose, held with sway and a dip)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eccentric.core.events import Hold
from eccentric.detect.base import MotionFrame, NonRep, PhaseNames, RepSpec
from eccentric.detect.hold.detector import HoldDetector
from eccentric.detect.hold.settings import HoldSettings
from eccentric.detect.hold.signal import (
    DipState,
    angle_between_deg,
    block_means,
    complementary_step,
    crossing_time,
    dip_step,
    ema_step,
    rise_after_low_s,
    rms_about_mean,
)
from eccentric.detect.registry import make_detector

SPEC = RepSpec("side_plank", "out", PhaseNames(out="lift", back="lower"))


def test_block_means_carry_the_remainder_across_calls() -> None:
    t = np.arange(10, dtype=float)
    ang = 2.0 * t
    acc = np.tile([0.0, 0.0, 9.81], (10, 1))
    gyro = np.zeros((10, 3))
    first, carry = block_means(t[:7], ang[:7], acc[:7], gyro[:7], 4, None)
    assert first.t_s.tolist() == [1.5] and first.angle_deg.tolist() == [3.0]
    second, carry = block_means(t[7:], ang[7:], acc[7:], gyro[7:], 4, carry)
    assert second.t_s.tolist() == [5.5] and len(carry.t_s) == 2
    assert np.allclose(second.acc_dir, [[0.0, 0.0, 1.0]])


def test_crossings() -> None:
    assert crossing_time(0.0, 0.0, 2.0, 10.0, 5.0) == pytest.approx(1.0)
    assert crossing_time(0.0, 0.0, 2.0, 10.0, 50.0) == pytest.approx(2.0)  # clipped
    t = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert rise_after_low_s(t, [7.0] * 6, 6.0, 3.0) is None
    # A lift that hovers about the level starts where it first got there; one that
    # fell back below ``low`` starts again.
    assert rise_after_low_s(t, [0.0, 6.5, 5.5, 6.5, 12.0, 14.0], 6.0, 3.0) == \
        pytest.approx(6.0 / 6.5)
    assert rise_after_low_s(t, [0.0, 6.5, 1.0, 6.5, 12.0, 14.0], 6.0, 3.0) == \
        pytest.approx(2.0 + 5.0 / 5.5)


def test_rms_angle_and_filters() -> None:
    vals = [1.0, 3.0, 1.0, 3.0]
    assert rms_about_mean(sum(vals), sum(v * v for v in vals), 4) == pytest.approx(1.0)
    assert rms_about_mean(0.0, 0.0, 0) == 0.0
    u = (0.0, 0.0, 1.0)
    v = (0.0, math.sin(math.radians(0.01)), math.cos(math.radians(0.01)))
    assert angle_between_deg(u, v) == pytest.approx(0.01, rel=1e-4)
    assert ema_step(0.0, 10.0, 1.0, 1.0) == pytest.approx(10.0 * (1 - math.exp(-1)))
    # Turning about x at 0.1 rad/s for 1 s with no accelerometer pull: 0.1 rad.
    g = u
    for _ in range(100):
        g = complementary_step(g, (0.1, 0.0, 0.0), g, 0.01, 1e9)
    assert angle_between_deg(g, u) == pytest.approx(math.degrees(0.1), rel=1e-3)
    # With the pull, a still sensor converges to the accelerometer's direction.
    for _ in range(2000):
        g = complementary_step(g, (0.0, 0.0, 0.0), v, 0.01, 1.0)
    assert angle_between_deg(g, v) < 1e-3


def test_dip_counter_counts_deep_returns_and_not_sag() -> None:
    state, done, sag = dip_step(DipState(), 0.0, 3.5, 3.0, 4.0)
    assert state.since_s == 0.0 and not done
    state, done, sag = dip_step(state, 1.0, 1.0, 3.0, 4.0)
    assert done and state.since_s is None
    state, _, _ = dip_step(DipState(), 0.0, 2.0, 3.0, 4.0)
    assert state.since_s is None  # too shallow to start a dip
    state, _, _ = dip_step(DipState(), 0.0, 4.0, 3.0, 4.0)
    state, done, sag = dip_step(state, 5.0, 4.0, 3.0, 4.0)
    assert sag and not done  # stayed down too long: sag


def _frames(tilt_deg: np.ndarray, rate_hz: float, piece: int = 37) -> list[MotionFrame]:
    """Frames of a segment tilted about x by ``tilt_deg`` from a start pose with
    gravity along +z (the accelerometer measures it; the gyro its rate)."""
    n = len(tilt_deg)
    t = np.arange(n) / rate_hz
    a = np.radians(tilt_deg)
    acc = np.stack([np.zeros(n), np.sin(a), np.cos(a)], axis=1) * 9.81
    rate = np.gradient(a, 1.0 / rate_hz)
    gyro = np.stack([rate, np.zeros(n), np.zeros(n)], axis=1)  # d(g)/dt = −ω × g
    grav = acc / 9.81
    out = []
    for i in range(0, n, piece):
        s = slice(i, i + piece)
        out.append(MotionFrame(t[s], acc[s], gyro[s], grav[s], np.zeros(len(t[s]), bool),
                               tilt_deg[s], np.degrees(rate[s])))
    return out


def _plank(rate_hz: float, hold_s: float, lift: float, dip_at: float | None,
           seed: int) -> np.ndarray:
    """Rest 3 s, lift over 1 s, hold with 0.7° sway (and a 6° dip), lower over 1 s, rest."""
    dt = 1.0 / rate_hz
    u = np.arange(1, round(1.0 / dt) + 1) * dt
    ramp = 10 * u**3 - 15 * u**4 + 6 * u**5
    rng = np.random.default_rng(seed)
    th = np.arange(round(hold_s / dt)) * dt
    held = lift + 0.7 * np.sin(2 * np.pi * 0.8 * th + rng.uniform(0, 6))
    if dip_at is not None:
        inside = (th >= dip_at) & (th < dip_at + 2.0)
        held[inside] -= 6.0 * 0.5 * (1 - np.cos(np.pi * (th[inside] - dip_at)))
    return np.concatenate([np.zeros(round(3 / dt)), lift * ramp, held, lift * ramp[::-1],
                           np.zeros(round(4 / dt))])


@pytest.mark.parametrize("rate_hz", [50.0, 100.0, 200.0])
def test_a_hold_is_timed_from_half_lift_to_half_lift(rate_hz: float) -> None:
    tilt = _plank(rate_hz, 20.0, 18.0, dip_at=8.0, seed=int(rate_hz))
    det = make_detector(HoldSettings(), SPEC, rate_hz)
    assert isinstance(det, HoldDetector)
    outs = [o for f in _frames(tilt, rate_hz) for o in det.update(f)]
    outs += list(det.finish())
    holds = [o for o in outs if isinstance(o, Hold)]
    assert len(holds) == 1, outs
    h = holds[0]
    # Half the lift is reached 0.5 s into the 1 s min-jerk ramp, both ways.
    assert h.start_s == pytest.approx(3.5, abs=0.08)
    assert h.end_s == pytest.approx(3.0 + 1.0 + 20.0 + 0.5, abs=0.08)
    assert h.hip_dips == 1
    assert h.level_deg == pytest.approx(18.0, abs=1.5)
    assert 0.3 < h.sway_deg < 2.5
    # Decided promptly: within half a second of the end.
    assert h.decided_s is not None and h.decided_s - h.end_s < 0.5
    assert not det.busy


def test_a_short_lift_is_not_a_hold() -> None:
    tilt = _plank(100.0, 1.5, 15.0, dip_at=None, seed=1)
    det = HoldDetector(HoldSettings(), SPEC, 100.0)
    outs = [o for f in _frames(tilt, 100.0) for o in det.update(f)]
    assert not any(isinstance(o, Hold) for o in outs)
    assert any(isinstance(o, NonRep) and o.reason == "short_hold" for o in outs)


def test_a_pose_beyond_the_hold_range_becomes_the_start_pose() -> None:
    # Sitting up (60° from side-lying) is no hold: the detector is not busy there, and
    # once settled it measures from that pose, so lying down again (60° back) and
    # lifting the hips 15° from there is the next hold.
    dt = 0.01
    u = np.arange(1, 101) * dt
    mj = 10 * u**3 - 15 * u**4 + 6 * u**5
    tilt = np.concatenate([np.zeros(300), 60 * mj, np.full(300, 60.0)])
    det = HoldDetector(HoldSettings(), SPEC, 100.0)
    frames = _frames(tilt, 100.0)
    outs = [o for f in frames for o in det.update(f)]
    assert outs == [] and not det.busy and det.phase == "rest"
    # Lying down again (tilt back to 0 from the first pose), still 2 s, then a plank
    # lifted 15° towards the sitting side and held 10 s.
    rest = np.concatenate([60 * (1 - mj), np.zeros(200), 15 * mj, np.full(1000, 15.0),
                           15 * (1 - mj), np.zeros(300)])
    later = _frames(rest, 100.0)
    offset = len(tilt) / 100.0
    outs = []
    for f in later:
        shifted = MotionFrame(f.t_s + offset, f.acc_mps2, f.gyro_rads, f.gravity, f.still,
                              f.angle_deg, f.rate_dps)
        outs.extend(det.update(shifted))
    holds = [o for o in outs if isinstance(o, Hold)]
    assert len(holds) == 1
    assert holds[0].duration_s == pytest.approx(11.0, abs=0.15)
