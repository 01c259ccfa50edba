"""``eccentric evaluate``: detections vs ground-truth labels, as a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eccentric.app.commands.common import expand_paths
from eccentric.core.errors import EccentricError

if TYPE_CHECKING:
    from eccentric.evaluation.metrics import FileScore


def add_parser(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="score detections against labelled recordings")
    p.add_argument("paths", nargs="+", metavar="PATH", help="recordings or folders of them")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def evaluate_file(path: Path) -> tuple[FileScore, str]:
    from eccentric.app.inputs import FAST_CHUNK_S, session_id_for
    from eccentric.evaluation.metrics import score_file
    from eccentric.io.recording_reader import RecordingReader
    from eccentric.session.pipeline import PipelineConfig
    from eccentric.session.pipeline import run as run_pipeline

    reader = RecordingReader(path)
    h = reader.header
    labels = reader.labels()
    if not any(lab.get("label") == "rep" for lab in labels) and \
            not any(lab.get("label") == "set" for lab in labels):
        raise EccentricError(f"{path}: has no ground-truth labels to evaluate against")
    config = PipelineConfig(exercise=h.exercise, rate_hz=h.rate_hz, athlete=h.athlete,
                           session_id=session_id_for(path),
                           side=h.side if h.side != "unknown" else None)
    events = run_pipeline(reader.chunks(merge_s=FAST_CHUNK_S), config)
    reps = [e for e in events if e["type"] == "rep"]
    return score_file(str(path), reps, labels), h.exercise


def _fmt(v: float | None, nd: int = 1) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


def run(args: argparse.Namespace) -> int:
    paths = list(expand_paths(args.paths))
    if not paths:
        print("eccentric evaluate: no recordings found", file=sys.stderr)
        return 1
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from eccentric.evaluation.metrics import summarise

    scores: list[FileScore] = []
    by_exercise: dict[str, list[FileScore]] = {}
    errors = 0
    with Progress(transient=True, disable=args.json or not sys.stderr.isatty()) as progress:
        task = progress.add_task("evaluating", total=len(paths))
        for path in paths:
            try:
                sc, exercise = evaluate_file(path)
            except EccentricError as exc:
                print(f"eccentric evaluate: {exc}", file=sys.stderr)
                errors += 1
                continue
            finally:
                progress.advance(task)
            scores.append(sc)
            by_exercise.setdefault(exercise, []).append(sc)
    groups = {"all": scores, **by_exercise}
    if args.json:
        out: dict[str, Any] = {name: asdict(summarise(sc)) for name, sc in groups.items()}
        out["files"] = [{"file": s.file, "true_reps": s.true_reps, "detected": s.detected_reps,
                         "matched": s.matched, "sets": s.sets} for s in scores]
        print(json.dumps(out, indent=1))
        return 1 if errors else 0
    console = Console()
    ft = Table("file", "true", "detected", "matched", "sets exact", title="Per recording")
    for s in scores:
        ft.add_row(Path(s.file).name, str(s.true_reps), str(s.detected_reps), str(s.matched),
                   f"{sum(1 for t, d in s.sets if t == d)}/{len(s.sets)}")
    console.print(ft)
    st = Table("group", "files", "sets", "exact %", "±1 %", "F1", "boundary MAE ms",
               "break MAE °", "ecc MAE ms", "latency max s", title="Summary")
    for name, group in groups.items():
        m = summarise(group)
        st.add_row(name, str(m.files), str(m.sets), _fmt(m.exact_set_pct), _fmt(m.within1_set_pct),
                   _fmt(m.f1, 3), _fmt(m.boundary_mae_ms, 0), _fmt(m.break_angle_mae_deg, 2),
                   _fmt(m.duration_mae_ms.get("eccentric_s"), 0), _fmt(m.latency_max_s, 2))
    console.print(st)
    return 1 if errors else 0
