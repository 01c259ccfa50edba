"""Detection accuracy on the simulated library and on the held-out simulated set.

    python benchmarks/accuracy.py            # both tables, side by side
    python benchmarks/accuracy.py --json     # machine-readable

The library (recordings/) is what the detectors were developed against. The held-out set
(benchmarks/holdout_manifest.json: other seeds, wider parameter ranges) is generated into
a temporary folder here and used for nothing else. Targets (issue #2): exact count on
every set, per-rep F1 ≥ 0.99, phase-boundary MAE ≤ 80 ms, break-angle MAE ≤ 3°.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from eccentric.app.commands.evaluate import evaluate_file  # noqa: E402
from eccentric.evaluation.metrics import FileScore, Summary, summarise  # noqa: E402
from eccentric.sim.manifest import generate  # noqa: E402


def score_folder(paths: list[Path], label: str) -> tuple[dict[str, list[FileScore]], list[str]]:
    groups: dict[str, list[FileScore]] = {"all": []}
    off: list[str] = []
    for i, p in enumerate(paths, 1):
        print(f"  [{label} {i}/{len(paths)}] {p.name}", file=sys.stderr, flush=True)
        sc, exercise = evaluate_file(p)
        groups["all"].append(sc)
        groups.setdefault(exercise, []).append(sc)
        if any(t != d for t, d in sc.sets):
            off.append(f"{p.name}: sets (true, detected) {sc.sets}")
    return groups, off


def fmt(v: float | None, nd: int = 1) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


def row(name: str, m: Summary) -> str:
    ecc = m.duration_mae_ms.get("eccentric_s")
    return (f"{name:22} {m.files:5d} {m.sets:5d} {fmt(m.exact_set_pct):>7} "
            f"{fmt(m.within1_set_pct):>6} {m.f1:6.3f} {fmt(m.boundary_mae_ms, 0):>9} "
            f"{fmt(m.break_angle_mae_deg, 2):>8} {m.break_n:>5} {m.break_missing:>4} "
            f"{fmt(ecc, 0):>8} {fmt(m.latency_p95_s, 2):>7} {fmt(m.latency_max_s, 2):>7} "
            f"{fmt(m.gap_latency_max_s, 2):>7}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    library = sorted((ROOT / "recordings").glob("*.jsonl.gz"))
    results = {}
    offsets = {}
    with tempfile.TemporaryDirectory() as tmp:
        print("generating the held-out set ...", file=sys.stderr, flush=True)
        holdout = sorted(generate(ROOT / "benchmarks" / "holdout_manifest.json", tmp))
        for label, paths in (("library", library), ("held-out", holdout)):
            groups, off = score_folder(paths, label)
            results[label] = {k: summarise(v) for k, v in groups.items()}
            offsets[label] = off
    if args.json:
        print(json.dumps({k: {g: asdict(m) for g, m in v.items()} for k, v in results.items()}
                         | {"sets_off": offsets}, indent=1))
        return 0
    head = (f"{'group':22} {'files':>5} {'sets':>5} {'exact%':>7} {'±1 %':>6} {'F1':>6} "
            f"{'bound.ms':>9} {'break°':>8} {'n':>5} {'miss':>4} {'ecc ms':>8} "
            f"{'lat95 s':>7} {'latmax':>7} {'gap max':>7}")
    for label, groups in results.items():
        print(f"\n{label} (simulated)")
        print(head)
        for name, m in groups.items():
            print(row(name, m))
        for line in offsets[label]:
            print(f"  count off: {line}")
    print("\nbound.ms = phase-boundary MAE; break° = break-point-angle MAE over n reps with a "
          "break in both (miss = true break, none reported); lat = decision delay after the "
          "true rep end, stream time, reps without data gaps; gap max = the same for reps "
          "held up by a data gap (ending in one, or start pose lost in one)")
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
