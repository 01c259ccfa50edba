"""The ``auto`` counter on the failure classes of issue 12 (class 3), from the generic
simulator (``eccentric.sim.generic``): held reps, slow sets, rows, walking before a set,
walking and rest alone. Each case would fail with the counter before these classes were
fixed (held reps split or merged, slow sets not counted, walking strides counted); the
per-class statistics are printed by ``benchmarks/auto_classes.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from eccentric.core.chunk import iter_chunks
from eccentric.core.events import Rep
from eccentric.detect.base import MotionFrame, NonRep
from eccentric.detect.cycles.counter import CycleCounter
from eccentric.session.pipeline import Pipeline, PipelineConfig
from eccentric.sim.generic import GenericSession, simulate_generic


def pipeline_reps(s: GenericSession, chunk_s: float = 0.5) -> int:
    pipe = Pipeline(PipelineConfig(exercise="auto", rate_hz=s.rate_hz, session_id="t"))
    n = 0
    for c in iter_chunks(s.chunk, chunk_s):
        n += sum(ev["type"] == "rep" for ev in pipe.process(c))
    return n + sum(ev["type"] == "rep" for ev in pipe.finish())


def counter_reps(s: GenericSession, chunk_s: float) -> list[Rep]:
    det = CycleCounter(s.rate_hz)
    out: list[Rep | NonRep] = []
    for c in iter_chunks(s.chunk, chunk_s):
        n = len(c)
        z1 = np.zeros(n)
        out += det.update(MotionFrame(c.t_s, c.acc_mps2, c.gyro_rads, np.zeros((n, 3)),
                                      np.zeros(n, dtype=bool), z1, z1))
    out += det.finish()
    return [r for r in out if isinstance(r, Rep)]


@pytest.mark.parametrize("seed", [0, 3, 6])
def test_square_wave_holds_at_both_ends_are_counted_exactly(seed: int) -> None:
    # 0.5-2.5 s flat holds at both ends of the range: the old counter doubled the period
    # (or fell back to acceleration) and counted a fraction of the reps.
    s = simulate_generic("hold", seed)
    assert pipeline_reps(s) == s.true_reps


@pytest.mark.parametrize("seed", [0, 1])
def test_slow_sets_with_periods_over_8_s_are_counted(seed: int) -> None:
    s = simulate_generic("slow", seed)
    periods = np.diff([a for a, _ in s.rep_windows_s])
    assert periods.min() > 7.0  # the class really is slow
    assert pipeline_reps(s) == s.true_reps


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_walking_alone_gives_no_reps(seed: int) -> None:
    s = simulate_generic("walk", seed)
    assert pipeline_reps(s) == 0


@pytest.mark.parametrize("seed", [0, 1, 4])
def test_walking_before_a_set_is_not_counted(seed: int) -> None:
    s = simulate_generic("walk_set", seed)
    assert float(s.drawn["walk_s"]) >= 10.0
    assert pipeline_reps(s) == s.true_reps


@pytest.mark.parametrize("kind,seed", [("row", 0), ("plain", 0), ("rest", 0)])
def test_rows_plain_sets_and_rest(kind: str, seed: int) -> None:
    s = simulate_generic(kind, seed)
    assert pipeline_reps(s) == s.true_reps


def test_pendulum_within_one() -> None:
    for seed in (0, 2):
        s = simulate_generic("pendulum", seed)
        assert abs(pipeline_reps(s) - s.true_reps) <= 1


def test_slow_and_held_counts_do_not_depend_on_chunking() -> None:
    for kind in ("slow", "hold"):
        s = simulate_generic(kind, 2)
        a = counter_reps(s, 0.5)
        b = counter_reps(s, 1.7)
        assert [round(r.start_s, 6) for r in a] == [round(r.start_s, 6) for r in b]
        assert len(a) == s.true_reps
