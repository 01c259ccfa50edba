"""The generic ``auto`` counter on simulated sessions of its failure classes (issue 12,
class 3): square-wave holds, rows, pendulums, walking before a set, slow sets, walking
and rest alone.

    python benchmarks/auto_classes.py --set tune            # the tuning draw
    python benchmarks/auto_classes.py --set holdout         # the held-out draw (run last)
    python benchmarks/auto_classes.py --set tune --n 4 -v   # fewer sessions, each listed

Each session (``eccentric.sim.generic``) streams through ``Pipeline`` with exercise ``auto``
in 0.5 s chunks and its ``rep`` events are counted against the scripted reps. The tuning
draw uses seeds 0..n-1, sensor rates 50/100 Hz and the nominal ranges; the held-out draw
uses seeds 900000.. (never looked at while tuning), rates 25-200 Hz and ranges widened
(``wide=True``: holds, periods, amplitudes and rates beyond the tuned ones).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from eccentric.core.chunk import iter_chunks  # noqa: E402
from eccentric.detect.cycles.counter import CycleCounter  # noqa: E402
from eccentric.detect.cycles.settings import CycleSettings  # noqa: E402
from eccentric.session.pipeline import Pipeline, PipelineConfig  # noqa: E402
from eccentric.sim.generic import CLASSES, GenericSession, simulate_generic  # noqa: E402

SEEDS = {"tune": 0, "holdout": 900000}


def count_reps(session: GenericSession, chunk_s: float = 0.5,
               settings: CycleSettings | None = None) -> int:
    """Reps ``auto`` emits for the session, streamed as a live session would be
    (``settings``: a variant of the counter's tuning, for experiments)."""
    pipe = Pipeline(PipelineConfig(exercise="auto", rate_hz=session.rate_hz,
                                   session_id=f"{session.kind}-{session.seed}"))
    if settings is not None:
        pipe.detector = CycleCounter(session.rate_hz, settings)
    n = 0
    for c in iter_chunks(session.chunk, chunk_s):
        n += sum(ev["type"] == "rep" for ev in pipe.process(c))
    n += sum(ev["type"] == "rep" for ev in pipe.finish())
    return n


def run(which: str, n: int, kinds: list[str], verbose: bool,
        settings: CycleSettings | None = None) -> dict[str, dict[str, float]]:
    wide = which == "holdout"
    errors: dict[str, list[int]] = defaultdict(list)
    for kind in kinds:
        for seed in range(SEEDS[which], SEEDS[which] + n):
            s = simulate_generic(kind, seed, wide=wide)
            got = count_reps(s, settings=settings)
            errors[kind].append(got - s.true_reps)
            if verbose and got != s.true_reps:
                print(f"  {kind:9} seed {seed:6d} {s.rate_hz:5.0f} Hz {got:3d}/{s.true_reps:<3d}"
                      f" {s.drawn}", flush=True)
    out: dict[str, dict[str, float]] = {}
    for kind in kinds:
        e = np.array(errors[kind])
        out[kind] = {"sessions": len(e), "exact_pct": round(100 * float(np.mean(e == 0)), 1),
                     "within1_pct": round(100 * float(np.mean(np.abs(e) <= 1)), 1),
                     "bias_reps": round(float(np.mean(e)), 2)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=("tune", "holdout", "both"), default="tune")
    ap.add_argument("--n", type=int, default=12, help="sessions per class")
    ap.add_argument("--kind", action="append", choices=CLASSES,
                    help="only these classes (repeatable)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="list miscounted sessions")
    args = ap.parse_args()
    kinds = args.kind or list(CLASSES)
    sets = ("tune", "holdout") if args.set == "both" else (args.set,)
    report = {}
    for which in sets:
        if not args.json:
            print(f"\n{which} draw ({args.n} sessions per class)")
        res = run(which, args.n, kinds, args.verbose and not args.json)
        report[which] = res
        if not args.json:
            print(f"  {'class':9} {'n':>3} {'exact %':>8} {'±1 %':>6} {'bias':>6}")
            for kind, r in res.items():
                print(f"  {kind:9} {r['sessions']:3d} {r['exact_pct']:8.1f} "
                      f"{r['within1_pct']:6.1f} {r['bias_reps']:+6.2f}")
    if args.json:
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
