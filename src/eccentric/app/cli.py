"""Command-line entry point: ``eccentric <command> ...``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from eccentric import __version__
from eccentric.app.commands.common import CommandParser
from eccentric.core.errors import EccentricError

# Each module has add_parser(subparsers) and run(args). Optional ones may be absent
# while their feature is being built; a missing module simply has no sub-command.
# Building the parser imports every module, so each keeps its top-level imports light
# and loads numpy, scipy, rich, paho, bleak etc. inside run() (tests/test_cli_startup.py).
COMMAND_MODULES = (
    "eccentric.app.commands.count",
    "eccentric.app.commands.replay",
    "eccentric.app.commands.evaluate",
    "eccentric.app.commands.simulate",
    "eccentric.app.commands.watch",
    "eccentric.app.commands.demo",
    "eccentric.app.commands.dashboard",
    "eccentric.app.commands.scan",
    "eccentric.app.commands.live",
    "eccentric.app.commands.history",
    "eccentric.app.commands.report",
    "eccentric.app.commands.gateway",
    "eccentric.app.commands.worker",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eccentric", description=__doc__)
    parser.add_argument("--version", action="version", version=f"eccentric {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except EccentricError as exc:
        print(f"eccentric {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `eccentric replay ... --json | head`): not an error.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
