"""A simulated side plank run through the real pipeline, with live samples: the events
the hold views of ``watch`` and the dashboard are checked against."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from eccentric.app import cli


@cache
def plank_events(live_hz: float = 10.0, target_hold: str = "55-60") -> tuple[dict[str, Any], ...]:
    """Every event of a two-hold right side plank (seed 11), live samples included."""
    from eccentric.app.inputs import open_source
    from eccentric.session.pipeline import PipelineConfig, run

    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "plank.jsonl.gz"
        assert cli.main(["simulate", "--exercise", "side_plank", "--placement", "trunk",
                         "--seed", "11", "--reps", "2", "--side", "right",
                         "--out", str(path)]) == 0
        src = open_source(path)
        config = PipelineConfig(exercise="side_plank", rate_hz=src.header.rate_hz,
                                session_id="plank@t1", side="right", live_hz=live_hz,
                                target_hold=target_hold)
        return tuple(run(src.chunks, config))
