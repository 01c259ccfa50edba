"""``eccentric simulate``: write simulated recordings with ground-truth labels.

One session::

    eccentric simulate --exercise nordic_curl --reps 6 --seed 3 \\
        --sensor polar_verity_sense --placement thigh --out session.jsonl.gz

A whole library::

    eccentric simulate --manifest recordings/manifest.json --out-dir recordings/
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from eccentric.app.commands.common import add_arguments_on_use
from eccentric.core.errors import EccentricError

if TYPE_CHECKING:
    from eccentric.sim.options import SessionOptions


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "simulate", help="write simulated recordings with ground-truth labels",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments_on_use(p, _add_arguments)
    p.set_defaults(func=run)
    return p


def _add_arguments(p: argparse.ArgumentParser) -> None:
    # The choices come from the movements and the device specs, which load numpy and the
    # simulator: added only once this command is parsed or its help shown.
    from eccentric.devices.registry import DEVICES
    from eccentric.sim.scripts import MOVEMENTS

    p.add_argument("--exercise", choices=[*sorted(MOVEMENTS), "mixed"],
                   help="one exercise, or mixed: 3-5 exercises in a row with rests (one "
                        "sensor on --placement thigh, trunk or shank; drawn if omitted), "
                        "for --exercise any")
    p.add_argument("--placement", help="thigh or trunk (Nordic); shank or ankle (ball curl)")
    p.add_argument("--sensor", default="polar_verity_sense",
                   help=f"device key: {', '.join(sorted(DEVICES))}")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--reps", type=int, default=6, help="reps per set")
    p.add_argument("--sets", type=int, default=1)
    p.add_argument("--side", choices=("left", "right"),
                   help="working leg (single-leg) / leg wearing the sensor")
    p.add_argument("--rate-hz", type=float, help="sample rate (device default if omitted)")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="any session option, value as JSON (e.g. tempo=\"slow\", fatigue=0.8)")
    p.add_argument("--out", help="output file (.jsonl.gz or .jsonl)")
    p.add_argument("--manifest", help="generate every session listed in this manifest")
    p.add_argument("--out-dir", help="where --manifest writes its files")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="with --manifest: just this session (repeatable)")
    p.add_argument("--list-devices", action="store_true", help="show supported devices")


def _options(args: argparse.Namespace) -> SessionOptions:
    from eccentric.sim.options import SessionOptions

    raw: dict[str, Any] = {"reps": args.reps, "sets": args.sets}
    if args.side:
        raw["side"] = args.side
    if args.rate_hz:
        raw["rate_hz"] = args.rate_hz
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep:
            raise EccentricError(f"--option {item!r}: expected KEY=VALUE")
        try:
            raw[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            raw[key.strip()] = value  # a bare word, e.g. tempo=slow
    return SessionOptions.from_dict(raw, "simulate")


def run(args: argparse.Namespace) -> int:
    # Imported here: the physics pulls in scipy.signal (~2 s), which every other
    # sub-command would otherwise pay for when the parser is built.
    from eccentric.devices.registry import DEVICES, EXCLUDED_DEVICES
    from eccentric.sim.manifest import generate
    from eccentric.sim.recording import simulate, write_recording

    if args.list_devices:
        for key, spec in sorted(DEVICES.items()):
            rates = ", ".join(f"{r:g}" for r in spec.rates_hz)
            print(f"{key:20s} {spec.model}; default {spec.default_rate_hz:g} Hz ({rates})")
        for key, why in EXCLUDED_DEVICES.items():
            print(f"{key:20s} not simulated: {why}")
        return 0
    if args.manifest:
        if not args.out_dir:
            raise EccentricError("--manifest needs --out-dir")
        from eccentric.app.progress import track_count

        def track(entries: list[Any]) -> Iterable[Any]:
            return track_count(entries, len(entries), "simulating")

        for path in generate(args.manifest, args.out_dir, args.only, track=track):
            print(path)
        return 0
    if args.exercise == "mixed" and args.out:
        return _mixed(args)
    if not (args.exercise and args.placement and args.out):
        raise EccentricError("give --exercise, --placement and --out (or --manifest)")
    from eccentric.app.progress import working

    with working(f"simulating {args.exercise}"):
        session = simulate(args.exercise, args.seed, args.sensor, args.placement,
                           _options(args))
        write_recording(args.out, session)
    reps = sum(1 for lab in session.labels if lab["label"] == "rep")
    print(f"{args.out}: {len(session.chunk)} samples, {reps} reps "
          f"({session.header.exercise}, {args.sensor} on the {args.placement}, simulated)")
    return 0


def _mixed(args: argparse.Namespace) -> int:
    from eccentric.app.progress import working
    from eccentric.sim.mixed import PLACEMENT_EXERCISES, simulate_mixed
    from eccentric.sim.recording import write_recording

    if args.placement is not None and args.placement not in PLACEMENT_EXERCISES:
        raise EccentricError(f"--placement {args.placement!r}: a mixed session's sensor "
                             f"sits on one of {', '.join(PLACEMENT_EXERCISES)}")
    with working("simulating a mixed session"):
        mixed = simulate_mixed(args.seed, args.sensor, args.placement)
        write_recording(args.out, mixed.recording)
    print(f"{args.out}: {len(mixed.recording.chunk)} samples, "
          f"{', '.join(mixed.exercises)} ({args.sensor} on the {mixed.placement}, simulated)")
    return 0
