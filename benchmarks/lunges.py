"""Accuracy of the ``lunge`` profile (one thigh sensor) on simulated sessions.

    python benchmarks/lunges.py                 # the held-out draw (report these)
    python benchmarks/lunges.py --set tune      # the draw used while tuning
    python benchmarks/lunges.py --n 40 --json

Each session draws: the pattern (alternating legs, or every rep led by the sensor's leg,
or every rep by the other leg), forward or reverse lunges, the onset shape, tempo,
sensor (rate, noise), BLE losses, strap misalignment, reps and sets, fidgets, sway in
the standing pose, and which thigh wears the sensor (``--side``). The held-out draw uses
other seeds and the simulator's wide lunge ranges (``lunge_variants="wide"``: deeper and
shallower lunges, slower and quicker phases, longer and shorter pauses), more reps and
heavier losses; it is generated into a temporary folder and used for nothing else.
Targets (issue 12): exact count on ≥ 95 % of sets, per-rep F1 ≥ 0.98, boundary MAE
≤ 100 ms, side (the leading leg) correct on ≥ 98 % of reps.
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
from simulated_session import score_session

SENSORS = ("polar_verity_sense", "metamotion", "movesense", "witmotion")
DRAWS: dict[str, dict[str, Any]] = {
    "tune": {"seed0": 110_000, "reps": (4, 10), "sway_dps": (3.0, 8.0),
             "dropouts": ("none", "light", "heavy"), "sets": (1, 2), "variants": "normal"},
    "holdout": {"seed0": 910_000, "reps": (3, 16), "sway_dps": (2.0, 12.0),
                "dropouts": ("none", "light", "heavy", "heavy"), "sets": (1, 3),
                "variants": "wide"},
    # The held-out ranges on seeds of their own: a second tuning draw, for finding the
    # failure classes of the wider ranges without looking at the held-out sessions.
    "tune_wide": {"seed0": 310_000, "reps": (3, 16), "sway_dps": (2.0, 12.0),
                  "dropouts": ("none", "light", "heavy", "heavy"), "sets": (1, 3),
                  "variants": "wide"},
}


def draw_options(rng: np.random.Generator, draw: dict[str, Any]) -> tuple[str, SessionOptions]:
    lo, hi = draw["reps"]
    opts = SessionOptions(
        reps=int(rng.integers(lo, hi + 1)),
        sets=int(rng.integers(draw["sets"][0], draw["sets"][1] + 1)),
        rest_min_s=30.0, rest_max_s=60.0, side=("left", "right")[int(rng.integers(2))],
        tempo=TEMPOS[int(rng.integers(len(TEMPOS)))],
        onset=ONSETS[int(rng.integers(len(ONSETS)))],
        dropouts=draw["dropouts"][int(rng.integers(len(draw["dropouts"])))],
        misalignment="large" if rng.random() < 0.3 else "normal",
        fidgets=int(rng.integers(0, 2)),
        rest_sway_dps=float(rng.uniform(*draw["sway_dps"])) if rng.random() < 0.4 else 0.0,
        lunge_variants=draw["variants"],
    )
    return SENSORS[int(rng.integers(len(SENSORS)))], opts


def run(n: int, draw: dict[str, Any], tmp: Path
        ) -> tuple[list[FileScore], list[str], tuple[int, int], list[float]]:
    scores: list[FileScore] = []
    off: list[str] = []
    side_ok = side_n = 0
    depth_err: list[float] = []
    for i in range(n):
        seed = draw["seed0"] + i
        rng = np.random.default_rng(seed)
        sensor, opts = draw_options(rng, draw)
        s = score_session("lunge", seed, sensor, "thigh", opts, tmp)
        scores.append(s.score)
        for rep, lab in s.matched:
            side_n += 1
            side_ok += rep.get("side") == lab.get("side")
            depth_err.append(abs(float(rep["depth_deg"]) - float(lab["depth_deg"])))
        if s.sets_off:
            off.append(s.sets_off)
        print(f"  [lunge {i + 1}/{n}]", file=sys.stderr, flush=True)
    return scores, off, (side_ok, side_n), depth_err


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=tuple(DRAWS), default="holdout")
    ap.add_argument("--n", type=int, default=40, help="sessions")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        scores, off, (side_ok, side_n), depth_err = run(args.n, DRAWS[args.set], Path(tmp))
    m = summarise(scores)
    out = {**asdict(m), "sets_off": off,
           "side_correct_pct": 100.0 * side_ok / side_n if side_n else None,
           "reps_matched": side_n,
           "depth_mae_deg": float(np.mean(depth_err)) if depth_err else None}
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    d = out["duration_mae_ms"]
    print(f"{args.set} draw, {args.n} lunge sessions (simulated, thigh sensor)")
    print(f"sets {m.sets}  exact {m.exact_set_pct:.1f} %  F1 {m.f1:.3f}  "
          f"boundary MAE {m.boundary_mae_ms or 0:.0f} ms  "
          f"ecc {d.get('eccentric_s', 0):.0f} ms  con {d.get('concentric_s', 0):.0f} ms  "
          f"bottom {d.get('hold_s', 0):.0f} ms  side {out['side_correct_pct']:.1f} % "
          f"of {side_n} reps  depth MAE {out['depth_mae_deg']:.1f}°")
    for line in off:
        print(f"  count off: {line}")
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
