"""The generic-movement simulator (``eccentric.sim.generic``): truth, physics, ranges."""

from __future__ import annotations

import numpy as np
import pytest

from eccentric.core.units import STANDARD_GRAVITY_MPS2
from eccentric.sim.generic import CLASSES, simulate_generic


@pytest.mark.parametrize("kind", CLASSES)
def test_sessions_are_reproducible_and_physical(kind: str) -> None:
    a = simulate_generic(kind, 5)
    b = simulate_generic(kind, 5)
    assert np.array_equal(a.chunk.acc_mps2, b.chunk.acc_mps2)
    assert a.true_reps == len(a.rep_windows_s)
    acc = np.linalg.norm(a.chunk.acc_mps2, axis=1)
    # At rest the accelerometer reads gravity; movement never exceeds a few g.
    assert abs(float(np.median(acc)) - STANDARD_GRAVITY_MPS2) < 1.5
    assert float(acc.max()) < 8 * STANDARD_GRAVITY_MPS2
    assert float(np.abs(a.chunk.gyro_rads).max()) < 15.0
    dt = np.diff(a.chunk.t_s)
    assert np.allclose(dt, 1.0 / a.rate_hz, atol=1e-6)


def test_truth_of_each_class() -> None:
    assert simulate_generic("walk", 1).true_reps == 0
    assert simulate_generic("rest", 1).true_reps == 0
    slow = simulate_generic("slow", 1)
    assert np.diff([w[0] for w in slow.rep_windows_s]).min() > 7.0
    hold = simulate_generic("hold", 1)
    assert 5 <= hold.true_reps <= 20
    walk_set = simulate_generic("walk_set", 1)
    # The set starts after the walk and a pause.
    assert walk_set.rep_windows_s[0][0] > float(walk_set.drawn["walk_s"])


def test_held_out_draw_is_wider_and_uses_other_rates() -> None:
    rates = {simulate_generic("plain", s, wide=True).rate_hz for s in range(12)}
    assert rates - {50.0, 100.0}  # 25 or 200 Hz appear only in the held-out draw
    with pytest.raises(ValueError, match="unknown generic session kind 'jog'"):
        simulate_generic("jog", 0)
