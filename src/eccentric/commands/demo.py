"""``eccentric demo``: the whole pipeline on bundled recordings, no hardware needed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from eccentric.commands.replay import parse_speed, replay
from eccentric.errors import EccentricError
from eccentric.sinks.base import Sink
from eccentric.sinks.console import ConsoleSink

# Repository checkouts keep the library next to src/; the demo picks a Nordic session
# and a single-leg ball-curl session so both detectors show.
RECORDINGS_DIR = Path(__file__).resolve().parents[3] / "recordings"
DEMO_PICKS = ("nordic", "ball")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("demo", help="replay bundled recordings (no sensor needed)")
    p.add_argument("--recordings", type=Path, default=RECORDINGS_DIR,
                   help="folder of recordings (default: the bundled library)")
    p.add_argument("--speed", type=parse_speed, default=8.0, metavar="X|max",
                   help="pace as a factor of real time (default 8)")
    p.set_defaults(func=run)


def pick_recordings(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.jsonl.gz"))
    if not files:
        raise EccentricError(f"no recordings in {folder}; regenerate them with "
                             "'eccentric simulate --manifest recordings/manifest.json "
                             "--out-dir recordings/'")
    picks = [next((f for f in files if key in f.name), None) for key in DEMO_PICKS]
    return [f for f in picks if f is not None] or files[:1]


def run(args: argparse.Namespace) -> int:
    console = Console()
    for path in pick_recordings(args.recordings):
        console.rule(f"[bold]{path.name}[/]")
        replay_args = argparse.Namespace(exercise=None, side=None, athlete=None,
                                         target_tempo=None, speed=args.speed)
        sinks: list[Sink] = [ConsoleSink(console)]
        session = replay(path, replay_args, sinks)
        console.print(f"[dim]{session.reps} reps; timeline {session.timeline.stats.as_dict()}[/]")
    return 0
