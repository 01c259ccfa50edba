"""CLI start-up stays light (issue 14): building the parser, ``--help`` of the top level
and of each sub-command, and a fast error import no heavy third-party module.

The speed itself is measured by ``benchmarks/cli_startup.py``; these tests check the
import set, which is what regresses when someone adds a heavy top-level import to a
command module (or to anything the parser's choices come from, e.g. the catalogue).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from eccentric.app.cli import build_parser
from eccentric.app.commands import simulate

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("numpy", "scipy", "imufusion", "bleak", "paho", "amqtt", "rich", "jsonschema", "yaml")
# Sub-commands whose arguments are added when they are used (choices from a heavy
# registry: the simulator's movements and the device specs).
ON_USE = {"simulate"}


def loaded_after(code: str) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """The heavy modules a fresh interpreter has imported after running ``code`` (a
    usage error or ``--help`` exits: that is the end of the code, not a failure)."""
    script = "\n".join([
        "import json, sys",
        "try:",
        textwrap.indent(textwrap.dedent(code).strip(), "    "),
        "except SystemExit:",
        "    pass",
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})),",
        "      file=sys.__stderr__)",
    ])
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.stderr.strip(), proc
    return json.loads(proc.stderr.strip().splitlines()[-1]), proc


def test_building_the_parser_imports_no_heavy_module() -> None:
    loaded, proc = loaded_after(f"""
        import argparse
        from eccentric.app.cli import build_parser

        parser = build_parser()
        parser.format_help()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for name, command in sub.choices.items():
            if name not in {sorted(ON_USE)!r}:
                command.format_help()
        """)
    assert loaded == [], proc.stderr


def test_help_and_version_import_no_heavy_module() -> None:
    for argv in (["--help"], ["count", "--help"], ["replay", "--help"], ["--version"],
                 ["count", "--rate", "fast", "x.csv"]):
        loaded, proc = loaded_after(f"from eccentric.app.cli import main; main({argv!r})")
        assert loaded == [], argv
        assert "eccentric" in proc.stdout + proc.stderr


def test_a_missing_csv_file_is_reported_without_numpy() -> None:
    loaded, proc = loaded_after("""
        from eccentric.app.cli import main
        sys.exit(main(["count", "missing.csv", "--acc-unit", "g", "--gyro-unit", "rad/s"]))
        """)
    assert "eccentric count: missing.csv: no such file" in proc.stderr
    assert loaded == []


def test_arguments_added_on_use_parse_and_show_as_before() -> None:
    plain = argparse.ArgumentParser(prog="eccentric")
    simulate.add_parser(plain.add_subparsers())  # a plain parser: arguments at once
    cli = build_parser()
    argv = ["simulate", "--exercise", "nordic_curl", "--sensor", "metamotion", "--reps", "3"]
    assert vars(cli.parse_args(argv)) == {**vars(plain.parse_args(argv)), "command": "simulate",
                                          "verbose": False}

    def sub_help(parser: argparse.ArgumentParser) -> str:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return str(action.choices["simulate"].format_help())

    assert sub_help(build_parser()) == sub_help(plain)
    # The simulator's exercises (choices built on use, from the movement table).
    assert "{ball_leg_curl,ball_leg_curl_single,band_rotation,foam_roll,hanging_pelvic_tilt," \
        "loaded_carry,lunge," \
        "nordic_curl,nordic_curl_band," in sub_help(plain)
    assert "single_leg_bridge" in sub_help(plain) and "side_plank" in sub_help(plain)
