"""Record what the CLI outputs on every recording and every real data set, and compare
two such records byte for byte: the check that a refactor left behaviour unchanged.

    python benchmarks/behaviour_snapshot.py record benchmarks/results/before
    ... change the code ...
    python benchmarks/behaviour_snapshot.py record benchmarks/results/after
    python benchmarks/behaviour_snapshot.py compare benchmarks/results/{before,after}

What is recorded (each through the installed CLI, as a user would call it):
* ``count --json`` on every file in ``recordings/`` (exercise from its header);
* ``replay --json --speed max --live-hz 20 --run-id snapshot`` on every recording
  (every event kind: rep, set, nonrep, status and throttled live frames; the fixed run
  id keeps rep and set ids the same from one run to the next);
* ``count --json --exercise auto`` on every file of ``../shared/datasets``: SPAR CSVs
  as they are; barbell (paired MetaWear exports) and CMU (one file per rep, ten IMUs)
  first written out once as plain ``t,ax..gz`` CSV by the tree's own readers into
  ``--inputs`` and reused, so both runs read the same bytes.

Compare exits non-zero on the first difference and names the file and line.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
DEFAULT_INPUTS = ROOT / "benchmarks" / "results" / "snapshot-inputs"
CLI = [sys.executable, "-m", "eccentric"]


def _cli(args: list[str]) -> str:
    proc = subprocess.run([*CLI, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    # stderr (warnings) and the exit code are behaviour too.
    return (f"$ eccentric {' '.join(args)}\n{proc.stdout}--- stderr\n{proc.stderr}"
            f"--- rc {proc.returncode}\n")


def _write_csv(path: Path, t_s: object, acc: object, gyro: object) -> None:
    import numpy as np

    data = np.column_stack([t_s, acc, gyro])  # type: ignore[list-item]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["t", "ax", "ay", "az", "gx", "gy", "gz"])
        # repr() of a float round-trips exactly.
        w.writerows([[repr(float(v)) for v in row] for row in data])


def _prepare_inputs(inputs: Path) -> None:
    """Barbell and CMU sets as plain CSV in SI units (written once, then reused)."""
    if (inputs / ".complete").exists():
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import real_datasets as rd  # the benchmark's loaders: the same sets it scores

    inputs.mkdir(parents=True, exist_ok=True)
    folder = DATASETS / "barbell"
    with (folder / "manifest.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    reader = rd.read_metawear
    for i, row in enumerate(rows):
        d = reader(folder / row["file"], folder / row["gyro_file"], rate_hz=rd.BARBELL_RATE_HZ)
        c = d.chunk
        _write_csv(inputs / f"barbell_{i:02d}.csv", c.t_s, c.acc_mps2, c.gyro_rads)
    for s in rd.load_cmu(DATASETS, "working-thigh"):
        c = s.chunk
        _write_csv(inputs / f"cmu_{s.name}.csv", c.t_s, c.acc_mps2, c.gyro_rads)
    (inputs / ".complete").write_text("ok\n")


def record(out: Path, inputs: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _prepare_inputs(inputs)
    recordings = sorted(p.relative_to(ROOT) for p in (ROOT / "recordings").glob("*.jsonl.gz"))
    jobs: dict[str, list[list[str]]] = {
        "count_recordings": [["count", "--json", str(p)] for p in recordings],
        # A fixed run id: replay draws a fresh one per run otherwise (it is in every id).
        "replay_recordings": [["replay", "--json", "--speed", "max", "--live-hz", "20",
                               "--run-id", "snapshot", str(p)] for p in recordings],
        "count_spar": [["count", "--json", "--exercise", "auto", "--rate", "50",
                        "--acc-unit", "g", "--gyro-unit", "rad/s", str(p)]
                       for p in sorted((DATASETS / "spar").glob("*.csv"))
                       if p.name != "manifest.csv"],
        "count_barbell_cmu": [["count", "--json", "--exercise", "auto", "--acc-unit", "m/s2",
                               "--gyro-unit", "rad/s", str(p)]
                              for p in sorted(inputs.glob("*.csv"))],
    }
    for name, calls in jobs.items():
        with (out / f"{name}.txt").open("w") as fh:
            for k, args in enumerate(calls, 1):
                fh.write(_cli(args))
                print(f"\r{name}: {k}/{len(calls)}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)


def compare(a: Path, b: Path) -> int:
    names = sorted({p.name for p in a.glob("*.txt")} | {p.name for p in b.glob("*.txt")})
    if not names:
        print(f"nothing recorded in {a} or {b}", file=sys.stderr)
        return 2
    for name in names:
        fa, fb = a / name, b / name
        if not fa.exists() or not fb.exists():
            print(f"{name}: present in only one record", file=sys.stderr)
            return 1
        la, lb = fa.read_text().splitlines(), fb.read_text().splitlines()
        for i, (x, y) in enumerate(zip(la, lb, strict=False), 1):
            if x != y:
                print(f"{name}:{i}: differs\n  before: {x[:300]}\n  after:  {y[:300]}",
                      file=sys.stderr)
                return 1
        if len(la) != len(lb):
            print(f"{name}: {len(la)} vs {len(lb)} lines", file=sys.stderr)
            return 1
        print(f"{name}: identical ({len(la)} lines)")
    print("behaviour unchanged: every output is byte-identical")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("out", type=Path)
    r.add_argument("--inputs", type=Path, default=DEFAULT_INPUTS)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = ap.parse_args()
    if args.cmd == "record":
        record(args.out, args.inputs)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
