"""Accuracy of the ``hanging_pelvic_tilt`` profile (thigh or pelvis sensor, excursion
kind with the swing-free tilt) on simulated sessions.

    python benchmarks/hanging.py                 # the held-out draw (report these)
    python benchmarks/hanging.py --set tune      # the draw used while tuning
    python benchmarks/hanging.py --set tune_wide # tuning seeds, held-out ranges
    python benchmarks/hanging.py --n 40 --json

Each session draws: placement (thigh or pelvis), tempo, onset shape, sensor (rate,
noise), BLE losses, strap misalignment (sensor turned on the segment), reps and sets,
re-grips (which re-excite the swing) and hip twitches (partial tilts under 6°); the
athlete draws the swing (amplitude, period, decay) and the tilt size. The held-out draw
uses other seeds and the wide ranges (``hanging_variants="wide"``: tilts 8–35°, swing
2–16° at 1.5–2.6 s, decay 8–60 s, bigger and more frequent re-excitation, 0.7–2.6 s up,
0.8–3 s down), more reps and heavier losses.
Targets (issue 12): exact count on ≥ 95 % of sets, per-rep F1 ≥ 0.98, boundary MAE
≤ 100 ms against the true motion onset/offset (of the tilt, not the swing).
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
PLACEMENTS = ("thigh", "pelvis")
EXERCISE = "hanging_pelvic_tilt"
DRAWS: dict[str, dict[str, Any]] = {
    "tune": {"seed0": 130_000, "reps": (4, 10),
             "dropouts": ("none", "light", "heavy"), "sets": (1, 2), "variants": "normal"},
    # The held-out ranges on other seeds: tuned on, so not a held-out figure.
    "tune_wide": {"seed0": 131_000, "reps": (3, 16),
                  "dropouts": ("none", "light", "heavy", "heavy"), "sets": (1, 3),
                  "variants": "wide"},
    "holdout": {"seed0": 930_000, "reps": (3, 16),
                "dropouts": ("none", "light", "heavy", "heavy"), "sets": (1, 3),
                "variants": "wide"},
}


def draw_options(rng: np.random.Generator, draw: dict[str, Any]
                 ) -> tuple[str, str, SessionOptions]:
    lo, hi = draw["reps"]
    opts = SessionOptions(
        reps=int(rng.integers(lo, hi + 1)),
        sets=int(rng.integers(draw["sets"][0], draw["sets"][1] + 1)),
        rest_min_s=30.0, rest_max_s=60.0,
        tempo=TEMPOS[int(rng.integers(len(TEMPOS)))],
        onset=ONSETS[int(rng.integers(len(ONSETS)))],
        dropouts=draw["dropouts"][int(rng.integers(len(draw["dropouts"])))],
        misalignment="large" if rng.random() < 0.3 else "normal",
        fidgets=int(rng.integers(0, 3)),
        partial_reps=int(rng.integers(0, 2)),
        hanging_variants=draw["variants"],
    )
    placement = PLACEMENTS[int(rng.integers(len(PLACEMENTS)))]
    return SENSORS[int(rng.integers(len(SENSORS)))], placement, opts


def run(n: int, draw: dict[str, Any], tmp: Path
        ) -> tuple[list[FileScore], list[str], list[float]]:
    scores: list[FileScore] = []
    off: list[str] = []
    rom_err: list[float] = []
    for i in range(n):
        seed = draw["seed0"] + i
        rng = np.random.default_rng(seed)
        sensor, placement, opts = draw_options(rng, draw)
        s = score_session(EXERCISE, seed, sensor, placement, opts, tmp, with_side=False,
                          where=f" {placement}")
        scores.append(s.score)
        rom_err.extend(abs(float(rep["rom_deg"]) - float(lab["rom_deg"]))
                       for rep, lab in s.matched)
        if s.sets_off:
            off.append(s.sets_off)
        print(f"  [{EXERCISE} {i + 1}/{n}]", file=sys.stderr, flush=True)
    return scores, off, rom_err


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=tuple(DRAWS), default="holdout")
    ap.add_argument("--n", type=int, default=40, help="sessions")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        scores, off, rom_err = run(args.n, DRAWS[args.set], Path(tmp))
    m = summarise(scores)
    out = {**asdict(m), "sets_off": off, "reps_matched": len(rom_err),
           "rom_mae_deg": float(np.mean(rom_err)) if rom_err else None}
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    d = out["duration_mae_ms"]
    print(f"{args.set} draw, {args.n} hanging pelvic-tilt sessions (simulated, thigh or "
          "pelvis sensor)")
    print(f"sets {m.sets}  exact {m.exact_set_pct:.1f} %  F1 {m.f1:.3f}  "
          f"boundary MAE {m.boundary_mae_ms or 0:.0f} ms  "
          f"ecc {d.get('eccentric_s', 0):.0f} ms  con {d.get('concentric_s', 0):.0f} ms  "
          f"hold {d.get('hold_s', 0):.0f} ms  tilt ROM MAE {out['rom_mae_deg'] or 0:.1f}° "
          f"over {len(rom_err)} matched reps")
    for line in off:
        print(f"  count off: {line}")
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
