"""Loaded carries (bouts of steps, issue #12) on simulated sessions.

    python benchmarks/carries.py                  # the tuning set
    python benchmarks/carries.py --set holdout    # held-out: other seeds, wider ranges
    python benchmarks/carries.py --json

Every session is simulated into a temporary folder, read back and run through the same
pipeline as ``eccentric count --exercise loaded_carry``. The tuning set (seeds looked at
while tuning) is 12 sessions from ``bout_variants="normal"`` (carries 15–45 s at 80–115
steps/min, thigh swing ±15–25°, trunk turn ±3–8°, 180° turns every 8–15 s, rests of
8–25 s, the load set down and picked up) and 12 from the wide ranges; the held-out set
is 40 sessions with other seeds, all wide (10–60 s carries at 70–125 steps/min with
±10 % stride-to-stride spread, swings ±10–30°, trunk turns ±2–10°, turns every 6–20 s),
sensors at 50–208 Hz, both placements, misalignment, dropouts and fidgets.

Figures: exact bout count per labelled set (target ≥ 95 %), bouts missed and extra,
duration MAE (target ≤ 0.3 s) and p95, start and end MAE, step count exact % and MAE,
cadence MAE (steps/min).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
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

SENSOR_RATES = (("witmotion", 50.0), ("metamotion", 100.0), ("movesense", 208.0),
                ("polar_verity_sense", 52.0), ("metamotion_s", 200.0), ("witmotion", 100.0),
                ("movesense", 104.0), ("polar_verity_sense", 104.0))
PLACEMENTS = ("thigh", "trunk")


def cases(which: str) -> list[tuple[int, str, str, dict[str, Any]]]:
    def drawn(n: int, seed0: int, draw_seed: int, variants: str
              ) -> list[tuple[int, str, str, dict[str, Any]]]:
        rng = np.random.default_rng(draw_seed)  # draws the variants, not the physics
        out = []
        for i in range(n):
            sensor, rate = SENSOR_RATES[i % len(SENSOR_RATES)]
            opts: dict[str, Any] = {
                "bout_variants": variants, "rate_hz": rate,
                "sets": int(rng.integers(1, 3)), "reps": int(rng.integers(2, 5)),
                "dropouts": ("none", "light", "heavy")[int(rng.integers(0, 3))],
                "misalignment": ("normal", "large")[int(rng.integers(0, 2))],
                "fidgets": int(rng.integers(0, 2)), "rest_min_s": 40.0, "rest_max_s": 70.0,
            }
            out.append((seed0 + 7 * i, sensor, PLACEMENTS[i % 2], opts))
        return out

    if which == "tuning":
        return drawn(12, 5000, 557, "normal") + drawn(12, 6000, 558, "wide")
    return drawn(40, 850000, 20261206, "wide")


def run_case(seed: int, sensor: str, placement: str, options: dict[str, Any],
             folder: Path) -> dict[str, Any]:
    session = simulate("loaded_carry", seed, sensor, placement,
                       SessionOptions.from_dict(dict(options), f"seed {seed}"))
    path = folder / f"c{seed}.jsonl.gz"
    write_recording(path, session)
    reader = RecordingReader(path)
    labels = reader.labels()
    events = run_pipeline(reader.chunks(merge_s=FAST_CHUNK_S),
                          PipelineConfig(exercise="loaded_carry", rate_hz=reader.header.rate_hz))
    bouts = [e for e in events if e["type"] == "bout"]
    truth = [lab for lab in labels if lab.get("label") == "bout"]
    sets = [lab for lab in labels if lab.get("label") == "set"]
    pairs, free = match_spans(bouts, truth)
    return {
        "set_exact": sets_exact(bouts, truth, sets), "true": len(truth),
        "missed": len(truth) - len(pairs), "extra": len(free),
        "d_duration": [d["duration_s"] - t["duration_s"] for t, d in pairs],
        "d_start": [d["start_s"] - t["start_s"] for t, d in pairs],
        "d_end": [d["end_s"] - t["end_s"] for t, d in pairs],
        "d_steps": [d["steps"] - t["steps"] for t, d in pairs],
        "d_cadence": [d["cadence_spm"] - 60.0 * t["steps"] / t["duration_s"]
                      for t, d in pairs],
        "placement": placement,
    }


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    def cat(key: str, placement: str | None = None) -> np.ndarray:
        return np.asarray([x for r in results for x in r[key]
                           if placement is None or r["placement"] == placement], dtype=float)

    exact = cat("set_exact")
    dur = np.abs(cat("d_duration"))
    out: dict[str, Any] = {
        "sessions": len(results), "sets": len(exact),
        "exact_sets_pct": round(100.0 * float(exact.mean()), 1),
        "bouts_true": sum(r["true"] for r in results),
        "missed": sum(r["missed"] for r in results), "extra": sum(r["extra"] for r in results),
        "duration_mae_s": round(float(dur.mean()), 3),
        "duration_p95_s": round(float(np.percentile(dur, 95)), 3),
        "start_mae_s": round(float(np.abs(cat("d_start")).mean()), 3),
        "end_mae_s": round(float(np.abs(cat("d_end")).mean()), 3),
    }
    for pl in PLACEMENTS:
        steps = cat("d_steps", pl)
        out[f"steps_exact_pct_{pl}"] = round(100.0 * float((steps == 0).mean()), 1)
        out[f"steps_mae_{pl}"] = round(float(np.abs(steps).mean()), 2)
        out[f"cadence_mae_spm_{pl}"] = round(float(np.abs(cat("d_cadence", pl)).mean()), 2)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("tuning", "holdout"), default="tuning")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_case(*c, Path(tmp)) for c in cases(args.set)]
    report = summarise(results)
    report["wall_s"] = round(time.perf_counter() - t0, 1)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"{args.set} set, loaded carries (simulated)")
    for k, v in report.items():
        print(f"  {k:24s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
