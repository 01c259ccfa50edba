"""A data gap that swallows the still start pose before a set's first rep."""

import numpy as np

from eccentric.core.chunk import ImuChunk, iter_chunks
from eccentric.session.pipeline import PipelineConfig, run
from tests.synthetic import imu_from_angle, min_jerk, nordic_angle

RATE_HZ = 100.0


def _session_with_lost_pose(gap_s: tuple[float, float]) -> tuple[ImuChunk, list[float]]:
    """Still at a setup pose (40°) for 3 s, 2 s to kneel upright,
    1.5 s still kneeling, then three Nordic reps. Samples inside ``gap_s`` are dropped."""
    setup = np.full(int(3.0 * RATE_HZ), 40.0)
    kneel = 40.0 * (1.0 - min_jerk(int(2.0 * RATE_HZ)))
    _, nordic, truth = nordic_angle(RATE_HZ, reps=3, lead_s=1.5, rest_s=2.5)
    angle = np.concatenate([setup, kneel, nordic])
    t = np.arange(len(angle)) / RATE_HZ
    chunk = imu_from_angle(t, angle, noise=1.0)
    keep = (chunk.t_s < gap_s[0]) | (chunk.t_s >= gap_s[1])
    kept = ImuChunk.from_arrays(chunk.t_s[keep], chunk.acc_mps2[keep], chunk.gyro_rads[keep])
    return kept, [5.0 + r["end_s"] for r in truth]


def _reps(chunk: ImuChunk, chunk_s: float) -> list[dict[str, object]]:
    events = run(iter_chunks(chunk, chunk_s), PipelineConfig("nordic_curl", RATE_HZ))
    return [e for e in events if e["type"] == "rep"]


def test_first_rep_is_recovered_once_the_pose_is_learnt_again() -> None:
    # The gap covers the move to the kneeling pose and its still moment; data resume
    # 0.2 s before the first lean, too short to learn the pose from.
    chunk, true_ends = _session_with_lost_pose((2.9, 6.3))
    reps = _reps(chunk, 0.5)
    assert len(reps) == 3
    first = reps[0]
    assert "start_pose_after_gap" in first["flags"]  # type: ignore[operator]
    assert abs(float(first["end_s"]) - true_ends[0]) < 0.3  # type: ignore[arg-type]
    # Decided once the pause after it has taught the pose again: later than usual,
    # within the calibration still time and a little.
    delay = float(first["decided_s"]) - true_ends[0]  # type: ignore[arg-type]
    assert 0.5 < delay < 1.6
    assert all("start_pose_after_gap" not in r["flags"] for r in reps[1:])  # type: ignore[operator]
    assert [r["rep"] for r in reps] == [1, 2, 3]


def test_recovery_does_not_depend_on_chunking() -> None:
    chunk, _ = _session_with_lost_pose((2.9, 6.3))
    assert _reps(chunk, 0.1) == _reps(chunk, 3.0)


def test_a_gap_that_keeps_the_pose_changes_nothing() -> None:
    # The gap falls inside the setup pose: the kneeling pose is seen still before the set.
    chunk, _ = _session_with_lost_pose((1.0, 2.5))
    reps = _reps(chunk, 0.5)
    assert len(reps) == 3
    assert all(r["flags"] == [] or "start_pose_after_gap" not in r["flags"]  # type: ignore[operator]
               for r in reps)
