"""Bouts of strokes (foam rolling, issue #12) on simulated sessions.

    python benchmarks/bouts.py                  # the tuning set
    python benchmarks/bouts.py --set holdout    # held-out: other seeds, wider ranges
    python benchmarks/bouts.py --set both --json -v

Every session is simulated into a temporary folder, read back and run through the same
pipeline as ``eccentric count``. The tuning set is what the bout detector was tuned on:
seeds 1–2 looked at by hand, then 12 sessions from ``bout_variants="normal"`` (bouts
15–35 s, 0.3–1.5 strokes/s, turns 2–8°, at most one 1–2.5 s stop) and 12 from the wide
ranges. The held-out set uses seeds never looked at while tuning, all from
``bout_variants="wide"`` (bouts 10–45 s, 0.25–1.8 strokes/s with ±20 % stroke-to-stroke
spread, amplitude ±30 %, turns 1.5–10°, slides 3–20 cm, up to two 0.8–3.5 s stops,
rests of 5–20 s, shifts to the next spot), all five sensor families at 50–208 Hz, both
placements, large sensor misalignment, heavy dropouts and fidgets on the roller.

Figures: exact bout count per labelled set (target ≥ 95 %), bouts missed and extra,
duration MAE (target ≤ 0.3 s) and p95, start and end MAE, stroke-count exact % and MAE,
stops (pauses) exact %.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eccentric.app.inputs import FAST_CHUNK_S
from eccentric.evaluation.metrics import match_spans, sets_exact
from eccentric.io.recording_reader import RecordingReader
from eccentric.session.pipeline import PipelineConfig
from eccentric.session.pipeline import run as run_pipeline
from eccentric.sim.options import SessionOptions
from eccentric.sim.recording import simulate, write_recording

# Sensor and rate pairs (Hz) the sets cycle through: 50–208 Hz.
SENSOR_RATES = (("witmotion", 50.0), ("metamotion", 100.0), ("movesense", 208.0),
                ("polar_verity_sense", 52.0), ("metamotion_s", 200.0), ("witmotion", 100.0),
                ("movesense", 104.0), ("polar_verity_sense", 104.0))
PLACEMENTS = ("thigh", "shank")


@dataclass(frozen=True)
class Case:
    seed: int
    sensor: str
    placement: str
    options: dict[str, Any]


def _drawn_cases(n: int, seed0: int, draw_seed: int, variants: str) -> list[Case]:
    """Sessions with drawn variants: every sensor family at 50–208 Hz, both placements,
    dropouts, misalignment, fidgets."""
    rng = np.random.default_rng(draw_seed)  # draws the variants, not the physics
    out: list[Case] = []
    for i in range(n):
        sensor, rate = SENSOR_RATES[i % len(SENSOR_RATES)]
        opts: dict[str, Any] = {
            "bout_variants": variants, "rate_hz": rate,
            "sets": int(rng.integers(1, 3)), "reps": int(rng.integers(2, 5)),
            "dropouts": ("none", "light", "heavy")[int(rng.integers(0, 3))],
            "misalignment": ("normal", "large")[int(rng.integers(0, 2))],
            "fidgets": int(rng.integers(0, 3)),
            "rest_min_s": 30.0, "rest_max_s": 60.0,
        }
        out.append(Case(seed0 + 7 * i, sensor, PLACEMENTS[int(rng.integers(0, 2))], opts))
    return out


def cases(which: str) -> list[Case]:
    if which == "tuning":
        return _drawn_cases(12, 3000, 555, "normal") + _drawn_cases(12, 4000, 556, "wide")
    return _drawn_cases(40, 800000, 20261205, "wide")


def run_case(case: Case, folder: Path) -> dict[str, Any]:
    session = simulate("foam_roll", case.seed, case.sensor, case.placement,
                       SessionOptions.from_dict(dict(case.options), f"seed {case.seed}"))
    path = folder / f"s{case.seed}.jsonl.gz"
    write_recording(path, session)
    reader = RecordingReader(path)
    h = reader.header
    labels = reader.labels()
    events = run_pipeline(reader.chunks(merge_s=FAST_CHUNK_S),
                          PipelineConfig(exercise="foam_roll", rate_hz=h.rate_hz))
    bouts = [e for e in events if e["type"] == "bout"]
    truth = [lab for lab in labels if lab.get("label") == "bout"]
    sets = [lab for lab in labels if lab.get("label") == "set"]
    pairs, free = match_spans(bouts, truth)
    set_exact = sets_exact(bouts, truth, sets)
    return {
        "seed": case.seed, "sensor": case.sensor, "rate_hz": h.rate_hz,
        "placement": case.placement, "sets": len(sets), "set_exact": set_exact,
        "true": len(truth), "detected": len(bouts), "missed": len(truth) - len(pairs),
        "extra": len(free),
        "d_duration": [d["duration_s"] - t["duration_s"] for t, d in pairs],
        "d_start": [d["start_s"] - t["start_s"] for t, d in pairs],
        "d_end": [d["end_s"] - t["end_s"] for t, d in pairs],
        "d_strokes": [d["strokes"] - t["strokes"] for t, d in pairs],
        "stops_ok": [d["pauses"] == t["pauses"] for t, d in pairs],
        "latency": [d["decided_s"] - t["end_s"] for t, d in pairs],
    }


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    def cat(key: str) -> np.ndarray:
        return np.asarray([x for r in results for x in r[key]], dtype=float)

    exact = cat("set_exact")
    dur, start, end = np.abs(cat("d_duration")), np.abs(cat("d_start")), np.abs(cat("d_end"))
    strokes = cat("d_strokes")
    return {
        "sessions": len(results), "sets": len(exact),
        "exact_sets_pct": round(100.0 * float(exact.mean()), 1) if len(exact) else None,
        "bouts_true": sum(r["true"] for r in results),
        "missed": sum(r["missed"] for r in results), "extra": sum(r["extra"] for r in results),
        "duration_mae_s": round(float(dur.mean()), 3),
        "duration_p95_s": round(float(np.percentile(dur, 95)), 3),
        "start_mae_s": round(float(start.mean()), 3),
        "end_mae_s": round(float(end.mean()), 3),
        "strokes_exact_pct": round(100.0 * float((strokes == 0).mean()), 1),
        "strokes_mae": round(float(np.abs(strokes).mean()), 2),
        "strokes_bias": round(float(strokes.mean()), 2),
        "stops_exact_pct": round(100.0 * float(cat("stops_ok").mean()), 1),
        "decision_latency_p95_s": round(float(np.percentile(cat("latency"), 95)), 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("tuning", "holdout", "both"), default="tuning")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per session")
    args = ap.parse_args(argv)
    which = ("tuning", "holdout") if args.set == "both" else (args.set,)
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in which:
            t0 = time.perf_counter()
            results = [run_case(c, Path(tmp)) for c in cases(name)]
            report[name] = summarise(results)
            report[name]["wall_s"] = round(time.perf_counter() - t0, 1)
            if args.verbose:
                for r in results:
                    bad = "" if all(r["set_exact"]) else "  <-- count"
                    print(f"  {name} seed {r['seed']} {r['sensor']}@{r['rate_hz']:g} "
                          f"{r['placement']}: true {r['true']} det {r['detected']} "
                          f"missed {r['missed']} extra {r['extra']} "
                          f"|d dur| max {max(map(abs, r['d_duration']), default=0):.2f} "
                          f"d strokes {r['d_strokes']}{bad}", file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    keys = list(next(iter(report.values())).keys())
    print(f"{'':24s}" + "".join(f"{n:>12s}" for n in report))
    for k in keys:
        print(f"{k:24s}" + "".join(f"{report[n][k]!s:>12s}" for n in report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
