"""The bout detector kind: its pure signal helpers, and the online detector on a
synthetic gyro stream (rest, strokes with a stop, rest, a short shift, strokes)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eccentric.core.events import Bout
from eccentric.detect.base import MotionFrame, NonRep, PhaseNames, RepSpec
from eccentric.detect.bout.detector import BoutDetector
from eccentric.detect.bout.settings import BoutSettings
from eccentric.detect.bout.signal import (
    block_means,
    count_lobes,
    count_stops,
    cycle_count,
    first_last_above,
    moving_mean,
    principal_axis,
    sine_lead_s,
)
from eccentric.detect.registry import make_detector

SPEC = RepSpec("foam_roll", "out", PhaseNames(out="stroke", back="stroke", far="pause"))
RATE_HZ = 100.0


def test_block_means_carry_the_remainder_across_calls() -> None:
    t = np.arange(10, dtype=float)
    g = np.stack([t, -t, 2 * t], axis=1)
    tb, gb, carry = block_means(t[:7], g[:7], 4, None)
    assert tb.tolist() == [1.5] and gb.tolist() == [[1.5, -1.5, 3.0]]
    tb, gb, carry = block_means(t[7:], g[7:], 4, carry)
    assert tb.tolist() == [5.5] and len(carry[0]) == 2


def test_principal_axis_finds_the_stroke_axis_whatever_the_mounting() -> None:
    axis = np.array([1.0, 2.0, -2.0]) / 3.0
    t = np.linspace(0, 10, 500)
    rng = np.random.default_rng(1)
    rates = np.sin(2 * math.pi * 0.7 * t)[:, None] * axis + 0.02 * rng.normal(size=(500, 3))
    found = principal_axis(rates)
    assert abs(abs(float(found @ axis)) - 1.0) < 1e-3


def test_lobes_count_full_cycles_with_hysteresis() -> None:
    t = np.arange(0, 10, 0.01)
    p = np.sin(2 * math.pi * 0.5 * t)  # 5 full cycles
    assert count_lobes(p, 0.3)[0] == 5
    assert cycle_count(p, 0.3) == 5 and cycle_count(-p, 0.3) == 5
    # Wobble around zero below the threshold is not a stroke.
    noisy = p + 0.2 * np.sin(2 * math.pi * 7 * t)
    assert cycle_count(noisy, 0.3) == 5
    assert cycle_count(0.2 * p, 0.3) == 0


def test_moving_mean_is_centred_and_keeps_length() -> None:
    x = np.array([0.0, 0.0, 3.0, 0.0, 0.0])
    assert moving_mean(x, 3).tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    assert moving_mean(x, 1).tolist() == x.tolist()


def test_sine_lead_and_edges_and_stops() -> None:
    # A sine from rest reaches half its peak after a twelfth of its period.
    assert sine_lead_s(0.5, 1.0) == pytest.approx(1.0 / 12.0)
    assert sine_lead_s(0.5, 0.0) == 0.0
    assert first_last_above(np.array([0.0, 2.0, 0.0, 3.0, 0.0]), 1.0) == (1, 3)
    assert first_last_above(np.zeros(3), 1.0) is None
    quiet = np.array([1, 1, 0, 1, 1, 1, 0, 1], dtype=bool)
    assert count_stops(quiet, 2) == 2 and count_stops(quiet, 3) == 1


def _strokes(n: int, f_hz: float, amp_dps: float) -> np.ndarray:
    """Rate (°/s) of n strokes out and back from rest: the turn is (1 − cos)/2."""
    t = np.arange(round(n / f_hz * RATE_HZ)) / RATE_HZ
    out: np.ndarray = amp_dps * np.sin(2 * math.pi * f_hz * t)
    return out


def _session(rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[float, float, int]]]:
    """Gyro (rad/s) of: rest 8 s, 20 strokes at 0.8 Hz with a 2 s stop after 10, rest 8 s,
    a 1 s shift, rest 8 s, 30 strokes at 1.2 Hz, rest 8 s; and the true bouts."""
    parts: list[np.ndarray] = []
    truth: list[tuple[float, float, int]] = []
    t = 0.0

    def add(rate_dps: np.ndarray) -> None:
        nonlocal t
        parts.append(rate_dps)
        t += len(rate_dps) / RATE_HZ

    def rest(s: float) -> None:
        add(np.zeros(round(s * RATE_HZ)))

    rest(8.0)
    start = t
    add(_strokes(10, 0.8, 12.0))
    rest(2.0)
    add(_strokes(10, 0.8, 12.0))
    truth.append((start, t, 20))
    rest(8.0)
    add(40.0 * np.sin(math.pi * np.arange(100) / 100.0))  # one turn, no way back
    rest(8.0)
    start = t
    add(_strokes(30, 1.2, 6.0))
    truth.append((start, t, 30))
    rest(8.0)
    rate = np.concatenate(parts)
    axis = np.array([0.6, 0.0, 0.8])  # the sensor sits tilted on the segment
    bias = np.array([0.01, -0.02, 0.015])  # rad/s
    gyro = (np.radians(rate)[:, None] * axis + bias
            + math.radians(0.8) * rng.normal(size=(len(rate), 3)))
    return gyro, truth


def _frames(gyro: np.ndarray, chunk: int) -> list[MotionFrame]:
    n = len(gyro)
    t = np.arange(n) / RATE_HZ
    acc = np.tile([0.0, 0.0, 9.81], (n, 1))
    z = np.zeros(n)
    return [MotionFrame(t[i:i + chunk], acc[i:i + chunk], gyro[i:i + chunk], acc[i:i + chunk],
                        np.zeros(len(t[i:i + chunk]), bool), z[i:i + chunk], z[i:i + chunk])
            for i in range(0, n, chunk)]


@pytest.mark.parametrize("chunk", [1000, 37])
def test_detector_times_bouts_counts_strokes_and_rejects_a_shift(chunk: int) -> None:
    gyro, truth = _session(np.random.default_rng(7))
    det = make_detector(BoutSettings(), SPEC, RATE_HZ)
    assert isinstance(det, BoutDetector)
    out = [o for f in _frames(gyro, chunk) for o in det.update(f)]
    out += list(det.finish())
    bouts = [o for o in out if isinstance(o, Bout)]
    assert len(bouts) == 2, out
    for b, (t0, t1, strokes) in zip(bouts, truth, strict=True):
        assert abs(b.start_s - t0) < 0.15 and abs(b.end_s - t1) < 0.15, (b, t0, t1)
        assert b.cycles == strokes
        assert b.rate == pytest.approx(strokes / (t1 - t0), rel=0.02)
        assert b.decided_s is not None and b.decided_s > b.end_s
    assert bouts[0].pauses == 1 and bouts[1].pauses == 0
    assert any(isinstance(o, NonRep) and o.reason == "short_bout" for o in out)
    assert not det.busy and det.phase == "rest"


def test_a_stream_ending_mid_bout_reports_it_flagged() -> None:
    gyro, truth = _session(np.random.default_rng(3))
    end = round((truth[1][0] + 12.0) * RATE_HZ)
    det = BoutDetector(BoutSettings(), SPEC, RATE_HZ)
    for f in _frames(gyro[:end], 500):
        det.update(f)
    assert det.busy and det.phase == "bout"
    last = [o for o in det.finish() if isinstance(o, Bout)]
    assert len(last) == 1 and "stream_end" in last[0].flags
    assert det.settle(1.0, 2.0) == []
