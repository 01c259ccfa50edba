"""How many repetitions can be seen in each SPAR file, with full hindsight?

    python benchmarks/spar_visible_cycles.py             # summary
    python benchmarks/spar_visible_cycles.py --files     # + one line per file

SPAR's count is a protocol figure (20 per file), not an annotation. This script asks
what the files themselves show, offline and with every advantage a streaming counter
does not have: zero-phase filtering of the whole file, the dominant rotation axis of the
whole file, and turning points found on the finished signal.

Per file: the gyro is low-passed (3 Hz, zero phase), integrated and high-passed (0.05 Hz,
zero phase); its principal component is the movement. Turning points are found with a
hysteresis of ``--hysteresis`` x the median swing. The stretches before the first and
after the last turning point are partial half-cycles, credited by the fraction of a
median swing they cover. Visible cycles = (turning points - 1 + both fractions) / 2.

Rounding visible cycles to a rep count needs a threshold for the partial rep; the
script tries every threshold and reports the best exact-count % any of them reaches:
an upper bound for counters that count what the signal shows.
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import numpy as np
from scipy.signal import butter, sosfiltfilt

from eccentric.detect.cycles.zigzag import ZigZag

RATE_HZ = 50.0  # SPAR README: evenly spaced at 50 Hz
TRUE_REPS = 20  # the protocol count of every file


def dominant_rotation(gyro_rads: np.ndarray, rate_hz: float) -> np.ndarray:
    """Principal component (rad) of the zero-phase band-passed gyro integral."""
    low = sosfiltfilt(butter(2, 3.0, fs=rate_hz, output="sos"), gyro_rads, axis=0)
    angle = np.cumsum(low, axis=0) / rate_hz
    angle = sosfiltfilt(butter(2, 0.05, btype="high", fs=rate_hz, output="sos"), angle,
                        axis=0, padtype="constant")
    angle -= angle.mean(axis=0)
    _, vecs = np.linalg.eigh(angle.T @ angle)
    out: np.ndarray = angle @ vecs[:, -1]
    return out


def turning_points(x: np.ndarray, delta: float) -> list[int]:
    """Indices of alternating extremes at least ``delta`` apart: the counter's own
    zig-zag, fed the whole finished signal, without its pause rule."""
    t = np.arange(len(x), dtype=np.float64)
    return [turn.n for turn in ZigZag().feed(t, x, 0, delta, math.inf)]


def visible_cycles(x: np.ndarray, hysteresis: float) -> tuple[float, int, float, float]:
    """(visible cycles, inner turning points, start fraction, end fraction)."""
    turns = turning_points(x, 0.3 * float(np.ptp(x)))
    swing = float(np.median(np.abs(np.diff(x[turns]))))
    turns = turning_points(x, hysteresis * swing)
    # A "turn" within a few samples of the file's edge is the cut itself, not a turn.
    edge = 3
    turns = [i for i in turns if edge <= i < len(x) - edge]
    swing = float(np.median(np.abs(np.diff(x[turns]))))
    f_start = min(abs(float(x[turns[0]] - x[0])) / swing, 1.0)
    f_end = min(abs(float(x[-1] - x[turns[-1]])) / swing, 1.0)
    return (len(turns) - 1 + f_start + f_end) / 2.0, len(turns), f_start, f_end


def load_gyro(path: Path) -> np.ndarray:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return np.array([[float(r["wx"]), float(r["wy"]), float(r["wz"])] for r in rows])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=Path,
                    default=Path(__file__).resolve().parents[2] / "shared" / "datasets")
    ap.add_argument("--hysteresis", type=float, default=0.4,
                    help="turning-point hysteresis, fraction of the median swing")
    ap.add_argument("--files", action="store_true", help="one line per file")
    args = ap.parse_args()
    files = sorted((args.datasets / "spar").glob("S*_E*.csv"))
    if not files:
        raise SystemExit(f"no SPAR files under {args.datasets / 'spar'}")
    cycles = []
    for path in files:
        c, k, f0, f1 = visible_cycles(dominant_rotation(load_gyro(path), RATE_HZ),
                                      args.hysteresis)
        cycles.append(c)
        if args.files:
            print(f"{path.name:12} turning points {k:3d}  edge fractions {f0:.2f} / {f1:.2f}"
                  f"  visible cycles {c:5.2f}")
    arr = np.array(cycles)
    n = len(arr)
    print(f"SPAR, {n} files, hysteresis {args.hysteresis:.2f} x median swing")
    print(f"  visible cycles: median {np.median(arr):.2f}, min {arr.min():.2f}, "
          f"max {arr.max():.2f}")
    for lo, hi in ((0.0, 19.0), (19.0, 19.5), (19.5, 20.5), (20.5, math.inf)):
        k = int(np.sum((arr >= lo) & (arr < hi)))
        print(f"  {lo:4.1f} <= cycles < {hi:4.1f}: {k:2d} files")
    best = (0, 0.0, 0)
    for credit in np.arange(0.0, 1.0001, 0.05):
        counts = np.floor(arr + 1.0 - credit)  # a partial rep counts from `credit` of a cycle
        exact = int(np.sum(counts == TRUE_REPS))
        within = int(np.sum(np.abs(counts - TRUE_REPS) <= 1))
        if exact > best[0]:
            best = (exact, float(credit), within)
    exact, credit, within = best
    print(f"  best rounding (a partial rep counts from {credit:.2f} of a cycle): exact "
          f"{exact}/{n} = {100.0 * exact / n:.1f} %, within ±1 {100.0 * within / n:.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
