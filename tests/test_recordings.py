"""Replay every recording in recordings/ and hold the detectors to the issue's targets.

Targets (issue #2): exact rep count on every set, per-rep F1 ≥ 0.99, phase-boundary MAE
≤ 80 ms, break-point-angle MAE ≤ 3°; rep events within 0.5 s of the rep's true end.
"""

from pathlib import Path

import pytest

from eccentric.app.commands.evaluate import evaluate_file
from eccentric.evaluation.metrics import FileScore, summarise

RECORDINGS = sorted((Path(__file__).parents[1] / "recordings").glob("*.jsonl.gz"))


@pytest.fixture(scope="module")
def scores() -> list[FileScore]:
    return [evaluate_file(p)[0] for p in RECORDINGS]


def test_library_is_there() -> None:
    assert len(RECORDINGS) >= 20


def test_exact_count_on_every_set(scores: list[FileScore]) -> None:
    wrong = [(Path(s.file).name, s.sets) for s in scores if any(t != d for t, d in s.sets)]
    assert wrong == []


def test_rep_f1_boundaries_break_angle_and_latency(scores: list[FileScore]) -> None:
    m = summarise(scores)
    assert m.f1 >= 0.99
    assert m.boundary_mae_ms is not None and m.boundary_mae_ms <= 80.0
    assert m.break_angle_mae_deg is not None and m.break_angle_mae_deg <= 3.0
    assert m.break_n >= 100
    assert m.latency_max_s is not None and m.latency_max_s <= 0.5
    # Reps held up by a data gap wait for the data (or for the start pose to be learnt
    # again after it), not for the detector: kept apart (tests/core/test_pose_recovery.py).


def test_replay_is_deterministic_byte_for_byte() -> None:
    import json

    from eccentric.io.recording_reader import RecordingReader
    from eccentric.session.pipeline import PipelineConfig, run

    path = next(p for p in RECORDINGS if "nordic_thigh_polar52_dropouts" in p.name)
    outs = []
    for merge_s in (0.0, 5.0):
        r = RecordingReader(path)
        cfg = PipelineConfig(exercise=r.header.exercise, rate_hz=r.header.rate_hz)
        outs.append("\n".join(json.dumps(e) for e in run(r.chunks(merge_s=merge_s), cfg)))
    assert outs[0] == outs[1]
    assert '"type": "rep"' in outs[0]
