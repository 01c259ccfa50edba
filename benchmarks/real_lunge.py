"""The ``lunge`` profile on real thigh IMUs: CMU lower-limb set ``Lunge`` (SUB22).

    python benchmarks/real_lunge.py          # table per sensor and rep file
    python benchmarks/real_lunge.py --json

One sensor at a time (``LeftThigh`` with ``--side left``, ``RightThigh`` with
``--side right``) is streamed through the pipeline in 0.5 s chunks, as a live session
would see it; the other sensors are read only for the truth:

* count: one rep per file (the source cut every set into one file per repetition);
* leading leg: the foot that steps out moves, the other stays planted (it only rolls
  onto its toes), so the leading leg is the one whose FOOT sensor turns more (mean
  squared angular rate over the rep). The thigh sensor under test never decides it.

Each rep file is its own stream. The source cut out the 0.6–1.5 s rests between reps,
and joining the files leaves time gaps across which the attitude restarts from an
accelerometer reading taken mid-movement (the cut keeps only the movement): the
standing pose is lost at every gap. Each file starts where the movement starts, in the
standing pose, which is where a session with its rests would measure from.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eccentric.core.chunk import ImuChunk, iter_chunks  # noqa: E402
from eccentric.session.pipeline import Pipeline, PipelineConfig  # noqa: E402
from real_datasets import _cmu_rep  # noqa: E402

DEFAULT_DATASETS = ROOT.parent / "shared" / "datasets"
SENSORS = (("LeftThigh", "left"), ("RightThigh", "right"))


def rep_files(root: Path, folder: str = "Lunge") -> list[Path]:
    """The set's rep files in rep order (from reps.csv)."""
    base = root / "cmu_lowerlimb"
    with (base / "reps.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["file"].split("/")[1] == folder]
    if not rows:
        raise SystemExit(f"no {folder} reps in {base / 'reps.csv'}")
    return [base / r["file"] for r in sorted(rows, key=lambda r: int(r["rep_index"]))]


def leading_leg(path: Path) -> str:
    """Truth: the leg whose foot turned more over the rep (the one that stepped)."""
    energy = {side: float(np.mean(np.sum(_cmu_rep(path, f"{side.capitalize()}Foot")[2] ** 2,
                                         axis=1)))
              for side in ("left", "right")}
    return max(energy, key=lambda k: energy[k])


def run_file(path: Path, sensor: str, side: str, chunk_s: float = 0.5) -> list[dict[str, Any]]:
    """The rep events of one rep file streamed from one thigh sensor."""
    t, acc, gyro = _cmu_rep(path, sensor)
    session = Pipeline(PipelineConfig(exercise="lunge", rate_hz=100.0, side=side,
                                      session_id=path.stem))
    events: list[dict[str, Any]] = []
    for c in iter_chunks(ImuChunk.from_arrays(t, acc, gyro, source=str(path)), chunk_s):
        events.extend(session.process(c))
    events.extend(session.finish())
    return [e for e in events if e["type"] == "rep"]


def evaluate(root: Path) -> dict[str, Any]:
    files = rep_files(root)
    truth = [leading_leg(f) for f in files]
    out: dict[str, Any] = {"truth_leading": truth, "sensors": {}}
    for sensor, side in SENSORS:
        per_file = []
        for f, lead in zip(files, truth, strict=True):
            reps = run_file(f, sensor, side)
            per_file.append({"file": f.name, "reps": len(reps), "true_leading": lead,
                             "sides": [r.get("side") for r in reps],
                             "depth_deg": [r.get("depth_deg") for r in reps]})
        count = sum(p["reps"] for p in per_file)
        exact = sum(p["reps"] == 1 for p in per_file)
        side_ok = sum(p["reps"] == 1 and p["sides"][0] == p["true_leading"] for p in per_file)
        out["sensors"][sensor] = {"side_flag": side, "count": count, "true_count": len(files),
                                  "files_exact": exact, "side_correct": side_ok,
                                  "files": per_file}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = evaluate(args.datasets)
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    print("CMU SUB22 Lunge (100 Hz), one stream per rep file; truth: 1 rep per file, "
          "leading leg from the foot sensors")
    for sensor, r in res["sensors"].items():
        print(f"{sensor} (--side {r['side_flag']}): {r['count']}/{r['true_count']} reps, "
              f"{r['files_exact']}/{r['true_count']} files exact, "
              f"leading leg correct on {r['side_correct']}/{r['true_count']}")
        for p in r["files"]:
            depth = ", ".join(f"{d:.1f}" for d in p["depth_deg"])
            print(f"  {p['file']:22} reps {p['reps']}  side {p['sides']}  "
                  f"true {p['true_leading']}  depth_deg [{depth}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
