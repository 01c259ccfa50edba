"""``eccentric replay``: stream a recording through the live pipeline, deterministically."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eccentric.app.commands.common import (
    add_coach_arguments,
    add_csv_arguments,
    add_exercise_arguments,
    add_run_id_argument,
    ensure_run_id,
    pipeline_config,
)
from eccentric.app.commands.history_args import WithoutLive, add_history_argument
from eccentric.core.errors import EccentricError
from eccentric.io.jsonl_sink import JsonLinesSink
from eccentric.mqtt.args import add_broker_arguments, open_sink_from_args
from eccentric.session.sink import Sink

# Wall time per piece in a paced replay (s): 20 pieces a second keeps a 10–25 Hz live
# stream smooth. In stream time a piece is this × the speed: every piece costs the
# pipeline a fixed overhead (at 5 samples a piece the recognising pipeline of
# ``--exercise any`` managed ~24× real time per core), so pieces grow with the speed.
PACED_PIECE_S = 0.05

if TYPE_CHECKING:
    from collections.abc import Iterable

    from eccentric.core.chunk import ImuChunk
    from eccentric.history.sink import HistorySink
    from eccentric.mqtt.sink import MqttSink
    from eccentric.session.drive import CommandIntake
    from eccentric.session.pipeline import Pipeline


def parse_speed(text: str) -> float | None:
    """``max`` (as fast as possible) or a positive factor of real time."""
    if text == "max":
        return None
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"speed must be a number or 'max', not {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError("speed must be positive")
    return v


def add_parser(sub: Any) -> None:
    p = sub.add_parser("replay", help="replay a recording or CSV file through the pipeline")
    p.add_argument("path", metavar="PATH",
                   help="recording (.jsonl or .jsonl.gz) or CSV file (with the unit flags)")
    add_csv_arguments(p)
    add_exercise_arguments(p, default=None)
    add_coach_arguments(p)
    p.add_argument("--speed", type=parse_speed, default=None, metavar="X|max",
                   help="pace: a factor of real time (1 = as recorded) or max (default)")
    p.add_argument("--json", action="store_true", help="print events as JSON lines")
    p.add_argument("--live-hz", type=float, default=0.0,
                   help="also emit live angle/phase events at this rate (default off)")
    p.add_argument("--commands", type=Path, default=None, metavar="FILE.jsonl",
                   help="coach commands to apply at given stream times: JSON lines of "
                        "commands with t_s, or the command events of an earlier --json "
                        "run (which this replay then reproduces)")
    add_run_id_argument(p)
    add_history_argument(p, on_by_default=False)
    add_broker_arguments(p)  # MQTT publishing (sinks/mqtt): --broker URL|embedded, ...
    p.set_defaults(func=run)


def replay(path: Path, args: argparse.Namespace, sinks: list[Sink],
           live_hz: float = 0.0, commands: CommandIntake | None = None) -> Pipeline:
    """Run one recording into the sinks, paced by ``args.speed``; returns the pipeline.
    ``commands``: coach commands (from MQTT) applied between chunks."""
    from eccentric.app.inputs import FAST_CHUNK_S, open_source
    from eccentric.session.drive import Drive, run_stream
    from eccentric.session.pipeline import make_pipeline

    src = open_source(path, chunk_s=FAST_CHUNK_S if args.speed is None else 0.0,
                      **_csv_options(args))
    pipeline = make_pipeline(pipeline_config(args, src.header, path, live_hz=live_hz),
                             getattr(args, "rest", None))
    chunks: Iterable[ImuChunk] = src.chunks
    schedule = getattr(args, "schedule", None)
    if schedule is not None:
        from eccentric.mqtt.intake import Both
        from eccentric.session.drive import cut_after

        chunks = cut_after(chunks, schedule.cut_times)
        commands = Both(schedule, commands) if commands is not None else schedule
    run_stream(chunks, Drive(pipeline, sinks, commands=commands), speed=args.speed,
               piece_s=PACED_PIECE_S * max(1.0, args.speed) if args.speed is not None
               else 0.0)
    if schedule is not None and schedule.entries:
        print(f"eccentric replay: warning: {len(schedule.entries)} scheduled commands "
              f"come after the end of {path} and were not applied", file=sys.stderr)
    stats = pipeline.timeline.stats
    dropped = sum(src.stats.dropped.values()) + stats.duplicates + stats.out_of_order
    if dropped:
        print(f"eccentric replay: warning: {path}: {dropped} of "
              f"{dropped + stats.samples} samples dropped (bad values or times that repeat or "
              "go back)", file=sys.stderr)
    return pipeline


def _csv_options(args: argparse.Namespace) -> dict[str, Any]:
    """The CSV flags (absent on a namespace built for recordings only, as the demo does)."""
    return {"rate_hz": getattr(args, "rate", None), "acc_unit": getattr(args, "acc_unit", None),
            "gyro_unit": getattr(args, "gyro_unit", None)}


def run(args: argparse.Namespace) -> int:
    from eccentric.history.sink import TRACE_HZ
    from eccentric.io.console_sink import ConsoleSink  # rich

    path = Path(args.path)
    ensure_run_id(args)
    sinks: list[Sink] = []
    mqtt = None
    try:
        from eccentric.app.commands.common import load_plan_arg

        args.plan_loaded = load_plan_arg(args)  # a bad plan fails before anything starts
        if args.commands is not None:
            from eccentric.mqtt.intake import load_schedule

            args.schedule = load_schedule(args.commands)
        live_hz = args.live_hz
        mqtt = _open_mqtt(args, path)
        if mqtt is not None:
            sinks.append(mqtt)
            # A replay that could deliver nothing fails now, not after the whole file.
            mqtt.require_connection()
            live_hz = live_hz or mqtt.config.live_hz  # gauges need the live stream
        history = _open_history(args, path)
        out: Sink = JsonLinesSink(sys.stdout) if args.json else ConsoleSink()
        if history is not None:
            sinks.append(history)
            if not live_hz:  # the history's rep curves need the angle; not shown
                live_hz, out = TRACE_HZ, WithoutLive(out)
        sinks.insert(0, out)
        commands = None
        if mqtt is not None:
            from eccentric.mqtt.intake import SinkCommands

            commands = SinkCommands(mqtt)
        replay(path, args, sinks, live_hz=live_hz, commands=commands)
    except EccentricError as exc:
        print(f"eccentric replay: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        for s in sinks:
            s.close()
    problem = mqtt.undelivered() if mqtt is not None else None
    if problem:
        print(f"eccentric replay: {problem}", file=sys.stderr)
        return 1
    return 0


def _open_history(args: argparse.Namespace, path: Path) -> HistorySink | None:
    from eccentric.app.commands.history_args import open_history
    from eccentric.app.inputs import open_source

    src = open_source(path, **_csv_options(args))
    src.close()
    return open_history(args, pipeline_config(args, src.header, path), command="replay",
                        sensor=src.header.sensor, source=str(path))


def _open_mqtt(args: argparse.Namespace, path: Path) -> MqttSink | None:
    """The MQTT sink when a broker is configured (flag, env or config file), else None."""
    from eccentric.app.inputs import open_source

    # Only the header is wanted: a recording's first line, a CSV file's first block.
    src = open_source(path, **_csv_options(args))
    src.close()
    header = src.header
    return open_sink_from_args(args, athlete=args.athlete or header.athlete,
                               sensor=header.sensor, fail_fast=True, accept_commands=True)
