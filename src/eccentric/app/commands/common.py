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
    p.add_argument("--exercise", choices=[*sorted(PROFILES), "any"], default=default,
                   help="exercise profile, or 'any' to recognise each set's exercise "
                        "in a session of several" + (" (default: from the recording header)"
                                              if default is None else f" (default: {default})"))
    p.add_argument("--rest", type=float, default=None, metavar="S",
                   help="rest target between sets in seconds (--exercise any: rest events "
                        "say under or over it)")
    p.add_argument("--placement", choices=PLACEMENTS, default=None,
                   help="where the sensor sits (informational; default: from the header)")
    p.add_argument("--side", choices=SIDES, default=None, help="leg for single-leg sets")
    p.add_argument("--athlete", default=None, help="athlete name (default: from the header)")
    p.add_argument("--target-tempo", default=None, metavar="E-P-C-P",
                   help="flag reps outside this tempo, e.g. 4-1-1-0 (x = any)")
    p.add_argument("--target-hold", default=None, metavar="LO-HI",
                   help="flag holds (e.g. side_plank) whose duration is outside this "
                        "range of seconds, e.g. 20-30")
    p.add_argument("--target-bout", default=None, metavar="LO-HI",
                   help="flag bouts (e.g. foam_roll: time on one spot) whose duration is "
                        "outside this range of seconds, e.g. 20-30")


def _drop_share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share such as 0.2") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: the share must be above 0 and below 1 "
                                         "(0.2 = 20 %)")
    return v


def add_coach_arguments(p: argparse.ArgumentParser) -> None:
    """A session plan and the in-set alert threshold (live, replay, demo)."""
    p.add_argument("--plan", type=Path, default=None, metavar="PLAN.toml",
                   help="session plan to follow: blocks of exercise, sets, target reps, "
                        "tempo and rest (see docs/coaching.md)")
    p.add_argument("--alert-drop", type=_drop_share, default=0.2, metavar="SHARE",
                   help="alert when eccentric time, break-point angle or hold time falls "
                        "by more than this share of the set's first reps (default 0.2)")


def load_plan_arg(args: argparse.Namespace) -> Any:
    """The plan named by ``--plan`` (None without); a bad file is an EccentricError."""
    path = getattr(args, "plan", None)
    if path is None:
        return None
    from eccentric.core.errors import EccentricError
    from eccentric.session.plan import load_plan

    if getattr(args, "exercise", None) == "any":
        # The plan names each block's exercise; recognition would fight it.
        raise EccentricError("--plan and --exercise any cannot be combined yet: the plan "
                             "names each block's exercise, leave --exercise out")
    return load_plan(Path(path))


def add_csv_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rate", type=float, default=None, metavar="HZ",
                   help="sample rate of CSV input (required without a t column)")
    p.add_argument("--acc-unit", choices=ACC_UNITS, default=None,
                   help="accelerometer unit of CSV input")
    p.add_argument("--gyro-unit", choices=GYRO_UNITS, default=None,
                   help="gyroscope unit of CSV input")


def run_id_arg(text: str) -> str:
    from eccentric.core.events import RUN_ID_PATTERN

    if not RUN_ID_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: a run id is 1 to 32 letters, digits, '.', '_' or '-'")
    return text


def add_run_id_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run-id", type=run_id_arg, default=None, metavar="ID",
                   help="run id in every rep and set id, <session>@<ID>:<set>:<rep> "
                        "(default: a fresh 6-hex-digit id per run; give one to make a "
                        "replay byte-identical)")


def ensure_run_id(args: argparse.Namespace) -> str:
    """``args.run_id``, drawn fresh once when it was not given."""
    from eccentric.core.events import new_run_id

    if getattr(args, "run_id", None) is None:
        args.run_id = new_run_id()
    return str(args.run_id)


def pipeline_config(args: argparse.Namespace, header: RecordingHeader, path: Path,
                   live_hz: float = 0.0) -> PipelineConfig:
    """Pipeline settings from the flags and the file's header. With ``args.run_id`` (replay
    and live) event ids are ``<session>@<run id>:...``; without (count) ``<session>:...``."""
    from eccentric.app.inputs import session_id_for
    from eccentric.core.events import run_session_id
    from eccentric.session.pipeline import PipelineConfig

    exercise = args.exercise or header.exercise or "auto"
    side = args.side or (header.side if header.side != "unknown" else None)
    session = session_id_for(path)
    run_id = getattr(args, "run_id", None)
    return PipelineConfig(
        exercise=exercise, rate_hz=header.rate_hz, athlete=args.athlete or header.athlete,
        session_id=run_session_id(session, run_id) if run_id else session,
        side=side, target_tempo=args.target_tempo, live_hz=live_hz,
        target_hold=getattr(args, "target_hold", None),
        target_bout=getattr(args, "target_bout", None),
        alert_drop=getattr(args, "alert_drop", 0.2),
        plan=getattr(args, "plan_loaded", None) or load_plan_arg(args),
    )


RECORDING_SUFFIXES = (".jsonl", ".jsonl.gz")
COUNTABLE_SUFFIXES = (*RECORDING_SUFFIXES, ".csv")


def expand_path(raw: str, suffixes: tuple[str, ...] = RECORDING_SUFFIXES) -> list[Path]:
    """A file as given; a directory expands to the files inside it whose names end in
    one of ``suffixes``, sorted. A directory with none of them is an error, not a
    silent nothing."""
    from eccentric.core.errors import InputFormatError

    p = Path(raw)
    if not p.is_dir():
        return [p]
    found = sorted(q for q in p.iterdir() if q.is_file() and q.name.endswith(suffixes))
    if not found:
        raise InputFormatError(f"{p}: directory holds no {' or '.join(suffixes)} files")
    return found


def expand_paths(paths: list[str]) -> Iterator[Path]:
    """Files as given; directories expand to the recordings inside them, sorted."""
    for raw in paths:
        yield from expand_path(raw)
