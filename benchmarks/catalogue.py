"""Accuracy of the hinge and lift exercises on simulated sessions drawn at random.

    python benchmarks/catalogue.py                 # the held-out draw (report these)
    python benchmarks/catalogue.py --set tune      # the draw used while tuning
    python benchmarks/catalogue.py --n 40 --json

Each session draws its own variant: onset shape of the way out, tempo, sensor (and so
rate and noise), BLE losses, strap misalignment, reps and sets, partial reps and
fidgets, and for single-leg movements sway in the start pose. The held-out draw uses
other seeds and wider ranges (more reps, stronger sway, heavier losses) than the tuning
draw; it is generated into a temporary folder and used for nothing else.
Targets (issue 12): exact count on ≥ 95 % of sets, per-rep F1 ≥ 0.98, boundary MAE
≤ 100 ms, hold duration MAE ≤ 0.3 s, side correct on ≥ 98 % of reps.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from eccentric.evaluation.metrics import FileScore, summarise
from eccentric.sim.options import ONSETS, TEMPOS, SessionOptions
from eccentric.sim.scripts.hinge import HINGES
from simulated_session import score_session

SENSORS = ("polar_verity_sense", "metamotion", "movesense", "witmotion")
# (exercise, placement) pairs: every placement the catalogue allows.
CASES = (("single_leg_deadlift", "trunk"), ("single_leg_deadlift", "thigh"),
         ("single_leg_bridge", "thigh"), ("roman_chair_hinge", "trunk"), ("situp", "trunk"))
# What differs between the two draws.
DRAWS: dict[str, dict[str, Any]] = {
    "tune": {"seed0": 100_000, "reps": (4, 10), "sway_dps": (3.0, 8.0),
             "dropouts": ("none", "light", "heavy"), "sets": (1, 2)},
    "holdout": {"seed0": 900_000, "reps": (3, 15), "sway_dps": (2.0, 12.0),
                  "dropouts": ("none", "light", "heavy", "heavy"), "sets": (1, 3)},
    # The held-out ranges on seeds of their own: a second tuning draw, for finding the
    # failure classes of the wider ranges without looking at the held-out sessions.
    "tune_wide": {"seed0": 300_000, "reps": (3, 15), "sway_dps": (2.0, 12.0),
                  "dropouts": ("none", "light", "heavy", "heavy"), "sets": (1, 3)},
}


def draw_options(exercise: str, rng: np.random.Generator, draw: dict[str, Any]
                 ) -> tuple[str, SessionOptions]:
    single = HINGES[exercise].single
    lo, hi = draw["reps"]
    opts = SessionOptions(
        reps=int(rng.integers(lo, hi + 1)), sets=int(rng.integers(draw["sets"][0],
                                                                  draw["sets"][1] + 1)),
        rest_min_s=30.0, rest_max_s=60.0,
        side=("left", "right")[int(rng.integers(2))] if single else None,
        tempo=TEMPOS[int(rng.integers(len(TEMPOS)))],
        onset=ONSETS[int(rng.integers(len(ONSETS)))],
        dropouts=draw["dropouts"][int(rng.integers(len(draw["dropouts"])))],
        misalignment="large" if rng.random() < 0.3 else "normal",
        partial_reps=int(rng.integers(0, 2)), fidgets=int(rng.integers(0, 2)),
        rest_sway_dps=float(rng.uniform(*draw["sway_dps"])) if single and rng.random() < 0.4
        else 0.0,
    )
    return SENSORS[int(rng.integers(len(SENSORS)))], opts


def run_case(exercise: str, placement: str, n: int, draw: dict[str, Any], tmp: Path
             ) -> tuple[list[FileScore], list[str], tuple[int, int]]:
    scores: list[FileScore] = []
    off: list[str] = []
    side_ok = side_n = 0
    for i in range(n):
        seed = draw["seed0"] + 1000 * CASES.index((exercise, placement)) + i
        rng = np.random.default_rng(seed)
        sensor, opts = draw_options(exercise, rng, draw)
        s = score_session(exercise, seed, sensor, placement, opts, tmp)
        scores.append(s.score)
        if HINGES[exercise].single:
            side_n += len(s.matched)
            side_ok += sum(rep.get("side") == lab.get("side") for rep, lab in s.matched)
        if s.sets_off:
            off.append(s.sets_off)
        print(f"  [{exercise}/{placement} {i + 1}/{n}]", file=sys.stderr, flush=True)
    return scores, off, (side_ok, side_n)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=tuple(DRAWS), default="holdout")
    ap.add_argument("--n", type=int, default=24, help="sessions per exercise and placement")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for exercise, placement in CASES:
            scores, off, (side_ok, side_n) = run_case(exercise, placement, args.n,
                                                      DRAWS[args.set], Path(tmp))
            m = summarise(scores)
            out[f"{exercise}/{placement}"] = {
                **asdict(m), "sets_off": off,
                "side_correct_pct": 100.0 * side_ok / side_n if side_n else None}
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"{args.set} draw, {args.n} sessions per row (simulated)")
    print(f"{'exercise/placement':32} {'sets':>5} {'exact%':>7} {'F1':>6} {'bound.ms':>9} "
          f"{'hold ms':>8} {'ecc ms':>7} {'con ms':>7} {'side%':>6}")
    for name, r in out.items():
        d = r["duration_mae_ms"]
        side = "–" if r["side_correct_pct"] is None else f"{r['side_correct_pct']:.1f}"
        print(f"{name:32} {r['sets']:5d} {r['exact_set_pct']:7.1f} {r['f1']:6.3f} "
              f"{r['boundary_mae_ms'] or 0:9.0f} {d.get('hold_s', 0):8.0f} "
              f"{d.get('eccentric_s', 0):7.0f} {d.get('concentric_s', 0):7.0f} {side:>6}")
    for name, r in out.items():
        for line in r["sets_off"]:
            print(f"  count off: {name}: {line}")
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
