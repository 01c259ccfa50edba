"""One simulated session scored against its labels: the loop body the per-exercise
accuracy benchmarks (catalogue, lunges, rotations, hanging) share.

The session is simulated, written and read back as a recording, then run through the
pipeline as ``eccentric evaluate`` does, keeping the reps so that a benchmark can check
per-rep fields (side, depth, ROM) against the matched labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eccentric.app.inputs import FAST_CHUNK_S
from eccentric.evaluation.metrics import FileScore, match_reps, score_file
from eccentric.io.recording_reader import RecordingReader
from eccentric.session.pipeline import PipelineConfig
from eccentric.session.pipeline import run as run_pipeline
from eccentric.sim.options import SessionOptions
from eccentric.sim.recording import simulate, write_recording


@dataclass
class ScoredSession:
    score: FileScore
    matched: list[tuple[dict[str, Any], dict[str, Any]]]  # (detected rep, true rep label)
    sets_off: str | None  # a line naming the draw when a set's count is wrong


def score_session(exercise: str, seed: int, sensor: str, placement: str,
                  opts: SessionOptions, tmp: Path, *, with_side: bool = True,
                  where: str = "") -> ScoredSession:
    """Simulate ``exercise`` and score its reps. ``with_side``: give the pipeline the
    side the recording's header names (single-leg profiles report it); ``where``: extra
    text after the sensor in the ``sets_off`` line."""
    rec = simulate(exercise, seed, sensor, placement, opts)
    path = tmp / f"{exercise}_{placement}_{seed}.jsonl.gz"
    write_recording(path, rec)
    reader = RecordingReader(path)
    h = reader.header
    side = h.side if with_side and h.side not in ("unknown", "both") else None
    config = PipelineConfig(exercise=exercise, rate_hz=h.rate_hz, side=side)
    reps = [e for e in run_pipeline(reader.chunks(merge_s=FAST_CHUNK_S), config)
            if e["type"] == "rep"]
    labels = reader.labels()
    sc = score_file(path.name, reps, labels)
    truth = [lab for lab in labels if lab.get("label") == "rep"]
    matched = [(reps[a], truth[b]) for a, b in match_reps(reps, truth)]
    off = None
    if any(t != d for t, d in sc.sets):
        changed = {k: v for k, v in opts.to_dict().items()
                   if v != getattr(SessionOptions(), k)}
        off = f"seed {seed} {sensor}{where} {changed}: sets (true, detected) {sc.sets}"
    return ScoredSession(sc, matched, off)
