"""Every detector survives any sample rate and any pattern of still periods, quick bursts
and sets of reps (issue 17: ``auto`` raised IndexError on such a 26 Hz stream)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from eccentric.core.chunk import ImuChunk, iter_chunks
from eccentric.core.events import Rep
from eccentric.detect.base import NonRep
from eccentric.detect.cycles.bout import Bout
from eccentric.detect.cycles.counter import CycleCounter
from eccentric.detect.cycles.features import plain_columns
from eccentric.detect.cycles.tracker import Tracker
from eccentric.detect.cycles.zigzag import Turn
from eccentric.exercises.catalogue import PROFILES
from eccentric.session.pipeline import PipelineConfig, run
from tests.detectors.test_generic import frames
from tests.synthetic import imu_from_angle, min_jerk, rotation

# (kind, duration or period in s, reps, amplitude in deg)
Segment = tuple[str, float, int, float]

# The stream of issue 17, reduced: a set of quick reps with short movements after it,
# still periods, then a slower set. Before the fix the counter read a turning point's
# feature vector from the wrong row, and raised IndexError at 26, 52 and 104 Hz.
ISSUE_17: list[Segment] = [
    ("burst", 0.51, 1, -32.0), ("burst", 0.39, 1, 8.0), ("set", 0.65, 9, -48.0),
    ("burst", 0.62, 1, -38.0), ("still", 1.49, 1, 0.0), ("burst", 0.3, 1, 49.0),
    ("still", 2.9, 1, 0.0), ("set", 1.59, 8, 64.0),
]
ISSUE_17_MOUNT = ((-0.24, -0.75, 0.37), 2.49)


def _excursion(n: int, amp_deg: float) -> np.ndarray:
    half = n // 2
    return amp_deg * np.concatenate([min_jerk(half), 1.0 - min_jerk(n - half)])


def burst_stream(rate_hz: float, segments: Sequence[Segment],
                 mount: tuple[tuple[float, float, float], float], seed: int = 0) -> ImuChunk:
    """3 s still, then the segments: ``still`` (duration), ``burst`` (one out-and-back
    of that duration) or ``set`` (``reps`` out-and-backs of that period)."""
    pieces = [np.zeros(int(3.0 * rate_hz))]
    for kind, dur_s, reps, amp in segments:
        n = max(3, int(dur_s * rate_hz))
        if kind == "still":
            pieces.append(np.zeros(int(dur_s * rate_hz)))
        else:
            pieces += [_excursion(n, amp)] * (reps if kind == "set" else 1)
    ang = np.concatenate(pieces)
    t = np.arange(len(ang)) / rate_hz
    return imu_from_angle(t, ang, mount=rotation(np.array(mount[0]), mount[1]), noise=1.0,
                          seed=seed)


SEGMENTS = st.one_of(
    st.tuples(st.just("still"), st.floats(0.0, 3.5), st.just(1), st.just(0.0)),
    st.tuples(st.just("burst"), st.floats(0.1, 0.8), st.just(1), st.floats(-80.0, 80.0)),
    st.tuples(st.just("set"), st.floats(0.5, 2.0), st.integers(2, 9),
              st.floats(-80.0, 80.0)),
)
RATES = st.one_of(st.sampled_from([12.5, 25.0, 26.0, 50.0, 52.0, 100.0, 104.0, 200.0]),
                  st.floats(12.5, 200.0))
MOUNTS = st.tuples(st.tuples(st.floats(-1.0, 1.0), st.floats(0.1, 1.0), st.floats(-1.0, 1.0)),
                   st.floats(0.0, 3.0))


@settings(max_examples=40, deadline=None)
@given(rate_hz=RATES, segments=st.lists(SEGMENTS, min_size=1, max_size=8), mount=MOUNTS,
       chunk_s=st.sampled_from([0.05, 0.5, 3.0]))
@example(rate_hz=26.0, segments=ISSUE_17, mount=ISSUE_17_MOUNT, chunk_s=0.5)
def test_no_detector_raises_on_bursts_at_any_rate(
        rate_hz: float, segments: list[Segment],
        mount: tuple[tuple[float, float, float], float], chunk_s: float) -> None:
    chunk = burst_stream(rate_hz, segments, mount)
    for name in PROFILES:
        events = run(iter_chunks(chunk, chunk_s), PipelineConfig(exercise=name, rate_hz=rate_hz))
        assert events[-1]["event"] == "end"


@pytest.mark.parametrize("rate_hz", [26.0, 52.0, 104.0])
def test_turns_carry_their_own_rows_feature(rate_hz: float,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Each turning point's undetrended feature is the one of its own sample, also when
    it is confirmed long after it (the extreme before a pause)."""
    det = CycleCounter(rate_hz)
    first_rows: list[int] = []  # the first new ring row of each tracking call
    late: list[float] = []  # how long before that row each turn was (periods)
    track, add_turn = Tracker.track, Tracker._add_turn

    def tracking(self: Tracker, bout: Bout, out: list[Rep | NonRep], *,
                 final: bool = False) -> None:
        first_rows.append(self.next_n)
        track(self, bout, out, final=final)

    def checking(self: Tracker, bout: Bout, turn: Turn) -> None:
        row = det._ring.row(turn.n)[plain_columns(bout.signal)]
        assert np.array_equal(turn.raw, row), (turn.n, det._ring.count)
        late.append((first_rows[-1] - turn.n) / (bout.period_s * det.work_hz))
        add_turn(self, bout, turn)

    monkeypatch.setattr(Tracker, "track", tracking)
    monkeypatch.setattr(Tracker, "_add_turn", checking)
    chunk = burst_stream(rate_hz, ISSUE_17, ISSUE_17_MOUNT)
    out = [r for f in frames(chunk, 0.5) for r in det.update(f)] + det.finish()
    assert sum(isinstance(r, Rep) for r in out) >= 17  # both sets
    # Some turn lay more than a period before the rows of the step that confirmed it:
    # outside the segment that step detrends.
    assert max(late) > 1.0
