"""Start-up time of the command line: help, version and a fast error.

Target (issue #14): ``eccentric --help``, ``eccentric count --help`` and an argument or
file error answer in under 0.3 s. Each command runs in a fresh interpreter (the
``python -m eccentric`` this script runs under), so the figures include interpreter
start; the median of N runs is printed per command, after one unmeasured warm-up run.
Wall time is the target; the child's CPU time (user + system) is printed beside it
because it barely changes when other jobs load the machine and wall time does.

    python benchmarks/cli_startup.py                    # 10 runs per command
    python benchmarks/cli_startup.py --runs 30
    python benchmarks/cli_startup.py --src OTHER/src    # another checkout, e.g. before
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.3

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("count", "--help"),
    ("replay", "--help"),
    ("count", "missing.csv", "--acc-unit", "g", "--gyro-unit", "rad/s"),  # a fast error
    ("--version",),
)


def time_once(argv: tuple[str, ...], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of one run in a fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "eccentric", *argv], env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10, help="runs per command (default 10)")
    ap.add_argument("--src", type=Path, default=ROOT / "src",
                    help="the source tree to time (default: this checkout's)")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.src.resolve())}
    print(f"{args.src.resolve()}, {args.runs} runs each, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'command':58s} {'median s':>9s} {'min s':>7s} {'max s':>7s} {'cpu s':>6s}"
          f"  target {TARGET_S} s")
    for argv in COMMANDS:
        time_once(argv, env)  # warm the file cache
        runs = [time_once(argv, env) for _ in range(args.runs)]
        wall = [w for w, _ in runs]
        median = statistics.median(wall)
        label = "eccentric " + " ".join(argv)
        print(f"{label:58s} {median:9.3f} {min(wall):7.3f} {max(wall):7.3f} "
              f"{statistics.median(c for _, c in runs):6.3f}  "
              f"{'ok' if median < TARGET_S else 'SLOW'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
