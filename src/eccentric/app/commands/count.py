"""``eccentric count``: rep counts and per-rep events for CSV files or recordings."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eccentric.app.commands.common import (
    COUNTABLE_SUFFIXES,
    add_csv_arguments,
    add_exercise_arguments,
    expand_path,
    pipeline_config,
)
from eccentric.core.errors import EccentricError

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("count", help="count reps in CSV files or recordings",
                       description="Count repetitions. CSV columns: t (s, optional with --rate), "
                                   "ax,ay,az and gx,gy,gz (or wx,wy,wz).")
    p.add_argument("files", nargs="+", metavar="FILE")
    add_csv_arguments(p)
    add_exercise_arguments(p, default=None)
    p.add_argument("--json", action="store_true",
                   help="one JSON object per input file ({file, error} for one that failed)")
    p.set_defaults(func=run)


def count_file(path: str, args: argparse.Namespace) -> dict[str, Any]:
    from eccentric.app.inputs import FAST_CHUNK_S, open_source
    from eccentric.app.progress import track_bytes

    src = open_source(path, rate_hz=args.rate, acc_unit=args.acc_unit, gyro_unit=args.gyro_unit,
                      chunk_s=FAST_CHUNK_S)
    if src.header.sensor == "csv" and args.exercise is None:
        args = argparse.Namespace(**{**vars(args), "exercise": "auto"})
    # Imported once the file is open: a missing file is reported without the detectors.
    from eccentric.session.pipeline import run as run_pipeline

    config = pipeline_config(args, src.header, Path(path))
    events = run_pipeline(track_bytes(src.chunks, src.progress, Path(path).name), config)
    for e in events:
        if e["type"] == "status" and e.get("event") == "no_start_pose":
            print(f"eccentric count: warning: {path}: {e['message']} (at {e['t_s']:.1f} s)",
                  file=sys.stderr)
    accounting = sample_accounting(events, src.stats.rows, src.stats.dropped)
    warnings = list(src.stats.warnings)
    guard_dropped = accounting["dropped"].get("duplicate", 0) + accounting["dropped"].get(
        "out_of_order", 0)
    if guard_dropped:
        message = (f"{path}: dropped {guard_dropped} sample(s) whose time repeats or goes "
                   "back (see \"dropped\" with --json)")
        warnings.append(message)
        print(f"eccentric count: warning: {message}", file=sys.stderr)
    reps = [e for e in events if e["type"] == "rep"]
    result: dict[str, Any] = {"file": str(path), "exercise": config.exercise,
                              "reps": len(reps), "rep_events": reps,
                              "sets": [e for e in events if e["type"] == "set"]}
    from eccentric.detect.hold.settings import HoldSettings
    from eccentric.exercises.catalogue import get_profile

    if config.exercise == "any":
        # Recognised sets: every kind of movement, each set naming its exercise.
        result["holds"] = [e for e in events if e["type"] == "hold"]
        result["bouts"] = [e for e in events if e["type"] == "bout"]
        result["rests"] = [e for e in events if e["type"] == "rest" and e["state"] == "end"]
        return {**result, **accounting, "warnings": warnings}
    if isinstance(get_profile(config.exercise).detector, HoldSettings):
        # Timed-hold exercises: each hold with start_s, end_s, duration_s, side,
        # sway_deg, hip_dips (and outside_target with --target-hold).
        result["holds"] = [e for e in events if e["type"] == "hold"]
    from eccentric.detect.bout.settings import BoutSettings

    if isinstance(get_profile(config.exercise).detector, BoutSettings):
        # Bout exercises: each bout with start_s, end_s, duration_s, its strokes or
        # steps and their rate, pauses (and outside_target with --target-bout).
        result["bouts"] = [e for e in events if e["type"] == "bout"]
    return {**result, **accounting, "warnings": warnings}


def sample_accounting(events: list[dict[str, Any]], read: int, read_dropped: dict[str, int]
                      ) -> dict[str, Any]:
    """Samples the file reader ``read``, those the pipeline accepted, and those dropped
    by reason: by the reader (``read_dropped``) and by the timeline guard (the end
    event's counts). Accepted plus dropped is every sample read."""
    end = next((e for e in reversed(events)
                if e["type"] == "status" and e.get("event") == "end"), {})
    dropped = dict(read_dropped)
    for key, reason in (("duplicates", "duplicate"), ("out_of_order", "out_of_order")):
        if end.get(key):
            dropped[reason] = dropped.get(reason, 0) + int(end[key])
    return {"samples_read": read, "samples_accepted": int(end.get("samples", 0)),
            "samples_dropped": sum(dropped.values()), "dropped": dropped}


def _mean(events: list[dict[str, Any]], key: str) -> str:
    vals = [e[key] for e in events if isinstance(e.get(key), (int, float))]
    return f"{sum(vals) / len(vals):.2f}" if vals else "–"


def failure_message(path: Path, exc: Exception) -> str:
    """One line that names the file: the error's own message (most already start with
    the file), or for an unexpected exception its type and message."""
    text = str(exc) if isinstance(exc, EccentricError) else (
        f"internal error: {type(exc).__name__}: {exc}")
    if str(path) not in text:
        text = f"{path}: {text}"
    return " ".join(text.splitlines())


def _inputs(raw: list[str]) -> Iterator[tuple[Path, EccentricError | None]]:
    """Every file to count, or the error that a path (an empty directory) gave."""
    for item in raw:
        try:
            paths = expand_path(item, COUNTABLE_SUFFIXES)
        except EccentricError as exc:
            yield Path(item), exc
            continue
        for p in paths:
            yield p, None


def run(args: argparse.Namespace) -> int:
    """Count every file; one that fails is reported (stderr, and a JSON error object with
    --json) and the others are still counted. Exit code 1 if any file failed."""
    failures = 0
    results = []
    for path, exc_or_none in _inputs(args.files):
        try:
            if exc_or_none is not None:
                raise exc_or_none
            result = count_file(str(path), args)
        except Exception as exc:  # one bad file must not cost the others their counts
            if not isinstance(exc, EccentricError):
                log.debug("counting %s failed", path, exc_info=True)  # traceback with -v
            message = failure_message(path, exc)
            if args.json:
                print(json.dumps({"file": str(path), "error": message},
                                 separators=(",", ":")), flush=True)
            print(f"eccentric count: {message}", file=sys.stderr, flush=True)
            failures += 1
            continue
        if args.json:
            print(json.dumps(result, separators=(",", ":")), flush=True)
        results.append(result)
    if not args.json and results:
        from rich.console import Console
        from rich.table import Table

        # Hold columns only when a timed-hold exercise was counted ("–" for the others).
        with_holds = any("holds" in r for r in results)
        hold_cols = ("holds", "mean hold s", "mean sway °", "hip dips") if with_holds else ()
        # Bout columns likewise (foam rolling, loaded carries): bouts, mean duration, and
        # the counted unit (strokes or steps) in all bouts.
        with_bouts = any("bouts" in r for r in results)
        bout_cols = ("bouts", "mean bout s", "strokes/steps") if with_bouts else ()
        table = Table("file", "exercise", "reps", "sets", "mean ecc s", "mean con s",
                      *hold_cols, *bout_cols)
        for r in results:
            row = [r["file"], r["exercise"], str(r["reps"]), str(len(r["sets"])),
                   _mean(r["rep_events"], "eccentric_s"),
                   _mean(r["rep_events"], "concentric_s")]
            if with_holds:
                holds = r.get("holds")
                row += ([str(len(holds)), _mean(holds, "duration_s"),
                         _mean(holds, "sway_deg"),
                         str(sum(int(h.get("hip_dips") or 0) for h in holds))]
                        if holds is not None else ["–"] * 4)
            if with_bouts:
                bouts = r.get("bouts")
                row += ([str(len(bouts)), _mean(bouts, "duration_s"),
                         str(sum(int(b.get("strokes") or b.get("steps") or 0) for b in bouts))]
                        if bouts is not None else ["–"] * 3)
            table.add_row(*row)
        Console().print(table)
    return 1 if failures else 0
