"""Timed holds (side plank, issue #12) on simulated sessions.

    python benchmarks/holds.py                  # the tuning set
    python benchmarks/holds.py --set holdout    # held-out: other seeds, wider ranges
    python benchmarks/holds.py --set holdout1   # the first held-out run (see accuracy.md)
    python benchmarks/holds.py --set both --json

Every session is simulated into a temporary folder, read back and run through the same
pipeline as ``eccentric count``. The tuning set is what the hold detector was tuned on:
16 sessions from ``hold_variants="normal"`` (holds 10–60 s, sway 0.3–1° in 0.3–1.5 Hz,
up to 2 hip dips, sag up to 15 % of the lift) and 24 from the wide ranges; the held-out
set uses seeds never looked at while tuning, all from ``hold_variants="wide"`` (holds
8–75 s, sway 0.2–1.5° in 0.2–2.5 Hz, up to 4 dips, sag up to 30 %, more hesitant lifts,
getting in/out in 0.3–4.5 s), all five sensor families at 50–208 Hz, both placements,
large sensor misalignment, heavy dropouts, and lifts that are not holds (dropped at once,
too low, fidgets).

Figures: exact hold count per labelled set (target ≥ 95 %), holds missed and extra,
duration MAE (target ≤ 0.3 s), start and end MAE and p95, side correct %, sway error
(MAE, deg), hip-dip count exact %.
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

# Sensor and rate pairs (Hz) the held-out set cycles through: 50–208 Hz.
SENSOR_RATES = (("witmotion", 50.0), ("metamotion", 100.0), ("movesense", 208.0),
                ("polar_verity_sense", 52.0), ("metamotion_s", 200.0), ("witmotion", 100.0),
                ("movesense", 104.0), ("polar_verity_sense", 104.0))


@dataclass(frozen=True)
class Case:
    seed: int
    sensor: str
    placement: str
    options: dict[str, Any]


def _wide_cases(n: int, seed0: int, draw_seed: int) -> list[Case]:
    """Sessions drawn from the wide ranges: every sensor family at 50–208 Hz, both
    placements, tempos, fatigue, dropouts, misalignment, distractors."""
    rng = np.random.default_rng(draw_seed)  # draws the variants, not the physics
    out: list[Case] = []
    for i in range(n):
        sensor, rate = SENSOR_RATES[i % len(SENSOR_RATES)]
        opts: dict[str, Any] = {
            "hold_variants": "wide", "rate_hz": rate,
            "sets": int(rng.integers(1, 4)), "reps": int(rng.integers(1, 4)),
            "tempo": ("normal", "fast", "slow")[int(rng.integers(0, 3))],
            "fatigue": float(round(rng.uniform(0.0, 1.0), 2)),
            "dropouts": ("none", "light", "heavy")[int(rng.integers(0, 3))],
            "misalignment": ("normal", "large")[int(rng.integers(0, 2))],
            "aborted_starts": int(rng.integers(0, 2)), "partial_reps": int(rng.integers(0, 2)),
            "fidgets": int(rng.integers(0, 3)),
            "side": ("left", "right")[int(rng.integers(0, 2))],
            "rest_min_s": 30.0, "rest_max_s": 60.0,
        }
        out.append(Case(seed0 + 7 * i, sensor, ("trunk", "thigh")[int(rng.integers(0, 2))],
                        opts))
    return out


def cases(which: str) -> list[Case]:
    if which == "tuning":
        # The only seeds the detector was tuned on: 16 sessions at 100 Hz from the normal
        # ranges, and 24 from the wide ranges.
        out = [Case(1000 + i, "metamotion", ("trunk", "thigh")[i % 2],
                    {"sets": 2, "reps": 2, "rate_hz": 100.0,
                     "tempo": ("normal", "fast", "slow")[i % 3]}) for i in range(16)]
        return out + _wide_cases(24, 5000, 777)
    if which == "holdout1":
        # The first held-out run (docs/accuracy.md reports what it gave before the
        # detector was tuned further on the wide tuning sessions above).
        return _wide_cases(40, 900000, 20261203)
    return _wide_cases(60, 700000, 20261204)


def run_case(case: Case, folder: Path) -> dict[str, Any]:
    session = simulate("side_plank", case.seed, case.sensor, case.placement,
                       SessionOptions.from_dict(dict(case.options), f"seed {case.seed}"))
    path = folder / f"s{case.seed}.jsonl.gz"
    write_recording(path, session)
    reader = RecordingReader(path)
    h = reader.header
    labels = reader.labels()
    config = PipelineConfig(exercise="side_plank", rate_hz=h.rate_hz,
                            side=h.side if h.side not in ("unknown", "both") else None)
    events = run_pipeline(reader.chunks(merge_s=FAST_CHUNK_S), config)
    holds = [e for e in events if e["type"] == "hold"]
    truth = [lab for lab in labels if lab.get("label") == "hold"]
    sets = [lab for lab in labels if lab.get("label") == "set"]
    pairs, free = match_spans(holds, truth)
    set_exact = sets_exact(holds, truth, sets)
    return {
        "seed": case.seed, "sensor": case.sensor, "rate_hz": h.rate_hz,
        "placement": case.placement, "sets": len(sets), "set_exact": set_exact,
        "true": len(truth), "detected": len(holds), "missed": len(truth) - len(pairs),
        "extra": len(free),
        "d_duration": [d["duration_s"] - t["duration_s"] for t, d in pairs],
        "d_start": [d["start_s"] - t["start_s"] for t, d in pairs],
        "d_end": [d["end_s"] - t["end_s"] for t, d in pairs],
        "side_ok": [d["side"] == t["side"] for t, d in pairs],
        "d_sway": [d["sway_deg"] - t["sway_deg"] for t, d in pairs],
        "dips_ok": [d["hip_dips"] == t["hip_dips"] for t, d in pairs],
        "latency": [d["decided_s"] - t["end_s"] for t, d in pairs],
    }


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    def cat(key: str) -> np.ndarray:
        return np.asarray([x for r in results for x in r[key]], dtype=float)

    exact = cat("set_exact")
    dur, start, end = np.abs(cat("d_duration")), np.abs(cat("d_start")), np.abs(cat("d_end"))
    return {
        "sessions": len(results), "sets": len(exact),
        "exact_sets_pct": round(100.0 * float(exact.mean()), 1) if len(exact) else None,
        "holds_true": sum(r["true"] for r in results),
        "missed": sum(r["missed"] for r in results), "extra": sum(r["extra"] for r in results),
        "duration_mae_s": round(float(dur.mean()), 3),
        "duration_p95_s": round(float(np.percentile(dur, 95)), 3),
        "start_mae_s": round(float(start.mean()), 3),
        "start_p95_s": round(float(np.percentile(start, 95)), 3),
        "end_mae_s": round(float(end.mean()), 3),
        "end_p95_s": round(float(np.percentile(end, 95)), 3),
        "side_correct_pct": round(100.0 * float(cat("side_ok").mean()), 1),
        "sway_mae_deg": round(float(np.abs(cat("d_sway")).mean()), 2),
        "dips_exact_pct": round(100.0 * float(cat("dips_ok").mean()), 1),
        "decision_latency_p95_s": round(float(np.percentile(cat("latency"), 95)), 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("tuning", "holdout", "holdout1", "both"),
                    default="tuning")
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
                          f"|d dur| max {max(map(abs, r['d_duration']), default=0):.2f}{bad}",
                          file=sys.stderr)
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
