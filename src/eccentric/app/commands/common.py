"""Arguments and helpers shared by sub-commands that run the pipeline."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from eccentric.app.inputs import session_id_for
from eccentric.core.units import ACC_UNITS, GYRO_UNITS
from eccentric.exercises.catalogue import PROFILES
from eccentric.io.recording_format import PLACEMENTS, SIDES, RecordingHeader
from eccentric.session.pipeline import PipelineConfig


def add_exercise_arguments(p: argparse.ArgumentParser, *, default: str | None) -> None:
    p.add_argument("--exercise", choices=sorted(PROFILES), default=default,
                   help="exercise profile" + (" (default: from the recording header)"
                                              if default is None else f" (default: {default})"))
    p.add_argument("--placement", choices=PLACEMENTS, default=None,
                   help="where the sensor sits (informational; default: from the header)")
    p.add_argument("--side", choices=SIDES, default=None, help="leg for single-leg sets")
    p.add_argument("--athlete", default=None, help="athlete name (default: from the header)")
    p.add_argument("--target-tempo", default=None, metavar="E-P-C-P",
                   help="flag reps outside this tempo, e.g. 4-1-1-0 (x = any)")


def add_csv_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rate", type=float, default=None, metavar="HZ",
                   help="sample rate of CSV input (required without a t column)")
    p.add_argument("--acc-unit", choices=ACC_UNITS, default=None,
                   help="accelerometer unit of CSV input")
    p.add_argument("--gyro-unit", choices=GYRO_UNITS, default=None,
                   help="gyroscope unit of CSV input")


def pipeline_config(args: argparse.Namespace, header: RecordingHeader, path: Path,
                   live_hz: float = 0.0) -> PipelineConfig:
    exercise = args.exercise or header.exercise or "auto"
    side = args.side or (header.side if header.side != "unknown" else None)
    return PipelineConfig(
        exercise=exercise, rate_hz=header.rate_hz,
        athlete=args.athlete or header.athlete, session_id=session_id_for(path),
        side=side, target_tempo=args.target_tempo, live_hz=live_hz,
    )


def expand_paths(paths: list[str]) -> Iterator[Path]:
    """Files as given; directories expand to the recordings inside them, sorted."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yield from sorted(q for q in p.iterdir() if q.name.endswith((".jsonl", ".jsonl.gz")))
        else:
            yield p
