"""Peak memory of ``eccentric count`` on plain CSV files of different lengths.

Target (issues #14 and #16): CSV import streams, so a 2-hour 100 Hz file peaks at most
20 MB above a 2-minute one, and a 1-million-row file stays far below the 463 MB the
whole-file reader needed. The files are built in a temporary directory (a leg swinging
through 40° every 3 s, gravity and gyro consistent, a little noise). Each ``count`` runs
in a fresh wrapper interpreter whose only child it is, so the wrapper's
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` is that count's own peak RSS.

    python benchmarks/csv_memory.py
    python benchmarks/csv_memory.py --src OTHER/src    # another checkout, e.g. before
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RATE_HZ = 100.0
LIMIT_MB = 20.0
G = 9.80665

# (name, rows)
FILES = (("2 min", int(120 * RATE_HZ)), ("2 h", int(7200 * RATE_HZ)), ("1 M rows", 1_000_000))

WRAPPER = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.stderr.write(r.stderr.decode()[-2000:])\n"
)


def write_csv(path: Path, rows: int, seed: int = 0) -> None:
    """A swinging segment: angle 40°·max(0, sin) every 3 s, written in blocks."""
    rng = np.random.default_rng(seed)
    with path.open("w") as fh:
        fh.write("t,ax,ay,az,gx,gy,gz\n")
        for start in range(0, rows, 100_000):
            i = np.arange(start, min(rows, start + 100_000))
            t = i / RATE_HZ
            phase = 2 * np.pi * t / 3.0
            ang = np.radians(40.0) * np.maximum(0.0, np.sin(phase))
            rate = np.radians(40.0) * (2 * np.pi / 3.0) * np.cos(phase) * (np.sin(phase) > 0)
            acc = np.column_stack([np.zeros_like(t), G * np.sin(ang), G * np.cos(ang)])
            gyro = np.column_stack([rate, np.zeros_like(t), np.zeros_like(t)])
            acc += rng.normal(0, 0.05, acc.shape)
            gyro += rng.normal(0, 0.005, gyro.shape)
            np.savetxt(fh, np.column_stack([t, acc, gyro]), delimiter=",",
                       fmt=["%.2f"] + ["%.4f"] * 6)


def peak_rss_mb(csv_path: Path, src: Path) -> tuple[float, float, int]:
    """(peak RSS in MB, wall seconds, exit code) of one ``eccentric count`` on the file."""
    cmd = [sys.executable, "-c", WRAPPER, sys.executable, "-m", "eccentric", "count",
           str(csv_path), "--acc-unit", "m/s2", "--gyro-unit", "rad/s", "--json"]
    env = {**os.environ, "PYTHONPATH": str(src)}
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - t0
    rc, kib = out.stdout.split()
    if int(rc) != 0:
        print(out.stderr, file=sys.stderr)
    return int(kib) / 1024.0, wall, int(rc)  # ru_maxrss is in KiB on Linux


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="package source to measure")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="csv_memory_") as tmp:
        peaks: dict[str, float] = {}
        print(f"{'file':10s} {'rows':>9s} {'size MB':>8s} {'peak RSS MB':>12s} {'wall s':>7s}")
        for name, rows in FILES:
            path = Path(tmp) / f"{name.replace(' ', '_')}.csv"
            write_csv(path, rows)
            peak, wall, rc = peak_rss_mb(path, args.src)
            peaks[name] = peak
            flag = "" if rc == 0 else f"  (exit {rc})"
            print(f"{name:10s} {rows:9d} {path.stat().st_size / 1e6:8.1f} {peak:12.1f} "
                  f"{wall:7.1f}{flag}")
            path.unlink()
        diff = peaks["2 h"] - peaks["2 min"]
        verdict = "ok" if diff <= LIMIT_MB else "OVER"
        print(f"2 h minus 2 min: {diff:+.1f} MB (target ≤ {LIMIT_MB:g} MB: {verdict})")
    return 0 if diff <= LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
