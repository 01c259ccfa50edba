"""Sample timelines: device stamps, counters and arrival times → t_s; gaps, duplicates,
resets, drift; and the accelerometer/gyro pairing."""

from __future__ import annotations

import numpy as np
import pytest

from eccentric.ble.assemble import PairMerger
from eccentric.ble.device_clock import Origin, StreamTimeline
from eccentric.devices.base import Frame


def frame(n: int, **kw: int) -> Frame:
    return Frame("imu", np.zeros((n, 6)), **kw)  # type: ignore[arg-type]


def test_device_stamps_on_last_sample_gap_and_duplicate() -> None:
    tl = StreamTimeline(50.0, "device", Origin())
    period = 20_000_000
    base = 10**15
    t1, _ = tl.place(frame(5, stamp_ns=base + 4 * period, stamp_index=4), 0.1)
    t2, _ = tl.place(frame(5, stamp_ns=base + 9 * period, stamp_index=4), 0.2)
    np.testing.assert_allclose(np.concatenate([t1, t2]), np.arange(10) * 0.02, atol=1e-9)
    # Two frames lost (10 samples), then one re-delivered frame.
    t3, _ = tl.place(frame(5, stamp_ns=base + 24 * period, stamp_index=4), 0.5)
    assert t3[0] == pytest.approx(0.40)
    _, keep = tl.place(frame(5, stamp_ns=base + 24 * period, stamp_index=4), 0.51)
    assert keep == 5
    s = tl.stats
    assert (s.samples, s.gaps, s.missing, s.duplicates) == (15, 1, 10, 5)
    assert s.loss_pct == pytest.approx(100 * 10 / 25)


def test_device_clock_reset_continues_from_host_time() -> None:
    tl = StreamTimeline(100.0, "device", Origin())
    tl.place(frame(10, stamp_ns=5_000_000_000, stamp_index=0), 1.0)
    # Power cycle: the device clock starts again near zero, 3 s of host time later.
    t, keep = tl.place(frame(10, stamp_ns=1_000_000, stamp_index=0), 4.0)
    assert keep == 0 and tl.stats.clock_resets == 1
    # The new frame's last sample sits at the previous last sample + the host time between
    # the two arrivals.
    assert t[-1] == pytest.approx(0.09 + 3.0, abs=1e-9)


def test_counter_wrap_and_repeat() -> None:
    tl = StreamTimeline(100.0, "counter", Origin(), counter_modulus=256)
    tl.place(frame(4, counter=250), 0.0)
    t2, _ = tl.place(frame(4, counter=254), 0.04)  # wraps inside the packet
    t3, _ = tl.place(frame(4, counter=(254 + 4 + 8) % 256), 0.12)  # 8 samples lost
    _, keep = tl.place(frame(4, counter=(254 + 4 + 8) % 256), 0.13)  # repeated
    np.testing.assert_allclose(t2, [0.04, 0.05, 0.06, 0.07])
    assert t3[0] == pytest.approx(0.16)
    assert keep == 4
    assert (tl.stats.missing, tl.stats.gaps, tl.stats.duplicates) == (8, 1, 4)


def test_arrival_timing_finds_a_stall_that_lost_samples() -> None:
    """3-sample packets at 100 Hz arriving on time, then 0.5 s with nothing, then on time
    again: the samples of the silence are missing, the count jumps by 50."""
    tl = StreamTimeline(100.0, "arrival", Origin(), samples_per_packet=3)
    host, times = 10.0, []
    for i in range(40):
        host = 10.0 + 0.03 * (i + 1) + (0.5 if i >= 20 else 0.0)
        t, _ = tl.place(frame(3), host)
        times.append(t)
    jumps = np.diff(np.concatenate(times))
    assert np.count_nonzero(jumps > 0.015) == 1
    assert jumps.max() == pytest.approx(0.51, abs=0.011)
    assert tl.stats.missing == pytest.approx(50, abs=1)


def test_arrival_timing_tolerates_bursts_and_a_slow_clock() -> None:
    """Deliveries bunched 4 packets per 120 ms event and a device 0.5 % slow: no gap,
    and the drift estimate finds the −5000 ppm."""
    tl = StreamTimeline(100.0, "arrival", Origin(), samples_per_packet=3)
    for i in range(2000):
        sample_end = 0.03 * (i + 1) * 1.005  # true time of the packet's last sample
        host = 100.0 + (np.floor(sample_end / 0.12) + 1) * 0.12
        tl.place(frame(3), host)
    assert tl.stats.gaps == 0 and tl.stats.missing == 0
    assert tl.stats.drift_ppm == pytest.approx(-5000, abs=300)


def test_restart_anchors_counts_on_arrival() -> None:
    tl = StreamTimeline(100.0, "arrival", Origin(), samples_per_packet=3)
    for i in range(10):
        tl.place(frame(3), 1.0 + 0.03 * i)
    tl.restart()
    t, _ = tl.place(frame(3), 1.27 + 2.0)  # 2 s later, a fresh stream
    assert t[-1] == pytest.approx(0.29 + 2.0, abs=0.011)
    assert tl.stats.gaps == 1 and tl.stats.restarts == 1


def test_pairing_exact_interpolated_and_unpaired() -> None:
    m = PairMerger(100.0)
    t = np.arange(10) * 0.01
    m.add("acc", t, np.ones((10, 3)))
    assert m.pop() is None  # no gyro yet: wait
    m.add("gyro", t[:6] + 1e-9, np.arange(6)[:, None] * np.ones((1, 3)))
    c = m.pop()
    assert c is not None and len(c) == 6
    np.testing.assert_allclose(c.gyro_rads[:, 0], np.arange(6))
    # Gyro on a grid shifted by half a period: interpolated.
    m.add("gyro", t[6:] + 0.005, (np.arange(6, 10)[:, None] + 0.5) * np.ones((1, 3)))
    c = m.pop()
    assert c is not None
    np.testing.assert_allclose(c.gyro_rads[:, 0], [6.0, 7.0, 8.0, 9.0])
    assert m.stats.unpaired == 0
