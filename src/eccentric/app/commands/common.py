"""Arguments and helpers shared by sub-commands that run the pipeline, and the parser
class of every sub-command.

Building the parser must stay light (``eccentric --help`` answers in well under 0.3 s): a
command module imports at its top only what its ``add_parser`` needs, and numpy, scipy,
imufusion, rich, paho, amqtt or bleak inside ``run``. ``tests/test_cli_startup.py``
checks the import set.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eccentric.core.units import ACC_UNITS, GYRO_UNITS
from eccentric.exercises.catalogue import PROFILES
from eccentric.io.recording_format import PLACEMENTS, SIDES, RecordingHeader

if TYPE_CHECKING:  # the parser is built from light modules only (numpy loads in run())
    from eccentric.session.pipeline import PipelineConfig

AddArguments = Callable[[argparse.ArgumentParser], None]


class CommandParser(argparse.ArgumentParser):
    """The parser of one sub-command (``cli.py`` makes every sub-command's parser one).

    ``add_arguments_on_use`` postpones adding arguments until the sub-command is parsed or
    its usage or help is shown: a command whose choices come from a heavy registry
    (``simulate``: the movements and the device specs, which load numpy and the
    simulator) then costs nothing to ``eccentric --help`` or to the other commands.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_use: list[AddArguments] = []

    def add_arguments_on_use(self, add: AddArguments) -> None:
        self._on_use.append(add)

    def _use(self) -> None:
        while self._on_use:
            self._on_use.pop(0)(self)

    def parse_known_args(self, args: Sequence[str] | None = None,
                         namespace: Any = None) -> tuple[Any, list[str]]:
        self._use()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._use()
        return super().format_usage()

    def format_help(self) -> str:
        self._use()
        return super().format_help()


def add_arguments_on_use(p: argparse.ArgumentParser, add: AddArguments) -> None:
    """``add(p)`` once ``p`` is used when it is a CommandParser (as under ``cli.py``), else
    at once (a plain parser, as some tests build)."""
    if isinstance(p, CommandParser):
        p.add_arguments_on_use(add)
    else:
        add(p)


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
    p.add_argument("--target-hold", default=None, metavar="LO-HI",
                   help="flag holds (e.g. side_plank) whose duration is outside this "
                        "range of seconds, e.g. 20-30")


def add_csv_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rate", type=float, default=None, metavar="HZ",
                   help="sample rate of CSV input (required without a t column)")
    p.add_argument("--acc-unit", choices=ACC_UNITS, default=None,
                   help="accelerometer unit of CSV input")
    p.add_argument("--gyro-unit", choices=GYRO_UNITS, default=None,
                   help="gyroscope unit of CSV input")


def pipeline_config(args: argparse.Namespace, header: RecordingHeader, path: Path,
                   live_hz: float = 0.0) -> PipelineConfig:
    from eccentric.app.inputs import session_id_for
    from eccentric.session.pipeline import PipelineConfig

    exercise = args.exercise or header.exercise or "auto"
    side = args.side or (header.side if header.side != "unknown" else None)
    return PipelineConfig(
        exercise=exercise, rate_hz=header.rate_hz,
        athlete=args.athlete or header.athlete, session_id=session_id_for(path),
        side=side, target_tempo=args.target_tempo, live_hz=live_hz,
        target_hold=getattr(args, "target_hold", None),
    )


def expand_paths(paths: list[str]) -> Iterator[Path]:
    """Files as given; directories expand to the recordings inside them, sorted."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yield from sorted(q for q in p.iterdir() if q.name.endswith((".jsonl", ".jsonl.gz")))
        else:
            yield p
