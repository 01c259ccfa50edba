"""Device table and device effects: ranges, resolution, timestamps, losses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eccentric.core.errors import EccentricError
from eccentric.core.units import STANDARD_GRAVITY_MPS2
from eccentric.devices.registry import DEVICES, get_device
from eccentric.sim.clock import SampleClock, gaps, glitch_order, packet_loss, sample_times
from eccentric.sim.imu_model import quantise
from eccentric.sim.options import SessionOptions
from eccentric.sim.recording import simulate


def test_polar_h10_is_refused_because_it_has_no_gyro() -> None:
    with pytest.raises(EccentricError, match="no gyroscope"):
        get_device("polar_h10")
    assert "polar_h10" not in DEVICES


def test_every_device_default_configuration_is_valid() -> None:
    for spec in DEVICES.values():
        spec.check(spec.default_rate_hz, spec.default_acc_range_g, spec.default_gyro_range_dps)
    with pytest.raises(EccentricError, match="rate"):
        DEVICES["witmotion"].check(104.0, 16.0, 2000.0)


def test_quantise_rounds_to_counts_and_saturates() -> None:
    lsb = 8.0 / 32768
    x = np.array([0.3, -0.30001, 9.0, -9.0, lsb * 0.49])
    q = quantise(x, lsb, 8.0)
    assert np.allclose(q / lsb, np.round(q / lsb))
    assert q[2] == pytest.approx(32767 * lsb) and q[3] == pytest.approx(-8.0)
    assert q[4] == 0.0


def test_session_values_are_whole_counts() -> None:
    s = simulate("ball_leg_curl", 5, "witmotion", "shank", SessionOptions(reps=1))
    spec = DEVICES["witmotion"]
    acc_counts = s.chunk.acc_mps2 / spec.acc_lsb_mps2(16.0)
    gyro_counts = np.degrees(s.chunk.gyro_rads) / spec.gyro_lsb_dps[2000.0]
    assert np.abs(acc_counts - np.round(acc_counts)).max() < 1e-6
    assert np.abs(gyro_counts - np.round(gyro_counts)).max() < 1e-6


def test_small_ranges_saturate_during_the_fall_and_catch() -> None:
    opts = SessionOptions(reps=2, acc_range_g=2.0, gyro_range_dps=125.0, dropouts="none")
    s = simulate("nordic_curl", 8, "metamotion", "trunk", opts)
    spec = DEVICES["metamotion"]
    # A signed 16-bit converter tops out at +32767 counts (or the range, if lower).
    acc_top = min(2.0, 32767 * spec.acc_lsb_g[2.0]) * STANDARD_GRAVITY_MPS2
    gyro_top = math.radians(min(125.0, 32767 * spec.gyro_lsb_dps[125.0]))
    acc, gyro = np.abs(s.chunk.acc_mps2), np.abs(s.chunk.gyro_rads)
    assert acc.max() <= 2.0 * STANDARD_GRAVITY_MPS2 + 1e-9
    assert gyro.max() <= math.radians(125.0) + 1e-9
    # The fall (peak well above 125 °/s) and the catch (> 2 g at the trunk) clip.
    assert (gyro >= gyro_top - 1e-9).sum() > 5
    assert (acc >= acc_top - 1e-9).sum() > 0


def test_clock_error_stretches_the_file_axis() -> None:
    clock = SampleClock(100.0, 0.01)
    rng = np.random.default_rng(0)
    s = sample_times(10.0, clock, samples_per_packet=1, jitter_sd_s=0.0, quantum_s=0.0, rng=rng)
    # 1 % fast: 1 % more samples in the same true time, each stamped on the nominal grid.
    assert len(s.t_file_s) == pytest.approx(1010 - 5, abs=2)
    assert np.allclose(np.diff(s.t_file_s), 0.01)
    assert s.t_true_s[-1] == pytest.approx(s.t_file_s[-1] / 1.01)
    assert clock.file_time(5.0) == pytest.approx(5.05)


def test_movesense_stamps_are_whole_ms_per_packet() -> None:
    clock = SampleClock(104.0, 0.0, 0.0)
    s = sample_times(3.0, clock, samples_per_packet=8, jitter_sd_s=0.0, quantum_s=0.001,
                     rng=np.random.default_rng(0))
    firsts = s.t_file_s[::8] * 1000
    assert np.allclose(firsts, np.round(firsts))
    assert (np.diff(s.t_file_s) > 0).all()


def test_packet_loss_comes_in_whole_packets_and_is_labelled() -> None:
    rng = np.random.default_rng(3)
    n, spp = 30000, 71
    keep = packet_loss(n, 52.0, spp, "heavy", rng)
    assert keep[0] and keep[-1] and not keep.all()
    t = np.arange(n) / 52.0
    runs = gaps(t, keep)
    assert sum(r[2] for r in runs) == int((~keep).sum())
    for a, b, missing in runs:
        assert missing % spp == 0 or missing >= spp  # whole frames (edge packets may merge)
        assert b - a == pytest.approx((missing + 1) / 52.0)


def test_glitches_make_duplicates_and_out_of_order_samples() -> None:
    order = glitch_order(100, 2, 3, np.random.default_rng(1))
    assert len(order) == 103  # one packet of 3 re-delivered
    t = np.arange(100.0)[order]
    assert (np.diff(t) == 0).any() or (np.diff(t) < 0).any()
    assert (np.diff(t) < 0).any()
