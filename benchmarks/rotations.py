"""Accuracy of the ``band_rotation`` profile (trunk sensor, rotation kind) on simulated
sessions.

    python benchmarks/rotations.py                 # the held-out draw (report these)
    python benchmarks/rotations.py --set tune      # the draw used while tuning
    python benchmarks/rotations.py --set tune_wide # tuning seeds, held-out ranges
    python benchmarks/rotations.py --n 40 --json

Each session draws: one side per set or alternating turns, tempo, sensor (rate, noise),
BLE losses, strap misalignment, reps and sets, fidgets, sway while standing. The held-out
draw uses other seeds and the wide ranges (``rotation_variants="wide"``: 20–75° turns,
0.5–2 s out, 0.8–3 s back, tilt up to 6°), more reps and heavier losses.
Targets (issue 12): exact count on ≥ 95 % of sets, per-rep F1 ≥ 0.98, boundary MAE
≤ 100 ms, side (the direction of the turn) correct on ≥ 98 % of reps.
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
    "tune": {"seed0": 120_000, "reps": (4, 10), "sway_dps": (3.0, 8.0),
             "dropouts": ("none", "light", "heavy"), "sets": (1, 2), "variants": "normal"},
    # The held-out ranges on other seeds: tuned on, so not a held-out figure.
    "tune_wide": {"seed0": 121_000, "reps": (3, 16), "sway_dps": (2.0, 12.0),
                  "dropouts": ("none", "light", "heavy", "heavy"), "sets": (1, 3),
                  "variants": "wide"},
    "holdout": {"seed0": 920_000, "reps": (3, 16), "sway_dps": (2.0, 12.0),
                "dropouts": ("none", "light", "heavy", "heavy"), "sets": (1, 3),
                "variants": "wide"},
}


def draw_options(rng: np.random.Generator, draw: dict[str, Any]) -> tuple[str, SessionOptions]:
    lo, hi = draw["reps"]
    opts = SessionOptions(
        reps=int(rng.integers(lo, hi + 1)),
        sets=int(rng.integers(draw["sets"][0], draw["sets"][1] + 1)),
        rest_min_s=30.0, rest_max_s=60.0,
        tempo=TEMPOS[int(rng.integers(len(TEMPOS)))],
        onset=ONSETS[int(rng.integers(len(ONSETS)))],
        dropouts=draw["dropouts"][int(rng.integers(len(draw["dropouts"])))],
        misalignment="large" if rng.random() < 0.3 else "normal",
        fidgets=int(rng.integers(0, 2)),
        rest_sway_dps=float(rng.uniform(*draw["sway_dps"])) if rng.random() < 0.4 else 0.0,
        rotation_variants=draw["variants"],
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
        s = score_session("band_rotation", seed, sensor, "trunk", opts, tmp,
                          with_side=False)
        scores.append(s.score)
        for rep, lab in s.matched:
            side_n += 1
            side_ok += rep.get("side") == lab.get("side")
            depth_err.append(abs(float(rep["yaw_rom_deg"]) - float(lab["yaw_rom_deg"])))
        if s.sets_off:
            off.append(s.sets_off)
        print(f"  [band_rotation {i + 1}/{n}]", file=sys.stderr, flush=True)
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
           "yaw_rom_mae_deg": float(np.mean(depth_err)) if depth_err else None}
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    d = out["duration_mae_ms"]
    print(f"{args.set} draw, {args.n} band-rotation sessions (simulated, trunk sensor)")
    print(f"sets {m.sets}  exact {m.exact_set_pct:.1f} %  F1 {m.f1:.3f}  "
          f"boundary MAE {m.boundary_mae_ms or 0:.0f} ms  "
          f"ecc {d.get('eccentric_s', 0):.0f} ms  con {d.get('concentric_s', 0):.0f} ms  "
          f"hold {d.get('hold_s', 0):.0f} ms  side {out['side_correct_pct']:.1f} % "
          f"of {side_n} reps  yaw ROM MAE {out['yaw_rom_mae_deg']:.1f}°")
    for line in off:
        print(f"  count off: {line}")
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
